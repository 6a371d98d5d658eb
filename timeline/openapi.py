"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Built from the code's own constants (the filter form's limits, the model's choices), so that
the description cannot drift from what `EventFilterForm` accepts. The response schemas are
strict (`additionalProperties: false`): tests/test_api_schema.py runs schemathesis against the
app and fails on any field the views return that is not described here, or the other way
round.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from timeline.query.forms import MAX_DATE_LENGTH, MAX_Q_LENGTH, MAX_REPEATS, EventFilterForm
from timeline.models import Actor, Event, Participation

VERSION = "1.0.0"


def _slug_list(name: str, what: str, example: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "style": "form",
        "explode": True,
        "description": (
            f"{what}, by slug; repeat the parameter for several (any of them matches). "
            "An unknown slug is a 400."
        ),
        "schema": {
            "type": "array",
            "maxItems": MAX_REPEATS,
            "items": {"type": "string", "maxLength": 100},
        },
        "examples": {"one": {"value": [example]}},
    }


def _text(name: str, description: str, max_length: int, example: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "string", "maxLength": max_length},
        "examples": {"example": {"value": example}},
    }


EVENT_PARAMETERS = [
    _slug_list("actor", "Events in which this actor takes part", "lavrov"),
    _slug_list(
        "affiliation",
        "Events of this state or organisation or of anyone affiliated with it (Lavrov → Rusland)",
        "rusland",
    ),
    _slug_list("type", "Events of this kind (`phone-call`, `statement`, …)", "phone-call"),
    {
        "name": "status",
        "in": "query",
        "style": "form",
        "explode": True,
        "description": "Events with this status; repeat for several.",
        "schema": {
            "type": "array",
            "maxItems": len(Event.Status.values),
            "items": {"type": "string", "enum": list(Event.Status.values)},
        },
    },
    _text(
        "from",
        "Events that have not ended before this date. Free text as a journalist writes it, "
        "Dutch or English, read relative to today: `2022-01-26`, `24-27 jan`, `vorige week`. "
        "A date that cannot be read is a 400.",
        MAX_DATE_LENGTH,
        "2022-01-26",
    ),
    _text(
        "to",
        "Events that have begun by the end of this date (same free text as `from`).",
        MAX_DATE_LENGTH,
        "2022-01-28",
    ),
    _text(
        "q",
        "Words that must all occur in the title, summary, quotes or the participants' names "
        "and aliases, accent- and case-blind (`poetin` finds Putin).",
        MAX_Q_LENGTH,
        "poetin",
    ),
    _text(
        "who",
        "Events of every actor whose name or alias contains this text.",
        MAX_Q_LENGTH,
        "Macron",
    ),
    {
        "name": "order",
        "in": "query",
        "description": "`asc` (oldest first, the default) or `desc`.",
        "schema": {"type": "string", "enum": ["", "asc", "desc"]},
    },
    {
        "name": "cursor",
        "in": "query",
        "description": (
            "Where the previous page ended; take it from `next` rather than building it. "
            "A malformed cursor is a 400."
        ),
        "schema": {"type": "string", "maxLength": 200},
    },
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
            "part_of_day", "actors", "citations", "url",
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
            "url": {"type": "string", "format": "uri", "description": "The event's permalink."},
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
                "`/export/events.ics`, `/feed/` (Atom)."
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


@require_GET
def openapi_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(description(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
