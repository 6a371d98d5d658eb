"""Dutch by default, English complete, the browser chooses on a first visit."""

import html as htmllib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from timeline.models import Actor, Citation, Event, Source

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _catalogue() -> list[tuple[str, str]]:
    """(Dutch, English) pairs of interface text from the English catalogue."""
    pairs = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        ids = re.findall(r'^msgid "(.*)"$', block, re.M)
        strs = re.findall(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        if ids and strs and ids[0] and strs[0] and ids[0] != strs[0]:
            pairs.append((ids[0].replace('\\"', '"'), strs[0].replace('\\"', '"')))
    return pairs


def _phrases(texts) -> list[str]:
    # Placeholders split a message into the fixed phrases a reader would see.
    out = []
    for text in texts:
        for part in re.split(r"%\(\w+\)[sd]|<[^>]+>", text):
            part = part.strip(" .:‘’()·")
            if len(part) >= 4:
                out.append(part)
    return out


def _visible_text(response) -> str:
    body = response.content.decode()
    # Scripts, styles and code snippets (the embed iframe) are not interface language.
    body = re.sub(r"<(script|style|textarea)[^>]*>.*?</\1>", " ", body, flags=re.S)
    # The product's name is the same in every language.
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).replace("Crisis Timeline", "")


@pytest.fixture
def neutral_content(seed):
    """The seed with its newsroom content (Dutch) replaced, so only interface text is Dutch."""
    for i, event in enumerate(Event.objects.all()):
        event.title, event.summary, event.location = f"Event {i}", f"Summary {i}", ""
        event.save()
    Citation.objects.update(quote="Quote")
    Source.objects.update(title="Source", outlet="Outlet")
    Actor.objects.update(function="")


PAGES = ["/", "/?actor=lavrov&from=2022-01-20&q=ev", "/?view=chart",
         "/?view=chart&lanes=actor&from=2022-01-28&to=2022-01-28",
         "/events/poetin-macron-telefoongesprek-2022-01-28/",
         "/actors/lavrov/", "/actors/rusland/", "/events/bestaat-niet/"]


@pytest.mark.parametrize("path", PAGES)
def test_it_leaves_no_dutch_in_the_english_interface(client, neutral_content, path):
    response = client.get("/en" + path)
    text = _visible_text(response)
    shared = set(_phrases(en for _, en in _catalogue()))
    dutch = [p for p in _phrases(nl for nl, _ in _catalogue())
             if p not in shared and re.search(rf"\b{re.escape(p)}\b", text)]
    assert dutch == []
    assert "Ukraine crisis 2022 · every event with its source" in text


@pytest.mark.parametrize("path", PAGES)
def test_it_leaves_no_english_in_the_dutch_interface(client, neutral_content, path):
    text = _visible_text(client.get(path))
    shared = set(_phrases(nl for nl, _ in _catalogue()))
    english = [p for p in _phrases(en for _, en in _catalogue())
               if p not in shared and re.search(rf"\b{re.escape(p)}\b", text)
               and p not in ("Event", "Summary", "Quote", "Source", "Outlet")]
    assert english == []


def test_it_labels_dates_in_english(client, seed):
    text = _visible_text(client.get("/en/"))
    assert "Friday 28 January 2022 · morning" in text
    assert "24–27 January 2022" in text
    assert "after 28 January 2022" in text


def test_it_follows_the_browser_on_a_first_visit(client, seed):
    response = client.get("/?actor=lavrov", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert response.status_code == 302
    assert response["Location"] == "/en/?actor=lavrov"
    # Dutch browsers, and readers who chose Dutch, stay on /.
    assert client.get("/", headers={"Accept-Language": "nl-NL,nl"}).status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = client.get("/?actor=lavrov", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()


def test_it_switches_language_and_keeps_the_filters(client, seed):
    html = client.get("/?actor=lavrov&type=statement").content.decode()
    switch = re.search(r'<a href="(/lang/en/\?next=[^"]+)" hreflang="en"', html).group(1)
    response = client.get(htmllib.unescape(switch))
    assert response.status_code == 302
    assert response["Location"] == "/en/?actor=lavrov&type=statement"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()


def test_it_refuses_to_switch_to_another_site(client, seed):
    response = client.get("/lang/en/?next=https://evil.example/")
    assert response["Location"] == "/"
    assert client.get("/lang/xx/").status_code == 400


def test_it_links_the_alternates(client, seed):
    html = client.get("/events/poetin-macron-telefoongesprek-2022-01-28/").content.decode()
    english = "http://testserver/en/events/poetin-macron-telefoongesprek-2022-01-28/"
    assert f'hreflang="en" href="{english}"' in html
    assert 'hreflang="nl" href="http://testserver/events/poetin-macron-telefoongesprek-2022-01-28/"' in html


@pytest.mark.parametrize(
    ("path", "english", "dutch"),
    [
        ("/en/?from=blorp", "'blorp' is not a date I recognise", "geen datum die ik herken"),
        ("/?from=blorp", "'blorp' is geen datum die ik herken", "not a date I recognise"),
        ("/en/?to=dinsdag+26+januari+2022", "is a Wednesday, not a Tuesday", "geen dinsdag"),
    ],
)
def test_it_words_a_date_refusal_in_the_readers_language(client, seed, path, english, dutch):
    # The locale middleware leaves the request's language active in this thread; the override
    # puts back what was active before, so later tests do not run in English.
    with translation.override(None):
        text = _visible_text(client.get(path))
    assert english in text
    assert dutch not in text
