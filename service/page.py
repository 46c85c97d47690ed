"""The council officer's page, the assessment card page, error pages and the embeddable widget.

Server-rendered with Jinja2 (autoescaped), small vanilla JavaScript, no CDN: works offline. The script
builds every dynamic node with textContent, so names and reasons can never inject markup.

One state, in the query string, shared by the page, `/card`, the CSV and `GET /v1/recommendations`:
`locality`, `k`, `preset`, `weights` (the CLI's form, `scale=3,connectivity=0`, over the preset) and
`exclude_partners`; the page adds `mode` (list, compare, review) and `candidates` (compare).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from matcher.answers.labels import preset_label
from matcher.answers.recommend import weights_for
from matcher.artifact.store import Bundle
from matcher.config import INDUSTRY_CURRENT_FROM, blocks, presets
from matcher.i18n import DEFAULT, HTML_LANG, LANGS, Join, Quote, msg, render, table, wan

env = Environment(loader=PackageLoader("service", "templates"), autoescape=select_autoescape(["html"]))


def _foreign(page_lang: str, text: object) -> str | None:
    """The language of quoted text (a source, evidence, a name) where it differs from a Chinese page's, else None:
    an English page marks nothing, so its output is what it was before the Chinese interface."""
    if page_lang == DEFAULT:
        return None
    quoted = Quote(str(text)).lang
    return None if quoted.startswith(page_lang[:2]) else quoted


@pass_context
def langattr(ctx: Context, text: object) -> Markup:
    """` lang="en"` for an element holding quoted English on a Chinese page; nothing otherwise."""
    foreign = _foreign(ctx.get("lang", DEFAULT), text)
    return Markup(f' lang="{foreign}"') if foreign else Markup("")


@pass_context
def mark(ctx: Context, text: object) -> Markup:
    """Quoted text, escaped, in a `<span lang>` where its language is not the page's."""
    foreign = _foreign(ctx.get("lang", DEFAULT), text)
    return Markup('<span lang="{}">{}</span>').format(foreign, text) if foreign else escape(str(text))


def fill(template: str, **fields: object) -> Markup:
    """A catalog template filled with fields that may be markup (a name in a `<span lang>`); the template's own
    text is escaped, but a straight quote is left as it is, as in an attribute the template wrote by hand."""
    own = html.escape(template, quote=False).replace('"', "&#34;")
    return Markup(own).format(**fields)


@pass_context
def figure(ctx: Context, value: float, whole: bool = False) -> str:
    """A figure as its reader writes it: 8,400,000 in English, 840万 in Chinese (counts of ten thousand, 万, and of
    a hundred million, 亿); below 100, four significant digits unless `whole`."""
    if not whole and value < 100:
        return f"{value:,.4g}"
    return wan(value) if ctx.get("lang", DEFAULT) == "zh" else f"{value:,.0f}"


env.globals.update(langattr=langattr, mark=mark, figure=figure)
env.filters["fill"] = fill


# The page's and the card's block colours (Okabe-Ito, told apart by most colour-blind readers; prominence grey).
BLOCK_COLORS = {"industry": "#0072B2", "scale": "#E69F00", "education": "#009E73", "student_links": "#CC79A7",
                "priorities": "#56B4E9", "connectivity": "#D55E00", "complementarity": "#F0E442",
                "prominence": "#6B6B6B"}


def preset_weights(bundle: Bundle) -> dict[str, dict[str, float]]:
    # "balanced" is the learned default; "fitted" (the same weights under another name) is not offered.
    return {name: weights_for(bundle, name) for name in presets()}


def weighting_label(preset: str | None, overrides: dict[str, float] | None, base: dict[str, float],
                    lang: str = DEFAULT) -> str:
    """The weighting in words: the preset's name, or 'Custom' naming the weights that differ from it."""
    labels = {b.name: b.label(lang) for b in blocks()}
    changed = {k: v for k, v in (overrides or {}).items() if base.get(k) != v}
    if not changed:
        return preset_label(preset, lang)
    moved = Join([f"{labels.get(k, k)} {v:g}" for k, v in changed.items()], "comma")
    return render(msg("ui.custom_weighting", preset=preset_label(preset, lang), moved=moved), lang)


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


def language(lang: str = DEFAULT, switch: dict[str, str] | None = None, sticky: bool = False) -> dict:
    """What every page template gets for its language: the catalog's `ui` words, `<html lang>`, the links of the
    language switch (the same page and state in each language), and what a link adds to keep the language:
    always `lang` on a Chinese page; on an English one only when its URL asked for English (`sticky`: a Chinese
    browser would otherwise get the next page in Chinese), so English pages reached as before are unchanged."""
    keep = lang != DEFAULT or sticky
    return {"ui": table("ui", lang), "lang": lang, "html_lang": HTML_LANG[lang],
            "switch": switch or {code: f"/?lang={code}" for code in LANGS}, "langs": LANGS, "sticky": keep,
            "qs": f"?lang={lang}" if keep else "", "amp": f"&lang={lang}" if keep else ""}


def render_index(bundle: Bundle, writes_enabled: bool = False, lang: str = DEFAULT,
                 switch: dict[str, str] | None = None, sticky: bool = False) -> str:
    # The served default is the weighting learned from history (blocks.toml only stands in without one).
    defaults = weights_for(bundle, None)
    plain = table("plain", lang)
    spec = [{"name": b.name, "label_en": b.label_en, "label_zh": b.label_zh, "label": b.label(lang),
             "weight": defaults[b.name], "description": b.describe(lang),
             "plain": plain.get(b.name, b.describe(lang))}
            for b in blocks()]
    named = preset_weights(bundle)
    choices = [{"name": n, "label": preset_label(n, lang)} for n in named]
    ui = table("ui", lang)
    data = {"blocks": spec, "presets": named, "defaults": defaults, "levels": table("levels", lang),
            "kinds": table("kinds", lang), "terms": {**table("terms", lang), "capacity": ui["capacity_term"]},
            "preset_labels": {c["name"]: c["label"] for c in choices},
            "preset_descriptions": table("preset_notes", lang), "colors": BLOCK_COLORS,
            "lang": lang, "html_lang": HTML_LANG[lang], "ui": ui, "statuses": table("partner_status", lang),
            "sticky": sticky}
    # JSON inside <script> is not autoescaped: htmlsafe_json_dumps writes < > & ' as \u003c etc., so a
    # label containing "</script>" cannot close the script element.
    return env.get_template("index.html").render(blocks=spec, presets=choices, terms=table("terms", lang),
                                                 writes_enabled=writes_enabled,
                                                 data_json=htmlsafe_json_dumps(data, ensure_ascii=False),
                                                 **language(lang, switch, sticky))


def render_card(card: dict, back: str = "/", lang: str = DEFAULT, switch: dict[str, str] | None = None,
                sticky: bool = False) -> str:
    labels = {b.name: b.label(lang) for b in blocks()}
    return env.get_template("card.html").render(card=card, back=back, labels=labels, colors=BLOCK_COLORS,
                                                **language(lang, switch, sticky))


def render_place(bundle: Bundle, profile: dict, lang: str = DEFAULT, switch: dict[str, str] | None = None,
                 sticky: bool = False) -> str:
    m = bundle.model
    key = "label_zh" if lang == "zh" else "label_en"
    return env.get_template("place.html").render(
        p=profile, kinds=table("kinds", lang), statuses=table("partner_status", lang),
        sector_labels={k: str(v.get(key) or v.get("label_en", k)) for k, v in m.sector_info_.items()},
        tag_labels={k: str(v.get(key) or v.get("label_en", k)) for k, v in m.tag_info_.items()},
        current_from=INDUSTRY_CURRENT_FROM, **language(lang, switch, sticky))


def render_methodology(context: dict, lang: str = DEFAULT, switch: dict[str, str] | None = None,
                       sticky: bool = False) -> str:
    """The method page, prose included, in `lang` (the catalog's `method_text`); sources and protocol names are
    quoted as written, marked with their language."""
    return env.get_template("methodology.html").render(
        c=context, m=table("method", lang), method_text=table("method_text", lang), join=table("join", lang),
        strong=lambda s: Markup("<strong>{}</strong>").format(s), code=lambda s: Markup("<code>{}</code>").format(s),
        **language(lang, switch, sticky))


def render_error(title: str, detail: str, options: list[dict] | None = None, lang: str = DEFAULT) -> str:
    """A page a person can read for a bad link: what is wrong, and links to what they may have meant."""
    return env.get_template("error.html").render(title=title, detail=detail, options=options or [],
                                                 **language(lang))


# Served as /embed.js; plain ES5 so any page can include it. Its words in every language (and the preset labels, so
# the box can name its weighting without a second request) are written in from the catalogs.
EMBED_WORDS = {lang: {"embed": table("embed", lang), "presets": {n: preset_label(n, lang) for n in presets()},
                      "kinds": table("kinds", lang), "statuses": table("partner_status", lang)} for lang in LANGS}
EMBED_JS = (Path(__file__).parent / "static" / "embed.js").read_text(encoding="utf-8").replace(
    "__EMBED_WORDS__", htmlsafe_json_dumps(EMBED_WORDS, ensure_ascii=False))
