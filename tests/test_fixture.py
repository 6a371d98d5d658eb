"""The seed fixture: what `manage.py loaddata seed` puts in front of a journalist.

Every event the NOS article of Friday 28 January 2022 reports, dated no more precisely than the
text allows, each backed by a quote that occurs word for word in the article. Loads are
all-or-nothing: a fixture with one bad row leaves the database exactly as it was.
"""

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.serializers.base import DeserializationError

from timeline.models import (
    Actor,
    Alias,
    Citation,
    Event,
    EventType,
    Participation,
    Place,
    PlaceAlias,
    Source,
    Timeline,
)

pytestmark = pytest.mark.django_db

SEED_ARTICLE = settings.BASE_DIR / "seeds" / "000_bae980836788e67f.txt"
HEADER = " date 2022-01 "
SOURCE = "nos-2022-01-28-lavrov"
TIMELINE = "oekraine-crisis-2022"
MODELS = [Timeline, EventType, Actor, Alias, Place, PlaceAlias, Source, Event, Participation, Citation]

D24, D26, D28, D29 = (dt.date(2022, 1, day) for day in (24, 26, 28, 29))
D27 = dt.date(2022, 1, 27)

# slug: (type, status, edtf, start, end, part_of_day, location, {(actor, role)})
EVENTS = {
    "lavrov-persconferentie-2022-01-28": (
        "press-conference", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker")},
    ),
    "lavrov-rusland-wil-geen-oorlog": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("rusland", "subject"), ("oekraine", "subject")},
    ),
    "lavrov-moskou-bereid-te-onderhandelen": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("rusland", "subject")},
    ),
    "lavrov-positief-over-amerikaanse-voorstellen": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("verenigde-staten", "subject"), ("navo", "mentioned")},
    ),
    "lavrov-poetin-beslist-over-reactie": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("poetin", "subject"), ("rusland", "mentioned")},
    ),
    "lavrov-vs-gebruikt-regime-zelensky": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {
            ("lavrov", "speaker"),
            ("verenigde-staten", "subject"),
            ("zelensky", "subject"),
            ("rusland", "mentioned"),
        },
    ),
    "lavrov-hekelt-westerse-wapenleveranties": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("oekraine", "subject")},
    ),
    "lavrov-heethoofden-grootste-gevaar": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("oekraine", "subject")},
    ),
    "lavrov-bescherming-diplomaten-oekraine": (
        "statement", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("lavrov", "speaker"), ("rusland", "subject"), ("oekraine", "mentioned")},
    ),
    # "woensdag" in an article of Friday 28 January: Wednesday 26 January.
    "navo-brief-aan-kremlin-2022-01-26": (
        "diplomatic-letter", "occurred", "2022-01-26", D26, D26, "", "Kremlin",
        {("navo", "sender"), ("kremlin", "recipient"), ("oekraine", "subject")},
    ),
    "vs-brief-aan-kremlin-2022-01-26": (
        "diplomatic-letter", "occurred", "2022-01-26", D26, D26, "", "Kremlin",
        {("verenigde-staten", "sender"), ("kremlin", "recipient"), ("oekraine", "subject")},
    ),
    # The article does not say when Blinken spoke: after the letters, before publication.
    "blinken-over-inhoud-brieven": (
        "statement", "occurred", "2022-01-26/2022-01-28", D26, D28, "", "",
        {("blinken", "speaker"), ("verenigde-staten", "subject"), ("navo", "mentioned")},
    ),
    # "inmiddels": around the publication date.
    "vs-halen-diplomaten-weg-uit-kiev": (
        "withdrawal-of-diplomats", "occurred", "2022-01-28~", D28, D28, "", "Kiev",
        {("verenigde-staten", "subject")},
    ),
    "canada-haalt-diplomaten-weg-uit-kiev": (
        "withdrawal-of-diplomats", "occurred", "2022-01-28~", D28, D28, "", "Kiev",
        {("canada", "subject")},
    ),
    # "eerder deze week": Monday 24 to Thursday 27 January, and no more precise.
    "hoekstra-nederlandse-diplomaten-mogen-weg": (
        "statement", "occurred", "2022-01-24/2022-01-27", D24, D27, "", "",
        {("hoekstra", "speaker"), ("nederland", "subject")},
    ),
    "navo-wijst-eis-over-oekraine-af": (
        "rejection", "occurred", "2022-01-24/2022-01-27", D24, D27, "", "",
        {
            ("navo", "sender"),
            ("kremlin", "recipient"),
            ("oekraine", "subject"),
            ("rusland", "mentioned"),
        },
    ),
    # "de komende weken": from the day after publication, open-ended.
    "lavrov-blinken-ontmoeting-verwacht": (
        "meeting", "expected", "2022-01-29/..", D29, None, "", "",
        {("lavrov", "speaker"), ("blinken", "speaker")},
    ),
    # "later vandaag": the day is known, the part of the day is not.
    "lavrov-baerbock-gesprek-2022-01-28": (
        "talks", "scheduled", "2022-01-28", D28, D28, "", "",
        {("lavrov", "speaker"), ("baerbock", "speaker"), ("interfax", "mentioned")},
    ),
    # "vanochtend"; the article does not say who called whom, so neither is the caller.
    "poetin-macron-telefoongesprek-2022-01-28": (
        "phone-call", "occurred", "2022-01-28", D28, D28, "morning", "",
        {("poetin", "speaker"), ("macron", "speaker")},
    ),
}


def _load(label: str = "seed") -> None:
    call_command("loaddata", label, verbosity=0)


def _dump() -> str:
    """Every row of the app, primary keys included, so that any change shows."""
    out = io.StringIO()
    call_command("dumpdata", "timeline", "--indent", "1", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _article() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


def _event_row(slug: str, edtf: str) -> dict:
    return {
        "model": "timeline.event",
        "fields": {
            "slug": slug,
            "title": f"Testgebeurtenis {slug}",
            "summary": "",
            "type": ["statement"],
            "status": "occurred",
            "edtf": edtf,
            "part_of_day": "",
            "location": "",
            "published": True,
            "created": "2022-01-28T12:00:00Z",
            "updated": "2022-01-28T12:00:00Z",
            "timelines": [[TIMELINE]],
        },
    }


def _write(tmp_path, rows: list[dict]) -> str:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def seeded():
    _load()


# ---------------------------------------------------------------- the seed's content


def test_it_loads_the_seed_by_name_into_an_empty_database():
    assert not Event.objects.exists()

    _load("seed")

    assert set(Event.objects.values_list("slug", flat=True)) == set(EVENTS)


def test_it_publishes_every_event_on_the_crisis_timeline(seeded):
    timeline = Timeline.objects.get(slug=TIMELINE)
    assert timeline.title == "Oekraïne-crisis 2022"
    assert Event.objects.published().count() == Event.objects.count() == len(EVENTS)
    assert set(timeline.events.values_list("slug", flat=True)) == set(EVENTS)


def test_it_dates_and_casts_every_event_as_the_article_says(seeded):
    events = Event.objects.select_related("type").prefetch_related("participations__actor")

    actual = {
        event.slug: (
            event.type.slug,
            event.status,
            event.edtf,
            event.start,
            event.end,
            event.part_of_day,
            event.location,
            {(p.actor.slug, p.role) for p in event.participations.all()},
        )
        for event in events
    }

    assert actual == EVENTS
    assert all(event.title and event.summary for event in events)


def test_it_places_events_only_where_the_article_says(seeded):
    # "halen diplomaten weg uit de hoofdstad Kiev"; "leverden … een geschreven brief af aan het
    # Kremlin" (in Moscow). Nothing else in the article says where something happened.
    placed = dict(Event.objects.exclude(place=None).values_list("slug", "place__slug"))
    assert placed == {
        "vs-halen-diplomaten-weg-uit-kiev": "kiev",
        "canada-haalt-diplomaten-weg-uit-kiev": "kiev",
        "navo-brief-aan-kremlin-2022-01-26": "moskou",
        "vs-brief-aan-kremlin-2022-01-26": "moskou",
    }
    kiev, moscow = Place.objects.get(slug="kiev"), Place.objects.get(slug="moskou")
    assert (kiev.name, kiev.name_en, kiev.country) == ("Kiev", "Kyiv", "UA")
    assert (moscow.name, moscow.name_en, moscow.country) == ("Moskou", "Moscow", "RU")
    assert (round(kiev.latitude, 2), round(kiev.longitude, 2)) == (50.45, 30.52)


def test_it_says_there_was_no_statement_after_the_putin_macron_call(seeded):
    event = Event.objects.get(slug="poetin-macron-telefoongesprek-2022-01-28")
    assert "geen officiële verklaring" in event.summary


def test_it_backs_every_event_with_a_verbatim_quote_from_the_article(seeded):
    article = _article()

    assert not Event.objects.filter(citations__isnull=True).exists()
    for citation in Citation.objects.select_related("event", "source"):
        assert citation.source.slug == SOURCE
        assert citation.quote in article, citation.event.slug
        # Whole sentences, not fragments.
        assert citation.quote[0].isupper(), citation.quote
        assert citation.quote.endswith("."), citation.quote


def test_it_numbers_the_quotes_of_each_event_from_one(seeded):
    for event in Event.objects.prefetch_related("citations"):
        positions = [citation.position for citation in event.citations.all()]
        assert positions == list(range(1, len(positions) + 1)), event.slug


def test_it_cites_the_letters_of_wednesday_for_both_senders(seeded):
    quote = "De NAVO en de VS leverden woensdag allebei een geschreven brief af aan het Kremlin."
    cited = Citation.objects.filter(quote=quote, position=1).values_list("event__slug", flat=True)
    assert set(cited) == {"navo-brief-aan-kremlin-2022-01-26", "vs-brief-aan-kremlin-2022-01-26"}


def test_it_keeps_the_article_as_the_source(seeded):
    source = Source.objects.get(slug=SOURCE)

    assert source.outlet == "NOS"
    assert source.language == "nl"
    # The header says only "2022-01"; the article's own dates fix Friday 28 January.
    assert source.published_on == dt.date(2022, 1, 28)
    assert source.published_precision == "day"
    assert source.text == _article().removeprefix(HEADER)
    assert not source.text.startswith(" date")


# slug: (kind, function, affiliation)
ACTORS = {
    "lavrov": ("person", "minister van Buitenlandse Zaken", "rusland"),
    "poetin": ("person", "president", "rusland"),
    "macron": ("person", "president", "frankrijk"),
    "blinken": ("person", "minister van Buitenlandse Zaken", "verenigde-staten"),
    "baerbock": ("person", "minister van Buitenlandse Zaken", "duitsland"),
    "zelensky": ("person", "president", "oekraine"),
    "hoekstra": ("person", "minister van Buitenlandse Zaken", "nederland"),
    "kremlin": ("organisation", "Russische presidentie", "rusland"),
    "interfax": ("media", "Russisch persbureau", "rusland"),
    "navo": ("organisation", "militair bondgenootschap", None),
    "rusland": ("state", "", None),
    "oekraine": ("state", "", None),
    "verenigde-staten": ("state", "", None),
    "canada": ("state", "", None),
    "nederland": ("state", "", None),
    "duitsland": ("state", "", None),
    "frankrijk": ("state", "", None),
}

# slug: aliases it must at least have
ALIASES = {
    "lavrov": {"Lavrov", "Sergei Lavrov", "Sergey Lavrov"},
    "poetin": {"Putin", "Vladimir Putin"},
    "zelensky": {"Zelenski", "Zelenskyy", "Zelenskyj"},
    "verenigde-staten": {"VS", "United States", "USA"},
    "navo": {"NATO", "North Atlantic Treaty Organization"},
    "rusland": {"Russia"},
    "oekraine": {"Ukraine"},
    "nederland": {"Netherlands"},
    "duitsland": {"Germany"},
    "frankrijk": {"France"},
}


def test_it_knows_who_each_actor_is(seeded):
    actual = {
        actor.slug: (actor.kind, actor.function, actor.affiliation and actor.affiliation.slug)
        for actor in Actor.objects.select_related("affiliation")
    }

    assert actual == ACTORS


def test_it_knows_each_actor_by_its_other_names(seeded):
    actual = {
        slug: set(Alias.objects.filter(actor__slug=slug).values_list("name", flat=True))
        for slug in ALIASES
    }

    assert {slug: ALIASES[slug] & names for slug, names in actual.items()} == ALIASES
    assert not Alias.objects.filter(language="").exists()


def test_it_finds_the_poetin_events_by_putin(seeded):
    found = set(Event.objects.filter(search_text__contains="putin").values_list("slug", flat=True))
    assert found == {
        "lavrov-poetin-beslist-over-reactie",
        "poetin-macron-telefoongesprek-2022-01-28",
    }


# ---------------------------------------------------------------- loading safely


def test_it_changes_nothing_when_the_seed_is_loaded_twice(seeded):
    counts, dump = _counts(), _dump()

    _load()

    assert _counts() == counts
    assert _dump() == dump


@pytest.mark.parametrize("edtf", ["2022-13-45", "blauw"])
def test_it_refuses_a_fixture_with_a_bad_date_and_leaves_an_empty_database_alone(
    tmp_path, edtf
):
    before = _dump()
    rows = [
        {"model": "timeline.timeline", "fields": {"slug": TIMELINE, "title": "T"}},
        {"model": "timeline.eventtype", "fields": {"slug": "statement", "name": "verklaring"}},
        _event_row("goede-datum", "2022-01-28"),
        _event_row("slechte-datum", edtf),
    ]

    with pytest.raises(ValidationError) as excinfo:
        _load(_write(tmp_path, rows))

    assert "slechte-datum" in str(excinfo.value)
    assert edtf in str(excinfo.value)
    assert _dump() == before
    assert not Event.objects.exists()


@pytest.mark.parametrize("edtf", ["2022-13-45", "blauw"])
def test_it_refuses_a_fixture_with_a_bad_date_and_leaves_the_seed_alone(
    seeded, tmp_path, edtf
):
    before = _dump()
    # A correction of a seed event, a new event, then the bad one: none of it may stay.
    corrected = _event_row("lavrov-persconferentie-2022-01-28", "2022-01-27")
    rows = [corrected, _event_row("goede-datum", "2022-01-28"), _event_row("slechte-datum", edtf)]

    with pytest.raises(ValidationError) as excinfo:
        _load(_write(tmp_path, rows))

    assert "slechte-datum" in str(excinfo.value)
    assert _dump() == before


def _unknown_actor_rows() -> list[dict]:
    return [
        _event_row("goede-datum", "2022-01-28"),
        {
            "model": "timeline.participation",
            "fields": {"event": ["goede-datum"], "actor": ["onbekende-acteur"], "role": "speaker"},
        },
    ]


def test_it_refuses_a_fixture_with_an_unknown_actor_and_leaves_the_seed_alone(
    seeded, tmp_path
):
    before = _dump()

    with pytest.raises(DeserializationError):
        _load(_write(tmp_path, _unknown_actor_rows()))

    assert _dump() == before


def test_it_names_the_unknown_actor_when_it_refuses_a_fixture(seeded, tmp_path):
    with pytest.raises(DeserializationError) as excinfo:
        _load(_write(tmp_path, _unknown_actor_rows()))

    assert "onbekende-acteur" in str(excinfo.value)


def test_it_names_an_unknown_affiliation_when_it_refuses_a_fixture(seeded, tmp_path):
    before = _dump()
    rows = [
        {
            "model": "timeline.actor",
            "fields": {
                "slug": "nieuwe-minister",
                "name": "Nieuwe minister",
                "kind": "person",
                "function": "",
                "affiliation": ["atlantis"],
            },
        }
    ]

    with pytest.raises(DeserializationError) as excinfo:
        _load(_write(tmp_path, rows))

    assert "atlantis" in str(excinfo.value)
    assert _dump() == before
