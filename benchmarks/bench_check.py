"""One check pass over 1,000 local pages: `claimwatch check` vs urlwatch 2.29, side by side.

    benchmarks/setup.sh                          # once: urlwatch 2.29 in .bench/urlwatch-venv
    .venv/bin/python benchmarks/bench_check.py [--pages 1000] [--repeat 3] [--quick] [--builds pure]

What runs:
- `benchmarks/pages.py` serves `--pages` news pages (~800 words of our own words each, with
  navigation and footer, gzip, ETag and Last-Modified) from a threaded HTTP/1.1 server in its own
  process on 127.0.0.1. Nothing leaves 127.0.0.1.
- claimwatch: the real CLI, `claimwatch check --no-alerts` in a fresh process, with a real SQLite
  store, its plain output read from a pipe as a cron job's would be (issue 14: only changed and failed
  sources and the summary line; `--json` runs `--format json` instead). Its CPU time (user + system,
  every process: the analysis workers too) is measured with the wall time: "cores" = CPU / wall.
- `--in-process` adds a third tool: the same build with `[analysis] workers = 0` (no worker
  processes, as before issue 14), so the worker pool is measured A/B in the same run.
- `--before TREE` adds one more tool: the first build run on another source tree (through
  PYTHONPATH, same venv; e.g. `git archive <commit> | tar -x -C /tmp/before`), so a change is
  measured against its starting point in the same rotation, on the same machine load.
- urlwatch: `urlwatch --urls --config --cache` in a fresh process from its own venv,
  one `url` job per page, its default reporters (stdout text report, so it computes its diffs; the
  output goes to a file) and no filters (its default; html2text would cost it more).
- Concurrency: urlwatch runs jobs on a fixed pool of 10 threads (`worker.MAX_WORKERS`, no knob),
  one new connection per request (requests without a session). claimwatch gets the same 10:
  `concurrency = per_host_concurrency = 10` (its defaults are 64 overall and 4 per host).
- claimwatch runs in two builds of the same sources (see benchmarks/builds.py): `pure` (the project's
  venv) and `compiled` (the mypyc-compiled claim engine, `CLAIMWATCH_COMPILE=1`, how release wheels
  are built), each its own tool in the rotation below. `--builds pure` skips the compiled one.
- Each tool first makes its own warm-up pass (every page new: claimwatch stores every version with
  its claims; urlwatch stores every page in its cache). The resulting database and cache are kept as
  snapshots, and every timed pass starts from a fresh copy of its tool's snapshot.
- Scenarios, run in alternating order (tool order flips each round) `--repeat` times, medians shown:
  (a) unchanged: the server answers the conditional GETs with 304;
  (a') unchanged, no validators: a server that ignores conditional GETs and sends no ETag or
       Last-Modified; every page comes back 200 with the same body;
  (b) 10% changed: 1 page in 10 serves version 1 (a stance verb flips, a figure moves) with a new
      ETag; the rest answer 304. claimwatch runs the full claim pipeline on them (extract, claims,
      diff, ledger) and stores the versions; urlwatch computes and prints unified diffs.
- Each timed pass is checked: claimwatch's JSON report must show the expected number of new
  versions and no errors; urlwatch's report must list the expected number of changed jobs.

Goals (issue 14; issue 3's were 0.5x and 1.0x): at 1,000 pages (a) claimwatch <= 0.35x urlwatch's
wall time, (b) <= 0.6x; at 5,000 pages and more (a) <= 0.12x, (b) <= 0.2x. The exit status judges
the build a deployment runs: compiled when it could be built, else pure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
URLWATCH_VENV = ROOT / ".bench" / "urlwatch-venv"
CLAIMWATCH = ROOT / ".venv" / "bin" / "claimwatch"
sys.path.insert(0, str(BENCH))
from builds import select  # noqa: E402

WORKERS = 10  # urlwatch 2.29's fixed thread pool (urlwatch/worker.py MAX_WORKERS)


@dataclass
class Scenario:
    key: str
    label: str
    changed: int
    validators: bool
    goal: float
    goal_of_issue: bool
    times: dict[str, list[float]] = field(default_factory=dict)  # tool -> wall times


class Server:
    def __init__(self, pages: int, workdir: Path):
        port_file = workdir / "port"
        code = (
            f"import sys; sys.path.insert(0, {str(BENCH)!r}); import pages; "
            f"pages.serve({pages}, {str(port_file)!r})"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code])
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the page server did not start")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.base = f"http://127.0.0.1:{self.port}"

    def state(self, changed: int, validators: bool) -> None:
        url = f"{self.base}/_state?changed={changed}&validators={int(validators)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def claimwatch_config(workdir: Path, base: str, pages: int, workers: int | None = None) -> Path:
    lines = [
        f'rules = "{workdir / "no-rules"}"',
        "[store]",
        f'url = "sqlite:///{workdir / "cw.db"}"',
        "[fetch]",
        f"concurrency = {WORKERS}",
        f"per_host_concurrency = {WORKERS}",
        "retries = 0",
        "",
    ]
    if workers is not None:
        lines += ["[analysis]", f"workers = {workers}", ""]
    for n in range(pages):
        lines += ["[[sources]]", f'name = "page-{n}"', f'url = "{base}/page/{n}.html"', ""]
    path = workdir / ("claimwatch.toml" if workers is None else f"claimwatch-w{workers}.toml")
    path.write_text("\n".join(lines))
    return path


def urlwatch_files(workdir: Path, base: str, pages: int) -> tuple[Path, Path]:
    urls = workdir / "urls.yaml"
    urls.write_text("\n---\n".join(f"name: page-{n}\nurl: {base}/page/{n}.html\n" for n in range(pages)))
    config = workdir / "urlwatch.yaml"
    config.write_text("report:\n  stdout:\n    enabled: true\n    color: false\n")
    return urls, config


_SUMMARY = re.compile(
    r"^(\d+) source\(s\) checked, (\d+) new version\(s\), (\d+) change\(s\), (\d+) error\(s\)", re.M
)
CPU_SECONDS: list[float] = []  # CPU time of each claimwatch run, in run order (see `run_claimwatch`)


_TICK = os.sysconf("SC_CLK_TCK")


def _session_cpu(session: int, seen: dict[int, float]) -> None:
    """CPU seconds (user + system) of every process of `session`, the latest reading per pid, into
    `seen`. The analysis workers are forked by multiprocessing's fork server, which the checking
    process never waits for, so their time never reaches RUSAGE_CHILDREN; /proc sees them all."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat: the session id
            seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK


def _run_measured(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[float, float, bytes, bytes, int]:
    """Wall seconds, CPU seconds of the whole process tree (sampled every 20 ms, so each process's
    last 20 ms at most are missed: a lower bound), stdout (a pipe), stderr, exit status."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        seen: dict[int, float] = {}
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        while proc.poll() is None:
            _session_cpu(proc.pid, seen)
            chunk = proc.stdout.read()
            if chunk:
                out.write(chunk)
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        out.write(proc.stdout.read() or b"")
        proc.stdout.close()
        seen.pop(proc.pid, None)  # the checking process itself: exactly, from RUSAGE_CHILDREN
        out.seek(0)
        err.seek(0)
        return elapsed, sum(seen.values()), out.read(), err.read(), proc.returncode


def run_claimwatch(
    config: Path,
    workdir: Path,
    claimwatch: Path = CLAIMWATCH,
    extra_env: dict[str, str] | None = None,
    as_json: bool = False,
) -> tuple[float, dict]:
    """One `claimwatch check`: wall seconds and {"new_versions", "errors"} from its output. Plain
    output comes through a pipe (the summary line is parsed); `as_json`: `--format json`. The
    process's CPU time, its worker processes' included, is appended to CPU_SECONDS."""
    env = dict(os.environ, HOME=str(workdir), CLAIMWATCH_CONFIG=str(config), **(extra_env or {}))
    env.pop("CLAIMWATCH_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed claimwatch has its .pyc files (see bench_startup)
    command = [str(claimwatch), "check", "--no-alerts", "--config", str(config)]
    command += ["--format", "json"] if as_json else []
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed, others, stdout, stderr, status = _run_measured(command, env, workdir)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    CPU_SECONDS.append(own + others)
    text = stdout.decode()
    failure = f"claimwatch check failed ({status}): {stderr.decode()[-2000:]}"
    if as_json:
        try:
            report = json.loads(text)
        except json.JSONDecodeError:
            raise SystemExit(failure) from None
        report = report[0] if isinstance(report, list) else report
        return elapsed, report
    found = _SUMMARY.search(text)
    if found is None:
        raise SystemExit(failure + f"\nstdout: {text[-2000:]}")
    return elapsed, {"new_versions": int(found[2]), "errors": int(found[4])}


def run_urlwatch(urls: Path, config: Path, cache: Path, workdir: Path) -> tuple[float, str]:
    env = dict(os.environ, HOME=str(workdir), XDG_CONFIG_HOME=str(workdir), XDG_CACHE_HOME=str(workdir))
    out = workdir / "uw.out"
    with out.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.run(
            [
                str(URLWATCH_VENV / "bin" / "urlwatch"),
                "--urls",
                str(urls),
                "--config",
                str(config),
                "--cache",
                str(cache),
            ],
            stdout=fh,
            stderr=subprocess.PIPE,
            env=env,
            cwd=workdir,
        )
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"urlwatch failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed, out.read_text(errors="replace")


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(dst) + suffix)
        if target.exists():
            target.unlink()
        source = Path(str(src) + suffix)
        if source.exists():
            shutil.copyfile(source, target)


def _urlwatch_counts(output: str) -> dict[str, int]:
    counts = {"NEW": 0, "CHANGED": 0, "ERROR": 0}
    for line in output.splitlines():
        head = line.split(":", 1)[0].strip()
        if head in counts:
            counts[head] += 1
    return counts


def ensure_urlwatch() -> None:
    if (URLWATCH_VENV / "bin" / "urlwatch").exists():
        return
    print("installing urlwatch 2.29 into", URLWATCH_VENV, file=sys.stderr)
    subprocess.run(["bash", str(BENCH / "setup.sh")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per tool and scenario")
    parser.add_argument("--quick", action="store_true", help="one timed pass per tool and scenario")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--builds", default="pure,compiled", help="claimwatch builds, comma-separated (default both)"
    )
    parser.add_argument("--json", action="store_true", help="claimwatch prints --format json")
    parser.add_argument(
        "--in-process", action="store_true", help="also the first build with [analysis] workers = 0"
    )
    parser.add_argument(
        "--before", type=Path, help="also the first build on this source tree (PYTHONPATH), side by side"
    )
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    ensure_urlwatch()
    # claimwatch builds: tool name -> (executable, extra environment)
    try:
        builds = {
            name: (python.parent / "claimwatch", env) for name, (python, env) in select(args.builds).items()
        }
    except ValueError as exc:
        parser.error(str(exc))
    configs = {build: None for build in builds}  # tool -> [analysis] workers (None: the default)
    first = next(iter(builds))
    if args.in_process:
        builds[f"{first}, workers=0"] = builds[first]
        configs[f"{first}, workers=0"] = 0
    if args.before:
        executable, extra = builds[first]
        builds[f"{first}, before"] = (executable, {**extra, "PYTHONPATH": str(args.before.resolve())})
        configs[f"{first}, before"] = None
    tools = [*builds, "urlwatch"]
    cpu: dict[tuple[str, str], list[float]] = {}  # (scenario, tool) -> CPU seconds

    workdir = Path(tempfile.mkdtemp(prefix="claimwatch-bench-check-"))
    server = Server(args.pages, workdir)
    changed = max(1, args.pages // 10)
    goal_a, goal_b = (0.12, 0.2) if args.pages >= 5000 else (0.35, 0.6)
    scenarios = [
        Scenario("a", "(a) unchanged, 304", 0, True, goal_a, True),
        Scenario("a'", "(a') unchanged, no 304", 0, False, goal_a, False),
        Scenario("b", "(b) 10% changed", changed, True, goal_b, True),
    ]
    warm: dict[str, float] = {}
    try:
        cw_configs = {
            tool: claimwatch_config(workdir, server.base, args.pages, w) for tool, w in configs.items()
        }
        urls, uw_config = urlwatch_files(workdir, server.base, args.pages)
        cw_db, uw_cache = workdir / "cw.db", workdir / "uw-cache.db"

        server.state(0, True)
        for build, (claimwatch, extra_env) in builds.items():
            _copy_db(workdir / "no-such.db", cw_db)  # deletes it: every build warms up from an empty store
            warm[build], report = run_claimwatch(cw_configs[build], workdir, claimwatch, extra_env, args.json)
            if report["errors"] or report["new_versions"] != args.pages:
                raise SystemExit(
                    f"claimwatch ({build}) warm-up: {report['new_versions']} versions, "
                    f"{report['errors']} errors"
                )
            _copy_db(cw_db, workdir / f"cw-warm-{build}.db")
        warm["urlwatch"], output = run_urlwatch(urls, uw_config, uw_cache, workdir)
        if _urlwatch_counts(output)["NEW"] != args.pages:
            raise SystemExit(f"urlwatch warm-up: {_urlwatch_counts(output)}")
        _copy_db(uw_cache, workdir / "uw-warm.db")
        shown = ", ".join(f"{tool} {seconds:.2f} s" for tool, seconds in warm.items())
        print(f"warm-up (every page new): {shown}", file=sys.stderr)

        for round_ in range(repeat):
            for index, scenario in enumerate(scenarios):
                server.state(scenario.changed, scenario.validators)
                shift = (round_ + index) % len(tools)  # each tool takes each place in turn
                for tool in tools[shift:] + tools[:shift]:
                    if tool in builds:
                        claimwatch, extra_env = builds[tool]
                        _copy_db(workdir / f"cw-warm-{tool}.db", cw_db)
                        elapsed, report = run_claimwatch(
                            cw_configs[tool], workdir, claimwatch, extra_env, args.json
                        )
                        cpu.setdefault((scenario.key, tool), []).append(CPU_SECONDS[-1])
                        if report["errors"] or report["new_versions"] != scenario.changed:
                            raise SystemExit(
                                f"claimwatch ({tool}) {scenario.key}: {report['new_versions']} new "
                                f"versions (expected {scenario.changed}), {report['errors']} errors"
                            )
                    else:
                        _copy_db(workdir / "uw-warm.db", uw_cache)
                        elapsed, output = run_urlwatch(urls, uw_config, uw_cache, workdir)
                        counts = _urlwatch_counts(output)
                        if counts["CHANGED"] != scenario.changed or counts["ERROR"]:
                            raise SystemExit(f"urlwatch {scenario.key}: {counts}")
                    scenario.times.setdefault(tool, []).append(elapsed)
                    print(f"  round {round_ + 1} {scenario.key:3} {tool}: {elapsed:.2f} s", file=sys.stderr)
    finally:
        server.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("kept", workdir, file=sys.stderr)

    print(
        f"\nbench_check: one pass over {args.pages} pages on 127.0.0.1, median of {repeat} "
        f"(rotating order), {WORKERS} concurrent requests each; claimwatch output: "
        f"{'--format json' if args.json else 'plain, to a pipe'}; load average {os.getloadavg()[0]:.1f}, "
        f"{os.cpu_count()} CPUs"
    )
    judged = "compiled" if "compiled" in builds else "pure"
    header = (
        f"{'scenario':24} {'claimwatch build':>16} {'s':>6} {'urlwatch s':>11} {'ratio':>7} {'goal':>7} "
        f"{'cores':>6}"
    )
    print(header + "  result")
    print("-" * (len(header) + 8))
    failed = False
    for scenario in scenarios:
        uw = statistics.median(scenario.times["urlwatch"])
        label = scenario.label
        for build in builds:
            cw = statistics.median(scenario.times[build])
            ratio = cw / uw
            ok = ratio <= scenario.goal
            if scenario.goal_of_issue:
                failed |= not ok and build == judged
                goal, result = f"<= {scenario.goal:.2f}x", "pass" if ok else "FAIL"
            else:  # measured for comparison, not one of the issue's goals
                goal, result = f"({scenario.goal:.2f}x)", "under" if ok else "over (info)"
            cores = statistics.median(cpu[(scenario.key, build)]) / cw
            print(
                f"{label:24} {build:>16} {cw:6.2f} {uw:11.2f} {ratio:6.2f}x {goal:>7} {cores:6.2f}  {result}"
            )
            label = ""
    for build in builds:
        print(
            f"{'warm-up (all new)':24} {build:>16} {warm[build]:6.2f} {warm['urlwatch']:11.2f} "
            f"{warm[build] / warm['urlwatch']:6.2f}x {'-':>7} {'':>6}  (info)"
        )
    print(f"goals judged on the {judged} build")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
