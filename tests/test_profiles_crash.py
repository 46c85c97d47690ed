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
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from matcher.paths import FIXTURES_DIR

MATCHER = [sys.executable, "-m", "matcher.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crash-models")
    subprocess.run([*MATCHER, "build", "--data", str(FIXTURES_DIR), "--models", str(out), "--no-fit-weights"],
                   check=True, capture_output=True, timeout=120)
    return out


class Server:
    def __init__(self, models_dir: Path, db: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MATCHER_MODELS_DIR": str(models_dir), "DATABASE_URL": f"sqlite:///{db}"}
        self.proc = subprocess.Popen([*MATCHER, "serve", "--port", str(self.port)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, "server exited during start-up"
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def body(name: str, i: int) -> dict:
    # The longest description allowed, so each write carries as much as it can.
    return {"weights": {"industry": 1 + i % 5, "scale": (i % 7) / 2, "education": 0.5},
            "description": (f"{name} " + "x" * 500)[:500]}


def writer(url: str, prefix: str, acked: dict, refused: list, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=5) as c:
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
    for round_ in range(3):
        server = Server(models_dir, db)
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(server.url, f"r{round_}w{t}", acked, refused, stop))
                   for t in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3 + rng.random())  # kill at a different moment each round
        server.kill()
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
    server = Server(models_dir, db)
    try:
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
    finally:
        server.kill()
