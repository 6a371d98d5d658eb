"""Places: the model and its gazetteer, the `place` filter and its facet, and the place in the
API and the exports (GeoJSON, iCalendar, TimelineJS)."""

import io
import json
import re

import jsonschema_rs
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from timeline import openapi
from timeline.geo import gazetteer
from timeline.models import Event, Place

pytestmark = pytest.mark.django_db

KIEV = {"vs-halen-diplomaten-weg-uit-kiev", "canada-haalt-diplomaten-weg-uit-kiev"}
MOSCOW = {"navo-brief-aan-kremlin-2022-01-26", "vs-brief-aan-kremlin-2022-01-26"}


def _api(client, query: str) -> set[str]:
    response = client.get("/api/events.json" + query)
    assert response.status_code == 200, response.content
    return {e["slug"] for e in response.json()["events"]}


# -- the gazetteer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "dutch", "english", "country"),
    [("Kiev", "Kiev", "Kyiv", "UA"), ("Kyiv", "Kiev", "Kyiv", "UA"), ("Moskou", "Moskou", "Moscow", "RU"),
     ("moscow", "Moskou", "Moscow", "RU"), ("Genève", "Genève", "Geneva", "CH"),
     ("Brussel", "Brussel", "Brussels", "BE"),
     ("Minsk", "Minsk", "Minsk", "BY"), ("Washington", "Washington", "Washington", "US")],
)  # fmt: skip
def test_the_gazetteer_knows_the_dutch_and_english_names(name, dutch, english, country):
    entry = gazetteer.lookup(name)
    assert (entry.name, entry.name_en, entry.country) == (dutch, english, country)


def test_add_place_makes_a_place_from_the_gazetteer_once():
    out = io.StringIO()
    call_command("add_place", "Genève", "Minsk", stdout=out)
    assert "geneve\tGenève\t46.2022,6.1457\ttoegevoegd" in out.getvalue()
    geneva = Place.objects.get(slug="geneve")
    assert (geneva.name_en, geneva.country) == ("Geneva", "CH")
    assert {"Geneva", "Genf"} <= set(geneva.aliases.values_list("name", flat=True))
    out = io.StringIO()
    call_command("add_place", "Geneva", stdout=out)
    assert "bestond al" in out.getvalue() and Place.objects.filter(geonameid=geneva.geonameid).count() == 1
    with pytest.raises(CommandError, match="Niet in de gazetteer: Xyzzyville"):
        call_command("add_place", "Xyzzyville", stdout=io.StringIO())


def test_the_migration_turns_known_locations_into_places(seed):
    # What the seed's own places are: as the migration makes them from a location "Kiev".
    entry = gazetteer.lookup("Kiev")
    kiev = Place.objects.get(slug="kiev")
    assert (kiev.geonameid, kiev.latitude, kiev.longitude) == (
        entry.geonameid,
        entry.latitude,
        entry.longitude,
    )
    assert set(Event.objects.filter(place=kiev).values_list("slug", flat=True)) == KIEV


# -- the filter and its facet --------------------------------------------------------------------


def test_it_filters_by_place(client, seed):
    assert _api(client, "?place=kiev") == KIEV
    assert _api(client, "?place=kiev&place=moskou") == KIEV | MOSCOW
    assert _api(client, "?place=moskou&type=diplomatic-letter") == MOSCOW
    assert _api(client, "?place=kiev&type=diplomatic-letter") == set()


def test_a_search_finds_an_event_by_its_place_in_any_spelling(client, seed):
    # "Kiew" is only the place's other name (no participant or text says it).
    assert _api(client, "?q=kiew") == KIEV
    assert _api(client, "?q=moscow") >= MOSCOW


def test_it_counts_each_place_with_the_other_filters(client, seed):
    html = client.get("/").content.decode()
    assert re.search(r'for="place-kiev">Kiev <span class="count">\(2\)</span>', html)
    assert re.search(r'for="place-moskou">Moskou <span class="count">\(2\)</span>', html)
    # With Kiev chosen, Moskou still counts what ticking it would add.
    html = client.get("/?place=kiev").content.decode()
    assert re.search(r'id="place-kiev" checked>', html)
    assert re.search(r'for="place-moskou">Moskou <span class="count">\(2\)</span>', html)
    assert "<strong>2</strong> gebeurtenissen" in html
    assert 'aria-label="Filter in Kiev verwijderen"' in html
    # Another filter narrows the count; a place none of its events is in is not offered.
    html = client.get("/?type=withdrawal-of-diplomats").content.decode()
    assert re.search(r'for="place-kiev">Kiev <span class="count">\(2\)</span>', html)
    assert 'id="place-moskou"' not in html


def test_an_unknown_place_is_explained_on_the_page_and_a_400_for_machines(client, seed):
    response = client.get("/?place=atlantis&type=diplomatic-letter")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Onbekende plaats: atlantis" in html
    letters = Event.objects.filter(type__slug="diplomatic-letter").count()
    assert f"<strong>{letters}</strong> gebeurtenissen" in html  # the other filter still applies
    response = client.get("/api/events.json?place=atlantis")
    assert response.status_code == 400
    assert response.json() == {"errors": {"place": ["Onbekende plaats: atlantis"]}}
    assert client.get("/export/events.geojson?place=atlantis").status_code == 400
    assert client.get("/api/events.json?place=" + "x" * 500).status_code == 400


def test_the_facet_and_the_map_follow_an_edit_of_an_event(client, seed):
    client.get("/")  # the index is built
    event = Event.objects.get(slug="poetin-macron-telefoongesprek-2022-01-28")
    event.place = Place.objects.get(slug="moskou")
    event.save()
    html = client.get("/?view=map").content.decode()
    assert 'aria-label="Moskou: 3 gebeurtenissen"' in html
    assert _api(client, "?place=moskou") == MOSCOW | {event.slug}


# -- the API and the exports ---------------------------------------------------------------------


def test_each_event_in_the_api_has_its_place(client, seed):
    events = {e["slug"]: e for e in client.get("/api/events.json").json()["events"]}
    assert events["vs-halen-diplomaten-weg-uit-kiev"]["place"] == {
        "slug": "kiev", "name": "Kiev", "lat": 50.45466, "lon": 30.5238,
    }  # fmt: skip
    assert events["poetin-macron-telefoongesprek-2022-01-28"]["place"] is None


def test_the_geojson_export_is_a_feature_collection_of_the_selection(client, seed):
    response = client.get("/export/events.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    document = openapi.description()
    schema = {
        **document["components"]["schemas"]["EventFeatureCollection"],
        "components": document["components"],
    }
    jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(data)
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == KIEV | MOSCOW  # only the events that have a place
    # RFC 7946, section 3.1.1: longitude first.
    assert features["vs-halen-diplomaten-weg-uit-kiev"]["geometry"] == {
        "type": "Point", "coordinates": [30.5238, 50.45466],
    }  # fmt: skip
    assert (
        features["vs-brief-aan-kremlin-2022-01-26"]["properties"]["title"]
        == "VS leveren schriftelijke reactie af bij het Kremlin"
    )
    # The same filters as everything else.
    data = json.loads(client.get("/export/events.geojson?place=moskou").content)
    assert {f["id"] for f in data["features"]} == MOSCOW


def test_the_geojson_schema_refuses_latitude_first():
    document = openapi.description()
    schema = {
        **document["components"]["schemas"]["EventFeatureCollection"],
        "components": document["components"],
    }
    validator = jsonschema_rs.Draft202012Validator(schema)
    point = {"type": "Point", "coordinates": [30.5, 150.4]}  # a latitude of 150: lon and lat swapped
    with pytest.raises(jsonschema_rs.ValidationError):
        validator.validate(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": point, "properties": {}}],
            }
        )


def test_the_calendar_has_geo_and_location(client, seed):
    text = b"".join(client.get("/export/events.ics?place=moskou").streaming_content).decode()
    assert text.count("GEO:55.75204;37.61781") == 2
    assert text.count("LOCATION:Kremlin\\, Moskou") == 2
    text = b"".join(client.get("/export/events.ics?place=kiev").streaming_content).decode()
    assert text.count("LOCATION:Kiev\r\n") == 2


def test_timelinejs_shows_the_place_in_the_slide_text(client, seed):
    slides = {s["unique_id"]: s for s in client.get("/export/timelinejs.json?place=moskou").json()["events"]}
    assert "<p>Plaats: Kremlin, Moskou</p>" in slides["vs-brief-aan-kremlin-2022-01-26"]["text"]["text"]
    with translation.override(None):  # the locale middleware leaves English active otherwise
        english = client.get("/en/export/timelinejs.json?place=moskou").json()["events"]
    slides = {s["unique_id"]: s for s in english}
    assert "<p>Place: Kremlin, Moscow</p>" in slides["vs-brief-aan-kremlin-2022-01-26"]["text"]["text"]


def test_the_page_links_the_geojson_export_with_the_filters(client, seed):
    html = client.get("/?place=kiev").content.decode()
    assert re.search(r'<a href="http://testserver/export/events.geojson\?place=kiev">GeoJSON</a>', html)


# -- the admin -----------------------------------------------------------------------------------


@pytest.fixture
def desk(client, seed):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("anna", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def test_an_editor_chooses_a_place_by_any_of_its_names(desk):
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "timeline", "model_name": "event", "field_name": "place", "term": "kyiv"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Kiev"]
    html = desk.get("/admin/timeline/place/", {"q": "moscow"}).content.decode()
    assert re.findall(r'<th class="field-name"><a href="[^"]*">([^<]*)</a>', html) == ["Moskou"]


def test_an_editor_adds_a_place_from_the_gazetteer(desk):
    html = desk.get("/admin/timeline/place/gazetteer/", {"q": "Genf"}).content.decode()
    entry = gazetteer.lookup("Genève")
    assert f'name="geonameid" value="{entry.geonameid}"' in html
    assert "<td>Genève</td><td>Geneva</td><td>CH</td>" in html
    assert "<td>Kiev</td>" not in html
    # Kiev is there already: offered as such, not to be added twice.
    html = desk.get("/admin/timeline/place/gazetteer/", {"q": "Kyiv"}).content.decode()
    assert "al aanwezig" in html
    response = desk.post("/admin/timeline/place/gazetteer/", {"geonameid": entry.geonameid})
    geneva = Place.objects.get(geonameid=entry.geonameid)
    assert response.status_code == 302 and response["Location"].endswith(f"/place/{geneva.pk}/change/")
    assert (geneva.name, geneva.latitude, geneva.longitude) == ("Genève", entry.latitude, entry.longitude)
    assert desk.post("/admin/timeline/place/gazetteer/", {"geonameid": "nope"}).status_code == 404


def test_a_renamed_place_shows_under_its_new_name_on_the_next_request(client, seed):
    client.get("/?view=map")  # the index is built
    kiev = Place.objects.get(slug="kiev")
    kiev.name = "Kyjiv"
    kiev.save()
    html = client.get("/?view=map").content.decode()
    assert 'aria-label="Kyjiv: 2 gebeurtenissen"' in html
    assert _api(client, "?q=kyjiv") == KIEV  # and its events' search text follows
