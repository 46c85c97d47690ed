"""bench/: any section renders, missing modules are skipped (and only those), a quick run works end to end."""

import json
import os
import subprocess
import sys

import pytest

from bench.__main__ import load_module
from bench.report import render_markdown, render_text
from matcher.paths import FIXTURES_DIR, ROOT

RUN = {
    "command": "python -m bench --json", "date": "2026-01-01T00:00:00+00:00", "quick": False,
    "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 4.0, "os": "Linux", "python": "3.11.7", "commit": "abc"},
    "elapsed_s": {"kernel": 3.0},
    "sections": {"kernel": {"section": "kernel", "target": ">= 0.5x numpy floor", "met": True, "notes": ["n=1000"],
                            "rows": [{"what": "numpy (floor)", "kind": "absolute", "ms": 2.0},
                                     {"what": "rank | fused", "kind": "absolute", "ms": 3.0, "extra": 7},
                                     {"what": "rank / floor", "kind": "ratio", "ms": 1.5}]}},
    "skipped": ["http"], "failed": [],
}


def test_markdown_renders_any_section():
    md = render_markdown(RUN)
    assert "Test CPU, 2 cores" in md and "`python -m bench --json`" in md and "2026-01-01" in md
    assert "## kernel: >= 0.5x numpy floor (met)" in md
    assert "| what | kind | ms | extra |" in md
    assert "| rank \\| fused | absolute | 3.00 | 7 |" in md  # a | in a cell is escaped, missing keys blank
    assert "| rank / floor | ratio | 1.50x |  |" in md
    assert "- n=1000" in md and "http" in md.split("## Not run")[1]


def test_text_renders_any_section():
    text = render_text(RUN)
    assert "kernel: >= 0.5x numpy floor (met)" in text and "1.50x" in text and "skipped: http" in text


def test_missing_module_is_skipped_but_a_broken_one_is_not(monkeypatch, capsys):
    assert load_module("no_such_section") is None
    assert "bench.no_such_section does not exist yet" in capsys.readouterr().err

    def broken(name):
        raise ModuleNotFoundError("No module named 'numpyy'", name="numpyy")

    monkeypatch.setattr("importlib.import_module", broken)
    with pytest.raises(ModuleNotFoundError):
        load_module("kernel")


@pytest.mark.slow
def test_quick_run_end_to_end(tmp_path):
    models = tmp_path / "models"
    matcher = os.path.join(os.path.dirname(sys.executable), "matcher")
    built = subprocess.run([matcher, "build", "--data", str(FIXTURES_DIR), "--models", str(models),
                            "--no-fit-weights"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    env = {**os.environ, "MATCHER_MODELS_DIR": str(models), "BENCH_QUERIES": "E08000901,210300"}
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", "--only", "http", "coldstart"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result["sections"]) == {"http", "coldstart"} and result["failed"] == []
    for name, section in result["sections"].items():
        assert section["section"] == name and section["rows"]
        assert {row["kind"] for row in section["rows"]} <= {"absolute", "ratio"}
    http = result["sections"]["http"]
    floor, recs, ratio = http["rows"][:3]
    assert floor["errors"] == recs["errors"] == 0
    assert ratio["throughput_rps"] == pytest.approx(recs["throughput_rps"] / floor["throughput_rps"])
    assert result["sections"]["coldstart"]["rows"][1]["rss_mb"] > result["sections"]["coldstart"]["rows"][0]["rss_mb"]
