"""The map view (`view=map`): the selection's events clustered per place on a server-rendered
SVG of Natural Earth's countries, each place a link to the list of its events."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.conftest import DESKTOP, PHONE, WCAG

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def markers(html: str) -> dict[str, str]:
    """The map's places: link -> accessible name."""
    return dict(re.findall(r'<a href="([^"]*)" class="map-place" aria-label="([^"]*)"', html))


@pytest.mark.django_db
def test_it_shows_kiev_and_moscow_with_their_counts_for_the_seed(client, seed):
    response = client.get("/?view=map")
    html = response.content.decode()
    assert response.status_code == 200
    assert markers(html) == {
        "?place=kiev": "Kiev: 2 gebeurtenissen",
        "?place=moskou": "Moskou: 2 gebeurtenissen",
    }
    # Each circle shows its count and has a tooltip; the accessible list says the same.
    assert "<title>Kiev: 2 gebeurtenissen</title>" in html
    assert re.search(r'<li><a href="\?place=kiev">Kiev</a> <span class="count">\(2\)</span></li>', html)
    assert "15 gebeurtenissen hebben geen plaats" in html
    # Countries drawn (Europe for the seed), the map's own stylesheet, no cards.
    assert html.count("<path d=") > 10
    assert "css/map.css" in html
    assert 'class="card' not in html


@pytest.mark.django_db
def test_it_zooms_to_the_selection_and_keeps_the_filters(client, seed):
    europe = client.get("/?view=map").content.decode()
    kiev = client.get("/?view=map&place=kiev").content.decode()
    assert markers(kiev) == {"?place=kiev": "Kiev: 2 gebeurtenissen"}
    # Another selection, another view of the earth: the transform of the outlines differs.
    transform = re.compile(r'class="map-land" transform="([^"]+)"')
    assert transform.search(europe).group(1) != transform.search(kiev).group(1)
    # The other filters stay in the map's links, and the form keeps the map.
    html = client.get("/?view=map&type=diplomatic-letter").content.decode()
    assert markers(html) == {"?type=diplomatic-letter&amp;place=moskou": "Moskou: 2 gebeurtenissen"}
    assert '<input type="hidden" name="view" value="map"' in html
    # The switch back to the list keeps them too.
    assert re.search(r'<a href="\?type=diplomatic-letter"[^>]*>Lijst</a>', html)


@pytest.mark.django_db
def test_a_selection_without_places_shows_the_world_and_says_so(client, seed):
    html = client.get("/?view=map&actor=macron").content.decode()
    assert markers(html) == {}
    assert "Geen van deze gebeurtenissen heeft een plaats." in html
    assert html.count("<path d=") > 150  # the whole world


@pytest.mark.django_db
def test_a_bad_view_is_a_400(client, seed):
    assert client.get("/?view=globe").status_code == 400


@pytest.mark.django_db
def test_the_map_is_in_english_under_en(client, seed):
    # The locale middleware leaves the request's language active in this thread; the override
    # puts back what was active before, so later tests do not run in English.
    with translation.override(None):
        html = client.get("/en/?view=map").content.decode()
    assert markers(html) == {"?place=kiev": "Kyiv: 2 events", "?place=moskou": "Moscow: 2 events"}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_map_has_no_accessibility_violations(page: Page, live_seed, size):
    page.set_viewport_size(size)
    page.goto(live_seed.url + "/?view=map")
    kiev = page.get_by_role("link", name="Kiev: 2 gebeurtenissen").first
    expect(kiev).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"map-{size['width']}.png"), full_page=True)
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    # A place on the map is a link to the list of its events.
    kiev.click()
    expect(page).to_have_url(re.compile(r"\?place=kiev$"))
    expect(page.locator(".result-count")).to_contain_text("2 gebeurtenissen")


def test_ticking_a_place_on_the_map_view_redraws_the_map_in_place(page: Page, live_seed):
    page.set_viewport_size(DESKTOP)
    page.goto(live_seed.url + "/?view=map")
    page.locator("#place-moskou").check()
    expect(page).to_have_url(re.compile(r"view=map"))
    expect(page).to_have_url(re.compile(r"place=moskou"))
    expect(page.locator("a.map-place")).to_have_count(1)
    expect(page.get_by_role("link", name="Moskou: 2 gebeurtenissen").first).to_be_visible()
    # Still the map, styled (its stylesheet came with the first page), no cards.
    expect(page.locator(".map-svg")).to_be_visible()
    expect(page.locator("#results article.event")).to_have_count(0)
