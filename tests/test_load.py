"""Load: a real server on loopback under bounded concurrent load answers without errors, and concurrent
requests with different custom weights never see each other's weights.

MATCHER_LOAD_SECONDS=30 runs the load test longer (default 5 s, to keep this file well under 40 s).
"""

import asyncio
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.loadgen import ROOT, measure, percentile
from bench.server import MATCHER, served
from matcher.config import block_names
from matcher.paths import FIXTURES_DIR

pytestmark = pytest.mark.slow

LOAD_SECONDS = float(os.environ.get("MATCHER_LOAD_SECONDS", "5"))
CONNECTIONS = 16
# Fixture localities: Steelton, Portcaster, Campusford, Dataville; Anshan, Dalian, Ningbo, Chengdu.
LOCALITIES = ["E08000901", "E08000902", "E06000903", "E06000904", "210300", "210200", "330200", "510100"]
WEIGHT_SETS = 40
CONCURRENT_COPIES = 3  # each body is sent this many times at once, shuffled
SEED = 20261123


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """A model built from the fixture tables by the current code."""
    models = tmp_path_factory.mktemp("models")
    # No weight fitting: these tests are about serving, and fitting only adds build time.
    built = subprocess.run([str(MATCHER), "build", "--data", str(FIXTURES_DIR), "--models", str(models),
                            "--no-fit-weights"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return models


@pytest.fixture(scope="module")
def server(models):
    """`matcher serve` on a free port."""
    with served(models) as running:
        yield running


def test_bounded_load_has_no_errors(server, capsys):
    urls = [f"{server.url}/v1/recommendations?locality={loc}&k=10" for loc in LOCALITIES]
    result = measure(urls, connections=CONNECTIONS, duration=LOAD_SECONDS)
    lat = result["latency_ms"]
    with capsys.disabled():
        print(f"\nload: {result['requests']} requests in {result['elapsed_s']:.1f} s over {CONNECTIONS} "
              f"connections, {result['throughput_rps']:.1f} req/s, p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms, "
              f"errors {result['errors']}")
    assert result["errors"] == 0, result["error_samples"]
    assert result["ok"] == result["requests"] > 0
    assert math.isfinite(lat["p99"]) and lat["p99"] >= lat["p50"] > 0


def random_weights(rng: random.Random) -> dict[str, float]:
    """Some blocks overridden (zero included), others left to the defaults; one is always positive."""
    names = block_names()
    weights = {b: rng.choice([0.0, round(rng.uniform(0.01, 5), 3)]) for b in names if rng.random() < 0.7}
    weights[rng.choice(names)] = round(rng.uniform(0.5, 5), 3)
    return weights


async def _post_all(base: str, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=CONNECTIONS)) as client:
        return await asyncio.gather(*(client.post("/v1/recommendations", json=b) for b in bodies))


def test_concurrent_custom_weights_do_not_leak(server):
    rng = random.Random(SEED)
    bodies = [{"locality": rng.choice(LOCALITIES), "k": 5, "weights": random_weights(rng)}
              for _ in range(WEIGHT_SETS)]
    with httpx.Client(base_url=server.url, timeout=60) as client:
        reference = [client.post("/v1/recommendations", json=b) for b in bodies]  # one at a time
    assert [r.status_code for r in reference] == [200] * len(bodies), reference[0].text
    reference = [r.json() for r in reference]
    # The check can only catch a leak if different weights give different answers.
    assert len({tuple(x["score"] for x in r["results"]) for r in reference}) > len(bodies) // 2

    order = [i for i in range(len(bodies)) for _ in range(CONCURRENT_COPIES)]
    rng.shuffle(order)
    responses = asyncio.run(_post_all(server.url, [bodies[i] for i in order]))

    for i, response in zip(order, responses, strict=True):
        assert response.status_code == 200, response.text
        got, want, sent = response.json(), reference[i], bodies[i]["weights"]
        assert {b: got["weights"][b] for b in sent} == sent, f"request {i}: weights echoed are not the ones sent"
        assert got["weights"] == want["weights"], f"request {i}: weights differ from the sequential run"
        assert got["query"]["id"] == bodies[i]["locality"]
        assert [x["locality"]["id"] for x in got["results"]] == [x["locality"]["id"] for x in want["results"]]
        assert [x["score"] for x in got["results"]] == [x["score"] for x in want["results"]]
        assert got == want, f"request {i}: response differs from the sequential run"


# A server whose every uncached answer first burns HEAVY_CPU_S of pure-Python CPU (what a k=100 answer costs on
# the full data), then answers as usual. Were that work done on the event loop, each /healthz arriving meanwhile
# would wait for it.
HEAVY_CPU_S = 0.08
HEAVY_SERVER = f"""
import sys, time
import service.compute as compute
real = compute.recommend
def heavy(*args, **kwargs):
    end = time.thread_time() + {HEAVY_CPU_S}
    while time.thread_time() < end:
        pass
    return real(*args, **kwargs)
compute.recommend = heavy
import uvicorn
uvicorn.run("service.app:create_app", factory=True, host=sys.argv[2], port=int(sys.argv[4]), log_level="warning")
"""
PROBE_GAP_S = 0.01


def _probe_healthz(base: str, seconds: float) -> list[float]:
    """Sequential GET /healthz (one connection, a short pause between), latencies in ms."""
    out = []
    with httpx.Client(base_url=base, timeout=30) as client:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(PROBE_GAP_S)
    return out


def test_heavy_uncached_answers_do_not_stall_healthz(models, capsys):
    """/healthz p99 while 4 connections keep asking for heavy, never-cached answers stays within 2x of its p99
    with no load. Idle and loaded phases alternate, so load from other work on the machine hits both."""
    rng = random.Random(SEED)
    env = {"MATCHER_ANSWER_CACHE_BYTES": "0"}
    with served(models, env, command=[sys.executable, "-c", HEAVY_SERVER]) as heavy:
        urls = [f"{heavy.url}/v1/recommendations?locality={rng.choice(LOCALITIES)}&k=100"
                f"&weights=industry={rng.uniform(0.1, 5):.4f}" for _ in range(200)]
        idle, loaded, served_heavy = [], [], 0
        for _ in range(3):
            idle += _probe_healthz(heavy.url, 1.5)
            with subprocess.Popen([sys.executable, "-m", "bench.loadgen", "--connections", "4", "--duration", "2.5",
                                   *[a for u in urls for a in ("--url", u)]], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True) as load:
                time.sleep(0.5)  # the load generator's start-up
                loaded += _probe_healthz(heavy.url, 1.5)
                result = json.loads(load.communicate(timeout=120)[0])
            assert result["errors"] == 0, result["error_samples"]
            served_heavy += result["ok"]
    p99_idle, p99_loaded = percentile(sorted(idle), 99), percentile(sorted(loaded), 99)
    with capsys.disabled():
        print(f"\n/healthz p99: {p99_idle:.1f} ms idle, {p99_loaded:.1f} ms with heavy answers in flight "
              f"({served_heavy} heavy answers, {len(loaded)} probes; p50 {percentile(sorted(idle), 50):.1f} / "
              f"{percentile(sorted(loaded), 50):.1f} ms)")
    assert served_heavy >= 10  # the heavy requests really ran while the probe did
    assert p99_loaded <= 2 * p99_idle
