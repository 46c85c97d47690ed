"""Message catalogs: one TOML file per language (matcher/messages/<lang>.toml), keyed templates.

Floor 0 (config): the catalogs are read once, like blocks.toml, so the model floor (scale.assess) and the
answers floor build messages from the same module.

A reason, a caveat, a scale sentence, a resources sentence or a label is a `Msg`: a key and the facts it is
built from. `render(msg, lang)` looks the key up in that language's catalog and fills the template with the
facts, so a language is a catalog, not a code path. The English catalog reproduces the wording the answers had
before there was a catalog, byte for byte.

Values a template may hold:
- plain numbers and strings (str.format fields, with the usual format specs, `{n:,}`, `{x:.1f}`);
- `Msg` (rendered in the same language first), `Local` (a word given per language: a place's name, a sector's
  label; falls back to English), `Quote` (evidence in its source's language, never translated; marked with
  `lang` when rendered as HTML), `Join` (a list joined the language's way: "a, b and c", "a、b和c");
- format specs the catalogs add: `ordinal` (1st), `word` (the catalog's number word: four, 四), `millions`
  (n / 1e6, one decimal), `wan` (万 / 亿 for Chinese readers), `year` (a year as it is, never grouped).
"""

from __future__ import annotations

import html
import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("en", "zh")
DEFAULT = "en"
HTML_LANG = {"en": "en", "zh": "zh-Hans"}
CATALOG_DIR = Path(__file__).with_name("messages")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Msg:
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)


def msg(key: str, **args: Any) -> Msg:
    return Msg(key, args)


@dataclass(frozen=True)
class Local:
    """A word or name given per language (`zh` None falls back to English)."""

    en: str
    zh: str | None = None

    def get(self, lang: str) -> str:
        return (self.zh if lang == "zh" else None) or self.en


@dataclass(frozen=True)
class Quote:
    """Text quoted from a source: shown as the source wrote it, in its own language."""

    text: str

    @property
    def lang(self) -> str:
        """The language its first letter is written in: Chinese (zh-Hans) or English."""
        first = next((c for c in self.text if c.isalpha()), "")
        return "zh-Hans" if _CJK.match(first) else "en"


@dataclass(frozen=True)
class Join:
    items: Sequence[Any]
    # "and" joins "a, b and c"; "list" "a; b", "comma" "a, b" (catalog keys join.*); "concat" as they are
    sep: str = "and"


@dataclass(frozen=True)
class Raw:
    """Text already rendered (as HTML when rendering with markup): inserted as it is, never escaped again."""

    text: str


class UnknownLanguage(ValueError):
    pass


def check_lang(lang: str | None) -> str:
    if lang is None:
        return DEFAULT
    if lang not in LANGS:
        raise UnknownLanguage(f"unknown language '{lang}'; known: {', '.join(LANGS)}")
    return lang


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


@cache
def catalog(lang: str) -> dict[str, Any]:
    """The flat catalog of a language: 'reason.industry' -> template (or a list/table of words)."""
    with open(CATALOG_DIR / f"{check_lang(lang)}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def text(key: str, lang: str = DEFAULT) -> Any:
    """A catalog entry as it is (a template, or a list of words); English where a language lacks it."""
    table = catalog(lang)
    return table[key] if key in table else catalog(DEFAULT)[key]


def word(table: str, key: str, lang: str = DEFAULT, default: str | None = None) -> str:
    """A word from a table of the catalog (`levels`, `kinds`, ...), or `default` (the key itself) if absent."""
    full = f"{table}.{key}"
    if full in catalog(lang) or full in catalog(DEFAULT):
        return str(text(full, lang))
    return key if default is None else default


def table(name: str, lang: str = DEFAULT) -> dict[str, str]:
    """A catalog table as a dict, in the order of the English catalog (missing words fall back to English)."""
    prefix = f"{name}."
    return {k[len(prefix):]: word(name, k[len(prefix):], lang) for k in catalog(DEFAULT) if k.startswith(prefix)}


class _Formatter(string.Formatter):
    def __init__(self, lang: str, markup: bool):
        self.lang, self.markup = lang, markup

    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, Msg | Local | Quote | Join | Raw):
            return self.value(value)
        if spec == "ordinal":
            n = int(value)
            suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            return self.plain(f"{n}{suffix}")
        if spec == "word":
            words = text("numbers.words", self.lang)
            n = int(value)
            return self.plain(str(words[n]) if 0 <= n < len(words) else str(n))
        if spec == "millions":
            return self.plain(f"{value / 1e6:.1f}")
        if spec == "wan":
            return self.plain(wan(float(value)))
        if spec == "year":
            return self.plain(str(int(value)))
        return self.plain(format(value, spec))

    def plain(self, s: str) -> str:
        return html.escape(s, quote=False) if self.markup else s

    def value(self, v: Any) -> str:
        if isinstance(v, Msg):
            return self.render(v)
        if isinstance(v, Local):
            if self.markup and self.lang != DEFAULT and v.get(self.lang) == v.en:  # no name in this language
                return f'<span lang="en">{html.escape(v.en, quote=False)}</span>'
            return self.plain(v.get(self.lang))
        if isinstance(v, Raw):
            return v.text
        if isinstance(v, Quote):
            if self.markup and not self.lang.startswith(v.lang[:2]):
                return f'<span lang="{v.lang}">{html.escape(v.text, quote=False)}</span>'
            return self.plain(v.text)
        if isinstance(v, Join):
            items = [self.value(x) if isinstance(x, Msg | Local | Quote | Join | Raw) else self.plain(str(x))
                     for x in v.items]
            if v.sep == "concat":
                return "".join(items)
            if v.sep != "and":
                return str(text(f"join.{v.sep}", self.lang)).join(items)
            if len(items) == 1:
                return items[0]
            return str(text("join.and_sep", self.lang)).join(items[:-1]) + str(text("join.and_last", self.lang)) \
                + items[-1]
        return self.plain(str(v))

    def render(self, m: Msg) -> str:
        template = str(text(m.key, self.lang))
        if self.markup:  # the template's own words are escaped; its fields are escaped as they are filled
            parts = []
            for literal, name, spec, conv in self.parse(template):
                parts.append(html.escape(literal, quote=False))
                if name is not None:
                    obj, _ = self.get_field(name, (), m.args)
                    parts.append(self.format_field(self.convert_field(obj, conv), spec or ""))
            return "".join(parts)
        return self.vformat(template, (), dict(m.args))


def wan(n: float) -> str:
    """A count as Chinese readers write it: 1,234; 12.3万; 1.2亿."""
    if abs(n) >= 1e8:
        return f"{n / 1e8:.1f}亿".replace(".0亿", "亿")
    if abs(n) >= 1e4:
        return f"{n / 1e4:,.1f}万".replace(".0万", "万")
    return f"{n:,.0f}"


def render(m: Msg | Local | Quote | Join | Raw | str, lang: str = DEFAULT, markup: bool = False) -> str:
    """A message (or a word, a quote, a list) in a language; with `markup`, HTML with quoted evidence marked
    with its `lang`."""
    return _Formatter(check_lang(lang), markup).value(m)


def keys_with_fields(lang: str) -> dict[str, set[str]]:
    """Every template key and the fields it uses (the catalog test compares languages with it)."""
    out = {}
    for k, v in catalog(lang).items():
        if isinstance(v, str):
            out[k] = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(v)
                      if name}
    return out


def accept_language(header: str | None) -> str:
    """The first language of an Accept-Language header that has a catalog (q-values honoured), else English."""
    best: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0:
            best.append((-q, n, primary))
    return min(best)[2] if best else DEFAULT
