"""/v1/presets, /v1/profiles/{name}, /v1/rankings/diff, /v1/evaluation: for analysts tuning weights."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from matcher.answers.recommend import weights_for
from matcher.artifact.model import Filters
from matcher.config import presets
from service.api.deps import MatcherDep, SettingsDep, StoreDep
from service.api.errors import problem
from service.api.schemas.analysts import Diff, DiffRequest, Evaluation, Preset, Profile, ProfileIn, ProfilePage
from service.api.security import AnalystDep, HeavyDep
from service.profiles import ProfileLimit

router = APIRouter(tags=["analysts"])
PROFILE = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.get("/presets", response_model=list[Preset])
def list_presets(bundle: MatcherDep):
    # "balanced" is the served default: the weighting learned from partnership history. The "fitted" preset
    # it used to be listed beside carried the very same weights under a second name, so it is no longer
    # listed (`preset=fitted` is still accepted, for old links).
    return [{"name": p.name, "description": p.description, "weights": weights_for(bundle, p.name)}
            for p in presets().values()]


@router.get("/profiles", response_model=ProfilePage)
def list_profiles(store: StoreDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0)] = 0):
    """Saved weight profiles by name, a page at a time (the page's "load a saved weighting" list): `total` in
    all, `limit` of them from `offset`."""
    total, items = store.page(limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/profiles/{name}", response_model=Profile)
def get_profile(store: StoreDep, name: PROFILE):
    saved = store.get(name)
    return saved if saved else problem(404, f"no saved profile '{name}'")


@router.put("/profiles/{name}", response_model=Profile)
def put_profile(bundle: MatcherDep, store: StoreDep, _: AnalystDep, name: PROFILE, body: ProfileIn):
    """Save a weighting under a name (an analyst's bearer token required; at most MATCHER_MAX_PROFILES)."""
    weights = weights_for(bundle, None, body.weights)
    try:
        return store.put(name, weights, body.description)
    except ProfileLimit as exc:
        return problem(409, str(exc))


@router.delete("/profiles/{name}", status_code=204)
def delete_profile(store: StoreDep, _: AnalystDep, name: PROFILE):
    """Delete a saved weighting (an analyst's bearer token required)."""
    if not store.delete(name):
        return problem(404, f"no saved profile '{name}'")
    return Response(status_code=204)


@router.post("/rankings/diff", response_model=Diff, dependencies=[HeavyDep])
def diff(bundle: MatcherDep, body: DiffRequest):
    """How the top-k changes between two weightings: moved up, moved down, entered, left (with
    `exclude_partners`, of the list that leaves existing partners out, as the page shows it)."""
    qid = bundle.resolver.resolve(body.locality)
    wa = weights_for(bundle, body.a.preset, body.a.weights)
    wb = weights_for(bundle, body.b.preset, body.b.weights)
    filters = Filters(exclude_partners=body.exclude_partners)
    ra, _ = bundle.model.top(qid, wa, k=body.k, filters=filters)
    rb, _ = bundle.model.top(qid, wb, k=body.k, filters=filters)
    out: dict[str, list] = {"moved_up": [], "moved_down": [], "entered": [], "left": [], "unchanged": []}
    for i in dict.fromkeys(ra + rb):
        pa = ra.index(i) + 1 if i in ra else None
        pb = rb.index(i) + 1 if i in rb else None
        move = {"locality": bundle.resolver.describe(i), "rank_a": pa, "rank_b": pb}
        key = ("entered" if pa is None else "left" if pb is None else
               "moved_up" if pb < pa else "moved_down" if pb > pa else "unchanged")
        out[key].append(move)
    return {"query": bundle.resolver.describe(qid), **out}


@router.get("/evaluation", response_model=Evaluation)
def evaluation(settings: SettingsDep):
    """The latest evaluation table (written by `matcher model-card`); /methodology says it in words."""
    path = settings.models_dir / "evaluation.json"
    if not path.exists():
        return problem(404, "no evaluation yet: run `matcher model-card`")
    return json.loads(path.read_text())
