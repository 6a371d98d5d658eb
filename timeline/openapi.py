"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

The query parameters are generated from `EventFilterForm`'s fields (their names, limits,
choices and help text), so that the description cannot drift from what the API accepts. The
response schemas are
strict (`additionalProperties: false`): tests/test_api_schema.py runs schemathesis against the
app and fails on any field the views return that is not described here, or the other way
round.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse

from timeline.decorators import public_read
from timeline.models import Actor, Event, Participation
from timeline.query.forms import MAX_Q_LENGTH, EventFilterForm, SlugListField
from timeline.query.http import cors

VERSION = "1.0.0"

# What each parameter means, for the API's readers (the form's labels are the page's Dutch);
# a filter without an entry here is described by its label.
DESCRIPTIONS = {
    "actor": "Events in which this actor takes part, by slug; repeat for several (any matches).",
    "affiliation": (
        "Events of this state or organisation or of anyone affiliated with it (Lavrov → "
        "Rusland), by slug; repeat for several."
    ),
    "type": "Events of this kind (`phone-call`, `statement`, …), by slug; repeat for several.",
    "status": "Events with this status; repeat for several.",
    "place": "Events at this place (`kiev`, `moskou`), by slug; repeat for several (any matches).",
    "from": (
        "Events that have not ended before this date. Free text as a journalist writes it, "
        "Dutch or English, read relative to today: `2022-01-26`, `24-27 jan`, `vorige week`."
    ),
    "to": "Events that have begun by the end of this date (same free text as `from`).",
    "q": (
        "Words that must all occur in the title, summary, quotes or the participants' names "
        "and aliases, accent- and case-blind (`poetin` finds Putin)."
    ),
    "who": "Events of every actor whose name or alias contains this text.",
    "order": "`asc` (oldest first, the default) or `desc`.",
    "cursor": "Where the previous page ended; take it from `next` rather than building it.",
    "timeline": (
        "Events of this timeline, by slug (`/t/` lists them). Without it: the featured "
        "timeline, the one `/` shows, with the events that are in no timeline; with no "
        "featured timeline, every event. An unknown timeline is a 400."
    ),
}
# A sample value per parameter, for the documentation's readers and the schema tests' first tries.
EXAMPLES = {
    "actor": ["lavrov"],
    "affiliation": ["rusland"],
    "type": ["phone-call"],
    "place": ["kiev"],
    "from": "2022-01-26",
    "to": "2022-01-28",
    "q": "poetin",
    "who": "Macron",
    "timeline": "oekraine-crisis-2022",
}


def _schema(field: forms.Field) -> tuple[dict, bool]:
    """The JSON schema of one form field's values, and whether the parameter repeats."""
    if isinstance(field, SlugListField):
        items = {"type": "string", "maxLength": field.max_length}
        return {"type": "array", "maxItems": field.max_items, "items": items}, True
    if isinstance(field, forms.MultipleChoiceField):
        values = [str(v) for v, _label in field.choices]
        return {"type": "array", "maxItems": len(values), "items": {"type": "string", "enum": values}}, True
    if isinstance(field, forms.ChoiceField):
        # An empty value is the default, as for every optional parameter.
        return {"type": "string", "enum": ["", *(str(v) for v, _label in field.choices)]}, False
    return {"type": "string", "maxLength": field.max_length}, False


def _text(name: str, description: str, max_length: int, example: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "string", "maxLength": max_length},
        "examples": {"example": {"value": example}},
    }


def _parameter(name: str, field: forms.Field) -> dict:
    """One query parameter, as the filter form defines it (name, limits, choices), and what an
    invalid value costs on the API: every error is a 400."""
    schema, repeats = _schema(field)
    parameter = {
        "name": name,
        "in": "query",
        "description": f"{DESCRIPTIONS.get(name, field.label)} A value that is not valid is a 400.",
        "schema": schema,
    }
    if repeats:
        parameter |= {"style": "form", "explode": True}
    if name in EXAMPLES:
        parameter["examples"] = {"example": {"value": EXAMPLES[name]}}
    return parameter


EVENT_PARAMETERS = [
    _parameter(name, field)
    for name, field in EventFilterForm.base_fields.items()
    if name not in EventFilterForm.DISPLAY_FIELDS
]

ERRORS = {
    "description": (
        "A parameter is wrong: the messages per parameter (`from`, `actor`, …; `query` when the "
        "whole query string is too long)."
    ),
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
}

SCHEMAS = {
    "Event": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "slug", "title", "summary", "type", "status", "edtf", "start", "end",
            "part_of_day", "place", "actors", "citations", "corrections", "picture", "url",
        ],  # fmt: skip
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "type": {"type": "string", "description": "The event type's slug."},
            "status": {"type": "string", "enum": list(Event.Status.values)},
            "edtf": {
                "type": "string",
                "description": "The date in EDTF, exactly as precise as the source supports "
                "(`2022-01-26`, `2022-01`, `2022-01-24/2022-01-27`, `2022-01-28~`, "
                "`2022-01-29/..`).",
            },
            "start": {"type": "string", "format": "date", "description": "First possible day."},
            "end": {
                "type": ["string", "null"],
                "format": "date",
                "description": "Last possible day; null when open-ended.",
            },
            "part_of_day": {
                "type": ["string", "null"],
                "enum": [*Event.PartOfDay.values, None],
            },
            "place": {
                "oneOf": [{"$ref": "#/components/schemas/Place"}, {"type": "null"}],
                "description": "Where it happened, as a point; null when not known.",
            },
            "actors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["slug", "name", "role"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "role": {"type": "string", "enum": list(Participation.Role.values)},
                    },
                },
            },
            "citations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["source", "outlet", "url", "quote"],
                    "properties": {
                        "source": {"type": "string", "description": "The source's slug."},
                        "outlet": {"type": "string"},
                        "url": {"type": "string", "description": "The source's URL, or empty."},
                        "quote": {"type": "string"},
                    },
                },
            },
            "corrections": {
                "type": "array",
                "description": "Public corrections of this event, oldest first: when the "
                "newsroom put a published fact right, and what it said about it.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["date", "note"],
                    "properties": {
                        "date": {"type": "string", "format": "date-time"},
                        "note": {"type": "string"},
                    },
                },
            },
            "picture": {
                "description": "The event's picture, null without one: the largest size "
                "(`url`, at most 1,600 px wide), every size for a `srcset`, the `sizes` the "
                "event page uses, and the alt text, credit and caption.",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["url", "width", "height", "srcset", "sizes", "alt", "credit", "caption"],
                        "properties": {
                            "url": {"type": "string", "format": "uri"},
                            "width": {"type": "integer"},
                            "height": {"type": "integer"},
                            "srcset": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["url", "width", "height"],
                                    "properties": {
                                        "url": {"type": "string", "format": "uri"},
                                        "width": {"type": "integer"},
                                        "height": {"type": "integer"},
                                    },
                                },
                            },
                            "sizes": {"type": "string"},
                            "alt": {"type": "string"},
                            "credit": {"type": "string"},
                            "caption": {"type": "string"},
                        },
                    },
                ],
            },
            "url": {"type": "string", "format": "uri", "description": "The event's permalink."},
        },
    },
    "Place": {
        "type": "object",
        "additionalProperties": False,
        "required": ["slug", "name", "lat", "lon"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string", "description": "The Dutch name (Kiev, Moskou)."},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
        },
    },
    # RFC 7946: a FeatureCollection of Point features, each position [longitude, latitude].
    "EventFeatureCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": ["string", "number"]},
                        "geometry": {
                            "type": "object",
                            "required": ["type", "coordinates"],
                            "properties": {
                                "type": {"const": "Point"},
                                "coordinates": {
                                    "type": "array",
                                    "minItems": 2,
                                    "maxItems": 3,
                                    "prefixItems": [
                                        {"type": "number", "minimum": -180, "maximum": 180},
                                        {"type": "number", "minimum": -90, "maximum": 90},
                                    ],
                                    "items": {"type": "number"},
                                },
                            },
                        },
                        "properties": {"$ref": "#/components/schemas/Event"},
                    },
                },
            },
        },
    },
    "EventPage": {
        "type": "object",
        "additionalProperties": False,
        "required": ["count", "events", "next"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "All matching events."},
            "events": {
                "type": "array",
                "maxItems": EventFilterForm.PAGE_SIZE,
                "items": {"$ref": "#/components/schemas/Event"},
            },
            "next": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "The next page (same filters and a cursor); null on the last.",
            },
        },
    },
    "Actor": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "slug", "name", "kind", "function", "affiliation", "aliases", "url", "event_count",
        ],  # fmt: skip
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(Actor.Kind.values)},
            "function": {"type": "string", "description": "Empty when not known."},
            "affiliation": {
                "type": ["string", "null"],
                "description": "Slug of the state or organisation the actor belongs to.",
            },
            "aliases": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string", "format": "uri"},
            "event_count": {
                "type": "integer",
                "minimum": 0,
                "description": "Published events the actor takes part in.",
            },
        },
    },
    "ActorList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["count", "actors"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "actors": {"type": "array", "items": {"$ref": "#/components/schemas/Actor"}},
        },
    },
    "Errors": {
        "type": "object",
        "additionalProperties": False,
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string"},
                },
            }
        },
    },
}


def description() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Crisis Timeline",
            "version": VERSION,
            "summary": "A sourced, filterable timeline of a crisis.",
            "description": (
                "Every event with its participants and the quote that supports it. The filters "
                "are those of the timeline page, so a page URL's query string works here as it "
                "is. Exports of the same filters: `/export/timelinejs.json`, `/export/events.csv`, "
                "`/export/events.ics`, `/export/events.geojson`, `/feed/` (Atom)."
            ),
        },
        "paths": {
            "/api/events.json": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Events matching the filters, oldest first, 50 a page",
                    "parameters": EVENT_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "One page of matching published events.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/EventPage"}
                                }
                            },
                        },
                        "400": ERRORS,
                    },
                }
            },
            "/export/events.geojson": {
                "get": {
                    "operationId": "eventsGeoJSON",
                    "summary": "The matching events that have a place, as GeoJSON (RFC 7946), up to 5,000",
                    "parameters": EVENT_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "A FeatureCollection of Point features, the event as "
                            "its properties.",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/EventFeatureCollection"}
                                }
                            },
                        },
                        "400": {
                            "description": "A parameter is wrong (plain text).",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        },
                    },
                }
            },
            "/api/actors.json": {
                "get": {
                    "operationId": "listActors",
                    "summary": "Every actor, or those whose name or alias matches `q`",
                    "parameters": [
                        _text(
                            "q",
                            "Part of a name or alias, accent- and case-blind, in any of the "
                            "spellings we know (`poetin`, `putin`); best matches first. "
                            "Without it, every actor by name.",
                            MAX_Q_LENGTH,
                            "poetin",
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": "The actors.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ActorList"}
                                }
                            },
                        },
                        "400": ERRORS,
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }


@cors
@public_read
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(description(), json_dumps_params={"ensure_ascii": False})
