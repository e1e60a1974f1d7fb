"""The evaluation scorer of ../shared/eval/score.py, loaded as a module (tests skip without it: a
user's clone has no ../shared)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCORER = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"


def load_scorer() -> ModuleType:
    if not SCORER.is_file():
        pytest.skip("../shared/eval/score.py is not available")
    spec = importlib.util.spec_from_file_location("claimwatch_eval_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
