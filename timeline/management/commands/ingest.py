"""Propose draft events from a news article.

    python manage.py ingest seeds/000_bae980836788e67f.txt --published 2022-01-28 --dry-run

Reads the article (the seed format with its ` date YYYY-MM[-DD] ` header, or plain text or
Markdown dated by --published), creates or updates its Source and proposes one unpublished
draft event per sentence that holds a date expression, citing that sentence. Running it again
creates nothing new: drafts someone else has saved or deleted are left alone, drafts only
ingest wrote are brought up to date. See `timeline/ingest/` for how dates, actors, types and
statuses are found.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from timeline import ingest
from timeline.models import Event, EventType, Timeline

SENTENCE_WIDTH = 60
STATE = {"": "nieuw", "known": "bekend", "refresh": "bijwerken", "rejected": "verworpen",
         "merge": "bron erbij", "cited": "bekend"}  # fmt: skip
ROLES = {"speaker": "spreker"}


class Command(BaseCommand):
    help = (
        "Propose draft (unpublished) events from a news article in seeds/: one per sentence "
        "with a date, citing the sentence. Idempotent; --dry-run prints the proposals and "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            metavar="FILE",
            nargs="+",
            help="the article(s): seed format, .txt or .md; several are ingested in order",
        )
        parser.add_argument(
            "--published",
            metavar="YYYY-MM-DD",
            help="the day the article was published; needed to resolve 'woensdag' or "
            "'vanmorgen' when the file gives only a month, or no date at all",
        )
        parser.add_argument(
            "--timeline", metavar="SLUG", help="put the drafts on this timeline too"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the proposals as a table and change nothing",
        )
        parser.add_argument(
            "--source",
            metavar="SLUG",
            help="use (or create) the source with this slug instead of one named after the file",
        )
        parser.add_argument("--outlet", help="the outlet (medium) that published the article")
        parser.add_argument(
            "--lang", choices=["nl", "en"], help="the article's language (default: detected)"
        )
        parser.add_argument(
            "--format",
            choices=["table", "json"],
            default="table",
            help="json: one JSON object per proposal on standard output (messages go to "
            "standard error)",
        )

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        self.json = options["format"] == "json"
        # In JSON mode standard output holds only the proposals; everything else is a message.
        self.say = self.stderr if self.json else self.stdout
        if options["source"] and len(options["paths"]) > 1:
            raise CommandError("--source geldt voor één bestand; geef er één")
        timeline = None
        if options["timeline"]:
            timeline = Timeline.objects.filter(slug=options["timeline"]).first()
            if timeline is None:
                known = ", ".join(Timeline.objects.values_list("slug", flat=True)) or "geen"
                raise CommandError(
                    f"onbekende tijdlijn {options['timeline']!r} (bekend: {known})"
                )
        if not EventType.objects.exists():
            raise CommandError(
                "er zijn nog geen soorten gebeurtenis in de database; laad ze eerst "
                "(manage.py loaddata seed)"
            )
        for path in options["paths"]:
            self._ingest(path, options, timeline)

    def _ingest(self, path: str, options: dict, timeline: Timeline | None) -> None:
        try:
            article = ingest.read_article(path, options["published"], options["lang"])
        except ingest.IngestError as exc:
            raise CommandError(str(exc)) from exc
        source_slug = options["source"] or article.slug
        if slugify(source_slug) != source_slug or len(source_slug) > 50:
            raise CommandError(f"--source {source_slug!r} is geen geldige slug")

        proposals = ingest.propose(article, source_slug=source_slug, progress=self._progress)
        self._explain_month_only(proposals)
        if not self.json:
            self._print_table(proposals)

        if options["dry_run"]:
            self.say.write("Proefdraai (--dry-run): niets opgeslagen.")
        else:
            try:
                report = ingest.save_proposals(
                    proposals,
                    source_slug=source_slug,
                    outlet=options["outlet"],
                    timeline=timeline,
                    published_given=options["published"] is not None,
                )
            except ingest.IngestError as exc:
                raise CommandError(str(exc)) from exc
            self._print_source(report)
        if self.json:
            for proposal in proposals.items:
                self.stdout.write(json.dumps(proposal.as_dict(), ensure_ascii=False))
        duplicates = ingest.same_text_sources(article, source_slug)
        if duplicates:
            self.say.write(
                self.style.WARNING(
                    f"Let op: bron {', '.join(duplicates)} heeft dezelfde tekst; koppel de "
                    f"voorstellen daaraan met --source {duplicates[0]}."
                )
            )
        self.say.write(self._summary(proposals))

    # ---------------------------------------------------------------- output

    def _progress(self, done: int, total: int) -> None:
        if self.stderr.isatty():
            self.stderr.write(f"\rzin {done}/{total}", ending="" if done < total else "\n")
        elif self.verbosity >= 2 and (done % 10 == 0 or done == total):
            self.stderr.write(f"zin {done}/{total}")

    def _explain_month_only(self, proposals: ingest.Proposals) -> None:
        published = proposals.article.published
        if published.precision == "day":
            return
        phrases = proposals.relative_unresolved
        examples = ", ".join(f"'{p}'" for p in phrases[:3]) if phrases else "'woensdag'"
        what = "een maand" if published.precision == "month" else "een jaar"
        self.say.write(
            self.style.WARNING(
                f"De bron heeft alleen {what} ({published.edtf}); relatieve datums zoals "
                f"{examples} blijven onopgelost. Geef --published JJJJ-MM-DD."
            )
        )

    def _print_table(self, proposals: ingest.Proposals) -> None:
        if not proposals.items:
            return
        lang = proposals.article.lang
        header = ["", "#", "datum in tekst", "EDTF", "datum", "status", "soort", "deelnemers",
                  "zekerheid", "zin"]  # fmt: skip
        rows = []
        for p in proposals.items:
            actors = ", ".join(
                (f"{actor.slug}*" if actor.pk is None else actor.slug)
                + (f" ({ROLES[role]})" if role in ROLES else "")
                for actor, role in p.actors
            )
            if p.attribution:
                actors += f" (via {p.attribution})"
            rows.append(
                [
                    STATE[p.existing] + (f" → {p.event.slug}" if p.existing == "merge" else ""),
                    str(p.sentence.index),
                    p.date.phrase,
                    p.edtf,
                    p.date_label(lang) if p.date.ok else "onopgelost",
                    str(Event.Status(p.status).label),
                    p.type_slug if p.type_from_cue else f"{p.type_slug}?",
                    actors or "-",
                    f"{p.confidence:.2f}",
                    ingest.shorten(p.sentence.text, SENTENCE_WIDTH),
                ]
            )
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        right = {1, 8}  # numbers

        def line(cells: list[str]) -> str:
            return "  ".join(
                cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                for i, cell in enumerate(cells)
            ).rstrip()

        self.stdout.write(line(header))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line(row))

    def _print_source(self, report: ingest.SaveReport) -> None:
        source = report.source
        state = "nieuw" if report.source_created else "bestaand"
        self.say.write(
            f"Bron {source.slug} ({state}): {source.outlet}, gepubliceerd "
            f"{source.published_on.isoformat()} ({source.get_published_precision_display()})"
        )
        for change in report.source_changes:
            self.say.write(f"  bijgewerkt: {change}")
        for actor in report.actors:
            self.say.write(f"  nieuwe actor: {actor.slug} ({actor.name}, {actor.kind})")

    def _summary(self, proposals: ingest.Proposals) -> str:
        items = proposals.items
        new = sum(1 for p in items if not p.existing)
        known = sum(1 for p in items if p.existing == "known")
        refresh = sum(1 for p in items if p.existing == "refresh")
        rejected = sum(1 for p in items if p.existing == "rejected")
        merged = sum(1 for p in items if p.existing == "merge")
        known += sum(1 for p in items if p.existing == "cited")
        counts = f"{new} nieuw, {known} al bekend"
        if merged:
            counts += f", {merged} als bron bij een bekende gebeurtenis"
        if refresh:
            counts += f", {refresh} bijgewerkt"
        if rejected:
            counts += f", {rejected} eerder verwijderd (niet opnieuw aangemaakt)"
        candidates = ", ".join(proposals.candidates) or "geen"
        actors = ", ".join(f"{a.name} ({a.kind})" for a in proposals.new_actors) or "geen"
        via = f"; via persbureau: {proposals.attribution}" if proposals.agencies else ""
        return (
            f"{len(items)} voorstellen ({counts}) uit {proposals.sentence_count} zinnen, "
            f"kandidaat-deelnemers: {candidates}; nieuwe actoren (*): {actors}{via}"
        )
