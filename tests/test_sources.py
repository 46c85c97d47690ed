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
    _edit(fixture_copy / "indicators" / "synthetic.csv", "E08000902,population,480000", "E08000902,population,lots")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("indicators/synthetic.csv") and p.line == 4 and p.column == "value"
    assert "lots" in p.message


def test_out_of_vocabulary_value(fixture_copy):
    _edit(fixture_copy / "industry" / "synthetic.csv", "210200,ports_maritime,3", "210200,ports_maritime,7")
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
    first, second = _problems(fixture_copy)
    assert (first.line, second.line) == (3, 10)
    assert "duplicate" in first.message and "localities_cn.csv, line 10" in first.message
    assert "localities_cn.csv, line 3" in second.message


def test_not_utf8(fixture_copy):
    (fixture_copy / "fx.csv").write_bytes("currency,per_gbp,year,source\nCNY,8.8,2020,caf\xe9\n".encode("latin-1"))
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("fx.csv") and "UTF-8" in p.message


def test_estimate_needs_a_method(fixture_copy):
    _edit(fixture_copy / "indicators" / "synthetic.csv", "1,sum of two made-up parts", "1,")
    (p,) = _problems(fixture_copy)
    assert p.column == "note"


def _append_row(path, row):
    """A new file holding the header of `path` and one row copied from it (the `row`-th data row)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0] + "\n" + lines[row] + "\n"


def test_same_key_in_two_files_names_both(fixture_copy):
    """Two sources giving the same id+indicator+year: an error at both rows, whichever file is read first."""
    src = fixture_copy / "indicators" / "synthetic.csv"
    line = src.read_text(encoding="utf-8").splitlines()[3]  # E08000902 population, CSV line 4
    for name in ("aaa_second_source.csv", "zzz_second_source.csv"):
        extra = fixture_copy / "indicators" / name
        extra.write_text(_append_row(src, 3), encoding="utf-8")
        problems = _problems(fixture_copy)
        assert {(p.file.split("/")[-1], p.line) for p in problems} == {("synthetic.csv", 4), (name, 2)}
        by_file = {p.file.split("/")[-1]: p for p in problems}
        assert f"indicators/{name}, line 2" in by_file["synthetic.csv"].message
        assert "indicators/synthetic.csv, line 4" in by_file[name].message
        assert line.split(",")[0] in by_file[name].message
        extra.unlink()


def test_different_years_in_two_files_are_allowed_and_latest_is_used(fixture_copy):
    """The documented rule among different years: the latest year is used, whichever file it is in."""
    from features.frame import locality_frame

    src = fixture_copy / "indicators" / "synthetic.csv"
    header = src.read_text(encoding="utf-8").splitlines()[0]
    base = locality_frame(load_tables(fixture_copy)).set_index("id")
    year = int(base.loc["E08000902", "population__year"])
    for name in ("aaa_newer.csv", "zzz_newer.csv"):
        extra = fixture_copy / "indicators" / name
        extra.write_text(header + f"\nE08000902,population,123456,{year + 1},synthetic newer source,0,\n",
                         encoding="utf-8")
        frame = locality_frame(load_tables(fixture_copy)).set_index("id")
        assert frame.loc["E08000902", "population"] == 123456
        assert frame.loc["E08000902", "population__year"] == year + 1
        extra.unlink()


def test_file_outside_the_layout_is_an_error(fixture_copy):
    """Rows in a file no table reads (e.g. the old flat name indicators_x.csv) must not vanish silently."""
    stray = fixture_copy / "indicators_extra.csv"
    stray.write_text((fixture_copy / "indicators" / "synthetic.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("indicators_extra.csv") and "belongs to no table" in p.message


def test_status_needs_dated_evidence(fixture_copy):
    _edit(fixture_copy / "partnerships.csv", "1999,active,synthetic fixture,,2023,synthetic fixture",
          "1999,active,synthetic fixture,,,")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("partnerships.csv") and p.line == 4 and p.column == "status_year"


def test_unknown_status_with_dated_evidence_is_a_contradiction(fixture_copy):
    _edit(fixture_copy / "partnerships.csv", "1999,active,synthetic fixture", "1999,unknown,synthetic fixture")
    (p,) = _problems(fixture_copy)
    assert p.line == 4 and p.column == "status" and "unknown" in p.message


def test_unknown_status_needs_no_evidence(fixture_copy):
    _edit(fixture_copy / "partnerships.csv", "1999,active,synthetic fixture,,2023,synthetic fixture",
          "1999,unknown,synthetic fixture,,,")
    assert len(load_tables(fixture_copy)["partnerships"]) == 5


def test_closed_industry_row_needs_its_end_year(fixture_copy):
    path = fixture_copy / "industry" / "synthetic.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text = [text[0] + ",status,until"] + [line + ",," for line in text[1:]]
    text[1] = text[1][:-2] + ",closed,"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    (p,) = _problems(fixture_copy)
    assert p.file.endswith("industry/synthetic.csv") and p.line == 2 and p.column == "until"
    path.write_text("\n".join(text).replace(",closed,", ",closed,2024", 1) + "\n", encoding="utf-8")
    t = load_tables(fixture_copy)
    assert t["industry_closed"]["until"].tolist() == [2024]
    assert (t["industry"]["status"] == "current").all() and len(t["industry"]) == len(text) - 2


def test_closed_row_and_its_successor_share_a_sector(fixture_copy):
    """A plant that closed and what replaced it: two rows for one locality and sector, one of them closed."""
    path = fixture_copy / "industry" / "synthetic.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[1]
    lines = [lines[0] + ",status,until", first + ",closed,2020"] + [line + ",," for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = load_tables(fixture_copy)
    key = tuple(first.split(",")[:2])
    assert len(t["industry_closed"]) == 1 and tuple(t["industry_closed"].iloc[0][["id", "sector"]]) == key
    assert (t["industry"][["id", "sector"]].apply(tuple, axis=1) == key).sum() == 1
    path.write_text("\n".join(lines).replace(",closed,2020", ",,", 1) + "\n", encoding="utf-8")
    dup = [p for p in _problems(fixture_copy) if "duplicate" in p.message]
    assert {(p.file.split("/")[-1], p.line) for p in dup} == {("synthetic.csv", 2), ("synthetic.csv", 3)}


def test_optional_columns_exist_when_no_file_has_them(tables):
    assert {"status", "until"} <= set(tables["industry"].columns)
    assert {"status_year", "status_source"} <= set(tables["partnerships"].columns)


def test_industry_row_older_than_the_current_cut_is_history_not_fit(fixture_copy):
    """A row dated before INDUSTRY_CURRENT_FROM leaves the fit (its sector reads 0 for a place with other rows)
    and stays available, dated, as history; a row of that year or later stays current."""
    from features.frame import locality_frame
    from matcher.config import INDUSTRY_CURRENT_FROM

    path = fixture_copy / "industry" / "synthetic.csv"
    old = "made-up special steels works,synthetic fixture,2023"
    _edit(path, old, old.replace("2023", str(INDUSTRY_CURRENT_FROM - 1)))
    t = load_tables(fixture_copy)
    hist = t["industry_historic"]
    assert hist[["id", "sector", "year"]].values.tolist() == [["E08000901", "steel_metals", INDUSTRY_CURRENT_FROM - 1]]
    assert not ((t["industry"]["id"] == "E08000901") & (t["industry"]["sector"] == "steel_metals")).any()
    row = locality_frame(t).set_index("id").loc["E08000901"]
    assert row["sector__steel_metals"] == 0.0 and row["sector__machinery"] == 2.0
    _edit(path, old.replace("2023", str(INDUSTRY_CURRENT_FROM - 1)), old.replace("2023", str(INDUSTRY_CURRENT_FROM)))
    t = load_tables(fixture_copy)
    assert t["industry_historic"].empty and (t["industry"]["sector"] == "steel_metals").any()
