"""hei_count for UK region-tier bodies (counties, combined authorities, Greater London, nations) as the sum of
the counts of the councils inside them, from data/raw/indicators/gb_hei_count.csv and the zeros in
gb_hei_count_zero_4icu.csv.

Writes data/raw/indicators/gb_hei_count_area_sums.csv (estimate=1; each row names the councils summed).
Run again whenever gb_hei_count.csv or localities_gb.csv change:

    python data/scripts/gb_hei_totals.py
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "raw"
AREA_LEVELS = {"county", "combined_authority", "region", "nation"}


def main() -> None:
    loc = {r["id"]: r for r in csv.DictReader((RAW / "localities_gb.csv").open(encoding="utf-8"))}
    children = defaultdict(list)
    for r in loc.values():
        if r["parent_id"]:
            children[r["parent_id"]].append(r["id"])
    counts = {r["id"]: r for name in ("gb_hei_count.csv", "gb_hei_count_zero_4icu.csv")
              for r in csv.DictReader((RAW / "indicators" / name).open(encoding="utf-8"))
              if r["indicator"] == "hei_count"}

    def councils(i: str) -> list[str]:
        out = []
        for c in children[i]:
            out += councils(c) if loc[c]["level"] in AREA_LEVELS else [c]
        return out

    rows = []
    for i, r in loc.items():
        if r["level"] not in AREA_LEVELS or r.get("status") == "abolished" or i in counts:
            continue
        parts = [c for c in councils(i) if c in counts]
        if not parts:
            continue
        total = sum(int(counts[c]["value"]) for c in parts)
        year = max(int(counts[c]["year"]) for c in parts)
        named = ", ".join(f"{loc[c]['name']} {counts[c]['value']}" for c in parts if int(counts[c]["value"])) or "none"
        rows.append([i, "hei_count", total, year,
                     "sum of the council rows in indicators/gb_hei_count.csv (4icu.org A-Z list and the pages cited "
                     "there)", 1, f"sum over the {len(parts)} councils inside it (the others count 0); "
                     f"those hosting an institution: {named}"])
    with (RAW / "indicators" / "gb_hei_count_area_sums.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "indicator", "value", "year", "source", "estimate", "note"])
        w.writerows(rows)
    print(f"{len(rows)} area sums")


if __name__ == "__main__":
    main()
