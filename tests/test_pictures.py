"""A picture per event: uploaded in the admin, stripped of camera data, shown and exported
everywhere an event is, and bad uploads refused with nothing stored."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import DESKTOP, PHONE, WCAG
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from playwright.sync_api import expect
from test_admin import form_data  # the admin's form read the way a browser submits it

from timeline import pictures
from timeline.models import Event

CALL = "poetin-macron-telefoongesprek-2022-01-28"
CHANGE = "/admin/timeline/event/{}/change/"
ALT = "Poetin aan de telefoon in het Kremlin"
CREDIT = "Foto: ANP / Remko de Waal"
CAPTION = "Poetin belt met Macron"
ROOT = Path(__file__).resolve().parent.parent


# -- the cast ------------------------------------------------------------------------------------


def camera_jpeg(size=(2000, 1200), orientation: int = 6) -> bytes:
    """A photo as a phone writes it: GPS position, camera make and model, an orientation tag
    (6: the pixels are stored on their side), an XMP packet and a JPEG comment."""
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((30, 60, 200), (0, 0, size[0] // 2, size[1] // 3))  # a corner to tell sides apart
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R5"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (50.0, 27.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (30.0, 31.0, 0.0),
    }
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>secret-xmp</x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=xmp, comment=b"secret-comment", quality=90)
    return out.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few dozen bytes that declare a 2.5-gigapixel image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def give_picture(slug: str, **words: str) -> Event:
    """An event with a photo as the admin would store it (for the browser tests)."""
    largest = pictures.store(pictures.prepare(SimpleUploadedFile("foto.jpg", camera_jpeg(orientation=1))))
    event = Event.objects.get(slug=slug)
    event.picture, event.picture_width, event.picture_height = largest.name, largest.width, largest.height
    event.picture_alt, event.picture_credit, event.picture_caption = (
        words["alt"],
        words["credit"],
        words["caption"],
    )
    event.save()
    return event


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def desk(client, seed):
    user = User.objects.create_user("anna", "anna@redactie.example", "correct horse battery staple")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def upload(desk, content: bytes, name: str = "foto.jpg", **fields):
    event = Event.objects.get(slug=CALL)
    url = CHANGE.format(event.pk)
    data = form_data(desk.get(url))
    data.update({"picture_alt": ALT, "picture_credit": CREDIT, "picture_caption": CAPTION})
    data.update(fields)
    data["picture_file"] = SimpleUploadedFile(name, content, "image/jpeg")
    return desk.post(url, data)


@pytest.fixture
def pictured(desk, media) -> Event:
    """The phone call with a phone's photo, uploaded through the admin."""
    response = upload(desk, camera_jpeg())
    assert response.status_code == 302, response.content.decode()[:3000]
    return Event.objects.get(slug=CALL)


# -- the upload ------------------------------------------------------------------------------------


def test_it_keeps_no_location_or_camera_data_in_any_stored_size(pictured, media):
    files = stored(media)
    # Stored upright (orientation 6 applied): 1,200 wide; 480 and 960 beside it, no original.
    assert len(files) == 3
    assert {Image.open(f).size for f in files} == {(480, 800), (960, 1600), (1200, 2000)}
    for file in files:
        assert pictures.NAME.fullmatch(f"pictures/{file.name}"), file.name
        image = Image.open(file)
        exif = image.getexif()
        assert dict(exif) == {}
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "exif" not in image.info and "icc_profile" not in image.info
        raw = file.read_bytes()
        for secret in (b"Canon", b"EOS R5", b"secret-xmp", b"secret-comment", b"GPS"):
            assert secret not in raw, (file.name, secret)
    # The blue corner, stored on its side, is upright now: top right of the picture.
    largest = Image.open(media / pictured.picture.name).convert("RGB")
    assert largest.getpixel((1150, 50))[2] > 150
    assert largest.getpixel((50, 1950))[0] > 150
    assert (pictured.picture_width, pictured.picture_height) == (1200, 2000)
    assert (pictured.picture_alt, pictured.picture_credit) == (ALT, CREDIT)


def test_it_records_the_picture_in_the_event_history(pictured):
    record = pictured.history.order_by("-history_date").first()
    assert record.picture == pictured.picture.name
    assert record.picture_alt == ALT


def test_it_requires_alt_text_with_a_picture(desk, media):
    response = upload(desk, camera_jpeg(), picture_alt="  ")
    assert response.status_code == 200
    assert "verplicht bij een afbeelding" in response.content.decode()
    assert stored(media) == []
    assert not Event.objects.get(slug=CALL).picture


def truncated_jpeg() -> bytes:
    whole = camera_jpeg(size=(800, 600), orientation=1)
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Dit is tekst, geen foto.\n" * 40, "geen afbeelding die we kunnen lezen"),
        (b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024), "het maximum is 20,0\xa0MB"),
        (bomb_png(), "te veel beeldpunten"),
        (truncated_jpeg(), "beschadigd of onvolledig"),
    ],
    ids=["text-named-jpg", "50-MB", "image-bomb", "truncated"],
)
def test_it_refuses_a_bad_upload_in_words_and_stores_nothing(desk, media, content, message):
    response = upload(desk, content)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Er is niets opgeslagen." in html
    assert stored(media) == []
    event = Event.objects.get(slug=CALL)
    assert not event.picture and event.picture_alt == ""


def test_it_takes_a_picture_away(desk, pictured):
    url = CHANGE.format(pictured.pk)
    data = form_data(desk.get(url))
    data["picture_remove"] = "on"
    assert desk.post(url, data).status_code == 302
    event = Event.objects.get(slug=CALL)
    assert not event.picture and event.shown_picture is None
    assert "<img" not in desk.get(event.get_absolute_url()).content.decode()


def test_a_picture_taken_away_is_no_longer_served_at_any_size(desk, client, pictured, media):
    urls = [pictures.Picture.url_of(r) for r in pictured.shown_picture.renditions()]
    assert len(stored(media)) == 3 and all(client.get(u).status_code == 200 for u in urls)
    url = CHANGE.format(pictured.pk)
    data = form_data(desk.get(url))
    data["picture_remove"] = "on"
    assert desk.post(url, data).status_code == 302
    assert stored(media) == []
    assert all(client.get(u).status_code == 404 for u in urls)


def test_a_replaced_picture_leaves_only_the_new_one(desk, pictured, media):
    old = set(stored(media))
    response = upload(desk, camera_jpeg(size=(1000, 700), orientation=1))
    assert response.status_code == 302
    event = Event.objects.get(slug=CALL)
    assert event.picture.name != pictured.picture.name
    now = set(stored(media))
    assert not now & old
    assert {p.name for p in now} == {Path(r.name).name for r in event.shown_picture.renditions()}


def test_a_picture_two_events_show_stays_until_neither_does(desk, pictured, media):
    other = Event.objects.exclude(pk=pictured.pk).first()
    for name in ("picture", "picture_width", "picture_height", "picture_alt"):
        setattr(other, name, getattr(pictured, name))
    other.save()
    url = CHANGE.format(pictured.pk)
    data = form_data(desk.get(url))
    data["picture_remove"] = "on"
    assert desk.post(url, data).status_code == 302
    assert len(stored(media)) == 3  # the other event still shows it
    other.delete()
    assert stored(media) == []


def test_a_revert_to_a_version_whose_picture_was_taken_away_comes_back_without_it(desk, pictured, media):
    with_picture = pictured.history.order_by("-history_date").first()
    url = CHANGE.format(pictured.pk)
    data = form_data(desk.get(url))
    data["picture_remove"] = "on"
    data["title"] = "Poetin en Macron bellen"
    assert desk.post(url, data).status_code == 302
    revert_url = f"/admin/timeline/event/{pictured.pk}/history/{with_picture.history_id}/"
    response = desk.post(revert_url, form_data(desk.get(revert_url), "historicalevent_form"), follow=True)
    assert "De afbeelding van die versie is intussen verwijderd" in response.content.decode()
    event = Event.objects.get(pk=pictured.pk)
    assert event.title == with_picture.title  # the rest of the version is back
    assert not event.picture and event.shown_picture is None and event.picture_alt == ""
    assert "<img" not in desk.get(event.get_absolute_url()).content.decode()


# -- where readers see it ------------------------------------------------------------------------


def test_the_card_has_srcset_sizes_alt_and_keeps_room_for_it(client, pictured):
    html = client.get("/").content.decode()
    name = pictured.picture.name.rsplit("-", 1)[0]
    assert (
        f'<img src="/media/{name}-1200.jpg" srcset="/media/{name}-480.jpg 480w, '
        f'/media/{name}-960.jpg 960w, /media/{name}-1200.jpg 1200w" sizes="{pictures.CARD_SIZES}" '
        f'width="1200" height="2000" alt="{ALT}" loading="lazy" decoding="async">'
    ) in html
    assert html.count("<img") == 1


def test_the_event_page_has_a_figure_with_caption_and_credit(client, pictured):
    html = client.get(pictured.get_absolute_url()).content.decode()
    assert '<figure class="picture"><img ' in html
    assert f'alt="{ALT}"' in html and f'sizes="{pictures.PAGE_SIZES}"' in html
    assert f'<figcaption>{CAPTION} · <span class="picture-credit">{CREDIT}</span></figcaption>' in html
    assert f'<meta property="og:image" content="http://testserver/media/{pictured.picture.name}">' in html


def test_the_api_gives_the_picture_with_every_size(client, pictured):
    events = {e["slug"]: e for e in client.get("/api/events.json").json()["events"]}
    picture = events[CALL]["picture"]
    assert picture["url"] == f"http://testserver/media/{pictured.picture.name}"
    assert [(s["width"], s["height"]) for s in picture["srcset"]] == [(480, 800), (960, 1600), (1200, 2000)]
    assert (picture["alt"], picture["credit"], picture["caption"]) == (ALT, CREDIT, CAPTION)
    assert all(e["picture"] is None for slug, e in events.items() if slug != CALL)


def test_the_timelinejs_export_carries_it_as_media(client, pictured):
    slides = {s["unique_id"]: s for s in client.get("/export/timelinejs.json").json()["events"]}
    assert slides[CALL]["media"] == {
        "url": f"http://testserver/media/{pictured.picture.name}",
        "credit": CREDIT,
        "caption": CAPTION,
        "alt": ALT,
    }
    assert [slug for slug, s in slides.items() if "media" in s] == [CALL]


def test_the_editors_words_are_text_not_markup_everywhere(client, desk, media):
    assert upload(desk, camera_jpeg(), picture_credit="Foto: <b>ANP</b>").status_code == 302
    slide = next(s for s in client.get("/export/timelinejs.json").json()["events"] if s["unique_id"] == CALL)
    # TimelineJS writes the credit as HTML: it must arrive escaped.
    assert slide["media"]["credit"] == "Foto: &lt;b&gt;ANP&lt;/b&gt;"
    html = client.get("/").content.decode()
    assert '<span class="picture-credit">Foto: &lt;b&gt;ANP&lt;/b&gt;</span>' in html


def test_the_embed_and_the_feed_show_it(client, pictured):
    embed = client.get("/embed/").content.decode()
    assert f'alt="{ALT}"' in embed and f"/media/{pictured.picture.name}" in embed
    feed = feedparser.parse(client.get("/feed/").content)
    entry = next(e for e in feed.entries if e.link.endswith(f"/events/{CALL}/"))
    content = entry.summary
    assert f'src="http://testserver/media/{pictured.picture.name}"' in content
    assert f'alt="{ALT}"' in content and CREDIT in content


def test_the_seed_shows_no_picture_anywhere(client, seed, media):
    assert "<img" not in client.get("/").content.decode()
    assert all(e["picture"] is None for e in client.get("/api/events.json").json()["events"])
    assert all("media" not in s for s in client.get("/export/timelinejs.json").json()["events"])
    assert "<img" not in client.get(f"/events/{CALL}/").content.decode()
    assert "<img" not in client.get("/embed/").content.decode()
    assert "&lt;img" not in client.get("/feed/").content.decode()


# -- serving the files ---------------------------------------------------------------------------


def test_a_picture_is_served_with_a_year_long_immutable_cache(client, pictured, media):
    for rendition in pictured.shown_picture.renditions():
        response = client.get(f"/media/{rendition.name}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Content-Encoding" not in response
        body = b"".join(response.streaming_content)
        assert body == (media / rendition.name).read_bytes()
        assert Image.open(io.BytesIO(body)).size == (rendition.width, rendition.height)


@pytest.mark.parametrize(
    "path",
    [
        "/media/pictures/0123456789abcdef0123-480.jpg",  # well formed, not stored
        "/media/../timeline/settings/base.py",
        "/media/pictures/../../db.sqlite3",
        "/media/%2e%2e/%2e%2e/pyproject.toml",
        "/media/pictures/secret.txt",
        "/media/pictures",
        "/media/",
    ],
)
def test_nothing_else_is_served_under_media(client, media, path):
    (media / "pictures").mkdir(parents=True)
    (media / "pictures" / "secret.txt").write_text("geheim")
    response = client.get(path)
    assert response.status_code == 404
    assert b"geheim" not in response.content


def test_a_picture_cannot_be_posted_to(client, pictured):
    assert client.post(f"/media/{pictured.picture.name}").status_code == 405


# -- configuration -------------------------------------------------------------------------------


def _settings_in_a_child(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'default': settings.STORAGES['default'], "
        "'img': [str(s) for s in settings.SECURE_CSP['img-src']]}))"
    )
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "timeline.settings", "DEBUG": "1", **env}
    run = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                         cwd=ROOT, env=environ, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(run.stdout)


def test_pictures_are_files_under_media_root_and_images_only_from_the_site_by_default():
    found = _settings_in_a_child(PICTURE_STORAGE="")
    assert found["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["img"] == ["'self'"]


def test_s3_from_the_environment_opens_img_src_to_its_domain_only():
    found = _settings_in_a_child(
        PICTURE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="redactie-fotos",
        AWS_S3_ENDPOINT_URL="https://s3.eu-central-1.example.net",
    )
    assert found["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert found["default"]["OPTIONS"]["bucket_name"] == "redactie-fotos"
    assert found["default"]["OPTIONS"]["querystring_auth"] is False
    assert found["img"] == ["'self'", "https://s3.eu-central-1.example.net"]


# -- in the browser --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_card_with_a_picture_in_the_browser(page, live_seed, settings, tmp_path, viewport):
    settings.MEDIA_ROOT = tmp_path / "media"
    event = give_picture(CALL, alt=ALT, credit=CREDIT, caption=CAPTION)
    page.set_viewport_size(viewport)
    page.goto(live_seed.url + "/?actor=macron")
    card = page.locator(f"#event-{CALL}")
    image = card.locator("figure.picture img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    # The browser chose a size from the srcset for the card's width, no wider than needed.
    chosen = image.evaluate("img => img.currentSrc")
    assert chosen.rsplit("-", 1)[-1] in {f"{r.width}.jpg" for r in event.shown_picture.renditions()}
    box = image.bounding_box()
    assert box["width"] <= min(viewport["width"], 28 * 16) + 1
    assert abs(box["height"] / box["width"] - event.picture_height / event.picture_width) < 0.01
    assert card.locator("figure.picture figcaption").inner_text() == f"{CAPTION} · {CREDIT}"
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    shots = ROOT / "docs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=shots / f"picture-card-{viewport['width']}.png")

    page.goto(live_seed.url + event.get_absolute_url())
    expect(page.locator("figure.picture figcaption")).to_have_text(f"{CAPTION} · {CREDIT}")
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
