"""The timeline's query string, in one place.

- `forms`: the filter definition (`EventFilterForm`, `Criteria`, `Cursor`);
- `sql` and `index`: the two strategies that answer `Criteria` (SQL, the reference; the
  in-memory index, the fast path);
- `select` below: the one way every view gets its events;
- `params`: the query string as (key, value) pairs, for links that change one filter;
- `presentation`: what the page shows of a selection (chips, facet options, overview bars);
- `http`: the decorators for the query string's length, its errors and CORS (`public_data`: all of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from timeline.models import DataVersion, Event
from timeline.query import index, sql
from timeline.query.forms import Criteria, Cursor


@dataclass
class Result:
    """The events a view asked for: how many match, the primary keys of the page in order, the
    cursor of the next page (None on the last) and, from the index, the facet counts."""

    count: int
    pks: list[int]
    next_cursor: Cursor | None
    order: str
    selection: index.Selection | None = None

    def events(self) -> list[Event]:
        """The page's events with all a timeline entry shows, in order."""
        if self.selection is not None:
            return self.selection.index.events(self.pks)
        found = Event.objects.with_details().in_bulk(self.pks)
        return [found[pk] for pk in self.pks if pk in found]

    def state(self) -> tuple[str, int] | None:
        """The data version (token, number) these events are as of: the index's, else now's."""
        return self.selection.index.state if self.selection is not None else DataVersion.read()

    def queryset(self):
        """The page's events as a queryset, in order (for what reads a queryset, such as the
        spreadsheet export)."""
        return Event.objects.filter(pk__in=self.pks).order_by(*sql.ORDERS[self.order])


def select(criteria: Criteria, cursor: Cursor | None, order: str, size: int) -> Result:
    """The published events these criteria select, `size` of them after the cursor, in this
    order (a key of `sql.ORDERS`). Timeline order comes from the index; any other from SQL."""
    if order in ("asc", "desc"):
        selection = index.current().select(criteria)
        pks, next_cursor = selection.page(cursor, descending=order == "desc", size=size)
        return Result(selection.count, pks, next_cursor, order, selection)
    if cursor is not None:
        raise ValueError(f"order {order!r} has no cursor")
    events = sql.matching(criteria, order)
    return Result(events.count(), list(events.values_list("pk", flat=True)[:size]), None, order)
