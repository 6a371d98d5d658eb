"""The query string's one definition (timeline/query/): its policies as every endpoint applies
them, and the page's inputs and the OpenAPI parameters as the form defines them."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from timeline import openapi
from timeline.query.forms import EventFilterForm

pytestmark = pytest.mark.django_db

# Every public endpoint a program (not a person) reads: any site may fetch these.
MACHINE_ENDPOINTS = [
    "/api/events.json",
    "/api/actors.json",
    "/api/openapi.json",
    "/export/timelinejs.json",
    "/en/export/timelinejs.json",
    "/export/events.csv",
    "/export/events.ics",
    "/en/export/events.ics",
    "/feed/",
    "/en/feed/",
]
TOO_LONG = "?q=" + "x" * 20_000


@pytest.mark.parametrize("url", MACHINE_ENDPOINTS)
def test_it_lets_any_site_read_every_machine_endpoint(client, seed, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("url", [u for u in MACHINE_ENDPOINTS if u != "/api/openapi.json"])  # no parameters
def test_it_lets_any_site_read_the_refusal_too(client, seed, url):
    response = client.get(url + TOO_LONG)
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"


def test_it_sends_the_cors_header_on_a_cached_api_answer(client, seed, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-query-cors"}}
    cache.clear()
    first = client.get("/api/events.json?actor=lavrov")
    second = client.get("/api/events.json?actor=lavrov")
    cache.clear()
    assert first.content == second.content
    assert second["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("url", ["/", "/en/", "/embed/", "/events/poetin-macron-telefoongesprek-2022-01-28/"])
def test_it_keeps_pages_for_people_to_this_site(client, seed, url):
    assert client.get(url).status_code == 200
    assert "Access-Control-Allow-Origin" not in client.get(url)


def test_it_answers_a_mistyped_filter_on_the_page_inline(client, seed):
    response = client.get("/?from=blorp&actor=lavrov")
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'<p class="field-error" id="id_from_error">([^<]+)</p>', html)
    assert error and "blorp" in error.group(1)
    # The input says which message describes it, and keeps what was typed.
    field = re.search(r'<input [^>]*name="from"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_from_error"' in field
    assert 'value="blorp"' in field
    assert "Lavrov" in html  # the other filter still applies, with its chip


@pytest.mark.parametrize(("query", "said"), [("cursor=rommel", "<li>Ongeldige cursor."),
                                             ("order=zijwaarts", "<li>Volgorde: ")])
def test_it_answers_a_bad_machine_parameter_on_the_page_with_an_html_400(client, seed, query, said):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    # In words: the field's label where it has one, never the parameter's name.
    html = response.content.decode()
    assert said in html and f"{query.split('=')[0]}: " not in html


@pytest.mark.parametrize(("query", "field"), [("from=blorp", "from"), ("actor=niemand", "actor"),
                                              ("cursor=rommel", "cursor")])
def test_it_answers_any_bad_filter_on_the_api_with_a_json_400(client, seed, query, field):
    response = client.get(f"/api/events.json?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(("url", "content_type"), [
    ("/", "text/html"),
    ("/api/events.json", "application/json"),
    ("/api/actors.json", "application/json"),
    ("/embed/", "text/plain"),
    ("/export/events.csv", "text/plain"),
])
def test_it_refuses_a_query_string_too_long_in_the_endpoints_own_format(client, url, content_type):
    response = client.get(url + TOO_LONG)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(content_type)
    assert "te lang" in response.content.decode()


def test_it_drops_a_mistyped_filter_in_the_embed_and_refuses_a_bad_cursor_as_text(client, seed):
    assert client.get("/embed/?from=blorp").status_code == 200
    response = client.get("/embed/?cursor=rommel")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "\ncursor: " in response.content.decode()


def test_it_draws_the_page_inputs_with_the_forms_limits(client, seed):
    html = client.get("/").content.decode()
    for name in ("q", "who", "from", "to"):
        field = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert f'maxlength="{EventFilterForm.base_fields[name].max_length}"' in field, name
    order = re.search(r'<select [^>]*name="order".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="(\w+)"', order) == [v for v, _ in EventFilterForm.base_fields["order"].choices]


def test_it_describes_every_filter_of_the_form_in_openapi_and_nothing_else():
    parameters = {p["name"]: p for p in openapi.EVENT_PARAMETERS}
    # How the page shows the selection (view, lanes) is no filter of the API's.
    described = [name for name in EventFilterForm.base_fields if name not in EventFilterForm.DISPLAY_FIELDS]
    assert list(parameters) == described
    assert parameters["q"]["schema"]["maxLength"] == EventFilterForm.base_fields["q"].max_length
    assert parameters["from"]["schema"]["maxLength"] == EventFilterForm.base_fields["from"].max_length
    statuses = [v for v, _ in EventFilterForm.base_fields["status"].choices]
    assert parameters["status"]["schema"]["items"]["enum"] == statuses
    assert parameters["actor"]["explode"] is True and "explode" not in parameters["q"]
