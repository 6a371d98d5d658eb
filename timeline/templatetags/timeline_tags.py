from django import template

from timeline import dates

register = template.Library()

_PRECISION_LENGTH = {"day": 10, "month": 7, "year": 4}


@register.filter
def publication_label(source) -> str:
    """A source's publication date, no more precise than it is known ("januari 2022")."""
    iso = source.published_on.isoformat()[: _PRECISION_LENGTH.get(source.published_precision, 10)]
    return dates.label(iso)
