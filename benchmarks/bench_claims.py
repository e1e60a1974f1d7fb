"""Claim engine benchmark: extraction plus diff of an ~800-word article pair, on one core.

    .venv/bin/python benchmarks/bench_claims.py [--seconds 3] [--repeats 3] [--seeds] [--builds pure]

Three pairs, all written for this benchmark (a made-up council story, 800-1,000 words per version):

- update:  a same-URL update: a stance flips, a figure moves, a paragraph moves, some rewording,
           page furniture added. Most sentences are shared, as in real updates.
- rewrite: every sentence of the new version is reworded, so no sentence analysis can be reused
           (the worst case, like two outlets' reports).
- seeds:   with --seeds and ../shared present, seed articles 000 -> 001 (two outlets' reports).

Two builds of the same sources, side by side: `pure` (the project's venv) and `compiled` (the
mypyc-compiled claim engine that `CLAIMWATCH_COMPILE=1` builds, in .bench/compiled-venv; built or
refreshed first by benchmarks/builds.py when the sources changed). Each measurement runs in a fresh
worker process; the builds alternate, so both see the same machine.

Each pair runs `diff_texts` in a loop for --seconds of CPU time (time.process_time, so other load on
the machine does not count), --repeats times; the table shows the median pairs per second of:

- cold:  the process-wide sentence cache is cleared before every run, so both versions are analysed
         from scratch: a pair never seen before. This is the headline figure the goal is judged on.
- next:  caches cleared, then the older version alone extracted (untimed) before the timed pair: a
         watched page's new version arriving after the previous one, the daemon's usual case.
- warm:  the same pair again and again: texts, sentence analyses and word diffs all come from the
         caches.

Word-level caches (spellings of words) stay warm in both, as they are in any running process.
Goal: cold >= 100 pairs/s. The exit status is 1 when a pair's cold figure is below it in the build
a deployment runs (compiled when it could be built, else pure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not sys.flags.safe_path:  # a worker measuring an installed build runs with -P: no ./monitor then
    sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "benchmarks"))

from builds import select  # noqa: E402

import monitor.diff as diff  # noqa: E402
from monitor.claims import engine_build, extract_claims  # noqa: E402
from monitor.diff import diff_texts  # noqa: E402

MODES = ("cold", "next", "warm")

PARAGRAPHS = [
    "Eastbrook weighs congestion charge as traders warn of lost custom",
    "EASTBROOK, March 3, 2025",
    "Eastbrook City Council is weighing a daily congestion charge for drivers entering the old town, "
    "and councillors said on Monday that no decision had been made on the size of the fee or when it "
    "could start. The council's transport committee will discuss the plan at a public meeting next week.",
    "Council leader Maria Okafor said the charge was one option among several to cut traffic, which "
    "has risen by 14% since 2019, according to the council's own counts. She said the council would "
    "publish a full consultation before any vote.",
    "The Eastbrook Traders Association opposes the charge, saying it would drive shoppers to the retail "
    "park on the ring road. Its chair, Daniel Reyes, said at least 120 shops in the old town depended "
    "on customers who arrive by car.",
    "The Greens back the plan and have called for the money raised to fund free buses on weekends. "
    "Green councillor Priya Nair said the party would support a charge of up to 8 pounds a day if "
    "residents were exempt.",
    "Eastbrook Chamber of Commerce has not said whether it will support the proposal. A spokesperson "
    "said members were divided and that the chamber was studying the figures.",
    "The regional transport authority said it was open to helping the council run the scheme but "
    "would not pay for the cameras, which officials estimate would cost about 2.4 million pounds.",
    "Air quality on Market Street breached the national limit on 37 days last year, the council said, "
    "up from 29 days the year before. Doctors at Eastbrook General Hospital have linked the pollution "
    "to rising asthma admissions among children.",
    "Residents' groups are split. The Old Town Residents' Forum supports the charge, while the Northside "
    "Neighbours group has rejected it, arguing that people who live just outside the zone would pay the "
    "most.",
    "Bus operator Eastline said it was ready to add 12 buses to its routes into the centre if the charge "
    "went ahead, and that fares would not rise this year.",
    "The council had previously ruled out a charge in 2021, when it said the town's economy was too "
    "fragile after the pandemic. Officials said conditions had changed since then.",
    "Under the draft plan, the charge would apply from 7 a.m. to 7 p.m. on weekdays, and blue badge "
    "holders, taxis and delivery vans under 3.5 tonnes would be exempt.",
    "Neighbouring Westford introduced a similar charge in 2022. Its council said traffic in the centre "
    "fell by 18% in the first year and that shop vacancies did not rise.",
    "Critics point to other towns where charges were scrapped after a year because revenue fell short. "
    "The traders' association said Eastbrook should study those cases before it decides.",
    "The consultation is expected to run for eight weeks. The council said it would hold drop-in "
    "sessions at the library and the town hall, and that the results would be published in full.",
    "Okafor said she hoped a decision could be taken before the summer. We want a plan that works for "
    "the people who live here and the people who work here, she said.",
    "The Eastbrook Cycling Campaign welcomed the proposal and urged the council to add protected bike "
    "lanes on the main routes into the old town.",
    "The local police said they had no view on the charge but would enforce whatever scheme the council "
    "adopted.",
    "A poll of 1,200 residents commissioned by the local newspaper found 46% in favour of a charge, 41% "
    "against and 13% undecided.",
    "Councillors from the opposition Independent group said they were reluctant to back any charge "
    "before the ring road is finished, which is expected in 2027.",
    "The council's finance director said the scheme could raise about 6 million pounds a year once the "
    "cameras were paid for, money that by law must be spent on transport.",
    "Taxi drivers' union Unite said its members had not been consulted and warned that fares would climb "
    "if cabs lost their exemption later. A union official said drivers would protest outside the town "
    "hall on the day of the vote.",
    "Hospital managers said about 300 staff drive to work from villages with no bus service and asked the "
    "council to offer them a discount. The council said shift workers could apply for a permit at a "
    "reduced rate of 2 pounds a day.",
    "Schools in the zone are divided too. The head teacher of St Mary's Primary said fewer cars at the "
    "gates would be welcome, while parents at Northfield Academy have collected 850 signatures against "
    "the plan.",
    "The government in London has not taken a position on the scheme, but the Department for Transport "
    "said towns were free to set their own charges as long as the money stayed in local transport.",
]

UPDATE_EDITS = {
    # stance flip, a changed figure, a rewording, a moved paragraph, page furniture
    2: "Eastbrook City Council voted on Thursday to introduce a daily congestion charge for drivers entering "
    "the old town, and councillors said it would start in September. The council's transport committee "
    "will set the fee at a public meeting next week.",
    4: "The Eastbrook Traders Association opposes the charge, saying it would drive shoppers to the retail "
    "park on the ring road. Its chair, Daniel Reyes, said at least 140 shops in the old town depended on "
    "customers who arrive by car.",
    7: "The regional transport authority said it was open to helping the council operate the scheme but "
    "would not pay for the cameras, which officials now estimate would cost about 2.4 million pounds.",
}


def _story() -> tuple[str, str, str]:
    old = "\n\n".join(PARAGRAPHS)
    new_paragraphs = [UPDATE_EDITS.get(i, p) for i, p in enumerate(PARAGRAPHS)]
    new_paragraphs.insert(9, new_paragraphs.pop(12))
    new_paragraphs.insert(1, "Sign up for our free newsletter and get the day's top stories in your inbox")
    new_paragraphs.append("Share this article: Facebook | X | WhatsApp | Email | Copy link")
    update = "\n\n".join(new_paragraphs)
    # "rewrite": every sentence differs from the old version, so nothing can be reused
    swaps = [(" said ", " stated "), (" the ", " the "), ("council", "Council"), (" would ", " will ")]
    rewritten = []
    for paragraph in new_paragraphs:
        for a, b in swaps:
            paragraph = paragraph.replace(a, b)
        sentences = paragraph.split(". ")
        rewritten.append(
            ". ".join(f"{s.rstrip('.')}, reporters were told" if s else s for s in sentences) + "."
        )
    return old, update, "\n\n".join(rewritten)


def _clear() -> None:
    clear = getattr(diff, "clear_caches", None)  # absent in versions without process-wide caches
    if clear is not None:
        clear()


def _measure(old: str, new: str, seconds: float, mode: str) -> float:
    """Pairs per CPU second of `diff_texts(old, new)`, timing only the calls themselves."""
    diff_texts(old, new)  # data files compiled once per process
    runs = 0
    spent = 0.0
    while spent < seconds:
        if mode in ("cold", "next"):
            _clear()
        if mode == "next":
            extract_claims(old)
        started = time.process_time()
        diff_texts(old, new)
        spent += time.process_time() - started
        runs += 1
    return runs / spent


def _pairs(seeds: bool) -> list[tuple[str, str, str]]:
    old, update, rewrite = _story()
    pairs = [("update", old, update), ("rewrite", old, rewrite)]
    shared = ROOT.parent / "shared" / "seeds"
    if seeds and shared.is_dir():
        files = sorted(shared.glob("*.txt"))
        pairs.append(("seeds 000->001", files[0].read_text(), files[1].read_text()))
    return pairs


def _worker(args: argparse.Namespace) -> int:
    """One measurement of every pair and mode in this process's build, as JSON on stdout."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rates = {
        name: {mode: _measure(a, b, args.seconds, mode) for mode in MODES}
        for name, a, b in _pairs(args.seeds)
    }
    json.dump({"build": engine_build(), "rates": rates}, sys.stdout)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per figure (median)")
    parser.add_argument(
        "--seeds", action="store_true", help="also time seed articles 000 -> 001 from ../shared"
    )
    parser.add_argument(
        "--builds", default="pure,compiled", help="comma-separated: pure, compiled (default both)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args)

    try:
        pythons = select(args.builds)
    except ValueError as exc:
        parser.error(str(exc))
    worker = [str(Path(__file__).resolve()), "--worker", "--seconds", str(args.seconds)]
    worker += ["--seeds"] if args.seeds else []
    runs: dict[str, list[dict[str, dict[str, float]]]] = {build: [] for build in pythons}
    for repeat in range(max(1, args.repeats)):
        order = list(pythons) if repeat % 2 == 0 else list(reversed(pythons))
        for build in order:
            python, extra_env = pythons[build]
            proc = subprocess.run(
                [str(python), *(["-P"] if extra_env else []), *worker],
                capture_output=True,
                text=True,
                cwd=ROOT / "benchmarks",
                env={**os.environ, **extra_env},
            )
            if proc.returncode != 0:
                raise SystemExit(f"{build} worker failed:\n{proc.stderr[-3000:]}")
            result = json.loads(proc.stdout)
            if result["build"] != build:
                raise SystemExit(f"asked for the {build} build, measured {result['build']}")
            runs[build].append(result["rates"])

    judged = "compiled" if "compiled" in runs else next(iter(runs))
    header = f"{'pair':16} {'words old/new':>14} {'build':>9}"
    header += "".join(f" {m + ' ms':>8} {m + ' /s':>8}" for m in MODES)
    print(header)
    worst = float("inf")
    for name, a, b in _pairs(args.seeds):
        label, words = name, f"{len(a.split())}/{len(b.split())}"
        cold_by_build: dict[str, float] = {}
        for build, measured in runs.items():
            rates = [statistics.median(run[name][mode] for run in measured) for mode in MODES]
            cold_by_build[build] = rates[0]
            if build == judged:
                worst = min(worst, rates[0])
            figures = "".join(f" {1000 / rate:8.2f} {rate:8.1f}" for rate in rates)
            verdict = "ok" if rates[0] >= 100 else "below goal"
            speedup = ""
            if build != "pure" and "pure" in cold_by_build:
                speedup = f", {rates[0] / cold_by_build['pure']:.2f}x pure"
            print(f"{label:16} {words:>14} {build:>9}{figures}  {verdict} (cold{speedup})")
            label, words = "", ""  # once per pair
    print(f"goal judged on the {judged} build: {'met' if worst >= 100 else 'not met'}")
    return 0 if worst >= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
