from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count
from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.vary import vary_on_headers

from timeline.query import index
from timeline.cache import cache_public_page
from timeline.forms import Cursor, EventFilterForm, matching_actors
from timeline.i18n import date_label, reader_language, type_name
from timeline.models import Actor, Event

# Room for a long (refused-inline) search, but a megabyte is turned away before any work.
MAX_QUERY_STRING = 16_384


# -- query-string helpers --------------------------------------------------------------------


def _query(params: list[tuple[str, str]]) -> str:
    return "?" + urlencode(params) if params else "?"


def _params(request: HttpRequest) -> list[tuple[str, str]]:
    """The current filters as (key, value) pairs, without paging."""
    return [
        (key, value)
        for key in request.GET
        for value in request.GET.getlist(key)
        if key != "cursor" and value != ""
    ]


def _without(params, key: str, value: str | None = None) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params if not (k == key and (value is None or v == value))]


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Bar:
    start: dt.date
    end: dt.date
    count: int
    label: str
    url: str
    current: bool
    hit_x: float = 0
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0


@dataclass
class Group:
    label: str
    events: list[Event]


# -- the timeline ------------------------------------------------------------------------------


def _facets(form: EventFilterForm, selection: index.Selection) -> dict:
    """Options with counts, each facet counted with every *other* filter applied."""
    actors = selection.index.actors
    selected_actors = {a.slug for a in form.actors}
    top = sorted(selection.actor_counts().items(), key=lambda kv: (-kv[1], actors[kv[0]].name))[:25]
    options = [
        Option(a.slug, a.name, n, a.slug in selected_actors)
        for a, n in ((actors[pk], n) for pk, n in top)
    ]
    listed = {o.value for o in options}
    options += [
        Option(a.slug, a.name, 0, True)
        for a in form.actors
        if a.slug not in listed
    ]
    # "Everyone affiliated with": the states and organisations that have members.
    selected_blocs = {a.slug for a in form.affiliations}
    bloc_counts = selection.bloc_counts()
    blocs = sorted({a.affiliation_id for a in actors.values() if a.affiliation_id})
    bloc_options = [
        Option(a.slug, a.name, bloc_counts.get(a.pk, 0), a.slug in selected_blocs)
        for a in sorted((actors[pk] for pk in blocs), key=lambda a: a.name)
    ]
    selected_types = {t.slug for t in form.types}
    type_counts = selection.type_counts()
    types = [
        Option(t.slug, type_name(t), type_counts.get(t.pk, 0), t.slug in selected_types)
        for t in selection.index.types
    ]
    selected_status = set(form.value.get("status", []))
    status_counts = selection.status_counts()
    statuses = [
        Option(value, label, status_counts.get(value, 0), value in selected_status)
        for value, label in Event.Status.choices
    ]
    return {
        "actor_options": options,
        "bloc_options": bloc_options,
        "type_options": types,
        "status_options": statuses,
    }


def _chips(form: EventFilterForm, params) -> list[Chip]:
    chips = [Chip(a.name, _query(_without(params, "actor", a.slug))) for a in form.actors]
    chips += [
        Chip(_("alles van %(name)s") % {"name": a.name}, _query(_without(params, "affiliation", a.slug)))
        for a in form.affiliations
    ]
    chips += [Chip(type_name(t), _query(_without(params, "type", t.slug))) for t in form.types]
    status_labels = dict(Event.Status.choices)
    chips += [
        Chip(str(status_labels[s]), _query(_without(params, "status", s)))
        for s in form.value.get("status", [])
    ]
    if form.date_from:
        label = date_label(form.date_from.start.isoformat())
        chips.append(Chip(_("vanaf %(date)s") % {"date": label}, _query(_without(params, "from"))))
    if form.date_to:
        label = date_label(form.range_end(form.date_to).isoformat())
        chips.append(Chip(_("tot en met %(date)s") % {"date": label}, _query(_without(params, "to"))))
    if form.value.get("q"):
        chips.append(Chip(f"‘{form.value['q']}’", _query(_without(params, "q"))))
    if form.value.get("who"):
        chips.append(
            Chip(_("deelnemer ‘%(text)s’") % {"text": form.value["who"]}, _query(_without(params, "who")))
        )
    return chips


def _bucket_start(day: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _bucket(day: dt.date, unit: str) -> tuple[dt.date, dt.date]:
    start = _bucket_start(day, unit)
    if unit == "day":
        return start, start
    if unit == "week":
        return start, start + dt.timedelta(days=6)
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    return start, next_month - dt.timedelta(days=1)


def _overview(per_day: list[tuple[dt.date, int]], form: EventFilterForm, params) -> dict:
    """Bars with the number of events per day, week or month, as the span of the result asks."""
    if not per_day:
        return {"bars": [], "unit": "day"}
    first = min(day for day, _ in per_day)
    last = max(day for day, _ in per_day)
    span = (last - first).days
    unit = "day" if span <= 62 else "week" if span <= 731 else "month"
    # Counted by the bucket's first day (without working out its end: some 700 days a page).
    counts: dict[dt.date, int] = {}
    for day, n in per_day:
        key = _bucket_start(day, unit)
        counts[key] = counts.get(key, 0) + n
    # Every bucket in the span gets a bar, so that gaps in time show as gaps.
    buckets = []
    cursor = _bucket(first, unit)
    while cursor[0] <= last:
        buckets.append(cursor)
        cursor = _bucket(cursor[1] + dt.timedelta(days=1), unit)
    lo = form.date_from.start if form.date_from else None
    hi = form.range_end(form.date_to) if form.date_to else None
    # Each bar's link: the filters but the dates, encoded once, and the bar's own dates.
    base = _query(_without(_without(params, "from"), "to"))
    base += "&" if len(base) > 1 else ""
    peak = max(counts.values())
    # A few buckets get bars of a sensible width rather than one bar across the whole strip.
    width = 100 / max(len(buckets), 14)
    bars = []
    for i, (start, end) in enumerate(buckets):
        n = counts.get(start, 0)
        edtf = start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"
        label = date_label(edtf)
        bars.append(
            Bar(
                start=start,
                end=end,
                count=n,
                label=ngettext("%(period)s: %(n)d gebeurtenis", "%(period)s: %(n)d gebeurtenissen", n)
                % {"period": label, "n": n},
                url=f"{base}from={start.isoformat()}&to={end.isoformat()}",
                current=bool((lo or hi) and (lo is None or end >= lo) and (hi is None or start <= hi)),
                hit_x=round(i * width, 3),
                x=round(i * width + width * 0.1, 3),
                y=round(30 - 28 * n / peak, 2),
                w=round(width * 0.8, 3),
                h=round(28 * n / peak, 2),
            )
        )
    return {"bars": bars, "unit": unit, "bar_width": round(width, 3)}


def _group_by_day(events: list[Event]) -> list[Group]:
    """Consecutive events under one heading: the day, or the whole imprecise date."""

    def heading(event: Event) -> str:
        if event.end == event.start:
            return date_label(event.start.isoformat())
        return event.date_label(reader_language())

    return [Group(label, list(items)) for label, items in groupby(events, key=heading)]


def select_page(form: EventFilterForm) -> tuple[index.Selection, list[Event], Cursor | None]:
    """What a valid filter form selects, and the page of it that the cursor asks for: the
    events with all they show, in timeline order, and the cursor of the next page."""
    event_index = index.current()
    selection = event_index.select(form.criteria)
    pks, next_cursor = selection.page(
        form.value.get("cursor"), descending=form.descending, size=form.PAGE_SIZE
    )
    return selection, event_index.events(pks), next_cursor


def _timeline_context(request: HttpRequest, form: EventFilterForm) -> dict:
    params = _params(request)
    selection, page, next_cursor = select_page(form)
    next_url = (
        _query([*params, ("cursor", next_cursor.encode())]) if next_cursor is not None else None
    )
    return {
        "form": form,
        "groups": _group_by_day(page),
        "count": selection.count,
        "next_url": next_url,
        "is_later_page": bool(form.value.get("cursor")),
        "first_page_url": _query(params),
        "chips": _chips(form, params),
        "clear_url": reverse("event_list"),
        "desc_url": _query([*_without(params, "order"), ("order", "desc")]),
        "asc_url": _query(_without(params, "order")),
        "range_label": _range_label(form),
        "who_matches": form.who_matches,
        "share": _share_links(request, params),
        **_facets(form, selection),
        **_overview(selection.days(), form, params),
    }


def _share_links(request: HttpRequest, params) -> dict:
    """The current view as a link, an embed snippet and every export, all with its filters."""
    query = _query(params) if params else ""
    absolute = request.build_absolute_uri

    def export(name: str) -> str:
        return absolute(reverse(name) + query)

    embed_url = export("embed")
    return {
        "page": absolute(request.path + query),
        "embed": embed_url,
        "iframe": (
            f'<iframe src="{embed_url}" title="{_("Tijdlijn Oekraïne-crisis 2022")}" '
            'width="100%" height="600" loading="lazy"></iframe>'
        ),
        "exports": [
            ("JSON", export("api_events")),
            ("TimelineJS", export("export_timelinejs")),
            ("CSV", export("export_events_csv")),
            ("iCalendar", export("export_events_ics")),
            ("Atom", export("events_feed")),
        ],
    }


def _range_label(form: EventFilterForm) -> str:
    if form.date_from and form.date_to:
        start, end = form.date_from.start, form.range_end(form.date_to)
        if start == end:
            return date_label(start.isoformat())
        return date_label(f"{start.isoformat()}/{end.isoformat()}")
    if form.date_from:
        return _("vanaf %(date)s") % {"date": date_label(form.date_from.start.isoformat())}
    if form.date_to:
        return _("tot en met %(date)s") % {"date": date_label(form.range_end(form.date_to).isoformat())}
    return ""


def _too_long(request: HttpRequest) -> bool:
    return len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING


@require_GET
@cache_public_page  # issue 8: page cache, see timeline/cache.py
@vary_on_headers("HX-Request")
def event_list(request: HttpRequest) -> HttpResponse:
    if _too_long(request):
        return HttpResponseBadRequest("De zoekopdracht is te lang.")
    form = EventFilterForm(request.GET)
    if form.machine_errors:
        ctx = {"form": form, "errors": form.machine_errors}
        return render(request, "timeline/bad_request.html", ctx, status=400)
    ctx = _timeline_context(request, form)
    template_name = "timeline/event_list.html"
    # A history restore (back button after the cache missed) needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == "results":
            template_name += "#results-update"
        elif request.htmx.target == "more":
            template_name += "#more"
        else:
            template_name += "#page-update"
    return render(request, template_name, ctx)


@require_GET
@cache_public_page
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.published().with_details(), slug=slug)
    ctx = {"event": event}
    return render(request, "timeline/event_detail.html", ctx)


@require_GET
@cache_public_page
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = get_object_or_404(
        Actor.objects.select_related("affiliation").prefetch_related("aliases", "members"),
        slug=slug,
    )
    events = list(
        Event.objects.published()
        .filter(participations__actor=actor)
        .distinct()
        .chronological()
        .with_details()
    )
    partners = (
        Actor.objects.filter(participations__event__in=[e.pk for e in events])
        .exclude(pk=actor.pk)
        .annotate(shared=Count("participations__event", distinct=True))
        .order_by("-shared", "name")
    )
    ctx = {"actor": actor, "events": events, "partners": partners}
    return render(request, "timeline/actor_detail.html", ctx)


@require_GET
@cache_public_page
def actor_suggest(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the actor filter: names and aliases, Dutch and English spellings."""
    text = request.GET.get("who", "")[:200].replace("\x00", "")
    params = _without(_without(_params(request), "who"), "actor")
    selected = request.GET.getlist("actor")
    actors = matching_actors(text)[:10] if text.strip() else []
    suggestions = [
        (actor, _query([*params, *[("actor", s) for s in selected if s != actor.slug],
                        ("actor", actor.slug)]))
        for actor in actors
    ]
    ctx = {"suggestions": suggestions, "text": text}
    return render(request, "timeline/_actor_suggestions.html", ctx)


# -- JSON --------------------------------------------------------------------------------------


@require_GET
@cache_public_page
def api_events(request: HttpRequest) -> JsonResponse:
    if _too_long(request):
        return JsonResponse({"errors": {"query": ["De zoekopdracht is te lang."]}}, status=400)
    form = EventFilterForm(request.GET)
    form.is_valid()
    if form.errors:
        errors = {("from" if k == "from_" else k): v for k, v in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    selection, page, next_cursor = select_page(form)
    next_url = None
    if next_cursor is not None:
        next_url = request.build_absolute_uri(
            reverse("api_events") + _query([*_params(request), ("cursor", next_cursor.encode())])
        )
    return JsonResponse(
        {
            "count": selection.count,
            "events": [e.as_dict(request.build_absolute_uri) for e in page],
            "next": next_url,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def set_language_get(request: HttpRequest, code: str) -> HttpResponse:
    """The language switch: a plain link (no form, no JavaScript) that remembers the choice."""
    if code not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Onbekende taal."))
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", {}, status=404)

