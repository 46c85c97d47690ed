"""Where uncached recommendation answers are computed: never on the event loop.

An uncached answer is CPU work (ranking, mutual ranks, reasons, caveats, JSON: ~5 ms at k=10, ~50 ms at
k=100). On the event loop it would hold every other request, /healthz and cached answers included, for
that long. In a thread it still competes with the loop for the GIL: with a few heavy requests in flight
the loop waits for the GIL on every wake-up. So by default the work runs in a worker process forked once
the model is loaded (it inherits the model, copy-on-write, and has its own GIL); the loop only parses,
checks the cache and sends bytes. `processes=0` computes in one thread of this process instead (tests,
or a machine where fork is unwanted). If the worker dies, answers fall back to the thread, with a log line.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import anyio

from matcher.answers.store import Bundle
from matcher.answers.model import Filters
from matcher.recommend import recommend
from service.api.schemas.recommendations import Recommendations

log = logging.getLogger("service")
# The worker yields the CPU to the event loop's process: when both want a core, /healthz and cached answers
# go first, and the heavy answer waits a little.
WORKER_NICE = 10
_BUNDLE: Bundle | None = None  # set just before forking: the worker process reads the model from here


def answer_bytes(bundle: Bundle, query: str, k: int, weights: dict[str, float], filters: Filters) -> bytes:
    """The JSON body of a recommendation answer, validated against the response model."""
    return Recommendations.model_validate(recommend(bundle, query, k, weights, filters)).model_dump_json().encode()


def _start_worker() -> None:
    os.nice(WORKER_NICE)
    _die_with_parent()


def _die_with_parent() -> None:
    """The worker inherits both ends of its task pipe, so it would not see a SIGKILLed server go: ask Linux to
    kill it when the thread that forked it ends (prctl PR_SET_PDEATHSIG). Elsewhere this is a no-op."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _in_worker(query: str, k: int, weights: dict[str, float], filters: Filters) -> bytes:
    assert _BUNDLE is not None, "worker started without a model"
    return answer_bytes(_BUNDLE, query, k, weights, filters)


class Compute:
    def __init__(self, bundle: Bundle, processes: int = 1):
        global _BUNDLE
        self.bundle = bundle
        self._thread = anyio.CapacityLimiter(1)  # more threads would only take turns at the GIL
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            _BUNDLE = bundle
            self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_start_worker)
            self._pool.submit(int).result()  # fork now, at start-up, not under the first request

    async def answer(self, query: str, k: int, weights: dict[str, float], filters: Filters) -> bytes:
        if self._pool is not None:
            try:
                return await asyncio.wrap_future(self._pool.submit(_in_worker, query, k, weights, filters))
            except BrokenProcessPool:
                log.error("answer worker process died; computing answers in a thread from now on")
                self._pool = None
        return await anyio.to_thread.run_sync(answer_bytes, self.bundle, query, k, weights, filters,
                                              limiter=self._thread)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
