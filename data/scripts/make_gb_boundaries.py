"""The page's UK council outlines: ONS's own boundaries, simplified into one compact file the service ships.

Source: ONSvisual/uk-topojson `output/topo.json` (Office for National Statistics, Open Government Licence v3;
contains OS data © Crown copyright and database right), layer `ltla` (lower-tier and unitary authorities),
areas current in 2023-2025. Read from the repository at commit b2fde50cb130908b897de10b65cdc392f9b4ff78
(2025-06-11). The file itself is not copied into this repository: this script writes only the simplified
outlines, projected to page coordinates.

    python data/scripts/make_gb_boundaries.py /path/to/topo.json  # -> service/static/map/gb.json

Projection (shared with service/geo.py): equirectangular, 10 units per degree of latitude, x scaled by
cos(54.5°). Simplified with Douglas-Peucker at 0.15 units (about 1.7 km), rounded to 0.1 units, outer rings
only, islands below 0.05 square units dropped (every council keeps its largest ring).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "service" / "static" / "map" / "gb.json"
SOURCE = ("ONS: ONSvisual/uk-topojson output/topo.json, layer ltla (lower-tier and unitary authorities, "
          "2023-2025), commit b2fde50 (2025-06-11); Open Government Licence v3, contains OS data © Crown "
          "copyright and database right. Simplified for the page by data/scripts/make_gb_boundaries.py")
LON0, LAT0, K = -8.7, 60.9, 10.0   # shared with service/geo.py PROJECTIONS["GB"]
COS = math.cos(math.radians(54.5))
TOL = 0.15
MIN_AREA = 0.05


def project(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - LON0) * COS * K, (LAT0 - lat) * K)


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
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


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    areas = {}
    for g in topo["objects"]["ltla"]["geometries"]:
        p = g["properties"]
        if p.get("end") and p["end"] < 2025 or p.get("start", 0) > 2025:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        rings = [dp(ring(arcs, poly[0]), TOL) for poly in polys]  # outer rings only
        rings.sort(key=area, reverse=True)
        kept = [r for n, r in enumerate(rings) if n == 0 or area(r) >= MIN_AREA]
        areas[p["areacd"]] = {"name": p["areanm"], "d": path(kept)}
    xs = [project(lon, lat) for lon, lat in ((-8.7, 49.8), (1.8, 60.9))]
    out = {"source": SOURCE, "width": round(xs[1][0], 1), "height": round(xs[0][1], 1), "areas": areas}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(areas)} councils, {OUT.stat().st_size / 1024:.0f} kB -> {OUT}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
