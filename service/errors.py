"""Every error leaves as application/problem+json with a clear `detail` (RFC 9457 shape)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from matcher.config import WeightError
from matcher.resolve import AmbiguousLocality, UnknownLocality

log = logging.getLogger("service")
TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 409: "Ambiguous", 413: "Body too large",
          415: "Unsupported media type", 422: "Invalid input", 500: "Internal error"}


def problem(status: int, detail: str, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install(app: FastAPI) -> None:
    @app.exception_handler(UnknownLocality)
    async def unknown(_: Request, exc: UnknownLocality):
        return problem(404, str(exc), suggestions=exc.suggestions)

    @app.exception_handler(AmbiguousLocality)
    async def ambiguous(_: Request, exc: AmbiguousLocality):
        return problem(409, str(exc), candidates=exc.candidates)

    @app.exception_handler(WeightError)
    async def bad_weight(_: Request, exc: WeightError):
        return problem(422, str(exc), field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query")),
                   "message": e.get("msg", "")} for e in exc.errors()]
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors) or "invalid request"
        return problem(422, detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def http(_: Request, exc: HTTPException):
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception):
        log.exception("unhandled error")
        return problem(500, "internal error; it has been logged")
