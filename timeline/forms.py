"""The one place where the timeline's query string is validated and turned into filters.

The page, the htmx partial, `/api/events.json` and the exports all go through `EventFilterForm`,
whose `criteria` are answered from the in-memory index (`timeline.index`) by the timeline and
the API, and in SQL (`Criteria.apply`) by the exports. A journalist's
mistake in one filter (a date we cannot read, an unknown actor) is reported inline and only that
filter is dropped; the rest keep working. Machine parameters (`cursor`, `order`) that are wrong
make the whole request a 400, because no person typed them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from timeline import dates
from timeline.models import Actor, Alias, Event, EventType, Participation, normalize

# Longer than any real search; refusing early keeps a 1 MB query string cheap.
MAX_Q_LENGTH = 200
MAX_DATE_LENGTH = 100
MAX_REPEATS = 50


@dataclass(frozen=True)
class Criteria:
    """The timeline's filters once validated, as plain values.

    An event matches when every one of these that is set holds (within one, any value will do).
    """

    FACETS = ("actor", "affiliation", "type", "status")

    actors: tuple[int, ...]  # one of these took part (the actor filter and the actor box)
    blocs: tuple[int, ...]  # one of these, or an actor affiliated with one, took part
    types: tuple[int, ...]
    statuses: tuple[str, ...]
    since: dt.date | None  # the event has not ended before this day
    until: dt.date | None  # the event has begun by this day
    terms: tuple[str, ...]  # each occurs in the event's search text

    def apply(self, events: QuerySet[Event], *, skip: str = "") -> QuerySet[Event]:
        """These filters in SQL, except `skip` (one of FACETS). The exports use this; the
        timeline and the API answer the same question from `timeline.index`."""
        # `pk IN (events of these actors)` rather than a join, so an event with two matching
        # actors is listed once; and rather than EXISTS, so SQLite can start from the actors'
        # few participations instead of testing every event in the date range.
        if self.actors and skip != "actor":
            events = events.filter(
                pk__in=Participation.objects.filter(actor__in=self.actors).values("event_id")
            )
        if self.blocs and skip != "affiliation":
            events = events.filter(
                pk__in=Participation.objects.filter(
                    Q(actor__in=self.blocs) | Q(actor__affiliation__in=self.blocs)
                ).values("event_id")
            )
        if self.types and skip != "type":
            events = events.filter(type__in=self.types)
        if self.statuses and skip != "status":
            events = events.filter(status__in=self.statuses)
        if self.since:
            # Overlap: the event has not ended before the range starts.
            events = events.filter(Q(end__isnull=True) | Q(end__gte=self.since))
        if self.until:
            events = events.filter(start__lte=self.until)
        for term in self.terms:
            events = events.filter(search_text__contains=term)
        return events


class SlugListField(forms.Field):
    """A repeatable GET parameter (`actor=a&actor=b`), kept as a list of non-empty strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        values = [str(v).strip() for v in value if str(v).strip()]
        if len(values) > MAX_REPEATS:
            raise forms.ValidationError(_("Te veel waarden (meer dan %(n)d).") % {"n": MAX_REPEATS})
        for v in values:
            if "\x00" in v or len(v) > 100:
                raise forms.ValidationError(_("Ongeldige waarde."))
        return list(dict.fromkeys(values))


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: keyset pagination over (start, slug)."""

    start: dt.date
    slug: str

    def encode(self) -> str:
        return f"{self.start.isoformat()}~{self.slug}"

    @classmethod
    def decode(cls, value: str) -> Cursor:
        day, sep, slug = value.partition("~")
        if not sep or not slug:
            raise ValueError("cursor without slug")
        return cls(dt.date.fromisoformat(day), slug)


class EventFilterForm(forms.Form):
    actor = SlugListField(required=False, label=gettext_lazy("Deelnemer"))
    affiliation = SlugListField(required=False, label=gettext_lazy("Hoort bij"))
    type = SlugListField(required=False, label=gettext_lazy("Soort"))
    status = forms.MultipleChoiceField(
        required=False, choices=Event.Status.choices, label=gettext_lazy("Status")
    )
    from_ = forms.CharField(required=False, max_length=MAX_DATE_LENGTH, label=gettext_lazy("Van"))
    to = forms.CharField(required=False, max_length=MAX_DATE_LENGTH, label=gettext_lazy("Tot en met"))
    q = forms.CharField(required=False, max_length=MAX_Q_LENGTH, label=gettext_lazy("Zoek"))
    # The actor search box: without JavaScript, pressing Enter in it adds the matching actors.
    who = forms.CharField(required=False, max_length=MAX_Q_LENGTH, label=gettext_lazy("Zoek deelnemer"))
    order = forms.ChoiceField(
        required=False,
        choices=[("asc", gettext_lazy("Oudste eerst")), ("desc", gettext_lazy("Nieuwste eerst"))],
        label=gettext_lazy("Volgorde"),
    )
    cursor = forms.CharField(required=False, max_length=200)

    # Parameters no person types; an error in one of these is a 400.
    MACHINE_FIELDS = ("order", "cursor")
    PAGE_SIZE = 50

    def __init__(self, data=None, *, today: dt.date | None = None, **kwargs):
        # `from` is a Python keyword, so the field is `from_` and we rename the GET key.
        if data is not None:
            data = data.copy()
            if "from" in data:
                data.setlist("from_", data.getlist("from"))
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        self.date_from: dates.Resolved | None = None
        self.date_to: dates.Resolved | None = None
        self.actors: list[Actor] = []
        self.affiliations: list[Actor] = []
        self.types: list[EventType] = []

    # -- validation --------------------------------------------------------------------------

    def _resolve(self, field: str) -> dates.Resolved | None:
        text = self.cleaned_data.get(field, "").strip()
        if not text:
            return None
        resolved = dates.resolve(text, self.today)
        if not resolved.ok:
            raise forms.ValidationError(_("Datum niet begrepen: %(reason)s") % {"reason": resolved.reason})
        return resolved

    def clean_from_(self):
        self.date_from = self._resolve("from_")
        return self.cleaned_data["from_"]

    def clean_to(self):
        self.date_to = self._resolve("to")
        return self.cleaned_data["to"]

    def _known_actors(self, field: str) -> list[Actor]:
        slugs = self.cleaned_data.get(field, [])
        found = {a.slug: a for a in Actor.objects.filter(slug__in=slugs)} if slugs else {}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(
                _("Onbekende deelnemer: %(slugs)s") % {"slugs": ", ".join(unknown[:5])},
                code="unknown_actor",
            )
        return [found[s] for s in slugs]

    def clean_actor(self):
        self.actors = self._known_actors("actor")
        return self.cleaned_data["actor"]

    def clean_affiliation(self):
        self.affiliations = self._known_actors("affiliation")
        return self.cleaned_data["affiliation"]

    def clean_type(self):
        slugs = self.cleaned_data["type"]
        found = {t.slug: t for t in EventType.objects.filter(slug__in=slugs)} if slugs else {}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(_("Onbekende soort: %(slugs)s") % {"slugs": ", ".join(unknown[:5])})
        self.types = [found[s] for s in slugs]
        return slugs

    def clean_cursor(self):
        value = self.cleaned_data["cursor"]
        if not value:
            return None
        try:
            return Cursor.decode(value)
        except ValueError:
            raise forms.ValidationError(_("Ongeldige cursor.")) from None

    def clean(self):
        data = super().clean()
        if self.date_from and self.date_to and self.date_from.start > self.range_end(self.date_to):
            self.add_error("to", _("‘Van’ ligt na ‘tot en met’; de datumfilter is niet toegepast."))
            self.date_from = self.date_to = None
        return data

    @staticmethod
    def range_end(resolved: dates.Resolved) -> dt.date:
        return resolved.end or resolved.start

    # -- results -----------------------------------------------------------------------------

    @property
    def machine_errors(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.errors.items() if k in self.MACHINE_FIELDS}

    @property
    def value(self) -> dict:
        """The cleaned, applicable filters (invalid ones dropped)."""
        self.is_valid()
        return self.cleaned_data

    @cached_property
    def who_matches(self) -> list[Actor]:
        """The actors the actor box's text names; looked up once, though every facet filters."""
        text = normalize(self.value.get("who", ""))
        if not text:
            return []
        return matching_actors(text)[:10]

    @cached_property
    def criteria(self) -> Criteria:
        """The applicable filters as plain values: what both the SQL filter and the index use."""
        data = self.value
        return Criteria(
            actors=tuple(dict.fromkeys(a.pk for a in [*self.actors, *self.who_matches])),
            blocs=tuple(a.pk for a in self.affiliations),
            types=tuple(t.pk for t in self.types),
            statuses=tuple(data.get("status") or ()),
            since=self.date_from.start if self.date_from else None,
            until=self.range_end(self.date_to) if self.date_to else None,
            terms=tuple(normalize(data.get("q", "")).split()[:10]),
        )

    def filter(self, events: QuerySet[Event], *, skip: str = "") -> QuerySet[Event]:
        """Apply every valid filter except `skip` (one of Criteria.FACETS) in SQL."""
        return self.criteria.apply(events, skip=skip)

    @property
    def descending(self) -> bool:
        return self.value.get("order") == "desc"


def matching_actors(text: str) -> list[Actor]:
    """Actors whose name or one of whose aliases contains the text, accent- and case-blind."""
    needle = normalize(text)
    if not needle:
        return []
    # Names are few (hundreds), so comparing normalised strings in Python is cheap and works
    # the same on SQLite and PostgreSQL, whatever their collations do with accents.
    hits = {}
    for actor_id, name in Actor.objects.values_list("pk", "name"):
        if needle in normalize(name):
            hits[actor_id] = 0 if normalize(name).startswith(needle) else 1
    for actor_id, name in Alias.objects.values_list("actor_id", "name"):
        if needle in normalize(name):
            hits.setdefault(actor_id, 0 if normalize(name).startswith(needle) else 1)
    actors = Actor.objects.in_bulk(list(hits))
    return sorted(actors.values(), key=lambda a: (hits[a.pk], a.name))
