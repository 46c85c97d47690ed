"""The code passes its linter (ruff, with the rules in pyproject.toml): unused imports, unsorted imports, zip()
without strict=, lines over 120 characters and the rest fail the suite, so they never pile up."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["matcher", "features", "service", "matcher_client", "bench", "scripts", "tests"]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the dev extra)")
    done = subprocess.run([ruff, "check", "--no-cache", *PACKAGES], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
