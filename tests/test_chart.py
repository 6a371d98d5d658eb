"""The chart view (`view=chart`): what each mark says about its date, lanes, zoom, density."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from timeline import chart, dates
from timeline.changes import everything_changed
from timeline.models import Event, EventType, Timeline

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"
EARLIER_THIS_WEEK = ["hoekstra-nederlandse-diplomaten-mogen-weg", "navo-wijst-eis-over-oekraine-af"]
OPEN_ENDED = "lavrov-blinken-ontmoeting-verwacht"
SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str) -> ET.Element:
    found = re.search(r'<svg class="chart-svg".*?</svg>', html, re.S)
    assert found, "no chart in the page"
    # Inline SVG in HTML has no namespace declaration; as XML it needs one.
    return ET.fromstring(found[0].replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def _chart(client, query: str) -> ET.Element:
    response = client.get("/" + query)
    assert response.status_code == 200
    return _svg(response.content.decode())


def _marks(svg: ET.Element) -> dict[str, list[tuple[str, ET.Element, ET.Element]]]:
    """slug -> [(lane label, the <a>, its shape)] for every mark."""
    found = {}
    for lane in svg.iter(SVG + "g"):
        if lane.get("class") != "lane":
            continue
        label = lane.find(SVG + "text").text
        for link in lane.findall(SVG + "a"):
            if "/events/" not in link.get("href"):
                continue
            slug = link.get("href").rstrip("/").rsplit("/", 1)[-1]
            shape = [child for child in link if child.tag != SVG + "title"][0]
            found.setdefault(slug, []).append((label, link, shape))
    return found


def _ticks(svg: ET.Element) -> dict[str, float]:
    """Each axis label and the x of its grid line."""
    axis = next(g for g in svg.iter(SVG + "g") if g.get("class") == "chart-axis")
    lines = [float(line.get("x1")) for line in axis.findall(SVG + "line") if line.get("class") == "grid"]
    texts = [text.text for text in axis.findall(SVG + "text")]
    return dict(zip(texts, lines, strict=True))


# -- what each mark says about its date --------------------------------------------------------


def test_it_draws_earlier_this_week_as_bars_from_24_to_27_january(client, seed):
    svg = _chart(client, "?view=chart")
    ticks = _ticks(svg)
    marks = _marks(svg)
    for slug in EARLIER_THIS_WEEK:
        [(_lane, link, shape)] = marks[slug]
        assert shape.tag == SVG + "rect" and "mark-range" in shape.get("class")
        left, width = float(shape.get("x")), float(shape.get("width"))
        # From the start of 24 January to the end of 27 January (= where 28 January begins).
        assert left == pytest.approx(ticks["24 jan"])
        assert left + width == pytest.approx(ticks["28 jan"])
        assert link.get("aria-label").endswith("24–27 januari 2022")
        assert link.find(SVG + "title").text == link.get("aria-label")


def test_it_draws_some_time_in_the_coming_weeks_as_an_open_ended_bar(client, seed):
    svg = _chart(client, "?view=chart")
    [(_lane, link, shape)] = _marks(svg)[OPEN_ENDED]
    assert "mark-open" in shape.get("class")
    assert shape.get("fill") == "url(#chart-fade)"
    assert svg.find(f"{SVG}defs/{SVG}linearGradient[@id='chart-fade']") is not None
    # It runs to the end of the axis, whatever the window.
    assert float(shape.get("x")) + float(shape.get("width")) == pytest.approx(chart.X1)
    assert "na 28 januari 2022" in link.get("aria-label")


def test_it_draws_days_as_points_and_uncertain_days_with_their_own_marker(client, seed):
    marks = _marks(_chart(client, "?view=chart"))
    [(_lane, _link, letter)] = marks["navo-brief-aan-kremlin-2022-01-26"]
    assert letter.tag == SVG + "circle" and letter.get("class") == "mark mark-day"
    [(_lane, link, withdrawal)] = marks["vs-halen-diplomaten-weg-uit-kiev"]  # 2022-01-28~
    assert withdrawal.tag == SVG + "path" and "mark-uncertain" in withdrawal.get("class")
    assert link.get("aria-label").endswith("ca. vrijdag 28 januari 2022")
    # Every published event is drawn once with lanes by type (the default).
    assert sorted(marks) == sorted(Event.objects.published().values_list("slug", flat=True))
    assert all(len(drawn) == 1 for drawn in marks.values())


def test_lanes_by_actor_put_the_call_in_putins_and_macrons_lanes(client, seed):
    marks = _marks(_chart(client, "?view=chart&lanes=actor"))
    assert sorted(label for label, _link, _shape in marks[CALL]) == [
        "Emmanuel Macron (1)",
        "Vladimir Poetin (2)",
    ]
    # A participant chosen in the filter has a lane first, however few its events.
    svg = _chart(client, "?view=chart&lanes=actor&actor=macron")
    labels = [text.text for text in svg.iter(SVG + "text") if text.get("class") == "lane-label"]
    assert labels[0] == "Emmanuel Macron (1)"
    assert sorted(label for label, _link, _shape in _marks(svg)[CALL]) == [
        "Emmanuel Macron (1)",
        "Vladimir Poetin (1)",
    ]


def test_lanes_by_type_name_each_type_with_its_count(client, seed):
    svg = _chart(client, "?view=chart&lanes=type")
    labels = [text.text for text in svg.iter(SVG + "text") if text.get("class") == "lane-label"]
    statements = Event.objects.published().filter(type__slug="statement").count()
    assert f"Verklaring ({statements})" in labels
    none = _chart(client, "?view=chart&lanes=none")
    labels = [text.text for text in none.iter(SVG + "text") if text.get("class") == "lane-label"]
    assert labels == [f"Alle gebeurtenissen ({Event.objects.published().count()})"]


def _lane_labels(svg: ET.Element) -> list[str]:
    return [text.text for text in svg.iter(SVG + "text") if text.get("class") == "lane-label"]


def test_lanes_by_timeline_put_an_event_in_two_timelines_in_both_lanes(client, seed):
    seed_timeline = Timeline.objects.get(featured=True)
    _chart(client, "?view=chart&lanes=timeline")  # the index built before the changes below
    election = Timeline.objects.create(slug="verkiezingen", title="Verkiezingen")
    hidden = Timeline.objects.create(slug="intern", title="Intern", public=False)
    call = Event.objects.get(slug=CALL)
    letter = Event.objects.get(slug="navo-brief-aan-kremlin-2022-01-26")
    election.events.add(call, letter)
    hidden.events.add(letter)  # a timeline readers do not see is no lane
    unfiled = Event.objects.published().exclude(pk__in=[call.pk, letter.pk]).last()
    unfiled.timelines.clear()
    in_seed = seed_timeline.events.filter(published=True).count()

    marks = _marks(_chart(client, "?view=chart&lanes=timeline"))
    assert sorted(label for label, _link, _shape in marks[CALL]) == [
        f"{seed_timeline.title} ({in_seed})",
        "Verkiezingen (2)",
    ]
    assert [label for label, _l, _s in marks[unfiled.slug]] == ["Zonder tijdlijn (1)"]
    assert "Intern" not in " ".join(label for drawn in marks.values() for label, _l, _s in drawn)
    # Every other event once, in the seed's lane.
    others = set(marks) - {CALL, letter.slug, unfiled.slug}
    assert others and all(len(marks[slug]) == 1 for slug in others)

    # On the election's own page its lane comes first, then the other timeline of its events.
    svg = _svg(client.get("/t/verkiezingen/?view=chart&lanes=timeline").content.decode())
    assert _lane_labels(svg) == ["Verkiezingen (2)", f"{seed_timeline.title} (2)"]
    assert sorted(_marks(svg)) == sorted([CALL, letter.slug])


def test_the_chart_offers_lanes_by_timeline(client, seed):
    html = client.get("/?view=chart").content.decode()
    assert re.search(r'<a href="\?view=chart&amp;lanes=timeline"[^>]*>tijdlijn</a>', html)
    Event.objects.published().last().timelines.clear()
    english = client.get("/en/?view=chart&lanes=timeline").content.decode()
    assert 'aria-current="true" rel="nofollow">timeline</a>' in english
    assert _lane_labels(_svg(english))[-1] == "In no timeline (1)"


# -- zoom and pan ------------------------------------------------------------------------------


def test_zooming_through_from_and_to_changes_the_scale(client, seed):
    week = _ticks(_chart(client, "?view=chart"))
    assert {"24 jan", "26 jan", "28 jan"} <= set(week)
    day = _ticks(_chart(client, "?view=chart&from=2022-01-28&to=2022-01-28"))
    assert list(day) == ["28 jan", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"]
    year = _ticks(_chart(client, "?view=chart&from=2022-01-01&to=2022-12-31"))
    assert list(year) == ["jan 2022", "mrt 2022", "mei 2022", "jul 2022", "sep 2022", "nov 2022"]
    english = client.get("/en/?view=chart&from=2022-01-01&to=2022-12-31").content.decode()
    assert list(_ticks(_svg(english)))[:3] == ["Jan 2022", "Mar 2022", "May 2022"]
    months = _ticks(_chart(client, "?view=chart&from=2022-01-01&to=2022-09-30"))
    assert list(months)[:4] == ["jan 2022", "feb 2022", "mrt 2022", "apr 2022"] and len(months) == 9
    weeks = _ticks(_chart(client, "?view=chart&from=2022-01-01&to=2022-06-30"))
    assert list(weeks)[:3] == ["3 jan", "24 jan", "14 feb"]  # Mondays
    decade = _ticks(_chart(client, "?view=chart&from=2015-01-01&to=2030-12-31"))
    assert list(decade)[:2] == ["2016", "2018"]


def test_a_day_chart_places_a_morning_event_in_the_morning(client, seed):
    svg = _chart(client, "?view=chart&from=2022-01-28&to=2022-01-28")
    ticks = _ticks(svg)
    [(_lane, _link, call)] = _marks(svg)[CALL]  # 28 January, morning: 6 to 12
    assert float(call.get("cx")) == pytest.approx(ticks["09:00"])


def test_the_zoom_links_keep_the_filters_and_move_the_window(client, seed):
    html = client.get("/?view=chart&type=statement&from=2022-01-20&to=2022-01-27").content.decode()
    html = html.replace("&amp;", "&")
    links = dict(
        re.findall(r'<a href="\?([^"]+)" hx-get="[^"]+"[^>]*>(?:← )?(eerder|inzoomen|uitzoomen|later)', html)
    )
    expected = {
        "eerder": "from=2022-01-16&to=2022-01-23",
        "inzoomen": "from=2022-01-22&to=2022-01-25",
        "uitzoomen": "from=2022-01-16&to=2022-01-31",
        "later": "from=2022-01-24&to=2022-01-31",
    }
    assert links == {f"view=chart&type=statement&{v}": k for k, v in expected.items()}


def test_zoomed_windows():
    first, last = dt.date(2022, 1, 24), dt.date(2022, 1, 27)
    windows = chart.zoomed(first, last)
    assert windows["in"] == (dt.date(2022, 1, 25), dt.date(2022, 1, 26))
    assert windows["out"] == (dt.date(2022, 1, 22), dt.date(2022, 1, 29))
    assert windows["earlier"] == (dt.date(2022, 1, 22), dt.date(2022, 1, 25))
    assert "in" not in chart.zoomed(first, first)  # a day is as close as it gets


# -- the view parameter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["?view=gantt", "?view=chart&lanes=colour", "?lanes=", "?view=chart&view=x"]
)
def test_a_bad_view_or_lanes_is_a_400(client, seed, query):
    if query == "?lanes=":  # empty is "not set", like every parameter
        assert client.get("/" + query).status_code == 200
        return
    response = client.get("/" + query)
    assert response.status_code == 400
    assert "Weergave" in response.content.decode() or "Banen" in response.content.decode()


def test_the_view_switch_and_every_filter_link_keep_the_view(client, seed):
    html = client.get("/?view=chart&type=statement").content.decode()
    switch = re.search(r'<nav class="views"[^>]*>(.*?)</nav>', html)[1]
    assert '<a href="?type=statement">Lijst</a>' in switch
    assert 'href="?type=statement&amp;view=chart" aria-current="page">Grafiek</a>' in switch
    # The chip that drops the type keeps the chart; so does the form.
    assert 'href="?view=chart" hx-get="?view=chart"' in html
    assert '<input type="hidden" name="view" value="chart"' in html
    # The list says nothing about a view and offers the chart one click away.
    listed = client.get("/?type=statement").content.decode()
    assert 'name="view"' not in listed
    assert '<a href="?type=statement&amp;view=chart">Grafiek</a>' in listed
    assert "chart.css" not in listed and "chart.css" in html


def test_the_share_panel_embeds_the_chart_and_exports_only_the_filters(client, seed):
    html = client.get("/?view=chart&lanes=actor&type=statement").content.decode()
    assert "/embed/?view=chart&amp;lanes=actor&amp;type=statement" in html
    assert '/export/events.csv?type=statement"' in html
    assert '/api/events.json?type=statement"' in html


def test_the_embed_offers_the_chart(client, seed):
    response = client.get("/embed/?view=chart")
    assert response.status_code == 200
    html = response.content.decode()
    marks = _marks(_svg(html))
    assert CALL in marks
    assert marks[CALL][0][1].get("target") == "_blank"
    assert 'class="embed-events"' not in html


def test_an_empty_selection_says_so(client, seed):
    html = client.get("/?view=chart&q=zzzzzz").content.decode()
    assert "Geen gebeurtenissen gevonden met deze filters." in html
    assert "chart-svg" not in html


# -- many events -------------------------------------------------------------------------------


def _many_events(n: int, first: dt.date, *, types: int = 1) -> None:
    """n published single-day events, one a day from `first`, spread over `types` new types."""
    kinds = [EventType.objects.create(slug=f"demo-kind-{i}", name=f"Demosoort {i}") for i in range(types)]
    days = [first + dt.timedelta(days=i) for i in range(n)]
    Event.objects.bulk_create(
        Event(slug=f"demo-{i}", title=f"Demo {i}", type=kinds[i % types], status="occurred",
              edtf=day.isoformat(), start=day, end=day, published=True)
        for i, day in enumerate(days)
    )  # fmt: skip
    everything_changed()


def test_with_many_events_each_lane_counts_per_period(client, seed):
    _many_events(chart.MAX_MARKS + 100, dt.date(2021, 1, 1))
    svg = _chart(client, "?view=chart&type=demo-kind-0")
    assert not _marks(svg)  # no single marks
    bins = [link for link in svg.iter(SVG + "a") if link.find(SVG + "rect") is not None]
    counts = [int(re.search(r": (\d+) gebeurtenis", b.get("aria-label"))[1]) for b in bins]
    # One-day events fall in one period each: together, every one of them.
    assert sum(counts) == chart.MAX_MARKS + 100
    assert len(bins) <= chart.MAX_BINS
    # Each period zooms into itself, with the filters kept.
    first = bins[0].get("href")
    assert re.fullmatch(r"\?view=chart&type=demo-kind-0&from=2021-01-01&to=2021-01-\d\d", first)
    zoomed = _chart(client, first)
    assert _marks(zoomed)  # few enough to draw one by one


def test_the_chart_stays_small_however_many_events(client, seed):
    _many_events(3000, dt.date(2014, 1, 1), types=chart.MAX_LANES + 3)
    response = client.get("/?view=chart&lanes=type")
    svg = re.search(r'<svg class="chart-svg".*?</svg>', response.content.decode(), re.S)[0]
    assert len(svg.encode()) < 200_000
    labels = [
        t.text for t in _svg(response.content.decode()).iter(SVG + "text") if t.get("class") == "lane-label"
    ]
    assert len(labels) == chart.MAX_LANES + 1 and labels[-1].startswith("Overige (")


# -- the pure parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edtf", "kind", "uncertain"),
    [
        ("2022-01-26", "day", False),
        ("2022-01-28~", "day", True),
        ("2022-01-24/2022-01-27", "range", False),  # eerder deze week
        ("2022-01-17/2022-01-23", "band", False),  # vorige week: Monday to Sunday
        ("2022-01", "band", False),
        ("2022", "band", False),
        ("2022-01/2022-03", "band", False),
        ("2022-01-29/..", "open", False),
        ("2022-01?/..", "open", True),
    ],
)
def test_the_shape_of_a_date(edtf, kind, uncertain):
    shape = dates.date_shape(edtf)
    assert (shape.kind, shape.uncertain) == (kind, uncertain)
    assert (shape.start, shape.end) == dates.edtf_bounds(edtf)


@pytest.mark.parametrize(
    ("days", "unit"),
    [(1, "hour"), (2, "hour"), (3, "day"), (45, "day"), (46, "week"), (366, "month"), (2000, "year")],
)
def test_the_unit_follows_the_span(days, unit):
    assert chart.unit_for(days) == unit


def test_lanes_keep_the_busiest_and_put_the_rest_together():
    import numpy as np

    n = chart.MAX_LANES + 3
    codes = np.array([i for i in range(n) for _ in range(n - i)])
    numbers, lanes = chart.lanes_by_count(codes, [f"t{i}" for i in range(n)])
    assert [label for label, _n in lanes] == [f"t{i}" for i in range(chart.MAX_LANES)] + ["overige"]
    assert lanes[-1][1] == sum(n - i for i in range(chart.MAX_LANES, n))
    assert numbers[0] == 0 and numbers[-1] == chart.MAX_LANES


# -- in the browser ----------------------------------------------------------------------------

browser_test = pytest.mark.django_db(transaction=True)


def _tick_labels(page) -> list[str]:
    return page.locator(".chart-axis text").evaluate_all("els => els.map(e => e.textContent)")


@browser_test
def test_zooming_in_the_browser_swaps_the_chart_and_back_restores_it(page, live_seed):
    from playwright.sync_api import expect

    page.goto(live_seed.url + "/?view=chart")
    page.evaluate("window.__marker = 'still here'")
    before = _tick_labels(page)
    page.get_by_role("link", name="inzoomen").click()
    expect(page).to_have_url(re.compile(r"view=chart&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"))
    expect(page.locator("#chart-caption")).not_to_contain_text("23–30 januari 2022")
    assert _tick_labels(page) != before
    assert page.evaluate("window.__marker") == "still here"  # no page load
    # The filters' date fields follow the zoom.
    assert page.locator("#id_from").input_value() != ""
    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?view=chart$"))
    expect(page.locator("#chart-caption")).to_contain_text("23–30 januari 2022")
    assert _tick_labels(page) == before
    # A mark is a link to its event.
    page.locator(f'.chart-svg a[href$="/{CALL}/"]').first.click()
    expect(page).to_have_url(re.compile(CALL))


@browser_test
def test_the_chart_works_without_javascript(browser, live_seed):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    page.goto(live_seed.url + "/")
    page.get_by_role("link", name="Grafiek").click()
    expect(page).to_have_url(re.compile(r"view=chart"))
    expect(page.locator(f'.chart-svg a[href$="/{CALL}/"]')).to_have_count(1)
    page.get_by_role("link", name="uitzoomen").click()
    expect(page).to_have_url(re.compile(r"view=chart&from="))
    page.get_by_role("link", name="deelnemer").click()
    expect(page.locator(f'.chart-svg a[href$="/{CALL}/"]')).to_have_count(2)
    # The filter form keeps the chart.
    page.locator("#status-occurred").check()
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page).to_have_url(re.compile(r"status=occurred.*view=chart|view=chart.*status=occurred"))
    expect(page.locator(".chart-svg")).to_have_count(1)
    context.close()


@browser_test
@pytest.mark.parametrize(
    "query", ["?view=chart", "?view=chart&lanes=actor", "?view=chart&from=2022-01-28&to=2022-01-28"]
)
def test_the_chart_has_no_accessibility_violations(page, live_seed, query):
    from axe_playwright_python.sync_playwright import Axe
    from conftest import WCAG

    page.goto(live_seed.url + "/" + query)
    assert page.locator(".chart-svg a").count() > 0
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


@browser_test
def test_the_dense_chart_has_no_accessibility_violations(page, live_seed):
    from axe_playwright_python.sync_playwright import Axe
    from conftest import WCAG

    _many_events(chart.MAX_MARKS + 100, dt.date(2021, 1, 1), types=3)
    page.goto(live_seed.url + "/?view=chart")
    assert page.locator(".chart-svg rect.bin").count() > 0
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


@browser_test
@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_screenshots_of_the_chart(browser, live_seed, artifacts, width, height):
    from pathlib import Path

    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = context.new_page()
    page.goto(live_seed.url + "/?view=chart")
    page.locator(".chart-svg").scroll_into_view_if_needed()
    # Nothing sticks out of the page: at most the chart scrolls sideways, inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(".chart-scroll").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    out = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page.locator("#results").screenshot(path=str(out / f"chart-{width}.png"))
    # Lanes by participant, and density, for a look (not kept in docs/).
    page.goto(live_seed.url + "/?view=chart&lanes=actor")
    page.locator("#results").screenshot(path=str(artifacts / f"chart-actor-{width}.png"))
    _many_events(chart.MAX_MARKS + 100, dt.date(2021, 6, 1), types=3)
    page.goto(live_seed.url + "/?view=chart")
    page.locator("#results").screenshot(path=str(artifacts / f"chart-density-{width}.png"))
    context.close()
