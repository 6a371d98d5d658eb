"""Live updates (issue 18): do 1,000 open pages polling cost less than one uncached page a second?

    .venv/bin/python bench/bench_live.py [--events 100000] [--clients 1000] [--every 30] [--seconds 60]

A throwaway SQLite database with `generate_demo --events N` (100,000 by default) is served by
gunicorn (gunicorn.conf.py, DEBUG off, page cache off: DummyCache), as `make serve` would.

1. Cost per request, one request at a time (fixed concurrency 1): N conditional polls as an
   open page sends them (`/live/?…&v=…&t=…` with `If-None-Match`: 304s) against N uncached
   renders of `/`. Measured both as wall time per request and as the server's CPU time (user +
   system of gunicorn's master and workers, from /proc) per request. Printed: the median poll
   and page times, and the cost of 1,000 pages polling every 30 s (33.3 polls a second)
   against one uncached page a second, as a ratio (below 1 is the target).
2. 1,000 simulated pages: each polls every 30 s, the first polls staggered over the first 30 s,
   each keeping the ETag of its last answer, for `--seconds`. Halfway an editor saves an event,
   so that every page gets one 200 (its banner) and then 304s again. Printed: the achieved rate,
   the share of 304s, p50/p99 latency, errors.

Writes bench/results/live.json with the machine's load average (`uptime`) before and after.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, manage, prepare_database, server_env, start_gunicorn  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "live.json"
PROXY = {"X-Forwarded-Proto": "https"}  # behind a TLS proxy, as deployed
EDIT = (
    "from timeline.models import Event; e = Event.objects.filter(published=True).order_by('pk').first(); "
    "e.title = e.title + ' (bijgewerkt)'; e.save()"
)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def server_cpu(proc: subprocess.Popen) -> float:
    """User + system CPU seconds of gunicorn's master and its workers so far."""
    pids = [proc.pid, *map(int, Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split())]
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes, float]:
    request = urllib.request.Request(url, headers={**PROXY, **(headers or {})})
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            status, got = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:  # a 304 comes this way
        body, status, got = error.read(), error.code, dict(error.headers)
    return status, got, body, (time.perf_counter() - began) * 1000


def idle_cpu_per_s(proc, seconds: float = 3.0) -> float:
    """What the server costs doing nothing (its workers' heartbeats), to subtract."""
    cpu0, began = server_cpu(proc), time.monotonic()
    time.sleep(seconds)
    return (server_cpu(proc) - cpu0) / (time.monotonic() - began)


def batch(proc, urls_and_headers, expect: int, idle: float) -> dict:
    cpu0, began = server_cpu(proc), time.monotonic()
    times = []
    for url, headers in urls_and_headers:
        status, _h, _b, ms = get(url, headers)
        assert status == expect, (url, status)
        times.append(ms)
    cpu = max(server_cpu(proc) - cpu0 - idle * (time.monotonic() - began), 0)
    return {
        "requests": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(statistics.quantiles(times, n=20)[18], 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(times), 3),
    }


def simulate(base: str, live_url: str, etag: str, clients: int, every: float, seconds: float, edit) -> dict:
    """`clients` pages, each polling every `every` seconds (the first polls staggered), for
    `seconds`; `edit()` runs halfway."""
    began = time.monotonic()
    jobs = sorted(
        (began + (i * every / clients) + k * every, i)
        for i in range(clients)
        for k in range(int(seconds // every) + 1)
        if (i * every / clients) + k * every < seconds
    )
    etags = [etag] * clients
    results = []
    lock = threading.Lock()

    def one(due: float, client: int) -> None:
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            status, headers, _body, ms = get(base + live_url, {"If-None-Match": etags[client]})
        except OSError:
            status, headers, ms = 0, {}, None
        if status == 200:
            etags[client] = headers.get("ETag", etags[client])
        with lock:
            results.append((status, ms, time.monotonic() - due))

    timer = threading.Timer(seconds / 2, edit)
    timer.start()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for due, client in jobs:
            pool.submit(one, due, client)
    timer.join()
    elapsed = time.monotonic() - began
    latencies = sorted(ms for status, ms, _late in results if ms is not None)
    statuses = [status for status, _ms, _late in results]
    return {
        "clients": clients,
        "every_s": every,
        "seconds": round(elapsed, 1),
        "requests": len(results),
        "achieved_per_s": round(len(results) / elapsed, 1),
        "target_per_s": round(clients / every, 1),
        "share_304": round(statuses.count(304) / len(statuses), 4),
        "count_200": statuses.count(200),
        "errors": sum(1 for s in statuses if s not in (200, 304)),
        "latency_p50_ms": round(statistics.median(latencies), 2),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "late_p99_ms": round(
            sorted(late for _s, _m, late in results)[int(len(results) * 0.99) - 1] * 1000, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        workdir = Path(tmp)
        print(f"Generating {args.events:,} demo events ...", flush=True)
        url, generate_seconds = prepare_database("sqlite", args.events, workdir)
        static_root = workdir / "static"
        os.environ["STATIC_ROOT"] = str(static_root)
        os.environ["DB_WORKER"] = "0"  # no background-job worker beside gunicorn: its polling is not ours
        manage(server_env(url, STATIC_ROOT=str(static_root)), "collectstatic", "--noinput", "-v0")
        proc, port = start_gunicorn(url, "dummy://", static_root)
        base = f"http://127.0.0.1:{port}"
        try:
            # Every worker builds its index before anything is timed.
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda _: get(base + "/"), range(24)))
            status, _h, body, _ms = get(base + "/")
            page = body.decode()
            found = re.search(r'<div id="live"[^>]*data-live-url="([^"]*)" data-live-etag="([^"]*)"', page)
            live_url, etag = html.unescape(found[1]), html.unescape(found[2])
            print("Timing polls and uncached pages, one at a time ...", flush=True)
            idle = idle_cpu_per_s(proc)
            polls = batch(proc, [(base + live_url, {"If-None-Match": etag})] * args.polls, 304, idle)
            pages = batch(proc, [(base + "/", {})] * args.pages, 200, idle)
            polls_per_s = args.clients / args.every
            cost = {
                "polls_per_s": round(polls_per_s, 1),
                "ratio_cpu": round(
                    polls_per_s * polls["server_cpu_ms_per_request"] / pages["server_cpu_ms_per_request"], 3
                ),
                "ratio_wall": round(polls_per_s * polls["median_ms"] / pages["median_ms"], 3),
            }
            print(
                f"Driving {args.clients:,} pages polling every {args.every:g} s for {args.seconds:g} s ...",
                flush=True,
            )
            edit_env = server_env(url)

            def edit() -> None:
                manage(edit_env, "shell", "-c", EDIT)

            simulated = simulate(base, live_url, etag, args.clients, args.every, args.seconds, edit)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    results = {
        "database": "sqlite",
        "events": args.events,
        "generate_seconds": round(generate_seconds, 1),
        "server": "gunicorn (gunicorn.conf.py), DEBUG off, page cache off (DummyCache)",
        "poll": polls,
        "uncached_page": pages,
        "server_idle_cpu_ms_per_s_subtracted": round(idle * 1000, 2),
        "cost_of_polling_vs_one_page_a_second": cost,
        "simulated_pages": simulated,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    print(
        f"\n{args.events:,} events (SQLite), gunicorn, "
        f"load average {load_before} -> {results['load_average_after']}"
    )
    print(
        f"median poll (304)     {polls['median_ms']:8.2f} ms, "
        f"server CPU {polls['server_cpu_ms_per_request']:.3f} ms"
    )
    print(
        f"median uncached page  {pages['median_ms']:8.2f} ms, "
        f"server CPU {pages['server_cpu_ms_per_request']:.3f} ms"
    )
    print(
        f"{cost['polls_per_s']} polls/s vs 1 page/s: "
        f"{cost['ratio_cpu']:.3f} (CPU), {cost['ratio_wall']:.3f} (wall)"
    )
    s = simulated
    print(
        f"{s['clients']} pages: {s['requests']} polls in {s['seconds']} s = {s['achieved_per_s']}/s "
        f"(target {s['target_per_s']}/s), 304 share {s['share_304']:.1%}, 200s {s['count_200']}, "
        f"errors {s['errors']}, p50 {s['latency_p50_ms']} ms, p99 {s['latency_p99_ms']} ms"
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
