"""deploy/claimwatch.service: its commands run the real daemon as systemd would.

The unit's ExecStart (with the install paths pointed at this checkout and a test config) starts the
daemon with the example environment file; its ExecReload (SIGHUP) reloads it; its KillSignal stops it
with exit status 0 well within TimeoutStopSec; a broken config exits with the status the unit does
not restart on. stderr is made a "journal" the way systemd does it (JOURNAL_STREAM names the stream),
and every line must carry a journald priority.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNIT = DEPLOY / "claimwatch.service"
INSTALLED = "/opt/claimwatch/bin/claimwatch"
CONFIG = "/etc/claimwatch/claimwatch.toml"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


def environment_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "claimwatch.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_the_unit_has_what_a_long_running_service_needs() -> None:
    service = unit()["Service"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["EnvironmentFile"] == "/etc/claimwatch/claimwatch.env"
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["StandardError"] == "journal" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 10  # more than the default shutdown_grace
    assert service["ExecStart"].split()[:3] == [INSTALLED, "--config", CONFIG]
    assert unit()["Install"]["WantedBy"] == "multi-user.target"
    assert set(environment_file()) >= {"SLACK_BOT_TOKEN", "CLAIMWATCH_SMTP_USER", "CLAIMWATCH_SMTP_PASSWORD"}


def _command(line: str, config: Path) -> list[str]:
    words = shlex.split(line)
    assert words[0] == INSTALLED
    return [sys.executable, "-m", "monitor", *(str(config) if w == CONFIG else w for w in words[1:])]


def _config(tmp_path: Path, body: str = "") -> Path:
    (tmp_path / "story.txt").write_text("Germany said on Tuesday it still opposed the expansion plan.\n")
    path = tmp_path / "claimwatch.toml"
    path.write_text(
        'rules = "no-rules"\n[store]\nurl = "sqlite:///claimwatch.db"\n[scheduler]\nstartup_spread = "0s"\n'
        '[[sources]]\nname = "story"\ntype = "file"\npath = "story.txt"\ninterval = "1h"\n'
        '[channels.desk]\ntype = "slack"\nchannel = "#desk"\n' + body
    )
    return path


def test_execstart_execreload_and_stop_drive_the_real_daemon(tmp_path: Path) -> None:
    config = _config(tmp_path)
    service = unit()["Service"]
    read_end, write_end = os.pipe()
    stat = os.fstat(write_end)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAIMWATCH_", "SLACK_"))}
    env.update(environment_file(), JOURNAL_STREAM=f"{stat.st_dev}:{stat.st_ino}")
    proc = subprocess.Popen(
        _command(service["ExecStart"], config),
        stdout=subprocess.DEVNULL,
        stderr=write_end,
        cwd=tmp_path,
        env=env,
    )
    os.close(write_end)
    os.set_blocking(read_end, False)
    log = b""

    def wait_for(words: bytes, timeout: float = 30) -> None:
        nonlocal log
        deadline = time.monotonic() + timeout
        while words not in log:
            assert time.monotonic() < deadline, log.decode()
            try:
                log += os.read(read_end, 65536)
            except BlockingIOError:
                time.sleep(0.05)

    try:
        wait_for(b"daemon started")
        wait_for(b"story: new")
        reload = shlex.split(service["ExecReload"].replace("$MAINPID", str(proc.pid)))
        assert subprocess.run(reload, check=False).returncode == 0
        wait_for(b"reloaded: 1 source(s) configured")
        proc.send_signal(getattr(signal, service["KillSignal"]))
        assert proc.wait(timeout=int(service["TimeoutStopSec"])) == 0
        os.set_blocking(read_end, True)
        while chunk := os.read(read_end, 65536):
            log += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(read_end)
    lines = log.decode().splitlines()
    assert lines and all(line[:3] in ("<6>", "<4>", "<3>", "<7>") for line in lines), lines
    assert any(line.startswith("<6>monitor.scheduler: daemon started") for line in lines)


def test_a_broken_config_exits_with_the_status_the_unit_does_not_restart_on(tmp_path: Path) -> None:
    config = _config(tmp_path, '[fetch]\ntimeout = "soon"\n')
    result = subprocess.run(
        _command(unit()["Service"]["ExecStart"], config),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **environment_file()},
        timeout=60,
    )
    assert result.returncode == int(unit()["Service"]["RestartPreventExitStatus"])
    assert "claimwatch: error:" in result.stderr and "not a duration" in result.stderr
    missing = subprocess.run(
        _command(unit()["Service"]["ExecStart"], _config(tmp_path)),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "SLACK_BOT_TOKEN"},
        timeout=60,
    )
    assert missing.returncode == 2 and "SLACK_BOT_TOKEN is not set" in missing.stderr


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    executable = tmp_path / "claimwatch"
    executable.write_text(f'#!/bin/sh\nexec {sys.executable} -m monitor "$@"\n')
    executable.chmod(0o755)
    copy = tmp_path / "claimwatch.service"
    copy.write_text(UNIT.read_text().replace(INSTALLED, str(executable)))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if "claimwatch.service" in line]
    assert not problems, result.stderr
