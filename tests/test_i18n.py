"""Message catalogs (matcher/messages/<lang>.toml): one key set, the same facts in every language, Chinese
wording in the Chinese catalog, English output unchanged, and `lang` on the JSON API."""

import json
import re

import pytest

from matcher.answers.explain import caveat_messages, query_caveats, reason_objects
from matcher.answers.recommend import weights_for
from matcher.i18n import (
    LANGS,
    Join,
    Local,
    Quote,
    UnknownLanguage,
    accept_language,
    catalog,
    check_lang,
    keys_with_fields,
    msg,
    render,
    wan,
)

CJK = re.compile(r"[\u3400-\u9fff]")
# Latin words a Chinese sentence may keep: units and the names of figures as their publishers abbreviate them.
LATIN_OK = {"CO2e", "GVA", "GDP", "x", "JSON", "OpenAPI"}


def test_every_language_has_every_key_with_the_same_facts():
    en = keys_with_fields("en")
    for lang in LANGS:
        other = keys_with_fields(lang)
        assert set(other) == set(en), f"{lang}: missing {set(en) - set(other)}, extra {set(other) - set(en)}"
        for k, fields in en.items():
            assert other[k] == fields, f"{lang} {k}: fields {other[k]} != {fields}"
        assert len(catalog(lang)["numbers.words"]) == len(catalog("en")["numbers.words"])


def test_chinese_templates_are_chinese():
    """Every Chinese template's own words are Chinese: no English word left once its {fields} are taken out."""
    left = {}
    for k, v in catalog("zh").items():
        if not isinstance(v, str):
            continue
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9]+", re.sub(r"\{[^}]*\}", "", v))) - LATIN_OK
        if words:
            left[k] = words
    assert not left, left


def test_unknown_language_is_refused():
    assert check_lang(None) == "en" and check_lang("zh") == "zh"
    with pytest.raises(UnknownLanguage):
        check_lang("fr")


@pytest.mark.parametrize(("header", "lang"), [
    (None, "en"), ("", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-GB,en;q=0.9,zh;q=0.8", "en"),
    ("fr-FR, zh-Hans;q=0.5", "zh"), ("de, fr", "en"), ("zh;q=0, en;q=0.1", "en"), ("en;q=0.2, zh;q=0.7", "zh"),
    ("zh;q=bad", "en")])
def test_accept_language(header, lang):
    assert accept_language(header) == lang


def test_rendering_facts_per_language():
    sheffield = Local("Sheffield", "谢菲尔德")
    m = msg("scale.size", bigger=Local("Anshan", "鞍山市"), smaller=sheffield, times=msg("scale.ratio_small", r=6.04))
    assert render(m, "en") == "Anshan has 6.0x the population of Sheffield"
    assert render(m, "zh") == "鞍山市的人口是谢菲尔德的6.0倍"
    assert render(Local("Oldham"), "zh") == "Oldham"  # no Chinese name: the English one
    joined = Join([Local("steel", "钢铁"), Local("ports", "港口"), Local("chemicals", "化工")])
    assert (render(joined, "en"), render(joined, "zh")) == ("steel, ports and chemicals", "钢铁、港口和化工")
    assert render(msg("prominence.population", population=8_400_000), "en") == "a large population (8.4 million)"
    assert render(msg("prominence.population", population=8_400_000), "zh") == "人口众多（840万）"
    assert (wan(1234), wan(123_456), wan(2_093_000_000)) == ("1,234", "12.3万", "20.9亿")
    cost = msg("resources.visit_cost", reference="", by=Local("Derby", "德比"), year=2015, travellers=4, nights=4,
               cost=4000)
    assert render(cost, "en") == ("Derby's 2015 estimate for a four-person, four-night visit to China was about £4,000 "
                                  "(2015 prices, not adjusted).")
    assert render(cost, "zh") == "德比2015年估算，四人、四晚的访华行程费用约为4,000英镑（按2015年价格，未作调整）。"


def test_quoted_evidence_keeps_its_language_and_is_marked_in_html():
    m = msg("reason.evidence_item", place=Local("Sheffield", "谢菲尔德"), evidence=Quote("Steel <city> since 1740"))
    assert render(m, "zh") == "谢菲尔德：Steel <city> since 1740"
    assert render(m, "zh", markup=True) == '谢菲尔德：<span lang="en">Steel &lt;city&gt; since 1740</span>'
    assert render(m, "en", markup=True) == "Sheffield: Steel &lt;city&gt; since 1740"  # same language: no mark
    assert Quote("鞍钢集团总部").lang == "zh-Hans"


def _pairs(bundle, k=5):
    m = bundle.model
    w = weights_for(bundle, None)
    for direction in m.ids_:
        for q in m.ids_[direction]:
            ids, contrib = m.top(q, w, k)
            for c, row in zip(ids, contrib, strict=True):
                yield q, c, dict(zip(w, row.tolist(), strict=True))


def test_reasons_and_caveats_render_in_chinese(bundle):
    """Every reason and caveat of every query's top 5 has a message; its English rendering is the reason's text
    (the wording test_reasons checks), and its Chinese rendering is Chinese."""
    m = bundle.model
    seen_blocks = set()
    for q, c, contrib in _pairs(bundle):
        for r in reason_objects(m, q, c, contrib):
            assert r.msg is not None and r.render("en") == r.text
            assert CJK.search(r.render("zh")), r.render("zh")
            seen_blocks.add(r.block)
        for cv in caveat_messages(m, q, c):
            assert CJK.search(render(cv, "zh")), render(cv, "zh")
        for cv in query_caveats(m, q, "zh"):
            assert CJK.search(cv), cv
    assert len(seen_blocks) >= 5, seen_blocks


def test_api_lang_parameter(fixture_client):
    c = fixture_client
    en = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3}).json()
    zh = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3, "lang": "zh"}).json()
    assert [r["locality"]["id"] for r in en["results"]] == [r["locality"]["id"] for r in zh["results"]]
    assert all(not CJK.search(t) or "测试" in t for r in en["results"] for t in r["reasons"])
    texts = [t for r in zh["results"] for t in r["reasons"] + r["caveats"]]
    assert texts and all(CJK.search(t) for t in texts), texts
    # Accept-Language when no parameter is given; the parameter wins over it.
    by_header = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3},
                      headers={"Accept-Language": "zh-CN,zh;q=0.9"}).json()
    assert by_header["results"][0]["reasons"] == zh["results"][0]["reasons"]
    forced = c.get("/v1/recommendations", params={"locality": "Steelton", "k": 3, "lang": "en"},
                   headers={"Accept-Language": "zh-CN"}).json()
    assert forced["results"][0]["reasons"] == en["results"][0]["reasons"]
    post = c.post("/v1/recommendations", json={"locality": "Steelton", "k": 3, "lang": "zh"}).json()
    assert post["results"][0]["reasons"] == zh["results"][0]["reasons"]
    csv = c.get("/v1/recommendations.csv", params={"locality": "Steelton", "k": 3, "lang": "zh"}).text
    assert zh["results"][0]["reasons"][0] in csv


@pytest.mark.parametrize("path", ["/v1/recommendations", "/v1/recommendations.csv", "/v1/review"])
def test_unknown_lang_is_a_422_naming_the_field(fixture_client, path):
    r = fixture_client.get(path, params={"locality": "Steelton", "lang": "fr"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "lang" in r.json()["detail"]
    r = fixture_client.post("/v1/recommendations", json={"locality": "Steelton", "lang": "xx"})
    assert r.status_code == 422 and "lang" in r.json()["detail"]


def test_explain_and_review_in_chinese(fixture_client):
    c = fixture_client
    card = c.get("/v1/explain", params={"a": "Steelton", "b": "Anshan", "lang": "zh"}).json()
    titles = [s["title"] for s in card["sections"]]
    assert titles == ["地点概况", "战略契合", "概况", "尽职调查事项", "联系与往来", "资源与目的"]
    assert all(CJK.search(t) for t in card["reasons"] + card["caveats"])
    res = card["resources"]
    assert CJK.search(res["committee_sentence"]) and CJK.search(res["time_difference"])
    assert all(CJK.search(s["text"]) for s in res["support"])
    assert "鞍山市" in " ".join(card["sections"][0]["items"])
    en = c.get("/v1/explain", params={"a": "Steelton", "b": "Anshan"}).json()
    assert en["sections"][0]["title"] == "Location overview" and en["score"] == card["score"]
    review = c.get("/v1/review", params={"locality": "Steelton", "lang": "zh"}).json()
    for p in review["partners"]:
        assert CJK.search(p["summary"]) and all(CJK.search(t) for t in p["reasons"] + p["caveats"])


# ---- pages in Chinese ---------------------------------------------------------------------------------
# What a Chinese page may show in Latin letters: format and unit names, figures' own abbreviations, ids and
# codes (GSS, GB/T 2260, IATA), a placeholder that is a profile id, an environment variable's name. Place names
# without a Chinese name and quoted evidence are marked lang="en" and so are not listed at all.
UI_LATIN_OK = {"CSV", "JSON", "OpenAPI", "GVA", "GDP", "CO2e", "GB", "CN", "derby-cabinet", "MATCHER_ANALYST_TOKENS"}
ID = re.compile(r"^[A-Z]{1,3}\d{3,}$|^\d{6}$")


class _Strings:
    """Every string a reader meets in a page: text nodes and aria-label, placeholder, title and alt, outside
    <script>, <style>, <code> (an identifier) and any element marked lang="en" (a proper noun or a quotation in its
    own language)."""

    def __init__(self, page: str):
        from html.parser import HTMLParser

        found: list[str] = []
        stack: list[tuple[str, str | None]] = []
        void = {"br", "meta", "input", "img", "link", "hr", "wbr", "option", "col", "source"}

        def quiet() -> bool:
            return any(t in ("script", "style", "code") or (lang or "").startswith("en") for t, lang in stack)

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag not in void:
                    stack.append((tag, a.get("lang")))
                if not quiet() and not (a.get("lang") or "").startswith("en"):
                    found.extend(v for k in ("aria-label", "placeholder", "title", "alt") if (v := a.get(k)))

            def handle_endtag(self, tag):
                for n in range(len(stack) - 1, -1, -1):
                    if stack[n][0] == tag:
                        del stack[n:]
                        break

            def handle_data(self, data):
                if data.strip() and not quiet():
                    found.append(data.strip())

        P().feed(page)
        self.strings = found

    def english(self) -> list[str]:
        left = []
        for s in self.strings:
            words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_\-]+", s) if not ID.match(w)} - UI_LATIN_OK
            if words:
                left.append(s)
        return left


@pytest.mark.parametrize(("path", "status"), [
    ("/?lang=zh&locality=E08000901", 200), ("/card?a=E08000901&b=210300&lang=zh", 200),
    ("/place?id=E08000901&lang=zh", 200), ("/place?id=210300&lang=zh", 200), ("/methodology?lang=zh", 200),
    ("/card?a=E08000901&lang=zh", 400), ("/place?id=nowhere&lang=zh", 404),
    ("/card?a=E08000901&b=E08000902&lang=zh", 422),
    ("/card?a=E08000901&b=210300&weights=bogus=1&lang=zh", 422)])
def test_chinese_pages_leave_no_english_ui_string(fixture_client, path, status):
    """Every page (index, card, place, methodology, error pages) under lang=zh: no English string a reader meets,
    beyond names and quotations marked lang="en"."""
    r = fixture_client.get(path)
    assert r.status_code == status
    assert '<html lang="zh-Hans">' in r.text
    strings = _Strings(r.text)
    assert len(strings.strings) > (10 if status == 200 else 3)
    assert strings.english() == []


def test_chinese_by_accept_language_and_a_switch_on_every_page(fixture_client):
    c = fixture_client
    for path in ["/", "/card?a=E08000901&b=210300", "/place?id=E08000901", "/methodology"]:
        zh = c.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert '<html lang="zh-Hans">' in zh.text, path
        en = c.get(path)
        assert '<html lang="en">' in en.text, path
        # The switch links to the same page and state in the other language.
        assert 'id="lang-zh"' in en.text and 'id="lang-en"' in zh.text, path
        assert "lang=zh" in re.search(r'href="([^"]*)" id="lang-zh"', en.text).group(1)
    card = c.get("/card?a=E08000901&b=210300&lang=zh").text
    assert "a=E08000901" in re.search(r'href="([^"]*)" id="lang-en"', card).group(1)
    # The Chinese card: Chinese reasons, Chinese place names, English evidence marked as English.
    assert "鞍山市" in card and '<span lang="en">made-up' in card
    r = c.get("/card?a=E08000901&b=210300&lang=fr")
    assert r.status_code == 422 and "lang" in r.json()["detail"]


def test_embed_and_page_script_carry_the_language(fixture_client):
    js = fixture_client.get("/embed.js").text
    assert "data-lang" in js and "p.set('lang', lang)" in js
    page = fixture_client.get("/?lang=zh").text
    assert '"lang": "zh"' in page or '"lang":"zh"' in page


# A string literal in a script with two English words in a row is a sentence a reader would meet: the page's
# script and the embed take every sentence from the catalog (DATA.ui, the embed's WORDS) instead.
LITERAL = re.compile(r"'((?:[^'\\\n]|\\.)*)'")
SENTENCE = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b")


def sentences(js: str) -> list[str]:
    """The single-quoted literals of a script (comments dropped) that read as English words."""
    code = "\n".join(line if "://" in line else line.split("//")[0] for line in js.splitlines())
    return [lit for lit in LITERAL.findall(code) if SENTENCE.search(lit) and lit not in SELECTORS]


SELECTORS = {"#sliders input", ".modes button", "box common"}  # CSS selectors and class names, not words


def _script(page: str) -> str:
    return "\n".join(re.findall(r"<script>(.*?)</script>", page, re.S))


def test_no_sentence_is_written_into_the_scripts(fixture_client):
    """The embed and the page's script hold no English sentence of their own (comments aside), and the embed's
    Chinese words are all Chinese; so under lang=zh the widget and the page's dynamic parts are Chinese."""
    embed = fixture_client.get("/embed.js").text
    assert sentences(embed) == []
    assert sentences(_script(fixture_client.get("/?lang=zh").text)) == []
    words = json.loads(re.search(r"var WORDS = (\{.*?\});\n", embed).group(1))
    assert set(words) == set(LANGS) and set(words["zh"]["embed"]) == set(words["en"]["embed"])
    for key, text in words["zh"]["embed"].items():
        assert not set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}", "", text))), key
    assert CJK.search(words["zh"]["presets"]["balanced"]) and CJK.search(words["zh"]["kinds"]["sister_city"])


def test_english_pages_are_as_they_were(fixture_client):
    """English pages gain the language switch and nothing else: no lang marks on quotes, no lang in their links."""
    for path in ["/", "/card?a=E08000901&b=210300", "/place?id=E08000901", "/place?id=210300", "/methodology"]:
        page = fixture_client.get(path).text
        body = re.sub(r'<span class="lang-switch".*?</span>|<script>.*?</script>', "", page, flags=re.S)
        body = body.replace('<html lang="en">', "")
        assert 'lang="en"' not in body and "lang=en" not in body and "lang=zh" not in body, path
        assert 'id="prose-note"' not in body
    card = fixture_client.get("/card?a=E08000901&b=210300").text
    assert "Sources: synthetic fixture" in card and "Profile of Anshan</a>" in card


def test_chinese_numbers_dates_and_names(fixture_client):
    """Figures in 万 on the Chinese profile, the date in the reader's calendar words, names in Chinese."""
    zh = fixture_client.get("/place?id=210300&lang=zh").text
    en = fixture_client.get("/place?id=210300").text
    assert "万" in zh and "8,400,000" in en and "8,400,000" not in zh
    assert "toLocaleDateString(DATA.html_lang" in fixture_client.get("/?lang=zh").text
    method = fixture_client.get("/methodology?lang=zh").text
    assert "<h1>匹配工具的工作原理</h1>" in method and "得分 = Σ w·s / Σ w" in method


def test_chinese_methodology_with_its_evaluation(bundle, tmp_path):
    """With the shipped evaluation the Chinese method page is Chinese throughout, its prose and evaluation table
    included; only the protocols' and sources' own words stay English, marked lang="en". The English page keeps
    its evaluation as it was."""
    import json

    from fastapi.testclient import TestClient

    from matcher.paths import ROOT
    from service.app import create_app
    from service.core.config import Settings

    if not (ROOT / "models" / "evaluation.json").exists():
        pytest.skip("no models/evaluation.json in this checkout")
    app = create_app(bundle=bundle, settings=Settings(models_dir=ROOT / "models",
                                                      database_url=f"sqlite:///{tmp_path}/p.db"))
    with TestClient(app) as c:
        zh, en = c.get("/methodology?lang=zh").text, c.get("/methodology").text
    ev = json.loads((ROOT / "models" / "evaluation.json").read_text())
    assert f"<h3>按日期留出检验：以{ev['split_year']}年为界按时间划分" in zh and '<div lang="en">' not in zh
    assert "基准：仅看知名度" in zh and "当前模型" in zh and "平均倒数排名" in zh
    assert _Strings(zh).english() == []
    assert "<h3>Held out by date: " in en and "baseline: prominence alone" in en and 'lang="en"' not in \
        en.replace('<html lang="en">', "")
    # every figure of the table is the evaluation's own, in both languages
    mrr = f"{ev['model']['mrr']:.3f}"
    assert mrr in zh and mrr in en


def test_english_asked_for_stays_english(fixture_client):
    """A page whose URL says lang=en keeps it in its links (a Chinese browser would otherwise get the next page in
    Chinese), and the GET comparison takes `lang` like the other answers the page links to."""
    zh_browser = {"Accept-Language": "zh-CN,zh;q=0.9"}
    card = fixture_client.get("/card?a=E08000901&b=210300&lang=en", headers=zh_browser).text
    assert '<html lang="en">' in card
    assert 'href="/methodology?lang=en"' in card and 'href="/place?id=210300&amp;lang=en"' in card
    assert re.search(r'href="/\?locality=E08000901[^"]*&amp;lang=en" id="back"', card)
    assert '"sticky": true' in fixture_client.get("/?lang=en", headers=zh_browser).text
    cmp = fixture_client.get("/v1/compare", params={"locality": "E08000901", "candidates": "210300,510100",
                                                    "lang": "zh"})
    assert cmp.status_code == 200 and all(CJK.search(t) for r in cmp.json()["results"] for t in r["reasons"])


def test_the_issue_example_page(fixture_client):
    """GET /?lang=zh&locality=510100 (Chengdu): the Chinese page, its state in the script's data."""
    r = fixture_client.get("/?lang=zh&locality=510100")
    assert r.status_code == 200 and '<html lang="zh-Hans">' in r.text and "<title>友好城市匹配</title>" in r.text


def test_preset_notes_are_the_presets_descriptions():
    """The page's weighting notes come from the catalogs; the English ones are presets.toml's descriptions word
    for word (the CLI and the API read those), and every preset has one in every language."""
    from matcher.config import presets
    from matcher.i18n import table

    assert {n: p.description for n, p in presets().items()} == table("preset_notes", "en")
    assert set(table("preset_notes", "zh")) == set(presets())
