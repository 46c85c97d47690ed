"""Resources and purpose in numbers (matcher.answers.resources): distance and carbon against hand-worked cases,
route direct or via a hub, the API's `resources` keys and the card's words."""

import math

import pandas as pd
import pytest

from features.sources import DataError, load_tables
from matcher.answers import resources as res

# DESNZ 2025, business travel by air, with RF (data/raw/carbon_factors.csv)
LONG_ECON, LONG_BUS, INTL_ECON, INTL_BUS = 0.11704, 0.3394, 0.10916, 0.31656


def travel(routes):
    """A hand-made travel table: a UK airport at (52, -1), Chinese airports on the 40th parallel."""
    airports = {
        "UKA": {"name": "UK A", "locality_id": "E1", "country": "GB", "lat": 52.0, "lon": -1.0},
        "UKB": {"name": "UK B", "locality_id": "E2", "country": "GB", "lat": 51.0, "lon": 0.0},
        "HUB": {"name": "Hub", "locality_id": "C1", "country": "CN", "lat": 40.0, "lon": 116.0},
        "DST": {"name": "Destination", "locality_id": "C2", "country": "CN", "lat": 40.0, "lon": 123.0},
        "FAR": {"name": "Far", "locality_id": "C3", "country": "CN", "lat": 23.0, "lon": 113.0},
    }
    factors = [{"factor_id": f"{h}-{c}", "haul": h, "cabin": c, "rf": "with_rf", "kg_per_pkm": v, "year": 2025,
                "source": "DESNZ 2025"}
               for h, c, v in [("long_haul_uk", "economy", LONG_ECON), ("long_haul_uk", "business", LONG_BUS),
                               ("international_non_uk", "economy", INTL_ECON),
                               ("international_non_uk", "business", INTL_BUS)]]
    return {"airports": airports, "missions": [], "carbon_factors": factors, "visit_costs": [],
            "routes": [{"uk": u, "cn": c, "airline": "Air", "year": 2024, "source": "report"} for u, c in routes]}


def test_haversine_against_a_hand_worked_case():
    # A quarter of a great circle: R * pi / 2 with the mean radius 6,371.0088 km.
    quarter = 6371.0088 * math.pi / 2
    assert res.haversine_km(0, 0, 0, 90) == pytest.approx(quarter, abs=1e-6)
    assert res.haversine_km(0, 0, 90, 0) == pytest.approx(quarter, abs=1e-6)
    assert res.haversine_km(0, 0, 0, 90) == pytest.approx(10007.557, abs=0.001)
    assert res.haversine_km(53.38, -1.47, 41.1, 122.99) == pytest.approx(res.haversine_km(41.1, 122.99, 53.38, -1.47))
    assert res.haversine_km(10, 20, 10, 20) == 0


def test_carbon_arithmetic_against_a_hand_worked_case():
    t = travel([])
    one = [{"km": 8000.0, "haul": "long_haul_uk"}]
    # 2 x 8,000 km x 0.11704 = 1,872.64 kg; x 0.3394 = 5,430.4 kg
    assert res.co2e_return_kg(t, one, "economy") == pytest.approx(1872.64)
    assert res.co2e_return_kg(t, one, "business") == pytest.approx(5430.4)
    two = [*one, {"km": 600.0, "haul": "international_non_uk"}]
    # 2 x (8,000 x 0.11704 + 600 x 0.10916) = 2 x (936.32 + 65.496) = 2,003.632 kg
    assert res.co2e_return_kg(t, two, "economy") == pytest.approx(2003.632)
    assert res.co2e_return_kg(t, two, "business") == pytest.approx(2 * (8000 * LONG_BUS + 600 * INTL_BUS))
    # 8,000 / 800 + 0.5 = 10.5 h; with a 600 km connection: 10.5 + 1.25 + 2 = 13.75 h
    assert res.flight_hours([8000.0]) == pytest.approx(10.5)
    assert res.flight_hours([8000.0, 600.0]) == pytest.approx(13.75)


def test_route_is_direct_when_the_route_operates():
    t = travel([("UKA", "DST"), ("UKA", "HUB")])
    r = res.plan_route(t, (52.1, -1.1), (40.1, 123.1))
    assert (r["uk_airport"], r["cn_airport"], r["hub"], r["direct"]) == ("UKA", "DST", None, True)
    assert len(r["legs"]) == 1 and r["legs"][0]["haul"] == "long_haul_uk"
    assert r["legs"][0]["km"] == pytest.approx(res.haversine_km(52, -1, 40, 123))


def test_route_connects_through_the_hub_that_makes_it_shortest():
    t = travel([("UKA", "HUB"), ("UKA", "FAR")])
    r = res.plan_route(t, (52.1, -1.1), (40.1, 123.1))
    assert (r["cn_airport"], r["hub"], r["direct"]) == ("DST", "HUB", False)
    assert [leg["haul"] for leg in r["legs"]] == ["long_haul_uk", "international_non_uk"]
    assert r["legs"][1]["km"] == pytest.approx(res.haversine_km(40, 116, 40, 123))
    assert "connecting flight to Destination (DST)" in res.route_text(t, r)


def test_uk_airport_is_the_nearest_with_a_route_flying_today():
    # UKB is nearer the place, but has no route: the nearest airport *with China routes* is UKA.
    t = travel([("UKA", "DST")])
    r = res.plan_route(t, (51.0, 0.01), (40.0, 123.0))
    assert r["uk_airport"] == "UKA" and r["direct"]


def test_a_second_airport_in_the_same_city_is_flown_to_directly():
    t = travel([("UKA", "HUB")])
    t["airports"]["HB2"] = {"name": "Hub 2", "locality_id": "C1", "country": "CN", "lat": 40.2, "lon": 116.3}
    r = res.plan_route(t, (52.0, -1.0), (40.21, 116.31))  # nearest is HB2, but HUB (30 km on) is flown to
    assert r["direct"] and r["cn_airport"] == "HUB"


def test_support_names_the_cbbc_office_in_or_near_the_chinese_place():
    """Issue 21: the support list names a China-Britain Business Council office in or near the place, from the
    data (consulates.csv kind `cbbc_office`), with its source; an office is never taken for a mission."""
    records = {
        "E1": {"name": "Uktown", "country": "GB", "lat": 52.0, "lon": -1.0, "parent_id": None},
        "C0": {"name": "Province", "country": "CN", "lat": 23.1, "lon": 113.3, "parent_id": None},
        "C1": {"name": "Capital", "country": "CN", "lat": 23.1, "lon": 113.3, "parent_id": "C0"},
        "C2": {"name": "Portcity", "country": "CN", "lat": 22.5, "lon": 114.1, "parent_id": "C0"},
        "C3": {"name": "Farcity", "country": "CN", "lat": 41.8, "lon": 123.4, "parent_id": None},
    }
    t = travel([])
    t["missions"] = [
        {"host_id": "C1", "sending_country": "GB", "kind": "consulate_general", "year": 2015, "source": "cg page"},
        {"host_id": "E1", "sending_country": "CN", "kind": "consulate_general", "year": 1986, "source": "cn page"},
        {"host_id": "C2", "sending_country": "GB", "kind": "cbbc_office", "year": 2011, "source": "CBBC FOCUS 2011"},
        {"host_id": "C3", "sending_country": "GB", "kind": "cbbc_office", "year": 2011, "source": "CBBC FOCUS 2011"},
    ]
    names = {i: r["name"] for i, r in records.items()}
    out = res.support(t, records, "E1", "C2", names)
    kinds = [s["kind"] for s in out]
    assert kinds == ["british_consulate_general", "cbbc_office", "chinese_consulate_general"]
    office = out[1]
    assert office["host_id"] == "C2" and office["in_place"] and office["distance_km"] == 0
    assert office["text"] == "The China–Britain Business Council office in Portcity (on its list of offices in 2011)."
    assert office["source"] == "CBBC FOCUS 2011" and office["year"] == 2011
    # The consulate in the province capital is near, not in, Portcity; the office is not counted as a mission.
    assert out[0]["host_id"] == "C1" and not out[0]["in_place"]
    # A place without an office of its own is told the nearest one and how far it is.
    near = res.support(t, records, "E1", "C1", names)[1]
    assert near["host_id"] == "C2" and not near["in_place"]
    assert near["distance_km"] == pytest.approx(res.haversine_km(23.1, 113.3, 22.5, 114.1), abs=0.05)
    assert near["text"].startswith("The China–Britain Business Council office in Portcity, about ")
    assert "英中贸易协会办事处" in res.support(t, records, "E1", "C2", names, lang="zh")[1]["text"]
    # No office in the data: the list has the missions only (no invented office).
    t["missions"] = [m for m in t["missions"] if m["kind"] != "cbbc_office"]
    assert "cbbc_office" not in {s["kind"] for s in res.support(t, records, "E1", "C2", names)}


@pytest.fixture(scope="module")
def client(fixture_client):
    return fixture_client


REQUIRED = {"route", "distance_km", "co2e_kg_return_economy", "co2e_kg_return_business", "factor_source",
            "time_difference_hours", "support"}


def test_explain_has_the_resources_object(client):
    r = client.get("/v1/explain", params={"a": "E08000901", "b": "210300"})
    assert r.status_code == 200, r.text
    out = r.json()["resources"]
    assert REQUIRED <= set(out)
    # Steelton's own airport has only a suspended route: the nearest one flying today is Portcaster's, and
    # Anshan is reached through Shanghai, the Chinese airport Portcaster flies to.
    assert out["route"].startswith("Portcaster Airport (PCX) to Shanghai Airport (SHX)")
    assert out["hub"] == "SHX" and out["direct"] is False
    assert out["time_difference_hours"] == 8 and out["time_difference_hours_bst"] == 7
    assert "DESNZ" in out["factor_source"] and "2025" in out["factor_source"]
    km = sum(leg["km"] for leg in out["route_legs"])
    econ = 2 * sum(leg["km"] * (LONG_ECON if leg["haul"] == "long_haul_uk" else INTL_ECON) for leg in out["route_legs"])
    assert out["distance_km"] == pytest.approx(km, abs=0.05)
    assert out["co2e_kg_return_economy"] == pytest.approx(econ, abs=0.05)
    assert {s["kind"] for s in out["support"]} == {"british_consulate_general", "chinese_consulate_general"}
    assert out["committee_sentence"].startswith("A four-person return visit emits about ")
    # either order gives the same numbers
    back = client.get("/v1/explain", params={"a": "210300", "b": "E08000901"}).json()["resources"]
    assert back["route"] == out["route"] and back["co2e_kg_return_economy"] == out["co2e_kg_return_economy"]


def test_card_says_resources_in_plain_words(client):
    r = client.get("/card", params={"a": "E08000902", "b": "310000"})
    assert r.status_code == 200
    section = r.text.split("Resources and purpose</h2>")[1].split("</section>")[0]
    for words in ("Getting there: direct, Portcaster Airport (PCX) to Shanghai Airport (SHX)", "kg CO2e per traveller",
                  "China is 8 hours ahead of the UK", "The British consulate-general in Shanghai.",
                  "A four-person return visit emits about", "Visit cost:", "DESNZ"):
        assert words in section, words


def test_carbon_factors_and_visit_costs_are_validated(fixture_copy):
    cf = fixture_copy / "carbon_factors.csv"
    rows = pd.read_csv(cf, dtype=str)
    rows[rows["haul"] != "international_non_uk"].to_csv(cf, index=False)
    with pytest.raises(DataError, match="no international_non_uk economy factor with_rf"):
        load_tables(fixture_copy)
    cost = fixture_copy / "visit_costs.csv"
    cost.write_text("uk_id,travellers,nights,cost_gbp,year,source,note\nE08000999,4,4,4000,2015,x report,\n")
    rows.to_csv(cf, index=False)
    with pytest.raises(DataError, match="unknown GB locality id 'E08000999'"):
        load_tables(fixture_copy)


def test_sheffield_anshan_on_the_shipped_data(shipped_bundle):
    out = res.resources(shipped_bundle.model, "E08000019", "210300")
    # Manchester is Sheffield's nearest airport with a China route; Anshan's nearest airport in the data is
    # Shenyang Taoxian, reached through Beijing Capital (Manchester's China route).
    assert (out["uk_airport"], out["hub"], out["cn_airport"]) == ("MAN", "PEK", "SHE")
    assert 8000 < out["distance_km"] < 9500
    assert out["co2e_kg_return_business"] > out["co2e_kg_return_economy"] > 1500
    assert out["visit_cost"]["by"] == "Derby" and out["visit_cost"]["cost_gbp"] == 4000
    assert "2015" in out["visit_cost"]["text"] and not out["visit_cost"]["own_estimate"]
    # Anshan has no CBBC office of its own: the nearest in the data (Shenyang, FOCUS April 2011) is named.
    office = [s for s in out["support"] if s["kind"] == "cbbc_office"]
    assert len(office) == 1 and office[0]["host_id"] == "210100" and not office[0]["in_place"]
    assert "China-Britain Business Council" in office[0]["source"] and office[0]["year"] == 2011
    derby = res.resources(shipped_bundle.model, "E06000015", "610100")
    assert derby["visit_cost"]["own_estimate"] and derby["visit_cost"]["text"].startswith("Derby's 2015 estimate")
