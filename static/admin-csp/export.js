// The export form's "select all" toggle, without an inline onchange attribute (strict CSP).
// onSelectToggleChange comes from import_export/export_selectable_fields.js.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var toggle = document.querySelector("input.select-toggle");
  if (toggle && typeof onSelectToggleChange === "function") {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
