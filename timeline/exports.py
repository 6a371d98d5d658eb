"""Take the timeline anywhere: the same filtered events as TimelineJS JSON, a spreadsheet, a
calendar, an Atom feed and a page other sites may frame; and the actors as JSON.

Every export reads the query string through `EventFilterForm` and gets its events from
`timeline.query.select`, like the page and `/api/events.json`, so a shared URL means the same
events everywhere. Unlike the page, which drops a filter a journalist mistyped and says so, an
export answers a bad filter with a plain 400 (`timeline.query.http.EXPORT`).

Exports hold all matching events, not a page of them, up to `MAX_EXPORT`; beyond that they say
so (in the TimelineJS title slide, the calendar's description and the `X-Total-Count` and
`X-Export-Count` headers). The admin's export has no limit.

An export costs seconds where a page costs milliseconds, so its cost is bounded three ways: it
is cached like the pages (`cache_public_page`: a second reader of the same URL costs nothing
until the next edit); the CSV and the calendar are streamed, a chunk at a time; and at most
`EXPORT_SLOTS` exports are computed at once by all server processes together (a lock file per
slot), the rest answering 503 with Retry-After at once: a sync worker busy with an export serves
nobody else, and the timeline and the API must keep workers of their own.

The dates keep their honest precision:

- TimelineJS gets the date parts the EDTF has (a month-precise event has no `day`, an
  open-ended one no `end_date`) and, for anything but an exact day, the human label as
  `display_date` ("24–27 januari 2022", "ca. vrijdag 28 januari 2022", "na 28 januari 2022").
- A calendar has only whole days: an event is an all-day VEVENT from its first to its last
  possible day (DTEND is exclusive, so the day after); a month-precise event spans the month.
  An open-ended one ("de komende weken") is a single day at its start, and its DESCRIPTION
  begins with the label ("na 28 januari 2022"), rather than inventing an end. A part of day
  stays a label in the SUMMARY, never a made-up time.
- The CSV is exactly what the admin's import reads (`EventResource`), so export, edit in a
  spreadsheet and import again works. It starts with a UTF-8 byte-order mark: Excel needs it to
  read "Oekraïne" correctly, and the admin's import (utf-8-sig) and Python's csv with
  encoding="utf-8-sig" skip it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import itertools
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from icalendar import Calendar, vText
from icalendar import Event as CalendarEvent

from timeline import chart, dates
from timeline.cache import cache_public_page
from timeline.decorators import public_read
from timeline.i18n import reader_language, type_name
from timeline.models import Actor, Alias, Event
from timeline.pictures import PAGE_SIZES
from timeline.query import Result, select
from timeline.query.forms import MAX_Q_LENGTH, EventFilterForm, matching_actors
from timeline.query.http import EMBED, EXPORT, cors, filtered, json_errors, limit_query_length, public_data
from timeline.query.params import filter_params, timeline_view, to_query
from timeline.resources import EventResource
from timeline.templatetags.timeline_tags import citation_html, picture_html

# TimelineJS itself slows badly beyond a few hundred slides; this bounds the work per request.
MAX_EXPORT = 5_000
# A feed tells subscribers what is new; readers keep what they have seen.
FEED_SIZE = 50
ICS_STATUS = {
    Event.Status.OCCURRED: "CONFIRMED",
    Event.Status.SCHEDULED: "TENTATIVE",
    Event.Status.EXPECTED: "TENTATIVE",
    Event.Status.CANCELLED: "CANCELLED",
}


# -- the cost of one export ----------------------------------------------------------------------


def take_export_slot():
    """An open lock file holding one of the `EXPORT_SLOTS`, or None when all are taken. Closing
    it (or the process ending, however) frees the slot."""
    directory = settings.RUNTIME_DIR / "export-slots"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for n in range(settings.EXPORT_SLOTS):
        handle = open(directory / f"slot-{n}", "a")  # noqa: SIM115 -- held past this function
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


class _ReleasingSlot:
    """A streamed body that frees its slot when sent, or when the response is closed unsent."""

    def __init__(self, chunks, slot):
        self.chunks, self.slot = chunks, slot

    def __iter__(self):
        try:
            yield from self.chunks
        finally:
            self.close()

    def close(self) -> None:
        self.slot.close()


def _bounded(view):
    """Compute the export in one of the slots, or answer 503 when they are all busy."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        slot = take_export_slot()
        if slot is None:
            response = HttpResponse(
                _("Er worden nu te veel exports tegelijk gemaakt; probeer het zo opnieuw.") + "\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = "5"
            return response
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            slot.close()
            raise
        if response.streaming:
            response.streaming_content = _ReleasingSlot(response.streaming_content, slot)
        else:
            slot.close()
        return response

    return wrapped


def export(view):
    """A file of the filtered events, computed in one of the export slots."""
    return public_data(EXPORT)(_bounded(view))


# -- the filters, once for every export ---------------------------------------------------------


def _all_matching(form: EventFilterForm) -> Result:
    """Every matching published event (up to MAX_EXPORT), in the API's order, and how many."""
    return select(form.criteria, None, form.sort_order, MAX_EXPORT)


def _counted(response: HttpResponse, result: Result) -> HttpResponse:
    response["X-Total-Count"] = str(result.count)
    response["X-Export-Count"] = str(len(result.pks))
    return response


def _site_url(request: HttpRequest, params) -> str:
    """The full timeline with the same filters, absolute."""
    return request.build_absolute_uri(timeline_view(params))


def _truncation_note(exported: int, total: int) -> str:
    if exported >= total:
        return ""
    return _(
        "Alleen de eerste %(exported)d van %(total)d gebeurtenissen; "
        "verfijn de filters voor de rest."
    ) % {"exported": exported, "total": total}


def _event_html(event: Event, permalink: str, picture: str = "") -> str:
    """The body of a TimelineJS slide or a feed entry: summary, who, the citations; for a feed
    entry its `picture` first (a slide shows it as its media)."""
    parts = [picture] if picture else []
    if event.summary:
        parts.append(format_html("<p>{}</p>", event.summary))
    # TimelineJS has no field for a place: it shows it in the slide's text, as a feed reader does.
    if where := event.place_label(reader_language()):
        parts.append(format_html("<p>{}: {}</p>", _("Plaats"), where))
    participations = event.participation_list
    if participations:
        who = format_html_join(
            ", ", "{} ({})", ((p.actor.name, p.get_role_display()) for p in participations)
        )
        parts.append(format_html("<p>{}: {}</p>", _("Deelnemers"), who))
    # Read inside TimelineJS or a feed reader: a source opens beside it.
    parts += [citation_html(citation, new_tab=True) for citation in event.citation_list]
    parts += [
        format_html(
            "<p><strong>{}</strong> ({}): {}</p>",
            _("Gecorrigeerd"),
            date_format(timezone.localtime(correction.made), "j F Y, H:i"),
            correction.note,
        )
        for correction in event.correction_list
    ]
    parts.append(
        format_html(
            '<p><a href="{}" target="_blank" rel="noopener">{}</a></p>',
            permalink,
            _("Deze gebeurtenis op Crisis Timeline"),
        )
    )
    return "".join(parts)


# -- TimelineJS ---------------------------------------------------------------------------------


def _timelinejs_date(parts: tuple) -> dict | None:
    """{"year", "month", "day"} with only the parts the EDTF has; None when there is no year."""
    year, month, day = parts
    if year == "":
        return None
    date = {"year": year}
    if month != "":
        date["month"] = month
        if day != "":
            date["day"] = day
    return date


def timelinejs_event(event: Event, request: HttpRequest) -> dict:
    # The spreadsheet's Year/Month/Day columns are TimelineJS's own; one reading of the EDTF
    # serves both, so the CSV and the JSON never disagree on a date.
    start, end = dates.date_parts(event.edtf, event.start, event.end)
    permalink = request.build_absolute_uri(event.get_absolute_url())
    slide = {
        "start_date": _timelinejs_date(start),
        "text": {"headline": format_html("{}", event.title), "text": _event_html(event, permalink)},
        "group": type_name(event.type),
        "unique_id": event.slug,
    }
    picture = event.shown_picture
    if picture is not None:
        # TimelineJS writes credit and caption as HTML: escaped, like the headline.
        slide["media"] = {
            "url": request.build_absolute_uri(picture.url),
            "credit": format_html("{}", picture.credit),
            "caption": format_html("{}", picture.caption),
            "alt": picture.alt,
        }
    end_date = _timelinejs_date(end)
    if end_date is not None:
        slide["end_date"] = end_date
    if not dates.is_exact_day(event.edtf) or event.part_of_day:
        slide["display_date"] = event.date_label(reader_language())
    return slide


@export
def timelinejs(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    result = _all_matching(form)
    events, total = list(result.queryset().with_details()), result.count
    params = filter_params(request)
    intro = [
        format_html(
            "<p>{}</p>",
            ngettext(
                "%(n)d gebeurtenis, elk met bron.", "%(n)d gebeurtenissen, elk met bron.", total
            )
            % {"n": total},
        )
    ]
    if note := _truncation_note(len(events), total):
        intro.append(format_html("<p>{}</p>", note))
    intro.append(
        format_html(
            '<p><a href="{}" target="_blank" rel="noopener">{}</a></p>',
            _site_url(request, params),
            _("Bekijk en filter op Crisis Timeline"),
        )
    )
    data = {
        "title": {"text": {"headline": "Crisis Timeline", "text": "".join(intro)}},
        "events": [timelinejs_event(e, request) for e in events],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return _counted(response, result)


# -- spreadsheet --------------------------------------------------------------------------------


@export
def events_csv(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    result = _all_matching(form)
    chunks = itertools.chain(["\ufeff"], EventResource().csv_chunks(result.queryset()))
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crisis-timeline-events.csv"'
    return _counted(response, result)


# -- calendar -----------------------------------------------------------------------------------


def _calendar_event(event: Event, request: HttpRequest) -> CalendarEvent:
    permalink = request.build_absolute_uri(event.get_absolute_url())
    label = event.date_label(reader_language())
    summary = event.title
    if event.part_of_day:
        summary += f" ({event.get_part_of_day_display()})"
    lines = [label]
    if event.summary:
        lines += ["", event.summary]
    for citation in event.citation_list:
        source = citation.source
        credit = f"— {source.outlet}, {source.title}"
        lines += ["", f"“{citation.quote}”", f"{credit}: {source.url}" if source.url else credit]
    lines += ["", permalink]

    vevent = CalendarEvent()
    # Stable across exports and edits, so a subscribed calendar updates the event in place.
    vevent.add("uid", f"{event.slug}@crisis-timeline")
    vevent.add("dtstamp", event.updated)
    vevent.add("created", event.created)
    vevent.add("last-modified", event.updated)
    vevent.add("sequence", max(event.version - 1, 0))
    vevent.add("dtstart", event.start)
    vevent.add("dtend", (event.end or event.start) + dt.timedelta(days=1))
    vevent.add("summary", summary)
    vevent.add("description", "\n".join(lines))
    vevent.add("url", permalink)
    vevent.add("status", ICS_STATUS[event.status])
    vevent.add("categories", [type_name(event.type)])
    # Something that happened, not an appointment: it does not make anyone look busy.
    vevent.add("transp", "TRANSPARENT")
    if where := event.place_label(reader_language()):
        vevent.add("location", where)
    if event.place_id:
        vevent.add("geo", (event.place.latitude, event.place.longitude))
    return vevent


def _calendar_chunks(calendar: Calendar, events, request: HttpRequest):
    """The calendar's own lines, then its events one by one, then its end."""
    head, end = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
    yield head
    for event in events.iterator(chunk_size=500):
        yield _calendar_event(event, request).to_ical()
    yield b"END:VCALENDAR" + end


@export
def events_ics(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    result = _all_matching(form)
    calendar = Calendar()
    calendar.add("prodid", "-//Crisis Timeline//Events//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Crisis Timeline")
    description = _site_url(request, filter_params(request))
    if note := _truncation_note(len(result.pks), result.count):
        description = f"{note}\n{description}"
    # TEXT, escaped: icalendar takes an X- property it does not know as raw, and a raw newline
    # (the truncation note's) is no valid iCalendar at all.
    calendar.add("x-wr-caldesc", vText(description))
    chunks = _calendar_chunks(calendar, result.queryset().with_details(), request)
    response = StreamingHttpResponse(chunks, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crisis-timeline.ics"'
    return _counted(response, result)


# -- GeoJSON ------------------------------------------------------------------------------------


def geojson_feature(event: Event, request: HttpRequest) -> dict:
    """An event at its place as an RFC 7946 Point feature: [longitude, latitude], in that order;
    its properties are the event as the API gives it."""
    return {
        "type": "Feature",
        "id": event.slug,
        "geometry": {"type": "Point", "coordinates": [event.place.longitude, event.place.latitude]},
        "properties": event.as_dict(request.build_absolute_uri),
    }


@export
def events_geojson(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    """The selection's events that have a place, as a GeoJSON FeatureCollection."""
    result = _all_matching(form)
    events = result.queryset().filter(place__isnull=False).with_details()
    data = {"type": "FeatureCollection", "features": [geojson_feature(e, request) for e in events]}
    response = JsonResponse(
        data, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )
    return _counted(response, result)


# -- feed ---------------------------------------------------------------------------------------


@dataclass
class _FeedQuery:
    form: EventFilterForm
    request: HttpRequest


class EventFeed(Feed):
    """The newest additions first (by when they were entered), for one set of filters."""

    feed_type = Atom1Feed

    def __init__(self, form: EventFilterForm):
        super().__init__()
        self.form = form

    def get_object(self, request: HttpRequest, *args, **kwargs) -> _FeedQuery:
        return _FeedQuery(self.form, request)

    def title(self, query: _FeedQuery) -> str:
        return "Crisis Timeline"

    def subtitle(self, query: _FeedQuery) -> str:
        return _("Nieuwe gebeurtenissen op de tijdlijn, elk met bron.")

    def link(self, query: _FeedQuery) -> str:
        return timeline_view(filter_params(query.request))

    def feed_url(self, query: _FeedQuery) -> str:
        return query.request.get_full_path()

    def items(self, query: _FeedQuery):
        return select(query.form.criteria, None, "added", FEED_SIZE).queryset().with_details()

    def item_title(self, event: Event) -> str:
        return f"{event.title} ({event.date_label(reader_language())})"

    def item_description(self, event: Event) -> str:
        absolute = self._request.build_absolute_uri
        picture = event.shown_picture
        shown = picture_html(picture, PAGE_SIZES, absolute=absolute) if picture else ""
        return _event_html(event, absolute(event.get_absolute_url()), shown)

    def item_link(self, event: Event) -> str:
        return event.get_absolute_url()

    def item_pubdate(self, event: Event) -> dt.datetime:
        return event.created

    def item_updateddate(self, event: Event) -> dt.datetime:
        # Subscribers hear of a correction, not of every edit (a typo fixed is no news).
        return event.publicly_updated

    def item_categories(self, event: Event) -> list[str]:
        return [type_name(event.type)]

    def get_feed(self, obj: _FeedQuery, request: HttpRequest):
        self._request = request
        return super().get_feed(obj, request)


@public_data(EXPORT)  # a few dozen entries: no export slot needed
def events_feed(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    return EventFeed(form)(request)


# -- embed --------------------------------------------------------------------------------------


def _framable_anywhere(view):
    """Let any site put this view in an <iframe>: no X-Frame-Options, and the site's own
    Content-Security-Policy with only `frame-ancestors` opened up. Every other view keeps
    DENY and `frame-ancestors 'none'`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Read at request time, so the policy is always the site's current one plus this.
        policy = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
        return csp_override(policy)(view)(request, *args, **kwargs)

    return xframe_options_exempt(wrapped)


@_framable_anywhere
@public_read
@cache_public_page
@filtered(EMBED)
def embed(request: HttpRequest, form: EventFilterForm) -> HttpResponse:
    """A compact timeline for other sites to frame; links open the full site in a new tab."""
    params = filter_params(request)
    result = select(form.criteria, form.after, form.sort_order, form.PAGE_SIZE)
    next_cursor = result.next_cursor
    charted = form.chosen_view == "chart"
    ctx = {
        "form": form,
        "view": form.chosen_view,
        # The chart (`view=chart`) in place of the list; its marks open the full site.
        "chart": chart.build(form, result.selection, params, new_tab=True) if charted else None,
        "events": [] if charted else result.events(),
        "count": result.count,
        "full_url": _site_url(request, params),
        "next_url": (
            to_query([*params, ("cursor", next_cursor.encode())]) if next_cursor and not charted else None
        ),
        # A mistyped filter is dropped and named, like on the full page.
        "filter_errors": [
            message
            for field, messages in form.errors.items()
            if field not in form.MACHINE_FIELDS
            for message in messages
        ],
    }
    return render(request, "timeline/embed.html", ctx)


# -- actors as JSON -----------------------------------------------------------------------------


@cors
@public_read
@limit_query_length(json_errors)
def api_actors(request: HttpRequest) -> JsonResponse:
    """Every actor with the number of published events it takes part in; `q` searches names
    and aliases the way the actor filter does ("Poetin" finds Putin)."""
    try:
        text = forms.CharField(required=False, max_length=MAX_Q_LENGTH).clean(
            request.GET.get("q", "")
        )
    except forms.ValidationError as exc:
        return json_errors(request, {"q": exc.messages})
    actors = (
        Actor.objects.public()
        .select_related("affiliation")
        .prefetch_related(Prefetch("aliases", queryset=Alias.objects.order_by("name")))
        .annotate(
            event_count=Count(
                "participations__event",
                filter=Q(participations__event__published=True),
                distinct=True,
            )
        )
        .order_by("name", "slug")
    )
    if text.strip():
        ranked = [a.pk for a in matching_actors(text)]
        found = actors.in_bulk(ranked)
        actors = [found[pk] for pk in ranked if pk in found]
    else:
        actors = list(actors)
    return JsonResponse(
        {"count": len(actors), "actors": [a.as_dict(request.build_absolute_uri) for a in actors]},
        json_dumps_params={"ensure_ascii": False},
    )
