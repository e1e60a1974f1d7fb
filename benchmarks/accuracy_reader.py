"""Does the learned stance reader carry over to news it was not fitted on? Leave one batch out.

    .venv/bin/python benchmarks/accuracy_reader.py [--thresholds 0.6 0.7 0.8] [BATCH_DIR ...]
        [--bank tests/sentence_bank/*.jsonl [--compare-bank]]

For each corpus batch (default tests/corpus/*), the reader is fitted on every other batch and the
batch's cases are diffed with it; the table sums the batches, beside the engine without a reader.
With `--bank`, sentence bank rows join every fold's fit (`--compare-bank`: each fold fitted with and
without them, side by side).
Scored with ../shared/eval/score.py (needs ../shared beside the repository). Not in run_all.py: it
measures accuracy, not speed (about a minute per threshold).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.claims import extract_claims_with, load_gazetteer, load_lexicon, load_topic_model  # noqa: E402
from monitor.claims.reader import StanceReader  # noqa: E402
from monitor.claims.train_reader import bank_examples, batch_examples, fit  # noqa: E402
from monitor.diff import diff_claims  # noqa: E402

SCORER = ROOT.parent / "shared" / "eval" / "score.py"


def _scorer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_batch(batch: Path, reader: StanceReader | None, score) -> dict[str, int]:  # type: ignore[no-untyped-def]
    gaz, topics = load_gazetteer(), load_topic_model()
    lex = replace(load_lexicon(), reader=reader, pair_cache={})
    totals = dict(tp=0, fp=0, fn=0, num_tp=0, num_fp=0, num_fn=0, noise=0)
    for case in sorted(p for p in batch.iterdir() if (p / "gold.json").is_file()):
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        sides = [
            extract_claims_with((case / f"{v}.txt").read_text(encoding="utf-8"), gaz, lex, topics, {})
            for v in ("old", "new")
        ]
        result = score.score_case(gold, [c.to_dict() for c in diff_claims(*sides)])
        for key in ("tp", "fp", "fn", "num_tp", "num_fp", "num_fn"):
            totals[key] += result[key]
        if not gold.get("shifts") and not gold.get("numbers") and (result["fp"] or result["num_fp"]):
            totals["noise"] += 1
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", nargs="*", type=Path)
    parser.add_argument("--thresholds", nargs="*", type=float, default=[0.7])
    parser.add_argument(
        "--bank", nargs="*", type=Path, default=[], help="sentence bank files added to every fit"
    )
    parser.add_argument("--compare-bank", action="store_true", help="also fit every batch without the bank")
    args = parser.parse_args()
    if not SCORER.is_file():
        print(f"needs {SCORER}", file=sys.stderr)
        return 2
    score = _scorer()
    batches = args.batches or sorted(
        p for p in (ROOT / "tests" / "corpus").iterdir() if (p / "sentences.jsonl").is_file()
    )
    examples = {b.name: batch_examples(b) for b in batches}
    bank = [e for f in args.bank for e in bank_examples(f)]
    rows: list[tuple[str, dict[str, int]]] = [
        ("no reader", _sum(score_batch(b, None, score) for b in batches))
    ]
    variants = (
        [("", bank)] if not args.compare_bank else [(", no bank", []), (f", bank of {len(bank)}", bank)]
    )
    for threshold in args.thresholds:
        for label, extra in variants:
            per_batch = []
            for b in batches:
                reader = fit(
                    [e for name, ex in examples.items() if name != b.name for e in ex] + extra,
                    threshold=threshold,
                )
                per_batch.append(score_batch(b, reader, score))
            rows.append((f"reader, threshold {threshold}{label}", _sum(per_batch)))
    print(
        f"| {len(batches)} batches, each left out of the fit "
        "| shift F1 | precision | recall | tp | fp | fn | noise alerted |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, t in rows:
        p = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else 0.0
        r = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"| {name} | {f1:.3f} | {p:.2f} | {r:.2f} | {t['tp']} | {t['fp']} | {t['fn']} | {t['noise']} |")
    return 0


def _sum(parts) -> dict[str, int]:  # type: ignore[no-untyped-def]
    total: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value
    return total


if __name__ == "__main__":
    sys.exit(main())
