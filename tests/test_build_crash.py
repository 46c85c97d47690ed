"""`matcher build` replaces the artifact atomically, and a bad artifact is refused by name.

A build of changed data is SIGKILLed at every write step of matcher.model.build (half-way through writing a temp
file, with the temp file complete but not renamed, just after a rename), immediately after start, and as
soon as a `.tmp` file shows up in the models folder. Whatever the moment, load_bundle must load and verify
either the previous artifact or, once the new manifest is in place, the new one; a half-written file never
carries a real name. Then: a corrupt artifact or a manifest with the wrong checksum stops load_bundle,
create_app and `matcher serve` with a message naming the file.

The first build runs in-process. The killed builds and `matcher serve` are real processes running the CLI
(forked from one driver subprocess that imports the stack once, plus one `python -m matcher.cli build`
killed right after start), configured by MATCHER_DATA_DIR / MATCHER_MODELS_DIR in the environment.
MATCHER_DATA_DIR is the folder *above* raw/ (matcher.paths: RAW_DIR = DATA_DIR / "raw"), so each data set
here is a copy of data/fixtures placed at <tmp>/<name>/raw.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from fastapi.testclient import TestClient

from matcher.artifact.store import MANIFEST, ArtifactError, load_bundle
from matcher.config import check_weights
from matcher.model.build import build
from matcher.model.estimator import PartnerMatcher
from matcher.paths import FIXTURES_DIR, ROOT
from service.app import create_app
from service.core.config import Settings

CLI = [sys.executable, "-m", "matcher.cli"]

# One subprocess (env: MATCHER_DATA_DIR = the changed data, MATCHER_MODELS_DIR = the folder watched for
# .tmp files) imports the stack once and forks a process per scenario; forking keeps the test fast.
#  - hooked: `matcher build` that SIGKILLs itself at one step of matcher.model.build's atomic write. The hook swaps
#    the `os` module seen by matcher.model.build only, so the kill lands exactly between two steps (deterministic,
#    unlike a timed kill). These share one fit: only the writing is under test.
#  - on_tmp: a plain `matcher build` (all paths from the environment) that the driver SIGKILLs as soon as a
#    .tmp file appears in the models folder (real timing).
#  - serve: `matcher serve --port 0` on a models folder whose manifest has the wrong checksum.
DRIVER = r"""
import json, os, signal, sys, time, types
from pathlib import Path

import matcher.model.build as build
from features.sources import load_tables
from matcher.cli import app
from matcher.paths import MODELS_DIR, RAW_DIR

plan = json.loads(sys.argv[1])


def crash_at(point, nth):
    real = build.os
    seen = {"write": 0, "rename": 0}

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            die()

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def fdopen(fd, *args, **kwargs):
        fh = real.fdopen(fd, *args, **kwargs)
        seen["write"] += 1
        return HalfWriter(fh) if point == "mid_write" and seen["write"] == nth else fh

    def replace(src, dst):
        seen["rename"] += 1
        if point == "before_rename" and seen["rename"] == nth:
            die()
        real.replace(src, dst)
        if point == "after_rename" and seen["rename"] == nth:
            die()

    proxy = types.ModuleType("os")
    proxy.__dict__.update(real.__dict__)
    proxy.fdopen, proxy.replace = fdopen, replace
    build.os = proxy


def fork(run, log=None):
    pid = os.fork()
    if pid:
        return pid
    if log:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    try:
        run()
    except SystemExit as exc:
        os._exit(exc.code if isinstance(exc.code, int) else 1)
    os._exit(0)


def status(pid):
    _, st = os.waitpid(pid, 0)
    return -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)


fitted = build.fit_bundle(load_tables(RAW_DIR))
children = {}
for name, point, nth, models in plan["hooked"]:
    def run(point=point, nth=nth, models=models):
        build.fit_bundle = lambda *args, **kwargs: fitted
        crash_at(point, nth)
        app(["build", "--no-fit-weights", "--models", models])
    children[fork(run)] = name

def serve():
    os.environ["MATCHER_MODELS_DIR"] = plan["serve"]  # read by Settings() in create_app
    app(["serve", "--port", "0"])


children[fork(serve, log=plan["serve_log"])] = "serve"

pid = fork(lambda: app(["build", "--no-fit-weights"]))
deadline = time.monotonic() + 120
while True:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:  # finished before a .tmp file was seen
        result = {"on_tmp": -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)}
        break
    if time.monotonic() > deadline or any(p.name.endswith(".tmp") for p in MODELS_DIR.iterdir()):
        os.kill(pid, signal.SIGKILL)
        result = {"on_tmp": status(pid)}
        break
    time.sleep(0.0005)

result.update({name: status(pid) for pid, name in children.items()})
print(json.dumps(result))
"""

# name -> (hook point, which atomic write: 1 = the arrays, 2 = the tables, 3 = the estimator, 4 = the
# manifest), and which artifact must load.
HOOKED = {
    "artifact_half_written": ("mid_write", 1, "old"),
    "artifact_written_not_renamed": ("before_rename", 1, "old"),
    "tables_half_written": ("mid_write", 2, "old"),
    "artifact_renamed_manifest_old": ("after_rename", 2, "old"),
    "estimator_renamed_manifest_old": ("after_rename", 3, "old"),
    "manifest_half_written": ("mid_write", 4, "old"),
    "manifest_renamed": ("after_rename", 4, "new"),
}


def _env(data_dir: Path, models_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    return {**env, "MATCHER_DATA_DIR": str(data_dir), "MATCHER_MODELS_DIR": str(models_dir),
            "PYTHONPATH": str(ROOT)}


def _data(tmp: Path, name: str, change: bool) -> Path:
    """<tmp>/<name>/raw = the fixtures; with change=True one figure differs, so the data hash does."""
    raw = tmp / name / "raw"
    shutil.copytree(FIXTURES_DIR, raw)
    if change:
        path = raw / "indicators" / "synthetic.csv"
        text = path.read_text()
        assert "E08000901,population,550000," in text
        path.write_text(text.replace("E08000901,population,550000,", "E08000901,population,560000,"))
    return raw.parent


def _manifest(models: Path) -> dict:
    return json.loads((models / MANIFEST).read_text())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_match(models: Path, manifest: dict) -> bool:
    return all(_sha(models / f["name"]) == f["sha256"] for f in manifest["files"].values())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Build once, then crash builds of changed data, each in its own copy of that models folder."""
    tmp = tmp_path_factory.mktemp("crash")
    old_data, new_data = _data(tmp, "data", change=False), _data(tmp, "changed", change=True)
    base = tmp / "base"
    build(old_data / "raw", base)  # in-process: the subprocesses below are the ones that get killed
    old = _manifest(base)

    dirs = {name: tmp / name for name in [*HOOKED, "killed_at_once", "killed_on_tmp", "serve_mismatch"]}
    for d in dirs.values():
        shutil.copytree(base, d)
    manifest = _manifest(dirs["serve_mismatch"])
    manifest["files"]["arrays"]["sha256"] = "0" * 64
    (dirs["serve_mismatch"] / MANIFEST).write_text(json.dumps(manifest))

    at_once = subprocess.Popen([*CLI, "build"], env=_env(new_data, dirs["killed_at_once"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    at_once.send_signal(signal.SIGKILL)

    serve_log = tmp / "serve.log"
    plan = {"hooked": [[name, point, nth, str(dirs[name])] for name, (point, nth, _) in HOOKED.items()],
            "serve": str(dirs["serve_mismatch"]), "serve_log": str(serve_log)}
    driver = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(plan)],
                            env=_env(new_data, dirs["killed_on_tmp"]), capture_output=True, text=True, timeout=300)
    assert driver.returncode == 0, driver.stderr
    results = {**json.loads(driver.stdout), "killed_at_once": at_once.wait(timeout=60)}
    results["killed_on_tmp"] = results.pop("on_tmp")
    return {"tmp": tmp, "dirs": dirs, "old": old, "base": base, "new_data": new_data, "results": results,
            "serve": (results["serve"], serve_log.read_text())}


def _assert_sound(models: Path) -> None:
    """Every artifact under its real name is complete; only hidden .tmp files may be left by a crash."""
    for path in models.iterdir():
        if path.name.startswith("."):
            assert path.name.endswith(".tmp"), path.name
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                assert z.files, path.name
        elif path.suffix == ".joblib":
            assert isinstance(joblib.load(path), PartnerMatcher), path.name
        elif path.suffix == ".json" and path.name != MANIFEST:
            assert "records" in json.loads(path.read_text()), path.name
        else:
            assert path.name in (MANIFEST, "profiles.db"), path.name


@pytest.mark.parametrize("name", list(HOOKED))
def test_crash_at_each_write_step_leaves_a_verified_artifact(runs, name):
    point, nth, expect = HOOKED[name]
    models = runs["dirs"][name]
    assert runs["results"][name] == -signal.SIGKILL, (
        f"the build was not killed at {point} #{nth}: matcher.model.build no longer writes through "
        "os.fdopen/os.replace, so this hook needs updating")
    bundle = load_bundle(models)  # raises unless the manifest's checksum matches the file
    old = runs["old"]
    if expect == "old":
        assert bundle.manifest["artifact"] == old["artifact"] and bundle.manifest["files"] == old["files"]
    else:
        assert bundle.manifest["artifact"] != old["artifact"]
        assert bundle.manifest["data_checksums"] != old["data_checksums"]
    assert _files_match(models, bundle.manifest)
    assert len(bundle.model.top("E08000901", check_weights({}), k=3)[0]) == 3
    _assert_sound(models)
    leftovers = [p.name for p in models.iterdir() if p.name.endswith(".tmp")]
    if point == "after_rename":
        assert leftovers == []
    else:  # the kill interrupted a write: its temp file stays behind, hidden and ignored
        assert len(leftovers) == 1


def test_kill_right_after_start_keeps_the_previous_artifact(runs):
    models = runs["dirs"]["killed_at_once"]
    assert runs["results"]["killed_at_once"] == -signal.SIGKILL
    assert load_bundle(models).manifest["files"] == runs["old"]["files"]
    assert sorted(p.name for p in models.iterdir()) == sorted(p.name for p in runs["base"].iterdir())


def test_kill_when_a_temp_file_appears(runs):
    models = runs["dirs"]["killed_on_tmp"]
    assert runs["results"]["killed_on_tmp"] in (-signal.SIGKILL, 0)
    bundle = load_bundle(models)
    assert _files_match(models, bundle.manifest)
    _assert_sound(models)


def test_next_build_after_a_crash_succeeds(runs, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(runs["dirs"]["artifact_half_written"], models)
    path = build(runs["new_data"] / "raw", models)
    bundle = load_bundle(models)
    assert bundle.manifest["files"]["tables"]["name"] == path.name
    assert bundle.manifest["artifact"] != runs["old"]["artifact"]
    _assert_sound(models)


# ---- a bad artifact is refused, naming the file ------------------------------------------------------------

@pytest.fixture
def models(runs, tmp_path) -> Path:
    dst = tmp_path / "models"
    shutil.copytree(runs["base"], dst)
    return dst


@pytest.mark.parametrize("part", ["arrays", "tables"])
def test_flipped_bytes_are_refused(models, part):
    name = _manifest(models)["files"][part]["name"]
    path = models / name
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=rf"{name} fails its checksum"):
        load_bundle(models)


def test_manifest_with_a_mismatched_checksum_is_refused(models):
    manifest = _manifest(models)
    manifest["files"]["tables"]["sha256"] = hashlib.sha256(b"something else").hexdigest()
    (models / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=rf"{manifest['files']['tables']['name']} fails its checksum"):
        load_bundle(models)


def test_manifest_naming_another_build_is_refused(models, runs):
    """The manifest names a real, complete artifact, but not the one its checksum was taken of."""
    other = runs["dirs"]["manifest_renamed"]
    manifest = _manifest(models)
    for part, f in _manifest(other)["files"].items():
        shutil.copy(other / f["name"], models / f["name"])
        manifest["files"][part]["name"] = f["name"]
    (models / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=rf"{manifest['files']['arrays']['name']} fails its checksum"):
        load_bundle(models)


def test_missing_artifact_and_broken_manifest_are_named(models):
    name = _manifest(models)["files"]["tables"]["name"]
    (models / name).unlink()
    with pytest.raises(ArtifactError, match=rf"{name} named in .*manifest.json is missing"):
        load_bundle(models)
    (models / MANIFEST).write_text('{"artifact": ')
    with pytest.raises(ArtifactError, match=r"manifest.json is not a valid manifest"):
        load_bundle(models)


def test_service_refuses_to_start_on_a_mismatched_artifact(models):
    manifest = _manifest(models)
    manifest["files"]["arrays"]["sha256"] = "0" * 64
    (models / MANIFEST).write_text(json.dumps(manifest))
    app = create_app(settings=Settings(models_dir=models, database_url=f"sqlite:///{models}/p.db"))
    with pytest.raises(ArtifactError, match=rf"{manifest['files']['arrays']['name']} fails its checksum"), \
            TestClient(app):
        pass


def test_matcher_serve_refuses_a_mismatched_artifact(runs):
    code, output = runs["serve"]
    name = runs["old"]["files"]["arrays"]["name"]
    assert code != 0, output
    assert f"artifact {name} fails its checksum" in output
    assert "Application startup failed" in output and "Uvicorn running" not in output
