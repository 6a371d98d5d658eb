"""The chart view (`view=chart`): the selection on a time axis, each event drawn as what its date
is, in lanes by type or participant, zoomed and panned through the URL's `from`/`to`.

Why this shape. The timeline's selection is answered from the in-memory index
(`timeline.query.index`): its `start`/`end` columns give every matching event's days without the
database, so the window, the lanes and, with many events, the density per lane are NumPy over
those columns, at 100,000 events as at 1,000. Only the events actually drawn (at most
`MAX_MARKS` marks) are read from the database, for their title and EDTF; what a date *is* (a
day, a range, a band, an open end, uncertain) comes from `timeline.dates.date_shape`.

Everything here is a pure layout in the SVG's own units (`WIDTH` wide); the template tag
`chart_svg` draws it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from timeline import dates
from timeline.i18n import actor_name, date_label, reader_language, type_name
from timeline.models import Event, Timeline, detail_url
from timeline.query.forms import EventFilterForm, range_end
from timeline.query.index import EPOCH, OPEN_END, Selection
from timeline.query.params import to_query, without

# More marks than this in view and each lane shows how many events per period instead.
MAX_MARKS = 500
# The busiest lanes get a lane each; the others share one ("overige").
MAX_LANES = 12
MAX_BINS = 48
# Stacked rows of marks in one lane, at most; more overlap on the last.
MAX_ROWS = 40

# The SVG's coordinates: the plot from X0 to X1, an axis on top, lanes below it.
WIDTH = 720
X0, X1 = 10, 710
AXIS_HEIGHT = 30
LANE_HEAD = 20
ROW_HEIGHT = 16
DENSITY_HEIGHT = 22
LANE_GAP = 10
POINT_RADIUS = 5

UNITS = ("hour", "day", "week", "month", "year")


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Scale:
    """Days `first` to `last` (both whole) across the plot, ticks in the unit the span asks."""

    first: dt.date
    last: dt.date
    unit: str
    ticks: list[Tick]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def x(self, day: float) -> float:
        """The x of a moment, in days since EPOCH (12:00 on day d is d + 0.5)."""
        offset = day - _day(self.first)
        return round(X0 + (X1 - X0) * min(max(offset / self.days, 0), 1), 2)


@dataclass
class Mark:
    kind: str  # day, range, band, open (dates.Shape.kind)
    uncertain: bool
    x: float  # a point's centre, else the left edge
    w: float  # 0 for a point
    url: str
    label: str  # the accessible name: the title and the date label
    row: int = 0
    y: float = 0  # the middle of its row


@dataclass
class Bin:
    x: float
    w: float
    count: int
    level: int  # 1..5, how dark, relative to the busiest bin in the chart
    url: str
    label: str
    y: float = 0


@dataclass
class Lane:
    label: str
    count: int
    marks: list[Mark] = field(default_factory=list)
    bins: list[Bin] = field(default_factory=list)
    y: float = 0
    height: float = 0


@dataclass
class Chart:
    scale: Scale
    lanes: list[Lane]
    density: bool
    count: int
    height: float
    zoom: dict[str, str]  # "in", "out", "earlier", "later" -> the URL's query string
    lane_options: list[tuple[str, str, str, bool]]  # (value, label, url, selected)
    new_tab: bool = False

    @property
    def period(self) -> str:
        """The window as a date label ("23–30 januari 2022")."""
        first, last = self.scale.first, self.scale.last
        return date_label(first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}")


# -- the window and its scale -------------------------------------------------------------------


def window(since: dt.date | None, until: dt.date | None, starts: np.ndarray, ends: np.ndarray):
    """The days the chart spans: the filter's `from`/`to` where set, else the selection's first
    start and last known day with a margin; None for no events and no dates. `starts` and
    `ends` are day numbers (an open end: `OPEN_END`)."""
    if since and until:
        return since, until
    if not len(starts) and not (since or until):
        return None
    closed = ends[ends != OPEN_END]
    lo = _date(starts.min()) if len(starts) else since or until
    hi = _date(max(closed.max() if len(closed) else starts.max(), starts.max())) if len(starts) else lo
    margin = dt.timedelta(days=max(1, ((hi - lo).days + 1) // 10))
    first = since or lo - margin
    last = until or max(hi + margin, first)
    return first, max(last, first)


def unit_for(days: int) -> str:
    """The axis unit for a span of this many days."""
    if days <= 2:
        return "hour"
    if days <= 45:
        return "day"
    if days <= 200:
        return "week"
    if days <= 1500:
        return "month"
    return "year"


def scale(first: dt.date, last: dt.date, lang: str) -> Scale:
    """The scale of the window, at most about ten labelled ticks, none running off the end."""
    days = (last - first).days + 1
    unit = unit_for(days)
    s = Scale(first, last, unit, [])
    moments: list[tuple[float, str]] = []
    if unit == "hour":
        step = 3 if days == 1 else 6
        for d in range(days):
            day = first + dt.timedelta(days=d)
            for hour in range(0, 24, step):
                text = dates.axis_label(day, "day", lang) if hour == 0 else f"{hour:02d}:00"
                moments.append((_day(day) + hour / 24, text))
    elif unit == "day":
        step = max(1, math.ceil(days / 10))
        for d in range(0, days, step):
            day = first + dt.timedelta(days=d)
            moments.append((_day(day), dates.axis_label(day, "day", lang)))
    elif unit == "week":
        monday = first + dt.timedelta(days=-first.weekday() % 7)
        step = max(1, math.ceil(days / 7 / 10))
        while monday <= last:
            moments.append((_day(monday), dates.axis_label(monday, "week", lang)))
            monday += dt.timedelta(weeks=step)
    else:
        months = 1 if unit == "month" else 12
        count = round(days / (30.44 * months))
        wanted = max(1, math.ceil(count / 10))
        step = months * (
            next(k for k in (1, 2, 3, 6, 12) if k >= wanted) if unit == "month" else _nice(wanted)
        )
        year, month = first.year, first.month
        if dt.date(year, month, 1) < first:
            year, month = _add_months(year, month, 1)
        if unit == "year" and month != 1:
            year, month = year + 1, 1
        if unit == "year":
            year = -(-year // (step // 12)) * (step // 12)
        while (day := dt.date(year, month, 1)) <= last:
            moments.append((_day(day), dates.axis_label(day, unit, lang)))
            year, month = _add_months(year, month, step)
    # A label needs room to its right; the last one that would run off the plot is left out.
    s.ticks = [Tick(s.x(m), text) for m, text in moments if s.x(m) <= X1 - 7 * len(text)]
    return s


def _nice(n: int) -> int:
    """The next of 1, 2, 5, 10, 20, 50, ... from n."""
    magnitude = 10 ** (len(str(n)) - 1)
    return next(k * magnitude for k in (1, 2, 5, 10) if k * magnitude >= n)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def zoomed(first: dt.date, last: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The windows one click away: half as long around the middle ("in", down to one day),
    twice as long ("out"), half a window earlier and later."""
    days = (last - first).days + 1
    shift = dt.timedelta(days=max(1, days // 2))
    out_days = min(days * 2, 366 * 200)
    out_first = first - dt.timedelta(days=(out_days - days) // 2)
    windows = {
        "earlier": (first - shift, last - shift),
        "out": (out_first, out_first + dt.timedelta(days=out_days - 1)),
        "later": (first + shift, last + shift),
    }
    if days > 1:
        in_days = max(1, days // 2)
        in_first = first + dt.timedelta(days=(days - in_days) // 2)
        windows["in"] = (in_first, in_first + dt.timedelta(days=in_days - 1))
    return windows


# -- lanes -------------------------------------------------------------------------------------


# The (row, lane) pairs, the lanes' labels, and the lanes that come first whatever their count
# (what the filters chose).
LaneRows = tuple[np.ndarray, np.ndarray, list[str], list[int]]


def _type_lanes(selection: Selection, rows: np.ndarray, form: EventFilterForm) -> LaneRows:
    ix = selection.index
    labels = [type_name(ix.types_by_pk[int(pk)]) for pk in ix.type_pks]
    chosen = np.searchsorted(ix.type_pks, [t.pk for t in form.value.get("type", [])]).tolist()
    return rows, ix.type[rows], labels, chosen


def _actor_lanes(selection: Selection, rows: np.ndarray, form: EventFilterForm) -> LaneRows:
    ix = selection.index
    pos, actor = selection.actor_pairs()
    labels = [actor_name(ix.actors[int(pk)]) for pk in ix.actor_pks]
    # Events without a participant get a lane of their own, after the actors.
    alone = np.setdiff1d(rows, pos)
    labels.append(_("zonder deelnemer"))
    chosen = np.searchsorted(ix.actor_pks, [a.pk for a in form.value.get("actor", [])]).tolist()
    return (
        np.concatenate([pos, alone]),
        np.concatenate([actor, np.full(len(alone), len(labels) - 1, dtype=np.int64)]),
        labels,
        chosen,
    )


def _timeline_lanes(selection: Selection, rows: np.ndarray, form: EventFilterForm) -> LaneRows:
    # The index holds memberships by timeline key; the titles are the public timelines' (a
    # hidden one is no lane: its events count as in none).
    pks, labels = [], []
    for pk, title in Timeline.objects.public().order_by("pk").values_list("pk", "title"):
        pks.append(pk)
        labels.append(title)
    pks = np.array(pks, dtype=np.int64)
    pos, timeline = selection.timeline_pairs()
    shown = np.isin(timeline, pks)
    pos, lane = pos[shown], np.searchsorted(pks, timeline[shown])
    # Events in no (public) timeline get a lane of their own, after the timelines.
    alone = np.setdiff1d(rows, pos)
    labels.append(_("zonder tijdlijn"))
    current = form.value.get("timeline")  # the page's own timeline comes first
    chosen = np.searchsorted(pks, [current.pk]).tolist() if current is not None and current.pk in pks else []
    return (
        np.concatenate([pos, alone]),
        np.concatenate([lane, np.full(len(alone), len(labels) - 1, dtype=np.int64)]),
        labels,
        chosen,
    )


def _no_lanes(selection: Selection, rows: np.ndarray, form: EventFilterForm) -> LaneRows:
    return rows, np.zeros(len(rows), dtype=np.int64), [_("alle gebeurtenissen")], []


# `lanes=` value -> the (row, lane) pairs of the selection; one entry per way of laning
# (`EventFilterForm.lanes` lists the same values for the query string).
LANES: dict[str, Callable[[Selection, np.ndarray, EventFilterForm], LaneRows]] = {
    "type": _type_lanes,
    "actor": _actor_lanes,
    "timeline": _timeline_lanes,
    "none": _no_lanes,
}


def lanes_by_count(
    codes: np.ndarray, labels: list[str], pinned: list[int] = ()
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Lanes ordered pinned first, then busiest first (then by name), the first `MAX_LANES`
    each their own and the rest together as "overige": each pair's new lane number, and each
    lane's label and count of pairs."""
    counts = np.bincount(codes, minlength=len(labels)) if len(codes) else np.zeros(len(labels), int)
    first = {c: i for i, c in enumerate(pinned)}
    present = sorted(
        np.flatnonzero(counts).tolist(),
        key=lambda c: (first.get(c, len(first)), -counts[c], labels[c].lower()),
    )
    kept, rest = present[:MAX_LANES], present[MAX_LANES:]
    number = np.full(len(labels), len(kept), dtype=np.int64)
    number[kept] = np.arange(len(kept))
    lanes = [(labels[c], int(counts[c])) for c in kept]
    if rest:
        lanes.append((_("overige"), int(counts[rest].sum())))
    return number[codes] if len(codes) else codes, lanes


# -- the chart ---------------------------------------------------------------------------------


def build(
    form: EventFilterForm, selection: Selection, params: list[tuple[str, str]], *, new_tab: bool = False
) -> Chart | None:
    """The chart of the selection in the form's window and lanes (None: nothing to chart);
    `new_tab`: its marks open the event in a new tab (the embed)."""
    ix = selection.index
    rows = selection.rows()
    since = form.date_from.start if form.date_from else None
    until = range_end(form.date_to) if form.date_to else None
    span = window(since, until, ix.start[rows], ix.end[rows])
    if span is None:
        return None
    lang = reader_language()
    s = scale(*span, lang)
    base = without(without(params, "from"), "to")

    # The other filters encoded once: density draws hundreds of these links.
    prefix = to_query(base) + ("&" if base else "")

    def period_url(first: dt.date, last: dt.date) -> str:
        return f"{prefix}from={first.isoformat()}&to={last.isoformat()}"

    pair_rows, codes, labels, pinned = LANES[form.chosen_lanes](selection, rows, form)
    numbers, lane_list = lanes_by_count(codes, labels, pinned)
    lanes = [Lane(label, count) for label, count in lane_list]
    density = len(pair_rows) > MAX_MARKS
    if density:
        _bins(lanes, numbers, ix.start[pair_rows], ix.end[pair_rows], s, period_url)
    else:
        _marks(lanes, numbers, ix.pks[pair_rows], s)
    height = _stack(lanes, density)
    lane_params = without(params, "lanes")
    return Chart(
        scale=s,
        lanes=lanes,
        density=density,
        count=selection.count,
        height=height,
        zoom={name: period_url(*w) for name, w in zoomed(*span).items()},
        lane_options=[
            (value, str(label), to_query([*lane_params, ("lanes", value)]), value == form.chosen_lanes)
            for value, label in form.fields["lanes"].choices
        ],
        new_tab=new_tab,
    )


def _marks(lanes: list[Lane], numbers: np.ndarray, pks: np.ndarray, s: Scale) -> None:
    """Each (event, lane) pair as a mark of its date's shape; the events read in one query."""
    rows = {
        pk: (slug, title, edtf, part)
        for pk, slug, title, edtf, part in Event.objects.filter(pk__in=set(pks.tolist()))
        .order_by()
        .values_list("pk", "slug", "title", "edtf", "part_of_day")
    }
    first, last = _day(s.first), _day(s.last)
    for pk, lane in zip(pks.tolist(), numbers.tolist(), strict=True):
        slug, title, edtf, part = rows[pk]
        shape = dates.date_shape(edtf)
        text = f"{title}, {date_label(edtf, part)}"
        url = detail_url("event_detail", slug)
        if shape.kind == "day":
            centre = _day(shape.start) + 0.5
            hours = dates.part_of_day_hours(part) if s.unit == "hour" else None
            if hours:
                centre = _day(shape.start) + sum(hours) / 48
            mark = Mark("day", shape.uncertain, s.x(centre), 0, url, text)
        else:
            lo = max(_day(shape.start), first)
            hi = last + 1 if shape.end is None else min(_day(shape.end), last) + 1
            x = s.x(lo)
            mark = Mark(shape.kind, shape.uncertain, x, max(s.x(hi) - x, 3), url, text)
        lanes[lane].marks.append(mark)


def _bins(lanes: list[Lane], numbers: np.ndarray, starts: np.ndarray, ends: np.ndarray, s: Scale,
          period_url: Callable[[dt.date, dt.date], str]) -> None:  # fmt: skip
    """Per lane, how many events overlap each period of the window (as the period filter counts
    them), each period a link to itself."""
    width = math.ceil(s.days / MAX_BINS)
    lo = _day(s.first) + np.arange(0, s.days, width)
    hi = np.minimum(lo + width - 1, _day(s.last))
    # Each pair counts in every period from the one it starts in to the one it ends in (an open
    # end: the last): +1 there and -1 after, summed along each lane. One pass, no sorting.
    count = len(lo)
    first_bin = np.clip((starts - lo[0]) // width, 0, count - 1)
    last_bin = np.clip((np.minimum(ends, hi[-1]) - lo[0]) // width, 0, count - 1)
    steps = np.bincount(numbers * (count + 1) + first_bin, minlength=len(lanes) * (count + 1))
    steps -= np.bincount(numbers * (count + 1) + last_bin + 1, minlength=len(lanes) * (count + 1))
    per_lane = np.cumsum(steps.reshape(len(lanes), count + 1), axis=1)[:, :count]
    peak = int(per_lane.max()) if per_lane.size else 1
    # A period's place, label and link are the same in every lane: worked out once each, for
    # the periods some lane has events in (their number, not the events', is the cost).
    periods = {}
    for j in np.flatnonzero(per_lane.any(axis=0)).tolist():
        a, b = int(lo[j]), int(hi[j])
        first, last = _date(a), _date(b)
        x = s.x(a)
        label = date_label(first.isoformat() if a == b else f"{first.isoformat()}/{last.isoformat()}")
        periods[j] = (x, max(s.x(b + 1) - x - 1, 1), label, period_url(first, last))
    # Both of the site's languages say "1 event", "2 events" (Plural-Forms: n != 1): the two
    # forms looked up once, not per period (ngettext costs tens of microseconds a call).
    one, more = (
        ngettext("%(period)s: %(n)d gebeurtenis", "%(period)s: %(n)d gebeurtenissen", n) for n in (1, 2)
    )
    for lane, counts in zip(lanes, per_lane.tolist(), strict=True):
        for j, n in enumerate(counts):
            if not n:
                continue
            x, w, period, url = periods[j]
            label = one if n == 1 else more
            lane.bins.append(
                Bin(x, w, n, min(5, 1 + 5 * n // (peak + 1)), url, label % {"period": period, "n": n})
            )


def _stack(lanes: list[Lane], density: bool) -> float:
    """Place the lanes one under the other and each lane's marks in rows, a mark on the first
    row where it overlaps nothing; the chart's height."""
    y = AXIS_HEIGHT
    for lane in lanes:
        lane.y = y
        top = y + LANE_HEAD
        if density:
            for b in lane.bins:
                b.y = top
            lane.height = LANE_HEAD + DENSITY_HEIGHT
        else:
            ends: list[float] = []  # the right edge of the last mark on each row
            for mark in sorted(lane.marks, key=lambda m: m.x - (POINT_RADIUS if not m.w else 0)):
                left = mark.x - POINT_RADIUS if not mark.w else mark.x
                right = mark.x + POINT_RADIUS if not mark.w else mark.x + mark.w
                row = next((i for i, end in enumerate(ends) if end + 2 <= left), None)
                if row is None:
                    row = min(len(ends), MAX_ROWS - 1)
                    if row == len(ends):
                        ends.append(right)
                ends[row] = max(ends[row], right)
                mark.row, mark.y = row, top + row * ROW_HEIGHT + ROW_HEIGHT / 2
            lane.height = LANE_HEAD + max(len(ends), 1) * ROW_HEIGHT
        y += lane.height + LANE_GAP
    return y


def _day(date: dt.date) -> int:
    return (date - EPOCH).days


def _date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))
