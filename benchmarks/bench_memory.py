"""The daemon's resident memory with 10,000 configured sources (goal: <= 150 MB).

    .venv/bin/python benchmarks/bench_memory.py [--sources 10000] [--settle 20] [--quick]

A generated config holds `--sources` page sources on a local page server (`benchmarks/pages.py`, on
127.0.0.1; source N reads page N mod 1,000) with a fresh SQLite store. The real daemon
(`claimwatch run -v`) starts in its own process: it syncs the sources table, registers one
APScheduler job per source and starts checking, its first checks spread over
`scheduler.startup_spread` (here 10 minutes, so a fraction of the sources is checked while we
watch: extraction, claims and the store are loaded and used, as in a running daemon, without
fetching everything). Its resident memory (VmRSS and VmHWM from /proc/PID/status) is sampled every
0.25 s from the moment it logs "daemon started" for `--settle` seconds; the table shows RSS when the
jobs were registered, the peak (VmHWM, the high-water mark of the whole run, startup included) and
RSS at the end, next to the same daemon with 10 sources (the fixed cost), so the cost per source
is visible. Then the daemon gets SIGTERM and must stop cleanly.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CLAIMWATCH = ROOT / ".venv" / "bin" / "claimwatch"
PAGES = 1000
GOAL_MB = 150.0


def status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def helpers_kb(session: int, daemon: int) -> int:
    """VmRSS of the daemon's other processes (its analysis workers and their fork server, issue 14):
    every process of its session but itself."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == daemon:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                if int(fh.read().rsplit(b")", 1)[1].split()[3]) != session:
                    continue
            total += status_kb(int(entry.name), "VmRSS")
        except (OSError, ValueError):
            continue
    return total


def start_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    port_file = workdir / "port"
    code = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); import pages; "
        f"pages.serve({PAGES}, {str(port_file)!r})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the page server did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{int(port_file.read_text())}"


def write_config(workdir: Path, base: str, sources: int) -> Path:
    lines = [
        f'rules = "{workdir / "no-rules"}"',
        "[store]",
        f'url = "sqlite:///{workdir / f"mem-{sources}.db"}"',
        "[fetch]",
        "retries = 0",
        "[scheduler]",
        'startup_spread = "10m"',
        "",
    ]
    for n in range(sources):
        url = f"{base}/page/{n % PAGES}.html"
        lines += ["[[sources]]", f'name = "src-{n}"', f'url = "{url}"', 'interval = "15m"', ""]
    path = workdir / f"claimwatch-{sources}.toml"
    path.write_text("\n".join(lines))
    return path


def measure(config: Path, workdir: Path, settle: float) -> dict[str, float]:
    env = dict(os.environ, HOME=str(workdir))
    env.pop("CLAIMWATCH_DATABASE_URL", None)
    log_path = workdir / (config.stem + ".log")
    log = log_path.open("wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(CLAIMWATCH), "run", "-v", "--no-alerts", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
        start_new_session=True,  # its session: the daemon and its workers, nothing else
    )
    pid = proc.pid
    try:
        deadline = time.monotonic() + 600
        while b"daemon started" not in log_path.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"daemon did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        startup = time.monotonic() - started
        at_start = status_kb(pid, "VmRSS")
        samples = [at_start]
        helpers = [0]
        end = time.monotonic() + settle
        while time.monotonic() < end:
            time.sleep(0.25)
            samples.append(status_kb(pid, "VmRSS"))
            helpers.append(helpers_kb(pid, pid))
        hwm = status_kb(pid, "VmHWM")
        final = samples[-1]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    text = log_path.read_text(errors="replace")
    jobs = re.search(r"daemon started: (\d+) source job", text)
    checks = len(re.findall(r": (?:new|unchanged|changed|not modified)\b", text))
    return {
        "startup": startup,
        "jobs": float(jobs.group(1)) if jobs else 0.0,
        "start_mb": at_start / 1024,
        "final_mb": final / 1024,
        "max_sampled_mb": max(samples) / 1024,
        "hwm_mb": hwm / 1024,
        "workers_mb": max(helpers) / 1024,
        "checks": float(checks),
        "exit": float(code),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to watch after startup")
    parser.add_argument("--quick", action="store_true", help="watch for 8 s")
    args = parser.parse_args(argv)
    settle = 8.0 if args.quick else args.settle

    workdir = Path(tempfile.mkdtemp(prefix="claimwatch-bench-memory-"))
    server, base = start_server(workdir)
    results: list[tuple[int, dict[str, float]]] = []
    try:
        for count in (10, args.sources):
            config = write_config(workdir, base, count)
            results.append((count, measure(config, workdir, settle)))
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nbench_memory: `claimwatch run` resident memory (MB), watched {settle:g} s after start")
    header = (
        f"{'sources':>8} {'jobs':>6} {'startup s':>9} {'RSS at start':>12} {'RSS end':>8} {'peak (HWM)':>10} "
        f"{'checks':>6} {'workers RSS':>11} {'goal':>8}  result"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for count, r in results:
        goal = count == args.sources
        ok = r["hwm_mb"] <= GOAL_MB and r["exit"] == 0
        failed |= goal and not ok
        print(
            f"{count:8d} {int(r['jobs']):6d} {r['startup']:9.1f} {r['start_mb']:12.1f} {r['final_mb']:8.1f} "
            f"{r['hwm_mb']:10.1f} {int(r['checks']):6d} {r['workers_mb']:11.1f} "
            f"{'<= 150' if goal else '-':>8}  "
            f"{('pass' if ok else 'FAIL') if goal else '(baseline)'}"
        )
    (small, big) = results[0][1], results[-1][1]
    per_source = (big["final_mb"] - small["final_mb"]) * 1024 / max(1, args.sources - 10)
    print(f"per source (RSS end, {args.sources} vs 10 sources): {per_source:.1f} KB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
