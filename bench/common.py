"""What the benchmarks share: a server environment for a database, and manage.py in it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like server (DEBUG off, no page cache) on this database."""
    out = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CACHE_URL": "dummy://",
        "PYTHONPATH": str(ROOT),
    }
    out.pop("DJANGO_SETTINGS_MODULE", None)  # the server's settings, whoever starts the bench
    out.update(extra)
    return out


def manage(environment: dict[str, str], *args: str) -> str:
    """manage.py with these arguments; the benchmark stops with its output if it fails."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, check=False, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout
