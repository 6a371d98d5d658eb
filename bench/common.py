"""What the benchmarks share: a server's environment, `manage.py`, a demo database, gunicorn.

Moved here from bench_timeline.py (which, like bench_admin.py and bench_live.py, imports it) so
that no script imports another's private helpers.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CACHE_URL": "dummy://",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the server's settings, whoever starts the bench
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, check=False, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def prepare_database(backend: str, size: int, workdir: Path, name: str | None = None) -> tuple[str, float]:
    """A migrated database with `size` demo events (in `workdir`, or the PostgreSQL database, named
    `name` when given); its URL and the generation time."""
    if backend == "sqlite":
        path = workdir / (name or f"bench-{size}.sqlite3")
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        name = name or f"crisis_bench_{size}"
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")
        url = PG_URL.rstrip("/") + "/" + name
    env = server_env(url)
    manage(env, "migrate", "--noinput", "-v0")
    began = time.monotonic()
    manage(env, "generate_demo", "--events", str(size), "--seed", "8", "-v0")
    seconds = time.monotonic() - began
    require_demo_on_front_page(env)
    # As autovacuum/ANALYZE would after a bulk load: current statistics and visibility map.
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    return url, seconds


FEATURED = "from timeline.models import Timeline; t = Timeline.objects.featured(); print(t.slug if t else '')"


def require_demo_on_front_page(env: dict[str, str]) -> None:
    """The benchmarks read `/` to measure the demo events. `/` shows the featured timeline (and
    the events in none); with none featured, every event. `generate_demo` puts its events in the
    non-featured timeline "demo" and a bench database has no other (no seed is loaded): so `/`
    shows them all, as before there were several timelines, and the figures stay comparable.
    A database with another featured timeline (a reused one with the seed) would measure only
    that one's few events: stop rather than report such figures."""
    featured = manage(env, "shell", "-v0", "-c", FEATURED).strip()
    if featured not in ("", "demo"):
        sys.exit(
            f"The database features the timeline {featured!r}: `/` would not show the demo events. "
            "Use a fresh bench database (or unfeature it)."
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, cache_url: str, static_root: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = server_env(
        url,
        CACHE_URL=cache_url,
        PORT=str(port),
        BEHIND_PROXY="1",  # wrk sends X-Forwarded-Proto: https, as a TLS proxy would
        ROOT_URLCONF="bench.bare_urls",
        GUNICORN_ACCESSLOG="",  # no access log: it would measure the terminal
        STATIC_ROOT=str(static_root),
    )
    log = static_root.parent / f"gunicorn-{port}.log"
    proc = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "gunicorn.conf.py", "timeline.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    proc.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                sys.exit("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not answer within 30 s")
