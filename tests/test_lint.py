"""The code passes its linter (ruff, with the rules in pyproject.toml) and its type checker (mypy, configured in
pyproject.toml: matcher/, features/, service/): unused imports, unsorted imports, zip() without strict=, lines
over 120 characters, type errors and the rest fail the suite, so they never pile up. Ruff reads every Python
file of the checkout (data/scripts, docs and bench included), not a list of folders that can fall behind."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (it is in the dev extra)")
    return found


def test_ruff_finds_nothing():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = subprocess.run([_tool("ruff"), "check", "--no-cache", "--show-files", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=120).stdout
    assert "data/scripts/" in listed and "docs/" in listed  # every Python file, scripts included


def test_mypy_finds_nothing(tmp_path):
    done = subprocess.run([_tool("mypy"), "--cache-dir", str(tmp_path / "mypy-cache")], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
