"""What the models promise whoever writes a row: admin, code or fixture.

The database itself refuses impossible rows (an end before the start, an unknown role), so that
a bulk `update()` or a raw SQL fix cannot put the timeline into a state no page can show.
"""

import datetime as dt
import math
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from edtf import parse_edtf, struct_time_to_date

from timeline.models import Actor, Alias, Event, EventType, Participation, Timeline, normalize

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    """A small named cast: one timeline, one event type, Putin and Zelensky, one phone call."""
    timeline = Timeline.objects.create(slug="oekraine-crisis-2022", title="Oekraïne-crisis 2022")
    call = EventType.objects.create(
        slug="phone-call", name="telefoongesprek", name_en="phone call"
    )
    russia = Actor.objects.create(slug="rusland", name="Rusland", kind=Actor.Kind.STATE)
    putin = Actor.objects.create(
        slug="putin", name="Vladimir Putin", kind=Actor.Kind.PERSON, affiliation=russia
    )
    zelensky = Actor.objects.create(
        slug="zelensky", name="Volodymyr Zelensky", kind=Actor.Kind.PERSON
    )
    event = Event.objects.create(
        slug="putin-zelensky-call",
        title="Telefoongesprek",
        type=call,
        edtf="2022-01-28",
        part_of_day=Event.PartOfDay.MORNING,
        published=True,
    )
    event.timelines.add(timeline)
    Participation.objects.create(event=event, actor=putin, role=Participation.Role.SPEAKER)
    Participation.objects.create(event=event, actor=zelensky, role=Participation.Role.SPEAKER)
    return SimpleNamespace(
        timeline=timeline, call=call, russia=russia, putin=putin, zelensky=zelensky, event=event
    )


def _edtf_package_bounds(edtf: str) -> tuple[dt.date, dt.date | None]:
    parsed = parse_edtf(edtf)
    upper = parsed.upper_strict()
    end = None if isinstance(upper, float) and math.isinf(upper) else struct_time_to_date(upper)
    return struct_time_to_date(parsed.lower_strict()), end


# ---------------------------------------------------------------- constraints in the database


def test_it_refuses_an_end_before_the_start_in_the_database(cast):
    # update() bypasses the pre_save signal, so only the CHECK constraint stands in the way.
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=cast.event.pk).update(end=dt.date(2022, 1, 27))

    cast.event.refresh_from_db()
    assert (cast.event.start, cast.event.end) == (dt.date(2022, 1, 28), dt.date(2022, 1, 28))


def test_it_accepts_an_open_end_in_the_database(cast):
    Event.objects.filter(pk=cast.event.pk).update(end=None)

    cast.event.refresh_from_db()
    assert cast.event.end is None


def test_it_refuses_an_unknown_role_in_the_database(cast):
    participation = cast.event.participations.get(actor=cast.putin)

    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.filter(pk=participation.pk).update(role="moderator")

    participation.refresh_from_db()
    assert participation.role == "speaker"


@pytest.mark.parametrize(
    ("field", "value"), [("status", "rumoured"), ("part_of_day", "noon")]
)
def test_it_refuses_an_unknown_status_or_part_of_day_in_the_database(cast, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=cast.event.pk).update(**{field: value})


def test_the_status_constraint_follows_the_choices():
    constraint = next(c for c in Event._meta.constraints if c.name == "event_status_valid")
    assert constraint.condition == Q(status__in=Event.Status.values)
    assert set(Event.Status.future()) == {"scheduled", "expected"}


def test_it_claims_the_next_version_only_from_the_version_it_saw(cast):
    seen = cast.event.version
    stale = Event.objects.get(pk=cast.event.pk)
    assert cast.event.claim_version(seen) is True
    assert cast.event.version == seen + 1
    # A colleague who opened the event before that claim finds it taken; nothing changes.
    assert stale.claim_version(seen) is False
    assert stale.version == seen
    assert Event.objects.get(pk=cast.event.pk).version == seen + 1


def test_it_refuses_a_second_event_with_the_same_slug(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            slug="putin-zelensky-call", title="Nog een", type=cast.call, edtf="2022-01-27"
        )

    assert Event.objects.filter(slug="putin-zelensky-call").count() == 1


def test_it_refuses_a_second_actor_with_the_same_slug(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(slug="putin", name="Poetin", kind=Actor.Kind.PERSON)


# ---------------------------------------------------------------- EDTF dates


@pytest.mark.parametrize(
    ("edtf", "start", "end"),
    [
        ("2022-01-28", dt.date(2022, 1, 28), dt.date(2022, 1, 28)),  # day
        ("2022-01", dt.date(2022, 1, 1), dt.date(2022, 1, 31)),  # month
        ("2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31)),  # year
        ("2022-01-24/2022-01-27", dt.date(2022, 1, 24), dt.date(2022, 1, 27)),  # interval
        ("2022-01-29/..", dt.date(2022, 1, 29), None),  # open-ended
        ("2022-01-28~", dt.date(2022, 1, 28), dt.date(2022, 1, 28)),  # approximate
        ("2022-01-28?", dt.date(2022, 1, 28), dt.date(2022, 1, 28)),  # uncertain
        ("2022-01~", dt.date(2022, 1, 1), dt.date(2022, 1, 31)),  # approximate month
    ],
)
def test_it_keeps_the_edtf_string_and_derives_its_bounds(cast, edtf, start, end):
    Event.objects.create(slug="datum", title="Datum", type=cast.call, edtf=edtf)

    event = Event.objects.get(slug="datum")
    assert event.edtf == edtf
    assert (event.start, event.end) == (start, end)
    assert (event.start, event.end) == _edtf_package_bounds(edtf)


def test_it_derives_new_bounds_when_the_edtf_changes(cast):
    cast.event.edtf = "2022-01-24/2022-01-27"
    cast.event.save()

    cast.event.refresh_from_db()
    assert (cast.event.start, cast.event.end) == (dt.date(2022, 1, 24), dt.date(2022, 1, 27))


@pytest.mark.parametrize(
    "edtf", ["2022-13-45", "blauw", "", "2022-02-30", "../2022-01-28", "2022-01-28/2022-01-26"]
)
def test_it_refuses_a_bad_edtf_with_an_error_naming_the_event(cast, edtf):
    event = Event(slug="slechte-datum", title="Slecht", type=cast.call, edtf=edtf)

    with pytest.raises(ValidationError) as excinfo:
        event.save()

    assert "slechte-datum" in str(excinfo.value)
    assert "edtf" in excinfo.value.message_dict
    assert not Event.objects.filter(slug="slechte-datum").exists()


def test_it_reports_a_bad_edtf_in_full_clean_on_the_edtf_field(cast):
    event = Event(slug="slechte-datum", title="Slecht", type=cast.call, edtf="blauw")

    with pytest.raises(ValidationError) as excinfo:
        event.full_clean()

    assert "slechte-datum" in " ".join(excinfo.value.message_dict["edtf"])


# ---------------------------------------------------------------- search text


def test_it_finds_an_event_by_an_alias_added_later(cast):
    assert "poetin" not in Event.objects.get(pk=cast.event.pk).search_text

    Alias.objects.create(actor=cast.putin, name="Poetin", language="nl")

    assert "poetin" in Event.objects.get(pk=cast.event.pk).search_text
    assert list(Event.objects.filter(search_text__contains="poetin")) == [cast.event]


def test_it_matches_an_alias_regardless_of_accents_and_case(cast):
    Alias.objects.create(actor=cast.zelensky, name="Zelenskí", language="nl")

    for typed in ["zelenski", "ZELENSKI", "Zelenskí"]:
        found = Event.objects.filter(search_text__contains=normalize(typed))
        assert list(found) == [cast.event], typed


def test_it_forgets_an_alias_that_is_deleted(cast):
    alias = Alias.objects.create(actor=cast.putin, name="Poetin", language="nl")
    alias.delete()

    assert "poetin" not in Event.objects.get(pk=cast.event.pk).search_text


def test_it_finds_an_event_by_a_renamed_actor(cast):
    cast.putin.name = "Vladimir Poetin"
    cast.putin.save()

    assert "vladimir poetin" in Event.objects.get(pk=cast.event.pk).search_text


def test_it_refuses_the_same_alias_twice_for_one_actor(cast):
    Alias.objects.create(actor=cast.putin, name="Poetin")

    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(actor=cast.putin, name="Poetin")


# ---------------------------------------------------------------- links and labels


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("prefix", ["/", "/nieuws/"])
def test_it_links_events_and_actors_as_reverse_does(cast, language, prefix):
    # get_absolute_url() reverses the URL around a slug once; the language prefix (/en/) and a
    # script prefix (an app served under a path) must still show in every link.
    from django.urls import reverse, set_script_prefix
    from django.utils import translation

    try:
        set_script_prefix(prefix)
        with translation.override(language):
            for _ in range(2):  # the second time from what the first one learned
                assert cast.event.get_absolute_url() == reverse("event_detail", args=[cast.event.slug])
                assert cast.putin.get_absolute_url() == reverse("actor_detail", args=["putin"])
            expected = ("/nieuws/" if prefix != "/" else "/") + ("en/" if language == "en" else "")
            assert cast.putin.get_absolute_url() == f"{expected}actors/putin/"
    finally:
        set_script_prefix("/")


def test_it_labels_roles_and_statuses_in_the_reader_language(cast):
    from django.utils import translation

    speaker = cast.event.participations.first()
    cast.event.status = Event.Status.EXPECTED
    assert (speaker.get_role_display(), cast.event.get_status_display()) == ("spreker", "verwacht")
    with translation.override("en"):
        assert (speaker.get_role_display(), cast.event.get_status_display()) == ("speaker", "expected")
