"""The timeline with JavaScript on, as a new reader uses it (issue 15): filters that never race,
one answer that redraws everything that depends on it, the layout from phone to desktop."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def _checkbox(page: Page, name: str):
    return page.get_by_role("checkbox", name=re.compile("^" + re.escape(name)))


def _card_ids(page: Page) -> list[str]:
    cards = page.locator("#results article.event")
    return [i.removeprefix("event-") for i in cards.evaluate_all("els => els.map(e => e.id)")]


def _ids_without_javascript(page: Page, url: str) -> list[str]:
    """The events a full page load of this URL lists: what the htmx view must agree with."""
    html = page.request.get(url).text()
    return re.findall(r'<article[^>]* id="event-([^"]+)"', html)


def _settled(page: Page):
    page.wait_for_function("!document.querySelector('.htmx-request')")


@pytest.mark.parametrize("attempt", range(4))
def test_it_applies_a_text_and_a_checkbox_clicked_right_after_it(page: Page, live_seed, attempt):
    page.goto(live_seed.url + "/")
    page.get_by_label("Zoek in tekst").fill("Lavrov")
    # Clicking moves the focus out of the text box (its change) and ticks the box at once.
    _checkbox(page, "Verklaring").click()
    expect(page).to_have_url(re.compile(r"q=Lavrov.*type=statement|type=statement.*q=Lavrov"))
    _settled(page)
    expect(_checkbox(page, "Verklaring")).to_be_checked()
    expected = _ids_without_javascript(page, page.url)
    assert expected and len(expected) < len(_ids_without_javascript(page, live_seed.url + "/?q=Lavrov"))
    assert _card_ids(page) == expected
    expect(page.locator(".chips")).to_contain_text("verklaring")
    expect(page.locator(".chips")).to_contain_text("‘Lavrov’")


def test_it_shows_why_a_date_was_not_applied(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.get_by_label("Van", exact=True).fill("32 januari 2022")
    page.get_by_label("Van", exact=True).press("Tab")
    expect(page.locator("#id_from_feedback .field-error")).to_contain_text("Datum niet begrepen")
    page.get_by_label("Van", exact=True).fill("27 januari 2022")
    page.get_by_label("Tot en met", exact=True).fill("24 januari 2022")
    page.get_by_label("Tot en met", exact=True).press("Tab")
    expect(page.locator("#id_to_feedback .field-error")).to_contain_text("ligt na")
    expect(page.locator("#id_from_feedback .field-error")).to_have_count(0)
    page.get_by_label("Tot en met", exact=True).fill("28 januari 2022")
    page.get_by_label("Tot en met", exact=True).press("Tab")
    expect(page.locator("#id_to_feedback .field-error")).to_have_count(0)
    expect(page.locator("#range-note")).to_contain_text("Begrepen als: 27–28 januari 2022")


def test_it_keeps_the_filters_when_switching_language_after_an_htmx_change(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.evaluate("window.__marker = 1")
    _checkbox(page, "Emmanuel Macron").check()
    expect(page).to_have_url(re.compile(r"actor=macron"))
    _settled(page)
    assert page.evaluate("window.__marker") == 1
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/\?actor=macron(&order=asc)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _card_ids(page) == ["poetin-macron-telefoongesprek-2022-01-28"]


def test_it_remembers_a_chosen_english_on_the_dutch_address(page: Page, live_seed):
    page.goto(live_seed.url + "/?actor=macron")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_seed.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Timeline of the Ukraine crisis, January 2022")
