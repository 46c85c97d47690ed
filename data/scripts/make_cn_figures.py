"""Write CN figure tables (data/raw/indicators/cn_*.csv) from local copies of published tables.

The copies are public repositories' files, read for their figures only and never committed; each row
cites the publisher first and the exact copy read (repository, path, commit). Usage:

    python data/scripts/make_cn_figures.py --tudigong population.csv --leiii census_city_2010-2020_v1.csv \
        --csmar CRE_Gdpct.csv --moe2017 schoolData.ts

Run it after data/scripts/make_cn_base.py (it reads data/raw/localities_cn.csv for the ids and levels).
Rows whose key (id, indicator, year) another indicators file already holds are left out, so a re-run
never duplicates a hand-entered figure.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "raw"
OUT = RAW / "indicators"
COLUMNS = ["id", "indicator", "value", "year", "source", "estimate", "note"]

POP_SRC = ("NBS: Tabulation on the 2020 China Population Census by County (中国人口普查分县资料—2020), "
           "China Statistics Press 2022, ISBN 978-7-5037-9772-9; copy read: GitHub thebamboogrove/tudigong "
           "input/population.csv https://github.com/thebamboogrove/tudigong/blob/"
           "f436b425846f2173ca7cc7fc7c154c500ba23255/input/population.csv")
SHANWEI_SRC = ("Shanwei Municipal Bureau of Statistics: Seventh National Population Census bulletin (2021); copy "
               "read: GitHub leiii/census data/census/census_city_2010-2020_v1.csv (census bulletins compiled and "
               "cross-validated) https://github.com/leiii/census/blob/0ba0f1efae092f4aa6569ef38e53b3bb4d2f0087/"
               "data/census/census_city_2010-2020_v1.csv")
GDP_SRC = ("Municipal and prefectural statistics bureaus, 2020 GDP (statistical bulletins and yearbooks), as compiled "
           "in the CSMAR China Regional Economy database, table CRE_Gdpct (亿元); copy read: GitHub "
           "eileenCHEN-9/PhD_2022_2025 data/raw_data/statistics/CRE_Gdpct.csv https://github.com/eileenCHEN-9/"
           "PhD_2022_2025/blob/f20bcc5e60189da7c99eb185c8b981f116b07af9/data/raw_data/statistics/CRE_Gdpct.csv")
HEI_SRC = ("Ministry of Education: 2017年全国高等学校名单, regular HEIs (普通高等学校, 2,631 as of 31 May 2017) with "
           "each institution's location (所在地); copy read: GitHub Base-Technology/base-interface "
           "src/layouts/Header/schoolData.ts https://github.com/Base-Technology/base-interface/blob/"
           "9a4926d86089c36b62a4b1e457aa99c0fbd6248a/src/layouts/Header/schoolData.ts")

# Counties that became county-level cities after the 2020 census tabulation (same area, new code).
UPGRADED = {"431181": "431121", "450181": "450127", "513402": "513425", "520581": "520522", "532302": "532331",
            "540481": "540422", "540581": "540530", "610981": "610928", "654203": "654223"}
# CSMAR keeps codes from before these units became (or were renumbered as) prefecture-level cities.
CSMAR_OLD = {"460400": "469003", "650400": "652100", "650500": "652200", "540600": "542400"}
CSMAR_NOTES = {
    "460400": "CSMAR lists Danzhou under its former county-level code 469003",
    "650400": "CSMAR lists Turpan under its former prefecture code 652100",
    "650500": "CSMAR lists Hami under its former prefecture code 652200",
    "540600": "CSMAR lists Nagqu under its former prefecture code 542400",
    "654000": "Ili: the counties and cities the prefecture administers directly (州直), without Tacheng and "
              "Altay prefectures, which have their own rows",
}
# 所在地 spellings in the MoE list that are not a current prefecture's full name.
HEI_PLACES = {"凉山州": "513400", "临夏州": "622900",
              "莱芜市": "370100"}  # Laiwu became part of Jinan in 2019


def existing_keys() -> set[tuple[str, str, str]]:
    keys = set()
    for path in OUT.glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            keys |= {(r["id"], r["indicator"], r["year"]) for r in csv.DictReader(fh)}
    return keys


def localities() -> list[dict]:
    with (RAW / "localities_cn.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(name: str, rows: list[dict], skip: set) -> None:
    rows = [r for r in rows if (r["id"], r["indicator"], str(r["year"])) not in skip]
    path = OUT / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows):4d} rows -> {path.relative_to(RAW.parent.parent)}")


def county_population(tudigong: Path, locs: list[dict]) -> list[dict]:
    with tudigong.open(encoding="utf-8-sig") as fh:
        pop = {r["CODE"]: r for r in csv.DictReader(fh)}
    rows = []
    for loc in locs:
        if loc["level"] not in ("county_city", "district"):
            continue
        code = UPGRADED.get(loc["id"], loc["id"])
        if code not in pop or not pop[code]["POPU"]:
            continue
        note = ""
        if code != loc["id"]:
            note = (f"tabulated as {pop[code]['NAME']} ({code}), the county this city was created from after "
                    "the census (same area)")
        rows.append({"id": loc["id"], "indicator": "population", "value": int(float(pop[code]["POPU"])),
                     "year": 2020, "source": POP_SRC, "estimate": 0,
                     "note": (note + "; " if note else "") + "county tabulation: development zones that NBS "
                             "tabulates under their own 7x codes are not included"})
    return rows


def shanwei(leiii: Path) -> list[dict]:
    with leiii.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["city_code"] == "441500")
    return [{"id": "441500", "indicator": "population", "value": int(row["popu_2020"]), "year": 2020,
             "source": SHANWEI_SRC, "estimate": 0, "note": ""}]


def prefecture_gdp(csmar: Path, locs: list[dict]) -> list[dict]:
    with csmar.open(encoding="utf-8-sig") as fh:
        g = {r["Ctnm_id"]: r for r in csv.DictReader(fh) if r["Sgnyea"] == "2020"}
    rows = []
    shares = [("gdp_primary_share", "Gdpct02"), ("gdp_secondary_share", "Gdpct03"), ("gdp_tertiary_share", "Gdpct04")]
    for loc in locs:
        if loc["level"] in ("province", "county_city", "district"):
            continue
        r = g.get(CSMAR_OLD.get(loc["id"], loc["id"]))
        if r is None or not r["Gdpct01"]:
            continue
        note = CSMAR_NOTES.get(loc["id"], "")
        rows.append({"id": loc["id"], "indicator": "gdp_local_m", "value": round(float(r["Gdpct01"]) * 100, 1),
                     "year": 2020, "source": GDP_SRC, "estimate": 0,
                     "note": ("; ".join(x for x in (note, "亿元 x100 = million CNY") if x))})
        for ind, col in shares:
            if r[col]:
                rows.append({"id": loc["id"], "indicator": ind, "value": round(float(r[col]), 2), "year": 2020,
                             "source": GDP_SRC, "estimate": 0, "note": note})
    return rows


def hei_counts(moe: Path, locs: list[dict]) -> list[dict]:
    txt = moe.read_text(encoding="utf-8")
    inst = re.findall(r'"name": "([^"]+)",\s*"code": "(\d+)",\s*"department": "[^"]*",\s*'
                      r'"address": "([^"]*)",\s*"level": "([^"]*)"', txt)
    by_zh: dict[tuple[str, str], str] = {}
    by_name: dict[str, set[str]] = {}
    for loc in locs:
        if loc["level"] not in ("district", "province"):
            by_zh[(loc["id"][:2], loc["name_zh"])] = loc["id"]
            by_name.setdefault(loc["name_zh"], set()).add(loc["id"])
    counts: Counter[str] = Counter()
    unplaced = []
    for name, code, place, _level in inst:
        place = place.replace("\\n", "")
        prov = code[2:4]  # 学校标识码 41PP...: PP = province of the supervising authority
        # A few sit outside their authority's province (Hebei University of Technology in Tianjin).
        lid = HEI_PLACES.get(place) or by_zh.get((prov, place))
        if lid is None and len(by_name.get(place, ())) == 1:
            lid = next(iter(by_name[place]))
        if lid is None:
            unplaced.append((name, place))
            continue
        counts[lid] += 1
    if unplaced:
        raise SystemExit(f"{len(unplaced)} unplaced institutions, e.g. {unplaced[:10]}")
    print(f"placed {sum(counts.values())} of {len(inst)} institutions")
    rows = []
    for loc in locs:
        if loc["level"] in ("province", "district") or (loc["level"] == "county_city" and loc["id"] not in counts):
            continue
        note = "regular HEIs (undergraduate incl. independent colleges, and vocational) located in the unit"
        if loc["id"] == "370100":
            note += "; includes the 1 institution then listed under Laiwu, part of Jinan since 2019"
        if loc["level"] == "county_city":
            note = ("regular HEIs whose listed location (所在地) is this county-level city (the list names the "
                    "prefecture for most; a county-level city only where it is directly under the province)")
        rows.append({"id": loc["id"], "indicator": "hei_count", "value": counts.get(loc["id"], 0), "year": 2017,
                     "source": HEI_SRC, "estimate": 0, "note": note})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tudigong", type=Path, required=True)
    ap.add_argument("--leiii", type=Path, required=True)
    ap.add_argument("--csmar", type=Path, required=True)
    ap.add_argument("--moe2017", type=Path, required=True)
    a = ap.parse_args()
    locs = localities()
    ours = {"cn_population_census2020_county_tabulation.csv", "cn_population_census2020_local_bulletins.csv",
            "cn_gdp_2020_csmar.csv", "cn_hei_count_moe2017.csv"}
    for name in ours:  # a re-run replaces our own files, so only other files' keys are skipped
        (OUT / name).unlink(missing_ok=True)
    skip = existing_keys()
    write("cn_population_census2020_county_tabulation.csv", county_population(a.tudigong, locs), skip)
    write("cn_population_census2020_local_bulletins.csv", shanwei(a.leiii), skip)
    write("cn_gdp_2020_csmar.csv", prefecture_gdp(a.csmar, locs), skip)
    write("cn_hei_count_moe2017.csv", hei_counts(a.moe2017, locs), skip)


if __name__ == "__main__":
    main()
