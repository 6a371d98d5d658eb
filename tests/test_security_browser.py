"""The strict Content-Security-Policy in real Chromium: no page, partial or admin screen breaks it.

Every `securitypolicyviolation` event (reported to the test through an exposed function, so
that it survives navigation) and every console error is collected while a reader browses and
filters, and while an editor logs in and works in the admin; none may occur.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from timeline.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

CALL = "poetin-macron-telefoongesprek-2022-01-28"
LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(JSON.stringify({
    page: location.href, directive: e.violatedDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample,
  }));
});
"""


class Watch:
    """What went wrong in the browser, page by page."""

    def __init__(self, page: Page):
        self.violations: list[dict] = []
        self.errors: list[str] = []
        self.expected_404: set[str] = set()
        page.expose_function("__cspViolation", lambda text: self.violations.append(json.loads(text)))
        page.add_init_script(LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if "status of 404" in message.text and (
            url in self.expected_404 or url.endswith("/favicon.ico")
        ):
            return  # the 404 page we asked for; the admin's pages name no icon
        self.errors.append(f"{url}: {message.text}")

    def assert_clean(self) -> None:
        assert not self.violations, json.dumps(self.violations, indent=2)
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def watch(page: Page) -> Watch:
    return Watch(page)


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


def test_public_pages_and_htmx_keep_to_the_policy(page: Page, live_seed, watch: Watch):
    base = live_seed.url
    response = page.goto(base + "/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    _settle(page)

    # Filtering with htmx: a facet, the text search, the actor suggestions, a chip.
    page.get_by_role("checkbox", name=re.compile("^Emmanuel Macron")).check()
    expect(page).to_have_url(re.compile(r"actor=macron"))
    _settle(page)
    page.get_by_label("Zoek in tekst").fill("Poetin")
    expect(page).to_have_url(re.compile(r"q=Poetin"))
    _settle(page)
    page.get_by_label("Deelnemer", exact=True).fill("putin")
    expect(page.locator("#who-suggestions a").first).to_be_visible()
    page.locator("#who-suggestions a").first.click()
    expect(page).to_have_url(re.compile(r"actor=poetin"))
    _settle(page)
    page.locator("a.chip-clear").first.click()
    expect(page).not_to_have_url(re.compile(r"actor="))
    _settle(page)
    # Back: htmx keeps no page HTML in storage (historyCacheSize 0), so it reloads the page.
    # Wait for that reload's own load event (the back step itself loads no document), or the
    # next goto may race it and be aborted.
    with page.expect_event("load"):
        page.go_back()
    _settle(page)

    page.goto(base + "/?from=2022-01-24&to=2022-01-27&type=statement")
    _settle(page)
    page.goto(base + f"/events/{CALL}/")
    expect(page.locator("h1")).to_be_visible()
    page.goto(base + "/actors/lavrov/")
    expect(page.locator("h1")).to_contain_text("Lavrov")
    page.goto(base + "/en/")
    _settle(page)
    missing = base + "/events/bestaat-niet/"
    watch.expected_404.add(missing)
    assert page.goto(missing).status == 404
    _settle(page)
    watch.assert_clean()


def test_the_admin_keeps_to_the_policy(page: Page, live_seed, watch: Watch):
    User.objects.create_superuser("redacteur", "redacteur@example.org", "geheim-wachtwoord-8")
    base = live_seed.url
    page.goto(base + "/admin/login/")
    page.get_by_label(re.compile("Gebruikersnaam|Username")).fill("redacteur")
    page.get_by_label(re.compile("Wachtwoord|Password")).fill("geheim-wachtwoord-8")
    page.get_by_role("button", name=re.compile("Aanmelden|Inloggen|Log in")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    _settle(page)

    page.goto(base + "/admin/timeline/event/")
    expect(page.locator("#result_list")).to_be_visible()
    _settle(page)
    page.goto(base + "/admin/timeline/event/?q=Poetin")
    _settle(page)
    event = Event.objects.get(slug=CALL)
    page.goto(base + f"/admin/timeline/event/{event.pk}/change/")
    expect(page.locator("#event_form")).to_be_visible()
    _settle(page)
    # The widgets an editor touches: the participant autocomplete and the date field.
    autocomplete = page.locator(".select2-selection").first
    if autocomplete.count():
        autocomplete.click()
        page.keyboard.type("lav")
        _settle(page)
        page.keyboard.press("Escape")
    page.goto(base + "/admin/timeline/event/add/")
    _settle(page)
    page.goto(base + f"/admin/timeline/event/{event.pk}/history/")
    _settle(page)
    page.goto(base + "/admin/timeline/actor/")
    _settle(page)
    # Spreadsheet import and export (django-import-export).
    page.goto(base + "/admin/timeline/event/import/")
    _settle(page)
    page.goto(base + "/admin/timeline/event/export/")
    _settle(page)
    # Its "select all" toggle works without the inline handler (templates/admin/import_export).
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    toggle = page.locator("input.select-toggle:visible")
    expect(toggle).to_have_count(1)
    assert fields.count() > 1
    toggle.uncheck()
    assert not any(fields.evaluate_all("els => els.map(e => e.checked)"))
    toggle.check()
    assert all(fields.evaluate_all("els => els.map(e => e.checked)"))
    watch.assert_clean()


def test_the_watch_would_see_a_violation(page: Page, live_seed, watch: Watch):
    """The listener works: an inline style and script injected into the page are refused."""
    page.goto(live_seed.url + "/")
    page.evaluate("""() => {
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran === undefined")
    directives = {v["directive"] for v in watch.violations}
    assert {"style-src-attr", "script-src-elem"} <= directives, watch.violations
