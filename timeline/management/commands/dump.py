"""Back up the database as one JSON fixture: `make dump`, restored with `make restore FILE=...`.

    python manage.py dump                      # backups/timeline-YYYYMMDD-HHMMSS.json
    python manage.py dump --output my.json

What is in it: every row of the timeline app *including its audit history* (the historical
tables of django-simple-history: who changed what, and the versions an editor can restore),
the users the history names and the groups with their permissions. Left out: what Django
rebuilds itself (content types, permissions, sessions), the admin's own log (the audit history
replaces it) and django-axes' login attempts.

Foreign keys are written as natural keys (slugs, usernames, permission codenames), so that the
file does not depend on the row ids of content types and permissions in the target database.
Primary keys are kept, because a history row points at its event by id: restored into an
empty database, every history entry stays attached to its row, and a dump of the restored
database is byte-for-byte the dump it came from.

A history row may point at a row that is gone (a participant removed, then the actor deleted):
it is written with the id it holds, as the database holds it, and the command says how many it
kept. The file holds password hashes, so it is written owner-only (0600), first to a temporary
file beside it that is renamed into place when complete: a dump that fails leaves no file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand, CommandParser
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import router

from timeline.models import Change, DataVersion

BACKUP_DIR = Path(settings.BASE_DIR) / "backups"
PROCESS_STATE = (DataVersion, Change)


def backup_models() -> list:
    """What a backup holds, in an order that loads: users before the history naming them. The
    data version and its change log are the running processes' business, not the data."""
    chosen = [
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "User"),
        *(m for m in apps.get_app_config("timeline").get_models() if m not in PROCESS_STATE),
    ]
    return serializers.sort_dependencies([(None, chosen)], allow_cycles=True)


def natural_keys(model, using: str) -> dict:
    """{primary key: natural key} of every row of this model, in one query."""
    rows = model._base_manager.using(using).all()
    return {row.pk: row.natural_key() for row in rows.iterator(2000)}


class BackupSerializer(JSONSerializer):
    """Django's JSON serializer, with each referenced model's natural keys read once (not once
    per row), and a reference to a row that no longer exists written as its id."""

    def __init__(self, using: str):
        super().__init__()
        self.using = using
        self._keys: dict[type, dict] = {}
        self.kept: Counter[str] = Counter()  # "historical participation → actor": dangling refs

    def _resolve_fk_natural_key(self, obj, field):
        related = field.remote_field.model
        if not self._model_supports_natural_key(related):
            return None
        pk = getattr(obj, field.attname)
        if pk is None:
            return None
        if related not in self._keys:
            self._keys[related] = natural_keys(related, self.using)
        key = self._keys[related].get(pk)
        if key is None:
            self.kept[f"{obj._meta.verbose_name} → {related._meta.verbose_name} {pk}"] += 1
        return key  # None: Django writes the id itself


def _rows(using: str):
    for model in backup_models():
        if model._meta.proxy or not router.allow_migrate_model(using, model):
            continue
        many = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
        rows = model._base_manager.using(using).order_by(model._meta.pk.name)
        yield from rows.prefetch_related(*many).iterator(2000)


class Command(BaseCommand):
    help = (
        "Write a backup of the timeline (with its audit history, users and groups) to "
        "backups/timeline-YYYYMMDD-HHMMSS.json, or to --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", metavar="FILE", help="where to write the backup")
        parser.add_argument("--database", default="default", help="the database to dump")

    def handle(self, *args, output: str | None, database: str, **options) -> None:
        if output:
            path = Path(output)
        else:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = BACKUP_DIR / f"timeline-{stamp}.json"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        serializer = BackupSerializer(database)
        # mkstemp creates the file readable by its owner only.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                serializer.serialize(
                    _rows(database), indent=2, use_natural_foreign_keys=True, stream=stream
                )
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        if serializer.kept:
            listed = "; ".join(f"{ref} ({n}x)" for ref, n in sorted(serializer.kept.items()))
            self.stderr.write(
                f"{sum(serializer.kept.values())} verwijzing(en) in de historie naar rijen die "
                f"niet meer bestaan, met hun id bewaard: {listed}"
            )
        if options["verbosity"] >= 1:
            self.stdout.write(str(path))
