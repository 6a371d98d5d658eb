"""Proposing: one draft event per dated sentence, and what earlier runs already made of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from timeline import dates
from timeline.ingest.article import Article, Sentence, shorten, split_sentences
from timeline.ingest.cues import (
    FALLBACK_TYPE,
    find_speaker,
    guess_status,
    guess_type,
    looks_ahead,
)
from timeline.ingest.mentions import (
    ActorIndex,
    DateMention,
    Mention,
    Token,
    candidate_names,
    find_dates,
    tokenize,
)
from timeline.models import Actor, Citation, Event, EventType, Participation


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
        return list(
            dict.fromkeys(p.date.phrase for p in self.items if p.date.depends_on_day)
        )


def _confidence(
    date: DateMention, actors: list[tuple[Actor, str]], from_cue: bool
) -> float:
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
                title=shorten(sentence.text.rstrip(".!?"), 80),
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
        untouched = event.pk in by_ingest and event.pk not in by_others
        proposal.existing = (
            "refresh" if untouched and _differs(proposal, event) else "known"
        )


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
