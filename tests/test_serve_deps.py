"""pyproject's `serve` group is what the served process imports, measured: the image installs that group alone,
so a distribution it lacks would crash the image on some route, and one the process never imports would only
make the image bigger.

scripts/serve_probe.py starts the service in a subprocess as `matcher serve` does, on an artifact built from the
fixtures without the training-only estimator file (the image leaves it out too), calls every route, and reports
the distributions the process imported. Then:
- every imported distribution is in `serve` or required by an entry of it (pip installs those with it);
- `serve` lists each distribution the project's own loaded modules import, not only what a dependency happens
  to bring along, and nothing else.
A package that uvicorn, starlette or pydantic import only when it is installed (uvloop, httptools, websockets,
python-multipart, email-validator) shows up here once the dev install brings it: then decide whether the
image wants it (a `serve` entry with a comment) or not.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def group(name: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in (project["dependencies"] if name == "" else
                                     project["optional-dependencies"][name])]


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    from matcher.model.build import build
    from matcher.paths import FIXTURES_DIR

    models = tmp_path_factory.mktemp("models")
    build(FIXTURES_DIR, models)
    for f in models.glob("estimator-*.joblib"):
        f.unlink()
    shutil.copy(ROOT / "models" / "evaluation.json", models)
    # PYTHONPATH: a script's sys.path starts at its own folder, so without it `service` could come from another
    # checkout's editable install.
    env = {**os.environ, "MATCHER_MODELS_DIR": str(models),
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    run = subprocess.run([sys.executable, "scripts/serve_probe.py"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    found = json.loads(run.stdout)
    assert Path(found["code"]).is_relative_to(ROOT), f"the probe ran the service from {found['code']}"
    return found


def installed_with(requirements: list[Requirement]) -> set[str]:
    """The distributions pip installs for these requirements: them and, recursively, what their metadata
    requires (markers evaluated here, extras followed)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        key = (canon(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            needs = importlib.metadata.distribution(req.name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for r in map(Requirement, needs):
            if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in (req.extras or {""})):
                todo.append(r)
    return {name for name, _ in seen}


def imported_by_the_project(probe: dict) -> set[str]:
    """Distributions whose modules the project's loaded modules import themselves (at top level or inside a
    function), among those the process did import."""
    owner = {top: canon(dist) for dist, tops in probe["distributions"].items() for top in tops}
    named = set()
    for module in probe["project_modules"]:
        base = ROOT.joinpath(*module.split("."))
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                named.add(node.module.split(".")[0])
    return {owner[top] for top in named if top in owner}


def test_the_probe_called_every_route_and_knows_every_module(probe):
    assert probe["routes_not_called"] == []
    assert probe["unknown_modules"] == []
    assert {"fastapi", "numpy", "uvicorn", "typer"} <= {canon(d) for d in probe["distributions"]}


def test_serving_imports_nothing_from_the_training_stack(probe):
    training = {"scikit-learn", "scipy", "pandas", "pandera", "joblib", "pypinyin", "httpx"}
    assert not training & {canon(d) for d in probe["distributions"]}


def test_the_serve_group_installs_every_distribution_serving_imports(probe):
    missing = {canon(d) for d in probe["distributions"]} - installed_with(group("serve"))
    assert not missing, f"the served process imports {sorted(missing)}, which installing [serve] leaves out"


def test_the_serve_group_is_what_the_project_imports(probe):
    listed = {canon(r.name) for r in group("serve")}
    direct = imported_by_the_project(probe)
    assert not direct ^ listed, (f"add to [serve]: {sorted(direct - listed)} (the project's modules import them); "
                                 f"remove: {sorted(listed - direct)} (the served process never imports them)")


def test_serve_entries_keep_the_main_list_bounds():
    """A distribution in both lists has the same version bounds, so the two installs cannot drift apart."""
    main = {canon(r.name): r for r in group("")}
    differ = [f"{r} vs {main[canon(r.name)]}" for r in group("serve")
              if canon(r.name) in main and r.specifier != main[canon(r.name)].specifier]
    assert not differ, differ
