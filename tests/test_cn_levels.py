"""China below the prefecture: county-level cities (县级市) and districts (市辖区) load, validate and resolve."""

import pytest

from features.sources import DataError, load_tables
from matcher.paths import RAW_DIR


def _cn_file(root):
    (path,) = [p for p in root.rglob("*.csv") if "localities_cn" in str(p.relative_to(root))]
    return path


def _append(path, line):
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + line + "\n", encoding="utf-8")


def test_county_city_under_a_prefecture_loads(fixture_copy):
    _append(_cn_file(fixture_copy), "210381,Haicheng,海城市,Haicheng,county_city,210300,40.85,122.75,"
                                    "synthetic fixture,synthetic fixture")
    loc = load_tables(fixture_copy).localities.set_index("id")
    assert loc.loc["210381", "level"] == "county_city" and loc.loc["210381", "parent_id"] == "210300"


def test_county_city_under_a_county_city_is_refused(fixture_copy):
    path = _cn_file(fixture_copy)
    _append(path, "210381,Haicheng,海城市,Haicheng,county_city,210300,40.85,122.75,synthetic fixture,synthetic fixture")
    _append(path, "210382,Nowhere,无处市,Wuchu,county_city,210381,40.8,122.7,synthetic fixture,synthetic fixture")
    with pytest.raises(DataError) as exc:
        load_tables(fixture_copy)
    (p,) = exc.value.problems
    assert p.column == "parent_id" and "210381" in p.message


def test_unknown_cn_level_is_refused(fixture_copy):
    _append(_cn_file(fixture_copy), "210381,Haicheng,海城市,Haicheng,county,210300,40.85,122.75,"
                                    "synthetic fixture,synthetic fixture")
    with pytest.raises(DataError) as exc:
        load_tables(fixture_copy)
    assert [p.column for p in exc.value.problems] == ["level"]


@pytest.fixture(scope="module")
def shipped():
    return load_tables(RAW_DIR)


def test_shipped_cn_rows_cover_every_county_level_city(shipped):
    cn = shipped["localities_cn"].set_index("id")
    assert len(cn) >= 700
    assert (cn["level"] == "county_city").sum() >= 394  # GB/T 2260: 394 in 2022, 397 by mid-2023
    # The cities with UK links sit under their prefecture; Fengtai under Beijing.
    assert cn.loc["320585", ["name_zh", "level", "parent_id"]].tolist() == ["太仓市", "county_city", "320500"]
    assert cn.loc["350582", ["name_zh", "level", "parent_id"]].tolist() == ["晋江市", "county_city", "350500"]
    assert cn.loc["320583", ["name_zh", "level", "parent_id"]].tolist() == ["昆山市", "county_city", "320500"]
    assert cn.loc["110106", ["name_zh", "level", "parent_id"]].tolist() == ["丰台区", "district", "110000"]
    # Directly administered county-level cities (省直辖) hang under the province.
    assert cn.loc["429004", "parent_id"] == "420000"


def test_shipped_romanisations(shipped):
    cn = shipped["localities_cn"].set_index("id")
    assert cn.loc["411100", "name_pinyin"] == "Luohe"      # 漯 is luò here, not tà
    assert cn.loc["540300", "name_pinyin"] == "Changdu"
    assert cn.loc["654300", "name_pinyin"] == "Aletai"
    assert cn.loc["152500", "name_pinyin"] == "Xilinguole"
    assert cn.loc["520200", "name_en"] == "Liupanshui"
    assert cn.loc["430500", "name_en"] == "Shaoyang"       # not GeoNames' "Shaoyang County"
    assert cn.loc["341181", "name_pinyin"] == "Tianchang"  # 长 is cháng here


@pytest.fixture(scope="module")
def resolver(shipped):
    from features.resolve import Resolver

    return Resolver(shipped.localities)


@pytest.mark.parametrize(("typed", "expected"), [
    ("Taicang", "320585"), ("Jinjiang", "350582"), ("Kunshan", "320583"), ("昆山", "320583"),
    ("Fengtai", "110106"), ("Fuzhou, Jiangxi", "361000"), ("Fuzhou, Fujian", "350100"),
    ("Fuzhou (Jiangxi)", "361000"), ("江西抚州", "361000"), ("Taizhou, Zhejiang", "331000"),
    ("Suzhou, Anhui", "341300"), ("Yichun, Heilongjiang", "230700"), ("Yulin, Guangxi", "450900"),
    ("Jilin, Jilin", "220200"), ("Luohe", "411100"), ("Liupanshui", "520200"), ("Changdu", "540300"),
])
def test_shipped_names_resolve(resolver, typed, expected):
    assert resolver.resolve(typed) == expected


@pytest.mark.parametrize(("typed", "ids"), [
    ("Fuzhou", {"350100", "361000"}), ("Taizhou", {"321200", "331000"}), ("Suzhou", {"320500", "341300"}),
    ("Yichun", {"230700", "360900"}), ("Yulin", {"450900", "610800"}), ("Jilin", {"220000", "220200"}),
])
def test_shared_names_ask_with_qualified_candidates(resolver, typed, ids):
    from features.resolve import AmbiguousLocality

    with pytest.raises(AmbiguousLocality) as e:
        resolver.resolve(typed)
    assert {c["id"] for c in e.value.candidates} == ids
    for c in e.value.candidates:  # each candidate's qualified name picks it out
        if "qualified" in c:
            assert resolver.resolve(c["qualified"]) == c["id"]


def test_prefecture_level_figures_are_near_complete(shipped):
    """Issue 12's target: population and GDP under 5% missing for prefecture-level units; HEI counts for all."""
    from features.frame import locality_frame

    f = locality_frame(shipped)
    pref = f[f["level"].isin(["sub_provincial_city", "prefecture_city", "prefecture"])]
    assert len(pref) == 333
    assert pref["population"].isna().mean() < 0.05
    assert pref["gdp_local_m"].isna().mean() < 0.05
    assert pref["hei_count"].notna().all()
    county = f[f["level"] == "county_city"]
    assert county["population"].isna().mean() < 0.02  # only the XPCC cities founded after the census
    assert f.set_index("id").loc["320583", "population"] == 2092496  # Kunshan, NBS county tabulation
