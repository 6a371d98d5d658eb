"""Dates as journalists write them: timeline/dates/.

DATE_TABLE is the shared truth for these tests and for bench/bench_dates.py: each row is
(base, lang, phrase, future, edtf, start, end, part_of_day), with `end` None when open-ended and
`lang` None when the language is to be detected.
"""

from __future__ import annotations

import datetime as dt
import random
import string

import pytest
from edtf import parse_edtf, struct_time_to_date
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from timeline.dates import (
    MAX_PHRASE_LENGTH,
    InvalidEDTF,
    Resolved,
    Unresolved,
    edtf_bounds,
    label,
    resolve,
)

SEED = "2022-01-28"  # Friday: the NOS article's publication date
MONDAY = "2022-01-31"
MONTH_EDGE = "2022-03-01"  # Tuesday after a 28-day February
NEW_YEAR = "2023-01-01"  # Sunday, in ISO week 2022-W52
NEW_YEARS_EVE = "2022-12-31"  # Saturday
LEAP_DAY = "2024-02-29"  # Thursday

F = False
T = True  # future: the event is scheduled or expected

# fmt: off
DATE_TABLE: list[tuple[str, str | None, str, bool, str, str, str | None, str]] = [
    # --- every relative date in the seed article, against its publication date ---
    (SEED, "nl", "vanmorgen", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, "nl", "vanochtend", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, "nl", "Vanochtend", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, "nl", "woensdag", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "eerder deze week", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "later vandaag", T, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "Later vandaag", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "de komende weken", T, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "ergens de komende weken", T, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "inmiddels", F, "2022-01-28~", "2022-01-28", "2022-01-28", ""),
    # --- Dutch, seed date (Friday 28 January 2022; ISO week 24-30 January) ---
    (SEED, "nl", "vandaag", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "vanmiddag", F, "2022-01-28", "2022-01-28", "2022-01-28", "afternoon"),
    (SEED, "nl", "vanavond", F, "2022-01-28", "2022-01-28", "2022-01-28", "evening"),
    (SEED, "nl", "vannacht", F, "2022-01-28", "2022-01-28", "2022-01-28", "night"),
    (SEED, "nl", "gisteravond", F, "2022-01-27", "2022-01-27", "2022-01-27", "evening"),
    (SEED, "nl", "gistermiddag", F, "2022-01-27", "2022-01-27", "2022-01-27", "afternoon"),
    (SEED, "nl", "gisterochtend", F, "2022-01-27", "2022-01-27", "2022-01-27", "morning"),
    (SEED, "nl", "gisteren", F, "2022-01-27", "2022-01-27", "2022-01-27", ""),
    (SEED, "nl", "eergisteren", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "morgen", F, "2022-01-29", "2022-01-29", "2022-01-29", ""),
    (SEED, "nl", "morgenochtend", F, "2022-01-29", "2022-01-29", "2022-01-29", "morning"),
    (SEED, "nl", "overmorgen", F, "2022-01-30", "2022-01-30", "2022-01-30", ""),
    (SEED, "nl", "dinsdagavond", F, "2022-01-25", "2022-01-25", "2022-01-25", "evening"),
    (SEED, "nl", "woensdagochtend", F, "2022-01-26", "2022-01-26", "2022-01-26", "morning"),
    (SEED, "nl", "dinsdag 's avonds", F, "2022-01-25", "2022-01-25", "2022-01-25", "evening"),
    (SEED, "nl", "op woensdag", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "  Woensdag, ", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "vrijdag", F, "2022-01-21", "2022-01-21", "2022-01-21", ""),
    (SEED, "nl", "donderdag", F, "2022-01-27", "2022-01-27", "2022-01-27", ""),
    (SEED, "nl", "zaterdag", F, "2022-01-22", "2022-01-22", "2022-01-22", ""),
    (SEED, "nl", "afgelopen woensdag", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "vorige woensdag", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "afgelopen vrijdag", F, "2022-01-21", "2022-01-21", "2022-01-21", ""),
    (SEED, "nl", "woensdag jl.", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "komende woensdag", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "nl", "volgende maandag", F, "2022-01-31", "2022-01-31", "2022-01-31", ""),
    (SEED, "nl", "woensdag a.s.", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "nl", "woensdag", T, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "nl", "vrijdag", T, "2022-02-04", "2022-02-04", "2022-02-04", ""),
    (SEED, "nl", "vorige week woensdag", F, "2022-01-19", "2022-01-19", "2022-01-19", ""),
    (SEED, "nl", "woensdag vorige week", F, "2022-01-19", "2022-01-19", "2022-01-19", ""),
    (SEED, "nl", "volgende week dinsdag", F, "2022-02-01", "2022-02-01", "2022-02-01", ""),
    (SEED, "nl", "vorige week dinsdagavond", F, "2022-01-18", "2022-01-18", "2022-01-18", "evening"),
    (SEED, "nl", "deze week", F, "2022-01-24/2022-01-30", "2022-01-24", "2022-01-30", ""),
    (SEED, "nl", "vorige week", F, "2022-01-17/2022-01-23", "2022-01-17", "2022-01-23", ""),
    (SEED, "nl", "afgelopen week", F, "2022-01-17/2022-01-23", "2022-01-17", "2022-01-23", ""),
    (SEED, "nl", "volgende week", F, "2022-01-31/2022-02-06", "2022-01-31", "2022-02-06", ""),
    (SEED, "nl", "komende week", F, "2022-01-31/2022-02-06", "2022-01-31", "2022-02-06", ""),
    (SEED, "nl", "deze maand", F, "2022-01", "2022-01-01", "2022-01-31", ""),
    (SEED, "nl", "vorige maand", F, "2021-12", "2021-12-01", "2021-12-31", ""),
    (SEED, "nl", "volgende maand", F, "2022-02", "2022-02-01", "2022-02-28", ""),
    (SEED, "nl", "dit jaar", F, "2022", "2022-01-01", "2022-12-31", ""),
    (SEED, "nl", "vorig jaar", F, "2021", "2021-01-01", "2021-12-31", ""),
    (SEED, "nl", "volgend jaar", F, "2023", "2023-01-01", "2023-12-31", ""),
    (SEED, "nl", "afgelopen weekend", F, "2022-01-22/2022-01-23", "2022-01-22", "2022-01-23", ""),
    (SEED, "nl", "komend weekend", F, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (SEED, "nl", "dit weekend", F, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (SEED, "nl", "het weekend", F, "2022-01-22/2022-01-23", "2022-01-22", "2022-01-23", ""),
    (SEED, "nl", "de komende dagen", F, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "de komende maanden", F, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "in de komende weken", F, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "de komende drie dagen", F, "2022-01-29/2022-01-31", "2022-01-29", "2022-01-31", ""),
    (SEED, "nl", "de komende week", F, "2022-01-29/2022-02-04", "2022-01-29", "2022-02-04", ""),
    (SEED, "nl", "binnenkort", T, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "nl", "over twee weken", F, "2022-02-11~", "2022-02-11", "2022-02-11", ""),
    (SEED, "nl", "over 3 dagen", F, "2022-01-31", "2022-01-31", "2022-01-31", ""),
    (SEED, "nl", "twee weken geleden", F, "2022-01-14~", "2022-01-14", "2022-01-14", ""),
    (SEED, "nl", "3 dagen geleden", F, "2022-01-25", "2022-01-25", "2022-01-25", ""),
    (SEED, "nl", "een week geleden", F, "2022-01-21~", "2022-01-21", "2022-01-21", ""),
    (SEED, "nl", "één week geleden", F, "2022-01-21~", "2022-01-21", "2022-01-21", ""),
    (SEED, "nl", "tien dagen geleden", F, "2022-01-18", "2022-01-18", "2022-01-18", ""),
    (SEED, "nl", "twaalf dagen geleden", F, "2022-01-16", "2022-01-16", "2022-01-16", ""),
    (SEED, "nl", "een maand geleden", F, "2021-12-28~", "2021-12-28", "2021-12-28", ""),
    (SEED, "nl", "over een maand", F, "2022-02-28~", "2022-02-28", "2022-02-28", ""),
    (SEED, "nl", "begin februari", F, "2022-02-01~/2022-02-10~", "2022-02-01", "2022-02-10", ""),
    (SEED, "nl", "half februari", F, "2022-02-11~/2022-02-20~", "2022-02-11", "2022-02-20", ""),
    (SEED, "nl", "midden februari", F, "2022-02-11~/2022-02-20~", "2022-02-11", "2022-02-20", ""),
    (SEED, "nl", "eind januari", F, "2022-01-21~/2022-01-31~", "2022-01-21", "2022-01-31", ""),
    (SEED, "nl", "eind februari", F, "2022-02-21~/2022-02-28~", "2022-02-21", "2022-02-28", ""),
    (SEED, "nl", "begin februari 2023", F, "2023-02-01~/2023-02-10~", "2023-02-01", "2023-02-10", ""),
    (SEED, "nl", "eind vorige week", F, "2022-01-20~/2022-01-23~", "2022-01-20", "2022-01-23", ""),
    (SEED, "nl", "begin volgende week", F, "2022-01-31~/2022-02-02~", "2022-01-31", "2022-02-02", ""),
    (SEED, "nl", "begin 2022", F, "2022-01~/2022-04~", "2022-01-01", "2022-04-30", ""),
    (SEED, "nl", "eind 2021", F, "2021-09~/2021-12~", "2021-09-01", "2021-12-31", ""),
    (SEED, "nl", "begin deze maand", F, "2022-01-01~/2022-01-10~", "2022-01-01", "2022-01-10", ""),
    (SEED, "nl", "24-27 januari 2022", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "24–27 jan", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "24 t/m 27 januari", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "24 tot en met 27 januari", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "tussen 24 en 27 januari", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "31 januari - 2 februari 2022", F, "2022-01-31/2022-02-02", "2022-01-31", "2022-02-02", ""),
    (SEED, "nl", "28 december 2021 - 3 januari 2022", F, "2021-12-28/2022-01-03", "2021-12-28", "2022-01-03", ""),
    (SEED, "nl", "28 december – 3 januari 2022", F, "2021-12-28/2022-01-03", "2021-12-28", "2022-01-03", ""),
    (SEED, "nl", "maandag t/m woensdag", F, "2022-01-24/2022-01-26", "2022-01-24", "2022-01-26", ""),
    (SEED, "nl", "januari 2022", F, "2022-01", "2022-01-01", "2022-01-31", ""),
    (SEED, "nl", "in januari", F, "2022-01", "2022-01-01", "2022-01-31", ""),
    (SEED, "nl", "februari", F, "2022-02", "2022-02-01", "2022-02-28", ""),
    (SEED, "nl", "26 jan", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "26 januari", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "2 februari", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "nl", "woensdag 26 januari 2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "2022-01-24", F, "2022-01-24", "2022-01-24", "2022-01-24", ""),
    (SEED, "nl", "28-01-2022", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "01-02-2022", F, "2022-02-01", "2022-02-01", "2022-02-01", ""),
    (SEED, "nl", "1-2-2022", F, "2022-02-01", "2022-02-01", "2022-02-01", ""),
    (SEED, "nl", "28/01/2022", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "28.01.2022", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "nl", "2022", F, "2022", "2022-01-01", "2022-12-31", ""),
    (SEED, "nl", "2022-01", F, "2022-01", "2022-01-01", "2022-01-31", ""),
    (SEED, "nl", "2022-01-24/2022-01-27", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "nl", "week 4", F, "2022-01-24/2022-01-30", "2022-01-24", "2022-01-30", ""),
    (SEED, "nl", "woensdag om 14.00 uur", F, "2022-01-26", "2022-01-26", "2022-01-26", "afternoon"),
    (SEED, "nl", "gisteren om 10:30", F, "2022-01-27", "2022-01-27", "2022-01-27", "morning"),
    (SEED, "nl", "in de nacht van dinsdag op woensdag", F, "2022-01-25/2022-01-26", "2022-01-25", "2022-01-26", "night"),
    (SEED, "nl", "rond 26 januari", F, "2022-01-26~", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "vanaf 1 februari", T, "2022-02-01/..", "2022-02-01", None, ""),
    (SEED, "nl", "sinds maandag", F, "2022-01-24/2022-01-28", "2022-01-24", "2022-01-28", ""),
    (SEED, "nl", "na 26 januari", F, "2022-01-27/..", "2022-01-27", None, ""),
    (SEED, "nl", "later deze week", T, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (SEED, "nl", "eerder deze maand", F, "2022-01-01/2022-01-27", "2022-01-01", "2022-01-27", ""),
    (SEED, "nl", "later deze maand", T, "2022-01-29/2022-01-31", "2022-01-29", "2022-01-31", ""),
    (SEED, "nl", "afgelopen nacht", F, "2022-01-28", "2022-01-28", "2022-01-28", "night"),
    (SEED, "nl", "vanochtend vroeg", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, "nl", "vanavond laat", T, "2022-01-28", "2022-01-28", "2022-01-28", "evening"),
    (SEED, "nl", "morgen vroeg", T, "2022-01-29", "2022-01-29", "2022-01-29", "morning"),
    (SEED, "nl", "25 januari jl.", F, "2022-01-25", "2022-01-25", "2022-01-25", ""),
    (SEED, "nl", "2 februari jl.", F, "2021-02-02", "2021-02-02", "2021-02-02", ""),
    (SEED, "nl", "2 februari a.s.", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "nl", "eind deze week", F, "2022-01-27~/2022-01-30~", "2022-01-27", "2022-01-30", ""),
    (SEED, "nl", "begin volgend jaar", T, "2023-01~/2023-04~", "2023-01-01", "2023-04-30", ""),
    (SEED, "nl", "sinds eind november", F, "2021-11-21~/2022-01-28~", "2021-11-21", "2022-01-28", ""),
    (SEED, "nl", "vanaf volgende week", T, "2022-01-31/..", "2022-01-31", None, ""),
    # --- English, seed date ---
    (SEED, "en", "this morning", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, "en", "this afternoon", F, "2022-01-28", "2022-01-28", "2022-01-28", "afternoon"),
    (SEED, "en", "this evening", F, "2022-01-28", "2022-01-28", "2022-01-28", "evening"),
    (SEED, "en", "tonight", T, "2022-01-28", "2022-01-28", "2022-01-28", "evening"),
    (SEED, "en", "last night", F, "2022-01-27", "2022-01-27", "2022-01-27", "night"),
    (SEED, "en", "yesterday", F, "2022-01-27", "2022-01-27", "2022-01-27", ""),
    (SEED, "en", "yesterday morning", F, "2022-01-27", "2022-01-27", "2022-01-27", "morning"),
    (SEED, "en", "today", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "en", "tomorrow", F, "2022-01-29", "2022-01-29", "2022-01-29", ""),
    (SEED, "en", "the day before yesterday", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "earlier this week", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "en", "later today", T, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (SEED, "en", "later this week", T, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (SEED, "en", "in the coming weeks", T, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "en", "in the coming days", T, "2022-01-29/..", "2022-01-29", None, ""),
    (SEED, "en", "the next two weeks", T, "2022-01-29/2022-02-11", "2022-01-29", "2022-02-11", ""),
    (SEED, "en", "the past week", F, "2022-01-21/2022-01-27", "2022-01-21", "2022-01-27", ""),
    (SEED, "en", "on Tuesday night", F, "2022-01-25", "2022-01-25", "2022-01-25", "night"),
    (SEED, "en", "Tuesday morning", F, "2022-01-25", "2022-01-25", "2022-01-25", "morning"),
    (SEED, "en", "last Wednesday", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "on Wednesday", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "next Wednesday", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "en", "Wednesday next week", F, "2022-02-02", "2022-02-02", "2022-02-02", ""),
    (SEED, "en", "next week", F, "2022-01-31/2022-02-06", "2022-01-31", "2022-02-06", ""),
    (SEED, "en", "last week", F, "2022-01-17/2022-01-23", "2022-01-17", "2022-01-23", ""),
    (SEED, "en", "sometime next week", T, "2022-01-31/2022-02-06", "2022-01-31", "2022-02-06", ""),
    (SEED, "en", "next month", F, "2022-02", "2022-02-01", "2022-02-28", ""),
    (SEED, "en", "last year", F, "2021", "2021-01-01", "2021-12-31", ""),
    (SEED, "en", "two weeks ago", F, "2022-01-14~", "2022-01-14", "2022-01-14", ""),
    (SEED, "en", "in two weeks", T, "2022-02-11~", "2022-02-11", "2022-02-11", ""),
    (SEED, "en", "in 3 days", T, "2022-01-31", "2022-01-31", "2022-01-31", ""),
    (SEED, "en", "early February", F, "2022-02-01~/2022-02-10~", "2022-02-01", "2022-02-10", ""),
    (SEED, "en", "late January", F, "2022-01-21~/2022-01-31~", "2022-01-21", "2022-01-31", ""),
    (SEED, "en", "mid-February", F, "2022-02-11~/2022-02-20~", "2022-02-11", "2022-02-20", ""),
    (SEED, "en", "the end of January", F, "2022-01-21~/2022-01-31~", "2022-01-21", "2022-01-31", ""),
    (SEED, "en", "late last week", F, "2022-01-20~/2022-01-23~", "2022-01-20", "2022-01-23", ""),
    (SEED, "en", "last weekend", F, "2022-01-22/2022-01-23", "2022-01-22", "2022-01-23", ""),
    (SEED, "en", "next weekend", T, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (SEED, "en", "January 26, 2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "26 January 2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "the 26th of January", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "Wednesday, January 26, 2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "January 24-27, 2022", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "en", "24 to 27 January", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "en", "between 24 and 27 January", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "en", "by now", F, "2022-01-28~", "2022-01-28", "2022-01-28", ""),
    (SEED, "en", "the night of Tuesday to Wednesday", F, "2022-01-25/2022-01-26", "2022-01-25", "2022-01-26", "night"),
    (SEED, "en", "Wednesday at 9pm", F, "2022-01-26", "2022-01-26", "2022-01-26", "evening"),
    (SEED, "en", "since Monday", F, "2022-01-24/2022-01-28", "2022-01-24", "2022-01-28", ""),
    (SEED, "en", "this past weekend", F, "2022-01-22/2022-01-23", "2022-01-22", "2022-01-23", ""),
    (SEED, "en", "earlier in the week", F, "2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    (SEED, "en", "Thursday evening", F, "2022-01-27", "2022-01-27", "2022-01-27", "evening"),
    (SEED, "en", "earlier this year", F, "2022-01-01/2022-01-27", "2022-01-01", "2022-01-27", ""),
    # --- formats left to dateparser (and checked before they are believed) ---
    (SEED, "nl", "26-jan-2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "jan-26-2022", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "en", "2022 Jan 26", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, "nl", "26 jan 22", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    # --- language detected, not given ---
    (SEED, None, "vanmorgen", F, "2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    (SEED, None, "last Wednesday", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (SEED, None, "01-02-2022", F, "2022-02-01", "2022-02-01", "2022-02-01", ""),
    (SEED, None, "in the coming weeks", T, "2022-01-29/..", "2022-01-29", None, ""),
    # --- a Monday (Monday 31 January 2022; ISO week 31 January - 6 February) ---
    (MONDAY, "nl", "woensdag", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    (MONDAY, "nl", "maandag", F, "2022-01-24", "2022-01-24", "2022-01-24", ""),
    (MONDAY, "nl", "maandag", T, "2022-02-07", "2022-02-07", "2022-02-07", ""),
    (MONDAY, "nl", "zondag", F, "2022-01-30", "2022-01-30", "2022-01-30", ""),
    (MONDAY, "nl", "gisteren", F, "2022-01-30", "2022-01-30", "2022-01-30", ""),
    (MONDAY, "nl", "morgen", F, "2022-02-01", "2022-02-01", "2022-02-01", ""),
    (MONDAY, "nl", "vanmorgen", F, "2022-01-31", "2022-01-31", "2022-01-31", "morning"),
    (MONDAY, "nl", "vorige week", F, "2022-01-24/2022-01-30", "2022-01-24", "2022-01-30", ""),
    (MONDAY, "nl", "deze week", F, "2022-01-31/2022-02-06", "2022-01-31", "2022-02-06", ""),
    (MONDAY, "nl", "vorige week vrijdag", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (MONDAY, "nl", "afgelopen weekend", F, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (MONDAY, "nl", "komend weekend", F, "2022-02-05/2022-02-06", "2022-02-05", "2022-02-06", ""),
    (MONDAY, "nl", "later deze week", T, "2022-02-01/2022-02-06", "2022-02-01", "2022-02-06", ""),
    (MONDAY, "nl", "de komende weken", T, "2022-02-01/..", "2022-02-01", None, ""),
    (MONDAY, "nl", "eind vorige week", F, "2022-01-27~/2022-01-30~", "2022-01-27", "2022-01-30", ""),
    (MONDAY, "nl", "begin februari", F, "2022-02-01~/2022-02-10~", "2022-02-01", "2022-02-10", ""),
    (MONDAY, "nl", "over twee weken", F, "2022-02-14~", "2022-02-14", "2022-02-14", ""),
    (MONDAY, "nl", "3 dagen geleden", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (MONDAY, "en", "last Friday", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    (MONDAY, "en", "next Monday", F, "2022-02-07", "2022-02-07", "2022-02-07", ""),
    (MONDAY, "en", "a week ago", F, "2022-01-24~", "2022-01-24", "2022-01-24", ""),
    (MONDAY, "en", "last weekend", F, "2022-01-29/2022-01-30", "2022-01-29", "2022-01-30", ""),
    (MONDAY, "en", "yesterday evening", F, "2022-01-30", "2022-01-30", "2022-01-30", "evening"),
    # --- a month boundary (Tuesday 1 March 2022; ISO week 28 February - 6 March) ---
    (MONTH_EDGE, "nl", "gisteren", F, "2022-02-28", "2022-02-28", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "eergisteren", F, "2022-02-27", "2022-02-27", "2022-02-27", ""),
    (MONTH_EDGE, "nl", "vorige maand", F, "2022-02", "2022-02-01", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "deze maand", F, "2022-03", "2022-03-01", "2022-03-31", ""),
    (MONTH_EDGE, "nl", "eerder deze week", F, "2022-02-28", "2022-02-28", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "eind februari", F, "2022-02-21~/2022-02-28~", "2022-02-21", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "eind vorige maand", F, "2022-02-21~/2022-02-28~", "2022-02-21", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "begin deze maand", F, "2022-03-01~/2022-03-10~", "2022-03-01", "2022-03-10", ""),
    (MONTH_EDGE, "nl", "de komende weken", T, "2022-03-02/..", "2022-03-02", None, ""),
    (MONTH_EDGE, "nl", "maandag", F, "2022-02-28", "2022-02-28", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "dinsdag", F, "2022-02-22", "2022-02-22", "2022-02-22", ""),
    (MONTH_EDGE, "nl", "28 februari", F, "2022-02-28", "2022-02-28", "2022-02-28", ""),
    (MONTH_EDGE, "nl", "over een maand", F, "2022-04-01~", "2022-04-01", "2022-04-01", ""),
    (MONTH_EDGE, "nl", "een maand geleden", F, "2022-02-01~", "2022-02-01", "2022-02-01", ""),
    (MONTH_EDGE, "nl", "vorige week", F, "2022-02-21/2022-02-27", "2022-02-21", "2022-02-27", ""),
    (MONTH_EDGE, "nl", "28 februari - 2 maart", F, "2022-02-28/2022-03-02", "2022-02-28", "2022-03-02", ""),
    (MONTH_EDGE, "nl", "3 dagen geleden", F, "2022-02-26", "2022-02-26", "2022-02-26", ""),
    (MONTH_EDGE, "en", "last month", F, "2022-02", "2022-02-01", "2022-02-28", ""),
    (MONTH_EDGE, "en", "late February", F, "2022-02-21~/2022-02-28~", "2022-02-21", "2022-02-28", ""),
    (MONTH_EDGE, "en", "later this month", T, "2022-03-02/2022-03-31", "2022-03-02", "2022-03-31", ""),
    (MONTH_EDGE, "en", "next week", F, "2022-03-07/2022-03-13", "2022-03-07", "2022-03-13", ""),
    (MONTH_EDGE, "en", "in 3 days", T, "2022-03-04", "2022-03-04", "2022-03-04", ""),
    # --- a year boundary (Sunday 1 January 2023; ISO week 26 December 2022 - 1 January 2023) ---
    (NEW_YEAR, "nl", "gisteren", F, "2022-12-31", "2022-12-31", "2022-12-31", ""),
    (NEW_YEAR, "nl", "gisteravond", F, "2022-12-31", "2022-12-31", "2022-12-31", "evening"),
    (NEW_YEAR, "nl", "vanmorgen", F, "2023-01-01", "2023-01-01", "2023-01-01", "morning"),
    (NEW_YEAR, "nl", "vorig jaar", F, "2022", "2022-01-01", "2022-12-31", ""),
    (NEW_YEAR, "nl", "dit jaar", F, "2023", "2023-01-01", "2023-12-31", ""),
    (NEW_YEAR, "nl", "vorige maand", F, "2022-12", "2022-12-01", "2022-12-31", ""),
    (NEW_YEAR, "nl", "deze week", F, "2022-12-26/2023-01-01", "2022-12-26", "2023-01-01", ""),
    (NEW_YEAR, "nl", "vorige week", F, "2022-12-19/2022-12-25", "2022-12-19", "2022-12-25", ""),
    (NEW_YEAR, "nl", "volgende week", F, "2023-01-02/2023-01-08", "2023-01-02", "2023-01-08", ""),
    (NEW_YEAR, "nl", "eerder deze week", F, "2022-12-26/2022-12-31", "2022-12-26", "2022-12-31", ""),
    (NEW_YEAR, "nl", "zondag", F, "2022-12-25", "2022-12-25", "2022-12-25", ""),
    (NEW_YEAR, "nl", "vrijdag", F, "2022-12-30", "2022-12-30", "2022-12-30", ""),
    (NEW_YEAR, "nl", "afgelopen weekend", F, "2022-12-24/2022-12-25", "2022-12-24", "2022-12-25", ""),
    (NEW_YEAR, "nl", "dit weekend", F, "2022-12-31/2023-01-01", "2022-12-31", "2023-01-01", ""),
    (NEW_YEAR, "nl", "komend weekend", F, "2023-01-07/2023-01-08", "2023-01-07", "2023-01-08", ""),
    (NEW_YEAR, "nl", "eind december", F, "2022-12-21~/2022-12-31~", "2022-12-21", "2022-12-31", ""),
    (NEW_YEAR, "nl", "begin januari", F, "2023-01-01~/2023-01-10~", "2023-01-01", "2023-01-10", ""),
    (NEW_YEAR, "nl", "28 december - 3 januari", F, "2022-12-28/2023-01-03", "2022-12-28", "2023-01-03", ""),
    (NEW_YEAR, "nl", "31 december", F, "2022-12-31", "2022-12-31", "2022-12-31", ""),
    (NEW_YEAR, "nl", "de komende weken", T, "2023-01-02/..", "2023-01-02", None, ""),
    (NEW_YEAR, "nl", "twee weken geleden", F, "2022-12-18~", "2022-12-18", "2022-12-18", ""),
    (NEW_YEAR, "nl", "week 52", F, "2022-12-26/2023-01-01", "2022-12-26", "2023-01-01", ""),
    (NEW_YEAR, "en", "last year", F, "2022", "2022-01-01", "2022-12-31", ""),
    (NEW_YEAR, "en", "late December", F, "2022-12-21~/2022-12-31~", "2022-12-21", "2022-12-31", ""),
    (NEW_YEAR, "en", "last night", F, "2022-12-31", "2022-12-31", "2022-12-31", "night"),
    (NEW_YEAR, "en", "the past week", F, "2022-12-25/2022-12-31", "2022-12-25", "2022-12-31", ""),
    (NEW_YEAR, "en", "last Sunday", F, "2022-12-25", "2022-12-25", "2022-12-25", ""),
    (NEW_YEARS_EVE, "nl", "morgen", F, "2023-01-01", "2023-01-01", "2023-01-01", ""),
    (NEW_YEARS_EVE, "nl", "volgend jaar", F, "2023", "2023-01-01", "2023-12-31", ""),
    (NEW_YEARS_EVE, "nl", "volgende week", F, "2023-01-02/2023-01-08", "2023-01-02", "2023-01-08", ""),
    (NEW_YEARS_EVE, "nl", "begin januari", T, "2023-01-01~/2023-01-10~", "2023-01-01", "2023-01-10", ""),
    (NEW_YEARS_EVE, "nl", "3 januari", T, "2023-01-03", "2023-01-03", "2023-01-03", ""),
    (NEW_YEARS_EVE, "nl", "zaterdag", F, "2022-12-24", "2022-12-24", "2022-12-24", ""),
    (NEW_YEARS_EVE, "nl", "komend weekend", T, "2023-01-07/2023-01-08", "2023-01-07", "2023-01-08", ""),
    (NEW_YEARS_EVE, "nl", "dit weekend", F, "2022-12-31/2023-01-01", "2022-12-31", "2023-01-01", ""),
    # --- in context: a tense guess never moves a written date; wire style's own weekday ---
    ("2022-01-27", "en", "January 26", T, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    ("2022-01-27", "en", "on January 26", F, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    ("2022-01-27", "nl", "26 januari", T, "2022-01-26", "2022-01-26", "2022-01-26", ""),
    ("2022-01-27", "en", "July 20", T, "2022-07-20", "2022-07-20", "2022-07-20", ""),
    ("2022-01-27", "en", "August 20", F, "2021-08-20", "2021-08-20", "2021-08-20", ""),
    ("2022-01-28", "en", "on Friday", F, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    ("2022-01-28", "en", "Friday", T, "2022-01-28", "2022-01-28", "2022-01-28", ""),
    ("2022-01-28", "en", "last Friday", F, "2022-01-21", "2022-01-21", "2022-01-21", ""),
    ("2022-01-28", "en", "next Friday", F, "2022-02-04", "2022-02-04", "2022-02-04", ""),
    # --- a leap day (Thursday 29 February 2024; ISO week 26 February - 3 March) ---
    (LEAP_DAY, "nl", "vandaag", F, "2024-02-29", "2024-02-29", "2024-02-29", ""),
    (LEAP_DAY, "nl", "gisteren", F, "2024-02-28", "2024-02-28", "2024-02-28", ""),
    (LEAP_DAY, "nl", "morgen", F, "2024-03-01", "2024-03-01", "2024-03-01", ""),
    (LEAP_DAY, "nl", "deze maand", F, "2024-02", "2024-02-01", "2024-02-29", ""),
    (LEAP_DAY, "nl", "eind februari", F, "2024-02-21~/2024-02-29~", "2024-02-21", "2024-02-29", ""),
    (LEAP_DAY, "nl", "29 februari", F, "2024-02-29", "2024-02-29", "2024-02-29", ""),
    (LEAP_DAY, "nl", "29-02-2024", F, "2024-02-29", "2024-02-29", "2024-02-29", ""),
    (LEAP_DAY, "nl", "een jaar geleden", F, "2023-02-28~", "2023-02-28", "2023-02-28", ""),
    (LEAP_DAY, "nl", "over een jaar", F, "2025-02-28~", "2025-02-28", "2025-02-28", ""),
    (LEAP_DAY, "nl", "een maand geleden", F, "2024-01-29~", "2024-01-29", "2024-01-29", ""),
    (LEAP_DAY, "nl", "over een maand", F, "2024-03-29~", "2024-03-29", "2024-03-29", ""),
    (LEAP_DAY, "nl", "deze week", F, "2024-02-26/2024-03-03", "2024-02-26", "2024-03-03", ""),
    (LEAP_DAY, "nl", "eerder deze week", F, "2024-02-26/2024-02-28", "2024-02-26", "2024-02-28", ""),
    (LEAP_DAY, "nl", "later deze week", T, "2024-03-01/2024-03-03", "2024-03-01", "2024-03-03", ""),
    (LEAP_DAY, "nl", "donderdag", F, "2024-02-22", "2024-02-22", "2024-02-22", ""),
    (LEAP_DAY, "nl", "woensdag", F, "2024-02-28", "2024-02-28", "2024-02-28", ""),
    (LEAP_DAY, "nl", "komende vrijdag", F, "2024-03-01", "2024-03-01", "2024-03-01", ""),
    (LEAP_DAY, "nl", "vorige maand", F, "2024-01", "2024-01-01", "2024-01-31", ""),
    (LEAP_DAY, "nl", "4 dagen geleden", F, "2024-02-25", "2024-02-25", "2024-02-25", ""),
    (LEAP_DAY, "nl", "vorig jaar", F, "2023", "2023-01-01", "2023-12-31", ""),
    (LEAP_DAY, "en", "last weekend", F, "2024-02-24/2024-02-25", "2024-02-24", "2024-02-25", ""),
    (LEAP_DAY, "en", "next weekend", T, "2024-03-02/2024-03-03", "2024-03-02", "2024-03-03", ""),
    (LEAP_DAY, "en", "late February", F, "2024-02-21~/2024-02-29~", "2024-02-21", "2024-02-29", ""),
    (LEAP_DAY, "en", "in the coming days", T, "2024-03-01/..", "2024-03-01", None, ""),
]
# fmt: on

_NOISE = "".join(random.Random(3).choices(string.ascii_letters + string.digits + " -/.", k=2000))

# (base, lang, phrase): each must come back Unresolved, with a reason, without an exception.
REFUSALS: list[tuple[str, str | None, str]] = [
    (SEED, "nl", "blauw"),
    (SEED, "nl", "de 45e"),
    (SEED, "nl", "de 26e"),  # no month: "the 26th of what?"
    (SEED, "nl", ""),
    (SEED, "nl", "   "),
    (SEED, "nl", _NOISE),
    (SEED, "nl", "x" * (MAX_PHRASE_LENGTH + 1)),
    (SEED, "nl", "woensdag\x00"),
    (SEED, "nl", "\x00"),
    (SEED, "nl", "45"),
    (SEED, "nl", "een paar dagen geleden"),  # how many?
    (SEED, "nl", "onlangs"),
    (SEED, "nl", "de afgelopen weken"),  # no beginning
    (SEED, "nl", "tot maandag"),  # no beginning
    (SEED, "nl", "dinsdag 26 januari"),  # 26 January 2022 is a Wednesday
    (SEED, "nl", "2022-13-01"),
    (SEED, "nl", "31-02-2022"),
    (SEED, "nl", "27-24 januari"),
    (SEED, "nl", "vanmorgen om 20.00 uur"),
    (SEED, "en", "01/02/2022"),  # 1 February or 2 January?
    (SEED, "en", "a few days ago"),
    (SEED, "en", "the 45th"),
    (SEED, "en", "the day before"),  # before what? relative to another event, not the source
    (SEED, "en", "early Wednesday"),  # a part of a day is not guessed from "early"
    (MONDAY, "nl", "eerder deze week"),  # nothing of this week lies before a Monday
    (MONTH_EDGE, "nl", "29 februari"),  # no 29 February within a year of 2022
    (MONTH_EDGE, "en", "earlier this month"),
    (NEW_YEAR, "nl", "later deze week"),  # a Sunday ends its week
    (LEAP_DAY, "nl", "29-02-2023"),
]

# (edtf, part_of_day, lang, label)
LABELS: list[tuple[str, str, str, str]] = [
    ("2022-01-26", "", "nl", "woensdag 26 januari 2022"),
    ("2022-01-28", "morning", "nl", "vrijdag 28 januari 2022 · ochtend"),
    ("2022-01-28", "afternoon", "nl", "vrijdag 28 januari 2022 · middag"),
    ("2022-01-28", "evening", "nl", "vrijdag 28 januari 2022 · avond"),
    ("2022-01-28", "night", "nl", "vrijdag 28 januari 2022 · nacht"),
    ("2022-01-24/2022-01-27", "", "nl", "24–27 januari 2022"),
    ("2022-01-31/2022-02-02", "", "nl", "31 januari – 2 februari 2022"),
    ("2021-12-28/2022-01-03", "", "nl", "28 december 2021 – 3 januari 2022"),
    ("2022-01", "", "nl", "januari 2022"),
    ("2022", "", "nl", "2022"),
    ("2022-01-29/..", "", "nl", "na 28 januari 2022"),
    ("2022-01-01/..", "", "nl", "na 31 december 2021"),
    ("2022-02/..", "", "nl", "vanaf februari 2022"),
    ("2022-01-28~", "", "nl", "ca. vrijdag 28 januari 2022"),
    ("2022-02-01~/2022-02-10~", "", "nl", "ca. 1–10 februari 2022"),
    ("2022-01-26?", "", "nl", "woensdag 26 januari 2022 (onzeker)"),
    ("2022-01-26%", "", "nl", "ca. woensdag 26 januari 2022 (onzeker)"),
    ("2022-01/2022-03", "", "nl", "januari – maart 2022"),
    ("2021-12/2022-02", "", "nl", "december 2021 – februari 2022"),
    ("2021/2022", "", "nl", "2021–2022"),
    ("2022-01~/2022-04~", "", "nl", "ca. januari – april 2022"),
    ("2022-01/2022-02-15", "", "nl", "januari 2022 – 15 februari 2022"),
    ("2022-01-26/2022-01-26", "", "nl", "woensdag 26 januari 2022"),
    ("2022-01-25/2022-01-26", "night", "nl", "25–26 januari 2022 · nacht"),
    (" 2022-01-26 ", "", "nl", "woensdag 26 januari 2022"),
    ("2022-01-26", "", "en", "Wednesday 26 January 2022"),
    ("2022-01-28", "morning", "en", "Friday 28 January 2022 · morning"),
    ("2022-01-24/2022-01-27", "", "en", "24–27 January 2022"),
    ("2022-01-31/2022-02-02", "", "en", "31 January – 2 February 2022"),
    ("2021-12-28/2022-01-03", "", "en", "28 December 2021 – 3 January 2022"),
    ("2022-01-29/..", "", "en", "after 28 January 2022"),
    ("2022-01", "", "en", "January 2022"),
    ("2022-01-28~", "", "en", "c. Friday 28 January 2022"),
    ("2022-01-26?", "", "en", "Wednesday 26 January 2022 (uncertain)"),
    ("2022-01-26", "", "de", "woensdag 26 januari 2022"),  # unknown language: Dutch
    # Not the simple subset, or not EDTF at all: the raw string, never an exception.
    ("blauw", "", "nl", "blauw"),
    ("", "", "nl", ""),
    ("2022-02-30", "", "nl", "2022-02-30"),
    ("2022-21", "", "nl", "2022-21"),
    ("2022-01-28/2022-01-27", "", "nl", "2022-01-28/2022-01-27"),
]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _package_bounds(edtf: str) -> tuple[dt.date, dt.date | None]:
    """Bounds straight from the edtf package, bypassing edtf_bounds' fast path."""
    parsed = parse_edtf(edtf)
    upper = parsed.upper_strict()
    end = None if isinstance(upper, float) else struct_time_to_date(upper)
    return struct_time_to_date(parsed.lower_strict()), end


@pytest.mark.parametrize(
    "base, lang, phrase, future, edtf, start, end, part_of_day",
    DATE_TABLE,
    ids=[f"{row[0]}-{row[2]}{'-future' if row[3] else ''}" for row in DATE_TABLE],
)
def test_it_resolves(base, lang, phrase, future, edtf, start, end, part_of_day):
    result = resolve(phrase, _date(base), lang, future=future)

    assert isinstance(result, Resolved), getattr(result, "reason", result)
    assert result.ok
    assert (result.edtf, result.start, result.end, result.part_of_day) == (
        edtf, _date(start), _date(end), part_of_day
    )
    assert result.phrase == phrase
    assert edtf_bounds(result.edtf) == (result.start, result.end)
    assert _package_bounds(result.edtf) == (result.start, result.end)


def test_the_table_is_broad_enough():
    assert len(DATE_TABLE) >= 130
    assert {SEED, MONDAY, MONTH_EDGE, NEW_YEAR, LEAP_DAY} <= {row[0] for row in DATE_TABLE}
    assert {"nl", "en"} <= {row[1] for row in DATE_TABLE}


@pytest.mark.parametrize("base, lang, phrase", REFUSALS, ids=[repr(r[2][:30]) for r in REFUSALS])
def test_it_refuses_with_a_reason(base, lang, phrase):
    result = resolve(phrase, _date(base), lang)

    assert isinstance(result, Unresolved)
    assert not result.ok
    assert result.reason.strip()
    assert result.as_json() == {"phrase": phrase, "error": result.reason}


def test_it_explains_an_unknown_word():
    assert resolve("blauw", _date(SEED)).reason == "'blauw' is geen datum die ik herken"


def test_it_explains_a_weekday_that_does_not_fit():
    assert "woensdag" in resolve("dinsdag 26 januari", _date(SEED)).reason


@pytest.mark.parametrize(
    "phrase, precision",
    [
        ("woensdag", "day"),
        ("vorige week", "week"),
        ("januari 2022", "month"),
        ("2022", "year"),
        ("eerder deze week", "interval"),
        ("begin februari", "interval"),
        ("de komende weken", "open"),
    ],
)
def test_it_reports_precision(phrase, precision):
    assert resolve(phrase, _date(SEED)).precision == precision


def test_it_gives_json_with_iso_dates():
    assert resolve("de komende weken", _date(SEED)).as_json() == {
        "phrase": "de komende weken",
        "edtf": "2022-01-29/..",
        "start": "2022-01-29",
        "end": None,
        "part_of_day": "",
    }


def test_it_detects_the_language():
    assert resolve("vanmorgen", _date(SEED)).lang == "nl"
    assert resolve("this morning", _date(SEED)).lang == "en"
    assert resolve("2022-01-26", _date(SEED)).lang == "nl"  # no cue: the newsroom's language


def test_it_accepts_a_datetime_as_base():
    assert resolve("gisteren", dt.datetime(2022, 1, 28, 23, 59)).start == dt.date(2022, 1, 27)


def test_resolved_labels_itself():
    result = resolve("vanmorgen", _date(SEED))

    assert result.label() == "vrijdag 28 januari 2022 · ochtend"
    assert result.label("en") == "Friday 28 January 2022 · morning"


@pytest.mark.parametrize("edtf, part_of_day, lang, expected", LABELS)
def test_it_labels(edtf, part_of_day, lang, expected):
    assert label(edtf, part_of_day, lang) == expected


def test_edtf_bounds_refuses_what_cannot_go_on_a_timeline():
    for bad in ("blauw", "2022-02-30", "../2022-01-28", "2022-01-28/2022-01-27"):
        with pytest.raises(InvalidEDTF):
            edtf_bounds(bad)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

WEEKDAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"]  # fmt: skip
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]  # fmt: skip
PARTS_NL = ["ochtend", "middag", "avond", "nacht"]
PARTS_EN = ["morning", "afternoon", "evening", "night"]
NUMBERS_NL = ["een", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
              "tien", "elf", "twaalf", "3", "14"]  # fmt: skip
NUMBERS_EN = ["a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
              "ten", "eleven", "twelve", "3", "14"]  # fmt: skip

# Every template resolves for every base date and every substitution.
TEMPLATES = [
    "{wd}", "afgelopen {wd}", "vorige {wd}", "komende {wd}", "volgende {wd}", "op {wd}",
    "{wd}{part}", "vorige week {wd}", "{wd} volgende week", "{wd} om {hour}.00 uur",
    "{wd_en}", "last {wd_en}", "next {wd_en}", "on {wd_en} {part_en}",
    "vanmorgen", "vanochtend", "vanmiddag", "vanavond", "vannacht", "gisteravond",
    "gistermiddag", "later vandaag", "inmiddels", "de komende weken", "de komende dagen",
    "deze week", "vorige week", "volgende week", "deze maand", "vorige maand", "volgende maand",
    "dit jaar", "vorig jaar", "afgelopen weekend", "komend weekend", "dit weekend",
    "this morning", "tonight", "last night", "later today", "in the coming weeks", "next week",
    "last weekend", "{n} dagen geleden", "{n} weken geleden", "over {n} weken",
    "over {n} dagen", "{n} maanden geleden", "over {n} jaar", "{n_en} weeks ago",
    "in {n_en} days", "begin {month}", "half {month}", "eind {month} {year}",
    "early {month_en}", "late {month_en} {year}", "mid-{month_en}", "{month} {year}",
    "{month_en}", "{d} {month} {year}", "{d} {month}", "{month_en} {d}, {year}",
    "{d}-{d2} {month} {year}", "{d} t/m {d2} {month}", "{iso}", "{dmy}",
    "eind vorige week", "begin volgende week", "begin {year}", "eind {year}",
    "{d} {month} - {d2} {month2} {year}", "rond {d} {month}", "vanaf {d} {month}",
]  # fmt: skip


@st.composite
def supported_phrases(draw):
    d = draw(st.integers(1, 27))
    year = draw(st.integers(1990, 2040))
    month = draw(st.integers(1, 12))
    day = dt.date(year, month, d)
    values = {
        "wd": draw(st.sampled_from(WEEKDAYS_NL)),
        "wd_en": draw(st.sampled_from(WEEKDAYS_EN)),
        "part": draw(st.sampled_from(PARTS_NL)),
        "part_en": draw(st.sampled_from(PARTS_EN)),
        "hour": draw(st.integers(0, 23)),
        "n": draw(st.sampled_from(NUMBERS_NL)),
        "n_en": draw(st.sampled_from(NUMBERS_EN)),
        "month": MONTHS_NL[month - 1],
        "month2": MONTHS_NL[min(month, 11)],
        "month_en": MONTHS_EN[month - 1],
        "year": year,
        "d": d,
        "d2": draw(st.integers(d + 1, 28)),
        "iso": day.isoformat(),
        "dmy": day.strftime("%d-%m-%Y"),
    }
    return draw(st.sampled_from(TEMPLATES)).format(**values)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), phrase=supported_phrases(),
       future=st.booleans())  # fmt: skip
@example(base=dt.date(2022, 1, 28), phrase="woensdag", future=False)
def test_every_supported_phrase_resolves_with_honest_bounds(base, phrase, future):
    result = resolve(phrase, base, future=future)

    assert isinstance(result, Resolved), (phrase, base, getattr(result, "reason", None))
    assert result.end is None or result.start <= result.end
    assert edtf_bounds(result.edtf) == (result.start, result.end)
    assert _package_bounds(result.edtf) == (result.start, result.end)
    # every result has a label of its own (a whole year's label is its EDTF, "2022")
    assert result.precision == "year" or label(result.edtf, result.part_of_day) != result.edtf
    assert result.part_of_day in ("", "morning", "afternoon", "evening", "night")


@settings(max_examples=200, deadline=None)
@given(base=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
def test_earlier_this_week_is_monday_up_to_yesterday_or_refused(base):
    result = resolve("eerder deze week", base)

    if base.weekday() == 0:
        assert isinstance(result, Unresolved)
    else:
        assert result.start == base - dt.timedelta(days=base.weekday())
        assert result.end == base - dt.timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(phrase=st.text(max_size=250), base=st.dates(), lang=st.sampled_from([None, "nl", "en"]))
@example(phrase="in " * 66 + "woensdag", base=dt.date(2022, 1, 28), lang=None)
@example(phrase="1 - " * 50, base=dt.date(2022, 1, 28), lang=None)
@example(phrase="gisteren", base=dt.date(1, 1, 1), lang=None)
@example(phrase="over 12 jaar", base=dt.date(9999, 12, 31), lang=None)
def test_arbitrary_text_never_raises(phrase, base, lang):
    result = resolve(phrase, base, lang)

    assert isinstance(result, (Resolved, Unresolved))
    if isinstance(result, Resolved):
        assert edtf_bounds(result.edtf) == (result.start, result.end)
    else:
        assert result.reason


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(WEEKDAYS_NL + MONTHS_NL + MONTHS_EN + PARTS_NL + NUMBERS_NL + [
            "vorige", "komende", "week", "begin", "eind", "t/m", "-", "om", "2022", "26",
            "geleden", "over", "de", "van", "op", "in", "weken", "dagen", "the", "last",
        ]),
        max_size=8,
    ),
    base=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
)  # fmt: skip
def test_word_salad_never_raises(words, base):
    result = resolve(" ".join(words), base)

    assert isinstance(result, (Resolved, Unresolved))
    if isinstance(result, Resolved):
        assert _package_bounds(result.edtf) == (result.start, result.end)


_SIMPLE_EDTF_STRINGS = st.builds(
    lambda y, m, d, q, shape, y2, m2, d2, q2: _compose_edtf(y, m, d, q, shape, y2, m2, d2, q2),
    st.integers(0, 2100), st.integers(0, 13), st.integers(0, 32), st.sampled_from("~?% "),
    st.sampled_from(["year", "month", "day"]), st.integers(1990, 2100), st.integers(0, 13),
    st.integers(0, 32), st.sampled_from(["", "~", "?", "..", "single"]),
)  # fmt: skip


def _compose_edtf(y, m, d, q, shape, y2, m2, d2, q2):
    lo = f"{y:04d}" + (f"-{m:02d}" if shape != "year" else "") + (
        f"-{d:02d}" if shape == "day" else ""
    ) + q.strip()
    if q2 == "single":
        return lo
    if q2 == "..":
        return f"{lo}/.."
    return f"{lo}/{y2:04d}-{m2:02d}-{d2:02d}{q2}"


@settings(max_examples=300, deadline=None)
@given(edtf=_SIMPLE_EDTF_STRINGS)
def test_edtf_bounds_fast_path_agrees_with_the_edtf_package(edtf):
    try:
        expected = _package_bounds(edtf)
    except Exception:  # noqa: BLE001 - any failure of the package means "invalid"
        expected = None
    if expected is not None and (expected[1] is not None and expected[1] < expected[0]):
        expected = None
    try:
        actual = edtf_bounds(edtf)
    except InvalidEDTF:
        actual = None

    assert actual == expected


# -- the package's single definitions ----------------------------------------------------------

from timeline.dates import Period, is_exact_day, resolve_within  # noqa: E402
from timeline.dates.resolve import MONTHS, WEEKDAYS  # noqa: E402

# (text, Period.parse precision or None when refused, is_exact_day, label): one point pattern
# reads each text for the publication date, the exports' exact-day test and the labels.
POINTS = [
    ("2022-01-26", "day", True, "woensdag 26 januari 2022"),
    ("2022-01", "month", False, "januari 2022"),
    ("2022", "year", False, "2022"),
    ("2022-01-26~", None, False, "ca. woensdag 26 januari 2022"),
    ("2022-01-26?", None, False, "woensdag 26 januari 2022 (onzeker)"),
    ("2022-13", None, False, "2022-13"),
    ("26-01-2022", None, False, "26-01-2022"),
]


@pytest.mark.parametrize(("text", "precision", "exact", "shown"), POINTS)
def test_it_reads_a_point_one_way_everywhere(text, precision, exact, shown):
    if precision is None:
        with pytest.raises(InvalidEDTF):
            Period.parse(text)
    else:
        assert Period.parse(text).precision == precision
    assert is_exact_day(text) is exact
    assert label(text) == shown


# (day inside the period, precision) -> (first, last, edtf)
PERIODS = [
    ("2022-01-28", "day", "2022-01-28", "2022-01-28", "2022-01-28"),
    ("2022-01-15", "month", "2022-01-01", "2022-01-31", "2022-01"),
    ("2024-02-10", "month", "2024-02-01", "2024-02-29", "2024-02"),
    ("2022-06-30", "year", "2022-01-01", "2022-12-31", "2022"),
]


@pytest.mark.parametrize(("day", "precision", "first", "last", "edtf"), PERIODS)
def test_it_spans_a_publication_period_by_its_precision(day, precision, first, last, edtf):
    period = Period(_date(day), precision)
    assert (period.first, period.last, period.edtf) == (_date(first), _date(last), edtf)
    assert period.contains(_date(first)) and period.contains(_date(last))
    assert not period.contains(_date(last) + dt.timedelta(days=1))


def test_it_refuses_an_unknown_precision():
    with pytest.raises(ValueError):
        Period(_date(SEED), "week")


# An article's own text (`wire=True`, what ingest passes): its own weekday is that day in Dutch
# too; what an editor types keeps the Dutch reading of a week earlier. Other weekdays, and a
# weekday read forwards, are the same either way. (base, lang, phrase, future, wire, edtf)
WIRE = [
    (SEED, "nl", "vrijdag", F, T, "2022-01-28"),
    (SEED, "nl", "vrijdag", F, F, "2022-01-21"),
    (SEED, "nl", "vrijdagochtend", F, T, "2022-01-28"),
    (SEED, "nl", "afgelopen vrijdag", F, T, "2022-01-21"),
    (SEED, "nl", "volgende vrijdag", F, T, "2022-02-04"),
    (SEED, "nl", "woensdag", F, T, "2022-01-26"),
    (SEED, "nl", "donderdag", T, T, "2022-02-03"),
    (SEED, "en", "Friday", F, F, "2022-01-28"),
    (SEED, "en", "Friday", F, T, "2022-01-28"),
]


@pytest.mark.parametrize(("base", "lang", "phrase", "future", "wire", "edtf"), WIRE)
def test_it_reads_an_articles_own_weekday_as_that_day(base, lang, phrase, future, wire, edtf):
    result = resolve(phrase, _date(base), lang, future=future, wire=wire)
    assert result.edtf == edtf


# (phrase, period, EDTF or the refusal's code)
WITHIN = [
    ("woensdag", Period(_date(SEED)), "2022-01-26"),
    ("woensdag", Period(_date("2022-01-01"), "month"), "depends_on_day"),
    ("26 januari", Period(_date("2022-01-01"), "month"), "2022-01-26"),
    ("januari 2022", Period(_date("2022-01-01"), "year"), "2022-01"),
    ("vorige maand", Period(_date("2022-01-01"), "year"), "depends_on_day"),
    ("blauw", Period(_date("2022-01-01"), "month"), "unknown"),
]


@pytest.mark.parametrize(("phrase", "period", "expected"), WITHIN)
def test_it_resolves_within_a_publication_period(phrase, period, expected):
    result = resolve_within(phrase, period)
    assert (result.edtf if result.ok else result.code) == expected


# Without a source (period None), on 30 November 2026 as issue 16's editor found it: (phrase,
# future, EDTF or the refusal's code). Nothing relative to the day is read from today.
WITHOUT_SOURCE = [
    ("gisteren", False, "needs_source"),
    ("woensdag", False, "needs_source"),
    ("vanmorgen", False, "needs_source"),
    ("eerder deze week", False, "needs_source"),
    ("26 januari", False, "needs_source"),
    ("de komende weken", True, "needs_source"),
    ("2022-01-26", False, "2022-01-26"),
    ("26 januari 2022", False, "2022-01-26"),
    ("januari 2022", False, "2022-01"),
    ("24-27 januari 2022", False, "2022-01-24/2022-01-27"),
    ("3 maart 2027", True, "2027-03-03"),
    ("blauw", False, "unknown"),
]


@pytest.mark.parametrize(("phrase", "future", "expected"), WITHOUT_SOURCE)
def test_it_reads_without_a_source_only_what_does_not_depend_on_the_day(phrase, future, expected):
    result = resolve_within(phrase, None, future=future, today=_date("2026-11-30"))
    assert (result.edtf if result.ok else result.code) == expected


def test_it_keeps_the_first_days_answer_when_the_day_decides():
    result = resolve_within("woensdag", Period(_date("2022-01-01"), "month"))
    assert result.earliest.edtf == "2021-12-29"
    assert "alleen op de maand gedateerd (2022-01)" in result.reason


@pytest.mark.parametrize("month", sorted(MONTHS))
def test_ingest_finds_every_month_the_resolver_knows(month):
    from timeline import ingest

    sentence = f"Op 3 {month} 2022 belde de minister."
    (found,) = ingest.find_dates(sentence, Period(_date(SEED)), "nl")
    assert found.phrase.lower() == f"op 3 {month} 2022" and found.ok


@pytest.mark.parametrize("weekday", sorted(w for w in WEEKDAYS if w.endswith(("dag", "day"))))
def test_ingest_finds_every_written_out_weekday_the_resolver_knows(weekday):
    from timeline import ingest

    sentence = f"De minister belde {weekday} met zijn ambtgenoot."
    (found,) = ingest.find_dates(sentence, Period(_date(SEED)), "nl")
    assert found.phrase == weekday and found.ok


# (what fails, its code, the Dutch and the English wording)
EDTF_REFUSALS = [
    (lambda: edtf_bounds("2022-13-45"), "invalid_edtf",
     "'2022-13-45' is geen geldige EDTF-datum", "'2022-13-45' is not a valid EDTF date"),
    (lambda: edtf_bounds("../2022-01-28"), "open_start",
     "'../2022-01-28' heeft geen begin", "'../2022-01-28' has no beginning"),
    (lambda: edtf_bounds("2022-01-28/2022-01-27"), "backwards",
     "'2022-01-28/2022-01-27' eindigt voor het begint", "'2022-01-28/2022-01-27' ends before it begins"),
    (lambda: Period.parse("blorp"), "not_a_publication_date",
     "'blorp' is geen datum (JJJJ, JJJJ-MM of JJJJ-MM-DD)", "'blorp' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    (lambda: Period.parse("2022-02-30"), "not_a_date",
     "2022-02-30 is geen bestaande datum", "2022-02-30 is not an existing date"),
]


@pytest.mark.parametrize(("fail", "code", "dutch", "english"), EDTF_REFUSALS)
def test_an_edtf_refusal_is_a_code_worded_in_the_language_it_is_read_in(fail, code, dutch, english):
    from django.utils import translation

    with pytest.raises(InvalidEDTF) as caught:
        fail()
    assert caught.value.refusal.code == code
    with translation.override("nl"):
        assert dutch in str(caught.value)
    with translation.override("en"):
        assert english in str(caught.value)
