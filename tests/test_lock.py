"""The image installs from hash-pinned locks that agree with what the tests ran on: every locked package has
its version from constraints.txt and at least one sha256; every dependency pyproject declares is locked; the
Dockerfile installs the locks with --require-hashes and from a base pinned to an exact release."""

import re
import tomllib

import pytest

from matcher.paths import ROOT

LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """package -> (version, number of hashes)."""
    out: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        if m := LOCKED.match(line):
            current = _name(m.group(1))
            out[current] = (m.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, n = out[current]
            out[current] = (version, n + 1)
    return out


def _constraints() -> dict[str, str]:
    pins = (line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#"))
    return {_name(n): v.strip() for n, v in pins}


@pytest.mark.parametrize(("lock", "group"), [("requirements.lock", None), ("serve.lock", "serve")])
def test_lock_is_hashed_and_matches_constraints_and_pyproject(lock, group):
    locked, pins = _lock(lock), _constraints()
    assert locked
    for package, (version, hashes) in locked.items():
        assert hashes >= 1, f"{lock}: {package} has no hash"
        assert pins.get(package) == version, f"{lock}: {package}=={version}, constraints.txt says {pins.get(package)}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["optional-dependencies"][group] if group else project["dependencies"]
    missing = {_name(r) for r in declared} - set(locked)
    assert not missing, f"{lock} lacks {missing}: run scripts/lock.sh"


def test_the_image_installs_the_locks_with_hashes_required_on_a_pinned_base():
    docker = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?$", docker, re.M)
    for line in docker.splitlines():  # every stage starts from the pinned base or an earlier stage
        assert not line.startswith("FROM") or line.split()[1] in ("${BASE}", "base", "serve-base"), line
    for lock in ("requirements.lock", "serve.lock"):
        assert f"pip install --require-hashes --no-deps -r /tmp/{lock}" in docker
    assert "VOLUME /data" in docker and "MATCHER_PROFILES_DB=/data/profiles.db" in docker
