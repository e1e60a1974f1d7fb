"""The data every stage passes along: claims extracted from a text, and the changes between two texts.

These are plain frozen dataclasses so the claim engine and the differ stay pure (text in, data out),
cheap to build in bulk, and trivially comparable in tests. `Change.to_dict()` is the JSON shape that
`claimwatch diff --format json`, `claimwatch history --format json` and the evaluation scorer read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Stance = Literal["support", "oppose", "undecided"]
STANCES: tuple[Stance, ...] = ("support", "oppose", "undecided")


class ChangeKind(StrEnum):
    STANCE_SHIFT = "stance_shift"
    QUALIFIER_CHANGED = "qualifier_changed"
    NUMBER_CHANGED = "number_changed"
    ATTRIBUTION_CHANGED = "attribution_changed"
    CLAIM_ADDED = "claim_added"
    CLAIM_REMOVED = "claim_removed"
    CLAIM_REWORDED = "claim_reworded"


# Shown first in reports: the kinds a person acts on before the kinds that are merely edits.
KIND_ORDER: dict[ChangeKind, int] = {kind: i for i, kind in enumerate(ChangeKind)}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as written ("2,012"), its value, its unit ("EUR", "%", "km") and what it counts ("killed")."""

    text: str
    value: float
    unit: str | None = None
    counts: str | None = None
    start: int = 0
    end: int = 0
    approximate: bool = False  # "more than 270", "about 12,000", "above 2,000"
    bound: str = ""  # for an approximate figure: "min" ("more than"), "max" ("nearly") or "about"
    holder: str | None = None  # whose figure: "disney" ("Disney's $38"), "reform uk" (a list member)
    about: str = ""  # words naming the measure, space-separated ("growth forecast"; "valencia region")
    previous: bool = False  # the earlier value inside the sentence: "to 4% from 3.75%", "up from $28"


@dataclass(frozen=True, slots=True)
class Claim:
    """One assertion in one sentence of one version.

    `start`/`end` are character offsets of the sentence in the version's text. `actor` is the canonical
    name of the stance holder; `actor_text` the words that named it in this sentence. `cue` holds the
    words that decided the stance ("gave the go-ahead", "no longer opposes"): the explanation a user
    sees. `attribution` names who asserts the claim when that is not the actor itself ("Moscow says
    Washington approved": actor None for Washington's stance, attribution "Russia"). `background` marks
    history recalled in the text ("had resisted"): kept as evidence, never a current stance.
    """

    text: str
    start: int
    end: int
    index: int
    actor: str | None = None
    actor_text: str | None = None
    stance: Stance | None = None
    cue: str | None = None
    proposition: str = ""
    topic: str = ""
    qualifiers: tuple[str, ...] = ()
    attribution: str | None = None
    numbers: tuple[Quantity, ...] = ()
    background: bool = False
    confidence: float = 1.0

    @property
    def has_stance(self) -> bool:
        return self.actor is not None and self.stance is not None and not self.background


@dataclass(frozen=True, slots=True)
class ChangeSide:
    """One side (before or after) of a change, with the evidence that supports it."""

    text: str
    stance: Stance | None = None
    value: str | None = None  # the number as written, for number_changed
    qualifiers: tuple[str, ...] = ()
    cue: str | None = None
    actor_text: str | None = None
    attribution: str | None = None
    start: int | None = None
    end: int | None = None
    source: str | None = None  # source name or URL, filled in by the monitor
    url: str | None = None
    observed_at: str | None = None  # ISO 8601, filled in by the monitor

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.stance is not None:
            out["stance"] = self.stance
        if self.value is not None:
            out["value"] = self.value
        out["qualifiers"] = list(self.qualifiers)
        for key in ("cue", "actor_text", "attribution", "start", "end", "source", "url", "observed_at"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeSide:
        return cls(
            text=data.get("text", ""),
            stance=data.get("stance"),
            value=data.get("value"),
            qualifiers=tuple(data.get("qualifiers") or ()),
            cue=data.get("cue"),
            actor_text=data.get("actor_text"),
            attribution=data.get("attribution"),
            start=data.get("start"),
            end=data.get("end"),
            source=data.get("source"),
            url=data.get("url"),
            observed_at=data.get("observed_at"),
        )


@dataclass(frozen=True, slots=True)
class Change:
    """A typed difference between two texts (or two observations of one actor's position).

    `word_diff` is a list of (op, text) pairs from diff-match-patch: op -1 deleted, 0 kept, 1 inserted.
    `proposition` is the wording of the question as the newer text puts it; `topic` is its normalised
    key, the same across paraphrases. `counts` names what a changed number counts ("killed").
    """

    kind: ChangeKind
    before: ChangeSide | None = None
    after: ChangeSide | None = None
    actor: str | None = None
    topic: str | None = None
    proposition: str | None = None
    counts: str | None = None
    confidence: float = 1.0
    word_diff: tuple[tuple[int, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": str(self.kind)}
        if self.actor is not None:
            out["actor"] = self.actor
        if self.topic is not None:
            out["topic"] = self.topic
        if self.proposition is not None:
            out["proposition"] = self.proposition
        if self.counts is not None:
            out["counts"] = self.counts
        out["before"] = self.before.to_dict() if self.before else None
        out["after"] = self.after.to_dict() if self.after else None
        out["confidence"] = round(self.confidence, 3)
        if self.word_diff:
            out["word_diff"] = [[op, text] for op, text in self.word_diff]
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        known = {
            "kind",
            "actor",
            "topic",
            "proposition",
            "counts",
            "before",
            "after",
            "confidence",
            "word_diff",
        }
        return cls(
            kind=ChangeKind(data["kind"]),
            before=ChangeSide.from_dict(data["before"]) if data.get("before") else None,
            after=ChangeSide.from_dict(data["after"]) if data.get("after") else None,
            actor=data.get("actor"),
            topic=data.get("topic"),
            proposition=data.get("proposition"),
            counts=data.get("counts"),
            confidence=float(data.get("confidence", 1.0)),
            word_diff=tuple((int(op), str(text)) for op, text in data.get("word_diff") or ()),
            extra={k: v for k, v in data.items() if k not in known},
        )

    @property
    def headline(self) -> str:
        """One line a person reads first: "United States: oppose -> support on <topic>"."""
        if self.kind is ChangeKind.STANCE_SHIFT and self.before and self.after:
            line = f"{self.actor}: {self.before.stance} -> {self.after.stance} on {self.topic}"
            if self.after.qualifiers:
                line += f" (qualified: {'; '.join(self.after.qualifiers)})"
            return line
        if self.kind is ChangeKind.NUMBER_CHANGED and self.before and self.after:
            what = f" {self.counts}" if self.counts else ""
            return f"number changed: {self.before.value} -> {self.after.value}{what}"
        if self.kind is ChangeKind.QUALIFIER_CHANGED and self.before and self.after:
            was = "; ".join(self.before.qualifiers) or "none"
            now = "; ".join(self.after.qualifiers) or "none"
            return f"{self.actor}: qualifier on {self.topic}: {was} -> {now}"
        if self.kind is ChangeKind.ATTRIBUTION_CHANGED and self.before and self.after:
            return f"attribution changed: {self.before.attribution} -> {self.after.attribution}"
        side = self.after or self.before
        who = f"{self.actor}: " if self.actor else ""
        return f"{self.kind.replace('_', ' ')}: {who}{side.text if side else ''}"[:200]
