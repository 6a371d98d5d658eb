"""The code passes `make lint` (ruff, configured in pyproject.toml): part of the suite, so that
`make test` and CI fail when it does not."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT, capture_output=True, check=False, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
