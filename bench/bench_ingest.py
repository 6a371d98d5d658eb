"""How well and how fast ingest reads articles it has never seen: the corpus in tests/corpus/.

    DEBUG=1 .venv/bin/python bench/bench_ingest.py

Each article is proposed (nothing saved) against a fresh test database holding the seed's
actors, types and sources but none of its events, plus the types the corpus needs. Precision
is right answers over proposals made, recall right answers over the events tests/corpus/
expected.json lists; participants are counted pair by pair. The lead event is right when its
date, status and participants all are. Speed: articles per second, the best of REPEATS passes
over the corpus (the first pass also pays for pysbd and the patterns). Writes the figures to
bench/results/ingest.json.

The corpus was written for these tests and ingest was developed against it: these figures say
what it does on texts like these, not what it does on unseen ones.
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

    from tests.test_ingest_corpus import prepare_database, score

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        prepare_database()
        runs = [score() for _ in range(REPEATS)]
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    best = min(runs, key=lambda run: run.seconds)
    figures = best.figures()
    figures["misses"] = best.misses
    return figures


if __name__ == "__main__":
    figures = main()
    for what in ("dates", "types", "status", "participants"):
        f = figures[what]
        print(f"{what:13} precision {f['precision']:.3f}  recall {f['recall']:.3f}")
    print(f"lead events right: {figures['lead_events_right']}")
    print(f"articles per second: {figures['articles_per_second']}")
    for miss in figures["misses"]:
        print("  miss:", miss)
    out = ROOT / "bench" / "results" / "ingest.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
