"""Bounded HTTP load from a second process: `python -m bench.loadgen --url U [--url U ...]` prints JSON.

Each of `--connections` workers sends a request, waits for the whole response, and sends the next one
(closed loop, keep-alive), cycling through the URLs, until `--duration` has passed. Requests already sent
then finish, so every request counts and throughput = completed / elapsed (elapsed includes that drain).
Latency percentiles are over successful (2xx) requests; anything else, including timeouts, is an error.

Each worker has its own one-connection client: one shared pool of N connections makes httpcore scan every
connection on every request, which made the client, not the server, the bottleneck at 32 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MAX_ERROR_SAMPLES = 5


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (no interpolation: p99 of 100 values is the 99th)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def fresh_weights(rng: random.Random) -> dict[str, float]:
    """A weighting no earlier request used (so no answer can come from the cache)."""
    return {"industry": round(rng.uniform(0.1, 5), 6), "scale": round(rng.uniform(0.1, 5), 6),
            "education": round(rng.uniform(0.1, 5), 6)}


async def _worker(client: httpx.AsyncClient, urls: list[str], first: int, deadline: float,
                  latencies: list[float], status: Counter, errors: list[str],
                  bodies: list[dict] | None = None, fresh: bool = False) -> None:
    """GET the URLs in turn, or with `bodies` POST each body in turn to the one URL (`fresh`: new weights each)."""
    i = first
    rng = random.Random(first)
    while time.perf_counter() < deadline:
        url = urls[i % len(urls)]
        body = None
        if bodies:
            body = bodies[i % len(bodies)]
            body = {**body, "weights": fresh_weights(rng)} if fresh else body
        i += 1
        start = time.perf_counter()
        try:
            response = await (client.post(url, json=body) if body is not None else client.get(url))
        except httpx.HTTPError as exc:
            status["exception"] += 1
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
            continue
        status[str(response.status_code)] += 1
        if response.is_success:
            latencies.append(time.perf_counter() - start)
        else:
            errors.append(f"{url}: HTTP {response.status_code}: {response.text[:200]}")


async def generate(urls: list[str], connections: int, duration: float, timeout: float, raw: bool = False,
                   bodies: list[dict] | None = None, fresh: bool = False) -> dict:
    latencies: list[float] = []
    status: Counter = Counter()
    errors: list[str] = []
    # One SSL context for all clients: each would otherwise load the CA bundle (~50 ms here), unused on http.
    tls = ssl.create_default_context()
    clients = [httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=timeout, verify=tls)
               for _ in range(connections)]
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + duration
    await asyncio.gather(*(_worker(client, urls, n, deadline, latencies, status, errors, bodies, fresh)
                           for n, client in enumerate(clients)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    await asyncio.gather(*(client.aclose() for client in clients))
    ordered = sorted(latencies)
    ms = {f"p{q}": percentile(ordered, q) for q in (50, 90, 99)}
    result = {
        "urls": urls,
        "connections": connections,
        "duration_s": duration,
        "elapsed_s": elapsed,
        "requests": sum(status.values()),
        "ok": len(latencies),
        "errors": len(errors),
        "status": dict(status),
        "error_samples": errors[:MAX_ERROR_SAMPLES],
        "throughput_rps": len(latencies) / elapsed,
        "client_cpu_s": cpu,  # near elapsed_s means the load generator, not the server, was the limit
        "latency_ms": {
            **{k: None if v is None else v * 1000 for k, v in ms.items()},
            "max": ordered[-1] * 1000 if ordered else None,
            "mean": sum(ordered) / len(ordered) * 1000 if ordered else None,
        },
    }
    if raw:  # lets a caller pool several runs' percentiles exactly
        result["latencies_ms"] = [round(s * 1000, 3) for s in ordered]
    return result


def measure(urls: list[str], connections: int, duration: float, timeout: float = 60.0, raw: bool = False,
            bodies: list[dict] | None = None, fresh: bool = False) -> dict:
    """Run this module as a subprocess (so the load does not share the caller's GIL) and return its JSON."""
    cmd = [sys.executable, "-m", "bench.loadgen", "--connections", str(connections),
           "--duration", str(duration), "--timeout", str(timeout), *(["--raw"] if raw else []),
           *(["--bodies", json.dumps(bodies)] if bodies else []), *(["--fresh-weights"] if fresh else [])]
    for url in urls:
        cmd += ["--url", url]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=duration + timeout + 60)
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True, help="Repeat to cycle through several.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of sending new requests.")
    parser.add_argument("--timeout", type=float, default=60.0, help="Per request, seconds; counts as error.")
    parser.add_argument("--raw", action="store_true", help="Also print every latency (latencies_ms, sorted).")
    parser.add_argument("--bodies", type=json.loads, help="JSON list of bodies to POST in turn to the (one) URL.")
    parser.add_argument("--fresh-weights", action="store_true", help="With --bodies: new random weights each time.")
    args = parser.parse_args(argv)
    result = asyncio.run(generate(args.url, args.connections, args.duration, args.timeout, args.raw,
                                  args.bodies, args.fresh_weights))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
