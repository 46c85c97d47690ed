"""/healthz (the process answers) and /readyz (the model is loaded, and when it was built)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.errors import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz():
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    b = getattr(request.app.state, "bundle", None)
    if b is None:
        return problem(503, "model not loaded")
    return {"status": "ready", "artifact": b.manifest.get("artifact"), "built_at": b.manifest.get("built_at")}
