"""Dates as journalists write them: the one place every date rule lives.

- `edtf.py`: EDTF, the stored form of every event date; `POINT`, the one pattern for a point;
  `edtf_bounds(edtf)` -> (start, end | None), the earliest and latest day it allows;
  `date_parts(edtf, start, end)`, its year, month and day columns (TimelineJS, spreadsheets);
  `date_shape(edtf)`, what it is on a chart (a day, a range, a band, an open end).
- `resolve.py`: `resolve(phrase, base, lang, future=)`, the Dutch/English resolver and its
  vocabulary; `part_of_day_hours(part)`, the hours a part of the day spans.
- `period.py`: `Period`, a source's publication date at its precision, and
  `resolve_within(phrase, period)`, which the admin, the import and ingest call.
- `refusals.py`: why a phrase or an EDTF string was refused (`Unresolved.refusal`,
  `InvalidEDTF.refusal`), as a code and parameters worded when shown.
- `labels.py`: `label(edtf, part_of_day, lang)`, the human label every page shows.

Pure functions, apart from the refusals' wording (Django's gettext, at display time). Callers
import the package (`from timeline import dates`) and use the names below.
"""

from timeline.dates.edtf import POINT, InvalidEDTF, Shape, date_parts, date_shape, edtf_bounds, is_exact_day
from timeline.dates.labels import axis_label, label
from timeline.dates.period import Period, resolve_within
from timeline.dates.refusals import Refusal
from timeline.dates.resolve import (
    MAX_PHRASE_LENGTH,
    Resolved,
    Unresolved,
    detect_language,
    part_of_day_hours,
    resolve,
)

__all__ = [
    "MAX_PHRASE_LENGTH",
    "POINT",
    "InvalidEDTF",
    "Period",
    "Refusal",
    "Resolved",
    "Shape",
    "Unresolved",
    "axis_label",
    "date_parts",
    "date_shape",
    "detect_language",
    "edtf_bounds",
    "is_exact_day",
    "label",
    "part_of_day_hours",
    "resolve",
    "resolve_within",
]
