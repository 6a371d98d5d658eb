"""The SQL strategy: `Criteria` as a queryset filter. The reference that the index
(`timeline.query.index`) is tested against, and what answers any filter the index does not
hold (`EventIndex.select` asks it for those)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from timeline.models import Event, Participation
from timeline.query.forms import Criteria

ORDERS = {
    "asc": ("start", "slug"),
    "desc": ("-start", "-slug"),
    # The newest additions first (by when they were entered): what a feed shows.
    "added": ("-created", "-start", "-slug"),
}


def apply(c: Criteria, events: QuerySet[Event], *, skip: str = "") -> QuerySet[Event]:
    """These filters in SQL, except the facet `skip` (one of Criteria.FACETS)."""
    # `pk IN (events of these actors)` rather than a join, so an event with two matching
    # actors is listed once; and rather than EXISTS, so SQLite can start from the actors'
    # few participations instead of testing every event in the date range.
    if c.actors and skip != "actor":
        events = events.filter(pk__in=Participation.objects.filter(actor__in=c.actors).values("event_id"))
    if c.blocs and skip != "affiliation":
        events = events.filter(
            pk__in=Participation.objects.filter(
                Q(actor__in=c.blocs) | Q(actor__affiliation__in=c.blocs)
            ).values("event_id")
        )
    if c.types and skip != "type":
        events = events.filter(type__in=c.types)
    if c.statuses and skip != "status":
        events = events.filter(status__in=c.statuses)
    if c.places and skip != "place":
        events = events.filter(place__in=c.places)
    if c.since:
        # Overlap: the event has not ended before the range starts.
        events = events.filter(Q(end__isnull=True) | Q(end__gte=c.since))
    if c.until:
        events = events.filter(start__lte=c.until)
    for term in c.terms:
        events = events.filter(search_text__contains=term)
    if c.timeline is not None:
        members = Event.timelines.through.objects.values("event_id")
        belongs = Q(pk__in=members.filter(timeline_id=c.timeline))
        if c.unfiled:
            belongs |= ~Q(pk__in=members)
        events = events.filter(belongs)
    return events


def matching(c: Criteria, order: str) -> QuerySet[Event]:
    """Every published event these filters select, in this order (a key of ORDERS)."""
    return apply(c, Event.objects.published()).order_by(*ORDERS[order])
