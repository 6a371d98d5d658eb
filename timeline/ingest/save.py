"""Saving: the source and the drafts, all or nothing, never overwriting an editor's hand."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from timeline.geo import gazetteer
from timeline.ingest.article import Article, IngestError
from timeline.ingest.cues import FALLBACK_TYPE
from timeline.ingest.mentions import NewActor
from timeline.ingest.propose import Proposal, Proposals
from timeline.models import Actor, Citation, Event, EventType, Place, Source, Timeline


@dataclass
class SaveReport:
    source: Source
    source_created: bool
    source_changes: list[str]
    created: list[Event]
    refreshed: list[Event]
    merged: list[Event]  # known events this source was added to
    actors: list[Actor]  # new actors


def save_proposals(
    proposals: Proposals,
    *,
    source_slug: str | None = None,
    outlet: str | None = None,
    timeline: Timeline | None = None,
    published_given: bool = False,
    keep: Container[int] | None = None,
) -> SaveReport:
    """Create or update the source and the drafts, all or nothing.

    A draft that exists is left exactly as it is once anyone but ingest saved it; one that only
    ingest ever wrote is brought up to date (for instance with the day --published resolves).
    A draft that was deleted is not brought back. A proposal a known event already records adds
    this source to it. `keep`, if given, holds the sentence numbers to save (the admin's ticks).
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
            article, source_slug or article.slug, outlet, published_given, reason,
            proposals.agencies,
        )
        created_events, refreshed, merged = [], [], []
        saved_actors: dict[int, Actor] = {}
        for proposal in proposals.items:
            if keep is not None and proposal.sentence.index not in keep:
                continue
            if proposal.existing == "merge":
                _add_source(proposal, source, reason)
                merged.append(proposal.event)
                continue
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
            if proposal.place is not None and event.place_id is None:
                place = proposal.place
                event.place = place if isinstance(place, Place) else gazetteer.add(place)[0]
            event._change_reason = (
                reason if proposal.event is None else f"{reason} (bijgewerkt)"
            )
            if proposal.event is not None and not event.claim_version(event.version):
                raise IngestError(f"‘{event.slug}’ is intussen door iemand anders gewijzigd")
            event.save()
            if timeline is not None:
                event.timelines.add(timeline)
            _save_citation(event, source, proposal.sentence.text, event._change_reason)
            try:  # a draft is new or ingest's own; one an editor published keeps its quote
                event.require_source()
            except ValidationError as exc:
                raise IngestError(f"‘{event.slug}’: {' '.join(exc.messages)}") from exc
            cast = [
                (_saved_actor(actor, saved_actors, reason), role)
                for actor, role in proposal.actors
            ]
            event.set_participants(cast, event._change_reason)
            (refreshed if proposal.event is not None else created_events).append(event)
    return SaveReport(
        source,
        created,
        changes,
        created_events,
        refreshed,
        merged,
        list(saved_actors.values()),
    )


def _saved_actor(
    actor: Actor | NewActor, saved: dict[int, Actor], reason: str
) -> Actor:
    """A known actor as it is; a new one created once per run, with its guessed kind, function
    and affiliation, its history saying which article proposed it."""
    if not isinstance(actor, NewActor):
        return actor
    if id(actor) not in saved:
        created = Actor(
            slug=actor.slug,
            name=actor.name[:200],
            kind=actor.kind,
            function=actor.function,
            affiliation=actor.affiliation,
            reviewed=False,  # guessed: new until an editor has looked at it
        )
        created._change_reason = reason
        created.save()
        saved[id(actor)] = created
    return saved[id(actor)]


def _add_source(proposal: Proposal, source: Source, reason: str) -> None:
    """Cite this source (and its sentence) on the event it reports, after its other citations;
    scheduled or expected becomes occurred when this article says it happened."""
    event = proposal.event
    last = (
        event.citations.order_by("-position").values_list("position", flat=True).first()
    )
    citation = Citation(
        event=event,
        source=source,
        quote=proposal.sentence.text,
        position=(last or 0) + 1,
    )
    citation._change_reason = f"{reason} (bron toegevoegd)"
    citation.save()
    if proposal.becomes_occurred:
        if not event.claim_version(event.version):
            raise IngestError(f"‘{event.slug}’ is intussen door iemand anders gewijzigd")
        event.status = Event.Status.OCCURRED
        event._change_reason = f"{reason} (gebeurd volgens {source.slug})"
        event.save()


def _save_citation(event: Event, source: Source, quote: str, reason: str) -> None:
    citation = event.citations.filter(position=1).first()
    if citation is not None and (citation.source_id, citation.quote) == (
        source.pk,
        quote,
    ):
        return
    citation = citation or Citation(event=event, position=1)
    citation.source = source
    citation.quote = quote
    citation._change_reason = reason
    citation.save()


def _save_source(
    article: Article,
    slug: str,
    outlet: str | None,
    published_given: bool,
    reason: str,
    agencies: list[str],
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
            attribution=", ".join(agencies)[:200],
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
    # Agencies are added to those an editor gave, never taken away.
    given = [a.strip() for a in source.attribution.split(",") if a.strip()]
    attribution = ", ".join([*given, *(a for a in agencies if a not in given)])[:200]
    if attribution != source.attribution:
        changes.append(f"via persbureau {source.attribution!r} → {attribution!r}")
        source.attribution = attribution
    if changes:
        source._change_reason = reason
        source.save()
    return source, False, changes


def same_text_sources(article: Article, slug: str) -> list[str]:
    """Other sources holding this very article, so that an editor can spot a duplicate."""
    return list(
        Source.objects.filter(text=article.text)
        .exclude(slug=slug)
        .values_list("slug", flat=True)
    )
