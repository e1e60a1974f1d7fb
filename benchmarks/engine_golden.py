"""Output-identity check for claim-engine speed work: every claim and change, dumped byte for byte.

    .venv/bin/python benchmarks/engine_golden.py --write /tmp/golden.jsonl   # before a change
    .venv/bin/python benchmarks/engine_golden.py --check /tmp/golden.jsonl   # after it

For every case folder with old.txt/new.txt under tests/corpus/, tests/eval_*/ and ../shared/eval/dev,
every consecutive pair of ../shared/seeds/*.txt and of monitor/samples/strike-policy/*.txt, and the
benchmark's own pairs, it records:

- `extract_claims(text)` of each version with cold caches (every Claim field, floats exactly);
- `diff_texts(old, new)` with cold caches (each change's to_dict() plus its unrounded confidence);
- the same diff with the older version extracted first (the daemon's usual case: its sentences come
  from the cache when the newer version is analysed).

A speed change passes only if the dump is byte-identical; --check prints the first cases that differ.
Run by the compiled build's python with -P (`.bench/compiled-venv/bin/python -P benchmarks/...`), it
checks the installed compiled engine against the same dump.

Both modes then stress the reuse of sentence analyses (monitor/claims/reuse.py), which ordinary
version pairs exercise only lightly: each case's older version with one paragraph left out, or two
neighbouring paragraphs swapped, read with a cache that already holds both versions' analyses, must
give exactly the claims of a fresh read (about 4,700 variants). Leaving the recent mentions, the
subjects, the last topic, the country counts, the dateline country or the persons out of the context
comparison makes some variants differ here; the speaker and the previous topic never differed alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not sys.flags.safe_path:  # with -P (a compiled build's python) the installed engine is checked
    sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "benchmarks"))

from bench_claims import _pairs  # noqa: E402

from monitor.claims import extract_claims, load_gazetteer, load_lexicon  # noqa: E402
from monitor.claims.extract import SentenceCache, extract_claims_with  # noqa: E402
from monitor.claims.topics import load_topic_model  # noqa: E402
from monitor.diff import clear_caches, diff_texts  # noqa: E402
from monitor.model import Change, Claim  # noqa: E402


def _cases() -> Iterator[tuple[str, str, str]]:
    """(name, old text, new text) of every pair the check covers, in a fixed order."""
    folders = [ROOT / "tests" / "corpus", *sorted((ROOT / "tests").glob("eval_*"))]
    folders.append(ROOT.parent / "shared" / "eval" / "dev")
    for folder in folders:
        for old in sorted(folder.rglob("old.txt")):
            new = old.with_name("new.txt")
            if new.is_file():
                yield str(old.parent.relative_to(folder.parent)), old.read_text(), new.read_text()
    series = [ROOT.parent / "shared" / "seeds", ROOT / "monitor" / "samples" / "strike-policy"]
    for folder in series:
        files = sorted(folder.glob("*.txt"))
        for a, b in itertools.pairwise(files):
            yield f"{folder.name}/{a.name}->{b.name}", a.read_text(), b.read_text()
    for name, old_text, new_text in _pairs(seeds=False):
        yield f"bench/{name}", old_text, new_text


def _claims(claims: list[Claim]) -> list[dict[str, object]]:
    return [dataclasses.asdict(c) for c in claims]


def _changes(changes: list[Change]) -> list[dict[str, object]]:
    return [{**c.to_dict(), "_confidence": repr(c.confidence)} for c in changes]


def _record(name: str, old: str, new: str) -> str:
    clear_caches()
    old_claims = _claims(extract_claims(old))
    clear_caches()
    new_claims = _claims(extract_claims(new))
    clear_caches()
    cold = _changes(diff_texts(old, new))
    clear_caches()
    extract_claims(old)
    following = _changes(diff_texts(old, new))
    record = {"case": name, "old": old_claims, "new": new_claims, "cold": cold, "next": following}
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def _reuse_differences() -> list[str]:
    """Cases whose perturbed older versions, read with a warm cache, differ from a fresh read."""
    data = (load_gazetteer(), load_lexicon(), load_topic_model())
    differing = []
    for name, old, new in _cases():
        shared: SentenceCache = {}
        extract_claims_with(old, *data, shared)
        extract_claims_with(new, *data, shared)
        paragraphs = old.split("\n\n")
        variants = [paragraphs[:k] + paragraphs[k + 1 :] for k in range(min(len(paragraphs), 8))]
        variants += [
            [*paragraphs[:k], paragraphs[k + 1], paragraphs[k], *paragraphs[k + 2 :]]
            for k in range(min(len(paragraphs) - 1, 6))
        ]
        for variant in variants:
            text = "\n\n".join(variant)
            if extract_claims_with(text, *data, shared) != extract_claims_with(text, *data, {}):
                differing.append(name)
                break
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="dump every case to this file")
    group.add_argument("--check", type=Path, help="compare every case with this dump")
    args = parser.parse_args()
    lines = [_record(*case) for case in _cases()]
    reuse = _reuse_differences()
    if reuse:
        print(f"reused analyses differ from fresh ones in {len(reuse)} cases: {', '.join(reuse[:10])}")
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")
        print(f"{len(lines)} cases written to {args.write}")
        return 1 if reuse else 0
    expected = args.check.read_text().splitlines()
    differing = [
        json.loads(line)["case"] for line, want in zip(lines, expected, strict=False) if line != want
    ]
    if len(lines) != len(expected):
        print(f"case count differs: {len(lines)} now, {len(expected)} in {args.check}")
        return 1
    if differing:
        print(f"{len(differing)} of {len(lines)} cases differ: {', '.join(differing[:10])}")
        return 1
    print(f"identical: {len(lines)} cases" + ("" if reuse else "; reused analyses identical to fresh ones"))
    return 1 if reuse else 0


if __name__ == "__main__":
    sys.exit(main())
