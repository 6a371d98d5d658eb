"""The timeline's counts and pages, answered from a column index of the published events.

Why. The timeline shows, for every view, the number of results, a count next to each actor,
bloc, type and status (each counted with the other filters applied) and bars per day. In SQL
each of those is an aggregate over every matching event: at 100,000 events that was 350-550 ms a
request on SQLite and PostgreSQL alike, however the queries were written, because a few
thousand matches already mean a few thousand rows visited per aggregate. The same answers over
NumPy columns held in memory take a few milliseconds, and the page itself is then fetched by
primary key.

What it holds, for the published events in timeline order (start, slug), position 0..N-1:
- `start` and `end` as day numbers (an open end is the far future), the type and status codes;
- the (position, actor) pairs of the participations, and (position, bloc) pairs where an
  actor counts for itself and for the actor it is affiliated with ("alles van Rusland");
- every distinct word (whitespace-separated) of the events' search text, with the positions of
  the events that contain it. A search term holds no whitespace, so it occurs in an event's
  text exactly when it occurs inside one of the event's words: the words containing the term
  are found in the vocabulary and their positions united. That is the SQL filter's
  `search_text LIKE '%term%'`, to the letter.

Freshness. Every change to what the timeline shows replaces the token of the one-row
`DataVersion` table in the same transaction (`timeline.cache.data_changed`). Each request reads
that token (one query) and, when it is not the token the index was built under, rebuilds the
index first: a change is visible on the very next request, in every process. The rebuild
reads the published events once (its time is in bench/results/); the SQL
strategy (`timeline.query.sql`) stays the reference, and the tests hold the two to the same
answers. A filter the index holds no column for is asked of the SQL strategy and joins the
others as one more mask.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
from itertools import chain

import numpy as np
from django.db import connections
from django.db.models import CharField
from django.db.models.functions import Cast

from timeline.models import Actor, Citation, DataVersion, Event, EventType, Participation
from timeline.query import sql
from timeline.query.forms import Criteria, Cursor

OPEN_END = np.iinfo(np.int64).max
EPOCH = dt.date(1970, 1, 1)  # day 0 of NumPy's datetime64[D]
STATUSES = [value for value, _label in Event.Status.choices]
# The filters answered from the columns; any other is answered in SQL (see `select`).
INDEXED = {"actors", "blocs", "types", "statuses", "since", "until", "terms"}


class EventIndex:
    """The published events as columns in timeline order, built under one data version token."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        # Rows as the driver returns them (the ORM's per-value conversion costs more than the
        # read), every event in table order, which a database reads fastest; then the published
        # ones in timeline order. The search texts, the bulk, are read after, a batch at a time.
        rows = [
            r
            for r in _rows(
                Event.objects.order_by()
                # As text: NumPy reads ISO dates faster than the driver makes date objects.
                .annotate(start_text=Cast("start", CharField()), end_text=Cast("end", CharField()))
                .values_list("pk", "slug", "start_text", "end_text", "type_id", "status", "published")
            )
            if r[6]
        ]
        # (start, slug) order: an ISO date has a fixed width, so "date + slug" sorts the same.
        rows.sort(key=lambda r: r[2] + r[1])
        n = len(rows)
        self.size = n
        self.pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        self.slugs = [r[1] for r in rows]
        self.start = _days([r[2] for r in rows])
        self.end = _days([r[3] for r in rows])
        # What the facets name: every type and actor (a change to one renews the token too).
        self.types = list(EventType.objects.all())
        self.type_pks = np.array(sorted(t.pk for t in self.types), dtype=np.int64)
        self.types_by_pk = {t.pk: t for t in self.types}
        self.type = np.searchsorted(self.type_pks, np.fromiter((r[4] for r in rows), np.int64, n))
        code = {status: i for i, status in enumerate(STATUSES)}
        self.status = np.fromiter(map(code.__getitem__, (r[5] for r in rows)), np.int8, n)
        del rows
        self._by_pk = np.argsort(self.pks)

        self.actors = Actor.objects.in_bulk()
        # Participations, as (event position, actor index into `actor_pks`) pairs.
        self.actor_pks = np.array(sorted(self.actors), dtype=np.int64)
        affiliation = {a.pk: a.affiliation_id for a in self.actors.values() if a.affiliation_id}
        parts = np.fromiter(
            chain.from_iterable(_rows(Participation.objects.order_by().values_list("event_id", "actor_id"))),
            dtype=np.int64,
        ).reshape(-1, 2)
        pos, published = self._positions(parts[:, 0])
        pos, parts = pos[published], parts[published]
        actor = np.searchsorted(self.actor_pks, parts[:, 1])
        self.participants = self._pairs(pos, actor)
        # An actor counts for its bloc too: the "affiliation" filter's semantics.
        member_of = np.full(len(self.actor_pks), -1, dtype=np.int64)
        if affiliation:
            members = np.searchsorted(self.actor_pks, list(affiliation))
            member_of[members] = np.searchsorted(self.actor_pks, list(affiliation.values()))
        bloc = member_of[actor]
        has = bloc >= 0
        self.blocs = self._pairs(np.concatenate([pos, pos[has]]), np.concatenate([actor, bloc[has]]))

        # Words of the search text, and the positions of the events containing each: every
        # (word, event) as the key word-id * n + position; sorted, these are the postings of
        # word 0, then word 1, ..., each in position order.
        self.word_ids = _Numbering()
        keys = []
        texts = _batches(Event.objects.order_by().values_list("pk", "search_text"))
        for batch in texts:
            pos, published = self._positions(np.fromiter((r[0] for r in batch), np.int64, len(batch)))
            words = [r[1].split() for r, keep in zip(batch, published, strict=True) if keep]
            word_of = np.fromiter(map(self.word_ids.__getitem__, chain.from_iterable(words)), np.int64)
            keys.append(word_of * max(n, 1) + np.repeat(pos[published], list(map(len, words))))
        # Distinct: a word twice in one event is one posting.
        keys = _distinct(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)
        self.postings = (keys % max(n, 1)).astype(np.int32)
        self.posting_bounds = np.searchsorted(keys // max(n, 1), np.arange(len(self.word_ids) + 1))
        self.vocabulary = "\n" + "\n".join(self.word_ids) + "\n"

    def _positions(self, pks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of events by primary key, and which of them are published (indexed)."""
        if not self.size:
            return np.zeros(len(pks), dtype=np.int64), np.zeros(len(pks), dtype=bool)
        at = np.minimum(np.searchsorted(self.pks, pks, sorter=self._by_pk), self.size - 1)
        pos = self._by_pk[at]
        return pos, self.pks[pos] == pks

    def _pairs(self, pos: np.ndarray, actor: np.ndarray) -> Pairs:
        """Distinct (position, actor) pairs: two roles in one event count once."""
        width = max(len(self.actor_pks), 1)
        pairs = _distinct(pos * width + actor)
        return Pairs(pairs // width, pairs % width, self.size, len(self.actor_pks))

    # -- masks ---------------------------------------------------------------------------------

    @staticmethod
    def _indexes(sorted_pks: np.ndarray, pks) -> np.ndarray:
        """Where these primary keys are in `sorted_pks` (one added since the build: nowhere)."""
        if not len(sorted_pks):
            return np.empty(0, dtype=np.int64)
        pks = np.asarray(pks, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_pks, pks), len(sorted_pks) - 1)
        return at[sorted_pks[at] == pks]

    def _with_any(self, pairs: Pairs, pks) -> np.ndarray:
        """The events where one of these actors (by primary key) is among the pairs."""
        wanted = self._indexes(self.actor_pks, pks)
        mask = np.zeros(self.size, dtype=bool)
        mask[pairs.positions_of(wanted)] = True
        return mask

    def _containing(self, term: str) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for word in re.findall(rf"[^\n]*{re.escape(term)}[^\n]*", self.vocabulary):
            wid = self.word_ids[word]
            mask[self.postings[self.posting_bounds[wid] : self.posting_bounds[wid + 1]]] = True
        return mask

    def select(self, c: Criteria) -> Selection:
        """The events these filters select, with what the page shows about them."""
        facets = {}
        if c.actors:
            facets["actor"] = self._with_any(self.participants, c.actors)
        if c.blocs:
            facets["affiliation"] = self._with_any(self.blocs, c.blocs)
        if c.types:
            facets["type"] = np.isin(self.type, self._indexes(self.type_pks, c.types))
        if c.statuses:
            facets["status"] = np.isin(self.status, [STATUSES.index(s) for s in c.statuses])
        rest = np.ones(self.size, dtype=bool)
        if c.since:
            rest &= self.end >= _day(c.since)
        if c.until:
            rest &= self.start <= _day(c.until)
        for term in c.terms:
            rest &= self._containing(term)
        if unindexed := c.set_fields() - INDEXED:
            pks = sql.apply(c.only(unindexed), Event.objects.published()).values_list("pk", flat=True)
            pos, published = self._positions(np.fromiter(pks, np.int64))
            mask = np.zeros(self.size, dtype=bool)
            mask[pos[published]] = True
            rest &= mask
        return Selection(self, facets, rest)

    def events(self, pks: list[int]) -> list[Event]:
        """The events with these primary keys, in this order, with what with_details() gives
        them, in three queries without joins: their types and actors are the index's own."""
        found = Event.objects.defer("search_text").in_bulk(pks)
        participations = list(Participation.objects.filter(event_id__in=pks).order_by("pk"))
        if any(e.type_id not in self.types_by_pk for e in found.values()) or any(
            p.actor_id not in self.actors for p in participations
        ):  # a type or actor added since the build; the next request rebuilds
            found = Event.objects.with_details().in_bulk(pks)
            return [found[pk] for pk in pks if pk in found]
        for event in found.values():
            event.type = self.types_by_pk[event.type_id]
            event.participation_list, event.citation_list = [], []
        for participation in participations:
            participation.actor = self.actors[participation.actor_id]
            if participation.event_id in found:
                found[participation.event_id].participation_list.append(participation)
        citations = Citation.objects.filter(event_id__in=pks).select_related("source")
        for citation in citations.defer("source__text"):  # in Citation's one order
            if citation.event_id in found:
                found[citation.event_id].citation_list.append(citation)
        return [found[pk] for pk in pks if pk in found]

    def position(self, cursor: Cursor, *, after: bool) -> int:
        """Where events sorting after (or from where events sorting before) the cursor begin."""
        day = _day(cursor.start)
        lo = int(np.searchsorted(self.start, day, side="left"))
        hi = int(np.searchsorted(self.start, day, side="right"))
        find = bisect.bisect_right if after else bisect.bisect_left
        return find(self.slugs, cursor.slug, lo, hi)


def _rows(queryset) -> list[tuple]:
    """The rows of a values_list() queryset as the database driver returns them."""
    return list(chain.from_iterable(_batches(queryset)))


class _Numbering(dict):
    """word -> 0, 1, 2, ... in order of first appearance."""

    def __missing__(self, word: str) -> int:
        self[word] = number = len(self)
        return number


def _batches(queryset, size: int = 5000):
    """The rows of a values_list() queryset as the driver returns them, a batch at a time."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield batch


def _days(values: list[str | None]) -> np.ndarray:
    """ISO dates (None for an open end) as day numbers, an open end as the far future."""
    dates = np.array(values, dtype="datetime64[D]")
    return np.where(np.isnat(dates), OPEN_END, dates.astype(np.int64))


def _day(date: dt.date) -> int:
    return (date - EPOCH).days


def _date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique, without the hashing that is slower here)."""
    values = np.sort(values)
    if len(values):
        values = values[np.concatenate([[True], values[1:] != values[:-1]])]
    return values


class Pairs:
    """(event position, actor) pairs, sorted by position, with where each event's pairs begin."""

    def __init__(self, pos: np.ndarray, actor: np.ndarray, size: int, actors: int):
        self.pos, self.actor = pos, actor
        self.bounds = np.searchsorted(pos, np.arange(size + 1))
        # The same pairs by actor: each actor's event positions, without a pass over all pairs.
        by_actor = np.argsort(actor, kind="stable")
        self.pos_by_actor = pos[by_actor]
        self.actor_bounds = np.searchsorted(actor[by_actor], np.arange(actors + 1))

    def positions_of(self, actors: np.ndarray) -> np.ndarray:
        """The positions of the events of these actors (indexes into the index's actor_pks)."""
        return np.concatenate(
            [self.pos_by_actor[self.actor_bounds[a] : self.actor_bounds[a + 1]] for a in actors]
            or [np.empty(0, dtype=np.int64)]
        )

    def actors_of(self, mask: np.ndarray) -> np.ndarray:
        """The actors of the pairs of the events in the mask."""
        hits = np.flatnonzero(mask)
        if len(hits) * 4 > len(mask):  # most events: one pass over all pairs is quicker
            return self.actor[mask[self.pos]]
        # Few events (a filter is set): only their pairs, as ranges of the sorted pairs.
        begin, end = self.bounds[hits], self.bounds[hits + 1]
        lengths = end - begin
        offsets = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
        return self.actor[offsets + np.arange(len(offsets))]


class Selection:
    """The events a view selects: their number, a page of them, and the facet counts.

    Each facet (actor, affiliation, type, status) is counted over the events that every
    *other* filter selects, so that a journalist sees what ticking one more option would add.
    """

    def __init__(self, index: EventIndex, facets: dict[str, np.ndarray], rest: np.ndarray):
        self.index = index
        self.facets = facets  # one mask per facet filter that is set
        self.rest = rest  # every other filter together
        self.matching = rest.copy()
        for facet in facets.values():
            self.matching &= facet

    def _without(self, skip: str) -> np.ndarray:
        """The events every filter but `skip` selects (all of them apply when it is not set)."""
        if skip not in self.facets:
            return self.matching
        mask = self.rest.copy()
        for name, facet in self.facets.items():
            if name != skip:
                mask &= facet
        return mask

    @property
    def count(self) -> int:
        return int(self.matching.sum())

    def page(self, cursor: Cursor | None, *, descending: bool, size: int) -> tuple[list[int], Cursor | None]:
        """Keyset paging on (start, slug): the primary keys of the `size` events after the
        cursor, and the cursor of the next page (None on the last)."""
        ix = self.index
        if descending:
            stop = ix.size if cursor is None else ix.position(cursor, after=False)
            hits = np.flatnonzero(self.matching[:stop])[::-1][: size + 1]
        else:
            begin = 0 if cursor is None else ix.position(cursor, after=True)
            hits = np.flatnonzero(self.matching[begin:])[: size + 1] + begin
        hits = hits.tolist()
        next_cursor = None
        if len(hits) > size:
            hits = hits[:size]
            last = hits[-1]
            next_cursor = Cursor(_date(ix.start[last]), ix.slugs[last])
        return [int(ix.pks[i]) for i in hits], next_cursor

    def _per_actor(self, pairs: Pairs, skip: str) -> dict[int, int]:
        actors = pairs.actors_of(self._without(skip))
        counts = np.bincount(actors, minlength=len(self.index.actor_pks))
        return {int(self.index.actor_pks[i]): int(counts[i]) for i in np.flatnonzero(counts)}

    def actor_counts(self) -> dict[int, int]:
        """Actor pk -> events with that actor, over every filter but `actor`."""
        return self._per_actor(self.index.participants, "actor")

    def bloc_counts(self) -> dict[int, int]:
        """Actor pk -> events with that actor or one affiliated with it, over every filter but
        `affiliation`."""
        return self._per_actor(self.index.blocs, "affiliation")

    def type_counts(self) -> dict[int, int]:
        ix = self.index
        counts = np.bincount(ix.type[self._without("type")], minlength=len(ix.type_pks))
        return {int(ix.type_pks[i]): int(counts[i]) for i in np.flatnonzero(counts)}

    def status_counts(self) -> dict[str, int]:
        counts = np.bincount(self.index.status[self._without("status")], minlength=len(STATUSES))
        return {STATUSES[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def days(self) -> list[tuple[dt.date, int]]:
        """(start day, number of selected events beginning that day), in date order."""
        starts = self.index.start[self.matching]  # sorted: the index is in start order
        if not len(starts):
            return []
        first = np.flatnonzero(np.concatenate([[True], starts[1:] != starts[:-1]]))
        counts = np.diff(np.append(first, len(starts)))
        days = starts[first].astype("datetime64[D]").tolist()  # as dates, in one go
        return list(zip(days, counts.tolist(), strict=True))


_lock = threading.Lock()
_current: EventIndex | None = None


def current() -> EventIndex:
    """The index of the data as it is now: rebuilt first when anything has changed."""
    global _current
    token = DataVersion.current()
    index = _current
    if index is not None and token is not None and index.token == token:
        return index
    with _lock:
        index = _current
        if index is None or token is None or index.token != token:
            index = EventIndex(token)
            if token is not None:
                _current = index
    return index
