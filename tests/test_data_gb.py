"""The shipped UK data: every principal council on current boundaries, parents, one population basis."""

import pandas as pd
import pytest

from features.sources import DataError, load_tables
from matcher.paths import RAW_DIR
from matcher.resolve import Resolver


@pytest.fixture(scope="module")
def shipped():
    return load_tables(RAW_DIR)


def test_every_uk_principal_council(shipped):
    gb = shipped["localities_gb"]
    assert len(gb) >= 400
    england = gb[gb["id"].str.startswith("E") & gb["level"].isin(
        ["county", "unitary", "metropolitan_district", "london_borough", "non_metropolitan_district"])]
    assert len(england) == 317
    counts = gb["level"].value_counts()
    assert (counts["welsh_principal_area"], counts["scottish_council"], counts["ni_district"]) == (22, 32, 11)
    # the 2023 unitaries replace their districts: no abolished district survives
    assert {"E06000063", "E06000064", "E06000065", "E06000066", "E06000061", "E06000062"} <= set(gb["id"])
    assert not gb["id"].isin(["E07000026", "E07000163", "E07000187", "E10000006", "E10000023"]).any()


@pytest.mark.parametrize("name, gss", [("Stratford-on-Avon", "E07000221"), ("Chesterfield", "E07000034"),
                                       ("Havant", "E07000090"), ("Perth and Kinross", "S12000048"),
                                       ("West Northamptonshire", "E06000062")])
def test_councils_resolve_by_name(shipped, name, gss):
    assert Resolver(shipped.localities).resolve(name) == gss


def test_parents_follow_the_tiers(shipped):
    gb = shipped["localities_gb"].set_index("id")
    level = gb["level"]
    parent_level = gb["parent_id"].map(level)
    districts = level == "non_metropolitan_district"
    assert (parent_level[districts] == "county").all()
    assert (gb.loc[level == "london_borough", "parent_id"] == "E12000007").all()
    assert gb.loc["E08000019", "parent_id"] == "E47000002"   # Sheffield -> South Yorkshire
    assert gb.loc["E07000121", "parent_id"] == "E10000017"   # Lancaster -> Lancashire
    assert gb.loc["E10000017", "parent_id"] == "E47000018"   # Lancashire -> Lancashire CCA
    assert gb.loc["E08000021", "parent_id"] == "E47000014"   # Newcastle -> North East, not abolished North of Tyne
    assert gb.loc["S12000048", "parent_id"] == "S92000003"
    abolished = gb.index[gb["status"] == "abolished"]
    assert list(abolished) == ["E47000011"]
    assert not gb["parent_id"].isin(abolished).any()


def test_uk_population_and_gdp_one_basis(shipped):
    ind = shipped["indicators"]
    gb_ids = set(shipped["localities_gb"]["id"])
    for name in ("population", "gdp_local_m"):
        rows = ind[(ind["indicator"] == name) & ind["id"].isin(gb_ids)]
        assert set(rows["id"]) == gb_ids, name                 # every UK row has one
        assert not rows["id"].duplicated().any(), name          # exactly one: no other basis to pick from
        assert set(rows["year"]) == {2022}, name
        assert rows["source"].nunique() == 1, name
    pop = ind[(ind["indicator"] == "population")].set_index("id")["value"]
    assert pop["E08000019"] == 566242 and pop["N09000003"] == 348005  # ONS mid-2022 (Sheffield, Belfast)
    # a combined authority is the sum of its councils, and says so
    sy = ind[(ind["id"] == "E47000002") & (ind["indicator"] == "population")].iloc[0]
    assert sy["estimate"] == 1 and "Sheffield" in sy["note"]
    assert sy["value"] == sum(pop[i] for i in ["E08000016", "E08000017", "E08000018", "E08000019"])


def test_abolished_status_is_checked(fixture_copy):
    path = fixture_copy / "localities_gb.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["status"] = ""
    df["until"] = ""
    df.loc[1, "status"] = "gone"
    df.to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        load_tables(fixture_copy)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (3, "status") and "gone" in p.message
