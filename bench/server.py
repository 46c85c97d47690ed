"""A real `matcher serve` in a subprocess on a free loopback port, stopped however the caller exits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

MATCHER = Path(sys.executable).with_name("matcher")
READY_TIMEOUT_S = 60.0
LOG_TAIL = 4000


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process and its live children (the answer worker) have used so far."""
        return sum(_cpu(pid) for pid in (self.pid, *self.children()))

    def children(self) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]
        except OSError:
            return []


def _cpu(pid: int) -> float:
    """User + system CPU of one process so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A port the kernel just handed out; small race with other processes, fine on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(models_dir: Path | None = None, env_extra: dict[str, str] | None = None,
           command: list[str] | None = None) -> Iterator[Server]:
    """Start the service, wait until GET /readyz is 200, yield it; stop it however the caller exits.
    `command` replaces `matcher serve` (it is given --host and --port too)."""
    # Measured load comes from one client address: the per-client rate limits would refuse most of it.
    env = {**os.environ, "MATCHER_HEAVY_RATE": "0", "MATCHER_WRITE_RATE": "0", **(env_extra or {})}
    if models_dir is not None:
        env["MATCHER_MODELS_DIR"] = str(models_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Server output goes to a file, not a pipe: a full pipe would block the server mid-benchmark.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*(command or [str(MATCHER), "serve"]), "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(base, proc)
            yield Server(url=base, pid=proc.pid)
        except Exception:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-LOG_TAIL:]
            print(f"--- server log (last {LOG_TAIL} characters) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} not ready after {READY_TIMEOUT_S:.0f} s")
