"""Uncached answers are computed in a worker process (or a thread): same bytes as computing them in place, and a
worker that dies costs no request."""

import asyncio
import os
import signal

import pytest

from matcher.config import check_weights
from matcher.estimator import Filters
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
        (pid,) = list(compute._pool._processes)
        os.kill(pid, signal.SIGKILL)
        w = check_weights({})
        got = asyncio.run(compute.answer("E08000901", 3, w, Filters()))
        assert got == answer_bytes(bundle, "E08000901", 3, w, Filters())
        assert compute._pool is None  # later answers go straight to the thread
    finally:
        compute.close()
