"""/export/timelinejs.json in the real TimelineJS 3 library, in headless Chromium.

The library comes from npm (`@knight-lab/timelinejs`, pinned in tests/timelinejs/package.json
and its lock file; `make timelinejs` runs `npm ci`). The test serves tests/timelinejs/ itself
from a throwaway local HTTP server, so no CDN and no test-only view in the app. The export is
fetched from the live server in Python and handed to `new TL.Timeline(...)`, which sidesteps
cross-origin rules between the two local servers.

TimelineJS loads a font stylesheet (Google Fonts) and its language files from `script_path`
unless told otherwise: the options point `script_path` at the local copy and switch the web
font off (`font: null`). Any request leaving the two local servers is aborted and fails the
test, as does any console error or warning, page error, failed request, or a configuration
error TimelineJS records.
"""

import json
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest
from playwright.sync_api import Page, expect
from test_pictures import CALL, give_picture

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).resolve().parent / "timelinejs"
LIBRARY = HERE / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
HOEKSTRA = "hoekstra-nederlandse-diplomaten-mogen-weg"
MEETING = "lavrov-blinken-ontmoeting-verwacht"

RENDER = """([data, options]) => new Promise((resolve, reject) => {
    const timeline = new TL.Timeline("timeline-embed", data, options);
    window.timeline = timeline;
    timeline.on("ready", () => resolve());
    setTimeout(() => reject(new Error("TimelineJS was not ready after 20 s")), 20000);
})"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def library_server():
    """tests/timelinejs/ (test page and npm package) on a local port, for this module only."""
    if not (LIBRARY / "js" / "timeline.js").exists():
        pytest.fail("TimelineJS is not installed: run `make timelinejs` (npm ci, tests/timelinejs)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(HERE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _render(page: Page, library_server: str, live_server_url: str, data: dict) -> list[str]:
    """Load the test page, render `data` with TimelineJS; everything that went wrong."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console.{m.type}: {m.text}")
        if m.type in ("error", "warning", "assert")
        else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    local = re.compile(rf"^({re.escape(library_server)}|{re.escape(live_server_url)})/")

    def _only_local(route):
        if local.match(route.request.url):
            route.continue_()
        else:
            problems.append(f"network request outside the test: {route.request.url}")
            route.abort()

    page.route("**/*", _only_local)
    page.goto(library_server + "/index.html")
    options = {
        "script_path": library_server + "/node_modules/@knight-lab/timelinejs/dist/js/",
        "font": None,
        "language": "nl",
        "hash_bookmark": False,
    }
    page.evaluate(RENDER, [data, options])
    errors = page.evaluate(
        "() => [...timeline.config.messages.errors, ...timeline.config.messages.warnings]"
    )
    problems += [f"TimelineJS config: {e}" for e in errors]
    return problems


def _export(live_server_url: str, query: str = "") -> dict:
    with urlopen(live_server_url + "/export/timelinejs.json" + query) as response:
        assert response.status == 200
        return json.load(response)


def test_it_renders_every_seed_event_as_a_slide(page: Page, live_seed, library_server):
    data = _export(live_seed.url)
    assert len(data["events"]) >= 19

    problems = _render(page, library_server, live_seed.url, data)

    assert problems == []
    # One slide per event plus the title slide, one marker per event on the time axis.
    expect(page.locator(".tl-slide")).to_have_count(len(data["events"]) + 1)
    expect(page.locator(".tl-timemarker")).to_have_count(len(data["events"]))
    assert page.evaluate("() => window.timeline.config.events.length") == len(data["events"])
    ids = page.evaluate("() => window.timeline.config.events.map(e => e.unique_id)")
    assert sorted(ids) == sorted(e["unique_id"] for e in data["events"])
    # Grouped by type: a row per event type.
    groups = {e["group"] for e in data["events"]}
    expect(page.locator(".tl-timegroup")).to_have_count(len(groups))
    expect(page.locator(".tl-slide-titleslide")).to_contain_text("Crisis Timeline")


def test_it_shows_our_honest_dates_and_the_quote(page: Page, live_seed, library_server):
    data = _export(live_seed.url)
    assert _render(page, library_server, live_seed.url, data) == []

    page.evaluate(f"() => window.timeline.goToId({json.dumps(HOEKSTRA)})")
    slide = page.locator(f"#{HOEKSTRA}")
    expect(slide.locator(".tl-headline-date")).to_have_text("24–27 januari 2022")
    expect(slide.locator("blockquote")).to_contain_text("Nederlandse diplomaten mogen weg")

    page.evaluate(f"() => window.timeline.goToId({json.dumps(MEETING)})")
    expect(page.locator(f"#{MEETING} .tl-headline-date")).to_have_text("na 28 januari 2022")


def test_it_renders_a_filtered_export(page: Page, live_seed, library_server):
    data = _export(live_seed.url, "?actor=macron")
    assert [e["unique_id"] for e in data["events"]] == ["poetin-macron-telefoongesprek-2022-01-28"]

    assert _render(page, library_server, live_seed.url, data) == []
    expect(page.locator(".tl-slide")).to_have_count(2)


def test_it_shows_an_event_picture_with_its_credit(page: Page, live_seed, library_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    event = give_picture(
        CALL, credit="Foto: ANP", caption="Poetin belt met Macron", alt="Poetin aan de telefoon"
    )
    data = _export(live_seed.url, "?actor=macron")
    assert data["events"][0]["media"]["url"] == live_seed.url + event.shown_picture.url

    assert _render(page, library_server, live_seed.url, data) == []
    page.evaluate(f"() => window.timeline.goToId({json.dumps(CALL)})")
    slide = page.locator(f"#{CALL}")
    image = slide.locator("img.tl-media-image")
    expect(image).to_have_attribute("src", data["events"][0]["media"]["url"])
    expect(image).to_have_attribute("alt", "Poetin aan de telefoon")
    # Really loaded from the site's media URL, not just named.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == event.picture_width
    expect(slide.locator(".tl-credit")).to_have_text("Foto: ANP")
    expect(slide.locator(".tl-caption")).to_have_text("Poetin belt met Macron")
