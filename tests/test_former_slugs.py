"""Links that never break: every slug an event, actor or event type ever had leads to it (issue 16)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps

from timeline import migrations
from timeline.models import Actor, Event, EventType, FormerSlug

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"


def _rename(obj, slug: str):
    obj.slug = slug
    obj.save()
    return obj


def _follow_once(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 301, (url, response.status_code)
    return response["Location"]


def test_an_old_event_slug_answers_301_to_the_current_page(client, seed):
    event = _rename(Event.objects.get(slug=CALL), "poetin-belt-macron")
    assert _follow_once(client, f"/events/{CALL}/") == "/events/poetin-belt-macron/"
    assert _follow_once(client, f"/en/events/{CALL}/") == "/en/events/poetin-belt-macron/"
    page = client.get(event.get_absolute_url())
    assert page.status_code == 200 and event.title in page.content.decode()


def test_every_slug_it_ever_had_leads_to_the_latest(client, seed):
    event = Event.objects.get(slug=CALL)
    _rename(event, "tweede-naam")
    _rename(event, "derde-naam")
    assert _follow_once(client, f"/events/{CALL}/") == "/events/derde-naam/"
    assert _follow_once(client, "/events/tweede-naam/") == "/events/derde-naam/"
    _rename(event, CALL)  # back to the first: its live slug again, no redirect loop
    assert client.get(f"/events/{CALL}/").status_code == 200
    assert _follow_once(client, "/events/derde-naam/") == f"/events/{CALL}/"
    assert set(event.former_slugs.values_list("slug", flat=True)) == {"tweede-naam", "derde-naam"}


def test_a_revert_to_an_older_slug_keeps_the_newer_one_leading_to_it(client, seed):
    # A revert saves an event built from a history record, not loaded from the database.
    event = Event.objects.get(slug=CALL)
    event.save()  # its first version, under its first slug
    _rename(event, "nieuwe-naam")
    event.history.earliest().instance.save()
    assert client.get(f"/events/{CALL}/").status_code == 200
    assert _follow_once(client, "/events/nieuwe-naam/") == f"/events/{CALL}/"


def test_an_old_actor_slug_answers_301_for_the_page_the_embed_and_the_api(client, seed):
    _rename(Actor.objects.get(slug="lavrov"), "sergej-lavrov")
    assert _follow_once(client, "/actors/lavrov/") == "/actors/sergej-lavrov/"
    embed = _follow_once(client, "/embed/?actor=lavrov&type=statement")
    assert embed == "/embed/?actor=sergej-lavrov&type=statement"
    framed = client.get(embed)
    assert framed.status_code == 200 and "Filter niet toegepast" not in framed.content.decode()
    assert _follow_once(client, "/?actor=lavrov") == "/?actor=sergej-lavrov"
    assert _follow_once(client, "/api/events.json?affiliation=lavrov") == (
        "/api/events.json?affiliation=sergej-lavrov"
    )
    assert _follow_once(client, "/en/feed/?actor=lavrov") == "/en/feed/?actor=sergej-lavrov"


def test_an_old_type_slug_answers_301_to_the_filter_under_its_new_one(client, seed):
    statement = _rename(EventType.objects.get(slug="statement"), "verklaring")
    expected = client.get("/api/events.json?type=verklaring").json()["count"]
    assert expected > 0
    moved = _follow_once(client, "/api/events.json?type=statement&actor=lavrov&type=phone-call")
    assert moved == "/api/events.json?type=verklaring&type=phone-call&actor=lavrov"  # keys grouped
    assert _follow_once(client, "/embed/?type=statement") == "/embed/?type=verklaring"
    assert _follow_once(client, "/?type=statement&q=oorlog") == "/?type=verklaring&q=oorlog"
    assert _follow_once(client, "/export/events.csv?type=statement") == "/export/events.csv?type=verklaring"
    assert client.get("/api/events.json?type=statement", follow=True).json()["count"] == expected
    assert list(statement.former_slugs.values_list("slug", flat=True)) == ["statement"]
    # An actor's old slug and a type's in one link: both sent on at once.
    _rename(Actor.objects.get(slug="lavrov"), "sergej-lavrov")
    assert _follow_once(client, "/?actor=lavrov&type=statement") == "/?actor=sergej-lavrov&type=verklaring"
    # A type never called so is still the form's error, not a redirect.
    assert client.get("/api/events.json?type=nooit-bestaan").status_code == 400


def test_a_draft_stays_unknown_under_its_old_slug(client, seed):
    event = Event.objects.get(slug=CALL)
    event.published = False
    _rename(event, "concept-naam")
    assert client.get(f"/events/{CALL}/").status_code == 404


def test_a_slug_nobody_had_is_still_a_404_and_an_unknown_actor_an_inline_error(client, seed):
    assert client.get("/events/bestaat-niet/").status_code == 404
    assert client.get("/actors/bestaat-niet/").status_code == 404
    response = client.get("/", {"actor": "bestaat-niet"})
    assert response.status_code == 200
    assert "Onbekende deelnemer: bestaat-niet" in response.content.decode()
    assert not FormerSlug.objects.exists()


def test_slugs_changed_before_there_was_a_redirect_are_read_from_the_audit_history(client, seed):
    event, lavrov = Event.objects.get(slug=CALL), Actor.objects.get(slug="lavrov")
    event.save()  # saved once under the old slugs (the seed's load records no history)
    lavrov.save()
    _rename(event, "nieuwe-naam")
    _rename(lavrov, "sergej-lavrov")
    FormerSlug.objects.all().delete()  # as it was before the migration that added them
    (module,) = Path(migrations.__file__).parent.glob("*_corrections_and_former_slugs.py")
    importlib.import_module(f"timeline.migrations.{module.stem}").former_slugs_from_history(apps, None)
    assert _follow_once(client, f"/events/{CALL}/") == "/events/nieuwe-naam/"
    assert _follow_once(client, "/actors/lavrov/") == "/actors/sergej-lavrov/"
    assert client.get(event.get_absolute_url()).status_code == 200
