"""create_app(): the API under /v1, health checks, the council page and the embeddable widget."""

from __future__ import annotations

import csv
import io
import json
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from matcher.build import Bundle, load_bundle
from matcher.config import WeightError, presets
from matcher.estimator import Filters
from matcher.recommend import recommend, weights_for
from service import card as cards
from service import errors
from service.cache import AnswerCache
from service.errors import problem
from service.page import EMBED_JS, render_card, render_index
from service.profiles import ProfileStore
from service.schemas import (
    Card,
    CompareRequest,
    Diff,
    DiffRequest,
    Locality,
    Preset,
    Profile,
    ProfileIn,
    RecommendationRequest,
    Recommendations,
)
from service.settings import Settings

NAME = Annotated[str, Query(min_length=1, max_length=200, description="Id or name (English, pinyin, Chinese)")]


# Async on purpose: FastAPI runs plain-def dependencies in the thread pool, a hop per request for a getter.
async def get_bundle(request: Request) -> Bundle:
    return request.app.state.bundle


async def get_store(request: Request) -> ProfileStore:
    return request.app.state.store


MatcherDep = Annotated[Bundle, Depends(get_bundle)]
StoreDep = Annotated[ProfileStore, Depends(get_store)]
api = APIRouter(prefix="/v1")


def _weights(bundle: Bundle, store: ProfileStore | None, preset: str | None, overrides: dict | None,
             profile: str | None = None) -> dict[str, float]:
    if profile:
        saved = store.get(profile) if store else None
        if saved is None:
            raise WeightError("profile", f"no saved profile '{profile}'")
        return weights_for(bundle, None, {**saved["weights"], **(overrides or {})})
    return weights_for(bundle, preset, overrides)


@api.get("/localities", response_model=list[Locality], tags=["localities"])
def search_localities(bundle: MatcherDep, q: Annotated[str, Query(max_length=200)] = "",
                      country: Annotated[str | None, Query(pattern="^(GB|CN)$")] = None,
                      level: Annotated[str | None, Query(max_length=40)] = None,
                      limit: Annotated[int, Query(ge=1, le=100)] = 20):
    """Search by English, pinyin or Chinese name (type-ahead)."""
    from matcher.resolve import fold

    frame = bundle.resolver.frame
    if country:
        frame = frame[frame["country"] == country]
    if level:
        frame = frame[frame["level"] == level]
    key = fold(q)
    allowed = set(frame["id"])
    if key:
        exact = [i for i in bundle.resolver.index.get(key, set()) if i in allowed]
        starts = [i for i in frame["id"] if any(a.startswith(key) for a in bundle.resolver.aliases[i])]
        ids = list(dict.fromkeys(exact + starts))
        if len(ids) < limit:
            ids += [s["id"] for s in bundle.resolver.suggest(q, limit=limit, country=country)
                    if s["id"] in allowed and s["id"] not in ids]
    else:
        ids = frame["id"].tolist()
    return [bundle.resolver.describe(i) for i in ids[:limit]]


@api.get("/localities/{locality_id}", tags=["localities"])
def get_locality(bundle: MatcherDep, locality_id: Annotated[str, Path(max_length=200)]) -> dict:
    """A locality's profile: every figure with its source and year, sectors, priorities, partnerships."""
    return cards.profile(bundle, bundle.resolver.resolve(locality_id))


def _run(bundle: Bundle, store: ProfileStore, req: RecommendationRequest) -> dict:
    return recommend(*_resolved(bundle, store, req))


def _resolved(bundle: Bundle, store: ProfileStore, req: RecommendationRequest) -> tuple:
    """(bundle, query id, k, weights, filters): everything a recommendation depends on, all resolved."""
    qid = bundle.resolver.resolve(req.locality)
    w = _weights(bundle, store, req.preset, req.weights, req.profile)
    ratio = None
    if req.pop_ratio_min is not None or req.pop_ratio_max is not None:
        ratio = (req.pop_ratio_min or 0.0, req.pop_ratio_max or float("inf"))
    filters = Filters(levels=tuple(req.levels), exclude_partners=req.exclude_partners, pop_ratio=ratio,
                      within=bundle.resolver.resolve(req.within) if req.within else None)
    return bundle, qid, req.k, w, filters


def _answer(request: Request, store: ProfileStore, req: RecommendationRequest) -> Response:
    """The JSON answer, from the cache when the same resolved request was answered before."""
    resolved = _resolved(request.app.state.bundle, store, req)
    _, qid, k, w, filters = resolved
    key = (qid, k, tuple(w.items()), filters)

    def make() -> bytes:
        return Recommendations.model_validate(recommend(*resolved)).model_dump_json().encode()

    return Response(request.app.state.answers.get_or_make(key, make), media_type="application/json")


# The two recommendation routes are async although they compute: ~3 ms of CPU either way, and skipping the
# thread-pool hop makes them cost ~30% less server CPU under load (bench/RESULTS.md, http).
@api.get("/recommendations", response_model=Recommendations, tags=["recommendations"])
async def get_recommendations(request: Request, store: StoreDep, locality: NAME,
                        k: Annotated[int, Query(ge=1, le=100)] = 10,
                        preset: Annotated[str | None, Query(max_length=64)] = None,
                        profile: Annotated[str | None, Query(max_length=64)] = None,
                        exclude_partners: bool = False):
    """Ranked counterparts in the other country, with contributions, reasons and caveats."""
    return _answer(request, store, RecommendationRequest(locality=locality, k=k, preset=preset, profile=profile,
                                                         exclude_partners=exclude_partners))


@api.post("/recommendations", response_model=Recommendations, tags=["recommendations"])
async def post_recommendations(request: Request, store: StoreDep, body: RecommendationRequest):
    """As GET, with custom `weights` (merged over the preset) and filters."""
    return _answer(request, store, body)


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with ' (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@api.get("/recommendations.csv", tags=["recommendations"], response_class=PlainTextResponse)
def recommendations_csv(bundle: MatcherDep, store: StoreDep, locality: NAME,
                        k: Annotated[int, Query(ge=1, le=100)] = 10,
                        preset: Annotated[str | None, Query(max_length=64)] = None,
                        weights: Annotated[str | None, Query(max_length=500)] = None):
    """The ranked list as CSV (for the page's download button)."""
    from matcher.config import parse_weight_string

    overrides = parse_weight_string(weights) if weights else {}
    payload = _run(bundle, store, RecommendationRequest(locality=locality, k=k, preset=preset, weights=overrides))
    buf = io.StringIO()
    blocks_ = list(payload["weights"])
    w = csv.writer(buf)
    w.writerow(["rank", "id", "name", "name_zh", "level", "score", *blocks_, "reasons", "caveats"])
    for r in payload["results"]:
        loc = r["locality"]
        w.writerow([r["rank"], loc["id"], _cell(loc["name"]), _cell(loc["name_zh"] or ""), loc["level"],
                     f"{r['score']:.4f}", *(f"{r['contributions'][b]:.4f}" for b in blocks_),
                     _cell(" | ".join(r["reasons"])), _cell(" | ".join(r["caveats"]))])
    name = f"partners-{payload['query']['id']}.csv"
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/explain", response_model=Card, tags=["recommendations"])
def explain(bundle: MatcherDep, a: NAME, b: NAME, preset: Annotated[str | None, Query(max_length=64)] = None):
    """The assessment card for any UK–China pair, in the six sections of a council partner-city policy."""
    pair = _pair(bundle, a, b, "explain")
    return pair if isinstance(pair, Response) else cards.card(bundle, *pair, weights_for(bundle, preset))


def _pair(bundle: Bundle, a: str, b: str, what: str) -> tuple[str, str] | Response:
    """Both ids, or a 422 when they are in the same country (a card pairs a UK and a Chinese locality)."""
    ida, idb = bundle.resolver.resolve(a), bundle.resolver.resolve(b)
    if bundle.matcher.country_of(ida) == bundle.matcher.country_of(idb):
        return problem(422, f"{what} needs one UK and one Chinese locality", field="b")
    return ida, idb


@api.post("/compare", response_model=Recommendations, tags=["recommendations"])
def compare(bundle: MatcherDep, body: CompareRequest):
    """Rank a given list of candidates (approaches a council has received) for a locality."""
    qid = bundle.resolver.resolve(body.locality)
    other = "CN" if bundle.matcher.country_of(qid) == "GB" else "GB"
    ids = tuple(dict.fromkeys(bundle.resolver.resolve(c, country=other) for c in body.candidates))
    w = weights_for(bundle, body.preset, body.weights)
    return recommend(bundle, qid, k=len(ids), weights=w, filters=Filters(only=ids))


@api.get("/presets", response_model=list[Preset], tags=["analysts"])
def list_presets(bundle: MatcherDep):
    out = [{"name": p.name, "description": p.description, "weights": p.weights} for p in presets().values()]
    if bundle.fitted_weights:
        out.append({"name": "fitted", "description": "Learned from partnership history at build time.",
                    "weights": bundle.fitted_weights})
    return out


PROFILE = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@api.get("/profiles/{name}", response_model=Profile, tags=["analysts"])
def get_profile(store: StoreDep, name: PROFILE):
    saved = store.get(name)
    return saved if saved else problem(404, f"no saved profile '{name}'")


@api.put("/profiles/{name}", response_model=Profile, tags=["analysts"])
def put_profile(bundle: MatcherDep, store: StoreDep, name: PROFILE, body: ProfileIn):
    weights = weights_for(bundle, None, body.weights)
    return store.put(name, weights, body.description)


@api.delete("/profiles/{name}", status_code=204, tags=["analysts"])
def delete_profile(store: StoreDep, name: PROFILE):
    if not store.delete(name):
        return problem(404, f"no saved profile '{name}'")
    return Response(status_code=204)


@api.post("/rankings/diff", response_model=Diff, tags=["analysts"])
def diff(bundle: MatcherDep, body: DiffRequest):
    """How the top-k changes between two weightings: moved up, moved down, entered, left."""
    qid = bundle.resolver.resolve(body.locality)
    wa = weights_for(bundle, body.a.preset, body.a.weights)
    wb = weights_for(bundle, body.b.preset, body.b.weights)
    ra = bundle.matcher.rank(qid, wa, k=body.k).index.tolist()
    rb = bundle.matcher.rank(qid, wb, k=body.k).index.tolist()
    out: dict[str, list] = {"moved_up": [], "moved_down": [], "entered": [], "left": [], "unchanged": []}
    for i in dict.fromkeys(ra + rb):
        pa = ra.index(i) + 1 if i in ra else None
        pb = rb.index(i) + 1 if i in rb else None
        move = {"locality": bundle.resolver.describe(i), "rank_a": pa, "rank_b": pb}
        key = ("entered" if pa is None else "left" if pb is None else
               "moved_up" if pb < pa else "moved_down" if pb > pa else "unchanged")
        out[key].append(move)
    return {"query": bundle.resolver.describe(qid), **out}


@api.get("/evaluation", tags=["analysts"])
def evaluation(request: Request):
    """The latest evaluation table (written by `matcher model-card`)."""
    path = request.app.state.settings.models_dir / "evaluation.json"
    if not path.exists():
        return problem(404, "no evaluation yet: run `matcher model-card`")
    return json.loads(path.read_text())


class BodyLimit:
    """Refuse bodies over the limit with 413: at once when Content-Length says so, otherwise by counting the
    bytes as they arrive (a chunked body has no Content-Length). The body is at most `limit` bytes, so it
    is held here and replayed to the app."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and not length.isdigit():
            await problem(400, "Content-Length header is not a number")(scope, receive, send)
            return
        if length is not None and int(length) > self.limit:
            await problem(413, f"request body over {self.limit} bytes")(scope, receive, send)
            return
        received: list[dict] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await problem(413, f"request body over {self.limit} bytes")(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay():
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)


class CORS(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight answers problem+json like every other 4xx."""

    def preflight_response(self, request_headers):
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = problem(response.status_code, f"{response.body.decode()}: this origin, method or header is "
                                                "not allowed to call the API from a browser")
        for key in ("vary", "access-control-allow-methods", "access-control-max-age",
                    "access-control-allow-headers"):
            if key in response.headers:
                refused.headers[key] = response.headers[key]
        return refused


def create_app(bundle: Bundle | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Loaded once; a corrupt or mismatched artifact stops start-up with load_bundle's message.
        app.state.bundle = bundle or load_bundle(settings.models_dir)
        app.state.store = ProfileStore(settings.db_url())
        app.state.answers = AnswerCache(settings.answer_cache_size)
        yield

    app = FastAPI(title="Partner-city matchmaker", version="1", lifespan=lifespan,
                  description="Which Chinese cities and provinces fit a UK locality, and why (and the reverse).")
    app.state.settings = settings
    errors.install(app)
    app.include_router(api)

    @app.get("/healthz", tags=["health"])
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz(request: Request):
        b = getattr(request.app.state, "bundle", None)
        if b is None:
            return problem(503, "model not loaded")
        return {"status": "ready", "artifact": b.manifest.get("artifact"), "built_at": b.manifest.get("built_at")}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        return render_index(request.app.state.bundle)

    @app.get("/card", response_class=HTMLResponse, include_in_schema=False)
    def card_page(request: Request, a: NAME, b: NAME, preset: Annotated[str | None, Query(max_length=64)] = None):
        bundle_ = request.app.state.bundle
        pair = _pair(bundle_, a, b, "a card")
        return pair if isinstance(pair, Response) else \
            render_card(cards.card(bundle_, *pair, weights_for(bundle_, preset)))

    @app.get("/embed.js", include_in_schema=False)
    def embed_js():
        return Response(EMBED_JS, media_type="application/javascript")

    app.add_middleware(CORS, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["content-type"])
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
