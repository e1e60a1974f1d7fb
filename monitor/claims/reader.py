"""The learned stance reader: a stance for a holder's sentence that the lexicon has no cue for.

Part of the stance-statements stage. The lexicon (lexicon.py, stance.toml) reads the stance cues it
knows; news states positions in a long tail of wordings it does not ("would not pay the festival's
subsidy", "still wanted to work with Nissan", "would continue to intervene"). A sentence that names a
holder but has no known cue is given to this reader: a multinomial logistic regression over the
sentence's words and word pairs (the holder's own words masked, words after a negation marked), with
the classes support, oppose, undecided and none. Its weights are data (monitor/data/stance_reader.json),
fitted on the labelled stance sentences of the development corpus by `python -m
monitor.claims.train_reader` (see that module and docs/claims.md, "The learned reader"). It answers
only when its probability reaches the file's threshold; the words that weighed most for its answer
are the statement's cue, so the evidence still says what decided the stance.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

DEFAULT_READER = Path(__file__).resolve().parent.parent / "data" / "stance_reader.json"

NONE = "none"  # the class of a sentence that states no position of its holder
# Words after which the next few words are negated ("would not pay", "refused to sign", "no plans to").
NEGATORS = frozenset({"not", "no", "never", "n't", "without", "refused", "declined", "nor"})
NEGATION_SPAN = 3
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|n't")
HOLDER = "HOLDER"  # what the holder's own words become: a name says nothing about a stance


@dataclass(frozen=True, slots=True)
class Reading:
    """The reader's answer for one sentence: a stance, its probability and the words that decided it."""

    stance: str
    probability: float
    cue: str


def features(sentence: str, holder_text: str | None) -> list[tuple[str, str]]:
    """The sentence's features, each with the words it stands for: `u:word` (a word, `u:NOT_word` when
    a negation precedes it within three words) and `b:word_word` (two adjacent words). Lower case; the
    holder's own words are one token, HOLDER."""
    text = sentence.lower()
    if holder_text:
        text = text.replace(holder_text.lower(), " ")
    words = _WORD.findall(text.replace("n't", " n't"))
    found: dict[str, str] = {}
    negated = 0
    previous = "<s>"
    for word in words:
        unigram = ("NOT_" + word) if negated > 0 else word
        found.setdefault("u:" + unigram, word)
        found.setdefault(f"b:{previous}_{word}", word if previous == "<s>" else f"{previous} {word}")
        previous = word
        negated = NEGATION_SPAN if word in NEGATORS else negated - 1
    return list(found.items())


@dataclass(frozen=True, slots=True)
class StanceReader:
    """Fitted weights: one row of per-class weights for each feature, a bias per class."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    threshold: float
    # words that say nothing alone ("to", "and", "the": topics.toml's function words): a cue made of
    # them only explains nothing to a reader, so the cue prefers features with a content word
    plain_words: frozenset[str] = frozenset()

    def probabilities(self, feats: list[tuple[str, str]]) -> list[float]:
        scores = list(self.bias)
        for name, _ in feats:
            row = self.weights.get(name)
            if row is not None:
                for k, w in enumerate(row):
                    scores[k] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def read(self, sentence: str, holder_text: str | None) -> Reading | None:
        """The holder's stance in `sentence`, or None when the reader sees none or is not sure enough."""
        feats = features(sentence, holder_text)
        probs = self.probabilities(feats)
        best = max(range(len(probs)), key=lambda k: probs[k])
        stance = self.classes[best]
        if stance == NONE or probs[best] < self.threshold:
            return None
        return Reading(stance, probs[best], self._cue(feats, best, holder_text))

    def _cue(self, feats: list[tuple[str, str]], k: int, holder_text: str | None) -> str:
        """The words of the (at most) three features that weighed most for class `k`, in sentence order;
        features with a content word first ("not pay" rather than "and")."""
        scored = []
        for position, (name, words) in enumerate(feats):
            row = self.weights.get(name)
            if row is not None and row[k] > 0 and HOLDER.lower() not in words.split():
                telling = any(w.removeprefix("n't") and w not in self.plain_words for w in words.split())
                scored.append((telling, row[k], position, words))
        top = sorted(sorted(scored, reverse=True)[:3], key=lambda item: item[2])
        return ", ".join(words for *_, words in top)

    def to_json(self) -> dict[str, object]:
        return {
            "format": 1,
            "classes": list(self.classes),
            "bias": [round(b, 5) for b in self.bias],
            "threshold": self.threshold,
            "weights": {n: [round(w, 5) for w in row] for n, row in sorted(self.weights.items())},
        }


def reader_from_json(data: dict[str, object], source: str = "<data>") -> StanceReader:
    """A reader from its JSON form (`StanceReader.to_json`); a ValueError naming `source` otherwise."""
    classes, bias, weights, threshold = (
        data.get("classes"),
        data.get("bias"),
        data.get("weights"),
        data.get("threshold"),
    )
    if (
        not isinstance(classes, list)
        or not isinstance(bias, list)
        or not isinstance(weights, dict)
        or not isinstance(threshold, (int, float))
    ):
        raise ValueError(f"{source}: not a stance reader file (classes, bias, weights and threshold needed)")
    try:
        rows = {str(name): tuple(float(w) for w in row) for name, row in weights.items()}
        reader = StanceReader(
            tuple(str(c) for c in classes), tuple(float(b) for b in bias), rows, float(threshold)
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: not a stance reader file ({exc})") from exc
    if len(reader.bias) != len(reader.classes) or any(len(r) != len(reader.classes) for r in rows.values()):
        raise ValueError(f"{source}: every weight row needs one weight per class")
    return reader


@cache
def load_reader(path: Path = DEFAULT_READER) -> StanceReader | None:
    """The shipped reader (None when its file is absent: the lexicon alone reads stances)."""
    if not path.is_file():
        return None
    from monitor.claims.topics import load_topic_model

    reader = reader_from_json(json.loads(path.read_text(encoding="utf-8")), str(path))
    return replace(reader, plain_words=load_topic_model().function_words)
