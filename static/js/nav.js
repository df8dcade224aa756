// The main menu's groups are <details> elements, so they open without script; this
// only closes them the way menus close: another group opened, a click elsewhere, Escape.
(function () {
  function menus() { return document.querySelectorAll("details[data-nav-menu]"); }
  function closeAll(except) {
    menus().forEach(function (m) { if (m !== except) { m.removeAttribute("open"); } });
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details[data-nav-menu]") && event.target.open) {
      closeAll(event.target);
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details[data-nav-menu]")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details[data-nav-menu][open]");
    if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
  });
})();
