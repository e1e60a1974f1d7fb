"""What the judge is asked: a small request built from two texts and the engine's changes.

Not whole pages: the two headlines, the sentences that differ (aligned old/new where one replaces
the other), the engine's candidate shifts and number changes (with ids the answer refers to) and the
names of the holders the engine found. The request is plain JSON; its hash with the model's name and
the prompt version is the cache key (`request_key`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from monitor.judge.prompt import PROMPT_VERSION, prompt_text
from monitor.model import Change, ChangeKind

Mode = Literal["verify", "full"]
CANDIDATE_KINDS = (ChangeKind.STANCE_SHIFT, ChangeKind.NUMBER_CHANGED)
_MAX_HOLDERS = 40

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before a space and a
# capital, digit or opening quote, or at a line break. Rough on purpose: the model reads the result,
# and the evidence check matches quotes against the whole text, not against these pieces.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n+")
_SPACES = re.compile(r"\s+")


# A piece ending in an initial or a title ("U.S.", "J.", "Gen.", "Inc.") goes on into the next one.
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Prof|St|Jr|Sr|No|Inc|Corp|Ltd|Co|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$"
)


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    carry = ""
    for piece in _SENTENCE_END.split(text):
        piece = _SPACES.sub(" ", piece).strip()
        if not piece:
            continue
        piece = f"{carry} {piece}" if carry else piece
        if _ABBREVIATION.search(piece):
            carry = piece
            continue
        carry = ""
        out.append(piece)
    if carry:
        out.append(carry)
    return out


def _headline(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def aligned_pairs(old: str, new: str) -> list[tuple[str | None, str | None]]:
    """The sentences that differ, in the newer text's order: (old, new) when one replaced the other,
    (old, None) for a sentence only the older text has, (None, new) for one only the newer has."""
    before, after = split_sentences(old), split_sentences(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    pairs: list[tuple[str | None, str | None]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs += _pair_block(before[i1:i2], after[j1:j2])
    return pairs


_SIMILAR = 55.0  # rapidfuzz ratio: two sentences this alike are one sentence reworded


def _pair_block(olds: list[str], news: list[str]) -> list[tuple[str | None, str | None]]:
    """Within a run of differing sentences, each newer sentence is paired with the most alike older
    one (if alike enough), in the newer order; older sentences left over follow, alone. Position
    would pair unrelated sentences as soon as one is inserted (and always across outlets)."""
    from rapidfuzz import fuzz

    free = list(range(len(olds)))
    out: list[tuple[str | None, str | None]] = []
    for sentence in news:
        scored = [(fuzz.ratio(olds[i], sentence), i) for i in free]
        score, best = max(scored, default=(0.0, -1))
        if best >= 0 and score >= _SIMILAR:
            free.remove(best)
            out.append((olds[best], sentence))
        else:
            out.append((None, sentence))
    out += [(olds[i], None) for i in free]
    return out


def candidate_id(change: Change) -> str:
    """A stable id for an engine change: the same change read back from the store gets the same id."""
    before, after = change.before, change.after
    parts = [
        str(change.kind),
        change.actor or "",
        before.text if before else "",
        after.text if after else "",
        (before.stance or before.value or "") if before else "",
        (after.stance or after.value or "") if after else "",
    ]
    return "c" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def _candidate(change: Change) -> dict[str, Any]:
    before, after = change.before, change.after
    out: dict[str, Any] = {"id": candidate_id(change), "kind": str(change.kind)}
    if change.kind is ChangeKind.STANCE_SHIFT:
        out.update(
            holder=change.actor,
            topic=change.proposition or change.topic,
            **{"from": before.stance if before else None, "to": after.stance if after else None},
        )
        if after and after.qualifiers:
            out["qualifiers"] = list(after.qualifiers)
    else:
        out.update(counts=change.counts, **{"from": before.value if before else None})
        out["to"] = after.value if after else None
    out["before_quote"] = before.text if before else None
    out["after_quote"] = after.text if after else None
    return out


@dataclass(frozen=True, slots=True)
class JudgeRequest:
    """One question to the model: `body` is what it reads (the JSON user message)."""

    model: str
    mode: Mode
    body: dict[str, Any]
    prompt_version: str = PROMPT_VERSION

    @property
    def key(self) -> str:
        return request_key(self.model, self.prompt_version, self.body)

    @property
    def candidate_ids(self) -> list[str]:
        return [c["id"] for c in self.body.get("candidates", [])]

    def messages(self) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": prompt_text(self.prompt_version)},
            {"role": "user", "content": json.dumps(self.body, ensure_ascii=False)},
        ]

    def estimated_tokens(self) -> int:
        """Prompt tokens by the usual rule of thumb (4 characters a token), for budgets and reports
        when no tokenizer is at hand; the server's own count replaces it once an answer comes back."""
        return sum(len(m["content"]) for m in self.messages()) // 4 + 8


def request_key(model: str, prompt_version: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"model": model, "prompt": prompt_version, "request": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_request(
    old: str, new: str, changes: list[Change], *, model: str, mode: Mode, max_chars: int = 24_000
) -> JudgeRequest | None:
    """The request for two texts and the engine's changes between them; None when there is nothing to
    ask (no candidate in `verify` mode; no differing sentence and no candidate in `full` mode)."""
    candidates = [_candidate(c) for c in changes if c.kind in CANDIDATE_KINDS]
    if mode == "verify" and not candidates:
        return None
    pairs: list[dict[str, str | None]] = []
    truncated = False
    if mode == "full":
        used = sum(len(json.dumps(c, ensure_ascii=False)) for c in candidates)
        # a sentence a candidate quotes is in the request already: not sent twice
        quoted = {
            _SPACES.sub(" ", q).strip()
            for c in candidates
            for q in (c["before_quote"], c["after_quote"])
            if q
        }
        for before, after in aligned_pairs(old, new):
            before = None if before in quoted else before
            after = None if after in quoted else after
            if before is None and after is None:
                continue
            size = len(before or "") + len(after or "") + 24
            if used + size > max_chars:
                truncated = True
                break
            used += size
            pairs.append({"old": before, "new": after})
        if not pairs and not candidates:
            return None
    holders = sorted({c.actor for c in changes if c.actor})[:_MAX_HOLDERS]
    body: dict[str, Any] = {
        "mode": mode,
        "headline": {"old": _headline(old), "new": _headline(new)},
        "pairs": pairs,
        "holders": holders,
        "candidates": candidates,
    }
    if truncated:
        body["truncated"] = True
    return JudgeRequest(model=model, mode=mode, body=body)
