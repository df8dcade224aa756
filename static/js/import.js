// Large files: show the upload's progress, then that the server is checking the rows;
// the answer (the problems, or the list the import redirects to) replaces the page.
// Without JavaScript the form posts normally. The messages are the form's data-text-*
// attributes, translated by the template.
(function () {
  var form = document.getElementById("import-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var status = document.getElementById("import-status");
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate while the server works
      status.textContent = form.dataset.textChecking;
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.history.replaceState(null, "", xhr.responseURL);
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      status.textContent = form.dataset.textFailed;
      button.disabled = false;
    });
    button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    status.textContent = form.dataset.textUploading;
    xhr.send(new FormData(form));
  });
})();
