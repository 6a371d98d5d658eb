// Small progressive enhancements; the page works fully without this file.
(function () {
  "use strict";
  // The actor box suggests as one types; its own "change" must not refilter the timeline
  // (choosing a suggestion, or Enter, does that).
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_who") event.stopPropagation();
  }, true);
  // The actor box is a combobox (WAI-ARIA pattern): the arrow keys move through the
  // suggestions while the focus stays in the box, Enter chooses one, Escape closes them.
  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#who-suggestions [role=option]"));
  }
  function activate(input, list, index) {
    list.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("is-active", i === index);
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list[index].id);
      list[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function close(input) {
    var box = document.getElementById("who-suggestions");
    if (box) box.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.id !== "id_who") return;
    var list = options();
    var current = list.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(input, list, (current + step + list.length) % list.length);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      list[current].click();
    } else if (event.key === "Escape" && list.length) {
      event.preventDefault();
      close(input);
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "who-suggestions") return;
    var input = document.getElementById("id_who");
    if (input) {
      input.setAttribute("aria-expanded", options().length ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
    }
  });
  // The event page's "Tijdlijn" link goes back to the view the reader came from, filters and
  // all (the page itself is the same for everyone, so it is cached; the referrer is not).
  var back = document.querySelector("[data-back-to-timeline]");
  if (back && document.referrer) {
    var from = new URL(document.referrer);
    var timeline = new URL(back.href);
    if (from.origin === location.origin && from.pathname === timeline.pathname) back.href = from.href;
  }
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
  // Live updates (timeline/live.py): ask now and then whether there is news for this view, with
  // the ETag of the last answer (a 304 costs the server one query); never while the tab is
  // hidden; longer waits after errors. "tonen" swaps in the results (a new #live with them).
  var timer = null;
  var failures = 0;
  var asking = false;
  function schedule() {
    clearTimeout(timer);
    var box = document.getElementById("live");
    if (!box || document.hidden) return;
    timer = setTimeout(poll, box.dataset.liveSeconds * 1000 * Math.pow(2, Math.min(failures, 5)));
  }
  function poll() {
    var box = document.getElementById("live");
    if (!box || document.hidden || asking) return;
    asking = true;
    fetch(box.dataset.liveUrl, { headers: { "If-None-Match": box.dataset.liveEtag }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 304) return;
        if (!r.ok) throw new Error(r.status);
        return r.text().then(function (html) {
          box.dataset.liveEtag = r.headers.get("ETag") || "";
          box.innerHTML = html;
        });
      })
      .then(function () { failures = 0; }, function () { failures += 1; })
      .then(function () { asking = false; schedule(); });
  }
  schedule();
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) clearTimeout(timer);
    else poll();
  });
  document.addEventListener("click", function (event) {
    var show = event.target.closest && event.target.closest("[data-live-show]");
    if (!show) return;
    event.preventDefault();
    htmx.ajax("GET", document.getElementById("live").dataset.livePage, { target: "#results", swap: "outerHTML" });
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
