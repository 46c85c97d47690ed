"""Where uncached recommendation answers are computed: never on the event loop, and always answered.

An uncached answer is CPU work (ranking, mutual ranks, reasons, caveats, JSON: ~1-2 ms at k=10, tens of ms at
k=100). On the event loop it would hold every other request, /healthz and cached answers included, for that
long; in a thread it would still take the GIL from the loop. So by default it runs in worker processes forked
once the model is loaded (they inherit the model copy-on-write and have their own GIL), at a lower CPU
priority than the loop.

The loop talks to each worker over a socket pair: a request is one length-prefixed pickle frame, the answer
comes back as the JSON bytes, and a reader callback on the loop resolves the waiting future. That is a
fifth of a ProcessPoolExecutor's server-side cost per call (no management thread, no queue feeder thread
taking the GIL from the loop): about 45 µs against 180 µs, measured in-process.

Every call is answered:
- An error in the worker comes back as plain data (status, detail, field, suggestions: JSON, never a pickled
  exception) and is raised here as the same Problem the in-process path gives (service/api/errors.as_problem).
- Every call has a timeout (MATCHER_ANSWER_TIMEOUT_S): past it the request gets 503 with Retry-After, and the
  worker, stuck or far behind, is killed and replaced by a new fork.
- A worker that dies (killed, crashed) is replaced and its requests are sent once more, to the new worker.
- At most MATCHER_ANSWER_MAX_IN_FLIGHT answers are computing or queued; one more gets 503 with Retry-After,
  never a place in an unbounded queue.
- A request frame is written whole by the loop (a send buffer flushed by a writer callback), not by the
  request's task: a request cancelled mid-send (the client went away) cannot leave half a frame on the socket.

`processes=0` computes in one thread of this process instead (tests, or where fork is unwanted), with the same
timeout and bound (a thread cannot be killed: a timed-out one finishes in the background).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import itertools
import json
import logging
import math
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import traceback
from multiprocessing.context import ForkContext, ForkProcess
from typing import IO, Any

import anyio

from matcher.answers.recommend import recommend
from matcher.artifact.model import Filters
from matcher.artifact.store import Bundle
from service.api.errors import Problem, as_problem
from service.api.schemas.recommendations import Recommendations

log = logging.getLogger("service")
# The workers yield the CPU to the event loop's process: when both want a core, /healthz and cached answers
# go first, and the heavy answer waits a little.
WORKER_NICE = 10
_BUNDLE: Bundle | None = None  # set just before forking: a worker reads the model from here
_REQUEST = struct.Struct("!II")    # request id, frame length
_REPLY = struct.Struct("!IIB")     # request id, frame length, 1 = answer bytes / 0 = error as JSON
INTERNAL = "internal error; it has been logged"
Args = tuple[str, int, dict[str, float], Filters, str]  # query, k, weights, filters, lang


def answer_bytes(bundle: Bundle, query: str, k: int, weights: dict[str, float], filters: Filters,
                 lang: str = "en") -> bytes:
    """The JSON body of a recommendation answer in `lang`, validated against the response model."""
    answer = recommend(bundle, query, k, weights, filters, lang=lang)
    return Recommendations.model_validate(answer).model_dump_json().encode()


def error_data(exc: Exception) -> dict[str, Any]:
    """An exception as plain data that crosses the process boundary: the problem it means (status, detail and
    its members, e.g. field, suggestions), or a 500 carrying the traceback for the server's log."""
    found = as_problem(exc)
    if found is None:
        return {"type": type(exc).__name__, "status": 500, "detail": INTERNAL,
                "traceback": "".join(traceback.format_exception(exc))}
    return {"type": type(exc).__name__, "status": found.status, "detail": found.detail, **found.extra}


def raise_error_data(data: dict[str, Any]) -> None:
    """The Problem a worker's error data means (a 500's traceback goes to the log, not to the client)."""
    data = dict(data)
    status, detail, _ = data.pop("status", 500), data.pop("detail", INTERNAL), data.pop("type", None)
    trace = data.pop("traceback", None)
    if trace is not None:
        log.error("error in an answer worker:\n%s", trace.rstrip())
    raise Problem(status, detail, **data)


def unavailable(detail: str, retry_after: float = 1.0) -> Problem:
    seconds = max(1, math.ceil(retry_after))
    return Problem(503, detail, headers={"Retry-After": str(seconds)}, retry_after=seconds)


class WorkerDied(RuntimeError):
    """The worker process went away (killed, crashed): it is replaced and its requests sent again."""


def _die_with_parent() -> None:
    """A worker would not see a SIGKILLed server go: ask Linux to kill it when the thread that forked it ends
    (prctl PR_SET_PDEATHSIG). Elsewhere this is a no-op."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_exact(f: IO[bytes], n: int) -> bytes | None:
    data = f.read(n)
    return data if data is not None and len(data) == n else None


def _reply(args: bytes) -> tuple[bytes, int]:
    """(payload, 1) with the answer's bytes, or (payload, 0) with the error as JSON."""
    try:
        assert _BUNDLE is not None, "worker started without a model"
        return answer_bytes(_BUNDLE, *pickle.loads(args)), 1
    except Exception as exc:
        data = error_data(exc)
        try:
            return json.dumps(data).encode(), 0
        except (TypeError, ValueError):  # a member that is not JSON: the status and detail still cross
            return json.dumps({"status": data["status"], "detail": data["detail"]}).encode(), 0


def _serve(sock: socket.socket) -> None:
    """The worker's loop: read a request frame, answer it, write the reply; return when the server hangs up."""
    os.nice(WORKER_NICE)
    _die_with_parent()
    frames = sock.makefile("rb")
    while (header := _read_exact(frames, _REQUEST.size)) is not None:
        rid, n = _REQUEST.unpack(header)
        args = _read_exact(frames, n)
        if args is None:
            return
        payload, ok = _reply(args)
        sock.sendall(_REPLY.pack(rid, len(payload), ok) + payload)


class _Worker:
    """One forked worker and the loop's end of its socket pair."""

    def __init__(self, ctx: ForkContext) -> None:
        self.sock, child = socket.socketpair()
        self.process: ForkProcess = ctx.Process(target=_serve, args=(child,), daemon=True, name="answer-worker")
        self.process.start()
        child.close()
        self.sock.setblocking(False)
        self.pending: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self.ids = itertools.count()
        self.inbox = bytearray()
        self.outbox = bytearray()  # request frames not yet written: always whole frames, whoever is cancelled
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dead = False

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read replies on the running loop (a new loop, as in tests running asyncio.run twice, takes over)."""
        if self.loop is loop:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
            self.loop.remove_writer(self.sock.fileno())
        loop.add_reader(self.sock.fileno(), self._on_readable)
        self.loop = loop
        if self.outbox:
            loop.add_writer(self.sock.fileno(), self._on_writable)

    async def call(self, args: Args, timeout: float) -> bytes:
        """The answer's bytes; a Problem for an error in the worker; TimeoutError past `timeout`; WorkerDied."""
        if self.dead:
            raise WorkerDied
        loop = asyncio.get_running_loop()
        self._attach(loop)
        rid = next(self.ids) & 0xFFFFFFFF
        future: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self.pending[rid] = future
        frame = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._send(_REQUEST.pack(rid, len(frame)) + frame)
            ok, payload = await asyncio.wait_for(future, timeout)
        finally:
            self.pending.pop(rid, None)
        if not ok:
            raise_error_data(json.loads(payload))
        return payload

    def _send(self, frame: bytes) -> None:
        """Queue a whole frame and write what the socket takes now; the writer callback writes the rest."""
        was_empty = not self.outbox
        self.outbox += frame
        if was_empty:
            self._on_writable()
            if self.outbox and self.loop is not None and not self.dead:
                self.loop.add_writer(self.sock.fileno(), self._on_writable)

    def _on_writable(self) -> None:
        try:
            sent = self.sock.send(self.outbox)
        except BlockingIOError:
            return
        except OSError:
            self._die()
            return
        del self.outbox[:sent]
        if not self.outbox and self.loop is not None and not self.loop.is_closed():
            self.loop.remove_writer(self.sock.fileno())

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
        self.inbox += data
        while len(self.inbox) >= _REPLY.size:
            rid, n, ok = _REPLY.unpack_from(self.inbox)
            if len(self.inbox) < _REPLY.size + n:
                break
            payload = bytes(self.inbox[_REPLY.size:_REPLY.size + n])
            del self.inbox[:_REPLY.size + n]
            future = self.pending.pop(rid, None)
            if future is not None and not future.done():  # else the request was cancelled or timed out
                future.set_result((ok, payload))

    def _die(self) -> None:
        if self.dead:
            return
        self.dead = True
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
            self.loop.remove_writer(self.sock.fileno())
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied())
        self.pending.clear()

    def close(self, kill: bool = False) -> None:
        """Stop the worker: at once (`kill`, for a stuck one), or by hanging up and letting it finish."""
        self._die()
        if kill and self.process.is_alive():
            self.process.kill()
        try:  # shutdown, not just close: a later worker holds a copy of this end (fork), so close alone
            self.sock.shutdown(socket.SHUT_RDWR)  # would not reach this one as end-of-file
        except OSError:
            pass
        self.sock.close()
        self.process.join(timeout=1)  # an answer takes milliseconds: one still running after 1 s is stuck
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


class Compute:
    def __init__(self, bundle: Bundle, processes: int = 1, timeout: float = 10.0, max_in_flight: int = 32):
        global _BUNDLE
        self.bundle = bundle
        self.timeout, self.max_in_flight = timeout, max_in_flight
        self.in_flight = 0
        self._thread = anyio.CapacityLimiter(1)  # more threads would only take turns at the GIL
        self._workers: list[_Worker] = []
        self._ctx: ForkContext | None = None
        if processes > 0:
            _BUNDLE = bundle
            self._ctx = multiprocessing.get_context("fork")  # forked now, at start-up, not under the first request
            self._workers = [_Worker(self._ctx) for _ in range(processes)]

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if not w.dead and w.process.pid is not None]

    async def answer(self, query: str, k: int, weights: dict[str, float], filters: Filters,
                     lang: str = "en") -> bytes:
        """The answer's JSON bytes, or a Problem: the error it meant, or 503 (busy, too slow, worker lost)."""
        if self.in_flight >= self.max_in_flight:
            raise unavailable(f"busy: {self.in_flight} answers are already being computed; retry in a moment")
        self.in_flight += 1
        try:
            return await self._answer((query, k, weights, filters, lang))
        finally:
            self.in_flight -= 1

    async def _answer(self, args: Args) -> bytes:
        for _ in range(2):  # a worker lost mid-answer costs one more try, on its replacement
            live = [w for w in self._workers if not w.dead]
            if not live:
                return await self._in_thread(args)
            worker = min(live, key=lambda w: len(w.pending))  # the least busy
            try:
                return await worker.call(args, self.timeout)
            except TimeoutError:
                self._replace(worker, f"gave no answer within {self.timeout:g} s")
                raise unavailable(f"the answer took longer than {self.timeout:g} s; retry in a moment",
                                  self.timeout) from None
            except WorkerDied:
                self._replace(worker, "died")
        raise unavailable("the answer worker died twice on this request; retry in a moment")

    async def _in_thread(self, args: Args) -> bytes:
        work = anyio.to_thread.run_sync(answer_bytes, self.bundle, *args, limiter=self._thread,
                                        abandon_on_cancel=True)
        try:
            return await asyncio.wait_for(work, self.timeout)
        except TimeoutError:
            raise unavailable(f"the answer took longer than {self.timeout:g} s; retry in a moment",
                              self.timeout) from None
        except Exception as exc:  # as from a worker: a known error is its Problem, anything else a 500
            found = as_problem(exc)
            if found is None:
                raise
            raise found from exc

    def _replace(self, worker: _Worker, why: str) -> None:
        """Kill a lost or stuck worker and fork another (once, however many requests it had in flight)."""
        if worker not in self._workers:
            return
        self._workers.remove(worker)
        worker.close(kill=True)
        try:
            assert self._ctx is not None
            self._workers.append(_Worker(self._ctx))
            log.error("answer worker process %s %s; replaced by %s", worker.process.pid, why,
                      self._workers[-1].process.pid)
        except OSError as exc:  # cannot fork (out of memory or processes): the others, then a thread, answer
            log.error("answer worker process %s %s and could not be replaced (%s); %s", worker.process.pid, why,
                      exc, "using the other workers" if self._workers else "computing answers in a thread")

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []
