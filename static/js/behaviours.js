// Small behaviours declared in the HTML by data attributes, so that no page needs an
// inline script or an on*= handler (the Content-Security-Policy allows neither):
//   <select data-autosubmit>        submits its form when changed;
//   <form data-confirm="question">  asks before submitting;
//   <button data-print>             prints the page;
//   <a data-back href=…>            goes back in history (the href where there is none).
(function () {
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("[data-print]")) { window.print(); }
    var back = event.target.closest("a[data-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
})();
