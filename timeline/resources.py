"""Events as a spreadsheet: the columns a TimelineJS user knows, plus ours.

`EventResource` (django-import-export) serves the admin's import and export (CSV and XLSX) and
any later export such as /export/events.csv:

    EventResource().export(Event.objects.published()).csv

Columns, in this order: Year, Month, Day, Time, End Year, End Month, End Day, End Time, Display
Date, Headline, Text, Media, Media Credit, Media Caption, Media Thumbnail, Type, Group,
Background (TimelineJS's own), then Slug, EDTF, Part Of Day, Status, Event Type, Actors, Quote,
Source, Published, Location, Timelines.

Reading a row:

- The date: EDTF wins when given; else Year/Month/Day (and End Year/Month/Day) with exactly the
  precision the columns have (Year only is "2022", Year and Month "2022-01", an end makes an
  interval); else the Display Date as an article says it ("woensdag"), read from the
  publication date of the row's source. Part Of Day, or else a Time ("09:30" is morning).
- Headline is the title, Text the summary, Group the type (its name or slug) when Event Type
  (a slug) is empty. Slug, when empty, is made from the Headline.
- Actors: "lavrov:speaker; poetin:subject" (actor slugs with roles; the Dutch role names work
  too). Quote and Source: the quotes, separated by an empty line, and the source slugs,
  separated by ";" (one source for all quotes, or one per quote). When a column is present,
  the event's participants or citations become exactly what it says.
- An unknown actor, source, type or timeline, a date that cannot be placed, a missing role:
  the row is invalid, the error names the column and the value, and nothing is imported
  (`use_transactions`; the admin also rolls back on validation errors).

Safe in a spreadsheet: anyone may type a title such as `=HYPERLINK(…)`, and a spreadsheet
program runs a cell that starts with = + - @ (or a tab or carriage return) as a formula. The
formats below write such a cell as text: in a CSV with a leading single quote (OWASP's advice;
the import takes it off again, so a round trip changes nothing), in an XLSX as a text cell with
the value unchanged. (import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is no help: in
4.4 it deletes the first "=" and leaves + - @ alone.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from functools import partial

import tablib
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, Prefetch
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _
from import_export import fields, forms, instance_loaders, resources, widgets
from import_export.formats import base_formats

from timeline import dates
from timeline.admin_forms import resolve_for
from timeline.models import Actor, Citation, Event, EventType, Participation, Place, Source, Timeline

QUOTE_SEPARATOR = "\n\n"
LIST_SEPARATOR = "; "
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(am|pm)?", re.IGNORECASE)

ROLES = {value: value for value in Participation.Role.values} | {
    str(label).lower(): value for value, label in Participation.Role.choices
}
STATUSES = {value: value for value in Event.Status.values} | {
    str(label).lower(): value for value, label in Event.Status.choices
}
PARTS_OF_DAY = {value: value for value in Event.PartOfDay.values} | {
    str(label).lower(): value for value, label in Event.PartOfDay.choices
}
# What makes a spreadsheet program read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TRUE = {"1", "true", "ja", "yes", "waar", "x"}
FALSE = {"", "0", "false", "nee", "no", "onwaar"}


def neutralise_formula(value):
    """A cell for a CSV: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text(value) -> str:
    """A cell as text, whatever CSV or XLSX made of it (None, 2022.0, True, a date); a CSV
    cell that `neutralise_formula` quoted comes back as it was."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        value = value[1:]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _is_edtf(text: str) -> bool:
    try:
        dates.edtf_bounds(text)
    except dates.InvalidEDTF:
        return False
    return True


def _split(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]


def _edtf_point(year: str, month: str, day: str, which: str) -> str:
    if not year:
        if month or day:
            raise ValueError(_("%(which)s: een maand of dag zonder jaar") % {"which": which})
        return ""
    if day and not month:
        raise ValueError(_("%(which)s: een dag zonder maand") % {"which": which})
    try:
        point = f"{int(year):04d}"
        if month:
            point += f"-{int(month):02d}"
        if day:
            point += f"-{int(day):02d}"
    except ValueError:
        raise ValueError(
            _("%(which)s: ‘%(date)s’ zijn geen getallen") % {"which": which, "date": f"{year}-{month}-{day}"}
        ) from None
    return point


def _part_of_day_from_time(time: str) -> str:
    m = _TIME.fullmatch(time.strip())
    if not m:
        raise ValueError(_("‘%(time)s’ is geen tijd (bijvoorbeeld 09:30)") % {"time": time})
    hour = int(m.group(1)) % 24
    if m.group(3) and m.group(3).lower() == "pm" and hour < 12:
        hour += 12
    if 6 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 24:
        return "evening"
    return "night"


# How newsrooms' spreadsheet programs save text: UTF-8 (with Excel's BOM or without), else the
# Windows code page of a Dutch Excel, which is Latin-1 plus typographic quotes and the euro sign;
# Latin-1 last, for the five bytes Windows-1252 leaves undefined.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t"


def decode_text(content: bytes) -> str:
    """The text of an uploaded CSV file, in whichever of ENCODINGS it decodes in first."""
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    """The CSV's field separator: a comma, or the semicolon a Dutch Excel writes (its decimal
    separator is the comma), or a tab. csv.Sniffer reads the first lines; where it cannot
    decide (a single column, quotes everywhere), the header row's count decides."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=header.count) if header else ","


class CSV(base_formats.CSV):
    """The admin's and /export/events.csv's CSV: formula cells neutralised; on import, any of
    the encodings and separators a newsroom's spreadsheet program writes."""

    def create_dataset(self, in_stream, **kwargs):
        text = decode_text(in_stream) if isinstance(in_stream, bytes) else in_stream
        return tablib.import_set(text, format="csv", delimiter=sniff_delimiter(text), **kwargs)

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(
            *[[neutralise_formula(cell) for cell in row] for row in dataset],
            headers=dataset.headers,
        )
        return super().export_data(safe, **kwargs)


class _TextCellsXLSXFormat(tablib.formats.registry.get_format("xlsx")):  # tablib's, by its public name
    @classmethod
    def dset_sheet(cls, dataset, ws, *args, **kwargs):
        super().dset_sheet(dataset, ws, *args, **kwargs)
        # openpyxl makes every string that starts with "=" a formula; these are titles.
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


class XLSX(base_formats.XLSX):
    """The admin's XLSX: every cell a value, never a formula."""

    def export_data(self, dataset, **kwargs):
        return _TextCellsXLSXFormat.export_set(dataset, **kwargs)


# The admin's formats, in the order of its format menu.
FORMATS = [CSV, XLSX]


class ExportForm(forms.SelectableFieldsExportForm):
    """The export page's column list under the model's own labels: "Datum (EDTF) — kolom EDTF",
    not the library's title-cased attribute name ("Edtf", "Timelinejs Type")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields[field_name]
        model_field = None
        if field.attribute:
            name = field.attribute.split("__")[0]
            model_field = next((f for f in Event._meta.get_fields() if f.name == name), None)
        if model_field is None or not hasattr(model_field, "verbose_name"):
            return _("kolom %(column)s") % {"column": field.column_name}
        return _("%(label)s — kolom %(column)s") % {
            "label": capfirst(model_field.verbose_name), "column": field.column_name,
        }  # fmt: skip


class SlugForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key by slug; an unknown slug is a row error that names it."""

    def __init__(self, model, what: str):
        super().__init__(model, field="slug")
        self.what = what

    def clean(self, value, row=None, **kwargs):
        slug = _text(value)
        if not slug:
            raise ValueError(_("%(what)s ontbreekt") % {"what": self.what})
        try:
            return self.model.objects.get(slug=slug)
        except self.model.DoesNotExist:
            raise ValueError(
                _("onbekende %(what)s ‘%(value)s’") % {"what": self.what, "value": slug}
            ) from None


class OptionalSlugForeignKeyWidget(SlugForeignKeyWidget):
    """A foreign key by slug that may be empty (an event without a place)."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) if _text(value) else None


class SlugManyToManyWidget(widgets.ManyToManyWidget):
    def __init__(self, model, what: str):
        super().__init__(model, separator=";", field="slug")
        self.what = what

    def clean(self, value, row=None, **kwargs):
        slugs = _split(_text(value))
        found = {o.slug: o for o in self.model.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise ValueError(
                _("onbekende %(what)s %(values)s")
                % {"what": self.what, "values": ", ".join(f"‘{s}’" for s in unknown)}
            )
        return [found[s] for s in slugs]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return LIST_SEPARATOR.join(o.slug for o in value.all())


class PublishedWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError(_("‘%(value)s’ is geen ja of nee (1/0, ja/nee, TRUE/FALSE)") % {"value": value})


class ChoiceWidget(widgets.CharWidget):
    """A choice by its value or its Dutch label ("scheduled" or "gepland")."""

    def __init__(self, choices: dict[str, str], what: str, default: str = ""):
        super().__init__()
        self.choices = choices
        self.what = what
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text:
            return self.default
        if text not in self.choices:
            allowed = ", ".join(sorted(set(self.choices.values())))
            raise ValueError(
                _("onbekende %(what)s ‘%(value)s’ (kies uit %(allowed)s)")
                % {"what": self.what, "value": value, "allowed": allowed}
            )
        return self.choices[text]


def date_part(end: int, index: int):
    """The column that shows one part (0 year, 1 month, 2 day) of the start (0) or the end (1)."""

    def dehydrate(event: Event):
        return dates.date_parts(event.edtf, event.start, event.end)[end][index]

    return dehydrate


def _validate_unchecked_constraints(instance, exclude) -> None:
    """`Model.validate_constraints` but for the check constraints. Event's three restate what
    `clean_fields` (the status and part-of-day choices) and `derive_dates` (a start before its
    end) have checked by then, and validating one is a query: three a row. A constraint of
    another kind is still validated."""
    errors: dict = {}
    for constraint in instance._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            continue
        try:
            constraint.validate(type(instance), instance, exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class EventsBySlug(instance_loaders.ModelInstanceLoader):
    """The events a file names, read a thousand at a time when the import begins instead of in
    four queries a row. A slug the file does not hold as such (made from a headline while
    importing, or written with spaces around it) is looked up as it comes, as before."""

    BATCH = 1000

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.field = resource.fields["slug"]
        column = self.field.column_name
        self.read = sorted(
            {str(row[column]) for row in (dataset.dict if column in dataset.headers else [])}
        )
        self.found = {}
        for begin in range(0, len(self.read), self.BATCH):
            batch = self.read[begin : begin + self.BATCH]
            self.found |= {e.slug: e for e in self.get_queryset().filter(slug__in=batch)}
        self.read = set(self.read)

    def get_instance(self, row):
        slug = self.field.clean(row)
        if slug in self.read:
            return self.found.get(slug)
        return super().get_instance(row)


class EventResource(resources.ModelResource):
    # TimelineJS's columns.
    year = fields.Field(column_name="Year", dehydrate_method=date_part(0, 0))
    month = fields.Field(column_name="Month", dehydrate_method=date_part(0, 1))
    day = fields.Field(column_name="Day", dehydrate_method=date_part(0, 2))
    time = fields.Field(column_name="Time")
    end_year = fields.Field(column_name="End Year", dehydrate_method=date_part(1, 0))
    end_month = fields.Field(column_name="End Month", dehydrate_method=date_part(1, 1))
    end_day = fields.Field(column_name="End Day", dehydrate_method=date_part(1, 2))
    end_time = fields.Field(column_name="End Time")
    display_date = fields.Field(column_name="Display Date")
    headline = fields.Field(attribute="title", column_name="Headline", widget=widgets.CharWidget())
    text = fields.Field(attribute="summary", column_name="Text", widget=widgets.CharWidget())
    media = fields.Field(column_name="Media")
    media_credit = fields.Field(column_name="Media Credit")
    media_caption = fields.Field(column_name="Media Caption")
    media_thumbnail = fields.Field(column_name="Media Thumbnail")
    timelinejs_type = fields.Field(column_name="Type")
    group = fields.Field(column_name="Group")
    background = fields.Field(column_name="Background")
    # Ours.
    slug = fields.Field(attribute="slug", column_name="Slug", widget=widgets.CharWidget())
    edtf = fields.Field(attribute="edtf", column_name="EDTF", widget=widgets.CharWidget())
    part_of_day = fields.Field(
        attribute="part_of_day",
        column_name="Part Of Day",
        widget=ChoiceWidget(PARTS_OF_DAY, Event._meta.get_field("part_of_day").verbose_name),
    )
    status = fields.Field(
        attribute="status",
        column_name="Status",
        widget=ChoiceWidget(
            STATUSES, Event._meta.get_field("status").verbose_name, default=Event.Status.OCCURRED
        ),
    )
    event_type = fields.Field(
        attribute="type",
        column_name="Event Type",
        widget=SlugForeignKeyWidget(EventType, EventType._meta.verbose_name),
    )
    actors = fields.Field(column_name="Actors")
    quote = fields.Field(column_name="Quote")
    source = fields.Field(column_name="Source")
    published = fields.Field(
        attribute="published", column_name="Published", widget=PublishedWidget()
    )
    location = fields.Field(
        attribute="location", column_name="Location", widget=widgets.CharWidget()
    )
    place = fields.Field(
        attribute="place",
        column_name="Place",
        widget=OptionalSlugForeignKeyWidget(Place, Place._meta.verbose_name),
    )
    timelines = fields.Field(
        attribute="timelines",
        column_name="Timelines",
        widget=SlugManyToManyWidget(Timeline, Timeline._meta.verbose_name),
    )

    class Meta:
        model = Event
        fields = [
            "year", "month", "day", "time", "end_year", "end_month", "end_day", "end_time",
            "display_date", "headline", "text", "media", "media_credit", "media_caption",
            "media_thumbnail", "timelinejs_type", "group", "background",
            "slug", "edtf", "part_of_day", "status", "event_type", "actors", "quote", "source",
            "published", "location", "place", "timelines",
        ]  # fmt: skip
        export_order = fields
        import_id_fields = ["slug"]
        instance_loader_class = EventsBySlug
        use_transactions = True
        # The preview is a summary and the first rows (timeline.imports), not a diff per row.
        skip_diff = True
        skip_unchanged = False
        clean_model_instances = True

    # -- export ------------------------------------------------------------------------------

    def get_queryset(self):
        return self._with_details(Event.objects.all())

    @staticmethod
    def _with_details(queryset):
        return (
            queryset.select_related("type", "place")
            .prefetch_related(None)
            .prefetch_related(
                Prefetch(
                    "participations",
                    queryset=Participation.objects.select_related("actor").order_by("pk"),
                ),
                Prefetch("citations", queryset=Citation.objects.select_related("source")),
                "timelines",
            )
        )

    def export(self, queryset=None, **kwargs):
        if queryset is not None:
            queryset = self._with_details(queryset)
        return super().export(queryset=queryset, **kwargs)

    def csv_chunks(self, queryset, chunk_size: int = 64 * 1024) -> Iterator[str]:
        """The CSV that `CSV().export_data(self.export(queryset))` writes, a piece at a time,
        so that a large export starts at once and never sits whole in memory."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # tablib's dialect: excel, CRLF
        writer.writerow(self.get_export_headers())
        for event in self.iter_queryset(self._with_details(queryset)):
            writer.writerow([neutralise_formula(cell) for cell in self.export_resource(event)])
            if buffer.tell() >= chunk_size:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def dehydrate_display_date(self, event):
        return event.date_label() if event.edtf else ""

    def dehydrate_group(self, event):
        return event.type.name if event.type_id else ""

    def dehydrate_actors(self, event):
        if not event.pk:
            return ""
        return LIST_SEPARATOR.join(f"{p.actor.slug}:{p.role}" for p in event.participations.all())

    def _citations(self, event) -> list[Citation]:
        return list(event.citations.all()) if event.pk else []

    def dehydrate_quote(self, event):
        return QUOTE_SEPARATOR.join(c.quote for c in self._citations(event))

    def dehydrate_source(self, event):
        slugs = [c.source.slug for c in self._citations(event)]
        if len(set(slugs)) == 1:
            return slugs[0]
        return LIST_SEPARATOR.join(slugs)

    def dehydrate_timelines(self, event):
        if not event.pk:
            return ""
        return LIST_SEPARATOR.join(t.slug for t in event.timelines.all())

    # -- import ------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self._actors = {a.slug: a for a in Actor.objects.all()}
        self._sources = {s.slug: s for s in Source.objects.all()}
        types = list(EventType.objects.all())
        self._types = {t.slug: t for t in types}
        self._type_names = {str(t.name).lower(): t for t in types}
        self._type_names |= {str(t.name_en).lower(): t for t in types if t.name_en}
        self._slugs_in_file = Counter()
        if "Slug" not in (dataset.headers or []):
            # A plain TimelineJS sheet: the slugs are made from the headlines, row by row.
            dataset.append_col([""] * len(dataset), header="Slug")

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        # Every row, good or bad (after_import_row only sees the good ones).
        if report := kwargs.get("progress"):
            report(row)
        return row_result

    def before_import_row(self, row, **kwargs):
        """Put every cell we own into its canonical form and note what is wrong with it."""
        self._row_problems: dict[str, list[str]] = {}

        def problem(column: str, message: str) -> None:
            self._row_problems.setdefault(column, []).append(message)

        for column in list(row):
            row[column] = _text(row[column])

        # Slug: given, or made from the headline; unique within the file.
        slug = row.get("Slug") or ""
        if not slug:
            base = slugify(row.get("Headline", ""))[:110]
            if not base:
                problem("Slug", _("geen Slug en geen Headline om er een van te maken"))
            slug = base
            n = 2
            while slug and self._slugs_in_file[slug]:
                slug = f"{base}-{n}"
                n += 1
            row["Slug"] = slug
        elif self._slugs_in_file[slug]:
            problem("Slug", _("‘%(slug)s’ staat meer dan eens in het bestand") % {"slug": slug})
        self._slugs_in_file[slug] += 1

        # Type: Event Type (slug), else Group (name or slug).
        if not row.get("Event Type") and row.get("Group"):
            group = row["Group"]
            found = self._types.get(group) or self._type_names.get(group.lower())
            if found is None:
                problem(
                    "Group",
                    _("onbekende %(what)s ‘%(value)s’")
                    % {"what": EventType._meta.verbose_name, "value": group},
                )
            else:
                row["Event Type"] = found.slug

        # Part of day: given, or from the time.
        if not row.get("Part Of Day") and row.get("Time"):
            try:
                row["Part Of Day"] = _part_of_day_from_time(row["Time"])
            except ValueError as exc:
                problem("Time", str(exc))

        if "Published" in row and not row["Published"]:
            row["Published"] = "0"

        # The date: EDTF wins; else the date columns; else the display date. A date written
        # the Dutch way in the EDTF column ("26-01-2022", "26 januari 2022") is read as written.
        edtf = row.get("EDTF", "")
        try:
            if not edtf:
                row["EDTF"] = self._edtf_from_row(row)
            elif not _is_edtf(edtf):
                row["EDTF"] = self._read_written_date(edtf, row, "EDTF")
        except ValueError as exc:
            problem("EDTF", str(exc))

    def _edtf_from_row(self, row) -> str:
        start = _edtf_point(
            row.get("Year", ""), row.get("Month", ""), row.get("Day", ""),
            Event._meta.get_field("start").verbose_name,
        )
        end = _edtf_point(
            row.get("End Year", ""), row.get("End Month", ""), row.get("End Day", ""),
            Event._meta.get_field("end").verbose_name,
        )
        if start:
            return f"{start}/{end}" if end and end != start else start
        if end:
            raise ValueError(_("een einde (End Year) zonder begin (Year)"))
        phrase = row.get("Display Date", "")
        if phrase:
            return self._read_written_date(phrase, row, "Display Date")
        raise ValueError(_("geen datum: vul EDTF, Year/Month/Day of Display Date in"))

    def _read_written_date(self, phrase: str, row, column: str) -> str:
        """A date as an article or an editor writes it ("woensdag", "26 januari 2022"), read
        from the publication date of the row's first source; its EDTF."""
        sources = _split(row.get("Source", ""))
        source = self._sources.get(sources[0]) if sources else None
        status = STATUSES.get(row.get("Status", "").lower(), "")
        resolved = resolve_for(phrase, source, future=status in Event.Status.future())
        if not resolved.ok:
            raise ValueError(f"{column} ‘{phrase}’: {resolved.reason}")  # the reason is translated
        if resolved.part_of_day and not row.get("Part Of Day"):
            row["Part Of Day"] = resolved.part_of_day
        return resolved.edtf

    def _parse_actors(self, text: str) -> list[tuple[Actor, str]]:
        problems, result = [], []
        for item in _split(text):
            slug, _colon, role = (part.strip() for part in item.partition(":"))
            actor = self._actors.get(slug)
            if actor is None:
                problems.append(
                    _("onbekende %(what)s ‘%(value)s’") % {"what": Actor._meta.verbose_name, "value": slug}
                )
            if not role:
                problems.append(
                    _("rol ontbreekt bij ‘%(slug)s’ (bijvoorbeeld %(slug)s:speaker)") % {"slug": slug}
                )
            elif role.lower() not in ROLES:
                problems.append(
                    _("onbekende rol ‘%(role)s’ bij ‘%(slug)s’ (kies uit %(allowed)s)")
                    % {"role": role, "slug": slug, "allowed": ", ".join(Participation.Role.values)}
                )
            if actor is not None and role and role.lower() in ROLES:
                pair = (actor, ROLES[role.lower()])
                if pair not in result:
                    result.append(pair)
        if problems:
            raise ValueError("; ".join(problems))
        return result

    def _parse_citations(self, quote_text: str, source_text: str) -> list[tuple[Source, int, str]]:
        quotes = [q.strip() for q in re.split(r"\n\s*\n", quote_text) if q.strip()]
        slugs = _split(source_text)
        unknown = [s for s in slugs if s not in self._sources]
        if unknown:
            raise ValueError(
                _("onbekende %(what)s %(values)s")
                % {"what": Source._meta.verbose_name, "values": ", ".join(f"‘{s}’" for s in unknown)}
            )
        if quotes and not slugs:
            raise ValueError(_("een citaat (Quote) zonder bron (Source)"))
        if slugs and not quotes:
            raise ValueError(_("een bron (Source) zonder citaat (Quote)"))
        if len(slugs) not in (1, len(quotes)):
            raise ValueError(
                _("%(quotes)d citaten en %(sources)d bronnen: geef één bron, of één per citaat")
                % {"quotes": len(quotes), "sources": len(slugs)}
            )
        if len(slugs) == 1:
            slugs = slugs * len(quotes)
        positions: Counter = Counter()
        citations = []
        for slug, quote in zip(slugs, quotes, strict=True):
            positions[slug] += 1
            citations.append((self._sources[slug], positions[slug], quote))
        return citations

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {k: list(v) for k, v in self._row_problems.items()}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "Timelines" in row:
            try:
                self.fields["timelines"].widget.clean(row["Timelines"])
            except ValueError as exc:
                errors.setdefault("timelines", []).append(str(exc))
        if "Actors" in row:
            try:
                instance._import_participations = self._parse_actors(row["Actors"])
            except ValueError as exc:
                errors.setdefault("Actors", []).append(str(exc))
        if "Quote" in row or "Source" in row:
            try:
                instance._import_citations = self._parse_citations(
                    row.get("Quote", ""), row.get("Source", "")
                )
            except ValueError as exc:
                errors.setdefault("Source", []).append(str(exc))
        if "Source" not in errors:
            # Published needs a quote: the row's own (Quote, Source), else the saved ones.
            citations = getattr(instance, "_import_citations", None)
            try:
                instance.require_source(None if citations is None else [c[2] for c in citations])
            except ValidationError as exc:
                errors.setdefault("Published", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's own checks, without asking for `start`/`end` before they are derived."""
        errors = dict(import_validation_errors or {})
        if not ({"edtf", "EDTF"} & set(errors)):
            try:
                instance.derive_dates()
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        attributes = {f.column_name: f.attribute for f in self.fields.values() if f.attribute}
        exclude = {"start", "end", "search_text", "version"}
        exclude |= {attributes.get(key, key) for key in errors}
        checks = [instance.clean_fields, partial(_validate_unchecked_constraints, instance)]
        if validate_unique:
            checks.append(instance.validate_unique)
        for check in checks:
            try:
                check(exclude=exclude)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(self._by_column(errors))

    def _by_column(self, errors: dict) -> dict:
        """Errors under the column names the editor sees in the file ("Event Type", "EDTF")."""
        columns = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
        named: dict[str, list] = {}
        for key, messages in errors.items():
            named.setdefault(columns.get(key, key), []).extend(messages)
        return named

    def before_save_instance(self, instance, row, **kwargs):
        file_name = kwargs.get("file_name") or "spreadsheet"
        instance._change_reason = f"import uit {file_name}"
        if instance.pk and not instance._state.adding:
            # Like an admin save: refuse to overwrite an edit made since the row was read.
            if not instance.claim_version(instance.version):
                raise ValueError(
                    _("‘%(slug)s’ is tijdens de import door iemand anders gewijzigd")
                    % {"slug": instance.slug}
                )

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return
        reason = getattr(instance, "_change_reason", "")
        wanted = getattr(instance, "_import_participations", None)
        if wanted is not None:
            instance.set_participants(wanted, reason)
        citations = getattr(instance, "_import_citations", None)
        if citations is not None:
            self._set_citations(instance, citations, reason)
        # The diff shown before confirming reads the event again, not a stale prefetch.
        instance._prefetched_objects_cache = {}

    @staticmethod
    def _set_citations(event: Event, wanted: list[tuple[Source, int, str]], reason: str) -> None:
        keep = {(source.pk, position): quote for source, position, quote in wanted}
        existing = {(c.source_id, c.position): c for c in event.citations.all()}
        for key, citation in existing.items():
            if key not in keep:
                citation._change_reason = reason
                citation.delete()
        for (source_id, position), quote in keep.items():
            citation = existing.get((source_id, position))
            if citation is None:
                citation = Citation(event=event, source_id=source_id, position=position)
            elif citation.quote == quote:
                continue
            citation.quote = quote
            citation._change_reason = reason
            citation.save()
