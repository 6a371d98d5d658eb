"""Public corrections: what readers are told when a published fact was put right (issue 16).

The editor's side (the question on the form) is in test_admin.py; here the corrections are
made as the admin makes them, and read where readers read them.
"""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from timeline.models import Correction, Event

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"
NOTE = "Het gesprek was vanochtend, niet gisteravond."
WHEN = dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)


@pytest.fixture
def corrected(seed) -> Event:
    event = Event.objects.get(slug=CALL)
    event.edtf, event.part_of_day = "2022-01-28", "morning"
    event.save()
    Correction.objects.create(event=event, note=NOTE, made=WHEN)
    return event


def _api_event(client, slug: str) -> dict:
    events = client.get("/api/events.json").json()["events"]
    return next(e for e in events if e["slug"] == slug)


def _feed_entry(client, slug: str):
    feed = feedparser.parse(client.get("/feed/").content)
    return next(e for e in feed.entries if e.link.endswith(f"/events/{slug}/"))


def test_it_shows_the_correction_on_the_event_page(client, corrected):
    html = client.get(corrected.get_absolute_url()).content.decode()
    assert '<a class="badge badge-corrected" href="#corrections">gecorrigeerd</a>' in html
    assert '<h2 id="corrections-title">Gecorrigeerd</h2>' in html
    local = timezone.localtime(WHEN)  # 15:05 in Amsterdam
    assert f'<time datetime="{local.isoformat()}">30 november 2026, 15:05</time>' in html
    assert NOTE in html
    assert f'<meta property="article:modified_time" content="{local.isoformat()}">' in html


def test_it_marks_the_card_on_the_timeline_and_in_the_embed(client, corrected):
    html = client.get("/").content.decode()
    card = html.split(f'id="event-{CALL}"', 1)[1].split("</article>", 1)[0]
    assert f'<a class="badge badge-corrected" href="/events/{CALL}/#corrections">gecorrigeerd</a>' in card
    other = html.split('id="event-lavrov-persconferentie-2022-01-28"', 1)[1].split("</article>", 1)[0]
    assert "gecorrigeerd" not in other
    embed = client.get("/embed/").content.decode()
    card = embed.split(f'id="event-{CALL}"', 1)[1].split("</article>", 1)[0]
    assert ">gecorrigeerd</a>" in card


def test_it_gives_the_corrections_in_the_api(client, corrected):
    assert _api_event(client, CALL)["corrections"] == [
        {"date": "2026-11-30T14:05:00+00:00", "note": NOTE}
    ]
    assert _api_event(client, "lavrov-persconferentie-2022-01-28")["corrections"] == []


def test_it_makes_the_atom_entry_updated_at_the_correction(client, corrected):
    entry = _feed_entry(client, CALL)
    assert dt.datetime(*entry.updated_parsed[:6], tzinfo=dt.UTC) == WHEN
    assert NOTE in entry.summary and "Gecorrigeerd" in entry.summary


def test_an_edit_that_is_no_correction_shows_nothing_public(client, seed):
    event = Event.objects.get(slug=CALL)
    before = (_api_event(client, CALL), _feed_entry(client, CALL).updated)
    event.summary += " (aangevuld)"
    event.save()
    html = client.get(event.get_absolute_url()).content.decode()
    assert "gecorrigeerd" not in html.lower()
    assert "gecorrigeerd" not in client.get("/").content.decode()
    after = _api_event(client, CALL)
    assert after["corrections"] == before[0]["corrections"] == []
    assert after["summary"].endswith("(aangevuld)")  # the edit itself is public, as an edit
    assert _feed_entry(client, CALL).updated == before[1]
    assert "Er zijn nog geen correcties." in client.get("/corrections/").content.decode()


def test_it_lists_the_corrections_per_language(client, corrected):
    later = Event.objects.get(slug="lavrov-persconferentie-2022-01-28")
    next_day = WHEN + dt.timedelta(days=1)
    Correction.objects.create(event=later, note="Dit was een persconferentie.", made=next_day)
    html = client.get("/corrections/").content.decode()
    assert "<h1>Correcties</h1>" in html
    assert html.index("Dit was een persconferentie.") < html.index(NOTE)  # newest first
    assert f'href="/events/{CALL}/"' in html
    english = client.get("/en/corrections/").content.decode()
    assert "<h1>Corrections</h1>" in english
    assert f'<span class="correction-note" lang="nl">{NOTE}</span>' in english
    assert f'href="/en/events/{CALL}/"' in english
    # A correction of an event since taken off the timeline is not listed.
    later.published = False
    later.save()
    assert "Dit was een persconferentie." not in client.get("/corrections/").content.decode()


def test_it_refuses_a_bad_page_number_with_a_400(client, seed):
    response = client.get("/corrections/", {"page": "x"})
    assert response.status_code == 400
    assert "Ongeldig paginanummer." in response.content.decode()
