"""How well and how fast timeline.dates.resolve reads the test table, against plain dateparser.

    .venv/bin/python bench/bench_dates.py

On every row of tests/test_dates.py's DATE_TABLE:
- resolver: correct when start, end and part of day all equal the row's.
- plain dateparser (same language, DMY for Dutch, past or future preference, RELATIVE_BASE):
  it answers a single date, so it is correct only when that date equals both the expected start
  and end (a range, an open end or a part of day it cannot express; its part of day is not
  checked, which flatters it).
Refusals (tests' REFUSALS): honoured when no date comes back.
Timing: the median and 95th percentile of one resolve() call, after a warm-up pass.
Writes the figures to bench/results/dates.json.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dateparser  # noqa: E402

from tests.test_dates import DATE_TABLE, REFUSALS  # noqa: E402
from timeline.dates import Resolved, detect_language, resolve  # noqa: E402

REPEATS = 20


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _plain_dateparser(phrase: str, base: dt.date, lang: str | None, future: bool):
    lang = lang or detect_language(phrase)
    settings = {
        "PREFER_DATES_FROM": "future" if future else "past",
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time()),
    }
    if lang == "nl":
        settings["DATE_ORDER"] = "DMY"
    try:
        found = dateparser.parse(phrase, languages=[lang], settings=settings)
    except Exception:  # noqa: BLE001 - count a crash as no answer
        return None
    return found.date() if found else None


def main() -> dict:
    ours = plain = 0
    misses = []
    for base, lang, phrase, future, _edtf, start, end, part in DATE_TABLE:
        base_date, start_date, end_date = _date(base), _date(start), _date(end)
        result = resolve(phrase, base_date, lang, future=future)
        if isinstance(result, Resolved) and (result.start, result.end, result.part_of_day) == (
            start_date, end_date, part
        ):
            ours += 1
        else:
            misses.append((base, phrase))
        found = _plain_dateparser(phrase, base_date, lang, future)
        plain += found is not None and found == start_date == end_date

    refused_ours = sum(not resolve(p, _date(b), lang).ok for b, lang, p in REFUSALS)
    refused_plain = sum(
        _plain_dateparser(p, _date(b), lang, False) is None for b, lang, p in REFUSALS
    )

    # Timing: one warm-up pass (imports, dateparser's lazy language data), then every phrase
    # REPEATS times.
    for base, lang, phrase, future, *_ in DATE_TABLE:
        resolve(phrase, _date(base), lang, future=future)
    timings = []
    for _ in range(REPEATS):
        for base, lang, phrase, future, *_ in DATE_TABLE:
            base_date = _date(base)
            began = time.perf_counter()
            resolve(phrase, base_date, lang, future=future)
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()

    total = len(DATE_TABLE)
    figures = {
        "phrases": total,
        "resolver_correct": ours,
        "resolver_share": round(ours / total, 4),
        "dateparser_correct": plain,
        "dateparser_share": round(plain / total, 4),
        "refusals": len(REFUSALS),
        "resolver_refusals_honoured": refused_ours,
        "dateparser_refusals_honoured": refused_plain,
        "median_ms": round(statistics.median(timings), 4),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 4),
        "timed_calls": len(timings),
        "misses": misses,
    }
    return figures


if __name__ == "__main__":
    figures = main()
    total = figures["phrases"]
    print(f"phrases in the table:     {total}")
    print(f"resolver correct:         {figures['resolver_correct']}/{total} "
          f"({figures['resolver_share']:.1%})")  # fmt: skip
    print(f"plain dateparser correct: {figures['dateparser_correct']}/{total} "
          f"({figures['dateparser_share']:.1%})")  # fmt: skip
    print(f"refusals honoured:        resolver {figures['resolver_refusals_honoured']}"
          f"/{figures['refusals']}, dateparser {figures['dateparser_refusals_honoured']}"
          f"/{figures['refusals']}")  # fmt: skip
    print(f"time per phrase:          median {figures['median_ms']:.3f} ms, "
          f"p95 {figures['p95_ms']:.3f} ms ({figures['timed_calls']} calls after warm-up)")
    for base, phrase in figures["misses"]:
        print(f"  miss: {base} {phrase!r}")
    out = ROOT / "bench" / "results" / "dates.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    target_met = figures["resolver_share"] >= 0.97 and figures["median_ms"] <= 2
    sys.exit(0 if target_met else 1)
