"""How long do `make dump` and `make restore` take at 100,000 events, and is the round trip exact?

    .venv/bin/python bench/bench_backup.py [--events 100000] [--results bench/results/backup.json]

A throwaway SQLite database is migrated and filled with `manage.py generate_demo --events N`
(events with their participants, citations and sources; generated rows have no audit history).
Then, each in its own process as the Makefile runs them: `manage.py dump` times the backup;
a second database is migrated and `manage.py loaddata --empty-only` (what `make restore` runs
after migrating) times the restore; a dump of the restored database must equal the first
(up to the whole-millisecond times Django writes without a fraction). Prints the figures and
writes bench/results/backup.json (with the CPU seconds of each step and the load average: on a
shared machine the clock also counts waiting for a CPU). It is not a test: it takes minutes and
depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "backup.json"


def manage(db: Path, *args: str) -> tuple[float, float]:
    """Seconds on the clock and of CPU (user + system) that the command took."""
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("DJANGO_TESTING", None)
    started, used = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started, _children_cpu() - used


def _children_cpu() -> float:
    # On a machine shared with other work the clock also counts the waits for a CPU.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file to write")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        tmp = Path(tmp)
        source, target = tmp / "source.sqlite3", tmp / "target.sqlite3"
        manage(source, "migrate", "--noinput", "-v0")
        manage(source, "generate_demo", "--events", str(options.events))
        dump_seconds, dump_cpu = manage(source, "dump", "--output", str(tmp / "first.json"))
        first = (tmp / "first.json").read_bytes()
        manage(target, "migrate", "--noinput", "-v0")
        restore_seconds, restore_cpu = manage(
            target, "loaddata", "--empty-only", "-v0", str(tmp / "first.json")
        )
        manage(target, "dump", "--output", str(tmp / "second.json"))
        second = (tmp / "second.json").read_bytes()
        identical = second == re.sub(rb"\.000(Z|[+-]\d\d:\d\d)\"", rb'\1"', first)
        rows = len(json.loads(first))
    result = {
        "database": "sqlite",
        "events": options.events,
        "rows": rows,
        "backup_megabytes": round(len(first) / 1e6, 1),
        "dump_seconds": round(dump_seconds, 1),
        "restore_seconds": round(restore_seconds, 1),
        "dump_cpu_seconds": round(dump_cpu, 1),
        "restore_cpu_seconds": round(restore_cpu, 1),
        "load_average_after": round(os.getloadavg()[0], 1),
        "round_trip_identical": identical,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    options.results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not identical:
        sys.exit("The restored database does not dump to the same backup.")


if __name__ == "__main__":
    main()
