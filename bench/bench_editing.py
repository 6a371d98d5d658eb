"""Do readers stay fast while the newsroom edits? (issue 14)

    .venv/bin/python bench/bench_editing.py [--events 100000] [--seconds 30] [--import-rows 5000]
                                            [--no-postgres] [--reuse-sqlite PATH] [--reuse-postgres URL]

For SQLite and (when 127.0.0.1:5432 answers) PostgreSQL: a throwaway database with `--events`
demo events (`manage.py generate_demo`, as bench_timeline.py sets it up; `--reuse-*` takes a
prepared one instead), served by gunicorn in production mode (gunicorn.conf.py, 3 workers,
DEBUG off, no page cache: every request is answered by the index and the database). Four reader
threads request filtered views (the htmx partial, the full page and the JSON API), every URL
distinct, back to back, over loopback, in three phases of `--seconds` each:

1. quiet: readers only;
2. editing: an editor process saves one event a second through the ORM, in one transaction as
   the admin does (its summary, now and then its date, status and participants, and a quote);
3. import: an importer process imports `--import-rows` spreadsheet rows (the admin's
   django-import-export resource, one transaction) while the readers go on; the phase ends when
   the servers show the imported events.

Printed and written to bench/results/editing.json: readers' p50, p99 and maximum per phase, the
errors, the time the editor's saves take to show (checked on a second gunicorn server on the same
database, so two app servers each see a change on their next request), the cost of applying one
change to a process's index, and each worker's memory. Not a test: it takes several minutes and
its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import (  # noqa: E402  (found through the path just added)
    PYTHON,
    ROOT,
    free_port,
    manage,
    postgres_reachable,
    prepare_database,
    require_demo_on_front_page,
    server_env,
)

RESULTS = BENCH / "results" / "editing.json"
READERS = 4
PROXY = {"X-Forwarded-Proto": "https"}
WORKERS = 3
ACTORS = ["demo-norlandia", "demo-selmaria", "demo-kestria", "demo-valmeria", "demo-aurezia"]
WORDS = ["diplomat", "grens", "overleg", "brief", "sanctie", "gesprek", "verklaring", "a"]


# -- the roles run as their own processes -----------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    import django

    django.setup()


def editor(seconds: int, marker: str) -> None:
    """Save one published event a second, as an editor in the admin would; print what it did."""
    _django()
    from django.db import transaction

    from timeline.models import Actor, Citation, Event, Participation

    rng = random.Random(14)
    pks = list(Event.objects.published().filter(slug__startswith="demo-").values_list("pk", flat=True))
    actors = list(Actor.objects.filter(slug__startswith="demo-"))
    saves, committed = [], []
    began = time.monotonic()
    for second in range(seconds):  # bounded: one save per second of the phase
        event = Event.objects.get(pk=rng.choice(pks))
        t = time.monotonic()
        with transaction.atomic():
            event.summary = f"{event.summary} {marker}{second}"
            if second % 3 == 0:  # a corrected date moves the event in the timeline
                day = event.start.replace(day=1 + rng.randrange(28))
                event.edtf = day.isoformat()
                event.status = rng.choice(["occurred", "scheduled", "expected"])
            event.save()
            if second % 2 == 0:
                Participation.objects.get_or_create(event=event, actor=rng.choice(actors), role="mentioned")
            last = event.citations.order_by("-position").first()  # a reused database has had runs
            Citation.objects.create(
                event=event,
                source=last.source,
                quote=f"Aldus een woordvoerder ({marker}{second}).",
                position=last.position + 1,
            )
        saves.append(time.monotonic() - t)
        committed.append(time.time())
        time.sleep(max(0.0, began + second + 1 - time.monotonic()))
    print(
        json.dumps(
            {"saves": len(saves), "save_p50_ms": 1000 * statistics.median(saves), "committed": committed}
        )
    )


def importer(rows: int, marker: str) -> None:
    """Import `rows` spreadsheet rows through the admin's import resource, in one transaction."""
    _django()
    import tablib

    from timeline.models import Actor, Source
    from timeline.resources import EventResource

    actors = list(Actor.objects.filter(slug__startswith="demo-").values_list("slug", flat=True)[:20])
    source = Source.objects.filter(slug__startswith="demo-").values_list("slug", flat=True).first()
    headers = ["Year", "Month", "Day", "Headline", "Text", "Slug", "Event Type", "Actors", "Quote",
               "Source", "Published"]  # fmt: skip
    rng = random.Random(5000)
    data = tablib.Dataset(headers=headers)
    for i in range(rows):
        data.append([
            "2023", str(1 + i % 12), str(1 + i % 28), f"Geïmporteerd {i}", f"{marker} rij {i}",
            f"bench-import-{marker}-{i}", "statement", f"{rng.choice(actors)}:speaker",
            f"Een verklaring {marker} {i}.", source, "1",
        ])  # fmt: skip
    t = time.monotonic()
    result = EventResource().import_data(data, dry_run=False, raise_errors=True, use_transactions=True)
    print(json.dumps({"rows": rows, "seconds": time.monotonic() - t, "errors": result.has_errors()}))


def apply_cost(repeats: int) -> None:
    """The time one process takes to bring its index up to date after one saved change, for
    `repeats` changes in turn: an edit in place, an edit that moves the event in the timeline (a
    corrected date), a new event with participants and a quote, an event unpublished."""
    _django()
    from django.db import transaction

    from timeline.models import Actor, Citation, Event, EventType, Participation
    from timeline.query import index

    t = time.monotonic()
    ix = index.current()
    build = time.monotonic() - t
    built = ix.nbytes()
    rng = random.Random(1)
    pks = list(Event.objects.published().values_list("pk", flat=True))
    actors, kind = list(Actor.objects.all()[:50]), EventType.objects.first()
    source = Citation.objects.first().source
    costs = {"in place": [], "moved": [], "added": [], "unpublished": []}
    for i in range(repeats):
        what = list(costs)[i % len(costs)]
        event = Event.objects.get(pk=rng.choice(pks))
        with transaction.atomic():  # as the admin saves an event with its inlines
            if what == "added":
                event = Event.objects.create(
                    slug=f"bench-apply-{time.time_ns()}", title="Nieuw overleg", type=kind,
                    edtf=event.start.isoformat(), published=True,
                )  # fmt: skip
                for actor in rng.sample(actors, 2):
                    Participation.objects.create(event=event, actor=actor, role="speaker")
                Citation.objects.create(event=event, source=source, quote="Aldus een woordvoerder.")
            else:
                event.summary += " nagekeken"
                if what == "moved":
                    event.edtf = event.start.replace(day=1 + rng.randrange(28)).isoformat()
                event.published = what != "unpublished"
                event.save()
        t = time.monotonic()
        ix = index.current()
        costs[what].append(time.monotonic() - t)
    if ix.overlay == 0:
        sys.exit("the index was rebuilt during the measurement: not the cost of one change")
    everything = [c for v in costs.values() for c in v]
    print(json.dumps({
        "events": ix.size, "build_s": round(build, 2), "changes": repeats,
        "apply_p50_ms": round(1000 * statistics.median(everything), 2),
        "apply_max_ms": round(1000 * max(everything), 2),
        **{f"apply_{k}_p50_ms": round(1000 * statistics.median(v), 2) for k, v in costs.items()},
        "index_mb": round(built["index"] / 2**20, 1),
        "overlay_mb": round(ix.nbytes()["overlay"] / 2**20, 2), "overlay_rows": ix.overlay,
    }))  # fmt: skip


# -- the load ---------------------------------------------------------------------------------


class Readers:
    """Reader threads requesting distinct filtered views until stopped; latencies per phase."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.phase = "warm-up"
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.stop = threading.Event()
        self.count = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(READERS)]

    def _url(self, n: int, rng: random.Random) -> tuple[str, dict]:
        # Distinct: no two requests share a date range (n days apart), so nothing can be served
        # from an earlier answer; three kinds of view.
        first = 738000 + n % 700  # a day in 2021-2023
        import datetime as dt

        since = dt.date.fromordinal(first)
        until = since + dt.timedelta(days=30 + n % 300)
        query = f"actor={rng.choice(ACTORS)}&from={since}&to={until}&q={rng.choice(WORDS)}"
        kind = n % 3
        if kind == 0:
            return f"/?{query}", {"HX-Request": "true", "HX-Target": "results"}
        if kind == 1:
            return f"/?{query}", {}
        return f"/api/events.json?{query}", {}

    def _read(self, i: int) -> None:
        rng = random.Random(i)
        while not self.stop.is_set():
            with self.lock:
                self.count += 1
                n = self.count
            url, headers = self._url(n, rng)
            phase = self.phase
            t = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", url, headers={**headers, **PROXY})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
                if not ok:
                    print("error", response.status, url, file=sys.stderr)
            except OSError as exc:
                ok = False
                print("error", exc, url, file=sys.stderr)
            elapsed = time.monotonic() - t
            with self.lock:
                self.samples.setdefault(phase, []).append(elapsed)
                if not ok:
                    self.errors[phase] = self.errors.get(phase, 0) + 1

    def figures(self, phase: str) -> dict:
        times = sorted(self.samples.get(phase, [0.0]))
        return {
            "requests": len(times),
            "p50_ms": round(1000 * times[len(times) // 2], 1),
            "p99_ms": round(1000 * times[min(len(times) - 1, int(len(times) * 0.99))], 1),
            "max_ms": round(1000 * times[-1], 1),
            "errors": self.errors.get(phase, 0),
        }


def _gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # Behind a TLS proxy, as deployed: the requests say they came over https.
    env = server_env(
        url, PORT=str(port), WEB_CONCURRENCY=str(workers), GUNICORN_ACCESSLOG="", BEHIND_PROXY="1"
    )
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "gunicorn.conf.py", "timeline.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):  # the master builds the index before the workers fork
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/events.json?q=zzz", headers=PROXY)
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not answer")


def _count(port: int, query: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/api/events.json?{query}", headers=PROXY)
    return json.loads(conn.getresponse().read())["count"]


def _memory(server: subprocess.Popen) -> list[dict]:
    """Resident, peak and private memory of each web worker (Linux /proc): resident counts the
    pages still shared with the master (the index it built before the fork) in every worker,
    private only the worker's own."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    out = []
    for pid in children:
        if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes():  # the import worker
            continue
        status, rollup = _kb(pid, "status"), _kb(pid, "smaps_rollup")
        private = rollup["Private_Clean"] + rollup["Private_Dirty"]
        out.append({"rss_mb": status["VmRSS"] // 1024, "peak_mb": status["VmHWM"] // 1024,
                    "private_mb": private // 1024})  # fmt: skip
    return out


def _kb(pid: str, name: str) -> dict[str, int]:
    """The kB figures of /proc/PID/NAME."""
    pairs = (line.split(":", 1) for line in Path(f"/proc/{pid}/{name}").read_text().splitlines())
    figures = {key: value.split() for key, value in (p for p in pairs if len(p) == 2)}
    return {key: int(words[0]) for key, words in figures.items() if words and words[0].isdigit()}


def _role(url: str, *args: str) -> dict:
    done = subprocess.run(
        [PYTHON, __file__, *args],
        cwd=ROOT,
        env=server_env(url),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode:
        sys.exit(f"{args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run(backend: str, url: str, seconds: int, rows: int) -> dict:
    marker = f"bench{int(time.time())}"
    result: dict = {"backend": backend}
    result["apply"] = _role(url, "--role", "apply-cost")
    server, port = _gunicorn(url, WORKERS)
    second, second_port = _gunicorn(url, 1)  # another app server on the same database
    readers = Readers(port)
    try:
        for thread in readers.threads:
            thread.start()
        time.sleep(3)
        readers.phase = "quiet"
        time.sleep(seconds)
        result["memory_quiet"] = _memory(server)

        readers.phase = "editing"
        edits = subprocess.Popen(
            [PYTHON, __file__, "--role", "editor", "--seconds", str(seconds), "--marker", marker],
            cwd=ROOT, env=server_env(url), stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        # When each server first shows each save (a word no other event has), against when it
        # was committed: both app servers on their next requests.
        seen = {port: [], second_port: []}
        for n in range(seconds):
            for p in seen:
                t = time.monotonic()
                while _count(p, f"q={marker}{n}") < 1 and time.monotonic() - t < 30:
                    time.sleep(0.1)
                seen[p].append(time.time())
        edits.wait(timeout=seconds + 120)
        result["editor"] = json.loads(edits.stdout.read().strip().splitlines()[-1])
        committed = result["editor"].pop("committed")
        result["seen_after_commit_max_s"] = {
            name: round(max(s - c for s, c in zip(seen[p], committed, strict=False)), 2)
            for name, p in (("server 1 (3 workers)", port), ("server 2", second_port))
        }
        result["memory_editing"] = _memory(server)

        readers.phase = "import"
        before = _count(port, "")
        began = time.monotonic()
        result["importer"] = _role(url, "--role", "importer", "--rows", str(rows), "--marker", marker)
        while _count(port, "") < before + rows and time.monotonic() - began < 600:
            time.sleep(0.2)
        result["import_visible_after_s"] = round(time.monotonic() - began, 1)
        time.sleep(min(seconds, 10))  # and the load after it
        result["memory_import"] = _memory(server)
    finally:
        readers.stop.set()
        for thread in readers.threads:
            thread.join(timeout=60)
        for s in (server, second):
            s.terminate()
            s.wait(timeout=30)
    for phase in ("quiet", "editing", "import"):
        result[phase] = readers.figures(phase)
    return result


def _print(r: dict) -> None:
    a = r["apply"]
    kinds = ("in place", "moved", "added", "unpublished")
    kinds = ", ".join(f"{k} {a[f'apply_{k}_p50_ms']:.1f}" for k in kinds)
    print(f"\n{r['backend']}: {a['events']} events; applying one change to a process's index, over "
          f"{a['changes']} changes: p50 {a['apply_p50_ms']:.1f} ms, max {a['apply_max_ms']:.1f} ms "
          f"(p50 ms: {kinds}); a rebuild {a['build_s']:.1f} s")  # fmt: skip
    print(f"  index {a['index_mb']} MB; overlay after those changes {a['overlay_mb']} MB "
          f"({a['overlay_rows']} rows)")  # fmt: skip
    for phase in ("quiet", "editing", "import"):
        f = r[phase]
        print(f"  {phase:8} {f['requests']:6} requests  p50 {f['p50_ms']:7.1f} ms  "
              f"p99 {f['p99_ms']:7.1f} ms  max {f['max_ms']:7.1f} ms  errors {f['errors']}")  # fmt: skip
    ed = r["editor"]
    print(f"  editor: {ed['saves']} saves (p50 {ed['save_p50_ms']:.0f} ms); each shown, after "
          f"its commit, within (s): {r['seen_after_commit_max_s']}")  # fmt: skip
    print(f"  import: {r['importer']['rows']} rows in {r['importer']['seconds']:.1f} s, shown after "
          f"{r['import_visible_after_s']} s")  # fmt: skip
    print(f"  memory per worker (MB): quiet {r['memory_quiet']}, editing {r['memory_editing']}, "
          f"import {r['memory_import']}")  # fmt: skip
    q, e, i = r["quiet"], r["editing"], r["import"]
    print(f"  targets: editing p99 {e['p99_ms'] / max(q['p99_ms'], 1):.2f}x quiet (<= 2), "
          f"max {e['max_ms']:.0f} ms (< 1000), errors {e['errors'] + i['errors']} (0); "
          f"import p99 {i['p99_ms']:.0f} ms (< 1000)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--role", choices=["editor", "importer", "apply-cost"])
    parser.add_argument("--marker", default="bench")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--import-rows", "--rows", dest="rows", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--reuse-sqlite",
        help="a prepared SQLite file (copied, never changed; "
        "prepared with --events demo events if it does not exist)",
    )
    parser.add_argument(
        "--reuse-postgres",
        help="a prepared PostgreSQL database URL (changed!; "
        "created with --events demo events if it does not exist)",
    )
    args = parser.parse_args()
    if args.role == "editor":
        return editor(args.seconds, args.marker)
    if args.role == "importer":
        return importer(args.rows, args.marker)
    if args.role == "apply-cost":
        return apply_cost(200)

    results = []
    with tempfile.TemporaryDirectory() as workdir:
        # As `make serve` does: production mode serves the collected, hashed files.
        os.environ["STATIC_ROOT"] = f"{workdir}/static"
        manage(server_env(f"sqlite:///{workdir}/static.sqlite3"), "collectstatic", "--noinput", "-v0")
        if args.no_sqlite:
            pass
        elif args.reuse_sqlite:
            if not Path(args.reuse_sqlite).exists():  # prepared there once, kept for the next runs
                path = Path(args.reuse_sqlite).resolve()
                prepare_database("sqlite", args.events, path.parent, name=path.name)
            url = f"sqlite:///{workdir}/bench.sqlite3"
            subprocess.run(["cp", args.reuse_sqlite, f"{workdir}/bench.sqlite3"], check=True)
            manage(server_env(url), "migrate", "--noinput", "-v0")  # prepared by older code, perhaps
            require_demo_on_front_page(server_env(url))
        else:
            url, _seconds = prepare_database("sqlite", args.events, Path(workdir))
        if not args.no_sqlite:
            results.append(_run("sqlite", url, args.seconds, args.rows))
            _write(args, results)
            _print(results[-1])
        if not args.no_postgres and postgres_reachable():
            url = args.reuse_postgres
            if not url:
                url = prepare_database("postgresql", args.events, Path(workdir))[0]
            elif not _database_exists(url):  # prepared there once, kept for the next runs
                prepare_database("postgresql", args.events, Path(workdir), name=url.rsplit("/", 1)[1])
            else:
                manage(server_env(url), "migrate", "--noinput", "-v0")
                require_demo_on_front_page(server_env(url))
            results.append(_run("postgresql", url, args.seconds, args.rows))
            _write(args, results)
            _print(results[-1])
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


def _database_exists(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError:
        return False
    return True


def _write(args, results: list[dict]) -> None:
    """Into bench/results/editing.json, keeping the figures of a backend this run left out."""
    RESULTS.parent.mkdir(exist_ok=True)
    ran = {r["backend"] for r in results}
    if RESULTS.exists():
        results = [r for r in json.loads(RESULTS.read_text())["results"] if r["backend"] not in ran] + results
    machine = {"cpus": os.cpu_count(), "load_after": os.getloadavg()}
    RESULTS.write_text(json.dumps({"events": args.events, "seconds": args.seconds, "machine": machine,
                                   "results": results}, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
