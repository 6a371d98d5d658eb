"""`python manage.py parse_date`: one JSON object per phrase per line, exit 1 on a bad phrase."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent

# Every relative date in the seed article, against its publication date (Friday 28 January 2022).
SEED_PHRASES = {
    "vanmorgen": ("2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    "vanochtend": ("2022-01-28", "2022-01-28", "2022-01-28", "morning"),
    "woensdag": ("2022-01-26", "2022-01-26", "2022-01-26", ""),
    "eerder deze week": ("2022-01-24/2022-01-27", "2022-01-24", "2022-01-27", ""),
    "later vandaag": ("2022-01-28", "2022-01-28", "2022-01-28", ""),
    "de komende weken": ("2022-01-29/..", "2022-01-29", None, ""),
    "inmiddels": ("2022-01-28~", "2022-01-28", "2022-01-28", ""),
}


def _run(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("parse_date", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_resolves_the_seed_phrases():
    lines = _run("--base", "2022-01-28", "--lang", "nl", *SEED_PHRASES)

    assert [line["phrase"] for line in lines] == list(SEED_PHRASES)
    for line in lines:
        edtf, start, end, part_of_day = SEED_PHRASES[line["phrase"]]
        assert line == {
            "phrase": line["phrase"],
            "edtf": edtf,
            "start": start,
            "end": end,
            "part_of_day": part_of_day,
        }


def test_it_prints_every_line_then_fails_on_a_bad_phrase():
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("parse_date", "--base", "2022-01-28", "blauw", "woensdag", stdout=out)

    assert failure.value.returncode == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["phrase"] == "blauw" and first["error"]
    assert second["edtf"] == "2022-01-26"


def test_it_reads_english_and_detects_the_language():
    lines = _run("--base", "2022-01-28", "this morning", "last Wednesday")

    assert [(line["edtf"], line["part_of_day"]) for line in lines] == [
        ("2022-01-28", "morning"),
        ("2022-01-26", ""),
    ]


def test_it_reads_forwards_for_scheduled_events():
    [line] = _run("--base", "2022-01-28", "--future", "woensdag")

    assert line["edtf"] == "2022-02-02"


def test_it_keeps_non_ascii_readable():
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("parse_date", "--base", "2022-01-28", "één blauwe maandag", stdout=out)

    assert "één" in out.getvalue()


def test_it_defaults_the_base_to_today():
    import datetime as dt

    [line] = _run("vandaag")

    assert line["start"] == dt.date.today().isoformat()


@pytest.mark.parametrize("base", ["2022-13-01", "28-01-2022", "gisteren"])
def test_a_bad_base_is_a_clear_error(base):
    with pytest.raises(CommandError, match="--base"):
        call_command("parse_date", "--base", base, "woensdag", stdout=io.StringIO())


def test_the_shell_sees_exit_status_one_after_the_json_lines():
    proc = subprocess.run(
        [sys.executable, "manage.py", "parse_date", "--base", "2022-01-28", "--lang", "nl",
         "vanochtend", "de 45e"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "timeline.settings.test"},
    )  # fmt: skip

    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["part_of_day"] == "morning"
    assert lines[1]["phrase"] == "de 45e" and lines[1]["error"]
