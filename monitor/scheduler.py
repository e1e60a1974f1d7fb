"""The daemon: APScheduler jobs per source, the process lock, clean stops and reloads.

- One job per enabled source (`IntervalTrigger` with the source's interval and `scheduler.jitter` of
  it as jitter), `coalesce=True`, `max_instances=1`; first runs are spread over
  `scheduler.startup_spread`, so a restart never bursts every source at once. A feed's job runs as
  often as its articles may need (the shortest `articles.recheck` step); the feed itself is only
  read when due.
- Alerts: a job every `alerts.dispatch_every` calls the alerts dispatcher (`dispatch_alerts_hook`).
- SIGTERM / SIGINT: no new checks start; checks in flight get `scheduler.shutdown_grace` to finish,
  then are abandoned. Every document is recorded in its own transaction, and the store thread is
  drained before exit, so what was fetched and stored stays, and nothing is half-written.
- SIGHUP: the config and the rules are read again (a broken file keeps the old ones and says why);
  the jobs follow the sources now configured.
- One daemon per SQLite database: `fcntl.flock` on `<database file>.lock`. A second daemon exits
  with a message naming the PID holding it. On PostgreSQL, several daemons may share the database:
  sources are claimed with leases (see `monitor.checker`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlmodel import select

from monitor.checker import Checker, OnChange, PassReport, Progress, check_sources, job_interval, worker_id
from monitor.config import Config, load_config
from monitor.errors import ClaimwatchError, StoreError
from monitor.store import Store, normalize_url, open_store
from monitor.store.tables import SourceRow
from monitor.timeutil import ensure_utc, utcnow

__all__ = [
    "Daemon",
    "ProcessLock",
    "check_once",
    "dispatch_alerts_hook",
    "lock_path_for",
    "make_on_change_hook",
    "run_daemon",
]

log = logging.getLogger(__name__)

# Seconds past `shutdown_grace` a stopping daemon may take to drain the store thread and hand back
# its leases before it exits anyway (see `Daemon._arm_stop_watchdog`).
STOP_MARGIN = 5.0


# ------------------------------------------------------------------------------------ process lock


def lock_path_for(database_url: str) -> Path | None:
    """`<database file>.lock` for a SQLite file; None for in-memory SQLite and for PostgreSQL."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    # The lock is named after the file the path resolves to: two paths (a symlink, a relative path)
    # to one database must meet on one lock.
    resolved = Path(database).expanduser().resolve()
    return resolved.with_name(resolved.name + ".lock")


class ProcessLock:
    """An exclusive `flock` on a file, holding the owner's PID. Released when the process dies."""

    def __init__(self, path: Path, what: str):
        self.path = path
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"another claimwatch daemon (pid {holder}) is already running on {self.what}; "
                f"only one daemon may use a SQLite database (lock: {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire_daemon_lock(config: Config) -> ProcessLock | None:
    path = lock_path_for(config.database_url)
    if path is None:
        return None
    lock = ProcessLock(path, str(path.with_suffix("")))
    lock.acquire()
    return lock


# ------------------------------------------------------------------------------------------ hooks


class RulesHolder:
    """The current rules (a `monitor.rules.RuleWatcher`), or None when no rule files exist.

    One holder lives as long as the daemon: the pipeline's hook keeps calling `current()`, and a reload
    swaps what the holder holds (new rules path, channels or actor gazetteers) without a new hook.
    """

    # Rule files are stat()ed at most this often, so an edit takes effect without SIGHUP.
    CHECK_EVERY = 2.0

    def __init__(self, config: Config):
        self.watcher: Any = self._watch(config)
        self._checked = time.monotonic()

    @staticmethod
    def _watch(config: Config) -> Any:
        from monitor.rules import RuleWatcher, default_actor_resolver

        if not config.rules_path.exists():
            log.warning("no rules at %s: changes are recorded but no alerts are queued", config.rules_path)
            return None
        resolver = default_actor_resolver([config.resolve(p) for p in config.actors])
        return RuleWatcher(config.rules_path, channels=config.channels.keys(), resolve_actor=resolver)

    def reload(self, config: Config | None = None) -> None:
        """Re-read the rules (SIGHUP). With a new config, also take its rules path, channels and actors;
        a broken rule file keeps the rules in force and logs why."""
        if config is None:
            if self.watcher is not None:
                self.watcher.reload()
            return
        try:
            self.watcher = self._watch(config)
        except ClaimwatchError as exc:
            log.error("rules not reloaded, keeping the ones in force: %s", exc)

    def current(self) -> Any:
        if self.watcher is None:
            return None
        now = time.monotonic()
        if now - self._checked >= self.CHECK_EVERY:
            self._checked = now
            self.watcher.check()  # a broken edit keeps the last good rules and logs why
        return self.watcher.rules


def make_on_change_hook(rules: RulesHolder) -> OnChange:
    """The pipeline's `on_change`: queue alerts in the outbox, in the change's own transaction."""
    from monitor.alerts import make_on_change

    return make_on_change(rules.current)


def dispatch_alerts_hook(config: Config, store: Store) -> Callable[[], Any]:
    """What the daemon calls every `alerts.dispatch_every` (a blocking call; run in a thread)."""
    from monitor.alerts import make_dispatch_job

    return make_dispatch_job(config, store)


# ----------------------------------------------------------------------------------------- daemon

# How often (at most) the daemon asks the judge again about queued pairs, in seconds; more often
# when `judge.retry_after` is shorter. Each pair also waits its own Retry-After.
JUDGE_EVERY = 30.0


class Daemon:
    """The long-running process. `await Daemon(config, store).run()` until `stop()` (or a signal)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        config_path: Path | None = None,
        once: bool = False,
        alerts: bool = True,
        rng: random.Random | None = None,
        hard_stop: bool = False,
    ):
        self.config = config
        self.hard_stop = hard_stop  # a stop request ends the process by the grace (run_daemon: yes)
        self.store = store
        self.config_path = config_path
        self.once = once
        self.alerts = alerts
        self.rng = rng or random.Random()
        self.rules = RulesHolder(config)
        self.owner = worker_id()
        # Alerts are always queued with their change (the outbox); `alerts=False` only holds delivery.
        self.checker = Checker(config, store, on_change=make_on_change_hook(self.rules), owner=self.owner)
        self._dispatch: Callable[[], Any] | None = dispatch_alerts_hook(config, store) if alerts else None
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[Any]] = set()
        self._scheduler: Any = None
        self.passes: list[PassReport] = []
        self.checks = 0

    # -- control ----------------------------------------------------------------------------------

    def stop(self, reason: str = "stop requested") -> None:
        if not self._stopping.is_set():
            log.info(
                "%s: stopping (checks in flight get %s to finish)",
                reason,
                self.config.scheduler.shutdown_grace,
            )
            self._stopping.set()
            stop_dispatch = getattr(self._dispatch, "stop", None)
            if stop_dispatch is not None:  # a send in flight is abandoned (in doubt), not waited for
                stop_dispatch()
            if self.hard_stop:
                self._arm_stop_watchdog()

    def _arm_stop_watchdog(self) -> None:
        """The process exits at the latest `shutdown_grace` + STOP_MARGIN after a stop request, even if
        the event loop or a channel's send is stuck: a thread of its own, outside the event loop.
        Nothing is lost by it: every stored document was its own transaction, and an alert whose send
        was cut short is "in doubt" and checked before it is sent again (as after a kill -9)."""
        limit = self.config.scheduler.shutdown_grace.total_seconds() + STOP_MARGIN

        def expire() -> None:
            log.error("still running %gs after the stop request: exiting now", limit)
            logging.shutdown()
            os._exit(1)

        timer = threading.Timer(limit, expire)
        timer.daemon = True
        timer.start()

    def request_reload(self) -> None:
        asyncio.get_running_loop().create_task(self.reload())

    async def reload(self) -> None:
        """SIGHUP: read the config and the rules again; keep the old ones if the new ones are broken."""
        if self.config_path is not None or os.environ.get("CLAIMWATCH_CONFIG"):
            try:
                config = await asyncio.to_thread(load_config, self.config_path)
            except ClaimwatchError as exc:
                log.error("config not reloaded, keeping the running one: %s", exc)
                config = self.config
            if config.fetch != self.config.fetch or config.database_url != self.config.database_url:
                log.warning("[fetch] and [store] changes take effect at the next start")
            self.config = config
            self.checker.set_config(config)
            if self.alerts:  # channels may have been added or changed
                self._dispatch = dispatch_alerts_hook(config, self.store)
                from monitor.alerts.channels import missing_secrets

                for problem in missing_secrets(config.channels):
                    log.error("%s: its alerts fail (dead) until it is set and the daemon restarted", problem)
        await asyncio.to_thread(self.rules.reload, self.config)
        await self.checker.db(self.checker.sync)
        if self._scheduler is not None:
            await self._schedule_sources(reloading=True)
        log.info("reloaded: %d source(s) configured", len(self.config.sources))

    # -- running ----------------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        uninstall = self._install_signals(loop)
        try:
            freed = await self.checker.db(self.checker.release_stale_leases)
            if freed:
                log.info("released %d lease(s) left by a stopped process", freed)
            await self.checker.db(self.checker.sync)
            if self.once:
                await self._run_once()
            else:
                await self._run_scheduler()
        finally:
            uninstall()
            await self.checker.aclose()

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Signal handling that survives a busy event loop; returns what undoes it.

        asyncio's own `add_signal_handler` delivers a signal as one byte through the loop's self-pipe,
        the same pipe every `call_soon_threadsafe` (each result from the store thread) writes to: when
        the loop was blocked for a while that pipe filled up, the signal's byte was dropped ("Exception
        ignored when trying to write to the signal wakeup fd") and SIGTERM was lost. Here the handlers
        are plain Python signal handlers, which always run (in the main thread, at the next bytecode)
        and queue the stop with `call_soon_threadsafe`, whose callback is queued even when its wake-up
        byte cannot be written; the wakeup fd, only there to interrupt the loop's `select`, is a socket
        of our own that nothing else writes to, so it cannot fill up.
        """
        handlers: dict[int, Callable[[], None]] = {
            signal.SIGTERM: lambda: self.stop("SIGTERM"),
            signal.SIGINT: lambda: self.stop("SIGINT"),
            signal.SIGHUP: self.request_reload,
        }
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # signals reach the main thread only: whoever runs us handles them
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        previous_fd = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)

        def drain() -> None:
            with contextlib.suppress(OSError):
                while wake_r.recv(4096):
                    pass

        loop.add_reader(wake_r.fileno(), drain)

        def on_signal(signum: int, _frame: Any) -> None:
            loop.call_soon_threadsafe(handlers[signum])

        previous = {sig: signal.signal(sig, on_signal) for sig in handlers}

        def undo() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            signal.set_wakeup_fd(previous_fd)
            loop.remove_reader(wake_r.fileno())
            wake_r.close()
            wake_w.close()

        return undo

    async def _run_once(self) -> None:
        task = asyncio.create_task(check_sources(self.config, self.store, checker=self.checker))
        self._running.add(task)
        stopper = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        await self._finish_in_flight()
        if self.checker.judge is not None and not self._stopping.is_set():
            await asyncio.to_thread(self.checker.judge_pending)
        if task.done() and not task.cancelled() and task.exception() is None:
            self.passes.append(task.result())
        elif task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
        if self._dispatch is not None and not self._stopping.is_set():
            await asyncio.to_thread(self._dispatch)

    async def _run_scheduler(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._scheduler = AsyncIOScheduler(timezone="UTC")
        await self._schedule_sources(reloading=False)
        if self._dispatch is not None:
            every = self.config.alerts.dispatch_every.total_seconds()
            self._scheduler.add_job(
                self._dispatch_job,
                "interval",
                seconds=every,
                id="alerts:dispatch",
                name="alerts dispatch",
                coalesce=True,
                max_instances=1,
                next_run_time=utcnow() + timedelta(seconds=min(every, 1.0)),
            )
        # Always there (a no-op without a judge), so a reload that adds [judge] is served too; never
        # less often than a failed pair becomes due again, at most every second.
        judge_every = self.config.judge.retry_after.total_seconds() if self.config.judge else JUDGE_EVERY
        every = max(1.0, min(JUDGE_EVERY, judge_every))
        self._scheduler.add_job(
            self._judge_job,
            "interval",
            seconds=every,
            id="judge:pending",
            name="judge queued pairs",
            coalesce=True,
            max_instances=1,
            next_run_time=utcnow() + timedelta(seconds=every),
        )
        self._scheduler.start()
        log.info(
            "daemon started: %d source job(s), store %s, worker %s",
            len(self._source_jobs()),
            self.store.url,
            self.owner,
        )
        try:
            await self._stopping.wait()
        finally:
            self._scheduler.pause()
            await self._finish_in_flight()
            self._scheduler.shutdown(wait=False)
            log.info("daemon stopped after %d check(s)", self.checks)

    def _source_jobs(self) -> list[Any]:
        return [job for job in self._scheduler.get_jobs() if job.id.startswith("source:")]

    async def _schedule_sources(self, *, reloading: bool) -> None:
        """One job per enabled source; on reload, jobs follow the config (added, removed, re-timed)."""
        from apscheduler.triggers.interval import IntervalTrigger

        capped = await self.checker.db(self.checker.cap_next_checks)
        if capped:
            log.info("%d stored next check(s) brought forward to the configured intervals", capped)
        next_checks = await self.checker.db(self._stored_next_checks)
        now = utcnow()
        spread = self.config.scheduler.startup_spread.total_seconds()
        wanted = {s.name: s for s in self.config.sources if s.enabled}
        existing = {job.id.removeprefix("source:"): job for job in self._source_jobs()}
        for name, job in existing.items():
            if name not in wanted:
                job.remove()
        for name, source in wanted.items():
            interval = job_interval(self.config, source)
            seconds = interval.total_seconds()
            jitter = seconds * self.config.scheduler.jitter
            job = existing.get(name)
            if (
                job is not None
                and job.trigger.interval == interval
                and job.trigger.jitter == (jitter or None)
            ):
                continue
            first = now + timedelta(seconds=self.rng.uniform(0, spread) if spread > 0 else 0)
            stored = next_checks.get(name)
            if stored is not None and stored > first and interval == source.interval:
                first = min(stored, now + interval)  # checked recently by a previous run: keep its rhythm
            trigger = IntervalTrigger(
                seconds=seconds, jitter=jitter or None, start_date=first, timezone="UTC"
            )
            self._scheduler.add_job(
                self._source_job,
                trigger,
                args=[name],
                id=f"source:{name}",
                name=f"check {name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(seconds)),
                replace_existing=True,
                next_run_time=first,  # exactly then: a start_date already past would skip a whole interval
            )
        if reloading:
            log.info("sources rescheduled: %d job(s)", len(wanted))

    def _stored_next_checks(self) -> dict[str, Any]:
        with self.store.session(write=False) as session:
            rows = session.exec(select(SourceRow.name, SourceRow.next_check_at)).all()
        return {name: ensure_utc(when) for name, when in rows if when is not None}

    async def _source_job(self, name: str) -> None:
        if self._stopping.is_set():
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            self.config.source(name)
        except KeyError:
            return
        try:
            await self.checker.check_one(name, due_only=True)
            self.checks += 1
        except asyncio.CancelledError:
            log.info("%s: check abandoned at shutdown", name)
        except Exception:
            log.exception("check of %s failed unexpectedly", name)
        finally:
            self._running.discard(task)

    async def _dispatch_job(self) -> None:
        if self._stopping.is_set() or self._dispatch is None:
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await asyncio.to_thread(self._dispatch)
        except asyncio.CancelledError:
            pass
        finally:
            self._running.discard(task)

    async def _judge_job(self) -> None:
        if self._stopping.is_set() or self.checker.judge is None:
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await asyncio.to_thread(self.checker.judge_pending)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("judging queued pairs failed")
        finally:
            self._running.discard(task)

    async def _finish_in_flight(self) -> None:
        running = {t for t in self._running if not t.done()}
        if not running:
            return
        grace = self.config.scheduler.shutdown_grace.total_seconds()
        _done, pending = await asyncio.wait(running, timeout=grace)
        if pending:
            log.warning("abandoning %d check(s) still in flight after %gs", len(pending), grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


# -------------------------------------------------------------------------------------- entry points


async def run_daemon(
    config: Config,
    *,
    config_path: Path | None = None,
    once: bool = False,
    alerts: bool = True,
) -> Daemon:
    """Run the daemon in the foreground until SIGTERM/SIGINT (or one pass with `once`)."""
    lock = acquire_daemon_lock(config)
    try:
        store = await asyncio.to_thread(open_store, config.database_url)
        try:
            daemon = Daemon(config, store, config_path=config_path, once=once, alerts=alerts, hard_stop=True)
            await daemon.run()
            return daemon
        finally:
            store.close()
    finally:
        if lock is not None:
            lock.release()


async def check_once(
    config: Config,
    names: list[str] | None = None,
    *,
    progress: Progress | None = None,
    alerts: bool = True,
    store: Store | None = None,
) -> PassReport:
    """One pass now over the named sources (default: all enabled), then send the alerts it queued."""
    own = store is None
    active = store or await asyncio.to_thread(open_store, config.database_url)
    try:
        on_change = make_on_change_hook(RulesHolder(config))
        report = await check_sources(config, active, names, progress, on_change=on_change)
        if alerts and on_change is not None:
            from monitor.alerts import deliver_pending

            delivered = await asyncio.to_thread(deliver_pending, config, active)
            report.undelivered = delivered.dead
            if delivered.worked:
                log.info(delivered.summary())
        return report
    finally:
        if own:
            active.close()
