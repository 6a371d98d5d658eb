from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext

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


# -- event cards ---------------------------------------------------------------------------------
# The cards of the timeline and of an actor's page are drawn here rather than by a template: a page
# shows 50 of them, and in the template engine they took half of the time of the whole request
# (some 1,000 variables resolved, localised and escaped one by one). format_html escapes every
# value, as the template did; only the fixed markup below is marked safe.


@register.simple_tag
def event_cards(events) -> SafeString:
    """Event cards, one <li> each, for an <ol> of events fetched with what a card shows
    (`Event.objects.with_details()` or the index's `events()`)."""
    # The titles, summaries and names are Dutch, as entered; say so on a page in another language.
    dutch = mark_safe(' lang="nl"') if reader_language() != "nl" else ""
    participants_label = gettext("Deelnemers")
    return format_html_join(
        "\n",
        '<li><article class="event status-{}" id="event-{}">\n'
        '  <p class="event-meta"><span class="event-type">{}</span> {} <span class="event-date">{}</span></p>\n'
        '  <h3 class="event-title"{}><a href="{}">{}</a></h3>\n'
        "  {}{}{}\n"
        "</article></li>",
        (
            (
                event.status,
                event.slug,
                capfirst(type_name(event.type)),
                _status_badge(event),
                date_label(event),
                dutch,
                event.get_absolute_url(),
                event.title,
                format_html('<p class="event-summary"{}>{}</p>', dutch, event.summary) if event.summary else "",
                _participants(event.participation_list, participants_label),
                format_html_join("", "{}", ((_citation(c),) for c in event.citation_list)),
            )
            for event in events
        ),
    )


def _status_badge(event) -> SafeString | str:
    if event.status == "occurred":
        return ""
    return format_html('<span class="badge badge-{}">{}</span>', event.status, event.get_status_display())


def _participants(participations, label: str) -> SafeString | str:
    if not participations:
        return ""
    return format_html(
        '<ul class="participants" aria-label="{}">{}</ul>',
        label,
        format_html_join(
            "",
            '<li><a href="{}">{}</a> <span class="role">{}</span></li>',
            ((p.actor.get_absolute_url(), p.actor.name, p.get_role_display()) for p in participations),
        ),
    )


def _citation(citation) -> SafeString:
    """The quote, and the source that supports it: outlet, title (a link when it has a URL) and
    its publication date, no more precise than known."""
    source = citation.source
    title = format_html('<cite lang="{}">{}</cite>', source.language, source.title)
    if source.url:
        credit = format_html('<a href="{}">{}, {}</a>', source.url, source.outlet, title)
        cite = format_html(' cite="{}"', source.url)
    else:
        credit, cite = format_html("{}, {}", source.outlet, title), ""
    return format_html(
        '<figure class="citation"><blockquote{} lang="{}"><p>{}</p></blockquote>'
        "<figcaption>— {}, {}</figcaption></figure>",
        cite, source.language, citation.quote, credit, publication_label(source),
    )
