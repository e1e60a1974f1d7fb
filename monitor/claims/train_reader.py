"""Fit the learned stance reader (reader.py) on labelled stance sentences.

    python -m monitor.claims.train_reader [BATCH_DIR ...] [--out FILE] [--threshold P] [--leave-out NAME ...]

A batch folder holds case folders (old.txt, new.txt) and `sentences.jsonl`, one labelled sentence per
line (`sentence`, `holder_text`, `stance`, `status`; the format of tests/corpus, see its README).
Examples:

- every labelled sentence: its stance when its status is `current`, else `none` (history recalled,
  a hypothetical, a prediction or someone else's claim about the holder is not the holder's position);
- `none` for every sentence the claim engine (without a reader) gives a holder but no stance and the
  labels do not list: what the reader will be asked about and should mostly leave alone;
- with `--bank FILE ...`, sentence bank rows (tests/sentence_bank/): labelled sentences written on
  their own, not as parts of a case (`bank_examples`); a row's status may also be `none` (it names a
  holder and states no position). The shipped reader is fitted without them: leaving one batch out,
  they did not help (docs/decisions.md, "Claim engine v2, fifth session").

The model is a multinomial logistic regression over `reader.features`, fitted with scikit-learn
(`pip install -e '.[train]'`; about 10 s for 4,000 sentences); the fitted weights are a JSON file and
the reader runs in pure Python, so nothing beyond the default install is needed to use it. Features
seen fewer than `MIN_COUNT` times are dropped. A pure-Python AdaGrad fit was tried first and carried
over less well (docs/decisions.md). Defaults were chosen by leaving one batch out at a time
(benchmarks/accuracy_reader.py), not per batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from monitor.claims.reader import NONE, StanceReader, features

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "corpus"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "stance_reader.json"
C = 1.0
MIN_COUNT = 2
THRESHOLD = 0.8

Example = tuple[list[str], str]


def batch_examples(batch: Path) -> list[Example]:
    """The examples of one batch folder (see the module's docstring)."""
    from monitor.claims import extract_claims_with, load_gazetteer, load_lexicon, load_topic_model

    rows = [
        json.loads(line)
        for line in (batch / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    found: list[Example] = []
    labelled: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        labelled.setdefault((row["case"], row["version"]), []).append(row["sentence"])
        label = row["stance"] if row["status"] == "current" else NONE
        found.append(([name for name, _ in features(row["sentence"], row["holder_text"])], label))
    gaz, topics = load_gazetteer(), load_topic_model()
    plain = replace(load_lexicon(), reader=None)  # what the engine finds without a reader
    for case in sorted(p for p in batch.iterdir() if (p / "old.txt").is_file()):
        for version in ("old", "new"):
            text = (case / f"{version}.txt").read_text(encoding="utf-8")
            listed = labelled.get((case.name, version), [])
            for claim in extract_claims_with(text, gaz, plain, topics, {}):
                if claim.actor is None or claim.stance is not None:
                    continue
                sentence = claim.text.strip()
                if any(sentence in s or s in sentence for s in listed):
                    continue
                found.append(([name for name, _ in features(claim.text, claim.actor_text)], NONE))
    return found


def bank_examples(path: Path) -> list[Example]:
    """The examples of a sentence bank file: JSON lines of `sentence`, `holder_text`, `stance` and
    `status` (current, history, prediction, hypothetical, reported or none)."""
    found: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        label = row["stance"] if row["status"] == "current" else NONE
        if label not in ("support", "oppose", "undecided", NONE):
            raise ValueError(f"{path}:{number}: stance {row['stance']!r} for a current row")
        found.append(([name for name, _ in features(row["sentence"], row["holder_text"])], label))
    return found


def fit(
    examples: list[Example], c: float = C, min_count: int = MIN_COUNT, threshold: float = THRESHOLD
) -> StanceReader:
    """Multinomial logistic regression (scikit-learn's lbfgs, L2 with strength `c`) over the features
    seen at least `min_count` times; deterministic. The weights become a `StanceReader`, which runs in
    pure Python."""
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # only fitting needs it; the shipped reader runs without
        raise SystemExit("fitting the reader needs scikit-learn: pip install -e '.[train]'") from exc
    counts = Counter(name for names, _ in examples for name in set(names))
    kept = {name for name, n in counts.items() if n >= min_count}
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([{n: 1.0 for n in names if n in kept} for names, _ in examples])
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(matrix, [label for _, label in examples])
    classes = tuple(str(k) for k in model.classes_)
    rows = {
        str(name): tuple(float(model.coef_[k][column]) for k in range(len(classes)))
        for name, column in vectorizer.vocabulary_.items()
    }
    rows = {name: row for name, row in rows.items() if any(abs(w) >= 1e-3 for w in row)}
    return StanceReader(classes, tuple(float(b) for b in model.intercept_), rows, threshold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.claims.train_reader", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("batches", nargs="*", type=Path, help="batch folders (default: tests/corpus/*)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--leave-out", nargs="*", default=[], help="batch folder names to hold back")
    parser.add_argument("--bank", nargs="*", type=Path, default=[], help="sentence bank files to add")
    args = parser.parse_args(argv)
    batches = args.batches or sorted(p for p in DEFAULT_CORPUS.iterdir() if (p / "sentences.jsonl").is_file())
    batches = [b for b in batches if b.name not in set(args.leave_out)]
    bank = args.bank
    examples = [e for b in batches for e in batch_examples(b)] + [e for f in bank for e in bank_examples(f)]
    reader = fit(examples, threshold=args.threshold)
    args.out.write_text(
        json.dumps(reader.to_json(), indent=None, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    labels = Counter(label for _, label in examples)
    print(
        f"{len(examples)} examples from {len(batches)} batches and {len(bank)} bank files ({dict(labels)}); "
        f"{len(reader.weights)} features -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
