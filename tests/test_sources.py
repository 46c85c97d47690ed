"""Validation: shipped data passes; each kind of corruption fails naming file, line and column."""

import pytest

from features.sources import DataError, load_tables
from matcher.paths import RAW_DIR


def test_fixtures_load(tables):
    assert len(tables["localities_gb"]) == 5
    assert set(tables.localities["country"]) == {"GB", "CN"}


def test_shipped_data_is_valid_and_meets_counts():
    t = load_tables(RAW_DIR)
    assert len(t["localities_gb"]) >= 100
    assert len(t["localities_cn"]) >= 150
    assert (t["localities_cn"]["level"].isin(["province", "municipality"])).sum() == 31
    assert t["localities_cn"]["name_zh"].notna().all()


def _problems(path):
    with pytest.raises(DataError) as exc:
        load_tables(path)
    return exc.value.problems


def _edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_bad_number_names_file_line_column(fixture_copy):
    _edit(fixture_copy / "indicators_fixture.csv", "E08000902,population,480000", "E08000902,population,lots")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("indicators_fixture.csv") and p.line == 4 and p.column == "value"
    assert "lots" in p.message


def test_out_of_vocabulary_value(fixture_copy):
    _edit(fixture_copy / "industry_fixture.csv", "210200,ports_maritime,3", "210200,ports_maritime,7")
    (p,) = _problems(fixture_copy)
    assert (p.line, p.column) == (12, "strength")


def test_missing_source_is_an_error(fixture_copy):
    _edit(fixture_copy / "partnerships.csv", "1999,active,synthetic fixture", "1999,active,")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("partnerships.csv") and p.column == "source" and p.line == 4


def test_unknown_id_in_link_table(fixture_copy):
    _edit(fixture_copy / "partnerships.csv", "E06000903,330200", "E06000903,330299")
    (p,) = _problems(fixture_copy)
    assert p.column == "cn_id" and "330299" in p.message


def test_duplicate_id(fixture_copy):
    path = fixture_copy / "localities_cn.csv"
    path.write_text(path.read_text(encoding="utf-8") + path.read_text(encoding="utf-8").splitlines()[2] + "\n",
                    encoding="utf-8")
    (p,) = _problems(fixture_copy)
    assert "duplicate" in p.message and p.line == 10


def test_not_utf8(fixture_copy):
    (fixture_copy / "fx.csv").write_bytes("currency,per_gbp,year,source\nCNY,8.8,2020,caf\xe9\n".encode("latin-1"))
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("fx.csv") and "UTF-8" in p.message


def test_estimate_needs_a_method(fixture_copy):
    _edit(fixture_copy / "indicators_fixture.csv", "1,sum of two made-up parts", "1,")
    (p,) = _problems(fixture_copy)
    assert p.column == "note"
