"""setuptools' build backend, after one check: the Python that will run the package is 3.11 or newer.

pip reads `requires-python` only after resolving the dependencies, so on an older Python it first fails on a
pinned dependency (numpy has no wheel for it) with a conflict that never names the real cause. The build
backend runs in the target interpreter before that resolution: refusing here gives the one line that does.
"""

from __future__ import annotations

import sys

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the PEP 517/660 hooks, unchanged)

MINIMUM = (3, 11)

if sys.version_info < MINIMUM:
    raise SystemExit(f"partner-matcher needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; this is Python "
                     f"{sys.version.split()[0]} ({sys.executable}). Make the venv with python3.11 or later: "
                     "python3.11 -m venv .venv")

__all__ = [name for name in dir(_setuptools) if not name.startswith("_")]
