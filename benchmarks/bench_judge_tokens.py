"""Tokens per judge request on real article pairs, and what they cost.

    .venv/bin/python benchmarks/bench_judge_tokens.py [--shared ../shared] [--cases DIR ...]

Pairs: every case of the evaluation set (`../shared/eval/dev`: old.txt -> new.txt) and every ordered
pair of the seed articles (`../shared/seeds`, 5 articles -> 20 two-outlet pairs), plus any `--cases`
folders. For each pair the engine's changes are computed and the judge's request built exactly as
`claimwatch diff --judge` builds it, in both modes. No model is involved: prompt tokens are estimated
as characters / 4 (system prompt + request), the usual rule of thumb for English text with
OpenAI-style tokenizers; a server's own count replaces it in `claimwatch judge stats`. Completion
tokens are estimated from the answer's size: 25 per candidate verdict, 90 per extra finding (mode
full; assumed one per pair with any changed sentence), plus 15.

Prices (per million tokens, input / output) are list prices to scale by; put in yours with --price.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.diff import diff_texts  # noqa: E402
from monitor.judge.request import build_request  # noqa: E402

PRICES = {  # USD per million tokens (input, output); scale for your provider
    "small hosted model (0.15 / 0.60)": (0.15, 0.60),
    "mid hosted model (2.50 / 10.00)": (2.50, 10.00),
}


def pairs(shared: Path, extra: list[Path]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for folder in [shared / "eval" / "dev", *extra]:
        if folder.is_dir():
            for case in sorted(p for p in folder.iterdir() if (p / "old.txt").is_file()):
                out.append(
                    (
                        f"{folder.name}/{case.name}",
                        (case / "old.txt").read_text(),
                        (case / "new.txt").read_text(),
                    )
                )
    seeds = sorted((shared / "seeds").glob("*.txt")) if (shared / "seeds").is_dir() else []
    for a, b in itertools.permutations(seeds, 2):
        out.append((f"seeds/{a.stem[:3]}->{b.stem[:3]}", a.read_text(), b.read_text()))
    return out


def p95(values: list[int]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--cases", type=Path, action="append", default=[])
    args = parser.parse_args()
    found = pairs(args.shared, args.cases)
    if not found:
        print(f"no pairs under {args.shared} or --cases", file=sys.stderr)
        return 1
    print(f"{len(found)} pairs ({args.shared})")
    for mode in ("verify", "full"):
        prompt: list[int] = []
        completion: list[int] = []
        asked = 0
        for _name, old, new in found:
            changes = diff_texts(old, new)
            request = build_request(old, new, changes, model="any", mode=mode)  # type: ignore[arg-type]
            if request is None:
                continue
            asked += 1
            prompt.append(request.estimated_tokens())
            extra = 90 if mode == "full" and request.body["pairs"] else 0
            completion.append(15 + 25 * len(request.body["candidates"]) + extra)
        if not prompt:
            print(f"\nmode {mode}: no pair needs the model")
            continue
        print(f"\nmode {mode}: {asked} of {len(found)} pairs need a request")
        median, high = statistics.median(prompt), p95(prompt)
        print(f"  prompt tokens     median {median:7.0f}   p95 {high:7.0f}   max {max(prompt)}")
        print(f"  completion tokens median {statistics.median(completion):7.0f}   p95 {p95(completion):7.0f}")
        per_pair_in, per_pair_out = statistics.mean(prompt), statistics.mean(completion)
        for label, (price_in, price_out) in PRICES.items():
            cost = (per_pair_in * price_in + per_pair_out * price_out) / 1e6
            print(f"  {label}: ${cost * 1000:.2f} per 1,000 requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
