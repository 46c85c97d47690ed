"""Cold-start section: `import service.app` + `load_bundle()` in a fresh process, against the floor of a bare
FastAPI app (`import fastapi; fastapi.FastAPI()`): what any FastAPI service pays before its own code.

Every sample is a new interpreter, so nothing is cached in-process; the OS file cache is warm after the
first run, as it is for a restarted server. Runs of the two alternate so drift hits both alike.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = {False: 3, True: 1}

_MEASURE = """
import json, time
def rss_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{load}
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "total_s": t2 - t0,
                  "rss_mb": rss_mb("VmRSS"), "peak_rss_mb": rss_mb("VmHWM")}}))
"""
SERVICE_IMPORT = "import service.app"
SERVICE_LOAD = ("from matcher.artifact.store import load_bundle\nfrom matcher.paths import MODELS_DIR\n"
                "load_bundle(MODELS_DIR)")
SERVICE = _MEASURE.format(imports=SERVICE_IMPORT, load=SERVICE_LOAD)
LOADED = f"{SERVICE_IMPORT}\n{SERVICE_LOAD}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
FLOOR = _MEASURE.format(imports="import fastapi\nfastapi.FastAPI()", load="")
TARGET_S, TARGET_RSS_MB = 1.5, 150.0  # issue 13: cold start <= 1.5 s, resident <= 150 MB


def _sample(code: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    process_s = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{done.stderr}")
    return {**json.loads(done.stdout), "process_s": process_s}


def _median(samples: list[dict]) -> dict:
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def import_breakdown(top: int = 6) -> list[tuple[str, float]]:
    """Cumulative import time of top-level packages under `-X importtime` (nested ones count in both)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import service.app"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    seconds: dict[str, float] = {}
    for m in re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", done.stderr, re.MULTILINE):
        name = m.group(2)
        if "." not in name and not name.startswith("_"):
            seconds[name] = max(seconds.get(name, 0.0), int(m.group(1)) / 1e6)
    return sorted(seconds.items(), key=lambda kv: -kv[1])[:top]


def run(quick: bool) -> dict[str, dict]:
    floor_runs, service_runs = [], []
    for _ in range(REPEATS[quick]):
        floor_runs.append(_sample(FLOOR))
        service_runs.append(_sample(SERVICE))
    floor, service = _median(floor_runs), _median(service_runs)
    cols = ("total_s", "import_s", "load_s", "process_s", "rss_mb", "peak_rss_mb")
    rows = [
        {"what": "import fastapi + FastAPI() (floor)", "kind": "absolute", **{c: floor[c] for c in cols},
         "load_s": None},
        {"what": "import service.app + load_bundle", "kind": "absolute", **{c: service[c] for c in cols}},
        {"what": "service / floor", "kind": "ratio", "total_s": service["total_s"] / floor["total_s"],
         "process_s": service["process_s"] / floor["process_s"], "rss_mb": service["rss_mb"] / floor["rss_mb"],
         "peak_rss_mb": service["peak_rss_mb"] / floor["peak_rss_mb"]},
    ]
    n = len(service_runs)
    notes = [
        f"Median of {n} fresh interpreter(s) each. total_s = import_s + load_s, timed inside the child; "
        "process_s = spawn to exit, seen from the parent (adds interpreter start-up and shutdown).",
        "rss_mb = VmRSS after load; peak_rss_mb = VmHWM (both /proc/self/status).",
        "Service runs: total_s " + ", ".join(f"{s['total_s']:.2f}" for s in service_runs) + " s.",
    ]
    if not quick:
        notes.append("Import time by top-level package (cumulative; a package imported by another counts in "
                     "both): " + ", ".join(f"{name} {s:.2f} s" for name, s in import_breakdown()) + ".")
    training = _training_modules()
    notes.append("Training-stack packages loaded by `import service.app` + load: "
                 + (", ".join(training) if training else "none (no scikit-learn, scipy, pandas)") + ".")
    met = service["total_s"] <= TARGET_S and service["rss_mb"] <= TARGET_RSS_MB
    return {"coldstart": {"section": "coldstart", "target": f"import + load <= {TARGET_S} s and <= "
                                                           f"{TARGET_RSS_MB:.0f} MB resident", "met": met,
                          "rows": rows, "notes": notes}}


def _training_modules() -> list[str]:
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    return sorted(loaded & {"sklearn", "scipy", "pandas", "pandera"})
