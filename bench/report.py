"""Render a bench run (the JSON `python -m bench --json` prints) as text tables or as bench/RESULTS.md.

Generic over sections (shape in bench/__init__.py), so a new benchmark module needs no change here.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

RESULTS_MD = Path(__file__).with_name("RESULTS.md")
KIND_NOTE = ('Rows of kind "absolute" are measured numbers (unit in the column name); rows of kind "ratio" '
             "are a measured number divided by its floor from the same run (>1 = more than the floor, shown "
             "with an x). Ratios carry over between machines; absolute numbers describe this one.")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or "unknown")
    mem = next((int(line.split()[1]) / 1024**2 for line in _lines("/proc/meminfo")
                if line.startswith("MemTotal:")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "os": platform.platform(),
            "python": platform.python_version(), "commit": _commit()}


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head} (+ uncommitted changes)" if dirty else head


def fmt(value, ratio: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        mag = abs(value)
        text = f"{value:,.0f}" if mag >= 100 else f"{value:.2f}" if mag >= 1 else f"{value:.3g}"
        return text + ("x" if ratio else "")
    return str(value)


def _columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _cells(rows: list[dict], columns: list[str]) -> list[list[str]]:
    return [[fmt(row.get(c), ratio=row.get("kind") == "ratio") for c in columns] for row in rows]


def verdict(section: dict) -> str:
    met = section.get("met")
    return "report only" if met is None else "met" if met else "NOT met"


def _heading(name: str, section: dict) -> str:
    target = section.get("target") or "no target"
    return f"{name}: {target} ({verdict(section)})"


def render_text(run: dict) -> str:
    out = []
    for name, section in run["sections"].items():
        columns = _columns(section["rows"])
        table = [columns, *_cells(section["rows"], columns)]
        widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
        out += ["", _heading(name, section)]
        out += ["  ".join(cell.rjust(w) if i > 1 else cell.ljust(w) for i, (cell, w) in
                          enumerate(zip(r, widths, strict=True))).rstrip() for r in table]
        out += [f"  - {note}" for note in section.get("notes", [])]
    out += [f"skipped: {name} (module not written yet)" for name in run.get("skipped", [])]
    return "\n".join(out).lstrip("\n") + "\n"


def _md_escape(text: str) -> str:
    """Table cells only: a bare | would split the cell."""
    return text.replace("|", "\\|")


def render_markdown(run: dict) -> str:
    m = run["machine"]
    mem = f", {m['memory_gb']:.1f} GB RAM" if m.get("memory_gb") else ""
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` from one run (bench/report.py); regenerate rather than edit.",
        "",
        f"- Command: `{run['command']}`",
        f"- Date: {run['date']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores{mem}; {m['os']}; Python {m['python']}",
        f"- Code: {m.get('commit') or 'unknown'}",
        f"- Other load: 1-minute load average {run.get('loadavg_before', 0):.2f} before, "
        f"{run.get('loadavg_after', 0):.2f} after, this run included; well above 1 on {m['cores']} cores means "
        "other processes shared the CPU: absolute times are then inflated, and ratios cancel that only as far "
        "as a measurement and its floor saw the same load",
        f"- Mode: {'quick' if run['quick'] else 'full'}; wall time per module: "
        + ", ".join(f"{name} {s:.0f} s" for name, s in run.get("elapsed_s", {}).items()),
        "",
        KIND_NOTE,
    ]
    for name, section in run["sections"].items():
        columns = _columns(section["rows"])
        out += ["", f"## {_heading(name, section)}", ""]
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_md_escape(c) for c in cells) + " |" for cells in _cells(section["rows"], columns)]
        if section.get("notes"):
            out += ["", *(f"- {note}" for note in section["notes"])]
    if run.get("skipped"):
        out += ["", "## Not run", "", *(f"- {name}: module bench/{name}.py does not exist yet"
                                        for name in run["skipped"])]
    return "\n".join(out) + "\n"
