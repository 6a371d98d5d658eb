"""Where a sentence says something happened: the place ingest proposes for its draft.

The places the database has (their names and aliases, in any language) and the large cities of
the gazetteer (`timeline.geo.gazetteer`), matched as whole names. A name that is also a
participant's ("Moskou" for Rusland, "Washington" for the United States) stands for that
participant, not a place, unless a place word comes before it ("in Moskou", "uit Kiev").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from timeline.geo import gazetteer
from timeline.models import Actor, Place, normalize

PLACE_WORDS = {"in", "uit", "naar", "te", "bij", "vanuit", "at", "from", "to"}


class PlaceFinder:
    def __init__(self, actors: Iterable[Actor], places: Iterable[Place] | None = None) -> None:
        if places is None:
            places = Place.objects.prefetch_related("aliases")
        self.places = list(places)
        self.by_geonameid = {p.geonameid: p for p in self.places if p.geonameid}
        self.by_slug = {p.slug: p for p in self.places}
        self.known = {}
        for place in self.places:
            for name in filter(None, place.search_terms()):
                self.known.setdefault(normalize(name), place)
        self.actor_names = set()
        for actor in actors:
            self.actor_names.update(normalize(n) for n in (actor.name, actor.name_en) if n)
            self.actor_names.update(normalize(a.name) for a in actor.aliases.all())
        self._pattern = (
            re.compile(
                r"(?<!\w)(" + "|".join(map(re.escape, sorted(self.known, key=len, reverse=True))) + r")(?!\w)"
            )
            if self.known
            else None
        )

    def _as_place(self, entry: gazetteer.Entry) -> Place | gazetteer.Entry:
        return self.by_geonameid.get(entry.geonameid) or self.by_slug.get(entry.slug) or entry

    def find(self, sentence: str) -> Place | gazetteer.Entry | None:
        """The first place the sentence names: a Place the database has, or a gazetteer city
        that saving will add."""
        # (where in the sentence, the name normalised, the place, the word before it); the
        # database's names are matched in the normalised sentence, whose words keep their order.
        found = []
        norm = normalize(sentence)
        for m in self._pattern.finditer(norm) if self._pattern is not None else ():
            before = norm[: m.start()].split()[-1:]
            found.append((m.start() / len(norm), m.group(1), self.known[m.group(1)], "".join(before)))
        for offset, name, entry in gazetteer.mentioned(sentence):
            before = normalize(sentence[:offset]).split()[-1:]
            found.append((offset / len(sentence), normalize(name), self._as_place(entry), "".join(before)))
        found.sort(key=lambda hit: hit[0])
        for _at, name, place, word_before in found:
            if name in self.actor_names and word_before not in PLACE_WORDS:
                continue  # "Moskou wil dat …": Rusland speaks, nothing happened in Moskou
            return place
        return None


def place_dict(place: Place | gazetteer.Entry | None) -> dict | None:
    """The proposal's place as `--format json` prints it; `new` when saving adds it."""
    if place is None:
        return None
    return {
        "slug": place.slug,
        "name": place.name,
        "lat": place.latitude,
        "lon": place.longitude,
        "new": not isinstance(place, Place),
    }
