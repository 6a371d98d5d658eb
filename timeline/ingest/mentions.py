"""Finding mentions in a sentence: date expressions (from the resolver's own vocabulary) and
known actors (names, aliases, surnames), and capitalised names no actor has."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import slugify

from timeline import dates
from timeline.dates.resolve import (
    AGO_WORDS,
    DUTCH_PART_SUFFIXES,
    EARLIER_LATER,
    FEW_WORDS,
    FIXED_DAYS,
    MONTHS,
    NUMBER_WORDS,
    PART_WORDS,
    PERIOD_MODIFIERS,
    PERIOD_UNITS,
    PREFIXES,
    RELATIVE_DAYS,
    ROLLING_DIRECTIONS,
    SEGMENTS,
    SOON_PHRASES,
    UNITS,
    WEEKDAY_MODIFIERS,
    WEEKDAY_SUFFIXES,
    WEEKDAYS,
    alternation,
)
from timeline.ingest.article import PublicationDate
from timeline.models import Actor, normalize

# Every word comes from the resolver's own vocabulary (timeline/dates/resolve.py), so that a
# word it learns is found in articles too (tests/test_ingest.py checks each one). Left out, as
# they are rarely a date in running text: weekdays not written out ("wed", "sun"), hours and
# minutes ("over twee uur" is no event date), and the words below.
NOT_IN_RUNNING_TEXT = {
    "nu", "now",  # "Rusland wil nu praten": an adverb, not today
    "intussen", "ondertussen", "meanwhile", "in the meantime", "by now",  # "meanwhile, Paris"
}  # fmt: skip
# "van" and "this" are a day only in front of a part of day ("vanmorgen", "this evening").
NEEDS_PART = {"van", "this"}


def _words(*tables) -> str:
    return alternation({w for table in tables for w in table} - NOT_IN_RUNNING_TEXT)


_WD = alternation(w for w in WEEKDAYS if w.endswith(("dag", "day")))
_MONTH = alternation(MONTHS)
_PART = alternation(set(PART_WORDS) - {"vroeg"})  # "vroeg" only after a day: "morgen vroeg"
_NUM = r"\d{1,3}|" + alternation([*NUMBER_WORDS, *FEW_WORDS])
_UNIT = alternation(w for w, (unit, _) in UNITS.items() if unit not in ("hour", "minute"))
_PERIOD = alternation(PERIOD_UNITS)
_DAY = r"\d{1,2}(?:e|ste|de|st|nd|rd|th)?"
_YEAR = r"\d{4}"
_PREFIX = _words(PREFIXES)
_ROLLING = _words(ROLLING_DIRECTIONS)

# The phrases `dates.resolve` knows, as patterns; all are tried and the longest wins where they
# overlap. Case-insensitive; whole words only.
DATE_PATTERNS = [
    # tonight, last night, afgelopen nacht, inmiddels
    _words(FIXED_DAYS),
    # vandaag, later vandaag, gisteren, vanmorgen, gisteravond, morgenochtend, this morning
    (rf"(?:{_words(set(RELATIVE_DAYS) - NEEDS_PART)})(?:\s*(?:{_PART})(?:\s+(?:vroeg|laat))?)?"
     rf"|(?:{_words(NEEDS_PART)})\s*(?:{_PART})"),
    _words(SOON_PHRASES),
    # woensdag, op woensdag, afgelopen woensdag, woensdagavond, Tuesday morning, maandag jl.,
    # woensdag 26 januari (2022)
    (rf"(?:(?:{_words(WEEKDAY_MODIFIERS, PREFIXES)})\s+)?(?:{_WD})(?:{alternation(DUTCH_PART_SUFFIXES)})?"
     rf"(?:\s+(?:{_PART}))?(?:\s+(?:{alternation(WEEKDAY_SUFFIXES)}))?"
     rf"(?:,?\s+{_DAY}\s+(?:of\s+)?(?:{_MONTH})\.?(?:,?\s+{_YEAR})?)?"),
    # eerder deze week, later this month, begin volgende week, deze week, vorig jaar
    (rf"(?:(?:{_words(EARLIER_LATER, SEGMENTS)})\s+(?:in\s+)?)?(?:{_words(PERIOD_MODIFIERS)})"
     rf"\s+(?:{_PERIOD})"),
    r"(?:in|over)\s+(?:het|the)\s+weekend|het\s+weekend",
    # (ergens) de komende weken, in de komende drie dagen, in the coming days, the past week
    (rf"(?:ergens\s+)?(?:(?:in|gedurende|binnen|over|during|within)\s+)?(?:de|the)\s+"
     rf"(?:{_ROLLING})\s+(?:(?:{_NUM})\s+)?(?:{_UNIT})"),
    rf"(?:{_ROLLING})\s+(?:{_UNIT})",
    # twee dagen geleden, two weeks ago, over twee weken, in two weeks
    rf"(?:{_NUM})\s+(?:{_UNIT})\s+(?:{alternation(AGO_WORDS)})",
    rf"(?:over|in)\s+(?:{_NUM})\s+(?:{_UNIT})",
    # 26 januari (2022), op 26 januari, 24-27 januari, the 26th of January
    (rf"(?:(?:{_PREFIX}|the)\s+)?{_DAY}(?:\s*(?:-|–|t/m|tot\s+en\s+met)\s*{_DAY})?"
     rf"\s+(?:of\s+)?(?:{_MONTH})\.?(?:,?\s+{_YEAR})?"),
    # January 26(, 2022), Feb. 3
    rf"(?:(?:on)\s+)?(?:{_MONTH})\.?\s+{_DAY}(?:,?\s+{_YEAR})?",
    # begin februari, eind januari 2022, in maart, early March
    rf"(?:{_words(SEGMENTS, PREFIXES)})[\s-]+(?:{_MONTH})(?:\s+{_YEAR})?",
    # in 2021; 2022-01-26; 26-01-2022, 26/1/2022
    rf"in\s+{_YEAR}",
    r"\d{4}-\d{2}-\d{2}",
    rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]{_YEAR}",
]
_DATE_RES = [re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.IGNORECASE) for p in DATE_PATTERNS]


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
        # An article's own text: "vrijdag" in Friday's copy is that Friday (wire style).
        result = dates.resolve_within(phrase, published, lang, future=future, wire=True)
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
        # Surnames across spellings ("Zelenskyy", "Zelenskiy"), for capitalised words only.
        fuzzy: dict[str, set[int]] = {}
        for actor, surname in surnames:
            fuzzy.setdefault(name_key(surname), set()).add(actor.pk)
        self._fuzzy = {key: pks.pop() for key, pks in fuzzy.items() if len(pks) == 1}
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
        return self._add_fuzzy(tokens, mentions)

    def _add_fuzzy(self, tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
        taken = {i for m in mentions for i in range(m.first, m.last + 1)}
        for i, tok in enumerate(tokens):
            if i in taken or not tok.text[:1].isupper() or len(tok.norm) < 4:
                continue
            pk = self._fuzzy.get(name_key(tok.norm))
            if pk is not None:
                mentions.append(Mention(self.actors[pk], i, i))
        return sorted(mentions, key=lambda m: m.first)

    def person_by_name(self, surname: str) -> Actor | None:
        """The one known person with this surname in any spelling."""
        pk = self._fuzzy.get(name_key(surname))
        return self.actors[pk] if pk is not None else None

    def by_name(self, name: str) -> Actor | None:
        """The known actor this exact name or alias names ("Germany" -> Duitsland)."""
        pk = self._terms.get(tuple(t.norm for t in tokenize(name)))
        return self.actors[pk] if pk is not None else None


def name_key(word: str) -> str:
    """A surname's key across transliterations: Zelenskyy = Zelensky = Zelenskiy, Poetin = Putin,
    Sergej = Sergei (accents, y/j/i, Dutch "oe" and doubled letters folded)."""
    word = normalize(word).replace("oe", "u").replace("y", "i").replace("j", "i")
    return re.sub(r"(.)\1+", r"\1", word)


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

        def flush(group: list[Token]) -> None:
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
                flush(group)
        flush(group)
    return list(found.values())


# --------------------------------------------------------------------------------------------
# Names no actor has: new actors with a guessed kind, function and affiliation
# --------------------------------------------------------------------------------------------

# Words of a function written before (or, Dutch, around) a name: "Chancellor Olaf Scholz",
# "National Security Advisor Jake Sullivan", "minister Hoekstra van Buitenlandse Zaken".
TITLE_WORDS = set(
    """
    president vicepresident vice premier minister ministers chancellor kanselier bondskanselier
    secretary secretaris general generaal advisor adviser adviseur spokesperson spokesman
    spokeswoman woordvoerder woordvoerster ambassador ambassadeur king koning queen koningin
    prime leader leider director directeur commissioner eurocommissaris senator mayor
    burgemeester envoy gezant chief chef head hoofd foreign national security deputy
    staatssecretaris secretaris-generaal buitenlandse zaken defensie defense defence affairs
    state staat voorzitter chair chairman chairwoman chairperson
    """.split()
)
# The words of a ministry, which may follow "minister ... van" / "Secretary of".
MINISTRY_WORDS = {"buitenlandse", "binnenlandse", "zaken", "defensie", "foreign", "affairs",
                  "state", "defense", "defence", "justitie", "financien", "treasury", "homeland",
                  "mijnbouw", "klimaat", "energie", "economische", "volksgezondheid", "onderwijs",
                  "landbouw", "infrastructuur", "waterstaat", "asiel", "migratie", "sociale",
                  "werkgelegenheid", "energy", "health", "commerce", "agriculture", "education",
                  "interior", "trade", "economy", "finance"}  # fmt: skip
# Words that make a capitalised group an organisation ("White House", "U.S. Embassy").
ORGANISATION_WORDS = set(
    """
    house ministry ministerie council raad commission commissie union unie organisation
    organization party partij agency bank embassy ambassade army leger parliament parlement
    nations forces office department senate senaat congress kamer pentagon alliance
    bondgenootschap court hof government regering kabinet
    """.split()
)
# Press agencies: whoever they are, when they report something they are its source.
AGENCIES = {"reuters", "ap", "afp", "anp", "interfax", "tass", "ria novosti", "ria", "dpa",
            "belga", "bloomberg", "xinhua", "ukrinform", "efe", "ansa", "associated press"}  # fmt: skip
AGENCY_NOUNS = {"persbureau", "nieuwsagentschap", "agency", "agentschap"}
NAME_SUFFIXES = {"jr", "sr", "ii", "iii"}
# Demonyms to the country they point to, by the country's name in either language; the
# country itself is looked up among the known actors ("Germany" is an alias of Duitsland).
DEMONYMS = {
    "duitse": "Duitsland", "german": "Germany", "russische": "Rusland", "russian": "Russia",
    "oekraiense": "Oekraïne", "ukrainian": "Ukraine", "amerikaanse": "Verenigde Staten",
    "american": "United States", "us": "United States", "franse": "Frankrijk",
    "french": "France", "nederlandse": "Nederland", "dutch": "Netherlands",
    "canadese": "Canada", "canadian": "Canada", "britse": "Verenigd Koninkrijk",
    "british": "United Kingdom", "poolse": "Polen", "polish": "Poland",
}  # fmt: skip
_TITLE_GLUE = {
    "van",
    "of",
    "voor",
    "for",
    "de",
    "the",
    "het",
    "zijn",
    "haar",
    "his",
    "her",
}


@dataclass
class NewActor:
    """An actor the database does not know yet, proposed with what the article says of it."""

    slug: str
    name: str
    kind: str
    function: str = ""
    affiliation: Actor | None = None
    agency: bool = False
    pk: None = None  # not saved: compares unequal to every known actor

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    @property
    def given(self) -> str:
        words = self.name.split()
        return words[0] if len(words) > 1 else ""


class NewActors:
    """The article's new actors, one per person or organisation however it is spelled:
    "Joseph R. Biden, Jr." = "President Biden" = "Joe Biden" (same surname, no clashing first
    initial); slugs unique against the known actors' and each other's."""

    def __init__(self, taken_slugs: Iterable[str]):
        self.taken = set(taken_slugs)
        self.found: list[NewActor] = []

    def add(self, candidate: NewActor) -> NewActor:
        for known in self.found:
            if self._same(known, candidate):
                if candidate.given and not known.given:
                    known.name = candidate.name
                known.function = known.function or candidate.function
                known.affiliation = known.affiliation or candidate.affiliation
                return known
        base = slugify(
            candidate.surname if candidate.kind == "person" else candidate.name
        )
        base = (base or "actor")[:45]
        slug, n = base, 2
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        candidate.slug = slug
        self.found.append(candidate)
        return candidate

    def person(self, surname: str) -> NewActor | None:
        """The new person this surname alone names ("Scholz" after "Olaf Scholz")."""
        key = name_key(surname)
        found = [a for a in self.found if a.kind == "person" and name_key(a.surname) == key]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _same(a: NewActor, b: NewActor) -> bool:
        if a.kind != b.kind:
            return False
        if a.kind != "person":
            return normalize(a.name) == normalize(b.name)
        if name_key(a.surname) != name_key(b.surname):
            return False
        return (
            not (a.given and b.given) or normalize(a.given)[0] == normalize(b.given)[0]
        )


# Arabic names' lower-case article joined by a hyphen ("Abdel Fattah al-Sisi", "el-Sisi").
_NAME_PREFIX = re.compile(r"(?:al|el|ad|as|ash|ibn|bin)-[A-Z]")
# Before a capitalised group: an article or a place preposition ("in New York", "the Black
# Sea", "in the Middle East"). Without a function around it such a group is a place, not a
# person.
_PLACE_OR_ARTICLE = {"in", "at", "te", "op", "naar", "uit", "from", "near", "the", "de", "het"}
# First words of place names, not of people's: "New Delhi", "South Korea", "Saint Petersburg",
# "Nieuw-Zeeland", "Noord-Korea".
PLACE_PREFIXES = {"new", "north", "south", "east", "west", "saint", "san", "santa", "sao", "los",
                  "las", "port", "fort", "mount", "lake", "cape", "nieuw", "noord", "zuid", "oost",
                  "sint", "upper", "lower", "greater", "central", "midden"}  # fmt: skip
POSSESSIVE = re.compile(r"['’]s?$")


def _name_word(tok: Token) -> bool:
    """A word that may continue a name: capitalised, or a hyphened Arabic article."""
    return tok.text[:1].isupper() or bool(_NAME_PREFIX.match(tok.text))


def _joined(left: Token, right: Token, text: str) -> bool:
    """Whether two words may belong to one name: a name does not run on across punctuation
    ("Viktor Orban, Orban's office"), except after an initial ("Joseph R. Biden") and before a
    suffix ("Biden, Jr.")."""
    gap = text[left.end : right.start].strip()
    return (
        not gap
        or (gap == "." and len(left.text) == 1 and left.text.isupper())
        or (gap == "," and right.norm in NAME_SUFFIXES)
    )


def _is_title(tok: Token) -> bool:
    return tok.norm in TITLE_WORDS or tok.norm in MINISTRY_WORDS


def find_names(
    tokens: list[Token],
    mentions: list[Mention],
    index: ActorIndex,
    new: NewActors,
    text: str,
    capitalised_inside: set[str],
) -> list[Mention]:
    """Mentions of actors nobody has entered yet, and of known people under a new spelling or
    with their first names ("President Volodymyr Zelenskyy"): capitalised groups with a
    function before them, an organisation word in them, or a first and last name."""
    known = {i for m in mentions for i in range(m.first, m.last + 1)}
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        starts = (
            tok.text[:1].isupper()
            and i not in known
            and not tok.text.isdigit()
            and tok.norm
            not in NOT_NAMES
            - {
                "president",
                "minister",
                "secretary",
                "general",
                "prime",
                "premier",
                "state",
                "foreign",
                "affairs",
            }
            and (
                not _is_demonym(tok.text)
                # "Europese Unie", "Russische Federatie": the adjective is part of the name
                or (
                    i + 1 < len(tokens)
                    and tokens[i + 1].text[:1].isupper()
                    and tokens[i + 1].norm in ORGANISATION_WORDS
                )
            )
        )
        if not starts:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(tokens)
            and j + 1 not in known
            and (_name_word(tokens[j + 1]) or tokens[j + 1].norm in _NAME_PARTICLES)
            and not tokens[j + 1].text.isdigit()
            and _joined(tokens[j], tokens[j + 1], text)
            # "Hans Vijlbrief van Mijnbouw": the ministry belongs to the function.
            and not (
                tokens[j + 1].norm in ("van", "of")
                and j + 2 < len(tokens)
                and tokens[j + 2].norm in MINISTRY_WORDS
            )
        ):
            j += 1
        while j > i and tokens[j].norm in _NAME_PARTICLES:
            j -= 1
        mention = _name_mention(
            tokens, i, j, mentions, index, new, text, capitalised_inside
        )
        if mention is not None:
            found.append(mention)
        i = j + 1
    return found


def _name_mention(
    tokens, first, last, mentions, index, new, text, capitalised_inside
) -> Mention | None:
    group = tokens[first : last + 1]
    # Function words at the front of the group ("Chancellor Olaf Scholz") belong to the title.
    lead = 0
    while lead < len(group) and _is_title(group[lead]):
        lead += 1
    # An organisation keeps its words ("Security Council", "Foreign Office").
    if group[-1].norm in ORGANISATION_WORDS:
        lead = 0
    # A function inside the group ends what came before it: "Kenyan President William Ruto",
    # "U.S. Treasury Secretary Janet Yellen" are Ruto and Yellen.
    else:
        inner = [k for k in range(lead, len(group) - 1) if group[k].norm in TITLE_WORDS - MINISTRY_WORDS]
        if inner:
            lead = inner[-1] + 1
    words = [t for t in group[lead:] if t.norm not in NAME_SUFFIXES]
    while words and words[-1].norm in NAME_SUFFIXES:
        words.pop()
    if not words or any(w.norm in NOT_NAMES for w in words):
        return None
    # First names of a known person right after them ("Antony" in "Antony Blinken").
    if any(m.first == last + 1 and m.actor.kind == Actor.Kind.PERSON for m in mentions):
        return None
    if len(words) == 1 and lead == 0 and (earlier := new.person(words[0].norm)) is not None:
        return Mention(earlier, first, last)
    name_first, name_last = words[0], words[-1]
    norm_name = " ".join(w.norm for w in words)
    # The function: the run of function words just before the name ("Treasury Secretary").
    run = lead
    while run > 0 and _is_title(group[run - 1]):
        run -= 1
    before = ([] if run else _title_before(tokens, first)) + [t.text for t in group[run:lead]]
    after_first = first + lead + len(words)
    title_after, affiliation = _title_after(tokens, after_first, mentions, index)
    # "het Russische persbureau Interfax", "according to Reuters": the reporter, not a party.
    agency = norm_name in AGENCIES or any(
        t.norm in AGENCY_NOUNS for t in tokens[max(0, first - 3) : first]
    )
    is_org = any(w.norm in ORGANISATION_WORDS for w in words)
    if agency:
        kind = Actor.Kind.MEDIA
    elif is_org:
        kind = Actor.Kind.ORGANISATION
    elif before or title_after:
        kind = Actor.Kind.PERSON
    elif (
        len(words) >= 2
        and not (first > 0 and tokens[first - 1].norm in _PLACE_OR_ARTICLE)
        and words[0].norm not in PLACE_PREFIXES
    ):
        kind = Actor.Kind.PERSON
    else:
        return None  # one capitalised word and nothing said of it: a place, a name, who knows
    if (
        first == 0
        and len(words) == 1
        and words[0].norm not in capitalised_inside
        and not before
    ):
        return None
    if kind == Actor.Kind.PERSON:
        known = index.person_by_name(name_last.norm)
        if (
            known is not None
        ):  # "Volodymyr Zelenskyy": a known person, spelled otherwise
            return Mention(known, first, last)
    # "NATO Secretary General Jens Stoltenberg": the organisation in front is the affiliation.
    ahead = next((m.actor for m in mentions if m.last == first - 1), None)
    if affiliation is None and ahead is not None and ahead.kind != Actor.Kind.PERSON:
        affiliation = ahead
    reach = max(0, first - len(before) - 2)  # "de Oekraïense minister van Buitenlandse Zaken"
    for demonym in (t for t in tokens[reach:first] if _is_demonym(t.text)):
        country = DEMONYMS.get(demonym.norm)
        affiliation = affiliation or (index.by_name(country) if country else None)
    function = " ".join(
        w.lower()
        if w[:1].isupper() and normalize(w) in TITLE_WORDS - MINISTRY_WORDS
        else w
        for w in [*before, *title_after]
    )
    # "Emmanuel Macron's office": the name without the possessive.
    name = POSSESSIVE.sub("", text[name_first.start : name_last.end])
    actor = new.add(
        NewActor(
            slug="",
            name=name,
            kind=kind,
            function=function[:200] if kind == Actor.Kind.PERSON else "",
            affiliation=affiliation,
            agency=agency,
        )
    )
    return Mention(actor, first, last)


def _title_before(tokens: list[Token], first: int) -> list[str]:
    """ "minister van Buitenlandse Zaken" in "minister van Buitenlandse Zaken Lavrov"."""
    words: list[str] = []
    i = first - 1
    while i >= 0 and (
        _is_title(tokens[i]) or (tokens[i].norm in _TITLE_GLUE and words)
    ):
        words.insert(0, tokens[i].text)
        i -= 1
    while words and normalize(words[0]) in _TITLE_GLUE:
        words.pop(0)
    return (
        words
        if any(normalize(w) in TITLE_WORDS - MINISTRY_WORDS for w in words)
        else []
    )


def _title_after(
    tokens: list[Token], i: int, mentions: list[Mention], index: ActorIndex
) -> tuple[list[str], Actor | None]:
    """ "van Buitenlandse Zaken" (part of the function) or "of Germany" (the affiliation)."""
    if i >= len(tokens) or tokens[i].norm not in ("van", "of"):
        return [], None
    ministry = []
    j = i + 1
    while j < len(tokens) and tokens[j].norm in MINISTRY_WORDS:
        ministry.append(tokens[j].text)
        j += 1
    if ministry:
        return [tokens[i].text, *ministry], None
    state = next((m.actor for m in mentions if m.first == i + 1), None)
    if state is not None and state.kind in (Actor.Kind.STATE, Actor.Kind.ORGANISATION):
        return [], state
    return [], None
