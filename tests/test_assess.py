"""Compare and review answers, the shared state parameters, profiles listing, unknown parameters.

Every expectation is derived from the model's own answers (/v1/recommendations, /v1/explain) or the
partnership table, never from a hard-coded ranking: the ranking model changes while the page does not.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_service import assert_problem

from matcher.config import default_weights
from service import assess
from service.app import create_app
from service.core.config import Settings
from service.downloads import read_rows

TOKEN = "analyst-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

Q = "E08000901"  # Steelton in the fixtures


@pytest.fixture(scope="module")
def client(bundle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assess")
    settings = Settings(models_dir=tmp, database_url=f"sqlite:///{tmp}/p.db",
                        analyst_tokens={"tests": TOKEN}, write_rate=0, heavy_rate=0)
    with TestClient(create_app(bundle=bundle, settings=settings), headers=AUTH) as c:
        yield c


def full_list(client, **params) -> list[dict]:
    r = client.get("/v1/recommendations", params={"locality": Q, "k": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_compare_gives_overall_and_mutual_rank_from_the_full_list(client):
    ranking = full_list(client, preset="industry_trade")
    position = {r["locality"]["id"]: r for r in ranking}
    picks = [ranking[-1]["locality"]["id"], ranking[0]["locality"]["id"], ranking[len(ranking) // 2]["locality"]["id"]]
    d = client.post("/v1/compare", json={"locality": Q, "candidates": picks, "preset": "industry_trade"}).json()
    assert d["n_candidates"] == len(ranking)
    assert [r["locality"]["id"] for r in d["results"]] == sorted(picks, key=lambda i: position[i]["rank"])
    for r in d["results"]:
        same = position[r["locality"]["id"]]
        assert r["overall_rank"] == same["rank"]
        assert r["mutual_rank"] == same["mutual_rank"]
        assert r["score"] == pytest.approx(same["score"], abs=1e-12)


def test_review_lists_every_partner_with_its_facts(client, bundle):
    p = bundle.estimator.partnerships_
    rows = p[(p["uk_id"] == Q) | (p["cn_id"] == Q)]
    assert len(rows) >= 2, "the fixture should give Steelton more than one partner"
    d = client.get("/v1/review", params={"locality": "Steelton"}).json()
    ranking = {r["locality"]["id"]: r for r in full_list(client)}
    assert {x["locality"]["id"] for x in d["partners"]} == set(rows["cn_id"])
    assert d["n_candidates"] == len(ranking)
    for x in d["partners"]:
        row = rows[rows["cn_id"] == x["locality"]["id"]].iloc[0]
        assert (x["kind"], x["status"], x["source"]) == (row["kind"], row["status"], row["source"])
        assert x["overall_rank"] == ranking[x["locality"]["id"]]["rank"]
        assert x["mutual_rank"] == ranking[x["locality"]["id"]]["mutual_rank"]
        assert x["score"] == pytest.approx(ranking[x["locality"]["id"]]["score"], abs=1e-9)
        assert f"#{x['overall_rank']} of {d['n_candidates']}" in x["summary"]
        assert x["locality"]["name"] in x["summary"]
    assert [x["overall_rank"] for x in d["partners"]] == sorted(x["overall_rank"] for x in d["partners"])


def test_review_of_a_place_without_partners_is_empty(client, bundle):
    p = bundle.estimator.partnerships_
    partnered = set(p["uk_id"]) | set(p["cn_id"])
    lonely = next(i for i in bundle.model.ids_["GB"] if i not in partnered)
    d = client.get("/v1/review", params={"locality": lonely}).json()
    assert d["partners"] == []


def test_weights_query_parameter_in_cli_form(client):
    get = client.get("/v1/recommendations", params={"locality": Q, "weights": "scale=3,connectivity=0"}).json()
    post = client.post("/v1/recommendations", json={"locality": Q, "weights": {"scale": 3, "connectivity": 0}}).json()
    assert get == post and get["weights"]["scale"] == 3 and get["weights"]["connectivity"] == 0
    body = assert_problem(client.get("/v1/recommendations", params={"locality": Q, "weights": "scale=big"}), 422,
                          "must be a number")
    assert body["field"] == "scale"
    assert_problem(client.get("/v1/recommendations", params={"locality": Q, "weights": "nosuch=1"}), 422,
                   "unknown block")


@pytest.mark.parametrize(("path", "params", "bad"), [
    ("/v1/recommendations", {"locality": Q, "weight": "education=3"}, ["weight"]),
    ("/v1/recommendations", {"locality": Q, "presett": "x", "kk": "3"}, ["kk", "presett"]),
    ("/v1/recommendations.csv", {"locality": Q, "exclude": "true"}, ["exclude"]),
    ("/v1/explain", {"a": Q, "b": "Anshan", "c": "x"}, ["c"]),
    ("/v1/localities", {"query": "Steel"}, ["query"]),
    ("/v1/review", {"locality": Q, "k": "3"}, ["k"]),
])
def test_unknown_query_parameters_are_named(client, path, params, bad):
    body = assert_problem(client.get(path, params=params), 422, *bad)
    assert sorted(e["field"] for e in body["errors"]) == bad
    assert "this route takes" in body["detail"]


def test_csv_is_the_list_with_the_same_parameters(client, bundle):
    params = {"locality": Q, "k": 10, "preset": "education_students", "weights": "scale=0", "exclude_partners": "true"}
    listed = client.get("/v1/recommendations", params=params).json()["results"]
    r = client.get("/v1/recommendations.csv", params=params)
    # UTF-8 with a BOM (Excel reads the Chinese names) and a header block naming weighting, date and build.
    assert r.content.startswith(b"\xef\xbb\xbf# ")
    head = [line for line in r.text.lstrip("\ufeff").splitlines() if line.startswith("#")]
    assert any(h.startswith("# Weighting: ") for h in head) and any(h.startswith("# Date: ") for h in head)
    assert any(h.startswith("# Build: ") for h in head)
    rows = read_rows(r.text)
    assert [r["id"] for r in rows] == [r["locality"]["id"] for r in listed]
    p = bundle.estimator.partnerships_
    partners = set(p.loc[p["uk_id"] == Q, "cn_id"])
    assert partners and not partners & {r["id"] for r in rows}
    with_partners = read_rows(client.get(
        "/v1/recommendations.csv", params={**params, "exclude_partners": "false", "k": 100}).text)
    assert partners <= {r["id"] for r in with_partners}


def test_card_and_explain_use_the_lists_weighting(client):
    params = {"preset": "smart_environment", "weights": "industry=4"}
    first = full_list(client, **params)[0]
    card = client.get("/v1/explain", params={"a": Q, "b": first["locality"]["id"], **params}).json()
    assert card["score"] == pytest.approx(first["score"], abs=1e-9)
    assert card["overall_rank"] == 1 and card["weights"]["industry"] == 4
    assert card["weighting"].startswith("Custom") and "Shared industries 4" in card["weighting"]
    html = client.get("/card", params={"a": Q, "b": first["locality"]["id"], **params}).text
    assert re.search(r'id="score">([0-9.]+)<', html).group(1) == f"{first['score']:.3f}"
    assert "Smart city and environment" in html
    back = re.search(r'id="back" href="([^"]+)"|href="([^"]+)" id="back"', html)
    assert back and "preset=smart_environment" in html and "weights=industry%3D4" in html


def test_diff_can_leave_partners_out(client, bundle):
    p = bundle.estimator.partnerships_
    partners = set(p.loc[p["uk_id"] == Q, "cn_id"])
    d = client.post("/v1/rankings/diff", json={"locality": Q, "k": 100, "a": {}, "b": {"preset": "transport_ports"},
                                               "exclude_partners": True}).json()
    seen = {m["locality"]["id"] for key in ("moved_up", "moved_down", "entered", "left", "unchanged") for m in d[key]}
    assert seen and not seen & partners


def test_profiles_are_listed(client):
    for name in ("b-profile", "a-profile"):
        r = client.put(f"/v1/profiles/{name}", json={"weights": {"scale": 1}, "description": name})
        assert r.status_code == 200
    listed = client.get("/v1/profiles").json()["items"]
    names = [x["name"] for x in listed]
    assert names == sorted(names) and {"a-profile", "b-profile"} <= set(names)
    assert next(x for x in listed if x["name"] == "a-profile")["weights"]["scale"] == 1


def test_api_docs_need_no_cdn(client):
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
        assert "cdn" not in html.lower() and not re.search(r'(?:src|href)="(?:https?:)?//', html), html
        for a in assets:
            r = client.get(a)
            assert r.status_code == 200 and len(r.content) > 1000, a


def test_review_lists_closures_since_signing(bundle, monkeypatch):
    """When the model keeps closed industry rows, the review says which closed after the partnership began."""
    p = bundle.estimator.partnerships_
    row = p[(p["uk_id"] == Q) & p["year_signed"].notna()].iloc[0]
    year, partner = int(row["year_signed"]), row["cn_id"]
    closed = pd.DataFrame({"id": [Q, partner, partner], "sector": ["steel_metals"] * 3,
                           "until": [year + 5, year - 1, year + 1],
                           "evidence": ["Old works", "Closed before signing", "Mill shut"], "source": ["s"] * 3})
    monkeypatch.setattr(bundle.model, "closed_industry_", closed.to_dict("records"))
    answer = assess.review(bundle, Q, default_weights())
    found = next(x for x in answer["partners"] if x["locality"]["id"] == partner)
    assert [c.split(": ", 1)[1] for c in found["changes"]] == [f"Mill shut (closed {year + 1})",
                                                              f"Old works (closed {year + 5})"]
    assert "Since signing: " in found["summary"] and "Closed before signing" not in found["summary"]
