"""born_in_china: usual residents born in China, Census 2021, every council in England and Wales, from ONS's own
census-quiz data file (ONSvisual/census-quiz, public/data/census-quiz-data-2021-v9.csv, column
birth_country_China_total, which ONS built from Census 2021 table TS012 "Country of birth (detailed)").

Councils abolished in April 2023 (Cumbria's, North Yorkshire's and Somerset's districts) are summed into their
successor unitaries (former_councils.csv); counties, combined authorities, Greater London and the two nations
are sums of the councils inside them (estimate=1, councils named in note).

Reads a local copy of the ONS file, which is not committed:

    git --git-dir=<mirror of ONSvisual/census-quiz> show 1d7d926:public/data/census-quiz-data-2021-v9.csv \
        > /tmp/data_work/censusquiz_v9.csv
    python data/scripts/gb_born_in_china.py /tmp/data_work/censusquiz_v9.csv
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "raw"
OUT = RAW / "indicators" / "gb_born_in_china_census2021.csv"
COMMIT = "1d7d92645d686f3721f90cca05109ac59068431c"
SOURCE = ("ONS: Census 2021, country of birth (table TS012), residents born in China; read through ONS's own "
          "repository github.com/ONSvisual/census-quiz public/data/census-quiz-data-2021-v9.csv "
          f"(column birth_country_China_total, commit {COMMIT[:7]})")
AREA_LEVELS = {"county", "combined_authority", "region", "nation"}


def main(path: str) -> None:
    quiz = {r["code"]: r for r in csv.DictReader(open(path, encoding="utf-8"))}
    loc = {r["id"]: r for r in csv.DictReader((RAW / "localities_gb.csv").open(encoding="utf-8"))}
    successor = {r["former_id"]: r["successor_id"]
                 for r in csv.DictReader((RAW / "former_councils.csv").open(encoding="utf-8"))}
    value: dict[str, int] = {}
    parts: dict[str, list[str]] = defaultdict(list)
    for code, r in quiz.items():
        if code[0] not in "EW" or code[:3] in ("E92", "W92"):
            continue
        n = int(r["birth_country_China_total"])
        if code in loc:
            value[code] = n
        elif code in successor and successor[code] in loc:
            parts[successor[code]].append(code)
        else:
            raise SystemExit(f"{code} {r['name']}: neither a current council nor a former one")
    rows = []
    for code in sorted(value):
        rows.append([code, "born_in_china", value[code], 2021, SOURCE, 0, ""])
    for new, olds in sorted(parts.items()):
        total = sum(int(quiz[o]["birth_country_China_total"]) for o in olds)
        value[new] = total
        named = ", ".join(f"{quiz[o]['name']} {quiz[o]['birth_country_China_total']}" for o in olds)
        rows.append([new, "born_in_china", total, 2021, SOURCE, 1,
                     f"sum of the 2021 districts it replaced in April 2023: {named}"])

    children = defaultdict(list)
    for r in loc.values():
        if r["parent_id"]:
            children[r["parent_id"]].append(r["id"])

    def councils(i: str) -> list[str]:
        out = []
        for c in children[i]:
            out += councils(c) if loc[c]["level"] in AREA_LEVELS else [c]
        return out

    for i, r in sorted(loc.items()):
        if i[0] not in "EW" or r["level"] not in AREA_LEVELS or r.get("status") == "abolished" or i in value:
            continue
        inside = [c for c in councils(i) if c in value]
        if not inside:
            continue
        total = sum(value[c] for c in inside)
        rows.append([i, "born_in_china", total, 2021, SOURCE, 1,
                     f"sum over the {len(inside)} councils inside it: "
                     + ", ".join(f"{loc[c]['name']} {value[c]}" for c in inside)])
    # The file's England and Wales total (K04000001) must equal the sum of its councils.
    ew = int(quiz["K04000001"]["birth_country_China_total"])
    councils_sum = sum(int(r["birth_country_China_total"]) for c, r in quiz.items()
                       if c[0] in "EW" and c[:3] not in ("E92", "W92"))
    assert ew == councils_sum, (ew, councils_sum)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "indicator", "value", "year", "source", "estimate", "note"])
        w.writerows(rows)
    print(f"{len(rows)} rows; England and Wales total {ew} = sum of councils")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/data_work/censusquiz_v9.csv")
