// The quick entry form: Ctrl+Enter saves from any field (the summary textarea
// included), and the client field searches the center's clients as the user types
// (htmx, from the URL in the form's data-client-options).
(function () {
  var form = document.getElementById("quick-form");
  if (!form) { return; }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  var input = document.getElementById("id_client_ref");
  if (!input || !form.dataset.clientOptions) { return; }
  input.setAttribute("hx-get", form.dataset.clientOptions);
  input.setAttribute("hx-trigger", "input changed delay:250ms");
  input.setAttribute("hx-target", "#client-options");
  if (window.htmx) { window.htmx.process(input); }
})();
