"""foreign_partners: each Chinese locality's number of foreign twin/sister localities outside the UK, counted from
the whole list of twin-city pairs scraped from the encyclopedia's "List of twin towns and sister cities in ..."
pages (github.com/Hekman/twincities, twin_cities_raw.csv, MIT, scraped Feb 2026; undated, so it looks ahead).

Chinese names are matched to GB/T 2260 codes with the project's resolver (features.resolve.Resolver over
localities_cn.csv). A name written as a district of a city ("Haidian (Beijing)", "Hangzhou – Xiaoshan") counts
only for that district when it is a locality of ours, never for the parent city. Partners in the UK (England,
Scotland, Wales, Northern Ireland, United Kingdom), in China and in Taiwan are left out; a partner listed on
two pages (once each way) counts once. Every CN locality with no pair in the list gets 0 (the list names none
for it), except places a shared name in the list may mean (plain "Fuzhou", "Suzhou", "Taizhou", ...: left
missing, since the list does not say which). Prints the unmatched names.

    git --git-dir=<mirror of Hekman/twincities> show 84ebdec:twin_cities_raw.csv > /tmp/data_work/twin_cities_raw.csv
    python data/scripts/cn_foreign_partners.py /tmp/data_work/twin_cities_raw.csv
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from features.resolve import AmbiguousLocality, Resolver, UnknownLocality, fold  # noqa: E402

RAW = Path(__file__).resolve().parents[1] / "raw"
OUT = RAW / "indicators" / "cn_foreign_partners_twincities2026.csv"
COMMIT = "84ebdec26ee6878367953cfbc56311ae6452752b"
SOURCE = ("Wikipedia: List of twin towns and sister cities in China (and the other countries' lists), as scraped "
          f"Feb 2026 in github.com/Hekman/twincities twin_cities_raw.csv (MIT, commit {COMMIT[:7]})")
NOTE = "undated list, scraped Feb 2026; partners outside the UK only; looks ahead of any past snapshot"
# English exonyms the list uses where our names are pinyin or longer, and a qualifier that settles a shared name.
EXONYMS = {"Karamay": "Kelamayi", "Ulanqab": "Wulanchabu", "Dali Bai": "Dali Bai Autonomous Prefecture",
           "Qiannan Buyei and Miao": "Qiannan Buyei and Miao Autonomous Prefecture", "Jilin City": "220200"}
LEFT_OUT = {"China", "Taiwan", "England", "Scotland", "Wales", "Northern Ireland", "United Kingdom"}


def uk_or_left_out(country: str) -> bool:
    return any(part.strip() in LEFT_OUT for part in country.split("\n"))


def clean(name: str) -> tuple[str, bool]:
    """The name to resolve, and whether it names a district (part of a city) rather than the city."""
    district = bool(re.search(r"\(.+\)$", name) or " – " in name)
    if " – " in name:
        name = name.split(" – ", 1)[1]
    if name in EXONYMS:
        return EXONYMS[name], False
    name = re.sub(r"\s*\(.+\)$", "", name)
    name = re.sub(r" (City|Province|Zhuang Autonomous Region)$", "", name)
    return name.strip(), district


def main(path: str) -> None:
    cn = list(csv.DictReader((RAW / "localities_cn.csv").open(encoding="utf-8")))
    resolver = Resolver([{"id": r["id"], "name": r["name_en"], "name_zh": r["name_zh"],
                          "name_pinyin": r["name_pinyin"], "country": "CN", "level": r["level"]} for r in cn])
    level = {r["id"]: r["level"] for r in cn}
    partners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    unmatched: dict[str, list[str]] = defaultdict(list)
    ambiguous: set[str] = set()  # places a shared name may mean: no 0 for them, the list may name them
    pairs = 0
    for row in csv.DictReader(open(path, encoding="utf-8")):
        for a, ca, b, cb in ((row["city1"], row["country1"], row["city2"], row["country2"]),
                             (row["city2"], row["country2"], row["city1"], row["country1"])):
            if ca != "China" or uk_or_left_out(cb):
                continue
            pairs += 1
            name, district = clean(a)
            try:
                i = resolver.resolve(name)
            except UnknownLocality:
                unmatched["unknown name" if not district else "district not in localities_cn"].append(a)
                continue
            except AmbiguousLocality as e:
                unmatched["ambiguous name"].append(a)
                ambiguous.update(c["id"] for c in e.candidates)
                continue
            if district and level[i] != "district":
                unmatched["district not in localities_cn"].append(a)
                continue
            partners[i].add((fold(b), cb.split("\n")[0].strip()))
    rows = []
    for r in cn:
        n = len(partners.get(r["id"], ()))
        if not n and r["id"] in ambiguous:
            continue
        note = NOTE if n else NOTE + "; the list names no partner for this place"
        rows.append([r["id"], "foreign_partners", n, 2026, SOURCE, 0, note])
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "indicator", "value", "year", "source", "estimate", "note"])
        w.writerows(rows)
    names = {k: sorted(set(v)) for k, v in unmatched.items()}
    print(f"{pairs} non-UK pairs with a Chinese side; {len(partners)} localities matched with >=1 partner; "
          f"{len(rows)} rows written")
    for k, v in names.items():
        print(f"unmatched ({k}): {len(v)} names, {len(unmatched[k])} pairs: {', '.join(v)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/data_work/twin_cities_raw.csv")
