"""The human label of an EDTF date, in Dutch or English, as every page shows it."""

from __future__ import annotations

import datetime as dt

from timeline.dates.edtf import SIMPLE_EDTF, Point

MONTH_NAMES = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
# On an axis: "mrt", as Dutch abbreviates maart, not its first three letters.
MONTH_ABBREVIATIONS = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
WEEKDAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_PART_NAMES = {
    "nl": {"morning": "ochtend", "afternoon": "middag", "evening": "avond", "night": "nacht"},
    "en": {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"},
}
# (approximate prefix, uncertain suffix, "after" a day, "from" a month or year)
_MARKERS = {
    "nl": ("ca. ", " (onzeker)", "na ", "vanaf "),
    "en": ("c. ", " (uncertain)", "after ", "from "),
}


def day_label(day: dt.date, lang: str, weekday: bool = True) -> str:
    """"woensdag 26 januari 2022" (or without the weekday, "26 januari 2022")."""
    text = f"{day.day} {MONTH_NAMES[lang][day.month - 1]} {day.year}"
    return f"{WEEKDAY_NAMES[lang][day.weekday()]} {text}" if weekday else text


def axis_label(day: dt.date, unit: str, lang: str) -> str:
    """A tick on a date axis: "26 jan" for a day or the week it begins, "jan 2022" for a month,
    "2022" for a year."""
    if unit == "year":
        return str(day.year)
    month = MONTH_ABBREVIATIONS[lang][day.month - 1]
    return f"{month} {day.year}" if unit == "month" else f"{day.day} {month}"


def _label_point(point: Point, lang: str) -> str:
    if point.day:
        return day_label(point.first(), lang, weekday=False)
    if point.month:
        return f"{MONTH_NAMES[lang][point.month - 1]} {point.year}"
    return str(point.year)


def _label_interval(lo: Point, hi: Point, lang: str) -> str:
    if lo == hi:
        return day_label(lo.first(), lang) if lo.day else _label_point(lo, lang)
    months = MONTH_NAMES[lang]
    if lo.day and hi.day:
        if (lo.year, lo.month) == (hi.year, hi.month):
            return f"{lo.day}\u2013{hi.day} {months[lo.month - 1]} {lo.year}"
        if lo.year == hi.year:
            return f"{lo.day} {months[lo.month - 1]} \u2013 {_label_point(hi, lang)}"
    elif lo.month and hi.month and not lo.day and not hi.day and lo.year == hi.year:
        return f"{months[lo.month - 1]} \u2013 {_label_point(hi, lang)}"
    elif not lo.month and not hi.month:
        return f"{lo.year}\u2013{hi.year}"
    return f"{_label_point(lo, lang)} \u2013 {_label_point(hi, lang)}"


def label(edtf: str, part_of_day: str = "", lang: str = "nl") -> str:
    """A human label for an EDTF date, in Dutch ("nl", the default) or English ("en").

    Dutch: "woensdag 26 januari 2022", "vrijdag 28 januari 2022 · ochtend", "24–27 januari
    2022", "31 januari – 2 februari 2022", "28 december 2021 – 3 januari 2022", "januari 2022",
    "2022", and open-ended "2022-01-29/.." as "na 28 januari 2022" ("vanaf februari 2022" when
    the start is a month or year). English uses the same shapes ("Wednesday 26 January 2022",
    "after 28 January 2022").

    Honest markers: an approximate date (EDTF "~") is prefixed "ca. " / "c. "; an uncertain one
    ("?") gets the suffix " (onzeker)" / " (uncertain)"; "%" gets both.

    Pure and deterministic (own month and weekday tables, no locale). EDTF outside the simple
    subset this module writes (seasons, sets, unspecified digits) and invalid strings come back
    unchanged rather than raising.
    """
    if not isinstance(edtf, str):
        return str(edtf)
    lang = lang if lang in MONTH_NAMES else "nl"
    m = SIMPLE_EDTF.fullmatch(edtf.strip())
    if not m:
        return edtf
    y1, m1, d1, q1, y2, m2, d2, q2, open_end = m.groups()
    try:
        lo = Point.of(y1, m1, d1)
        hi = None if open_end else Point.of(y2, m2, d2) if y2 else lo
        if hi is not None and hi.last() < lo.first():
            return edtf
        if hi is None:
            after, since = _MARKERS[lang][2:]
            if lo.day:
                text = after + day_label(lo.first() - dt.timedelta(days=1), lang, weekday=False)
            else:
                text = since + _label_point(lo, lang)
        else:
            text = _label_interval(lo, hi, lang)
    except (ValueError, OverflowError):
        return edtf
    qualifiers = (q1 or "") + (q2 or "")
    approximate, uncertain = _MARKERS[lang][:2]
    if "~" in qualifiers or "%" in qualifiers:
        text = approximate + text
    if "?" in qualifiers or "%" in qualifiers:
        text += uncertain
    if part_of_day in _PART_NAMES[lang]:
        text += f" \u00b7 {_PART_NAMES[lang][part_of_day]}"
    return text
