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
