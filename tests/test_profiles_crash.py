"""Saved profiles survive the server being SIGKILLed while writes are in flight.

A real `matcher serve` subprocess on loopback; writers keep saving profiles; the server is killed at
several moments. After each restart every profile whose save was acknowledged is there, byte for byte,
nothing half-written is visible, and SQLite's integrity check passes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.server import MATCHER, served
from matcher.paths import FIXTURES_DIR


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crash-models")
    subprocess.run([str(MATCHER), "build", "--data", str(FIXTURES_DIR), "--models", str(out), "--no-fit-weights"],
                   check=True, capture_output=True, timeout=120)
    return out


def body(name: str, i: int) -> dict:
    # The longest description allowed, so each write carries as much as it can.
    return {"weights": {"industry": 1 + i % 5, "scale": (i % 7) / 2, "education": 0.5},
            "description": (f"{name} " + "x" * 500)[:500]}


TOKEN = "crash-test-analyst-token"


def writer(url: str, prefix: str, acked: dict, refused: list, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=5, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        i = 0
        while not stop.is_set():
            name = f"{prefix}-{i}"
            try:
                r = c.put(f"/v1/profiles/{name}", json=body(name, i))
            except httpx.TransportError:
                return  # the server is gone: this write was never acknowledged
            if r.status_code == 200:
                acked[name] = r.json()
            else:
                refused.append((name, r.status_code, r.text[:200]))
            i += 1


def test_acknowledged_profiles_survive_sigkill(models_dir, tmp_path):
    db = tmp_path / "profiles.db"
    acked: dict[str, dict] = {}
    refused: list = []
    rng = random.Random(7)
    # Writes need an analyst token; the profile limit is lifted (this test writes as many as it can).
    env = {"DATABASE_URL": f"sqlite:///{db}", "MATCHER_ANALYST_TOKENS": json.dumps({"crash": TOKEN}),
           "MATCHER_MAX_PROFILES": "1000000"}
    for round_ in range(3):
        with served(models_dir, env) as server:
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(server.url, f"r{round_}w{t}", acked, refused, stop))
                       for t in range(4)]
            for t in threads:
                t.start()
            time.sleep(0.3 + rng.random())  # kill at a different moment each round
            os.kill(server.pid, signal.SIGKILL)
            stop.set()
            for t in threads:
                t.join(10)

        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()

    assert not refused, refused[:3]
    assert len(acked) > 20, "too few writes were acknowledged to test anything"
    with served(models_dir, env) as server:
        with httpx.Client(base_url=server.url, timeout=5) as c:
            for name, saved in acked.items():
                r = c.get(f"/v1/profiles/{name}")
                assert r.status_code == 200, f"acknowledged profile {name} lost"
                assert r.json() == saved
        # Whatever else is in the table (a write committed but not yet acknowledged) is whole.
        conn = sqlite3.connect(db)
        for name, weights, description in conn.execute("SELECT name, weights, description FROM profiles"):
            sent = body(name, int(name.rsplit("-", 1)[1]))["weights"]
            stored = json.loads(weights)  # the full weighting: what was sent, over the defaults
            assert {b: stored[b] for b in sent} == sent
            assert description == body(name, int(name.rsplit("-", 1)[1]))["description"]
        conn.close()
