"""The change hub: every receiver that keeps derived state honest, and what a change sets off.

However a row is written (the admin with its inlines, code, an import, a fixture load), the
signals below note which events it touches. Once per transaction, when it commits
(`transaction.on_commit`), the hub then, for those events together:

1. derives their search text again (title, summary, place, quotes, participants' names and
   aliases), in a few queries for all of them;
2. advances the data version (`DataVersion`) and writes a `Change` row per event under the new
   number, both in one transaction, so that every process applies exactly those events to its
   in-memory index (`timeline.query.index`) on its next request; a bulk change (more than
   `BULK_EVENTS` events, `generate_demo`) is one "all" row instead: one rebuild. The public
   page cache keys on that version (`timeline.cache`), so this drops it too, in every process.

Saving an event with five participations and three citations in the admin is then one search
text refresh and one version, not nine of each.

Django's `loaddata` saves rows "raw" (no `save()` override runs) but sends these signals, so the
EDTF bounds are derived here, before the row is written (they are NOT NULL), and the search text
after the commit. A change made outside any transaction (autocommit) is flushed at once, as
`on_commit` runs its callback at once then.

A restore writes hundreds of thousands of rows into an empty database: noting each of them (and
the query per actor) cost more than the rows themselves. Inside `all_at_once()` nothing is noted
row by row; when the block ends, every event's search text is derived again in batches and the
change is one "all".
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from timeline import history, pictures
from timeline.models import (
    FORMER_SLUG_OWNERS,
    Actor,
    Alias,
    Change,
    Citation,
    Correction,
    DataVersion,
    Event,
    EventType,
    FormerSlug,
    Participation,
    Place,
    PlaceAlias,
    Source,
    Timeline,
)

# More events than this in one transaction (an import, a fixture load) are one "all" change: a
# process then rebuilds its index once instead of applying them one by one.
BULK_EVENTS = 1000
# Change rows kept for processes that are behind; one further behind rebuilds.
KEEP_VERSIONS = 10_000


@dataclass
class _Pending:
    """What the open transaction on one database connection has touched so far."""

    events: set[int] = field(default_factory=set)
    # Events only moved into or out of a timeline: the index learns of them, but their search
    # text (which no timeline is part of) stays as it is.
    members: set[int] = field(default_factory=set)
    names: bool = False  # actors or event types: what the index names its facets by
    everything: bool = False
    other: bool = False  # only what pages show beside the index (sources, timelines)

    def __bool__(self) -> bool:
        return bool(self.events or self.members) or self.names or self.everything or self.other


# Connections are per thread, and so are their transactions.
_local = threading.local()


def _pending(using: str) -> _Pending:
    per_db = _local.__dict__.setdefault("pending", {})
    return per_db.setdefault(using, _Pending())


def _held(using: str | None) -> bool:
    return (using or DEFAULT_DB_ALIAS) in _local.__dict__.get("held", ())


def _note(using: str | None, **what) -> None:
    using = using or DEFAULT_DB_ALIAS
    if _held(using):
        return
    pending = _pending(using)
    pending.events.update(what.pop("events", ()))
    pending.members.update(what.pop("members", ()))
    for name, value in what.items():
        setattr(pending, name, getattr(pending, name) or value)
    # One callback per note, each flushing whatever is pending (the later ones find nothing): a
    # savepoint rolled back takes its callbacks with it, never the transaction's last one.
    transaction.on_commit(lambda: flush(using), using=using)


def events_changed(event_ids, using: str | None = None) -> None:
    """These events were added, edited or removed in the current transaction."""
    _note(using, events=event_ids)


def everything_changed(using: str | None = None) -> None:
    """A bulk change (rows written without signals): every process rebuilds its index once."""
    _note(using, everything=True)


@contextmanager
def all_at_once(using: str = DEFAULT_DB_ALIAS):
    """Rows written inside this block (in the transaction that encloses it) are not noted one
    by one. If it ends without an error, the search text of every event is derived again, a
    batch at a time, and the transaction's change is one "all": one data version, one index
    rebuild in each process."""
    held = _local.__dict__.setdefault("held", set())
    if using in held:  # already inside one: the outer block does the work at its end
        yield
        return
    held.add(using)
    try:
        yield
    finally:
        held.discard(using)
    Event.objects.using(using).refresh_search_text()
    everything_changed(using)


def flush(using: str = DEFAULT_DB_ALIAS) -> None:
    """Apply what the committed transaction touched: search text, data version (and so the
    page cache)."""
    pending = _pending(using)
    if not pending:
        return
    _local.pending[using] = _Pending()
    with transaction.atomic(using=using):
        if pending.events:
            Event.objects.using(using).filter(pk__in=pending.events).refresh_search_text()
        token, number = DataVersion.advance(using)
        touched = pending.events | pending.members
        if pending.everything or len(touched) > BULK_EVENTS:
            rows = [Change(number=number, token=token, kind=Change.Kind.ALL)]
        else:
            rows = [
                Change(number=number, token=token, kind=Change.Kind.EVENT, event_id=pk)
                for pk in sorted(touched)
            ]
            if pending.names or not rows:
                rows.append(Change(number=number, token=token, kind=Change.Kind.NAMES))
        Change.objects.using(using).bulk_create(rows)
        if number % 100 == 0:  # now and then, not on every change
            Change.objects.using(using).filter(number__lt=number - KEEP_VERSIONS).delete()


# -- receivers ---------------------------------------------------------------------------------


@receiver(pre_save, sender=Event)
def derive_event_dates(sender, instance: Event, **kwargs) -> None:
    instance.derive_dates()


def event_changed(sender, instance: Event, using: str, **kwargs) -> None:
    events_changed([instance.pk], using)


# -- links that never break: a slug an event, actor or type had keeps leading to it ------------


def note_saved_values_before_save(sender, instance, raw: bool, using: str, **kwargs) -> None:
    # A row loaded from the database knows its slug (and an event its picture: `KeepsItsSlug`);
    # one built otherwise (a revert builds it from a history record) is asked, in one query.
    missing = [name for name in sender.REMEMBERED if f"saved_{name}" not in instance.__dict__]
    if raw or instance.pk is None or not missing:
        return
    saved = sender.objects.using(using).filter(pk=instance.pk).values(*missing).first() or {}
    for name in missing:
        setattr(instance, f"saved_{name}", saved.get(name))


def remember_former_slug(sender, instance, raw: bool, **kwargs) -> None:
    # A fixture load (raw) names rows by their slugs: it never renames one.
    old = getattr(instance, "saved_slug", None)
    if not raw and old and old != instance.slug:
        FormerSlug.remember(instance, old)
    instance.saved_slug = instance.slug


for _owner in FORMER_SLUG_OWNERS:
    pre_save.connect(
        note_saved_values_before_save, sender=_owner, dispatch_uid=f"saved-before-{_owner.__name__}"
    )
    post_save.connect(remember_former_slug, sender=_owner, dispatch_uid=f"former-slug-{_owner.__name__}")


def part_of_event_changed(sender, instance, using: str, **kwargs) -> None:
    events_changed([instance.event_id], using)


@receiver(pre_save, sender=Participation)
@receiver(pre_delete, sender=Participation)
@receiver(pre_save, sender=Citation)
@receiver(pre_delete, sender=Citation)
def part_of_event_changing(sender, instance, using: str, raw: bool = False, **kwargs) -> None:
    # A revert gives back the event with its rows; a row without history gets its baseline.
    if not raw:
        history.keep_baseline(instance, using)


def actor_changed(sender, instance, using: str, **kwargs) -> None:
    # The actor's name and aliases are in the search text of its events; its name and
    # affiliation are what the index's facets show and count by.
    if _held(using):
        return
    actor_id = instance.pk if sender is Actor else instance.actor_id
    event_ids = (
        Participation.objects.using(using).filter(actor_id=actor_id).values_list("event_id", flat=True)
    )
    _note(using, events=set(event_ids), names=sender is Actor)


def place_changed(sender, instance, using: str, **kwargs) -> None:
    # A place's names are in its events' search text; its name and point are what the map and
    # the place facet show (the index holds the places, as it holds the types).
    if _held(using):
        return
    place_id = instance.pk if sender is Place else instance.place_id
    event_ids = Event.objects.using(using).filter(place_id=place_id).values_list("pk", flat=True)
    _note(using, events=set(event_ids), names=True)


def event_type_changed(sender, instance, using: str, **kwargs) -> None:
    _note(using, names=True)


def shown_beside_the_index_changed(sender, instance, using: str, **kwargs) -> None:
    # Pages show sources and timelines, the index holds neither: a new version for the page
    # cache, nothing for the index to apply.
    _note(using, other=True)


# Who hears a save or a delete of which model (the receivers above and below are decorated).
SAVED_OR_DELETED = [
    (Event, event_changed),
    (Participation, part_of_event_changed),
    (Citation, part_of_event_changed),
    (Correction, part_of_event_changed),
    (Actor, actor_changed),
    (Alias, actor_changed),
    (EventType, event_type_changed),
    (Place, place_changed),
    (PlaceAlias, place_changed),
    (Source, shown_beside_the_index_changed),
    (Timeline, shown_beside_the_index_changed),
]
for _model, _handler in SAVED_OR_DELETED:
    post_save.connect(_handler, sender=_model)
    post_delete.connect(_handler, sender=_model)


# -- pictures: the storage holds what events show, nothing an editor took away ----------------


@receiver(post_save, sender=Event)
def free_replaced_picture(sender, instance: Event, raw: bool, using: str, **kwargs) -> None:
    # Its picture before the save: `note_saved_values_before_save` (above) made sure it is known.
    old, new = getattr(instance, "saved_picture", None), instance.picture.name or ""
    instance.saved_picture = new
    if not raw and old and old != new:
        transaction.on_commit(lambda: free_picture(old, using), using=using)


@receiver(post_delete, sender=Event)
def free_deleted_picture(sender, instance: Event, using: str, **kwargs) -> None:
    if name := instance.picture.name:
        transaction.on_commit(lambda: free_picture(name, using), using=using)


def free_picture(name: str, using: str) -> None:
    """Delete a picture's files unless an event still shows it (the names are the content's
    hash: two events may share one)."""
    if not Event.objects.using(using).filter(picture=name).exists():
        pictures.delete(name)


@receiver(pre_delete, sender=Timeline)
def timeline_deleting(sender, instance: Timeline, using: str, **kwargs) -> None:
    # Its memberships go with it by cascade, which sends no m2m signal: its events are noted
    # now, while they can still be found, so that the index learns which are in no timeline.
    _note(using, members=set(instance.events.using(using).values_list("pk", flat=True)))


@receiver(m2m_changed, sender=Event.timelines.through)
def event_timelines_changed(
    sender, instance, action: str, reverse: bool, pk_set, using: str, **kwargs
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        _note(using, members=[instance.pk])
    elif pk_set:
        _note(using, members=pk_set)
    else:  # a timeline's events cleared: which they were is gone by now
        everything_changed(using)
