"""`python -m bench [--quick] [--json] [--write/--no-write] [--only NAME ...]`: run every section, report.

Progress goes to stderr, results to stdout (one JSON object with --json, else text tables). A full run
also writes bench/RESULTS.md. Exit status 1 if a section raised (its error is in the report), else 0:
a missed target is a finding, not a failure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from types import ModuleType

from bench.report import RESULTS_MD, machine, render_markdown, render_text

# The one list of benchmark modules (bench/<name>.py, each with run(quick) -> {section name: section}).
SECTIONS = ["kernel", "http", "coldstart", "stall"]
# Environment that changes what is measured, repeated in the recorded command.
ENV_KEYS = ("MATCHER_MODELS_DIR", "BENCH_QUERIES")


def load_module(name: str) -> ModuleType | None:
    """bench.<name>, or None if that module does not exist yet; an import failing inside it still raises."""
    module_name = f"bench.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        print(f"bench: skipping {name}: {module_name} does not exist yet", file=sys.stderr)
        return None


def _failed(name: str, exc: BaseException) -> dict:
    return {"section": name, "target": "section failed", "met": False, "rows": [],
            "notes": [f"section raised {type(exc).__name__}: {exc}"]}


def run(names: list[str], quick: bool, command: str) -> dict:
    result: dict = {"command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": machine(), "quick": quick, "sections": {}, "elapsed_s": {},
                    "skipped": [], "failed": [], "loadavg_before": os.getloadavg()[0]}
    for name in names:
        module = load_module(name)
        if module is None:
            result["skipped"].append(name)
            continue
        print(f"bench: running {name}{' (quick)' if quick else ''}", file=sys.stderr)
        start = time.perf_counter()
        try:
            sections = module.run(quick)
        except Exception as exc:  # report the others rather than lose minutes of measurements
            traceback.print_exc()
            result["failed"].append(name)
            sections = {name: _failed(name, exc)}
        took = time.perf_counter() - start
        result["sections"].update(sections)
        result["elapsed_s"][name] = took
        print(f"bench: {name} done in {took:.0f} s", file=sys.stderr)
    result["loadavg_after"] = os.getloadavg()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Short run (seconds, not minutes), for tests.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of tables.")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                        help=f"Write {RESULTS_MD.name} (default: yes for a full run, no with --quick).")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="NAME",
                        help=f"Run just these sections, of: {', '.join(SECTIONS)}.")
    args = parser.parse_args(argv)
    env = " ".join(f"{k}={os.environ[k]}" for k in ENV_KEYS if k in os.environ)
    command = " ".join(filter(None, [env, "python -m bench", *argv]))

    result = run(args.only or SECTIONS, args.quick, command)
    sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.json else render_text(result))
    if args.write if args.write is not None else not args.quick:
        RESULTS_MD.write_text(render_markdown(result))
        print(f"bench: wrote {RESULTS_MD}", file=sys.stderr)
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
