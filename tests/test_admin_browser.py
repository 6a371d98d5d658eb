"""The editors' desk in real headless Chromium: log in, enter an event the way the article
says it, publish it, and find it on the public timeline."""

import importlib
import time

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from timeline.models import Event

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
    expect(page.locator(f"#{select_id} + .select2 .select2-selection__rendered")).to_contain_text(
        option
    )


def test_it_creates_and_publishes_an_event_typed_as_the_article_says_it(
    page: Page, live_seed
):
    _editor()
    # A Dutch newsroom: the admin and the public timeline in Dutch (an English browser would be
    # sent to /en/ on its first visit).
    page.set_extra_http_headers({"Accept-Language": "nl-NL,nl;q=0.9"})
    csp_violations = []
    page.on(
        "console",
        lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    started = time.perf_counter()

    page.goto(live_seed.url + "/admin/login/?next=/admin/timeline/event/add/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_contain_text("gebeurtenis")

    page.fill("#id_title", TITLE)
    page.press("#id_title", "End")  # a keyup, which the admin's slug prepopulation listens to
    expect(page.locator("#id_slug")).to_have_value("lavrov-en-blinken-bellen-over-de-brieven")
    page.select_option("#id_type", label="telefoongesprek")
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

    # Publish it from the list.
    row = page.locator("#result_list tr", has_text=TITLE)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "publish")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 gebeurtenis gepubliceerd")

    page.goto(live_seed.url + "/")
    day = page.locator("li.day", has=page.locator("h2", has_text="woensdag 26 januari 2022"))
    card = day.locator(f"#event-{event.slug}")
    expect(card).to_be_visible()
    expect(card.locator(".participants")).to_contain_text("Sergej Lavrov")
    expect(card.locator(".participants")).to_contain_text("Antony Blinken")

    elapsed = time.perf_counter() - started
    assert csp_violations == []  # the date preview is a static file, as the CSP demands
    print(f"\nlog in, create with two participants and a citation, publish, see on /: {elapsed:.2f} s")
    assert elapsed < 60


def test_it_asks_whether_a_change_to_a_published_event_is_a_correction(
    page: Page, live_seed, artifacts
):
    _editor()
    page.set_extra_http_headers({"Accept-Language": "nl-NL,nl;q=0.9"})
    event = Event.objects.get(slug="poetin-macron-telefoongesprek-2022-01-28")
    page.goto(live_seed.url + f"/admin/login/?next=/admin/timeline/event/{event.pk}/change/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    question = page.locator("fieldset.correction")
    box = page.get_by_label("Dit is een correctie")
    note = page.get_by_label("Toelichting voor de lezers")
    # A summary is no fact readers rely on: nothing is asked.
    page.fill("#id_summary", "Poetin en Macron spraken elkaar vanochtend.")
    expect(question).to_be_hidden()
    # The date is: the question appears, and a ticked box needs a note.
    page.fill("#id_date_text", "woensdag")
    expect(question).to_be_visible()
    box.check()
    expect(note).to_have_attribute("required", "")
    page.screenshot(path=str(artifacts / "admin-correction-question.png"), full_page=True)
    note.fill("Het gesprek was woensdag, niet vrijdag.")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text(event.title)

    correction = event.corrections.get()
    assert correction.note == "Het gesprek was woensdag, niet vrijdag."
    page.goto(live_seed.url + event.get_absolute_url())
    expect(page.locator("#corrections")).to_contain_text("Het gesprek was woensdag, niet vrijdag.")
    expect(page.locator(".event-meta .badge-corrected")).to_have_text("gecorrigeerd")
    page.screenshot(path=str(artifacts / "event-corrected.png"), full_page=True)


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
