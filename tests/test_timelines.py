"""Several timelines: /t/<slug>/, the list at /t/, the `timeline` filter everywhere."""

import datetime as dt
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import CALL, DESKTOP, PHONE, WCAG, card_ids, cards, checkbox
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
from test_admin import form_data  # the admin's form read the way a browser submits it

from timeline.models import EditorPreference, Event, Timeline
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


def test_the_seed_never_takes_the_front_page_from_a_newsroom_timeline(db, client):
    # A new installation whose editors made their own story the front page before the seed
    # was loaded (`make run` loads it while there are no events).
    own = Timeline.objects.create(slug="verkiezingen", title="Verkiezingen", featured=True)
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    assert "Tijdlijn 'oekraine-crisis-2022' geladen als niet uitgelicht: 'verkiezingen'" in out.getvalue()
    assert list(Timeline.objects.filter(featured=True)) == [own]
    assert Event.objects.filter(timelines__slug="oekraine-crisis-2022").count() == 19
    assert client.get("/t/oekraine-crisis-2022/").context["count"] == 19
    assert client.get("/").context["count"] == 0  # the newsroom's own (empty) story
    # Loaded again (--force), it still changes nothing and says why.
    out = io.StringIO()
    call_command("load_seed", "--force", stdout=out)
    assert "al gelijk aan de database" in out.getvalue()
    assert list(Timeline.objects.filter(featured=True)) == [own]


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


# -- demo data lives only in its own timeline ----------------------------------------------------


@pytest.mark.parametrize("demo_first", [False, True], ids=["seed-then-demo", "demo-then-seed"])
def test_demo_data_never_appears_on_the_front_page_and_fills_t_demo(client, settings, demo_first):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "demo-timeline"}}  # fmt: skip
    steps = [
        lambda: call_command("loaddata", "seed", verbosity=0),
        lambda: call_command("generate_demo", events=60, seed=3, verbosity=0),
    ]
    for step in reversed(steps) if demo_first else steps:
        step()
        client.get("/")  # a cached front page between the steps must not outlive them
    seeded = Event.objects.exclude(slug__startswith="demo-").filter(published=True).count()
    front = client.get("/")
    assert front.status_code == 200 and "[demo]" not in front.content.decode()
    api = client.get("/api/events.json").json()
    assert api["count"] == seeded
    assert not [e for e in api["events"] if e["slug"].startswith("demo-")]
    demo = client.get("/t/demo/")
    assert demo.status_code == 200
    text = demo.content.decode()
    assert "[demo] Synthetische crisis" in text and "[demo]" in text
    published_demo = Event.objects.filter(slug__startswith="demo-", published=True).count()
    in_demo = client.get("/api/events.json?timeline=demo").json()
    assert in_demo["count"] == published_demo > 0
    assert all(e["slug"].startswith("demo-") for e in in_demo["events"])
    assert not Timeline.objects.get(slug="demo").featured


# -- the admin: timelines in bulk, the "Tijdlijn" filter, the count per timeline -----------------

CHANGELIST = "/admin/timeline/event/"


def _bulk(admin_client, action: str, pks: list[int], timeline: Timeline | None = None, **extra):
    data = {"action": action, "_selected_action": pks, **extra}
    if timeline is not None:
        data.update(apply="1", timeline=timeline.pk)
    return admin_client.post(CHANGELIST, data, follow=timeline is not None)


def test_the_admin_adds_events_to_a_timeline_in_bulk_and_its_page_follows_at_once(
    admin_client, client, two_timelines
):
    election, shared, own = two_timelines
    others = list(Event.objects.published().exclude(timelines=election).order_by("start")[:2])
    assert all(e.title not in client.get("/t/verkiezingen/").content.decode() for e in others)
    pks = [e.pk for e in others]
    # The list's first post shows the intermediate page: which timeline?
    page = _bulk(admin_client, "add_to_timeline", pks)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aan welke tijdlijn voegt u 2 gebeurtenissen toe?" in text
    assert f'<option value="{election.pk}">Verkiezingen</option>' in text
    assert all(f'name="_selected_action" value="{pk}"' in text for pk in pks)
    assert not Event.objects.filter(pk__in=pks, timelines=election).exists()  # nothing yet
    # One of them already in: only the other is counted as added.
    done = _bulk(admin_client, "add_to_timeline", [*pks, shared.pk], election)
    assert "2 gebeurtenissen toegevoegd aan tijdlijn Verkiezingen" in done.content.decode()
    after = client.get("/t/verkiezingen/")
    assert all(e.title in after.content.decode() for e in others)
    assert after.context["count"] == 4
    # Still on the front page too: adding never takes an event out of another timeline.
    front = client.get("/").content.decode()
    assert all(e.title in front for e in others)


def test_the_admin_removes_events_from_a_timeline_in_bulk(admin_client, client, two_timelines):
    election, shared, own = two_timelines
    assert own.title in client.get("/t/verkiezingen/").content.decode()
    page = _bulk(admin_client, "remove_from_timeline", [own.pk])
    assert "Uit welke tijdlijn haalt u 1 gebeurtenis weg?" in page.content.decode()
    done = _bulk(admin_client, "remove_from_timeline", [own.pk, shared.pk], election)
    assert "2 gebeurtenissen verwijderd uit tijdlijn Verkiezingen" in done.content.decode()
    after = client.get("/t/verkiezingen/")
    assert own.title not in after.content.decode() and after.context["count"] == 0
    # In no timeline now, so the featured timeline (the front page) shows it again.
    assert own.title in client.get("/").content.decode()


def test_a_form_opened_before_a_bulk_action_cannot_put_the_old_timelines_back(
    admin_client, two_timelines, django_user_model
):
    election, shared, own = two_timelines
    colleague = django_user_model.objects.create_superuser("bram", "bram@example.org", "x")
    desk = Client()
    desk.force_login(colleague)
    other = Event.objects.published().exclude(timelines=election).order_by("start").first()
    url = f"{CHANGELIST}{other.pk}/change/"
    opened = form_data(desk.get(url))  # bram opens the event, not in the election timeline
    _bulk(admin_client, "add_to_timeline", [other.pk], election)
    assert election in other.timelines.all()
    opened["summary"] = "Bram's own change."
    page = desk.post(url, opened)  # his form still lists the timelines it had
    assert page.status_code == 200
    html = page.content.decode()
    assert "Een collega heeft deze gebeurtenis opgeslagen nadat u haar opende (admin," in html
    assert "Verkiezingen" in html.split("Gewijzigd door de collega")[1]
    other.refresh_from_db()
    assert election in other.timelines.all() and other.summary != "Bram's own change."
    # The history says who did it and what it was.
    latest = other.history.order_by("-history_date").first()
    assert latest.history_user.username == "admin"
    assert latest.history_change_reason == "toegevoegd aan tijdlijn Verkiezingen"
    assert latest.history_type == "~" and latest.instance.title == other.title
    assert abs(latest.history_date - timezone.now()) < dt.timedelta(minutes=1)
    assert [r.history_id for r in other.history.all()][0] == latest.history_id  # the newest
    history = admin_client.get(f"{CHANGELIST}{other.pk}/history/").content.decode()
    assert "toegevoegd aan tijdlijn Verkiezingen" in history


def test_the_bulk_action_applies_to_every_event_selected_across_pages(admin_client, two_timelines):
    election, _shared, _own = two_timelines
    done = admin_client.post(
        CHANGELIST + "?status__exact=occurred",
        {"action": "add_to_timeline", "_selected_action": [1], "select_across": "1",
         "apply": "1", "timeline": election.pk},
        follow=True,
    )  # fmt: skip
    occurred = Event.objects.filter(status="occurred")
    assert done.status_code == 200
    assert occurred.filter(timelines=election).count() == occurred.count() > 2
    assert (
        not Event.objects.exclude(status="occurred")
        .filter(timelines=election)
        .exclude(pk__in=[_shared.pk, _own.pk])
        .exists()
    )


def test_the_bulk_action_refuses_an_unknown_timeline_and_changes_nothing(admin_client, two_timelines):
    election, shared, own = two_timelines
    page = admin_client.post(
        CHANGELIST,
        {"action": "add_to_timeline", "_selected_action": [own.pk], "apply": "1", "timeline": "999999"},
    )
    assert page.status_code == 200
    assert "Selecteer een geldige keuze" in page.content.decode()
    assert list(own.timelines.all()) == [election]


def test_the_admin_lists_events_by_timeline_and_those_in_none(admin_client, two_timelines):
    election, shared, own = two_timelines
    unfiled = Event.objects.exclude(pk__in=[shared.pk, own.pk]).order_by("start").last()
    unfiled.timelines.clear()
    page = admin_client.get(CHANGELIST)
    text = page.content.decode()
    assert "Op Tijdlijn" in text and "zonder tijdlijn" in text
    by_timeline = admin_client.get(CHANGELIST, {"timeline": election.pk})
    assert {e.pk for e in by_timeline.context["cl"].result_list} == {shared.pk, own.pk}
    in_none = admin_client.get(CHANGELIST, {"timeline": "none"})
    assert [e.pk for e in in_none.context["cl"].result_list] == [unfiled.pk]
    # A value that is no timeline: the admin's own "wrong filter" answer, never a 500.
    assert admin_client.get(CHANGELIST, {"timeline": "x"}).status_code == 302


def test_the_admin_lists_timelines_with_their_number_of_events(admin_client, two_timelines):
    text = admin_client.get("/admin/timeline/timeline/").content.decode()
    assert "Gebeurtenissen" in text
    seed_count = Timeline.objects.get(slug="oekraine-crisis-2022").events.count()
    assert f'<td class="field-event_count">{seed_count}</td>' in text
    assert '<td class="field-event_count">2</td>' in text


def test_the_bulk_timeline_page_is_english_for_an_english_editor(admin_client, admin_user, two_timelines):
    EditorPreference.objects.create(user=admin_user, language="en")
    election, shared, own = two_timelines
    page = _bulk(admin_client, "add_to_timeline", [own.pk])
    assert "Which timeline do you add 1 event to?" in page.content.decode()
    done = _bulk(admin_client, "add_to_timeline", [shared.pk], election)
    assert "0 events added to timeline Verkiezingen" in done.content.decode()


# -- in the browser: /t/<slug>/ filters in place and stays under its own address -------------

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


@pytest.fixture
def live_timelines(live_seed):
    """The seed (featured) and an "election" timeline holding the call and four other events."""
    election = Timeline.objects.create(
        slug="verkiezingen", title="Verkiezingen", description="Een andere crisis, met een langere "
        "beschrijving zoals een redactie die schrijft: waar het om gaat en wat er op het spel staat."
    )  # fmt: skip
    chosen = [Event.objects.get(slug=CALL), *Event.objects.published().exclude(slug=CALL)[:4]]
    election.events.add(*chosen)
    return live_seed, chosen


@pytest.mark.django_db(transaction=True)
def test_a_timeline_page_filters_in_place_and_keeps_its_address(page: Page, live_timelines):
    server, chosen = live_timelines
    page.goto(server.url + "/t/verkiezingen/")
    expect(cards(page)).to_have_count(len(chosen))
    page.evaluate("window.__marker = 'still here'")
    checkbox(page, "Emmanuel Macron").check()
    expect(page).to_have_url(re.compile(r"/t/verkiezingen/\?.*actor=macron"))
    expect(cards(page)).to_have_count(1)
    assert card_ids(page) == [CALL]
    assert page.evaluate("window.__marker") == "still here"  # htmx swapped, no page load
    page.go_back()
    expect(page).to_have_url(re.compile(r"/t/verkiezingen/$"))
    expect(cards(page)).to_have_count(len(chosen))
    assert sorted(card_ids(page)) == sorted(e.slug for e in chosen)
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/t/verkiezingen/\?.*actor=macron"))
    expect(cards(page)).to_have_count(1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_timeline_pages_have_no_accessibility_violations(page: Page, live_timelines, size):
    server, _chosen = live_timelines
    page.set_viewport_size(size)
    for path in ("/t/", "/t/verkiezingen/", "/en/t/"):
        page.goto(server.url + path)
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (path, results.generate_report())
    page.goto(server.url + "/t/")
    expect(page.locator(".timeline-list > li")).to_have_count(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"timelines-{size['width']}.png"
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
