"""The issue's acceptance check: a daemon fed the double-gzip bomb (1.8 KB -> 1 GiB) every second stays
under 200 MB peak, and SIGTERM ends it within its grace. Peak memory comes from the kernel (wait4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from faultkit import BOMB_PATH
from httpserver import TestServer, article_html

PEAK_LIMIT_MB = 200


def _cap_address_space() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))


GRACE = 3.0


def test_a_daemon_fed_the_bomb_stays_small_and_stops_on_sigterm(
    http_server: TestServer, tmp_path: Path
) -> None:
    http_server.route("/bomb", BOMB_PATH.read_bytes(), gzip=False, headers={"Content-Encoding": "gzip, gzip"})
    http_server.page("/fine", article_html("Fine", ["The council said on Monday it still opposed the plan."]))
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        "\n".join(
            [
                'rules = "no-rules"',
                "[store]",
                f'url = "sqlite:///{tmp_path / "cw.db"}"',
                "[fetch]",
                "retries = 0",
                "[scheduler]",
                'startup_spread = "0s"',
                "jitter = 0",
                f'shutdown_grace = "{GRACE:g}s"',
                "[[sources]]",
                'name = "bomb"',
                f'url = "{http_server.url("/bomb")}"',
                'interval = "1s"',
                "[[sources]]",
                'name = "fine"',
                f'url = "{http_server.url("/fine")}"',
                'interval = "1s"',
            ]
        )
        + "\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMWATCH_DATABASE_URL", "CLAIMWATCH_CONFIG")}
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            preexec_fn=_cap_address_space,  # a regression fails the test, not the machine
        )
        guard = threading.Timer(90, proc.kill)  # the test ends even if the daemon never would
        guard.start()
        try:
            deadline = time.monotonic() + 60
            while (
                http_server.hits.get("/bomb", 0) < 3 and time.monotonic() < deadline and proc.poll() is None
            ):
                time.sleep(0.1)
            assert http_server.hits.get("/bomb", 0) >= 3, err_path.read_text()
            proc.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            stopper = threading.Timer(
                GRACE + 5 + 5, proc.kill
            )  # grace, the watchdog's margin, start-up slack
            stopper.start()
            _pid, status, usage = os.wait4(proc.pid, 0)
            stopped_after = time.monotonic() - signalled
            stopper.cancel()
            killed = os.WIFSIGNALED(status)
        finally:
            guard.cancel()
    log = err_path.read_text()
    assert not killed, f"SIGTERM did not end the daemon within its grace\n{log}"
    assert os.waitstatus_to_exitcode(status) == 0, log
    assert "SIGTERM: stopping" in log and "daemon stopped" in log, log
    assert "body exceeds 5000000 bytes" in log, log
    peak = usage.ru_maxrss / 1024
    print(f"daemon fed the bomb: peak RSS {peak:.0f} MB, exited {stopped_after:.1f}s after SIGTERM")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"
