"""Resolve date phrases the way the admin and the ingest command do, from a shell.

    python manage.py parse_date --base 2022-01-28 --lang nl vanmorgen woensdag "eerder deze week"

One JSON object per phrase per line: {"phrase", "edtf", "start", "end", "part_of_day"}, or
{"phrase", "error"} for a phrase that could not be placed. The exit status is 1 when any phrase
could not be resolved (after every line has been printed).
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.dates import resolve


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--base {value!r} is geen datum; gebruik YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Resolve date phrases ('woensdag', 'eerder deze week', '24-27 jan') against a base date "
        "and print one JSON object per phrase."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phrases", nargs="+", metavar="PHRASE")
        parser.add_argument(
            "--base",
            help="the source's publication date, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--lang", choices=["nl", "en"], help="language of the phrases (default: detected)"
        )
        parser.add_argument(
            "--future",
            action="store_true",
            help="the events lie ahead (scheduled or expected): read weekdays forwards",
        )

    def handle(self, *args, phrases: list[str], base: str | None, lang: str | None,
               future: bool, **options) -> None:  # fmt: skip
        base_date = _iso_date(base) if base else dt.date.today()
        failed = 0
        for phrase in phrases:
            result = resolve(phrase, base_date, lang, future=future)
            failed += not result.ok
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        if failed:
            self.stdout.flush()
            raise CommandError(
                f"{failed} van {len(phrases)} zinnen niet herkend als datum", returncode=1
            )
