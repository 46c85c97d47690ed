"""create_app(): settings, model and stores loaded once (lifespan), error handlers, routers, middleware.

Routes live in service/api/routes/ (one router per resource), their dependencies in service/api/deps.py,
their schemas in service/api/schemas/.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from matcher.artifact.store import Bundle, load_bundle
from service.api import errors, openapi
from service.api.main import api_router, root_routers
from service.api.middleware import CORS, BodyLimit
from service.api.security import RateLimiter
from service.cache import AnswerCache
from service.compute import Compute
from service.core.config import Settings
from service.profiles import ProfileStore, StoreUnavailable


def open_store(settings: Settings) -> ProfileStore:
    """The profiles database; StoreUnavailable (one line naming the setting) when it cannot be opened."""
    return ProfileStore(settings.db_url(), settings.max_profiles, settings.db_setting())


def served_app() -> FastAPI:
    """The app `matcher serve` hands to uvicorn (a factory): the profiles database is opened first, so one that
    cannot be opened stops start-up with one line naming the setting, not a traceback."""
    settings = Settings()
    try:
        open_store(settings).engine.dispose()
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return create_app(settings=settings)


def create_app(bundle: Bundle | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Loaded once; a corrupt or mismatched artifact stops start-up with load_bundle's message.
        app.state.bundle = bundle or load_bundle(settings.models_dir)
        app.state.store = open_store(settings)
        app.state.answers = AnswerCache(settings.answer_cache_bytes)
        app.state.compute = Compute(app.state.bundle, settings.answer_processes, settings.answer_timeout_s,
                                    settings.answer_max_in_flight)
        try:
            yield
        finally:
            app.state.compute.close()

    # FastAPIOffline: /docs and /redoc from the Swagger UI and ReDoc bundles the package ships, not a CDN.
    app = FastAPIOffline(title="Partner-city matchmaker", version="1", lifespan=lifespan,
                  description="Which Chinese cities and provinces fit a UK locality, and why (and the reverse).")
    app.state.settings = settings
    app.state.write_limiter = RateLimiter(settings.write_rate, settings.write_burst)
    app.state.heavy_limiter = RateLimiter(settings.heavy_rate, settings.heavy_burst)
    errors.install(app)
    openapi.install(app)
    app.include_router(api_router)
    for router in root_routers:
        app.include_router(router)
    # The last added runs first: CORS wraps the body limit, so a 413 carries the CORS headers and an embedding
    # page can read why its request was refused.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # Writes (PUT/DELETE) are not offered to other origins: an embedding page may only read.
    app.add_middleware(CORS, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["content-type"])
    return app
