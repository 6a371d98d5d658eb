"""Finding mentions in a sentence: date expressions (from the resolver's own vocabulary) and
known actors (names, aliases, surnames), and capitalised names no actor has."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
from timeline.ingest.article import PublicationDate
from timeline.models import Actor, normalize

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

TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    norm: str


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in TOKEN.finditer(text):
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
                surnames += [
                    (actor, n.split()[-1]) for n in names if len(n.split()) > 1
                ]
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
_NAME_PARTICLES = {
    "van",
    "de",
    "der",
    "den",
    "von",
    "al",
    "bin",
    "la",
    "le",
    "du",
    "da",
    "ter",
}
_DEMONYMS_EN = set(
    "french dutch german greek swiss thai british western eastern european".split()
)


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
