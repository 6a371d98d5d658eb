"""The reader's language: which of the site's languages the page being rendered is in, and the
domain's words in it. Every page, partial, export and template filter asks here, so that a page
under /en/ never mixes in a Dutch label.

The content itself (titles, summaries, quotes) stays as entered, in Dutch; the interface, the
date labels, the event types' and the participants' names follow the reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.utils.translation import get_language

from timeline import dates

if TYPE_CHECKING:
    from timeline.models import Actor, EventType, Place

Language = Literal["nl", "en"]


def reader_language() -> Language:
    """The language of the page being rendered, as the date resolver's labels know it: Dutch
    (the source language) unless the request is in English."""
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def date_label(edtf: str, part_of_day: str = "") -> str:
    """An EDTF date in the reader's language, as precise as the text supports."""
    return dates.label(edtf, part_of_day, reader_language())


def actor_name(actor: Actor) -> str:
    """A participant's name in the reader's language (the English name where one is set)."""
    if reader_language() == "en" and actor.name_en:
        return actor.name_en
    return actor.name


def place_name(place: Place) -> str:
    """A place's name in the reader's language (Kiev, Kyiv on /en/)."""
    return place.display_name(reader_language())


def type_name(event_type: EventType) -> str:
    """The name of a kind of event in the reader's language (the English name where known)."""
    if reader_language() == "en" and event_type.name_en:
        return event_type.name_en
    return event_type.name
