"""Every error leaves as application/problem+json with a clear `detail` (RFC 9457 shape)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from features.resolve import AmbiguousLocality, UnknownLocality
from matcher.config import WeightError

log = logging.getLogger("service")
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 413: "Body too large", 415: "Unsupported media type", 422: "Invalid input",
          429: "Too many requests", 500: "Internal error", 503: "Unavailable"}


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


class Problem(Exception):
    """Raised anywhere a request is handled: becomes problem+json with this status, detail, headers and extra
    members (e.g. `field`, `suggestions`)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers, extra

    def response(self) -> JSONResponse:
        return problem(self.status, self.detail, self.headers, **self.extra)


def as_problem(exc: BaseException) -> Problem | None:
    """The problem a known error means (the same for the in-process path and the answer workers), or None."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, UnknownLocality):
        return Problem(404, str(exc), suggestions=exc.suggestions)
    if isinstance(exc, AmbiguousLocality):
        return Problem(409, str(exc), candidates=exc.candidates)
    if isinstance(exc, WeightError):
        return Problem(422, str(exc), field=exc.field)
    return None


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _error(e: dict) -> dict:
    """One validation error as {field, message}; a JSON syntax error names its position, not a field '0'."""
    if e.get("type") == "json_invalid":
        loc = e.get("loc", ())
        position = loc[1] if len(loc) > 1 else "?"
        reason = e.get("ctx", {}).get("error", "")
        return {"field": "body", "message": f"invalid JSON at character {position}: {reason}"}
    loc = tuple(e.get("loc", ()))
    if loc[:1] in (("body",), ("query",), ("path",)):  # where it was, not part of the field's name
        loc = loc[1:]
    return {"field": ".".join(str(p) for p in loc), "message": e.get("msg", "")}


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    @app.exception_handler(UnknownLocality)
    @app.exception_handler(AmbiguousLocality)
    @app.exception_handler(WeightError)
    async def known(_: Request, exc: Exception) -> JSONResponse:
        found = as_problem(exc)
        assert found is not None
        return found.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [_error(e) for e in exc.errors()]
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors) or "invalid request"
        body_errors = any(e.get("loc", ())[:1] == ("body",) for e in exc.errors())
        content_type = request.headers.get("content-type", "")
        if body_errors and not _is_json(content_type):
            sent = f"'{content_type}'" if content_type else "no Content-Type"
            detail = f"the body must be JSON sent as Content-Type: application/json (got {sent}); {detail}"
        return problem(422, detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def http(_: Request, exc: HTTPException):
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
            # FastAPI's "There was an error parsing the body" for a JSON body that is not UTF-8.
            return problem(400, f"the request body is not UTF-8 JSON ({cause.reason} at byte {cause.start})")
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception):
        log.exception("unhandled error")
        return problem(500, "internal error; it has been logged")
