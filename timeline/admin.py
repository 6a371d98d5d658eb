"""The editors' desk: fast, safe data entry in the Django admin.

- Events: participants and citations inline with autocomplete, a date typed as the article says
  it (see `timeline.admin_forms`), a live "Controleer datum" preview, a staff-only preview of
  the public page, bulk publish/unpublish, spreadsheet import/export (`timeline.resources`).
- Every model keeps an audit history (django-simple-history): who changed what, as a diff,
  with revert.
- No lost update: `Event.version` is checked on the form and raised with a conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Count, Exists, F, ForeignKey, OuterRef, Prefetch
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import TaskResultDoesNotExist
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from timeline import history, i18n, imports, ingest, pictures, resources
from timeline.admin_forms import (
    CitationAdminForm,
    EditConflict,
    EventAdminForm,
    IngestForm,
    TimelineChoiceForm,
    first_source_of,
    read_from,
    resolve_for,
)
from timeline.geo import gazetteer
from timeline.models import (
    UNSOURCED,
    Actor,
    Alias,
    Citation,
    Correction,
    EditorPreference,
    Event,
    EventType,
    Participation,
    Place,
    PlaceAlias,
    Source,
    Timeline,
    normalize,
)
from timeline.resources import EventResource

admin.site.site_header = gettext_lazy("Crisis Timeline — redactie")
admin.site.site_title = "Crisis Timeline"
# The app list beside every page took 300 of a laptop's 1,280 pixels and cut off the event
# list's last columns; the breadcrumbs and the index lead everywhere it did.
admin.site.enable_nav_sidebar = False

HISTORY_LIST_TEMPLATE = "admin/timeline/object_history_list.html"
# Up to this many events found by a search are listed by their keys (see EventAdmin's search).
SEARCH_KEYS = 5000


class HistoryAdmin(SimpleHistoryAdmin):
    """Audit history with a diff per change and revert, for every model of the timeline."""

    # The library's list, without its inline style attribute (the CSP forbids those).
    object_history_list_template = HISTORY_LIST_TEMPLATE
    object_history_form_template = "admin/timeline/object_history_form.html"

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # As the library does, minus its `select_related()` without arguments for models
        # without foreign keys (deprecated in Django 6.1: it would fetch nothing useful).
        records = history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        foreign_keys = [
            f.name for f in history_manager.model.tracked_fields if isinstance(f, ForeignKey)
        ]
        return records.select_related(*foreign_keys) if foreign_keys else records

    def get_historical_record_context_helper(self, request, historical_record):
        return history.HistoryWords(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        # The extra columns in words too ("gebeurd", "ja"), under the fields' own labels.
        fields = [self.model._meta.get_field(name) for name in self.history_list_display]
        for record in historical_records:
            record.column_words = [
                history.word(field, getattr(record, field.attname)) for field in fields
            ]

    def history_view(self, request, object_id, extra_context=None):
        columns = [
            capfirst(self.model._meta.get_field(name).verbose_name)
            for name in self.history_list_display
        ]
        extra_context = {**(extra_context or {}), "history_columns": columns}
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        counts = [c for name in self.list_display if isinstance(c := getattr(self, name, None), CountColumn)]
        return queryset.annotate(**{c.admin_order_field: c.counted for c in counts})


class CountColumn:
    """A sortable list column: how many related rows each row has, counted in the list's own
    query (HistoryAdmin.get_queryset annotates it)."""

    def __init__(self, heading: str, counted: Count):
        self.short_description, self.counted = heading, counted

    def __set_name__(self, owner, name: str) -> None:
        self.admin_order_field = f"n_{name}"

    def __call__(self, obj) -> int:
        return getattr(obj, self.admin_order_field)


@admin.register(Timeline)
class TimelineAdmin(HistoryAdmin):
    list_display = ["title", "slug", "featured", "public", "event_count"]
    ordering = ["title"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    history_list_display = ["title"]
    event_count = CountColumn(gettext_lazy("gebeurtenissen"), Count("events"))


# -- actors ------------------------------------------------------------------------------------


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


def matching_actor_ids(term: str) -> list[int]:
    """Actors whose name, slug, function or an alias contains every word of the term, blind to
    case and accents ("poetin" and "putin" find Vladimir Poetin, "zelenski" finds Zelensky).

    Actors are few (hundreds), so comparing normalised text in Python is cheap, and it behaves
    the same on SQLite and PostgreSQL whatever their collations do with accents."""
    words = normalize(term).split()
    if not words:
        return []
    texts: dict[int, list[str]] = {}
    for pk, name, slug, function in Actor.objects.values_list("pk", "name", "slug", "function"):
        texts[pk] = [name, slug, function]
    for actor_id, name in Alias.objects.values_list("actor_id", "name"):
        texts.setdefault(actor_id, []).append(name)
    return [
        pk
        for pk, parts in texts.items()
        if all(word in normalize(" ".join(parts)) for word in words)
    ]


class NewFromIngestFilter(admin.SimpleListFilter):
    """Actors ingest proposed (kind, function and affiliation guessed) and nobody checked yet."""

    title = _("nagekeken")
    parameter_name = "nieuw"

    def lookups(self, request, model_admin):
        return [("ja", _("nieuw uit inlezen")), ("nee", _("nagekeken"))]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.filter(reviewed=False)
        if self.value() == "nee":
            return queryset.filter(reviewed=True)
        return queryset


@admin.register(Actor)
class ActorAdmin(HistoryAdmin):
    list_display = ["name", "name_en", "kind", "function", "affiliation", "reviewed", "event_count"]
    ordering = ["name"]  # explicit: the annotation's GROUP BY drops Meta.ordering
    list_filter = [NewFromIngestFilter, "kind", ("affiliation", admin.RelatedOnlyFieldListFilter)]
    actions = ["mark_reviewed"]
    list_select_related = ["affiliation"]
    # Declared for the search box and the autocomplete; `get_search_results` does the matching.
    search_fields = ["name", "name_en", "aliases__name", "function", "slug"]
    search_help_text = gettext_lazy(
        "Naam, alias (Poetin/Putin), functie; hoofdletters en accenten tellen niet."
    )
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]
    inlines = [AliasInline]
    history_list_display = ["name", "kind", "function"]
    event_count = CountColumn(gettext_lazy("gebeurtenissen"), Count("participations__event", distinct=True))

    @admin.action(description=_("Geselecteerde deelnemers als nagekeken markeren"),
                  permissions=["change"])  # fmt: skip
    def mark_reviewed(self, request, queryset):
        n = 0
        for actor in queryset.filter(reviewed=False):  # one by one: each gets its history entry
            actor.reviewed = True
            actor._change_reason = gettext("nagekeken")
            actor.save()
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d deelnemer nagekeken", "%(n)d deelnemers nagekeken", n) % {"n": n},
            messages.SUCCESS,
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=matching_actor_ids(search_term)), False


# -- places ------------------------------------------------------------------------------------


class PlaceAliasInline(admin.TabularInline):
    model = PlaceAlias
    extra = 1


@admin.register(Place)
class PlaceAdmin(HistoryAdmin):
    """Places of events. The event form chooses one by autocomplete (names and aliases, blind to
    case and accents); a city not yet here comes from the gazetteer with "Uit de gazetteer
    toevoegen" on this list (or `manage.py add_place NAME`)."""

    change_list_template = "admin/timeline/place/change_list.html"
    list_display = ["name", "name_en", "country", "latitude", "longitude", "event_count"]
    ordering = ["name"]
    search_fields = ["name", "name_en", "aliases__name", "slug"]
    search_help_text = gettext_lazy("Naam of andere naam (Kiev/Kyiv); hoofdletters en accenten tellen niet.")
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlaceAliasInline]
    history_list_display = ["name", "latitude", "longitude"]
    event_count = CountColumn(gettext_lazy("gebeurtenissen"), Count("events"))

    def get_search_results(self, request, queryset, search_term):
        words = normalize(search_term).split()
        if not words:
            return queryset, False
        texts: dict[int, list[str]] = {}
        for pk, *names in Place.objects.values_list("pk", "name", "name_en", "slug"):
            texts[pk] = names
        for place_id, name in PlaceAlias.objects.values_list("place_id", "name"):
            texts[place_id].append(name)
        hits = [pk for pk, names in texts.items() if all(w in normalize(" ".join(names)) for w in words)]
        return queryset.filter(pk__in=hits), False

    def get_urls(self):
        gazetteer_view = self.admin_site.admin_view(self.from_gazetteer)
        return [path("gazetteer/", gazetteer_view, name="timeline_place_gazetteer"), *super().get_urls()]

    def from_gazetteer(self, request: HttpRequest):
        """Search the gazetteer and add a city as a place, with its coordinates and names."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            entry = gazetteer.by_id(request.POST.get("geonameid", ""))
            if entry is None:
                raise Http404
            place, created = gazetteer.add(entry)
            message = _("Plaats %(name)s toegevoegd.") if created else _("Plaats %(name)s bestond al.")
            self.message_user(request, message % {"name": place.name}, messages.SUCCESS)
            return redirect("admin:timeline_place_change", place.pk)
        text = request.GET.get("q", "")[:100]
        known = set(Place.objects.filter(geonameid__isnull=False).values_list("geonameid", flat=True))
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Plaats toevoegen uit de gazetteer"),
            "text": text,
            "results": [(entry, entry.geonameid in known) for entry in gazetteer.search(text)],
        }
        return TemplateResponse(request, "admin/timeline/place/gazetteer.html", ctx)


@admin.register(EventType)
class EventTypeAdmin(HistoryAdmin):
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = [
        "title",
        "outlet",
        "published_on",
        "published_precision",
        "language",
        "attribution",
        "citation_count",
    ]
    ordering = ["-published_on", "title"]
    list_filter = ["outlet", "language", "published_precision"]
    search_fields = ["title", "outlet", "slug", "attribution", "text"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"
    history_list_display = ["title", "published_on"]
    citation_count = CountColumn(gettext_lazy("citaten"), Count("citations"))


# -- events ------------------------------------------------------------------------------------


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 2
    autocomplete_fields = ["actor"]
    verbose_name = gettext_lazy("deelnemer")
    verbose_name_plural = gettext_lazy("deelnemers (wie, in welke rol)")


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = [("source", "position"), "quote"]
    verbose_name_plural = gettext_lazy("citaten (de zin in de bron die dit zegt)")


class ProposedFromFilter(admin.SimpleListFilter):
    """The drafts one article proposed (where the admin's ingest leads after saving), as
    RelatedOnlyFieldListFilter offers them, without its DISTINCT over every event."""

    title = gettext_lazy("voorgesteld uit")
    parameter_name = "proposed_from__id__exact"

    def lookups(self, request, model_admin):
        proposing = Event.objects.filter(proposed_from=OuterRef("pk"))
        sources = Source.objects.filter(Exists(proposing)).only("outlet", "title")
        return [(str(source.pk), str(source)) for source in sources]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(proposed_from_id=self.value())
        return queryset


class ActorFilter(admin.SimpleListFilter):
    """Events by participant, by slug, as on the public timeline (`?actor=lavrov`)."""

    title = gettext_lazy("deelnemer")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        # EXISTS on the (actor, event) index: a join with DISTINCT read every participation.
        taking_part = Participation.objects.filter(actor=OuterRef("pk"))
        actors = Actor.objects.filter(Exists(taking_part)).order_by("name")
        return [(a.slug, a.name) for a in actors.only("slug", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=Participation.objects.filter(actor__slug=self.value()).values("event")
            )
        return queryset


class TimelineFilter(admin.SimpleListFilter):
    """Events by timeline, and those in none ("zonder tijdlijn"): the featured timeline shows
    them too (see `timeline.query.forms.timeline_criteria`), until an editor files them."""

    title = gettext_lazy("Tijdlijn")
    parameter_name = "timeline"
    NONE = "none"  # never a key

    def lookups(self, request, model_admin):
        timelines = Timeline.objects.order_by("title").only("pk", "title")
        return [*((str(t.pk), t.title) for t in timelines), (self.NONE, _("zonder tijdlijn"))]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            filed = Event.timelines.through.objects.filter(event=OuterRef("pk"))
            return queryset.filter(~Exists(filed))
        if self.value():
            if not self.value().isdigit():
                raise IncorrectLookupParameters(self.value())
            return queryset.filter(
                pk__in=Event.timelines.through.objects.filter(timeline_id=self.value()).values("event")
            )
        return queryset


@admin.register(Event)
class EventAdmin(ImportExportModelAdmin, HistoryAdmin):
    # Under the import/export buttons (django-import-export extends it): "Artikel inlezen".
    change_list_template = "admin/timeline/event/change_list.html"
    form = EventAdminForm
    resource_classes = [EventResource]
    export_form_class = resources.ExportForm
    # Ours: formula cells written as text (see timeline.resources).
    formats = resources.FORMATS

    list_display = [
        "title",
        "date",
        "type",
        "status",
        "participants",
        "published",
        "preview_link",
    ]
    list_filter = [
        "type",
        "status",
        TimelineFilter,
        ActorFilter,
        "published",
        ("start", admin.DateFieldListFilter),
        # Drafts from `manage.py ingest` whose date phrase still waits for an editor.
        ("unresolved_date", admin.EmptyFieldListFilter),
        ProposedFromFilter,
    ]
    # At 100,000 events: no second count of the whole table beside the filtered one; the
    # filters are EXISTS on indexed keys (ActorFilter, ProposedFromFilter); every relation is
    # an autocomplete, so no page lists every actor, source or type.
    show_full_result_count = False
    # `search_text` is the accent-free text of the title, summary, quotes and the names and
    # aliases of the participants, kept current by the change hub: one indexed column instead of four
    # multi-valued joins, so "poetin" finds Putin and the list stays fast at 100,000 events.
    # A plain (case-sensitive) LIKE on it, as the public search does: both sides are already
    # lower case, and on PostgreSQL the trigram index of migration 0005 then applies.
    # (The title is in the search text, normalised; a LIKE on it as well read every row again.)
    search_fields = ["slug", "search_text__contains"]
    search_help_text = gettext_lazy("Titel, samenvatting, citaat, deelnemer of alias (Poetin/Putin).")
    # No date_hierarchy: its year links are a DISTINCT over every event's date (half a second
    # at 100,000 events on SQLite); the "begin" filter and the date columns' order remain.
    list_per_page = 50
    actions = ["publish", "unpublish", "add_to_timeline", "remove_from_timeline"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["type", "place", "timelines"]
    readonly_fields = [
        "current_date",
        "current_picture",
        "proposed_from",
        "confidence",
        "unresolved_date",
    ]
    inlines = [ParticipationInline, CitationInline]
    save_on_top = True
    history_list_display = ["status", "published"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "type", "status", "published"]}),
        (
            gettext_lazy("Datum"),
            {
                "fields": [
                    "date_text",
                    "current_date",
                    ("edtf", "part_of_day"),
                    "opened_version",
                    "opened",
                ]
            },
        ),
        (None, {"fields": ["summary", ("place", "location"), "timelines"]}),
        (
            gettext_lazy("Afbeelding"),
            {
                "fields": [
                    "current_picture",
                    "picture_file",
                    "picture_remove",
                    "picture_alt",
                    "picture_credit",
                    "picture_caption",
                ]
            },
        ),
    ]
    proposal_fieldset = (
        gettext_lazy("Voorstel uit een artikel (manage.py ingest)"),
        {
            "fields": ["proposed_from", "confidence", "unresolved_date"],
            "description": gettext_lazy(
                "Typ de onopgeloste datum hierboven bij ‘Datum zoals in de tekst’, "
                "of vul de EDTF-datum in; bij opslaan telt de datum dan als geregeld."
            ),
        },
    )

    correction_fieldset = (
        _("Correctie"),
        {
            "fields": ["is_correction", "correction_note"],
            "classes": ["correction"],
            "description": _(
                "Deze gebeurtenis is gepubliceerd. Verandert u de datum, de deelnemers, de titel "
                "of een citaat, zeg dan of het een correctie is."
            ),
        },
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and (obj.proposed_from_id or obj.unresolved_date):
            fieldsets.insert(1, self.proposal_fieldset)
        if obj is not None and obj.published:
            fieldsets.append(self.correction_fieldset)
        return fieldsets

    class Media:
        # "Controleer datum" and the correction question: static files, as the
        # Content-Security-Policy demands.
        js = ["admin-extra/date-preview.js", "admin-extra/correction.js"]
        css = {"all": ["admin-extra/admin.css"]}

    # -- list -------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("type")
            .prefetch_related(
                Prefetch(
                    "participations",
                    queryset=Participation.objects.select_related("actor").order_by("pk"),
                )
            )
        )

    @admin.display(description=gettext_lazy("datum"), ordering="start")
    def date(self, obj: Event) -> str:
        return i18n.date_label(obj.edtf, obj.part_of_day)

    @admin.display(description=gettext_lazy("huidige datum"))
    def current_date(self, obj: Event) -> str:
        if not obj.pk:
            return "—"
        return f"{i18n.date_label(obj.edtf, obj.part_of_day)} (EDTF {obj.edtf})"

    @admin.display(description=gettext_lazy("huidige afbeelding"))
    def current_picture(self, obj: Event) -> str:
        picture = obj.shown_picture if obj.pk else None
        if picture is None:
            return "—"
        small = picture.renditions()[0]
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}">',
            picture.url_of(small),
            small.width,
            small.height,
            picture.alt,
        )

    @admin.display(description=gettext_lazy("deelnemers"))
    def participants(self, obj: Event) -> str:
        return ", ".join(p.actor.name for p in obj.participations.all())

    @admin.display(description=gettext_lazy("voorbeeld"))
    def preview_link(self, obj: Event) -> str:
        url = reverse("admin:timeline_event_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("voorbeeld"))

    def get_search_results(self, request, queryset, search_term):
        # search_text is normalised; so is the term, so case and accents do not matter.
        found, may_have_duplicates = super().get_search_results(
            request, queryset, normalize(search_term)
        )
        if not search_term.strip():
            return found, may_have_duplicates
        # The text is read once, for the keys of what matches: filtered directly, the count
        # read every row's text and the first page read it again, walking the (start, slug)
        # index (0.6 s at 100,000 events when few or none match). A term that matches very
        # many events finds its first page at once in that walk; only then is it a subquery.
        keys = list(found.order_by().values_list("pk", flat=True)[: SEARCH_KEYS + 1])
        if len(keys) <= SEARCH_KEYS:
            return queryset.filter(pk__in=keys), may_have_duplicates
        return queryset.filter(pk__in=found.values("pk")), may_have_duplicates

    def view_on_site(self, obj: Event) -> str:
        # The public page hides drafts; for those the editor sees the preview instead.
        if obj.published:
            return obj.get_absolute_url()
        return reverse("admin:timeline_event_preview", args=[obj.pk])

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "timelines" not in initial:
            # The featured story, or the only one there is: the obvious choice.
            featured = Timeline.objects.filter(featured=True).values_list("pk", flat=True)[:1]
            timelines = list(featured) or list(Timeline.objects.values_list("pk", flat=True)[:2])
            if len(timelines) == 1:
                initial["timelines"] = timelines
        return initial

    # -- bulk publish -----------------------------------------------------------------------

    def _set_published(self, queryset, value: bool) -> tuple[int, list[Event]]:
        """How many changed, and the events refused for want of a quote."""
        changed, unsourced = 0, []
        with transaction.atomic(using=router.db_for_write(Event)):
            pks = list(queryset.filter(published=not value).values_list("pk", flat=True))
            for event in Event.objects.filter(pk__in=pks).select_for_update():
                try:
                    event.require_source(published=value)
                except ValidationError:
                    unsourced.append(event)
                    continue
                if not event.claim_version(event.version):
                    continue
                event.published = value
                event._change_reason = "gepubliceerd" if value else "teruggetrokken"
                event.save(update_fields=["published", "version", "updated"])
                changed += 1
        return changed, unsourced

    @admin.action(
        description=gettext_lazy("Geselecteerde gebeurtenissen publiceren"), permissions=["change"]
    )
    def publish(self, request, queryset):
        n, unsourced = self._set_published(queryset, True)
        self.message_user(
            request,
            ngettext("%(n)d gebeurtenis gepubliceerd", "%(n)d gebeurtenissen gepubliceerd", n)
            % {"n": n},
            messages.SUCCESS,
        )
        if unsourced:
            self.message_user(
                request,
                gettext("Niet gepubliceerd, want zonder citaat: %(titles)s. %(why)s")
                % {"titles": "; ".join(e.title for e in unsourced), "why": UNSOURCED},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy("Publicatie van geselecteerde gebeurtenissen intrekken"),
        permissions=["change"],
    )
    def unpublish(self, request, queryset):
        n, _unsourced = self._set_published(queryset, False)
        self.message_user(
            request,
            ngettext(
                "%(n)d gebeurtenis niet meer gepubliceerd",
                "%(n)d gebeurtenissen niet meer gepubliceerd",
                n,
            )
            % {"n": n},
            messages.SUCCESS,
        )

    # -- bulk: into or out of a timeline ---------------------------------------------------

    # The memberships are written in chunks of this many, all in one transaction.
    TIMELINE_CHUNK = 500

    def _timeline_action(self, request, queryset, adding: bool):
        """Django's intermediate-page pattern: the first post (from the list) shows the choice
        of timeline, the second (with `apply`) writes. The m2m signals take the events to the
        change hub (`timeline.changes`), which updates the index and drops the page cache once,
        when the transaction commits. Each event changed moves to its next version with a
        history record naming the editor, so that a form opened before cannot quietly put the
        old timelines back (it gets the colleague-saved page instead)."""
        form = TimelineChoiceForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            ctx = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Toevoegen aan tijdlijn") if adding else _("Verwijderen uit tijdlijn"),
                "form": form,
                "action": request.POST.get("action", ""),
                "select_across": request.POST.get("select_across", "0"),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "count": queryset.count(),
                "adding": adding,
            }
            return TemplateResponse(request, "admin/timeline/event/choose_timeline.html", ctx)
        timeline = form.cleaned_data["timeline"]
        using = router.db_for_write(Event)
        with transaction.atomic(using=using):
            pks = list(queryset.order_by().values_list("pk", flat=True))
            # The timeline's members whole, not `pk__in` the selection: select-across may
            # hold more keys than SQLite takes parameters in one query.
            members = set(
                Event.timelines.through.objects.filter(timeline=timeline).values_list("event_id", flat=True)
            )
            changing = [pk for pk in pks if (pk in members) != adding]
            write = timeline.events.add if adding else timeline.events.remove
            reason = (
                f"toegevoegd aan tijdlijn {timeline.title}"
                if adding
                else f"verwijderd uit tijdlijn {timeline.title}"
            )
            for start in range(0, len(changing), self.TIMELINE_CHUNK):
                chunk = changing[start : start + self.TIMELINE_CHUNK]
                write(*chunk)
                Event.objects.filter(pk__in=chunk).update(version=F("version") + 1)
                history.record_in_bulk(chunk, user=request.user, reason=reason, using=using)
        n = len(changing)
        if adding:
            message = ngettext(
                "%(n)d gebeurtenis toegevoegd aan tijdlijn %(timeline)s",
                "%(n)d gebeurtenissen toegevoegd aan tijdlijn %(timeline)s",
                n,
            )
        else:
            message = ngettext(
                "%(n)d gebeurtenis verwijderd uit tijdlijn %(timeline)s",
                "%(n)d gebeurtenissen verwijderd uit tijdlijn %(timeline)s",
                n,
            )
        self.message_user(request, message % {"n": n, "timeline": timeline.title}, messages.SUCCESS)
        return None

    @admin.action(description=gettext_lazy("Toevoegen aan tijdlijn…"), permissions=["change"])
    def add_to_timeline(self, request, queryset):
        return self._timeline_action(request, queryset, adding=True)

    @admin.action(description=gettext_lazy("Verwijderen uit tijdlijn…"), permissions=["change"])
    def remove_from_timeline(self, request, queryset):
        return self._timeline_action(request, queryset, adding=False)

    # -- saving without losing a colleague's edit ------------------------------------------

    def save_model(self, request, obj, form, change):
        if getattr(form, "resolved", None) is not None or "edtf" in form.changed_data:
            obj.unresolved_date = ""  # the editor has settled the date
        if getattr(request, "revert_reason", None):
            obj._change_reason = request.revert_reason
            if obj.picture and not pictures.exists(obj.picture.name):
                # Taken away since (its files deleted): the version comes back without it.
                obj.picture, obj.picture_width, obj.picture_height = "", None, None
                obj.picture_alt = obj.picture_credit = obj.picture_caption = ""
                self.message_user(
                    request,
                    _("De afbeelding van die versie is intussen verwijderd; de rest van de "
                      "versie is teruggezet, zonder afbeelding."),
                    messages.WARNING,
                )
        if change:
            opened = form.cleaned_data.get("opened_version")
            if not obj.claim_version(opened):
                raise EditConflict
        if form.cleaned_data.get("is_correction"):
            obj._change_reason = f"correctie: {form.cleaned_data['correction_note']}"
        # Only now, with the whole form valid and the version claimed, are the sizes stored.
        form.apply_picture(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.cleaned_data.get("is_correction"):
            # After the inlines: the correction is of the event as it now stands.
            Correction.objects.create(
                event=form.instance,
                note=form.cleaned_data["correction_note"],
                language=(get_language() or "nl")[:2],
            )

    def _retrying_on_conflict(self, view, *args):
        """Run a saving view; if a colleague won the race after our check, roll back and run it
        again, and then the form's version check tells the editor what happened."""
        for attempt in (1, 2):
            try:
                with transaction.atomic(using=router.db_for_write(Event)):
                    return view(*args)
            except EditConflict:
                if attempt == 2:
                    raise

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        parent = super().changeform_view
        return self._retrying_on_conflict(parent, request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return self._retrying_on_conflict(
            self._revert_whole_event, request, object_id, version_id, extra_context
        )

    def _revert_whole_event(self, request, object_id, version_id, extra_context):
        """simple-history reverts the event's own fields; its participations and citations
        follow, as they were in that version, in the same transaction."""
        record = None
        if request.method == "POST" and str(object_id).isdigit() and str(version_id).isdigit():
            record = Event.history.filter(id=object_id, history_id=version_id).first()
        if record is not None:
            when = formats.date_format(timezone.localtime(record.history_date), "DATETIME_FORMAT")
            request.revert_reason = _("teruggezet naar de versie van %(when)s") % {"when": when}
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if record is not None and response.status_code == 302:
            event = Event.objects.get(pk=object_id)
            history.restore_rows(event, record, request.revert_reason)
        return response

    # -- history: one version is the event with its participants and citations ---------------

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        history.versions_with_rows(list(historical_records))

    # -- staff-only views -------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("resolve-date/", view(self.resolve_date_view), name="timeline_event_resolve_date"),
            path("ingest/", view(self.ingest_view), name="timeline_event_ingest"),
            path(
                "import/<uuid:job_id>/",
                view(self.import_job_view),
                name="timeline_event_import_job",
            ),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="timeline_event_preview",
            ),
            *super().get_urls(),
        ]

    def resolve_date_view(self, request: HttpRequest) -> JsonResponse:
        """How a typed date will be read, before saving: `{"edtf", "label", "start", "end",
        "part_of_day"}` or `{"error"}`, with the source it was read against (`source`, its
        publication date as `base`, and `read_from` in words); None without one."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.GET.get("text", "")
        source = None
        if request.GET.get("source", "").isdigit():
            source = Source.objects.filter(pk=request.GET["source"]).first()
        if source is None and request.GET.get("event", "").isdigit():
            source = first_source_of(Event.objects.filter(pk=request.GET["event"]).first())
        future = request.GET.get("status") in Event.Status.future()
        result = resolve_for(text, source, future=future)
        answer = {
            "base": source.published_on.isoformat() if source else None,
            "source": source.slug if source else None,
            "read_from": read_from(source),
        }
        if not result.ok:
            return JsonResponse({**answer, "error": result.reason})
        return JsonResponse(
            {
                **answer,
                "edtf": result.edtf,
                "label": result.label(),
                "start": result.start.isoformat(),
                "end": result.end.isoformat() if result.end else None,
                "part_of_day": result.part_of_day,
            }
        )

    def ingest_view(self, request: HttpRequest):
        """From article to drafts: paste or upload an article, see what ingest proposes (new
        events, new actors, sources added to known events), tick what to keep; only then is
        anything saved, as drafts whose history names the article."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IngestForm(request.POST or None, request.FILES or None)
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Artikel inlezen"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            slug = form.source_slug()
            try:
                article = ingest.article_from_text(
                    data["text"], f"{slug}{data['kind']}", data["published"].isoformat(),
                    data["language"],
                )  # fmt: skip
            except ingest.IngestError as exc:
                form.add_error(None, str(exc))
                return TemplateResponse(request, "admin/timeline/event/ingest.html", ctx)
            article = replace(
                article,
                outlet=data["outlet"],
                title=data["title"] or article.title,
                url=data["url"] or article.url,
            )
            proposals = ingest.propose(article, source_slug=slug)
            if "save" in request.POST:
                keep = {int(n) for n in request.POST.getlist("keep") if n.isdigit()}
                report = ingest.save_proposals(
                    proposals, source_slug=slug, published_given=True, keep=keep
                )
                self.message_user(
                    request,
                    _(
                        "Bron %(source)s: %(created)d nieuwe concepten, %(refreshed)d bijgewerkt, "
                        "bron toegevoegd aan %(merged)d bekende gebeurtenissen, %(actors)d nieuwe "
                        "actoren."
                    )
                    % {
                        "source": report.source.slug, "created": len(report.created),
                        "refreshed": len(report.refreshed), "merged": len(report.merged),
                        "actors": len(report.actors),
                    },  # fmt: skip
                    messages.SUCCESS,
                )
                return redirect(
                    reverse("admin:timeline_event_changelist")
                    + f"?proposed_from__id__exact={report.source.pk}"
                )
            ctx.update(proposals=proposals, text=data["text"], kind=data["kind"])
        return TemplateResponse(request, "admin/timeline/event/ingest.html", ctx)

    def preview_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        """The public page of an event, drafts included, for editors only."""
        event = get_object_or_404(Event.objects.with_details(), pk=object_id)
        if not self.has_view_or_change_permission(request, event):
            raise PermissionDenied
        ctx = {"event": event, "is_preview": True}
        response = TemplateResponse(request, "timeline/event_detail.html", ctx)
        response["X-Robots-Tag"] = "noindex"
        return response

    # -- import / export --------------------------------------------------------------------

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def import_action(self, request, **kwargs):
        """The upload form as the library draws it; an uploaded file is checked in the
        background (timeline.imports), and the editor follows the job on its own page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        if request.method != "POST" or not form.is_valid():
            return super().import_action(request, **kwargs)
        file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        upload = form.cleaned_data["import_file"]
        job_id = imports.start(
            imports.check_import,
            user=request.user,
            file_name=upload.name,
            format_title=file_format.get_title(),
            content=b"".join(upload.chunks()),
        )
        return redirect("admin:timeline_event_import_job", job_id=job_id)

    def import_job_view(self, request: HttpRequest, job_id) -> TemplateResponse:
        """One check or import: its progress while it runs, then its summary; after a clean
        check, the button that imports the file."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            job = default_task_backend.get_result(str(job_id))
        except TaskResultDoesNotExist:
            raise Http404(_("Geen import met dit nummer")) from None
        (payload,) = job.args
        if payload["user"] != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied  # an editor's file is theirs
        summary = job.return_value if job.status == TaskResultStatus.SUCCESSFUL else None
        checking = job.task.name == imports.check_import.name
        if request.method == "POST":
            if not (summary and summary["dry_run"] and summary["ok"]):
                raise PermissionDenied  # only a clean check can be imported
            file_name, format_title, content = imports.job_file(payload)
            next_id = imports.start(
                imports.run_import,
                user=request.user,
                file_name=file_name,
                format_title=format_title,
                content=content,
            )
            return redirect("admin:timeline_event_import_job", job_id=next_id)
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Spreadsheet controleren") if checking else _("Spreadsheet importeren"),
            "checking": checking,
            "job": job,
            "file_name": payload["file_name"],
            "finished": job.is_finished,
            "failed": job.status == TaskResultStatus.FAILED,
            "summary": summary,
            "progress": None if job.is_finished else imports.progress(str(job_id)),
        }
        return TemplateResponse(request, "admin/timeline/event/import_job.html", ctx)


# -- editors: their language --------------------------------------------------------------------


class EditorPreferenceInline(admin.StackedInline):
    model = EditorPreference
    can_delete = False
    verbose_name_plural = gettext_lazy("taal van de redactieomgeving")


admin.site.unregister(User)


@admin.register(User)
class EditorUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, EditorPreferenceInline]


# -- the rows inside an event, on their own --------------------------------------------------


@admin.register(Participation)
class ParticipationAdmin(HistoryAdmin):
    list_display = ["event", "actor", "role"]
    list_filter = ["role"]
    list_select_related = ["event", "actor"]
    autocomplete_fields = ["event", "actor"]
    search_fields = ["event__title", "actor__name"]
    history_list_display = ["role"]


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    form = CitationAdminForm
    list_display = ["event", "source", "quote"]
    list_select_related = ["event", "source"]
    autocomplete_fields = ["event", "source"]
    search_fields = ["quote", "event__title"]

    def has_delete_permission(self, request, obj=None):
        # A published event keeps its last quote: unpublish it first (the event's form says so).
        if obj is not None and obj.event.published:
            others = obj.event.citations.exclude(pk=obj.pk).values_list("quote", flat=True)
            try:
                obj.event.require_source(others)
            except ValidationError:
                return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Deleting citations in bulk would pass the check above, which is per citation.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Correction)
class CorrectionAdmin(HistoryAdmin):
    """Corrections are made on the event's form; here their notes can be put right."""

    list_display = ["event", "made", "note"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]
    search_fields = ["note", "event__title"]
    date_hierarchy = "made"


@admin.register(Alias)
class AliasAdmin(HistoryAdmin):
    list_display = ["name", "actor", "language"]
    list_select_related = ["actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
