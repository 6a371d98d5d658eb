"""The timeline with JavaScript on, as a new reader uses it (issue 15): filters that never race,
one answer that redraws everything that depends on it, the layout from phone to desktop."""

import re

import pytest
from conftest import CALL, DESKTOP, PHONE, WCAG, card_ids, checkbox
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


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
    checkbox(page, "Verklaring").click()
    expect(page).to_have_url(re.compile(r"q=Lavrov.*type=statement|type=statement.*q=Lavrov"))
    _settled(page)
    expect(checkbox(page, "Verklaring")).to_be_checked()
    expected = _ids_without_javascript(page, page.url)
    assert expected and len(expected) < len(_ids_without_javascript(page, live_seed.url + "/?q=Lavrov"))
    assert card_ids(page) == expected
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
    checkbox(page, "Emmanuel Macron").check()
    expect(page).to_have_url(re.compile(r"actor=macron"))
    _settled(page)
    assert page.evaluate("window.__marker") == 1
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/\?actor=macron(&order=asc)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert card_ids(page) == [CALL]


def test_it_remembers_a_chosen_english_on_the_dutch_address(page: Page, live_seed):
    page.goto(live_seed.url + "/?actor=macron")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_seed.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Timeline of the Ukraine crisis, January 2022")




def test_it_shows_a_phone_the_first_event_in_the_first_screen(page: Page, live_seed):
    page.set_viewport_size(PHONE)
    page.goto(live_seed.url + "/?type=statement")
    first = page.locator("#results article.event").first
    box = first.bounding_box()
    assert box["y"] + 40 < PHONE["height"], box
    # The filters wait behind one control that says how many are set; which, the chips say.
    summary = page.locator("#filter-panel > summary")
    expect(summary).to_contain_text("Filters (1)")
    expect(page.locator(".chips")).to_contain_text("verklaring")
    expect(page.locator(".chips")).to_be_in_viewport()
    expect(checkbox(page, "Sergej Lavrov")).not_to_be_visible()
    summary.click()
    lavrov = checkbox(page, "Sergej Lavrov")
    expect(lavrov).to_be_visible()
    assert min(lavrov.bounding_box()["width"], lavrov.bounding_box()["height"]) >= 24
    lavrov.check()
    expect(page).to_have_url(re.compile(r"actor=lavrov"))
    expect(summary).to_contain_text("Filters (2)")
    expect(page.locator(".chips")).to_contain_text("Sergej Lavrov")


def test_it_lets_a_desktop_reach_every_filter_control(page: Page, live_seed):
    page.set_viewport_size(DESKTOP)
    page.goto(live_seed.url + "/")
    expect(page.locator("#filter-panel > summary")).to_be_hidden()
    panel = page.locator("#filter-panel").bounding_box()
    assert panel["height"] <= DESKTOP["height"], panel
    controls = page.locator("#filters").locator("input:not([type=hidden]), select, button, a")
    assert controls.count() > 20
    for i in range(controls.count()):
        control = controls.nth(i)
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"], (i, box)
        control.click(trial=True)  # would fail if anything covered it
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page.get_by_role("link", name="Alles wissen")).to_be_in_viewport()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_it_skips_past_the_filters_to_the_results(page: Page, live_seed, artifacts, size):
    page.set_viewport_size(size)
    page.goto(live_seed.url + "/?type=statement")
    skip = page.get_by_role("link", name="Naar de resultaten")
    expect(skip).not_to_be_in_viewport()  # out of sight until a keyboard reaches it
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)
    top = {"x": 0, "y": 0, "width": size["width"], "height": 200}
    page.screenshot(path=str(artifacts / f"skip-link-{size['width']}.png"), clip=top)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is in the results (the chips), not among some 40 filter controls.
    focused = page.evaluate("(el => el.closest('#results') && el.textContent)(document.activeElement)")
    assert focused and "verklaring" in focused, focused
    # And it still leads there after an htmx change has redrawn the page.
    page.get_by_role("link", name="Filter verklaring verwijderen").click()
    expect(page).not_to_have_url(re.compile(r"type=statement"))
    skip.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#results')")


FILTERED = "/?actor=lavrov&type=statement&q=diplomaten&from=2022-01-20"


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("query", ["/", FILTERED], ids=["default", "filtered"])
def test_it_has_no_accessibility_violations_at_any_width(page: Page, live_seed, artifacts, size, query):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size(size)
    page.goto(live_seed.url + query)
    name = f"timeline-{size['width']}-{'filtered' if query != '/' else 'default'}"
    page.screenshot(path=str(artifacts / f"{name}.png"))  # the first screen, as a reader sees it
    page.screenshot(path=str(artifacts / f"{name}-full.png"), full_page=True)
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    if size is PHONE:
        page.locator("#filter-panel > summary").click()
        expect(page.locator("#filters")).to_be_visible()
        page.screenshot(path=str(artifacts / f"{name}-panel-open.png"))
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, results.generate_report()


def test_it_heads_each_start_day_once(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    headings = page.locator("#results h2.day-label").all_inner_texts()
    assert len(headings) == len(set(headings)), headings
    # The events that begin on 26 January, the letters and Blinken's comment on them, under one.
    day = page.locator("li.day", has=page.locator("h2", has_text="woensdag 26 januari 2022"))
    cards = day.locator("article.event").evaluate_all("els => els.map(e => e.id)")
    ids = [i.removeprefix("event-") for i in cards]
    assert {"navo-brief-aan-kremlin-2022-01-26", "blinken-over-inhoud-brieven"} <= set(ids), ids


def test_it_counts_each_overview_bar_as_the_list_does_after_clicking_it(page: Page, live_seed):
    page.goto(live_seed.url + "/?q=diplomaten")
    strip = page.locator(".overview-strip").bounding_box()
    figure = page.locator(".overview").bounding_box()
    assert strip["width"] > 0.9 * figure["width"]
    bars = page.locator(".overview-strip a.bar")
    names = bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(names) >= 3
    bars.last.focus()
    last_bar = bars.last.bounding_box()
    assert last_bar["x"] + last_bar["width"] > strip["x"] + 0.9 * strip["width"]
    expect(page.locator(".overview-axis")).to_contain_text("24 jan")
    for name in names:
        page.goto(live_seed.url + "/?q=diplomaten")
        bar = page.get_by_role("link", name=name, exact=True)
        shown = int(re.search(r": (\d+) gebeurtenis", name).group(1))
        bar.click()
        expect(page).to_have_url(re.compile(r"q=diplomaten.*from=.*to="))
        _settled(page)
        assert len(card_ids(page)) == shown, name
        expect(page.locator(".result-count strong")).to_have_text(str(shown))
        # A click is not keyboard focus: no focus ring on what the script focused.
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert ring == "none", (name, page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))


def test_it_draws_a_one_day_result_as_one_day_on_a_week_axis(page: Page, live_seed):
    page.goto(live_seed.url + "/?actor=macron")
    strip = page.locator(".overview-strip").bounding_box()
    bars = page.locator(".overview-strip a.bar")
    expect(bars).to_have_count(7)
    filled = page.locator(".overview-strip .bar-fill")
    expect(filled).to_have_count(1)
    # A day's width in the middle of the week around it, not one block across the strip.
    bar = filled.bounding_box()
    assert bar["width"] < strip["width"] / 5, (bar, strip)
    middle = bar["x"] + bar["width"] / 2 - strip["x"]
    assert 0.4 * strip["width"] < middle < 0.6 * strip["width"], (bar, strip)
    axis = page.locator(".overview-axis li").all_inner_texts()
    assert axis == ["25 jan", "26 jan", "27 jan", "28 jan", "29 jan", "30 jan", "31 jan"], axis
    # The label under the bar names its day.
    label = page.locator(".overview-axis li").nth(3).bounding_box()
    assert label["x"] <= bar["x"] + bar["width"] / 2 <= label["x"] + label["width"]
    page.get_by_role("link", name="vrijdag 28 januari 2022: 1 gebeurtenis", exact=True).click()
    expect(page).to_have_url(re.compile(r"actor=macron.*from=2022-01-28&to=2022-01-28"))
    expect(page.locator(".result-count strong")).to_have_text("1")


def test_it_shows_an_english_reader_the_english_names(english_page: Page, live_seed):
    page = english_page
    page.goto(live_seed.url + "/en/?actor=poetin")
    card = page.locator(f"#event-{CALL} .participants")
    expect(card).to_contain_text("Vladimir Putin")
    expect(page.locator(".chips")).to_contain_text("Vladimir Putin")
    expect(checkbox(page, "Vladimir Putin")).to_be_checked()
    expect(page.locator("#facets")).to_contain_text("United States")
    expect(page.locator("#facets")).to_contain_text("NATO")
    # The actor box finds by the English name and by the aliases, and suggests in English.
    page.get_by_label("Participant", exact=True).fill("Oekraïne")
    expect(page.locator("#who-suggestions a").first).to_contain_text("Ukraine")
    page.goto(live_seed.url + "/en/actors/poetin/")
    expect(page.locator("h1")).to_have_text("Vladimir Putin")
    page.goto(live_seed.url + "/en/?from=32+januari+2022")
    error = page.locator("#id_from_feedback .field-error").inner_text()
    assert "januari" not in error.replace("32 januari 2022", "") and "niet" not in error, error


def test_it_shares_relative_dates_frozen_to_what_they_mean_now(page: Page, live_seed, frozen_today):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_seed.url + "/?from=eerder+deze+week&to=eerder+deze+week&type=statement")
    shown = card_ids(page)
    page.get_by_text("Delen, insluiten en exporteren").click()
    expect(page.locator("#share-url")).to_have_value(re.compile(r"from=eerder\+deze\+week"))
    frozen = page.locator("#share-frozen-url")
    expect(frozen).to_have_value(re.compile(r"\?type=statement&from=2022-01-24&to=2022-01-27$"))
    expect(page.locator("#share-frozen-note")).to_contain_text("24–27 januari 2022")
    expect(page.locator("#share-embed")).to_have_value(re.compile(r'src="[^"]+/embed/\?type=statement&from=2022-01-24&to=2022-01-27"'))
    page.get_by_role("button", name="Kopiëren").nth(1).click()
    assert page.evaluate("navigator.clipboard.readText()") == frozen.input_value()
    page.goto(frozen.input_value())
    assert card_ids(page) == shown


def test_it_lets_a_keyboard_choose_an_actor_in_the_combobox(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    page.evaluate("window.__marker = 1")
    box = page.get_by_role("combobox", name="Deelnemer")
    box.focus()
    page.keyboard.type("la")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    assert options.count() >= 2
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(box).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    chosen = options.nth(0).locator(".suggestion-name").inner_text().split(" · ")[0]
    page.keyboard.press("Enter")
    expect(page.locator(".chips")).to_contain_text(chosen)
    assert page.evaluate("window.__marker") == 1
    # Escape closes the list and leaves the text.
    box = page.get_by_role("combobox", name="Deelnemer")
    box.fill("NAVO")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("NAVO")


def test_it_offers_all_of_a_country_whose_name_alone_would_show_nothing(page: Page, live_seed):
    page.goto(live_seed.url + "/")
    box = page.get_by_role("combobox", name="Deelnemer")
    box.focus()
    page.keyboard.type("Duits")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_accessible_name("Duitsland · 0 gebeurtenissen")
    expect(options.nth(1)).to_have_accessible_name("Alles van Duitsland · 1 gebeurtenis")
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)  # the open list, its counts and muted empty ones
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"affiliation=duitsland"))
    expect(page.locator(".result-count")).to_contain_text("1 gebeurtenis")
    expect(page.locator("#results article.event")).to_have_count(1)
    expect(page.locator("#results article.event")).to_contain_text("Baerbock")


def test_it_suggests_for_a_name_typed_the_moment_a_choice_has_swapped_in_the_page(page: Page, live_seed):
    # Choosing a suggestion swaps in a new page, filter box and all; a reader typing straight on
    # must get suggestions (the new box listens from the moment it is there, not 20 ms later).
    page.goto(live_seed.url + "/")
    box = page.get_by_role("combobox", name="Deelnemer")
    box.focus()
    page.keyboard.type("Lavrov")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.evaluate("""() => document.body.addEventListener("htmx:afterSwap", (event) => {
        if (event.detail.target.id !== "page" || window.__typed) return;
        window.__typed = true;
        setTimeout(() => {
            const box = document.getElementById("id_who");
            box.value = "NAVO";
            box.dispatchEvent(new Event("input", { bubbles: true }));
        }, 0);
    })""")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(".chips")).to_contain_text("Sergej Lavrov")
    expect(page.get_by_role("listbox")).to_contain_text("NAVO")


def test_it_goes_back_from_an_event_to_the_timeline_with_its_filters(page: Page, live_seed):
    page.goto(live_seed.url + "/?actor=macron")
    page.locator("#results .event-title a").first.click()
    expect(page).to_have_url(re.compile(rf"/events/{CALL}/$"))
    expect(page.locator(".event-detail")).to_contain_text("vrijdag 28 januari 2022")
    expect(page.locator("details.edtf code")).to_be_hidden()
    page.get_by_role("link", name="Tijdlijn", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?actor=macron$"))
    assert card_ids(page) == [CALL]


def test_it_names_a_bad_parameter_by_its_label_on_the_400_page(page: Page, live_seed):
    response = page.goto(live_seed.url + "/?order=sideways")
    assert response.status == 400
    expect(page.locator(".errors")).to_contain_text("Volgorde:")
    expect(page.locator(".errors")).not_to_contain_text("order:")
