"""wrk (Debian's package) as the load generator: C, event-driven, a fraction of the CPU httpx needs, so the
server, not the client, sets the throughput. Used by the http section when `wrk` is on PATH.

Requests come from a Lua script: GET one path, or POST JSON bodies in turn, optionally with fresh random
weights in every body (each request then misses the answer cache).
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
SCRIPT = """
local bodies = %(bodies)s
local fresh = %(fresh)s
local path = "%(path)s"
local counter = 0
local n = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(id * 7919)
  n = id
end
function request()
  if #bodies == 0 then
    return wrk.format("GET", path)
  end
  n = n + 1
  local body = bodies[(n %% #bodies) + 1]
  if fresh then
    body = body:gsub("}$", string.format(',"weights":{"industry":%%.6f,"scale":%%.6f,"education":%%.6f}}',
                                         0.1 + 4.9 * math.random(), 0.1 + 4.9 * math.random(),
                                         0.1 + 4.9 * math.random()))
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def measure(base: str, path: str, connections: int, duration: float, bodies: list[dict] | None = None,
            fresh: bool = False, threads: int = 2) -> dict:
    """Run wrk for `duration` seconds; throughput, latency percentiles, errors and wrk's own CPU time."""
    lua = SCRIPT % {"bodies": "{" + ", ".join(_lua_string(json.dumps(b, separators=(",", ":")))
                                               for b in bodies or []) + "}",
                    "fresh": "true" if fresh else "false", "path": path}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s",
                               "--latency", "-s", script.name, base], capture_output=True, text=True,
                              timeout=duration + 60, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        Path(script.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return {**parse(done.stdout), "duration_s": duration,
            "client_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def parse(text: str) -> dict:
    """The numbers of wrk's report (with --latency)."""
    requests, elapsed, unit = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", text).groups()
    elapsed_s = float(elapsed) * (60.0 if unit == "m" else UNITS[unit] / 1000)
    percentiles = {f"p{int(q)}": float(v) * UNITS[u]
                   for q, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    ok = int(requests) - (int(non_2xx.group(1)) if non_2xx else 0)
    return {"requests": int(requests), "ok": ok, "errors": errors, "elapsed_s": elapsed_s,
            "throughput_rps": ok / elapsed_s, "latency_ms": percentiles, "report": text}

