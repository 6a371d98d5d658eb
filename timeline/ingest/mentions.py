"""From article to timeline: read a news article and propose draft events from its dated sentences.

`manage.py ingest` is the command; this module holds the reading and the proposing, so that they
can be tested without a command line.

1. `read_article(path, published=None)` reads the article. Two formats:

   - the seed format (`seeds/`): the file starts with ` date YYYY-MM[-DD] ` followed by the body
     on the same line; paragraphs are separated by blank lines;
   - plain text or Markdown, dated by `--published` (or a `date:` line in front matter between
     `---` lines, which may also give `outlet`, `title`, `url` and `language`). Markdown markup
     is removed (headings, emphasis, links, list markers); the first `# Title` is the title.

   A paragraph of one short line without a full stop ("Diplomaten", "Baerbock en Macron") or a
   Markdown heading is a sub-heading: never a sentence of an event.

2. `propose(article, ...)` splits every paragraph into sentences (pysbd), finds the date
   expressions in each (`find_dates`: a table of the phrases `timeline.dates.resolve` knows,
   longest first, whole words; dateparser's `search_dates` only as a fallback for sentences with
   digits), resolves the first one against the publication date, finds the known actors (names
   and aliases, accent- and case-insensitive; a person also by surname) and proposes one draft
   event per sentence that has a date expression. Sentences without one inherit nothing.

3. `save_proposals(...)` creates or updates the Source and writes the drafts in one
   transaction: unpublished, `proposed_from` the source, the sentence as their quote (position
   1), slug `<source>-zin-<n>` (n counts the article's sentences), so that a second run finds
   them. A draft anyone but ingest has saved (in the admin, an import, the shell; the audit
   history tells) is never changed again; one only ingest wrote is brought up to date (run
   without --published, then with it: the dates get resolved); one that was deleted is not
   brought back.

How honest guesses are kept honest:

- A source dated only by month ("2022-01") cannot place "woensdag" or "vanmorgen": a phrase is
  resolved only if its answer is the same on the first and the last day of that month ("26
  januari" is, "woensdag" is not). Otherwise the draft keeps the phrase in `unresolved_date`,
  its EDTF is the source's own date at the source's precision ("2022-01": what the article's
  date supports, a placeholder an editor must settle), and its confidence is low.
- The status is "occurred" unless the date lies after the publication date or a cue word
  ("later", "verwacht", "gaat", "will", "expected") looks ahead, and no past speech verb
  ("zei", "said") makes the date the day something was said; then "scheduled" for a day,
  "expected" for anything vaguer or when "verwacht"/"expected" says so. A date wholly before
  the publication date is always "occurred".
- Roles are "mentioned" unless a speech cue ("zei", "said", "liet weten", "onderstreept",
  "hekelde", "volgens") puts an actor right after it, or shortly before it: that one is the
  speaker. The type comes from a table of cue words; without a cue it is "statement", marked
  as a guess. Nothing else is inferred.
- `confidence` (0-1) is a rough score to sort proposals by, not a probability: a resolved date
  counts most, then actors (a speaker more), then a type backed by a cue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from timeline import dates
from timeline.dates.resolve import (
    DUTCH_PART_SUFFIXES,
    FEW_WORDS,
    MONTHS,
    NUMBER_WORDS,
    PART_WORDS,
    PERIOD_UNITS,
    UNITS,
    WEEKDAYS,
    alternation,
)
from timeline.models import (
    Actor,
    Citation,
    Event,
    EventType,
    Participation,
    Source,
    Timeline,
    normalize,
)

__all__ = [
    "Article",
    "IngestError",
    "Proposal",
    "Proposals",
    "PublicationDate",
    "find_dates",
    "propose",
    "read_article",
    "save_proposals",
]


class IngestError(ValueError):
    """The article cannot be ingested; the message says why, in words an editor understands."""


# --------------------------------------------------------------------------------------------
# Reading an article
# --------------------------------------------------------------------------------------------


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
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.S)
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
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
        raise IngestError(f"bestand {str(path)!r} is geen UTF-8-tekst ({exc.reason})") from exc
    if not raw.strip():
        raise IngestError(f"bestand {str(path)!r} is leeg")

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

    markdown = path.suffix.casefold() in MARKDOWN_SUFFIXES
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
            raise IngestError(f"--published {published!r} is geen datum in de vorm JJJJ-MM-DD")
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
    language = (lang or meta.get("language") or meta.get("lang") or "").strip().casefold()
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
        title=_shorten(title, 300),
        outlet=meta.get("outlet") or meta.get("medium") or "",
        url=meta.get("url", ""),
        lang=language,
    )


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


def _shorten(text: str, limit: int) -> str:
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
            start = paragraph.start + span.start + (len(span.sent) - len(span.sent.lstrip()))
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


# --------------------------------------------------------------------------------------------
# Finding dates in a sentence
# --------------------------------------------------------------------------------------------

# The words come from the resolver's own vocabulary (timeline/dates/resolve.py), so that a word
# it learns is found in articles too. Weekdays only written out: "wed" or "sun" in running text
# is rarely a date. Hours and minutes are left out: "over twee uur" is no event date.
_WD = alternation(w for w in WEEKDAYS if w.endswith(("dag", "day")))
_MONTH = alternation(MONTHS)
_DAYPART = alternation(DUTCH_PART_SUFFIXES)
_PART_EN = alternation(set(PART_WORDS.values()))
_NUM = r"\d{1,3}|" + alternation([*NUMBER_WORDS, *FEW_WORDS])
_UNIT = alternation(
    w for w, (unit, _) in UNITS.items() if unit not in ("hour", "minute")
)
_PERIOD = alternation(PERIOD_UNITS)
_DAY = r"\d{1,2}(?:e|ste|de|st|nd|rd|th)?"
_YEAR = r"\d{4}"

# The phrases `dates.resolve` knows, as patterns; all are tried and the longest wins where they
# overlap. Case-insensitive; whole words only.
DATE_PATTERNS = [
    # vandaag, later vandaag, vanmorgen, gisteravond, morgenochtend, this morning, last night
    r"(?:(?:later|eerder|earlier)\s+)?(?:vandaag|today)",
    rf"van(?:{_DAYPART})|(?:eer)?gisteren|(?:eer)?gister(?:{_DAYPART})"
    rf"|(?:over)?morgen(?:{_DAYPART})?",
    rf"(?:this|yesterday|tomorrow)\s+(?:{_PART_EN})|tonight|yesterday|tomorrow|last\s+night"
    r"|afgelopen\s+nacht",
    r"inmiddels|binnenkort|soon",
    # woensdag, op woensdag, afgelopen woensdag, woensdagavond, Tuesday morning, maandag jl.,
    # woensdag 26 januari (2022)
    rf"(?:(?:op|on|afgelopen|vorige|komende|volgende|aanstaande|last|next|this|coming|past)\s+)?"
    rf"(?:{_WD})(?:{_DAYPART})?(?:\s+(?:{_PART_EN}))?(?:\s+(?:jl\.?|j\.l\.|a\.s\.?))?"
    rf"(?:,?\s+{_DAY}\s+(?:of\s+)?(?:{_MONTH})\.?(?:,?\s+{_YEAR})?)?",
    # eerder deze week, later this month, deze week, vorige maand, volgend jaar, het weekend
    rf"(?:(?:eerder|later|begin|eind|midden|earlier|later|early|late)\s+(?:in\s+)?)?"
    rf"(?:deze|dit|vorige|vorig|volgende|volgend|komende|afgelopen|this|last|next|past|coming)"
    rf"\s+(?:{_PERIOD})",
    r"(?:in|over)\s+(?:het|the)\s+weekend|het\s+weekend",
    # (ergens) de komende weken, in de komende drie dagen, in the coming days, the past week
    rf"(?:ergens\s+)?(?:(?:in|gedurende|binnen|over|during|within)\s+)?(?:de|the)\s+"
    rf"(?:komende|afgelopen|coming|next|past)\s+(?:(?:{_NUM})\s+)?(?:{_UNIT})",
    rf"komende\s+(?:{_UNIT})",
    # twee dagen geleden, two weeks ago, over twee weken, in two weeks
    rf"(?:{_NUM})\s+(?:{_UNIT})\s+(?:geleden|ago|terug)",
    rf"(?:over|in)\s+(?:{_NUM})\s+(?:{_UNIT})",
    # 26 januari (2022), op 26 januari, 24-27 januari, the 26th of January
    rf"(?:(?:op|on|rond|around|the)\s+)?{_DAY}(?:\s*(?:-|–|t/m|tot\s+en\s+met)\s*{_DAY})?"
    rf"\s+(?:of\s+)?(?:{_MONTH})\.?(?:,?\s+{_YEAR})?",
    # January 26(, 2022), Feb. 3
    rf"(?:(?:on)\s+)?(?:{_MONTH})\.?\s+{_DAY}(?:,?\s+{_YEAR})?",
    # begin februari, eind januari 2022, in maart, early March
    rf"(?:begin|eind|half|medio|midden|halverwege|early|mid|late|the\s+end\s+of|in)[\s-]+"
    rf"(?:{_MONTH})(?:\s+{_YEAR})?",
    # in 2021; 2022-01-26; 26-01-2022, 26/1/2022
    rf"in\s+{_YEAR}",
    r"\d{4}-\d{2}-\d{2}",
    rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]{_YEAR}",
]
_DATE_RES = [re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I) for p in DATE_PATTERNS]


@dataclass(frozen=True)
class DateMention:
    phrase: str
    start: int  # offset in the sentence
    result: dates.Resolved | dates.Unresolved
    # For a source dated by month only: the answer on the first day of that month, which shows
    # how the phrase relates to the (unknown) day of publication even when it is unresolved.
    relative_to_first: dates.Resolved | None = None

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def depends_on_day(self) -> bool:
        """Resolved on both ends of a month-only source's month, but not to the same date."""
        return not self.ok and self.relative_to_first is not None


def _candidate_spans(sentence: str) -> list[tuple[int, int]]:
    found = {(m.start(), m.end()) for rx in _DATE_RES for m in rx.finditer(sentence)}
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: (span[0] - span[1], span[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


def _dateparser_spans(sentence: str, lang: str, base: dt.date) -> list[tuple[int, int]]:
    """Absolute dates in formats the table does not know; only for sentences with digits."""
    if not re.search(r"\d", sentence):
        return []
    from dateparser.search import search_dates  # slow to import; rarely needed

    try:
        found = search_dates(
            sentence,
            languages=[lang],
            settings={"RELATIVE_BASE": dt.datetime.combine(base, dt.time())},
        )
    except Exception:  # noqa: BLE001 - a third-party parser must not stop an ingest
        return []
    spans = []
    for text, _ in found or []:
        text = text.strip(" ,.;:")
        at = sentence.find(text)
        if at >= 0 and re.search(r"\d", text):
            spans.append((at, at + len(text)))
    return spans


def find_dates(
    sentence: str, published: PublicationDate, lang: str, *, future: bool = False
) -> list[DateMention]:
    """Every date expression in `sentence`, in order, each resolved against `published`."""
    spans = _candidate_spans(sentence)
    from_table = bool(spans)
    if not from_table:
        spans = _dateparser_spans(sentence, lang, published.first)
    mentions = []
    for start, end in spans:
        phrase = sentence[start:end]
        result = dates.resolve_within(phrase, published, lang, future=future)
        on_first = None if result.ok else result.earliest
        # A phrase from the table is a date expression even when it cannot be placed ("de
        # afgelopen weken"); a dateparser find that cannot be placed at all is dropped.
        if from_table or result.ok or on_first is not None:
            mentions.append(DateMention(phrase, start, result, on_first))
    return mentions


# --------------------------------------------------------------------------------------------
# Finding actors in a sentence
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    norm: str


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        norm = re.sub(r"['’]s$", "", normalize(m.group()))  # Russia's -> russia
        tokens.append(Token(m.group(), m.start(), m.end(), norm))
    return tokens


@dataclass(frozen=True)
class Mention:
    actor: Actor
    first: int  # token index
    last: int  # token index, inclusive


class ActorIndex:
    """Names, aliases and (for people) surnames of known actors, matched as whole words.

    Accent- and case-insensitive ("Zelenski" finds "Zelenskí"), except for short all-capital
    aliases ("VS", "US"), which must be written in capitals so that "us" is not the United States,
    and surnames, which must start with a capital ("Gates", not "gates"). A term that would name
    two actors is left out rather than guessed.
    """

    def __init__(self, actors: Iterable[Actor]):
        terms: dict[tuple[str, ...], set[int]] = {}
        # key -> "caps" (written in capitals) or "capital" (starts with one); else any case
        modes: dict[tuple[str, ...], str] = {}
        surnames: list[tuple[Actor, str]] = []
        self.actors: dict[int, Actor] = {}
        for actor in actors:
            self.actors[actor.pk] = actor
            names = [actor.name, *(alias.name for alias in actor.aliases.all())]
            for name in names:
                key = tuple(t.norm for t in tokenize(name))
                if not key or (len(key) == 1 and len(key[0]) < 2):
                    continue
                terms.setdefault(key, set()).add(actor.pk)
                if name.isupper() and len(name) <= 4:
                    modes[key] = "caps"
            if actor.kind == Actor.Kind.PERSON:
                surnames += [(actor, n.split()[-1]) for n in names if len(n.split()) > 1]
        for actor, surname in surnames:
            key = tuple(t.norm for t in tokenize(surname))
            if len(key) == 1 and len(key[0]) >= 3:
                if key not in terms:  # a name or alias of its own needs no capital
                    modes[key] = "capital"
                terms.setdefault(key, set()).add(actor.pk)
        self._terms = {key: pks.pop() for key, pks in terms.items() if len(pks) == 1}
        self._modes = modes
        self._longest = max((len(k) for k in self._terms), default=0)
        self._first_words = {key[0] for key in self._terms}

    def find(self, tokens: list[Token]) -> list[Mention]:
        mentions: list[Mention] = []
        i = 0
        while i < len(tokens):
            if tokens[i].norm not in self._first_words:
                i += 1
                continue
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                key = tuple(t.norm for t in tokens[i : i + size])
                pk = self._terms.get(key)
                if pk is None:
                    continue
                words = tokens[i : i + size]
                mode = self._modes.get(key)
                if mode == "caps" and not all(t.text.isupper() for t in words):
                    continue
                if mode == "capital" and not words[0].text[:1].isupper():
                    continue
                mentions.append(Mention(self.actors[pk], i, i + size - 1))
                i += size
                break
            else:
                i += 1
        return mentions


# Capitalised words that are not names of actors (besides sentence-initial words).
NOT_NAMES = set(
    """
    de het een en of in op van voor met door bij naar uit aan om als dat die dit deze
    the a an and or of in on at for with by to from as that this these those it he she they we
    buitenlandse binnenlandse zaken defensie financien justitie ministerie minister president
    premier staatssecretaris kabinet
    foreign affairs ministry minister president secretary state department general prime
    mr mrs ms dr
    """.split()
)
NOT_NAMES |= {w for w in _WD.split("|")} | {w for w in _MONTH.split("|")}
_NAME_PARTICLES = {"van", "de", "der", "den", "von", "al", "bin", "la", "le", "du", "da", "ter"}
_DEMONYMS_EN = set("french dutch german greek swiss thai british western eastern european".split())


def _is_demonym(token: str) -> bool:
    """Nationality and direction adjectives: "Amerikaanse", "Russische", "American", "Western"."""
    word = normalize(token)
    return bool(
        re.fullmatch(r"[a-z]{3,}(?:se|sche)", word)
        or re.fullmatch(r"[a-z]{3,}(?:ian|ean|ese|ish|can)", word)
        or word in _DEMONYMS_EN
    )


def candidate_names(sentences: list[tuple[list[Token], list[Mention]]]) -> list[str]:
    """Capitalised names that are no known actor, in order of first appearance.

    A sentence's first word counts only if it is also written with a capital elsewhere in the
    article, not at the start of a sentence ("Mogelijk" is not a name; "Kiev" may be).
    """
    capitalised_inside = {
        tok.norm
        for tokens, _ in sentences
        for tok in tokens[1:]
        if tok.text[:1].isupper()
    }
    found: dict[str, str] = {}
    for tokens, mentions in sentences:
        known = {i for m in mentions for i in range(m.first, m.last + 1)}
        group: list[Token] = []

        def flush() -> None:
            while group and group[-1].norm in _NAME_PARTICLES:
                group.pop()
            if group:
                name = " ".join(t.text for t in group)
                found.setdefault(normalize(name), name)
            group.clear()

        for i, tok in enumerate(tokens):
            usable = (
                tok.text[:1].isupper()
                and i not in known
                and tok.norm not in NOT_NAMES
                and not _is_demonym(tok.text)
                and not tok.text.isdigit()
                and (i > 0 or tok.norm in capitalised_inside)
            )
            if usable:
                group.append(tok)
            elif group and tok.norm in _NAME_PARTICLES and tok.text.islower():
                group.append(tok)
            else:
                flush()
        flush()
    return list(found.values())


# --------------------------------------------------------------------------------------------
# Roles, type and status from cue words
# --------------------------------------------------------------------------------------------

SPEECH_WORDS = (
    r"zei|zegt|zeiden|zeggen|verklaarde|verklaart|liet weten|laat weten|onderstreept\w*"
    r"|hekelde|hekelt|benadrukt\w*|waarschuwde|waarschuwt|stelde|volgens|said|says|stated"
    r"|told|warned|stressed|announced|according to"
)
SPEECH_CUES = re.compile(rf"\b(?:{SPEECH_WORDS})\b")
# Words after a speech cue that end the search for its speaker ("zei hij dat Moskou ...").
_SPEAKER_STOPS = set(
    "dat hij zij ze het er die dit hem haar wat that he she they it we i him her them what".split()
)

# (event type slug, cue pattern on the normalised sentence); the first that matches wins.
TYPE_CUES = [
    ("phone-call", r"telefonisch|telefoongesprek\w*|gebeld|belde|belden|phone call\w*|phoned"
                   r"|telephone|by phone|on the phone"),
    ("press-conference", r"persconferentie\w*|persmoment|press conference|news conference"),
    ("statement", SPEECH_WORDS),
    ("withdrawal-of-diplomats", r"diplomaten\b.*\b(?:weg|terug|vertrekken|evacue\w*)"
                                r"|(?:withdraw\w*|evacuat\w*|pull\w* out)\b.*\bdiplomats"
                                r"|diplomats\b.*\b(?:leave|withdraw\w*|evacuat\w*)"),
    ("diplomatic-letter", r"brief|brieven|letter|letters|written (?:response|reply|answer)"
                          r"|schriftelijk\w* (?:antwoord|reactie)"),
    ("meeting", r"af te spreken|afspreken|afspraak|ontmoeting\w*|ontmoet\w*|bijeenkomst"
                r"|meeting|meets?|met with|summit|top(?:overleg|ontmoeting)"),
    ("talks", r"spreekt|spreken|sprak|gesprek\w*|overleg\w*|onderhandel\w*|talks|spoke|speak\w*"
              r"|negotiat\w*"),
    ("rejection", r"wijst\b.*\baf|wees\b.*\baf|afgewezen|niet in mee|weigert|weigerde|reject\w*"
                  r"|refus\w*"),
]  # fmt: skip
_TYPE_RES = [(slug, re.compile(rf"\b(?:{pattern})\b")) for slug, pattern in TYPE_CUES]
FALLBACK_TYPE = "statement"

# A past speech verb makes the date the day something was said, even when what was said looks
# ahead ("Hij zei woensdag dat Rusland niet gaat aanvallen").
PAST_SPEECH = re.compile(
    r"\b(?:zei|zeiden|verklaarde|liet weten|onderstreepte|hekelde|benadrukte|waarschuwde|stelde"
    r"|said|stated|told|warned|stressed|announced)\b"
)
FUTURE_CUES = re.compile(
    r"\b(?:later|verwacht\w*|komende|gaat|gaan|zal|zullen|gepland|volgende|aanstaande|straks"
    r"|will|expect\w*|scheduled|planned|upcoming|coming|next)\b"
)
EXPECTED_CUES = re.compile(r"\b(?:verwacht\w*|expect\w*|waarschijnlijk|likely|mogelijk)\b")
CANCELLED_CUES = re.compile(r"\b(?:afgelast|geannuleerd|gaat niet door|cancel+ed|called off)\b")


def looks_ahead(norm_sentence: str) -> bool:
    """A cue word says the event lies ahead, and no past speech verb says it was a statement."""
    return bool(
        FUTURE_CUES.search(norm_sentence)
        and not PAST_SPEECH.search(norm_sentence)
        and not CANCELLED_CUES.search(norm_sentence)
    )


def guess_type(norm_sentence: str) -> tuple[str, bool]:
    """(event type slug, whether a cue word backs it)."""
    for slug, rx in _TYPE_RES:
        if rx.search(norm_sentence):
            return slug, True
    return FALLBACK_TYPE, False


def find_speaker(tokens: list[Token], mentions: list[Mention], norm_sentence: str) -> Actor | None:
    """The actor right after a speech cue ("zei Lavrov", "volgens Lavrov"), or else shortly
    before it ("Blinken liet weten", "Lavrov ... onderstreept")."""
    for cue in SPEECH_CUES.finditer(norm_sentence):
        # token index of the cue's last word
        words_before = len(_TOKEN.findall(norm_sentence[: cue.end()]))
        cue_last = words_before - 1
        cue_first = cue_last - len(_TOKEN.findall(cue.group())) + 1
        for offset in range(1, 4):
            i = cue_last + offset
            if i >= len(tokens) or tokens[i].norm in _SPEAKER_STOPS:
                break
            hit = next((m for m in mentions if m.first == i), None)
            if hit:
                return hit.actor
        before = [m for m in mentions if m.last < cue_first and cue_first - m.last <= 6]
        # Not across another name: in "NATO Secretary General Jens Stoltenberg said" NATO is
        # not the one speaking.
        if before and not any(
            tok.text[:1].isupper() for tok in tokens[before[-1].last + 1 : cue_first]
        ):
            return before[-1].actor
    return None


def guess_status(mention: DateMention, published: PublicationDate, norm_sentence: str) -> str:
    """Occurred, unless the date or a cue word looks ahead; a date that lies wholly before the
    publication date wins over the verbs ("daar gaat ... niet in mee, werd eerder deze week
    duidelijk" happened)."""
    if CANCELLED_CUES.search(norm_sentence):
        return Event.Status.CANCELLED
    # For a month-only source, how the phrase relates to the first day of the month tells the
    # direction even when the day cannot be known.
    resolved = mention.result if mention.ok else mention.relative_to_first
    base = published.first
    if resolved is not None and resolved.end is not None and resolved.end < base:
        return Event.Status.OCCURRED
    ahead = (
        (resolved is not None and resolved.start > base)
        or bool(FUTURE_CUES.search(normalize(mention.phrase)))
        or looks_ahead(norm_sentence)
    )
    if not ahead:
        return Event.Status.OCCURRED
    vague = resolved is None or resolved.precision != "day"
    if vague or EXPECTED_CUES.search(norm_sentence):
        return Event.Status.EXPECTED
    return Event.Status.SCHEDULED


# --------------------------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    sentence: Sentence
    slug: str
    title: str
    date: DateMention
    edtf: str
    part_of_day: str
    status: str
    type_slug: str
    type_from_cue: bool
    actors: list[tuple[Actor, str]]  # (actor, role) in order of appearance
    confidence: float
    # "" (new), "known" (exists; left alone), "refresh" (exists, nobody but ingest touched it,
    # and this run knows better, e.g. its date now that --published is given) or "rejected"
    # (deleted after an earlier run: not brought back)
    existing: str = ""
    event: Event | None = None  # the existing draft

    @property
    def unresolved_date(self) -> str:
        return "" if self.date.ok else self.date.phrase

    def date_label(self, lang: str = "nl") -> str:
        return dates.label(self.edtf, self.part_of_day, lang)


@dataclass
class Proposals:
    article: Article
    items: list[Proposal] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    sentence_count: int = 0

    @property
    def relative_unresolved(self) -> list[str]:
        """Phrases left unresolved only because the source gives no day (distinct, in order)."""
        return list(dict.fromkeys(p.date.phrase for p in self.items if p.date.depends_on_day))


def _confidence(date: DateMention, actors: list[tuple[Actor, str]], from_cue: bool) -> float:
    """A rough score to sort proposals by: the date weighs most (an unresolved one keeps the
    score low whatever else was found), then the actors, a speaker, a type backed by a cue."""
    if date.ok:
        exact_day = date.result.precision == "day" and "~" not in date.result.edtf
        weight = 1.0 if exact_day else 0.85
    else:
        weight = 0.35
    score = 0.4 + {0: 0.0, 1: 0.2}.get(len(actors), 0.3)
    if any(role == Participation.Role.SPEAKER for _, role in actors):
        score += 0.1
    if from_cue:
        score += 0.2
    return round(weight * min(score, 1.0), 2)


def propose(
    article: Article,
    actors: Iterable[Actor] | None = None,
    *,
    source_slug: str | None = None,
    event_types: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Proposals:
    """One draft per sentence with a date expression; reads the database, writes nothing.

    `event_types` are the slugs that exist (default: from the database); a guessed type that
    does not exist falls back to "statement", as a guess. None is ever created.
    """
    if actors is None:
        actors = Actor.objects.prefetch_related("aliases")
    if event_types is None:
        event_types = EventType.objects.values_list("slug", flat=True)
    known_types = set(event_types)
    index = ActorIndex(actors)
    source_slug = source_slug or article.slug
    sentences = split_sentences(article)
    result = Proposals(article, sentence_count=len(sentences))
    analysed: list[tuple[list[Token], list[Mention]]] = []
    for sentence in sentences:
        if progress:
            progress(sentence.index, len(sentences))
        tokens = tokenize(sentence.text)
        mentions = index.find(tokens)
        analysed.append((tokens, mentions))
        norm = " ".join(t.norm for t in tokens)
        found = find_dates(
            sentence.text, article.published, article.lang, future=looks_ahead(norm)
        )
        if not found:
            continue
        date = next((m for m in found if m.ok), found[0])
        speaker = find_speaker(tokens, mentions, norm)
        cast: dict[int, tuple[Actor, str]] = {}
        for mention in mentions:
            role = (
                Participation.Role.SPEAKER
                if speaker is not None and mention.actor.pk == speaker.pk
                else Participation.Role.MENTIONED
            )
            cast.setdefault(mention.actor.pk, (mention.actor, role))
        cast_list = list(cast.values())
        type_slug, from_cue = guess_type(norm)
        if type_slug not in known_types:
            type_slug, from_cue = FALLBACK_TYPE, False
        if date.ok:
            edtf, part = date.result.edtf, date.result.part_of_day
        else:
            edtf, part = article.published.edtf, ""
        result.items.append(
            Proposal(
                sentence=sentence,
                slug=f"{source_slug}-zin-{sentence.index}",
                title=_shorten(sentence.text.rstrip(".!?"), 80),
                date=date,
                edtf=edtf,
                part_of_day=part,
                status=guess_status(date, article.published, norm),
                type_slug=type_slug,
                type_from_cue=from_cue,
                actors=cast_list,
                confidence=_confidence(date, cast_list, from_cue),
            )
        )
    result.candidates = candidate_names(analysed)
    _mark_existing(result.items)
    return result


INGEST_REASON = "ingest "  # how history entries written by this module begin


def _mark_existing(items: list[Proposal]) -> None:
    """Find the drafts earlier runs made, through the audit history: a draft an editor renamed
    is still known, one that was deleted stays deleted, and one nobody but ingest touched may
    be brought up to date."""
    slugs = [p.slug for p in items]
    pks_by_slug: dict[str, set[int]] = {}
    for slug, pk in Event.history.filter(slug__in=slugs).values_list("slug", "id"):
        pks_by_slug.setdefault(slug, set()).add(pk)
    pks = {pk for found in pks_by_slug.values() for pk in found}
    events = (
        Event.objects.filter(Q(slug__in=slugs) | Q(pk__in=pks))
        .select_related("type")
        .prefetch_related("participations", "citations")
    )
    by_slug = {e.slug: e for e in events}
    by_pk = {e.pk: e for e in events}
    history = Event.history.filter(id__in=list(by_pk))
    by_ingest = set(
        history.filter(history_change_reason__startswith=INGEST_REASON).values_list("id", flat=True)
    )
    # Anyone else's hand on the draft, its participants or its quote: leave it alone.
    by_others = set(
        history.exclude(history_change_reason__startswith=INGEST_REASON).values_list(
            "id", flat=True
        )
    )
    for related in (Participation, Citation):
        by_others |= set(
            related.history.filter(event_id__in=list(by_pk))
            .exclude(history_change_reason__startswith=INGEST_REASON)
            .values_list("event_id", flat=True)
        )
    for proposal in items:
        event = by_slug.get(proposal.slug) or next(
            (by_pk[pk] for pk in sorted(pks_by_slug.get(proposal.slug, ())) if pk in by_pk), None
        )
        if event is None:
            if proposal.slug in pks_by_slug:
                proposal.existing = "rejected"
            continue
        proposal.event = event
        untouched = event.pk in by_ingest and event.pk not in by_others
        proposal.existing = "refresh" if untouched and _differs(proposal, event) else "known"


def _differs(proposal: Proposal, event: Event) -> bool:
    ours = (
        proposal.title, proposal.sentence.text, proposal.type_slug, proposal.status,
        proposal.edtf, proposal.part_of_day, proposal.confidence, proposal.unresolved_date,
        {(actor.pk, role) for actor, role in proposal.actors},
        [proposal.sentence.text],
    )  # fmt: skip
    theirs = (
        event.title, event.summary, event.type.slug, event.status, event.edtf,
        event.part_of_day, event.confidence, event.unresolved_date,
        {(p.actor_id, p.role) for p in event.participations.all()},
        [c.quote for c in event.citations.all()],
    )  # fmt: skip
    return ours != theirs


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


@dataclass
class SaveReport:
    source: Source
    source_created: bool
    source_changes: list[str]
    created: list[Event]
    refreshed: list[Event]


def save_proposals(
    proposals: Proposals,
    *,
    source_slug: str | None = None,
    outlet: str | None = None,
    timeline: Timeline | None = None,
    published_given: bool = False,
) -> SaveReport:
    """Create or update the source and the drafts, all or nothing.

    A draft that exists is left exactly as it is once anyone but ingest saved it; one that only
    ingest ever wrote is brought up to date (for instance with the day --published resolves).
    A draft that was deleted is not brought back.
    """
    article = proposals.article
    reason = f"ingest {article.path.name}"
    types = {t.slug: t for t in EventType.objects.all()}
    if not types:
        raise IngestError(
            "er zijn nog geen soorten gebeurtenis in de database; laad ze eerst "
            "(manage.py loaddata seed)"
        )
    with transaction.atomic():
        source, created, changes = _save_source(
            article, source_slug or article.slug, outlet, published_given, reason
        )
        created_events, refreshed = [], []
        for proposal in proposals.items:
            if proposal.existing not in ("", "refresh"):
                continue
            event_type = types.get(proposal.type_slug) or types.get(FALLBACK_TYPE)
            if event_type is None:
                raise IngestError(
                    f"soort gebeurtenis {proposal.type_slug!r} bestaat niet (en "
                    f"{FALLBACK_TYPE!r} ook niet); maak die eerst aan"
                )
            event = proposal.event or Event(slug=proposal.slug, published=False)
            event.title = proposal.title
            event.summary = proposal.sentence.text
            event.type = event_type
            event.status = proposal.status
            event.edtf = proposal.edtf
            event.part_of_day = proposal.part_of_day
            event.proposed_from = source
            event.confidence = proposal.confidence
            event.unresolved_date = proposal.unresolved_date[:200]
            event._change_reason = reason if proposal.event is None else f"{reason} (bijgewerkt)"
            if proposal.event is not None and not event.claim_version(event.version):
                raise IngestError(f"‘{event.slug}’ is intussen door iemand anders gewijzigd")
            event.save()
            if timeline is not None:
                event.timelines.add(timeline)
            _save_citation(event, source, proposal.sentence.text, event._change_reason)
            event.set_participants(proposal.actors, event._change_reason)
            (refreshed if proposal.event is not None else created_events).append(event)
    return SaveReport(source, created, changes, created_events, refreshed)


def _save_citation(event: Event, source: Source, quote: str, reason: str) -> None:
    citation = event.citations.filter(position=1).first()
    if citation is not None and (citation.source_id, citation.quote) == (source.pk, quote):
        return
    citation = citation or Citation(event=event, position=1)
    citation.source = source
    citation.quote = quote
    citation._change_reason = reason
    citation.save()


def _save_source(
    article: Article, slug: str, outlet: str | None, published_given: bool, reason: str
) -> tuple[Source, bool, list[str]]:
    source = Source.objects.filter(slug=slug).first()
    if source is None:
        source = Source(
            slug=slug,
            outlet=outlet or article.outlet or "onbekend",
            title=article.title,
            url=article.url,
            language=article.lang,
            published_on=article.published.first,
            published_precision=article.published.precision,
            text=article.text,
        )
        source._change_reason = reason
        source.save()
        return source, True, []
    # An existing source keeps what an editor gave it; only what the file or the command line
    # states explicitly is updated, and every update is reported.
    changes = []
    if outlet and source.outlet != outlet:
        changes.append(f"medium {source.outlet!r} → {outlet!r}")
        source.outlet = outlet
    more_precise = article.published.is_finer_than(source.published_period)
    if (published_given or more_precise) and (
        source.published_on,
        source.published_precision,
    ) != (article.published.first, article.published.precision):
        changes.append(
            f"publicatiedatum {source.published_on.isoformat()} ({source.published_precision}) → "
            f"{article.published.first.isoformat()} ({article.published.precision})"
        )
        source.published_on = article.published.first
        source.published_precision = article.published.precision
    if source.text != article.text:
        changes.append("volledige tekst bijgewerkt naar het bestand")
        source.text = article.text
    if changes:
        source._change_reason = reason
        source.save()
    return source, False, changes


def same_text_sources(article: Article, slug: str) -> list[str]:
    """Other sources holding this very article, so that an editor can spot a duplicate."""
    return list(
        Source.objects.filter(text=article.text).exclude(slug=slug).values_list("slug", flat=True)
    )
