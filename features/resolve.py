"""Resolve what a person types (id, English, pinyin, Chinese or Welsh name) to one locality id, or say why not."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import process, utils

ZH_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")
# Short forms officers use for a place whose official name is longer, tried only when nothing else matches
# (an id or a place's own name always wins): "Newcastle" is Newcastle upon Tyne (Newcastle-under-Lyme is
# always written in full), "Hull" is Kingston upon Hull.
SHORT_FORMS = {"newcastle": "newcastleupontyne", "hull": "kingstonuponhull"}


class UnknownLocality(LookupError):
    def __init__(self, query: str, suggestions: list[dict]):
        self.query, self.suggestions = query, suggestions
        names = ", ".join(f"{s['name']} ({s['id']})" for s in suggestions) or "none"
        super().__init__(f"no locality matches '{query}'; closest: {names}")


class AmbiguousLocality(LookupError):
    def __init__(self, query: str, candidates: list[dict]):
        self.query, self.candidates = query, candidates
        names = "; ".join(f"{c.get('qualified') or c['name']} ({c['id']}, {c['level']})" for c in candidates)
        super().__init__(f"'{query}' matches several localities: {names}; use an id or the qualified name")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key ('Xi’an' == 'xian' == 'XI AN')."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s'’\-,.()]+", "", text.lower())


def _aliases(row: dict) -> set[str]:
    names = {row["id"], row["name"]}
    name = str(row["name"])
    if ", City of" in name:  # ONS style "Bristol, City of"
        base = name.replace(", City of", "")
        names |= {base, f"City of {base}"}
    names.add(re.sub(r"^City of ", "", name))
    names.add(re.sub(r" City$", "", name))           # Scottish "Glasgow City", "Aberdeen City"
    names.add(re.sub(r", County of$", "", name))     # ONS "Herefordshire, County of"
    names.add(re.sub(r"^Greater ", "", name))         # "Greater London" -> "London" (shared with the City)
    zh = row.get("name_zh")
    if isinstance(zh, str):
        names.add(zh)
        for suffix in ZH_SUFFIXES:
            if zh.endswith(suffix) and len(zh) > len(suffix) + 1:
                names.add(zh[: -len(suffix)])
                break
        if row.get("country") != "GB":  # a UK place's Chinese name renders its English one: nobody types its pinyin
            from pypinyin import lazy_pinyin  # ~0.4 s to import; only needed when a resolver is built

            names.add("".join(lazy_pinyin(zh)))
    if isinstance(row.get("name_cy"), str):  # ONS's Welsh name: 'Caerdydd' is Cardiff
        names.add(row["name_cy"])
    if isinstance(row.get("name_pinyin"), str):
        names.add(row["name_pinyin"])
    return {fold(n) for n in names if isinstance(n, str) and n}


def _qualified(row: dict, province: dict | None) -> set[str]:
    """'Fuzhou, Jiangxi', 'Jiangxi Fuzhou', '江西抚州': a Chinese place named with its province, which is how
    officers tell apart the cities that share an English name (Fuzhou, Taizhou, Suzhou, Yichun, Yulin)."""
    if province is None or province["id"] == row["id"]:
        return set()
    names = set()
    own = [n for n in (row["name"], row.get("name_pinyin")) if isinstance(n, str) and n]
    prov = [n for n in (province["name"], province.get("name_pinyin")) if isinstance(n, str) and n]
    for a in own:
        for b in prov:
            names |= {f"{a}, {b}", f"{b} {a}"}
    zh, pzh = row.get("name_zh"), province.get("name_zh")
    if isinstance(zh, str) and isinstance(pzh, str):
        for z in {zh, _strip_zh(zh)}:
            for p in {pzh, _strip_zh(pzh)}:
                names.add(p + z)
    return {fold(n) for n in names}


def _strip_zh(zh: str) -> str:
    for suffix in ZH_SUFFIXES:
        if zh.endswith(suffix) and len(zh) > len(suffix) + 1:
            return zh[: -len(suffix)]
    return zh


def province_of(i: str) -> str | None:
    """The provincial-level unit a Chinese locality lies in (GB/T 2260: the first two digits)."""
    return None if country_of_id(i) == "GB" else i[:2] + "0000"


def country_of_id(i: str) -> str:
    """GSS codes start with a letter, GB/T 2260 codes with a digit."""
    return "GB" if i[:1].isalpha() else "CN"


# What a resolver keeps of each locality.
COLUMNS = ("id", "name", "name_zh", "name_cy", "name_pinyin", "country", "level")


class Resolver:
    """Names to ids. Built from locality rows (a list of dicts, or a frame with COLUMNS) at build time, when
    pinyin is generated; saved with the artifact as its index (`state`) and loaded without rebuilding it."""

    def __init__(self, rows, former: dict[str, str] | None = None):
        if hasattr(rows, "to_dict"):  # a DataFrame
            rows = rows.to_dict("records")
        # Names of councils abolished since 2019 -> the current council covering their area ('Northampton' ->
        # West Northamptonshire), from data/raw/former_councils.csv. They never outrank a place's own name.
        self.former = dict(former or {})
        self.index: dict[str, set[str]] = {}
        self.exact: dict[str, set[str]] = {}  # keys that are a place's own id or name, not a derived form
        self.aliases: dict[str, set[str]] = {}
        self.choices: dict[str, str] = {}
        self.described: dict[str, dict] = {}
        by_id = {row["id"]: row for row in rows}
        for i, row in by_id.items():
            prov = province_of(i)
            self.aliases[i] = _aliases(row) | _qualified(row, by_id.get(prov) if prov else None)
            for key in self.aliases[i]:
                self.index.setdefault(key, set()).add(i)
            for own in (i, row["name"], row.get("name_zh"), row.get("name_cy")):
                if isinstance(own, str) and own:
                    self.exact.setdefault(fold(own), set()).add(i)
            zh = row.get("name_zh")
            zh = zh if isinstance(zh, str) else None
            cy = row.get("name_cy")
            cy = cy if isinstance(cy, str) else None
            other = cy if cy != row["name"] else None  # 'Powys' is Powys in both languages
            self.choices[i] = " ".join(n for n in (str(row["name"]), zh, other) if n)
            self.described[i] = {"id": i, "name": str(row["name"]), "name_zh": zh,
                                 "country": str(row["country"]), "level": str(row["level"])}
            if cy:  # only Welsh places have one; the others' descriptions stay as they were
                self.described[i]["name_cy"] = cy
        for name, successor in self.former.items():
            if successor in by_id:
                self.aliases[successor].add(fold(name))
                self.index.setdefault(fold(name), set()).add(successor)

    def state(self) -> dict:
        """Everything the resolver answers from, as JSON-ready lists (sorted, so a build is reproducible)."""
        sets = {name: {k: sorted(v) for k, v in getattr(self, name).items()} for name in ("index", "exact", "aliases")}
        return {**sets, "choices": self.choices, "described": self.described, "former": self.former}

    @classmethod
    def from_state(cls, state: dict) -> Resolver:
        r = cls.__new__(cls)
        for name in ("index", "exact", "aliases"):
            setattr(r, name, {k: set(v) for k, v in state[name].items()})
        r.choices, r.described, r.former = dict(state["choices"]), dict(state["described"]), dict(state["former"])
        return r

    @property
    def ids(self) -> list[str]:
        return list(self.described)

    def _descriptions(self) -> dict[str, dict]:
        """describe() of every id, worked out on first use (every answer describes ten or more places)."""
        out = self.__dict__.get("_descriptions_")
        if out is None:
            seen: dict[str, int] = {}
            for d in self.described.values():
                seen[fold(d["name"])] = seen.get(fold(d["name"]), 0) + 1
            out = {}
            for i, d in self.described.items():
                d = dict(d)
                prov = province_of(i)
                # Names more than one place has (Suzhou, Jiangsu and Suzhou, Anhui) are qualified by province.
                if seen[fold(d["name"])] > 1 and prov and prov != i and prov in self.described:
                    d["qualified"] = f"{d['name']}, {self.described[prov]['name']}"
                out[i] = d
            self.__dict__["_descriptions_"] = out
        return out

    def describe(self, i: str) -> dict:
        """id, name, name_zh, country, level; `name_cy` for a Welsh place; and `qualified` ('Suzhou, Anhui') when
        another place has the name."""
        return dict(self._descriptions()[i])

    def candidate(self, i: str) -> dict:
        """describe() plus a name that picks this one out ('Fuzhou, Jiangxi') when names are shared."""
        d = dict(self.described[i])
        prov = province_of(i)
        if prov and prov != i and prov in self.described:
            d["qualified"] = f"{d['name']}, {self.described[prov]['name']}"
        return d

    def suggest(self, query: str, limit: int = 5, country: str | None = None) -> list[dict]:
        """Closest names by rapidfuzz WRatio (handles word order, partial names, Chinese characters)."""
        choices = {i: c for i, c in self.choices.items() if country is None or country_of_id(i) == country}
        hits = process.extract(query[:200], choices, processor=utils.default_process, limit=limit)
        return [self.describe(key) for _, score, key in hits if score >= 50]

    def resolve(self, query: str, country: str | None = None) -> str:
        q = (query or "").strip()
        if not q:
            raise UnknownLocality(query, [])
        ids = self.index.get(fold(q), set())
        if not ids and fold(q) in SHORT_FORMS:
            ids = self.index.get(SHORT_FORMS[fold(q)], set())
        if country:
            ids = {i for i in ids if country_of_id(i) == country}
        if len(ids) > 1:  # "Manchester" is a district's own name and Greater Manchester's short form
            own = self.exact.get(fold(q), set()) & ids
            ids = own if len(own) == 1 else ids
        if len(ids) == 1:
            return next(iter(ids))
        if len(ids) > 1:
            raise AmbiguousLocality(query, sorted((self.candidate(i) for i in ids), key=lambda d: d["id"]))
        raise UnknownLocality(query, self.suggest(q, country=country))
