"""What the judge is asked: a small request built from two texts and the engine's changes.

Not whole pages: the two headlines, the sentences that differ (aligned old/new where one replaces
the other), the engine's candidate shifts and number changes (with ids the answer refers to), the
names of the holders the engine found, and `context`: the few other sentences a careful reader
needs (`_context`): the sentence a shown sentence refers back to ("He said ...", "The ministry
...") and, in mode `full`, unchanged sentences that state a stance of a holder the changed
sentences name (an old stance kept word for word is still the old stance). The request is plain
JSON; its hash with the model's name and the prompt version is the cache key (`request_key`).
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
    return _alignment(split_sentences(old), split_sentences(new))[0]


def _alignment(
    before: list[str], after: list[str]
) -> tuple[list[tuple[str | None, str | None]], set[int], set[int]]:
    """The differing pairs (see `aligned_pairs`), and the indices of the sentences of `before` and of
    `after` that the other text holds unchanged."""
    # a sentence both texts hold word for word is unchanged, also when it moved (a reordered
    # paragraph): it differs in nothing a reader weighs, so it is never sent as a difference
    kept = set(before) & set(after)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    pairs: list[tuple[str | None, str | None]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            pairs += _pair_block(
                [s for s in before[i1:i2] if s not in kept], [s for s in after[j1:j2] if s not in kept]
            )
    same_before = {i for i, s in enumerate(before) if s in kept}
    same_after = {j for j, s in enumerate(after) if s in kept}
    return pairs, same_before, same_after


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
    before, after = split_sentences(old), split_sentences(new)
    differing, same_before, same_after = _alignment(before, after)
    headline = {"old": _headline(old), "new": _headline(new)}
    pairs: list[dict[str, str | None]] = []
    truncated = False
    used = sum(len(json.dumps(c, ensure_ascii=False)) for c in candidates)
    # a sentence a candidate quotes, or a headline, is in the request already: not sent twice
    shown = {_flat(h) for h in headline.values() if h} | {
        _flat(q) for c in candidates for q in (c["before_quote"], c["after_quote"]) if q
    }
    if mode == "full":
        if not differing and not candidates:
            return None
        for old_sentence, new_sentence in differing:
            old_sentence = None if old_sentence and _flat(old_sentence) in shown else old_sentence
            new_sentence = None if new_sentence and _flat(new_sentence) in shown else new_sentence
            if old_sentence is None and new_sentence is None:
                continue
            size = len(old_sentence or "") + len(new_sentence or "") + 24
            if used + size > max_chars:
                truncated = True
                break
            used += size
            pairs.append({"old": old_sentence, "new": new_sentence})
            shown |= {_flat(x) for x in (old_sentence, new_sentence) if x}
    holders = sorted({c.actor for c in changes if c.actor})[:_MAX_HOLDERS]
    context = _context(
        before, after, same_before, same_after, shown, holders, mode=mode, budget=max_chars - used
    )
    body: dict[str, Any] = {
        "mode": mode,
        "headline": headline,
        "pairs": pairs,
        "context": context,
        "holders": holders,
        "candidates": candidates,
    }
    if truncated:
        body["truncated"] = True
    return JudgeRequest(model=model, mode=mode, body=body)


def _flat(sentence: str) -> str:
    return _SPACES.sub(" ", sentence).strip()


# A sentence that names its holder only by a pronoun or a role noun ("He said ...", "The ministry
# said ..."): who holds the stance is in the sentence before it.
_REFERS_BACK = re.compile(
    r"^[\"'“‘(]?(?:he|she|it|they|his|her|its|their|this|that|these|those|both"
    r"|(?:the|a|an) (?:[\w'’-]+ ){0,3}?"
    r"(?:minister|ministry|secretary|spokes\w*|agency|company|government|administration|board|court"
    r"|party|union|regulator|bank|council|department|president|chair\w*|leader|official|officials"
    r"|commission|committee|body|group|club|league|mayor|premier|governor|organi[sz]ers|authority"
    r"|watchdog|firm|publisher|university|institute|panel|country|state|city|region|senator"
    r"|lawmakers|prosecutors?|justices|judge|executive|chief|team|lender|carrier|insurer))\b",
    re.IGNORECASE,
)
# Words by which a sentence states a stance (the prompt's definitions, as stems): an unchanged
# sentence with one of them about a holder the changed sentences name may hold that holder's stance.
_STANCE_CUE = re.compile(
    r"\b(?:support|back|approv|allow|permit|endors|agree|accept|welcom|favou?r|recommend|commit"
    r"|go ahead|proceed|oppos|reject|refus|rul\w* out|block|ban|bar|veto|against|object|scrap"
    r"|withdr|drop|cancel|halt|suspen|paus|on hold|defer|postpon|review|consider|weigh|undecided"
    r"|decid|decision|open to|insist|vow|pledg|stand by|stood by|no plans|yet to)",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*[A-Za-z]")
_NOT_NAMES = frozenset(
    {
        *("The", "A", "An", "He", "She", "It", "They", "His", "Her", "Its", "Their", "This", "That"),
        *("These", "Those", "But", "And", "Or", "On", "In", "At", "For", "By", "Of", "To", "As", "If"),
        *("When", "While", "After", "Before", "Since", "Under", "Until", "With", "Without", "Mr"),
        *("Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
        *("Sunday", "January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December"),
    }
)
_MAX_CONTEXT = 6  # sentences: the few a reader needs, not the unchanged article


def _names(sentence: str) -> set[str]:
    return {m.group(0) for m in _NAME.finditer(sentence) if m.group(0) not in _NOT_NAMES}


def _context(
    before: list[str],
    after: list[str],
    same_before: set[int],
    same_after: set[int],
    shown: set[str],
    holders: list[str],
    *,
    mode: Mode,
    budget: int,
) -> list[dict[str, str]]:
    """The sentences besides the pairs and quotes that a careful reader needs, each with the version
    it is in (`both`: the two versions hold it word for word):

    1. the sentence before a shown sentence that refers back to its holder ("He said ...");
    2. mode `full`: an unchanged sentence with a stance word that names a holder a shown sentence
       names, so that a stance neither version changed (or an old stance the newer text keeps word
       for word) is visible.
    At most `_MAX_CONTEXT` sentences within `budget` characters, in the newer text's order."""
    picked: dict[str, dict[str, str]] = {}
    where: dict[str, float] = {}
    unchanged = {before[i] for i in same_before}

    def add(sentence: str, side: str, position: float) -> bool:
        flat = _flat(sentence)
        if flat in shown or flat in picked or len(picked) >= _MAX_CONTEXT:
            return False
        if sum(len(e["text"]) + 24 for e in picked.values()) + len(sentence) + 24 > budget:
            return False
        picked[flat] = {"in": "both" if sentence in unchanged else side, "text": sentence}
        where[flat] = position
        return True

    def position(sentence: str) -> float:
        return after.index(sentence) if sentence in after else before.index(sentence) + 0.5

    for side, sentences in (("new", after), ("old", before)):
        for i, sentence in enumerate(sentences):
            if i and _flat(sentence) in shown and _REFERS_BACK.search(sentence):
                add(sentences[i - 1], side, position(sentences[i - 1]))
    if mode == "full":
        names = {n for s in shown for n in _names(s)} | set(holders)
        for j in sorted(same_after):
            sentence = after[j]
            if _STANCE_CUE.search(sentence) and any(
                re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", sentence) for n in names
            ):
                add(sentence, "both", j)
    return [picked[k] for k in sorted(picked, key=lambda k: where[k])]
