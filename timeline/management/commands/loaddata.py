"""Django's loaddata made safe for a newsroom: all or nothing, named problems, no silent overwrite.

Everything Django's command does still happens (one transaction, natural keys, forward
references); on top of it:

- **An editor's change is never overwritten silently.** Before a row that already exists is
  saved, it is compared with the fixture (every editable field and many-to-many relation). If
  the fixture would change it and the row's newest audit-history entry (django-simple-history)
  is a change ("~") or was made by a logged-in user, someone edited it after it was loaded
  (loaddata itself writes no history). Then the whole load is refused, naming each such row,
  who changed it and when; `--overwrite` loads anyway and records the overwrite in the row's
  history ("loaddata --overwrite FILE"), so the next load compares against that.
- **A row the fixture would not change is left alone** (not even re-saved), so loading the same
  fixture twice changes nothing. A changed event gets a new `version`, so an editor who has it
  open in the admin is told, rather than overwriting the load.
- **A bad fixture loads nothing and says what is wrong**, as a CommandError naming the file:
  broken JSON (line and column), an unknown natural key ("onbekende deelnemer 'x' in deelname
  ..."; Django itself only says "Participation has no actor."), an invalid value such as a bad
  EDTF date (the model's message names the event).
- **No published fact without a source**, as everywhere else (`Event.require_source`): a fixture
  that leaves a published event without a citation with a quote loads nothing and names the
  event. Checked once, after every row (citations come after their events), in one query per
  thousand events loaded.
- **The front page stays the newsroom's.** A fixture's featured timeline loaded where another
  one is featured (the seed into an installation that features its own story) comes in as not
  featured, and the command says so; it is then one click away at /t/ and /t/<slug>/.
- `--empty-only` refuses to load into a database that already holds timeline data or users:
  what `make restore` uses, unless FORCE=1. Such a restore writes a large backup quickly: the
  change hub notes nothing row by row (`changes.all_at_once`: one search-text rebuild and one
  data version at the end), a reference is resolved from the rows already written, read once
  per model (a backup is in dependency order) instead of a query per reference, and a row is
  inserted without first trying an UPDATE. Still one transaction: all or nothing.

The exceptions are CommandErrors (a clean message and exit status 1 on the command line) that
are also the exception Django would have raised (DeserializationError, ValidationError), so
code catching those keeps working.
"""

from __future__ import annotations

import contextlib
import json
import os

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import loaddata
from django.core.serializers import base as serializer_base
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import Deserializer as JSONDeserializer
from django.db import DatabaseError, models, router
from django.utils import timezone

from timeline import changes
from timeline.management.commands.dump import PROCESS_STATE, natural_keys
from timeline.models import Citation, Event, Timeline


class FixtureRefused(CommandError):
    """Nothing was loaded; the message names the fixture and the problem."""


class BrokenFixture(FixtureRefused, DeserializationError):
    pass


class UnknownReference(FixtureRefused, DeserializationError):
    pass


class InvalidValue(FixtureRefused, ValidationError):
    def __str__(self) -> str:
        return self.message


class EditedSinceLoad(FixtureRefused):
    pass


class DatabaseNotEmpty(FixtureRefused):
    pass


class UnsourcedEvent(FixtureRefused):
    pass


OVERWRITE_REASON = "loaddata --overwrite"


class Command(loaddata.Command):
    help = (
        "Load fixtures all or nothing. Refuses (and loads nothing) when the fixture would change "
        "a row that someone edited after it was loaded (its newest history entry is a change or "
        "was made by a logged-in user); --overwrite loads anyway and records that in the "
        "history. Rows the fixture would not change are left alone. A bad fixture (broken JSON, "
        "unknown natural key, invalid value) is refused with a message naming the problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="load even over rows that someone edited after they were loaded",
        )
        parser.add_argument(
            "--empty-only",
            action="store_true",
            help="refuse unless the database holds no timeline data and no users (a restore)",
        )

    def handle(self, *fixture_labels, **options) -> None:
        self.overwrite = options["overwrite"]
        # Into a database checked to be empty there is nothing to compare with: skip the look-up
        # per row, which a restore of a large backup would otherwise pay for every row.
        self.restoring = options["empty_only"]
        self.compare_existing = not self.restoring
        if self.restoring:
            self._refuse_unless_empty(options["database"])
        super().handle(*fixture_labels, **options)

    # ---------------------------------------------------------------- loading

    def loaddata(self, fixture_labels) -> None:
        self.unchanged = 0
        self.overwritten: list[str] = []
        self.kept_featured: list[str] = []
        self._file_of: dict[int, str] = {}
        self._events: list[int] = []  # the pks of the events this load wrote
        # Inside the transaction Django's loaddata opens around this.
        noting = changes.all_at_once(self.using) if self.restoring else contextlib.nullcontext()
        try:
            with noting:
                super().loaddata(fixture_labels)
                self._refuse_unsourced()
        except FixtureRefused:
            raise
        except DeserializationError as exc:
            # Raised while saving forward references, after every file was read.
            raise self._deferred_problem(exc) from exc
        except ValidationError as exc:
            raise InvalidValue(f"{'; '.join(exc.messages)}; niets geladen.") from exc
        if self.verbosity >= 1 and self.unchanged:
            self.stdout.write(f"{self.unchanged} object(s) al gelijk aan de database: ongemoeid.")
        for line in self.overwritten:
            self.stdout.write(self.style.WARNING(f"Overschreven (--overwrite): {line}"))
        for line in self.kept_featured:
            self.stdout.write(self.style.WARNING(line))

    def load_label(self, fixture_label) -> None:
        if fixture_label == loaddata.READ_STDIN:
            self._load_file(fixture_label, fixture_label)
            return
        for fixture_file, _, _ in self.find_fixtures(fixture_label):
            self._load_file(fixture_file, fixture_file)

    def _load_file(self, label: str, fixture_file: str) -> None:
        self._current = fixture_file
        self._seen = 0  # objects read from this file so far
        self._conflicts: list[str] = []
        name = _display(fixture_file)
        try:
            if self.restoring and self.parse_name(os.path.basename(label))[1] == "json":
                self._restore_json(label)
            else:
                super().load_label(label)
        except FixtureRefused:
            raise
        except DeserializationError as exc:
            raise self._explain(exc, fixture_file) from exc
        except ValidationError as exc:
            raise InvalidValue(f"Fixture {name}: {'; '.join(exc.messages)}; niets geladen.") from exc
        except (DatabaseError, ValueError) as exc:
            message = f"Fixture {name}: {_without_prefix(exc)}; niets geladen."
            raise FixtureRefused(message) from exc
        if self._conflicts:
            lines = "\n".join(f"  - {line}" for line in self._conflicts)
            raise EditedSinceLoad(
                f"Fixture {name}: niets geladen. Deze rijen zijn na het laden door een redacteur "
                f"gewijzigd en de fixture zou ze overschrijven:\n{lines}\n"
                "Gebruik --overwrite om toch te laden."
            )

    def _restore_json(self, fixture_file: str) -> None:
        """Django's load_label for a JSON backup going into the tables checked to be empty."""
        _, _, compression = self.parse_name(os.path.basename(fixture_file))
        open_method, mode = self.compression_formats[compression]
        self.fixture_count += 1
        with open_method(fixture_file, mode) as fixture:
            rows = RestoreDeserializer(
                fixture,
                using=self.using,
                ignorenonexistent=self.ignore,
                handle_forward_references=True,
                empty=set(_restored_models()),
            )
            for obj in rows:
                self.fixture_object_count += 1
                self.loaded_object_count += self.save_obj(obj)

    def save_obj(self, obj) -> bool:
        self._seen += 1
        instance = obj.object
        model = type(instance)
        if isinstance(instance, Timeline) and instance.featured:
            self._keep_featured(instance)
        excluded = (
            instance._meta.app_config in self.excluded_apps
            or model in self.excluded_models
            or not router.allow_migrate_model(self.using, model)
        )
        current = None
        if self.compare_existing and not excluded and instance.pk is not None and not obj.deferred_fields:
            current = model._base_manager.using(self.using).filter(pk=instance.pk).first()
        if current is None:
            saved = super().save_obj(obj)
            if obj.deferred_fields:
                self._file_of[id(obj)] = self._current
            self._note_event(instance, saved)
            return saved

        changed = _changed_fields(instance, current, obj.m2m_data, self.using)
        if not changed:
            self.unchanged += 1
            return False
        edit = _last_edit(current, self.using)
        if edit is not None and not self.overwrite:
            self._conflicts.append(_describe_edit(current, edit, changed))
            return False
        if any(f.name == "version" for f in model._meta.concrete_fields):
            # Whoever has this row open in the admin must reload before saving over it.
            instance.version = max(instance.version or 1, (current.version or 1) + 1)
        saved = super().save_obj(obj)
        if edit is not None:
            self._record_overwrite(instance, edit)
        self._note_event(instance, saved)
        return saved

    def _keep_featured(self, timeline: Timeline) -> None:
        """Load the fixture's featured timeline as not featured when the database already
        features another (there is one front page, and an editor chose it)."""
        others = Timeline.objects.using(self.using).filter(featured=True).exclude(slug=timeline.slug)
        if timeline.pk is not None:
            others = others.exclude(pk=timeline.pk)
        featured = others.first()
        if featured is None:
            return
        timeline.featured = False
        self.kept_featured.append(
            f"Tijdlijn '{timeline.slug}' geladen als niet uitgelicht: '{featured.slug}' is de "
            "uitgelichte tijdlijn en blijft dat (wijzig het in de admin)."
        )

    def _note_event(self, instance, saved: bool) -> None:
        if saved and isinstance(instance, Event):
            self._events.append(instance.pk)

    def _refuse_unsourced(self) -> None:
        """The published events this load wrote that have no quoted citation, as the fixture
        left them (a citation of another fixture in the same load counts)."""
        quoted = Citation.objects.using(self.using).exclude(quote__regex=r"^\s*$")
        unsourced = []
        for i in range(0, len(self._events), 1000):
            unsourced += (
                Event.objects.using(self.using)
                .filter(pk__in=self._events[i : i + 1000], published=True)
                .exclude(pk__in=quoted.values("event_id"))
                .order_by("slug")
                .values_list("slug", "title")
            )
        if unsourced:
            names = "\n".join(f"  - {slug} ({title})" for slug, title in unsourced)
            raise UnsourcedEvent(
                "Niets geladen: deze gebeurtenissen zouden gepubliceerd zijn zonder citaat met "
                f"een zin uit de bron:\n{names}\n"
                "Geef elk een citaat met tekst, of zet ze op niet gepubliceerd (concept)."
            )

    def _record_overwrite(self, instance, edit) -> None:
        """A history entry for the overwrite, so that the editor's version can be found (and
        restored) and the next load sees the row as loaded, not edited."""
        historical = type(edit)
        row = historical(
            history_date=timezone.now(),
            history_type="~",
            history_change_reason=f"{OVERWRITE_REASON} {_display(self._current)}"[:100],
            **{f.attname: getattr(instance, f.attname) for f in historical.tracked_fields},
        )
        row.save(using=self.using)
        self.overwritten.append(_label(instance))

    # ---------------------------------------------------------------- explaining problems

    def _explain(self, exc: DeserializationError, fixture_file: str) -> FixtureRefused:
        name = _display(fixture_file)
        json_error = _cause(exc, json.JSONDecodeError)
        if json_error is not None:
            return BrokenFixture(
                f"Fixture {name}: geen geldige JSON op regel {json_error.lineno}, kolom "
                f"{json_error.colno} ({json_error.msg}); niets geladen."
            )
        rows = _rows(fixture_file)
        if rows is not None:
            # The row being read when it failed, or a later one (rows skipped by
            # --ignorenonexistent are not counted).
            for number, row in enumerate(rows[self._seen :], start=self._seen + 1):
                problem = self._unknown_reference(row)
                if problem:
                    return UnknownReference(
                        f"Fixture {name}: {problem} (object nr. {number}); niets geladen."
                    )
        else:
            strict = self._strict_error(fixture_file)
            if strict:
                return UnknownReference(f"Fixture {name}: {strict}; niets geladen.")
        return BrokenFixture(
            f"Fixture {name}, object nr. {self._seen + 1}: {_without_prefix(exc)}; niets geladen."
        )

    def _deferred_problem(self, exc: DeserializationError) -> FixtureRefused:
        for obj in self.objs_with_deferred_fields:
            instance = obj.object
            for field, value in obj.deferred_fields.items():
                related = field.remote_field.model
                values = value if field.many_to_many else [value]
                for key in values:
                    if not self._exists(related, key):
                        name = _display(self._file_of.get(id(obj), "?"))
                        return UnknownReference(
                            f"Fixture {name}: onbekende {related._meta.verbose_name} {_key(key)} "
                            f"in {_label(instance)} (veld {field.verbose_name}); niets geladen."
                        )
        return BrokenFixture(f"{_without_prefix(exc)}; niets geladen.")

    def _unknown_reference(self, row) -> str:
        try:
            model = apps.get_model(row["model"])
            fields = row.get("fields", {})
        except (LookupError, KeyError, TypeError, ValueError, AttributeError):
            return ""
        for field_name, value in fields.items():
            try:
                field = model._meta.get_field(field_name)
            except FieldDoesNotExist:
                continue
            if not field.is_relation or value is None or not field.concrete:
                continue
            related = field.remote_field.model
            for key in value if field.many_to_many else [value]:
                if not self._exists(related, key):
                    return (
                        f"onbekende {related._meta.verbose_name} {_key(key)} in "
                        f"{model._meta.verbose_name} {_describe_row(fields)}"
                    )
        return ""

    def _exists(self, model, key) -> bool:
        try:
            if isinstance(key, (list, tuple)):
                model._default_manager.db_manager(self.using).get_by_natural_key(*key)
                return True
            return model._base_manager.using(self.using).filter(pk=key).exists()
        except model.DoesNotExist:
            return False
        except Exception:  # noqa: BLE001 - cannot judge this key; let Django's message stand
            return True

    def _strict_error(self, fixture_file: str) -> str:
        """For formats we do not read ourselves: deserialize again without forward references,
        which makes Django name the missing key."""
        from django.core import serializers

        _, ser_fmt, cmp_fmt = self.parse_name(os.path.basename(fixture_file))
        open_method, mode = self.compression_formats[cmp_fmt]
        try:
            with open_method(fixture_file, mode) as fixture:
                for _ in serializers.deserialize(
                    ser_fmt, fixture, using=self.using, handle_forward_references=False
                ):
                    pass
        except DeserializationError as exc:
            return _without_prefix(exc)
        except Exception:  # noqa: BLE001 - only an explanation; the original error stands
            return ""
        return ""

    # ---------------------------------------------------------------- restoring

    def _refuse_unless_empty(self, using: str) -> None:
        counts = []
        for model in _restored_models():
            count = model._base_manager.using(using).count()
            if count:
                counts.append(f"{count} {model._meta.verbose_name_plural}")
        if counts:
            raise DatabaseNotEmpty(
                f"De database is niet leeg ({', '.join(counts[:6])}"
                f"{', …' if len(counts) > 6 else ''}); niets geladen. Laad zonder --empty-only "
                "(make restore FORCE=1) om toch te laden; rijen die een redacteur sindsdien "
                "wijzigde worden dan nog steeds geweigerd."
            )


class RestoreDeserializer(JSONDeserializer):
    """Django's JSON deserializer for a backup restored into empty tables (`empty`).

    A reference by natural key is looked up among the rows already in the database, all of
    its model's read in one query the first time one is needed: a backup is written in
    dependency order, so they are there by then. A key not found there (a row further on) is
    looked up as Django does, and deferred if it is not there yet. A row of an empty table is
    inserted without first trying an UPDATE."""

    def __init__(self, stream_or_string, *, empty: set, **options):
        super().__init__(stream_or_string, **options)
        self.empty = empty
        self._pks: dict[type, dict] = {}

    def _handle_object(self, obj):
        for row in super()._handle_object(obj):
            if type(row.object) in self.empty:
                row = _NewRow(row.object, row.m2m_data, row.deferred_fields)
            yield row

    def _pk_of(self, model, key):
        """The primary key of the row written with this natural key, or None."""
        if not (
            isinstance(key, list)
            and hasattr(model._default_manager, "get_by_natural_key")
            and not model._meta.pk.remote_field
        ):
            return None
        if model not in self._pks:
            self._pks[model] = {k: pk for pk, k in natural_keys(model, self.using).items()}
        known = self._pks[model]
        try:
            key = tuple(key)
            if key not in known:  # written since the model was read (a reference to its own)
                manager = model._default_manager.db_manager(self.using)
                known[key] = manager.get_by_natural_key(*key).pk
        except (TypeError, ObjectDoesNotExist):  # a row further on, or no key: Django's way
            return None
        return known[key]

    def _handle_fk_field_node(self, field, field_value):
        model = field.remote_field.model
        if field.remote_field.field_name == model._meta.pk.name:
            pk = self._pk_of(model, field_value)
            if pk is not None:
                return pk
        return super()._handle_fk_field_node(field, field_value)

    def _handle_m2m_field_node(self, field, field_value):
        model = field.remote_field.model
        try:
            pks = [self._pk_of(model, value) for value in field_value]
        except TypeError:  # not a list: Django's message
            pks = [None]
        if pks and None not in pks:
            return pks
        return super()._handle_m2m_field_node(field, field_value)


class _NewRow(serializer_base.DeserializedObject):
    """A row for a table that was empty: inserted without an UPDATE tried first (which a save
    with a primary key does), its many-to-many rows without first reading which are there.
    Saved again for a forward reference, it is there: Django's save."""

    inserted = False

    def save(self, save_m2m=True, using=None, **kwargs):
        if self.inserted:
            return super().save(save_m2m, using, **kwargs)
        self.inserted = True
        instance = self.object
        models.Model.save_base(instance, using=using, raw=True, force_insert=True, **kwargs)
        for name, pks in (self.m2m_data or {}).items() if save_m2m else ():
            field = instance._meta.get_field(name)
            through = field.remote_field.through
            source = through._meta.get_field(field.m2m_field_name()).attname
            target = through._meta.get_field(field.m2m_reverse_field_name()).attname
            through._base_manager.using(using).bulk_create(
                [through(**{source: instance.pk, target: pk}) for pk in pks]
            )
        self.m2m_data = None


# -------------------------------------------------------------------- helpers


def _restored_models() -> list:
    """What a restore requires to be empty. The data-version row (and the Editors group) come
    with the migrations, not the data."""
    timeline = [m for m in apps.get_app_config("timeline").get_models() if m not in PROCESS_STATE]
    return [*timeline, get_user_model()]


def _changed_fields(instance, current, m2m_data: dict, using: str) -> list[str]:
    """The editable fields and relations the fixture would change."""
    changed = [
        field.name
        for field in instance._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and getattr(instance, field.attname) != getattr(current, field.attname)
    ]
    for field_name, values in (m2m_data or {}).items():
        now = getattr(current, field_name).using(using).values_list("pk", flat=True)
        if {str(v) for v in values} != {str(v) for v in now}:
            changed.append(field_name)
    return changed


def _last_edit(instance, using: str):
    """The newest history entry if it shows an edit after the row was loaded, else None."""
    attribute = getattr(instance._meta, "simple_history_manager_attribute", None)
    if not attribute:
        return None
    latest = getattr(instance, attribute).all().using(using).order_by("-history_date", "-history_id").first()
    if latest is None:
        return None
    if (latest.history_change_reason or "").startswith(OVERWRITE_REASON):
        return None
    if latest.history_type == "~" or latest.history_user_id is not None:
        return latest
    return None


def _describe_edit(current, edit, changed: list[str]) -> str:
    when = timezone.localtime(edit.history_date).strftime("%Y-%m-%d %H:%M")
    who = edit.history_user.get_username() if edit.history_user_id else "onbekend (geen login)"
    return (
        f"{_label(current)} is door een redacteur gewijzigd op {when} (door {who}); de fixture "
        f"wijzigt: {', '.join(changed)}"
    )


def _label(instance) -> str:
    """'gebeurtenis 'lavrov-persconferentie-2022-01-28'' and the like."""
    try:
        key = instance.natural_key()
    except Exception:  # noqa: BLE001 - a half-built instance has no natural key yet
        key = (instance.pk,)
    return f"{instance._meta.verbose_name} {_key(list(key))}"


def _key(key) -> str:
    if isinstance(key, (list, tuple)):
        return repr("/".join(str(part) for part in key))
    return repr(key)


def _describe_row(fields: dict) -> str:
    parts = []
    for name, value in fields.items():
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            parts.append(f"{name} {_key(value)}")
        elif isinstance(value, str) and value and len(value) <= 40:
            parts.append(f"{name} {value!r}")
        if len(parts) == 4:
            break
    return f"({', '.join(parts)})" if parts else ""


def _rows(fixture_file: str) -> list | None:
    """The objects of a plain JSON fixture, to find the row a problem is in; else None."""
    if not fixture_file.endswith(".json"):
        return None
    try:
        with open(fixture_file, encoding="utf-8") as fixture:
            rows = json.load(fixture)
    except (OSError, ValueError):
        return None
    return rows if isinstance(rows, list) else None


def _cause(exc: BaseException, kind: type) -> BaseException | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _display(path: str) -> str:
    if path == loaddata.READ_STDIN:
        return "(stdin)"
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


def _without_prefix(exc: BaseException) -> str:
    """Django prefixes "Problem installing fixture '<path>': "; we name the file ourselves."""
    text = str(exc)
    if text.startswith("Problem installing fixture"):
        text = text.split(": ", 1)[-1]
    return text
