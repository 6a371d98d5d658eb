"""Cue words: the event type, the status and the speaker a sentence's words point to."""

from __future__ import annotations

import re

from timeline.ingest.article import PublicationDate
from timeline.ingest.mentions import TOKEN, DateMention, Mention, Token, tokenize
from timeline.models import Actor, Event, normalize

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
    ("video-call", (r"video ?(?:call|conference|link|gesprek|verbinding|overleg|conferentie)\w*"
                   r"|videocall\w*|videoconferen\w*|virtual(?:ly)? (?:meeting|summit|talks)"
                   r"|held a virtual|secure video|digita\w* (?:overleg|top|gesprek)")),
    ("phone-call", (r"telefonisch|telefoongesprek\w*|gebeld|belde|belden|telefoneerde\w*"
                   r"|phone call\w*|phoned|telephone|by phone|on the phone|call with|calls with"
                   r"|called(?! (?:for|on|upon|it|them|him|her|this|off))|spoke by phone"
                   r"|held a call|had a call")),
    ("press-conference", r"persconferentie\w*|persmoment|press conference|news conference"),
    ("statement", SPEECH_WORDS),
    ("withdrawal-of-diplomats", (r"diplomaten\b.*\b(?:weg|terug|vertrekken|evacue\w*)"
                                r"|(?:withdraw\w*|evacuat\w*|pull\w* out)\b.*\bdiplomats"
                                r"|diplomats\b.*\b(?:leave|withdraw\w*|evacuat\w*)")),
    ("diplomatic-letter", (r"brief|brieven|letter|letters|written (?:response|reply|answer)"
                          r"|schriftelijk\w* (?:antwoord|reactie)|wrote to|writes to"
                          r"|schreef (?:aan|naar)")),
    ("decision", (r"tekende|tekenden|ondertekend\w*|getekend|besloot|besloten|besluit"
                 r"|signed|signs|decided|decides|approved|approves|keurde\w* .*\bgoed"
                 r"|goedgekeurd|stemde\w* in met|ingestemd|imposed|legde\w* .*\bop"
                 r"|afgekondigd|kondig\w* .*\baf|declared (?:a|an|the)|declares (?:a|an|the)"
                 r"|benoem\w*|aangesteld|appointed|appoints|nominated|nominates")),
    ("meeting", (r"af te spreken|afspreken|afspraak|ontmoeting\w*|ontmoet\w*|bijeenkomst"
                r"|meeting|meets?|met with|summit|top(?:overleg|ontmoeting)|bezocht|visited"
                r"|bijeen\w*|komen\b.*\bbijeen|(?:een|de|tijdens|op) top|travel\w* to|reist\b.*\bnaar"
                r"|visit\w*|bezoek\w*"
                r"|hosted|ontving|ontvangen|ontvangt|received|receives")),
    ("talks", (r"spreekt|spreken|sprak|gesproken|praten|praat|bespre\w*|besprak\w*"
                r"|discuss\w*|gesprek\w*|overleg\w*|onderhandel\w*|talks|spoke|speak\w*"
              r"|negotiat\w*")),
    ("rejection", (r"wijst\b.*\baf|wees\b.*\baf|afgewezen|niet in mee|weigert|weigerde|reject\w*"
                  r"|refus\w*")),
]  # fmt: skip
_TYPE_RES = [(slug, re.compile(rf"\b(?:{pattern})\b")) for slug, pattern in TYPE_CUES]
# English words that are Dutch ones too ("met" is "with"): only in English articles.
ENGLISH_ONLY_CUES = {"meeting": "met"}
_TYPE_RES_EN = [
    (slug, re.compile(rf"\b(?:{pattern}|{ENGLISH_ONLY_CUES[slug]})\b"))
    if slug in ENGLISH_ONLY_CUES
    else (slug, rx)
    for (slug, pattern), (_, rx) in zip(TYPE_CUES, _TYPE_RES, strict=True)
]
# What a sentence's main clause does outranks who said so: in "Scholz and Biden met on Monday,
# the White House said" the event is the meeting. These types are read there first.
ACTS = ("video-call", "phone-call", "decision", "meeting", "diplomatic-letter", "talks")
# Conversations a specific type refines: an article titled "Readout of the President's Call"
# whose sentence says only "spoke with" reports a phone call.
CONVERSATIONS = ("video-call", "phone-call", "meeting")
GENERIC_CONVERSATION = "talks"
# A type the database lacks falls back on its nearest kin; any other on FALLBACK_TYPE.
KIN = {"video-call": "phone-call", "decision": "statement"}
# A trailing ", zei Lavrov." / ", the White House said." or a leading "According to X,".
ATTRIBUTION_CLAUSE = re.compile(
    rf"(?:,\s*[^,]{{0,80}}?\b(?:{SPEECH_WORDS}|meldt|melden|reported|reports|aldus)\b[^,]*$"
    rf"|^(?:according to|volgens)\b[^,]*,)"
)
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
EXPECTED_CUES = re.compile(
    r"\b(?:verwacht\w*|expect\w*|waarschijnlijk|likely|mogelijk)\b"
)
CANCELLED_CUES = re.compile(
    r"\b(?:afgelast|geannuleerd|gaat niet door|cancel+ed|called off)\b"
)


# Dutch news writes the future in the present tense with a time: "Donderdag bezoekt hij het
# gebied", "Later vandaag spreekt hij met", "Hij reist morgen naar". The finite verb stands
# right after a fronted time (verb second) or right before it. A singular present ends in -t, a
# plural one in -en; the perfect's auxiliaries, past forms (bezocht, kwamen, belden) and
# participles (ge-) do not count, nor speech verbs (the reporting, "meldt Interfax", is not the
# event).
_NOT_PRESENT = {"heeft", "had", "hadden", "is", "was", "waren", "zijn", "werd", "werden",
                "zegt", "meldt", "laat", "stelt", "verklaart", "noemt", "dat", "het", "niet",
                "wat", "met"}  # fmt: skip


# Plural past forms that end like a plural present (-en); weak ones end in -den/-ten.
_STRONG_PAST_PLURALS = set(
    """kwamen spraken bespraken gingen waren zaten lagen stonden gaven namen zagen vonden hielden
    troffen besloten lieten riepen schreven wezen vlogen reden bleven kregen wonnen verloren
    begonnen sloten braken trokken ontvingen vertrokken kozen vielen liepen boden bleken hingen
    vingen droegen schoten stegen zwegen dreven lazen vergaten ondernamen bijeenkwamen
    aankwamen vlogen""".split()
)


def _present_plural(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith("en")
        and not word.endswith(("den", "ten"))
        and not word.startswith("ge")
        and word not in _STRONG_PAST_PLURALS | {"hebben", "zijn", "worden", "zeggen", "melden"}
    )


def _present_verb(word: str) -> bool:
    return (
        len(word) > 2
        and word.endswith("t")
        and not word.endswith("cht")
        and not (word.startswith("ge") and word not in ("geeft", "geldt", "gaat"))
        and word not in _NOT_PRESENT
    )


# A subordinate clause puts its verb last: "... dat de ministers woensdag bijeenkomen".
SUBORDINATORS = {"dat", "die", "omdat", "als", "wanneer", "waar", "nadat", "zodat", "terwijl"}
SUBORDINATE_REACH = 8  # tokens between the subordinator and the date
# Before a capitalised word these make it a noun ("het kabinet woensdag"), not a subject.
_DETERMINERS = {"de", "het", "een", "deze", "dit", "die", "zijn", "haar", "hun"}
_SUBJECT_PRONOUNS = {"hij", "zij", "ze", "wij", "we", "jij", "u", "men"}  # "het" is an article too


def _finite_present(word: str) -> bool:
    return _present_verb(word) or _present_plural(word)


def _subject_before(before: list[Token]) -> bool:
    """Whether the words before a verb end in a subject: a pronoun, or a name (a capitalised
    word that is no adjective and not the sentence's first word alone)."""
    if not before:
        return False
    last = before[-1]
    if last.norm in _SUBJECT_PRONOUNS:
        return True
    return (
        last.text[:1].isupper()
        and len(before) > 1
        and not re.fullmatch(r"[a-z]{3,}(?:se|sche)", last.norm)  # "Deense", "Russische"
    )


def present_for_future(sentence: str, mention: DateMention, lang: str) -> bool:
    """A Dutch present-tense verb beside the date phrase: the event lies ahead.

    Three places a finite verb stands in a Dutch clause with a time: right after a fronted time
    ("Donderdag bezoekt hij", verb second), right before the time after its subject, however
    long the subject is ("De Deense premier Mette Frederiksen reist woensdag naar"), and last
    in a subordinate clause ("... dat de ministers woensdag bijeenkomen")."""
    if lang != "nl":
        return False
    if mention.ok and "~" in mention.result.edtf:
        return False  # "halen inmiddels diplomaten weg": by now, the present is the present
    before = tokenize(sentence[: mention.start])
    after = tokenize(sentence[mention.start + len(mention.phrase) :])
    if not before:  # the time opens the sentence: the verb comes next ("Donderdag komen de")
        return bool(after) and _finite_present(after[0].norm)
    if PAST_SPEECH.search(" ".join(t.norm for t in before)):
        return False  # "Lavrov zei donderdag dat hij Baerbock spreekt": the saying is the date
    verb = before[-1]
    if verb.text.islower() and _finite_present(verb.norm):
        # "Hij spreekt donderdag met ...", "Het kabinet beslist woensdag": subject, verb, time
        if len(before) <= 3 and _present_verb(verb.norm):
            return True
        if _subject_before(before[:-1]):
            return True
    reach = [t.norm for t in before[-SUBORDINATE_REACH:]]
    return (
        bool(after)
        and bool(SUBORDINATORS & set(reach))
        and after[0].text.islower()
        and _present_plural(after[0].norm)
    )


# Past tense of the verb that carries the date: "sent a letter on Tuesday", "stuurde dinsdag
# een brief". A weekday then lies before the publication day, whatever the rest of the sentence
# looks ahead to ("proposing that the commissions meet next month").
ENGLISH_IRREGULAR_PAST = set(
    """sent met spoke held wrote made took gave went came flew told said saw brought began
    left won lost paid put set sought thought bought caught fought led read rang ran sang sat
    stood struck swore threw understood withdrew drew forgot chose broke became did had hosted
    """.split()
)
_ENGLISH_MODALS = {"will", "would", "shall", "is", "are", "be", "being", "am", "can", "may",
                   "must", "should", "could", "might"}  # fmt: skip
_ENGLISH_DETERMINERS = {"the", "a", "an", "his", "her", "their", "its", "our", "this", "that"}
_ENGLISH_NOT_VERBS = {"united", "armed", "speed", "hundred", "indeed", "based"}
_DUTCH_PAST_AUX = {"had", "hadden", "was", "waren", "werd", "werden"}
# "heeft" is a perfect only with a participle after it ("heeft dinsdag een brief gestuurd"); "hij
# heeft dinsdag een afspraak" is the present.
_DUTCH_PERFECT_AUX = {"heeft", "hebben"}
_PARTICIPLE = re.compile(r"\w*ge\w{2,}(?:d|t|en)|(?:be|ver|ont|onder|her|er)\w{3,}(?:d|t|en)")


# Participles that put what they describe ahead: "the expected talks on Tuesday", "postponed to
# Friday".
_ENGLISH_AHEAD = {"expected", "scheduled", "planned", "proposed", "postponed", "delayed",
                  "rescheduled", "moved", "pushed", "slated", "intended"}  # fmt: skip


def _english_past(word: str) -> bool:
    return word in ENGLISH_IRREGULAR_PAST or (
        len(word) > 4
        and word.endswith("ed")
        and word not in _ENGLISH_NOT_VERBS | _ENGLISH_AHEAD
    )


def _dutch_past(word: str) -> bool:
    return (
        word in _DUTCH_PAST_AUX
        or word in _STRONG_PAST_PLURALS
        or (len(word) > 4 and word.endswith(("de", "te", "den", "ten")))
    )


def past_for_date(sentence: str, mention: DateMention, lang: str) -> bool:
    """The finite verb of the clause that holds the date phrase, before it, is in the past
    tense: "Pashinyan sent a letter to Aliyev on Tuesday", "Rutte stuurde dinsdag een brief
    over de top van volgende week"."""
    clause = re.split(r"[,;:()]", sentence[: mention.start])[-1]
    if lang == "en":
        words = tokenize(clause)
        past = False
        for i, word in enumerate(words):
            if not word.text.islower():
                continue
            following = words[i + 1] if i + 1 < len(words) else None
            infinitive = (
                word.norm == "to"
                and following is not None
                and following.text.islower()
                and following.norm not in _ENGLISH_DETERMINERS
            )
            if word.norm in _ENGLISH_MODALS | _ENGLISH_AHEAD or infinitive:
                return False  # "will meet", "agreed to meet on Tuesday", "is to sign"
            if not past and _english_past(word.norm):
                # "was held", "had met" are past; "is expected", "be signed" are not
                previous = words[i - 1].norm if i else ""
                if previous in _ENGLISH_MODALS:
                    return False
                past = True
        return past
    # Dutch: the verb right before the time ("stuurde dinsdag"), not an adjective after a
    # determiner ("de laatste dinsdag").
    before = tokenize(clause)
    if not before or not before[-1].text.islower():
        return False
    verb = before[-1].norm
    if verb in _DUTCH_PERFECT_AUX:
        rest = re.split(r"[,;:()]", sentence[mention.start + len(mention.phrase) :])[0]
        return any(_PARTICIPLE.fullmatch(t.norm) for t in tokenize(rest) if t.text.islower())
    return _dutch_past(verb) and (len(before) < 2 or before[-2].norm not in _DETERMINERS)


def looks_ahead(norm_sentence: str) -> bool:
    """A cue word says the event lies ahead, and no past speech verb says it was a statement."""
    return bool(
        FUTURE_CUES.search(norm_sentence)
        and not PAST_SPEECH.search(norm_sentence)
        and not CANCELLED_CUES.search(norm_sentence)
    )


def main_clause(sentence: str) -> str:
    """The sentence without a trailing or leading attribution, normalised as tokens are."""
    main = ATTRIBUTION_CLAUSE.sub("", normalize(sentence))
    return " ".join(t.norm for t in tokenize(main))


def guess_type(
    norm_sentence: str, main: str | None = None, norm_title: str = "", lang: str = "nl"
) -> tuple[str, bool]:
    """(event type slug, whether a cue word backs it): what the main clause (`main_clause`)
    does, else the first cue in the table, a generic conversation refined by the title."""
    table = _TYPE_RES_EN if lang == "en" else _TYPE_RES
    if main is not None and main != norm_sentence:
        for slug, rx in table:
            # "told reporters ... talks": what was said about talks is a statement.
            if slug == GENERIC_CONVERSATION and SPEECH_CUES.search(main):
                continue
            if slug in ACTS and rx.search(main):
                return slug, True
    for slug, rx in table:
        if rx.search(norm_sentence):
            if slug == GENERIC_CONVERSATION and norm_title:
                refined, _ = guess_type(norm_title, lang=lang)
                if refined in CONVERSATIONS:
                    return refined, True
            return slug, True
    return FALLBACK_TYPE, False


def known_type(slug: str, known: set[str]) -> str | None:
    """The slug itself if the database has it, else its kin's (KIN), else None."""
    while slug not in known:
        slug = KIN.get(slug)
        if slug is None:
            return None
    return slug


def find_speaker(
    tokens: list[Token], mentions: list[Mention], norm_sentence: str
) -> Actor | None:
    """The actor right after a speech cue ("zei Lavrov", "volgens Lavrov"), or else shortly
    before it ("Blinken liet weten", "Lavrov ... onderstreept")."""
    for cue in SPEECH_CUES.finditer(norm_sentence):
        # token index of the cue's last word
        words_before = len(TOKEN.findall(norm_sentence[: cue.end()]))
        cue_last = words_before - 1
        cue_first = cue_last - len(TOKEN.findall(cue.group())) + 1
        for offset in range(1, 4):
            i = cue_last + offset
            if i >= len(tokens):
                break
            # "zei hij": the pronoun stands for a person (propose resolves it) or stops here.
            hit = next((m for m in mentions if m.first == i), None)
            if hit:
                return hit.actor
            if tokens[i].norm in _SPEAKER_STOPS:
                break
        before = [m for m in mentions if m.last < cue_first and cue_first - m.last <= 6]
        # Not across another name: in "NATO Secretary General Jens Stoltenberg said" NATO is
        # not the one speaking.
        if before and not any(
            tok.text[:1].isupper() for tok in tokens[before[-1].last + 1 : cue_first]
        ):
            return before[-1].actor
    return None


def hedge_scope(sentence: str, mention: DateMention) -> str:
    """The sentence up to the end of the clause that holds the date phrase, normalised: a hedge
    after it qualifies something else ("will hold a news conference later today, where he is
    expected to resign" is scheduled)."""
    end = mention.start + len(mention.phrase)
    rest = re.split(r"[,;:()]", sentence[end:])[0]
    return normalize(sentence[:end] + rest)


def guess_status(
    mention: DateMention,
    published: PublicationDate,
    norm_sentence: str,
    *,
    ahead: bool = False,
    past: bool = False,
    hedged: str | None = None,
) -> str:
    """Occurred, unless the date or a cue word looks ahead; a date that lies wholly before the
    publication date wins over the verbs ("daar gaat ... niet in mee, werd eerder deze week
    duidelijk" happened). Ahead, a vague date or a hedge (in `hedged`, `hedge_scope`, if given,
    else in the sentence) makes it expected, a day scheduled."""
    if CANCELLED_CUES.search(norm_sentence):
        return Event.Status.CANCELLED
    if past:  # the verb that carries the date is in the past tense (`past_for_date`)
        return Event.Status.OCCURRED
    # For a month-only source, how the phrase relates to the first day of the month tells the
    # direction even when the day cannot be known.
    resolved = mention.result if mention.ok else mention.relative_to_first
    base = published.first
    if resolved is not None and resolved.end is not None and resolved.end < base:
        return Event.Status.OCCURRED
    ahead = (
        ahead
        or (resolved is not None and resolved.start > base)
        or bool(FUTURE_CUES.search(normalize(mention.phrase)))
        or looks_ahead(norm_sentence)
    )
    if not ahead:
        return Event.Status.OCCURRED
    vague = resolved is None or resolved.precision != "day"
    if vague or EXPECTED_CUES.search(norm_sentence if hedged is None else hedged):
        return Event.Status.EXPECTED
    return Event.Status.SCHEDULED
