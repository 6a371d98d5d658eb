"""The resolver: a phrase as an article writes it, placed on the calendar.

`resolve(phrase, base, lang=None, *, future=False)` -> `Resolved | Unresolved` turns "woensdag",
"eerder deze week", "de komende weken", "24-27 jan" into EDTF, relative to `base`, the source's
publication date. The vocabulary below (month and weekday names, relative days, modifiers) is
the one list of words it knows; ingest derives the phrases it looks for from it.

How `resolve` reads a phrase, in order:

1. Refuse at once what cannot be a date: empty, longer than `MAX_PHRASE_LENGTH`, control
   characters (NUL bytes and the like).
2. Normalise (case, Unicode, dashes, surrounding punctuation and whitespace) and try `_RULES`,
   a table of (regular expression -> handler). Handlers are small and may call `_match`
   recursively for the part of a phrase they do not own ("op", "begin", "vanaf", ranges).
3. Only then ask dateparser (absolute dates in formats the rules do not know, "26-jan-2022"),
   and believe it only when the phrase has a date anchor (a month, weekday, four-digit year or
   numeric date), holds no word we cannot place (for nl and en), and the answer agrees with
   every weekday, month and year the phrase names and borrows no day from the base.

The rules are tried first because they are much faster than dateparser (bench/bench_dates.py).

Conventions (the "why" behind answers that a reader might otherwise call a guess):

- A weekday in a report is the most recent such day *before* the base (the base's own weekday
  means a week earlier; in English, wire style, and in an article's own text in either language
  (`wire=True`, what ingest passes), a bare weekday that is the base's own is the
  base day: "said on Friday" in a Friday article), unless the phrase looks ahead ("komende",
  "volgende", "next", "coming", "a.s.") or the caller says the event lies ahead (`future=True`, a scheduled or
  expected event): then it is the next such day *after* the base.
- A day or month written without a year ("26 jan", "begin februari") is the occurrence nearest
  to the base, so within six months of it; ties go to the past, or with `future=True` to the
  future (a tense guess never moves a written date a year ahead).
- Weeks are ISO weeks, Monday to Sunday.
- Vague phrases get honest intervals marked approximate (EDTF "~"): "begin/half/eind <maand>" is
  days 1-10 / 11-20 / 21-end, "begin/midden/eind <week>" Monday-Wednesday / Tuesday-Thursday /
  Thursday-Sunday, "begin/midden/eind <jaar>" months 1-4 / 5-8 / 9-12; "over twee weken" and
  "twee weken geleden" are an approximate day; "inmiddels" is the base day, approximate.
- "De komende weken" is open-ended from the day after the base ("2022-01-29/.."). "De afgelopen
  weken" has no known beginning, and an open beginning cannot be placed on a timeline: refused.
- "Vannacht" is the night at the start of the base day, "last night" the night of the day
  before, "tonight" the base day's evening.
- Numeric dates are day-month-year in Dutch; in English a numeric date whose day and month
  could swap ("01/02/2022") is refused rather than guessed.

A phrase that fits none of this is refused with a code and parameters (`refusals.py`), worded
in the reader's language when shown; a guess is never dressed as a fact.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from timeline.dates.edtf import POINT_RE, SIMPLE_EDTF, Point, simple_bounds
from timeline.dates.labels import label
from timeline.dates.refusals import Refusal

__all__ = ["Resolved", "Unresolved", "detect_language", "resolve"]

MAX_PHRASE_LENGTH = 200

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A phrase placed on the calendar. `edtf_bounds(edtf) == (start, end)` always holds."""

    phrase: str
    edtf: str
    start: dt.date
    end: dt.date | None
    part_of_day: str = ""
    precision: str = "day"
    lang: str = "nl"

    @property
    def ok(self) -> bool:
        return True

    def label(self, lang: str = "nl") -> str:
        return label(self.edtf, self.part_of_day, lang)

    def as_json(self) -> dict:
        return {
            "phrase": self.phrase,
            "edtf": self.edtf,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "part_of_day": self.part_of_day,
        }


@dataclass(frozen=True)
class Unresolved:
    """A phrase that could not be placed, and why (`refusal`, worded when it is read)."""

    phrase: str
    refusal: Refusal
    # For a phrase that depends on the unknown day of a month- or year-only source: what it
    # means on the first day of that period (ingest shows how it relates to the publication).
    earliest: Resolved | None = None

    @property
    def ok(self) -> bool:
        return False

    @property
    def code(self) -> str:
        return self.refusal.code

    @property
    def reason(self) -> str:
        """In the reader's language: the active one when this is read, not when resolved."""
        return self.refusal.message()

    def as_json(self) -> dict:
        return {"phrase": self.phrase, "error": self.reason}


class _Refusal(Exception):
    """Raised by a rule that recognises a phrase and knows it cannot be placed honestly."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.refusal = Refusal.of(code, **params)


# --------------------------------------------------------------------------------------------
# Internal representation: a span between two calendar points
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Span:
    lo: Point
    hi: Point | None  # None: open-ended
    precision: str
    part: str = ""
    qualifier: str = ""  # "" or "~" (approximate); EDTF's "?" is for editors who know better
    single: bool = False
    typed: str = ""  # EDTF an editor typed, kept verbatim (it may carry "?" or "%")

    @property
    def start(self) -> dt.date:
        return self.lo.first()

    @property
    def end(self) -> dt.date | None:
        return None if self.hi is None else self.hi.last()

    def edtf(self) -> str:
        if self.typed:
            return self.typed
        q = self.qualifier
        if self.single:
            return f"{self.lo.text()}{q}"
        if self.hi is None:
            return f"{self.lo.text()}{q}/.."
        return f"{self.lo.text()}{q}/{self.hi.text()}{q}"


def _on(day: dt.date, part: str = "", qualifier: str = "") -> _Span:
    return _Span(Point.on(day), Point.on(day), "day", part, qualifier, single=True)


def _days(first: dt.date, last: dt.date, precision: str = "interval", qualifier: str = "") -> _Span:
    if last < first:
        raise _Refusal("backwards", phrase=f"{first.isoformat()}/{last.isoformat()}")
    if first == last:
        return _on(first, qualifier=qualifier)
    return _Span(Point.on(first), Point.on(last), precision, qualifier=qualifier)


def _whole_month(year: int, month: int) -> _Span:
    point = Point(year, month)
    return _Span(point, point, "month", single=True)


def _whole_year(year: int) -> _Span:
    point = Point(year)
    return _Span(point, point, "year", single=True)


def _iso_week(monday: dt.date) -> _Span:
    return _days(monday, monday + dt.timedelta(days=6), "week")


def _open_from(day: dt.date) -> _Span:
    return _Span(Point.on(day), None, "open")


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _add_months(day: dt.date, months: int) -> dt.date:
    """Calendar arithmetic that keeps the day where it can: 31 January + 1 month = 28 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _shift(day: dt.date, amount: int, unit: str) -> dt.date:
    if unit == "day":
        return day + dt.timedelta(days=amount)
    if unit == "week":
        return day + dt.timedelta(weeks=amount)
    if unit == "month":
        return _add_months(day, amount)
    if unit == "year":
        return _add_months(day, 12 * amount)
    return day  # hours and minutes stay on the same day


@dataclass(frozen=True)
class _Ctx:
    base: dt.date
    lang: str
    future: bool
    wire: bool = False


# --------------------------------------------------------------------------------------------
# Vocabulary (Dutch and English side by side; rules match either, `lang` only decides numeric
# date order, dateparser's language and the label)
# --------------------------------------------------------------------------------------------

def _numbered(groups: list[str], start: int) -> dict[str, int]:
    """Each word of the n-th group (its spellings, space-separated) -> start + n."""
    return {word: number for number, words in enumerate(groups, start) for word in words.split()}


MONTHS = _numbered(
    [
        "januari january jan",
        "februari february feb febr",
        "maart march mrt mar mrch",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "augustus august aug",
        "september sep sept",
        "oktober october okt oct",
        "november nov",
        "december dec",
    ],
    start=1,
)
WEEKDAYS = _numbered(
    [
        "maandag monday mon",
        "dinsdag tuesday tue tues",
        "woensdag wednesday wed",
        "donderdag thursday thu thur thurs",
        "vrijdag friday fri",
        "zaterdag saturday sat",
        "zondag sunday sun",
    ],
    start=0,
)

PART_WORDS = {
    "ochtend": "morning", "morgen": "morning", "'s ochtends": "morning", "'s morgens": "morning",
    "middag": "afternoon", "'s middags": "afternoon",
    "avond": "evening", "'s avonds": "evening",
    "nacht": "night", "'s nachts": "night", "vroeg": "morning",  # "morgen vroeg"
    "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
}  # fmt: skip

NUMBER_WORDS = {
    "een": 1, "één": 1, "eén": 1, "a": 1, "an": 1, "one": 1,
    "twee": 2, "two": 2, "drie": 3, "three": 3, "vier": 4, "four": 4, "vijf": 5, "five": 5,
    "zes": 6, "six": 6, "zeven": 7, "seven": 7, "acht": 8, "eight": 8, "negen": 9, "nine": 9,
    "tien": 10, "ten": 10, "elf": 11, "eleven": 11, "twaalf": 12, "twelve": 12,
}  # fmt: skip

# An unknown small number: "de komende paar dagen", "the next few weeks".
FEW_WORDS = ("few", "paar", "aantal", "couple of")

# unit word -> (unit, plural)
UNITS = {
    "dag": ("day", False), "dagen": ("day", True), "day": ("day", False), "days": ("day", True),
    "week": ("week", False), "weken": ("week", True), "weeks": ("week", True),
    "maand": ("month", False), "maanden": ("month", True),
    "month": ("month", False), "months": ("month", True),
    "jaar": ("year", False), "jaren": ("year", True), "year": ("year", False),
    "years": ("year", True),
    "uur": ("hour", False), "uren": ("hour", True), "hour": ("hour", False),
    "hours": ("hour", True), "minuut": ("minute", False), "minuten": ("minute", True),
    "minute": ("minute", False), "minutes": ("minute", True),
}  # fmt: skip

# A day named relative to the base, alone or with a part of day ("gisteravond", "this morning").
# "van" and "this" only mean today in front of a part of day ("vanmorgen", "this evening").
RELATIVE_DAYS = {
    "vandaag": 0, "today": 0, "nu": 0, "now": 0, "van": 0, "this": 0,
    "later vandaag": 0, "later today": 0, "eerder vandaag": 0, "earlier today": 0,
    "gisteren": -1, "gister": -1, "yesterday": -1,
    "eergisteren": -2, "eergister": -2, "the day before yesterday": -2,
    "morgen": 1, "tomorrow": 1, "overmorgen": 2, "the day after tomorrow": 2,
}  # fmt: skip
_NEEDS_PART = {"van", "this"}

# Whole phrases with a fixed meaning: (days from the base, part of day, EDTF qualifier).
FIXED_DAYS = {
    "tonight": (0, "evening", ""),
    "last night": (-1, "night", ""),
    # The night just over, like "vannacht": it ended on the base day.
    "afgelopen nacht": (0, "night", ""), "vorige nacht": (0, "night", ""),
    "inmiddels": (0, "", "~"), "intussen": (0, "", "~"), "ondertussen": (0, "", "~"),
    "by now": (0, "", "~"), "meanwhile": (0, "", "~"), "in the meantime": (0, "", "~"),
}  # fmt: skip

# Direction words: -1 before the base, 0 the base's own week, +1 after the base.
WEEKDAY_MODIFIERS = {
    "afgelopen": -1, "vorige": -1, "jongstleden": -1, "last": -1, "past": -1, "this past": -1,
    "komende": 1, "aankomende": 1, "volgende": 1, "aanstaande": 1, "next": 1, "coming": 1,
    "this coming": 1, "deze": 0, "this": 0,
}  # fmt: skip
WEEKDAY_SUFFIXES = {"jl": -1, "jl.": -1, "j.l": -1, "j.l.": -1, "jongstleden": -1, "a.s": 1, "a.s.": 1,
                    "aanstaande": 1}  # fmt: skip

PERIOD_MODIFIERS = {
    "deze": 0, "dit": 0, "this": 0, "huidige": 0, "current": 0,
    "vorige": -1, "vorig": -1, "afgelopen": -1, "last": -1, "previous": -1, "this past": -1,
    "volgende": 1, "volgend": 1, "komende": 1, "komend": 1, "aankomende": 1, "aankomend": 1,
    "next": 1, "coming": 1,
}  # fmt: skip
PERIOD_UNITS = {"week": "week", "maand": "month", "month": "month", "jaar": "year",
                "year": "year", "weekend": "weekend"}  # fmt: skip

ROLLING_DIRECTIONS = {
    "komende": 1, "aankomende": 1, "volgende": 1, "coming": 1, "next": 1,
    "afgelopen": -1, "voorbije": -1, "vorige": -1, "past": -1, "last": -1,
}  # fmt: skip

# "twee weken geleden", "two weeks ago": the words after an amount that count back.
AGO_WORDS = ("geleden", "ago", "terug")
# Soon after the base, not more precise than that.
SOON_PHRASES = ("binnenkort", "soon", "de komende tijd", "in de komende tijd", "in the near future",
                "in de nabije toekomst")  # fmt: skip

# "begin februari", "late last week": which slice of a month (days), week (weekdays, Monday=0)
# or year (months) the word means.
SEGMENTS = {
    "begin": "early", "start": "early", "early": "early", "beginning of": "early",
    "start of": "early", "the beginning of": "early", "the start of": "early",
    "begin van": "early", "het begin van": "early",
    "half": "mid", "midden": "mid", "medio": "mid", "mid": "mid", "middle of": "mid",
    "the middle of": "mid", "halverwege": "mid", "het midden van": "mid", "midden van": "mid",
    "eind": "late", "einde": "late", "eind van": "late", "einde van": "late", "late": "late",
    "end of": "late", "the end of": "late", "het einde van": "late", "het eind van": "late",
}  # fmt: skip
SEGMENT_SLICES = {
    "month": {"early": (1, 10), "mid": (11, 20), "late": (21, 31)},
    "week": {"early": (0, 2), "mid": (1, 3), "late": (3, 6)},
    "year": {"early": (1, 4), "mid": (5, 8), "late": (9, 12)},
}

# "eerder deze week" / "later this month": the rest of a period on one side of the base.
EARLIER_LATER = {"eerder": -1, "earlier": -1, "later": 1}
THIS_PERIOD = {
    "deze week": "week", "this week": "week", "de week": "week", "the week": "week",
    "deze maand": "month", "this month": "month", "de maand": "month", "the month": "month",
    "dit jaar": "year", "this year": "year", "het jaar": "year", "the year": "year",
}  # fmt: skip

# Prefixes that add nothing but a preposition, or that make the date approximate.
PREFIXES = {
    "op": "", "on": "", "in": "", "ergens": "", "sometime": "", "ergens in": "",
    "sometime in": "", "in de loop van": "", "during": "", "gedurende": "", "at": "",
    "rond": "~", "rondom": "~", "omstreeks": "~", "ongeveer": "~", "circa": "~", "ca.": "~",
    "ca": "~", "c.": "~", "around": "~", "about": "~", "approximately": "~",
}  # fmt: skip

# hour ranges -> part of day (for "woensdag om 14.00 uur")
HOUR_PARTS = ((0, 6, "night"), (6, 12, "morning"), (12, 18, "afternoon"), (18, 24, "evening"))


def part_of_day_hours(part: str) -> tuple[int, int] | None:
    """The hours (from, to) a part of the day spans ("morning": 6 to 12), None for none."""
    return next(((lo, hi) for lo, hi, p in HOUR_PARTS if p == part), None)

# Words that tell Dutch from English when the caller does not say (month and weekday names are
# added below; shared words such as "week" or "december" count for neither).
DUTCH_CUES = set(
    "vandaag gisteren gister eergisteren morgen overmorgen vanmorgen vanochtend vanmiddag "
    "vanavond vannacht gisteravond gisterochtend gistermorgen gistermiddag gisternacht "
    "morgenochtend morgenavond morgenmiddag vorige vorig volgende volgend komende komend "
    "afgelopen deze dit eerder begin eind einde half midden medio geleden over op de het "
    "van tot en met t/m weken maand maanden jaar dagen dag inmiddels intussen ondertussen "
    "ergens rond sinds vanaf na nacht avond middag ochtend tussen jongstleden aanstaande "
    "een twee drie vier vijf zes zeven acht negen tien elf twaalf uur om".split()
)
ENGLISH_CUES = set(
    "today yesterday tomorrow tonight this last next coming earlier early late mid ago "
    "on the of to from weeks month months year years days day since after before by now "
    "meanwhile morning afternoon evening night between and a an one two three four five six "
    "seven eight nine ten eleven twelve sometime around beginning end start past soon ago".split()
)
DUTCH_CUES |= {"januari", "februari", "maart", "mrt", "mei", "juni", "juli", "augustus",
               "oktober", "okt"} | {w for w in WEEKDAYS if w.endswith("dag")}  # fmt: skip
ENGLISH_CUES |= {"january", "february", "march", "may", "june", "july", "august", "october",
                 "oct"} | {w for w in WEEKDAYS if not w.endswith("dag")}  # fmt: skip
# The parts of day Dutch writes as the end of one word: "dinsdagavond", "gistermiddag".
DUTCH_PART_SUFFIXES = ("ochtend", "morgen", "middag", "avond", "nacht")
_DUTCH_COMPOUND = re.compile(
    r"(?:van|gister|eergister|morgen|overmorgen|maandag|dinsdag|woensdag|donderdag|vrijdag"
    rf"|zaterdag|zondag)(?:{'|'.join(DUTCH_PART_SUFFIXES)})"
)


def detect_language(text: str) -> str:
    """'nl' or 'en' by counting cue words; Dutch when it is a tie (the newsroom is Dutch)."""
    words = re.findall(r"[a-zà-ÿ/']+", text.casefold())
    dutch = sum(1 for w in words if w in DUTCH_CUES or _DUTCH_COMPOUND.fullmatch(w))
    english = sum(1 for w in words if w in ENGLISH_CUES)
    return "en" if english > dutch else "nl"


# --------------------------------------------------------------------------------------------
# Regular-expression building blocks
# --------------------------------------------------------------------------------------------


def alternation(words) -> str:
    """A regular expression matching any of `words`, escaped."""
    # Longest first, so "woensdag" is tried before "wo…" style prefixes and "the end of" before
    # "end of".
    # A space stands for any run of whitespace: the resolver sees normalised text, ingest does not.
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_MON = rf"(?:{alternation(MONTHS)})\.?"
_WD = rf"(?:{alternation(WEEKDAYS)})\.?"
_PART = alternation(PART_WORDS)
_NUM = rf"(?:\d{{1,3}}|{alternation(NUMBER_WORDS)})"
_UNIT = alternation(UNITS)
_ORD = r"(?:e|ste|de|st|nd|rd|th)?"  # "26e", "1ste", "26th"
_YEAR = r"\d{4}"
_RANGE_SEP = r"(?:-|t/m|tm|tot en met|to|through|thru|until|till)"


def _word(text: str) -> str:
    """The vocabulary key of a matched word: lower case, without an abbreviation's dot."""
    return text.rstrip(".")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


# --------------------------------------------------------------------------------------------
# Choosing among candidates: weekdays and year-less dates
# --------------------------------------------------------------------------------------------


def _weekday_from(ctx: _Ctx, weekday: int, direction: int | None) -> dt.date:
    """The weekday before the base (-1), after it (+1) or in the base's ISO week (0)."""
    if direction is None:
        direction = 1 if ctx.future else -1
    base = ctx.base
    if direction < 0:
        return base - dt.timedelta(days=(base.weekday() - weekday) % 7 or 7)
    if direction > 0:
        return base + dt.timedelta(days=(weekday - base.weekday()) % 7 or 7)
    return _monday(base) + dt.timedelta(days=weekday)


def _nearest_year(
    ctx: _Ctx, make: Callable[[int], tuple[dt.date, dt.date]], what: dict, side: int | None = None
) -> int:
    """The year (base year +- 1) that puts a year-less date nearest the base.

    Ties go to the past (a report tells what happened). With `ctx.future` or `side=1` the first
    one that has not ended by the base; with `side=-1` the last one that had begun by then.
    `make(year)` returns (first, last) day or raises ValueError when the date does not exist
    that year (29 February); `what` names the date for the refusal (its `day` and `month`).
    """
    # A tense guess (`ctx.future`) never moves a written date a year away: it only breaks ties,
    # so "26 January" stays within six months of the base whatever another clause's verb says.
    options = []
    for year in (ctx.base.year - 1, ctx.base.year, ctx.base.year + 1):
        try:
            first, last = make(year)
        except ValueError:
            continue
        if side is not None:
            if (side > 0 and last >= ctx.base) or (side < 0 and first <= ctx.base):
                options.append((-year if side < 0 else year, 0, year))
            continue
        distance = 0 if first <= ctx.base <= last else min(
            abs((first - ctx.base).days), abs((last - ctx.base).days)
        )
        options.append((distance, -year if ctx.future else year, year))
    if not options:
        raise _Refusal("not_near_base", **what, base=ctx.base)
    return min(options)[-1]


def _day_of(
    ctx: _Ctx, day: int, month: int, year: str | None, weekday: str | None, side: int | None = None
) -> dt.date:
    """A day of a month, its year written or chosen nearest; a named weekday must agree.

    A weekday that does not fit is refused, not used to pick another year: "dinsdag 26 januari"
    in January 2022 is more likely a slip than a date in 2021.
    """
    try:
        if year:
            date = dt.date(int(year), month, day)
        else:
            chosen = _nearest_year(
                ctx, lambda y: (dt.date(y, month, day),) * 2, {"day": day, "month": month}, side
            )
            date = dt.date(chosen, month, day)
    except ValueError:
        raise _Refusal("no_such_day", day=day, month=month, year=year or "") from None
    wanted = WEEKDAYS[_word(weekday)] if weekday else None
    if wanted is not None and date.weekday() != wanted:
        raise _Refusal("wrong_weekday", date=date, weekday=date.weekday(), wanted=wanted)
    return date


def _month_of(ctx: _Ctx, month: int, year: str | None) -> tuple[int, int]:
    if year:
        return int(year), month

    def make(y: int) -> tuple[dt.date, dt.date]:
        return Point(y, month).first(), Point(y, month).last()

    return _nearest_year(ctx, make, {"day": "", "month": month}), month


# --------------------------------------------------------------------------------------------
# Rule handlers: (match, ctx) -> _Span, or None when the rule does not apply after all, or raise
# _Refusal when the phrase is understood and cannot be placed.
# --------------------------------------------------------------------------------------------


def _h_fixed(m: re.Match, ctx: _Ctx) -> _Span:
    days, part, qualifier = FIXED_DAYS[m[0]]
    return _on(ctx.base + dt.timedelta(days=days), part, qualifier)


def _h_relative_day(m: re.Match, ctx: _Ctx) -> _Span | None:
    if m["day"] in _NEEDS_PART and not m["part"]:
        return None
    part = PART_WORDS[m["part"]] if m["part"] else ""
    return _on(ctx.base + dt.timedelta(days=RELATIVE_DAYS[m["day"]]), part)


def _h_weekday(m: re.Match, ctx: _Ctx) -> _Span:
    direction = None
    if m["mod"]:
        direction = WEEKDAY_MODIFIERS[m["mod"]]
    if m["suffix"]:
        direction = WEEKDAY_SUFFIXES[m["suffix"]]
    part = PART_WORDS[m["part"]] if m["part"] else ""
    weekday = WEEKDAYS[_word(m["wd"])]
    if direction is None and (ctx.lang == "en" or ctx.wire) and weekday == ctx.base.weekday():
        # Wire style: "said on Friday" in a Friday article is that very day; so is "heeft
        # vrijdag besloten" in a Friday article's own text (`wire=True`).
        return _on(ctx.base, part)
    return _on(_weekday_from(ctx, weekday, direction), part)


def _h_weekday_of_week(m: re.Match, ctx: _Ctx) -> _Span:
    # "vorige week woensdag", "wednesday next week": that weekday in a neighbouring ISO week.
    monday = _monday(ctx.base) + dt.timedelta(weeks=PERIOD_MODIFIERS[m["mod"]])
    part = PART_WORDS[m["part"]] if m["part"] else ""
    return _on(monday + dt.timedelta(days=WEEKDAYS[_word(m["wd"])]), part)


def _h_night_of(m: re.Match, ctx: _Ctx) -> _Span:
    # "de nacht van dinsdag op woensdag": the two days the night spans.
    first = _weekday_from(ctx, WEEKDAYS[_word(m["a"])], None)
    if (WEEKDAYS[_word(m["a"])] + 1) % 7 != WEEKDAYS[_word(m["b"])]:
        raise _Refusal("not_consecutive")
    return replace(_days(first, first + dt.timedelta(days=1)), part="night")


def _h_day_month(m: re.Match, ctx: _Ctx) -> _Span:
    # "25 januari jl." is the last such day, "2 februari a.s." the next one.
    suffix = m.groupdict().get("suffix")
    side = WEEKDAY_SUFFIXES[suffix] if suffix else None
    day = _day_of(ctx, int(m["d"]), MONTHS[_word(m["m"])], m["y"], m["wd"], side)
    return _on(day)


def _h_day_range(m: re.Match, ctx: _Ctx) -> _Span:
    # "24-27 januari 2022", "January 24-27": both days in one month.
    month = MONTHS[_word(m["m"])]
    first, last = int(m["d1"]), int(m["d2"])
    if last <= first:
        raise _Refusal("not_ascending", first=first, last=last)
    if m["y"]:
        year = int(m["y"])
    else:
        year = _nearest_year(
            ctx, lambda y: (dt.date(y, month, first), dt.date(y, month, last)),
            {"day": f"{first}-{last}", "month": month},
        )  # fmt: skip
    try:
        return _days(dt.date(year, month, first), dt.date(year, month, last))
    except ValueError:
        raise _Refusal("no_such_day", day=f"{first}-{last}", month=month, year=year) from None


def _h_month(m: re.Match, ctx: _Ctx) -> _Span:
    return _whole_month(*_month_of(ctx, MONTHS[_word(m["m"])], m["y"]))


def _h_year(m: re.Match, ctx: _Ctx) -> _Span:
    return _whole_year(int(m["y"]))


def _h_iso_week(m: re.Match, ctx: _Ctx) -> _Span:
    week = int(m["w"])
    years = [int(m["y"])] if m["y"] else [ctx.base.year - 1, ctx.base.year, ctx.base.year + 1]
    options = []
    for year in years:
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            continue
        options.append((abs((monday - _monday(ctx.base)).days), monday))
    if not options:
        raise _Refusal("no_such_week", week=week)
    return _iso_week(min(options)[1])


def _h_edtf(m: re.Match, ctx: _Ctx) -> _Span:
    # An editor may type EDTF (an ISO date is EDTF too): keep exactly what was typed.
    text = m[0]
    bounds = simple_bounds(text)
    if bounds is None:
        raise _Refusal("not_a_date", phrase=text)
    start, end, interval = bounds
    if end is not None and end < start:
        raise _Refusal("backwards", phrase=text)
    lo_text, _, hi_text = text.partition("/")
    lo = Point.of(*POINT_RE.fullmatch(lo_text).groups()[:3])
    if not interval:
        precision = "day" if lo.day else "month" if lo.month else "year"
        return _Span(lo, lo, precision, single=True, typed=text)
    if hi_text == "..":
        return _Span(lo, None, "open", typed=text)
    hi = Point.of(*POINT_RE.fullmatch(hi_text).groups()[:3])
    return _Span(lo, hi, "interval", typed=text)



def _h_numeric_date(m: re.Match, ctx: _Ctx) -> _Span:
    # "28-01-2022", "28/1/2022", "28.01.2022": day-month-year in Dutch. In English the order is
    # not known (British or American), so a date whose parts could swap is refused.
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    if ctx.lang == "en" and a <= 12 and b <= 12 and a != b:
        raise _Refusal("ambiguous_numeric", phrase=m[0], a=a, b=b, month_a=a, month_b=b)
    if ctx.lang == "en" and b > 12:
        a, b = b, a  # American month/day/year, unambiguous because the day is above 12
    try:
        return _on(dt.date(year, b, a))
    except ValueError:
        raise _Refusal("not_a_date", phrase=m[0]) from None


def _h_ymd(m: re.Match, ctx: _Ctx) -> _Span:
    try:
        return _on(dt.date(int(m["y"]), int(m["mo"]), int(m["d"])))
    except ValueError:
        raise _Refusal("not_a_date", phrase=m[0]) from None


def _h_ago_or_ahead(m: re.Match, ctx: _Ctx) -> _Span:
    unit, _plural = UNITS[m["u"]]
    amount = _number(m["n"]) * (-1 if m.groupdict().get("ago") else 1)
    # A number of days is exact; "twee weken geleden" or "over een maand" is a round figure.
    qualifier = "" if unit == "day" else "~"
    return _on(_shift(ctx.base, amount, unit), qualifier=qualifier)


def _h_rolling(m: re.Match, ctx: _Ctx) -> _Span | None:
    # "de komende weken", "the next two weeks", "de afgelopen drie dagen".
    direction = ROLLING_DIRECTIONS[m["dir"]]
    unit, plural = UNITS[m["u"]]
    if unit in ("hour", "minute"):
        return _on(ctx.base, qualifier="~")
    if m["n"]:
        amount = _number(m["n"])
    elif plural or m["few"]:
        amount = None  # "de komende weken": no end is known
    elif m["article"]:
        amount = 1  # "de komende week": the next seven days
    else:
        return None  # "komende week" is a calendar week, another rule's business
    if direction > 0:
        if amount is None:
            return _open_from(ctx.base + dt.timedelta(days=1))
        return _days(ctx.base + dt.timedelta(days=1), _shift(ctx.base, amount, unit))
    if amount is None:
        raise _Refusal("open_start", phrase=m[0])
    return _days(_shift(ctx.base, -amount, unit), ctx.base - dt.timedelta(days=1))


def _h_period(m: re.Match, ctx: _Ctx) -> _Span:
    # "deze week", "vorige maand", "next year", "afgelopen weekend": whole calendar periods.
    offset = PERIOD_MODIFIERS[m["mod"]] if m["mod"] else None
    unit = PERIOD_UNITS[m["u"]]
    if offset is None and unit != "weekend":
        return None  # "het jaar", "the week": which one?
    base = ctx.base
    if unit == "week":
        return _iso_week(_monday(base) + dt.timedelta(weeks=offset))
    if unit == "month":
        first = _add_months(base.replace(day=1), offset)
        return _whole_month(first.year, first.month)
    if unit == "year":
        return _whole_year(base.year + offset)
    # A weekend is Saturday and Sunday. Past: the last one over before the base; future: the
    # first one starting after it; "dit weekend": the one in the base's ISO week.
    if offset is None:
        offset = 1 if ctx.future else -1
    if offset < 0:
        sunday = base - dt.timedelta(days=(base.weekday() + 1) % 7 or 7)
        saturday = sunday - dt.timedelta(days=1)
    elif offset > 0:
        saturday = base + dt.timedelta(days=(5 - base.weekday()) % 7 or 7)
    else:
        saturday = _monday(base) + dt.timedelta(days=5)
    return _days(saturday, saturday + dt.timedelta(days=1))


def _h_earlier_later(m: re.Match, ctx: _Ctx) -> _Span:
    # "eerder deze week": Monday up to the day before the base; "later this month": the day
    # after the base to the month's end.
    unit = THIS_PERIOD[m["period"]]
    base = ctx.base
    whole = {
        "week": lambda: _iso_week(_monday(base)),
        "month": lambda: _whole_month(base.year, base.month),
        "year": lambda: _whole_year(base.year),
    }[unit]()
    if EARLIER_LATER[m["dir"]] < 0:
        first, last = whole.start, base - dt.timedelta(days=1)
    else:
        first, last = base + dt.timedelta(days=1), whole.end
    if last < first:
        raise _Refusal("empty_period", phrase=m[0], date=base)
    return _days(first, last)


def _h_soon(m: re.Match, ctx: _Ctx) -> _Span:
    return _open_from(ctx.base + dt.timedelta(days=1))


def _h_segment(m: re.Match, ctx: _Ctx) -> _Span | None:
    # "begin februari", "eind vorige week", "mid-2022": a slice of a month, week or year.
    whole = _match(m["what"], ctx)
    if whole is None:
        return None
    segment = SEGMENTS[m["seg"]]
    if whole.precision == "month":
        first_day, last_day = SEGMENT_SLICES["month"][segment]
        first = whole.start.replace(day=first_day)
        last = whole.start.replace(day=min(last_day, whole.end.day))  # "eind februari": 28/29
        return _days(first, last, qualifier="~")
    if whole.precision == "week":
        first_day, last_day = SEGMENT_SLICES["week"][segment]
        monday = whole.start
        return _days(monday + dt.timedelta(days=first_day), monday + dt.timedelta(days=last_day),
                     qualifier="~")  # fmt: skip
    if whole.precision == "year":
        first_month, last_month = SEGMENT_SLICES["year"][segment]
        year = whole.start.year
        return _Span(Point(year, first_month), Point(year, last_month), "interval",
                     qualifier="~")  # fmt: skip
    raise _Refusal("segment_needs_period", segment=m["seg"])


def _h_range(m: re.Match, ctx: _Ctx) -> _Span | None:
    # "31 januari - 2 februari 2022", "maandag t/m woensdag", "from 24 January to 2 February".
    left_text, right_text = m["a"], m["b"]
    right = _match(right_text, ctx)
    if right is None:
        return None
    right_year = re.search(r"\b\d{4}\b", right_text)
    left = None
    if right_year and not re.search(r"\b\d{4}\b", left_text) and _YEARLESS.fullmatch(left_text):
        # The year written once at the end belongs to both ends: "28 december - 3 januari 2022"
        # starts in 2021.
        year = int(right_year[0])
        left = _match(f"{left_text} {year}", ctx)
        if left is not None and left.start > right.start:
            left = _match(f"{left_text} {year - 1}", ctx)
    else:
        left = _match(left_text, ctx)
        if left is not None and not right_year and _YEARLESS.fullmatch(right_text):
            # A year-less end follows the start: the first such day on or after it.
            right = _match(right_text, _Ctx(left.start, ctx.lang, future=True, wire=ctx.wire))
    if left is None or right is None:
        return None
    if right.hi is None:
        raise _Refusal("open_end")
    if right.end < left.start:
        raise _Refusal("backwards", phrase=m[0])
    qualifier = "~" if "~" in (left.qualifier, right.qualifier) else ""
    part = left.part if left.part == right.part else ""
    if left.lo == right.hi and left.single and right.single:
        return replace(left, qualifier=qualifier, part=part)
    return _Span(left.lo, right.hi, "interval", part, qualifier)


def _h_since(m: re.Match, ctx: _Ctx) -> _Span | None:
    # "vanaf 1 februari" (open), "sinds maandag" (up to the base), "na 26 januari" (open, from
    # the day after). "tot/voor X" has no beginning and is refused by _h_until.
    inner = _match(m["x"], ctx)
    if inner is None:
        return None
    word = m["w"]
    if word in ("vanaf", "from", "starting", "starting from", "beginning"):
        return _Span(inner.lo, None, "open", qualifier=inner.qualifier)
    if word in ("na", "after"):
        if inner.end is None:
            raise _Refusal("after_open")
        return _Span(Point.on(inner.end + dt.timedelta(days=1)), None, "open",
                     qualifier=inner.qualifier)  # fmt: skip
    # sinds / since
    if inner.start > ctx.base:
        raise _Refusal("after_publication", phrase=m[0])
    return _Span(inner.lo, Point.on(ctx.base), "interval", qualifier=inner.qualifier)


def _h_until(m: re.Match, ctx: _Ctx) -> _Span:
    raise _Refusal("open_start", phrase=m[0])


def _h_prefix(m: re.Match, ctx: _Ctx) -> _Span | None:
    inner = _match(m["x"], ctx)
    if inner is None:
        return None
    if PREFIXES[m["p"]] == "~":
        return replace(inner, qualifier="~", typed="")
    return inner


def _h_time(m: re.Match, ctx: _Ctx) -> _Span | None:
    # "woensdag om 14.00 uur", "Tuesday at 9pm": a time of day becomes a part of day.
    if not (m["prep"] or m["mm"] or m["suf"]):
        return None  # a bare trailing number is not a time
    hour, minute = int(m["h"]), int(m["mm"] or 0)
    suffix = (m["suf"] or "").replace(".", "")
    if suffix in ("pm",) and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59:
        raise _Refusal("not_a_time", time=f"{m['h']}:{m['mm'] or '00'}")
    inner = _match(m["x"], ctx)
    if inner is None:
        return None
    if not inner.single or inner.precision != "day":
        raise _Refusal("time_needs_day")
    part = next(p for lo, hi, p in HOUR_PARTS if lo <= hour % 24 < hi)
    if inner.part and inner.part != part:
        raise _Refusal("time_contradicts", phrase=m["x"])
    return replace(inner, part=part)


def _h_vague(m: re.Match, ctx: _Ctx) -> _Span:
    raise _Refusal("vague", phrase=m[0])


def _h_ordinal_only(m: re.Match, ctx: _Ctx) -> _Span:
    day = int(m["d"])
    if not 1 <= day <= 31:
        raise _Refusal("not_day_of_month", phrase=m[0])
    raise _Refusal("no_month", phrase=m[0])


# --------------------------------------------------------------------------------------------
# The rule table. Order matters only where patterns overlap: specific before general, the
# recursive "wrappers" (ranges, prefixes, times) last.
# --------------------------------------------------------------------------------------------

_WEEKREL = rf"(?P<mod>{alternation(PERIOD_MODIFIERS)})\s+week"
# "dinsdagavond", "vanochtend vroeg", "vanavond laat": "vroeg"/"laat" do not change the part.
_DAY_PART = rf"(?:\s*(?P<part>{_PART})(?:\s+(?:vroeg|laat))?)?"
_MONTH_YEAR = rf"(?:of\s+)?(?P<m>{_MON})(?:,?\s+(?P<y>{_YEAR}))?"
# A day or month without a year: in a range it borrows the year written at the other end.
_YEARLESS = re.compile(
    rf"(?:{_WD},?\s+)?\d{{1,2}}{_ORD}\s*(?:of\s+)?{_MON}|{_MON}\s+\d{{1,2}}{_ORD}|{_MON}"
)

_RULE_SOURCES: list[tuple[str, Callable]] = [
    # tonight, last night, inmiddels
    (alternation(FIXED_DAYS), _h_fixed),
    # vandaag, gisteravond, vanmorgen, morgenochtend, yesterday afternoon, later vandaag
    (rf"(?P<day>{alternation(RELATIVE_DAYS)}){_DAY_PART}", _h_relative_day),
    # woensdag, afgelopen dinsdagavond, next Friday, woensdag jl., on Tuesday night
    (rf"(?:(?P<mod>{alternation(WEEKDAY_MODIFIERS)})\s+)?(?P<wd>{_WD}){_DAY_PART}"
     rf"(?:\s+(?P<suffix>{alternation(WEEKDAY_SUFFIXES)}))?", _h_weekday),
    # vorige week dinsdag, wednesday next week
    (rf"{_WEEKREL}\s+(?P<wd>{_WD}){_DAY_PART}", _h_weekday_of_week),
    (rf"(?P<wd>{_WD}){_DAY_PART}\s+{_WEEKREL}", _h_weekday_of_week),
    # de nacht van dinsdag op woensdag
    (rf"(?:in\s+)?(?:de|the)\s+(?:nacht|night)\s+(?:van|of)\s+(?P<a>{_WD})\s+(?:op|to|on)\s+"
     rf"(?P<b>{_WD})", _h_night_of),
    # 26 jan, woensdag 26 januari 2022, the 26th of January, January 26th, 2022
    (rf"(?:(?P<wd>{_WD}),?\s+)?(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s*{_MONTH_YEAR}"
     rf"(?:\s+(?P<suffix>{alternation(WEEKDAY_SUFFIXES)}))?", _h_day_month),
    (rf"(?:(?P<wd>{_WD}),?\s+)?(?P<m>{_MON})\s+(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>{_YEAR}))?",
     _h_day_month),
    # 24-27 januari 2022, 24 t/m 27 jan, tussen 24 en 27 januari, January 24-27, 2022
    (rf"(?:(?:van|from)\s+)?(?P<d1>\d{{1,2}}){_ORD}\s*{_RANGE_SEP}\s*(?P<d2>\d{{1,2}}){_ORD}\s+"
     rf"{_MONTH_YEAR}", _h_day_range),
    (rf"(?:tussen|between)\s+(?P<d1>\d{{1,2}}){_ORD}\s+(?:en|and)\s+(?P<d2>\d{{1,2}}){_ORD}\s+"
     rf"{_MONTH_YEAR}", _h_day_range),
    (rf"(?P<m>{_MON})\s+(?P<d1>\d{{1,2}}){_ORD}\s*{_RANGE_SEP}\s*(?P<d2>\d{{1,2}}){_ORD}"
     rf"(?:,?\s+(?P<y>{_YEAR}))?", _h_day_range),
    # januari 2022, februari, de maand maart
    (rf"(?:(?:de\s+)?maand\s+|the\s+month\s+of\s+)?(?P<m>{_MON})(?:,?\s+(?P<y>{_YEAR}))?",
     _h_month),
    # 2022, het jaar 2021
    (rf"(?:(?:het\s+)?jaar\s+|the\s+year\s+)?(?P<y>{_YEAR})", _h_year),
    # week 4, week 4 van 2022
    (rf"(?:week|wk)\.?\s*(?P<w>\d{{1,2}})(?:,?\s+(?:van\s+|of\s+)?(?P<y>{_YEAR}))?", _h_iso_week),
    # 2022-01-24, 2022-01, 2022-01-24/2022-01-27, 2022-01-29/.. (EDTF as typed)
    (SIMPLE_EDTF.pattern, _h_edtf),
    # 28-01-2022, 28/1/2022, 28.01.2022; 2022/01/28
    (rf"(?P<a>\d{{1,2}})([-/.])(?P<b>\d{{1,2}})\2(?P<y>{_YEAR})", _h_numeric_date),
    (rf"(?P<y>{_YEAR})([/.])(?P<mo>\d{{1,2}})\2(?P<d>\d{{1,2}})", _h_ymd),
    # 3 dagen geleden, two weeks ago; over twee weken, in 3 days
    (rf"(?P<n>{_NUM})\s+(?P<u>{_UNIT})\s+(?P<ago>{alternation(AGO_WORDS)})", _h_ago_or_ahead),
    (rf"(?:over|in)\s+(?P<n>{_NUM})\s+(?P<u>{_UNIT})(?:'?s?\s+time)?", _h_ago_or_ahead),
    # de komende weken, in the coming days, de komende drie dagen, the past week
    (rf"(?:(?:ergens\s+)?(?:in|gedurende|during|over|within|binnen)\s+)?(?P<article>de|the)?\s*"
     rf"(?P<dir>{alternation(ROLLING_DIRECTIONS)})\s+(?:(?P<n>{_NUM})\s+|(?P<few>"
     rf"{alternation(FEW_WORDS)})\s+)?(?P<u>{_UNIT})", _h_rolling),
    # deze week, vorige maand, next year, afgelopen weekend, het weekend
    (rf"(?:(?P<mod>{alternation(PERIOD_MODIFIERS)})\s+|(?:in\s+)?(?:het|the)\s+|over\s+the\s+)?"
     rf"(?P<u>{alternation(PERIOD_UNITS)})", _h_period),
    # eerder deze week, later this month
    (rf"(?P<dir>{alternation(EARLIER_LATER)})\s+(?:in\s+)?(?P<period>{alternation(THIS_PERIOD)})",
     _h_earlier_later),
    # binnenkort, soon
    (alternation(SOON_PHRASES), _h_soon),
    # begin februari, eind vorige week, mid-2022, the end of January
    (rf"(?P<seg>{alternation(SEGMENTS)})(?:\s*-\s*|\s+)(?P<what>.+)", _h_segment),
    # 31 januari - 2 februari 2022, maandag t/m woensdag, between Monday and Wednesday
    (rf"(?:(?:van|from)\s+)?(?P<a>.+?)(?:\s+{_RANGE_SEP}\s+|(?<=[a-z.])-(?=\d))(?P<b>.+)",
     _h_range),
    (r"(?:tussen|between)\s+(?P<a>.+?)\s+(?:en|and)\s+(?P<b>.+)", _h_range),
    # vanaf 1 februari, sinds maandag, after 26 January
    (r"(?P<w>vanaf|from|starting(?:\s+from)?|beginning|sinds|since|na|after)\s+(?P<x>.+)",
     _h_since),
    # tot maandag, before Friday: no beginning
    (r"(?:tot(?:\s+en\s+met)?|until|till|up\s+to|voor|vóór|before|by)\s+.+", _h_until),
    # op woensdag, in januari, ergens, rond 26 januari (approximate)
    (rf"(?P<p>{alternation(PREFIXES)})\s+(?P<x>.+)", _h_prefix),
    # woensdag om 14.00 uur, Tuesday at 9pm
    (r"(?P<x>.+?),?\s+(?:(?P<prep>om|at|rond|around|omstreeks|tegen|ca\.?)\s+)?(?P<h>\d{1,2})"
     r"(?:[:.h](?P<mm>\d{2}))?\s*(?P<suf>uur|u|h|am|pm|a\.m\.?|p\.m\.?)?", _h_time),
    # refused: een paar dagen geleden, onlangs, recently
    (rf"(?:een\s+paar|enkele|meerdere|diverse|verscheidene|vele|a\s+few|a\s+couple\s+of|several"
     rf"|some|many)\s+(?P<u>{_UNIT})\s+(?:geleden|ago|terug|later)", _h_vague),
    (r"onlangs|recent|recentelijk|kort geleden|laatst|recently|lately|eerder|earlier|vroeger"
     r"|ooit|once|ever|destijds|toen|then|een tijdje geleden|a while ago|some time ago",
     _h_vague),
    # refused: de 26e, de 45e (no month)
    (rf"(?:de|the)\s+(?P<d>\d{{1,3}}){_ORD}", _h_ordinal_only),
]  # fmt: skip

_RULES = [(re.compile(source), handler) for source, handler in _RULE_SOURCES]


def _match(text: str, ctx: _Ctx) -> _Span | None:
    for pattern, handler in _RULES:
        m = pattern.fullmatch(text)
        if m:
            span = handler(m, ctx)
            if span is not None:
                return span
    return None


# --------------------------------------------------------------------------------------------
# dateparser, for absolute dates in the many formats it knows, checked before it is believed
# --------------------------------------------------------------------------------------------

_ANCHOR_WORDS = re.compile(rf"\b(?:{alternation(MONTHS)}|{alternation(WEEKDAYS)})\b")
_ANCHOR_NUMBERS = re.compile(r"\b\d{4}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
# Words a phrase may hold for dateparser to read it: names, ordinal suffixes, a few fillers.
_DATEPARSER_WORDS = {*MONTHS, *WEEKDAYS, "e", "ste", "de", "st", "nd", "rd", "th", "of", "the",
                     "op", "on", "om", "at", "uur", "u", "h", "am", "pm"}  # fmt: skip
_DATEPARSER_PERIODS = {"day": "day", "time": "day", "week": "week", "month": "month",
                       "year": "year"}  # fmt: skip


@lru_cache(maxsize=256)
def _dateparser(lang: str, base: dt.date, future: bool):
    # Building a parser is cheap, but its settings (RELATIVE_BASE among them) are fixed at
    # construction; caching per (language, base, direction) reuses it for every phrase of one
    # source, which is how the admin and the ingest command call us.
    from dateparser.date import DateDataParser  # imported late: it costs ~0.3 s at start-up

    settings = {
        "PREFER_DATES_FROM": "future" if future else "past",
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time()),
        "PREFER_DAY_OF_MONTH": "first",
    }
    if lang == "nl":
        settings["DATE_ORDER"] = "DMY"  # without it "01-02-2022" would be 2 January
    return DateDataParser(languages=[lang], settings=settings)


def _with_dateparser(text: str, ctx: _Ctx) -> _Span | None:
    # Without a month, weekday or year in the phrase, dateparser's answer would be a guess
    # ("45" becomes the year 1945).
    if not (_ANCHOR_WORDS.search(text) or _ANCHOR_NUMBERS.search(text)):
        return None
    words = re.findall(r"[^\W\d_]+", text)
    if ctx.lang in ("nl", "en") and not all(w in _DATEPARSER_WORDS for w in words):
        # dateparser skips words it does not know ("afternoon july" becomes 28 July); in the
        # languages whose vocabulary we know, a word we cannot place is a reason to stop.
        return None
    try:
        data = _dateparser(ctx.lang, ctx.base, ctx.future).get_date_data(text)
    except Exception:  # noqa: BLE001 - a third-party parser must not break resolve's promise
        return None
    if data is None or data.date_obj is None:
        return None
    found = data.date_obj.date()
    precision = _DATEPARSER_PERIODS.get(data.period, "day")
    # Believe it only if it agrees with everything the phrase names, and invents nothing: a
    # day it returns must be written in the phrase, not borrowed from the base.
    months = {MONTHS[w] for w in words if w in MONTHS}
    weekdays = {WEEKDAYS[w] for w in words if w in WEEKDAYS}
    years = {int(y) for y in re.findall(r"\d{4}", text)}
    small_numbers = {int(n) for n in re.findall(r"\d+", text) if len(n) <= 2}
    if (months and months != {found.month}) or (years and years != {found.year}):
        return None
    if weekdays and (precision != "day" or weekdays != {found.weekday()}):
        return None
    if precision == "day" and (
        found.day not in small_numbers or not (months or found.month in small_numbers)
    ):
        return None
    if precision == "month" and not months:
        return None
    if precision == "year":
        return _whole_year(found.year) if found.year in years else None
    if precision == "month":
        return _whole_month(found.year, found.month)
    if precision == "week":
        return _iso_week(_monday(found))
    return _on(found)


# --------------------------------------------------------------------------------------------
# resolve
# --------------------------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u2032\u00b4`"), "'")
_EDGE_PUNCTUATION = " \t\r\n.,;:!\"()[]{}<>«»\u201c\u201d\u201e*"


def _normalise(phrase: str) -> str:
    text = unicodedata.normalize("NFC", phrase).casefold()
    text = text.translate(_DASHES).translate(_QUOTES)
    text = re.sub(r"\s+", " ", text).strip(_EDGE_PUNCTUATION)
    # A question mark after a digit is EDTF's "uncertain" ("2022-01-26?") and stays; after a
    # word it is punctuation ("woensdag?").
    text = re.sub(r"(?<=\D)\?+$", "", text).strip(_EDGE_PUNCTUATION)
    if len(text) > 1 and text[0] == text[-1] == "'":
        text = text[1:-1].strip(_EDGE_PUNCTUATION)
    # Abbreviations keep their dot ("a.s.", "jan."), but a sentence's full stop was stripped
    # above; rules accept both.
    return text


def _has_control_characters(phrase: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in phrase)


def resolve(
    phrase: str,
    base: dt.date,
    lang: str | None = None,
    *,
    future: bool = False,
    wire: bool = False,
) -> Resolved | Unresolved:
    """Place `phrase` on the calendar relative to `base`, the source's publication date.

    `lang` is "nl" or "en" (detected from the words when None, Dutch when in doubt).
    `future=True` says the event lies ahead of the base (scheduled or expected), so a bare
    weekday or a year-less date is read forwards. `wire=True` says the phrase comes from an
    article's own running text, where a bare weekday that is the base's own is the base day in
    Dutch too ("Het kabinet heeft vrijdag besloten" in Friday's copy); a phrase an editor types
    keeps the Dutch reading of a week earlier. Never raises: anything that cannot be placed
    honestly comes back as `Unresolved` with a reason. See the module docstring for the rules.
    """
    if not isinstance(phrase, str):
        return Unresolved(repr(phrase), Refusal.of("not_text"))
    if len(phrase) > MAX_PHRASE_LENGTH:
        return Unresolved(
            phrase, Refusal.of("too_long", length=len(phrase), limit=MAX_PHRASE_LENGTH)
        )
    if _has_control_characters(phrase):
        return Unresolved(phrase, Refusal.of("control_characters"))
    if isinstance(base, dt.datetime):
        base = base.date()
    text = _normalise(phrase)
    if not text:
        return Unresolved(phrase, Refusal.of("empty"))
    lang = (lang or detect_language(text)).strip().lower() or "nl"
    ctx = _Ctx(base, lang, future, wire)
    try:
        span = _match(text, ctx) or _with_dateparser(text, ctx)
        if span is None:
            return Unresolved(phrase, Refusal.of("unknown", phrase=phrase.strip()))
        start, end = span.start, span.end
        return Resolved(phrase, span.edtf(), start, end, span.part, span.precision, lang)
    except _Refusal as refusal:
        return Unresolved(phrase, refusal.refusal)
    except (OverflowError, ValueError):
        # Arithmetic that leaves the calendar (year 1 or 9999 plus or minus a few weeks).
        return Unresolved(phrase, Refusal.of("off_calendar", phrase=phrase.strip()))

