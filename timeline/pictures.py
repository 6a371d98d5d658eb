"""A picture per event: an editor's upload made safe to publish, and how it is shown.

An upload is checked before anything is stored: its size before Pillow reads a byte, its pixel
count (from the header) before Pillow decodes one, then decoded in full so that a truncated file
is refused too. What is kept is pixels only: the orientation the camera recorded is applied
(`ImageOps.exif_transpose`), colours are converted to sRGB when the file carries another ICC
profile, and each size is encoded from a fresh image, so no EXIF (GPS location, camera serial),
XMP, ICC profile or comment of the upload survives. The upload itself is not kept: the largest
size (at most 1,600 px wide) stands in for it.

A picture no event shows any more (taken away, replaced, or its event deleted) is deleted
from the storage once that change commits (`timeline.changes`): what an editor removes is no
longer served, at any size. A revert to a version whose picture is gone gives back the rest of
that version without it, and says so.

The sizes are JPEGs (every browser, feed reader and TimelineJS shows them) named by the hash of
the largest one's bytes, `pictures/<hash>-<width>.jpg`, so a name never changes content and is
cached for a year (`timeline.views.picture_file`, or the bucket's own headers on S3). The event
keeps the largest one's name and size; the smaller names and sizes follow from them
(`Picture.renditions`), so nothing else needs storing.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import NamedTuple, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# The widths made, narrowest first; an upload narrower than one is never enlarged.
WIDTHS = (480, 960, 1600)
FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 82
NAME = re.compile(r"pictures/[0-9a-f]{20}-[1-9][0-9]{0,3}\.jpg")
CACHE_CONTROL = "public, max-age=31536000, immutable"
# How wide the picture is shown, for the browser to pick a size (`sizes`), as in site.css.
CARD_SIZES = "(min-width: 52rem) 28rem, calc(100vw - 2rem)"
PAGE_SIZES = "(min-width: 48rem) 46rem, calc(100vw - 2rem)"
EMBED_SIZES = "(min-width: 32rem) 28rem, 100vw"

NOT_AN_IMAGE = _(
    "Dit bestand is geen afbeelding die we kunnen lezen (JPEG, PNG of WebP). Er is niets opgeslagen."
)
TOO_LARGE = _(
    "Deze afbeelding is %(size)s; het maximum is %(limit)s. Verklein haar en probeer het opnieuw. "
    "Er is niets opgeslagen."
)
TOO_MANY_PIXELS = _(
    "Deze afbeelding heeft te veel beeldpunten (%(pixels)s; het maximum is %(limit)s miljoen). "
    "Er is niets opgeslagen."
)
BROKEN = _("Deze afbeelding is beschadigd of onvolledig en kan niet gelezen worden. Er is niets opgeslagen.")
ALT_REQUIRED = _(
    "Beschrijf wat er op de afbeelding te zien is (alt-tekst), voor wie haar niet kan zien: "
    "verplicht bij een afbeelding."
)


class Rendition(NamedTuple):
    name: str
    width: int
    height: int


class RenditionDict(TypedDict):
    url: str
    width: int
    height: int


class PictureDict(TypedDict):
    url: str
    width: int
    height: int
    srcset: list[RenditionDict]
    sizes: str
    alt: str
    credit: str
    caption: str


def height_for(width: int, full_width: int, full_height: int) -> int:
    """The height of a size `width` wide, in proportion to the largest size."""
    return max(1, round(full_height * width / full_width))


def widths_for(full_width: int) -> list[int]:
    largest = min(full_width, WIDTHS[-1])
    return [w for w in WIDTHS if w < largest] + [largest]


@dataclass(frozen=True)
class Picture:
    """An event's picture as shown: the largest size's name and dimensions, and its words."""

    name: str
    width: int
    height: int
    alt: str
    credit: str
    caption: str

    def renditions(self) -> list[Rendition]:
        stem = self.name.rsplit("-", 1)[0]
        return [
            Rendition(f"{stem}-{w}.jpg", w, height_for(w, self.width, self.height))
            for w in widths_for(self.width)
        ]

    @staticmethod
    def url_of(rendition: Rendition) -> str:
        return default_storage.url(rendition.name)

    @property
    def url(self) -> str:
        return default_storage.url(self.name)

    def srcset(self, absolute=str) -> str:
        return ", ".join(f"{absolute(self.url_of(r))} {r.width}w" for r in self.renditions())

    def as_dict(self, absolute) -> PictureDict:
        return {
            "url": absolute(self.url),
            "width": self.width,
            "height": self.height,
            "srcset": [
                {"url": absolute(self.url_of(r)), "width": r.width, "height": r.height}
                for r in self.renditions()
            ],
            "sizes": PAGE_SIZES,
            "alt": self.alt,
            "credit": self.credit,
            "caption": self.caption,
        }


@dataclass(frozen=True)
class Prepared:
    """An upload made safe, not yet stored: its sizes' names, dimensions and JPEG bytes."""

    files: list[tuple[Rendition, bytes]]

    @property
    def largest(self) -> Rendition:
        return self.files[-1][0]


def prepare(upload) -> Prepared:
    """Check and convert an uploaded file; a ValidationError in the editor's words if it is
    not a picture we publish. Nothing is stored here."""
    if upload.size > settings.PICTURE_MAX_BYTES:
        raise ValidationError(
            TOO_LARGE,
            code="too_large",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.PICTURE_MAX_BYTES),
            },
        )
    upload.seek(0)
    limit = settings.PICTURE_MAX_PIXELS
    too_many = ValidationError(
        TOO_MANY_PIXELS,
        code="too_many_pixels",
        params={"pixels": "?", "limit": limit // 1_000_000},
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; here both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
    width, height = image.size
    if width * height > limit:
        too_many.params["pixels"] = f"{width} × {height}"
        raise too_many
    try:
        image.load()
        pixels = _pixels_only(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(BROKEN, code="broken") from None
    return _sizes(pixels)


def _pixels_only(image: Image.Image) -> Image.Image:
    """Upright, sRGB, opaque RGB pixels in a new image that carries nothing else."""
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels as they are
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return Image.frombytes("RGB", image.size, image.tobytes())


def _sizes(pixels: Image.Image) -> Prepared:
    widths = widths_for(pixels.width)
    largest_width = widths[-1]
    largest_height = height_for(largest_width, pixels.width, pixels.height)
    encoded = []
    for width in widths:
        height = height_for(width, largest_width, largest_height)
        sized = pixels if (width, height) == pixels.size else pixels.resize((width, height), Image.LANCZOS)
        buffer = io.BytesIO()
        sized.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        encoded.append((width, height, buffer.getvalue()))
    digest = hashlib.sha256(encoded[-1][2]).hexdigest()[:20]
    return Prepared([(Rendition(f"pictures/{digest}-{w}.jpg", w, h), data) for w, h, data in encoded])


def files_of(name: str) -> list[str]:
    """Every size stored for the picture whose largest size is `name`, that one last."""
    if not NAME.fullmatch(name):
        return [name]
    stem, width = name.removesuffix(".jpg").rsplit("-", 1)
    return [f"{stem}-{w}.jpg" for w in widths_for(int(width))]


def exists(name: str, storage: Storage | None = None) -> bool:
    storage = storage or default_storage
    return all(storage.exists(file) for file in files_of(name))


def delete(name: str, storage: Storage | None = None) -> None:
    """Remove every size of a picture from the storage (one already gone is no error)."""
    storage = storage or default_storage
    for file in files_of(name):
        storage.delete(file)


def store(prepared: Prepared, storage: Storage | None = None) -> Rendition:
    """Save the sizes (a name already there holds the same bytes); the largest one."""
    storage = storage or default_storage
    for rendition, data in prepared.files:
        if storage.exists(rendition.name):
            continue
        saved = storage.save(rendition.name, ContentFile(data))
        if saved != rendition.name:
            # Someone stored the same picture at the same moment: theirs is ours.
            storage.delete(saved)
    return prepared.largest
