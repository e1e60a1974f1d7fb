"""Only the optional compiled build lives here; everything else is in pyproject.toml.

See _build/claimwatch_build.py: with CLAIMWATCH_COMPILE=1 the claim engine and the differ are
compiled with mypyc; otherwise this adds nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup

sys.path.insert(0, str(Path(__file__).parent / "_build"))
from claimwatch_build import compile_requested

ext_modules = []
if compile_requested():
    from mypyc.build import mypycify

    compiled = sorted(
        str(path)
        for package in ("monitor/claims", "monitor/diff")
        for path in Path(package).glob("*.py")
        # `python -m monitor.diff` needs a source module to run; fitting the reader is a tool, not the engine
        if path.name not in ("__main__.py", "train_reader.py")
    )
    ext_modules = mypycify(compiled, opt_level="3")

# Separate build trees: setuptools never empties build/lib, so a pure wheel built after a compiled
# one would otherwise pick up its stale extension modules.
setup(
    ext_modules=ext_modules,
    options={"build": {"build_base": "build/compiled" if ext_modules else "build/pure"}},
)
