"""Start-up of short commands (issue 14.2): `claimwatch --help` (goal <= 0.12 s) and `history` on an
empty store (goal <= 0.25 s), wall and CPU time of the whole process, hyperfine-style.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--before /work/main]

Every command runs `--runs` times as a fresh process with its output to a pipe; the commands (and,
with `--before TREE`, the same commands on another source tree through PYTHONPATH, same venv)
alternate run by run, so a noisy machine hits them all alike. Mean, standard deviation, min and the
median are printed; the goal is judged on the median. `python -c pass` is the floor of this venv.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GOALS = {"--help": 0.12, "history (empty store)": 0.25}


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", type=Path, help="another source tree to time side by side")
    args = parser.parse_args()
    python = str(PYTHON if PYTHON.exists() else sys.executable)
    folder = Path(tempfile.mkdtemp(prefix="claimwatch-startup-"))
    (folder / "claimwatch.toml").write_text(f'[store]\nurl = "sqlite:///{folder / "empty.db"}"\n')
    # PYTHONDONTWRITEBYTECODE (set on the development machine) would compile every module of ours
    # from source on every start; an installed claimwatch has its .pyc files.
    dropped = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_") and k not in dropped}
    trees: list[tuple[str, dict[str, str]]] = [("this tree", base)]
    if args.before:
        trees.append((f"before ({args.before})", base | {"PYTHONPATH": str(args.before.resolve())}))
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "--help": [python, "-m", "monitor", "--help"],
        "history (empty store)": [python, "-m", "monitor", "history"],
    }
    for _tree, env in trees:  # the store's tables exist before timing; .pyc files are written
        for command in commands.values():
            _timed(command, env, folder)
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for tree, env in trees:
            for name, command in commands.items():
                if name == "python -c pass" and tree != "this tree":
                    continue
                samples.setdefault((name, tree), []).append(_timed(command, env, folder))
    load = os.getloadavg()[0]
    print(f"\n## Start-up, {args.runs} runs each, alternating (load average {load:.1f} at the end)\n")
    print("| command | tree | wall mean ± sd | wall min | wall median | CPU median | goal |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for (name, tree), runs in samples.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        median = statistics.median(walls)
        goal = GOALS.get(name)
        verdict = "-"
        if goal is not None:
            ok = median <= goal
            verdict = f"<= {goal:.2f} s: {'ok' if ok else 'FAIL'}"
            failed |= not ok and tree == "this tree"
        print(
            f"| `{name}` | {tree} | {statistics.mean(walls):.3f} ± {statistics.pstdev(walls):.3f} s "
            f"| {min(walls):.3f} s | {median:.3f} s | {statistics.median(cpus):.3f} s | {verdict} |"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
