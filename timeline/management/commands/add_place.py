"""`manage.py add_place Kyiv [Genève ...]`: add cities from the gazetteer as places."""

from django.core.management.base import BaseCommand, CommandError

from timeline.geo import gazetteer


class Command(BaseCommand):
    help = "Voeg steden uit de gazetteer (GeoNames) toe als plaats, met coördinaten en andere namen."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="+", help="plaatsnamen, in elke spelling (Kyiv, Kiev, Genève)")

    def handle(self, *names, **options):
        missing = []
        for name in options["names"]:
            entry = gazetteer.lookup(name)
            if entry is None:
                missing.append(name)
                continue
            place, created = gazetteer.add(entry)
            state = "toegevoegd" if created else "bestond al"
            self.stdout.write(
                f"{place.slug}\t{place.name}\t{place.latitude:.4f},{place.longitude:.4f}\t{state}"
            )
        if missing:
            raise CommandError("Niet in de gazetteer: " + ", ".join(missing))
