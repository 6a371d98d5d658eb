"""Loading fixtures safely: all or nothing, named problems, no silent overwrite, lossless backups.

`manage.py loaddata` is the project's override (timeline/management/commands/loaddata.py);
`manage.py dump` writes the backup that `make restore` loads.
"""

import io
import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from timeline.management.commands import dump as dump_command
from timeline.models import Actor, Change, DataVersion, Event, Source

pytestmark = pytest.mark.django_db

SEED_EVENT = "lavrov-persconferentie-2022-01-28"
TIMELINE = "oekraine-crisis-2022"


def _load(*labels: str, **options) -> str:
    out = io.StringIO()
    call_command("loaddata", *labels, stdout=out, **options)
    return out.getvalue()


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "timeline", "auth.user", "--indent", "1", stdout=out)
    return out.getvalue()


def _event_row(slug: str, edtf: str = "2022-01-28", title: str = "", published: bool = False) -> dict:
    """A draft unless asked: a published one needs a citation row too."""
    return {
        "model": "timeline.event",
        "fields": {
            "slug": slug,
            "title": title or f"Testgebeurtenis {slug}",
            "summary": "",
            "type": ["statement"],
            "status": "occurred",
            "edtf": edtf,
            "part_of_day": "",
            "location": "",
            "published": published,
            "created": "2022-01-28T12:00:00Z",
            "updated": "2022-01-28T12:00:00Z",
            "timelines": [[TIMELINE]],
        },
    }


def _write(tmp_path, rows, name: str = "bad.json") -> str:
    path = tmp_path / name
    text = rows if isinstance(rows, str) else json.dumps(rows, ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _edit_as(username: str, slug: str = SEED_EVENT, **changes) -> Event:
    """An editor's change, recorded in the audit history the way the admin records it."""
    editor, _ = User.objects.get_or_create(username=username)
    event = Event.objects.get(slug=slug)
    for name, value in changes.items():
        setattr(event, name, value)
    event._history_user = editor
    event.save()
    return event


# ---------------------------------------------------------------- loading twice


def test_it_changes_nothing_when_a_fixture_is_loaded_twice(seed):
    before = _dump()

    out = _load("seed")

    assert _dump() == before
    assert "154 object(s) al gelijk aan de database: ongemoeid." in out


def test_it_keeps_the_version_of_an_unchanged_event(seed):
    Event.objects.filter(slug=SEED_EVENT).update(version=5)

    _load("seed", verbosity=0)

    assert Event.objects.get(slug=SEED_EVENT).version == 5


# ---------------------------------------------------------------- bad fixtures load nothing


@pytest.mark.parametrize("edtf", ["2022-13-45", "blauw"])
def test_it_refuses_a_bad_date_naming_the_event_and_loads_nothing(seed, tmp_path, edtf):
    before = _dump()
    rows = [
        _event_row(SEED_EVENT, "2022-01-27"),  # a correction that must not stay either
        _event_row("goede-datum"),
        _event_row("slechte-datum", edtf),
    ]

    with pytest.raises(CommandError) as excinfo:
        _load(_write(tmp_path, rows))

    message = str(excinfo.value)
    assert "bad.json" in message
    assert "slechte-datum" in message and edtf in message
    assert message.endswith("niets geladen.")
    assert _dump() == before


def test_it_names_the_unknown_actor_and_loads_nothing(seed, tmp_path):
    before = _dump()
    rows = [
        _event_row("goede-datum"),
        {
            "model": "timeline.participation",
            "fields": {"event": ["goede-datum"], "actor": ["onbekende-acteur"], "role": "speaker"},
        },
    ]

    with pytest.raises(CommandError) as excinfo:
        _load(_write(tmp_path, rows))

    assert str(excinfo.value) == (
        f"Fixture {tmp_path / 'bad.json'}: onbekende deelnemer 'onbekende-acteur' in deelname "
        "(event 'goede-datum', actor 'onbekende-acteur', role 'speaker') (object nr. 2); "
        "niets geladen."
    )
    assert _dump() == before


def test_it_names_an_unknown_key_that_was_deferred_as_a_forward_reference(seed, tmp_path):
    before = _dump()
    rows = [
        {
            "model": "timeline.actor",
            "fields": {"slug": "nieuwe-minister", "name": "Nieuwe minister", "kind": "person",
                       "function": "", "affiliation": ["atlantis"]},
        }
    ]  # fmt: skip

    with pytest.raises(CommandError, match="onbekende deelnemer 'atlantis' in deelnemer "
                                           "'nieuwe-minister'"):  # fmt: skip
        _load(_write(tmp_path, rows))

    assert _dump() == before


def test_it_accepts_a_forward_reference_that_the_fixture_defines_later(seed, tmp_path):
    rows = [
        {
            "model": "timeline.actor",
            "fields": {"slug": "nieuwe-minister", "name": "Nieuwe minister", "kind": "person",
                       "function": "", "affiliation": ["atlantis"]},
        },
        {
            "model": "timeline.actor",
            "fields": {"slug": "atlantis", "name": "Atlantis", "kind": "state", "function": ""},
        },
    ]  # fmt: skip

    _load(_write(tmp_path, rows), verbosity=0)

    assert Event.objects.count() == 19
    assert Actor.objects.get(slug="nieuwe-minister").affiliation.slug == "atlantis"


def test_it_names_the_place_of_broken_json_and_loads_nothing(seed, tmp_path):
    before = _dump()
    text = json.dumps([_event_row("goede-datum")], indent=1)[:-3]  # cut off the end

    with pytest.raises(CommandError) as excinfo:
        _load(_write(tmp_path, text))

    message = str(excinfo.value)
    assert message.startswith(f"Fixture {tmp_path / 'bad.json'}: geen geldige JSON op regel ")
    assert re.search(r"regel \d+, kolom \d+ \(", message)
    assert _dump() == before


def test_it_names_a_bad_field_value(seed, tmp_path):
    rows = [
        {
            "model": "timeline.source",
            "fields": {"slug": "nieuw", "outlet": "X", "title": "T", "published_on": "2022-02-30"},
        }
    ]

    with pytest.raises(CommandError, match=r"bad.json, object nr. 1: .*2022-02-30"):
        _load(_write(tmp_path, rows))

    assert not Source.objects.filter(slug="nieuw").exists()


# ---------------------------------------------------------------- an editor's change survives


def test_it_refuses_to_overwrite_an_editors_change_and_loads_nothing(seed, tmp_path):
    _edit_as("alice", title="Persconferentie van Sergej Lavrov")
    before = _dump()
    rows = [_event_row("nieuwe-gebeurtenis"), _event_row(SEED_EVENT, title="Persconferentie")]

    with pytest.raises(CommandError) as excinfo:
        _load(_write(tmp_path, rows))

    message = str(excinfo.value)
    assert f"gebeurtenis '{SEED_EVENT}' is door een redacteur gewijzigd op " in message
    assert "(door alice)" in message
    assert "niets geladen" in message
    assert "Gebruik --overwrite om toch te laden." in message
    assert _dump() == before
    assert not Event.objects.filter(slug="nieuwe-gebeurtenis").exists()


def test_it_refuses_a_reload_of_the_seed_after_an_editors_change(seed):
    _edit_as("alice", summary="Aangevuld door de redactie.")

    with pytest.raises(CommandError, match=f"gebeurtenis '{SEED_EVENT}' is door een redacteur"):
        _load("seed")

    assert Event.objects.get(slug=SEED_EVENT).summary == "Aangevuld door de redactie."


def test_it_overwrites_an_editors_change_when_asked_and_records_it(seed):
    edited = _edit_as("alice", title="Persconferentie van Sergej Lavrov")

    out = _load("seed", overwrite=True)

    event = Event.objects.get(slug=SEED_EVENT)
    assert event.title == "Persconferentie van Lavrov"
    assert event.version == edited.version + 1  # an open admin form is now stale
    latest = event.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "loaddata --overwrite fixtures/seed.json"
    assert latest.title == "Persconferentie van Lavrov"
    assert f"Overschreven (--overwrite): gebeurtenis '{SEED_EVENT}'" in out
    # The overwrite is the newest entry now: the next load is an ordinary no-op.
    assert "154 object(s) al gelijk" in _load("seed")


def test_it_loads_over_an_edit_the_fixture_agrees_with(seed, tmp_path):
    _edit_as("alice", title="Testgebeurtenis " + SEED_EVENT, summary="")
    row = _event_row(SEED_EVENT, published=True)
    row["fields"]["part_of_day"] = "morning"
    row["fields"]["type"] = ["press-conference"]

    _load(_write(tmp_path, [row, _event_row("nieuwe-gebeurtenis")]), verbosity=0)

    assert Event.objects.filter(slug="nieuwe-gebeurtenis").exists()


def test_it_updates_a_row_nobody_edited_since_it_was_loaded(seed, tmp_path):
    _load(_write(tmp_path, [_event_row(SEED_EVENT, "2022-01-27", title="Gecorrigeerd", published=True)]),
          verbosity=0)  # fmt: skip

    event = Event.objects.get(slug=SEED_EVENT)
    assert (event.title, event.edtf, event.version) == ("Gecorrigeerd", "2022-01-27", 2)


def test_it_treats_drafts_from_ingest_as_loaded_not_edited(seed, tmp_path):
    call_command("ingest", "seeds/000_bae980836788e67f.txt", "--published", "2022-01-28",
                 stdout=io.StringIO())  # fmt: skip
    draft = Event.objects.filter(proposed_from__isnull=False).first()

    _load(_write(tmp_path, [_event_row(draft.slug, title="Nagekeken")]), verbosity=0)

    assert Event.objects.get(slug=draft.slug).title == "Nagekeken"


# ---------------------------------------------------------------- backup and restore


def _backup(path) -> bytes:
    call_command("dump", output=str(path), stdout=io.StringIO())
    return path.read_bytes()


def test_it_restores_a_backup_into_an_empty_database_identically(seed, tmp_path):
    call_command("ingest", "seeds/000_bae980836788e67f.txt", "--published", "2022-01-28",
                 stdout=io.StringIO())  # fmt: skip
    _edit_as("alice", title="Persconferentie van Sergej Lavrov")
    User.objects.create_user("bob", password="geheim-wachtwoord-123").groups.add(
        Group.objects.get(name="Editors")
    )
    first = _backup(tmp_path / "first.json")
    history = Event.history.count()

    _empty_the_database()
    assert not Event.objects.exists() and not User.objects.exists()
    _load(str(tmp_path / "first.json"), empty_only=True, verbosity=0)
    second = _backup(tmp_path / "second.json")

    # Django's JSON serializer writes times to the millisecond; a time whose milliseconds are
    # .000 comes back as a whole second and is then written without the fraction. Same instant.
    assert second == re.sub(rb"\.000(Z|[+-]\d\d:\d\d)\"", rb'\1"', first)
    assert Event.history.count() == history
    assert User.objects.get(username="bob").groups.get().name == "Editors"
    latest = Event.objects.get(slug=SEED_EVENT).history.first()
    assert (latest.history_user.username, latest.title) == (
        "alice",
        "Persconferentie van Sergej Lavrov",
    )


def _empty_the_database() -> None:
    # The test runs in a transaction; PostgreSQL will not empty tables with foreign-key checks
    # still pending in it, so run them first (a real restore runs outside any transaction).
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)


def test_a_restore_shows_in_every_process_on_its_next_request(client, seed, tmp_path):
    rows = json.loads(_backup(tmp_path / "backup.json"))
    for row in rows:  # a backup from before the search text knew aliases: derived again
        if row["model"] == "timeline.event":
            row["fields"]["search_text"] = ""
    _empty_the_database()
    assert client.get("/api/events.json").json()["count"] == 0

    _load(_write(tmp_path, rows, "backup.json"), empty_only=True, verbosity=0)

    published = Event.objects.published().count()
    assert client.get("/api/events.json").json()["count"] == published > 0
    putin = Event.objects.published().filter(participations__actor__slug="poetin").count()
    assert client.get("/api/events.json?q=putin").json()["count"] == putin > 0
    # One new data version for the whole restore: each process rebuilds its index once.
    number = DataVersion.read()[1]
    assert list(Change.objects.filter(number=number).values_list("kind", flat=True)) == ["all"]


def test_a_restore_that_fails_at_its_last_row_loads_nothing(seed, tmp_path):
    rows = json.loads(_backup(tmp_path / "backup.json"))
    rows.append({"model": "timeline.participation",
                 "fields": {"event": [SEED_EVENT], "actor": ["niemand"], "role": "speaker"}})  # fmt: skip
    _empty_the_database()

    with pytest.raises(CommandError, match="onbekende deelnemer 'niemand' in deelname"):
        _load(_write(tmp_path, rows, "backup.json"), empty_only=True, verbosity=0)

    assert not Event.objects.exists() and not Actor.objects.exists() and not User.objects.exists()


def test_it_uses_natural_keys_for_references_in_a_backup(seed, tmp_path):
    rows = json.loads(_backup(tmp_path / "backup.json"))

    participation = next(r for r in rows if r["model"] == "timeline.participation")
    assert isinstance(participation["fields"]["actor"], list)
    group = next(r for r in rows if r["model"] == "auth.group")
    assert ["add_actor", "timeline", "actor"] in group["fields"]["permissions"]
    assert not any(r["model"] in ("contenttypes.contenttype", "sessions.session") for r in rows)


def test_it_refuses_to_restore_into_a_database_that_is_not_empty(seed, tmp_path):
    path = tmp_path / "backup.json"
    _backup(path)
    before = _dump()

    with pytest.raises(CommandError, match=r"De database is niet leeg \(1 tijdlijnen, "):
        _load(str(path), empty_only=True)

    assert _dump() == before


def test_it_names_a_backup_after_the_time_it_was_made(seed, tmp_path, monkeypatch):
    monkeypatch.setattr(dump_command, "BACKUP_DIR", tmp_path / "backups")
    out = io.StringIO()

    call_command("dump", stdout=out)

    (path,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"timeline-\d{8}-\d{6}\.json", path.name)
    assert out.getvalue().strip() == str(path)


def _without_whole_milliseconds(backup: bytes) -> bytes:
    # Django's JSON serializer writes times to the millisecond; a time whose milliseconds are
    # .000 comes back as a whole second and is then written without the fraction. Same instant.
    return re.sub(rb"\.000(Z|[+-]\d\d:\d\d)\"", rb'\1"', backup)


def test_it_backs_up_history_naming_a_deleted_actor_and_restores_it_into_a_fresh_database(
    seed, tmp_path, fresh_sqlite_site
):
    # An ordinary edit: the participant removed from its only event, then the actor deleted.
    canada = Actor.objects.get(slug="canada")
    pk = canada.pk
    canada.participations.get().delete()
    canada.delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("dump", output=str(tmp_path / "first.json"), stdout=out, stderr=err)
    first = (tmp_path / "first.json").read_bytes()
    # The seed's row had no history: its deletion first records it as it was (timeline.history).
    assert f"historical deelname → deelnemer {pk} (2x)" in err.getvalue()
    kept = [r["fields"] for r in json.loads(first) if r["model"] == "timeline.historicalparticipation"
            and r["fields"]["actor"] == pk]  # fmt: skip
    assert [(r["history_type"], r["role"]) for r in kept] == [("+", "subject"), ("-", "subject")]

    # `make restore` into a database just migrated, then a backup of that.
    fresh_sqlite_site.manage("loaddata", "--empty-only", str(tmp_path / "first.json"))
    fresh_sqlite_site.manage("dump", "--output", str(tmp_path / "second.json"))

    assert (tmp_path / "second.json").read_bytes() == _without_whole_milliseconds(first)


def test_it_writes_backups_readable_by_their_owner_only(seed, tmp_path, monkeypatch):
    monkeypatch.setattr(dump_command, "BACKUP_DIR", tmp_path / "backups")
    call_command("dump", stdout=io.StringIO())
    call_command("dump", output=str(tmp_path / "elders.json"), stdout=io.StringIO())

    (path,) = (tmp_path / "backups").iterdir()
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "elders.json").stat().st_mode & 0o777 == 0o600


def test_a_failed_dump_leaves_no_file(seed, tmp_path, monkeypatch):
    earlier = tmp_path / "timeline-20220128-120000.json"
    _backup(earlier)

    def unreadable(source):
        raise OSError(5, "Input/output error")

    # Sources are written after users, actors and events: the file is half-written by then.
    monkeypatch.setattr(Source, "natural_key", unreadable)
    with pytest.raises(OSError):
        call_command("dump", output=str(tmp_path / "broken.json"), stdout=io.StringIO())

    assert list(tmp_path.iterdir()) == [earlier]
    json.loads(earlier.read_bytes())


# ---------------------------------------------------------------- no published fact without a quote


def _citation_row(slug: str, quote: str) -> dict:
    source = Source.objects.order_by("pk").first()
    return {"model": "timeline.citation",
            "fields": {"event": [slug], "source": list(source.natural_key()), "quote": quote}}  # fmt: skip


@pytest.mark.parametrize("quote", [None, "", "  \n "])
def test_it_refuses_a_published_event_without_a_quote_naming_it_and_loads_nothing(seed, tmp_path, quote):
    rows = [_event_row("zonder-bron", title="Zomaar een bewering", published=True),
            _event_row("met-bron", published=True)]  # fmt: skip
    rows.append(_citation_row("met-bron", "Dit staat in de bron."))
    if quote is not None:
        rows.append(_citation_row("zonder-bron", quote))
    before = _dump()

    with pytest.raises(CommandError) as refused:
        _load(_write(tmp_path, rows), verbosity=0)

    assert "Niets geladen" in str(refused.value)
    assert "zonder-bron (Zomaar een bewering)" in str(refused.value)
    assert "met-bron" not in str(refused.value)
    assert _dump() == before


def test_it_loads_a_draft_without_a_quote_and_a_published_event_with_one(seed, tmp_path):
    rows = [_event_row("concept-zonder-bron"), _event_row("met-bron", published=True),
            _citation_row("met-bron", "Dit staat in de bron.")]  # fmt: skip

    _load(_write(tmp_path, rows), verbosity=0)

    assert Event.objects.get(slug="concept-zonder-bron").published is False
    assert Event.objects.published().filter(slug="met-bron").exists()


def test_the_seed_and_a_dump_of_it_still_load(seed, tmp_path):
    _load("fixtures/seed.json", verbosity=0)  # again, over itself
    rows = json.loads(_backup(tmp_path / "backup.json"))
    published = Event.objects.published().count()
    _empty_the_database()

    _load(_write(tmp_path, rows, "backup.json"), empty_only=True, verbosity=0)

    assert Event.objects.published().count() == published > 0


def test_a_restore_refuses_a_backup_with_an_unsourced_published_event(seed, tmp_path):
    rows = json.loads(_backup(tmp_path / "backup.json"))
    rows = [row for row in rows if not (row["model"] == "timeline.citation"
                                        and row["fields"]["event"] == [SEED_EVENT])]  # fmt: skip
    _empty_the_database()

    with pytest.raises(CommandError, match=SEED_EVENT):
        _load(_write(tmp_path, rows, "backup.json"), empty_only=True, verbosity=0)

    assert not Event.objects.exists() and not User.objects.exists()
