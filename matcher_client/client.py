"""A typed Python client for the HTTP API, for back ends such as the how-to library.

    with MatcherClient("https://matcher.example") as api:
        recs = api.recommendations("Sheffield", k=5)
        for r in recs.results:
            print(r.rank, r.locality.name, r.locality.name_zh, round(r.score, 3), r.reasons[0])

Results are pydantic models from matcher_client.models, the same classes the service declares its responses
with, so client and server share one contract; this package imports nothing from the server or the model.
Every error answer becomes a MatcherAPIError subclass carrying the problem+json fields.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from matcher_client.models import Card, Diff, Locality, Preset, Profile, ProfilePage, Recommendations

T = TypeVar("T")


class MatcherAPIError(Exception):
    """An error answer (application/problem+json) from the service."""

    def __init__(self, status: int, detail: str, body: dict[str, Any]):
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.body = status, detail, body


class LocalityNotFound(MatcherAPIError):
    """404: `suggestions` holds the closest known localities."""

    @property
    def suggestions(self) -> list[Locality]:
        return [Locality.model_validate(s) for s in self.body.get("suggestions", [])]


class AmbiguousLocality(MatcherAPIError):
    """409: the name matches several localities; `candidates` lists them, pick one by id."""

    @property
    def candidates(self) -> list[Locality]:
        return [Locality.model_validate(s) for s in self.body.get("candidates", [])]


class InvalidRequest(MatcherAPIError):
    """422 (or 413): `field` names the offending parameter or weight when the service knows it."""

    @property
    def field(self) -> str | None:
        return self.body.get("field")


class NotAllowed(MatcherAPIError):
    """401/403: a write without an analyst token, with a wrong one, or on a server whose writes are off."""


class Unavailable(MatcherAPIError):
    """429/503: too many requests, or the server is busy; `retry_after` is the seconds to wait, if it said."""

    @property
    def retry_after(self) -> float | None:
        value = self.body.get("retry_after")
        return float(value) if value is not None else None


_ERRORS = {401: NotAllowed, 403: NotAllowed, 404: LocalityNotFound, 409: AmbiguousLocality, 413: InvalidRequest,
           422: InvalidRequest, 429: Unavailable, 503: Unavailable}


class MatcherClient:
    """Synchronous client. Pass `http` to reuse a configured httpx.Client (or a test client)."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", *, timeout: float = 10.0,
                 http: httpx.Client | None = None, token: str | None = None):
        """`token`: an analyst token (MATCHER_ANALYST_TOKENS on the server), needed only to save or delete
        profiles."""
        self._own = http is None
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}

    def __enter__(self) -> MatcherClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self._http.close()

    # ---- calls -----------------------------------------------------------------------------------
    def localities(self, q: str = "", *, country: str | None = None, level: str | None = None,
                   limit: int = 20) -> list[Locality]:
        params = _drop_none({"q": q, "country": country, "level": level, "limit": limit})
        return self._get("/v1/localities", params, list[Locality])

    def locality(self, locality_id: str) -> dict[str, Any]:
        """The profile: figures with source and year, sectors, priorities, partnerships."""
        return self._get(f"/v1/localities/{locality_id}", {}, dict[str, Any])

    def recommendations(self, locality: str, *, k: int = 10, preset: str | None = None,
                        weights: dict[str, float] | None = None, profile: str | None = None,
                        exclude_partners: bool = False, levels: list[str] | None = None,
                        within: str | None = None) -> Recommendations:
        body = _drop_none({"locality": locality, "k": k, "preset": preset, "profile": profile,
                           "weights": weights or {}, "exclude_partners": exclude_partners,
                           "levels": levels or [], "within": within})
        return self._post("/v1/recommendations", body, Recommendations)

    def explain(self, a: str, b: str, *, preset: str | None = None) -> Card:
        return self._get("/v1/explain", _drop_none({"a": a, "b": b, "preset": preset}), Card)

    def compare(self, locality: str, candidates: list[str], *, preset: str | None = None,
                weights: dict[str, float] | None = None) -> Recommendations:
        body = _drop_none({"locality": locality, "candidates": candidates, "preset": preset,
                           "weights": weights or {}})
        return self._post("/v1/compare", body, Recommendations)

    def presets(self) -> list[Preset]:
        return self._get("/v1/presets", {}, list[Preset])

    def diff(self, locality: str, a: dict[str, Any], b: dict[str, Any], *, k: int = 10) -> Diff:
        """`a` and `b` are weightings: {"preset": ...} and/or {"weights": {...}}."""
        return self._post("/v1/rankings/diff", {"locality": locality, "k": k, "a": a, "b": b}, Diff)

    def save_profile(self, name: str, weights: dict[str, float], description: str = "") -> Profile:
        r = self._http.put(f"/v1/profiles/{name}", json={"weights": weights, "description": description},
                           headers=self._auth)
        return _parse(r, Profile)

    def delete_profile(self, name: str) -> None:
        r = self._http.delete(f"/v1/profiles/{name}", headers=self._auth)
        if r.status_code != 204:
            _parse(r, dict[str, Any])

    def profiles(self, *, limit: int = 50, offset: int = 0) -> ProfilePage:
        return self._get("/v1/profiles", {"limit": limit, "offset": offset}, ProfilePage)

    def profile(self, name: str) -> Profile:
        return self._get(f"/v1/profiles/{name}", {}, Profile)

    # ---- plumbing --------------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any], into: type[T]) -> T:
        return _parse(self._http.get(path, params=params), into)

    def _post(self, path: str, body: dict[str, Any], into: type[T]) -> T:
        return _parse(self._http.post(path, json=body), into)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _parse(r: httpx.Response, into: type[T]) -> T:
    if r.status_code >= 400:
        try:
            body = r.json()
        except ValueError:
            body = {"detail": r.text[:500]}
        detail = body.get("detail") or r.reason_phrase
        raise _ERRORS.get(r.status_code, MatcherAPIError)(r.status_code, str(detail), body)
    data = r.json()
    if isinstance(into, type) and issubclass(into, BaseModel):
        return into.model_validate(data)
    return TypeAdapter(into).validate_python(data)
