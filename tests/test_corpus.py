"""The development corpus in tests/corpus: well-formed batches, and floors under the engine's scores.

Each batch (bNN/) holds cases (old.txt, new.txt, gold.json in the format of ../shared/eval/README.md),
sentences.jsonl (labelled stance sentences) and a README with its first-contact score. The floors are
the development scores of the engine when the floor was last raised, a little below them: a change that
drops under one has made the engine worse on text it already handled (docs/accuracy.md keeps the
first-contact figures, which are the honest ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evalscore import f1, score_cases

CORPUS = Path(__file__).resolve().parent / "corpus"
BATCHES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
STANCES = {"support", "oppose", "undecided"}
STATUSES = {"current", "history", "hypothetical", "reported", "prediction"}

# Floors on the whole corpus (all batches together), set on 2026-12-04 (fourth session) a little under the
# scores then (b04-b19, 400 cases: shift F1 0.45, precision 0.60, number F1 0.70, 2 of 96 noise cases
# alerted). b18 and b19 joined at their first contact (0.21 each), which lowered the corpus figures.
MIN_SHIFT_PRECISION = 0.57
MIN_SHIFT_F1 = 0.42
MIN_NUMBER_F1 = 0.67
MAX_NOISE_ALERTS = 3


def _cases(batch: Path) -> list[Path]:
    return sorted(p for p in batch.iterdir() if (p / "gold.json").is_file())


@pytest.mark.parametrize("batch", BATCHES, ids=[b.name for b in BATCHES])
def test_batches_are_well_formed(batch: Path) -> None:
    cases = _cases(batch)
    assert len(cases) >= 20
    for case in cases:
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        assert gold["kind"] in ("same_url_update", "cross_outlet"), case.name
        for shift in gold.get("shifts", []):
            assert shift["actor"] and {shift["from"], shift["to"]} <= STANCES, case.name
    texts = {
        (case.name, version): (case / f"{version}.txt").read_text(encoding="utf-8")
        for case in cases
        for version in ("old", "new")
    }
    rows = [json.loads(line) for line in (batch / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 100
    for row in rows:
        assert row["stance"] in STANCES and row["status"] in STATUSES
        assert row["sentence"] in texts[(row["case"], row["version"])], row["sentence"][:60]


BANK = Path(__file__).resolve().parent / "sentence_bank"


@pytest.mark.parametrize("bank", sorted(BANK.glob("*.jsonl")), ids=lambda p: p.name)
def test_sentence_bank_rows_are_well_formed(bank: Path) -> None:
    from monitor.claims.train_reader import bank_examples

    rows = [json.loads(line) for line in bank.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 1000
    for row in rows:
        assert row["holder_text"] in row["sentence"], row["sentence"][:60]
        if row["status"] == "none":
            assert row["stance"] is None and row["cue"] == ""
        else:
            assert row["status"] in STATUSES and row["stance"] in STANCES
            assert row["cue"] and row["cue"] in row["sentence"], row["sentence"][:60]
    assert len(bank_examples(bank)) == len(rows)


@pytest.mark.shared
def test_the_engine_stays_above_its_floors_on_the_corpus() -> None:
    totals, noise_alerts = score_cases([case for batch in BATCHES for case in _cases(batch)])
    precision = totals["tp"] / (totals["tp"] + totals["fp"])
    assert precision >= MIN_SHIFT_PRECISION, totals
    assert f1(totals["tp"], totals["fp"], totals["fn"]) >= MIN_SHIFT_F1, totals
    assert f1(totals["num_tp"], totals["num_fp"], totals["num_fn"]) >= MIN_NUMBER_F1, totals
    assert noise_alerts <= MAX_NOISE_ALERTS
