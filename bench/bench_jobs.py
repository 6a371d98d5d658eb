"""Does a large import finish in the background, and does the API keep serving while readers export?

    .venv/bin/python bench/bench_jobs.py [--events 20000] [--import-rows 3000] [--seconds 10]

Both parts run `make serve`'s way: gunicorn with gunicorn.conf.py (WEB_CONCURRENCY=5 workers,
DEBUG off, the default cache), whose master starts the background worker (`manage.py db_worker`)
itself, on a throwaway SQLite database filled with `manage.py generate_demo --events N`.

1. Import. `--import-rows` events are written to a CSV the way the admin exports it, under new
   slugs (so every row is a new event, with its participants and quotes), and the file is checked
   and then imported as the admin does it (timeline/imports.py: `check_import`, then
   `run_import`), by the worker gunicorn started. Prints the seconds and rows per second of each
   step (from queueing to the finished result, polled once a second) and how many events exist
   afterwards.
2. Exports. For `--seconds`, two loopback clients ask `/api/events.json` one request after the
   other, alone (the baseline) and then while eight more clients export: all eight the same CSV
   (`/export/events.csv`, 5,000 rows), and then eight different calendars that no cache holds
   (`/export/events.ics?q=…&to=…`, a new URL each time). An exporter told 503 waits the
   Retry-After it is given, as calendar clients do. Prints the API's requests per second, its
   95th percentile, and what the exporters got (200, 503 + Retry-After, other).

Writes bench/results/jobs.json. It is not a test: it takes a few minutes, and its figures depend
on the machine (and on what else runs on it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results" / "jobs.json"
HTTPS = {"X-Forwarded-Proto": "https"}
WORDS = ["diplomat", "minister", "overleg", "brief", "grens", "top", "verklaring", "troepen"]


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
        "GUNICORN_ACCESSLOG": "",
        "BEHIND_PROXY": "1",  # the clients send X-Forwarded-Proto: https, as a TLS proxy would
    }
    for name in ("DJANGO_TESTING", "CACHE_URL", "REDIS_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _shell(env: dict[str, str], code: str) -> str:
    return _manage(env, "shell", "--no-imports", "-c", code).strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env: dict[str, str], workdir: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    log = workdir / "gunicorn.log"
    proc = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "gunicorn.conf.py", "timeline.wsgi"],
        cwd=ROOT,
        env={**env, "PORT": str(port), "WEB_CONCURRENCY": "5"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                sys.exit("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.3)
    proc.terminate()
    sys.exit("gunicorn did not answer within 60 s")


# -- 1. a background import -------------------------------------------------------------------

ENQUEUE = """
from django.contrib.auth.models import User
from timeline import imports
user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench", "", "x")
print(imports.start(imports.{task}, user=user, file_name="bench.csv", format_title="csv",
                    content=open({path!r}, "rb").read()))
"""
STATUS = """
from django.tasks import default_task_backend
job = default_task_backend.get_result({job!r})
import json
print(json.dumps({{"status": job.status, "value": job.return_value if job.status == "SUCCESSFUL" else None}}))
"""


def _wait(env: dict[str, str], job: str, limit: float) -> tuple[float, dict]:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        state = json.loads(_shell(env, STATUS.format(job=job)))
        if state["status"] in ("SUCCESSFUL", "FAILED"):
            return time.monotonic() - began, state
        time.sleep(1)
    sys.exit(f"job {job} did not finish within {limit:.0f} s")


def import_in_background(env: dict[str, str], workdir: Path, events: int) -> dict:
    path = workdir / "events.csv"
    _shell(env, f"""
import tablib
from timeline.models import Event
from timeline.resources import CSV, EventResource
dataset = EventResource().export(Event.objects.order_by("pk")[:{events}])
slug = dataset.headers.index("Slug")
renamed = tablib.Dataset(headers=dataset.headers)
for row in dataset:
    row = list(row)
    row[slug] += "-import"
    renamed.append(row)
open({str(path)!r}, "w", encoding="utf-8").write(CSV().export_data(renamed))
""")
    proc, _ = _gunicorn(env, workdir)
    try:
        figures = {"rows": events}
        for step, task in (("check", "check_import"), ("import", "run_import")):
            job = _shell(env, ENQUEUE.format(task=task, path=str(path)))
            seconds, state = _wait(env, job, limit=3600)
            value = state["value"] or {}
            figures[step] = {
                "status": state["status"],
                "ok": value.get("ok"),
                "seconds": round(seconds, 1),
                "rows_per_second": round(events / seconds, 1),
            }
        count = "from timeline.models import Event; print(Event.objects.count())"
        figures["events_after"] = int(_shell(env, count))
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# -- 2. the API while eight clients export ------------------------------------------------------


def _client(port: int, paths, stop: threading.Event, times: list, codes: Counter) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        path = next(paths)
        began = time.monotonic()
        try:
            conn.request("GET", path, headers=HTTPS)
            response = conn.getresponse()
            response.read()
            codes[response.status] += 1
            times.append(time.monotonic() - began)
            if response.status == 503:
                stop.wait(float(response.getheader("Retry-After", "5")))
        except (OSError, http.client.HTTPException):
            codes["error"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def _phase(port: int, seconds: float, export_paths) -> dict:
    stop = threading.Event()
    api_times: list[float] = []
    api_codes: Counter = Counter()
    export_times: list[float] = []
    export_codes: Counter = Counter()
    threads = []
    for _ in range(2):
        threads.append(threading.Thread(
            target=_client, args=(port, iter(lambda: "/api/events.json", None), stop, api_times, api_codes)
        ))  # fmt: skip
    if export_paths is not None:
        for n in range(8):
            threads.append(threading.Thread(
                target=_client, args=(port, export_paths(n), stop, export_times, export_codes)
            ))  # fmt: skip
    for thread in threads:
        thread.start()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - began
    return {
        "api_requests_per_second": round(len(api_times) / elapsed, 1),
        "api_p95_ms": (
            round(statistics.quantiles(api_times, n=20)[18] * 1000, 1) if len(api_times) > 20 else None
        ),
        "api_status": dict(api_codes),
        "exports": dict(export_codes) if export_paths is not None else None,
        "export_median_ms": round(statistics.median(export_times) * 1000, 1) if export_times else None,
    }


def _same_csv(n: int):
    return iter(lambda: "/export/events.csv", None)


def _fresh_calendars(n: int):
    counter = iter(range(10**9))
    word = WORDS[n % len(WORDS)]
    return iter(lambda: f"/export/events.ics?q={word}&to=2030-{next(counter) % 12 + 1:02d}-01", None)


def exports_under_load(env: dict[str, str], workdir: Path, seconds: float) -> dict:
    proc, port = _gunicorn(env, workdir)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in ("/api/events.json", "/"):  # warm: the event index in every worker
            for _ in range(10):
                conn.request("GET", path, headers=HTTPS)
                conn.getresponse().read()
        conn.close()
        return {
            "alone": _phase(port, seconds, None),
            "eight on the same CSV": _phase(port, seconds, _same_csv),
            "eight on uncached calendars": _phase(port, seconds, _fresh_calendars),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--import-rows", type=int, default=3_000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = _env(
            f"sqlite:///{workdir / 'bench.sqlite3'}",
            RUNTIME_DIR=str(workdir / "run"),
            STATIC_ROOT=str(workdir / "static"),
        )
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "generate_demo", "--events", str(args.events), "--seed", "8", "-v0")
        _manage(env, "collectstatic", "--noinput", "-v0")
        load = exports_under_load(env, workdir, args.seconds)
        print(json.dumps({"exports": load}, indent=2))
        imported = import_in_background(env, workdir, args.import_rows)
        print(json.dumps({"import": imported}, indent=2))
    results = {"events": args.events, "cpus": os.cpu_count(), "import": imported, "exports": load}
    results["export_slots"] = int(os.environ.get("EXPORT_SLOTS") or 1)
    # On a machine shared with other work, the seconds above include waiting for a CPU.
    results["load_average_after"] = round(os.getloadavg()[0], 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
