"""HTTP section: /v1/recommendations under bounded load from a second process, against /healthz as the floor.

Both endpoints run in the same server, under the same load (connections, duration, load generator), so
the ratio cancels the machine, uvicorn, FastAPI and the client's own cost; what remains is the handler's
work. Rounds alternate floor and recommendations so that other work on the machine hits both alike.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

import httpx

from bench.loadgen import measure, percentile
from bench.server import Server, served

# Sheffield, Leeds, Birmingham, Westminster; Chengdu, Anshan, Shanghai, Suzhou. BENCH_QUERIES=id,id overrides.
QUERIES = ["E08000019", "E08000035", "E08000025", "E09000033", "510100", "210300", "310000", "320500"]
K = 10
TARGET = 0.8  # recommendations throughput >= 0.8x /healthz throughput
LOAD = {False: {"connections": 32, "duration": 5.0, "rounds": 2},
        True: {"connections": 8, "duration": 2.0, "rounds": 1}}


def queries() -> list[str]:
    env = os.environ.get("BENCH_QUERIES", "")
    return [q.strip() for q in env.split(",") if q.strip()] or QUERIES


def _check_exist(base: str, ids: list[str]) -> None:
    missing = [i for i in ids
               if i not in {loc["id"] for loc in httpx.get(f"{base}/v1/localities", params={"q": i}).json()}]
    if missing:
        raise RuntimeError(f"query localities not in the served artifact: {missing}; set BENCH_QUERIES")


def _get_ok(url: str) -> None:
    response = httpx.get(url, timeout=60)
    if not response.is_success:
        raise RuntimeError(f"GET {url} -> {response.status_code}: {response.text[:300]} (server log on stderr)")


def _load(server: Server, urls: list[str], connections: int, duration: float) -> dict:
    cpu0 = server.cpu_seconds()
    result = measure(urls, connections=connections, duration=duration, raw=True)
    result["server_cpu_s"] = server.cpu_seconds() - cpu0
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} errors under load, e.g. {result['error_samples'][:2]}")
    return result


def _pooled(runs: list[dict]) -> dict:
    """One endpoint's rounds as one run: throughput over the summed time, percentiles over all requests."""
    latencies = sorted(x for r in runs for x in r["latencies_ms"])
    elapsed = sum(r["elapsed_s"] for r in runs)
    return {"throughput_rps": sum(r["ok"] for r in runs) / elapsed, "elapsed_s": elapsed,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            **{key: sum(r[key] for r in runs) for key in ("requests", "errors", "server_cpu_s", "client_cpu_s")}}


def _row(what: str, r: dict) -> dict:
    return {"what": what, "kind": "absolute", "throughput_rps": r["throughput_rps"], "p50_ms": r["p50_ms"],
            "p99_ms": r["p99_ms"], "requests": r["requests"], "errors": r["errors"],
            "server_cpu_ms_per_req": _cpu_ms_per_request(r),
            "server_cpu_pct": 100 * r["server_cpu_s"] / r["elapsed_s"],
            "client_cpu_pct": 100 * r["client_cpu_s"] / r["elapsed_s"]}


def _cpu_ms_per_request(r: dict) -> float:
    return 1000 * r["server_cpu_s"] / r["requests"]


def _measure(ids: list[str], load: dict, rounds: int, env_extra: dict[str, str] | None = None) -> tuple:
    """Alternating rounds of /healthz and /v1/recommendations on one server: (floor, recs, per-round ratios)."""
    floor_runs, rec_runs = [], []
    with served(env_extra=env_extra) as server:
        _check_exist(server.url, ids)
        floor_urls = [f"{server.url}/healthz"]
        rec_urls = [f"{server.url}/v1/recommendations?{urlencode({'locality': i, 'k': K})}" for i in ids]
        for url in floor_urls + rec_urls:  # warm-up: first requests pay lazy imports (and fill the cache)
            _get_ok(url)
        for _ in range(rounds):
            floor_runs.append(_load(server, floor_urls, **load))
            rec_runs.append(_load(server, rec_urls, **load))
    per_round = [r["throughput_rps"] / f["throughput_rps"] for f, r in zip(floor_runs, rec_runs, strict=True)]
    return _pooled(floor_runs), _pooled(rec_runs), per_round


def _ratio(what: str, recs: dict, floor: dict) -> dict:
    return {"what": what, "kind": "ratio", "throughput_rps": recs["throughput_rps"] / floor["throughput_rps"],
            "p50_ms": recs["p50_ms"] / floor["p50_ms"], "p99_ms": recs["p99_ms"] / floor["p99_ms"],
            "server_cpu_ms_per_req": _cpu_ms_per_request(recs) / _cpu_ms_per_request(floor)}


def run(quick: bool) -> dict[str, dict]:
    ids, load = queries(), dict(LOAD[quick])
    rounds = load.pop("rounds")
    # As served (answer cache on: repeated requests, as an embedded widget makes), then with the cache off,
    # so every request ranks, explains and serialises from scratch.
    floor, recs, per_round = _measure(ids, load, rounds)
    floor0, recs0, per_round0 = _measure(ids, load, rounds, {"MATCHER_ANSWER_CACHE_BYTES": "0"})
    ratio = recs["throughput_rps"] / floor["throughput_rps"]
    ratio0 = recs0["throughput_rps"] / floor0["throughput_rps"]
    rows = [
        _row("GET /healthz (floor)", floor),
        _row(f"GET /v1/recommendations k={K}, as served (answer cache)", recs),
        _ratio("recommendations / healthz, as served", recs, floor),
        _row("GET /healthz (floor), second server", floor0),
        _row(f"GET /v1/recommendations k={K}, answer cache off", recs0),
        _ratio("recommendations / healthz, cache off", recs0, floor0),
    ]
    notes = [
        f"Load: {load['connections']} keep-alive connections, closed loop, from a second process "
        f"(python -m bench.loadgen, httpx) on loopback, one uvicorn worker, access log off (the default); "
        f"{rounds} round(s) of {load['duration']:g} s per endpoint (+ drain of requests in flight), alternating, "
        f"pooled. Throughput ratio per round: as served {', '.join(f'{x:.3f}' for x in per_round)}; cache off "
        f"{', '.join(f'{x:.3f}' for x in per_round0)}.",
        f"Queries ({len(ids)}, cycled): {', '.join(ids)}. As served, after the warm-up every request is a cache "
        "hit: the case of an embed on busy pages. With the cache off every request is computed.",
        "server_cpu_pct / client_cpu_pct: CPU of each process over the run (100 = one core). A client near "
        "100 means the load generator, not the server, set the floor's throughput, so the ratio is then "
        "an upper bound. server_cpu_ms_per_req: the server's CPU time divided by requests served; with the "
        f"server as the bottleneck the target needs the recommendations figure within {1 / TARGET:.3g}x of "
        "/healthz's.",
    ]
    met = ratio >= TARGET
    if ratio0 < TARGET:
        from bench.hotspots import PROFILE_TXT, profile_recommendations

        # A quick run (tests) profiles briefly and leaves bench/PROFILE-http.txt alone.
        prof = profile_recommendations(ids[:2] if quick else ids, K, rounds=1 if quick else 2,
                                       profile_s=0.5 if quick else 4.0, write=None if quick else PROFILE_TXT)
        rows.append({"what": "handler in-process, no load (median), cache off", "kind": "absolute",
                     "p50_ms": prof["handler_ms_median"], "requests": prof["calls"]})
        around = _cpu_ms_per_request(recs0) - prof["handler_ms_median"]
        notes.append(f"Cache off: of {_cpu_ms_per_request(recs0):.1f} ms server CPU per recommendations request, "
                     f"the route function + response model take {prof['handler_ms_median']:.1f} ms in-process; "
                     f"the other {around:.1f} ms is uvicorn, FastAPI (validation, serialisation) and the thread "
                     f"pool around it (/healthz: {_cpu_ms_per_request(floor0):.1f} ms in all).")
        where = f"profile in {prof['profile_path']}" if prof["profile_path"] else "quick run, profile not written"
        notes += [f"Cache off misses the target ({where}). Hot spots, share of in-process handler time: "
                  f"{'; '.join(prof['hot_spots'])}."]
    return {"http": {"section": "http", "target": f">= {TARGET}x /healthz throughput under the same load "
                                                  "(as served)",
                     "met": met, "rows": rows, "notes": notes}}
