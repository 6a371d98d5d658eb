"""The editors' desk in real headless Chromium: log in, enter an event the way the article
says it, publish it, find it on the public timeline, correct it, revert it, import a sheet;
with screenshots at 1,280 px in docs/screenshots/."""

import importlib
import time

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from timeline.models import Event

VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
TITLE = "Lavrov en Blinken bellen over de brieven"


def _editor() -> User:
    # Transactional tests flush the database between tests, and with it the group that the
    # data migration made; make it again the same way when it is gone.
    if not Group.objects.filter(name="Editors").exists():
        migration = importlib.import_module("timeline.migrations.0003_editors_group")
        migration.create_editors_group(apps, None)
    user = User.objects.create_user("anna", "anna@redactie.example", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def _pick(page: Page, select_id: str, typed: str, option: str) -> None:
    """Choose in a select2 autocomplete widget as an editor does: open, type, pick."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(typed)
    page.locator(".select2-container--open .select2-results__option", has_text=option).click()
    expect(page.locator(f"#{select_id} + .select2 .select2-selection__rendered")).to_contain_text(option)


# -- the whole editor flow, one step per function (a later step, such as a correction, slots in) --


def _log_in(page: Page, base: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def _add_event(page: Page) -> Event:
    """Two participants and a citation, the date as the article says it."""
    page.fill("#id_title", TITLE)
    page.press("#id_title", "End")
    _pick(page, "id_type", "telefoon", "telefoongesprek")
    _pick(page, "id_participations-0-actor", "lavrov", "Sergej Lavrov")
    page.select_option("#id_participations-0-role", "caller")
    _pick(page, "id_participations-1-actor", "blinken", "Antony Blinken")
    page.select_option("#id_participations-1-role", "callee")
    _pick(page, "id_citations-0-source", "Lavrov", "Rusland wil geen oorlog")
    page.fill("#id_citations-0-quote", "Lavrov en Blinken spraken elkaar woensdag.")

    # The date as the article says it, checked before saving.
    page.fill("#id_date_text", "woensdag")
    page.get_by_role("button", name="Controleer datum").click()
    preview = page.locator("#id_date_text_preview")
    expect(preview).to_contain_text("woensdag 26 januari 2022 · EDTF 2022-01-26")
    expect(preview).to_have_attribute("aria-live", "polite")

    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text(TITLE)
    event = Event.objects.get(slug="lavrov-en-blinken-bellen-over-de-brieven")
    assert (event.edtf, event.published) == ("2022-01-26", False)
    return event


def _publish(page: Page) -> None:
    row = page.locator("#result_list tr", has_text=TITLE)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "publish")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 gebeurtenis gepubliceerd")


def _see_on_the_timeline(page: Page, base: str, event: Event) -> None:
    page.goto(base + "/")
    day = page.locator("li.day", has=page.locator("h2", has_text="woensdag 26 januari 2022"))
    card = day.locator(f"#event-{event.slug}")
    expect(card).to_be_visible()
    expect(card.locator(".participants")).to_contain_text("Sergej Lavrov")
    expect(card.locator(".participants")).to_contain_text("Antony Blinken")


def _correct(page: Page, base: str, event: Event) -> None:
    """On the published event: another role, another quote, another date, as a correction. A
    summary is no fact readers rely on: the question comes with the date."""
    page.goto(f"{base}/admin/timeline/event/{event.pk}/change/")
    question = page.locator("fieldset.correction")
    page.fill("#id_summary", "Lavrov en Blinken spraken elkaar over de brieven.")
    expect(question).to_be_hidden()
    page.select_option("#id_participations-1-role", "recipient")
    page.fill("#id_citations-0-quote", "Een ander citaat.")
    page.fill("#id_date_text", "vanmorgen")
    page.press("#id_date_text", "Tab")  # its change event, before the box is clicked
    expect(question).to_be_visible()
    page.get_by_label("Dit is een correctie").check()
    note = page.get_by_label("Toelichting voor de lezers")
    expect(note).to_have_attribute("required", "")
    note.fill("Het gesprek was vrijdagochtend, niet woensdag.")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("gewijzigd")
    assert Event.objects.get(pk=event.pk).corrections.get().note == (
        "Het gesprek was vrijdagochtend, niet woensdag."
    )


def _see_the_correction(page: Page, base: str, event: Event) -> None:
    page.goto(base + Event.objects.get(pk=event.pk).get_absolute_url())
    expect(page.locator("#corrections")).to_contain_text("Het gesprek was vrijdagochtend, niet woensdag.")
    expect(page.locator(".event-meta .badge-corrected")).to_have_text("gecorrigeerd")


def _import_preview(page: Page, base: str, tmp_path) -> None:
    """A Dutch Excel file (semicolons, Windows-1252) up to its checked preview."""
    sheet = tmp_path / "redactie.csv"
    sheet.write_bytes(
        "Headline;Slug;EDTF;Event Type;Actors;Quote;Source;Published\r\n"
        "Reactie van de VS: Oekraïne;vs-reactie;26-01-2022;statement;verenigde-staten:speaker;"
        "Blinken reageerde woensdag.;nos-2022-01-28-lavrov;1\r\n"
        "Brief van de NAVO;navo-brief;26-01-2022;diplomatic-letter;navo:sender;"
        "De NAVO stuurde een brief.;nos-2022-01-28-lavrov;0\r\n".encode("cp1252")
    )
    page.goto(f"{base}/admin/timeline/event/import/")
    page.set_input_files("input[name=import_file]", str(sheet))
    page.select_option("select[name=format]", "0")  # CSV
    page.locator("input[type=submit]").first.click()
    expect(page.locator("#import-job")).to_be_visible()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    page.reload()
    expect(page.locator("table.import-preview")).to_contain_text("Reactie van de VS: Oekraïne")
    _fits(page, "table.import-preview")
    page.screenshot(path=str(SCREENSHOTS / "admin-import-preview.png"), full_page=True)


def _revert_to_first_version(page: Page, base: str, event: Event) -> None:
    page.goto(f"{base}/admin/timeline/event/{event.pk}/history/")
    history = page.locator("#change-history")
    expect(history).to_contain_text("Deelname Antony Blinken (ontvanger) gewijzigd: Rol: gebelde → ontvanger")
    expect(history).to_contain_text("Dagdeel: — → ochtend")
    history.locator("tbody tr").last.locator("a").first.click()  # the oldest version
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("gewijzigd")


def _whole(event: Event) -> tuple:
    event = Event.objects.get(pk=event.pk)
    return (
        (event.title, event.edtf, event.part_of_day, event.status, event.published),
        sorted(event.participations.values_list("actor__slug", "role")),
        sorted(event.citations.values_list("source__slug", "position", "quote")),
    )


def _fits(page: Page, selector: str) -> None:
    """Nothing wider than the window: no horizontal scrolling, no column cut off."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"the page is {width} px wide"
    # The admin puts the list in a box that scrolls sideways: what it hides counts too.
    hidden = page.evaluate(
        f"""(() => {{
            let box = document.querySelector({selector!r});
            let hidden = 0;
            for (let e = box; e; e = e.parentElement)
                hidden = Math.max(hidden, e.scrollWidth - e.clientWidth);
            return hidden;
        }})()"""
    )
    assert hidden <= 1, f"{selector} is cut off by {hidden} px"
    right = page.evaluate(f"document.querySelector({selector!r}).getBoundingClientRect().right")
    assert right <= VIEWPORT["width"], f"{selector} ends at {right} px"


def test_an_editor_adds_publishes_corrects_and_reverts_an_event_in_a_dutch_desk(browser, live_seed, tmp_path):
    _editor()
    # A Dutch newsroom's laptop: the admin and the public timeline in Dutch, 1,280 px wide.
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    page = context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    base = live_seed.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _log_in(page, base, "/admin/timeline/event/add/")
    event = _add_event(page)
    first_version = _whole(event)
    _publish(page)
    _see_on_the_timeline(page, base, event)
    elapsed = time.perf_counter() - started
    print(f"\nlog in, create with two participants and a citation, publish, see on /: {elapsed:.2f} s")

    # The list and the edit page at 1,280 px, as an editor's laptop shows them: every column
    # of the list within the window.
    page.goto(f"{base}/admin/timeline/event/")
    _fits(page, "#result_list")
    table = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().width")
    assert table <= VIEWPORT["width"], f"the event list is {table} px wide"
    page.screenshot(path=str(SCREENSHOTS / "admin-event-list.png"), full_page=False)
    page.goto(f"{base}/admin/timeline/event/{event.pk}/change/")
    _fits(page, "#event_form")
    page.screenshot(path=str(SCREENSHOTS / "admin-event-edit.png"), full_page=True)

    _correct(page, base, event)
    assert _whole(event) != first_version
    _see_the_correction(page, base, event)
    _revert_to_first_version(page, base, event)
    # The revert gives back the first version whole: the event (a draft then), its participants
    # and its citation, not only its own fields.
    assert _whole(event) == first_version

    _import_preview(page, base, tmp_path)
    assert csp_violations == []  # the date preview and the question are static files (the CSP)
    context.close()


def test_the_correction_question_works_as_plain_fields_without_javascript(browser, live_seed):
    _editor()
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    event = Event.objects.get(slug="poetin-macron-telefoongesprek-2022-01-28")
    page.goto(live_seed.url + f"/admin/login/?next=/admin/timeline/event/{event.pk}/change/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("fieldset.correction")).to_be_visible()
    page.fill("#id_title", "Poetin belt Macron over de brieven")
    page.get_by_label("Dit is een correctie").check()
    page.locator("input[name=_save]").first.click()
    # No note: the form says so, and nothing is saved.
    expect(page.locator("fieldset.correction .errorlist")).to_contain_text(
        "Schrijf voor de lezers wat er gecorrigeerd is"
    )
    assert not event.corrections.exists()
    page.get_by_label("Toelichting voor de lezers").fill("De titel noemde de brieven niet.")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert event.corrections.get().note == "De titel noemde de brieven niet."
    context.close()


def test_the_date_preview_waits_for_a_source_and_says_which_it_read_from(page: Page, live_seed):
    _editor()
    page.set_extra_http_headers({"Accept-Language": "nl-NL,nl;q=0.9"})
    page.goto(live_seed.url + "/admin/login/?next=/admin/timeline/event/add/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # The date field comes before the citations: without a source "gisteren" is not guessed.
    page.fill("#id_date_text", "gisteren")
    page.get_by_role("button", name="Controleer datum").click()
    preview = page.locator("#id_date_text_preview")
    expect(preview).to_contain_text("hangt af van de publicatiedatum van de bron")
    # Choosing the source in the (unsaved) citation reads it again, against that source.
    _pick(page, "id_citations-0-source", "Lavrov", "Rusland wil geen oorlog")
    expect(preview).to_contain_text("donderdag 27 januari 2022 · EDTF 2022-01-27")
    expect(preview).to_contain_text("gelezen vanaf de publicatiedatum van NOS: Lavrov: Rusland wil")
