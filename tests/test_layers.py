"""Imports run one way (../shared/ARCHITECTURE.md): no module imports a module on a higher floor, the client
stands alone, and the service starts without the training stack (scikit-learn, pandas).

Floors, one folder each: 0 config (matcher/config.py, paths.py, the TOML files) and the client; 1 data
(features/sources.py, schemas.py, resolve.py: read, validate, resolve names); 2 features; 3 model
(matcher/model/: fit, kernel, evaluate, build, model card) and the serving artifact (matcher/artifact/: the
answer model and its store); 4 answers (matcher/answers/: recommend, reasons, caveats); 5 entry points
(service, CLI, bench).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("matcher", "features", "service", "bench", "matcher_client")

# Most specific prefix wins. A module under a package without its own line takes the package's floor.
FLOORS = {
    "matcher": 0, "matcher.paths": 0, "matcher.config": 0, "matcher_client": 0,
    "features": 2, "features.schemas": 1, "features.sources": 1, "features.resolve": 1,
    "matcher.model": 3, "matcher.artifact": 3,
    "matcher.answers": 4,
    "service": 5, "bench": 5, "matcher.cli": 5,
}
# `import matcher` runs only matcher/__init__.py (the version string): floor 0, whatever its subpackages are.
PACKAGE_INITS = {"matcher": 0, "features": 0, "service": 0, "bench": 0}


def floor(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in FLOORS:
            return FLOORS[prefix]
    raise KeyError(module)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def project_imports(path: Path) -> set[str]:
    """Every project module the file imports, at top level or inside a function (a lazy import still runs)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            # `from service import card` imports the module service.card, not just the package
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if (ROOT / node.module.replace(".", "/") / f"{a.name}.py").exists()
                      or (ROOT / node.module.replace(".", "/") / a.name / "__init__.py").exists()}
    return {m for m in found if m.split(".")[0] in PACKAGES}


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def target_floor(imported: str) -> int:
    return PACKAGE_INITS[imported] if imported in PACKAGE_INITS else floor(imported)


def test_every_module_has_a_floor():
    assert sources(), "no sources found"
    for p in sources():
        floor(module_name(p))


def test_no_module_imports_a_higher_floor():
    upward = []
    for p in sources():
        mine = module_name(p)
        for imported in project_imports(p):
            if target_floor(imported) > floor(mine):
                upward.append(f"{mine} (floor {floor(mine)}) imports {imported} (floor {target_floor(imported)})")
    assert not upward, "\n".join(upward)


def test_the_client_imports_nothing_of_the_project_but_itself():
    for p in (ROOT / "matcher_client").rglob("*.py"):
        others = {m for m in project_imports(p) if m.split(".")[0] != "matcher_client"}
        assert not others, f"{p.name} imports {others}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule is not vacuous: a floor-0 module importing the service is reported."""
    fake = tmp_path / "bad.py"
    fake.write_text("from service.app import create_app\nimport matcher.answers.recommend\n")
    assert {floor(m) for m in project_imports(fake)} == {5, 4}
    assert floor("matcher.paths") < floor("service.api.routes.pages")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return set(out.stdout.split())


def test_installing_the_client_alone_is_enough():
    loaded = _loaded_after("import matcher_client\nmatcher_client.MatcherClient")
    assert "httpx" in loaded and "matcher_client.models" in loaded  # the probe does see imports
    heavy = {m for m in loaded if m.split(".")[0] in ("service", "matcher", "features", "fastapi", "sqlalchemy",
                                                    "numpy", "pandas", "sklearn")}
    assert not heavy, sorted(heavy)


# The training stack, and what only building needs (validation, pinyin for the name index).
TRAINING = ("sklearn", "pandas", "scipy", "joblib", "pandera", "pypinyin")


@pytest.fixture(scope="module")
def served_models(tmp_path_factory) -> Path:
    from matcher.model.build import build
    from matcher.paths import FIXTURES_DIR

    models = tmp_path_factory.mktemp("models")
    build(FIXTURES_DIR, models)
    return models


def test_service_starts_and_answers_without_the_training_stack(served_models):
    """Import the app, load the artifact and answer a query with every block weighted: none of it may pull in
    scikit-learn, pandas or scipy (the probe sees them: importing the estimator does)."""
    code = (f"from pathlib import Path\nimport service.app\nfrom matcher.artifact.store import load_bundle\n"
            f"from matcher.answers.recommend import recommend\nfrom matcher.config import default_weights\n"
            f"b = load_bundle(Path({str(served_models)!r}))\n"
            "assert recommend(b, 'E08000901', k=5, weights=default_weights())['results']")
    loaded = _loaded_after(code)
    assert "fastapi" in loaded and "numpy" in loaded
    training = sorted(m for m in loaded if m.split(".")[0] in TRAINING)
    assert not training, training[:10]
    assert "sklearn" in _loaded_after("import matcher.model.estimator")
