"""Writes need an analyst's token; profiles are bounded and paged; writes and uncached answers are rate-limited
per client; the answer workers' errors, timeouts and bound reach the client as problem+json; a profiles
database that cannot be opened stops `matcher serve` with one line naming the setting."""

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

import service.compute as compute_module
from matcher.config import WeightError
from service.api.security import RateLimiter
from service.app import create_app
from service.core.config import Settings
from service.profiles import ProfileStore, StoreUnavailable
from tests.test_service import assert_problem

TOKENS = {"derby": "derby-secret-token", "leeds": "leeds-secret-token"}
BODY = {"weights": {"industry": 2}, "description": "steel first"}


def app_client(bundle, tmp_path, **settings) -> TestClient:
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = {"write_rate": 0, "heavy_rate": 0, "answer_processes": 0, **settings}
    s = Settings(models_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db", **settings)
    return TestClient(create_app(bundle=bundle, settings=s))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_configured_token_writes_are_off_and_the_page_says_how(bundle, tmp_path):
    with app_client(bundle, tmp_path) as c:
        for method in ("PUT", "DELETE"):
            r = c.request(method, "/v1/profiles/x", json=BODY, headers=bearer("anything"))
            assert_problem(r, 403, "off", "MATCHER_ANALYST_TOKENS", "Authorization: Bearer")
        assert "MATCHER_ANALYST_TOKENS" in c.get("/").text
        assert c.get("/v1/profiles").json()["total"] == 0  # reads stay open


def test_writes_need_one_of_the_configured_tokens(bundle, tmp_path):
    with app_client(bundle, tmp_path, analyst_tokens=TOKENS) as c:
        for method in ("PUT", "DELETE"):
            r = assert_problem(c.request(method, "/v1/profiles/x", json=BODY), 401, "analyst token")
            r = c.request(method, "/v1/profiles/x", json=BODY)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert_problem(c.request(method, "/v1/profiles/x", json=BODY, headers={"Authorization": "Basic eDp5"}),
                           401)
            assert_problem(c.request(method, "/v1/profiles/x", json=BODY, headers=bearer("derby-secret-tokex")),
                           403, "not one of")
        assert c.get("/v1/profiles/x").status_code == 404  # nothing was written
        assert c.put("/v1/profiles/x", json=BODY, headers=bearer(TOKENS["derby"])).status_code == 200
        assert c.get("/v1/profiles/x").json()["weights"]["industry"] == 2  # anyone may read it
        assert c.put("/v1/profiles/x", json={"weights": {"industry": 3}},
                     headers=bearer(TOKENS["leeds"])).status_code == 200  # every named token works
        assert c.delete("/v1/profiles/x", headers=bearer(TOKENS["leeds"])).status_code == 204
        assert c.get("/v1/profiles/x").status_code == 404
        assert "profile-token" in c.get("/").text  # the page asks for the token


def test_the_profile_limit_and_pages(bundle, tmp_path):
    with app_client(bundle, tmp_path, analyst_tokens=TOKENS, max_profiles=3) as c:
        auth = bearer(TOKENS["derby"])
        for name in ("c", "a", "b"):
            assert c.put(f"/v1/profiles/{name}", json=BODY, headers=auth).status_code == 200
        assert_problem(c.put("/v1/profiles/d", json=BODY, headers=auth), 409, "at most 3 profiles")
        assert c.put("/v1/profiles/a", json=BODY, headers=auth).status_code == 200  # overwriting is not new
        page = c.get("/v1/profiles", params={"limit": 2}).json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
        assert [p["name"] for p in page["items"]] == ["a", "b"]
        rest = c.get("/v1/profiles", params={"limit": 2, "offset": 2}).json()
        assert [p["name"] for p in rest["items"]] == ["c"]
        assert_problem(c.get("/v1/profiles", params={"limit": 1000}), 422, "limit")


def test_rate_limiter_buckets():
    now = [0.0]
    limiter = RateLimiter(rate=2, burst=3, max_keys=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(0.5)  # one token refills in 1/rate seconds
    assert limiter.take("b") == 0  # per client
    now[0] += 0.5
    assert limiter.take("a") == 0 and limiter.take("a") > 0
    limiter.take("c")  # a third client: the least recently seen ("b") is forgotten
    assert set(limiter._buckets) == {"a", "c"}
    assert RateLimiter(rate=0, burst=1).take("a") == 0  # 0 = off


def test_writes_and_uncached_answers_are_rate_limited_per_client(bundle, tmp_path):
    with app_client(bundle, tmp_path, analyst_tokens=TOKENS, write_rate=0.001, write_burst=2,
                    heavy_rate=0.001, heavy_burst=2) as c:
        auth = bearer(TOKENS["derby"])
        assert [c.put(f"/v1/profiles/p{i}", json=BODY, headers=auth).status_code for i in range(2)] == [200, 200]
        r = assert_problem(c.put("/v1/profiles/p3", json=BODY, headers=auth), 429, "too many writes")
        assert int(c.put("/v1/profiles/p3", json=BODY, headers=auth).headers["retry-after"]) >= 1
        assert r["retry_after"] >= 1
        for k in (3, 4):
            assert c.get("/v1/recommendations", params={"locality": "Steelton", "k": k}).status_code == 200
        assert_problem(c.get("/v1/recommendations", params={"locality": "Steelton", "k": 5}), 429, "uncached")
        # A cached answer costs nothing: still served.
        assert c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3}).status_code == 200
        assert_problem(c.get("/v1/recommendations.csv", params={"locality": "Steelton"}), 429)


@pytest.fixture
def failing(monkeypatch):
    """k=7 raises a WeightError inside the answer (after the route's own checks); k=8 hangs."""
    import threading

    real, release = compute_module.recommend, threading.Event()

    def fake(bundle, query, k, weights, filters, lang="en"):
        if k == 7:
            raise WeightError("k", "k=7 is refused inside the answer")
        if k == 8:
            release.wait(3600)
        return real(bundle, query, k, weights, filters, lang=lang)

    monkeypatch.setattr(compute_module, "recommend", fake)
    yield
    release.set()


def test_worker_errors_and_timeouts_are_problem_json(bundle, tmp_path, failing):
    """Through the app: the worker's error is the same problem+json as computing in process; a hung worker is
    a 503 with Retry-After once the timeout (0.5 s here) has passed."""
    bodies = {}
    for processes in (0, 1):
        with app_client(bundle, tmp_path / str(processes), answer_processes=processes, answer_timeout_s=0.5) as c:
            r = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 7})
            bodies[processes] = assert_problem(r, 422, "k=7 is refused")
            hung = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 8})
            assert_problem(hung, 503, "longer than 0.5 s")
            assert hung.headers["retry-after"] == "1"
            assert c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3}).status_code == 200
    assert bodies[0] == bodies[1] and bodies[1]["field"] == "k"


def test_a_database_that_cannot_be_opened_is_one_line_naming_the_setting(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a file where a folder should be: unwritable even for root
    with pytest.raises(StoreUnavailable, match="set MATCHER_PROFILES_DB"):
        ProfileStore(f"sqlite:///{blocker}/profiles.db", setting="MATCHER_PROFILES_DB")
    done = subprocess.run([sys.executable, "-m", "matcher.cli", "serve", "--port", "1"], capture_output=True,
                          text=True, timeout=120, env={"MATCHER_PROFILES_DB": str(blocker / "profiles.db"),
                                                       "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "MATCHER_PROFILES_DB" in lines[0] and "unable to open database file" in lines[0]
