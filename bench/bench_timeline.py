"""Is the timeline as fast with 100,000 events as with 1,000? And what does the page cache buy?

    .venv/bin/python bench/bench_timeline.py [--sizes 1000 100000] [--repeats 25] \
        [--no-throughput] [--no-postgres]

1. Server time. For each database (SQLite; PostgreSQL too when 127.0.0.1:5432 answers) and each
   size, a throwaway database is migrated and filled with `manage.py generate_demo --events N`.
   Then, with the page cache DISABLED (DummyCache), one process per size serves Django's test
   client, and their requests alternate one by one, every case in turn, round after round (so
   that the shared machine's ups and downs fall on every case and size alike), to time the
   median and 95th percentile of: the full page `/`,
   the htmx partial (HX-Request, HX-Target: results) without and with filters (actor + date
   range + text; one filter that leaves 11 events of 1,000, one that fills the page at both
   sizes), and `/api/events.json`; and to count the SQL queries of each request. These are
   steady-state figures: the timeline answers from an
   in-memory index of the events (timeline/query/index.py), which the first request after a change
   rebuilds; that request's time and the memory the index takes are printed beside them.
2. Throughput. gunicorn (gunicorn.conf.py, DEBUG off) serves the 100,000-event SQLite database
   and `wrk -t2 -c8 -d10s` (Debian's wrk; installed with apt-get when missing and run as root)
   loads, over loopback: a cached page (local-memory page cache), the same page uncached
   (DummyCache), and a bare Django view (`bench/bare_urls.py`, mounted only through the
   ROOT_URLCONF variable this benchmark sets), each through the full middleware stack.

Prints a table and the ratios against the targets, and writes bench/results/timeline.json.
It is not a test: it takes several minutes and its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402  (found through the path just added)
    PYTHON,
    ROOT,
    manage,
    postgres_reachable,
    prepare_database,
    psql,
    server_env,
    start_gunicorn,
)

sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "timeline.json"
# A state of the demo crisis, a quarter of its hot months, and a word many summaries share. With
# 1,000 events this leaves 11, with 100,000 a full page of 50 (of 1,180): the two sizes then
# differ in what is drawn, not only in what is searched.
FILTER = "actor=demo-norlandia&from=2022-01-01&to=2022-03-31&q=diplomat"
# Four actors, two years and the same word: a full page of 50 at both sizes (135 and ~13,000).
FILTER_FULL = (
    "actor=demo-selmaria&actor=demo-kestria&actor=demo-valmeria&actor=demo-aurezia"
    "&from=2022-01-01&to=2023-12-31&q=diplomat"
)
HX = {"HX-Request": "true", "HX-Target": "results"}
CASES = [
    ("full page /", "/", {}),
    ("partial, no filters", "/", HX),
    ("partial, filtered", "/?" + FILTER, HX),
    ("partial, filtered, full", "/?" + FILTER_FULL, HX),
    ("api/events.json", "/api/events.json", {}),
    # Issue 18: a timeline's own page answers from the index's membership column.
    ("timeline page /t/demo/", "/t/demo/", {}),
    ("timeline page, filtered", "/t/demo/?" + FILTER, HX),
]
WRK_SECONDS = 10


def _drop(backend: str, url: str) -> None:
    if backend == "postgresql":
        psql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


# -- 1. server time, in a child process configured for one database ------------------------------


def serve() -> None:
    """Runs in a child, one per database: answers one command per line on stdin with one JSON
    line on stdout, so that the parent can alternate requests between the sizes."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from timeline.changes import everything_changed
    from timeline.models import Event

    setup_test_environment()  # 'testserver' allowed; nothing else changes
    client = Client()
    cases = {name: (url, headers) for name, url, headers in CASES}

    def get(url: str, headers: dict) -> float:
        began = time.perf_counter()
        response = client.get(url, headers=headers, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - began) * 1000

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        if command == "time":  # one request, timed
            answer = {"ms": get(*cases[name])}
        elif command == "describe":  # SQL queries and size of the answer
            url, headers = cases[name]
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, headers=headers, secure=True)
            answer = {"url": url, "queries": len(ctx.captured_queries), "bytes": len(response.content)}
        elif command == "change":  # as a bulk change does: the next request rebuilds the index
            everything_changed()  # outside a transaction: a new version and an "all" change now
            answer = {"ms": get("/", {})}
        elif command == "memory":
            answer = {
                "before": round(rss_before / 1024, 1),
                "with_index": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "events": Event.objects.count(),
            }
        else:
            answer = {"error": f"unknown command {command!r}"}
        print(json.dumps(answer), flush=True)


class _Child:
    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, __file__, "--serve"], cwd=ROOT, env=server_env(url), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"measuring failed:\n{self.proc.stderr.read()}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _server_times(urls: dict[int, str], repeats: int) -> dict:
    """Median and p95 per case and size, the sizes' requests alternating one by one, so that
    the machine's ups and downs (it is shared) fall on both alike."""
    children = {size: _Child(url) for size, url in urls.items()}
    try:
        out = {str(size): {"cases": {}} for size in urls}
        for size, child in children.items():  # the first request builds the index
            out[str(size)]["first_request_ms"] = round(child.ask("time full page /")["ms"], 1)
        names = [name for name, _url, _headers in CASES]
        timings = {(name, size): [] for name in names for size in urls}
        for repeat in range(3 + repeats):  # 3 warm-ups: connection, templates, OS caches
            # Every case and size in turn, round after round: the machine's slow and fast
            # spells fall on all of them alike.
            for name in names:
                for size, child in children.items():
                    ms = child.ask(f"time {name}")["ms"]
                    if repeat >= 3:
                        timings[name, size].append(ms)
        for name in names:
            for size, child in children.items():
                ms = sorted(timings[name, size])
                out[str(size)]["cases"][name] = {
                    **child.ask(f"describe {name}"),
                    "median_ms": round(statistics.median(ms), 2),
                    "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
                }
        for size, child in children.items():
            after = [child.ask("change")["ms"] for _ in range(5)]
            out[str(size)]["first_request_after_a_change"] = {
                "median_ms": round(statistics.median(after), 1), "max_ms": round(max(after), 1)}
            memory = child.ask("memory")
            out[str(size)]["events"] = memory.pop("events")
            out[str(size)]["max_rss_mb"] = memory
        return out
    finally:
        for child in children.values():
            child.close()


# -- 2. throughput under gunicorn ----------------------------------------------------------------


def _wrk() -> str | None:
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get install -y wrk) ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env,
                          capture_output=True, check=False).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True,
                           check=False)
        found = shutil.which("wrk")
    return found


def _load(wrk: str, port: int, path: str) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run([wrk, "-t1", "-c2", "-d2s", "-H", "X-Forwarded-Proto: https", url],
                   capture_output=True, check=False)  # warm-up: every worker fills its cache
    done = subprocess.run(
        # A response slower than 10 s counts as a timeout error (gunicorn's own limit is 30 s).
        [wrk, "-t2", "-c8", f"-d{WRK_SECONDS}s", "--timeout", "10s", "--latency",
         "-H", "X-Forwarded-Proto: https", url],
        capture_output=True, check=False, text=True,
    )
    text = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", text)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)

    def ms(match) -> float | None:
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    return {
        "path": path,
        "requests_per_s": rps,
        "requests": total,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
        "latency_p50_ms": ms(p50),
        "latency_p99_ms": ms(p99),
    }


def throughput(url: str, workdir: Path) -> dict | None:
    wrk = _wrk()
    if wrk is None:
        print("wrk is not installed (apt-get install wrk); skipping the throughput part.")
        return None
    static_root = workdir / "static"
    results = {}
    for label, cache_url, path in [
        ("cached page", "locmem://bench", "/"),
        ("bare Django view", "locmem://bench", "/__bench__/bare/"),
        ("uncached page", "dummy://", "/"),
    ]:
        proc, port = start_gunicorn(url, cache_url, static_root)
        try:
            results[label] = _load(wrk, port, path)
            results[label]["workers"] = _workers(proc)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return results


def _workers(proc: subprocess.Popen) -> int:
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    try:
        return len(children.read_text().split())
    except OSError:
        return 0


# -- report --------------------------------------------------------------------------------------


def _table(results: dict) -> list[str]:
    lines = []
    for backend, sizes in results["server_time"].items():
        keys = list(sizes)
        lines.append(f"\nServer time per request, page cache off (DummyCache) — {backend}")
        lines.append(f"{'':22}" + "".join(f"{f'{int(n):,} events':>26}" for n in keys)
                     + (f"{'ratio':>9}" if len(keys) > 1 else ""))
        lines.append(f"{'':22}" + "".join(f"{'median     p95  SQL':>26}" for _ in keys))
        for name, _url, _h in CASES:
            row = f"{name:22}"
            for n in keys:
                c = sizes[n]["cases"][name]
                row += f"{c['median_ms']:>11.1f} ms{c['p95_ms']:>8.1f}{c['queries']:>5}"
            if len(keys) > 1:
                ratio = (sizes[keys[-1]]["cases"][name]["median_ms"]
                         / sizes[keys[0]]["cases"][name]["median_ms"])
                row += f"{ratio:>8.1f}×"
            lines.append(row)
        for n in keys:
            after = sizes[n]["first_request_after_a_change"]
            rss = sizes[n]["max_rss_mb"]
            lines.append(
                f"{int(n):>7,} events: first request after a change (index rebuild) median "
                f"{after['median_ms']:.0f} ms, max {after['max_ms']:.0f} ms; process peak memory "
                f"{rss['before']:.0f} MB before the index, {rss['with_index']:.0f} MB with it"
            )
    if results.get("throughput"):
        lines.append("\nThroughput under gunicorn (wrk -t2 -c8 -d10s --timeout 10s, loopback, SQLite, "
                     "100,000 events)")
        for label, r in results["throughput"].items():
            lines.append(
                f"{label:22}{r['requests_per_s']:>10.1f} req/s   p50 {r['latency_p50_ms']} ms"
                f"   p99 {r['latency_p99_ms']} ms   errors {r['errors']} (non-2xx {r['non_2xx']},"
                f" socket/timeout {r['socket_errors']})   workers {r['workers']}"
            )
    lines.append("\nTargets")
    for target in results["targets"]:
        lines.append(f"  [{'ok' if target['met'] else 'MISSED'}] {target['what']}: {target['value']}")
    return lines


def _targets(results: dict) -> list[dict]:
    targets = []
    for backend, sizes in results["server_time"].items():
        if len(sizes) < 2:
            continue
        small, large = list(sizes)[0], list(sizes)[-1]
        for name, _u, _h in CASES:
            a, b = sizes[small]["cases"][name], sizes[large]["cases"][name]
            ratio = b["median_ms"] / a["median_ms"]
            targets.append({"what": f"{backend} {name}: {large} within 1.5× of {small}",
                            "value": f"{ratio:.2f}×", "met": ratio <= 1.5})
            targets.append({"what": f"{backend} {name}: same queries at both sizes",
                            "value": f"{a['queries']} vs {b['queries']}",
                            "met": a["queries"] == b["queries"]})
        for name in ("partial, filtered", "partial, filtered, full"):
            filtered = sizes[large]["cases"][name]["median_ms"]
            targets.append({"what": f"{backend} {name} ≤ 50 ms median at {large}",
                            "value": f"{filtered:.1f} ms", "met": filtered <= 50})
    tp = results.get("throughput")
    if tp:
        share = tp["cached page"]["requests_per_s"] / tp["bare Django view"]["requests_per_s"]
        targets.append({"what": "cached page ≥ 50% of the bare view's throughput",
                        "value": f"{share:.0%}", "met": share >= 0.5})
        errors = sum(r["errors"] for r in tp.values())
        targets.append({"what": "zero errors under load", "value": str(errors), "met": errors == 0})
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    backends = ["sqlite"]
    if not args.no_postgres and postgres_reachable():
        backends.append("postgresql")
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
                     "server_time": {}, "generate_seconds": {}}
    with tempfile.TemporaryDirectory(prefix="crisis-bench-") as tmp:
        workdir = Path(tmp)
        # DEBUG off means hashed static file names, as `make serve` collects them.
        os.environ["STATIC_ROOT"] = str(workdir / "static")
        manage(server_env("sqlite:///" + str(workdir / "static.sqlite3")), "collectstatic",
                "--noinput", "-v0")
        largest_sqlite = None
        for backend in backends:
            urls = {}
            for size in args.sizes:
                print(f"{backend}: generating {size:,} demo events ...", flush=True)
                urls[size], seconds = prepare_database(backend, size, workdir)
                results["generate_seconds"][f"{backend} {size}"] = round(seconds, 1)
                print(f"  generated in {seconds:.1f} s", flush=True)
            print(f"{backend}: timing requests, the cases and sizes alternating ...", flush=True)
            results["server_time"][backend] = _server_times(urls, args.repeats)
            for size, url in urls.items():
                if backend == "sqlite" and size == max(args.sizes):
                    largest_sqlite = url
                else:
                    _drop(backend, url)
        if largest_sqlite and not args.no_throughput:
            print("Throughput under gunicorn ...", flush=True)
            results["throughput"] = throughput(largest_sqlite, workdir)
        if largest_sqlite:
            _drop("sqlite", largest_sqlite)
    results["targets"] = _targets(results)
    results["machine"]["load_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(_table(results)))
    print("\nGeneration: " + ", ".join(f"{k}: {v} s" for k, v in results["generate_seconds"].items()))
    machine = results["machine"]
    print(f"Load average before/after: {machine['load_before']} / {machine['load_after']}")
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
