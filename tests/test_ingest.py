"""From article to timeline: `manage.py ingest` proposes draft events from a news article.

The seed article is a NOS article of Friday 28 January 2022 whose header gives only "2022-01";
the tests ingest it with and without `--published 2022-01-28`, and a Markdown article in
English written for these tests (tests/data/nato-reply.md).
"""

import datetime as dt
import importlib
import io
import json

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from timeline import ingest
from timeline.ingest.mentions import NOT_IN_RUNNING_TEXT
from timeline.models import (
    Actor,
    Citation,
    Event,
    EventType,
    Participation,
    Source,
    Timeline,
)

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "000_bae980836788e67f.txt"
HEADER = " date 2022-01 "
SOURCE = "000-bae980836788e67f"
MARKDOWN = settings.BASE_DIR / "tests" / "data" / "nato-reply.md"
D28 = dt.date(2022, 1, 28)


def _ingest(*args: str) -> str:
    out = io.StringIO()
    call_command("ingest", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = [Source, Event, Citation, Participation, Actor, EventType, Timeline]
    return {model.__name__: model.objects.count() for model in models}


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "timeline", stdout=out)
    return out.getvalue()


def _drafts(source: str = SOURCE):
    return Event.objects.filter(proposed_from__slug=source)


def _draft_citing(words: str, source: str = SOURCE) -> Event:
    return _drafts(source).get(citations__quote__contains=words)


def _cast(event: Event) -> set[tuple[str, str]]:
    return {(p.actor.slug, p.role) for p in event.participations.select_related("actor")}


def _actors(event: Event) -> set[str]:
    return {slug for slug, _ in _cast(event)}


@pytest.fixture
def unseen(seed):
    """The seed's actors, types, sources and timelines, but none of its events: the article's
    events are news to the database (with them, ingest adds the article to them instead)."""
    Event.objects.all().delete()


@pytest.fixture
def ingested(unseen):
    return _ingest(SEED, "--published", "2022-01-28")


# ---------------------------------------------------------------- the seed, with --published


def test_it_proposes_the_putin_macron_call_of_friday_morning(ingested):
    call = _draft_citing("telefonisch overlegd")

    assert (call.type.slug, call.status) == ("phone-call", "occurred")
    assert (call.edtf, call.start, call.end) == ("2022-01-28", D28, D28)
    assert call.part_of_day == "morning"
    assert {"poetin", "macron"} <= _actors(call)


def test_it_proposes_the_letters_of_wednesday(ingested):
    letters = _draft_citing("geschreven brief")

    assert letters.type.slug == "diplomatic-letter"
    assert (letters.edtf, letters.status) == ("2022-01-26", "occurred")
    assert {"navo", "verenigde-staten", "kremlin"} <= _actors(letters)


def test_it_proposes_hoekstras_statement_of_earlier_this_week(ingested):
    statement = _draft_citing("zei minister Hoekstra")

    assert statement.type.slug == "statement"
    assert statement.edtf == "2022-01-24/2022-01-27"
    assert ("hoekstra", "speaker") in _cast(statement)


def test_it_proposes_the_talks_with_baerbock_as_scheduled_for_today(ingested):
    talks = _draft_citing("Later vandaag spreekt hij")

    assert (talks.type.slug, talks.status, talks.edtf) == ("talks", "scheduled", "2022-01-28")
    assert talks.part_of_day == ""  # "later vandaag" does not say which part of the day
    assert "baerbock" in _actors(talks)


def test_it_proposes_the_lavrov_blinken_meeting_as_expected_and_open_ended(ingested):
    meeting = _draft_citing("ergens de komende weken")

    assert (meeting.type.slug, meeting.status) == ("meeting", "expected")
    assert (meeting.edtf, meeting.start) == ("2022-01-29/..", dt.date(2022, 1, 29))
    assert meeting.end is None
    assert {"lavrov", "blinken"} <= _actors(meeting)


def test_it_cites_each_sentence_verbatim_as_an_unpublished_draft(ingested):
    article = SEED.read_text(encoding="utf-8")
    drafts = list(_drafts().prefetch_related("citations"))

    assert len(drafts) == 8
    for draft in drafts:
        (citation,) = draft.citations.all()
        assert citation.quote in article
        assert (citation.source.slug, citation.position) == (SOURCE, 1)
        assert draft.summary == citation.quote
        assert not draft.published
        assert draft.unresolved_date == ""
        assert 0 < draft.confidence <= 1
        assert draft.title and len(draft.title) <= 80
        assert draft.slug.startswith(f"{SOURCE}-zin-")


def test_it_names_the_speaker_from_a_cue_and_mentions_the_others(ingested):
    press = _draft_citing("in een persconferentie onderstreept")

    assert press.type.slug == "press-conference"
    assert _cast(press) == {
        ("lavrov", "speaker"),
        ("rusland", "mentioned"),
        ("oekraine", "mentioned"),
    }


def test_it_keeps_the_article_as_a_source_dated_by_the_day_given(ingested):
    source = Source.objects.get(slug=SOURCE)

    assert source.text == SEED.read_text(encoding="utf-8").removeprefix(HEADER)
    assert (source.published_on, source.published_precision) == (D28, "day")
    assert source.language == "nl"
    # The file does not name its outlet, and the command does not guess it.
    assert source.outlet == "onbekend"
    assert source.title.startswith("Rusland wil geen oorlog met Oekraïne")
    assert set(source.proposals.values_list("slug", flat=True)) == set(
        _drafts().values_list("slug", flat=True)
    )


def test_it_adds_the_article_to_the_seed_events_it_reports_and_lists_candidates(seed):
    published = set(Event.objects.published().values_list("pk", "version", "title", "status"))

    out = _ingest(SEED, "--published", "2022-01-28")

    # The seed already holds this article's events (under the source nos-2022-01-28-lavrov):
    # those it matches get this source as a second citation, nothing else changes.
    assert (
        set(Event.objects.published().values_list("pk", "version", "title", "status"))
        == published
    )
    assert "8 voorstellen (3 nieuw, 0 al bekend, 5 als bron bij een bekende gebeurtenis)" in out
    call = Event.objects.get(slug="poetin-macron-telefoongesprek-2022-01-28")
    assert list(call.citations.values_list("source__slug", "position")) == [
        ("nos-2022-01-28-lavrov", 1),
        (SOURCE, 2),
    ]
    assert _drafts().count() == 3
    assert "kandidaat-deelnemers: Westen, Kiev" in out
    # The seed fixture holds the same article under another slug: say so.
    assert "--source nos-2022-01-28-lavrov" in out


def test_it_credits_the_press_agency_and_reads_hij_as_the_last_named_person(ingested):
    talks = _draft_citing("Later vandaag spreekt hij")

    assert _actors(talks) == {"lavrov", "baerbock"}  # "hij" is Lavrov
    # Interfax reports it: the source's attribution, no participant of anything.
    assert Source.objects.get(slug=SOURCE).attribution == "Interfax"
    assert not Participation.objects.filter(actor__slug="interfax").exists()
    assert "via persbureau: Interfax" in ingested


@pytest.mark.parametrize(
    ("sentence", "lang", "expected"),
    [
        # A function inside the group ends what came before it (an unknown demonym, "U.S.").
        ("Kenyan President William Ruto signed the deal on Friday.", "en",
         ("ruto", "William Ruto", "person", "president")),
        ("U.S. Treasury Secretary Janet Yellen told reporters on Sunday that growth slowed.", "en",
         ("yellen", "Janet Yellen", "person", "Treasury secretary")),
        # An organisation keeps the words that would otherwise be a function.
        ("Guterres wrote to the Security Council on Wednesday.", "en",
         ("security-council", "Security Council", "organisation", "")),
        ("Premier Abdel Fattah al-Sisi heeft zondag Blinken ontvangen.", "nl",
         ("al-sisi", "Abdel Fattah al-Sisi", "person", "premier")),
        ("Staatssecretaris Hans Vijlbrief van Mijnbouw heeft vrijdag besloten.", "nl",
         ("vijlbrief", "Hans Vijlbrief", "person", "staatssecretaris van Mijnbouw")),
    ],
)  # fmt: skip
def test_it_names_new_actors_by_their_own_words(unseen, tmp_path, sentence, lang, expected):
    path = _write(tmp_path, "kort.md", f"---\ndate: 2024-03-02\n---\n{sentence}\n")

    (proposal,) = ingest.propose(ingest.read_article(path, lang=lang)).items

    new = {(a.slug, a.name, a.kind, a.function) for a in proposal.new_actors}
    assert expected in new


def test_it_proposes_new_actors_as_not_yet_reviewed(unseen, tmp_path):
    path = _write(tmp_path, "scholz.md", "---\ndate: 2022-02-10\n---\nChancellor Olaf Scholz of "
                  "Germany spoke by phone with President Putin on Thursday.\n")  # fmt: skip

    _ingest(path, "--lang", "en")

    scholz = Actor.objects.get(slug="scholz")
    assert (scholz.name, scholz.kind, scholz.function, scholz.affiliation.slug) == (
        "Olaf Scholz", "person", "chancellor", "duitsland",
    )  # fmt: skip
    assert scholz.reviewed is False
    assert Actor.objects.get(slug="poetin").reviewed is True
    # Only in a draft: readers do not see the new actor.
    assert not Actor.objects.public().filter(slug="scholz").exists()


def test_it_attaches_the_drafts_to_an_existing_source_and_timeline(unseen):
    _ingest(SEED, "--published", "2022-01-28", "--source", "nos-2022-01-28-lavrov",
            "--timeline", "oekraine-crisis-2022")  # fmt: skip

    drafts = _drafts("nos-2022-01-28-lavrov")
    assert drafts.count() == 8
    assert not Source.objects.filter(slug=SOURCE).exists()
    assert all(
        list(d.timelines.values_list("slug", flat=True)) == ["oekraine-crisis-2022"]
        for d in drafts
    )
    assert Source.objects.get(slug="nos-2022-01-28-lavrov").outlet == "NOS"


# ---------------------------------------------------------------- the seed, without --published


def test_it_explains_why_relative_dates_stay_unresolved_without_a_day(unseen):
    out = _ingest(SEED)

    assert (
        "De bron heeft alleen een maand (2022-01); relatieve datums zoals 'vanmorgen', "
        "'woensdag', 'inmiddels' blijven onopgelost. Geef --published JJJJ-MM-DD."
    ) in out
    source = Source.objects.get(slug=SOURCE)
    assert (source.published_on, source.published_precision) == (dt.date(2022, 1, 1), "month")


def test_it_keeps_relative_dates_unresolved_and_dated_by_the_month(unseen):
    _ingest(SEED)

    drafts = list(_drafts().prefetch_related("citations"))
    assert len(drafts) == 8
    for draft in drafts:
        quote = draft.citations.get().quote
        assert draft.unresolved_date and draft.unresolved_date in quote
        assert (draft.edtf, draft.start, draft.end) == (
            "2022-01",
            dt.date(2022, 1, 1),
            dt.date(2022, 1, 31),
        )
        assert draft.part_of_day == ""
        assert draft.confidence < 0.5
    assert _draft_citing("telefonisch overlegd").unresolved_date == "Vanochtend"
    assert _draft_citing("ergens de komende weken").status == "expected"


# ---------------------------------------------------------------- running again


def test_it_creates_nothing_new_on_a_second_run(ingested):
    counts, dump = _counts(), _dump()

    out = _ingest(SEED, "--published", "2022-01-28")

    assert _counts() == counts
    assert _dump() == dump
    assert "8 voorstellen (0 nieuw, 8 al bekend)" in out


def test_it_keeps_a_draft_an_editor_changed(ingested):
    draft = _draft_citing("telefonisch overlegd")
    draft.title = "Poetin en Macron bellen"
    draft.edtf = "2022-01-28"
    draft.part_of_day = ""
    draft.save()
    shorter = "Vanochtend heeft president Poetin met Macron telefonisch overlegd."
    draft.citations.update(quote=shorter)

    _ingest(SEED, "--published", "2022-01-28")

    draft.refresh_from_db()
    assert (draft.title, draft.part_of_day) == ("Poetin en Macron bellen", "")
    assert draft.citations.get().quote.startswith("Vanochtend heeft president Poetin met Macron")


def test_it_does_not_bring_back_a_draft_an_editor_deleted(ingested):
    _draft_citing("telefonisch overlegd").delete()

    out = _ingest(SEED, "--published", "2022-01-28")

    assert _drafts().count() == 7
    assert "0 nieuw, 7 al bekend, 1 eerder verwijderd" in out


# ---------------------------------------------------------------- --dry-run


def test_it_changes_nothing_on_a_dry_run_and_prints_the_proposals(unseen):
    counts, dump = _counts(), _dump()

    out = _ingest(SEED, "--published", "2022-01-28", "--dry-run")

    assert _counts() == counts
    assert _dump() == dump
    header = out.splitlines()[0].split()
    assert header[:4] == ["#", "datum", "in", "tekst"]
    assert {"EDTF", "status", "soort", "deelnemers", "zekerheid", "zin"} <= set(header)
    call = next(line for line in out.splitlines() if "Vanochtend" in line)
    for cell in ["nieuw", "21", "2022-01-28", "vrijdag 28 januari 2022 · ochtend", "gebeurd",
                 "phone-call", "poetin, macron", "0.90", "Vanochtend heeft president Poetin"]:
        assert cell in call  # fmt: skip
    assert "Proefdraai (--dry-run): niets opgeslagen." in out
    assert "8 voorstellen (8 nieuw, 0 al bekend)" in out


def test_it_shows_known_proposals_on_a_dry_run_after_a_real_one(ingested):
    out = _ingest(SEED, "--published", "2022-01-28", "--dry-run")

    assert "8 voorstellen (0 nieuw, 8 al bekend)" in out
    assert sum(line.startswith("bekend") for line in out.splitlines()) == 8


def test_it_reports_progress_at_verbosity_two(unseen):
    err = io.StringIO()
    call_command("ingest", str(SEED), "--dry-run", verbosity=2, stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == ["zin 10/22", "zin 20/22", "zin 22/22"]


# ---------------------------------------------------------------- a Markdown article in English


def test_it_ingests_a_markdown_article_dated_by_published(unseen):
    out = _ingest(MARKDOWN, "--published", "2022-01-28")

    source = Source.objects.get(slug="nato-reply")
    assert source.title == "NATO answers Moscow in writing"
    assert (source.outlet, source.url) == ("Testkrant", "https://example.org/nato-reply")
    assert (source.language, source.published_on) == ("en", D28)
    # Markup is gone; quotes are verbatim from the text the source keeps.
    assert not any(mark in source.text for mark in ["# ", "**", "*Brussels*", "](", "outlet:"])
    for citation in Citation.objects.filter(source=source):
        assert citation.quote in source.text
    assert "4 voorstellen (4 nieuw, 0 al bekend)" in out
    assert "kandidaat-deelnemers: Geneva, Kyiv; nieuwe actoren (*): Jens Stoltenberg (person)" in out


def test_it_reads_the_english_dates_roles_and_types(unseen):
    _ingest(MARKDOWN, "--published", "2022-01-28")
    source = "nato-reply"

    reply = _draft_citing("said on Wednesday", source)
    assert (reply.edtf, reply.type.slug) == ("2022-01-26", "statement")
    # "NATO Secretary General Jens Stoltenberg said": not NATO itself speaking, but Stoltenberg,
    # whom the seed does not know: a new actor.
    assert _cast(reply) == {
        ("navo", "mentioned"),
        ("rusland", "mentioned"),
        ("stoltenberg", "speaker"),
    }

    call = _draft_citing("by phone this morning", source)
    assert (call.type.slug, call.edtf, call.part_of_day) == ("phone-call", "2022-01-28", "morning")
    assert {"rusland", "lavrov", "blinken"} == _actors(call)

    meeting = _draft_citing("expected to meet", source)
    assert (meeting.type.slug, meeting.status, meeting.edtf) == (
        "meeting",
        "expected",
        "2022-01-29/..",
    )

    press = _draft_citing("held a press conference", source)
    assert (press.type.slug, press.edtf) == ("press-conference", "2022-01-27")
    assert {"oekraine", "zelensky"} == _actors(press)


def test_it_reads_a_markdown_sub_heading_as_no_sentence(unseen):
    article = ingest.read_article(MARKDOWN, "2022-01-28")
    sentences = [s.text for s in ingest.split_sentences(article)]

    assert "What comes next" not in " ".join(sentences)
    assert len(sentences) == 5


# ---------------------------------------------------------------- bad input changes nothing


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: ["does-not-exist.txt"], "bestaat niet"),
        (lambda tmp: [str(tmp)], "is geen bestand"),
        (lambda tmp: [_write(tmp, "leeg.txt", "  \n\n ")], "is leeg"),
        (lambda tmp: [_write(tmp, "kop.txt", " date 2022-01 ")], "geen tekst"),
        (lambda tmp: [_write(tmp, "kop.txt", " date 2022-13 Tekst.")], "geen bestaande datum"),
        (lambda tmp: [str(SEED), "--published", "2022-13-01"], "geen bestaande datum"),
        (lambda tmp: [str(SEED), "--published", "28-01-2022"], "JJJJ-MM-DD"),
        (lambda tmp: [str(SEED), "--published", "2022-02-01"], "valt niet in"),
        (lambda tmp: [str(SEED), "--timeline", "atlantis"], "onbekende tijdlijn 'atlantis'"),
        (lambda tmp: [str(SEED), "--source", "Geen Slug!"], "geen geldige slug"),
        (lambda tmp: [str(MARKDOWN)], "geef --published"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(unseen, tmp_path, make_args, message):
    counts, dump = _counts(), _dump()

    with pytest.raises(CommandError, match=message):
        _ingest(*make_args(tmp_path))

    assert _counts() == counts
    assert _dump() == dump


def test_it_refuses_a_file_that_is_not_utf8(unseen, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(" date 2022-01-28 Oekra\xefne.".encode("latin-1"))

    with pytest.raises(CommandError, match="geen UTF-8"):
        _ingest(path)

    assert not Source.objects.filter(slug="latin1").exists()


def test_it_refuses_to_guess_event_types_in_an_empty_database():
    with pytest.raises(CommandError, match="soorten gebeurtenis"):
        _ingest(SEED, "--published", "2022-01-28")

    assert not Source.objects.exists()


# ---------------------------------------------------------------- finding dates and actors

PUB = ingest.PublicationDate(D28, "day")


@pytest.mark.parametrize(
    ("sentence", "phrase", "edtf"),
    [
        ("Lavrov verwacht ergens de komende weken Blinken te zien.", "ergens de komende weken",
         "2022-01-29/.."),
        ("Dat werd eerder deze week duidelijk.", "eerder deze week", "2022-01-24/2022-01-27"),
        ("De brief kwam woensdag aan.", "woensdag", "2022-01-26"),
        ("Hij sprak afgelopen woensdagavond.", "afgelopen woensdagavond", "2022-01-26"),
        ("Op 26 januari 2022 kwam de brief.", "Op 26 januari 2022", "2022-01-26"),
        ("Het overleg is begin februari.", "begin februari", "2022-02-01~/2022-02-10~"),
        ("Russia answered on Tuesday, officials said.", "on Tuesday", "2022-01-25"),
        ("They met this morning in Paris.", "this morning", "2022-01-28"),
        ("The letter arrived on January 26, 2022.", "on January 26, 2022", "2022-01-26"),
        ("Talks resume in the coming days.", "in the coming days", "2022-01-29/.."),
        ("Het kabinet besloot twee dagen geleden.", "twee dagen geleden", "2022-01-26"),
    ],
)  # fmt: skip
def test_it_finds_the_longest_date_expression(sentence, phrase, edtf):
    (found,) = ingest.find_dates(sentence, PUB, ingest.dates.detect_language(sentence))

    assert (found.phrase, found.result.edtf) == (phrase, edtf)


@pytest.mark.parametrize(
    "sentence",
    [
        "Moskou wil dat Oekraïne nooit lid kan worden van de NAVO.",
        "Russia may respond, and the Morgenster sailed.",
        "Het is 's morgens druk in Kiev.",
        "Mogelijk moet Rusland diplomaten beschermen, zei Lavrov verder.",
    ],
)
def test_it_finds_no_date_where_there_is_none(sentence):
    assert ingest.find_dates(sentence, PUB, "nl") == []


def _resolver_phrases():
    """A phrase for every word of the resolver's vocabulary tables (timeline/dates/resolve.py)."""
    v = importlib.import_module("timeline.dates.resolve")  # `dates.resolve` is the function
    skip = NOT_IN_RUNNING_TEXT
    yield from (w for w in v.FIXED_DAYS if w not in skip)
    for day in v.RELATIVE_DAYS:
        if day not in skip:
            yield {"van": "vanavond", "this": "this evening"}.get(day, day)
    yield from (f"{w} woensdag" for w in v.WEEKDAY_MODIFIERS)
    yield from (f"woensdag {w}" for w in v.WEEKDAY_SUFFIXES)
    yield from (f"{w} woensdag" for w in v.PREFIXES)
    yield from (f"{w} 26 januari" for w in v.PREFIXES)
    yield from (f"{w} week" for w in v.PERIOD_MODIFIERS)
    yield from (f"{w} deze week" for w in v.EARLIER_LATER)
    yield from (f"{w} februari" for w in v.SEGMENTS)
    yield from (f"de {w} weken" for w in v.ROLLING_DIRECTIONS)
    yield from (f"twee dagen {w}" for w in v.AGO_WORDS)
    yield from v.SOON_PHRASES
    yield from (f"26 {w}" for w in v.MONTHS)
    yield from (f"{w} 26 januari" for w in v.WEEKDAYS if w.endswith(("dag", "day")))


@pytest.mark.parametrize("phrase", sorted(set(_resolver_phrases())))
def test_it_finds_every_phrase_the_resolver_knows(phrase):
    # One vocabulary: a word added to the resolver's tables is found in an article too.
    found = ingest.find_dates(f"Dat gebeurde {phrase} volgens de minister.", PUB, "nl")

    assert [m.phrase.casefold() for m in found] == [phrase.casefold()]
    assert found[0].ok or found[0].result.code != "unknown", found[0].result.refusal.message()


def test_it_keeps_a_recognised_but_unplaceable_phrase_as_unresolved():
    (found,) = ingest.find_dates("Dat speelt de afgelopen weken.", PUB, "nl")

    assert found.phrase == "de afgelopen weken"
    assert not found.ok


def test_it_resolves_an_absolute_date_even_when_the_source_gives_only_a_month():
    month = ingest.PublicationDate(dt.date(2022, 1, 1), "month")

    (absolute,) = ingest.find_dates("De brief kwam op 26 januari aan.", month, "nl")
    (relative,) = ingest.find_dates("De brief kwam woensdag aan.", month, "nl")

    assert (absolute.ok, absolute.result.edtf) == (True, "2022-01-26")
    assert not relative.ok and relative.depends_on_day


def test_it_matches_actors_by_alias_and_surname_but_short_capitals_exactly(unseen):
    index = ingest.ActorIndex(Actor.objects.prefetch_related("aliases"))

    def found(text: str) -> list[str]:
        return [m.actor.slug for m in index.find(ingest.tokenize(text))]

    assert found("President Putin called the US.") == ["poetin", "verenigde-staten"]
    assert found("Zelenskí told us about Russia's plans.") == ["zelensky", "rusland"]
    assert found("De VS en de Verenigde Staten van Amerika.") == [
        "verenigde-staten",
        "verenigde-staten",
        "verenigde-staten",
    ]


def test_it_reads_a_surname_only_when_it_is_written_as_a_name(unseen):
    gates = Actor.objects.create(slug="gates", name="Bill Gates", kind="person")
    index = ingest.ActorIndex([gates])

    assert [m.actor.slug for m in index.find(ingest.tokenize("Gates sprak bij de gates."))] == [
        "gates"
    ]


def test_it_falls_back_on_dateparser_for_absolute_dates_the_table_does_not_know():
    (found,) = ingest.find_dates("Het akkoord van 26-jan-2022 blijft.", PUB, "nl")

    assert (found.phrase, found.result.edtf) == ("26-jan-2022", "2022-01-26")


@pytest.mark.parametrize(
    ("sentence", "status", "edtf"),
    [
        # What was said looks ahead, but the date is the day it was said.
        ("Lavrov zei woensdag dat Rusland niet gaat aanvallen.", "occurred", "2022-01-26"),
        ("Lavrov gaat woensdag naar Genève.", "scheduled", "2022-02-02"),
        ("Lavrov verwacht Blinken woensdag te zien.", "expected", "2022-02-02"),
        ("De top van woensdag is afgelast.", "cancelled", "2022-01-26"),
        # Dutch news writes the future in the present tense with a time (a Friday article).
        ("Donderdag spreekt hij met Baerbock.", "scheduled", "2022-02-03"),
        ("Hij spreekt donderdag met Baerbock.", "scheduled", "2022-02-03"),
        ("Later vandaag spreekt Lavrov met Baerbock.", "scheduled", "2022-01-28"),
        ("Vandaag reist Lavrov naar Genève.", "scheduled", "2022-01-28"),
        ("Donderdag komen de ministers bijeen.", "scheduled", "2022-02-03"),
        ("Zaterdag wordt er gestemd.", "scheduled", "2022-01-29"),
        # The seed's "woensdag": past tense, 26 January.
        ("De NAVO en de VS leverden woensdag allebei een geschreven brief af.", "occurred", "2022-01-26"),
        ("Woensdag sprak Lavrov met Baerbock.", "occurred", "2022-01-26"),
        ("Woensdag kwamen de ministers bijeen.", "occurred", "2022-01-26"),
        ("Lavrov heeft woensdag met Baerbock gesproken.", "occurred", "2022-01-26"),
        ("Donderdag bezocht Lavrov Genève.", "occurred", "2022-01-27"),
        ("Lavrov zei donderdag dat hij Baerbock spreekt.", "occurred", "2022-01-27"),
        # Wire style: the article's own weekday is that day, not a week earlier.
        ("Het kabinet heeft vrijdag besloten de ambassade te sluiten.", "occurred", "2022-01-28"),
    ],
)  # fmt: skip
def test_it_reads_the_status_from_the_date_and_the_verbs(unseen, tmp_path, sentence, status, edtf):
    path = tmp_path / "kort.txt"
    path.write_text(f" date 2022-01-28 {sentence}", encoding="utf-8")

    (proposal,) = ingest.propose(ingest.read_article(path)).items

    assert (proposal.status, proposal.edtf) == (status, edtf)


def _propose_one(tmp_path, sentence: str, lang: str):
    """The one proposal for `sentence`, in an article of Friday 28 January 2022."""
    path = _write(tmp_path, "kort.md", f"---\ndate: 2022-01-28\n---\n{sentence}\n")
    (proposal,) = ingest.propose(ingest.read_article(path, lang=lang)).items
    return proposal


@pytest.mark.parametrize(
    ("sentence", "lang", "status", "edtf"),
    [
        # Dutch present tense with a weekday after the publication day (a Friday article): the
        # event lies ahead, however long the subject before the verb is ...
        ("De Duitse minister van Defensie Boris Pistorius reist dinsdag naar Vilnius.", "nl",
         "scheduled", "2022-02-01"),
        ("De Litouwse president Gitanas Nauseda ontvangt maandag zijn Poolse collega.", "nl",
         "scheduled", "2022-01-31"),
        # ... and with the verb last in a subordinate clause.
        ("Het ministerie meldde dat de ambassadeurs dinsdag bijeenkomen.", "nl",
         "scheduled", "2022-02-01"),
        # A noun before the weekday is no verb; "inmiddels" is now, not ahead.
        ("Het bezoek van het kabinet dinsdag verliep rustig.", "nl", "occurred", "2022-01-25"),
        ("De Britten en de Duitsers halen inmiddels hun diplomaten weg.", "nl",
         "occurred", "2022-01-28~"),
        # A past-tense verb carrying the weekday: that day is past, whatever the sentence goes on
        # to say about next week.
        ("Chancellor Olaf Scholz sent a letter to the Greek premier on Tuesday proposing talks "
         "next month.", "en", "occurred", "2022-01-25"),
        ("Chancellor Olaf Scholz phoned the Greek premier on Friday about the summit next week.",
         "en", "occurred", "2022-01-28"),
        ("De Griekse premier stuurde dinsdag een brief over de top van volgende week.", "nl",
         "occurred", "2022-01-25"),
        # A strong past plural is no present; "heeft" is a perfect with a participle after it.
        ("De ministers ontvingen dinsdag hun Griekse collega.", "nl", "occurred", "2022-01-25"),
        ("De premier heeft dinsdag een brief over de top van volgende week gestuurd.", "nl",
         "occurred", "2022-01-25"),
        # Not past: the weekday belongs to what lies ahead, "heeft" without a participle is
        # the present.
        ("Scholz, who phoned the Greek premier, will travel to Athens on Tuesday.",
         "en", "scheduled", "2022-02-01"),
        ("The postponed talks on Tuesday will decide the next steps.", "en",
         "scheduled", "2022-02-01"),
        ("De premier heeft dinsdag een afspraak met zijn Griekse collega over de top van "
         "volgende week.", "nl", "scheduled", "2022-02-01"),
        # A concrete time today is scheduled; a hedge after its clause is about something else.
        ("Scholz will hold a news conference later today, where he is expected to resign.", "en",
         "scheduled", "2022-01-28"),
        ("Scholz is expected to hold a news conference later today.", "en",
         "expected", "2022-01-28"),
    ],
)  # fmt: skip
def test_it_reads_the_tense_of_the_verb_that_carries_the_date(
    unseen, tmp_path, sentence, lang, status, edtf
):
    proposal = _propose_one(tmp_path, sentence, lang)

    assert (proposal.status, proposal.edtf) == (status, edtf)


@pytest.mark.parametrize(
    ("sentence", "lang", "participants"),
    [
        # A function's organisation is the person's affiliation, not a party.
        ("Lavrov heeft de secretaris-generaal van de NAVO, Mark Rutte, dinsdag in een brief "
         "gevraagd om overleg.", "nl", {"lavrov", "rutte"}),
        ("Lavrov wrote to Mark Rutte, secretary general of NATO, on Tuesday.", "en",
         {"lavrov", "rutte"}),
        # What something is about is no party either.
        ("Lavrov heeft dinsdag met Blinken gesproken over de toekomst van Oekraïne.", "nl",
         {"lavrov", "blinken"}),
        ("Lavrov sent a letter to Blinken on Tuesday about Ukraine.", "en", {"lavrov", "blinken"}),
        # Who reports an act is its source: the spokeswoman, the aide.
        ("Lavrov sent a letter to Blinken on Tuesday, his spokeswoman Maria Zakharova said.",
         "en", {"lavrov", "blinken"}),
        ("Lavrov heeft dinsdag Blinken gebeld, zei zijn woordvoerster Maria Zacharova.", "nl",
         {"lavrov", "blinken"}),
        # A place's name and a possessive make no person.
        ("Lavrov met Blinken on Tuesday to discuss New Zealand's sanctions.", "en",
         {"lavrov", "blinken"}),
    ],
)  # fmt: skip
def test_it_keeps_functions_topics_sources_and_places_out_of_the_cast(
    unseen, tmp_path, sentence, lang, participants
):
    proposal = _propose_one(tmp_path, sentence, lang)

    assert {actor.slug for actor, _ in proposal.actors} == participants


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        ("De koning heeft dinsdag een nieuwe gezant benoemd.", "nl"),
        ("The president appointed a new envoy on Tuesday.", "en"),
    ],
)
def test_it_reads_an_appointment_as_a_decision(unseen, tmp_path, sentence, lang):
    EventType.objects.create(slug="decision", name="besluit", name_en="decision")
    proposal = _propose_one(tmp_path, sentence, lang)

    assert proposal.type_slug == "decision"


def test_it_names_a_new_actor_without_the_possessive(unseen, tmp_path):
    path = _write(tmp_path, "kort.md", "---\ndate: 2022-01-28\n---\nMinister Hans Vijlbrief's "
                  "letter reached Lavrov on Tuesday.\n")  # fmt: skip

    (proposal,) = ingest.propose(ingest.read_article(path, lang="en")).items

    assert {(a.slug, a.name) for a in proposal.new_actors} == {("vijlbrief", "Hans Vijlbrief")}


def test_it_brings_untouched_drafts_up_to_date_once_the_day_is_known(unseen):
    _ingest(SEED)
    edited = _draft_citing("geschreven brief")
    edited.title = "Brieven van NAVO en VS"
    edited._history_user = User.objects.create_user("alice")
    edited.save()

    out = _ingest(SEED, "--published", "2022-01-28")

    assert "8 voorstellen (0 nieuw, 1 al bekend, 7 bijgewerkt" in out
    call = _draft_citing("telefonisch overlegd")
    assert (call.edtf, call.part_of_day, call.unresolved_date) == ("2022-01-28", "morning", "")
    assert call.confidence > 0.5
    assert call.version == 2
    # The editor's draft keeps its placeholder date for the editor to settle.
    edited.refresh_from_db()
    assert (edited.title, edited.edtf, edited.unresolved_date) == (
        "Brieven van NAVO en VS",
        "2022-01",
        "woensdag",
    )
    assert _drafts().count() == 8


def test_it_still_knows_a_draft_an_editor_renamed(ingested):
    draft = _draft_citing("telefonisch overlegd")
    draft.slug = "poetin-belt-macron"
    draft.save()

    out = _ingest(SEED, "--published", "2022-01-28")

    assert "0 nieuw, 8 al bekend" in out
    assert _drafts().count() == 8


def test_it_leaves_a_draft_alone_once_an_editor_changed_its_participants(unseen):
    _ingest(SEED)
    draft = _draft_citing("telefonisch overlegd")
    participation = draft.participations.get(actor__slug="poetin")
    participation.role = "caller"
    participation.save()

    _ingest(SEED, "--published", "2022-01-28")

    draft.refresh_from_db()
    assert (draft.edtf, draft.unresolved_date) == ("2022-01", "Vanochtend")
    assert ("poetin", "caller") in _cast(draft)


# ---------------------------------------------------------------- places


@pytest.mark.parametrize(
    ("sentence", "lang", "place", "new"),
    [
        ("De VS halen woensdag diplomaten weg uit Kiev.", "nl", "kiev", False),
        ("The US pulled diplomats out of Kyiv on Wednesday.", "en", "kiev", False),
        ("Lavrov was dinsdag in Moskou voor overleg met Blinken.", "nl", "moskou", False),
        ("Blinken en Lavrov spraken vrijdag in Genève met elkaar.", "nl", "geneve", True),
        ("Lavrov and Blinken met in Geneva on Friday.", "en", "geneve", True),
        ("Loekasjenko ontving donderdag Lavrov in Minsk.", "nl", "minsk", True),
    ],
)  # fmt: skip
def test_it_proposes_the_place_a_sentence_names(unseen, tmp_path, sentence, lang, place, new):
    path = _write(tmp_path, "plaats.md", f"---\ndate: 2022-01-28\n---\n{sentence}\n")

    (proposal,) = ingest.propose(ingest.read_article(path, lang=lang)).items

    assert proposal.as_dict()["place"]["slug"] == place
    assert proposal.as_dict()["place"]["new"] is new


def test_a_name_that_stands_for_a_participant_is_no_place(unseen, tmp_path):
    # "Moskou" is the seed's alias of Rusland: here Russia wants something, nothing happens there.
    text = "---\ndate: 2022-01-28\n---\nMoskou wil vrijdag garanties van de NAVO.\n"
    path = _write(tmp_path, "moskou.md", text)

    (proposal,) = ingest.propose(ingest.read_article(path, lang="nl")).items

    assert proposal.place is None


def test_the_json_proposals_name_the_place_and_saving_adds_a_gazetteer_city(unseen, tmp_path):
    text = "---\ndate: 2022-01-21\n---\nBlinken en Lavrov spraken vrijdag in Genève.\n"
    path = _write(tmp_path, "geneve.md", text)

    lines = _ingest(path, "--lang", "nl", "--format", "json").splitlines()

    (proposal,) = [json.loads(line) for line in lines]
    geneva = {"slug": "geneve", "name": "Genève", "lat": 46.20222, "lon": 6.14569, "new": True}
    assert proposal["place"] == geneva
    draft = Event.objects.get(slug=proposal["event"])
    assert (draft.place.name, draft.place.name_en, draft.place.country) == ("Genève", "Geneva", "CH")
    assert {"Geneva", "Genf"} <= set(draft.place.aliases.values_list("name", flat=True))


def test_the_seed_proposes_kiev_for_the_diplomats_leaving(ingested):
    assert _draft_citing("weg uit de hoofdstad Kiev").place.slug == "kiev"
    assert _draft_citing("telefonisch overlegd").place is None
