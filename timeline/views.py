from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from timeline import chart, live
from timeline.cache import cache_public_page
from timeline.decorators import public_read
from timeline.i18n import actor_name, date_label, reader_language
from timeline.models import Actor, Correction, Event, FormerSlug, Timeline
from timeline.query import select
from timeline.query.forms import Criteria, EventFilterForm, matching_actors, timeline_criteria
from timeline.query.http import API, PAGE, filtered, limit_query_length, page_errors, public_data
from timeline.query.index import current
from timeline.query.params import filter_params, to_query, view_path, without
from timeline.query.presentation import (
    chips,
    facets,
    frozen_params,
    map_view,
    overview,
    range_label,
)


@dataclass
class TimelineRow:
    timeline: Timeline
    count: int
    span: tuple[dt.date, dt.date] | None  # the first and the last start day

    @property
    def span_label(self) -> str:
        """The days its events begin on, as the timeline says dates ("24–28 januari 2022")."""
        if self.span is None:
            return ""
        first, last = (day.isoformat() for day in self.span)
        return date_label(first if first == last else f"{first}/{last}")


@dataclass
class Group:
    label: str
    events: list[Event]


# -- the timeline ------------------------------------------------------------------------------


def _group_by_day(events: list[Event]) -> list[Group]:
    """One heading per start day, over every event that begins that day (the list is in start
    order). A day of events that are all less precise (24–27 januari) is headed by their date."""
    lang = reader_language()
    groups = []
    for start, items in groupby(events, key=lambda event: event.start):
        items = list(items)
        # None for an event of that one day, which the day itself heads.
        labels = {event.date_label(lang) if event.end != event.start else None for event in items}
        label = labels.pop() if len(labels) == 1 and None not in labels else date_label(start.isoformat())
        groups.append(Group(label, items))
    return groups


def _timeline_context(request: HttpRequest, form: EventFilterForm) -> dict:
    params = filter_params(request)
    view = form.chosen_view
    # The chart (timeline/chart.py) and the map (timeline/geo/) draw the whole selection; the
    # list, a page of it with a next page.
    charted, on_map = view == "chart", view == "map"
    timeline = form.value.get("timeline")
    # On /t/<slug>/ the timeline is the address; whatever this page links to elsewhere (the
    # exports, the feed, the embed) names it, since there no path says it.
    on_own_page = request.resolver_match.url_name == "timeline_page"
    shared = [*without(params, "timeline"), ("timeline", timeline.slug)] if on_own_page else params
    result = select(form.criteria, form.after, form.sort_order, form.PAGE_SIZE)
    next_cursor = None if charted or on_map else result.next_cursor
    next_url = (
        to_query([*params, ("cursor", next_cursor.encode())]) if next_cursor is not None else None
    )
    return {
        "form": form,
        "view": view,
        "views": view_links(form, params),
        "chart": chart.build(form, result.selection, params) if charted else None,
        "groups": [] if charted or on_map else _group_by_day(result.events()),
        "count": result.count,
        "next_url": next_url,
        "is_later_page": form.after is not None,
        "first_page_url": to_query(params),
        "chips": chips(form, params),
        "clear_url": request.path + (to_query([("view", view)]) if view != "list" else ""),
        "timeline": timeline,
        "on_own_page": on_own_page,
        "desc_url": to_query([*without(params, "order"), ("order", "desc")]),
        "asc_url": to_query(without(params, "order")),
        "range_label": range_label(form),
        "who_matches": form.who_matches,
        "share": _share_links(request, form, params, shared),
        "live": live.region(view_path(request), shared, result.state()),
        **facets(form, result.selection),
        **({} if charted else overview(result.selection, form, params)),
        **(map_view(result.selection, params) if on_map else {}),
    }


def view_links(form: EventFilterForm, params) -> list[tuple[str, str, bool]]:
    """The view switch: (label, URL, current) for each view, with the same filters (the list is
    the default, so its link has no `view`; a chart's lanes go with the chart)."""
    rest = without(without(without(params, "view"), "lanes"), "cursor")
    lanes = [("lanes", form.chosen_lanes)] if form.value.get("lanes") else []
    return [
        (
            str(label),
            to_query(rest if value == "list" else [*rest, ("view", value), *(lanes * (value == "chart"))]),
            value == form.chosen_view,
        )
        for value, label in form.fields["view"].choices
    ]


def _share_links(request: HttpRequest, form: EventFilterForm, params, shared) -> dict:
    """The current view as a link, an embed snippet and every export, all with its filters
    (`shared`: with the timeline of a /t/<slug>/ page); the embed, and a second link when they
    differ, with the dates frozen to what they mean now (an article's embed must not drift to
    another period next week)."""
    frozen = frozen_params(form, params)
    query = to_query(frozen) if frozen else ""
    shared_frozen = frozen_params(form, shared)
    export_query = to_query(shared_frozen) if shared_frozen else ""
    absolute = request.build_absolute_uri

    # The data exports carry the filters; how the page shows them (`view`, `lanes`) only the
    # embed, which can show the chart too.
    data = [(k, v) for k, v in shared_frozen if k not in EventFilterForm.DISPLAY_FIELDS]
    data_query = to_query(data) if data else ""

    def export(name: str) -> str:
        return absolute(reverse(name) + data_query)

    embed_url = absolute(reverse("embed") + export_query)
    return {
        "page": absolute(view_path(request)),
        "frozen_page": absolute(request.path + query) if sorted(frozen) != sorted(params) else "",
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
            ("GeoJSON", export("export_events_geojson")),
            ("Atom", export("events_feed")),
        ],
    }


@public_read
@cache_public_page  # issue 8: page cache, see timeline/cache.py
@vary_on_headers("HX-Request")
@filtered(PAGE)
def event_list(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    ctx = _timeline_context(request, form)
    template_name = "timeline/event_list.html"
    # A history restore (back button after the cache missed) needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == "more":
            return render(request, template_name + "#more", ctx)
        template_name += "#results-update" if request.htmx.target == "results" else "#page-update"
        # The address bar gets the view as it would be shared, not every empty field the form sent.
        return push_url(render(request, template_name, ctx), view_path(request))
    return render(request, template_name, ctx)


@public_read
@cache_public_page
def timeline_list(request: HttpRequest) -> HttpResponse:
    """Every public timeline: its title, description, number of events and the days they span."""
    index = current()
    rows = []
    for timeline in Timeline.objects.public():
        # Counted as its page counts them (the featured one with the events in no timeline).
        selection = index.select(Criteria(**timeline_criteria(timeline)))
        rows.append(TimelineRow(timeline, selection.count, selection.span()))
    ctx = {"rows": rows}
    return render(request, "timeline/timeline_list.html", ctx)


def _moved(public: QuerySet, slug: str, request: HttpRequest) -> HttpResponse:
    """A 301 from a slug the event or actor once had to its current address; else a 404.
    What is not public (a draft) stays unknown, under any name."""
    current = FormerSlug.now_called(public, slug)
    if current is None:
        raise Http404
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(current.get_absolute_url() + (f"?{query}" if query else ""))


@public_read
@cache_public_page
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = Event.objects.published().with_details().filter(slug=slug).first()
    if event is None:
        return _moved(Event.objects.published(), slug, request)
    ctx = {"event": event, "timelines": Timeline.objects.public().filter(events=event)}
    return render(request, "timeline/event_detail.html", ctx)


@public_read
@cache_public_page
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = (
        Actor.objects.public()
        .select_related("affiliation")
        .prefetch_related("aliases", Prefetch("members", queryset=Actor.objects.public()))
        .filter(slug=slug)
        .first()
    )
    if actor is None:
        return _moved(Actor.objects.public(), slug, request)
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


class Suggestion(NamedTuple):
    """One option of the actor box: what it says, where it leads, how many events it shows."""

    label: str
    function: str
    url: str
    count: int


@public_read
@cache_public_page
@limit_query_length(page_errors)
def actor_suggest(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the actor filter: names and aliases, Dutch and English spellings, each
    with how many events it would show among the page's other filters (its facet count), and
    for a state or organisation with members in view the way to all of theirs too: a name that
    leads to nothing says so before it is chosen."""
    text = request.GET.get("who", "")[: EventFilterForm.base_fields["who"].max_length].replace("\x00", "")
    actors = matching_actors(text)[:10] if text.strip() else []
    suggestions = []
    if actors:
        # The links keep the page's other filters; its address carries its timeline.
        params = [(k, v) for k, v in filter_params(request) if k not in ("who", "timeline")]
        base = [(k, v) for k, v in params if k not in ("actor", "affiliation")]
        chosen = [(k, v) for k, v in params if k in ("actor", "affiliation")]

        def link(key: str, slug: str) -> str:
            return to_query([*base, *[kv for kv in chosen if kv != (key, slug)], (key, slug)])

        query = request.GET.copy()
        query.pop("who", None)
        selection = current().select(EventFilterForm(query).criteria)
        own, all_of = selection.actor_counts(), selection.bloc_counts()
        blocs = set(selection.index.blocs_with_members())
        for actor in actors:
            name = actor_name(actor)
            own_count = own.get(actor.pk, 0)
            suggestions.append(Suggestion(name, actor.function, link("actor", actor.slug), own_count))
            if actor.pk in blocs:
                everyone = _("Alles van %(name)s") % {"name": name}
                suggestions.append(
                    Suggestion(everyone, "", link("affiliation", actor.slug), all_of.get(actor.pk, 0))
                )
    ctx = {"suggestions": suggestions, "text": text}
    return render(request, "timeline/_actor_suggestions.html", ctx)


# -- corrections -------------------------------------------------------------------------------


CORRECTIONS_PER_PAGE = 50


@public_read
@cache_public_page
def correction_list(request: HttpRequest) -> HttpResponse:
    """Every public correction, newest first: what readers were told was wrong, and when."""
    corrections = (
        Correction.objects.filter(event__published=True)
        .select_related("event")
        .order_by("-made", "-pk")
    )
    page_number = request.GET.get("page", "1")
    if not page_number.isdigit():
        return HttpResponseBadRequest(_("Ongeldig paginanummer."))
    page = Paginator(corrections, CORRECTIONS_PER_PAGE).get_page(page_number)
    ctx = {"page": page}
    return render(request, "timeline/correction_list.html", ctx)


# -- JSON --------------------------------------------------------------------------------------


@public_data(API)
def api_events(request: HttpRequest, form: EventFilterForm) -> JsonResponse:
    result = select(form.criteria, form.after, form.sort_order, form.PAGE_SIZE)
    next_url = None
    if result.next_cursor is not None:
        next_url = request.build_absolute_uri(
            reverse("api_events")
            + to_query([*filter_params(request), ("cursor", result.next_cursor.encode())])
        )
    return JsonResponse(
        {
            "count": result.count,
            "events": [e.as_dict(request.build_absolute_uri) for e in result.events()],
            "next": next_url,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@public_read
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

