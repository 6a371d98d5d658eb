"""Live updates (issue 18): an open timeline page learns of news without a reload.

The poll (`/live/`, timeline/live.py) answers from the data version: a 304 after that one
query while nothing changed, a banner counting what changed among the page's own filters once
something did. The browser tests open the page, publish an event from the ORM (another
session) and watch the banner come and the reading position stay.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import DESKTOP, PHONE, WCAG
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from playwright.sync_api import expect

from timeline.models import Actor, Citation, Correction, Event, EventType, Participation, Source

CALL = "poetin-macron-telefoongesprek-2022-01-28"


def live_region(client, url: str = "/") -> tuple[str, str]:
    """The poll URL and ETag an open page of `url` polls with."""
    page = client.get(url).content.decode()
    found = re.search(r'<div id="live"[^>]*data-live-url="([^"]*)" data-live-etag="([^"]*)"', page)
    assert found, "the page has no live region"
    return html.unescape(found[1]), html.unescape(found[2])


def publish(slug: str, *, type_slug: str | None = None, actor: str | None = None, published=True) -> Event:
    """An event with a citation, saved as the admin saves it (one transaction)."""
    with transaction.atomic():
        event = Event.objects.create(
            slug=slug,
            title=f"Nieuw: {slug}",
            type=EventType.objects.get(slug=type_slug) if type_slug else EventType.objects.first(),
            edtf="2022-01-29",
            published=published,
        )
        if actor:
            Participation.objects.create(event=event, actor=Actor.objects.get(slug=actor), role="speaker")
        Citation.objects.create(event=event, source=Source.objects.first(), quote="Dat zei de woordvoerder.")
    return event


def poll(client, url: str, etag: str, **headers):
    return client.get(url, headers={"If-None-Match": etag, **headers})


# -- the poll ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("early", [True, False], ids=["middleware", "view alone"])
def test_an_unchanged_poll_is_a_304_after_only_the_data_version_read(client, seed, settings, early):
    if not early:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "timeline.live.UnchangedPollMiddleware"]
    url, etag = live_region(client, "/?actor=macron&q=gesprek")
    with CaptureQueriesContext(connection) as queries:
        response = poll(client, url, etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert [q["sql"] for q in queries.captured_queries] == [
        'SELECT token, number FROM "timeline_dataversion" WHERE id = 1'
    ]


@pytest.mark.django_db
def test_publishing_an_event_turns_the_poll_into_a_200_with_the_count(client, seed):
    url, etag = live_region(client)
    publish("nieuw-overleg-geneve")
    first = poll(client, url, etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    assert "no-cache" in first["Cache-Control"]
    banner = first.content.decode()
    assert "1 nieuwe gebeurtenis —" in banner
    assert "tonen" in banner
    # Asked again with the answer's ETag: nothing newer, a 304 again.
    assert poll(client, url, first["ETag"]).status_code == 304
    publish("nieuw-overleg-brussel")
    publish("nieuw-overleg-parijs")
    assert "3 nieuwe gebeurtenissen —" in poll(client, url, first["ETag"]).content.decode()


@pytest.mark.django_db
def test_a_correction_is_counted_as_such_and_an_other_edit_as_updated(client, seed):
    url, etag = live_region(client)
    event = Event.objects.get(slug=CALL)
    event.title = "Poetin en Macron bellen (ochtend)"
    event.save()
    assert "1 bijgewerkt —" in poll(client, url, etag).content.decode()
    Correction.objects.create(event=event, note="Het gesprek was vanochtend.")
    publish("nieuw-overleg-geneve")
    assert "1 nieuwe gebeurtenis, 1 gecorrigeerd —" in poll(client, url, etag).content.decode()


@pytest.mark.django_db
def test_publishing_an_old_draft_counts_as_new(client, seed):
    draft = publish("concept-overleg", published=False)
    url, etag = live_region(client)
    draft.published = True
    draft.save()
    assert "1 nieuwe gebeurtenis —" in poll(client, url, etag).content.decode()


@pytest.mark.django_db
def test_a_draft_or_an_event_outside_the_page_filters_does_not_count(client, seed):
    url, etag = live_region(client, "/?actor=macron")
    publish("concept-zonder-macron", actor="macron", published=False)
    publish("overleg-zonder-macron", actor="poetin")
    quiet = poll(client, url, etag)
    assert quiet.status_code == 200  # the data changed, though nothing this page shows
    assert "live-banner" not in quiet.content.decode()
    publish("macron-belt-opnieuw", actor="macron")
    assert "1 nieuwe gebeurtenis —" in poll(client, url, quiet["ETag"]).content.decode()


@pytest.mark.django_db
def test_an_event_withdrawn_from_the_page_counts_as_withdrawn(client, seed):
    # A reader with the page open must learn that a fact it shows is no longer published.
    shown = publish("overleg-dat-niet-doorging", actor="macron")
    draft = publish("concept-met-macron", actor="macron", published=False)
    # One stays: an actor whose every event is withdrawn is no longer known to readers, and
    # then the page's filter itself is gone.
    publish("macron-blijft-bellen", actor="macron")
    time.sleep(1.1)  # the page says when it was built to the second: built after both
    url, etag = live_region(client, "/?actor=macron")
    call = Event.objects.get(slug=CALL)  # from the seed fixture: no history before this change
    call.published = False
    call.save()
    draft.title = "Concept, herschreven"
    draft.save()  # never shown: not withdrawn
    outside = Event.objects.published().exclude(participations__actor__slug="macron").first()
    outside.published = False
    outside.save()  # not on this page
    assert "1 ingetrokken —" in poll(client, url, etag).content.decode()
    shown.published = False
    shown.save()
    assert "2 ingetrokken —" in poll(client, url, etag).content.decode()
    # Published again, it is news to a page built while it was withdrawn.
    time.sleep(1.1)
    url, etag = live_region(client, "/?actor=macron")
    call.published = True
    call.save()
    assert "1 nieuwe gebeurtenis —" in poll(client, url, etag).content.decode()


@pytest.mark.django_db
def test_a_bulk_change_says_the_timeline_was_updated(client, seed):
    from timeline import changes

    url, etag = live_region(client)
    with transaction.atomic():
        changes.everything_changed()
    assert "De tijdlijn is bijgewerkt — " in poll(client, url, etag).content.decode()


@pytest.mark.django_db
def test_the_english_poll_speaks_english(client, seed):
    url, etag = live_region(client, "/en/")
    assert url.startswith("/en/live/?")
    publish("nieuw-overleg-geneve")
    assert "1 new event — <a" in poll(client, url, etag).content.decode()
    assert ">show</a>" in poll(client, url, etag).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "t=1764680000",
        "v=abc&t=1764680000",
        "v=1&t=-5",
        "v=1&t=99999999999999999999",
        "v=１&t=1764680000",
        "v=1&t=1764680000&order=sideways",
        "v=1&t=1764680000&cursor=nonsense",
        "v=1&t=1&q=" + "x" * 20_000,
    ],
)
def test_bad_parameters_are_a_400(client, seed, query):
    assert client.get("/live/?" + query).status_code == 400


@pytest.mark.django_db
def test_a_filter_mistake_is_dropped_as_on_the_page(client, seed):
    url, etag = live_region(client, "/?from=gisteravond-laat-ofzo")
    publish("nieuw-overleg-geneve")
    assert "1 nieuwe gebeurtenis" in poll(client, url, etag).content.decode()


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-live-cache"}}  # fmt: skip
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_page_from_the_page_cache_carries_the_version_it_was_built_from(client, seed, page_cache):
    built = client.get("/")
    assert built["X-Cache"] == "miss"
    url, etag = live_region(client)  # the cache's copy
    assert client.get("/")["X-Cache"] == "hit"
    assert live_region(client) == (url, etag)
    assert poll(client, url, etag).status_code == 304
    publish("nieuw-overleg-geneve")
    assert "1 nieuwe gebeurtenis" in poll(client, url, etag).content.decode()
    fresh_url, fresh_etag = live_region(client)
    assert fresh_etag != etag
    assert poll(client, fresh_url, fresh_etag).status_code == 304


@pytest.mark.django_db
def test_without_javascript_the_page_has_a_plain_refresh_link(client, seed):
    page = client.get("/?actor=macron&q=").content.decode()
    assert '<a href="/?actor=macron">vernieuwen</a>' in page


@pytest.mark.django_db
def test_the_poll_says_when_the_version_was_first_shown_and_every_page_of_it_is_the_same(client, seed):
    url, _etag = live_region(client)
    at = int(re.search(r"[?&]t=(\d+)", url)[1])
    assert abs(dt.datetime.fromtimestamp(at, tz=dt.UTC) - timezone.now()) < dt.timedelta(seconds=5)
    time.sleep(1.1)
    assert live_region(client)[0] == url


# -- in the browser ----------------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _reading_position(page) -> tuple[float, float]:
    """Where the reader is: the scroll offset and the first card's top on the screen."""
    return page.evaluate(
        "[window.scrollY, document.querySelector('#results article.event').getBoundingClientRect().top]"
    )


@pytest.mark.django_db(transaction=True)
def test_an_open_page_shows_the_news_without_moving_and_brings_it_in(page, live_seed, settings):
    settings.LIVE_POLL_SECONDS = 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.goto(live_seed.url + "/")
    page.mouse.wheel(0, 400)
    page.wait_for_function("window.scrollY >= 400")
    before = _reading_position(page)

    publish("nieuw-overleg-geneve")  # another session: committed from the test's own connection
    banner = page.locator("#live .live-banner")
    expect(banner).to_have_text("1 nieuwe gebeurtenis — tonen", timeout=5000)
    assert _reading_position(page) == before
    assert Axe().run(page, options=WCAG).violations_count == 0
    page.screenshot(path=str(SCREENSHOTS / "live-banner-1280.png"))
    page.set_viewport_size(PHONE)
    expect(banner).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "live-banner-390.png"))
    page.set_viewport_size(DESKTOP)

    banner.get_by_role("link", name="tonen").click()
    expect(page.locator("#event-nieuw-overleg-geneve")).to_be_visible()
    expect(page.locator("#live")).to_be_empty()
    # The page now shows that version: the next polls are 304s, no banner again.
    page.wait_for_timeout(2500)
    expect(page.locator("#live")).to_be_empty()


def _hide(page, hidden: bool) -> None:
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
            const state = hidden ? "hidden" : "visible";
            Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


@pytest.mark.django_db(transaction=True)
def test_a_hidden_tab_does_not_poll_and_a_shown_one_does_again(page, live_seed, settings):
    settings.LIVE_POLL_SECONDS = 1
    polls = []
    page.on("response", lambda r: "/live/" in r.url and polls.append(r.status))
    page.goto(live_seed.url + "/")
    page.wait_for_timeout(2500)
    assert polls and set(polls) == {304}
    _hide(page, True)
    page.wait_for_timeout(300)  # a poll under way when it was hidden
    asked = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == asked
    _hide(page, False)
    page.wait_for_timeout(1500)
    assert len(polls) > asked


@pytest.mark.django_db(transaction=True)
def test_it_waits_longer_after_each_error(page, live_seed, settings):
    settings.LIVE_POLL_SECONDS = 1
    asked = []

    def fail(route):
        asked.append(time.monotonic())
        route.fulfill(status=503, body="")

    page.route("**/live/**", fail)
    page.goto(live_seed.url + "/")
    page.wait_for_timeout(7800)  # 1 s, then 2 s, then 4 s after the errors
    gaps = [round(b - a) for a, b in zip(asked, asked[1:], strict=False)]
    assert gaps[:2] == [2, 4], asked


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_refresh_link_reloads_the_view(browser, live_seed):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    page.goto(live_seed.url + "/?actor=macron")
    publish("macron-belt-opnieuw", actor="macron")
    page.get_by_role("link", name="vernieuwen").click()
    expect(page).to_have_url(re.compile(r"/\?actor=macron$"))
    expect(page.locator("#event-macron-belt-opnieuw")).to_be_visible()
    context.close()
