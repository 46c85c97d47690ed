"""The council officer's page, the assessment card page, error pages and the embeddable widget.

Server-rendered with Jinja2 (autoescaped), small vanilla JavaScript, no CDN: works offline. The script
builds every dynamic node with textContent, so names and reasons can never inject markup.

One state, in the query string, shared by the page, `/card`, the CSV and `GET /v1/recommendations`:
`locality`, `k`, `preset`, `weights` (the CLI's form, `scale=3,connectivity=0`, over the preset) and
`exclude_partners`; the page adds `mode` (list, compare, review) and `candidates` (compare).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2.utils import htmlsafe_json_dumps

from matcher.answers.labels import KINDS, LEVELS, PLAIN, TERMS, preset_label
from matcher.answers.recommend import weights_for
from matcher.artifact.store import Bundle
from matcher.config import blocks, presets

env = Environment(loader=PackageLoader("service", "templates"), autoescape=select_autoescape(["html"]))


# The page's and the card's block colours (Okabe-Ito, told apart by most colour-blind readers; prominence grey).
BLOCK_COLORS = {"industry": "#0072B2", "scale": "#E69F00", "education": "#009E73", "student_links": "#CC79A7",
                "priorities": "#56B4E9", "connectivity": "#D55E00", "complementarity": "#F0E442",
                "prominence": "#6B6B6B"}
CAPACITY = ("Not fit: how much this place draws UK–China partners whatever the match (size, capital status, flights, "
            "universities, partners already), learned from past partnerships. Shown apart from the fit reasons; the "
            "Prominence slider sets how much it counts in the score.")


def preset_weights(bundle: Bundle) -> dict[str, dict[str, float]]:
    # "balanced" is the learned default; "fitted" (the same weights under another name) is not offered.
    return {name: weights_for(bundle, name) for name in presets()}


def weighting_label(preset: str | None, overrides: dict[str, float] | None, base: dict[str, float]) -> str:
    """The weighting in words: the preset's name, or 'Custom' naming the weights that differ from it."""
    labels = {b.name: b.label_en for b in blocks()}
    changed = {k: v for k, v in (overrides or {}).items() if base.get(k) != v}
    if not changed:
        return preset_label(preset)
    moved = ", ".join(f"{labels.get(k, k)} {v:g}" for k, v in changed.items())
    return f"Custom: {preset_label(preset)} with {moved}"


def state_query(locality: str, preset: str | None = None, weights: dict[str, float] | None = None,
                exclude_partners: bool = False, k: int | None = None, **extra: str) -> str:
    """The shared query string (the page's script builds the same one)."""
    params: dict[str, str] = {"locality": locality}
    if k:
        params["k"] = str(k)
    if preset:
        params["preset"] = preset
    if weights:
        params["weights"] = ",".join(f"{b}={v:g}" for b, v in weights.items())
    if exclude_partners:
        params["exclude_partners"] = "true"
    params.update(extra)
    return urlencode(params)


def render_index(bundle: Bundle, writes_enabled: bool = False) -> str:
    # The served default is the weighting learned from history (blocks.toml only stands in without one).
    defaults = weights_for(bundle, None)
    spec = [{"name": b.name, "label_en": b.label_en, "label_zh": b.label_zh, "weight": defaults[b.name],
             "description": b.description, "plain": PLAIN.get(b.name, b.description)} for b in blocks()]
    named = preset_weights(bundle)
    choices = [{"name": n, "label": preset_label(n)} for n in named]
    data = {"blocks": spec, "presets": named, "defaults": defaults, "levels": LEVELS, "kinds": KINDS,
            "terms": {**TERMS, "capacity": CAPACITY}, "preset_labels": {c["name"]: c["label"] for c in choices},
            "preset_descriptions": {n: p.description for n, p in presets().items()}, "colors": BLOCK_COLORS}
    # JSON inside <script> is not autoescaped: htmlsafe_json_dumps writes < > & ' as \u003c etc., so a
    # label containing "</script>" cannot close the script element.
    return env.get_template("index.html").render(blocks=spec, presets=choices, terms=TERMS,
                                                 writes_enabled=writes_enabled,
                                                 data_json=htmlsafe_json_dumps(data, ensure_ascii=False))


def render_card(card: dict, back: str = "/") -> str:
    return env.get_template("card.html").render(card=card, back=back, labels={b.name: b.label_en for b in blocks()},
                                                colors=BLOCK_COLORS)


def render_place(bundle: Bundle, profile: dict) -> str:
    m = bundle.model
    return env.get_template("place.html").render(
        p=profile, kinds=KINDS, sector_labels={k: str(v.get("label_en", k)) for k, v in m.sector_info_.items()},
        tag_labels={k: str(v.get("label_en", k)) for k, v in m.tag_info_.items()})


def render_methodology(context: dict) -> str:
    return env.get_template("methodology.html").render(c=context)


def render_error(title: str, detail: str, options: list[dict] | None = None) -> str:
    """A page a person can read for a bad link: what is wrong, and links to what they may have meant."""
    return env.get_template("error.html").render(title=title, detail=detail, options=options or [])


# Served as /embed.js; plain ES5 so any page can include it. The preset labels are written in, so the box can name
# its weighting without a second request.
EMBED_JS = (Path(__file__).parent / "static" / "embed.js").read_text(encoding="utf-8").replace(
    "__PRESET_LABELS__", htmlsafe_json_dumps({n: preset_label(n) for n in presets()}, ensure_ascii=False))
