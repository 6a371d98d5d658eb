"""Dates as journalists write them.

Pure functions, no Django: EDTF strings (Library of Congress Extended Date/Time Format, parsed by
the `edtf` package) are the stored form of every event date; start and end dates are derived
from them for sorting and filtering, and human labels are made from them for every page.
"""

from __future__ import annotations

import datetime as dt
import math

from edtf import parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException


class InvalidEDTF(ValueError):
    """The string is not an EDTF date this application can place on a timeline."""


def _to_date(value) -> dt.date | None:
    # The edtf package answers an open end with a float infinity, not a struct_time.
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return None
    return struct_time_to_date(value)


def edtf_bounds(edtf: str) -> tuple[dt.date, dt.date | None]:
    """The earliest and latest day an EDTF string allows; the end is None when open-ended."""
    try:
        parsed = parse_edtf(edtf.strip())
        start = _to_date(parsed.lower_strict())
        end = _to_date(parsed.upper_strict())
    except (EDTFParseException, AttributeError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidEDTF(f"{edtf!r} is geen geldige EDTF-datum") from exc
    if start is None:
        raise InvalidEDTF(f"{edtf!r} heeft geen begin; een open begin kan niet op de tijdlijn")
    if end is not None and end < start:
        raise InvalidEDTF(f"{edtf!r} eindigt voor het begint")
    return start, end
