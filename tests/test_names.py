"""Chinese and Welsh names of UK localities: sourced, validated, resolved as queries, served."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.resolve import Resolver
from features.sources import DataError, load_tables
from matcher.paths import RAW_DIR
from service.app import create_app
from service.core.config import Settings


@pytest.fixture(scope="module")
def shipped():
    return load_tables(RAW_DIR)


@pytest.fixture(scope="module")
def resolver(shipped):
    return Resolver(shipped.localities)


def test_names_carry_their_sources(shipped):
    gb = shipped["localities_gb"]
    named = gb[gb["name_zh"].notna()]
    assert len(named) >= 240  # of 403: see data/README.md for the sources and what is missing
    assert named["name_zh_source"].notna().all()
    assert gb.set_index("id").at["E08000019", "name_zh"] == "谢菲尔德"
    welsh = gb[gb["id"].str.startswith("W")]
    assert len(welsh) == 23 and welsh["name_cy"].notna().all() and welsh["name_cy_source"].notna().all()
    cy = welsh.set_index("id")["name_cy"]
    assert (cy["W06000015"], cy["W06000011"], cy["W06000022"], cy["W92000004"]) == (
        "Caerdydd", "Abertawe", "Casnewydd", "Cymru")
    assert welsh["name_cy_source"].str.contains("ONS|ISO 3166-2").all()


@pytest.mark.parametrize("typed, gss", [("谢菲尔德", "E08000019"), ("Caerdydd", "W06000015"),
                                        ("Abertawe", "W06000011"), ("Casnewydd", "W06000022"),
                                        ("Ynys Môn", "W06000001"), ("ynys mon", "W06000001"),
                                        ("Bro Morgannwg", "W06000014"), ("Cymru", "W92000004"),
                                        ("加的夫", "W06000015"), ("牛津", "E07000178"), ("Sheffield", "E08000019")])
def test_chinese_and_welsh_names_resolve(resolver, typed, gss):
    assert resolver.resolve(typed) == gss


def test_every_chinese_name_of_a_uk_place_picks_it_out(resolver, shipped):
    gb = shipped["localities_gb"]
    for i, zh in gb.loc[gb["name_zh"].notna(), ["id", "name_zh"]].itertuples(index=False):
        assert resolver.resolve(zh) == i, zh


def test_chinese_places_still_resolve_in_pinyin_and_chinese(resolver):
    for typed, i in [("成都", "510100"), ("chengdu", "510100"), ("鞍山", "210300"), ("anshan", "210300")]:
        assert resolver.resolve(typed) == i


def test_descriptions_carry_welsh_names(resolver):
    assert resolver.describe("W06000015")["name_cy"] == "Caerdydd"
    assert "name_cy" not in resolver.describe("E08000019")
    assert resolver.describe("E08000019")["name_zh"] == "谢菲尔德"


def test_a_name_without_its_source_is_an_error(fixture_copy):
    path = fixture_copy / "localities_gb.csv"
    gb = pd.read_csv(path, dtype=str, keep_default_na=False)
    gb.loc[gb["id"] == "E08000901", "name_zh_source"] = ""
    gb.to_csv(path, index=False)
    with pytest.raises(DataError, match="name_zh '测试钢城' needs its source"):
        load_tables(fixture_copy)
    gb.loc[gb["id"] == "E08000901", ["name_zh", "name_zh_source"]] = ["Steel Town", "a page"]
    gb.to_csv(path, index=False)
    with pytest.raises(DataError, match="name_zh"):  # a Chinese name must be written in Chinese characters
        load_tables(fixture_copy)


def test_tables_without_the_name_columns_still_load(fixture_copy):
    path = fixture_copy / "localities_gb.csv"
    gb = pd.read_csv(path, dtype=str, keep_default_na=False)
    gb.drop(columns=["name_zh", "name_zh_source", "name_cy", "name_cy_source"]).to_csv(path, index=False)
    assert load_tables(fixture_copy).localities.set_index("id").at["E08000901", "name_zh"] is None


@pytest.fixture(scope="module")
def client(fixture_client):
    return fixture_client


def test_locality_profile_has_the_names_and_their_sources(client):
    d = client.get("/v1/localities/E08000901").json()
    assert d["name_zh"] == d["locality"]["name_zh"] == "测试钢城" and d["name_zh_source"] == "synthetic fixture"
    w = client.get("/v1/localities/Porthcastell").json()  # a Welsh name resolves in the path too
    assert w["locality"]["id"] == "E08000902" and w["name_cy"] == "Porthcastell"
    r = client.get("/v1/recommendations", params={"locality": "Porthcastell", "k": 1})
    assert r.status_code == 200 and r.json()["query"]["name_cy"] == "Porthcastell"
    assert client.get("/v1/localities", params={"q": "测试钢城"}).json()[0]["id"] == "E08000901"


def test_shipped_profile_of_sheffield(shipped_bundle, tmp_path):
    with TestClient(create_app(bundle=shipped_bundle, settings=Settings(
            models_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db"))) as c:
        d = c.get("/v1/localities/E08000019").json()
        assert d["name_zh"] == "谢菲尔德" and "CLDR" in d["name_zh_source"]
        cardiff = c.get("/v1/localities/Caerdydd").json()
        assert cardiff["locality"]["id"] == "W06000015" and cardiff["name_cy"] == "Caerdydd"
        assert "ONS" in cardiff["name_cy_source"]
