"""The in-memory event index gives exactly the answers of the SQL filter, and is never stale."""

import datetime as dt
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Collate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from timeline import changes
from timeline.models import (
    Actor,
    Citation,
    Correction,
    DataVersion,
    Event,
    EventType,
    Participation,
    Place,
    Source,
)
from timeline.query import index, sql
from timeline.query.forms import Criteria, Cursor

STATUSES = [value for value, _label in Event.Status.choices]


@pytest.fixture
def crisis(seed):
    """The seed and 300 demo events: drafts, open ends, blocs with members, many words."""
    call_command("generate_demo", "--events", "300", "--seed", "3", verbosity=0)
    # One actor in two roles of one event still counts that event once.
    event = Event.objects.published().first()
    participation = event.participations.first()
    other_role = "mentioned" if participation.role != "mentioned" else "subject"
    Participation.objects.create(event=event, actor=participation.actor, role=other_role)
    # Places for a third of the demo events too (the seed has four), drafts included.
    places = list(Place.objects.order_by("pk"))
    for i, demo in enumerate(Event.objects.exclude(place__isnull=False).order_by("pk")[:100]):
        demo.place = places[i % len(places)]
        demo.save()


# -- what SQL says -------------------------------------------------------------------------------


def _sql_order(events):
    # Timeline order with byte-wise slug comparison, whatever the database's default collation.
    collation = "C" if connection.vendor == "postgresql" else "BINARY"
    return events.order_by("start", Collate("slug", collation))


PERIODS = [
    (dt.date(2022, 1, d), dt.date(2022, 1, d)) for d in (23, 24, 26, 27, 28, 29, 30)
] + [(dt.date(2022, 1, 24), dt.date(2022, 1, 30)), (dt.date(2022, 1, 1), dt.date(2022, 1, 31)),
     (dt.date(2022, 2, 1), dt.date(2022, 2, 28)), (dt.date(2021, 1, 1), dt.date(2023, 12, 31))]


def _sql_answer(c: Criteria) -> dict:
    published = Event.objects.published()
    matching = sql.apply(c, published)

    def actors_of(skip: str) -> Counter:
        pairs = Participation.objects.filter(event__in=sql.apply(c, published, skip=skip).values("pk"))
        return Counter(actor for _event, actor in set(pairs.values_list("event_id", "actor_id")))

    without_bloc = sql.apply(c, published, skip="affiliation")
    blocs = {}
    for bloc in Actor.objects.all():
        n = (
            without_bloc.filter(Q(participations__actor=bloc) | Q(participations__actor__affiliation=bloc))
            .distinct()
            .count()
        )
        if n:
            blocs[bloc.pk] = n
    return {
        "count": matching.count(),
        "order": list(_sql_order(matching).values_list("pk", flat=True)),
        "actors": dict(actors_of("actor")),
        "blocs": blocs,
        # What the affiliation facet offers: what an actor in a published event belongs to.
        "offered blocs": sorted(
            set(
                Actor.objects.filter(members__participations__event__published=True)
                .values_list("pk", flat=True)
            )
        ),
        "types": dict(Counter(sql.apply(c, published, skip="type").values_list("type_id", flat=True))),
        "statuses": dict(Counter(sql.apply(c, published, skip="status").values_list("status", flat=True))),
        "places": dict(
            Counter(
                sql.apply(c, published, skip="place").exclude(place=None).values_list("place_id", flat=True)
            )
        ),
        "map": dict(Counter(matching.exclude(place=None).values_list("place_id", flat=True))),
        # The overview strip's bars: each period counted as the period filter would select it.
        "periods": [sql.apply(replace(c, since=a, until=b), published).count() for a, b in PERIODS],
        "span": _span(sql.apply(replace(c, since=None, until=None), published)),
    }


def _span(events) -> tuple[dt.date, dt.date] | None:
    starts = list(events.values_list("start", flat=True))
    return (min(starts), max(starts)) if starts else None


def _index_answer(c: Criteria) -> dict:
    selection = index.current().select(c)
    order = []
    cursor = None
    while True:  # every page, in small pages, so that cursors are crossed many times
        pks, cursor = selection.page(cursor, descending=False, size=7)
        order += pks
        if cursor is None:
            break
    return {
        "count": selection.count,
        "order": order,
        "actors": selection.actor_counts(),
        "blocs": selection.bloc_counts(),
        "offered blocs": selection.index.blocs_with_members(),
        "types": selection.type_counts(),
        "statuses": selection.status_counts(),
        "places": selection.place_counts(),
        "map": selection.place_counts(every_filter=True),
        "periods": selection.overlapping(PERIODS),
        "span": selection.span(),
    }


# -- the same answers ---------------------------------------------------------------------------


@st.composite
def criteria(draw) -> Criteria:
    actors = list(Actor.objects.order_by("pk").values_list("pk", flat=True))
    blocs = list(Actor.objects.filter(members__isnull=False).distinct().values_list("pk", flat=True))
    types = list(EventType.objects.order_by("pk").values_list("pk", flat=True))
    places = list(Place.objects.order_by("pk").values_list("pk", flat=True))
    words = sorted({w for text in Event.objects.values_list("search_text", flat=True) for w in text.split()})
    word = st.sampled_from(words)
    term = st.one_of(
        word,
        word.map(lambda w: w[1:4] or w),  # inside a word: "iplo" finds "diplomaat"
        st.sampled_from(["a", "poetin", "putin", "zzz-nergens", "v.s.", "é"]),
    )
    # Days events begin and end on, where an off-by-one would show, and any day around them.
    edges = sorted({d for pair in Event.objects.values_list("start", "end") for d in pair if d})
    day = st.one_of(st.sampled_from(edges), st.dates(dt.date(2021, 9, 1), dt.date(2024, 2, 1)))
    since, until = draw(st.one_of(st.none(), day)), draw(st.one_of(st.none(), day))
    return Criteria(
        actors=tuple(draw(st.lists(st.sampled_from(actors), max_size=3, unique=True))),
        blocs=tuple(draw(st.lists(st.sampled_from([*blocs, *actors[:3]]), max_size=2, unique=True))),
        types=tuple(draw(st.lists(st.sampled_from(types), max_size=2, unique=True))),
        statuses=tuple(draw(st.lists(st.sampled_from(STATUSES), max_size=2, unique=True))),
        since=since,
        until=until,
        terms=tuple(draw(st.lists(term, max_size=2))),
        places=tuple(draw(st.lists(st.sampled_from(places), max_size=2, unique=True))),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_answers_every_filter_as_the_database_does(crisis, data):
    c = data.draw(criteria())
    assert _index_answer(c) == _sql_answer(c)


def test_it_answers_the_unfiltered_view_as_the_database_does(crisis):
    everything = Criteria((), (), (), (), None, None, ())
    answer = _index_answer(everything)
    assert answer == _sql_answer(everything)
    assert answer["count"] == Event.objects.published().count() > 300


def _move_some_events(count: int) -> None:
    """Editors correct the dates of `count` events, which then sort elsewhere in the timeline."""
    for i, event in enumerate(Event.objects.published().order_by("pk")[:count]):
        event.edtf = (event.start + dt.timedelta(days=37 * (i % 5) - 80)).isoformat()
        event.status = "occurred"
        event.save()


@pytest.mark.parametrize("edited", [False, True], ids=["as built", "after events moved"])
def test_it_pages_newest_first_from_any_cursor(crisis, edited):
    index.current()
    if edited:  # the moved events are the overlay's rows, merged into the order
        _move_some_events(40)
        assert index.current().overlay == 40
    c = Criteria((), (), (), ("occurred",), dt.date(2022, 1, 1), None, ())
    expected = list(_sql_order(sql.apply(c, Event.objects.published())).values_list("pk", flat=True))
    expected.reverse()
    selection = index.current().select(c)
    got, cursor = [], None
    while True:
        pks, cursor = selection.page(cursor, descending=True, size=11)
        got += pks
        if cursor is None:
            break
    assert got == expected
    # A cursor from a URL that names no event still finds its place in the order.
    middle = Event.objects.get(pk=expected[len(expected) // 2])
    between = Cursor(middle.start, middle.slug + "-")
    pks, _next = selection.page(between, descending=True, size=3)
    assert pks == expected[len(expected) // 2 : len(expected) // 2 + 3]


def _shown(events) -> list[tuple]:
    return [
        (
            e.slug,
            e.type.slug,
            [(p.actor.slug, p.get_role_display()) for p in e.participation_list],
            [(c.source.slug, c.source.outlet, c.quote) for c in e.citation_list],
            [(c.made, c.note) for c in e.correction_list],
        )
        for e in events
    ]


def test_it_fetches_a_page_with_all_a_timeline_entry_shows(crisis, django_assert_max_num_queries):
    pks = list(Event.objects.published().order_by("-pk").values_list("pk", flat=True)[:40])
    Correction.objects.create(event_id=pks[1], note="De datum was fout.")
    found = Event.objects.with_details().in_bulk(pks)
    expected = _shown(found[pk] for pk in pks)
    ix = index.current()
    with django_assert_max_num_queries(4):  # events, participations, citations, corrections
        events = ix.events(pks)
        assert _shown(events) == expected
    assert any(e[2] for e in expected) and any(e[3] for e in expected)
    assert [e[4] for e in expected if e[4]] == [[(Correction.objects.get().made, "De datum was fout.")]]


def test_it_fetches_a_participant_added_after_the_index_was_built(crisis):
    ix = index.current()  # an index a request holds while an editor saves
    event = Event.objects.published().first()
    newcomer = Actor.objects.create(slug="nieuwkomer", name="Nieuwkomer", kind="person")
    Participation.objects.create(event=event, actor=newcomer, role="speaker")
    [fetched] = ix.events([event.pk])
    assert ("nieuwkomer", "spreker") in _shown([fetched])[0][2]


# -- never stale ---------------------------------------------------------------------------------


def _slugs(client, query: str) -> list[str]:
    return [e["slug"] for e in client.get(f"/api/events.json?{query}").json()["events"]]


def test_a_change_shows_on_the_next_request(client, seed):
    assert _slugs(client, "q=zeppelin") == []
    event = Event.objects.get(slug="lavrov-persconferentie-2022-01-28")
    event.summary += " Over een zeppelin."
    event.save()
    assert _slugs(client, "q=zeppelin") == ["lavrov-persconferentie-2022-01-28"]

    event.published = False
    event.save()
    assert _slugs(client, "q=zeppelin") == []


def test_a_new_participant_or_alias_shows_on_the_next_request(client, seed):
    macron = Actor.objects.get(slug="macron")
    before = set(_slugs(client, "actor=macron"))
    event = Event.objects.published().exclude(participations__actor=macron).first()
    Participation.objects.create(event=event, actor=macron, role="speaker")
    assert set(_slugs(client, "actor=macron")) == before | {event.slug}

    macron.aliases.create(name="Jupiter")
    assert set(_slugs(client, "q=jupiter")) == before | {event.slug}


def test_a_deleted_event_is_gone_on_the_next_request(client, seed):
    html = client.get("/").content.decode()
    assert "lavrov-persconferentie-2022-01-28" in html
    Event.objects.get(slug="lavrov-persconferentie-2022-01-28").delete()
    assert "lavrov-persconferentie-2022-01-28" not in client.get("/").content.decode()
    assert client.get("/api/events.json").json()["count"] == Event.objects.published().count()


def test_every_change_renews_the_data_version_and_reading_does_not(client, seed):
    token = DataVersion.current()
    client.get("/")
    client.get("/api/events.json?q=poetin")
    assert DataVersion.current() == token
    EventType.objects.filter(slug="phone-call").update(name=F("name"))  # no signal: no change
    assert DataVersion.current() == token
    EventType.objects.get(slug="phone-call").save()
    assert DataVersion.current() != token


def test_the_index_is_rebuilt_only_when_the_data_changed(client, seed):
    first = index.current()
    assert index.current() is first
    Actor.objects.get(slug="macron").save()
    assert index.current() is not first


# -- a change costs what it changes ---------------------------------------------------------------


def _contents(ix: index.EventIndex) -> dict:
    """What an index shows, independent of how it came to hold it (a build, or a build and an
    overlay of applied changes): each live row's event, in timeline order."""
    live = np.flatnonzero(ix.alive).tolist()
    order = sorted(live, key=ix.key)
    words = {}
    for word, wid in ix.word_ids.items():
        for pos in ix.postings[ix.posting_bounds[wid] : ix.posting_bounds[wid + 1]]:
            if ix.alive[pos]:
                words.setdefault(word, set()).add(int(ix.pks[pos]))
    for row, text in enumerate(ix.texts, start=ix.base_size):
        if ix.alive[row]:
            for word in text.split():
                words.setdefault(word, set()).add(int(ix.pks[row]))

    def pairs(p: index.Pairs) -> set:
        by_actor = {
            (int(ix.pks[pos]), int(ix.actor_pks[a]))
            for a in range(len(ix.actor_pks))
            for pos in p.pos_by_actor[p.actor_bounds[a] : p.actor_bounds[a + 1]]
            if ix.alive[pos]
        }
        shown = [(pos, a) for pos, a in zip(p.pos, p.actor, strict=True) if ix.alive[pos]]
        assert {(int(ix.pks[pos]), int(ix.actor_pks[a])) for pos, a in shown} == by_actor
        assert [p.bounds[i + 1] - p.bounds[i] for i in range(ix.base_size)] == list(
            np.bincount(p.pos, minlength=ix.base_size)
        )
        shown += [(pos, a) for pos, a in zip(p.more_pos, p.more_actor, strict=True) if ix.alive[pos]]
        by_pos = {(int(ix.pks[pos]), int(ix.actor_pks[a])) for pos, a in shown}
        assert len(by_pos) == len(shown)  # distinct: two roles in one event count once
        return by_pos

    positions, found = ix._positions(ix.pks[live])
    return {
        "pks": ix.pks[order].tolist(),
        "slugs": [ix.slug(row) for row in order],
        "start": ix.start[order].tolist(),
        "end": ix.end[order].tolist(),
        "type": ix.type_pks[ix.type[order]].tolist(),
        "status": ix.status[order].tolist(),
        "place": ix.place[order].tolist(),
        "participants": pairs(ix.participants),
        "blocs": pairs(ix.blocs),
        "words": {word: sorted(pks) for word, pks in words.items()},
        "found by pk": bool(found.all()) and positions.tolist() == live,
        "size": ix.size == len(live),
    }


def test_it_applies_one_changed_event_without_a_rebuild(crisis, monkeypatch):
    before = index.current()
    event = Event.objects.published().order_by("pk").last()
    event.summary += " zeppelin"
    event.save()
    Participation.objects.create(event=event, actor=Actor.objects.get(slug="macron"), role="mentioned")

    def no_rebuild(self, state):
        raise AssertionError("rebuilt for one change")

    monkeypatch.setattr(index.EventIndex, "__init__", no_rebuild)
    after = index.current()
    monkeypatch.undo()
    assert after is not before and after.state == DataVersion.read()
    assert _contents(after) == _contents(index.EventIndex(DataVersion.read()))
    assert _slugs_of(after, Criteria((), (), (), (), None, None, ("zeppelin",))) == [event.slug]


def test_a_large_overlay_is_folded_into_a_new_build(crisis, monkeypatch):
    index.current()
    monkeypatch.setattr(index, "COMPACT_AT", 10)
    _move_some_events(8)
    assert index.current().overlay == 8
    _move_some_events(12)  # past COMPACT_AT: the next request's index is a build again
    folded = index.current()
    assert folded.overlay == 0 and folded.state == DataVersion.read()
    everything = Criteria((), (), (), (), None, None, ())
    assert _index_answer(everything) == _sql_answer(everything)


def _slugs_of(ix, c: Criteria) -> list[str]:
    pks, _cursor = ix.select(c).page(None, descending=False, size=50)
    return list(Event.objects.filter(pk__in=pks).values_list("slug", flat=True))


@pytest.mark.django_db(transaction=True)  # the rebuilding thread reads what was committed
def test_a_bulk_change_is_one_rebuild_and_a_large_index_rebuilds_in_the_background(monkeypatch):
    call_command("loaddata", "seed", verbosity=0)
    call_command("generate_demo", "--events", "300", "--seed", "3", verbosity=0)
    before = index.current()
    monkeypatch.setattr(index, "BACKGROUND_FROM", 0)
    Event.objects.filter(published=False).update(published=True)  # no signals: as an import's SQL
    changes.everything_changed()
    stale = index.current()
    # The previous index answers, whole, while the new one is built.
    assert stale is before
    index._rebuilding.join(timeout=60)
    fresh = index.current()
    assert fresh.state == DataVersion.read() and fresh.size == Event.objects.published().count()
    assert _index_answer(Criteria((), (), (), (), None, None, ())) == _sql_answer(
        Criteria((), (), (), (), None, None, ())
    )


class Newsroom(RuleBasedStateMachine):
    """Editors edit, add, delete, publish and unpublish; readers' answers stay the SQL's."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint_create()
        self.added = 0
        self.actors = list(Actor.objects.order_by("pk")[:12])
        self.types = list(EventType.objects.order_by("pk"))
        self.places = list(Place.objects.order_by("pk"))
        self.source = Source.objects.first()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def _event(self, data) -> Event:
        pks = list(Event.objects.order_by("pk").values_list("pk", flat=True))
        return Event.objects.get(pk=data.draw(st.sampled_from(pks)))

    @rule(data=st.data(), word=st.sampled_from(["zeppelin", "diplomaat", "poetin", "grens"]),
          days=st.integers(-400, 400), status=st.sampled_from(STATUSES))  # fmt: skip
    def edit(self, data, word, days, status):
        event = self._event(data)
        event.summary = f"{event.summary} {word}"
        start = event.start + dt.timedelta(days=days)
        event.edtf = start.isoformat() if days % 3 else f"{start.isoformat()}/.."
        event.status = status
        event.type = data.draw(st.sampled_from(self.types))
        event.place = data.draw(st.sampled_from([None, *self.places]))
        event.save()

    @rule(data=st.data(), published=st.booleans(), day=st.dates(dt.date(2021, 6, 1), dt.date(2024, 6, 1)))
    def add(self, data, published, day):
        self.added += 1
        with transaction.atomic():  # as the admin saves an event with its inlines
            event = Event.objects.create(
                slug=f"nieuw-{self.added}-{data.draw(st.integers(0, 99))}",
                title=f"Nieuw {data.draw(st.sampled_from(['overleg', 'brief', 'zeppelin']))}",
                type=data.draw(st.sampled_from(self.types)),
                edtf=day.isoformat(),
                published=published,
            )
            for actor in data.draw(st.lists(st.sampled_from(self.actors), max_size=3, unique=True)):
                Participation.objects.create(event=event, actor=actor, role="speaker")
            Citation.objects.create(event=event, source=self.source, quote=f"Citaat {self.added} grens")

    @rule(data=st.data())
    def delete(self, data):
        self._event(data).delete()

    @rule(data=st.data())
    def toggle_published(self, data):
        event = self._event(data)
        event.published = not event.published
        event.save()

    @rule(data=st.data())
    def recast(self, data):
        event = self._event(data)
        cast = data.draw(st.lists(st.sampled_from(self.actors), max_size=3, unique=True))
        event.set_participants([(actor, "subject") for actor in cast])

    @rule(data=st.data(), affiliated=st.booleans())
    def rename_or_reaffiliate_an_actor(self, data, affiliated):
        actor = data.draw(st.sampled_from(self.actors[1:]))
        actor.name = f"{actor.name} II"
        actor.affiliation = self.actors[0] if affiliated else None
        actor.save()

    @invariant()
    def the_index_answers_as_the_database_does(self):
        ix = index.current()
        assert ix.state == DataVersion.read()
        assert _contents(ix) == _contents(index.EventIndex(ix.state))

    @rule(data=st.data())
    def a_reader_filters(self, data):
        c = data.draw(criteria())
        assert _index_answer(c) == _sql_answer(c)


def test_it_answers_as_the_database_does_after_any_sequence_of_edits(crisis):
    index.current()
    run_state_machine_as_test(
        Newsroom,
        settings=settings(max_examples=10, stateful_step_count=8, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]),
    )  # fmt: skip
