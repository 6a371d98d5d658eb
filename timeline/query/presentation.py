"""What the timeline page shows of a filter and its selection: the chips of the filters that
are set, the facet options with their counts and the overview bars. Every link keeps the other
filters (`timeline.query.params`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from timeline import dates
from timeline.geo import outlines
from timeline.i18n import actor_name, date_label, place_name, reader_language, type_name
from timeline.models import Event
from timeline.query.forms import EventFilterForm, range_end
from timeline.query.index import Selection
from timeline.query.params import to_query, without


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
    tick: str = ""  # the axis label under this bar, on every few bars
    hit_x: float = 0
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0


def facets(form: EventFilterForm, selection: Selection) -> dict:
    """Options with counts, each facet counted with every *other* filter applied."""
    data = form.value
    actors = selection.index.actors
    chosen_actors = data.get("actor", [])
    selected_actors = {a.slug for a in chosen_actors}
    top = sorted(selection.actor_counts().items(), key=lambda kv: (-kv[1], actor_name(actors[kv[0]])))[:25]
    options = [
        Option(a.slug, actor_name(a), n, a.slug in selected_actors)
        for a, n in ((actors[pk], n) for pk, n in top)
    ]
    listed = {o.value for o in options}
    options += [Option(a.slug, actor_name(a), 0, True) for a in chosen_actors if a.slug not in listed]
    # "Everyone affiliated with": the states and organisations that have members in view.
    selected_blocs = {a.slug for a in data.get("affiliation", [])}
    bloc_counts = selection.bloc_counts()
    blocs = selection.index.blocs_with_members()
    bloc_options = [
        Option(a.slug, actor_name(a), bloc_counts.get(a.pk, 0), a.slug in selected_blocs)
        for a in sorted((actors[pk] for pk in blocs), key=actor_name)
    ]
    selected_types = {t.slug for t in data.get("type", [])}
    type_counts = selection.type_counts()
    types = [
        Option(t.slug, type_name(t), type_counts.get(t.pk, 0), t.slug in selected_types)
        for t in selection.index.types
    ]
    selected_status = set(data.get("status", []))
    status_counts = selection.status_counts()
    statuses = [
        Option(value, label, status_counts.get(value, 0), value in selected_status)
        for value, label in Event.Status.choices
    ]
    places = selection.index.places
    selected_places = {p.slug for p in data.get("place", [])}
    place_counts = selection.place_counts()
    place_options = [
        Option(places[pk].slug, place_name(places[pk]), n, places[pk].slug in selected_places)
        for pk, n in sorted(place_counts.items(), key=lambda kv: (-kv[1], place_name(places[kv[0]])))
    ]
    listed = {o.value for o in place_options}
    place_options += [
        Option(p.slug, place_name(p), 0, True) for p in data.get("place", []) if p.slug not in listed
    ]
    return {
        "actor_options": options,
        "bloc_options": bloc_options,
        "type_options": types,
        "status_options": statuses,
        "place_options": place_options,
    }


def chips(form: EventFilterForm, params) -> list[Chip]:
    """One chip per filter value that is set, each linking to the view without it."""
    data = form.value

    def chip(label: str, key: str, value: str | None = None) -> Chip:
        return Chip(label, to_query(without(params, key, value)))

    found = [chip(actor_name(a), "actor", a.slug) for a in data.get("actor", [])]
    found += [
        chip(_("alles van %(name)s") % {"name": actor_name(a)}, "affiliation", a.slug)
        for a in data.get("affiliation", [])
    ]
    found += [chip(type_name(t), "type", t.slug) for t in data.get("type", [])]
    status_labels = dict(Event.Status.choices)
    found += [chip(str(status_labels[s]), "status", s) for s in data.get("status", [])]
    found += [
        chip(_("in %(place)s") % {"place": place_name(p)}, "place", p.slug) for p in data.get("place", [])
    ]
    if form.date_from:
        label = date_label(form.date_from.start.isoformat())
        found.append(chip(_("vanaf %(date)s") % {"date": label}, "from"))
    if form.date_to:
        label = date_label(range_end(form.date_to).isoformat())
        found.append(chip(_("tot en met %(date)s") % {"date": label}, "to"))
    if data.get("q"):
        found.append(chip(f"‘{data['q']}’", "q"))
    if data.get("who"):
        found.append(chip(_("deelnemer ‘%(text)s’") % {"text": data["who"]}, "who"))
    # Any other filter: its label and what was typed.
    for field in form.more_filters():
        if data.get(field.name):
            found.append(chip(f"{field.label}: ‘{field.value()}’", field.name))
    return found


def _bucket(day: dt.date, unit: str) -> tuple[dt.date, dt.date]:
    if unit == "day":
        return day, day
    if unit == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    return start, next_month - dt.timedelta(days=1)


# The fewest bars the overview strip draws: days, the week around a result of fewer.
MIN_DAY_BARS = 7


def overview(selection: Selection, form: EventFilterForm, params) -> dict:
    """Bars with the number of events per day, week or month, as the span of the result asks,
    each counted as the list would count it after a click on the bar: every filter but the
    period, and the events that overlap the bar's period."""
    span = selection.span()
    if span is None:
        return {"bars": [], "unit": "day"}
    first, last = span
    days = (last - first).days
    unit = "day" if days <= 62 else "week" if days <= 731 else "month"
    if days + 1 < MIN_DAY_BARS:
        # A result of one day (or a few) on an axis of a week around it: a bar of a day's
        # width with its neighbours, not one block across the strip.
        before = (MIN_DAY_BARS - days - 1) // 2
        first -= dt.timedelta(days=before)
        last = first + dt.timedelta(days=MIN_DAY_BARS - 1)
    # Every bucket in the span gets a bar, so that gaps in time show as gaps.
    buckets = []
    cursor = _bucket(first, unit)
    while cursor[0] <= last:
        buckets.append(cursor)
        cursor = _bucket(cursor[1] + dt.timedelta(days=1), unit)
    counts = selection.overlapping(buckets)
    lo = form.date_from.start if form.date_from else None
    hi = range_end(form.date_to) if form.date_to else None
    # Each bar's link: the filters but the dates, encoded once, and the bar's own dates.
    base = to_query(without(without(params, "from"), "to"))
    base += "&" if len(base) > 1 else ""
    peak = max(max(counts), 1)
    width = 100 / len(buckets)  # the strip's full width, whatever the number of bars
    # At most about eight labels under the strip, on evenly spaced bars.
    every = max(1, -(-len(buckets) // 8))
    lang = reader_language()
    bars = []
    for i, ((start, end), n) in enumerate(zip(buckets, counts, strict=True)):
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
                tick=dates.axis_label(start, unit, lang) if i % every == 0 else "",
                hit_x=round(i * width, 3),
                x=round(i * width + width * 0.1, 3),
                y=round(30 - 28 * n / peak, 2),
                w=round(width * 0.8, 3),
                h=round(28 * n / peak, 2),
            )
        )
    return {"bars": bars, "unit": unit, "bar_width": round(width, 3)}


@dataclass
class Marker:
    """A place on the map: its events as one circle, sized by their number."""

    slug: str
    name: str
    count: int
    label: str
    url: str
    x: float = 0
    y: float = 0
    r: float = 0


# The map's drawing area (the SVG's viewBox), in the units its markers are sized in.
MAP_WIDTH, MAP_HEIGHT = 800, 560
# The least the map shows around its places, in map units (a tenth of a degree of longitude):
# about Europe's width for one place, so that a single city still has countries around it.
MIN_MAP_SPAN = 640


def map_view(selection: Selection, params) -> dict:
    """The selection's places as circles on a map zoomed to them, each counting the events
    there and linking to the list of them; the countries around them drawn from Natural Earth."""
    places = selection.index.places
    counts = selection.place_counts(every_filter=True)
    base = without(without(params, "view"), "place")
    markers = []
    for pk, n in sorted(counts.items(), key=lambda kv: (-kv[1], place_name(places[kv[0]]))):
        place = places[pk]
        x, y = outlines.project(place.latitude, place.longitude)
        label = ngettext("%(place)s: %(n)d gebeurtenis", "%(place)s: %(n)d gebeurtenissen", n) % {
            "place": place_name(place),
            "n": n,
        }
        markers.append(
            Marker(place.slug, place_name(place), n, label, to_query([*base, ("place", place.slug)]), x, y)
        )
    # The view: the places' bounding box with room around it, at the drawing's aspect ratio
    # (the whole world when there is no place in the selection).
    if markers:
        xs, ys = [m.x for m in markers], [m.y for m in markers]
        span = max(max(xs) - min(xs), (max(ys) - min(ys)) * MAP_WIDTH / MAP_HEIGHT) * 1.5
        width = max(span, MIN_MAP_SPAN)
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    else:
        width, cx, cy = 3600, 0, -150
    height = width * MAP_HEIGHT / MAP_WIDTH
    box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    scale = MAP_WIDTH / width
    peak = max(counts.values(), default=1)
    for m in markers:
        m.x = round((m.x - box[0]) * scale, 1)
        m.y = round((m.y - box[1]) * scale, 1)
        m.r = round(9 + 15 * (m.count / peak) ** 0.5, 1)
    without_place = selection.count - sum(counts.values())
    return {
        "markers": markers,
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
        "map_countries": outlines.in_view(box),
        # Map units to the drawing's: x' = (x - x0) * scale.
        "map_transform": f"matrix({scale:.5f} 0 0 {scale:.5f} {-box[0] * scale:.2f} {-box[1] * scale:.2f})",
        "without_place": without_place,
        "list_url": to_query(without(params, "view")),
    }


def frozen_params(form: EventFilterForm, params) -> list[tuple[str, str]]:
    """The filters with each date as the days it means today ("vorige week" becomes the ISO
    days), so that a shared link or an embed shows the same period next week."""
    dates_now = []
    if form.date_from:
        dates_now.append(("from", form.date_from.start.isoformat()))
    if form.date_to:
        dates_now.append(("to", range_end(form.date_to).isoformat()))
    return [*without(without(params, "from"), "to"), *dates_now]


def range_label(form: EventFilterForm) -> str:
    """The date range the filters set, as the page's heading says it."""
    if form.date_from and form.date_to:
        start, end = form.date_from.start, range_end(form.date_to)
        if start == end:
            return date_label(start.isoformat())
        return date_label(f"{start.isoformat()}/{end.isoformat()}")
    if form.date_from:
        return _("vanaf %(date)s") % {"date": date_label(form.date_from.start.isoformat())}
    if form.date_to:
        return _("tot en met %(date)s") % {"date": date_label(range_end(form.date_to).isoformat())}
    return ""
