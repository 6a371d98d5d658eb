"""A source's publication period: its date at its precision, and phrases resolved within it.

A source dated only by month ("2022-01") may have appeared on any day of that month, so a
phrase is placed only if it reads the same on the period's first and last day ("26 januari"
does, "woensdag" does not). The admin, the spreadsheet import and ingest all go through
`resolve_within`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from timeline.dates.edtf import POINT_RE, InvalidEDTF, Point
from timeline.dates.refusals import Refusal
from timeline.dates.resolve import Resolved, Unresolved, resolve

# Source.Precision's values, finest first.
PRECISIONS = ("day", "month", "year")


@dataclass(frozen=True)
class Period:
    """A publication date at its precision: `day` is any day inside the period."""

    day: dt.date
    precision: str = "day"

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision {self.precision!r} is not one of {PRECISIONS}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2022", "2022-01" or "2022-01-28"; InvalidEDTF for anything else."""
        m = POINT_RE.fullmatch(text.strip())
        if not m or m[4]:  # a qualifier: a publication date is known or it is not given
            raise InvalidEDTF("not_a_publication_date", phrase=text)
        year, month, day = m.groups()[:3]
        try:
            point = Point.of(year, month, day)
        except ValueError as exc:
            raise InvalidEDTF("not_a_date", phrase=text) from exc
        return cls(point.first(), "day" if day else "month" if month else "year")

    @property
    def _point(self) -> Point:
        return Point(
            self.day.year,
            self.day.month if self.precision != "year" else None,
            self.day.day if self.precision == "day" else None,
        )

    @property
    def first(self) -> dt.date:
        return self._point.first()

    @property
    def last(self) -> dt.date:
        return self._point.last()

    @property
    def edtf(self) -> str:
        """"2022-01-28", "2022-01" or "2022": no more precise than the source is."""
        return self._point.text()

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def is_finer_than(self, other: Period) -> bool:
        return PRECISIONS.index(self.precision) < PRECISIONS.index(other.precision)


# Far enough from today that a phrase read relative to the day ("gisteren", "26 januari") reads
# differently, and not a whole number of weeks (142 and 6 days), so weekdays differ too.
_ELSEWHERE = dt.timedelta(days=1000)


def resolve_within(
    phrase: str,
    period: Period | None,
    lang: str | None = None,
    *,
    future: bool = False,
    wire: bool = False,
    today: dt.date | None = None,
) -> Resolved | Unresolved:
    """`resolve` against a publication period, honest about its precision.

    A phrase whose answer depends on the unknown day is refused ("depends_on_day"); the refusal
    keeps the answer on the period's first day as `earliest`. Without a period (no source yet)
    only a phrase that means the same whenever it is read is placed ("2022-01-26", "26 januari
    2022"); one relative to the day it was written is refused ("needs_source"), never read
    from today."""
    if period is None:
        return _without_source(phrase, lang, future, wire, today or dt.date.today())
    first = resolve(phrase, period.first, lang, future=future, wire=wire)
    if period.precision == "day" or not first.ok:
        return first
    last = resolve(phrase, period.last, lang, future=future, wire=wire)
    if last.ok and (first.edtf, first.part_of_day) == (last.edtf, last.part_of_day):
        return first
    refusal = Refusal.of(
        "depends_on_day", precision=period.precision, period=period.edtf, phrase=phrase.strip()
    )
    return Unresolved(phrase, refusal, earliest=first)


def _without_source(
    phrase: str, lang: str | None, future: bool, wire: bool, today: dt.date
) -> Resolved | Unresolved:
    here = resolve(phrase, today, lang, future=future, wire=wire)
    # Read forwards for what lies ahead, backwards for what happened, so that an absolute date
    # on the right side of today reads the same from both days.
    elsewhere = today - _ELSEWHERE if future else today + _ELSEWHERE
    there = resolve(phrase, elsewhere, lang, future=future, wire=wire)
    if not (here.ok or there.ok):
        return here  # no date either way ("blauw"): that reason, not the source's
    if here.ok and there.ok and (here.edtf, here.part_of_day) == (there.edtf, there.part_of_day):
        return here
    # It means something else on another day ("eerder deze week" is even empty on a Monday).
    return Unresolved(phrase, Refusal.of("needs_source", phrase=phrase.strip()))
