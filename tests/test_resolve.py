"""Place names as officers type them resolve to one id; near misses get suggestions, shared names candidates."""

import pandas as pd
import pytest

from features.resolve import AmbiguousLocality, Resolver, UnknownLocality

ROWS = [
    ("S12000049", "Glasgow City", None, None, "GB", "scottish_council"),
    ("S12000033", "Aberdeen City", None, None, "GB", "scottish_council"),
    ("S12000034", "Aberdeenshire", None, None, "GB", "scottish_council"),
    ("E06000023", "Bristol, City of", None, None, "GB", "unitary"),
    ("E08000003", "Manchester", None, None, "GB", "metropolitan_district"),
    ("E47000001", "Greater Manchester", None, None, "GB", "combined_authority"),
    ("E12000007", "Greater London", None, None, "GB", "region"),
    ("E09000001", "City of London", None, None, "GB", "london_borough"),
    ("E06000019", "Herefordshire, County of", None, None, "GB", "unitary"),
    ("S12000036", "City of Edinburgh", None, None, "GB", "scottish_council"),
    ("E08000021", "Newcastle upon Tyne", None, None, "GB", "metropolitan_district"),
    ("E07000195", "Newcastle-under-Lyme", None, None, "GB", "non_metropolitan_district"),
    ("E06000010", "Kingston upon Hull, City of", None, None, "GB", "unitary"),
    ("E09000021", "Kingston upon Thames", None, None, "GB", "london_borough"),
    ("140000", "Shanxi", "山西省", "Shanxi", "CN", "province"),
    ("610000", "Shaanxi", "陕西省", "Shaanxi", "CN", "province"),
    ("610100", "Xi'an", "西安市", "Xi'an", "CN", "sub_provincial_city"),
    ("331000", "Taizhou", "台州市", "Taizhou", "CN", "prefecture_city"),
    ("321200", "Taizhou", "泰州市", "Taizhou", "CN", "prefecture_city"),
]


@pytest.fixture(scope="module")
def resolver():
    return Resolver(pd.DataFrame(ROWS, columns=["id", "name", "name_zh", "name_pinyin", "country", "level"]))


@pytest.mark.parametrize(("typed", "expected"), [
    ("Glasgow", "S12000049"), ("glasgow city", "S12000049"), ("Aberdeen", "S12000033"),
    ("Aberdeenshire", "S12000034"), ("Bristol", "E06000023"), ("City of Bristol", "E06000023"),
    ("Herefordshire", "E06000019"), ("Edinburgh", "S12000036"), ("xian", "610100"), ("XI AN", "610100"),
    ("西安", "610100"), ("西安市", "610100"), ("Shanxi", "140000"), ("Shaanxi", "610000"), ("陕西", "610000"),
    ("台州", "331000"), ("E06000023", "E06000023"), ("Manchester", "E08000003"),
    ("Greater Manchester", "E47000001"), ("Newcastle", "E08000021"), ("Newcastle-under-Lyme", "E07000195"),
    ("Hull", "E06000010"), ("Kingston upon Hull", "E06000010"), ("Kingston upon Thames", "E09000021"),
])
def test_typed_names_resolve(resolver, typed, expected):
    assert resolver.resolve(typed) == expected


def test_london_is_ambiguous_not_the_city(resolver):
    """"London" is Greater London's short form and the City of London's: ask, never pick the square mile."""
    with pytest.raises(AmbiguousLocality) as e:
        resolver.resolve("London")
    assert {c["id"] for c in e.value.candidates} == {"E12000007", "E09000001"}


def test_shared_name_lists_both(resolver):
    with pytest.raises(AmbiguousLocality) as e:
        resolver.resolve("Taizhou")
    assert {c["id"] for c in e.value.candidates} == {"331000", "321200"}


def test_near_miss_suggests(resolver):
    with pytest.raises(UnknownLocality) as e:
        resolver.resolve("Glasgo")
    assert e.value.suggestions[0]["id"] == "S12000049"


def _resolver(rows: list[tuple]) -> Resolver:
    """A resolver over a few hand-made rows (id, name, name_zh, name_pinyin, country, level)."""
    return Resolver(pd.DataFrame(rows, columns=["id", "name", "name_zh", "name_pinyin", "country", "level"]))


def test_shared_name_resolves_with_its_province():
    """'Fuzhou' asks; 'Fuzhou, Jiangxi' (or '江西抚州') picks the Jiangxi city; candidates say how to pick."""
    rows = [("350000", "Fujian", "福建省", "Fujian", "CN", "province"),
            ("360000", "Jiangxi", "江西省", "Jiangxi", "CN", "province"),
            ("350100", "Fuzhou", "福州市", "Fuzhou", "CN", "prefecture_city"),
            ("361000", "Fuzhou", "抚州市", "Fuzhou", "CN", "prefecture_city"),
            ("350582", "Jinjiang", "晋江市", "Jinjiang", "CN", "county_city")]
    r = _resolver(rows)
    with pytest.raises(AmbiguousLocality) as e:
        r.resolve("Fuzhou")
    assert {c["qualified"] for c in e.value.candidates} == {"Fuzhou, Fujian", "Fuzhou, Jiangxi"}
    assert "Fuzhou, Jiangxi (361000" in str(e.value)
    assert r.resolve("Fuzhou, Jiangxi") == "361000" == r.resolve("jiangxi fuzhou") == r.resolve("江西抚州")
    assert r.resolve("Fuzhou, Fujian") == "350100"
    assert r.resolve("Jinjiang") == r.resolve("Jinjiang, Fujian") == "350582"
    with pytest.raises(UnknownLocality):
        r.resolve("Fuzhou, Zhejiang")


def test_shared_names_are_described_with_their_province():
    rows = [("320000", "Jiangsu", "江苏省", "Jiangsu", "CN", "province"),
            ("340000", "Anhui", "安徽省", "Anhui", "CN", "province"),
            ("320500", "Suzhou", "苏州市", "Suzhou", "CN", "prefecture_city"),
            ("341300", "Suzhou", "宿州市", "Suzhou", "CN", "prefecture_city"),
            ("320100", "Nanjing", "南京市", "Nanjing", "CN", "sub_provincial_city")]
    r = _resolver(rows)
    assert r.describe("320500")["qualified"] == "Suzhou, Jiangsu"
    assert r.describe("341300")["qualified"] == "Suzhou, Anhui"
    assert "qualified" not in r.describe("320100")  # a name nobody else has needs no province
    assert r.describe("341300")["name"] == "Suzhou"
