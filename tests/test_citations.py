"""The quote and the source behind an event: drawn the same way and in the same order on every
surface that shows it (the cards, the event page, the embed, TimelineJS, the Atom feed, the API
and the spreadsheet)."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.utils.html import escape

from timeline.models import Citation, Source

pytestmark = pytest.mark.django_db

CALL = "poetin-macron-telefoongesprek-2022-01-28"
URL = "https://nos.nl/artikel/2414839-lavrov-rusland-wil-geen-oorlog-met-oekraine"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def linked(seed) -> Citation:
    """The seed's source with the URL it was published at (the seed itself has none)."""
    Source.objects.update(url=URL)
    return Citation.objects.select_related("source").get(event__slug=CALL)


def _expected(citation: Citation, link_attributes: str = "") -> str:
    source = citation.source
    return (
        f'<figure class="citation"><blockquote cite="{URL}" lang="nl">'
        f"<p>{escape(citation.quote)}</p></blockquote>"
        f'<figcaption>— <a href="{URL}"{link_attributes}>NOS, '
        f'<cite lang="nl">{escape(source.title)}</cite></a>, '
        "gepubliceerd vrijdag 28 januari 2022</figcaption></figure>"
    )


def _card(client) -> str:
    html = client.get("/").content.decode()
    card = html[html.index(f'id="event-{CALL}"') :]
    return card[: card.index("</article>")]


def _event_page(client) -> str:
    return client.get(f"/events/{CALL}/").content.decode()


def _embed(client) -> str:
    html = client.get("/embed/").content.decode()
    card = html[html.index(f'id="event-{CALL}"') :]
    return card[: card.index("</article>")]


def _slide(client) -> str:
    data = client.get("/export/timelinejs.json").json()
    return next(e for e in data["events"] if e["unique_id"] == CALL)["text"]["text"]


def _feed_entry(client) -> str:
    feed = ET.fromstring(client.get("/feed/").content)
    for entry in feed.iter(f"{ATOM}entry"):
        if entry.find(f"{ATOM}link").get("href").endswith(f"/events/{CALL}/"):
            return entry.find(f"{ATOM}summary").text
    raise AssertionError(f"{CALL} is not in the feed")


ON_THE_SITE = [_card, _event_page]
INSIDE_OTHER_PAGES = [_embed, _slide, _feed_entry]


@pytest.mark.parametrize("surface", ON_THE_SITE)
def test_it_draws_the_citation_with_its_source_and_publication_date_on_the_site(
    client, linked, surface
):
    assert _expected(linked) in surface(client)


@pytest.mark.parametrize("surface", INSIDE_OTHER_PAGES)
def test_it_opens_the_source_in_a_new_tab_from_inside_other_pages(client, linked, surface):
    expected = _expected(linked, ' target="_blank" rel="noopener"')
    assert expected in surface(client)


def test_it_names_the_publication_date_in_the_reader_language(client, linked):
    html = client.get(f"/en/events/{CALL}/").content.decode()
    assert ", published Friday 28 January 2022</figcaption>" in html


def test_it_draws_a_source_without_url_as_plain_text(client, seed):
    html = _event_page(client)
    assert (
        '<figcaption>— NOS, <cite lang="nl">Lavrov: Rusland wil geen oorlog met Oekraïne</cite>, '
        "gepubliceerd vrijdag 28 januari 2022</figcaption>"
    ) in html
    assert "cite=" not in html and '<a href=""' not in html


# -- one order ---------------------------------------------------------------------------------


@pytest.fixture
def two_quotes(linked) -> list[str]:
    """The call with two quotes whose entry order (pk) is the reverse of their position."""
    linked.position = 2
    linked.save()
    Citation.objects.create(
        event=linked.event, source=linked.source, position=1, quote="Eerst genoemd citaat."
    )
    assert Citation.objects.filter(event=linked.event).earliest("pk") == linked
    quotes = ["Eerst genoemd citaat.", linked.quote]
    assert all(escape(q) == q for q in quotes)  # found as they are in HTML, JSON and CSV
    return quotes


def _api(client) -> str:
    data = client.get("/api/events.json").json()
    event = next(e for e in data["events"] if e["slug"] == CALL)
    return json.dumps([c["quote"] for c in event["citations"]], ensure_ascii=False)


def _csv(client) -> str:
    content = client.get("/export/events.csv").getvalue().decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(content)) if r["Slug"] == CALL)
    return row["Quote"]


@pytest.mark.parametrize(
    "surface", [*ON_THE_SITE, *INSIDE_OTHER_PAGES, _api, _csv], ids=lambda f: f.__name__
)
def test_it_shows_an_events_citations_by_position_everywhere(client, two_quotes, surface):
    text = surface(client)
    first, second = two_quotes
    assert first in text and second in text
    assert text.index(first) < text.index(second)
