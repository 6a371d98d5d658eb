// Small progressive enhancements; the page works fully without this file.
(function () {
  "use strict";
  // The actor box suggests as one types; its own "change" must not refilter the timeline
  // (choosing a suggestion, or Enter, does that).
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_who") event.stopPropagation();
  }, true);
  // Escape closes the actor suggestions.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var box = document.getElementById("who-suggestions");
    if (box && box.contains(document.activeElement)) {
      box.innerHTML = "";
      var input = document.getElementById("id_who");
      if (input) input.focus();
    } else if (box && document.activeElement && document.activeElement.id === "id_who") {
      box.innerHTML = "";
    }
  });
  // On a phone the filter panel waits closed behind its "Filters (N)" summary, so that the
  // results come first; it stays as the reader left it when htmx swaps in a new page.
  var phone = window.matchMedia("(max-width: 52rem)");
  var panelOpen = false;
  function fitPanel() {
    var panel = document.getElementById("filter-panel");
    if (!panel) return;
    panel.open = !phone.matches || panelOpen;
    panel.addEventListener("toggle", function () {
      if (phone.matches) panelOpen = panel.open;
    });
  }
  fitPanel();
  phone.addEventListener("change", fitPanel);
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "page") fitPanel();
  });
  // Copy buttons in the share panel: only where the clipboard can be written (they are hidden
  // as sent, since without this script they would do nothing).
  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("button.copy[hidden]").forEach(function (b) { b.hidden = false; });
  }
  showCopyButtons();
  document.body.addEventListener("htmx:afterSettle", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(field.value).then(function () {
      var status = document.getElementById("copy-status");
      if (status) status.textContent = button.getAttribute("data-done") || "";
      button.classList.add("is-done");
    });
  });
  // After htmx swaps in a new page of filters, keep keyboard users where they were.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "page") {
      var heading = document.querySelector("#page h1");
      if (heading && !document.activeElement.closest("#page")) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  });
})();
