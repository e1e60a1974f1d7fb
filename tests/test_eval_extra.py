"""Guard on the independent set in tests/eval_extra: the engine may miss shifts there, but it must
not raise false alerts. Scored with the evaluation scorer's own rules (../shared/eval/score.py;
skipped when ../shared is absent)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

from evalscore import load_scorer

from monitor.diff import diff_texts

EXTRA = Path(__file__).resolve().parent / "eval_extra"


def _scorer() -> ModuleType:
    return load_scorer()


def test_independent_set_raises_no_false_alert() -> None:
    scorer = _scorer()
    false_shifts: list[str] = []
    false_numbers: list[str] = []
    cases = sorted(p for p in EXTRA.iterdir() if (p / "gold.json").is_file())
    assert len(cases) >= 16
    for case in cases:
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        changes = diff_texts(
            (case / "old.txt").read_text(encoding="utf-8"), (case / "new.txt").read_text(encoding="utf-8")
        )
        result = scorer.score_case(gold, [c.to_dict() for c in changes])
        false_shifts += [f"{case.name}: {s}" for s in result["spurious"] if not s.startswith("number ")]
        false_numbers += [f"{case.name}: {s}" for s in result["spurious"] if s.startswith("number ")]
    assert false_shifts == []
    assert false_numbers == []
