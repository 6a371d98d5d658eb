"""The shared cast for the tests, and Playwright wired to Debian's Chromium."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

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
