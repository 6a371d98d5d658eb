"""The shared cast for the tests, and Playwright wired to Debian's Chromium."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

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
