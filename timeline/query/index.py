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

Freshness. The change hub (timeline/changes.py) advances the one-row `DataVersion` once per
committed change and, in the same transaction, logs which events changed under the new number
(`Change`). Each request reads the version (one query); when it is newer than the index's, the
logged events are applied to the index (`EventIndex.applied`: new arrays, one reference swap),
so a change costs what it changes and shows on the next request of every process, on every
server sharing the database. Only a first index, a bulk change or a log too long or not this
index's history mean a rebuild, of a large index in the background (`current`). The SQL strategy
(`timeline.query.sql`) stays the reference, and the tests hold the two to the same
answers, after any sequence of edits too. A filter the index holds no column for is asked of
the SQL strategy and joins the others as one more mask. Figures: bench/results/.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import logging
import re
import threading
from itertools import chain

import numpy as np
from django.db import connections
from django.db.models import CharField
from django.db.models.functions import Cast

from timeline.models import Actor, Change, Citation, Correction, DataVersion, Event, EventType, Participation
from timeline.query import sql
from timeline.query.forms import Criteria, Cursor

logger = logging.getLogger(__name__)
OPEN_END = np.iinfo(np.int64).max
EPOCH = dt.date(1970, 1, 1)  # day 0 of NumPy's datetime64[D]
STATUSES = [value for value, _label in Event.Status.choices]
# The filters answered from the columns; any other is answered in SQL (see `select`).
INDEXED = {"actors", "blocs", "types", "statuses", "since", "until", "terms"}


class EventIndex:
    """The published events as columns in timeline order, built under one data version token."""

    def __init__(self, state: tuple[str, int] | None) -> None:
        # The data version this index shows: (token, number), None before the first migration.
        self.state = state
        # Rows as the driver returns them (the ORM's per-value conversion costs more than the
        # read), every event in table order, which a database reads fastest; then the published
        # ones in timeline order. The search texts, the bulk, are read after, a batch at a time.
        rows = _published_rows(Event.objects.all())
        n = len(rows)
        self.size = n
        self.pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        # An array, not a list: a change replaces a few of them in one pass (`applied`).
        self.slugs = np.array([r[1] for r in rows], dtype=object)
        self.start = _days([r[2] for r in rows])
        self.end = _days([r[3] for r in rows])
        # What the facets name: every type and actor (a change to one is a "names" change).
        self._read_names()
        self.type = np.searchsorted(self.type_pks, np.fromiter((r[4] for r in rows), np.int64, n))
        self.status = _status_codes(rows)
        del rows
        self._by_pk = np.argsort(self.pks)

        # Participations, as (event position, actor index into `actor_pks`) pairs.
        parts = np.fromiter(
            chain.from_iterable(_rows(Participation.objects.order_by().values_list("event_id", "actor_id"))),
            dtype=np.int64,
        ).reshape(-1, 2)
        pos, published = self._positions(parts[:, 0])
        pos, parts = pos[published], parts[published]
        actor = np.searchsorted(self.actor_pks, parts[:, 1])
        self.participants = self._pairs(pos, actor)
        self.blocs = self._pairs(*self._with_blocs(self.participants.pos, self.participants.actor))

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

    def applied(self, event_ids: set[int], *, names: bool, state: tuple[str, int]) -> EventIndex:
        """A new index: this one with these events read again (each added, edited, unpublished
        or deleted) and, with `names`, the actors and types too; shown as version `state`.

        Functional: every array that changes is a new one, so a request still reading this
        index keeps seeing one consistent version. The cost is a few passes over the arrays
        (the postings the most) and the changed events' rows, not a rebuild.
        """
        new = copy.copy(self)
        new.state = state
        pks = np.fromiter(event_ids, dtype=np.int64)
        rows = _published_rows(Event.objects.filter(pk__in=pks), search_text=True) if len(pks) else []
        published = [r[0] for r in rows]
        parts = (
            list(Participation.objects.filter(event_id__in=published).values_list("event_id", "actor_id"))
            if published
            else []
        )
        old_type, remap_actor = self.type, None
        if (
            names
            or any(r[4] not in self.types_by_pk for r in rows)
            or any(a not in self.actors for _e, a in parts)
        ):
            new._read_names()
            old_type = np.searchsorted(new.type_pks, self.type_pks[self.type])
            remap_actor = np.searchsorted(new.actor_pks, self.actor_pks)

        # Where the events go: taken out where they were, put in where their (start, slug) sorts.
        pos, present = self._positions(pks)
        out = np.sort(pos[present])
        k = len(rows)
        days = _days([r[2] for r in rows])
        insertions = (self._insertion(int(d), r[1]) for d, r in zip(days, rows, strict=True))
        at_old = np.fromiter(insertions, np.int64, k)
        at = at_old - np.searchsorted(out, at_old)  # among the events that stay
        new_pos = at + np.arange(k)
        renumbering = _Renumbering(self.size, out, at)
        new.size = n = self.size - len(out) + k

        def moved(column: np.ndarray, values) -> np.ndarray:
            if renumbering.in_place:
                column = column.copy()
                column[out] = values
                return column
            return _spliced(column, out, at, values)

        new.pks = moved(self.pks, [r[0] for r in rows])
        new.slugs = moved(self.slugs, np.array([r[1] for r in rows], dtype=object))
        new.start = moved(self.start, days)
        new.end = moved(self.end, _days([r[3] for r in rows]))
        new.type = moved(old_type, np.searchsorted(new.type_pks, [r[4] for r in rows]))
        new.status = moved(self.status, _status_codes(rows))
        new._by_pk = np.argsort(new.pks)

        # Their participations: distinct (position, actor) pairs, sorted by position.
        position_of = dict(zip((r[0] for r in rows), new_pos.tolist(), strict=True))
        width = max(len(new.actor_pks), 1)
        events, actors = (np.array(column, dtype=np.int64) for column in _columns(parts, 2))
        part_pos = np.fromiter(map(position_of.__getitem__, events.tolist()), np.int64, len(events))
        keys = _distinct(part_pos * width + np.searchsorted(new.actor_pks, actors))
        add_pos, add_actor = keys // width, keys % width
        participants = self.participants
        if remap_actor is not None:
            participants = Pairs.build(
                participants.pos, remap_actor[participants.actor], self.size, len(new.actor_pks)
            )
        new.participants = participants.renumbered(renumbering, add_pos, add_actor, n, len(new.actor_pks))
        if remap_actor is not None:  # affiliations may have changed: blocs anew
            new.blocs = new._pairs(*new._with_blocs(new.participants.pos, new.participants.actor))
        else:
            bloc_pos, bloc = new._with_blocs(add_pos, add_actor)
            keys = _distinct(bloc_pos * width + bloc)
            new.blocs = self.blocs.renumbered(renumbering, keys // width, keys % width, n, len(new.actor_pks))

        # Their words: new words numbered on after the known ones; the postings regrouped.
        new.word_ids = _Numbering(self.word_ids)
        known = len(new.word_ids)
        words = [sorted(set(r[7].split())) for r in rows]
        word_of = np.fromiter(map(new.word_ids.__getitem__, chain.from_iterable(words)), np.int64)
        if len(new.word_ids) > known:
            new.vocabulary = self.vocabulary + "\n".join(list(new.word_ids)[known:]) + "\n"
        new.postings, new.posting_bounds = _regroup(
            self.postings,
            self.posting_bounds,
            renumbering,
            word_of,
            np.repeat(new_pos, list(map(len, words))).astype(np.int32),
            len(new.word_ids),
        )
        return new

    def _insertion(self, day: int, slug: str) -> int:
        """Where an event of this start day and slug sorts among the indexed ones."""
        lo = int(np.searchsorted(self.start, day, side="left"))
        hi = int(np.searchsorted(self.start, day, side="right"))
        return bisect.bisect_left(self.slugs, slug, lo, hi)

    @property
    def token(self) -> str | None:
        return self.state[0] if self.state else None

    def _read_names(self) -> None:
        """The event types and actors, as the facets name them and the filters find them."""
        self.types = list(EventType.objects.all())
        self.type_pks = np.array(sorted(t.pk for t in self.types), dtype=np.int64)
        self.types_by_pk = {t.pk: t for t in self.types}
        self.actors = Actor.objects.in_bulk()
        self.actor_pks = np.array(sorted(self.actors), dtype=np.int64)
        affiliation = {a.pk: a.affiliation_id for a in self.actors.values() if a.affiliation_id}
        # An actor counts for its bloc too: the "affiliation" filter's semantics.
        self.member_of = np.full(len(self.actor_pks), -1, dtype=np.int64)
        if affiliation:
            members = np.searchsorted(self.actor_pks, list(affiliation))
            self.member_of[members] = np.searchsorted(self.actor_pks, list(affiliation.values()))

    def _with_blocs(self, pos: np.ndarray, actor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position, actor) pairs with a (position, bloc) pair added for each affiliated actor."""
        bloc = self.member_of[actor]
        has = bloc >= 0
        return np.concatenate([pos, pos[has]]), np.concatenate([actor, bloc[has]])

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
        return Pairs.build(pairs // width, pairs % width, self.size, len(self.actor_pks))

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
        # The period is kept apart like a facet, so that the overview strip can count every
        # period with the other filters, as clicking its bar would.
        if c.since or c.until:
            period = np.ones(self.size, dtype=bool)
            if c.since:
                period &= self.end >= _day(c.since)
            if c.until:
                period &= self.start <= _day(c.until)
            facets["period"] = period
        rest = np.ones(self.size, dtype=bool)
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
        them, in four queries without joins: their types and actors are the index's own."""
        found = Event.objects.defer("search_text").in_bulk(pks)
        participations = list(Participation.objects.filter(event_id__in=pks).order_by("pk"))
        if any(e.type_id not in self.types_by_pk for e in found.values()) or any(
            p.actor_id not in self.actors for p in participations
        ):  # a type or actor added since the build; the next request rebuilds
            found = Event.objects.with_details().in_bulk(pks)
            return [found[pk] for pk in pks if pk in found]
        for event in found.values():
            event.type = self.types_by_pk[event.type_id]
            event.participation_list, event.citation_list, event.correction_list = [], [], []
        for participation in participations:
            participation.actor = self.actors[participation.actor_id]
            if participation.event_id in found:
                found[participation.event_id].participation_list.append(participation)
        citations = Citation.objects.filter(event_id__in=pks).select_related("source")
        for citation in citations.defer("source__text"):  # in Citation's one order
            if citation.event_id in found:
                found[citation.event_id].citation_list.append(citation)
        for correction in Correction.objects.filter(event_id__in=pks):  # oldest first
            if correction.event_id in found:
                found[correction.event_id].correction_list.append(correction)
        return [found[pk] for pk in pks if pk in found]

    def position(self, cursor: Cursor, *, after: bool) -> int:
        """Where events sorting after (or from where events sorting before) the cursor begin."""
        day = _day(cursor.start)
        lo = int(np.searchsorted(self.start, day, side="left"))
        hi = int(np.searchsorted(self.start, day, side="right"))
        find = bisect.bisect_right if after else bisect.bisect_left
        return find(self.slugs, cursor.slug, lo, hi)


def _published_rows(events, *, search_text: bool = False) -> list[tuple]:
    """(pk, slug, start, end, type, status, published[, search text]) of the published ones of
    these events, in timeline order, as the driver returns them (the ORM's per-value conversion
    costs more than the read), read in table order, which a database reads fastest."""
    fields = ["pk", "slug", "start_text", "end_text", "type_id", "status", "published"]
    rows = _rows(
        events.order_by()
        # As text: NumPy reads ISO dates faster than the driver makes date objects.
        .annotate(start_text=Cast("start", CharField()), end_text=Cast("end", CharField()))
        .values_list(*fields, *(["search_text"] if search_text else []))
    )
    rows = [r for r in rows if r[6]]
    # (start, slug) order: an ISO date has a fixed width, so "date + slug" sorts the same.
    rows.sort(key=lambda r: r[2] + r[1])
    return rows


def _status_codes(rows: list[tuple]) -> np.ndarray:
    code = {status: i for i, status in enumerate(STATUSES)}
    return np.fromiter(map(code.__getitem__, (r[5] for r in rows)), np.int8, len(rows))


def _columns(rows: list[tuple], width: int) -> list[tuple]:
    return list(zip(*rows, strict=True)) if rows else [()] * width


class _Renumbering:
    """Old positions to new, when the events at `out` (sorted) are taken out and k events put in
    at `at` (sorted, positions among the events that stay)."""

    # Up to this many events changed, positions are renumbered with a few passes of comparisons
    # (cheap and sequential); more, with a lookup table.
    FEW = 8

    def __init__(self, size: int, out: np.ndarray, at: np.ndarray):
        self.out, self.at = out, at
        # Each event put back where it was (an edit that moves nothing in the order, the usual
        # case): every other position stays.
        self.in_place = len(out) == len(at) and np.array_equal(out, at + np.arange(len(at)))
        self.few = len(out) + len(at) <= self.FEW
        if not self.in_place and not self.few:
            kept = np.ones(size, dtype=bool)
            kept[out] = False
            stay = size - len(out)
            self.remap = np.full(size, -1, dtype=np.int64)
            self.remap[kept] = np.arange(stay) + np.searchsorted(at, np.arange(stay), side="right")

    def __call__(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions renumbered, those of the events taken out dropped; and where those were."""
        if not self.in_place and not self.few:
            mapped = self.remap[values].astype(values.dtype)
            gone = np.flatnonzero(mapped < 0)
            return _spliced(mapped, gone), gone
        if len(self.out):
            hit = values == self.out[0]
            for position in self.out[1:]:
                hit |= values == position
            gone = np.flatnonzero(hit)
        else:
            gone = np.empty(0, dtype=np.int64)
        values = _spliced(values, gone)
        if not self.in_place:
            rank = values.copy()
            for position in self.out:
                rank -= values > position
            new = rank.copy()
            for position in self.at:
                new += rank >= position
            values = new
        return values, gone


def _spliced(values: np.ndarray, gone: np.ndarray, at=(), add=()) -> np.ndarray:
    """`values` without those at the sorted indexes `gone`, then with `add` put in before the
    sorted indexes `at` of what is left: one copy per step (np.delete and np.insert make a
    mask or sort first, several times slower for a handful of indexes)."""
    if len(gone):
        bounds = [0, *(int(g) for g in gone)]
        values = np.concatenate(
            [
                values[a + (i > 0) : b]
                for i, (a, b) in enumerate(zip(bounds, [*bounds[1:], len(values)], strict=True))
            ]
        )
    if len(at):
        add = np.asarray(add, dtype=values.dtype)
        cuts = [0, *(int(a) for a in at), len(values)]
        pieces = []
        for i in range(len(at)):
            pieces += [values[cuts[i] : cuts[i + 1]], add[i : i + 1]]
        pieces.append(values[cuts[-2] :])
        values = np.concatenate(pieces)
    return values


def _regroup(values, bounds, renumbering: _Renumbering, add_groups, add_values, groups: int):
    """Positions kept by group (group g's are values[bounds[g]:bounds[g + 1]], in no set order),
    renumbered, with (group, position) pairs added, for `groups` groups (more than before when
    new ones begin): the new values and bounds."""
    values, gone = renumbering(values)
    new_bounds = bounds - np.searchsorted(gone, bounds)
    new_bounds = np.concatenate([new_bounds, np.full(groups + 1 - len(new_bounds), new_bounds[-1])])
    if len(add_groups):
        order = np.argsort(add_groups, kind="stable")
        add_groups, add_values = add_groups[order], add_values[order]
        values = _spliced(values, (), new_bounds[add_groups + 1], add_values)
        added = np.bincount(add_groups, minlength=groups)
        new_bounds = new_bounds + np.concatenate([[0], np.cumsum(added)])
    return values, new_bounds


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

    def __init__(self, pos, actor, pos_by_actor, actor_bounds, size: int):
        self.pos, self.actor = pos, actor
        self.bounds = np.concatenate([[0], np.cumsum(np.bincount(pos, minlength=size))])
        # The same pairs by actor: each actor's event positions, without a pass over all pairs.
        self.pos_by_actor, self.actor_bounds = pos_by_actor, actor_bounds

    @classmethod
    def build(cls, pos: np.ndarray, actor: np.ndarray, size: int, actors: int) -> Pairs:
        """From distinct pairs sorted by position."""
        by_actor = np.argsort(actor, kind="stable")
        actor_bounds = np.searchsorted(actor[by_actor], np.arange(actors + 1))
        return cls(pos, actor, pos[by_actor], actor_bounds, size)

    def renumbered(
        self, renumbering: _Renumbering, pos: np.ndarray, actor: np.ndarray, size: int, actors: int
    ) -> Pairs:
        """These pairs with positions renumbered (the events taken out dropped) and the
        distinct pairs (pos, actor), sorted by position, of the events put in added."""
        kept_pos, gone = renumbering(self.pos)
        kept_actor = _spliced(self.actor, gone)
        at = np.searchsorted(kept_pos, pos)
        by_actor, actor_bounds = _regroup(
            self.pos_by_actor, self.actor_bounds, renumbering, actor, pos, actors
        )
        return Pairs(
            _spliced(kept_pos, (), at, pos), _spliced(kept_actor, (), at, actor), by_actor, actor_bounds, size
        )

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

    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and the last start day of the events every filter but the period selects."""
        starts = self.index.start[self._without("period")]  # sorted: the index is in start order
        if not len(starts):
            return None
        return _date(starts[0]), _date(starts[-1])

    def overlapping(self, periods: list[tuple[dt.date, dt.date]]) -> list[int]:
        """For each (first, last) day: how many events every filter but the period selects
        overlap it, as the period filter counts them (ends on or after first, starts on or
        before last)."""
        mask = self._without("period")
        starts = self.index.start[mask]  # sorted
        ends = np.sort(self.index.end[mask])
        lo = np.array([_day(a) for a, _ in periods], dtype=np.int64)
        hi = np.array([_day(b) for _, b in periods], dtype=np.int64)
        # Those starting by `last`, less those that ended before `first` (which started earlier).
        counts = np.searchsorted(starts, hi, side="right") - np.searchsorted(ends, lo, side="left")
        return counts.tolist()


# A change log further behind than this many events is not worth applying event by event.
MAX_APPLIED = 2000
# An index of fewer events is rebuilt on the request that finds it behind (a fraction of a
# second); a larger one in the background while the one before keeps answering.
BACKGROUND_FROM = 20_000

_lock = threading.Lock()
_current: EventIndex | None = None
_rebuilding: threading.Thread | None = None


def current() -> EventIndex:
    """The index of the data as it is now, or, while a large one is rebuilt in the background,
    the one before: always one version's state, whole.

    One query when nothing changed. Otherwise the change log's events since the index's
    version are applied to it (`EventIndex.applied`), one change costing what it changes.
    Only a process's first index, a bulk change ("all"), a log too long (`MAX_APPLIED`) or one
    that is not this index's history (pruned, or a database restored) mean a rebuild; with
    `BACKGROUND_FROM` events or more it runs in a thread and this process answers from the
    previous index until it is done: stale for as long as a rebuild takes, never a mix.
    """
    global _current
    state = DataVersion.read()
    index = _current
    if index is not None and state is not None and index.state == state:
        return index
    with _lock:
        index = _current
        if state is None:  # no version row yet (a database being set up): nothing to keep
            return EventIndex(None)
        if index is None:
            index = _current = _caught_up(EventIndex(state), DataVersion.read()) or EventIndex(state)
            return index
        if index.state == state:
            return index
        caught_up = _caught_up(index, state)
        if caught_up is not None:
            _current = caught_up
            return caught_up
        if index.size < BACKGROUND_FROM:
            _current = EventIndex(state)
            return _current
        logger.warning("The event index is rebuilt in the background (%s -> %s)", index.state, state)
        _rebuild_in_background()
        return index


def _caught_up(index: EventIndex, state: tuple[str, int]) -> EventIndex | None:
    """The index with the change log up to `state` applied, or None when a rebuild is due."""
    if index.state == state:
        return index
    number, since = state[1], index.state[1]
    if number < since:
        return None
    rows = list(
        Change.objects.filter(number__gte=since, number__lte=number)
        .order_by("number", "pk")
        .values_list("token", "number", "kind", "event_id")[: MAX_APPLIED + 1]
    )
    # The log must begin at this index's version under its token (the same history), unless the
    # index shows the first version, and end at `state`.
    if since and (not rows or rows[0][:2] != index.state):
        return None
    if not rows or rows[-1][:2] != state or len(rows) > MAX_APPLIED:
        return None
    later = [row for row in rows if row[1] > since]
    if any(kind == Change.Kind.ALL for _t, _n, kind, _e in later):
        return None
    events = {event for _t, _n, kind, event in later if kind == Change.Kind.EVENT}
    names = any(kind == Change.Kind.NAMES for _t, _n, kind, _e in later)
    return index.applied(events, names=names, state=state)


def _rebuild_in_background() -> None:
    """Start a rebuild in a thread, unless one is running (called with `_lock` held)."""
    global _rebuilding
    if _rebuilding is not None and _rebuilding.is_alive():
        return
    _rebuilding = threading.Thread(target=_rebuild, name="event-index-rebuild", daemon=True)
    _rebuilding.start()


def _rebuild() -> None:
    global _current
    try:
        for _attempt in range(3):  # bounded: changes may keep coming while it builds
            fresh = EventIndex(DataVersion.read())
            # What changed while it was built is applied to it before it answers anyone.
            latest = DataVersion.read()
            caught_up = _caught_up(fresh, latest) if latest else None
            if caught_up is not None:
                with _lock:
                    _current = caught_up
                return
    except Exception:
        logger.exception("Rebuilding the event index failed; the previous one keeps answering")
    finally:
        connections.close_all()  # this thread's own connections
