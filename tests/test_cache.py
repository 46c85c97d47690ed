"""The answer cache: bounded in bytes, least recently used out first, nothing stored when off."""

from service.cache import ENTRY_OVERHEAD, AnswerCache


def test_total_stays_within_the_byte_budget_and_the_oldest_leave_first():
    size = 1000
    cache = AnswerCache(max_bytes=5 * (size + ENTRY_OVERHEAD))
    for i in range(20):
        cache.put(i, b"x" * size)
        assert cache.bytes <= cache.max_bytes
    assert len(cache) == 5 and [cache.get(i) is not None for i in range(14, 20)] == [False] + [True] * 5


def test_a_hit_makes_an_entry_recent():
    cache = AnswerCache(max_bytes=3 * (10 + ENTRY_OVERHEAD))
    for key in "abc":
        cache.put(key, b"0123456789")
    assert cache.get("a") == b"0123456789"  # a is now the most recent: b leaves next
    cache.put("d", b"0123456789")
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None


def test_mixed_sizes_are_charged_by_size_not_count():
    cache = AnswerCache(max_bytes=200_000)
    cache.put("big", b"x" * 190_000)  # a k=100 answer
    for i in range(30):
        cache.put(i, b"y" * 5_000)  # k=5 answers push the big one out
    assert cache.get("big") is None and cache.bytes <= 200_000
    assert cache.bytes == len(cache) * (5_000 + ENTRY_OVERHEAD)


def test_replacing_a_key_does_not_count_it_twice():
    cache = AnswerCache(max_bytes=10_000)
    cache.put("k", b"x" * 100)
    cache.put("k", b"x" * 300)
    assert len(cache) == 1 and cache.bytes == 300 + ENTRY_OVERHEAD


def test_an_answer_larger_than_the_budget_and_a_disabled_cache_store_nothing():
    small = AnswerCache(max_bytes=100)
    small.put("k", b"x" * 200)
    assert small.get("k") is None and small.bytes == 0
    off = AnswerCache(max_bytes=0)
    off.put("k", b"x")
    assert off.get("k") is None and len(off) == 0
