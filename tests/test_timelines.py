"""Several timelines: /t/<slug>/, the list at /t/, the `timeline` filter everywhere."""

import pytest

from timeline.models import Event, Timeline
from timeline.query import sql
from timeline.query.forms import Criteria
from timeline.query.index import EventIndex

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_timelines(seed):
    """The seed (featured) and an "election" timeline sharing one seed event, with one of its own."""
    election = Timeline.objects.create(
        slug="verkiezingen", title="Verkiezingen", description="Een andere crisis."
    )
    shared = Event.objects.published().order_by("start", "slug").first()
    shared.timelines.add(election)
    own = Event.objects.published().exclude(pk=shared.pk).order_by("start", "slug").last()
    own.timelines.set([election])  # only in the election timeline now
    return election, shared, own


def test_it_keeps_exactly_one_featured_timeline(seed):
    seed_timeline = Timeline.objects.get(slug="oekraine-crisis-2022")
    assert seed_timeline.featured
    other = Timeline.objects.create(slug="ander", title="Ander", featured=True)
    assert list(Timeline.objects.filter(featured=True)) == [other]


def test_each_timeline_page_shows_only_its_own_events(client, two_timelines):
    election, shared, own = two_timelines
    page = client.get("/t/verkiezingen/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Verkiezingen</h1>" in text and "Een andere crisis." in text
    assert shared.title in text and own.title in text
    assert page.context["count"] == 2
    front = client.get("/").content.decode()
    assert own.title not in front and shared.title in front
    assert "Tijdlijn van de Oekraïne-crisis, januari 2022" in front


def test_the_api_and_exports_take_the_timeline(client, two_timelines):
    election, shared, own = two_timelines
    api = client.get("/api/events.json?timeline=verkiezingen").json()
    assert [e["slug"] for e in api["events"]] == [shared.slug, own.slug]
    everything_else = client.get("/api/events.json").json()
    assert own.slug not in [e["slug"] for e in everything_else["events"]]
    csv = b"".join(client.get("/export/events.csv?timeline=verkiezingen").streaming_content).decode()
    assert own.title in csv and csv.count("\n") >= 3
    ics = b"".join(client.get("/export/events.ics?timeline=verkiezingen").streaming_content).decode()
    assert ics.count("BEGIN:VEVENT") == 2
    tjs = client.get("/export/timelinejs.json?timeline=verkiezingen").json()
    assert len(tjs["events"]) == 2
    feed = client.get("/feed/?timeline=verkiezingen").content.decode()
    assert feed.count("<entry>") == 2 and "/t/verkiezingen/" in feed
    embed = client.get("/embed/?timeline=verkiezingen").content.decode()
    assert own.title in embed


def test_an_unknown_timeline_is_a_404_or_a_400(client, seed):
    assert client.get("/t/bestaat-niet/").status_code == 404
    response = client.get("/api/events.json?timeline=bestaat-niet")
    assert response.status_code == 400
    assert response.json() == {"errors": {"timeline": ["Onbekende tijdlijn: bestaat-niet"]}}


def test_the_timeline_page_links_its_exports_with_the_timeline(client, two_timelines):
    text = client.get("/t/verkiezingen/").content.decode()
    assert "/export/events.csv?timeline=verkiezingen" in text
    assert "/embed/?timeline=verkiezingen" in text


def test_the_list_of_timelines(client, two_timelines):
    text = client.get("/t/").content.decode()
    assert "Verkiezingen" in text and "Oekraïne-crisis 2022" in text
    assert "2 gebeurtenissen" in text
    assert 'href="/t/"' in client.get("/").content.decode()
    assert client.get("/en/t/").status_code == 200


def test_event_pages_name_their_timelines(client, two_timelines):
    election, shared, own = two_timelines
    text = client.get(f"/events/{shared.slug}/").content.decode()
    assert 'href="/t/verkiezingen/"' in text and 'href="/t/oekraine-crisis-2022/"' in text


def test_an_event_in_no_timeline_stays_on_the_front_page(client, seed):
    unfiled = Event.objects.published().last()
    unfiled.timelines.clear()
    assert unfiled.title in client.get("/").content.decode()


@pytest.mark.parametrize("unfiled", [False, True])
def test_the_index_answers_as_sql_per_timeline(two_timelines, unfiled):
    election, _shared, _own = two_timelines
    index = EventIndex(None)
    c = Criteria(timeline=election.pk, unfiled=unfiled)
    expected = set(sql.matching(c, "asc").values_list("pk", flat=True))
    pks, _next = index.select(c).page(None, descending=False, size=100)
    assert set(pks) == expected


def test_the_add_form_defaults_to_the_featured_timeline(admin_client, two_timelines):
    response = admin_client.get("/admin/timeline/event/add/")
    featured = Timeline.objects.get(featured=True)
    assert response.context["adminform"].form.initial["timelines"] == [featured.pk]
