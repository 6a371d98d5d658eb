/* "Is dit een correctie?": asked when an editor changes what readers of a published event rely
 * on (its date, participants, title or a quote).
 *
 * The admin draws the question (fieldset.correction) only on a published event's form. Without
 * JavaScript it is two plain fields; with it, the question stays hidden until such a change,
 * and the note is required once the box is ticked. A static file: the Content-Security-Policy
 * forbids inline code.
 */
(function () {
  "use strict";

  var WATCHED = /^(title|date_text|edtf|part_of_day|participations-\d+-(actor|role|DELETE)|citations-\d+-(quote|source|DELETE))$/;

  function setUp(fieldset) {
    var form = fieldset.closest("form");
    var box = fieldset.querySelector('input[name="is_correction"]');
    var note = fieldset.querySelector('[name="correction_note"]');
    if (!form || !box || !note) return;

    function changed(field) {
      if (field.type === "checkbox") return field.checked !== field.defaultChecked;
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.value !== field.defaultValue;
    }

    function relevantChange() {
      return Array.prototype.some.call(form.elements, function (field) {
        return WATCHED.test(field.name || "") && field.name.indexOf("__prefix__") === -1 && changed(field);
      });
    }

    function update() {
      var ask = box.checked || note.value.trim() !== "" || fieldset.querySelector(".errorlist") !== null || relevantChange();
      fieldset.hidden = !ask;
      note.required = box.checked;
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    if (window.django && window.django.jQuery) {
      // The participants' and sources' autocomplete (select2) announces choices through jQuery.
      window.django.jQuery(form).on("select2:select select2:clear", update);
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("fieldset.correction").forEach(setUp);
  });
})();
