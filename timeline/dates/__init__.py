"""Dates as journalists write them: the one place every date rule lives.

Callers import the package (`from timeline import dates`) and use the names below; the modules
behind them are the package's own business.
"""

from timeline.dates.resolve import (
    MAX_PHRASE_LENGTH,
    InvalidEDTF,
    Resolved,
    Unresolved,
    detect_language,
    edtf_bounds,
    label,
    resolve,
)

__all__ = [
    "MAX_PHRASE_LENGTH",
    "InvalidEDTF",
    "Resolved",
    "Unresolved",
    "detect_language",
    "edtf_bounds",
    "label",
    "resolve",
]
