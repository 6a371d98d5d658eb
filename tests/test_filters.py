"""Filtering the timeline: every filter alone and combined, counts, partials and bad input."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timeline.models import Actor, Event, EventType, Participation

pytestmark = pytest.mark.django_db


def _slugs(response) -> list[str]:
    return re.findall(r'<article class="event [^"]*" id="event-([^"]+)"', response.content.decode())


def _api(client, query: str) -> set[str]:
    response = client.get("/api/events.json?" + query)
    assert response.status_code == 200, response.content
    return {e["slug"] for e in response.json()["events"]}


def _db(**filters) -> set[str]:
    return set(Event.objects.published().filter(**filters).distinct().values_list("slug", flat=True))


@pytest.fixture
def frozen_today(monkeypatch):
    """The seed's publication day as 'today', so relative dates are repeatable."""
    monkeypatch.setattr("timeline.query.forms.timezone.localdate", lambda: dt.date(2022, 1, 28))


def test_it_filters_by_actor(client, seed):
    assert set(_slugs(client.get("/?actor=lavrov"))) == _db(participations__actor__slug="lavrov")
    assert _api(client, "actor=lavrov") == _db(participations__actor__slug="lavrov")


def test_it_filters_by_any_of_several_actors(client, seed):
    got = set(_slugs(client.get("/?actor=macron&actor=hoekstra")))
    assert got == _db(participations__actor__slug__in=["macron", "hoekstra"])
    assert len(got) == len(_slugs(client.get("/?actor=macron&actor=hoekstra")))


def test_it_filters_by_everyone_affiliated(client, seed):
    russians = Actor.objects.filter(affiliation__slug="rusland")
    assert russians.filter(slug="lavrov").exists()
    got = set(_slugs(client.get("/?affiliation=rusland")))
    expected = _db(participations__actor__in=[*russians, Actor.objects.get(slug="rusland")])
    assert got == expected
    assert "poetin-macron-telefoongesprek-2022-01-28" in got


def test_it_filters_by_type_and_status(client, seed):
    assert set(_slugs(client.get("/?type=phone-call"))) == _db(type__slug="phone-call")
    assert set(_slugs(client.get("/?status=expected"))) == {"lavrov-blinken-ontmoeting-verwacht"}
    both = set(_slugs(client.get("/?type=statement&type=phone-call&status=occurred")))
    assert both == _db(type__slug__in=["statement", "phone-call"], status="occurred")


def test_it_filters_by_overlapping_date_range(client, seed):
    got = set(_slugs(client.get("/?from=2022-01-24&to=2022-01-26")))
    # Overlaps 24–26 January: the letters, and the events dated "eerder deze week" and 26–28.
    assert got == _db(start__lte=dt.date(2022, 1, 26), end__gte=dt.date(2022, 1, 24))
    assert "navo-brief-aan-kremlin-2022-01-26" in got
    assert "hoekstra-nederlandse-diplomaten-mogen-weg" in got
    assert "poetin-macron-telefoongesprek-2022-01-28" not in got


def test_it_keeps_open_ended_events_in_later_ranges(client, seed):
    got = set(_slugs(client.get("/?from=2022-02-15")))
    assert got == {"lavrov-blinken-ontmoeting-verwacht"}


def test_it_resolves_free_text_dates_relative_to_today(client, seed, frozen_today):
    response = client.get("/?from=eerder+deze+week")
    html = response.content.decode()
    assert "Begrepen als" in html
    # "eerder deze week" on Friday 28 January: from Monday the 24th.
    assert "vanaf maandag 24 januari 2022" in html
    got = set(_slugs(client.get("/?from=26+januari+2022&to=26+januari+2022")))
    assert got == _db(start__lte=dt.date(2022, 1, 26), end__gte=dt.date(2022, 1, 26))


def test_it_shows_what_a_range_was_understood_as(client, seed):
    html = client.get("/?from=24-01-2022&to=30-01-2022").content.decode()
    assert "24–30 januari 2022" in html


def test_it_finds_text_in_any_spelling(client, seed):
    poetin = set(_slugs(client.get("/?q=Poetin")))
    putin = set(_slugs(client.get("/?q=putin")))
    assert poetin == putin
    assert "poetin-macron-telefoongesprek-2022-01-28" in putin
    # Accents and case do not matter: "OEKRAINE" finds "Oekraïne".
    assert set(_slugs(client.get("/?q=OEKRAINE"))) == set(_slugs(client.get("/?q=oekraïne")))
    assert _slugs(client.get("/?q=OEKRAINE"))
    # Quotes are searched too.
    assert set(_slugs(client.get("/?q=heethoofden"))) == {"lavrov-heethoofden-grootste-gevaar"}


def test_it_combines_filters(client, seed):
    got = set(_slugs(client.get("/?actor=lavrov&type=statement&q=diplomaten")))
    assert got == {"lavrov-bescherming-diplomaten-oekraine"}
    assert _api(client, "actor=lavrov&type=statement&q=diplomaten") == got


def test_it_counts_each_option_for_the_current_result(client, seed):
    html = client.get("/?type=statement").content.decode()
    statements = Event.objects.filter(type__slug="statement")
    lavrov_statements = statements.filter(participations__actor__slug="lavrov").distinct().count()
    assert re.search(
        rf'for="actor-lavrov">Sergej Lavrov <span class="count">\({lavrov_statements}\)', html
    )
    # A facet is counted with the other filters only, so one can widen it.
    phone_calls = Event.objects.filter(type__slug="phone-call").count()
    assert re.search(rf'for="type-phone-call">Telefoongesprek <span class="count">\({phone_calls}\)', html)
    assert f"<strong>{statements.count()}</strong> gebeurtenissen" in html


def test_it_shows_removable_chips_and_a_clear_link(client, seed):
    html = client.get("/?actor=lavrov&status=occurred").content.decode()
    assert 'aria-label="Filter Sergej Lavrov verwijderen"' in html
    assert 'href="?status=occurred"' in html
    assert "alles wissen" in html.lower()


def test_it_renders_only_the_results_for_htmx(client, seed):
    full = client.get("/?actor=lavrov")
    partial = client.get("/?actor=lavrov", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body
    assert 'id="results"' in body and 'hx-swap-oob="true"' in body
    assert _slugs(full) == _slugs(partial)
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]


def test_it_returns_the_full_page_on_a_history_restore(client, seed):
    response = client.get(
        "/?actor=lavrov", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_it_pages_with_a_cursor(client, seed, monkeypatch):
    monkeypatch.setattr("timeline.query.forms.EventFilterForm.PAGE_SIZE", 5)
    seen, url = [], "/?order=asc"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += _slugs(response)
        match = re.search(r'<li id="more" class="more">\s*<a href="([^"]+)"', response.content.decode())
        url = "/" + match.group(1).replace("&amp;", "&") if match else None
    assert seen == list(Event.objects.published().order_by("start", "slug").values_list("slug", flat=True))


def test_it_orders_newest_first(client, seed):
    slugs = _slugs(client.get("/?order=desc"))
    assert slugs == list(Event.objects.published().order_by("-start", "-slug").values_list("slug", flat=True))


def _suggestions(client, query: str) -> dict[str, tuple[str, str]]:
    """Each suggestion's words before its count -> (the count's words, its link)."""
    html = client.get("/actors/suggest/?" + query).content.decode()
    found = re.findall(r'<a role="option"[^>]* href="([^"]*)"[^>]*>(.*?)</a>', html)
    out = {}
    for href, inner in found:
        words = re.sub(r"<[^>]+>", "", re.sub(r'<span [^>]*aria-hidden="true">[^<]*</span>', "", inner))
        name, count = words.rsplit(" · ", 1)
        out[name.split(" · ")[0]] = (count, href.replace("&amp;", "&"))
    return out


def test_a_suggestion_says_how_many_events_it_shows_and_offers_all_of_a_country(client, seed):
    # Germany itself takes part in nothing; its foreign minister does: the reader learns both
    # before choosing, and "Alles van Duitsland" leads to her events.
    offered = _suggestions(client, "who=duits")
    assert offered["Duitsland"] == ("0 gebeurtenissen", "?actor=duitsland")
    baerbock = _db(participations__actor__affiliation__slug="duitsland")
    assert offered["Alles van Duitsland"] == (f"{len(baerbock)} gebeurtenis", "?affiliation=duitsland")
    assert set(_slugs(client.get("/" + offered["Alles van Duitsland"][1]))) == baerbock
    # Counted with the page's other filters, as its facet is; the link keeps them.
    offered = _suggestions(client, "who=rusland&type=statement")
    own = _db(participations__actor__slug="rusland", type__slug="statement")
    assert offered["Rusland"] == (f"{len(own)} gebeurtenissen", "?type=statement&actor=rusland")
    assert len(own) > 1 and set(_slugs(client.get("/" + offered["Rusland"][1]))) == own
    assert int(offered["Alles van Rusland"][0].split()[0]) > len(own)
    # In English too.
    html = client.get("/en/actors/suggest/?who=germ").content.decode()
    assert "Germany</span>" in html and "All of Germany" in html and "0 events" in html


def test_a_suggestion_on_a_timelines_own_page_counts_that_timeline(client, seed):
    from timeline.models import Timeline

    election = Timeline.objects.create(slug="verkiezingen", title="Verkiezingen")
    Event.objects.published().filter(participations__actor__slug="lavrov").first().timelines.add(election)
    page = client.get("/t/verkiezingen/").content.decode()
    assert "/actors/suggest/?timeline=verkiezingen" in page
    assert _suggestions(client, "timeline=verkiezingen&who=lavrov")["Sergej Lavrov"][0] == "1 gebeurtenis"
    whole = _db(participations__actor__slug="lavrov")
    assert _suggestions(client, "who=lavrov")["Sergej Lavrov"][0] == f"{len(whole)} gebeurtenissen"


def test_it_autocompletes_actors_by_alias(client, seed):
    html = client.get("/actors/suggest/?who=putin").content.decode()
    assert "Vladimir Poetin" in html and "actor=poetin" in html
    html = client.get("/actors/suggest/?who=zelenskyy").content.decode()
    assert "Volodymyr Zelensky" in html
    # Without JavaScript, Enter in the actor box filters by what matched.
    assert set(_slugs(client.get("/?who=NATO"))) == _db(participations__actor__slug="navo")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("actor=bestaat-niet", "Onbekende deelnemer"),
        ("from=blauw", "Datum niet begrepen"),
        ("from=2022-01-28&to=2022-01-20", "ligt na"),
        ("q=" + "x" * 5000, "niet meer dan 200 tekens"),
        ("q=abc%00def", "Null"),
        ("type=onzin", "Onbekende soort"),
    ],
)
def test_it_explains_bad_input_and_keeps_the_rest(client, seed, query, message):
    response = client.get(f"/?{query}&status=expected")
    assert response.status_code == 200
    html = response.content.decode()
    assert message.lower() in html.lower()
    # The valid filter still applies.
    assert set(_slugs(response)) == {"lavrov-blinken-ontmoeting-verwacht"}


@pytest.mark.parametrize("query", ["cursor=abc", "order=sideways", "cursor=2022-13-01~x"])
def test_it_refuses_bad_machine_parameters(client, seed, query):
    assert client.get(f"/?{query}").status_code == 400
    assert client.get(f"/api/events.json?{query}").status_code == 400


def test_it_refuses_an_absurd_query_quickly(client, seed):
    assert client.get("/?q=" + "x" * 1_000_000).status_code == 400


def _make_events(n: int) -> None:
    letter = EventType.objects.get(slug="diplomatic-letter")
    lavrov = Actor.objects.get(slug="lavrov")
    for i in range(n):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=i % 700)
        event = Event.objects.create(
            slug=f"demo-{i}", title=f"Demo {i}", type=letter, edtf=day.isoformat(), published=True
        )
        Participation.objects.create(event=event, actor=lavrov, role="sender")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_uses_the_same_number_of_queries_for_10_and_1000_events(client, seed):
    urls = ["/", "/?actor=lavrov&from=2021-01-05&q=demo", "/?who=Lavrov&type=diplomatic-letter",
            "/api/events.json?type=diplomatic-letter"]
    Event.objects.all().delete()
    _make_events(10)
    small = [_queries(client, url) for url in urls]
    Event.objects.all().delete()
    _make_events(1000)
    large = [_queries(client, url) for url in urls]
    assert small == large


def test_it_counts_everyone_affiliated_with_a_state(client, seed):
    html = client.get("/").content.decode()
    russia = Actor.objects.get(slug="rusland")
    bloc = [russia, *Actor.objects.filter(affiliation=russia)]
    expected = Event.objects.filter(participations__actor__in=bloc).distinct().count()
    assert re.search(rf'for="bloc-rusland">Rusland <span class="count">\({expected}\)', html)
    # Ticking it gives exactly that many events.
    assert len(_slugs(client.get("/?affiliation=rusland"))) == expected
