"""Read data/raw into validated frames, or a list of problems naming file, line and column.

Layout: a table is one file (`data/raw/<table>.csv`) or one folder with one file per source
(`data/raw/<table>/*.csv`). Every file of a folder table is read; the result does not depend on the order
the files are read in: a key (e.g. id + indicator + year) given twice is an error naming both rows, and
choosing among *different* years of a figure is the feature code's documented rule (the latest year is
used, `features.frame`). A CSV under the data directory that belongs to no table is an error, so rows put
in a file the loader would not read are never silently ignored.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors

from features.schemas import (
    CARBON_CABINS,
    CARBON_HAULS,
    INDICATORS,
    KEYS,
    OPTIONAL_COLUMNS,
    PARTNERSHIP_ENDED,
    SCHEMAS,
    Problem,
)
from matcher.config import INDUSTRY_CURRENT_FROM

# table -> file patterns under the data directory: one file, or one folder with one file per source.
FILES: dict[str, tuple[str, ...]] = {
    "localities_cn": ("localities_cn.csv",),
    "localities_gb": ("localities_gb.csv",),
    "indicators": ("indicators/*.csv",),
    "sectors": ("sectors.csv",),
    "industry": ("industry/*.csv",),
    "priority_tags": ("priority_tags.csv",),
    "priorities": ("priorities/*.csv",),
    "partnerships": ("partnerships.csv",),
    "education_links": ("education_links.csv",),
    "airports": ("airports.csv",),
    "flights": ("flights.csv",),
    "consulates": ("consulates.csv",),
    "fx": ("fx.csv",),
    # DESNZ conversion factors for business air travel, and visit costs a source gives (resources section)
    "carbon_factors": ("carbon_factors.csv",),
    "visit_costs": ("visit_costs.csv",),
    # councils abolished since 2019 and the current council that covers their area (names officers still use)
    "former_councils": ("former_councils.csv",),
}


class DataError(Exception):
    """The data failed validation; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} data problem(s):\n{head}{more}")


@dataclass
class Tables:
    """The validated raw tables; every row keeps `_file` and `_line` so later checks can point at it."""

    frames: dict[str, pd.DataFrame]
    checksums: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    @property
    def localities(self) -> pd.DataFrame:
        cn = self["localities_cn"].assign(country="CN", name=lambda d: d["name_en"])
        gb = self["localities_gb"].assign(country="GB", name_en=lambda d: d["name"], name_pinyin=None)
        cn = cn.assign(name_cy=None, name_cy_source=None,
                       name_zh_source=lambda d: d["names_source"])  # a Chinese place's own name, sourced per row
        return pd.concat([gb, cn], ignore_index=True)


def _files_for(data_dir: Path, table: str) -> list[Path]:
    found: list[Path] = []
    for pattern in FILES[table]:
        found.extend(sorted(data_dir.glob(pattern)))
    return found


def _unclosed_quote(text: str) -> tuple[int, int] | None:
    """(line, field index) of a quoted value that does not close on its own line, or None. No table has a value
    spanning lines, so a quote open at a line's end is a missing closing quote; left to the CSV parser, it
    swallows the rows after it and the errors name those rows instead."""
    for number, line in enumerate(text.splitlines(), start=1):
        if '"' not in line:
            continue
        quoted, field, start, i = False, 0, True, 0
        while i < len(line):
            ch = line[i]
            if quoted:
                if ch == '"' and line[i + 1:i + 2] == '"':
                    i += 1  # "" inside a quoted value is a quote character
                elif ch == '"':
                    quoted = False
            elif ch == '"' and start:
                quoted, opened = True, field
            elif ch == ",":
                field, start = field + 1, True
                i += 1
                continue
            start = False
            i += 1
        if quoted:
            return number, opened
    return None


def _decode(data: bytes, rel: str) -> tuple[str | None, list[Problem]]:
    """The file's text, or the problem naming the line of its first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(rel, line, None, f"invalid UTF-8 at line {line}, character {column} (byte "
                                               f"{exc.start:,} of the file: {exc.reason}); save the file as UTF-8")]


def _read_one(path: Path, table: str, root: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    text, problems = _decode(path.read_bytes(), rel)
    if text is None:
        return None, problems
    if (open_quote := _unclosed_quote(text)) is not None:
        line, field = open_quote
        header = text.splitlines()[0].split(",") if text else []
        column = header[field].strip() if line > 1 and field < len(header) else None
        return None, [Problem(rel, line, column, "unclosed quote: a value opens with \" and the line ends before "
                                                 "its closing \" (values cannot span lines)")]
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return None, [Problem(rel, None, None, f"not a readable CSV: {exc}")]
    raw = raw.apply(lambda col: col.str.strip()).replace("", None)
    try:
        frame = SCHEMAS[table].validate(raw, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return None, _problems_from_pandera(rel, exc)
    return frame.assign(_file=rel, _line=frame.index + 2), []


def _problems_from_pandera(rel: str, exc: pandera.errors.SchemaErrors) -> list[Problem]:
    problems = []
    for _, case in exc.failure_cases.iterrows():
        idx = case.get("index")
        line = int(idx) + 2 if idx is not None and pd.notna(idx) else None
        column = case.get("column") if pd.notna(case.get("column")) else None
        check = str(case.get("check"))
        value = case.get("failure_case")
        if check == "column_in_dataframe":
            msg, column = f"missing column '{value}'", str(value)
        elif check == "column_in_schema":
            msg, column = f"unexpected column '{value}'", str(value)
        elif check == "not_nullable":
            msg = "is empty but required"
        elif check.startswith("coerce_dtype"):
            dtype = check.split("(")[-1].rstrip(")").strip("'").lower()
            number = {"float64": "a number", "int64": "a whole number"}.get(dtype)
            msg = f"'{value}' is not a number" + (f" ({number} is expected)" if number == "a whole number" else "") \
                if number else f"'{value}' is not a valid {dtype}"
        elif line is None and str(value).startswith(("TypeError(", "ValueError(")):
            continue  # a check that could not run on a value that failed to convert: reported as that value
        else:
            msg = f"value '{value}' fails check {check}"
        problems.append(Problem(rel, line, column, msg))
    # Coercion failures are reported twice by pandera (coerce, then dtype): keep one per cell.
    unique = {(p.line, p.column): p for p in reversed(problems)}
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.column or ""))


def _cross_checks(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []

    def each_row(df: pd.DataFrame, mask: pd.Series, column: str, message) -> None:
        for _, row in df[mask].iterrows():
            problems.append(Problem(row["_file"], int(row["_line"]), column, message(row)))

    for table, keys in KEYS.items():
        df = frames[table]
        dup = df.duplicated(subset=keys, keep=False)
        if not dup.any():
            continue
        # Name every place a key is given, so the fix does not depend on which file happened to be read first.
        for _, group in df[dup].groupby(keys, sort=False, dropna=False):
            where = [(r["_file"], int(r["_line"])) for _, r in group.iterrows()]
            key = tuple(group.iloc[0][c] for c in keys)
            for i, (file, line) in enumerate(where):
                others = "; ".join(f"{f}, line {n}" for j, (f, n) in enumerate(where) if j != i)
                problems.append(Problem(file, line, keys[-1], f"duplicate key {key}: also given at {others}"))

    gb_ids = set(frames["localities_gb"]["id"])
    cn_ids = set(frames["localities_cn"]["id"])
    all_ids = gb_ids | cn_ids
    sectors = set(frames["sectors"]["sector"])
    tags = set(frames["priority_tags"]["tag"])
    airports = set(frames["airports"]["iata"])

    def unknown(table: str, column: str, allowed: set[str], what: str) -> None:
        df = frames[table]
        mask = df[column].notna() & ~df[column].isin(allowed)
        each_row(df, mask, column, lambda r: f"unknown {what} '{r[column]}'")

    unknown("localities_gb", "parent_id", gb_ids, "GB locality id")
    unknown("localities_cn", "parent_id", cn_ids, "CN locality id")
    cn = frames["localities_cn"]
    level_of = dict(zip(cn["id"], cn["level"], strict=True))
    # A county-level city or district hangs under a prefecture-level unit (or, for 省直辖 cities and a
    # municipality's districts, directly under its province or municipality), never under another county.
    upper = {"province", "municipality", "sub_provincial_city", "prefecture_city", "prefecture"}
    low = cn["level"].isin(["county_city", "district"])
    bad_parent = low & (cn["parent_id"].isna() | ~cn["parent_id"].map(level_of).isin(upper))
    each_row(cn, bad_parent, "parent_id",
             lambda r: f"a {r['level']} needs a prefecture-level or provincial parent, not '{r['parent_id']}'")
    for table, column in [("indicators", "id"), ("industry", "id"), ("priorities", "id"),
                          ("airports", "locality_id"), ("consulates", "host_id")]:
        unknown(table, column, all_ids, "locality id")
    for table in ("partnerships", "education_links"):
        unknown(table, "uk_id", gb_ids, "GB locality id")
        unknown(table, "cn_id", cn_ids, "CN locality id")
    unknown("industry", "sector", sectors, "sector (see sectors.csv)")
    unknown("priorities", "tag", tags, "priority tag (see priority_tags.csv)")
    unknown("flights", "uk_iata", airports, "airport (see airports.csv)")
    unknown("flights", "cn_iata", airports, "airport (see airports.csv)")
    unknown("former_councils", "successor_id", gb_ids, "GB locality id")
    former = frames["former_councils"]
    each_row(former, former["former_id"].isin(gb_ids), "former_id",
             lambda r: f"'{r['former_id']}' is a current locality in localities_gb.csv, not a former council")

    gb = frames["localities_gb"]
    for lang in ("zh", "cy"):
        name, source = f"name_{lang}", f"name_{lang}_source"
        each_row(gb, gb[name].notna() & gb[source].isna(), source,
                 lambda r, n=name: f"{n} '{r[n]}' needs its source (publisher, then the copy read)")
        each_row(gb, gb[name].isna() & gb[source].notna(), name, lambda r, s=source: f"{s} given but no name")

    unknown("visit_costs", "uk_id", gb_ids, "GB locality id")
    cf = frames["carbon_factors"]
    have = set(zip(cf["haul"], cf["cabin"], cf["rf"], strict=True))
    for haul in CARBON_HAULS:
        for cabin in CARBON_CABINS:
            if (haul, cabin, "with_rf") not in have:
                problems.append(Problem(str(cf["_file"].iloc[0]) if len(cf) else "carbon_factors.csv", None, "haul",
                                        f"no {haul} {cabin} factor with_rf: the resources section needs one"))

    pt = frames["priority_tags"]
    for _, row in pt.iterrows():
        for s in str(row["related_sectors"]).split("|"):
            if s not in sectors:
                problems.append(Problem(row["_file"], int(row["_line"]), "related_sectors", f"unknown sector '{s}'"))

    industry = frames["industry"]
    closed = industry["status"] == "closed"
    each_row(industry, closed & industry["until"].isna(), "until", lambda r: "a closed row must give the year it ended")
    each_row(industry, ~closed & industry["until"].notna(), "status",
             lambda r: "a row with 'until' must have status 'closed'")

    part = frames["partnerships"]
    dated = part["status"] != "unknown"
    each_row(part, dated & (part["status_year"].isna() | part["status_source"].isna()), "status_year",
             lambda r: f"status '{r['status']}' needs status_year and status_source (the dated evidence for it)")
    each_row(part, ~dated & part["status_year"].notna(), "status",
             lambda r: "status 'unknown' but dated status evidence is given: set the status that evidence shows")
    ended = part["status"].isin(PARTNERSHIP_ENDED)
    each_row(part, ended & part["ended_year"].isna(), "ended_year",
             lambda r: f"status '{r['status']}' needs ended_year (the year the link ended)")
    each_row(part, ~ended & part["ended_year"].notna(), "status",
             lambda r: f"ended_year given but status '{r['status']}' is not an ended one "
                       f"({', '.join(PARTNERSHIP_ENDED)})")
    early = part["status_year"].notna() & part["year_signed"].notna() & (part["status_year"] < part["year_signed"])
    each_row(part, early, "status_year", lambda r: "status evidence dated before the link was signed")

    ind = frames["indicators"]
    for name, spec in INDICATORS.items():
        rows = ind["indicator"] == name
        bad = rows & ((ind["value"] < spec["min"]) | (ind["value"] > spec["max"]))
        each_row(ind, bad, "value",
                 lambda r, s=spec: f"{r['indicator']} {r['value']:g} outside [{s['min']}, {s['max']}]")
    no_note = (ind["estimate"] == 1) & ind["note"].isna()
    each_row(ind, no_note, "note", lambda r: "an estimate must say how it was estimated")
    return problems


def _stray_files(data_dir: Path) -> list[Problem]:
    """CSV files under the data directory that no table reads (e.g. a file in the old flat layout)."""
    claimed = {p for table in FILES for p in _files_for(data_dir, table)}
    return [Problem(str(p.relative_to(data_dir.parent)), None, None,
                    "belongs to no table: put it in a table's folder (see FILES in features/sources.py)")
            for p in sorted(data_dir.rglob("*.csv")) if p not in claimed]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_checksums(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every table file, keyed as load_tables keys them: tells whether a model is stale."""
    data_dir = Path(data_dir)
    return {str(p.relative_to(data_dir.parent)): _sha256(p) for table in FILES for p in _files_for(data_dir, table)}


def load_tables(data_dir: Path) -> Tables:
    """Read and validate every table; raise DataError listing all problems (not only the first)."""
    data_dir = Path(data_dir)
    root = data_dir.parent
    frames: dict[str, pd.DataFrame] = {}
    if not any(_files_for(data_dir, table) for table in FILES) and data_dir.is_dir():
        # Pointed at the folder above the tables (`--data data`): say where they are, not 100 stray files.
        inside = [d for d in sorted(data_dir.iterdir(), key=lambda d: (d.name != "raw", d.name))
                  if d.is_dir() and any(_files_for(d, table) for table in FILES)]
        if inside:
            where = " or ".join(f"--data {d}" for d in inside)
            raise DataError([Problem(str(data_dir), None, None, f"holds no table: the tables are one folder down; "
                                                                f"use {where}")])
    problems: list[Problem] = _stray_files(data_dir)
    for table in FILES:
        paths = _files_for(data_dir, table)
        if not paths:
            problems.append(Problem(str(data_dir / FILES[table][0]), None, None, f"table '{table}' has no file"))
            continue
        parts = []
        for path in paths:
            frame, found = _read_one(path, table, root)
            problems.extend(found)
            if frame is not None:
                parts.append(frame)
        if parts:
            frames[table] = pd.concat(parts, ignore_index=True)
            for column in OPTIONAL_COLUMNS.get(table, []):
                if column not in frames[table]:
                    frames[table][column] = pd.Series([None] * len(frames[table]), dtype=object)
    if problems:
        raise DataError(problems)
    frames["industry"]["status"] = frames["industry"]["status"].fillna("current")
    problems = _cross_checks(frames)
    if problems:
        raise DataError(problems)
    # Closed plants and clusters are history: features read current rows only (one per locality and sector);
    # the closed ones stay available as their own frame.
    closed = frames["industry"]["status"] == "closed"
    frames["industry_closed"] = frames["industry"][closed].reset_index(drop=True)
    # Rows dated before INDUSTRY_CURRENT_FROM and not re-confirmed since are history too: a profile shows them
    # with their year, the fit never reads them.
    historic = ~closed & (frames["industry"]["year"] < INDUSTRY_CURRENT_FROM)
    frames["industry_historic"] = frames["industry"][historic].reset_index(drop=True)
    frames["industry"] = frames["industry"][~closed & ~historic].reset_index(drop=True)
    return Tables(frames=frames, checksums=data_checksums(data_dir))
