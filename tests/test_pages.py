"""What a reader sees on the timeline, the permalinks, the actor pages and the JSON."""

import re

import pytest
from conftest import close_response

from timeline.models import Actor, Event

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"


def _event_slugs(html: str) -> list[str]:
    return re.findall(r'<article class="event [^"]*" id="event-([^"]+)"', html)


def _unpublish(slug: str) -> Event:
    event = Event.objects.get(slug=slug)
    event.published = False
    event.save()
    return event


def test_it_lists_every_published_event_in_date_order(client, seed):
    response = client.get("/")
    assert response.status_code == 200
    slugs = _event_slugs(response.content.decode())
    expected = list(
        Event.objects.published().order_by("start", "slug").values_list("slug", flat=True)
    )
    assert slugs == expected
    assert len(slugs) == Event.objects.count() >= 19


def test_it_groups_by_day_with_honest_labels(client, seed):
    html = client.get("/").content.decode()
    assert "vrijdag 28 januari 2022 · ochtend" in html
    assert "woensdag 26 januari 2022" in html
    assert "24–27 januari 2022" in html
    assert "na 28 januari 2022" in html
    # The day heading comes before the events of that day.
    assert html.index("woensdag 26 januari 2022") < html.index("navo-brief-aan-kremlin")


def test_it_shows_participants_roles_quote_and_source(client, seed):
    html = client.get("/").content.decode()
    card = html[html.index(f'id="event-{CALL}"') :]
    card = card[: card.index("</article>")]
    assert "Vladimir Poetin" in card and "Emmanuel Macron" in card
    assert 'href="/actors/poetin/"' in card
    assert "Vanochtend heeft president Poetin met zijn Franse ambtgenoot Macron" in card
    assert "NOS" in card


def test_it_shows_status_of_what_has_not_happened_yet(client, seed):
    html = client.get("/").content.decode()
    expected = html[html.index('id="event-lavrov-blinken-ontmoeting-verwacht"') :]
    assert "verwacht" in expected[: expected.index("</article>")]


def test_it_hides_unpublished_events_everywhere(client, seed):
    _unpublish(CALL)
    assert CALL not in client.get("/").content.decode()
    assert client.get(f"/events/{CALL}/").status_code == 404
    assert CALL not in client.get("/actors/poetin/").content.decode()
    data = client.get("/api/events.json").json()
    assert CALL not in [e["slug"] for e in data["events"]]
    assert data["count"] == Event.objects.published().count()


def test_it_shows_an_event_permalink(client, seed):
    response = client.get(f"/events/{CALL}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{Event.objects.get(slug=CALL).title}</h1>" in html
    assert "vrijdag 28 januari 2022 · ochtend" in html
    assert "2022-01-28" in html
    assert "Er komt geen officiële verklaring na dat gesprek." in html
    assert 'href="/actors/macron/"' in html


def test_it_shows_an_actor_with_events_and_partners(client, seed):
    response = client.get("/actors/lavrov/")
    assert response.status_code == 200
    html = response.content.decode()
    lavrov = Actor.objects.get(slug="lavrov")
    assert lavrov.function in html
    assert 'href="/actors/rusland/"' in html
    for alias in lavrov.aliases.all():
        assert alias.name in html
    lavrov_events = Event.objects.filter(participations__actor=lavrov).distinct()
    for event in lavrov_events:
        assert f'id="event-{event.slug}"' in html
    assert "Had te maken met" in html
    assert 'href="/actors/blinken/"' in html


@pytest.mark.parametrize("url", ["/events/bestaat-niet/", "/actors/bestaat-niet/", "/nergens/"])
def test_it_gives_the_styled_404(client, seed, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Deze pagina bestaat niet" in html
    assert "css/site.css" in html
    assert 'href="/"' in html


def test_it_serves_the_json_in_the_documented_shape(client, seed):
    response = client.get("/api/events.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) >= {"count", "events"}
    assert data["count"] == len(data["events"]) == Event.objects.published().count()
    keys = {"slug", "title", "summary", "type", "status", "edtf", "start", "end",
            "part_of_day", "place", "picture", "actors", "citations", "corrections", "url"}
    for event in data["events"]:
        assert set(event) == keys
        assert event["corrections"] == []  # the seed has none
        assert all(set(a) == {"slug", "name", "role"} for a in event["actors"])
        assert all(set(c) == {"source", "outlet", "url", "quote"} for c in event["citations"])
    call = next(e for e in data["events"] if e["slug"] == CALL)
    assert call["start"] == call["end"] == "2022-01-28"
    assert call["part_of_day"] == "morning"
    assert call["type"] == "phone-call"
    assert {a["slug"] for a in call["actors"]} == {"poetin", "macron"}
    assert call["url"].endswith(f"/events/{CALL}/")
    expected = next(e for e in data["events"] if e["slug"] == "lavrov-blinken-ontmoeting-verwacht")
    assert expected["end"] is None and expected["start"] == "2022-01-29"
    assert expected["status"] == "expected"


def test_it_serves_its_own_static_files(client, seed):
    html = client.get("/").content.decode()
    assert "cdn" not in html.lower()
    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', html)


# -- what only drafts name stays unknown; every public URL reads with GET, HEAD and OPTIONS -------


@pytest.fixture
def draft_only_actor(seed):
    """An informant named only in a draft: a reader must not learn of her."""
    from timeline.models import Alias, EventType, Participation

    actor = Actor.objects.create(slug="geheime-bron", name="Geheime Bron", kind="person",
                                 affiliation=Actor.objects.get(slug="rusland"))  # fmt: skip
    Alias.objects.create(actor=actor, name="Tipgeefster")
    draft = Event.objects.create(slug="nog-niet-af", title="Nog niet af", edtf="2022-01-27",
                                 type=EventType.objects.get(slug="statement"), published=False)  # fmt: skip
    Participation.objects.create(event=draft, actor=actor, role="speaker")
    return actor


def test_it_keeps_an_actor_who_appears_only_in_drafts_from_the_public(client, draft_only_actor):
    assert client.get("/actors/geheime-bron/").status_code == 404
    listed = [a["slug"] for a in client.get("/api/actors.json").json()["actors"]]
    assert "geheime-bron" not in listed and "lavrov" in listed
    # Duitsland takes part in no event itself; Baerbock, who belongs to it, does.
    assert "duitsland" in listed
    assert client.get("/api/actors.json?q=tipgeefster").json()["count"] == 0
    assert "Geheime Bron" not in client.get("/actors/suggest/?who=geheime").content.decode()
    assert "Geheime Bron" not in client.get("/actors/rusland/").content.decode()
    filtered = client.get("/?actor=geheime-bron").content.decode()
    assert "Onbekende deelnemer: geheime-bron" in filtered and "Geheime Bron" not in filtered

    Event.objects.filter(slug="nog-niet-af").update(published=True)
    assert client.get("/actors/geheime-bron/").status_code == 200


def test_it_offers_no_bloc_whose_members_appear_only_in_drafts(client, draft_only_actor):
    from timeline.models import Participation

    society = Actor.objects.create(slug="geheim-genootschap", name="Geheim Genootschap",
                                   kind="organisation")  # fmt: skip
    draft_only_actor.affiliation = society
    draft_only_actor.save()
    page = client.get("/")
    blocs = page.context["bloc_options"]
    names = [o.label for o in blocs]
    assert "Geheim Genootschap" not in page.content.decode()
    # Duitsland takes part in no event itself; Baerbock, who belongs to it, does.
    assert "Duitsland" in names and all(o.count > 0 for o in blocs)

    # Once she takes part in a published event, what she belongs to is offered.
    participation = Participation.objects.get(actor=draft_only_actor)
    participation.event = Event.objects.get(slug=CALL)
    participation.save()
    assert "Geheim Genootschap" in [o.label for o in client.get("/").context["bloc_options"]]


PUBLIC_URLS = [
    "/", "/en/", f"/events/{CALL}/", "/actors/lavrov/", "/actors/suggest/?who=lav",
    "/api/events.json", "/api/actors.json", "/api/openapi.json", "/export/events.csv",
    "/export/timelinejs.json", "/export/events.ics", "/feed/", "/embed/",
]




@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_it_answers_head_and_options_wherever_it_answers_get(client, seed, url):
    get = client.get(url)
    close_response(get)
    head = client.head(url)
    close_response(head)
    assert get.status_code == head.status_code == 200
    body = b"".join(head.streaming_content) if head.streaming else head.content
    assert head["Content-Type"] == get["Content-Type"] and not body
    options = client.options(url)
    assert options.status_code == 200 and options["Allow"] == "GET, HEAD, OPTIONS"
    assert client.post(url).status_code == 405
