#!/usr/bin/env bash
# Regenerate the hash-pinned locks the image installs with --require-hashes:
#   requirements.lock  pyproject's [project] dependencies (the model stage: `matcher build`)
#   serve.lock         pyproject's `serve` group (the served image)
# Versions come from constraints.txt (what the tests ran on); pip-compile adds every transitive package and the
# sha256 of every file PyPI has for that version (all platforms). tests/test_lock.py checks that the locks,
# pyproject.toml and constraints.txt agree. Run after changing dependencies or constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q "pip-tools>=7.4"
python3 - "$tools" <<'PY'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
open(f"{sys.argv[1]}/requirements.in", "w").write("\n".join(project["dependencies"]) + "\n")
open(f"{sys.argv[1]}/serve.in", "w").write("\n".join(project["optional-dependencies"]["serve"]) + "\n")
PY
for lock in requirements serve; do
  cp "$tools/$lock.in" "$lock.in"
  "$tools/venv/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links --constraint constraints.txt --output-file "$lock.lock" "$lock.in"
  rm "$lock.in"
done
echo "wrote requirements.lock and serve.lock"
