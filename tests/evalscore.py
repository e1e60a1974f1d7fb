"""The evaluation scorer of ../shared/eval/score.py, loaded as a module (tests skip without it: a
user's clone has no ../shared)."""

from __future__ import annotations

import importlib.util
import json
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


def score_cases(cases: list[Path]) -> tuple[dict[str, int], int]:
    """The claim engine's counts summed over case folders (old.txt, new.txt, gold.json), scored the way
    score.py scores them, and how many noise cases (no gold shift, no gold number) alerted."""
    from monitor.diff import diff_texts

    scorer = load_scorer()
    totals = dict(tp=0, fp=0, fn=0, num_tp=0, num_fp=0, num_fn=0)
    noise_alerts = 0
    for case in cases:
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        changes = diff_texts(
            (case / "old.txt").read_text(encoding="utf-8"), (case / "new.txt").read_text(encoding="utf-8")
        )
        result = scorer.score_case(gold, [c.to_dict() for c in changes])
        for key in totals:
            totals[key] += result[key]
        if not gold.get("shifts") and not gold.get("numbers") and (result["fp"] or result["num_fp"]):
            noise_alerts += 1
    return totals, noise_alerts


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
