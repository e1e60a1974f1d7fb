"""The seed articles and the dev evaluation set in ../shared (skipped when it is absent).

Seeds: 001 -> 004 gives United States oppose -> support qualified by Kharkiv and Germany oppose ->
support; 000 -> 001 gives no shift. The dev set is scored with the evaluation scorer's own rules and
must meet the project's targets: shift F1 >= 0.85 with precision >= 0.90, number F1 >= 0.90, and no
noise case with a false alert.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from evalscore import load_scorer, score_cases

from monitor.diff import diff_texts
from monitor.model import ChangeKind

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
DEV = SHARED / "eval" / "dev"

pytestmark = pytest.mark.shared


def _seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not available")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} is not available")
    return matches[0].read_text(encoding="utf-8")


def _shifts(old: str, new: str) -> dict[str, tuple[str | None, str | None, tuple[str, ...]]]:
    out = {}
    for change in diff_texts(old, new):
        if change.kind is ChangeKind.STANCE_SHIFT and change.before and change.after and change.actor:
            out[change.actor] = (change.before.stance, change.after.stance, change.after.qualifiers)
    return out


def test_seed_001_to_004_us_and_germany_move_to_support() -> None:
    shifts = _shifts(_seed("001"), _seed("004"))
    us = shifts.get("United States")
    assert us is not None and us[:2] == ("oppose", "support")
    assert any("kharkiv" in q.lower() for q in us[2])
    assert shifts.get("Germany", (None, None))[:2] == ("oppose", "support")
    assert set(shifts) == {"United States", "Germany"}


def test_seed_000_to_001_has_no_shift() -> None:
    assert _shifts(_seed("000"), _seed("001")) == {}


def _scorer() -> ModuleType:
    if not DEV.is_dir():
        pytest.skip("../shared/eval is not available")
    return load_scorer()


def test_dev_set_meets_targets() -> None:
    scorer = _scorer()
    cases = sorted(p for p in DEV.iterdir() if (p / "gold.json").is_file())
    assert cases
    totals, noise_alerts = score_cases(cases)
    precision = scorer.ratio(totals["tp"], totals["tp"] + totals["fp"])
    recall = scorer.ratio(totals["tp"], totals["tp"] + totals["fn"])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    num_p = scorer.ratio(totals["num_tp"], totals["num_tp"] + totals["num_fp"])
    num_r = scorer.ratio(totals["num_tp"], totals["num_tp"] + totals["num_fn"])
    num_f1 = 2 * num_p * num_r / (num_p + num_r) if num_p + num_r else 0.0
    assert f1 >= 0.85, totals
    assert precision >= 0.90, totals
    assert num_f1 >= 0.90, totals
    assert noise_alerts == 0
