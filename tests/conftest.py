"""The shared cast for the tests, and Playwright wired to Debian's Chromium."""

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from playwright.sync_api import Page

# Django's live server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# -- what the browser tests share (tests/test_browser*.py) ------------------------------------

# The seed's Putin–Macron phone call of 28 January, the one event with Macron.
CALL = "poetin-macron-telefoongesprek-2022-01-28"
# axe-core's rules for WCAG 2.2 AA (and the levels below it).
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}


def checkbox(page: Page, name: str):
    """A filter option by its label, whatever count follows it ("Emmanuel Macron (1)")."""
    return page.get_by_role("checkbox", name=re.compile("^" + re.escape(name)))


def cards(page: Page):
    """The event cards the results show."""
    return page.locator("#results article.event")


def card_ids(page: Page) -> list[str]:
    """The slugs of the events the results show, in their order."""
    return [i.removeprefix("event-") for i in cards(page).evaluate_all("els => els.map(e => e.id)")]


@pytest.fixture
def frozen_today(monkeypatch):
    """Today is the seed article's publication day. The live server runs in this process, so
    the form's clock can be fixed here."""
    monkeypatch.setattr("timeline.query.forms.timezone.localdate", lambda: dt.date(2022, 1, 28))


def first_view_bytes(context, url: str) -> dict[str, dict]:
    """What a first visit to `url` in a new browser context fetches, as received: each
    response's path, its `encodedDataLength` (Chrome DevTools Protocol: the headers and the
    body as they came over the wire, compressed) and its Content-Encoding. Used by the
    production test and by bench/bench_first_view.py."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: dict[str, tuple[str, str]] = {}
    received: dict[str, int] = {}

    def response(event):
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        responses[event["requestId"]] = (event["response"]["url"], headers.get("content-encoding", ""))

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="networkidle")
    origin = url.split("/", 3)[:3]
    files = {}
    for request_id, n in received.items():
        if request_id in responses:
            address, encoding = responses[request_id]
            path = "/" + address.split("/", 3)[3] if address.split("/", 3)[:3] == origin else address
            files[path] = {"bytes": int(n), "encoding": encoding}
    page.close()
    return files


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browsers here; Debian's Chromium is installed by
    # `make test` when missing.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Dutch newsroom's browser: the site follows Accept-Language on a first visit.
    return {**browser_context_args, "locale": "nl-NL"}


@pytest.fixture(autouse=True)
def _dutch_after_each_test():
    """Every test begins in Dutch, the source language. A request through the test client runs
    in the test's thread, and the locale middleware leaves the language of an /en/ page (or of
    an English-preferring editor) active after it; the next test would read English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def commit_points(monkeypatch):
    """Run `on_commit` callbacks where a deployment would commit.

    A test that uses `db` runs inside a transaction that is rolled back at its end, so nothing
    in it ever commits and Django keeps every `on_commit` callback (the change hub's search
    text, data version and page cache) unrun. Here they run as they would in production: at
    once for a write made outside any atomic block of the code under test (autocommit), and when
    the outermost such block (the admin's view, `loaddata`, an import) exits without an error.
    """

    def at_test_level(connection) -> bool:
        return all(block._from_testcase for block in connection.atomic_blocks)

    real_on_commit = BaseDatabaseWrapper.on_commit

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and at_test_level(self) and not self.needs_rollback:
            return func()
        return real_on_commit(self, func, robust)

    real_exit = transaction.Atomic.__exit__

    def exit(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        outermost = not self._from_testcase and all(
            block._from_testcase for block in connection.atomic_blocks[:-1]
        )
        result = real_exit(self, exc_type, exc_value, traceback)
        # Still in a transaction after the outermost block of the code: the test's own.
        if outermost and exc_type is None and connection.in_atomic_block and not connection.needs_rollback:
            hooks, connection.run_on_commit = connection.run_on_commit, []
            for _sids, func, _robust in hooks:
                func()
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def seed(db):
    """The seed article's events, as `make run` loads them."""
    call_command("loaddata", "seed", verbosity=0)


@pytest.fixture
def live_seed(transactional_db, live_server):
    """The seed loaded where the browser's live server can see it."""
    call_command("loaddata", "seed", verbosity=0)
    return live_server


@pytest.fixture
def english_page(browser, live_seed):
    """A browser that prefers English, on the seed."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


# -- the site in real server processes on its own SQLite file -----------------------------------

ROOT = Path(__file__).resolve().parent.parent


class SqliteSite:
    """The seeded site in its own SQLite file, served by real processes with the settings a
    deployment has (DEBUG=1 only so that no key and no HTTPS are needed): what several workers
    sharing one file and one default cache do, which the test database in this process cannot
    show."""

    def __init__(self, path: Path):
        self.path = path

    def env(self, **extra: str) -> dict[str, str]:
        kept = ("PATH", "HOME", "LANG", "PYTHONPATH")
        return {
            **{k: v for k, v in os.environ.items() if k in kept},
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{self.path}",
            "GUNICORN_ACCESSLOG": "",
            **extra,
        }

    def manage(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(**env),
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    @contextlib.contextmanager
    def serve(self, workers: int = 1, **env: str) -> Iterator[str]:
        """gunicorn as `make serve` runs it, on a free port; yields the base URL."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = self.path.with_suffix(f".{port}.log")
        with open(log, "w") as errors:
            # To a file: a pipe nobody reads fills up and blocks the server's logging.
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "timeline.wsgi"],
                cwd=ROOT, env=self.env(PORT=str(port), WEB_CONCURRENCY=str(workers), **env),
                stdout=errors, stderr=errors,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    requests.get(f"{url}/api/events.json", timeout=5)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            yield url
        finally:
            server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """Migrated once, as `make migrate` leaves a new database; each test gets a copy."""
    site = SqliteSite(tmp_path_factory.mktemp("site") / "migrated.sqlite3")
    site.manage("migrate", "--noinput", "-v0")
    return site.path


@pytest.fixture(scope="session")
def _seeded_sqlite(_migrated_sqlite) -> Path:
    site = SqliteSite(_migrated_sqlite.with_name("seeded.sqlite3"))
    shutil.copyfile(_migrated_sqlite, site.path)
    site.manage("loaddata", "seed", "-v0")
    return site.path


@pytest.fixture
def fresh_sqlite_site(_migrated_sqlite, tmp_path) -> SqliteSite:
    """A freshly migrated database with no data, in its own file."""
    path = tmp_path / "fresh.sqlite3"
    shutil.copyfile(_migrated_sqlite, path)
    return SqliteSite(path)


@pytest.fixture
def sqlite_site(_seeded_sqlite, tmp_path) -> SqliteSite:
    path = tmp_path / "site.sqlite3"
    shutil.copyfile(_seeded_sqlite, path)
    return SqliteSite(path)


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    """Tests run the background worker in-process (`db_worker --batch`) inside the test's
    transaction. The worker calls close_old_connections(), which closes a connection that is not
    in autocommit mode: on PostgreSQL that would end the test's transaction (SQLite's in-memory
    test database ignores the close). A deployed worker is its own process with its own
    connection, so nothing is lost by keeping the test's here."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def close_response(response) -> None:
    """Close a response as a WSGI server does once it is sent (a streamed export holds an export
    slot until then), without the request_finished handler that would close the test's database
    connection (on PostgreSQL, the test's transaction): the test client disconnects it alike."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
