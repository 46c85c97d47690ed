"""API: every endpoint, every error shape (problem+json), contributions add up, no cross-request leakage."""


import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.config import Settings
from service.downloads import read_rows

TOKEN = "analyst-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(bundle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("svc")
    settings = Settings(models_dir=tmp, cors_origins=["https://howto.example"], database_url=f"sqlite:///{tmp}/p.db",
                        analyst_tokens={"tests": TOKEN}, write_rate=0, heavy_rate=0)
    with TestClient(create_app(bundle=bundle, settings=settings), headers=AUTH) as c:
        yield c


def assert_problem(r, status, *words):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["detail"]
    for w in words:
        assert w in body["detail"]
    return body


def test_recommendations_contract(client):
    r = client.get("/v1/recommendations", params={"locality": "Steelton", "k": 3})
    assert r.status_code == 200
    d = r.json()
    assert d["query"]["id"] == "E08000901" and len(d["results"]) == 3
    for res in d["results"]:
        assert set(res["locality"]) >= {"id", "name", "name_zh", "country", "level"}
        assert abs(sum(res["contributions"].values()) - res["score"]) < 1e-9
        assert res["reasons"]


def test_chinese_query_and_post_weights(client):
    r = client.post("/v1/recommendations", json={"locality": "鞍山", "k": 2, "weights": {"industry": 5}})
    assert r.status_code == 200
    assert r.json()["weights"]["industry"] == 5
    assert all(x["locality"]["country"] == "GB" for x in r.json()["results"])


def test_unknown_ambiguous_and_bad_weights(client):
    body = assert_problem(client.get("/v1/recommendations", params={"locality": "Steeltn"}), 404, "Steeltn")
    assert body["suggestions"][0]["name"] == "Steelton"
    body = assert_problem(client.post("/v1/recommendations", json={"locality": "Steelton", "weights": {"x": 1}}),
                          422, "unknown block")
    assert body["field"] == "x"
    assert_problem(client.post("/v1/recommendations", json={"locality": "Steelton", "weights": {"scale": -2}}),
                   422, ">= 0")
    assert_problem(client.get("/v1/recommendations", params={"locality": "Steelton", "k": 0}), 422, "k")
    assert_problem(client.get("/v1/recommendations", params={"locality": "Steelton", "preset": "nope"}), 422, "nope")
    assert_problem(client.get("/v1/recommendations", params={"locality": "x" * 10_000}), 422)
    assert_problem(client.post("/v1/recommendations", content=b"not json",
                               headers={"content-type": "text/plain"}), 422)
    assert_problem(client.post("/v1/recommendations", content=b"{" + b" " * 70_000 + b"}",
                               headers={"content-type": "application/json"}), 413)


def test_nan_weight_rejected(client):
    r = client.post("/v1/recommendations", content=b'{"locality": "Steelton", "weights": {"scale": NaN}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_explain_compare_diff_presets(client):
    card = client.get("/v1/explain", params={"a": "Steelton", "b": "Anshan"}).json()
    assert [s["title"] for s in card["sections"]] == ["Location overview", "Strategic fit", "Profile",
                                                      "Due diligence considerations", "Connections",
                                                      "Resources and purpose"]
    assert_problem(client.get("/v1/explain", params={"a": "Steelton", "b": "Portcaster"}), 422)
    r = client.post("/v1/compare", json={"locality": "Steelton", "candidates": ["Chengdu", "大连", "Ningbo"]})
    assert {x["locality"]["id"] for x in r.json()["results"]} == {"510100", "210200", "330200"}
    diff = client.post("/v1/rankings/diff", json={"locality": "Steelton", "k": 3, "a": {},
                                                  "b": {"weights": {"student_links": 20}}}).json()
    # Chengdu holds Steelton's only student link: with that block at 20 it must top list b; the diff must
    # say where it came from (moved up or entered), or list it unchanged if it was already first.
    bundle = client.app.state.bundle
    from matcher.answers.recommend import weights_for

    before = bundle.estimator.rank("E08000901", weights_for(bundle, None), k=3).index.tolist()
    after = bundle.estimator.rank("E08000901", weights_for(bundle, None, {"student_links": 20}), k=3).index.tolist()
    assert after[0] == "510100"
    section = ("unchanged" if before[0] == "510100" else "moved_up" if "510100" in before else "entered")
    assert "510100" in [m["locality"]["id"] for m in diff[section]]
    names = [p["name"] for p in client.get("/v1/presets").json()]
    assert "balanced" in names


def test_profiles_roundtrip(client):
    assert_problem(client.get("/v1/profiles/mine"), 404)
    r = client.put("/v1/profiles/mine", json={"weights": {"industry": 4}, "description": "steel first"})
    assert r.status_code == 200 and r.json()["weights"]["industry"] == 4
    rec = client.get("/v1/recommendations", params={"locality": "Steelton", "profile": "mine"}).json()
    assert rec["weights"]["industry"] == 4
    assert_problem(client.put("/v1/profiles/bad", json={"weights": {"industry": -1}}), 422)
    assert client.delete("/v1/profiles/mine").status_code == 204
    assert_problem(client.delete("/v1/profiles/mine"), 404)


def test_locality_search_and_profile(client):
    hits = client.get("/v1/localities", params={"q": "anshan"}).json()
    assert hits[0]["id"] == "210300"
    prof = client.get("/v1/localities/210300").json()
    assert all(f["source"] and f["year"] for f in prof["figures"])
    assert_problem(client.get("/v1/localities/Nowhere"), 404)


def test_page_card_embed_and_escaping(client):
    assert "Partner-city matchmaker" in client.get("/").text
    html = client.get("/card", params={"a": "Steelton", "b": "Anshan"}).text
    assert "Due diligence considerations" in html
    assert "textContent" in client.get("/embed.js").text
    r = client.get("/v1/recommendations", params={"locality": "<script>alert(1)</script>"})
    # Answered as problem+json (never HTML that a browser would render), with the name kept as data.
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"].count("<script>") <= 1


def test_cors_allowlist(client):
    ok = client.get("/v1/recommendations", params={"locality": "Steelton"}, headers={"Origin": "https://howto.example"})
    assert ok.headers.get("access-control-allow-origin") == "https://howto.example"
    no = client.get("/v1/recommendations", params={"locality": "Steelton"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in no.headers


def test_health(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200


def test_requests_do_not_leak_weights(client):
    a = client.post("/v1/recommendations", json={"locality": "Steelton", "weights": {"industry": 9}}).json()
    b = client.get("/v1/recommendations", params={"locality": "Steelton"}).json()
    from matcher.answers.recommend import weights_for

    default = weights_for(client.app.state.bundle, None)["industry"]
    assert default != 9
    assert a["weights"]["industry"] == 9 and b["weights"]["industry"] == default


def test_corrupt_artifact_refused(tmp_path, fixture_copy):
    from matcher.artifact.store import ArtifactError, load_bundle
    from matcher.model.build import build

    path = build(fixture_copy, tmp_path)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ArtifactError, match="checksum"):
        load_bundle(tmp_path)


def test_answer_cache_is_keyed_by_everything_that_decides_the_answer(client):
    answers = client.app.state.answers
    body = {"locality": "Steelton", "k": 4, "weights": {"education": 2.5}}
    first = client.post("/v1/recommendations", json=body)
    hits = answers.hits
    again = client.post("/v1/recommendations", json=body)
    assert answers.hits == hits + 1 and again.content == first.content
    # The same resolved request by another route (GET by id, preset-free defaults) shares nothing it shouldn't.
    other = client.post("/v1/recommendations", json={**body, "weights": {"education": 0.5}})
    assert other.json()["weights"]["education"] == 0.5 and other.content != first.content
    # A saved profile that changes gives a new answer, not the cached one for its old weights.
    client.put("/v1/profiles/cachetest", json={"weights": {"scale": 1}})
    a = client.post("/v1/recommendations", json={"locality": "Steelton", "profile": "cachetest"}).json()
    client.put("/v1/profiles/cachetest", json={"weights": {"scale": 4}})
    b = client.post("/v1/recommendations", json={"locality": "Steelton", "profile": "cachetest"}).json()
    assert (a["weights"]["scale"], b["weights"]["scale"]) == (1, 4)


def test_answer_cache_off_gives_the_same_answers(bundle, tmp_path, client):
    settings = Settings(models_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db", answer_cache_bytes=0,
                        analyst_tokens={"tests": TOKEN}, write_rate=0, heavy_rate=0)
    with TestClient(create_app(bundle=bundle, settings=settings), headers=AUTH) as uncached:
        for params in ({"locality": "Steelton", "k": 3}, {"locality": "Anshan", "k": 5}):
            assert uncached.get("/v1/recommendations", params=params).content == \
                client.get("/v1/recommendations", params=params).content
        assert uncached.app.state.answers.hits == 0


def _csv_ids(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [row["id"] for row in read_rows(r.text)]


@pytest.mark.parametrize("extra", [
    {"exclude_partners": True},
    {"levels": ["province", "municipality"]},
    {"pop_ratio_min": 0.2, "pop_ratio_max": 5.0},
    {"within": "Liaoning"},
    {"exclude_partners": True, "levels": ["prefecture_city", "sub_provincial_city"]},
])
def test_csv_download_applies_the_same_filters_as_the_json_answer(client, extra):
    base = {"locality": "Steelton", "k": 10}
    everything = _csv_ids(client.get("/v1/recommendations.csv", params=base))
    posted = client.post("/v1/recommendations", json={**base, **extra}).json()
    expected = [r["locality"]["id"] for r in posted["results"]]
    assert expected != everything  # the filter changes the list, so the CSV must have applied it
    assert _csv_ids(client.get("/v1/recommendations.csv", params={**base, **extra})) == expected
    got = client.get("/v1/recommendations", params={**base, **extra}).json()
    assert [r["locality"]["id"] for r in got["results"]] == expected


def test_csv_without_partners_drops_the_existing_partners(client):
    full = client.get("/v1/recommendations", params={"locality": "Steelton", "k": 10}).json()
    partners = {r["locality"]["id"] for r in full["results"] if r["partnership"]}
    assert partners  # the fixture gives Steelton partners in its top 10
    ids = _csv_ids(client.get("/v1/recommendations.csv",
                              params={"locality": "Steelton", "k": 10, "exclude_partners": "true"}))
    assert ids and not partners & set(ids)


def test_body_too_large_carries_cors_headers_for_an_allowed_origin(client):
    big = b'{"locality": "' + b"x" * 70_000 + b'"}'
    for headers in ({"content-type": "application/json"}, {"content-type": "application/json",
                                                          "transfer-encoding": "chunked"}):
        r = client.post("/v1/recommendations", content=big, headers={**headers, "Origin": "https://howto.example"})
        assert_problem(r, 413, "over")
        assert r.headers.get("access-control-allow-origin") == "https://howto.example"
    refused = client.post("/v1/recommendations", content=big,
                          headers={"content-type": "application/json", "Origin": "https://evil.example"})
    assert refused.status_code == 413 and "access-control-allow-origin" not in refused.headers


def test_answers_keep_every_key_the_model_gives(client, bundle):
    """The response model must not drop what recommend() says (pydantic ignores unknown keys silently)."""
    from matcher.answers.recommend import recommend, weights_for

    expected = recommend(bundle, "E08000901", 3, weights_for(bundle, None))
    for r in (client.get("/v1/recommendations", params={"locality": "Steelton", "k": 3}),
              client.post("/v1/recommendations", json={"locality": "Steelton", "k": 3})):
        got = r.json()
        assert set(expected) <= set(got), set(expected) - set(got)
        assert got["query_caveats"] == expected["query_caveats"]
        assert set(expected["results"][0]) <= set(got["results"][0])


def test_saved_profile_is_read_off_the_event_loop(client, monkeypatch):
    """SQLAlchemy is synchronous: a recommendation by profile must read the store in a worker thread."""
    import asyncio

    store = client.app.state.store
    client.put("/v1/profiles/offloop", json={"weights": {"scale": 2}})
    on_loop = []
    real_get = store.get

    def spy(name):
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real_get(name)

    monkeypatch.setattr(store, "get", spy)
    r = client.post("/v1/recommendations", json={"locality": "Steelton", "profile": "offloop", "k": 2})
    assert r.status_code == 200 and r.json()["weights"]["scale"] == 2
    assert on_loop == [False]


@pytest.mark.parametrize("how, k", [("get", 7), ("post", 6)])
def test_include_sensitive_reaches_the_model(client, how, k):
    """The NSI opt-in is part of the request the model sees (and of the cache key)."""
    answers = client.app.state.answers
    before = set(answers._items)
    params = {"locality": "Portcaster", "k": k, "include_sensitive": True}
    r = client.post("/v1/recommendations", json=params) if how == "post" else \
        client.get("/v1/recommendations", params=params)
    assert r.status_code == 200, r.text
    new = set(answers._items) - before
    assert new and all(key[3].include_sensitive for key in new)
    assert client.post("/v1/recommendations", json={**params, "include_sensitive": False}).status_code == 200
    assert any(not key[3].include_sensitive for key in set(answers._items) - before - new)


def test_include_sensitive_reaches_the_csv(client, monkeypatch):
    import service.api.routes.recommendations as routes

    seen = []
    real = routes.recommend
    monkeypatch.setattr(routes, "recommend", lambda *a, **kw: seen.append(a[4]) or real(*a, **kw))
    r = client.get("/v1/recommendations.csv", params={"locality": "Portcaster", "include_sensitive": "true"})
    assert r.status_code == 200 and [f.include_sensitive for f in seen] == [True]


def test_historic_industry_is_shown_dated_and_left_out_of_the_score(fixture_copy, tmp_path):
    """A sector row older than INDUSTRY_CURRENT_FROM appears on the profile as history, with its year, and not
    among the sectors that score; the place's fit on that sector drops to nothing."""
    from fastapi.testclient import TestClient

    from features.sources import load_tables
    from matcher.config import INDUSTRY_CURRENT_FROM
    from matcher.model.build import fit_bundle
    from service.app import create_app
    from service.core.config import Settings

    old = INDUSTRY_CURRENT_FROM - 4
    path = fixture_copy / "industry" / "synthetic.csv"
    text = path.read_text(encoding="utf-8").replace(
        "made-up special steels works,synthetic fixture,2023", f"made-up special steels works,synthetic fixture,{old}")
    # Portcaster's rows are all old: it has evidence, none current, and its caveat says which.
    text = text.replace("container port,synthetic fixture,2023", f"container port,synthetic fixture,{old}")
    path.write_text(text.replace("waterfront,synthetic fixture,2023", f"waterfront,synthetic fixture,{old}"))
    bundle = fit_bundle(load_tables(fixture_copy))
    assert bundle.estimator.frame_.set_index("id").loc["E08000901", "sector__steel_metals"] == 0.0
    from matcher.answers.explain import query_caveats

    said = " ".join(query_caveats(bundle.model, "E08000902"))
    assert f"no industry evidence for Portcaster dated {INDUSTRY_CURRENT_FROM} or later" in said
    assert "no industry evidence for Steelton" not in " ".join(query_caveats(bundle.model, "E08000901"))
    with TestClient(create_app(bundle=bundle, settings=Settings(models_dir=tmp_path,
                                                                database_url=f"sqlite:///{tmp_path}/p.db"))) as c:
        prof = c.get("/v1/localities/E08000901").json()
        assert "steel_metals" not in {s["sector"] for s in prof["sectors"]}
        assert [(s["sector"], s["year"]) for s in prof["sectors_history"]] == [("steel_metals", old)]
        for lang, heading in (("en", "Older sector evidence"), ("zh", "较早的产业资料")):
            html = c.get("/place", params={"id": "E08000901", "lang": lang}).text
            assert heading in html and str(old) in html.split(heading, 1)[1]
