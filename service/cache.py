"""Finished answers, keyed by everything that determines them, bounded in bytes.

The model is immutable once loaded, so a recommendation is a pure function of (query, weights, k,
filters): the same request always gets the same bytes. Repeated requests (an embedded widget on a busy
page, an officer paging back) skip ranking, explanation and serialisation. The key holds the complete,
merged weights, so two requests with different weights can never share an entry.

The budget is in bytes (MATCHER_ANSWER_CACHE_BYTES), not entries: a k=100 answer is ~190 kB and a k=5 one
~5 kB, so a count bound says nothing about memory. Each entry is charged its body plus ENTRY_OVERHEAD for
the key and bookkeeping; the least recently used entries leave until the total fits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

ENTRY_OVERHEAD = 512  # bytes charged per entry on top of the body: key tuple, dict slot, bytes header


class AnswerCache:
    """A thread-safe LRU of response bodies holding at most `max_bytes`; 0 disables it."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        if self.max_bytes <= 0:
            return None
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        cost = len(body) + ENTRY_OVERHEAD
        if cost > self.max_bytes:  # also covers a disabled cache (0): never stored
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old) + ENTRY_OVERHEAD
            self._items[key] = body
            self.bytes += cost
            while self.bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= len(dropped) + ENTRY_OVERHEAD
