"""Fill the database with a synthetic crisis, to try the site and measure it at scale.

    python manage.py generate_demo --events 100000 [--seed 8] [--clear]
    python manage.py generate_demo --events 0 --clear      # remove the demo data

Everything it makes is marked as demo data: slugs start with `demo-`, event titles with
"[demo]", the events belong to the timeline "demo" and cite the source "Demo-gegevens
(synthetisch)". The states, people and places are invented, so no real person is credited with
something they never did. `--clear` removes earlier demo data first (and nothing else).

It is quick because rows are written with `bulk_create` in batches inside one transaction. That
skips `save()` and the signals, so what they would derive is computed here the same way: `start`
and `end` with `timeline.dates.edtf_bounds`, `search_text` with `timeline.models.normalize` over
the same parts in the same order as `Event.build_search_text`. No audit history is written for
demo rows (django-simple-history records saves, and a generated row was never edited), and the
page cache and the data version are renewed once at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from functools import cache, lru_cache

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from timeline import dates, models
from timeline.changes import everything_changed
from timeline.models import Actor, Alias, Citation, Event, EventType, Participation, Source, Timeline

PREFIX = "demo-"
BATCH = 2000
FIRST_DAY = dt.date(2021, 10, 1)
LAST_DAY = dt.date(2023, 12, 31)
# Half the events crowd into the hot months of the crisis, as news does.
PEAK = (dt.date(2022, 1, 10), dt.date(2022, 4, 30))

# The event types of the seed, for a database that has none yet.
TYPES = [
    ("phone-call", "telefoongesprek", "phone call"),
    ("press-conference", "persconferentie", "press conference"),
    ("statement", "verklaring", "statement"),
    ("diplomatic-letter", "diplomatieke brief", "diplomatic letter"),
    ("meeting", "ontmoeting", "meeting"),
    ("talks", "gesprek", "talks"),
    ("withdrawal-of-diplomats", "terugtrekking van diplomaten", "withdrawal of diplomats"),
    ("rejection", "afwijzing", "rejection"),
]
ROLES = {
    "phone-call": ("caller", "callee"),
    "diplomatic-letter": ("sender", "recipient"),
    "rejection": ("sender", "recipient"),
    "press-conference": ("speaker", "mentioned"),
    "statement": ("speaker", "subject"),
    "meeting": ("subject", "subject"),
    "talks": ("subject", "subject"),
    "withdrawal-of-diplomats": ("subject", "mentioned"),
}
# (Dutch name, English alias) of invented states and organisations.
STATES = [
    ("Norlandië", "Norlandia"), ("Ostravië", "Ostravia"), ("Valmerije", "Valmeria"),
    ("Kestrijk", "Kestria"), ("Doravië", "Doravia"), ("Selmarije", "Selmaria"),
    ("Brannenland", "Brannland"), ("Tirolië", "Tirolia"), ("Aurezië", "Aurezia"),
    ("Vessanië", "Vessania"), ("Lundmark", "Lundmarck"), ("Korvenië", "Korvenia"),
]
ORGANISATIONS = [
    ("Noordelijk Verdragsbondgenootschap", "NVB"), ("Unie van Zuidelijke Staten", "UZS"),
    ("Raad voor Veiligheid en Samenwerking", "RVS"), ("Verenigde Volkeren", "VV"),
    ("Internationaal Rode Halvemaan-comité", "IRHC"), ("Energiegemeenschap Oost", "EGO"),
    ("Graanraad", "Grain Council"), ("Hof van Arbitrage", "Court of Arbitration"),
]
MEDIA = ["Dagblad Vessagrad", "Omroep Norlandia", "Persbureau Ostra", "Kestrijkse Courant",
         "Radio Valmer", "Het Lundmarkse Nieuws"]
FIRST_NAMES = ["Aldric", "Bera", "Casimir", "Dagny", "Emrys", "Fenna", "Goran", "Hedda", "Ivo",
               "Jolien", "Kasimir", "Liesel", "Mirek", "Noor", "Oskar", "Petra", "Radek",
               "Saskia", "Tomas", "Ulla", "Viktor", "Wanda", "Yuri", "Zofia", "Anouk"]
LAST_NAMES = [("Venn", "Wenn"), ("Okarov", "Okarow"), ("Haldane", "Haldein"),
              ("Sjtsjerbak", "Shcherbak"), ("Lindqvist", "Lindkvist"), ("Moreau", "Moro"),
              ("Tsjernov", "Chernov"), ("Van Aalst", "Vanaalst"), ("Kovač", "Kovach"),
              ("Ferreira", "Fereira"), ("Dragan", "Dragán"), ("Ilves", "Ilvess")]
FUNCTIONS = ["president", "premier", "minister van Buitenlandse Zaken", "minister van Defensie",
             "ambassadeur", "woordvoerder", "secretaris-generaal", "onderhandelaar"]
TOPICS = ["de troepenopbouw aan de grens", "nieuwe sancties", "de veiligheid van diplomaten",
          "gasleveringen voor de winter", "een staakt-het-vuren", "humanitaire corridors",
          "de terugtrekking van troepen", "de uitwisseling van gevangenen", "graanexport",
          "cyberaanvallen op ministeries", "de status van de havenstad", "waarnemers in het gebied"]
PLACES = ["Vessagrad", "Port Aliven", "Ostra", "Kestrijk-Stad", "Valmer", "Brannhaven",
          "Lundborg", ""]
SENTENCES = {
    "phone-call": "{a} en {b} spraken telefonisch over {topic}.",
    "press-conference": "{a} gaf een persconferentie over {topic}.",
    "statement": "{a} legde een verklaring af over {topic}.",
    "diplomatic-letter": "{a} stuurde {b} een brief over {topic}.",
    "meeting": "{a} en {b} ontmoetten elkaar om te praten over {topic}.",
    "talks": "Diplomaten van {a} en {b} voerden gesprekken over {topic}.",
    "withdrawal-of-diplomats": "{a} haalt diplomaten en hun familie weg vanwege {topic}.",
    "rejection": "{a} wees het voorstel van {b} over {topic} af.",
}
QUOTES = ["“We blijven in gesprek, maar de toon is verhard”, aldus {a}.",
          "Volgens {a} is er “geen enkele reden” voor {topic}.",
          "{a} noemde de situatie rond {topic} “zorgwekkend”.",
          "“Diplomatie heeft nog een kans”, zei {a} over {topic}."]


@cache
def _bounds(edtf: str) -> tuple[dt.date, dt.date | None]:
    return dates.edtf_bounds(edtf)


# `normalize` works character by character (then joins words with one space), so the normalised
# text of "[demo] {type}: {a} en {b}" is the normalised template filled with normalised parts.
# Normalising the few hundred parts once instead of every event's text saves most of the time.
_n = lru_cache(maxsize=None)(models.normalize)


class Command(BaseCommand):
    help = "Generate a synthetic demo crisis (marked as demo data) with N events, quickly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=1000, help="number of events")
        parser.add_argument("--seed", type=int, default=8, help="random seed (repeatable data)")
        parser.add_argument("--clear", action="store_true", help="remove earlier demo data first")

    def handle(self, *args, events: int, seed: int, clear: bool, **options) -> None:
        if events < 0:
            raise CommandError("--events cannot be negative")
        began = time.monotonic()
        self.verbose = options["verbosity"] > 0
        if connection.vendor == "sqlite":
            # Room for the indexes being built (200 MB), rather than spilling pages to disk.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -200000")
        with transaction.atomic():
            if clear:
                self._clear()
            elif (
                Event.objects.filter(slug__startswith=PREFIX).exists()
                or Actor.objects.filter(slug__startswith=PREFIX).exists()
            ):
                raise CommandError("There is demo data already; add --clear to replace it.")
            self._generate(events, random.Random(seed), began)
        # Fresh planner statistics after a bulk load, as autovacuum would gather later: without
        # them the planner guesses table sizes and may pick a scan over an index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        everything_changed()  # rows written without signals: one rebuild everywhere
        self._say(f"Done: {events} demo events in {time.monotonic() - began:.1f} s.")

    def _say(self, text: str) -> None:
        if self.verbose:
            self.stdout.write(text)

    # -- removing ---------------------------------------------------------------------------

    def _clear(self) -> None:
        events = Event.objects.filter(slug__startswith=PREFIX)
        # Deleted with plain DELETE statements: the ORM's delete() would first load every row
        # and send a signal for each (each recomputing search text), minutes at 100,000 rows.
        # `_raw_delete` is the ORM's own fast path for that.
        through = Event.timelines.through.objects.filter(event__in=events)
        for queryset in (
            through,
            Participation.objects.filter(event__in=events),
            Citation.objects.filter(event__in=events),
            Event.history.filter(slug__startswith=PREFIX),
        ):
            queryset._raw_delete(queryset.db)
        removed = events._raw_delete(events.db)
        # Few rows, and whatever refers to them should stop the clearing: the ORM's delete.
        Alias.objects.filter(actor__slug__startswith=PREFIX).delete()
        Actor.objects.filter(slug__startswith=PREFIX).delete()
        Source.objects.filter(slug__startswith=PREFIX).delete()
        Timeline.objects.filter(slug="demo").delete()
        self._say(f"Removed {removed} earlier demo events.")

    # -- generating -------------------------------------------------------------------------

    def _generate(self, n: int, rng: random.Random, began: float) -> None:
        if n == 0:  # `--events 0 --clear` only removes
            return
        timeline, _ = Timeline.objects.get_or_create(
            slug="demo",
            defaults={
                "title": "[demo] Synthetische crisis",
                "description": "Verzonnen gebeurtenissen om de site te proberen en te meten.",
            },
        )
        source, _ = Source.objects.get_or_create(
            slug=f"{PREFIX}gegevens",
            defaults={
                "outlet": "Demo-gegevens (synthetisch)",
                "title": "[demo] Verzonnen berichtgeving",
                "language": "nl",
                "published_on": LAST_DAY,
                "text": "Deze bron bestaat niet; alle citaten zijn gegenereerd.",
            },
        )
        types = self._types()
        actors, terms = self._actors(rng)
        states = [a for a in actors if a.kind == Actor.Kind.STATE]
        people = [a for a in actors if a.kind == Actor.Kind.PERSON]
        others = [a for a in actors if a.kind not in (Actor.Kind.STATE, Actor.Kind.PERSON)]
        self._say(f"{len(actors)} demo actors, {len(types)} event types.")

        span = (LAST_DAY - FIRST_DAY).days
        peak = (PEAK[1] - PEAK[0]).days
        made = 0
        while made < n:
            size = min(BATCH, n - made)
            rows, links = [], []
            for i in range(made, made + size):
                event_type = rng.choice(types)
                if rng.random() < 0.5:
                    day = PEAK[0] + dt.timedelta(days=rng.randrange(peak + 1))
                else:
                    day = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
                edtf, part, status = self._when(day, rng)
                pool = rng.random()
                first = rng.choice(people if pool < 0.7 else states if pool < 0.9 else others)
                second = rng.choice(people if rng.random() < 0.6 else states)
                while second is first:
                    second = rng.choice(actors)
                roles = ROLES.get(event_type.slug, ("speaker", "mentioned"))
                topic = rng.choice(TOPICS)
                title_template = "[demo] {t}: {a} en {b}"
                sentence = SENTENCES.get(event_type.slug, SENTENCES["statement"])
                quote_template = rng.choice(QUOTES)
                location = rng.choice(PLACES)
                parts = {"t": event_type.name, "a": first.name, "b": second.name, "topic": topic}
                plain = {k: _n(v) for k, v in parts.items()}
                title = title_template.format(**{**parts, "t": event_type.name.capitalize()})
                summary = sentence.format(**parts)
                summary = summary[0].upper() + summary[1:]
                quote = quote_template.format(**parts)
                # build_search_text reads the participants in pk order: as inserted below.
                names = [t for a in (first, second) for t in terms[a.pk]]
                search = " ".join(
                    text
                    for text in (
                        _n(title_template).format(**plain),
                        _n(sentence).format(**plain),
                        _n(location),
                        *names,
                        _n(quote_template).format(**plain),
                    )
                    if text
                )
                start, end = _bounds(edtf)
                rows.append(
                    Event(
                        slug=f"{PREFIX}{i + 1:06d}",
                        title=title,
                        summary=summary,
                        type_id=event_type.pk,
                        status=status,
                        edtf=edtf,
                        start=start,
                        end=end,
                        part_of_day=part,
                        location=location,
                        published=rng.random() > 0.02,  # a few drafts, as in a real newsroom
                        search_text=search,
                    )
                )
                links.append(((first, roles[0]), (second, roles[1]), quote))
            # Plain `*_id` values below: setting related objects costs more than the insert.
            Event.objects.bulk_create(rows, batch_size=BATCH)
            participations, citations, memberships = [], [], []
            for event, ((a, role_a), (b, role_b), quote) in zip(rows, links, strict=True):
                participations.append(Participation(event_id=event.pk, actor_id=a.pk, role=role_a))
                participations.append(Participation(event_id=event.pk, actor_id=b.pk, role=role_b))
                citations.append(
                    Citation(event_id=event.pk, source_id=source.pk, quote=quote, position=1)
                )
                memberships.append(
                    Event.timelines.through(event_id=event.pk, timeline_id=timeline.pk)
                )
            Participation.objects.bulk_create(participations, batch_size=BATCH)
            Citation.objects.bulk_create(citations, batch_size=BATCH)
            Event.timelines.through.objects.bulk_create(memberships, batch_size=BATCH)
            made += size
            self._say(f"  {made:>7} / {n} events  ({time.monotonic() - began:5.1f} s)")

    def _when(self, day: dt.date, rng: random.Random) -> tuple[str, str, str]:
        """An EDTF date of a realistic precision, the part of day, and the status."""
        roll = rng.random()
        status = rng.choices(
            ["occurred", "scheduled", "expected", "cancelled"], weights=[85, 6, 6, 3]
        )[0]
        part = ""
        if roll < 0.70:  # a day, sometimes with the part of the day
            edtf = day.isoformat()
            if rng.random() < 0.3:
                part = rng.choice(["morning", "afternoon", "evening", "night"])
        elif roll < 0.78:  # only the month is known
            edtf = day.strftime("%Y-%m")
        elif roll < 0.95:  # "eerder deze week": a few days
            last = min(day + dt.timedelta(days=rng.randrange(1, 6)), LAST_DAY)
            edtf = f"{day.isoformat()}/{last.isoformat()}"
        else:  # "de komende weken": open-ended, not happened yet
            edtf = f"{day.isoformat()}/.."
            status = "expected"
        return edtf, part, status

    def _types(self) -> list[EventType]:
        if not EventType.objects.exists():
            EventType.objects.bulk_create(
                [EventType(slug=s, name=nl, name_en=en) for s, nl, en in TYPES]
            )
        return list(EventType.objects.order_by("slug"))

    def _actors(self, rng: random.Random) -> tuple[list[Actor], dict[int, list[str]]]:
        """Invented states, organisations, media and people; and each one's name and aliases."""
        specs: list[tuple[str, str, str, str, int | None, list[str]]] = []
        for name, alias in STATES:
            specs.append((_n(alias).replace(" ", "-"), name, "state", "", None, [alias]))
        for name, alias in ORGANISATIONS:
            specs.append((_n(alias).replace(" ", "-"), name, "organisation", "", None,
                          [alias]))
        for name in MEDIA:
            specs.append((_n(name).replace(" ", "-"), name, "media", "",
                          rng.randrange(len(STATES)), []))
        seen = set()
        while len(seen) < 150:
            first = rng.choice(FIRST_NAMES)
            last, spelling = rng.choice(LAST_NAMES)
            if (first, last) in seen:
                continue
            seen.add((first, last))
            slug = _n(f"{first} {last}").replace(" ", "-")
            aliases = [f"{first} {spelling}"] if spelling != last else []
            specs.append((slug, f"{first} {last}", "person", rng.choice(FUNCTIONS),
                          rng.randrange(len(STATES)), aliases))
        # The states come first in `specs`, so an affiliation index is a state.
        actors = Actor.objects.bulk_create(
            [Actor(slug=PREFIX + slug, name=name, kind=kind, function=function)
             for slug, name, kind, function, _, _ in specs]
        )
        for actor, spec in zip(actors, specs, strict=True):
            if spec[4] is not None:
                actor.affiliation = actors[spec[4]]
        Actor.objects.bulk_update([a for a in actors if a.affiliation_id], ["affiliation"])
        aliases = [Alias(actor=actor, name=alias, language="en")
                   for actor, spec in zip(actors, specs, strict=True) for alias in spec[5]]
        Alias.objects.bulk_create(aliases)
        # Actor.search_terms(): the name, then the aliases in name order.
        terms = {a.pk: [_n(a.name), *map(_n, sorted(spec[5]))]
                 for a, spec in zip(actors, specs, strict=True)}
        return actors, terms
