"""EDTF: the stored form of every event date, and the earliest and latest day it allows.

The EDTF this application writes, and nearly all an editor types, is a small subset: a year,
month or day with an optional qualifier, alone or as an interval, possibly open-ended. `POINT`
is the one pattern for a point of it; everything that reads such a point (the resolver, the
labels, the spreadsheet columns, a source's publication date, the exports) uses it. Anything
outside the subset goes to the `edtf` package.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

from edtf import parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException

from timeline.dates.refusals import Refusal


class InvalidEDTF(ValueError):
    """The string is not an EDTF date this application can place on a timeline; `refusal`
    says why, and `str()` words it in the language active when it is read."""

    def __init__(self, code: str, **params):
        self.refusal = Refusal.of(code, **params)
        super().__init__(code)

    def __str__(self) -> str:
        return self.refusal.message()


def _to_date(value) -> dt.date | None:
    # The edtf package answers an open end with a float infinity, not a struct_time.
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return None
    return struct_time_to_date(value)


# The edtf package is a pyparsing grammar, slow per string; the subset is read directly and
# everything else goes to the package. tests/test_dates.py checks the two agree.
# One point: year, month, day (the last two optional) and a qualifier (~ approximate,
# ? uncertain, % both).
POINT = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%])?"
POINT_RE = re.compile(POINT)
# A point alone, two points as an interval, or a point open to the end ("2022-01-29/..").
SIMPLE_EDTF = re.compile(rf"{POINT}(?:/(?:{POINT}|(\.\.)))?")


def is_exact_day(edtf: str) -> bool:
    """A single day, neither approximate nor uncertain ("2022-01-26", not "2022-01-26~")."""
    m = POINT_RE.fullmatch(edtf.strip()) if isinstance(edtf, str) else None
    return m is not None and m[3] is not None and m[4] is None


def simple_bounds(edtf: str) -> tuple[dt.date, dt.date | None, bool] | None:
    """(start, end, is_interval) for the simple subset, or None to let the package decide."""
    m = SIMPLE_EDTF.fullmatch(edtf)
    if not m:
        return None
    y1, m1, d1, _q1, y2, m2, d2, _q2, open_end = m.groups()
    try:
        start = Point.of(y1, m1, d1).first()
        if y2 is None and open_end is None:
            return start, Point.of(y1, m1, d1).last(), False
        end = None if open_end else Point.of(y2, m2, d2).last()
    except ValueError:  # year 0, month 13, 30 February: the package's error message applies
        return None
    return start, end, True


def edtf_bounds(edtf: str) -> tuple[dt.date, dt.date | None]:
    """The earliest and latest day an EDTF string allows; the end is None when open-ended."""
    text = edtf.strip() if isinstance(edtf, str) else edtf
    simple = simple_bounds(text) if isinstance(text, str) else None
    if simple is not None:
        start, end, _ = simple
    else:
        try:
            parsed = parse_edtf(text)
            start = _to_date(parsed.lower_strict())
            end = _to_date(parsed.upper_strict())
        except (EDTFParseException, AttributeError, TypeError, ValueError, OverflowError) as exc:
            raise InvalidEDTF("invalid_edtf", phrase=edtf) from exc
    if start is None:
        raise InvalidEDTF("open_start", phrase=edtf)
    if end is not None and end < start:
        raise InvalidEDTF("backwards", phrase=edtf)
    return start, end


DateParts = tuple[int | str, int | str, int | str]


def date_parts(edtf: str, start: dt.date | None, end: dt.date | None) -> tuple[DateParts, DateParts]:
    """(year, month, day) of the start and of the end, as precise as the EDTF says: "" for a
    part it leaves out, and an empty end for a single point or an open end. EDTF beyond the
    simple subset (seasons, sets) gives its derived days `start` and `end`, exactly."""
    first, _, last = (edtf or "").strip().partition("/")
    m1 = POINT_RE.fullmatch(first)
    m2 = POINT_RE.fullmatch(last) if last and last != ".." else None
    if m1 is None or (last and last != ".." and m2 is None):
        return (
            (start.year, start.month, start.day) if start else ("", "", ""),
            (end.year, end.month, end.day) if end and end != start else ("", "", ""),
        )

    def point(m: re.Match) -> DateParts:
        return tuple(int(g) if g else "" for g in m.groups()[:3])  # not the qualifier

    return point(m1), point(m2) if m2 else ("", "", "")


@dataclass(frozen=True)
class Point:
    """A year, a month or a day: the granularity EDTF writes an endpoint at."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, year, month=None, day=None) -> Point:
        """From EDTF's digit groups; ValueError for year 0, month 00 or 13, 30 February."""
        point = cls(int(year), None if month is None else int(month),
                    None if day is None else int(day))  # fmt: skip
        if point.month is not None and not 1 <= point.month <= 12:
            raise ValueError("month out of range")
        if point.day is not None:
            dt.date(point.year, point.month, point.day)
        point.first()
        return point

    @classmethod
    def on(cls, day: dt.date) -> Point:
        return cls(day.year, day.month, day.day)

    def first(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last(self) -> dt.date:
        if self.day:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def text(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
        if self.day:
            out += f"-{self.day:02d}"
        return out



@dataclass(frozen=True)
class Shape:
    """What a date is, as a chart draws it: `kind` is "day" (one known day), "range" (from a
    day to a day), "band" (a whole week, month or year, no day within it known), "open" (from
    a day or month on, no end known); `start` and `end` are its first and last day (`end` None
    when open); `uncertain` when the EDTF says approximate (~) or uncertain (? or %)."""

    kind: str
    start: dt.date
    end: dt.date | None
    uncertain: bool


def date_shape(edtf: str) -> Shape:
    """The shape of an EDTF date (see `Shape`); InvalidEDTF for what `edtf_bounds` refuses.

    A week is an interval from a Monday to the next Sunday, as the resolver writes "vorige
    week"; "eerder deze week" (Monday to Thursday) is a range. EDTF beyond the simple subset
    (seasons, sets) is drawn as a band over the days it allows."""
    text = edtf.strip() if isinstance(edtf, str) else ""
    start, end = edtf_bounds(text)
    m = SIMPLE_EDTF.fullmatch(text)
    if m is None:
        return Shape("band" if end is None or end != start else "day", start, end, False)
    _y1, _m1, d1, q1, y2, _m2, d2, q2, open_end = m.groups()
    uncertain = bool((q1 or "") + (q2 or ""))
    if open_end:
        return Shape("open", start, None, uncertain)
    if y2 is None:
        return Shape("day" if d1 else "band", start, end, uncertain)
    if d1 and d2:
        week = start.weekday() == 0 and (end - start).days == 6
        return Shape("band" if week else "range", start, end, uncertain)
    return Shape("band", start, end, uncertain)
