"""Who may write, and how fast anyone may ask: the analysts' bearer tokens and per-client rate limits.

Reads are open (the page and embeds need them). Writes (PUT/DELETE /v1/profiles/{name}) need one of the
tokens in MATCHER_ANALYST_TOKENS, compared in constant time; with none configured, writes are off. Writes and
heavy requests (work the answer cache does not save) are rate-limited per client address by token buckets.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from service.api.errors import Problem
from service.core.config import Settings

HOW_TO_ENABLE = ("set MATCHER_ANALYST_TOKENS='{\"<analyst>\": \"<long random token>\"}' where the service runs, "
                 "then send the token as 'Authorization: Bearer <token>' (the page has a field for it)")


def analyst(request: Request) -> str:
    """The analyst's name for a request carrying a configured bearer token; otherwise a 401/403 Problem."""
    settings: Settings = request.app.state.settings
    if not settings.analyst_tokens:
        raise Problem(403, f"saving and deleting profiles is off on this server: {HOW_TO_ENABLE}")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "saving and deleting profiles needs an analyst token: send 'Authorization: Bearer "
                           "<token>'", headers={"WWW-Authenticate": 'Bearer realm="analysts"'})
    given = token.strip().encode()
    name = None
    for who, secret in settings.analyst_tokens.items():  # every token compared: the time says nothing of which
        if hmac.compare_digest(given, secret.get_secret_value().encode()) and name is None:
            name = who
    if name is None:
        raise Problem(403, "this token is not one of the server's analyst tokens",
                      headers={"WWW-Authenticate": 'Bearer realm="analysts", error="invalid_token"'})
    return name


class RateLimiter:
    """Token buckets per key: `rate` tokens a second refill up to `burst`; a request takes one. At most
    `max_keys` clients are remembered (the least recently seen are forgotten, i.e. given a full bucket)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.max_keys, self.clock = rate, burst, max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed (a token is taken); otherwise the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


def client_key(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so this is the real client, not the proxy)."""
    return request.client.host if request.client else "unknown"


def limit(request: Request, which: str) -> None:
    """Take a token from the client's `which` bucket ("write" or "heavy"), or raise 429 with Retry-After."""
    limiter: RateLimiter = getattr(request.app.state, f"{which}_limiter")
    wait = limiter.take(client_key(request))
    if wait:
        what = "writes" if which == "write" else "uncached answers"
        raise Problem(429, f"too many {what} from this client: {limiter.rate:g} a second, bursts of "
                           f"{limiter.burst}; retry in {math.ceil(wait)} s",
                      headers={"Retry-After": str(math.ceil(wait))}, retry_after=math.ceil(wait))


async def write_access(request: Request) -> str:
    """Dependency of every write: the write rate limit (guessing tokens is slow too), then an analyst's token."""
    limit(request, "write")
    return analyst(request)


async def heavy_request(request: Request) -> None:
    """Dependency of routes whose every call computes (no answer cache): the heavy rate limit."""
    limit(request, "heavy")


AnalystDep = Annotated[str, Depends(write_access)]
HeavyDep = Depends(heavy_request)
