"""Industry rows for every UK council from ONS's whole table of GVA by industry: location quotients.

ONS publishes regional gross value added (balanced) by industry for every local authority district (361 in the
1998-2023 edition). For each district, the share of its 2023 current-price GVA in an industry group is divided by
the same share for the UK (the sum of all 361): the location quotient (LQ). An industry group maps to one of our
sectors (MAP below; groups too broad to name a sector, e.g. agriculture with mining, utilities, health, education,
are left out). A sector gets a row when its LQ is at least 1.25 and it is at least 2% of the place's GVA:
strength 1 (LQ 1.25-1.75), 2 (1.75-2.5), 3 (2.5 or more). Counties are scored the same way on the sum of their
districts. A sector a place already has from a page-based row (industry/gb_localities.csv, ...) is not repeated.

The evidence names the ONS industry, the place's share and the UK share; source = ONS, read through the
economic-analytics/edd copy. Reads the parquet copy (needs pandas with pyarrow, not a project dependency):

    git --git-dir=<mirror of economic-analytics/edd> show 7ccb7d1:data/parquet/RGVA_LAD.parquet \
        > /tmp/data_work/RGVA_LAD.parquet
    <python with pandas+pyarrow> data/scripts/gb_industry_gva_lq.py /tmp/data_work/RGVA_LAD.parquet
"""

from __future__ import annotations

import csv
import glob
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

RAW = Path(__file__).resolve().parents[1] / "raw"
OUT = RAW / "industry" / "gb_councils_ons_gva_lq2023.csv"
YEAR = 2023
SOURCE = ("ONS: Regional gross value added (balanced) by industry, local authorities, 1998 to 2023, current prices "
          "(2023); read through github.com/economic-analytics/edd data/parquet/RGVA_LAD.parquet (commit 7ccb7d1); "
          "location quotient against the UK (sum of 361 districts) by data/scripts/gb_industry_gva_lq.py")
# sector -> ONS industry codes summed for it, and the words used in the evidence
MAP = {
    "agri_food": (["CA-CB (10-15)"], "manufacture of food, beverages, textiles and clothing (SIC 10-15)"),
    "chemicals_materials": (["CD-CG (19-23)"], "manufacture of petroleum, chemicals and other minerals (SIC 19-23)"),
    "steel_metals": (["CH (24-25)"], "manufacture of basic and fabricated metal products (SIC 24-25)"),
    "machinery": (["CI-CL (26-30)"],
                  "manufacture of electrical products, machinery and transport equipment (SIC 26-30)"),
    "construction_engineering": (["F (41-43)", "71"],
                                 "construction and architectural/engineering activities (SIC 41-43, 71)"),
    "retail_trade": (["G (45-47)"], "wholesale and retail trade (SIC 45-47)"),
    "aviation_logistics": (["52-53"], "warehousing, transport support, postal and courier activities (SIC 52-53)"),
    "tourism_culture": (["I (55-56)", "R (90-93)"],
                        "accommodation, food service, arts, entertainment and recreation (SIC 55-56, 90-93)"),
    "creative_media": (["58-60"], "publishing, film, TV production and broadcasting (SIC 58-60)"),
    "digital_ict": (["61-63"], "telecommunications and information technology (SIC 61-63)"),
    "finance_professional": (["K (64-66)", "69", "70"],
                             "finance, insurance, legal, accounting and head offices (SIC 64-66, 69-70)"),
}
MIN_LQ, MIN_SHARE = 1.25, 0.02


def strength(lq: float) -> int:
    return 3 if lq >= 2.5 else 2 if lq >= 1.75 else 1


def main(path: str) -> None:
    d = pd.read_parquet(path)
    d = d[(d["variable.name"] == "GVA Current Prices £m") & (d["dates.date"].astype(str) == f"{YEAR}-01-01")]
    gva = d.pivot_table(index="geography.code", columns="industry.code", values="value", aggfunc="sum")
    loc = {r["id"]: r for r in csv.DictReader((RAW / "localities_gb.csv").open(encoding="utf-8"))}
    # counties: the sum of their districts
    kids = defaultdict(list)
    for i, r in loc.items():
        if r["parent_id"] and loc.get(r["parent_id"], {}).get("level") == "county" and i in gva.index:
            kids[r["parent_id"]].append(i)
    for county, ds in kids.items():
        gva.loc[county] = gva.loc[ds].sum(min_count=len(ds))
    districts = [i for i in gva.index if i not in kids]
    uk = gva.loc[districts].sum()
    have = set()
    for f in glob.glob(str(RAW / "industry" / "*.csv")):
        if Path(f) == OUT:
            continue
        for r in csv.DictReader(open(f, encoding="utf-8")):
            if (r.get("status") or "current") != "closed":
                have.add((r["id"], r["sector"]))
    rows = []
    for i in sorted(gva.index):
        if i not in loc or loc[i].get("status") == "abolished":
            continue
        total = gva.loc[i, "Total"]
        for sector, (codes, words) in MAP.items():
            part = gva.loc[i, codes]
            if part.isna().any() or (i, sector) in have:
                continue
            share, uk_share = part.sum() / total, uk[codes].sum() / uk["Total"]
            lq = share / uk_share
            if lq < MIN_LQ or share < MIN_SHARE:
                continue
            basis = f"sum of its {len(kids[i])} districts; " if i in kids else ""
            rows.append([i, sector, strength(lq),
                         f"{words}: {share:.1%} of the area's GVA in {YEAR} against {uk_share:.1%} for the UK "
                         f"({basis}location quotient {lq:.2f}; ONS GVA £{part.sum():,.0f}m of £{total:,.0f}m)",
                         SOURCE, YEAR])
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "sector", "strength", "evidence", "source", "year"])
        w.writerows(rows)
    print(f"{len(rows)} rows for {len({r[0] for r in rows})} places")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/data_work/RGVA_LAD.parquet")
