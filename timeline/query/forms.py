"""The filter definition: what the timeline's query string may say, and what it means.

`EventFilterForm` validates the query string and converts it (`clean_*` return actors, event
types, resolved dates); `EventFilterForm.criteria` turns the result into `Criteria`, plain
values that both strategies answer: `timeline.query.sql` (the reference) and
`timeline.query.index` (the fast path). A journalist's mistake in one filter (a date we cannot
read, an unknown actor) drops only that filter; machine parameters (`cursor`, `order`) that are
wrong make the whole request a 400, because no person typed them (`timeline.query.http`).

The field names are the query string's parameter names, `from` included, so that bound fields,
error keys and the OpenAPI parameters (`timeline.openapi`) all say what the URL says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from timeline import dates
from timeline.models import Actor, Alias, Event, EventType, Place, Timeline, normalize

# Longer than any real search; refusing early keeps a 1 MB query string cheap.
MAX_Q_LENGTH = 200
MAX_DATE_LENGTH = 100
MAX_REPEATS = 50
MAX_SLUG_LENGTH = 100


@dataclass(frozen=True)
class Criteria:
    """The timeline's filters once validated, as plain values.

    An event matches when every one of these that is set holds (within one, any value will do).
    A field's default means "not set", so a new filter is one more field with a default.
    """

    # Filters counted per option, each over the events every *other* filter selects.
    FACETS = ("actor", "affiliation", "type", "status", "place")

    actors: tuple[int, ...] = ()  # one of these took part (the actor filter and the actor box)
    blocs: tuple[int, ...] = ()  # one of these, or an actor affiliated with one, took part
    types: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    since: dt.date | None = None  # the event has not ended before this day
    until: dt.date | None = None  # the event has begun by this day
    terms: tuple[str, ...] = ()  # each occurs in the event's search text
    timeline: int | None = None  # the event belongs to this timeline
    unfiled: bool = False  # ... or to none at all (the featured timeline's: see `criteria`)
    places: tuple[int, ...] = ()  # the event happened at one of these

    def set_fields(self) -> set[str]:
        """The names of the filters that are set."""
        return {f.name for f in dataclasses.fields(self) if getattr(self, f.name) != f.default}

    def only(self, names) -> Criteria:
        """These filters alone, every other one unset."""
        return Criteria(**{n: getattr(self, n) for n in names})


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


class SlugListField(forms.Field):
    """A repeatable GET parameter (`actor=a&actor=b`), kept as a list of non-empty strings."""

    widget = forms.MultipleHiddenInput
    max_items = MAX_REPEATS
    max_length = MAX_SLUG_LENGTH

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        values = [str(v).strip() for v in value if str(v).strip()]
        if len(values) > self.max_items:
            raise forms.ValidationError(_("Te veel waarden (meer dan %(n)d).") % {"n": self.max_items})
        for v in values:
            if "\x00" in v or len(v) > self.max_length:
                raise forms.ValidationError(_("Ongeldige waarde."))
        return list(dict.fromkeys(values))


def _text_input(placeholder: str = "", **attrs) -> forms.TextInput:
    # The browser's own limit comes from the field (Django adds maxlength); autosubmit is the
    # page's script hook for filters applied as they change.
    return forms.TextInput(attrs={"placeholder": placeholder, "autocomplete": "off", **attrs})


class EventFilterForm(forms.Form):
    actor = SlugListField(
        required=False,
        label=gettext_lazy("Deelnemer"),
    )
    affiliation = SlugListField(
        required=False,
        label=gettext_lazy("Hoort bij"),
    )
    type = SlugListField(
        required=False,
        label=gettext_lazy("Soort"),
    )
    status = forms.MultipleChoiceField(
        required=False,
        choices=Event.Status.choices,
        label=gettext_lazy("Status"),
    )
    place = SlugListField(
        required=False,
        label=gettext_lazy("Plaats"),
    )
    # `from` is a Python keyword, so this field is declared through the class namespace: the
    # query string, the bound field (`form.from`, `id_from`) and the errors all call it `from`.
    locals()["from"] = forms.CharField(
        required=False,
        max_length=MAX_DATE_LENGTH,
        label=gettext_lazy("Van"),
        widget=_text_input(gettext_lazy("bijv. vorige week, 24 jan 2022"), **{"class": "autosubmit"}),
    )
    to = forms.CharField(
        required=False,
        max_length=MAX_DATE_LENGTH,
        label=gettext_lazy("Tot en met"),
        widget=_text_input(gettext_lazy("bijv. 27-01-2022"), **{"class": "autosubmit"}),
    )
    q = forms.CharField(
        required=False,
        max_length=MAX_Q_LENGTH,
        label=gettext_lazy("Zoek in tekst"),
        widget=_text_input(gettext_lazy("bijv. Poetin, brief, diplomaten"), type="search"),
    )
    # The actor search box: without JavaScript, pressing Enter in it adds the matching actors.
    # The template draws it by hand around these values, for its live suggestions.
    who = forms.CharField(
        required=False,
        max_length=MAX_Q_LENGTH,
        label=gettext_lazy("Deelnemer"),
        widget=_text_input(gettext_lazy("naam, ook Putin, NATO, Zelenskyy")),
    )
    order = forms.ChoiceField(
        required=False,
        choices=[("asc", gettext_lazy("Oudste eerst")), ("desc", gettext_lazy("Nieuwste eerst"))],
        label=gettext_lazy("Volgorde"),
        widget=forms.Select(attrs={"class": "autosubmit"}),
    )
    cursor = forms.CharField(
        required=False,
        max_length=200,
    )
    # Which timeline (slug). The page takes it from its path (/t/<slug>/); the API, the exports,
    # the feed and the embed from the query string. Without it: the featured timeline, as `/`.
    timeline = forms.CharField(
        required=False,
        max_length=MAX_SLUG_LENGTH,
        label=gettext_lazy("Tijdlijn"),
        widget=forms.HiddenInput,
    )
    # How the selection is shown, not which events: the list (the default), the chart
    # (timeline/chart.py) with its lanes, or the map of its places (timeline/geo/). Kept by
    # every link, as the filters are.
    view = forms.ChoiceField(
        required=False,
        choices=[
            ("list", gettext_lazy("Lijst")),
            ("chart", gettext_lazy("Grafiek")),
            ("map", gettext_lazy("Kaart")),
        ],
        label=gettext_lazy("Weergave"),
        widget=forms.HiddenInput,
    )
    lanes = forms.ChoiceField(
        required=False,
        choices=[
            ("type", gettext_lazy("soort")),
            ("actor", gettext_lazy("deelnemer")),
            ("timeline", gettext_lazy("tijdlijn")),
            ("none", gettext_lazy("geen")),
        ],
        label=gettext_lazy("Banen"),
        widget=forms.HiddenInput,
    )

    # Parameters no person types; an error in one of these is a 400.
    MACHINE_FIELDS = ("order", "cursor", "timeline", "view", "lanes")
    # The fields the page lays out (and names in chips) its own way; any other filter is drawn
    # and named from its field alone (`more_filters`).
    LAID_OUT = (
        "actor", "affiliation", "type", "status", "place", "from", "to", "q", "who", "order", "cursor",
        "timeline", "view", "lanes",
    )  # fmt: skip
    # Parameters that move through the results rather than choose them.
    PAGING_FIELDS = ("cursor",)
    # Parameters that choose how the page shows the selection, not which events: the API and
    # the exports ignore them (and do not describe them).
    DISPLAY_FIELDS = ("view", "lanes")
    PAGE_SIZE = 50

    def __init__(self, data=None, *, today: dt.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()

    # -- validation: each clean_* returns what its filter means -----------------------------

    def _resolve(self, field: str) -> dates.Resolved | None:
        text = self.cleaned_data.get(field, "").strip()
        if not text:
            return None
        resolved = dates.resolve(text, self.today)
        if not resolved.ok:
            raise forms.ValidationError(_("Datum niet begrepen: %(reason)s") % {"reason": resolved.reason})
        return resolved

    def clean_from(self) -> dates.Resolved | None:
        return self._resolve("from")

    def clean_to(self) -> dates.Resolved | None:
        return self._resolve("to")

    def _known_actors(self, field: str) -> list[Actor]:
        slugs = self.cleaned_data.get(field, [])
        found = {a.slug: a for a in Actor.objects.public().filter(slug__in=slugs)} if slugs else {}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(
                _("Onbekende deelnemer: %(slugs)s") % {"slugs": ", ".join(unknown[:5])},
                code="unknown_actor",
            )
        return [found[s] for s in slugs]

    def clean_actor(self) -> list[Actor]:
        return self._known_actors("actor")

    def clean_affiliation(self) -> list[Actor]:
        return self._known_actors("affiliation")

    def clean_type(self) -> list[EventType]:
        slugs = self.cleaned_data["type"]
        found = {t.slug: t for t in EventType.objects.filter(slug__in=slugs)} if slugs else {}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(_("Onbekende soort: %(slugs)s") % {"slugs": ", ".join(unknown[:5])})
        return [found[s] for s in slugs]

    def clean_place(self) -> list[Place]:
        slugs = self.cleaned_data["place"]
        found = {p.slug: p for p in Place.objects.filter(slug__in=slugs)} if slugs else {}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(_("Onbekende plaats: %(slugs)s") % {"slugs": ", ".join(unknown[:5])})
        return [found[s] for s in slugs]

    def clean_timeline(self) -> Timeline | None:
        """The public timeline named, else the featured one (None when there is none)."""
        slug = self.cleaned_data["timeline"].strip()
        if not slug:
            return Timeline.objects.public().featured()
        timeline = Timeline.objects.public().filter(slug=slug.replace("\x00", "")).first()
        if timeline is None:
            raise forms.ValidationError(
                _("Onbekende tijdlijn: %(slug)s") % {"slug": slug}, code="unknown_timeline"
            )
        return timeline

    def clean_cursor(self) -> Cursor | None:
        value = self.cleaned_data["cursor"]
        if not value:
            return None
        try:
            return Cursor.decode(value)
        except ValueError:
            raise forms.ValidationError(_("Ongeldige cursor.")) from None

    def clean(self):
        data = super().clean()
        since, until = data.get("from"), data.get("to")
        if since and until and since.start > range_end(until):
            self.add_error("to", _("‘Van’ ligt na ‘tot en met’; de datumfilter is niet toegepast."))
            data.pop("from", None)
        return data

    # -- results -----------------------------------------------------------------------------

    def more_filters(self) -> list[forms.BoundField]:
        """The filters the page has no place of its own for, in declaration order."""
        return [self[name] for name in self.fields if name not in self.LAID_OUT]

    @property
    def machine_errors(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.errors.items() if k in self.MACHINE_FIELDS}

    @property
    def value(self) -> dict:
        """The cleaned, applicable filters (invalid ones dropped)."""
        self.is_valid()
        return self.cleaned_data

    @property
    def date_from(self) -> dates.Resolved | None:
        return self.value.get("from")

    @property
    def date_to(self) -> dates.Resolved | None:
        return self.value.get("to")

    @cached_property
    def who_matches(self) -> list[Actor]:
        """The actors the actor box's text names; looked up once, though every facet filters."""
        text = normalize(self.value.get("who", ""))
        if not text:
            return []
        return matching_actors(text)[:10]

    @cached_property
    def criteria(self) -> Criteria:
        """The applicable filters as plain values: what both strategies answer."""
        data = self.value
        return Criteria(
            actors=tuple(dict.fromkeys(a.pk for a in [*data.get("actor", []), *self.who_matches])),
            blocs=tuple(a.pk for a in data.get("affiliation", [])),
            types=tuple(t.pk for t in data.get("type", [])),
            statuses=tuple(data.get("status") or ()),
            places=tuple(p.pk for p in data.get("place", [])),
            since=self.date_from.start if self.date_from else None,
            until=range_end(self.date_to) if self.date_to else None,
            terms=tuple(normalize(data.get("q", "")).split()[:10]),
            **timeline_criteria(data.get("timeline")),
        )

    @property
    def sort_order(self) -> str:
        """`asc` or `desc` (a key of `sql.ORDERS`)."""
        return self.value.get("order") or "asc"

    @property
    def chosen_view(self) -> str:
        """`list` (the default), `chart` or `map`."""
        return self.value.get("view") or "list"

    @property
    def chosen_lanes(self) -> str:
        """The chart's lanes: `type` (the default), `actor`, `timeline` or `none`."""
        return self.value.get("lanes") or "type"

    @property
    def after(self) -> Cursor | None:
        """Where the requested page begins (None: at the start)."""
        return self.value.get("cursor")


def timeline_criteria(timeline: Timeline | None) -> dict:
    """What belonging to this timeline means: its events; for the featured one also every event
    in no timeline, so that an event nobody filed yet stays on the front page instead of
    vanishing (the admin lists those under "zonder tijdlijn"). No timeline at all (none is
    featured): every event."""
    if timeline is None:
        return {}
    return {"timeline": timeline.pk, "unfiled": timeline.featured}


def range_end(resolved: dates.Resolved) -> dt.date:
    """The last day a resolved date may mean (its only day when it is exact)."""
    return resolved.end or resolved.start


def matching_actors(text: str) -> list[Actor]:
    """Actors whose name or one of whose aliases contains the text, accent- and case-blind."""
    needle = normalize(text)
    if not needle:
        return []
    # Names are few (hundreds), so comparing normalised strings in Python is cheap and works
    # the same on SQLite and PostgreSQL, whatever their collations do with accents.
    hits = {}
    for actor_id, *names in Actor.objects.values_list("pk", "name", "name_en"):
        for name in filter(None, names):
            if needle in normalize(name):
                hits.setdefault(actor_id, 0 if normalize(name).startswith(needle) else 1)
    for actor_id, name in Alias.objects.values_list("actor_id", "name"):
        if needle in normalize(name):
            hits.setdefault(actor_id, 0 if normalize(name).startswith(needle) else 1)
    actors = Actor.objects.public().in_bulk(list(hits))
    return sorted(actors.values(), key=lambda a: (hits[a.pk], a.name))
