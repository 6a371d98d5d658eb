"""Is the editors' desk fast at scale? (issue 16)

    .venv/bin/python bench/bench_admin.py [--events 100000] [--repeats 15] [--reuse-sqlite PATH]
    .venv/bin/python bench/bench_admin.py --postgres [--events 100000] [--reuse-postgres]

A throwaway SQLite database (with --postgres instead one on 127.0.0.1:5432, named
ct_desk16b_bench; --reuse-postgres measures the one an earlier run filled) with `--events` demo
events, built as bench_timeline.py builds its own (`manage.py generate_demo` through its
helpers). In a child process with the production settings (DEBUG off, no page cache), an editor
who is staff in the Editors group, not a superuser, opens the admin's pages through Django's test
client, so the time is the server's alone (no network, no browser):

- the event list; the list searched ("lavrov"); filtered by status, by participant and by date;
- an event's edit page; its history.

Printed and written to bench/results/admin.json (admin-postgres.json with --postgres): the
median and p95 per page, the number of SQL queries and the size of the answer. Not a test: it
takes minutes and its figures depend on the machine (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import (  # noqa: E402  (found through the path just added)
    PYTHON,
    ROOT,
    manage,
    postgres_reachable,
    server_env,
)

RESULTS = {
    "sqlite": BENCH / "results" / "admin.json",
    "postgresql": BENCH / "results" / "admin-postgres.json",
}
PG_DATABASE = "crisis_bench_admin"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
TARGET_MS = 300
LIST = "/admin/timeline/event/"
# Filled in by the child once it knows the database: an event with participants and citations.
PAGES = {
    "event list": LIST,
    "event list, searched": LIST + "?q=lavrov",
    "event list, searched for a rare word": LIST + "?q=diplomat+grens",
    "event list, by status": LIST + "?status__exact=scheduled",
    "event list, by participant": LIST + "?actor={actor}",
    "event list, by date": LIST + "?start__gte=2022-01-01&start__lt=2022-02-01",
    "event list, by type and published": LIST + "?type__id__exact={type}&published__exact=1",
    "edit page": "/admin/timeline/event/{event}/change/",
    "history page": "/admin/timeline/event/{event}/history/",
}


def _prepare_sqlite(size: int, workdir: Path) -> tuple[str, float]:
    path = workdir / f"bench-admin-{size}.sqlite3"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    return url, _generate(url, size)


def _prepare_postgres(size: int) -> tuple[str, float]:
    import psycopg

    with psycopg.connect(PG_URL.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    url = PG_URL.rstrip("/") + "/" + PG_DATABASE
    seconds = _generate(url, size)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
    return url, seconds


def _generate(url: str, size: int) -> float:
    env = server_env(url)
    manage(env, "migrate", "--noinput", "-v0")
    began = time.monotonic()
    manage(env, "generate_demo", "--events", str(size), "--seed", "8", "-v0")
    return time.monotonic() - began


def measure(repeats: int) -> None:
    """Runs in the child: times every page and prints one JSON object."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from timeline.models import Event, EventType, Participation

    setup_test_environment()  # 'testserver' allowed; nothing else changes
    editor, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    editor.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(editor)
    event = Event.objects.filter(participations__isnull=False, citations__isnull=False).order_by("pk").first()
    actor = Participation.objects.filter(event=event).select_related("actor").first().actor
    fill = {"event": event.pk, "actor": actor.slug, "type": EventType.objects.order_by("pk").first().pk}
    pages = {name: url.format(**fill) for name, url in PAGES.items()}

    def get(url: str) -> float:
        began = time.perf_counter()
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - began) * 1000

    timings: dict[str, list[float]] = {name: [] for name in pages}
    for repeat in range(2 + repeats):  # 2 warm-ups: connection, templates, OS caches
        for name, url in pages.items():  # every page in turn, round after round
            ms = get(url)
            if repeat >= 2:
                timings[name].append(ms)
    out = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, secure=True)
        ms = sorted(timings[name])
        out[name] = {
            "url": url,
            "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 1),
            "queries": len(ctx.captured_queries),
            "bytes": len(response.content),
            "slowest_query_ms": round(max(float(q["time"]) * 1000 for q in ctx.captured_queries), 1),
        }
    print(json.dumps({"events": Event.objects.count(), "pages": out}))


def _measure_in_child(url: str, repeats: int) -> dict:
    done = subprocess.run(
        [PYTHON, __file__, "--measure", "--repeats", str(repeats)],
        cwd=ROOT, env=server_env(url), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"measuring failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--reuse-sqlite", type=Path, help="a database generate_demo has filled")
    parser.add_argument("--postgres", action="store_true", help=f"on PostgreSQL ({PG_DATABASE})")
    parser.add_argument("--reuse-postgres", action="store_true", help="the database an earlier run filled")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.repeats)

    results: dict = {"target_ms": TARGET_MS, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    postgres = args.postgres or args.reuse_postgres
    if postgres and not postgres_reachable():
        sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432")
    with tempfile.TemporaryDirectory() as workdir:
        backends = []
        if args.reuse_postgres:
            backends.append(("postgresql", PG_URL.rstrip("/") + "/" + PG_DATABASE, None))
        elif postgres:
            backends.append(("postgresql", *_prepare_postgres(args.events)))
        elif args.reuse_sqlite:
            backends.append(("sqlite", f"sqlite:///{args.reuse_sqlite.resolve()}", None))
        else:
            backends.append(("sqlite", *_prepare_sqlite(args.events, Path(workdir))))
        # The admin's pages name their static files through the manifest, as `make serve`
        # collects it.
        manage(server_env(backends[0][1]), "collectstatic", "--noinput", "-v0")
        for backend, url, generate_seconds in backends:
            measured = _measure_in_child(url, args.repeats)
            results[backend] = {"generate_seconds": generate_seconds and round(generate_seconds, 1),
                                **measured}  # fmt: skip
            print(f"\n{backend}, {measured['events']:,} events (median / p95 ms, queries):")
            for name, page in measured["pages"].items():
                mark = "" if page["median_ms"] < TARGET_MS else "  <-- over the target"
                print(f"  {name:40} {page['median_ms']:8.1f} {page['p95_ms']:8.1f} "
                      f"{page['queries']:4d}{mark}")  # fmt: skip
    results["load_after"] = os.getloadavg()
    written = RESULTS[backends[0][0]]
    written.parent.mkdir(exist_ok=True)
    written.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {written.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
