"""Reading an article: the seed format or plain text / Markdown, its publication period, its
paragraphs (sub-headings marked) and its sentences (pysbd)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from django.utils.html import strip_tags
from django.utils.text import slugify

from timeline import dates


class IngestError(ValueError):
    """The article cannot be ingested; the message says why, in words an editor understands."""


# A source's publication date at its precision; the one definition lives in timeline.dates.
PublicationDate = dates.Period


def publication_date(text: str) -> dates.Period:
    try:
        return dates.Period.parse(text)
    except dates.InvalidEDTF as exc:
        raise IngestError(str(exc)) from exc


@dataclass(frozen=True)
class Paragraph:
    start: int  # offset in Article.text
    text: str
    heading: bool


@dataclass(frozen=True)
class Article:
    path: Path
    text: str  # what Source.text keeps: the body, header and Markdown markup removed
    paragraphs: tuple[Paragraph, ...]
    published: PublicationDate
    title: str = ""
    outlet: str = ""
    url: str = ""
    lang: str = "nl"

    @property
    def slug(self) -> str:
        """The source's slug: the file name's stem ("000-bae980836788e67f")."""
        return slugify(self.path.stem.replace("_", "-"))[:50].strip("-") or "artikel"


SEED_HEADER = re.compile(r"\A date (\S+)[ \t\n]")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
HTML_SUFFIXES = {".html", ".htm"}
# Elements whose end ends a paragraph; the title, if any, becomes a "# " heading.
_HTML_BLOCKS = re.compile(r"</?(?:p|div|br|li|h[1-6]|section|article|blockquote|tr)\b[^>]*>", re.IGNORECASE)
_HTML_DROP = re.compile(r"<(script|style|head|nav|footer)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# A sub-heading: one short line that does not end like a sentence.
MAX_HEADING_WORDS = 8


def read_article(
    path: str | Path, published: str | None = None, lang: str | None = None
) -> Article:
    """Read a seed, plain-text or Markdown article; IngestError for anything unusable."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"bestand {str(path)!r} bestaat niet")
    if not path.is_file():
        raise IngestError(f"{str(path)!r} is geen bestand")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"bestand {str(path)!r} is geen UTF-8-tekst ({exc.reason})"
        ) from exc
    return article_from_text(raw, path, published, lang)


def article_from_text(
    raw: str, path: str | Path, published: str | None = None, lang: str | None = None
) -> Article:
    """An article from its text, as if read from `path` (whose suffix says .md or .html and
    whose stem names the source): what the admin's paste or upload gives."""
    path = Path(path)
    if not raw.strip():
        raise IngestError(f"bestand {str(path)!r} is leeg")
    if path.suffix.casefold() in HTML_SUFFIXES:
        raw = plain_text_from_html(raw)

    meta: dict[str, str] = {}
    header = SEED_HEADER.match(raw)
    if header:
        meta["date"] = header.group(1)
        body = raw[header.end() :]
    else:
        body = raw
        front = FRONT_MATTER.match(body)
        if front:
            for line in front.group("body").splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().casefold()] = value.strip().strip("\"'")
            body = body[front.end() :]

    markdown = path.suffix.casefold() in MARKDOWN_SUFFIXES | HTML_SUFFIXES
    title = meta.get("title", "")
    if markdown:
        body, md_title, headings = _plain_text_from_markdown(body)
        title = title or md_title
    else:
        headings = set()
    if not body.strip():
        raise IngestError(f"bestand {str(path)!r} heeft geen tekst na de kop")

    header_date = meta.get("date") or meta.get("published")
    try:
        from_header = publication_date(header_date) if header_date else None
    except IngestError as exc:
        raise IngestError(f"de kop van {str(path)!r}: {exc}") from exc
    if published is not None:
        try:
            pub = publication_date(published)
        except IngestError as exc:
            raise IngestError(f"--published: {exc}") from exc
        if pub.precision != "day":
            raise IngestError(
                f"--published {published!r} is geen datum in de vorm JJJJ-MM-DD"
            )
        if from_header and not from_header.contains(pub.first):
            raise IngestError(
                f"--published {published} valt niet in de datum van het bestand "
                f"({from_header.edtf})"
            )
    elif from_header:
        pub = from_header
    else:
        raise IngestError(
            f"{str(path)!r} noemt geen publicatiedatum (geen kop ' date JJJJ-MM[-DD] ' en geen "
            "'date:' in de front matter); geef --published JJJJ-MM-DD"
        )

    paragraphs = tuple(_paragraphs(body, headings))
    language = (
        (lang or meta.get("language") or meta.get("lang") or "").strip().casefold()
    )
    if language not in ("nl", "en"):
        language = dates.detect_language(body)
    if not title:
        first = next((p for p in paragraphs if not p.heading), None)
        title = _first_sentence(first.text, language) if first else path.stem
    return Article(
        path=path,
        text=body,
        paragraphs=paragraphs,
        published=pub,
        title=shorten(title, 300),
        outlet=meta.get("outlet") or meta.get("medium") or "",
        url=meta.get("url", ""),
        lang=language,
    )


def plain_text_from_html(html: str) -> str:
    """An HTML page's words as Markdown paragraphs, its <h1> (or <title>) as the "# " title."""
    title = re.search(r"<h1\b[^>]*>(.*?)</h1\s*>", html, re.IGNORECASE | re.DOTALL) or re.search(
        r"<title\b[^>]*>(.*?)</title\s*>", html, re.IGNORECASE | re.DOTALL
    )
    body = _HTML_DROP.sub(" ", html)
    if title:
        body = body.replace(title.group(0), "", 1)
    body = _HTML_BLOCKS.sub("\n\n", body)
    paragraphs = [" ".join(unescape(strip_tags(p)).split()) for p in re.split(r"\n\s*\n", body)]
    text = "\n\n".join(p for p in paragraphs if p)
    if title:
        text = f"# {' '.join(unescape(strip_tags(title.group(1))).split())}\n\n{text}"
    return text


def _paragraphs(body: str, headings: set[str]) -> Iterable[Paragraph]:
    for m in re.finditer(r"[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*", body):
        text = m.group()
        if not text.strip():
            continue
        stripped = text.strip()
        heading = stripped in headings or (
            "\n" not in stripped
            and len(stripped.split()) <= MAX_HEADING_WORDS
            and not re.search(r"[.!?:;\"'”’)…]$", stripped)
        )
        yield Paragraph(m.start(), text, heading)


_MD_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_MD_SETEXT = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")


def _plain_text_from_markdown(text: str) -> tuple[str, str, set[str]]:
    """(plain text, title from the first "# " heading, the other headings' text)."""
    title = ""
    headings: set[str] = set()
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 2 and _MD_SETEXT.match(lines[1]):  # Title\n=====
            lines = [("# " if lines[1].strip()[0] == "=" else "## ") + lines[0]]
        out: list[str] = []
        for line in lines:
            heading = _MD_HEADING.match(line)
            if heading:
                if out:
                    paragraphs.append(" ".join(out))
                    out = []
                words = _strip_inline_markdown(heading.group(2))
                if heading.group(1) == "#" and not title:
                    title = words
                elif words:
                    headings.add(words)
                    paragraphs.append(words)
                continue
            line = re.sub(r"^[ \t]*(?:>[ \t]?)+", "", line)  # block quotes
            line = re.sub(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", "", line)  # list items
            if re.fullmatch(r"[ \t]*(?:[-*_][ \t]*){3,}", line):  # horizontal rule
                continue
            out.append(_strip_inline_markdown(line))
        if out:
            paragraphs.append(" ".join(part for part in out if part))
    return "\n\n".join(p for p in paragraphs if p), title, headings


def _strip_inline_markdown(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: keep the alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links: keep the words
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # reference links
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<!\w)([*_])(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)
    text = re.sub(r"<[^>\n]+>", "", text)  # inline HTML tags
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    index: int  # 1-based over the article's sentences, headings excluded
    text: str  # verbatim from Article.text
    start: int  # offset in Article.text


def _segmenter(lang: str):
    import warnings

    with warnings.catch_warnings():
        # pysbd 0.3.4 has invalid escape sequences in its regular expressions (harmless).
        warnings.simplefilter("ignore", SyntaxWarning)
        import pysbd

    language = lang if lang in ("nl", "en") else "en"
    return pysbd.Segmenter(language=language, clean=False, char_span=True)


def split_sentences(article: Article) -> list[Sentence]:
    segmenter = _segmenter(article.lang)
    sentences: list[Sentence] = []
    for paragraph in article.paragraphs:
        if paragraph.heading:
            continue
        for span in segmenter.segment(paragraph.text):
            text = span.sent.strip()
            if not text:
                continue
            start = (
                paragraph.start
                + span.start
                + (len(span.sent) - len(span.sent.lstrip()))
            )
            # pysbd finds spans by searching the text; keep only what is really there.
            if article.text[start : start + len(text)] != text:
                start = article.text.find(text)
                if start < 0:
                    continue
            sentences.append(Sentence(len(sentences) + 1, text, start))
    return sentences


def _first_sentence(text: str, lang: str) -> str:
    for span in _segmenter(lang).segment(text):
        if span.sent.strip():
            return span.sent.strip()
    return text.strip()
