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
logged events are applied to the index (`EventIndex.applied`): their rows are appended to an
overlay and their earlier rows marked dead, the build's rows untouched, and queries merge the
two (counts add up, pages merge the overlay's few rows into the build's order). New arrays and
one reference swap, so a request never sees half a change; a change costs what it changes,
moved in the timeline or not, and shows on the next request of every process, on every server
sharing the database. Only a first index, a bulk change, an overlay grown large or a log too
long or not this index's history mean a rebuild, of a large index in the background
(`current`). The SQL strategy
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
import sys
import threading
from itertools import chain

import numpy as np
from django.db import connections
from django.db.models import CharField
from django.db.models.functions import Cast

from timeline.models import (
    Actor,
    Change,
    Citation,
    Correction,
    DataVersion,
    Event,
    EventType,
    Participation,
    Place,
)
from timeline.query import sql
from timeline.query.forms import Criteria, Cursor

logger = logging.getLogger(__name__)
OPEN_END = np.iinfo(np.int64).max
EPOCH = dt.date(1970, 1, 1)  # day 0 of NumPy's datetime64[D]
STATUSES = [value for value, _label in Event.Status.choices]
# The filters answered from the columns; any other is answered in SQL (see `select`).
INDEXED = {"actors", "blocs", "types", "statuses", "places", "since", "until", "terms", "timeline", "unfiled"}


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
        # The build's slugs, in timeline order (the overlay keeps its own, `more_slugs`).
        self.slugs = np.array([r[1] for r in rows], dtype=object)
        self.start = _days([r[2] for r in rows])
        self.end = _days([r[3] for r in rows])
        # What the facets name: every type and actor (a change to one is a "names" change).
        self._read_names()
        self.type = np.searchsorted(self.type_pks, np.fromiter((r[4] for r in rows), np.int64, n))
        self.status = _status_codes(rows)
        self.place = _place_pks(rows)
        del rows
        self._by_pk = np.argsort(self.pks)

        # The overlay: rows appended by `applied`, none yet. Rows 0..base_size-1 are the build's,
        # in timeline order, their words in the postings; rows from base_size on were appended
        # in the order the changes came, their search texts in `texts`. `alive` says which rows
        # show an event as it is now (a changed event's earlier row is dead); `changed_pks`
        # (sorted) and `changed_at` say where each event changed since the build is now (-1:
        # unpublished or deleted).
        self.base_size = self.length = n
        self.alive = np.ones(n, dtype=bool)
        self.texts: list[str] = []
        self.more_slugs: list[str] = []
        self.changed_pks = self.changed_at = np.empty(0, dtype=np.int64)

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

        # Timelines, as (event position, timeline pk) pairs in two columns: a timeline's events
        # are one comparison over all memberships (one or two per event), its mask at once.
        members = np.fromiter(
            chain.from_iterable(
                _rows(Event.timelines.through.objects.order_by().values_list("event_id", "timeline_id"))
            ),
            dtype=np.int64,
        ).reshape(-1, 2)
        pos, published = self._positions(members[:, 0])
        self.member_pos, self.member_timeline = pos[published], members[published, 1]

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
        index keeps seeing one consistent version. The events' new rows are appended to the
        overlay and their earlier rows marked dead, so the cost is the changed events' rows and
        a copy of each column (memory speed), whatever moves in the timeline order; `current`
        folds a large overlay into a new build.
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
        old_type = self.type
        if (
            names
            or any(r[4] not in self.types_by_pk for r in rows)
            or any(a not in self.actors for _e, a in parts)
            or any(r[7] is not None and r[7] not in self.places for r in rows)
        ):
            new._read_names()
            old_type = np.searchsorted(new.type_pks, self.type_pks[self.type])
            remap_actor = np.searchsorted(new.actor_pks, self.actor_pks)
            if not np.array_equal(new.actor_pks, self.actor_pks) or not np.array_equal(
                new.member_of, self.member_of
            ):  # actors added, removed or affiliated anew: the pairs in the new numbering
                new._renamed(self, remap_actor)

        # The events' rows so far are dead; their rows now are appended after the others.
        k, length = len(rows), self.length
        pos, present = self._positions(pks)
        new.alive = np.concatenate([self.alive, np.ones(k, dtype=bool)])
        new.alive[pos[present]] = False
        new.length = length + k
        new.size = self.size - int(present.sum()) + k
        new_pos = np.arange(length, length + k, dtype=np.int64)
        new.pks = np.concatenate([self.pks, np.fromiter((r[0] for r in rows), np.int64, k)])
        # The overlay's slugs in a list of their own: an array of objects is slow to copy.
        new.more_slugs = self.more_slugs + [r[1] for r in rows]
        new.start = np.concatenate([self.start, _days([r[2] for r in rows])])
        new.end = np.concatenate([self.end, _days([r[3] for r in rows])])
        new.type = np.concatenate([old_type, np.searchsorted(new.type_pks, [r[4] for r in rows])])
        new.status = np.concatenate([self.status, _status_codes(rows)])
        new.place = np.concatenate([self.place, _place_pks(rows)])
        new.texts = self.texts + [r[8] for r in rows]
        # Where each changed event is now: the latest entry per primary key wins.
        at = np.full(len(pks), -1, dtype=np.int64)
        by_pk = np.argsort(pks)
        at[by_pk[np.searchsorted(pks, new.pks[length:], sorter=by_pk)]] = new_pos
        keys = np.concatenate([self.changed_pks, pks])
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], np.concatenate([self.changed_at, at])[order]
        last = np.concatenate([keys[1:] != keys[:-1], [True]]) if len(keys) else np.empty(0, dtype=bool)
        new.changed_pks, new.changed_at = keys[last], values[last]

        # Their participations: distinct (row, actor) pairs, and the blocs they count for.
        position_of = dict(zip(published, new_pos.tolist(), strict=True))
        width = max(len(new.actor_pks), 1)
        events, actors = (np.array(column, dtype=np.int64) for column in _columns(parts, 2))
        part_pos = np.fromiter(map(position_of.__getitem__, events.tolist()), np.int64, len(events))
        keys = _distinct(part_pos * width + np.searchsorted(new.actor_pks, actors))
        add_pos, add_actor = keys // width, keys % width
        new.participants = new.participants.with_more(add_pos, add_actor)
        keys = _distinct(np.add(*new._with_blocs(add_pos * width, add_actor)))
        new.blocs = new.blocs.with_more(keys // width, keys % width)

        # Their timelines: their rows' memberships (the dead rows' stay, masked by `alive`).
        members = (
            list(
                Event.timelines.through.objects.filter(event_id__in=published).values_list(
                    "event_id", "timeline_id"
                )
            )
            if published
            else []
        )
        new.member_pos = np.concatenate(
            [self.member_pos, np.fromiter((position_of[e] for e, _t in members), np.int64, len(members))]
        )
        new.member_timeline = np.concatenate(
            [self.member_timeline, np.fromiter((t for _e, t in members), np.int64, len(members))]
        )
        return new

    def _renamed(self, old: EventIndex, remap_actor: np.ndarray) -> None:
        """This index's pairs (copied from `old`) in the numbering of its newly read actors."""
        base = old.participants
        self.participants = Pairs.build(
            base.pos, remap_actor[base.actor], old.base_size, len(self.actor_pks)
        ).with_more(base.more_pos, remap_actor[base.more_actor])
        p = self.participants
        blocs = self._pairs(*self._with_blocs(p.pos, p.actor), size=old.base_size)
        width = max(len(self.actor_pks), 1)
        keys = _distinct(np.add(*self._with_blocs(p.more_pos * width, p.more_actor)))
        self.blocs = blocs.with_more(keys // width, keys % width)

    @property
    def overlay(self) -> int:
        """The rows appended since the build (dead ones too)."""
        return self.length - self.base_size

    @property
    def token(self) -> str | None:
        return self.state[0] if self.state else None

    def _read_names(self) -> None:
        """The event types and actors, as the facets name them and the filters find them."""
        self.types = list(EventType.objects.all())
        self.type_pks = np.array(sorted(t.pk for t in self.types), dtype=np.int64)
        self.types_by_pk = {t.pk: t for t in self.types}
        self.places = Place.objects.in_bulk()
        self.actors = Actor.objects.in_bulk()
        self.actor_pks = np.array(sorted(self.actors), dtype=np.int64)
        affiliation = {a.pk: a.affiliation_id for a in self.actors.values() if a.affiliation_id}
        # An actor counts for its bloc too: the "affiliation" filter's semantics.
        self.member_of = np.full(len(self.actor_pks), -1, dtype=np.int64)
        if affiliation:
            members = np.searchsorted(self.actor_pks, list(affiliation))
            self.member_of[members] = np.searchsorted(self.actor_pks, list(affiliation.values()))

    def blocs_with_members(self) -> list[int]:
        """The actors (by primary key) that an actor in a published event belongs to: what the
        "everyone affiliated with" facet offers. One whose members appear only in drafts stays
        unknown to the public, as in `Actor.objects.public()`."""
        # The overlay's rows too; distinct by counting (one pass) rather than sorting every pair.
        actors = self.participants.actors_of(self.alive)
        present = np.flatnonzero(np.bincount(actors, minlength=len(self.actor_pks)))
        blocs = self.member_of[present]
        return [int(pk) for pk in self.actor_pks[_distinct(blocs[blocs >= 0])]]

    def _with_blocs(self, pos: np.ndarray, actor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position, actor) pairs with a (position, bloc) pair added for each affiliated actor."""
        bloc = self.member_of[actor]
        has = bloc >= 0
        return np.concatenate([pos, pos[has]]), np.concatenate([actor, bloc[has]])

    def _positions(self, pks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows showing events by primary key, and which of them are published (indexed)."""
        if not self.base_size:
            pos, found = np.zeros(len(pks), dtype=np.int64), np.zeros(len(pks), dtype=bool)
        else:
            at = np.minimum(
                np.searchsorted(self.pks[: self.base_size], pks, sorter=self._by_pk), self.base_size - 1
            )
            pos = self._by_pk[at]
            found = self.pks[pos] == pks
        if len(self.changed_pks):  # changed since the build: where the overlay says
            i = np.minimum(np.searchsorted(self.changed_pks, pks), len(self.changed_pks) - 1)
            hit = self.changed_pks[i] == pks
            pos = np.where(hit, self.changed_at[i], pos)
            found = np.where(hit, self.changed_at[i] >= 0, found)
        return pos, found

    def _pairs(self, pos: np.ndarray, actor: np.ndarray, size: int | None = None) -> Pairs:
        """Distinct (position, actor) pairs: two roles in one event count once."""
        width = max(len(self.actor_pks), 1)
        pairs = _distinct(pos * width + actor)
        return Pairs.build(
            pairs // width, pairs % width, self.size if size is None else size, len(self.actor_pks)
        )

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
        mask = np.zeros(self.length, dtype=bool)
        mask[pairs.positions_of(wanted)] = True
        return mask

    def _containing(self, term: str) -> np.ndarray:
        mask = np.zeros(self.length, dtype=bool)
        for word in re.findall(rf"[^\n]*{re.escape(term)}[^\n]*", self.vocabulary):
            wid = self.word_ids[word]
            mask[self.postings[self.posting_bounds[wid] : self.posting_bounds[wid + 1]]] = True
        # The overlay's rows by their whole text: the same "occurs inside one of its words".
        mask[self.base_size :] = np.fromiter((term in text for text in self.texts), bool, len(self.texts))
        return mask

    def _in_timeline(self, timeline: int, *, unfiled: bool) -> np.ndarray:
        """The rows of this timeline's events (and, with `unfiled`, of those in none)."""
        mask = np.zeros(self.length, dtype=bool)
        if unfiled:
            mask[:] = True
            mask[self.member_pos] = False
        mask[self.member_pos[self.member_timeline == timeline]] = True
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
        if c.places:
            facets["place"] = np.isin(self.place, np.asarray(c.places, dtype=np.int64))
        # The period is kept apart like a facet, so that the overview strip can count every
        # period with the other filters, as clicking its bar would.
        if c.since or c.until:
            period = np.ones(self.length, dtype=bool)
            if c.since:
                period &= self.end >= _day(c.since)
            if c.until:
                period &= self.start <= _day(c.until)
            facets["period"] = period
        rest = self.alive.copy()
        for term in c.terms:
            rest &= self._containing(term)
        if c.timeline is not None:
            rest &= self._in_timeline(c.timeline, unfiled=c.unfiled)
        if unindexed := c.set_fields() - INDEXED:
            pks = sql.apply(c.only(unindexed), Event.objects.published()).values_list("pk", flat=True)
            pos, published = self._positions(np.fromiter(pks, np.int64))
            mask = np.zeros(self.length, dtype=bool)
            mask[pos[published]] = True
            rest &= mask
        return Selection(self, facets, rest)

    def events(self, pks: list[int]) -> list[Event]:
        """The events with these primary keys, in this order, with what with_details() gives
        them, in four queries without joins: their types and actors are the index's own."""
        found = Event.objects.defer("search_text").in_bulk(pks)
        participations = list(Participation.objects.filter(event_id__in=pks).order_by("pk"))
        if (
            any(e.type_id not in self.types_by_pk for e in found.values())
            or any(e.place_id is not None and e.place_id not in self.places for e in found.values())
            or any(p.actor_id not in self.actors for p in participations)
        ):  # a type, place or actor added since the build; the next request rebuilds
            found = Event.objects.with_details().in_bulk(pks)
            return [found[pk] for pk in pks if pk in found]
        for event in found.values():
            event.type = self.types_by_pk[event.type_id]
            event.place = self.places.get(event.place_id)
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
        """Where the build's rows sorting after (or from where those sorting before) the cursor
        begin."""
        day, base = _day(cursor.start), self.base_size
        lo = int(np.searchsorted(self.start[:base], day, side="left"))
        hi = int(np.searchsorted(self.start[:base], day, side="right"))
        find = bisect.bisect_right if after else bisect.bisect_left
        return find(self.slugs, cursor.slug, lo, hi)

    def slug(self, row: int) -> str:
        return self.slugs[row] if row < self.base_size else self.more_slugs[row - self.base_size]

    def key(self, row: int) -> tuple[int, str]:
        """A row's place in timeline order: (start day, slug)."""
        return int(self.start[row]), self.slug(row)

    def nbytes(self) -> dict[str, int]:
        """The memory the index holds, the build's part and the overlay's (NumPy arrays and the
        strings they refer to; Python's own object overhead for the names left out)."""

        def strings(values) -> int:
            return sum(map(sys.getsizeof, values))

        base, arrays = self.base_size, ("pks", "start", "end", "type", "status", "place", "alive")
        per_row = sum(getattr(self, name).itemsize for name in arrays) + self.slugs.itemsize
        pairs = (self.participants, self.blocs)
        built = (
            base * per_row
            + strings(self.slugs)
            + sum(p.pos.nbytes + p.actor.nbytes + p.pos_by_actor.nbytes + p.bounds.nbytes for p in pairs)
            + self.postings.nbytes
            + self.posting_bounds.nbytes
            + self._by_pk.nbytes
            + self.member_pos.nbytes
            + self.member_timeline.nbytes
            + strings(self.word_ids)
            + sys.getsizeof(self.vocabulary)
            + sys.getsizeof(self.word_ids)
        )
        overlay = (
            self.overlay * per_row
            + strings(self.more_slugs)
            + strings(self.texts)
            + sum(p.more_pos.nbytes + p.more_actor.nbytes for p in pairs)
            + self.changed_pks.nbytes
            + self.changed_at.nbytes
        )
        return {"index": built, "overlay": overlay}


def _published_rows(events, *, search_text: bool = False) -> list[tuple]:
    """(pk, slug, start, end, type, status, published, place[, search text]) of the published ones of
    these events, in timeline order, as the driver returns them (the ORM's per-value conversion
    costs more than the read), read in table order, which a database reads fastest."""
    fields = ["pk", "slug", "start_text", "end_text", "type_id", "status", "published", "place_id"]
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


def _place_pks(rows: list[tuple]) -> np.ndarray:
    """Each row's place as its primary key, 0 for none (no primary key is 0)."""
    return np.fromiter((r[7] or 0 for r in rows), np.int64, len(rows))


def _columns(rows: list[tuple], width: int) -> list[tuple]:
    return list(zip(*rows, strict=True)) if rows else [()] * width


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
        # The overlay's pairs (`EventIndex.applied`), few: in the order they came.
        self.more_pos = self.more_actor = np.empty(0, dtype=np.int64)

    @classmethod
    def build(cls, pos: np.ndarray, actor: np.ndarray, size: int, actors: int) -> Pairs:
        """From distinct pairs sorted by position."""
        by_actor = np.argsort(actor, kind="stable")
        actor_bounds = np.searchsorted(actor[by_actor], np.arange(actors + 1))
        return cls(pos, actor, pos[by_actor], actor_bounds, size)

    def with_more(self, pos: np.ndarray, actor: np.ndarray) -> Pairs:
        """These pairs and, for rows of the overlay, these (row, actor) pairs too."""
        new = copy.copy(self)
        new.more_pos = np.concatenate([self.more_pos, pos])
        new.more_actor = np.concatenate([self.more_actor, actor])
        return new

    def positions_of(self, actors: np.ndarray) -> np.ndarray:
        """The positions of the events of these actors (indexes into the index's actor_pks)."""
        return np.concatenate(
            [self.pos_by_actor[self.actor_bounds[a] : self.actor_bounds[a + 1]] for a in actors]
            + [self.more_pos[np.isin(self.more_actor, actors)]]
        )

    def pairs_of(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (position, actor) pairs of the events in the mask, the build's and the overlay's."""
        keep, more = mask[self.pos], mask[self.more_pos]
        return (
            np.concatenate([self.pos[keep], self.more_pos[more]]),
            np.concatenate([self.actor[keep], self.more_actor[more]]),
        )

    def actors_of(self, mask: np.ndarray) -> np.ndarray:
        """The actors of the pairs of the events in the mask (over the build's rows and the
        overlay's)."""
        more = self.more_actor[mask[self.more_pos]]
        base = mask[: len(self.bounds) - 1]
        hits = np.flatnonzero(base)
        if len(hits) * 4 > len(base):  # most events: one pass over all pairs is quicker
            return np.concatenate([self.actor[base[self.pos]], more])
        # Few events (a filter is set): only their pairs, as ranges of the sorted pairs.
        begin, end = self.bounds[hits], self.bounds[hits + 1]
        lengths = end - begin
        offsets = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
        return np.concatenate([self.actor[offsets + np.arange(len(offsets))], more])


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
        base = self.matching[: ix.base_size]
        if descending:
            stop = ix.base_size if cursor is None else ix.position(cursor, after=False)
            hits = np.flatnonzero(base[:stop])[::-1][: size + 1]
        else:
            begin = 0 if cursor is None else ix.position(cursor, after=True)
            hits = np.flatnonzero(base[begin:])[: size + 1] + begin
        hits = hits.tolist()
        # The overlay's rows are in no order: those past the cursor, sorted, merged in.
        if more := np.flatnonzero(self.matching[ix.base_size :]).tolist():
            rows = sorted((ix.key(row), row) for row in (r + ix.base_size for r in more))
            if cursor is not None:
                mark = (_day(cursor.start), cursor.slug)
                rows = [r for r in rows if (r[0] < mark if descending else r[0] > mark)]
            keyed = sorted([(ix.key(row), row) for row in hits] + rows, reverse=descending)
            hits = [row for _key, row in keyed[: size + 1]]
        next_cursor = None
        if len(hits) > size:
            hits = hits[:size]
            last = hits[-1]
            next_cursor = Cursor(_date(ix.start[last]), ix.slug(last))
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

    def place_counts(self, *, every_filter: bool = False) -> dict[int, int]:
        """Place pk -> events at that place, over every filter but `place` (the facet), or
        over every filter (the map of the selection)."""
        places = self.index.place[self.matching if every_filter else self._without("place")]
        pks, counts = np.unique(places[places > 0], return_counts=True)
        return {int(pk): int(n) for pk, n in zip(pks, counts, strict=True)}

    def rows(self) -> np.ndarray:
        """The index rows (positions) of the matching events, for what reads the columns
        (`start`, `end`, `type`, `pks`) of the selection itself: the chart."""
        return np.flatnonzero(self.matching)

    def actor_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, actor) of every participant of the matching events (actor: an index into
        `index.actor_pks`); an actor in two roles counts once."""
        return self.index.participants.pairs_of(self.matching)

    def timeline_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, timeline pk) of every membership of the matching events: an event in two
        timelines is in two pairs, one in none in none."""
        ix = self.index
        keep = self.matching[ix.member_pos]
        return ix.member_pos[keep], ix.member_timeline[keep]

    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and the last start day of the events every filter but the period selects."""
        starts = self.index.start[self._without("period")]
        if not len(starts):
            return None
        return _date(starts.min()), _date(starts.max())

    def overlapping(self, periods: list[tuple[dt.date, dt.date]]) -> list[int]:
        """For each (first, last) day: how many events every filter but the period selects
        overlap it, as the period filter counts them (ends on or after first, starts on or
        before last)."""
        ix, mask = self.index, self._without("period")
        base = ix.base_size
        starts = ix.start[:base][mask[:base]]  # sorted: the build is in start order
        more = np.sort(ix.start[base:][mask[base:]])
        ends = np.sort(ix.end[mask])
        lo = np.array([_day(a) for a, _ in periods], dtype=np.int64)
        hi = np.array([_day(b) for _, b in periods], dtype=np.int64)
        # Those starting by `last`, less those that ended before `first` (which started earlier).
        counts = (
            np.searchsorted(starts, hi, side="right")
            + np.searchsorted(more, hi, side="right")
            - np.searchsorted(ends, lo, side="left")
        )
        return counts.tolist()


# A change log further behind than this many events is not worth applying event by event.
MAX_APPLIED = 2000
# An index of fewer events is rebuilt on the request that finds it behind (a fraction of a
# second); a larger one in the background while the one before keeps answering.
BACKGROUND_FROM = 20_000
# An overlay of more rows than this is folded into a new build (in the background as above):
# each query scans the overlay's search texts one by one, a few milliseconds at this size.
COMPACT_AT = 5000

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
    previous index until it is done: stale for as long as a rebuild takes, never a mix. An
    overlay grown past `COMPACT_AT` rows is folded the same way, the index answering meanwhile.
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
            if caught_up.overlay > COMPACT_AT:
                if caught_up.size < BACKGROUND_FROM:
                    _current = EventIndex(state)
                else:
                    _rebuild_in_background()
            return _current
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
                    # Requests may have applied later changes meanwhile: never a step back.
                    if _current is not None and _current.state[1] > caught_up.state[1]:
                        caught_up = _caught_up(caught_up, _current.state)
                    if caught_up is not None:
                        _current = caught_up
                        return
    except Exception:
        logger.exception("Rebuilding the event index failed; the previous one keeps answering")
    finally:
        connections.close_all()  # this thread's own connections
