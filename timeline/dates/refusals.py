"""Why a phrase could not be placed: a code and its parameters, worded when it is shown.

The resolver runs before anyone knows who will read its answer (the admin in Dutch, a reader on
/en/, a JSON client), so a refusal keeps only what was wrong; `Refusal.message()` words it in
the language active at that moment. The message texts are the msgids of the project's
catalogue (Dutch, the newsroom's language), translated in locale/en.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages (which looks for this name). Django's own needs settings
    at import time, and the resolver must import without them (bench/, plain Python)."""
    return message


MESSAGES = {
    "not_text": gettext_noop("dat is geen tekst"),
    "too_long": gettext_noop("te lang voor een datum (%(length)s tekens, hooguit %(limit)s)"),
    "control_characters": gettext_noop("bevat onzichtbare stuurtekens (zoals een NUL-byte)"),
    "empty": gettext_noop("er staat geen datum, de tekst is leeg"),
    "unknown": gettext_noop("'%(phrase)s' is geen datum die ik herken"),
    "off_calendar": gettext_noop("'%(phrase)s' valt buiten de kalender"),
    "backwards": gettext_noop("'%(phrase)s' eindigt voor het begint"),
    "not_near_base": gettext_noop("%(day)s %(month)s bestaat niet rond %(base)s"),
    "no_such_day": gettext_noop("%(day)s %(month)s %(year)s bestaat niet"),
    "no_such_week": gettext_noop("week %(week)s bestaat niet"),
    "not_a_date": gettext_noop("%(phrase)s is geen bestaande datum"),
    "invalid_edtf": gettext_noop("'%(phrase)s' is geen geldige EDTF-datum"),
    "not_a_publication_date": gettext_noop(
        "'%(phrase)s' is geen datum (JJJJ, JJJJ-MM of JJJJ-MM-DD)"
    ),
    "wrong_weekday": gettext_noop("%(date)s is een %(weekday)s, geen %(wanted)s"),
    "not_consecutive": gettext_noop("die twee dagen volgen niet op elkaar"),
    "not_ascending": gettext_noop("%(first)s-%(last)s is geen oplopende reeks dagen"),
    "ambiguous_numeric": gettext_noop(
        "%(phrase)s kan %(a)s %(month_b)s of %(b)s %(month_a)s zijn; schrijf de maand voluit"
    ),
    "open_start": gettext_noop(
        "'%(phrase)s' heeft geen begin; een open begin kan niet op de tijdlijn"
    ),
    "empty_period": gettext_noop("'%(phrase)s' is leeg op %(date)s"),
    "segment_needs_period": gettext_noop("'%(segment)s' past alleen bij een week, maand of jaar"),
    "open_end": gettext_noop("het einde van die periode is open"),
    "after_open": gettext_noop("na een open periode komt geen datum"),
    "after_publication": gettext_noop("'%(phrase)s' ligt na de publicatiedatum"),
    "not_a_time": gettext_noop("%(time)s is geen tijd"),
    "time_needs_day": gettext_noop("een tijdstip hoort bij één dag"),
    "time_contradicts": gettext_noop("het tijdstip en '%(phrase)s' spreken elkaar tegen"),
    "vague": gettext_noop("'%(phrase)s' zegt niet precies wanneer; een schatting zou een gok zijn"),
    "not_day_of_month": gettext_noop("'%(phrase)s' is geen dag van een maand"),
    "no_month": gettext_noop("'%(phrase)s' noemt geen maand"),
    "depends_on_day": gettext_noop(
        "de bron is alleen op de %(precision)s gedateerd (%(period)s), en '%(phrase)s' hangt af "
        "van de precieze dag; typ de datum zelf (bijvoorbeeld 2022-01-26)"
    ),
    "needs_source": gettext_noop(
        "'%(phrase)s' hangt af van de publicatiedatum van de bron, en er is nog geen bron "
        "gekozen; kies eerst de bron bij de citaten, of typ de datum zelf (bijvoorbeeld "
        "2022-01-26)"
    ),
}
# Source.Precision's labels, the same msgids.
PRECISION_WORDS = {"day": gettext_noop("dag"), "month": gettext_noop("maand"),
                   "year": gettext_noop("jaar")}  # fmt: skip


@dataclass(frozen=True)
class Refusal:
    """A code from MESSAGES and its parameters; dates and month or weekday numbers stay values
    until `message()` words them."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params) -> Refusal:
        if code not in MESSAGES:
            raise KeyError(f"no message for refusal code {code!r}")
        return cls(code, tuple(params.items()))

    def message(self) -> str:
        """The reason in the language active now (Dutch without Django's settings)."""
        from django.conf import settings
        from django.utils.translation import get_language, gettext

        if settings.configured:
            template = gettext(MESSAGES[self.code])
            lang = "en" if (get_language() or settings.LANGUAGE_CODE).startswith("en") else "nl"
        else:  # bench/ and other plain-Python callers
            template, lang = MESSAGES[self.code], "nl"
        shown = {key: _shown(key, value, lang) for key, value in self.params}
        # A part left empty ("%(day)s" for a whole month) must not leave a double space.
        return " ".join((template % shown).split())


def _shown(key: str, value, lang: str):
    from django.conf import settings
    from django.utils.translation import gettext

    # Imported here: labels reads EDTF, and EDTF's errors are refusals.
    from timeline.dates.labels import MONTH_NAMES, WEEKDAY_NAMES, day_label

    if isinstance(value, dt.date):
        return day_label(value, lang, weekday=False)
    if key.startswith("month") and isinstance(value, int):
        return MONTH_NAMES[lang][value - 1]
    if key in ("weekday", "wanted"):
        return WEEKDAY_NAMES[lang][value]
    if key == "precision":
        word = PRECISION_WORDS[value]
        return gettext(word) if settings.configured else word
    return value
