"""Words for the identifiers people read: locality levels, preset names, and what each block asks.

The page, the card, the embed and the CLI's table show these instead of `sub_provincial_city` or
`smart_environment`; the identifiers stay in the API's JSON (contract) and in `--json` output. The words live
in the message catalogs (matcher/messages/<lang>.toml, tables levels, kinds, presets, plain, terms); the
dicts here are the English ones, for code that wants them all at once.
"""

from __future__ import annotations

from matcher.i18n import DEFAULT, table, word

LEVELS = table("levels")
KINDS = table("kinds")
PRESETS = table("presets")
PLAIN = table("plain")  # one plain sentence per block: the question it answers about a pair
TERMS = table("terms")


def level_label(level: str, lang: str = DEFAULT) -> str:
    return word("levels", level, lang, level.replace("_", " "))


def kind_label(kind: str, lang: str = DEFAULT) -> str:
    return word("kinds", kind, lang, kind.replace("_", " "))


def preset_label(name: str | None, lang: str = DEFAULT) -> str:
    if not name or name == "default":
        return word("presets", "balanced", lang)
    return word("presets", name, lang, name.replace("_", " "))
