"""Finished answers, keyed by everything that determines them.

The model is immutable once loaded, so a recommendation is a pure function of (query, weights, k,
filters): the same request always gets the same bytes. Repeated requests (an embedded widget on a busy
page, an officer paging back) skip ranking, explanation and serialisation. The key holds the complete,
merged weights, so two requests with different weights can never share an entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class AnswerCache:
    """A thread-safe LRU of response bodies; size 0 disables it."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        if self.size <= 0:
            return make()
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return body
            self.misses += 1
        body = make()  # outside the lock: a slow answer must not hold up cached ones
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body
