from django import template
from django.utils.translation import get_language

from timeline import dates

register = template.Library()

_PRECISION_LENGTH = {"day": 10, "month": 7, "year": 4}


def reader_language() -> str:
    """The language of the page being rendered, as the date resolver's labels know it."""
    return "en" if (get_language() or "nl").startswith("en") else "nl"


@register.filter
def publication_label(source) -> str:
    """A source's publication date, no more precise than it is known ("januari 2022")."""
    iso = source.published_on.isoformat()[: _PRECISION_LENGTH.get(source.published_precision, 10)]
    return dates.label(iso, lang=reader_language())


@register.filter
def date_label(event) -> str:
    """An event's date in the reader's language, as precise as the text supports."""
    return dates.label(event.edtf, event.part_of_day, reader_language())


@register.filter
def type_name(event_type) -> str:
    """The name of a kind of event in the reader's language (the English name where known)."""
    if reader_language() == "en" and event_type.name_en:
        return event_type.name_en
    return event_type.name
