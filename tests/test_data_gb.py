"""The shipped UK data: every principal council on current boundaries, parents, one population basis."""

import pandas as pd
import pytest

from features.resolve import Resolver
from features.sources import DataError, load_tables
from matcher.paths import RAW_DIR


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
    gva = ind[(ind["indicator"] == "gdp_local_m") & ind["id"].isin(gb_ids)].set_index("id")
    assert gva.loc["E08000019", "value"] == 15727 and gva.loc["E08000019", "estimate"] == 0  # ONS LA table, 2022
    assert gva.loc["E47000002", "estimate"] == 1                                               # summed, says so
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


@pytest.mark.parametrize("former, successor", [("Northampton", "E06000062"), ("Harrogate", "E06000065"),
                                               ("Carlisle", "E06000063"), ("Barrow-in-Furness", "E06000064"),
                                               ("Taunton", None), ("Somerset West and Taunton", "E06000066"),
                                               ("Poole", "E06000058"), ("Wycombe", "E06000060"),
                                               ("Waveney", "E07000244")])
def test_former_council_names_find_the_successor(shipped, former, successor):
    fc = shipped["former_councils"]
    resolver = Resolver(shipped.localities, former=dict(zip(fc["former_name"], fc["successor_id"], strict=True)))
    if successor is None:  # a town that was never a council's name is not invented
        with pytest.raises(LookupError):
            resolver.resolve(former)
    else:
        assert resolver.resolve(former) == successor


def test_built_resolver_knows_former_councils(bundle):
    assert bundle.resolver.resolve("Oldtown") == "E06000903"   # fixtures/former_councils.csv


def test_former_name_never_outranks_a_current_name(tables):
    resolver = Resolver(tables.localities, former={"Steelton": "E06000903", "Oldtown": "E06000903"})
    assert resolver.resolve("Steelton") == "E08000901"
    assert resolver.resolve("oldtown") == "E06000903"


def test_former_council_checks(fixture_copy):
    path = fixture_copy / "former_councils.csv"
    path.write_text("former_id,former_name,successor_id,until,source\n"
                    "E08000901,Steelton,E06000903,2021,synthetic\n"
                    "E07000998,Gone,E06000999,2021,synthetic\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_tables(fixture_copy)
    found = {(p.line, p.column) for p in exc.value.problems}
    assert found == {(2, "former_id"), (3, "successor_id")}
