"""Is the chart view as fast with 100,000 events as with 1,000, and does its SVG stay small?

    .venv/bin/python bench/bench_chart.py [--sizes 1000 100000] [--repeats 15]

For each size a throwaway SQLite database is migrated and filled with `manage.py generate_demo
--events N`. One child process per size (DEBUG off, page cache DISABLED) serves Django's test
client; their requests alternate one by one, case after case, round after round, so that the
shared machine's ups and downs fall on every case and size alike. It prints and writes to
bench/results/chart.json the median and 95th percentile server time of each chart variant
(the whole span, a zoomed month, a filter, lanes by participant, the htmx swap of a zoom), the
number of SQL queries, the SVG's bytes and whether it drew marks or density; the ratio of
100,000 to 1,000 events (target <= 1.5x); and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, manage, require_demo_on_front_page, server_env

RESULTS = ROOT / "bench" / "results" / "chart.json"
PAGE = {"HX-Request": "true", "HX-Target": "page"}
CASES = [
    ("chart, whole span", "/?view=chart", {}),
    ("chart, a month", "/?view=chart&from=2022-02-01&to=2022-02-28", {}),
    ("chart, a week, lanes by actor", "/?view=chart&lanes=actor&from=2022-02-07&to=2022-02-13", {}),
    ("chart, actor + type filter", "/?view=chart&actor=demo-norlandia&type=statement", {}),
    ("chart, zoom (htmx swap)", "/?view=chart&from=2022-01-01&to=2022-06-30", PAGE),
]


def serve() -> None:
    """In a child, one per size: one command per line on stdin, one JSON line on stdout."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from timeline.models import Event

    setup_test_environment()
    client = Client()
    cases = {name: (url, headers) for name, url, headers in CASES}
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        url, headers = cases.get(name, ("/", {}))
        if command == "time":
            began = time.perf_counter()
            response = client.get(url, headers=headers, secure=True)
            assert response.status_code == 200, (url, response.status_code)
            answer = {"ms": (time.perf_counter() - began) * 1000}
        elif command == "describe":
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, headers=headers, secure=True)
            html = response.content.decode()
            svg = re.search(r'<svg class="chart-svg".*?</svg>', html, re.S)
            answer = {
                "url": url,
                "queries": len(ctx.captured_queries),
                "page_bytes": len(response.content),
                "svg_bytes": len(svg[0].encode()) if svg else 0,
                "marks": html.count('class="mark '),
                "density_bins": html.count('class="bin '),
                "events": Event.objects.count(),
            }
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)


class _Child:
    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, __file__, "--serve"], cwd=ROOT, env=server_env(url), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-chart-"))
    # The production settings serve hashed static files: collect them once, as `make serve` does.
    os.environ["STATIC_ROOT"] = str(workdir / "static")
    manage(server_env(f"sqlite:///{workdir / 'static.sqlite3'}"), "collectstatic", "--noinput", "-v0")
    urls, generated = {}, {}
    for size in args.sizes:
        path = workdir / f"chart-{size}.sqlite3"
        url = f"sqlite:///{path}"
        manage(server_env(url), "migrate", "--noinput", "-v0")
        began = time.monotonic()
        manage(server_env(url), "generate_demo", "--events", str(size), "--seed", "8", "-v0")
        generated[size] = round(time.monotonic() - began, 1)
        require_demo_on_front_page(server_env(url))
        urls[size] = url
        print(f"{size} events generated in {generated[size]} s", flush=True)
    children = {size: _Child(url) for size, url in urls.items()}
    load_before = os.getloadavg()
    try:
        for child in children.values():  # the first request builds the index
            child.ask(f"time {CASES[0][0]}")
        timings = {(name, size): [] for name, _u, _h in CASES for size in urls}
        for repeat in range(3 + args.repeats):
            for name, _url, _headers in CASES:
                for size, child in children.items():
                    ms = child.ask(f"time {name}")["ms"]
                    if repeat >= 3:
                        timings[name, size].append(ms)
        out = {"sizes": {}, "ratios": {}, "generated_s": generated}
        for size, child in children.items():
            cases = {}
            for name, _url, _headers in CASES:
                ms = sorted(timings[name, size])
                cases[name] = {
                    **child.ask(f"describe {name}"),
                    "median_ms": round(statistics.median(ms), 2),
                    "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
                }
            out["sizes"][str(size)] = cases
    finally:
        for child in children.values():
            child.close()
    small, large = str(min(args.sizes)), str(max(args.sizes))
    print(f"\n{'case':34} " + " ".join(f"{s + ' ev.':>22}" for s in out["sizes"]) + "   ratio")
    for name, _url, _headers in CASES:
        a, b = out["sizes"][small][name], out["sizes"][large][name]
        ratio = round(b["median_ms"] / a["median_ms"], 2)
        out["ratios"][name] = ratio
        cells = " ".join(
            f"{c['median_ms']:>7.1f} ms {c['svg_bytes'] / 1024:>6.1f} KB "
            f"{('bins' if c['density_bins'] else 'marks'):>5}"
            for c in (out["sizes"][s][name] for s in out["sizes"])
        )
        print(f"{name:34} {cells}   {ratio:.2f}x")
    out["max_ratio"] = max(out["ratios"].values())
    out["max_svg_bytes"] = max(c["svg_bytes"] for cases in out["sizes"].values() for c in cases.values())
    out["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    out["machine"] = {"cpus": os.cpu_count(), "uptime": uptime}
    print(f"\nmax ratio {out['max_ratio']}x (target <= 1.5x), max SVG {out['max_svg_bytes'] / 1024:.1f} KB; "
          f"load {out['load_average']}")  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    for url in urls.values():
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        main()
