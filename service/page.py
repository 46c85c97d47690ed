"""The council officer's page, the assessment card page and the embeddable widget.

Server-rendered with Jinja2 (autoescaped), small vanilla JavaScript, no CDN: works offline. The script
builds every dynamic node with textContent, so names and reasons can never inject markup.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2.utils import htmlsafe_json_dumps

from matcher.build import Bundle
from matcher.config import blocks, presets

env = Environment(loader=PackageLoader("service", "templates"), autoescape=select_autoescape(["html"]))


def render_index(bundle: Bundle) -> str:
    spec = [{"name": b.name, "label_en": b.label_en, "label_zh": b.label_zh, "weight": b.default_weight,
             "description": b.description} for b in blocks()]
    names = list(presets())
    if bundle.fitted_weights:
        names.append("fitted")
    # JSON inside <script> is not autoescaped: htmlsafe_json_dumps writes < > & ' as \u003c etc., so a
    # label containing "</script>" cannot close the script element.
    return env.get_template("index.html").render(blocks=spec, presets=names,
                                                 blocks_json=htmlsafe_json_dumps(spec, ensure_ascii=False))


def render_card(card: dict) -> str:
    return env.get_template("card.html").render(card=card, labels={b.name: b.label_en for b in blocks()})


# Served as /embed.js; plain ES5 so any page can include it.
EMBED_JS = (Path(__file__).parent / "static" / "embed.js").read_text(encoding="utf-8")
