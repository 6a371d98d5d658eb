"""Spreadsheet imports as background jobs (Django's tasks framework with django-tasks-db).

An import used to run inside the editor's request, at about 16 ms a row: 3,000 rows passed
gunicorn's 30 s timeout, and 1,400 rows made a 2.2 MB preview page. Now:

1. The editor uploads the file on the admin's import page, as before. `check_import` reads
   every row in the background, a dry run that is rolled back, as the library's preview was.
2. The job's page (`admin:timeline_event_import_job`) shows how many rows are done while it
   runs, then a summary: how many rows are new and how many change an event, every problem
   (up to ERRORS_SHOWN rows of them) and the first PREVIEW_ROWS rows; and, when nothing is
   wrong, a button that starts the import.
3. `run_import` imports the same file for real in one transaction: every row or none, as
   before (a row that has become bad since the check rolls the whole import back).

The worker is `manage.py db_worker`: `make run` starts one beside runserver and gunicorn's
master one beside its workers (gunicorn.conf.py). Progress goes through the "progress" cache,
files in settings.RUNTIME_DIR: inside the import's transaction the database cannot tell anyone
(on SQLite nobody else may even write), and a file can.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.tasks import TaskContext, task
from django.utils import translation
from simple_history.models import HistoricalRecords

from timeline.models import EditorPreference
from timeline.resources import FORMATS, EventResource

PREVIEW_ROWS = 20
ERRORS_SHOWN = 50
# Progress is written every this many rows: often enough to watch, rarely enough to cost nothing.
PROGRESS_EVERY = 100


def start(import_task, *, user, file_name: str, format_title: str, content: bytes) -> str:
    """Queue `check_import` or `run_import` for this file; the job's id."""
    job = {
        "user": user.pk,
        "file_name": file_name,
        "format": format_title,
        "content": base64.b64encode(content).decode("ascii"),
    }
    return import_task.enqueue(job).id


def job_file(job: dict) -> tuple[str, str, bytes]:
    """(file name, format title, content) of a queued job, to start the next step with."""
    return job["file_name"], job["format"], base64.b64decode(job["content"])


def progress(job_id: str) -> dict | None:
    """{"done", "total"} rows of a running job, or None before it has read its file."""
    return caches["progress"].get(f"import-progress:{job_id}")


@task(takes_context=True)
def check_import(context: TaskContext, job: dict) -> dict:
    return _import(context.task_result.id, job, dry_run=True)


@task(takes_context=True)
def run_import(context: TaskContext, job: dict) -> dict:
    return _import(context.task_result.id, job, dry_run=False)


def _import(job_id: str, job: dict, *, dry_run: bool) -> dict:
    user = get_user_model().objects.get(pk=job["user"])
    file_name, title, content = job_file(job)
    # The CSV format finds the file's encoding and separator itself (timeline.resources).
    file_format = {f().get_title(): f for f in FORMATS}[title]()
    try:
        dataset = file_format.create_dataset(content)
    except Exception as exc:  # whatever the file is, the editor gets a sentence, not a trace
        return {"dry_run": dry_run, "file_name": file_name, "unreadable": str(exc) or repr(exc)}

    cache = caches["progress"]
    key = f"import-progress:{job_id}"
    total = len(dataset)
    cache.set(key, {"done": 0, "total": total}, timeout=24 * 3600)
    done = 0
    first_rows: list[dict] = []

    def report(row) -> None:
        nonlocal done
        done += 1
        if len(first_rows) < PREVIEW_ROWS:
            first_rows.append({"row": done, "slug": row.get("Slug", ""), "title": row.get("Headline", "")})
        if done % PROGRESS_EVERY == 0 or done == total:
            cache.set(key, {"done": done, "total": total}, timeout=24 * 3600)

    # The audit history names the editor who started the job, as it does for an admin save;
    # the problems are worded in the editor's language, as the admin is.
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        # In one transaction (EventResource.Meta), rolled back on any invalid row; messages in
        # the editor's language.
        with translation.override(EditorPreference.language_of(user)):
            result = EventResource().import_data(
                dataset, dry_run=dry_run, rollback_on_validation_errors=True,
                user=user, file_name=file_name, progress=report,
            )  # fmt: skip
    finally:
        HistoricalRecords.context.request = previous
    return _summary(result, file_name, dry_run, first_rows)


def _summary(result, file_name: str, dry_run: bool, first_rows: list[dict]) -> dict:
    problems = [
        {"row": number, "messages": [str(error.error) for error in errors]}
        for number, errors in result.row_errors()
    ] + [
        {
            "row": row.number,
            "messages": [
                f"{column}: {message}" for column, messages in row.error_dict.items()
                for message in messages
            ],
        }
        for row in result.invalid_rows
    ]  # fmt: skip
    problems.sort(key=lambda p: p["row"])
    for preview, row in zip(first_rows, result.rows, strict=False):  # only the first rows are shown
        preview["action"] = row.import_type
    return {
        "dry_run": dry_run,
        "file_name": file_name,
        "rows": result.total_rows,
        "new": result.totals["new"],
        "update": result.totals["update"],
        "base_errors": [str(error.error) for error in result.base_errors],
        "problem_rows": len(problems),
        "problems": problems[:ERRORS_SHOWN],
        "first_rows": first_rows,
        "ok": not (result.has_errors() or result.has_validation_errors()),
    }
