"""The council page and the embed in a real browser: headless Debian Chromium driven by Playwright.

One live server (uvicorn in a thread) serves a fixture model in which one Chinese locality carries a
hostile name, so every test here also checks that names are shown as text and never run as markup.
The embed example page (docs/embed-example.html) is served from two other origins: one on the CORS
allowlist, one not.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from bench.server import free_port
from features.sources import load_tables
from matcher.build import fit_bundle
from service.app import create_app
from service.core.config import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (.ci/run installs it with apt-get)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "embed-example.html"
HOSTILE = '<img src=x onerror="window.pwned=1">Dalian'
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def serve_static(html: str) -> tuple[http.server.ThreadingHTTPServer, int]:
    """A plain web server standing in for a how-to library page."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, port


@pytest.fixture(scope="module")
def hostile_bundle(fixture_copy_module):
    path = fixture_copy_module / "localities_cn.csv"
    text = path.read_text(encoding="utf-8").replace(",Dalian,", ',"' + HOSTILE.replace('"', '""') + '",', 1)
    path.write_text(text, encoding="utf-8")
    return fit_bundle(load_tables(fixture_copy_module))


@pytest.fixture(scope="module")
def fixture_copy_module(tmp_path_factory):
    from matcher.paths import FIXTURES_DIR

    dst = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(FIXTURES_DIR, dst)
    return dst


@pytest.fixture(scope="module")
def site(hostile_bundle, tmp_path_factory):
    """API server + an allowed and a refused embedding site. Yields their base URLs."""
    import uvicorn

    # The example page as committed, pointed at this server and a fixture locality.
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    html = EXAMPLE.read_text(encoding="utf-8")
    html = re.sub(r'src="[^"]*/embed\.js"', f'src="{api}/embed.js"', html)
    html = re.sub(r'data-locality="[^"]*"', 'data-locality="E08000901"', html)
    html = re.sub(r'data-k="[^"]*"', 'data-k="10"', html)  # every fixture CN locality, the hostile one too
    allowed_srv, allowed_port = serve_static(html)
    refused_srv, refused_port = serve_static(html)
    allowed = f"http://127.0.0.1:{allowed_port}"

    tmp = tmp_path_factory.mktemp("browser-svc")
    settings = Settings(models_dir=tmp, database_url=f"sqlite:///{tmp}/p.db", cors_origins=[allowed])
    server = uvicorn.Server(uvicorn.Config(create_app(bundle=hostile_bundle, settings=settings),
                                           host="127.0.0.1", port=api_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield {"api": api, "allowed": allowed, "refused": f"http://127.0.0.1:{refused_port}"}
    server.should_exit = True
    thread.join(10)
    allowed_srv.shutdown()
    refused_srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = ctx.new_page()
    yield pg
    ctx.close()


def result_ids(page) -> list[str]:
    return page.eval_on_selector_all("#results .result", "els => els.map(e => e.dataset.id)")


def set_sliders(page, weights: dict[str, float]) -> None:
    """Move the sliders as a user would (the page re-ranks on each slider's change event)."""
    for block, value in weights.items():
        page.eval_on_selector(f"#w-{block}", "(s, v) => { s.value = v; s.dispatchEvent(new Event('change')); }",
                              str(value))


def test_search_rerank_and_open_card(page, site, hostile_bundle, tmp_path):
    page.goto(site["api"] + "/")
    page.fill("#q", "Steel")
    page.wait_for_function("document.querySelectorAll('#suggest option').length > 0")
    options = page.eval_on_selector_all("#suggest option", "os => os.map(o => o.value)")
    assert any("[E08000901]" in o for o in options)

    page.fill("#q", next(o for o in options if "[E08000901]" in o))
    page.click("#go")
    page.wait_for_selector("#results .result")
    before = result_ids(page)
    assert before == hostile_bundle.matcher.rank("E08000901", None, k=10).index.tolist()

    # Pick a single-block weighting that reorders the list, then make the page show it.
    blocks = page.eval_on_selector_all("#sliders input", "ss => ss.map(s => s.dataset.block)")
    target = None
    for b in blocks:
        w = {x: (5.0 if x == b else 0.0) for x in blocks}
        order = hostile_bundle.matcher.rank("E08000901", w, k=10).index.tolist()
        if order != before:
            target, expected = w, order
            break
    assert target, "no single block reorders the fixture list"
    set_sliders(page, target)
    page.wait_for_function("(exp) => [...document.querySelectorAll('#results .result')]"
                           ".map(e => e.dataset.id).join() === exp", arg=",".join(expected))
    assert result_ids(page) == expected != before

    # Contribution bars: one segment per block, widths add up to the score.
    score = float(page.text_content("#results .result h3 .muted").rsplit(" ", 1)[-1])
    # Reciprocity: where the query would rank in the first result's own list, as the API computes it.
    mutual = page.text_content("#results .result:first-child h3 .mutual")
    first = expected[0]
    others = hostile_bundle.matcher.rank(first, target, k=100).index.tolist()
    assert mutual.endswith("#" + str(others.index("E08000901") + 1))
    widths = page.eval_on_selector_all("#results .result:first-child .bar span",
                                       "ss => ss.map(s => parseFloat(s.style.width))")
    assert len(widths) == len(blocks) and sum(widths) / 100 == pytest.approx(score, abs=2e-3)

    # The hostile name is shown as text on the page, never parsed into an element.
    assert page.evaluate("window.pwned") is None
    assert page.locator("#results img").count() == 0

    with page.expect_navigation():
        page.click("#results .result:first-child a.card-link")
    assert "/card?" in page.url
    assert page.locator("section h2").count() == 6
    assert page.evaluate("window.pwned") is None

    out = Path(os.environ.get("MATCHER_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(out / "card.png"), full_page=True)


def test_hostile_name_is_text_on_card(page, site):
    page.goto(site["api"] + "/card?a=E08000901&b=210200")
    assert HOSTILE in page.text_content("h1")
    assert page.locator("img").count() == 0 and page.evaluate("window.pwned") is None


def test_embed_from_allowed_origin(page, site, hostile_bundle):
    page.goto(site["allowed"] + "/")
    page.wait_for_selector(".pm-embed li")
    names = page.eval_on_selector_all(".pm-embed li a", "as => as.map(a => a.href)")
    expected = hostile_bundle.matcher.rank("E08000901", None, k=10).index.tolist()
    assert [re.search(r"b=(\w+)", n).group(1) for n in names] == expected
    assert all(n.startswith(site["api"] + "/card?a=E08000901") for n in names)


def test_embed_escapes_html(page, site):
    page.goto(site["allowed"] + "/")
    page.wait_for_selector(".pm-embed li")
    texts = page.eval_on_selector_all(".pm-embed li a", "as => as.map(a => a.textContent)")
    assert any(HOSTILE in t for t in texts), texts
    assert page.locator(".pm-embed img").count() == 0 and page.evaluate("window.pwned") is None


def test_embed_refused_from_other_origin(page, site):
    page.goto(site["refused"] + "/")
    page.wait_for_selector(".pm-embed p")
    assert "unavailable" in page.text_content(".pm-embed p")
    assert page.locator(".pm-embed li").count() == 0
