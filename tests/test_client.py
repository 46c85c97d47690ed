"""matcher_client against the real app: typed results, and errors raised with their problem+json fields."""

import pytest
from fastapi.testclient import TestClient

from features.sources import load_tables
from matcher.model.build import fit_bundle
from matcher_client import (
    AmbiguousLocality,
    Card,
    InvalidRequest,
    Locality,
    LocalityNotFound,
    MatcherClient,
    Recommendations,
)
from service.app import create_app
from service.core.config import Settings

TOKEN = "analyst-test-token"


@pytest.fixture(scope="module")
def api(bundle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("client")
    settings = Settings(models_dir=tmp, database_url=f"sqlite:///{tmp}/p.db",
                        analyst_tokens={"tests": TOKEN}, write_rate=0, heavy_rate=0)
    with TestClient(create_app(bundle=bundle, settings=settings)) as http:
        yield MatcherClient(http=http, token=TOKEN)


def test_recommendations_are_typed_and_match_the_model(api, matcher):
    recs = api.recommendations("Steelton", k=3, weights={"industry": 4})
    assert isinstance(recs, Recommendations) and isinstance(recs.query, Locality)
    assert recs.query.id == "E08000901" and recs.weights["industry"] == 4
    expected = matcher.rank("E08000901", recs.weights, k=3)
    assert [r.locality.id for r in recs.results] == expected.index.tolist()
    for r in recs.results:
        assert r.score == pytest.approx(sum(r.contributions.values()))


def test_search_explain_compare_and_profiles(api):
    assert any(loc.id == "210300" for loc in api.localities("Anshan", country="CN"))
    card = api.explain("Steelton", "Anshan")
    assert isinstance(card, Card) and len(card.sections) == 6
    ranked = api.compare("Steelton", ["Ningbo", "Anshan"])
    assert {r.locality.id for r in ranked.results} == {"330200", "210300"}
    saved = api.save_profile("client-test", {"education": 3}, "from the client test")
    assert api.profile("client-test").weights == saved.weights
    assert saved.weights["education"] == 3
    names = {p.name for p in api.presets()}
    assert "balanced" in names


def test_errors_carry_their_fields(api):
    with pytest.raises(LocalityNotFound) as e:
        api.recommendations("Steeltn")
    assert e.value.status == 404 and e.value.suggestions[0].name == "Steelton"
    with pytest.raises(InvalidRequest) as e:
        api.recommendations("Steelton", weights={"nonsense": 1})
    assert e.value.field == "nonsense"
    with pytest.raises(InvalidRequest):
        api.recommendations("Steelton", k=0)


def test_ambiguous_name_lists_candidates(fixture_copy, tmp_path):
    # A second "Anshan" (a made-up UK unitary) makes the bare name ambiguous: the service must list both.
    with open(fixture_copy / "localities_gb.csv", "a", encoding="utf-8") as f:
        f.write("E06000999,Anshan,unitary,E92000001,52.0,-1.0,synthetic fixture,synthetic fixture\n")
    twin = fit_bundle(load_tables(fixture_copy))
    settings = Settings(models_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db")
    with TestClient(create_app(bundle=twin, settings=settings)) as http:
        api = MatcherClient(http=http)
        with pytest.raises(AmbiguousLocality) as e:
            api.recommendations("Anshan")
        assert {c.id for c in e.value.candidates} == {"E06000999", "210300"}
        assert api.recommendations("210300", k=1).query.name == "Anshan"
