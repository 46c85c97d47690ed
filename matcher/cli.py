"""`matcher` command line: validate, build, recommend, explain, evaluate, model-card, serve."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from features.resolve import AmbiguousLocality, UnknownLocality
from matcher.config import WeightError, block_names, parse_weight_string
from matcher.paths import MODELS_DIR, RAW_DIR

app = typer.Typer(help="Partner-city matchmaking: UK councils and Chinese cities.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)

DataOpt = Annotated[Path, typer.Option("--data", help="Folder of raw CSV tables.")]
ModelsOpt = Annotated[Path, typer.Option("--models", help="Folder holding the artifact and manifest.")]


def _steps(bars: Callable[[str, int, int | None], None] | None) -> Callable[[str], None] | None:
    """The evaluation reports named steps; the bars show each as a stage of unknown length."""
    if bars is None:
        return None
    return lambda stage: bars(stage, 0, None)


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """Progress bars on stderr for long commands: a callback `(stage, done, total)`, each stage a bar (total
    None: a pulsing bar). None, and nothing shown, when disabled or when stderr is not a terminal."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                for earlier in tasks.values():  # a new stage: the ones before it are done
                    task = bars.tasks[earlier]
                    bars.update(earlier, total=task.total or 1, completed=task.total or 1)
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield update


def _quiet(as_json: bool) -> bool:
    """--json with stdout not a terminal (a pipe or a file): a machine reads it, no progress."""
    return as_json and not sys.stdout.isatty()


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _bundle(models: Path):
    from matcher.artifact.store import ArtifactError, StaleArtifact, load_bundle

    try:
        bundle = load_bundle(models)
    except ArtifactError as exc:
        if (models / "manifest.json").exists() and not isinstance(exc, StaleArtifact):
            _fail(str(exc))
        # First use on a fresh clone, or code newer than the artifact: build from the shipped data.
        err.print(f"{exc}\nbuilding the model from the shipped data (matcher build)")
        _build(RAW_DIR, models)
        return load_bundle(models)
    built_from = bundle.manifest.get("data_checksums", {})
    if RAW_DIR.is_dir() and built_from and all(k.startswith(f"{RAW_DIR.name}/") for k in built_from):
        from features.sources import data_checksums  # the data layer (pandas): only where there is data

        if built_from != data_checksums(RAW_DIR):
            # Someone edited data/raw since the last build: answer from the data as it is now.
            err.print(f"{RAW_DIR} changed since the model was built: rebuilding (matcher build)")
            _build(RAW_DIR, models)
            return load_bundle(models)
    return bundle


def _resolve(bundle, name: str, country: str | None = None) -> str:
    try:
        return bundle.resolver.resolve(name, country=country)
    except UnknownLocality as exc:
        _fail(str(exc), 2)
    except AmbiguousLocality as exc:
        _fail(str(exc), 2)
    raise AssertionError("unreachable")


@app.command()
def validate(data: DataOpt = RAW_DIR) -> None:
    """Check every table: schema, ids, provenance. Exit 1 naming file, line and column of each problem."""
    from features.sources import DataError, load_tables

    try:
        tables = load_tables(data)
    except DataError as exc:
        for p in exc.problems:
            err.print(str(p), highlight=False, markup=False, soft_wrap=True)
        _fail(f"{len(exc.problems)} problem(s) in {data}")
    counts = ", ".join(f"{k} {len(v)}" for k, v in tables.frames.items())
    out.print(f"ok: {data} is valid ({counts})", highlight=False)


@app.command("build")
def build_cmd(data: DataOpt = RAW_DIR, models: ModelsOpt = MODELS_DIR,
              fit_weights: Annotated[bool, typer.Option(help="Learn default weights from partnership history.")] = True
              ) -> None:
    """Validate the data, fit the pipelines and write the artifact + manifest under models/."""
    out.print(f"built {_build(data, models, fit_weights)}")


def _build(data: Path, models: Path, fit_weights: bool = True) -> Path:
    """`matcher build`, also run when recommend/explain find no model or a stale one."""
    from features.sources import DataError
    from matcher.model.build import build

    try:
        with _progress() as bars:
            step = (lambda m: err.print(f"  {m}")) if bars is None else (lambda m: bars(m, 0, None))
            return build(data, models, progress=step, learn_weights=fit_weights)
    except DataError as exc:
        for p in exc.problems:
            err.print(str(p), highlight=False, markup=False, soft_wrap=True)
        _fail(f"{len(exc.problems)} problem(s) in {data}; nothing was built")


def _labelled(rows: list[tuple[str, str]], indent: int = 3) -> Table:
    """Label and text side by side, the text wrapped to the terminal under itself (a hanging indent); rich
    measures Chinese characters as two columns, so nothing is cut."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, min_width=indent)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    for label, text in rows:
        grid.add_row("", Text(label), Text(text))
    return grid


def _print_results(payload: dict, explain: bool = False) -> None:
    """One row per result: full name (English, then Chinese), the partner marker, score, the first reason
    wrapped (never cut) and how many caveats; `explain` then lists every reason and caveat of each result,
    wrapped to the terminal."""
    from matcher.answers.labels import level_label, preset_label

    q = payload["query"]
    table = Table(title=f"Suggested counterparts for {q['name']} ({q['id']})", expand=True, show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("locality", overflow="fold", ratio=2, min_width=14)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why (first reason)", overflow="fold", ratio=5)
    table.add_column("caveats", justify="right", no_wrap=True)
    for r in payload["results"]:
        loc = r["locality"]
        name = "\n".join(x for x in (loc.get("qualified") or loc["name"], loc["name_zh"]) if x)
        table.add_row(str(r["rank"]), Text(name + (" *" if r.get("partnership") else "")), f"{r['score']:.3f}",
                      Text(r["reasons"][0] if r["reasons"] else ""), str(len(r["caveats"])))
    if payload["results"]:
        out.print(table)
    else:
        out.print(f"no candidates for {q['name']} match these filters", highlight=False, markup=False)
    weighting = preset_label(payload.get("preset"))
    out.print(f"weights ({weighting}): " + ", ".join(f"{b}={w:g}" for b, w in payload["weights"].items()),
              highlight=False, markup=False)
    if any(r.get("partnership") for r in payload["results"]):
        out.print("* already a partner", highlight=False)
    for c in payload.get("query_caveats", []):  # about the query itself: once, not on every line
        out.print(f"about {q['name']}: {c}", highlight=False, markup=False)
    if not explain:
        out.print(f"--explain for every reason and caveat; --json for machines; matcher explain {q['id']} <id> for "
                  "one pair", highlight=False, markup=False)
        return
    for r in payload["results"]:
        loc = r["locality"]
        out.print(f"\n{r['rank']}. {loc['name']} {loc['name_zh'] or ''} ({level_label(loc['level'])}, {loc['id']}) "
                  f"score {r['score']:.3f}", highlight=False, markup=False)
        out.print(_labelled([(f"{label}:", x) for label, items in (("reason", r["reasons"]), ("caveat", r["caveats"]))
                             for x in items]))


@app.command()
def recommend(
    name: Annotated[str, typer.Argument(help="Locality id or name (English, pinyin or Chinese).")],
    k: Annotated[int, typer.Option(min=1, max=200)] = 10,
    preset: Annotated[str | None, typer.Option(help="Weight preset (see presets.toml, or 'fitted').")] = None,
    weights: Annotated[str | None, typer.Option(help="Overrides, e.g. industry=3,scale=1.")] = None,
    level: Annotated[list[str] | None, typer.Option(help="Only candidates of this level (repeatable).")] = None,
    within: Annotated[str | None, typer.Option(help="Only candidates inside this parent (id or name).")] = None,
    exclude_partners: Annotated[bool, typer.Option(help="Leave out existing partners.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Every reason and caveat, not just the top reason.")]
    = False,
    models: ModelsOpt = MODELS_DIR,
) -> None:
    """Rank counterparts in the other country for a locality: one line each (top reason, number of caveats)."""
    from matcher.answers.labels import LEVELS
    from matcher.answers.recommend import recommend as run
    from matcher.answers.recommend import weights_for
    from matcher.artifact.model import Filters

    for lv in level or ():
        if lv not in LEVELS:
            _fail(f"unknown level '{lv}' for --level: one of {', '.join(LEVELS)}", 2)
    bundle = _bundle(models)
    qid = _resolve(bundle, name)
    try:
        w = weights_for(bundle, preset, parse_weight_string(weights) if weights else None)
    except WeightError as exc:
        _fail(str(exc), 2)
    filters = Filters(levels=tuple(level or ()), within=_resolve(bundle, within) if within else None,
                      exclude_partners=exclude_partners)
    payload = run(bundle, qid, k=k, weights=w, filters=filters)
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_results({**payload, "preset": preset if not weights else None}, explain=explain)


@app.command()
def explain(a: str, b: str, preset: str | None = None, weights: str | None = None,
            as_json: Annotated[bool, typer.Option("--json")] = False, models: ModelsOpt = MODELS_DIR) -> None:
    """Explain the fit of any pair (one UK, one Chinese locality), ranked or not."""
    from matcher.answers.explain import explain_pair
    from matcher.answers.recommend import weights_for

    bundle = _bundle(models)
    ida, idb = _resolve(bundle, a), _resolve(bundle, b)
    if bundle.model.country_of(ida) == bundle.model.country_of(idb):
        _fail("explain needs one UK and one Chinese locality", 2)
    try:
        w = weights_for(bundle, preset, parse_weight_string(weights) if weights else None)
    except WeightError as exc:
        _fail(str(exc), 2)
    card = explain_pair(bundle.model, ida, idb, w)
    card = {"a": bundle.resolver.describe(ida), "b": bundle.resolver.describe(idb), "weights": w, **card}
    if as_json:
        sys.stdout.write(json.dumps(card, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{card['a']['name']} – {card['b']['name']} {card['b']['name_zh'] or ''}[/bold]  "
              f"score {card['score']:.3f}")
    for blk in block_names():
        out.print(f"  {blk:<16} {card['contributions'][blk]:.3f}  (similarity {card['similarities'][blk]:.2f})")
    out.print("[bold]Reasons[/bold]")
    out.print(_labelled([("•", r) for r in card["reasons"]], indent=1))
    out.print("[bold]Caveats[/bold]")
    out.print(_labelled([("•", c) for c in card["caveats"]], indent=1))


@app.command()
def evaluate(
    k: Annotated[int, typer.Option(min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    holdout: Annotated[Path | None, typer.Option(help="CSV with columns uk, cn (ids or names), optional year.")] = None,
    split_year: Annotated[int | None, typer.Option(help="Train on partnerships signed before this year.")] = None,
    preset: Annotated[str | None, typer.Option(help="Evaluate a preset instead of fitted weights.")] = None,
    data: DataOpt = RAW_DIR,
) -> None:
    """Rank held-out real partnerships and compare with baselines (recall@k, MRR, nDCG@k)."""
    from matcher.model.evaluate import HoldoutError, run_evaluation

    try:
        from features.sources import load_tables

        with _progress(not _quiet(as_json)) as bars:
            if bars:
                bars("validating data", 0, None)
            report = run_evaluation(load_tables(data), k=k, holdout=holdout, split_year=split_year, preset=preset,
                                    progress=_steps(bars))
    except (HoldoutError, WeightError) as exc:
        _fail(str(exc), 2)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    _print_eval(report, f"{report['protocol']}: {report['n_pairs']} held-out pairs", k)
    if "leave_one_out" in report:
        loo = report["leave_one_out"]
        _print_eval(loo, f"{loo['protocol']}: {loo['n_pairs']} pairs", k)
    if report.get("unresolved"):
        out.print(f"unresolved rows (counted as misses): {report['unresolved']}")


def _cell(m: dict, key: str) -> str:
    v, ci = m.get(key), m.get(f"{key}_ci")
    if v is None or v != v:
        return "-"
    return f"{v:.3f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci and ci[0] == ci[0] else f"{v:.3f}"


def _print_eval(rep: dict, title: str, k: int) -> None:
    """One table per protocol: each method with 95% intervals; then the block ablations."""
    table = Table(title=title)
    for col in ("method", f"recall@{k}", "MRR", "size-matched fit", "prominence-matched fit",
                "Jaccard / max share / distinct"):
        table.add_column(col)
    rows = [("model (learned weights)", rep["model"]), *rep.get("presets", {}).items(), *rep["baselines"].items()]
    if rep.get("reverse", {}).get("model"):
        rows += [(f"reverse CN→GB: {n}", rep["reverse"][n]) for n in ("model", "candidate_prior", "random")
                 if rep["reverse"].get(n)]
    for name, m in rows:
        p = m.get("personalisation")
        table.add_row(name, _cell(m, "recall_at_k"), _cell(m, "mrr"), _cell(m, "size_matched_fit"),
                      _cell(m, "prominence_matched_fit"),
                      f"{p['mean_jaccard']:.2f} / {p['max_share']:.2f} / {p['distinct']}" if p else "-")
    out.print(table)
    paired = Table(title="paired: model minus baseline, same pairs (95% bootstrap over queries)")
    for col in ("baseline", f"recall@{k} delta", "MRR delta"):
        paired.add_column(col)
    for b, d in rep.get("paired", {}).items():
        paired.add_row(b, *(f"{d[f'{key}_delta']:+.3f} [{d[f'{key}_delta_ci'][0]:+.2f}, "
                            f"{d[f'{key}_delta_ci'][1]:+.2f}] {d[f'{key}_delta_verdict']}"
                            for key in ("recall_at_k", "mrr")))
    out.print(paired)
    abl = Table(title="ablations: model with one block's weight set to 0")
    for col in ("block dropped", f"recall@{k}", "MRR", "size-matched fit"):
        abl.add_column(col)
    for b, m in rep.get("ablations", {}).items():
        abl.add_row(b, _cell(m, "recall_at_k"), _cell(m, "mrr"), _cell(m, "size_matched_fit"))
    out.print(abl)


@app.command()
def audit(k: Annotated[int, typer.Option(min=1, max=50)] = 10,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
          models: ModelsOpt = MODELS_DIR) -> None:
    """How personal the served lists are (mean Jaccard, max share, distinct) and what leads them, both ways,
    for the default and every preset, over every locality's own answer."""
    from matcher.answers.audit import audit_all

    report = audit_all(_bundle(models), k)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("weighting", "direction", "mean Jaccard", "max share", "distinct", "pairs sharing half",
                  "first reason fit", "size alone", "prominence share")
    for name, rep in report.items():
        for direction, r in rep.items():
            table.add_row(name, direction.replace("_queries", ""), f"{r['mean_jaccard']:.3f}", f"{r['max_share']:.3f}",
                          str(r["distinct"]), f"{r['pairs_sharing_half']:.2%}", f"{r['first_reason_fit']:.1%}",
                          f"{r['size_only']:.1%}", f"{r['prominence_share']:.1%}")
    out.print(table)


@app.command("model-card")
def model_card(
    data: DataOpt = RAW_DIR, output: Path = MODELS_DIR / "MODEL_CARD.md",
    report: Annotated[Path | None, typer.Option(help="Use this `matcher evaluate --json` output instead of a "
                                                     "fresh evaluation.")] = None,
    readme: Annotated[Path | None, typer.Option(help="Also regenerate this README's evaluation block.")] = None,
) -> None:
    """Write models/MODEL_CARD.md (and evaluation.json) from the data and an evaluation; every figure is
    read from the evaluation's JSON."""
    from features.sources import load_tables
    from matcher.model.model_card import write_model_card

    evaluation = json.loads(report.read_text(encoding="utf-8")) if report is not None else None
    with _progress() as bars:
        if bars:
            bars("validating data", 0, None)
        write_model_card(load_tables(data), output, report=evaluation, readme=readme, progress=_steps(bars))
    out.print(f"wrote {output}" + (f" and the evaluation block of {readme}" if readme else ""))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          access_log: Annotated[bool, typer.Option(help="Log every request (costs ~1.8 ms of CPU each).")] = False,
          ) -> None:
    """Start the HTTP service (uvicorn). Errors are always logged; per-request lines only with --access-log."""
    import uvicorn

    # By name: the CLI and the service are entry points side by side, neither imports the other. The service's
    # own factory checks the profiles database before anything starts (service.app.served_app).
    uvicorn.run("service.app:served_app", factory=True, host=host, port=port, access_log=access_log)


if __name__ == "__main__":
    app()
