"""The crisis timeline's domain: who did what, when, and the sentence that says so.

Dates are stored as EDTF strings (the Library of Congress Extended Date/Time Format); `start` and
`end` are derived from them on every save, fixture loads included, so that sorting and filtering
run on plain indexed date columns.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from timeline import dates
from timeline.pictures import Picture, PictureDict

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "slug-mark"


@functools.lru_cache(maxsize=64)
def _around_slug(view: str, urlconf, script_prefix: str, language: str | None) -> tuple[str, str]:
    return tuple(reverse(view, args=[_SLUG_MARK]).rsplit(_SLUG_MARK, 1))


def detail_url(view: str, slug: str) -> str:
    """reverse(view, args=[slug]) for a URL whose only argument is a slug. reverse() takes about
    30 µs and a timeline page links some 150 events and actors, so the URL around the slug is
    reversed once per URL configuration, script prefix and language (the /en/ prefix)."""
    if not _SLUG.fullmatch(slug):
        return reverse(view, args=[slug])  # its NoReverseMatch, as before
    before, after = _around_slug(view, get_urlconf(), get_script_prefix(), get_language())
    return before + slug + after


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of a choice, translated. Django's own get_FOO_display() hashes every (lazy,
    translated) choice on each call, and a timeline page shows hundreds of roles and statuses;
    defining get_FOO_display on a model makes Django use it instead."""
    try:
        return str(choices(value).label)
    except ValueError:  # a value the choices do not know is shown as it is, as Django does
        return value


def normalize(text: str) -> str:
    """Lower case without accents, so that "Zelenski", "Zelenskí" and "ZELENSKI" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


# The JSON shapes of the API (`/api/events.json`, `/api/actors.json`), as the OpenAPI description
# (`timeline/openapi.py`) documents them; tests/test_api_schema.py holds one against the other.
# `absolute` turns a path into a full URL (`request.build_absolute_uri`).
AbsoluteURL = Callable[[str], str]


class ActorDict(TypedDict):
    slug: str
    name: str
    kind: str
    function: str
    affiliation: str | None
    aliases: list[str]
    url: str
    event_count: int


class ParticipantDict(TypedDict):
    slug: str
    name: str
    role: str


class CitationDict(TypedDict):
    source: str
    outlet: str
    url: str
    quote: str


class CorrectionDict(TypedDict):
    date: str
    note: str


class PlaceDict(TypedDict):
    slug: str
    name: str
    lat: float
    lon: float


class EventDict(TypedDict):
    slug: str
    title: str
    summary: str
    type: str
    status: str
    edtf: str
    start: str
    end: str | None
    part_of_day: str | None
    place: PlaceDict | None
    actors: list[ParticipantDict]
    citations: list[CitationDict]
    corrections: list[CorrectionDict]
    picture: PictureDict | None
    url: str



class SlugManager(models.Manager):
    """Natural keys: fixtures refer to rows by slug, so they load into any database."""

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class SlugNaturalKey:
    """The other half of `SlugManager`: a row's natural key is its slug."""

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class KeepsItsSlug(SlugNaturalKey):
    """A row whose former slugs keep leading to it (`FormerSlug`): it knows the values of
    `REMEMBERED` (its slug; an event its picture too) it was loaded or last saved with, as
    `saved_<name>`, so the change hub sees a rename or a picture taken away without asking the
    database (a deferred field is None: nothing to compare)."""

    REMEMBERED: tuple[str, ...] = ("slug",)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        for name in cls.REMEMBERED:
            setattr(instance, f"saved_{name}", instance.__dict__.get(name))
        return instance


class TimelineQuerySet(models.QuerySet):
    def public(self) -> TimelineQuerySet:
        """The timelines readers see: their pages, the list at /t/ and the `timeline` filter."""
        return self.filter(public=True)

    def featured(self) -> Timeline | None:
        """The timeline `/` shows (with the events in no timeline), or None when there is none."""
        return self.filter(featured=True).first()


class Timeline(SlugNaturalKey, models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("beschrijving"), blank=True)
    # The one `/` shows; saving another as featured takes the flag from this one (`save`), and
    # the constraint makes two at once impossible whatever writes the rows.
    featured = models.BooleanField(
        _("uitgelicht"),
        default=False,
        help_text=_("De tijdlijn op de voorpagina (/). Er is er steeds één."),
    )
    public = models.BooleanField(
        _("openbaar"),
        default=True,
        help_text=_("Lezers zien haar pagina en vinden haar in de lijst van tijdlijnen."),
    )

    objects = SlugManager.from_queryset(TimelineQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("tijdlijn")
        verbose_name_plural = _("tijdlijnen")
        constraints = [
            models.UniqueConstraint(
                fields=["featured"],
                condition=models.Q(featured=True),
                name="one_featured_timeline",
                violation_error_message=_("Er kan maar één tijdlijn uitgelicht zijn."),
            ),
            # The front page is for readers: a featured timeline cannot be hidden from them.
            models.CheckConstraint(
                condition=models.Q(featured=False) | models.Q(public=True),
                name="featured_timeline_is_public",
                violation_error_message=_("Een uitgelichte tijdlijn is openbaar."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Featuring this one un-features the one before, in the same transaction: there is
        # never a moment with two, nor (when one was featured) with none.
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Timeline)):
            if self.featured:
                Timeline.objects.filter(featured=True).exclude(pk=self.pk).update(featured=False)
            super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("timeline_page", args=[self.slug])


class ActorQuerySet(models.QuerySet):
    def public(self) -> ActorQuerySet:
        """The actors a reader may see: those in a published event, and what they belong to
        (Baerbock's Duitsland). One who appears only in drafts stays unknown to the public."""
        published = Participation.objects.filter(event__published=True)
        return self.filter(
            models.Exists(published.filter(actor=models.OuterRef("pk")))
            | models.Exists(published.filter(actor__affiliation=models.OuterRef("pk")))
        )


class Actor(KeepsItsSlug, models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("persoon")
        ORGANISATION = "organisation", _("organisatie")
        STATE = "state", _("staat")
        MEDIA = "media", _("media")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("naam"), max_length=200)
    # What /en/ shows ("Vladimir Putin", "United States"); empty where the name is the same.
    name_en = models.CharField(_("naam in het Engels"), max_length=200, blank=True)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    function = models.CharField(_("functie"), max_length=200, blank=True)
    affiliation = models.ForeignKey(
        "self",
        verbose_name=_("hoort bij"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("Land of organisatie, bijvoorbeeld Lavrov → Rusland."),
    )
    # An actor ingest proposed has a guessed kind, function and affiliation: new until an editor
    # has looked at it. (Readers do not see it meanwhile: it is only in drafts, see `public`.)
    reviewed = models.BooleanField(
        _("nagekeken"),
        default=True,
        help_text=_("Uit een artikel ingelezen deelnemers zijn nieuw tot een redacteur ze nakijkt."),
    )

    objects = SlugManager.from_queryset(ActorQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organisation", "state", "media"]),
                name="actor_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return detail_url("actor_detail", self.slug)

    def search_terms(self) -> list[str]:
        return [self.name, *(alias.name for alias in self.aliases.all())]

    def as_dict(self, absolute: AbsoluteURL) -> ActorDict:
        """The actor as `/api/actors.json` gives it; `event_count` must be annotated."""
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "function": self.function,
            "affiliation": self.affiliation.slug if self.affiliation else None,
            "aliases": [alias.name for alias in self.aliases.all()],
            "url": absolute(self.get_absolute_url()),
            "event_count": self.event_count,
        }


class AliasManager(models.Manager):
    def get_by_natural_key(self, actor_slug: str, name: str):
        return self.get(actor__slug=actor_slug, name=name)


class Alias(models.Model):
    """Another name for an actor: Poetin/Putin, NAVO/NATO, Kiev/Kyiv."""

    actor = models.ForeignKey(
        Actor, verbose_name=_("deelnemer"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("naam"), max_length=200)
    language = models.CharField(_("taal"), max_length=10, blank=True)

    objects = AliasManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliassen")
        constraints = [
            models.UniqueConstraint(fields=["actor", "name"], name="alias_unique_per_actor"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.actor.slug, self.name)

    natural_key.dependencies = ["timeline.actor"]


class EventType(KeepsItsSlug, models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("naam"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("soort gebeurtenis")
        verbose_name_plural = _("soorten gebeurtenis")

    def __str__(self) -> str:
        return self.name


class Place(SlugNaturalKey, models.Model):
    """Where an event happened, as a point: a city from the gazetteer (`timeline.geo.gazetteer`)
    or one an editor entered. The map clusters events per place; `place=` filters by it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("naam"), max_length=200)
    # What /en/ shows ("Kyiv", "Moscow"); empty where the name is the same.
    name_en = models.CharField(_("naam in het Engels"), max_length=200, blank=True)
    latitude = models.FloatField(_("breedtegraad"))
    longitude = models.FloatField(_("lengtegraad"))
    country = models.CharField(
        _("landcode"), max_length=2, blank=True, help_text=_("ISO 3166-1, bijvoorbeeld UA.")
    )
    geonameid = models.PositiveIntegerField(_("GeoNames-id"), null=True, blank=True, unique=True)

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("plaats")
        verbose_name_plural = _("plaatsen")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, lang: str = "nl") -> str:
        return (self.name_en or self.name) if lang == "en" else self.name

    def search_terms(self) -> list[str]:
        return [self.name, self.name_en, *(alias.name for alias in self.aliases.all())]

    def as_dict(self) -> PlaceDict:
        return {"slug": self.slug, "name": self.name, "lat": self.latitude, "lon": self.longitude}


class PlaceAliasManager(models.Manager):
    def get_by_natural_key(self, place_slug: str, name: str):
        return self.get(place__slug=place_slug, name=name)


class PlaceAlias(models.Model):
    """Another name for a place, in either language: Kiev/Kyiv, Moskou/Moscow, Genève/Geneva."""

    place = models.ForeignKey(
        Place, verbose_name=_("plaats"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("naam"), max_length=200)
    language = models.CharField(_("taal"), max_length=10, blank=True)

    objects = PlaceAliasManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("andere naam van een plaats")
        verbose_name_plural = _("andere namen van plaatsen")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="place_alias_unique_per_place"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.place.slug, self.name)

    natural_key.dependencies = ["timeline.place"]


class Source(SlugNaturalKey, models.Model):
    class Precision(models.TextChoices):
        DAY = "day", _("dag")
        MONTH = "month", _("maand")
        YEAR = "year", _("jaar")

    slug = models.SlugField(unique=True)
    outlet = models.CharField(_("medium"), max_length=200)
    title = models.CharField(_("titel"), max_length=300)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    language = models.CharField(_("taal"), max_length=10, default="nl")
    published_on = models.DateField(_("publicatiedatum"))
    published_precision = models.CharField(
        _("precisie publicatiedatum"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.DAY,
    )
    text = models.TextField(_("volledige tekst"), blank=True)
    # The press agencies the article credits ("meldt Interfax", "according to Reuters"): where
    # the outlet had it from, not who took part.
    attribution = models.CharField(
        _("via persbureau"),
        max_length=200,
        blank=True,
        help_text=_("Persbureaus waarop het artikel zich beroept, bijvoorbeeld Interfax, Reuters."),
    )

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("bron")
        verbose_name_plural = _("bronnen")
        constraints = [
            models.CheckConstraint(
                condition=Q(published_precision__in=["day", "month", "year"]),
                name="source_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.title}"

    @property
    def published_period(self) -> dates.Period:
        """The days the source may have appeared on, at the precision its date is known."""
        return dates.Period(self.published_on, self.published_precision)


class EventQuerySet(models.QuerySet):
    def published(self) -> EventQuerySet:
        return self.filter(published=True)

    def chronological(self) -> EventQuerySet:
        return self.order_by("start", models.F("end").asc(nulls_last=True), "slug")

    def refresh_search_text(self, batch: int = 2000) -> int:
        """Derive the search text of these events again, a batch at a time in four queries, and
        write those that changed; how many did."""
        # In pk order throughout: the text must not depend on the database's row or collation
        # order, or a backup restored into another database would not be the same bytes.
        events = self.order_by("pk").prefetch_related(
            models.Prefetch("place__aliases", queryset=PlaceAlias.objects.order_by("pk")),
            models.Prefetch("participations", queryset=Participation.objects.order_by("pk")),
            models.Prefetch("participations__actor__aliases", queryset=Alias.objects.order_by("pk")),
            models.Prefetch("citations", queryset=Citation.objects.order_by("pk")),
        )
        changed = []
        for event in events.iterator(chunk_size=batch):
            text = event.build_search_text()
            if text != event.search_text:
                event.search_text = text
                changed.append(event)
        Event.objects.using(self.db).bulk_update(changed, ["search_text"], batch_size=batch)
        return len(changed)

    def with_details(self) -> EventQuerySet:
        """Everything a timeline entry shows, in a constant number of queries: the type, and
        as plain lists (a related manager's .all() would make a queryset per event and per
        use) `participation_list` with the actors and `citation_list` with the sources (in
        Citation's order), without their full texts, which no entry shows, and
        `correction_list`, the public corrections, oldest first."""
        return self.select_related("type", "place").prefetch_related(
            models.Prefetch(
                "participations",
                queryset=Participation.objects.select_related("actor").order_by("pk"),
                to_attr="participation_list",
            ),
            models.Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source").defer("source__text"),
                to_attr="citation_list",
            ),
            models.Prefetch("corrections", to_attr="correction_list"),
        )


# Every path that makes an event public (the admin's form and its bulk action, the spreadsheet
# import, ingest) asks `Event.require_source` with the quotes it is about to save.
UNSOURCED = _(
    "Publiceren kan alleen met minstens één citaat: de zin uit de bron die dit zegt. Voeg een "
    "citaat met bron toe, of sla de gebeurtenis op als concept (niet gepubliceerd)."
)


class EventStatus(models.TextChoices):
    OCCURRED = "occurred", _("gebeurd")
    SCHEDULED = "scheduled", _("gepland")
    EXPECTED = "expected", _("verwacht")
    CANCELLED = "cancelled", _("afgelast")

    @classmethod
    def future(cls) -> tuple[EventStatus, ...]:
        """What has not happened yet: a date phrase for it resolves forward from its source."""
        return (cls.SCHEDULED, cls.EXPECTED)


class PartOfDay(models.TextChoices):
    MORNING = "morning", _("ochtend")
    AFTERNOON = "afternoon", _("middag")
    EVENING = "evening", _("avond")
    NIGHT = "night", _("nacht")


class Event(KeepsItsSlug, models.Model):
    # Defined outside so that Meta's check constraints can be built from them; used as
    # Event.Status and Event.PartOfDay.
    Status = EventStatus
    PartOfDay = PartOfDay

    slug = models.SlugField(unique=True, max_length=120)
    title = models.CharField(_("titel"), max_length=300)
    summary = models.TextField(_("samenvatting"), blank=True)
    type = models.ForeignKey(
        EventType, verbose_name=_("soort"), on_delete=models.PROTECT, related_name="events"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OCCURRED
    )
    edtf = models.CharField(
        _("datum (EDTF)"),
        max_length=100,
        help_text=_("Bijvoorbeeld 2022-01-26, 2022-01, 2022-01-24/2022-01-27 of 2022-01-29/.."),
    )
    start = models.DateField(_("begin"), editable=False)
    end = models.DateField(_("einde"), null=True, blank=True, editable=False)
    part_of_day = models.CharField(
        _("dagdeel"), max_length=10, choices=PartOfDay.choices, blank=True
    )
    # `place` is the point on the map; `location` stays as the words for the spot ("het
    # Kremlin"), finer than a gazetteer city, and the spreadsheet's Location column.
    place = models.ForeignKey(
        Place,
        verbose_name=_("plaats"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    location = models.CharField(
        _("locatie"), max_length=200, blank=True, help_text=_("De plek in woorden, bijvoorbeeld het Kremlin.")
    )
    published = models.BooleanField(_("gepubliceerd"), default=False)
    # One picture (timeline/pictures.py): the storage name and size of its largest JPEG, which
    # the admin form sets from an upload made safe (never the upload itself); the smaller sizes
    # follow from these. The words are the editor's; alt text is required with a picture.
    picture = models.ImageField(
        _("afbeelding"), upload_to="pictures/", max_length=200, blank=True, editable=False
    )
    picture_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    picture_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    picture_alt = models.CharField(
        _("alt-tekst"),
        max_length=300,
        blank=True,
        help_text=_(
            "Wat er op de afbeelding te zien is, voor wie haar niet kan zien. "
            "Verplicht bij een afbeelding."
        ),
    )
    picture_credit = models.CharField(
        _("maker of bron van de afbeelding"),
        max_length=200,
        blank=True,
        help_text=_("Bijvoorbeeld ‘Foto: ANP / Remko de Waal’."),
    )
    picture_caption = models.CharField(_("bijschrift"), max_length=500, blank=True)
    # A draft that `manage.py ingest` proposed from a sentence of this source, how sure it was
    # (0-1), and the date phrase it could not place (the EDTF then holds only what the source's
    # own date supports), for an editor to settle before publishing.
    proposed_from = models.ForeignKey(
        Source,
        verbose_name=_("voorgesteld uit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    confidence = models.FloatField(_("zekerheid voorstel"), null=True, blank=True)
    unresolved_date = models.CharField(_("onopgeloste datum"), max_length=200, blank=True)
    timelines = models.ManyToManyField(
        Timeline, verbose_name=_("tijdlijnen"), related_name="events", blank=True
    )
    # Lower-cased, accent-free text of the title, summary, quotes and actor names and aliases,
    # kept up to date by the change hub (timeline/changes.py), so that "poetin" finds the Putin
    # events on any database.
    search_text = models.TextField(editable=False, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Optimistic locking: every save through the admin (or an import) raises it by one with
    # `UPDATE ... WHERE version = <the version the editor opened>`, so a colleague's edit made
    # in between is refused rather than silently overwritten.
    version = models.PositiveIntegerField(_("versie"), default=1, editable=False)

    objects = SlugManager.from_queryset(EventQuerySet)()
    # What the change hub compares a save with (`KeepsItsSlug`): a rename, a picture replaced.
    REMEMBERED = ("slug", "picture")
    # Derived columns stay out of the audit trail; `version` too, so that a revert starts from
    # the current version (an excluded field is read from the live row).
    history = HistoricalRecords(
        excluded_fields=["start", "end", "search_text", "updated", "version"]
    )

    class Meta:
        ordering = ["start", "slug"]
        verbose_name = _("gebeurtenis")
        verbose_name_plural = _("gebeurtenissen")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=models.F("end")),
                name="event_start_before_end",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values),
                name="event_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(part_of_day__in=["", *PartOfDay.values]),
                name="event_part_of_day_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["published", "start", "slug"], name="event_pub_start"),
            models.Index(fields=["published", "end"], name="event_pub_end"),
            models.Index(fields=["published", "status"], name="event_pub_status"),
            models.Index(fields=["published", "type"], name="event_pub_type"),
            # The admin's list, drafts and all, in Meta.ordering: its first page, and the
            # date filter and date hierarchy, read this instead of sorting 100,000 rows.
            models.Index(fields=["start", "slug"], name="event_start_slug"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return detail_url("event_detail", self.slug)

    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)

    def claim_version(self, seen: int) -> bool:
        """The optimistic lock every editing path goes through (admin, spreadsheet import,
        ingest): move the row from version `seen` to the next one, unless someone else's save
        moved it first. False on such a conflict, and then nothing changed; the caller saves
        the rest of its change afterwards."""
        claimed = Event.objects.filter(pk=self.pk, version=seen).update(version=seen + 1)
        if claimed:
            self.version = seen + 1
        return bool(claimed)

    def derive_dates(self) -> None:
        """Set start and end from the EDTF string; a bad string is a ValidationError naming us."""
        try:
            self.start, self.end = dates.edtf_bounds(self.edtf or "")
        except dates.InvalidEDTF as exc:
            # Worded when shown, in the reader's language (the refusal too).
            message = ValidationError(
                _("Gebeurtenis '%(slug)s': %(reason)s"),
                code="invalid_edtf",
                params={"slug": self.slug, "reason": exc},
            )
            raise ValidationError({"edtf": message}) from exc

    def clean(self) -> None:
        # Not `require_source`: the citations are rows of their own, saved after the event
        # (the admin's inlines, an import's columns), so only the caller knows what they will be.
        self.derive_dates()

    def require_source(
        self, quotes: Iterable[str] | None = None, *, published: bool | None = None
    ) -> None:
        """Refuse to make this event public without a quote from a source: "elke gebeurtenis
        met bron". `quotes` are the citations' quotes as they will be saved, None for the saved
        ones; `published` what it will be, if not what it is. A draft may have none."""
        if not (self.published if published is None else published):
            return
        if quotes is None:
            quotes = self.citations.values_list("quote", flat=True) if self.pk else ()
        if not any(quote.strip() for quote in quotes):
            raise ValidationError({"published": UNSOURCED}, code="unsourced")

    def date_label(self, lang: str = "nl") -> str:
        return dates.label(self.edtf, self.part_of_day, lang)

    def place_label(self, lang: str = "nl") -> str:
        """Where it happened in words: the spot and the place ("Kremlin, Moskou"), either alone."""
        place = self.place.display_name(lang) if self.place_id else ""
        if self.location and normalize(self.location) != normalize(place):
            return f"{self.location}, {place}" if place else self.location
        return place

    def as_dict(self, absolute: AbsoluteURL) -> EventDict:
        """The event as `/api/events.json` gives it, from what `with_details()` (or the index's
        `events()`) fetched."""
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "type": self.type.slug,
            "status": self.status,
            "edtf": self.edtf,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "part_of_day": self.part_of_day or None,
            "place": self.place.as_dict() if self.place_id else None,
            "actors": [
                {"slug": p.actor.slug, "name": p.actor.name, "role": p.role}
                for p in self.participation_list
            ],
            "citations": [
                {
                    "source": c.source.slug,
                    "outlet": c.source.outlet,
                    "url": c.source.url,
                    "quote": c.quote,
                }
                for c in self.citation_list
            ],
            "corrections": [c.as_dict() for c in self.correction_list],
            "picture": picture.as_dict(absolute) if (picture := self.shown_picture) else None,
            "url": absolute(self.get_absolute_url()),
        }

    @property
    def shown_picture(self) -> Picture | None:
        """The picture readers see; None without one (no placeholder anywhere)."""
        if not self.picture or not self.picture_width or not self.picture_height:
            return None
        return Picture(
            self.picture.name,
            self.picture_width,
            self.picture_height,
            self.picture_alt,
            self.picture_credit,
            self.picture_caption,
        )

    @property
    def last_corrected(self) -> dt.datetime | None:
        """When the latest public correction was made (from `correction_list`)."""
        return self.correction_list[-1].made if self.correction_list else None

    @property
    def publicly_updated(self) -> dt.datetime:
        """What readers are told about changes: the last correction, else when it was entered.
        An edit that is no correction (a typo, a tag) is no news."""
        return self.last_corrected or self.created

    def build_search_text(self) -> str:
        """From the participations and citations as `EventQuerySet.refresh_search_text` prefetches them."""
        parts = [self.title, self.summary, self.location]
        if self.place_id:
            parts.extend(self.place.search_terms())
        for participation in self.participations.all():
            parts.extend(participation.actor.search_terms())
        parts.extend(citation.quote for citation in self.citations.all())
        return normalize(" ".join(parts))

    def set_participants(self, cast: list[tuple[Actor, str]], reason: str = "") -> None:
        """Make the event's (actor, role) pairs exactly `cast`, each change with a history reason."""
        wanted = {(actor.pk, role) for actor, role in cast}
        for participation in self.participations.all():
            if (participation.actor_id, participation.role) not in wanted:
                participation._change_reason = reason
                participation.delete()
        have = set(self.participations.values_list("actor_id", "role"))
        for actor, role in cast:
            if (actor.pk, role) not in have:
                participation = Participation(event=self, actor=actor, role=role)
                participation._change_reason = reason
                participation.save()
                have.add((actor.pk, role))


class ParticipationManager(models.Manager):
    def get_by_natural_key(self, event_slug: str, actor_slug: str, role: str):
        return self.get(event__slug=event_slug, actor__slug=actor_slug, role=role)


class Participation(models.Model):
    class Role(models.TextChoices):
        CALLER = "caller", _("beller")
        CALLEE = "callee", _("gebelde")
        SENDER = "sender", _("afzender")
        RECIPIENT = "recipient", _("ontvanger")
        SPEAKER = "speaker", _("spreker")
        SUBJECT = "subject", _("betrokkene")
        MENTIONED = "mentioned", _("genoemd")

    event = models.ForeignKey(
        Event, verbose_name=_("gebeurtenis"), on_delete=models.CASCADE, related_name="participations"
    )
    actor = models.ForeignKey(
        Actor, verbose_name=_("deelnemer"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)

    objects = ParticipationManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deelname")
        verbose_name_plural = _("deelnames")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "actor", "role"], name="participation_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=[
                        "caller",
                        "callee",
                        "sender",
                        "recipient",
                        "speaker",
                        "subject",
                        "mentioned",
                    ]
                ),
                name="participation_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["actor", "event"], name="participation_actor")]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"

    def get_role_display(self) -> str:
        return choice_label(self.Role, self.role)

    def natural_key(self) -> tuple[str, str, str]:
        return (self.event.slug, self.actor.slug, self.role)

    natural_key.dependencies = ["timeline.event", "timeline.actor"]


class CitationManager(models.Manager):
    def get_by_natural_key(self, event_slug: str, source_slug: str, position: int):
        return self.get(event__slug=event_slug, source__slug=source_slug, position=position)


class Citation(models.Model):
    """The exact sentence in a source that supports an event."""

    event = models.ForeignKey(
        Event, verbose_name=_("gebeurtenis"), on_delete=models.CASCADE, related_name="citations"
    )
    source = models.ForeignKey(
        Source, verbose_name=_("bron"), on_delete=models.PROTECT, related_name="citations"
    )
    quote = models.TextField(_("citaat"))
    # Orders several quotes from one source and gives each a natural key without hashing text.
    position = models.PositiveSmallIntegerField(_("volgnummer"), default=1)

    objects = CitationManager()
    history = HistoricalRecords()

    class Meta:
        # The one order of an event's citations, wherever they are shown, exported or edited:
        # by position, and in the order they were entered where positions tie (quotes from
        # different sources may share one).
        ordering = ["position", "pk"]
        verbose_name = _("citaat")
        verbose_name_plural = _("citaten")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "source", "position"], name="citation_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.quote[:80]

    def natural_key(self) -> tuple[str, str, int]:
        return (self.event.slug, self.source.slug, self.position)

    natural_key.dependencies = ["timeline.event", "timeline.source"]


class Correction(models.Model):
    """A public correction of a published event: when, and what was wrong, in the editor's
    words. Shown on the event's page and card, in the API and the feed, and on /corrections/."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="corrections")
    made = models.DateTimeField(_("gecorrigeerd op"), default=timezone.now, db_index=True)
    note = models.TextField(
        _("toelichting"), help_text=_("Wat er niet klopte en wat er nu staat, voor de lezers.")
    )
    # The language the note is written in (the editor's), for the pages' lang attribute.
    language = models.CharField(_("taal"), max_length=10, default="nl")

    history = HistoricalRecords()

    class Meta:
        ordering = ["made", "pk"]
        verbose_name = _("correctie")
        verbose_name_plural = _("correcties")

    def __str__(self) -> str:
        return f"{self.event}: {self.note[:80]}"

    def as_dict(self) -> CorrectionDict:
        return {"date": self.made.isoformat(), "note": self.note}


# What a former slug can belong to: the model and the field of `FormerSlug` naming it. Another
# model whose links must not break (a `KeepsItsSlug`) adds a foreign key there and a line here.
FORMER_SLUG_OWNERS: dict[type[models.Model], str] = {Event: "event", Actor: "actor", EventType: "type"}


def _of_one_owner() -> Q:
    one = Q()
    for owner in FORMER_SLUG_OWNERS.values():
        one |= Q(**{f"{other}__isnull": other != owner for other in FORMER_SLUG_OWNERS.values()})
    return one


class FormerSlug(models.Model):
    """A slug an event, actor or event type once had, so that every link ever shared still
    leads to it (a 301 to the current address, or to the filter under its current slug).
    Written by the change hub when a slug changes."""

    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="former_slugs"
    )
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="former_slugs"
    )
    type = models.ForeignKey(
        EventType, null=True, blank=True, on_delete=models.CASCADE, related_name="former_slugs"
    )
    slug = models.SlugField(max_length=120)
    changed = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_of_one_owner(), name="former_slug_of_one"),
            *(
                models.UniqueConstraint(
                    fields=["slug"],
                    condition=Q(**{f"{owner}__isnull": False}),
                    name=f"former_{owner}_slug_unique",
                )
                for owner in FORMER_SLUG_OWNERS.values()
            ),
        ]

    def __str__(self) -> str:
        owner = next(getattr(self, o) for o in FORMER_SLUG_OWNERS.values() if getattr(self, f"{o}_id"))
        return f"{self.slug} → {owner}"

    @staticmethod
    def remember(instance: KeepsItsSlug, old: str) -> None:
        """`instance` was called `old` until now: keep that name pointing at it, and let go of
        the one it takes back (A → B → A), which is its live slug again."""
        owner = FORMER_SLUG_OWNERS[type(instance)]
        FormerSlug.objects.filter(**{f"{owner}__isnull": False, "slug": instance.slug}).delete()
        # The latest holder of a slug is the one it leads to.
        held = FormerSlug.objects.filter(**{f"{owner}__isnull": False, "slug": old})
        if not held.update(**{owner: instance, "changed": timezone.now()}):
            FormerSlug.objects.create(**{owner: instance, "slug": old})

    @staticmethod
    def now_called(public: models.QuerySet, slug: str) -> KeepsItsSlug | None:
        """What of `public` (events, actors or types a reader may see) once had this slug, under its
        current one; None when nothing did, or when it is not public (a draft stays unknown
        under any name)."""
        # Whatever is not a slug was never one (and a NUL byte would be an error on PostgreSQL).
        if not _SLUG.fullmatch(slug):
            return None
        return public.filter(former_slugs__slug=slug).first()


class EditorPreference(models.Model):
    """The language an editor works in: the admin, its messages and a background import's
    report. Dutch, the source language, for everyone who has not chosen English."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("redacteur"),
        on_delete=models.CASCADE,
        related_name="editor_preference",
    )
    language = models.CharField(
        _("taal van de redactieomgeving"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("voorkeur van een redacteur")
        verbose_name_plural = _("voorkeuren van redacteuren")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_language_display()}"

    @classmethod
    def language_of(cls, user) -> str:
        """The language the admin speaks to this user (Dutch for one without a preference)."""
        if user is None or not user.is_authenticated:
            return settings.LANGUAGE_CODE
        found = cls.objects.filter(user=user).values_list("language", flat=True).first()
        return found or settings.LANGUAGE_CODE


class DataVersion(models.Model):
    """One row naming the state of what the public timeline shows: a number and a token.

    `timeline.changes` advances it once per transaction that changed anything, writing a
    `Change` row per event that changed under the new number in the same transaction. The row
    update locks the row until the commit, so writers take their numbers one at a time and
    commit them in order: a reader that sees number N has every change up to N. The token tells
    apart two histories that reached the same number (a test database rolled back, a restored
    backup), so a process never applies changes to an index of another history.
    """

    token = models.CharField(max_length=32)
    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.number} {self.token}"

    @classmethod
    def read(cls, using: str | None = None) -> tuple[str, int] | None:
        """(token, number) as committed now, or None before the first migration's row."""
        # Read on every timeline request: plain SQL, a tenth of what the ORM's query costs.
        connection = connections[using or DEFAULT_DB_ALIAS]
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token, number FROM {table} WHERE id = 1")
            row = cursor.fetchone()
        return (row[0], int(row[1])) if row else None

    @classmethod
    def current(cls, using: str | None = None) -> str | None:
        """The token of the data as it is now (what a cache of public pages can key on)."""
        state = cls.read(using)
        return state[0] if state else None

    @classmethod
    def advance(cls, using: str | None = None) -> tuple[str, int]:
        """A new (token, number) for the change being committed; call it inside its transaction."""
        token = uuid.uuid4().hex
        manager = cls.objects.using(using)
        if not manager.filter(pk=1).update(token=token, number=models.F("number") + 1):
            # The row is gone (a test database flush): put it back; a concurrent writer that
            # got there first has advanced it, and this one then advances from there.
            manager.bulk_create([cls(pk=1, token=token, number=0)], ignore_conflicts=True)
            manager.filter(pk=1).update(token=token, number=models.F("number") + 1)
        return token, manager.values_list("number", flat=True).get(pk=1)


class ChangeKind(models.TextChoices):
    EVENT = "event"
    NAMES = "names"
    ALL = "all"


class Change(models.Model):
    """What one committed version changed, for each process to apply to its index in order.

    `kind` is "event" (this event was added, edited or removed: its row, participations,
    citations and search text are read again), "names" (actors or event types changed: the
    index reads them again) or "all" (a bulk change: rebuild). Old rows are pruned; a process
    that is further behind than what is kept rebuilds.
    """

    Kind = ChangeKind

    number = models.BigIntegerField(db_index=True)
    token = models.CharField(max_length=32)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # Not a foreign key: the change of a deleted event outlives the event.
    event_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values), name="change_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind} {self.event_id or ''}".strip()
