"""Bad input, one test per row of docs/bad-input.md.

Every request goes through the real app (create_app + TestClient, which re-raises any unhandled error, so a
500 fails the test loudly). Every 4xx must be application/problem+json with a non-empty detail.
"""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_service import assert_problem

from features.sources import load_tables
from matcher.config import block_names, blocks
from matcher.model.build import fit_bundle
from matcher.paths import FIXTURES_DIR
from service.app import create_app
from service.core.config import Settings
from service.downloads import read_rows

TOKEN = "analyst-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ORIGIN = "https://howto.example"
XSS_GB = "<script>alert(1)</script>"
XSS_CN = "<img src=x onerror=alert(1)>"
XSS_ZH = "成都<script>alert(1)</script>"  # name_zh must contain a CJK character to pass the schema
RAW_TAGS = ("<script>alert", "<img src=x", "</script><script>")
FORMULA = '=HYPERLINK("http://evil.example","Dalian")'
BIG = "x" * 10_000
JSON = {"content-type": "application/json"}


def _client(bundle, tmp):
    settings = Settings(models_dir=tmp, cors_origins=[ORIGIN], database_url=f"sqlite:///{tmp}/p.db",
                        analyst_tokens={"tests": TOKEN}, write_rate=0, heavy_rate=0)
    return TestClient(create_app(bundle=bundle, settings=settings), headers=AUTH)


@pytest.fixture(scope="module")
def client(bundle, tmp_path_factory):
    with _client(bundle, tmp_path_factory.mktemp("bad")) as c:
        yield c


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A bundle fitted on a fixture copy where names carry markup and one name is ambiguous.

    Campusford (GB) is renamed to a <script> tag, Chengdu (CN) to an <img onerror> with a <script> in its
    Chinese name, and Dataville (GB) to "Ningbo", which is also a Chinese city: no name is ambiguous in the
    fixtures themselves.
    """
    tmp = tmp_path_factory.mktemp("hostile")
    data = tmp / "data"
    shutil.copytree(FIXTURES_DIR, data)
    gb = pd.read_csv(data / "localities_gb.csv", dtype=str, keep_default_na=False)
    gb.loc[gb["id"] == "E06000903", "name"] = XSS_GB
    gb.loc[gb["id"] == "E06000904", "name"] = "Ningbo"
    gb.to_csv(data / "localities_gb.csv", index=False)
    cn = pd.read_csv(data / "localities_cn.csv", dtype=str, keep_default_na=False)
    chengdu = cn["id"] == "510100"
    cn.loc[chengdu, ["name_en", "name_zh", "name_pinyin"]] = [XSS_CN, XSS_ZH, "</script><script>alert(2)"]
    cn.loc[cn["id"] == "210200", "name_en"] = FORMULA  # Dalian: a spreadsheet formula
    cn.to_csv(data / "localities_cn.csv", index=False)
    with _client(fit_bundle(load_tables(data)), tmp) as c:
        yield c


# ---- names: unknown, ambiguous, empty, 10 kB, not UTF-8 ----------------------------------------------------

def test_ambiguous_name_lists_candidates(hostile):
    body = assert_problem(hostile.get("/v1/recommendations", params={"locality": "Ningbo"}), 409, "Ningbo")
    assert {c["id"] for c in body["candidates"]} == {"330200", "E06000904"}
    assert all(set(c) >= {"id", "name", "country", "level"} for c in body["candidates"])
    assert_problem(hostile.get("/v1/explain", params={"a": "Steelton", "b": "Ningbo"}), 409)
    page = assert_page_error(hostile.get("/card", params={"a": "Ningbo", "b": "Anshan"}), 409, "Ningbo")
    assert "/card?a=330200&amp;b=Anshan" not in page  # a CN place as `a` would pair CN with CN
    assert "/card?a=E06000904&amp;b=Anshan" in page
    assert_problem(hostile.post("/v1/recommendations", json={"locality": "ningbo"}), 409)
    # An id settles it, and compare resolves candidates in the other country only, so there it is not ambiguous.
    assert hostile.get("/v1/recommendations", params={"locality": "E06000904"}).status_code == 200
    r = hostile.post("/v1/compare", json={"locality": "Steelton", "candidates": ["Ningbo"]})
    assert r.status_code == 200 and [x["locality"]["id"] for x in r.json()["results"]] == ["330200"]


NAME_PARAMS = [
    ("/v1/recommendations", "locality", {}),
    ("/v1/recommendations.csv", "locality", {}),
    ("/v1/explain", "a", {"b": "Anshan"}),
    ("/v1/explain", "b", {"a": "Steelton"}),
]


@pytest.mark.parametrize(("path", "param", "others"), NAME_PARAMS)
def test_empty_and_10kb_names(client, path, param, others):
    body = assert_problem(client.get(path, params={**others, param: ""}), 422, param, "at least 1")
    assert body["errors"][0]["field"] == param
    assert_problem(client.get(path, params={**others, param: BIG}), 422, param, "at most 200")
    # Blank after trimming is not a name either: nothing to suggest.
    body = assert_problem(client.get(path, params={**others, param: "   "}), 404)
    assert body["suggestions"] == []


def test_empty_and_10kb_search_and_body(client):
    everything = client.get("/v1/localities", params={"q": ""})
    assert everything.status_code == 200 and len(everything.json()) == 13  # empty q lists all (limit 20)
    assert_problem(client.get("/v1/localities", params={"q": BIG}), 422, "q", "at most 200")
    assert_problem(client.get(f"/v1/localities/{BIG}"), 422, "at most 200")
    assert_problem(client.post("/v1/recommendations", json={"locality": ""}), 422, "locality")
    assert_problem(client.post("/v1/recommendations", json={"locality": BIG}), 422, "locality")
    for name in (BIG, ""):
        assert_problem(client.post("/v1/compare", json={"locality": "Steelton", "candidates": ["Anshan", name]}),
                       422, "candidates.1")


@pytest.mark.parametrize("url", ["/v1/recommendations?locality=%ff%fe", "/v1/explain?a=%ff%fe&b=Anshan",
                                 "/v1/recommendations.csv?locality=%C3%28",
                                 "/v1/localities/%ff%fe"])
def test_invalid_utf8_in_query_string(client, url):
    # Starlette decodes with replacement characters; the name then simply matches nothing.
    body = assert_problem(client.get(url), 404, "no locality matches")
    assert body["suggestions"] == []


def assert_page_error(r, status, *words) -> str:
    """A bad page link answers a page a person can read (HTML, the status, what is wrong), never JSON."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    for w in words:
        assert w in r.text, (w, r.text)
    assert '<a href="/">' in r.text
    _no_raw_markup(r.text)
    return r.text


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"b": "Anshan"}, 400, ["incomplete", "a="]),
    ({"a": "Steelton"}, 400, ["incomplete", "b="]),
    ({"a": "", "b": "Anshan"}, 400, ["incomplete"]),
    ({"a": "   ", "b": "Anshan"}, 400, ["incomplete"]),
    ({"a": BIG, "b": "Anshan"}, 400, ["too long"]),
    ({"a": "Steelton", "b": "\ufffd\ufffd"}, 404, ["No locality matches"]),
    ({"a": "Steelton", "b": "Anshn"}, 404, ["No locality matches", "Anshan"]),
    ({"a": "Steelton", "b": "Anshan", "weights": "scale=lots"}, 422, ["must be a number"]),
    ({"a": "Steelton", "b": "Anshan", "weights": "nosuch=1"}, 422, ["unknown block"]),
])
def test_bad_card_links_answer_a_readable_page(client, params, status, words):
    assert_page_error(client.get("/card", params=params), status, *words)


def test_card_suggestions_link_to_the_card(client):
    page = assert_page_error(client.get("/card", params={"a": "Steelton", "b": "Anshn", "preset": "industry_trade"}),
                             404)
    assert re.search(r'href="/card\?a=Steelton&amp;b=210300&amp;preset=industry_trade"', page), page


def test_invalid_utf8_in_search(client):
    r = client.get("/v1/localities?q=%ff%fe")
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/recommendations"), ("POST", "/v1/compare"),
                                              ("POST", "/v1/rankings/diff"), ("PUT", "/v1/profiles/mine")])
def test_invalid_utf8_json_body(client, method, path):
    r = client.request(method, path, content=b'{"locality": "\xff\xfe"}', headers=JSON)
    assert_problem(r, 400, "not UTF-8", "byte 14")
    # A UTF-16 byte-order mark makes json guess UTF-16: then it is simply not JSON.
    body = assert_problem(client.request(method, path, content=b"\xff\xfe{}", headers=JSON), 422, "invalid JSON")
    assert body["errors"][0]["field"] == "body"


# ---- k -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "words"), [(0, ">= 1"), (-1, ">= 1"), (10**9, "<= 100"), (2**63, "<= 100"),
                                          (10**30, "<= 100"), ("2.5", "valid integer"), ("ten", "valid integer"),
                                          ("", "valid integer")])
def test_k_out_of_range_in_query(client, k, words):
    words = words.replace(">= 1", "greater than or equal to 1").replace("<= 100", "less than or equal to 100")
    for path in ("/v1/recommendations", "/v1/recommendations.csv"):
        body = assert_problem(client.get(path, params={"locality": "Steelton", "k": k}), 422, "k: ", words)
        assert body["errors"][0]["field"] == "k"


@pytest.mark.parametrize("k", ["0", "-1", "1000000000", str(2**63), str(10**30), "2.5", '"ten"', "1e400", "null",
                               "true", "2.0", '"3"'])
def test_k_out_of_range_in_body(client, k):
    for path, extra in (("/v1/recommendations", ""), ("/v1/rankings/diff", ', "a": {}, "b": {}')):
        raw = f'{{"locality": "Steelton", "k": {k}{extra}}}'.encode()
        body = assert_problem(client.post(path, content=raw, headers=JSON), 422, "k: ")
        assert body["errors"][0]["field"] == "k"


def test_limit_out_of_range(client):
    for limit in (0, -5, 101, 10**30, "x"):
        assert_problem(client.get("/v1/localities", params={"q": "a", "limit": limit}), 422, "limit")


# ---- weights -------------------------------------------------------------------------------------------------

ALL_ZERO = "{" + ", ".join(f'"{b}": 0' for b in block_names()) + "}"
BAD_WEIGHTS = [  # raw JSON for `weights`, words in the detail
    ('{"scale": NaN}', "finite"),
    ('{"scale": Infinity}', "finite"),
    ('{"scale": -Infinity}', "finite"),
    ('{"scale": 1e400}', "finite"),  # json reads it as inf
    ('{"scale": -2}', ">= 0"),
    ('{"scale": -1e-300}', ">= 0"),
    ('{"industri": 1}', "unknown block 'industri'"),
    ('{"scale": "abc"}', "valid number"),
    ('{"scale": null}', "valid number"),
    ('{"scale": [1]}', "valid number"),
    ('[1, 2]', "valid dictionary"),
    (ALL_ZERO, "at least one block needs a positive weight"),
    ('{"scale": 1e308, "industry": 1e308}', "too large"),  # Σw overflows to inf: every score would be 0
]


@pytest.mark.parametrize(("weights", "words"), BAD_WEIGHTS)
def test_bad_weights(client, weights, words):
    bodies = {
        ("POST", "/v1/recommendations"): f'{{"locality": "Steelton", "weights": {weights}}}',
        ("POST", "/v1/compare"): f'{{"locality": "Steelton", "candidates": ["Anshan"], "weights": {weights}}}',
        ("POST", "/v1/rankings/diff"): f'{{"locality": "Steelton", "a": {{}}, "b": {{"weights": {weights}}}}}',
        ("PUT", "/v1/profiles/w"): f'{{"weights": {weights}}}',
    }
    for (method, path), raw in bodies.items():
        assert_problem(client.request(method, path, content=raw.encode(), headers=JSON), 422, words)
    assert client.get("/v1/profiles/w").status_code == 404  # nothing was saved


@pytest.mark.parametrize(("text", "words"), [
    ("scale=nan", "finite"), ("scale=inf", "finite"), ("scale=-1", ">= 0"), ("scale=abc", "must be a number"),
    ("industri=1", "unknown block"), ("scale", "not of the form block=weight"), ("=1", "unknown block ''"),
    (",".join(f"{b}=0" for b in block_names()), "positive weight"),
    ("scale=1e308,industry=1e308", "too large"), ("scale=1e400", "finite"),
])
def test_bad_weights_in_csv_query(client, text, words):
    r = client.get("/v1/recommendations.csv", params={"locality": "Steelton", "weights": text})
    assert_problem(r, 422, words)


def test_one_huge_weight_is_fine(client):
    """1e308 alone keeps Σw finite: that block decides the ranking and the arithmetic stays exact."""
    r = client.post("/v1/recommendations", json={"locality": "Steelton", "k": 5, "weights": {"scale": 1e308}})
    assert r.status_code == 200
    for res in r.json()["results"]:
        assert 0 <= res["score"] <= 1
        assert abs(sum(res["contributions"].values()) - res["score"]) < 1e-9
        assert all(v < 1e-300 for b, v in res["contributions"].items() if b != "scale")


# ---- bodies: size and content type ---------------------------------------------------------------------------

def _chunks(n_kib: int):
    for _ in range(n_kib):
        yield b" " * 1024


def test_body_over_limit(client):
    # Content-Length over the limit: refused before reading (also asserted in test_service).
    assert_problem(client.post("/v1/recommendations", content=b"{" + b" " * 70_000 + b"}", headers=JSON), 413,
                   "65536 bytes")
    # Chunked, no Content-Length: the bytes are counted as they arrive.
    assert_problem(client.post("/v1/recommendations", content=_chunks(100), headers=JSON), 413)
    # A Content-Length that lies (10) does not let 100 KiB through.
    assert_problem(client.post("/v1/recommendations", content=_chunks(100),
                               headers={**JSON, "content-length": "10"}), 413)
    assert_problem(client.post("/v1/recommendations", content=b"{}", headers={**JSON, "content-length": "ten"}),
                   400, "Content-Length")


def test_chunked_body_under_limit_still_works(client):
    def parts():
        yield b'{"locality": '
        yield b'"Steelton", "k": 2}'

    r = client.post("/v1/recommendations", content=parts(), headers=JSON)
    assert r.status_code == 200 and len(r.json()["results"]) == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          None])
@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/recommendations"), ("POST", "/v1/compare"),
                                              ("POST", "/v1/rankings/diff"), ("PUT", "/v1/profiles/ct")])
def test_wrong_content_type(client, content_type, method, path):
    raw = json.dumps({"locality": "Steelton", "candidates": ["Anshan"], "a": {}, "b": {}, "weights": {}})
    headers = {"content-type": content_type} if content_type else {}
    r = client.request(method, path, content=raw.encode(), headers=headers)
    assert_problem(r, 422, "Content-Type: application/json", f"got '{content_type}'" if content_type else
                   "got no Content-Type")


def test_form_post(client):
    r = client.post("/v1/recommendations", data={"locality": "Steelton"})
    assert_problem(r, 422, "must be JSON", "application/x-www-form-urlencoded")


# ---- markup in names -----------------------------------------------------------------------------------------

def _no_raw_markup(html: str) -> None:
    for tag in RAW_TAGS:
        assert tag not in html, f"unescaped {tag!r} in the page"


def test_html_in_names_is_escaped_on_pages(hostile):
    for a, b in (("E06000903", "510100"), ("E08000901", "510100")):
        r = hostile.get("/card", params={"a": a, "b": b})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        _no_raw_markup(r.text)
        assert "&lt;img src=x onerror=alert(1)&gt;" in r.text
        assert "成都&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        assert r.text.count("<script") == 0  # the card page has no script of its own
    index = hostile.get("/")
    _no_raw_markup(index.text)
    assert index.text.count("<script>") == index.text.count("</script>") == 1


def test_html_in_names_is_plain_data_in_json_and_csv(hostile):
    r = hostile.get("/v1/recommendations", params={"locality": "E08000901", "k": 20})
    assert r.headers["content-type"] == "application/json"
    chengdu = next(x["locality"] for x in r.json()["results"] if x["locality"]["id"] == "510100")
    assert chengdu["name"] == XSS_CN and chengdu["name_zh"] == XSS_ZH  # exact, neither escaped nor mangled
    hits = hostile.get("/v1/localities", params={"q": "<script"}).json()
    assert {h["id"] for h in hits} >= {"E06000903"}
    assert hostile.get("/v1/explain", params={"a": "E06000903", "b": "510100"}).json()["a"]["name"] == XSS_GB
    csv = hostile.get("/v1/recommendations.csv", params={"locality": "E08000901"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="partners-E08000901.csv"'
    assert XSS_CN in csv.text
    # A name a spreadsheet would run as a formula is prefixed with ' in the CSV (and only there).
    rows = read_rows(csv.text)
    dalian = next(row for row in rows if row["id"] == "210200")
    assert dalian["name"] == "'" + FORMULA
    assert next(x for x in r.json()["results"] if x["locality"]["id"] == "210200")["locality"]["name"] == FORMULA
    # An unknown name is echoed in the detail, inside JSON, never as HTML.
    r = hostile.get("/v1/recommendations", params={"locality": "<b>nowhere</b>"})
    assert assert_problem(r, 404)["detail"].startswith("no locality matches '<b>nowhere</b>'")


def test_script_json_blob_cannot_be_closed(client, monkeypatch):
    """The page embeds its data (block list, ...) as JSON in a <script>; "</script>" in a label must not end it."""
    evil = "</script><script>alert(1)</script><!--"
    specs = tuple(b.model_copy(update={"label_en": evil, "description": '" onmouseover="alert(1)'})
                  for b in blocks())
    monkeypatch.setattr("service.page.blocks", lambda: specs)
    html = client.get("/").text
    assert html.count("</script>") == 1 and "<script>alert(1)" not in html and "<!--" not in html
    assert 'onmouseover="alert' not in html  # attribute value escaped too
    blob = re.search(r"const DATA = (.*?);\n", html).group(1)
    assert "<" not in blob and ">" not in blob and "\\u003c/script\\u003e" in blob
    assert json.loads(blob)["blocks"][0]["label_en"] == evil  # still the same data for the script


# ---- CORS ----------------------------------------------------------------------------------------------------

def test_cors_preflight(client):
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/v1/recommendations", headers={"Origin": ORIGIN, **ask})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
    no = client.options("/v1/recommendations", headers={"Origin": "https://evil.example", **ask})
    assert_problem(no, 400, "Disallowed CORS origin")
    assert "access-control-allow-origin" not in no.headers
    no = client.options("/v1/recommendations", headers={"Origin": "null", **ask})
    assert "access-control-allow-origin" not in no.headers
    bad_method = client.options("/v1/recommendations", headers={"Origin": ORIGIN,
                                                                "Access-Control-Request-Method": "DELETE"})
    assert_problem(bad_method, 400, "method")


def test_cors_simple_requests(client):
    for origin, allowed in ((ORIGIN, True), ("https://evil.example", False), ("https://howto.example.evil", False)):
        for r in (client.get("/v1/recommendations", params={"locality": "Steelton"}, headers={"Origin": origin}),
                  client.post("/v1/recommendations", json={"locality": "Steelton"}, headers={"Origin": origin})):
            assert r.status_code == 200
            assert (r.headers.get("access-control-allow-origin") == origin) is allowed
            assert "access-control-allow-credentials" not in r.headers


# ---- profiles and presets ------------------------------------------------------------------------------------

def test_unknown_profile(client):
    assert_problem(client.get("/v1/profiles/nobody"), 404, "no saved profile 'nobody'")
    assert_problem(client.delete("/v1/profiles/nobody"), 404, "nobody")
    body = assert_problem(client.get("/v1/recommendations", params={"locality": "Steelton", "profile": "nobody"}),
                          422, "no saved profile 'nobody'")
    assert body["field"] == "profile"
    assert_problem(client.post("/v1/recommendations", json={"locality": "Steelton", "profile": "nobody"}), 422,
                   "nobody")


@pytest.mark.parametrize("name", ["a b", "a.b", "~root", "x;drop", "é", "a" * 65])
def test_profile_name_with_bad_characters(client, name):
    for method in ("GET", "PUT", "DELETE"):
        r = client.request(method, f"/v1/profiles/{name}", json={"weights": {"industry": 1}})
        assert_problem(r, 422, "name")


def test_profile_without_a_name(client):
    # GET /v1/profiles/ is the list (GET /v1/profiles); PUT there writes nothing.
    assert client.get("/v1/profiles/").json() == client.get("/v1/profiles").json()
    r = client.put("/v1/profiles/", json={"weights": {"industry": 1}}, follow_redirects=False)
    assert r.status_code in (307, 404, 405)
    assert client.get("/v1/profiles").json() == client.get("/v1/profiles/").json()


@pytest.mark.parametrize("path", ["/v1/profiles/../x", "/v1/profiles/..%2Fx", "/v1/profiles/a%2Fb"])
def test_profile_path_traversal(client, path):
    # A slash (even encoded) leaves the {name} segment: no route matches, nothing is read or written.
    for method in ("GET", "PUT"):
        assert_problem(client.request(method, path, json={"weights": {"industry": 1}}), 404, "Not Found")
    # As a query parameter it is only ever a database key (never a path): unknown profile.
    r = client.get("/v1/recommendations", params={"locality": "Steelton", "profile": "../../etc/passwd"})
    assert_problem(r, 422, "no saved profile")


def test_unknown_preset(client):
    for r in (client.get("/v1/recommendations", params={"locality": "Steelton", "preset": "nope"}),
              client.get("/v1/recommendations.csv", params={"locality": "Steelton", "preset": "nope"}),
              client.post("/v1/recommendations", json={"locality": "Steelton", "preset": "nope"}),
              client.post("/v1/compare", json={"locality": "Steelton", "candidates": ["Anshan"], "preset": "nope"}),
              client.post("/v1/rankings/diff", json={"locality": "Steelton", "a": {"preset": "nope"}, "b": {}}),
              client.get("/v1/explain", params={"a": "Steelton", "b": "Anshan", "preset": "nope"})):
        body = assert_problem(r, 422, "unknown preset 'nope'", "balanced")
        assert body["field"] == "preset"
    assert_page_error(client.get("/card", params={"a": "Steelton", "b": "Anshan", "preset": "nope"}), 422,
                      "unknown preset &#39;nope&#39;", "balanced")
    assert_problem(client.get("/v1/recommendations", params={"locality": "Steelton", "preset": "p" * 65}), 422,
                   "preset")


# ---- pairs ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [("Steelton", "Portcaster"), ("Anshan", "Dalian"), ("Steelton", "Steelton")])
def test_same_country_pair(client, a, b):
    assert_problem(client.get("/v1/explain", params={"a": a, "b": b}), 422, "one UK and one Chinese")
    assert_page_error(client.get("/card", params={"a": a, "b": b}), 422, "one UK locality with one Chinese")
