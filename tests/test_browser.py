"""The timeline in real headless Chromium: htmx swaps, history, no-JavaScript, the keyboard,
corrections (axe-core over the timeline at every width: tests/test_browser_js.py)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import CALL, WCAG, card_ids, cards, checkbox
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_the_call_under_28_january_with_both_participants(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    day = page.locator("li.day", has=page.locator("h2", has_text="vrijdag 28 januari 2022"))
    call = day.locator(f"#event-{CALL}")
    expect(call).to_be_visible()
    expect(call.locator(".participants")).to_contain_text("Vladimir Poetin")
    expect(call.locator(".participants")).to_contain_text("Emmanuel Macron")


def test_it_filters_by_actor_without_a_page_load(page: Page, live_seed, artifacts):
    page.goto(live_seed.url + "/")
    page.evaluate("window.__marker = 'still here'")
    total = cards(page).count()
    checkbox(page, "Emmanuel Macron").check()
    expect(page).to_have_url(re.compile(r"actor=macron"))
    expect(cards(page)).to_have_count(1)
    assert card_ids(page) == [CALL]
    assert page.evaluate("window.__marker") == "still here"
    expect(page.locator("#result-status")).to_contain_text("1 gebeurtenis")
    page.screenshot(path=str(artifacts / "timeline-filtered-macron.png"), full_page=True)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"actor=macron"))
    expect(cards(page)).to_have_count(total)
    page.go_forward()
    expect(cards(page)).to_have_count(1)


def test_it_finds_the_same_events_for_poetin_and_putin(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    search = page.get_by_label("Zoek in tekst")
    search.fill("Poetin")
    expect(page).to_have_url(re.compile(r"q=Poetin"))
    expect(cards(page).first).to_be_visible()
    poetin = card_ids(page)
    search.fill("Putin")
    expect(page).to_have_url(re.compile(r"q=Putin"))
    expect(cards(page)).to_have_count(len(poetin))
    assert card_ids(page) == poetin
    assert CALL in poetin


def test_it_reads_eerder_deze_week(page: Page, live_seed, frozen_today):
    page.goto(live_seed.url + "/")
    page.get_by_label("Van", exact=True).fill("eerder deze week")
    page.get_by_label("Tot en met", exact=True).fill("eerder deze week")
    page.get_by_label("Tot en met", exact=True).press("Enter")
    expect(page.locator(".result-count")).to_contain_text("24–27 januari 2022")
    ids = card_ids(page)
    assert "hoekstra-nederlandse-diplomaten-mogen-weg" in ids
    assert CALL not in ids


def test_it_suggests_actors_by_alias_and_filters(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.evaluate("window.__marker = 1")
    page.get_by_label("Deelnemer", exact=True).fill("NATO")
    suggestion = page.locator("#who-suggestions a", has_text="NAVO")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page).to_have_url(re.compile(r"actor=navo"))
    expect(page.locator(".chips")).to_contain_text("NAVO")
    assert page.evaluate("window.__marker") == 1


def test_it_loads_more_in_place(page: Page, live_seed, monkeypatch):
    monkeypatch.setattr("timeline.query.forms.EventFilterForm.PAGE_SIZE", 5)
    page.goto(live_seed.url + "/")
    expect(cards(page)).to_have_count(5)
    page.evaluate("window.__marker = 1")
    page.get_by_role("link", name="Meer laden").click()
    expect(cards(page)).to_have_count(10)
    assert page.evaluate("window.__marker") == 1


@pytest.fixture
def no_js_page(browser, live_seed):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    yield context.new_page()
    context.close()


def test_it_works_without_javascript(no_js_page: Page, live_seed):
    page = no_js_page
    page.goto(live_seed.url + "/")
    checkbox(page, "Emmanuel Macron").check()
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page).to_have_url(re.compile(r"actor=macron"))
    assert card_ids(page) == [CALL]
    page.get_by_label("Zoek in tekst").fill("Putin")
    checkbox(page, "Emmanuel Macron").uncheck()
    page.get_by_role("button", name="Filter toepassen").click()
    putin = card_ids(page)
    assert CALL in putin
    page.go_back()
    assert card_ids(page) == [CALL]
    page.get_by_role("link", name="Filter Emmanuel Macron verwijderen").click()
    assert len(card_ids(page)) > 1


def test_it_pages_without_javascript(no_js_page: Page, live_seed, monkeypatch):
    monkeypatch.setattr("timeline.query.forms.EventFilterForm.PAGE_SIZE", 5)
    page = no_js_page
    page.goto(live_seed.url + "/")
    first = card_ids(page)
    page.get_by_role("link", name="Meer laden").click()
    expect(page).to_have_url(re.compile(r"cursor="))
    second = card_ids(page)
    assert len(second) == 5 and not set(first) & set(second)


def test_it_is_usable_by_keyboard(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    checkbox(page, "Emmanuel Macron").focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"actor=macron"))
    expect(cards(page)).to_have_count(1)
    # Focus stays on the checkbox that was swapped in with the new counts.
    expect(checkbox(page, "Emmanuel Macron")).to_be_focused()


def test_it_greets_an_english_browser_in_english_and_switches_back(english_page: Page, live_seed):
    page = english_page
    page.goto(live_seed.url + "/?actor=macron")
    expect(page).to_have_url(re.compile(r"/en/\?actor=macron$"))
    expect(page.locator("h1")).to_have_text("Timeline of the Ukraine crisis, January 2022")
    expect(page.locator(f"#event-{CALL} .event-date")).to_have_text("Friday 28 January 2022 · morning")
    page.get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(re.compile(r":\d+/\?actor=macron$"))
    expect(page.locator("h1")).to_have_text("Tijdlijn van de Oekraïne-crisis, januari 2022")
    # The choice is remembered: / stays Dutch for this browser from now on.
    page.goto(live_seed.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_it_offers_every_export_of_the_current_view(page: Page, live_seed):
    page.goto(live_seed.url + "/?actor=macron")
    page.get_by_text("Delen, insluiten en exporteren").click()
    expect(page.locator("#share-url")).to_have_value(re.compile(r"/\?actor=macron$"))
    expect(page.locator("#share-embed")).to_have_value(
        re.compile(r'<iframe src="[^"]+/embed/\?actor=macron"'))
    links = page.locator(".share-exports a")
    expect(links).to_have_count(6)
    for href in links.evaluate_all("els => els.map(e => e.href)"):
        assert "actor=macron" in href
        response = page.request.get(href)
        assert response.status == 200, href
        if "/export/events.geojson" in href:
            # The map's export holds the events that have a place; Macron's call has none.
            assert response.json() == {"type": "FeatureCollection", "features": []}, href
            continue
        # Macron's one event, and nothing of the others.
        assert CALL in response.text(), href
        assert "hoekstra-nederlandse-diplomaten-mogen-weg" not in response.text(), href


def test_it_narrows_to_a_day_from_the_overview_strip(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.evaluate("window.__marker = 1")
    bar = page.get_by_role("link", name=re.compile(r"^woensdag 26 januari 2022: \d+ gebeurtenis"))
    bar.click()
    expect(page).to_have_url(re.compile(r"from=2022-01-26&to=2022-01-26"))
    expect(page.locator(".result-count")).to_contain_text("woensdag 26 januari 2022")
    ids = card_ids(page)
    assert {"navo-brief-aan-kremlin-2022-01-26", "vs-brief-aan-kremlin-2022-01-26"} <= set(ids)
    assert CALL not in ids
    expect(page.locator(".bar.is-current")).to_have_count(1)
    assert page.evaluate("window.__marker") == 1


def test_corrections_have_no_accessibility_violations(page: Page, live_seed):
    from timeline.models import Correction, Event

    Correction.objects.create(event=Event.objects.get(slug=CALL), note="De datum was fout.")
    for path in ("/", f"/events/{CALL}/", "/corrections/", "/en/corrections/"):
        page.goto(live_seed.url + path)
        shown = "gecorrigeerd" if path == "/" else "De datum was fout."
        expect(page.get_by_text(shown).first).to_be_visible()
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (path, results.generate_report())
