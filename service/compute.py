"""Where uncached recommendation answers are computed: never on the event loop.

An uncached answer is CPU work (ranking, mutual ranks, reasons, caveats, JSON: ~1-2 ms at k=10, tens of ms at
k=100). On the event loop it would hold every other request, /healthz and cached answers included, for that
long; in a thread it would still take the GIL from the loop. So by default it runs in worker processes forked
once the model is loaded (they inherit the model copy-on-write and have their own GIL), at a lower CPU
priority than the loop.

The loop talks to each worker over a socket pair: a request is one length-prefixed pickle frame, the answer
comes back as the JSON bytes, and a reader callback on the loop resolves the waiting future. That is a
fifth of a ProcessPoolExecutor's server-side cost per call (no management thread, no queue feeder thread
taking the GIL from the loop): about 45 µs against 180 µs, measured in-process.

`processes=0` computes in one thread of this process instead (tests, or where fork is unwanted). A worker that
dies fails over to the others, then to the thread, with a log line; no request is lost.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct

import anyio

from matcher.answers.recommend import recommend
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from service.api.schemas.recommendations import Recommendations

log = logging.getLogger("service")
# The workers yield the CPU to the event loop's process: when both want a core, /healthz and cached answers
# go first, and the heavy answer waits a little.
WORKER_NICE = 10
_BUNDLE: Bundle | None = None  # set just before forking: a worker reads the model from here
_REQUEST = struct.Struct("!II")    # request id, frame length
_REPLY = struct.Struct("!IIB")     # request id, frame length, 1 = answer bytes / 0 = pickled exception


def answer_bytes(bundle: Bundle, query: str, k: int, weights: dict[str, float], filters: Filters) -> bytes:
    """The JSON body of a recommendation answer, validated against the response model."""
    return Recommendations.model_validate(recommend(bundle, query, k, weights, filters)).model_dump_json().encode()


class WorkerDied(RuntimeError):
    """The worker process went away (killed, crashed): its requests are answered elsewhere."""


def _die_with_parent() -> None:
    """A worker would not see a SIGKILLed server go: ask Linux to kill it when the thread that forked it ends
    (prctl PR_SET_PDEATHSIG). Elsewhere this is a no-op."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_exact(f, n: int) -> bytes | None:
    data = f.read(n)
    return data if data is not None and len(data) == n else None


def _serve(sock: socket.socket) -> None:
    """The worker's loop: read a request frame, answer it, write the reply; return when the server hangs up."""
    os.nice(WORKER_NICE)
    _die_with_parent()
    assert _BUNDLE is not None, "worker started without a model"
    frames = sock.makefile("rb")
    while (header := _read_exact(frames, _REQUEST.size)) is not None:
        rid, n = _REQUEST.unpack(header)
        args = _read_exact(frames, n)
        if args is None:
            return
        try:
            payload, ok = answer_bytes(_BUNDLE, *pickle.loads(args)), 1
        except Exception as exc:  # a bug: the server raises it for this request, as if computed there
            try:
                payload = pickle.dumps(exc)
            except Exception:
                payload = pickle.dumps(RuntimeError(repr(exc)))
            ok = 0
        sock.sendall(_REPLY.pack(rid, len(payload), ok) + payload)


class _Worker:
    """One forked worker and the loop's end of its socket pair."""

    def __init__(self, ctx) -> None:
        self.sock, child = socket.socketpair()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True, name="answer-worker")
        self.process.start()
        child.close()
        self.sock.setblocking(False)
        self.pending: dict[int, asyncio.Future] = {}
        self.ids = itertools.count()
        self.buf = bytearray()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dead = False

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read replies on the running loop (a new loop, as in tests running asyncio.run twice, takes over)."""
        if self.loop is loop:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        loop.add_reader(self.sock.fileno(), self._on_readable)
        self.loop = loop

    async def call(self, args: tuple) -> bytes:
        if self.dead:
            raise WorkerDied
        loop = asyncio.get_running_loop()
        self._attach(loop)
        rid = next(self.ids) & 0xFFFFFFFF
        future = loop.create_future()
        self.pending[rid] = future
        frame = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            await loop.sock_sendall(self.sock, _REQUEST.pack(rid, len(frame)) + frame)
            return await future
        except OSError:
            self._die()
            raise WorkerDied from None
        finally:
            self.pending.pop(rid, None)

    def _on_readable(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._die()
            return
        self.buf += data
        while len(self.buf) >= _REPLY.size:
            rid, n, ok = _REPLY.unpack_from(self.buf)
            if len(self.buf) < _REPLY.size + n:
                break
            payload = bytes(self.buf[_REPLY.size:_REPLY.size + n])
            del self.buf[:_REPLY.size + n]
            future = self.pending.pop(rid, None)
            if future is None or future.done():  # the request was cancelled (client went away)
                continue
            if ok:
                future.set_result(payload)
            else:
                future.set_exception(pickle.loads(payload))

    def _die(self) -> None:
        if self.dead:
            return
        self.dead = True
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied())
        self.pending.clear()

    def close(self) -> None:
        self._die()
        try:  # shutdown, not just close: a later worker holds a copy of this end (fork), so close alone
            self.sock.shutdown(socket.SHUT_RDWR)  # would not reach this one as end-of-file
        except OSError:
            pass
        self.sock.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


class Compute:
    def __init__(self, bundle: Bundle, processes: int = 1):
        global _BUNDLE
        self.bundle = bundle
        self._thread = anyio.CapacityLimiter(1)  # more threads would only take turns at the GIL
        self._workers: list[_Worker] = []
        if processes > 0:
            _BUNDLE = bundle
            ctx = multiprocessing.get_context("fork")  # forked now, at start-up, not under the first request
            self._workers = [_Worker(ctx) for _ in range(processes)]

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if not w.dead]

    async def answer(self, query: str, k: int, weights: dict[str, float], filters: Filters) -> bytes:
        while live := [w for w in self._workers if not w.dead]:
            worker = min(live, key=lambda w: len(w.pending))  # the least busy
            try:
                return await worker.call((query, k, weights, filters))
            except WorkerDied:
                if worker in self._workers:  # once, however many requests it had in flight
                    self._workers.remove(worker)
                    worker.close()
                    log.error("answer worker process %s died; %s", worker.process.pid, "using the other workers"
                              if self._workers else "computing answers in a thread from now on")
        return await anyio.to_thread.run_sync(answer_bytes, self.bundle, query, k, weights, filters,
                                              limiter=self._thread)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []
