"""Uncached answers are computed in a worker process (or a thread): same bytes as computing them in place, and a
worker that dies costs no request."""

import asyncio
import os
import signal

import pytest

from matcher.artifact.model import Filters
from matcher.config import check_weights
from service.compute import Compute, answer_bytes


@pytest.mark.parametrize("processes", [0, 1])
def test_worker_and_thread_answers_equal_the_in_place_answer(bundle, processes):
    compute = Compute(bundle, processes)
    try:
        for query, weights in (("E08000901", {}), ("210300", {"industry": 4.0, "scale": 0.0})):
            w = check_weights(weights)
            got = asyncio.run(compute.answer(query, 5, w, Filters()))
            assert got == answer_bytes(bundle, query, 5, w, Filters())
    finally:
        compute.close()


def test_a_dead_worker_falls_back_to_a_thread(bundle):
    compute = Compute(bundle, 1)
    try:
        (pid,) = compute.worker_pids()
        os.kill(pid, signal.SIGKILL)
        w = check_weights({})
        got = asyncio.run(compute.answer("E08000901", 3, w, Filters()))
        assert got == answer_bytes(bundle, "E08000901", 3, w, Filters())
        assert compute.worker_pids() == []  # later answers go straight to the thread
    finally:
        compute.close()


def test_two_workers_answer_concurrent_requests_and_survive_one_dying(bundle):
    """Many requests in flight over two workers: every answer is the in-place one; kill one worker mid-way and
    the rest are answered by the other."""
    compute = Compute(bundle, 2)
    queries = ["E08000901", "210300", "E08000902", "210200"]
    weightings = [check_weights({"industry": float(i % 5), "scale": float(i % 3)}) for i in range(24)]

    async def burst():
        return await asyncio.gather(*(compute.answer(queries[i % 4], 5, w, Filters())
                                      for i, w in enumerate(weightings)))

    try:
        expected = [answer_bytes(bundle, queries[i % 4], 5, w, Filters()) for i, w in enumerate(weightings)]
        assert asyncio.run(burst()) == expected
        os.kill(compute.worker_pids()[0], signal.SIGKILL)
        assert asyncio.run(burst()) == expected
        assert len(compute.worker_pids()) == 1
    finally:
        compute.close()


def test_closing_stops_every_worker(bundle):
    compute = Compute(bundle, 2)
    pids = compute.worker_pids()
    compute.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
