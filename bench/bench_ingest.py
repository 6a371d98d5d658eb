"""How well and how fast ingest reads articles: the corpus in tests/corpus/ and, separately, the
held-out set in tests/corpus/heldout/.

    DEBUG=1 .venv/bin/python bench/bench_ingest.py [--before heldout|heldout2|heldout3|heldout4]

Each article is proposed (nothing saved) against a fresh test database holding the seed's
actors, types and sources but none of its events, plus the types the corpus needs. Precision
is right answers over proposals made, recall right answers over the events tests/corpus/
expected.json lists; participants are counted pair by pair. The lead event is right when its
date, status and participants all are. Speed: articles per second, the best of REPEATS passes
over the corpus (the first pass also pays for pysbd and the patterns). Writes the figures to
bench/results/ingest.json.

The corpus was written for these tests and ingest was developed against it: its figures say
what it does on texts like these, not what it does on unseen ones. The held-out set was written
afterwards and measured before any change for it: `--before heldout` records that first
measurement as "heldout_before" (kept by later runs); every run writes "heldout_after".
tests/corpus/heldout2/ was written after the changes made for heldout, and measured the same way
("heldout2_before", "heldout2_after"): its "before" is the figure for texts ingest had really
not seen once the first held-out set had been used. tests/corpus/heldout3/ was written by an
evaluator who did not read the ingest code, after the changes made for heldout2 ("heldout3_before");
tests/corpus/heldout4/ the same way, after the changes made for heldout3 ("heldout4_before").
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPEATS = 5


def main() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from tests.test_ingest_corpus import (
        CORPUS,
        HELDOUT,
        HELDOUT2,
        HELDOUT3,
        prepare_database,
        score,
    )

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        prepare_database()
        figures = _best(score, CORPUS)
        heldout = {
            "heldout": _best(score, HELDOUT),
            "heldout2": _best(score, HELDOUT2),
            "heldout3": _best(score, HELDOUT3),
            "heldout4": _best(score, CORPUS / "heldout4"),
        }
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return figures, heldout


def _best(score, corpus: Path) -> dict:
    runs = [score(corpus) for _ in range(REPEATS)]
    best = min(runs, key=lambda run: run.seconds)
    figures = best.figures()
    figures["misses"] = best.misses
    return figures


def _print(title: str, figures: dict) -> None:
    print(title)
    for what in ("dates", "types", "status", "participants"):
        f = figures[what]
        print(f"  {what:13} precision {f['precision']:.3f}  recall {f['recall']:.3f}")
    print(f"  lead events right: {figures['lead_events_right']}")
    print(f"  articles per second: {figures['articles_per_second']}")
    for miss in figures["misses"]:
        print("    miss:", miss)


if __name__ == "__main__":
    figures, heldout = main()
    out = ROOT / "bench" / "results" / "ingest.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    args = sys.argv[1:]
    before = args[args.index("--before") + 1] if "--before" in args[:-1] else None
    _print("corpus (developed against)", figures)
    for name, result in heldout.items():
        if name == before:
            figures[f"{name}_before"] = result
        elif f"{name}_before" in previous:
            figures[f"{name}_before"] = previous[f"{name}_before"]
        figures[f"{name}_after"] = result
        _print(name, result)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
