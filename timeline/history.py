"""One version = the whole event: its own fields, its participations and its citations.

The audit history is django-simple-history's, a table per model. An admin save writes the
event's record first and then those of the rows it changed inline, so the rows of one version
are the participation and citation records made from the event's record up to (not including)
the event's next record. That reading needs no new column: every version saved before this
module existed reads the same way, and so does a spreadsheet import or an ingest, which save the
event before its rows too.

- `versions_with_rows(records)` puts on each event record the changes of its rows, in words.
- `restore_rows(event, record)` makes the event's participations and citations exactly what they
  were in that version (the revert of the event's own fields is simple-history's).
- `record_in_bulk(pks, …)` writes a version of each of many events as they now stand (a bulk
  action's), in one statement per batch.
- `HistoryWords` writes a field's change in the editor's language: a choice's label, "ja"/"nee",
  a related row's name, "—" for nothing, never the stored value ("occurred", "True").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connections
from django.db.models import BooleanField, ForeignKey, Model
from django.template.defaultfilters import yesno
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.template_utils import HistoricalRecordContextHelper

from timeline import i18n
from timeline.models import Citation, Event, Participation

# The fields that make a row what it is; the event's own key is the same in every version.
ROW_FIELDS = {Participation: ("actor_id", "role"), Citation: ("source_id", "position", "quote")}
EMPTY = "—"


def word(field, value) -> str:
    """A stored value as the editor reads it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(field, BooleanField):
        return yesno(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, ForeignKey) and not isinstance(value, Model):
        found = field.related_model._default_manager.filter(pk=value).first()
        return str(found) if found else str(value)
    return str(value)


class HistoryWords(HistoricalRecordContextHelper):
    """simple-history's diff of two records, its values in words."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return ", ".join(str(item) for item in super().prepare_delta_change_value(change, value))
        return word(field, value)


def _rows_at(model: type[Model], event_id: int, before) -> dict[int, Model]:
    """The model's rows of this event as they were just before `before` (None: now), by pk, as
    unsaved instances built from their history records.

    A row loaded before history was kept (`loaddata` writes no records) has existed all along:
    with no record at all it is taken as it is now; when its first record came after `before`
    and is a change or a deletion, as that record has it (exact for a deletion; a change is
    the closest the history knows)."""
    records: dict[int, list] = {}
    for record in model.history.filter(event_id=event_id).order_by("history_date", "history_id"):
        records.setdefault(record.id, []).append(record)
    rows = {row.pk: row for row in model.objects.filter(event_id=event_id) if row.pk not in records}
    for pk, history in records.items():
        earlier = [r for r in history if before is None or r.history_date < before]
        if earlier:
            if earlier[-1].history_type != "-":
                rows[pk] = earlier[-1].instance
        elif history[0].history_type != "+":
            rows[pk] = history[0].instance
    return rows


def keep_baseline(row: Model, using: str) -> None:
    """Before a participation or citation that has no history yet (a fixture load writes none)
    is changed or deleted: record it as it is, dated just before its event's first version, so
    that every version of the event can be given back exactly."""
    if row.pk is None or row._state.adding:
        return
    model = type(row)
    if model.history.using(using).filter(id=row.pk).exists():
        return
    stored = model.objects.using(using).filter(pk=row.pk).first()
    if stored is None:
        return
    first = Event.history.using(using).filter(id=stored.event_id).order_by("history_date").first()
    when = (first.history_date if first else timezone.now()) - dt.timedelta(microseconds=1)
    model.history.using(using).create(
        **{f.attname: getattr(stored, f.attname) for f in model._meta.concrete_fields},
        history_date=when,
        history_type="+",
        history_change_reason=_("zoals het was voordat de geschiedenis begon"),
    )


def next_record_date(record):
    """When the version after this one began, or None for the current version."""
    later = record.instance_type.history.filter(
        id=record.id, history_date__gt=record.history_date
    ).order_by("history_date", "history_id")
    following = later.first()
    return following.history_date if following else None


def restore_rows(event: Event, record, reason: str) -> None:
    """Make the event's participations and citations exactly what they were in the version
    `record` (one of the event's history records). Rows deleted since come back with their old
    key; each change is recorded with `reason`, so the revert is a version of its own."""
    before = next_record_date(record)
    for model, names in ROW_FIELDS.items():
        wanted = _rows_at(model, event.pk, before)
        current = {row.pk: row for row in model.objects.filter(event=event)}
        # Deletions first: a row that comes back may have the same (event, actor, role) as one
        # that goes.
        for pk, row in current.items():
            old = wanted.get(pk)
            if old is None or any(getattr(old, n) != getattr(row, n) for n in names):
                row._change_reason = reason
                row.delete()
        for pk, old in wanted.items():
            row = current.get(pk)
            if row is not None and all(getattr(old, n) == getattr(row, n) for n in names):
                continue
            old.event = event
            old._change_reason = reason
            old.save(force_insert=True)


def _row_sentence(record, kind: str) -> str:
    row = record.instance
    if isinstance(row, Participation):
        what = f"{i18n.actor_name(row.actor)} ({row.get_role_display()})"
    else:
        what = f"{row.source.outlet}: “{row.quote}”"
    if record.history_type == "+":
        return _("%(kind)s toegevoegd: %(what)s") % {"kind": kind, "what": what}
    if record.history_type == "-":
        return _("%(kind)s verwijderd: %(what)s") % {"kind": kind, "what": what}
    previous = record.prev_record
    if previous is None:
        return _("%(kind)s gewijzigd: %(what)s") % {"kind": kind, "what": what}
    helper = HistoryWords(type(row), record)
    changes = [helper.format_delta_change(c) for c in record.diff_against(previous).changes]
    words = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in changes)
    return _("%(kind)s %(what)s gewijzigd: %(changes)s") % {
        "kind": kind, "what": what, "changes": words,
    }  # fmt: skip


def versions_with_rows(records: Sequence) -> None:
    """Give each of these event records (newest first, as the history page lists them) a
    `row_changes` list: what its version changed in the event's participations and citations,
    in words. One query per model for the whole page."""
    if not records:
        return
    event_id = records[0].id
    bounds = [(r, next_record_date(r) if i == 0 else records[i - 1].history_date)
              for i, r in enumerate(records)]  # fmt: skip
    oldest = records[-1].history_date
    for record in records:
        record.row_changes = []
    kinds = ((Participation, Participation._meta.verbose_name), (Citation, Citation._meta.verbose_name))
    for model, kind in kinds:
        related = model.history.filter(event_id=event_id, history_date__gte=oldest)
        for row in related.select_related("history_user").order_by("history_date", "history_id"):
            for record, until in bounds:
                if row.history_date >= record.history_date and (until is None or row.history_date < until):
                    record.row_changes.append(_row_sentence(row, str(kind).capitalize()))
                    break



def record_in_bulk(pks: Sequence[int], *, user, reason: str, using: str) -> None:
    """A change record ("~") for each of these events as it now stands, by `user` for `reason`:
    what simple-history's `bulk_history_create` writes, as one INSERT … SELECT (a few hundred
    keys at a time). Building a model instance per event and per record, as that does, cost
    some 0.5 ms an event here: nearly a minute for 100,000 selected across the admin's pages,
    beyond any request's time."""
    if not pks:
        return
    connection = connections[using]
    qn = connection.ops.quote_name
    record, event = Event.history.model._meta, Event._meta
    fields = Event.history.model.tracked_fields
    into = ", ".join(qn(record.get_field(f.name).column) for f in fields)
    values = ", ".join(qn(event.get_field(f.name).column) for f in fields)
    keys = ", ".join(["%s"] * len(pks))
    extra = ("history_date", "history_change_reason", "history_type", "history_user")
    extra_columns = ", ".join(qn(record.get_field(name).column) for name in extra)
    sql = (
        f"INSERT INTO {qn(record.db_table)} ({into}, {extra_columns}) "
        f"SELECT {values}, %s, %s, %s, %s FROM {qn(event.db_table)} "
        f"WHERE {qn(event.pk.column)} IN ({keys})"
    )
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [when, reason, "~", getattr(user, "pk", None), *pks])
