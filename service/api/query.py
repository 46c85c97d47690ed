"""Unknown query parameters are an error, not silently ignored: `?weights=education=3` on a route without
`weights`, or a typo such as `?presett=`, answers 422 naming them (and the ones the route takes)."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_known: dict[int, frozenset[str]] = {}


def _query_names(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route) -> frozenset[str]:
    key = id(route)
    if key not in _known:  # once per route: the dependant tree is fixed when the app is built
        _known[key] = frozenset(_query_names(route.dependant))
    return _known[key]


async def known_query_only(request: Request) -> None:
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    allowed = _allowed(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise RequestValidationError([
            {"type": "extra_forbidden", "loc": ("query", name),
             "msg": f"unknown query parameter (this route takes: {known})", "input": request.query_params[name]}
            for name in unknown])
