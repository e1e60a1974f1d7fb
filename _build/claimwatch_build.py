"""Build backend: setuptools, plus an opt-in mypyc-compiled claim engine.

`CLAIMWATCH_COMPILE=1 pip install .` (or `python -m build --wheel` with it set) compiles
`monitor/claims` and `monitor/diff` with mypyc: the same sources, about 1.7-1.9x faster (see
docs/decisions.md, "Compiled claim engine"). Without it, and always for an editable install, the
package is pure Python, so an edit to a source file is what runs. mypy, which carries mypyc, is
asked for only when compiling; a compile that fails fails the build instead of falling back quietly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # noqa: F401  (the rest of the PEP 517 interface, unchanged)
    build_sdist,
    get_requires_for_build_sdist,
)

# mypy 2.4 is the version the compiled engine is tested with in CI (.ci/run)
MYPYC_REQUIREMENT = "mypy>=2.4,<3"
_SKIP = "_CLAIMWATCH_SKIP_COMPILE"  # set while setup.py runs for anything but building the wheel

T = TypeVar("T")
Settings = dict[str, Any] | None


def compile_requested() -> bool:
    """True when the setup.py run in progress should compile (read by setup.py)."""
    if os.environ.get(_SKIP) == "1":
        return False
    return os.environ.get("CLAIMWATCH_COMPILE", "").strip().lower() not in ("", "0", "false", "no")


@contextmanager
def _without_compiling() -> Iterator[None]:
    # setuptools runs setup.py to list requirements and to write metadata too: neither needs the
    # extensions, and mypy may not even be installed yet
    os.environ[_SKIP] = "1"
    try:
        yield
    finally:
        del os.environ[_SKIP]


def _plain(hook: Callable[..., T], *args: Any) -> T:
    with _without_compiling():
        return hook(*args)


def get_requires_for_build_wheel(config_settings: Settings = None) -> list[str]:
    requires = list(_plain(_setuptools.get_requires_for_build_wheel, config_settings))
    if compile_requested():
        requires.append(MYPYC_REQUIREMENT)
    return requires


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Settings = None) -> str:
    return _plain(_setuptools.prepare_metadata_for_build_wheel, metadata_directory, config_settings)


def build_wheel(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


# Editable installs are never compiled: compiled modules beside the sources would shadow them, and an
# edit would silently not run.
def get_requires_for_build_editable(config_settings: Settings = None) -> list[str]:
    return _plain(_setuptools.get_requires_for_build_editable, config_settings)


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: Settings = None) -> str:
    return _plain(_setuptools.prepare_metadata_for_build_editable, metadata_directory, config_settings)


def build_editable(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    return _plain(_setuptools.build_editable, wheel_directory, config_settings, metadata_directory)
