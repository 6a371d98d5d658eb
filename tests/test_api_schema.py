"""The JSON API against its own OpenAPI description, by schemathesis, inside the WSGI app.

The description is validated against the OpenAPI 3.1 meta-schema, then schemathesis generates
requests from it (valid and invalid parameters) and checks every answer: no 500, only the
documented status codes and content types, and a body that matches the documented schema
exactly (the schemas forbid undocumented fields). The models' typed `as_dict` shapes are held
against the same schemas, and the endpoints against `as_dict`.
"""

import copy

import jsonschema_rs
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.models import Count, Q
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from timeline import openapi
from timeline.models import Actor, ActorDict, Event, EventDict

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def application():
    """Django's WSGI app, talking to the test transaction.

    Like Django's test client: a request must not close the test's database connection at its
    end (it would roll back the open test transaction and the seed with it).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The description as the code builds it; the first test checks that the app serves exactly this.
schema = schemathesis.openapi.from_dict(openapi.description())


def test_it_serves_a_valid_openapi_31_description(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    # Validates against the OpenAPI 3.1 meta-schema; raises when it does not conform.
    schemathesis.openapi.from_dict(document).validate()
    assert document == openapi.description()


def test_the_validation_really_rejects_a_broken_description():
    broken = copy.deepcopy(openapi.description())
    broken["paths"]["/api/events.json"]["get"]["parameters"][0]["in"] = "nowhere"
    with pytest.raises(jsonschema_rs.ValidationError, match="nowhere"):
        schemathesis.openapi.from_dict(broken).validate()


def test_it_documents_every_query_parameter_of_both_endpoints(client):
    document = client.get("/api/openapi.json").json()
    events = document["paths"]["/api/events.json"]["get"]
    names = [p["name"] for p in events["parameters"]]
    assert names == [
        "actor", "affiliation", "type", "status", "place", "from", "to", "q", "who", "order", "cursor",
        "timeline",
    ]  # fmt: skip
    assert set(events["responses"]) == {"200", "400"}
    status = next(p for p in events["parameters"] if p["name"] == "status")
    assert status["schema"]["type"] == "array" and status["explode"] is True
    actors = document["paths"]["/api/actors.json"]["get"]
    assert [p["name"] for p in actors["parameters"]] == ["q"]
    event = document["components"]["schemas"]["Event"]
    assert event["properties"]["end"]["type"] == ["string", "null"]
    assert event["properties"]["part_of_day"]["type"] == ["string", "null"]


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_the_promises_of_its_description(case, seed, application):
    # The description promises JSON; the transport here does not undo the brotli/gzip that
    # public answers get for a client that accepts them (tests/test_production.py checks those).
    case.call_and_validate(app=application, checks=CHECKS, headers={"Accept-Encoding": "identity"})


# -- the JSON shapes: the models' as_dict, the API's answers and the description agree ---------


def _absolute(path: str) -> str:
    return "http://testserver" + path


@pytest.mark.parametrize(("typed", "name"), [(EventDict, "Event"), (ActorDict, "Actor")])
def test_the_typed_shapes_are_the_documented_ones(typed, name):
    documented = openapi.description()["components"]["schemas"][name]
    assert typed.__required_keys__ == set(documented["required"]) == set(documented["properties"])


def test_it_answers_events_json_with_each_events_as_dict(client, seed):
    data = client.get("/api/events.json").json()
    slugs = [e["slug"] for e in data["events"]]
    assert len(slugs) == data["count"] == Event.objects.published().count()
    found = Event.objects.with_details().in_bulk(slugs, field_name="slug")
    expected = [found[slug].as_dict(_absolute) for slug in slugs]
    assert data["events"] == expected
    validator = _validator("Event")
    for event in expected:
        validator.validate(event)


def test_it_answers_actors_json_with_each_actors_as_dict(client, seed):
    data = client.get("/api/actors.json").json()
    actors = Actor.objects.annotate(
        event_count=Count(
            "participations__event", filter=Q(participations__event__published=True), distinct=True
        )
    ).in_bulk([a["slug"] for a in data["actors"]], field_name="slug")
    expected = [actors[a["slug"]].as_dict(_absolute) for a in data["actors"]]
    assert len(expected) == data["count"] == Actor.objects.count()
    assert data["actors"] == expected
    validator = _validator("Actor")
    for actor in expected:
        validator.validate(actor)


def test_the_schema_check_refuses_a_shape_that_drifted(seed):
    event = Event.objects.with_details().get(slug="poetin-macron-telefoongesprek-2022-01-28")
    drifted = {**event.as_dict(_absolute), "date_label": "vrijdag 28 januari 2022 · ochtend"}
    with pytest.raises(jsonschema_rs.ValidationError):
        _validator("Event").validate(drifted)


def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    """One component schema of the description, with the others it refers to."""
    document = openapi.description()
    schema = {**document["components"]["schemas"][name], "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
