"""Latitude and longitude of every airport in data/raw/airports.csv, from the same compilation the codes and
names were read from (the airportsdata package, PyPI, MIT): the resources section measures great-circle
distances between airports. Input: the airportsdata 20260905 wheel unpacked at /tmp/names/apd/.
Run: python data/scripts/add_airport_coords.py
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "data" / "raw" / "airports.csv"
APD = Path("/tmp/names/apd/airportsdata/airports.csv")


def main() -> None:
    by_iata = {r["iata"]: r for r in csv.DictReader(APD.open(encoding="utf-8")) if r["iata"]}
    with TABLE.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        fields = [c for c in reader.fieldnames if c not in ("lat", "lon")]
    fields[fields.index("locality_id") + 1:fields.index("locality_id") + 1] = ["lat", "lon"]
    for row in rows:
        hit = by_iata[row["iata"]]
        row["lat"], row["lon"] = hit["lat"], hit["lon"]
    with TABLE.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} airports with coordinates")


if __name__ == "__main__":
    main()
