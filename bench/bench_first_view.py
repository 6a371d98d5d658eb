"""The first view of the timeline in headless Chromium, beside TimelineJS with the same events.

    .venv/bin/python bench/bench_first_view.py [--events 1000] [--runs 7]

Everything is served as `make serve` serves it: gunicorn with DEBUG off, the static files
collected hashed and compressed (WhiteNoise), behind what looks to Django like a TLS proxy
(BEHIND_PROXY=1 and X-Forwarded-Proto: https on every request), the page cache as deployed
(local memory). Chromium is Debian's, with the flags of the browser tests (tests/conftest.py);
every run is a new browser context, so a reader's first visit: nothing in the browser's cache.

1. Bytes. The seed timeline (fixtures/seed.json) in a fresh SQLite file; `/` loaded once per
   run; every response's `encodedDataLength` (Chrome DevTools Protocol,
   Network.loadingFinished: the response headers and the body as received, compressed) summed
   over everything the page fetches. Target: at most 30 KB.
2. First contentful paint of `/` with N demo events (`manage.py generate_demo`, set up as
   bench/bench_timeline.py does it), from the browser's own paint timing. The first visit
   meets a worker's first request and an empty page cache; its figure is printed beside the
   median of the visits after every worker has answered once. Target: at most 200 ms. Beside
   it, the floor: the same for a bare text page through the whole stack (bench/bare_urls.py),
   what the browser and the machine cost before the page itself.
3. The same N events in the real TimelineJS 3.9.11 (tests/timelinejs, from npm; the site never
   serves it): `/export/timelinejs.json` of the same database, built into a timeline on the
   browser tests' page (tests/timelinejs/index.html, served by a local static server, the
   export answered beside it from memory) as soon as that page has loaded; the time from
   navigation until TimelineJS says it is ready and the next frame is painted ("slides
   painted"), and that page's first contentful paint. Parts 2 and 3 run in turn, visit after
   visit, so that the shared machine's slow and quiet spells fall on both alike.

Prints the medians, the ratio and the bytes per file; writes bench/results/first_view.json.
It is not a test: its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from common import ROOT, manage, prepare_database, server_env, start_gunicorn  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, first_view_bytes  # noqa: E402

RESULTS = BENCH / "results" / "first_view.json"
TIMELINEJS = ROOT / "tests" / "timelinejs"
LIBRARY = TIMELINEJS / "node_modules" / "@knight-lab" / "timelinejs"
PROXY = {"X-Forwarded-Proto": "https"}
VIEWPORT = {"width": 1280, "height": 720}
FIRST_VIEW_BYTES = 30 * 1024
FCP_MS = 200

FCP = """() => new Promise(resolve => {
    new PerformanceObserver((list, observer) => {
        const paint = list.getEntriesByName("first-contentful-paint")[0];
        if (paint) { observer.disconnect(); resolve(paint.startTime); }
    }).observe({type: "paint", buffered: true});
})"""

# Run in tests/timelinejs/index.html (the test page: the library, no data) before its own
# scripts: builds the timeline as soon as the page and the export are there; `slidesPainted` is
# the time (from navigation start) of the first frame after TimelineJS's "ready".
BUILD = """window.addEventListener("DOMContentLoaded", () => {
    fetch("/export.json").then(r => r.json()).then(data => {
        const timeline = new TL.Timeline("timeline-embed", data, {
            script_path: location.origin + "/node_modules/@knight-lab/timelinejs/dist/js/",
            font: null, language: "nl", hash_bookmark: false,
        });
        timeline.on("ready", () => requestAnimationFrame(() => requestAnimationFrame(() => {
            window.slidesPainted = performance.now();
        })));
    });
});"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers=PROXY)
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def _context(browser):
    return browser.new_context(locale="nl-NL", viewport=VIEWPORT, extra_http_headers=PROXY)


def _first_view_bytes(browser, url: str) -> dict:
    context = _context(browser)
    try:
        return first_view_bytes(context, url)
    finally:
        context.close()


def _fcp(browser, url: str) -> float:
    context = _context(browser)
    page = context.new_page()
    page.goto(url, wait_until="load")
    fcp = page.evaluate(FCP)
    context.close()
    return fcp


def _our_fcp(browser, url: str) -> tuple[float, int]:
    context = _context(browser)
    page = context.new_page()
    page.goto(url, wait_until="load")
    fcp = page.evaluate(FCP)
    cards = page.locator("#results article.event").count()
    context.close()
    return fcp, cards


def _timelinejs(browser, url: str, export: bytes) -> tuple[float, float, int]:
    context = _context(browser)
    page = context.new_page()
    page.add_init_script(BUILD)
    # The export as a static file beside the page would be: from memory, over no network.
    page.route("**/export.json", lambda route: route.fulfill(body=export, content_type="application/json"))
    page.goto(url + "/index.html", wait_until="load")
    page.wait_for_function("window.slidesPainted !== undefined", timeout=120_000)
    painted = page.evaluate("window.slidesPainted")
    fcp = page.evaluate(FCP)
    slides = page.locator(".tl-slide").count()
    context.close()
    return painted, fcp, slides


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not (LIBRARY / "dist" / "js" / "timeline.js").exists():
        sys.exit("TimelineJS is not installed: run `make timelinejs` (npm ci, tests/timelinejs)")
    from playwright.sync_api import sync_playwright

    results: dict = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
                     "events": args.events, "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="crisis-first-view-") as tmp, sync_playwright() as pw:
        workdir = Path(tmp)
        static_root = workdir / "static"
        os.environ["STATIC_ROOT"] = str(static_root)
        manage(server_env(f"sqlite:///{workdir / 'static.sqlite3'}"), "collectstatic", "--noinput", "-v0")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

        print("The seed timeline: bytes of a first view of / ...", flush=True)
        seed_url = f"sqlite:///{workdir / 'seed.sqlite3'}"
        manage(server_env(seed_url), "migrate", "--noinput", "-v0")
        manage(server_env(seed_url), "loaddata", "seed", "-v0")
        server, port = start_gunicorn(seed_url, "locmem://bench", static_root)
        try:
            base = f"http://127.0.0.1:{port}"
            _get(base + "/")  # the master's index is built; the page cache warm, as it mostly is
            views = [_first_view_bytes(browser, base + "/") for _ in range(3)]
        finally:
            server.terminate()
            server.wait(timeout=30)
        files = views[-1]
        totals = [sum(f["bytes"] for f in view.values()) for view in views]
        results["first_view_bytes"] = {"total": max(totals), "files": files}

        print(f"{args.events:,} demo events: / and TimelineJS, run after run ...", flush=True)
        demo_url, _seconds = prepare_database("sqlite", args.events, workdir)
        server, port = start_gunicorn(demo_url, "locmem://bench", static_root)
        static = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(TIMELINEJS)))
        threading.Thread(target=static.serve_forever, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{port}"
            _get(base + "/api/events.json?q=zzz")  # waits for the index the master builds
            cold = _our_fcp(browser, base + "/")  # a worker's first request, the cache empty
            # Then every worker has answered / once (and cached it), as on a server that runs.
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: _get(base + "/"), range(40)))
            export = _get(base + "/export/timelinejs.json")
            data = json.loads(export)
            # Ours, the floor (a bare page through the same stack) and TimelineJS in turn, run
            # after run: the shared machine's slow and quiet spells fall on all three alike.
            ours, floor, theirs = [], [], []
            for _ in range(args.runs):
                ours.append(_our_fcp(browser, base + "/"))
                floor.append(_fcp(browser, base + "/__bench__/bare/"))
                theirs.append(_timelinejs(browser, f"http://127.0.0.1:{static.server_port}", export))
            demo_bytes = sum(f["bytes"] for f in _first_view_bytes(browser, base + "/").values())
        finally:
            static.shutdown()
            static.server_close()
            server.terminate()
            server.wait(timeout=30)
        browser.close()
    fcps = [fcp for fcp, _cards in ours]
    results["ours"] = {
        "url": "/",
        "cards_drawn": ours[0][1],
        "fcp_first_run_ms": round(cold[0], 1),  # a worker's first request, empty page cache
        "fcp_ms": [round(v, 1) for v in fcps],
        "fcp_median_ms": _median(fcps),
        "first_view_bytes": demo_bytes,
    }
    results["floor"] = {
        "what": "a bare text/plain view through the whole middleware stack (bench/bare_urls.py)",
        "fcp_ms": [round(v, 1) for v in floor],
        "fcp_median_ms": _median(floor),
    }
    results["timelinejs"] = {
        "version": json.loads((LIBRARY / "package.json").read_text())["version"],
        "events": len(data["events"]),
        "slides": theirs[0][2],
        "slides_painted_ms": [round(v, 1) for v, _f, _s in theirs],
        "slides_painted_median_ms": _median([v for v, _f, _s in theirs]),
        "fcp_median_ms": _median([f for _v, f, _s in theirs]),
    }
    ratio = results["timelinejs"]["slides_painted_median_ms"] / results["ours"]["fcp_median_ms"]
    results["ratio_timelinejs_slides_to_our_fcp"] = round(ratio, 1)
    results["targets"] = [
        {"what": "first view of the seed timeline / ≤ 30 KB over the wire",
         "value": results["first_view_bytes"]["total"],
         "met": results["first_view_bytes"]["total"] <= FIRST_VIEW_BYTES},
        {"what": f"first contentful paint of / with {args.events:,} events ≤ {FCP_MS} ms (median)",
         "value": results["ours"]["fcp_median_ms"], "met": results["ours"]["fcp_median_ms"] <= FCP_MS},
    ]
    results["machine"]["load_after"] = os.getloadavg()
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _print(results)


def _print(r: dict) -> None:
    view = r["first_view_bytes"]
    print(f"\nFirst view of the seed timeline /, over the wire (headers + compressed body): "
          f"{view['total']:,} bytes ({view['total'] / 1024:.1f} KB)")
    for name, f in sorted(view["files"].items(), key=lambda kv: -kv[1]["bytes"]):
        print(f"  {f['bytes']:>7,}  {f['encoding'] or 'identity':<8} {name}")
    ours, theirs = r["ours"], r["timelinejs"]
    print(f"\n{r['events']:,} events, median of {r['runs']} runs (a new browser context each):")
    print(f"  ours, /: first contentful paint {ours['fcp_median_ms']} ms "
          f"(first run, empty page cache: {ours['fcp_first_run_ms']} ms); {ours['cards_drawn']} "
          f"cards drawn, {ours['first_view_bytes']:,} bytes over the wire")
    print(f"  the floor, {r['floor']['what']}: first contentful paint {r['floor']['fcp_median_ms']} ms")
    print(f"  TimelineJS {theirs['version']}, {theirs['events']:,} events: slides painted "
          f"{theirs['slides_painted_median_ms']} ms, first contentful paint {theirs['fcp_median_ms']} ms")
    print(f"  ratio, TimelineJS slides painted / our first contentful paint: "
          f"{r['ratio_timelinejs_slides_to_our_fcp']}×")
    print("\nTargets")
    for t in r["targets"]:
        print(f"  [{'ok' if t['met'] else 'MISSED'}] {t['what']}: {t['value']}")
    print(f"Load average before/after: {r['machine']['load_before']} / {r['machine']['load_after']}")
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
