"""Run every benchmark and print their tables: `.venv/bin/python benchmarks/run_all.py [--quick]`.

Each benchmark runs in its own process with a time limit; its table (stdout) is printed as it ends,
its progress (stderr) goes to the terminal. A summary of what ran, how long it took and whether it
met its goals ends the run. Full run: about 10 minutes on 2 CPUs; `--quick` about 5.

- bench_claims.py   claim extraction + diff of an ~800-word pair, pairs/s (goal >= 100), in both
                    builds: pure Python and the mypyc-compiled claim engine (benchmarks/builds.py)
- bench_fetch.py    httpx vs httpx2 (only when .bench/venv has both; see its docstring)
- bench_check.py    one pass over 1,000 local pages, claimwatch (both builds) vs urlwatch 2.29
                    (benchmarks/setup.sh)
- bench_memory.py   daemon RSS with 10,000 sources (goal <= 150 MB)
- bench_history.py  `claimwatch history` latency over 1,000,000 changes (goal <= 100 ms); the
                    database is filled once into .bench/history.db and reused
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
PYTHON = ROOT / ".venv" / "bin" / "python"
FETCH_PYTHON = ROOT / ".bench" / "venv" / "bin" / "python"


def plan(quick: bool) -> list[tuple[str, list[str], float]]:
    """(name, command, time limit in seconds) for each benchmark."""
    py = str(PYTHON if PYTHON.exists() else sys.executable)
    steps: list[tuple[str, list[str], float]] = [
        (
            "bench_claims",
            [py, str(BENCH / "bench_claims.py")] + (["--seconds", "1", "--repeats", "1"] if quick else []),
            300,
        ),
    ]
    if FETCH_PYTHON.exists():
        steps.append(
            (
                "bench_fetch",
                [
                    str(FETCH_PYTHON),
                    str(BENCH / "bench_fetch.py"),
                    *("--requests", "1000", "--concurrency", "64", "--repeat", "1" if quick else "2"),
                ],
                300,
            )
        )
    steps += [
        ("bench_check", [py, str(BENCH / "bench_check.py"), *(["--quick"] if quick else [])], 1200),
        ("bench_memory", [py, str(BENCH / "bench_memory.py")] + (["--quick"] if quick else []), 600),
        (
            "bench_history",
            [py, str(BENCH / "bench_history.py")] + (["--runs", "3"] if quick else []),
            1800,
        ),
    ]
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats everywhere (~5 minutes)")
    parser.add_argument("--only", nargs="*", help="run only these (e.g. bench_check bench_memory)")
    args = parser.parse_args(argv)
    summary: list[tuple[str, str, float]] = []
    for name, command, limit in plan(args.quick):
        if args.only and name not in args.only:
            continue
        shown = " ".join(Path(c).name if i < 2 else c for i, c in enumerate(command))
        print(f"\n===== {name}: {shown}", flush=True)
        started = time.monotonic()
        try:
            proc = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=limit)
            outcome = "ok" if proc.returncode == 0 else f"exit {proc.returncode} (a goal missed or an error)"
            print(proc.stdout, flush=True)
        except subprocess.TimeoutExpired as exc:
            outcome = f"timed out after {limit:.0f} s"
            print(exc.stdout or "", flush=True)
        summary.append((name, outcome, time.monotonic() - started))
    print("\n===== summary")
    for name, outcome, elapsed in summary:
        print(f"{name:14} {elapsed:7.1f} s  {outcome}")
    return 0 if all(outcome == "ok" for _, outcome, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
