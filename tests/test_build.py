"""The build: the opt-in mypyc-compiled claim engine and how a running claimwatch reports its build.

The compiled build itself is exercised by .ci/run, which installs it in a second environment and runs
this whole suite against it with CLAIMWATCH_EXPECT_COMPILED=1 (see conftest.py).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from monitor.claims import engine_build

ROOT = Path(__file__).resolve().parents[1]


def _backend() -> ModuleType:
    spec = importlib.util.spec_from_file_location("claimwatch_build", ROOT / "_build" / "claimwatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_version_names_the_engine_build() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    expected = "compiled with mypyc" if engine_build() == "compiled" else "pure Python"
    assert out.startswith("claimwatch ")
    assert f"(claim engine: {expected})" in out
    if os.environ.get("CLAIMWATCH_EXPECT_COMPILED") == "1":
        assert "compiled with mypyc" in out  # the subprocess imported the installed build too


@pytest.mark.parametrize(
    ("value", "wanted"),
    [(None, False), ("", False), ("0", False), ("no", False), ("1", True), ("yes", True), ("true", True)],
)
def test_compile_is_opt_in(monkeypatch: pytest.MonkeyPatch, value: str | None, wanted: bool) -> None:
    backend = _backend()
    if value is None:
        monkeypatch.delenv("CLAIMWATCH_COMPILE", raising=False)
    else:
        monkeypatch.setenv("CLAIMWATCH_COMPILE", value)
    assert backend.compile_requested() is wanted


@pytest.mark.filterwarnings("ignore::UserWarning")  # setuptools: "[tool.setuptools] is still beta"
def test_mypy_is_a_build_requirement_only_when_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _backend()
    monkeypatch.chdir(ROOT)  # setuptools runs ./setup.py to list requirements
    monkeypatch.setenv("CLAIMWATCH_COMPILE", "1")
    assert backend.MYPYC_REQUIREMENT in backend.get_requires_for_build_wheel()
    # an editable install is never compiled, so it needs no mypy even when asked
    assert backend.MYPYC_REQUIREMENT not in backend.get_requires_for_build_editable()
    monkeypatch.delenv("CLAIMWATCH_COMPILE")
    assert backend.MYPYC_REQUIREMENT not in backend.get_requires_for_build_wheel()


def test_setup_compiles_nothing_while_listing_requirements(monkeypatch: pytest.MonkeyPatch) -> None:
    # setuptools runs setup.py before mypy is installed: the backend must keep it from importing mypyc
    backend = _backend()
    monkeypatch.setenv("CLAIMWATCH_COMPILE", "1")
    with backend._without_compiling():
        assert backend.compile_requested() is False
    assert backend.compile_requested() is True
