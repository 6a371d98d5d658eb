/* "Controleer datum": shows how a typed date will be read, before the event is saved.
 *
 * Asks the staff-only endpoint /admin/timeline/event/resolve-date/ with the phrase, the first
 * cited source on the form, saved or not (its publication date is the base; without one a
 * relative date is refused) and the status (a scheduled or expected event reads "woensdag"
 * forwards), and writes the answer, with the source it read from, into the <output> next to
 * the field, which screen readers announce (aria-live). A static file, no inline script, so a
 * strict Content-Security-Policy can forbid inline code.
 */
(function () {
  "use strict";

  function firstSource(form) {
    var selects = form.querySelectorAll('select[name^="citations-"][name$="-source"]');
    for (var i = 0; i < selects.length; i++) {
      var select = selects[i];
      if (select.name.indexOf("__prefix__") !== -1 || !select.value) continue;
      var prefix = select.name.slice(0, -"source".length);
      var deleted = form.querySelector('input[name="' + prefix + 'DELETE"]');
      if (deleted && deleted.checked) continue;
      return select.value;
    }
    return "";
  }

  function show(output, text, isError) {
    output.textContent = text;
    output.classList.toggle("date-preview-error", Boolean(isError));
    output.classList.toggle("date-preview-ok", !isError && text !== "");
  }

  function preview(button) {
    var input = document.getElementById(button.dataset.input);
    var output = document.getElementById(button.getAttribute("aria-controls"));
    if (!input || !output) return;
    var text = input.value.trim();
    if (!text) {
      show(output, "", false);
      return;
    }
    var params = new URLSearchParams({ text: text });
    var form = input.form;
    var source = form ? firstSource(form) : "";
    if (source) params.set("source", source);
    var status = form ? form.querySelector('[name="status"]') : null;
    if (status) params.set("status", status.value);
    if (button.dataset.event) params.set("event", button.dataset.event);
    show(output, button.dataset.checking, false);
    fetch(button.dataset.datePreview + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (data.error) {
          show(output, button.dataset.refused + " " + data.error, true);
        } else {
          show(output, data.label + " · EDTF " + data.edtf + " — " + data.read_from, false);
        }
      })
      .catch(function () {
        show(output, button.dataset.failed, true);
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-date-preview]");
    if (button) {
      event.preventDefault();
      preview(button);
    }
  });

  // Also check when the editor leaves the field, and again when the status or the cited
  // source changes its reading (the date field comes before the citations on the form).
  function recheck(target) {
    var input = target.matches("[data-date-phrase]") ? target : null;
    var rereads = target.name === "status" || /^citations-\d+-(source|DELETE)$/.test(target.name);
    if (!input && rereads) input = document.querySelector("[data-date-phrase]");
    if (!input || !input.value.trim()) return;
    var button = document.querySelector('[data-date-preview][data-input="' + input.id + '"]');
    if (button) preview(button);
  }
  document.addEventListener("change", function (event) {
    recheck(event.target);
  });
  // The source is chosen in the admin's autocomplete (select2), which announces its choice
  // through jQuery only (loaded by then, whatever the order of the scripts).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("select2:select select2:clear", function (event) {
        recheck(event.target);
      });
    }
  });

  // Enter in the date field checks the date instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-date-phrase]")) {
      var button = document.querySelector('[data-date-preview][data-input="' + event.target.id + '"]');
      if (button) {
        event.preventDefault();
        preview(button);
      }
    }
  });
})();
