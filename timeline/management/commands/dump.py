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

The file holds password hashes: keep backups as private as the database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

BACKUP_DIR = Path(settings.BASE_DIR) / "backups"
# Users before the timeline app: history rows refer to their editors by username.
LABELS = ["auth.group", "auth.user", "timeline"]


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
        path.parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata",
            *LABELS,
            natural_foreign=True,
            # The data version and its change log are the running processes' business, not
            # part of the data.
            exclude=["timeline.dataversion", "timeline.change"],
            indent=2,
            database=database,
            output=str(path),
            verbosity=0,
        )
        if options["verbosity"] >= 1:
            self.stdout.write(str(path))
