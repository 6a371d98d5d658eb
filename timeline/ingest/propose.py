"""Proposing: one draft event per dated sentence, and what earlier runs already made of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from timeline import dates
from timeline.geo import gazetteer
from timeline.ingest.article import Article, Sentence, shorten, split_sentences
from timeline.ingest.cues import (
    ACTS,
    ATTRIBUTION_CLAUSE,
    CONVERSATIONS,
    FALLBACK_TYPE,
    GENERIC_CONVERSATION,
    find_speaker,
    guess_status,
    guess_type,
    hedge_scope,
    known_type,
    looks_ahead,
    main_clause,
    past_for_date,
    present_for_future,
)
from timeline.ingest.mentions import (
    TITLE_WORDS,
    TOKEN,
    ActorIndex,
    DateMention,
    Mention,
    NewActor,
    NewActors,
    Token,
    candidate_names,
    find_dates,
    find_names,
    tokenize,
)
from timeline.ingest.places import PlaceFinder, place_dict
from timeline.models import Actor, Citation, Event, EventType, Participation, Place, normalize

Cast = list[tuple["Actor | NewActor", str]]  # (actor, role) in order of appearance

# "unchanged" is also what a deleted draft gets: it is not brought back.
ACTIONS = {"": "created", "refresh": "updated", "known": "unchanged", "rejected": "unchanged",
           "merge": "added-source", "cited": "unchanged"}  # fmt: skip


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
    actors: Cast  # known actors and NewActor ones, which saving creates
    confidence: float
    # "" (new), "known" (exists; left alone), "refresh" (exists, nobody but ingest touched it,
    # and this run knows better, e.g. its date now that --published is given), "rejected"
    # (deleted after an earlier run: not brought back), "merge" (another event already records
    # it: this source and quote are added to it) or "cited" (that event cites this source)
    existing: str = ""
    event: Event | None = None  # the existing draft, or the event it merges into
    attribution: str = ""  # the press agency the sentence credits ("meldt Interfax")
    place: Place | gazetteer.Entry | None = None  # where it says it happened (a city saving adds)

    @property
    def unresolved_date(self) -> str:
        return "" if self.date.ok else self.date.phrase

    @property
    def action(self) -> str:
        """created | added-source | updated | unchanged: what saving does (or did)."""
        return ACTIONS[self.existing]

    @property
    def event_slug(self) -> str | None:
        if self.event is not None:
            return self.event.slug
        return None if self.existing == "rejected" else self.slug

    @property
    def becomes_occurred(self) -> bool:
        """A merge where this article reports as done what the event still has ahead."""
        return (
            self.existing == "merge"
            and self.event is not None
            and self.event.status in Event.Status.future()
            and self.status == Event.Status.OCCURRED
        )

    @property
    def new_actors(self) -> list[NewActor]:
        return [actor for actor, _ in self.actors if isinstance(actor, NewActor)]

    def get_status_display(self) -> str:
        return str(Event.Status(self.status).label)

    @property
    def bounds(self) -> tuple[dt.date, dt.date | None]:
        return dates.edtf_bounds(self.edtf)

    def date_label(self, lang: str = "nl") -> str:
        return dates.label(self.edtf, self.part_of_day, lang)

    def as_dict(self) -> dict:
        """The machine-readable proposal `manage.py ingest --format json` prints."""
        start, end = self.bounds
        return {
            "sentence": self.sentence.index,
            "phrase": self.date.phrase,
            "edtf": self.edtf,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "part_of_day": self.part_of_day,
            "status": self.status,
            "type": self.type_slug,
            "participants": [
                {
                    "slug": actor.slug,
                    "name": actor.name,
                    "role": role,
                    "new": isinstance(actor, NewActor),
                }
                for actor, role in self.actors
            ],
            "place": place_dict(self.place),
            "quote": self.sentence.text,
            "confidence": self.confidence,
            "action": self.action,
            "event": self.event_slug,
        }


@dataclass
class Proposals:
    article: Article
    items: list[Proposal] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    sentence_count: int = 0
    source_slug: str = ""
    # The press agencies the article credits anywhere ("meldt Interfax"), in order: the
    # source's attribution.
    agencies: list[str] = field(default_factory=list)

    @property
    def attribution(self) -> str:
        return ", ".join(self.agencies)

    @property
    def relative_unresolved(self) -> list[str]:
        """Phrases left unresolved only because the source gives no day (distinct, in order)."""
        return list(
            dict.fromkeys(p.date.phrase for p in self.items if p.date.depends_on_day)
        )

    @property
    def new_actors(self) -> list[NewActor]:
        return list({id(a): a for p in self.items for a in p.new_actors}.values())


def _confidence(date: DateMention, actors: Cast, from_cue: bool) -> float:
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


# A subject pronoun near the start of a sentence ("Hij zei", "Later vandaag spreekt hij", "He
# also said") stands for the person the previous sentence was about.
PRONOUNS = {"hij", "zij", "he", "she"}
PRONOUN_REACH = 4  # tokens from the start


def _pronoun(tokens: list[Token], mentions: list[Mention]) -> int | None:
    first_person = min(
        (m.first for m in mentions if m.actor.kind == Actor.Kind.PERSON),
        default=len(tokens),
    )
    for i, tok in enumerate(tokens[:PRONOUN_REACH]):
        if tok.norm in PRONOUNS and i < first_person:
            return i
    return None


def _antecedent(earlier: list[list[Mention]]) -> Actor | NewActor | None:
    """The person the last sentence naming people was about: the only one it names, or the
    one it opens with (its subject); None when that is not clear."""
    for mentions in reversed(earlier[-2:]):
        people = [m for m in mentions if m.actor.kind == Actor.Kind.PERSON]
        if not people:
            continue
        distinct = {m.actor.slug for m in people}
        if len(distinct) == 1 or people[0].first <= 1:
            return people[0].actor
        return None
    return None


_ARTICLES = {"the", "het", "de"}
_OF = {"of", "van"}
FUNCTION_REACH = 3  # tokens between a function phrase and the person it describes


def _function_of(tokens: list[Token], mention: Mention, people: list[Mention]) -> bool:
    """A state or organisation that is part of a person's function: "de voorzitter van de
    Europese Raad, António Costa", "Costa, president of the European Council"."""
    if mention.actor.kind not in (Actor.Kind.STATE, Actor.Kind.ORGANISATION):
        return False
    i = mention.first - 1
    if i >= 0 and tokens[i].norm in _ARTICLES:
        i -= 1
    if i < 1 or tokens[i].norm not in _OF or tokens[i - 1].norm not in TITLE_WORDS:
        return False
    title = i - 1
    return any(
        0 <= p.first - mention.last <= FUNCTION_REACH or 0 <= title - p.last <= FUNCTION_REACH
        for p in people
    )


def _without_descriptions(
    tokens: list[Token], mentions: list[Mention]
) -> list[Mention]:
    """Drop the country or organisation that only describes a person: "Olaf Scholz of Germany",
    "President Zelenskyy of Ukraine" are about Scholz and Zelenskyy; "the president of the
    European Council, António Costa" is Costa's function."""
    people = [m for m in mentions if m.actor.kind == Actor.Kind.PERSON]
    people_end = {m.last for m in people}
    return [
        m
        for m in mentions
        if not (
            m.actor.kind == Actor.Kind.STATE
            and m.first >= 2
            and tokens[m.first - 1].norm in _OF
            and m.first - 2 in people_end
        )
        and not _function_of(tokens, m, people)
    ]


PLACE_WORDS = {"in", "at", "op", "te", "bij"}
BENEFICIARY_WORDS = {"voor", "for"}
# What something is about: "een verklaring over Oekraïne", "talks about the future of Syria".
TOPIC_WORDS = {"over", "about", "regarding", "concerning", "inzake", "omtrent", "aangaande"}
TOPIC_REACH = 4  # lower-case words between the topic word and the name ("over de toekomst van")
_NOT_IN_TOPIC = {"met", "with", "en", "and", "tussen", "between"}


def _is_place(tokens: list[Token], mention: Mention) -> bool:
    """A state or organisation named as where something happened ("in Moskou", "at the White
    House")."""
    if mention.actor.kind not in (Actor.Kind.STATE, Actor.Kind.ORGANISATION):
        return False
    i = mention.first - 1
    if i >= 0 and tokens[i].norm in _ARTICLES:
        i -= 1
    return i >= 0 and tokens[i].norm in PLACE_WORDS


def _is_beneficiary(tokens: list[Token], mention: Mention) -> bool:
    """A state named as the one something is for ("voor Oekraïne")."""
    return (
        mention.actor.kind == Actor.Kind.STATE
        and mention.first > 0
        and tokens[mention.first - 1].norm in BENEFICIARY_WORDS
    )


def _is_topic(tokens: list[Token], mention: Mention) -> bool:
    """A state or organisation something is about ("verklaring over Oekraïne", "a letter about
    the future of NATO"): the subject matter, not a party."""
    if mention.actor.kind not in (Actor.Kind.STATE, Actor.Kind.ORGANISATION):
        return False
    for i in range(mention.first - 1, max(-1, mention.first - 2 - TOPIC_REACH), -1):
        tok = tokens[i]
        if tok.norm in TOPIC_WORDS:
            return True
        if not tok.text.islower() or tok.norm in _NOT_IN_TOPIC:
            return False
    return False


def _attribution_start(sentence: str) -> int | None:
    """The token index where a trailing attribution (", his spokeswoman X said") begins."""
    norm = normalize(sentence)
    found = ATTRIBUTION_CLAUSE.search(norm)
    if found is None or found.start() == 0:
        return None  # none, or a leading "According to X," that opens the sentence
    return len(TOKEN.findall(norm[: found.start()]))


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
    does not exist falls back on its kin or "statement", as a guess. None is ever created.
    Actors the database lacks are proposed as NewActor; press agencies become the sentence's
    attribution, not participants.
    """
    if actors is None:
        actors = Actor.objects.prefetch_related("aliases")
    actors = list(actors)
    if event_types is None:
        event_types = EventType.objects.values_list("slug", flat=True)
    known_types = set(event_types)
    index = ActorIndex(actors)
    places = PlaceFinder(actors)
    new = NewActors(a.slug for a in actors)
    source_slug = source_slug or article.slug
    sentences = split_sentences(article)
    result = Proposals(article, sentence_count=len(sentences), source_slug=source_slug)
    tokenized = [tokenize(sentence.text) for sentence in sentences]
    capitalised_inside = {
        t.norm for tokens in tokenized for t in tokens[1:] if t.text[:1].isupper()
    }
    norm_title = " ".join(t.norm for t in tokenize(article.title))
    analysed: list[tuple[list[Token], list[Mention]]] = []
    earlier: list[list[Mention]] = []
    for sentence, tokens in zip(sentences, tokenized, strict=True):
        if progress:
            progress(sentence.index, len(sentences))
        mentions = index.find(tokens)
        names = find_names(
            tokens, mentions, index, new, sentence.text, capitalised_inside
        )
        found_all = sorted([*mentions, *names], key=lambda m: m.first)
        analysed.append((tokens, found_all))
        mentions = _without_descriptions(tokens, found_all)
        pronoun = _pronoun(tokens, mentions)
        if pronoun is not None and (antecedent := _antecedent(earlier)) is not None:
            mentions = sorted(
                [*mentions, Mention(antecedent, pronoun, pronoun)],
                key=lambda m: m.first,
            )
        earlier.append([m for m in mentions if m.first != pronoun])
        agencies = [m for m in mentions if m.actor.kind == Actor.Kind.MEDIA]
        mentions = [m for m in mentions if m.actor.kind != Actor.Kind.MEDIA]
        result.agencies += [m.actor.name for m in agencies if m.actor.name not in result.agencies]
        norm = " ".join(t.norm for t in tokens)
        # "will speak ... on Tuesday, the White House announced": the tense of the main clause
        main = main_clause(sentence.text)
        ahead = looks_ahead(main)
        found = find_dates(sentence.text, article.published, article.lang, future=ahead)
        if not found:
            continue
        date = next((m for m in found if m.ok), found[0])
        if not ahead and present_for_future(sentence.text, date, article.lang):
            # "Donderdag bezoekt hij": read the weekday forwards, the event as ahead.
            ahead = True
            found = find_dates(sentence.text, article.published, article.lang, future=True)
            date = next((m for m in found if m.ok), found[0])
        past = ahead and past_for_date(sentence.text, date, article.lang)
        if past:
            # "sent a letter on Tuesday proposing talks next month": the sending is past.
            ahead = False
            found = find_dates(sentence.text, article.published, article.lang)
            date = next((m for m in found if m.ok), found[0])
        guessed, from_cue = guess_type(norm, main, norm_title, article.lang)
        speaker = find_speaker(tokens, mentions, norm)
        if guessed in ACTS:
            # A meeting "in Moscow" or "at the White House" is not between those; a call the
            # White House announced is not the White House's.
            mentions = [m for m in mentions if not _is_place(tokens, m)]
            if speaker is not None and speaker.kind != Actor.Kind.PERSON:
                mentions = [m for m in mentions if m.actor is not speaker]
            # "Pashinyan sent a letter to Aliyev, his spokeswoman X said": who reports an act
            # the main clause names its parties for is the source, not a party.
            cut = _attribution_start(sentence.text)
            if cut is not None and any(m.last < cut for m in mentions):
                mentions = [m for m in mentions if m.last < cut]
                if speaker is not None and all(m.actor is not speaker for m in mentions):
                    speaker = None
        # "munitie voor Oekraïne", "aid for Ukraine": who it is for is not who took part; what
        # it is about ("over Oekraïne") neither.
        mentions = [
            m for m in mentions if not (_is_beneficiary(tokens, m) or _is_topic(tokens, m))
        ]
        cast: dict[str, tuple[Actor | NewActor, str]] = {}
        for mention in mentions:
            role = (
                Participation.Role.SPEAKER
                if mention.actor is speaker
                else Participation.Role.MENTIONED
            )
            cast.setdefault(mention.actor.slug, (mention.actor, role))
        cast_list = list(cast.values())
        type_slug = known_type(guessed, known_types)
        if type_slug is None:
            type_slug, from_cue = FALLBACK_TYPE, False
        if date.ok:
            edtf, part = date.result.edtf, date.result.part_of_day
        else:
            edtf, part = article.published.edtf, ""
        result.items.append(
            Proposal(
                sentence=sentence,
                slug=f"{source_slug}-zin-{sentence.index}",
                title=shorten(sentence.text.rstrip(".!?"), 80),
                date=date,
                edtf=edtf,
                part_of_day=part,
                status=guess_status(
                    date,
                    article.published,
                    main,
                    ahead=ahead,
                    past=past,
                    hedged=hedge_scope(sentence.text, date),
                ),
                type_slug=type_slug,
                type_from_cue=from_cue,
                actors=cast_list,
                confidence=_confidence(date, cast_list, from_cue),
                attribution=", ".join(dict.fromkeys(m.actor.name for m in agencies)),
                place=places.find(sentence.text),
            )
        )
    result.candidates = candidate_names(analysed)
    _mark_existing(result.items, source_slug)
    _mark_known_events(result.items, source_slug)
    return result


INGEST_REASON = "ingest "  # how history entries written by this module begin


def _mark_existing(items: list[Proposal], source_slug: str) -> None:
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
        .prefetch_related("participations", "citations__source")
    )
    by_slug = {e.slug: e for e in events}
    by_pk = {e.pk: e for e in events}
    history = Event.history.filter(id__in=list(by_pk))
    by_ingest = set(
        history.filter(history_change_reason__startswith=INGEST_REASON).values_list(
            "id", flat=True
        )
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
            (
                by_pk[pk]
                for pk in sorted(pks_by_slug.get(proposal.slug, ()))
                if pk in by_pk
            ),
            None,
        )
        if event is None:
            if proposal.slug in pks_by_slug:
                proposal.existing = "rejected"
            continue
        proposal.event = event
        # Once another article is cited too (a merge), this one no longer speaks for it alone.
        alone = all(c.source.slug == source_slug for c in event.citations.all())
        untouched = event.pk in by_ingest and event.pk not in by_others and alone
        proposal.existing = (
            "refresh" if untouched and _differs(proposal, event) else "known"
        )


def _main_participants(cast: Cast) -> frozenset[str]:
    """Who an event is between: its people but the one reporting it, else everyone."""
    people = [(a, r) for a, r in cast if a.kind == Actor.Kind.PERSON]
    main = [a for a, r in people if r != Participation.Role.SPEAKER] or [
        a for a, _ in people
    ]
    return frozenset(a.slug for a in (main or [a for a, _ in cast]))


def _same_participants(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and (
        a == b or (min(len(a), len(b)) >= 2 and (a <= b or b <= a))
    )


def _same_kind(ours: str, theirs: str) -> bool:
    """The same type, or a generic conversation ("talks") and a specific one (a call)."""
    kinds = {ours, theirs}
    return len(kinds) == 1 or (
        GENERIC_CONVERSATION in kinds and bool(kinds & set(CONVERSATIONS))
    )


def _overlaps(
    a: tuple[dt.date, dt.date | None], b: tuple[dt.date, dt.date | None]
) -> bool:
    return a[0] <= (b[1] or dt.date.max) and b[0] <= (a[1] or dt.date.max)


def _mark_known_events(items: list[Proposal], source_slug: str) -> None:
    """A new proposal for what an event already records (overlapping dates, the same main
    participants, the same kind; drafts included) adds this source and quote to that event
    rather than making a duplicate; if that event cites this source already, nothing is new.
    The article's own drafts are no match: they are found by slug (`_mark_existing`)."""
    fresh = [p for p in items if p.existing == ""]
    if not fresh:
        return
    low = min(p.bounds[0] for p in fresh)
    high = max(p.bounds[1] or dt.date.max for p in fresh)
    events = list(
        Event.objects.exclude(slug__startswith=f"{source_slug}-zin-")
        .filter(start__lte=high)
        .filter(Q(end__gte=low) | Q(end__isnull=True))
        .select_related("type")
        .prefetch_related("participations__actor", "citations__source")
        .order_by("start", "pk")
    )
    for proposal in fresh:
        ours = _main_participants(proposal.actors)
        for event in events:
            theirs = _main_participants(
                [(p.actor, p.role) for p in event.participations.all()]
            )
            if (
                _overlaps(proposal.bounds, (event.start, event.end))
                and _same_kind(proposal.type_slug, event.type.slug)
                and _same_participants(ours, theirs)
            ):
                proposal.event = event
                cited = any(c.source.slug == source_slug for c in event.citations.all())
                proposal.existing = "cited" if cited else "merge"
                break


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
