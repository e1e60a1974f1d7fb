"""Does the judge's request hold the evidence of each gold shift? A proxy, measured per mode.

    .venv/bin/python benchmarks/bench_judge_evidence.py [--cases DIR ...] [--show-missing]

Default cases: the development corpus tests/corpus/b04-b08 (never b09-b11: they are the prompt's
first-contact set). For each case the request is built exactly as `claimwatch judge export --cases`
builds it (the engine's changes with the shipped gazetteer, then `build_request`).

The gold names each shifting holder (all the ways the texts name it) but not its sentences, so the
evidence sentences are found by a proxy. On each side (older text, newer text) a sentence is
*stance-bearing for the holder* when it carries a stance word (back, reject, pause, rule out,
review, ...; `_STANCE_WORDS`) and either names the holder or refers back to it (it starts with a
pronoun or a role noun, "He said", "The ministry", and the sentence before it names the holder).
A sentence that only refers back needs that sentence before it as well, else the reader cannot
tell who holds the stance.

- `any`: the request holds at least one stance-bearing sentence of the holder on each side (with
  what it refers back to): a careful reader can see both stances.
- `all`: it holds every such sentence on both sides: no stance of the holder is hidden (an old
  stance that sits in an unchanged sentence is still visible).
- `no proxy evidence`: shifts where the proxy finds no stance-bearing sentence on a side (counted
  apart, neither covered nor missed).

A sentence is in the request when a request sentence (a pair's side, a context sentence, a
candidate's quote, a headline) contains it or is contained in it, spacing and quote marks aside.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.claims import load_gazetteer  # noqa: E402
from monitor.diff import diff_texts  # noqa: E402
from monitor.inputs import read_document  # noqa: E402
from monitor.judge.evidence import flatten  # noqa: E402
from monitor.judge.request import build_request, split_sentences  # noqa: E402

DEFAULT_CASES = [REPO / "tests" / "corpus" / f"b0{n}" for n in range(4, 9)]

_STANCE_WORDS = re.compile(
    r"\b(?:support|back|approv|allow|permit|endors|agree|accept|sign|welcom|favou?r|recommend|commit"
    r"|go ahead|proceed|resum|lift|oppos|reject|refus|rul(?:e|ed|ing) out|block|ban|bar|veto|against"
    r"|object|scrap|withdr|drop|cancel|halt|suspen|paus|hold|defer|delay|postpon|review|consider"
    r"|weigh|undecided|decid|decision|open to|stud|assess|evaluat|examin|insist|vow|pledg|plan"
    r"|intend|stand by|stood by|not yet|yet to)",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"^(?:[\"“‘']?)(?:he|she|it|they|his|her|its|their|this|the (?:\w+ ){0,2}(?:minister|ministry|secretary"
    r"|spokes\w*|agency|company|government|board|court|party|union|regulator|bank|council|department"
    r"|president|chairman|chair|leader|official|officials|commission|committee|group|club|league|mayor"
    r"|premier|organisers|organizers|authority|watchdog|firm|publisher|university|institute|panel))\b",
    re.IGNORECASE,
)


def _names(sentence: str, aliases: list[str]) -> bool:
    flat = flatten(sentence)
    return any(
        re.search(r"(?<!\w)" + re.escape(flatten(alias)) + r"(?!\w)", flat) for alias in aliases if alias
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    antecedent: str | None  # the sentence before it, when it only refers back to the holder


def stance_evidence(text: str, aliases: list[str]) -> list[Evidence]:
    """The stance-bearing sentences of the holder in `text` (see the module doc)."""
    sentences = split_sentences(text)
    out: list[Evidence] = []
    for i, sentence in enumerate(sentences):
        if not _STANCE_WORDS.search(sentence):
            continue
        if _names(sentence, aliases):
            out.append(Evidence(sentence, None))
        elif i > 0 and _REFERS_BACK.search(sentence) and _names(sentences[i - 1], aliases):
            out.append(Evidence(sentence, sentences[i - 1]))
    return out


def request_sentences(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What the request shows of the older and of the newer text, flattened."""
    olds: list[str] = [body["headline"]["old"]]
    news: list[str] = [body["headline"]["new"]]
    for pair in body.get("pairs", []):
        if pair.get("old"):
            olds.append(pair["old"])
        if pair.get("new"):
            news.append(pair["new"])
    for entry in body.get("context", []):  # "in": both, old or new
        if entry["in"] in ("both", "old"):
            olds.append(entry["text"])
        if entry["in"] in ("both", "new"):
            news.append(entry["text"])
    for candidate in body.get("candidates", []):
        if candidate.get("before_quote"):
            olds.append(candidate["before_quote"])
        if candidate.get("after_quote"):
            news.append(candidate["after_quote"])
    return [flatten(s) for s in olds if s], [flatten(s) for s in news if s]


def _shown(sentence: str, shown: list[str]) -> bool:
    flat = flatten(sentence)
    return any(flat in s or (len(s) > 20 and s in flat) for s in shown)


def _visible(evidence: Evidence, shown: list[str]) -> bool:
    return _shown(evidence.sentence, shown) and (
        evidence.antecedent is None or _shown(evidence.antecedent, shown)
    )


@dataclass(slots=True)
class Tally:
    shifts: int = 0
    no_proxy: int = 0
    any_covered: int = 0
    all_covered: int = 0
    requests: int = 0


def measure(cases: list[Path], mode: str, show_missing: bool) -> tuple[Tally, list[int]]:
    gazetteer = load_gazetteer([])
    tally = Tally()
    tokens: list[int] = []
    for case in cases:
        gold = json.loads((case / "gold.json").read_text(encoding="utf-8"))
        old, _ = read_document(case / "old.txt")
        new, _ = read_document(case / "new.txt")
        request = build_request(old, new, diff_texts(old, new, gazetteer=gazetteer), model="any", mode=mode)  # type: ignore[arg-type]
        if request is not None:
            tally.requests += 1
            tokens.append(request.estimated_tokens())
        shown_old, shown_new = request_sentences(request.body) if request else ([], [])
        for shift in gold.get("shifts", []):
            tally.shifts += 1
            before, after = stance_evidence(old, shift["actor"]), stance_evidence(new, shift["actor"])
            if not before or not after:
                tally.no_proxy += 1
                continue
            seen_before = [_visible(e, shown_old) for e in before]
            seen_after = [_visible(e, shown_new) for e in after]
            tally.any_covered += any(seen_before) and any(seen_after)
            tally.all_covered += all(seen_before) and all(seen_after)
            if show_missing and not (all(seen_before) and all(seen_after)):
                print(f"  {mode} {case.parent.name}/{case.name}: {shift['actor'][0]}")
                for side, found, seen_flags in (("old", before, seen_before), ("new", after, seen_after)):
                    for e, seen in zip(found, seen_flags, strict=True):
                        if not seen:
                            print(f"      not shown ({side}): {e.sentence[:110]}")
    return tally, tokens


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=Path, action="append", default=[])
    parser.add_argument("--show-missing", action="store_true")
    args = parser.parse_args()
    folders = args.cases or DEFAULT_CASES
    cases = [c for f in folders for c in sorted(f.iterdir()) if (c / "gold.json").is_file()]
    names = ", ".join(str(f.relative_to(REPO) if f.is_relative_to(REPO) else f) for f in folders)
    print(f"{len(cases)} cases: {names}")
    rows = []
    for mode in ("full", "verify"):
        tally, tokens = measure(cases, mode, args.show_missing)
        judged = tally.shifts - tally.no_proxy
        rows.append(
            f"| {mode} | {tally.shifts} | {tally.no_proxy} | {tally.any_covered}/{judged} "
            f"| {tally.all_covered}/{judged} | {tally.requests} "
            f"| {statistics.median(tokens) if tokens else 0:.0f} |"
        )
    print(
        "\n| mode | gold shifts | no proxy evidence | any (both sides) | all (both sides) | requests "
        "| median prompt tokens |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
