"""Regenerate the README's page, map, card and place screenshots, and the Chinese page and card (Chengdu's UK
suggestions, `?lang=zh`), from the shipped model:
`.venv/bin/python docs/screenshot.py`.

Needs Debian's chromium (/usr/bin/chromium) and a built model (`matcher build`).
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from matcher.artifact.store import load_bundle
from matcher.paths import MODELS_DIR
from service.app import create_app
from service.core.config import Settings

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(query: str = "Sheffield") -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp())
    app = create_app(bundle=load_bundle(MODELS_DIR), settings=Settings(models_dir=tmp))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(base + "/")
        page.fill("#q", query)
        page.wait_for_function("document.querySelectorAll('#suggest option').length > 0")
        page.fill("#q", page.eval_on_selector("#suggest option", "o => o.value"))
        page.click("#go")
        page.wait_for_selector("#results .result")
        page.screenshot(path=str(HERE / "screenshot-page.png"))
        page.wait_for_selector("svg#map .marker")
        page.locator("figure.map").screenshot(path=str(HERE / "screenshot-map.png"))
        page.click("#results .result:first-child a.card-link")
        page.wait_for_selector("section h2")
        page.screenshot(path=str(HERE / "screenshot-card.png"), full_page=True)
        page.goto(base + "/place?id=" + page.url.split("a=")[1].split("&")[0])
        page.wait_for_selector("#figures-table")
        page.screenshot(path=str(HERE / "screenshot-place.png"))
        # The Chinese side reads its own language: Chengdu's UK suggestions and the first one's card.
        page.goto(base + "/?lang=zh&locality=510100")
        page.wait_for_selector("#results .result")
        page.screenshot(path=str(HERE / "screenshot-zh-page.png"))
        page.click("#results .result:first-child a.card-link")
        page.wait_for_selector("section h2")
        page.screenshot(path=str(HERE / "screenshot-zh-card.png"), full_page=True)
        browser.close()
    server.should_exit = True
    print("wrote", *(HERE / f"screenshot-{n}.png" for n in ("page", "map", "card", "place", "zh-page", "zh-card")))


if __name__ == "__main__":
    main()
