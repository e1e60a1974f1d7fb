"""Defect 2 (issue 12): SIGTERM lost while the event loop's self-pipe was full.

Under load, results from the store thread fill asyncio's wake-up pipe (one byte per
`call_soon_threadsafe`); asyncio's signal handling sent the signal through that same pipe, so the
signal's byte was dropped and the daemon ran on. The test fills the pipe the way a blocked loop does,
sends SIGTERM to this process, and expects the daemon to stop well within its grace."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

from monitor.config import Config, SchedulerConfig
from monitor.scheduler import Daemon
from monitor.store import open_store


def _fill_self_pipe(loop: asyncio.AbstractEventLoop) -> int:
    """Write zero bytes (what `call_soon_threadsafe` writes) into the loop's self-pipe until it is full."""
    csock: socket.socket = loop._csock  # type: ignore[attr-defined]
    written = 0
    try:
        while True:
            written += csock.send(b"\0" * 65536)
    except BlockingIOError:
        return written


def test_sigterm_is_honoured_when_the_wakeup_pipe_is_full(tmp_path: Path) -> None:
    config = Config(
        store={"url": f"sqlite:///{tmp_path / 'cw.db'}"},
        scheduler=SchedulerConfig(shutdown_grace="3s", startup_spread="0s"),
        rules=tmp_path / "no-rules",
    )
    store = open_store(config.database_url)
    stopped_by: list[str] = []

    async def main() -> None:
        daemon = Daemon(config, store, alerts=False)
        original_stop = daemon.stop

        def stop(reason: str = "stop requested") -> None:
            stopped_by.append(reason)
            original_stop(reason)

        daemon.stop = stop  # type: ignore[method-assign]
        loop = asyncio.get_running_loop()
        runner = asyncio.create_task(daemon.run())
        await asyncio.sleep(0.5)  # the scheduler is up
        assert _fill_self_pipe(loop) > 0
        os.kill(os.getpid(), signal.SIGTERM)  # while the pipe is full, as under load
        guard = loop.call_later(10, daemon.stop, "guard")  # the test must end even when the signal is lost
        await runner
        guard.cancel()

    try:
        asyncio.run(main())
    finally:
        store.close()
    assert stopped_by and stopped_by[0] == "SIGTERM", stopped_by
