"""Re-derive the UK council rows, their parents, and UK population and GVA on one basis.

Reads three ONS tables (copies read in public repositories; the copies themselves are not kept here):

  --mye   ONS "Population estimates for the UK, England, Wales, Scotland and Northern Ireland: mid-2022"
          (2023 local authority boundaries), table MYE2 Persons, columns Code, Name, Geography, All ages.
  --lad   ONS "Local Authority Districts (May 2024) Boundaries UK BFE": LAD24CD, LAD24NM, LONG, LAT.
  --gva   ONS "Regional gross value added (balanced) by industry: local authorities by ITL1 region" (1998 to
          2023 edition), GVA at current prices, GBP m, All industries, as a CSV with columns code, name, year,
          value. The copy read is a parquet file of every table of that release; the CSV was extracted with
          pandas: rows where variable.name == "GVA Current Prices £m" and industry.code == "Total".

Writes (in --raw, the data/raw folder):
  localities_gb.csv                         every council on 2023+ boundaries; existing rows keep their
                                            id, name and coordinates; parent_id is recomputed
  indicators/gb_population_ons_mid2022.csv  population, one basis (ONS mid-2022) for every UK row
  indicators/gb_gva_ons_2022.csv            GVA (balanced, current prices, GBP m), 2022, every UK row

    python data/scripts/make_gb_councils.py --mye uk_2022.csv --lad lad24.csv --gva rgva_lad_total.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

MYE_SOURCE = (
    "ONS: Population estimates for the UK, England, Wales, Scotland and Northern Ireland: mid-2022 "
    "(2023 local authority boundaries), table MYE2 Persons, All ages "
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/"
    "populationestimatesforukenglandandwalesscotlandandnorthernireland ; read via "
    "github.com/jnebe/travel_data census_data/uk_2022.csv"
)
LAD_SOURCE = (
    "ONS Local Authority Districts (May 2024) Boundaries UK BFE, LONG/LAT label point; read via "
    "github.com/jnebe/travel_data census_data/uk_boundaries_2024.csv"
)
GVA_SOURCE = (
    "ONS: Regional gross value added (balanced) by industry: local authorities by ITL1 region, 1998 to 2023 "
    "edition, GVA at current prices, GBP m, All industries "
    "https://www.ons.gov.uk/economy/grossdomesticproductgdp/datasets/"
    "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiesbyitl1region ; read via "
    "github.com/economic-analytics/edd data/parquet/RGVA_LAD.parquet (commit 4e8b092, 2025-05-07)"
)
NAMES_SOURCE = (
    "ONS GSS code and name from ONS mid-2022 population estimates table MYE2 (2023 boundaries); read via "
    "github.com/jnebe/travel_data census_data/uk_2022.csv"
)

LEVELS = {
    "Unitary Authority": "unitary", "Metropolitan District": "metropolitan_district",
    "London Borough": "london_borough", "Non-metropolitan District": "non_metropolitan_district",
    "Council Area": "scottish_council", "Local Government District": "ni_district", "County": "county",
}
NATION_OF = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "N": "N92000002"}
MYE_NATIONS = {"E92000001", "W92000004", "S92000003", "N92000002", "E12000007"}
LONDON = "E12000007"

# Constituent councils of each combined authority (mayoral or not) and combined county authority, as named
# in its establishing order. Abolished authorities are kept (status=abolished) because other tables link to
# them; their members now belong to the successor.
COMBINED = {
    "E47000001": ["E08000001", "E08000002", "E08000003", "E08000004", "E08000005", "E08000006", "E08000007",
                  "E08000008", "E08000009", "E08000010"],                       # Greater Manchester (2011)
    "E47000002": ["E08000016", "E08000017", "E08000018", "E08000019"],          # South Yorkshire (2014)
    "E47000003": ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"],  # West Yorkshire (2014)
    "E47000004": ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"],  # Liverpool CR
    "E47000006": ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"],  # Tees Valley (2016)
    "E47000007": ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"],
    "E47000008": ["E10000003", "E06000031"],                                    # Cambridgeshire and Peterborough
    "E47000009": ["E06000022", "E06000023", "E06000025"],                       # West of England (2017)
    "E47000011": ["E08000021", "E08000022", "E06000057"],                       # North of Tyne (2018-2024)
    "E47000012": ["E06000014", "E06000065"],                                    # York and North Yorkshire (2023)
    "E47000013": ["E06000015", "E10000007", "E06000018", "E10000024"],          # East Midlands CCA (2024)
    "E47000014": ["E06000047", "E08000037", "E08000021", "E08000022", "E06000057", "E08000023", "E08000024"],
    "E47000015": ["E10000008", "E06000027"],                                    # Devon and Torbay CCA (2025)
    "E47000016": ["E06000010", "E06000011"],                                    # Hull and East Yorkshire (2025)
    "E47000017": ["E10000019", "E06000013", "E06000012"],                       # Greater Lincolnshire CCA (2025)
    "E47000018": ["E10000017", "E06000008", "E06000009"],                       # Lancashire CCA (2025)
}
ABOLISHED = {"E47000011": 2024}  # North of Tyne: replaced by the North East Combined Authority, 7 May 2024

HEADER = ["id", "name", "level", "parent_id", "lat", "lon", "names_source", "coord_source", "status", "until",
          # kept as they are (data/scripts/make_gb_names.py fills them; run it for councils added here)
          "name_zh", "name_zh_source", "name_cy", "name_cy_source"]
IND_HEADER = ["id", "indicator", "value", "year", "source", "estimate", "note"]


def read_mye(path: Path) -> tuple[list[dict], dict[str, str]]:
    """Rows of the ONS table, and each non-metropolitan district's county (the table lists a county's
    districts directly under it)."""
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    county_of, current = {}, None
    for r in rows:
        if r["Geography"] == "County":
            current = r["Code"]
        elif r["Geography"] == "Non-metropolitan District":
            county_of[r["Code"]] = current
        else:
            current = None
    return rows, county_of


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mye", type=Path, required=True)
    ap.add_argument("--lad", type=Path, required=True)
    ap.add_argument("--gva", type=Path, required=True)
    ap.add_argument("--raw", type=Path, default=Path(__file__).resolve().parents[1] / "raw")
    args = ap.parse_args()

    mye, county_of = read_mye(args.mye)
    pop = {r["Code"]: int(r["Population"]) for r in mye}
    councils = {r["Code"]: r for r in mye if r["Geography"] in LEVELS}
    lad_rows = csv.DictReader(args.lad.open(encoding="utf-8-sig"))
    lad_xy = {r["LAD24CD"]: (float(r["LAT"]), float(r["LONG"])) for r in lad_rows}

    ca_of: dict[str, str] = {}
    for ca, members in COMBINED.items():
        if ca in ABOLISHED:
            continue
        for m in members:
            assert m not in ca_of, m
            ca_of[m] = ca

    def parent(code: str, level: str) -> str | None:
        if level == "nation":
            return None
        if level == "non_metropolitan_district":
            return county_of[code]
        if level == "london_borough":
            return LONDON
        if code in ca_of:
            return ca_of[code]
        return NATION_OF[code[0]]

    path = args.raw / "localities_gb.csv"
    existing = list(csv.DictReader(path.open(encoding="utf-8")))
    have = {r["id"] for r in existing}
    out = []
    for r in existing:
        r = {k: r.get(k, "") or "" for k in HEADER}
        if r["level"] != "combined_authority" and r["id"] not in MYE_NATIONS | set(councils):
            raise SystemExit(f"{r['id']} {r['name']} is not a current council: decide what to do with it")
        r["parent_id"] = parent(r["id"], r["level"]) or ""
        if r["id"] in ABOLISHED:
            r["status"], r["until"] = "abolished", str(ABOLISHED[r["id"]])
        out.append(r)
    for code, r in councils.items():
        if code in have:
            continue
        level = LEVELS[r["Geography"]]
        if code.startswith("W"):
            level = "welsh_principal_area"
        lat, lon = lad_xy[code] if code in lad_xy else ("", "")
        out.append({"id": code, "name": r["Name"], "level": level, "parent_id": parent(code, level) or "",
                    "lat": f"{lat:.4f}" if lat != "" else "", "lon": f"{lon:.4f}" if lon != "" else "",
                    "names_source": NAMES_SOURCE, "coord_source": LAD_SOURCE if lat != "" else "",
                    "status": "", "until": ""})
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(out)

    # Population: ONS mid-2022 wherever ONS lists the area; combined authorities are sums of their members.
    def members_lads(code: str) -> list[str]:
        """Local authority districts (lowest tier) that make up an area."""
        if code in COMBINED:
            return [d for m in COMBINED[code] for d in members_lads(m)]
        if code.startswith("E10"):
            return [d for d, c in county_of.items() if c == code]
        return [code]

    names = {r["id"]: r["name"] for r in out}
    pop_rows = []
    for r in out:
        code = r["id"]
        if code in pop:
            pop_rows.append([code, "population", pop[code], 2022, MYE_SOURCE, 0, ""])
        else:
            parts = COMBINED[code]
            total = sum(pop[m] for m in parts)
            pop_rows.append([code, "population", total, 2022, MYE_SOURCE, 1,
                             "sum of the ONS mid-2022 estimates of its constituent councils (ONS's table does not "
                             "list combined authorities): " + ", ".join(f"{names.get(m, m)} {pop[m]}" for m in parts)])

    # GVA: ONS publishes every local authority district; every larger area is the sum of its districts.
    lad_gva = {g["code"]: float(g["value"]) for g in csv.DictReader(args.gva.open(encoding="utf-8-sig"))
               if g["year"] == "2022" and g["code"] in councils}
    gva_rows = []
    for r in out:
        code = r["id"]
        if code in lad_gva:
            gva_rows.append([code, "gdp_local_m", lad_gva[code], 2022, GVA_SOURCE, 0, ""])
            continue
        if code in NATION_OF.values() or code == LONDON:
            lads = [c for c in lad_gva if (c.startswith("E09") if code == LONDON else NATION_OF[c[0]] == code)]
        else:
            lads = members_lads(code)
        if not lads or any(c not in lad_gva for c in lads):
            continue
        gva_rows.append([code, "gdp_local_m", round(sum(lad_gva[c] for c in lads), 1), 2022, GVA_SOURCE, 1,
                         f"sum of the ONS GVA of its {len(lads)} local authority districts (ONS's local authority "
                         "table does not list this area)"])
    for name, rows in (("gb_population_ons_mid2022.csv", pop_rows), ("gb_gva_ons_2022.csv", gva_rows)):
        with (args.raw / "indicators" / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(IND_HEADER)
            w.writerows(rows)
    print(f"{len(out)} localities ({len(out) - len(existing)} new), {len(pop_rows)} population, "
          f"{len(gva_rows)} GVA rows")


if __name__ == "__main__":
    main()
