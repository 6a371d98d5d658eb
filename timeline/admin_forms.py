"""The event form of the editors' desk: dates as the article says them, and no lost update.

Four things happen in `EventAdminForm.clean()` besides the usual validation:

- "Datum zoals in de tekst" ("woensdag", "eerder deze week", "vanmorgen", an EDTF string) is
  resolved with `dates.resolve_within` against the publication period of the first cited source
  (`resolve_for`; without one, a phrase relative to the day is refused, never read from today),
  and becomes `edtf` and `part_of_day`. A phrase that cannot be placed is a form error and
  nothing is saved.
- Publishing needs a quote (`Event.require_source`), counting the citation rows of this POST.
- A published event's change may be a public correction: ticked, it needs a note for readers
  (the admin's `save_related` records it, after the inlines).
- A picture upload is checked and made safe (`pictures.prepare`: size, pixel count, a real and
  complete image, metadata stripped) and needs alt text; the admin's `save_model` stores its
  sizes (`apply_picture`) only once the whole form is valid, so a refused form stores nothing.
- Optimistic locking: the form carries the event's `version` as it was when the editor opened
  it, and a snapshot of what the editor saw. If a colleague saved in between, the form comes
  back with an error saying what the colleague changed, theirs against yours. The admin's
  `save_model` then writes with `UPDATE ... WHERE version = <opened>`, which closes the last
  gap between this check and the write.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timeline import dates, i18n, pictures
from timeline.models import Actor, Citation, Event, EventType, Participation, Source, Timeline

SNAPSHOT_SALT = "timeline.admin.event-opened"


class EditConflict(Exception):
    """A colleague saved the event between our version check and our write."""


# -- the date field ------------------------------------------------------------------------------


class DatePhraseInput(forms.TextInput):
    """A text input with a "Controleer datum" button; static/admin-extra/date-preview.js asks
    the server how the phrase resolves and writes the answer next to the field."""

    def __init__(self, attrs=None):
        super().__init__({"size": 40, "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {})}
        input_id = attrs.get("id") or f"id_{name}"
        attrs["id"] = input_id
        attrs["data-date-phrase"] = ""
        output_id = f"{input_id}_preview"
        # Keep Django's link to the help text, and add the preview.
        attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} {output_id}".strip()
        html = super().render(name, value, attrs, renderer)
        # The script's words, in the editor's language.
        return format_html(
            '{} <button type="button" class="button date-preview-button" '
            'data-date-preview="{}" data-input="{}" data-event="{}" aria-controls="{}" '
            'data-checking="{}" data-refused="{}" data-failed="{}">{}</button>'
            ' <output id="{}" class="date-preview" for="{}" aria-live="polite"></output>',
            html,
            reverse("admin:timeline_event_resolve_date"),
            input_id,
            self.attrs.get("data-event", ""),
            output_id,
            gettext("Bezig met controleren…"),
            gettext("Niet herkend:"),
            gettext("Controleren lukte niet; de datum wordt bij opslaan alsnog gecontroleerd."),
            gettext("Controleer datum"),
            output_id,
            input_id,
        )


def resolve_for(
    text: str, source: Source | None, *, future: bool = False
) -> dates.Resolved | dates.Unresolved:
    """A typed date read against the source's publication period; without a source only a
    date that does not depend on the day it was written (never today's)."""
    period = source.published_period if source is not None else None
    return dates.resolve_within(text, period, future=future, today=timezone.localdate())


def read_from(source: Source | None) -> str:
    """Which source a date was read against, in words, for the preview."""
    if source is None:
        return gettext("zonder bron: alleen een datum die niet van de publicatiedatum afhangt")
    return gettext("gelezen vanaf de publicatiedatum van %(source)s (%(date)s)") % {
        "source": source,
        "date": i18n.date_label(source.published_period.edtf),
    }


def first_source_of(event: Event | None) -> Source | None:
    if event is None or event.pk is None:
        return None
    citation = event.citations.select_related("source").first()
    return citation.source if citation else None


def _submitted_rows(data, prefix: str) -> list[dict[str, str]]:
    """The live (not deleted, not empty) rows of an inline formset, straight from the POST."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        return []
    rows = []
    for i in range(min(total, 1000)):
        key = f"{prefix}-{i}-"
        if data.get(f"{key}DELETE") in ("on", "true", "True", "1"):
            continue
        row = {k[len(key):]: v for k, v in data.items() if k.startswith(key)}
        if any(v for k, v in row.items() if k not in ("id", "event", "position")):
            rows.append(row)
    return rows


def _by_pk(model, pk):
    try:
        return model.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


# -- what an editor saw, what a colleague saved -------------------------------------------------

# The fields from the models' own names; the two relations as the form's inlines call them.
LABELS = {
    "title": Event._meta.get_field("title").verbose_name,
    "slug": Event._meta.get_field("slug").verbose_name,
    "summary": Event._meta.get_field("summary").verbose_name,
    "type": Event._meta.get_field("type").verbose_name,
    "status": Event._meta.get_field("status").verbose_name,
    "date": _("datum"),
    "place": Event._meta.get_field("place").verbose_name,
    "location": Event._meta.get_field("location").verbose_name,
    "published": Event._meta.get_field("published").verbose_name,
    "timelines": Event._meta.get_field("timelines").verbose_name,
    "participants": _("deelnemers"),
    "citations": _("citaten"),
}


def _yes_no(value: bool) -> str:
    return gettext("ja") if value else gettext("nee")


def _date_text(edtf: str, part_of_day: str) -> str:
    if not edtf:
        return ""
    return f"{dates.label(edtf, part_of_day)} ({edtf})"


def snapshot(event: Event) -> dict[str, str]:
    """An event as an editor reads it on the form, one string per thing that can change."""
    participations = event.participations.select_related("actor").order_by("pk")
    citations = event.citations.select_related("source")
    return {
        "title": event.title,
        "slug": event.slug,
        "summary": event.summary,
        "type": event.type.name if event.type_id else "",
        "status": event.get_status_display(),
        "date": _date_text(event.edtf, event.part_of_day),
        "place": event.place.name if event.place_id else "",
        "location": event.location,
        "published": _yes_no(event.published),
        "timelines": ", ".join(sorted(t.title for t in event.timelines.all())),
        "participants": "; ".join(
            sorted(f"{p.actor.name} ({p.get_role_display()})" for p in participations)
        ),
        "citations": " | ".join(f"{c.source.slug}: {c.quote}" for c in citations),
    }


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return f"‘{text[: limit - 1]}…’" if len(text) > limit else f"‘{text}’"


# -- the form ----------------------------------------------------------------------------------


class EventAdminForm(forms.ModelForm):
    date_text = forms.CharField(
        label=_("Datum zoals in de tekst"),
        required=False,
        max_length=dates.MAX_PHRASE_LENGTH,
        widget=DatePhraseInput(),
        help_text=_(
            "Bijvoorbeeld ‘woensdag’, ‘eerder deze week’, ‘vanmorgen’, ‘2022-01-26’. Wordt "
            "gelezen vanaf de publicatiedatum van de eerste bron hieronder en vult de EDTF-datum "
            "en het dagdeel in. Leeg laten om de EDTF-datum zelf in te vullen."
        ),
    )
    # Asked when a published event's date, participants, title or a quote changes (the admin
    # shows these for a published event; static/admin-extra/correction.js hides them until such
    # a change, and without JavaScript they are plain fields).
    is_correction = forms.BooleanField(
        label=_("Dit is een correctie"),
        required=False,
        help_text=_(
            "Aanvinken als deze wijziging een fout herstelt die lezers gezien kunnen hebben: "
            "de lezers zien dan ‘gecorrigeerd’ met uw toelichting. Niet aanvinken voor een "
            "aanvulling of een tikfout die niets aan de feiten verandert."
        ),
    )
    correction_note = forms.CharField(
        label=_("Toelichting voor de lezers"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Wat er niet klopte en wat er nu staat, bijvoorbeeld ‘De datum was 27 januari; "
            "het gesprek was op 28 januari.’"
        ),
    )
    # Not `picture`: the model's field holds what is stored, set by `apply_picture`.
    picture_file = forms.FileField(
        label=_("Afbeelding uploaden"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "JPEG, PNG of WebP, hoogstens 20 MB. Locatie- en cameragegevens worden verwijderd; "
            "de site maakt er formaten van 480, 960 en 1600 pixels breed van."
        ),
    )
    picture_remove = forms.BooleanField(label=_("Afbeelding verwijderen"), required=False)
    # Not `version`: that name is the model's non-editable field.
    opened_version = forms.IntegerField(
        label=_("geopende versie"), widget=forms.HiddenInput, required=False
    )
    opened = forms.CharField(label=_("geopende gegevens"), widget=forms.HiddenInput, required=False)

    class Meta:
        model = Event
        fields = "__all__"  # noqa: DJ007 — the admin's fieldsets choose what is shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "edtf" in self.fields:
            # The phrase can fill it in; `clean()` insists that one of the two is given.
            self.fields["edtf"].required = False
        self.fields["date_text"].widget.attrs["data-event"] = self.instance.pk or ""
        # As readers see it now, before this form changes anything.
        self.was_public = bool(self.instance.pk and self.instance.published)
        if self.instance.pk and not self.is_bound:
            self.initial["opened_version"] = self.instance.version
            self.initial["opened"] = signing.dumps(
                snapshot(self.instance), salt=SNAPSHOT_SALT, compress=True
            )

    # -- picture ------------------------------------------------------------------------------

    prepared_picture: pictures.Prepared | None = None

    def clean_picture_file(self):
        upload = self.cleaned_data.get("picture_file")
        if upload:
            self.prepared_picture = pictures.prepare(upload)
        return upload

    def _check_picture(self, cleaned: dict) -> None:
        keeps = bool(self.instance.picture) and not cleaned.get("picture_remove")
        has_picture = self.prepared_picture is not None or keeps
        if has_picture and not (cleaned.get("picture_alt") or "").strip():
            self.add_error("picture_alt", ValidationError(pictures.ALT_REQUIRED, code="alt_required"))

    def apply_picture(self, event: Event) -> None:
        """Store the upload's sizes and point the event at them, or take its picture away."""
        if self.prepared_picture is not None:
            largest = pictures.store(self.prepared_picture)
            event.picture = largest.name
            event.picture_width, event.picture_height = largest.width, largest.height
        elif self.cleaned_data.get("picture_remove"):
            event.picture, event.picture_width, event.picture_height = "", None, None
            event.picture_alt = event.picture_credit = event.picture_caption = ""

    # -- date ---------------------------------------------------------------------------------

    def base_source(self) -> Source | None:
        """The first cited source in the submitted citations, else the saved ones."""
        for row in _submitted_rows(self.data, "citations"):
            source = _by_pk(Source, row.get("source"))
            if source is not None:
                return source
        return first_source_of(self.instance)

    def _resolve_date(self, cleaned: dict) -> None:
        text = (cleaned.get("date_text") or "").strip()
        if not text:
            if not cleaned.get("edtf") and "edtf" in self.fields and "edtf" not in self.errors:
                self.add_error(
                    "edtf",
                    gettext("Vul een datum in: zoals in de tekst (‘woensdag’) of als EDTF (2022-01-26)."),
                )
            return
        status = cleaned.get("status") or self.instance.status
        result = resolve_for(text, self.base_source(), future=status in Event.Status.future())
        if not result.ok:
            self.add_error(
                "date_text",
                ValidationError(
                    gettext("Deze datum is niet herkend: %(reason)s. Er is niets opgeslagen."),
                    code="unresolved_date",
                    params={"reason": result.reason},
                ),
            )
            return
        self.resolved = result
        cleaned["edtf"] = result.edtf
        self.errors.pop("edtf", None)
        if result.part_of_day or "part_of_day" not in self.changed_data:
            cleaned["part_of_day"] = result.part_of_day

    # -- version -----------------------------------------------------------------------------

    def _current(self) -> Event:
        queryset = Event.objects.filter(pk=self.instance.pk)
        db = router.db_for_write(Event)
        if connections[db].in_atomic_block:
            # On PostgreSQL a colleague's save now waits for ours (the admin's transaction).
            queryset = queryset.select_for_update()
        return queryset.get()

    def _check_version(self, cleaned: dict) -> None:
        if not self.instance.pk:
            return
        opened_version = cleaned.get("opened_version")
        try:
            current = self._current()
        except Event.DoesNotExist:
            raise ValidationError(
                gettext("Deze gebeurtenis is intussen verwijderd. Er is niets opgeslagen."),
                code="deleted",
            ) from None
        if opened_version == current.version:
            return
        self.conflict = current
        raise ValidationError(self.conflict_message(current), code="conflict")

    def conflict_message(self, current: Event) -> str:
        try:
            opened = signing.loads(self.data.get("opened", ""), salt=SNAPSHOT_SALT)
        except signing.BadSignature:
            opened = None
        theirs = snapshot(current)
        yours = self.submitted_snapshot(current)
        keys = [k for k in theirs if opened is None or opened.get(k) != theirs[k]]
        who = ""
        record = current.history.order_by("-history_date").select_related("history_user").first()
        if record is not None and record.history_user is not None:
            when = timezone.localtime(record.history_date).strftime("%d-%m-%Y %H:%M")
            who = f" ({record.history_user.get_username()}, {when})"
        lines = []
        for key in keys:
            words = {"field": LABELS[key], "theirs": _quote(theirs[key])}
            if yours.get(key, theirs[key]) == theirs[key]:
                lines.append(gettext("%(field)s: %(theirs)s (collega, gelijk aan het uwe)") % words)
            else:
                words["yours"] = _quote(yours[key])
                lines.append(gettext("%(field)s: %(theirs)s (collega) tegenover %(yours)s (u)") % words)
        if not lines:
            lines.append(gettext("de deelnemers of citaten (details in de geschiedenis)"))
        return gettext(
            "Een collega heeft deze gebeurtenis opgeslagen nadat u haar opende%(who)s; "
            "uw wijzigingen zijn NIET opgeslagen, zodat niets van de collega verloren gaat. "
            "Gewijzigd door de collega — %(changes)s. "
            "Open de gebeurtenis opnieuw en voer uw wijziging nog eens in."
        ) % {"who": who, "changes": "; ".join(lines)}

    def submitted_snapshot(self, current: Event) -> dict[str, str]:
        """What this form would have saved, in the words of `snapshot()`."""
        data = self.cleaned_data
        type_ = data.get("type")
        status = data.get("status") or ""
        participants = []
        for row in _submitted_rows(self.data, "participations"):
            actor = _by_pk(Actor, row.get("actor"))
            role = dict(Participation.Role.choices).get(row.get("role", ""), row.get("role", ""))
            if actor is not None:
                participants.append(f"{actor.name} ({role})")
        citations = []
        for row in _submitted_rows(self.data, "citations"):
            source = _by_pk(Source, row.get("source"))
            citations.append(f"{source.slug if source else '?'}: {row.get('quote', '')}")
        timelines = data.get("timelines")
        if timelines is None:
            timelines = Timeline.objects.filter(events=current)
        return {
            "title": data.get("title", ""),
            "slug": data.get("slug", ""),
            "summary": data.get("summary", ""),
            "type": type_.name if isinstance(type_, EventType) else "",
            "status": dict(Event.Status.choices).get(status, status),
            "date": _date_text(data.get("edtf") or "", data.get("part_of_day") or ""),
            "place": data["place"].name if data.get("place") else "",
            "location": data.get("location", ""),
            "published": _yes_no(bool(data.get("published"))),
            "timelines": ", ".join(sorted(t.title for t in timelines)),
            "participants": "; ".join(sorted(participants))
            if "participations-TOTAL_FORMS" in self.data
            else snapshot(current)["participants"],
            "citations": " | ".join(citations)
            if "citations-TOTAL_FORMS" in self.data
            else snapshot(current)["citations"],
        }

    # -- no unsourced published fact ------------------------------------------------------

    def submitted_quotes(self) -> list[str] | None:
        """The quotes of the citation rows this POST will save (None without the inline)."""
        if "citations-TOTAL_FORMS" not in self.data:
            return None
        return [row.get("quote", "") for row in _submitted_rows(self.data, "citations")]

    def _require_source(self, cleaned: dict) -> None:
        try:
            self.instance.require_source(
                self.submitted_quotes(), published=bool(cleaned.get("published"))
            )
        except ValidationError as exc:
            self.add_error(None, exc)

    # -- public corrections ----------------------------------------------------------------

    def _check_correction(self, cleaned: dict) -> None:
        note = (cleaned.get("correction_note") or "").strip()
        cleaned["correction_note"] = note
        if cleaned.get("is_correction") and not self.was_public:
            self.add_error(
                "is_correction",
                _("Alleen een gepubliceerde gebeurtenis kan gecorrigeerd worden."),
            )
        elif cleaned.get("is_correction") and not note:
            self.add_error(
                "correction_note",
                _("Schrijf voor de lezers wat er gecorrigeerd is; dat komt bij de gebeurtenis te staan."),
            )
        elif note and not cleaned.get("is_correction"):
            self.add_error(
                "is_correction",
                _("Er staat een toelichting: vink ‘Dit is een correctie’ aan, of maak de toelichting leeg."),
            )

    def clean(self):
        cleaned = super().clean()
        self._resolve_date(cleaned)
        self._require_source(cleaned)
        self._check_correction(cleaned)
        self._check_picture(cleaned)
        self._check_version(cleaned)
        return cleaned


class CitationAdminForm(forms.ModelForm):
    """A citation on its own page: its event, if published, keeps a quote from a source when
    the quote is emptied or the citation moved to another event (as `Event.require_source`)."""

    class Meta:
        model = Citation
        fields = "__all__"  # noqa: DJ007 — the admin chooses what is shown

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        saved = Citation.objects.select_related("event").get(pk=self.instance.pk)
        moved = cleaned.get("event") is not None and cleaned["event"].pk != saved.event_id
        emptied = not (cleaned.get("quote") or "").strip()
        if not (moved or emptied) or not saved.event.published:
            return cleaned
        others = saved.event.citations.exclude(pk=saved.pk).values_list("quote", flat=True)
        try:
            saved.event.require_source(others)
        except ValidationError:
            raise ValidationError(
                gettext(
                    "‘%(event)s’ is gepubliceerd en dit is zijn enige citaat met een zin uit de "
                    "bron; zonder dit citaat zou het een feit zonder bron zijn. Voeg eerst een "
                    "ander citaat toe aan die gebeurtenis, of zet haar op niet gepubliceerd."
                )
                % {"event": saved.event.title},
                code="unsourced",
            ) from None
        return cleaned


class IngestForm(forms.Form):
    """An article for ingest in the admin: pasted or uploaded (text, Markdown, HTML), with what
    the file would otherwise say about itself."""

    FORMATS: ClassVar[dict[str, str]] = {".txt": _("tekst"), ".md": "Markdown", ".html": "HTML"}
    MAX_BYTES = 1_000_000

    text = forms.CharField(label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 14}), required=False)
    upload = forms.FileField(
        label=_("Of een bestand"), required=False, help_text=_("tekst (.txt), Markdown (.md) of HTML")
    )
    kind = forms.ChoiceField(
        label=_("Opmaak van de geplakte tekst"), choices=list(FORMATS.items()), initial=".txt"
    )
    # The source's own fields, as the models name them.
    outlet = forms.CharField(label=Source._meta.get_field("outlet").verbose_name, max_length=200)
    title = forms.CharField(
        label=Source._meta.get_field("title").verbose_name, max_length=300, required=False
    )
    url = forms.URLField(label="URL", max_length=500, required=False, assume_scheme="https")
    published = forms.DateField(
        label=_("Publicatiedatum"), widget=forms.DateInput(attrs={"type": "date"})
    )
    # The languages by the names Django itself gives them (Nederlands, Engels in Dutch).
    language = forms.ChoiceField(label=_("Taal"), choices=[("nl", _("Dutch")), ("en", _("English"))])

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            suffix = "." + upload.name.rpartition(".")[2].casefold() if "." in upload.name else ""
            suffix = {".htm": ".html", ".markdown": ".md", ".text": ".txt"}.get(suffix, suffix)
            if suffix not in self.FORMATS:
                raise ValidationError(gettext("Alleen tekst (.txt), Markdown (.md) of HTML (.html)."))
            if upload.size > self.MAX_BYTES:
                raise ValidationError(gettext("Het bestand is groter dan 1 MB."))
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(gettext("Het bestand is geen UTF-8-tekst.")) from exc
            data["kind"] = suffix
        if not (data.get("text") or "").strip():
            raise ValidationError(gettext("Plak een artikel of kies een bestand."))
        return data

    def source_slug(self) -> str:
        data = self.cleaned_data
        words = f"{data['outlet']}-{data['published'].isoformat()}-{data.get('title') or ''}"
        return slugify(words)[:50].strip("-")


class TimelineChoiceForm(forms.Form):
    """The intermediate page of the event list's "Toevoegen aan tijdlijn…" and "Verwijderen uit
    tijdlijn…": which timeline the selected events go into or out of."""

    timeline = forms.ModelChoiceField(
        Timeline.objects.order_by("title"), label=_("Tijdlijn"), empty_label=None
    )
