"""A changed page's CPU work, article extraction and claim extraction, in worker processes.

One pass or daemon holds one `AnalysisPool`: `workers` single-process executors (default: the
machine's cores), a document's URL always to the same one, so that worker's sentence cache holds the
page's earlier versions. Workers compute and return data, nothing else: the store, the differ, the
ledger and the outbox stay in the main process, and a document is still written in one transaction
on the store thread, after its own analysis, so the exactly-once and no-loss guarantees do not
depend on the workers. A worker that dies (killed, out of memory) costs nothing but time: its page
is analysed again in the main process and the executor is made anew for the next page. The pool
starts on the first changed page, so a pass where nothing changed never pays for it. See
docs/decisions.md "Worker processes for changed pages".
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import threading
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.errors import ClaimwatchError
from monitor.extract import Article, extract_article

log = logging.getLogger(__name__)


def normalize_text(text: str) -> str:
    """What is hashed and stored: newlines unified, trailing spaces and surrounding blank lines gone."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Analysis:
    """A fetched body's article and, when its text is new, the claims of `normalize_text(text)`."""

    article: Article
    claims: list[Any] | None  # None: not computed (same text as before, or no text); the store does it


def analyse(
    body: bytes, content_type: str | None, url: str, previous_hash: str | None, gazetteer: Any = None
) -> Analysis:
    """Extract the article; extract its claims unless its text is the latest version's (`previous_hash`)
    or empty (the store then records "unchanged" or a failure without claims)."""
    from monitor.claims import extract_claims

    article = extract_article(body, content_type, url)
    text = normalize_text(article.text)
    if not text.strip() or text_hash(text) == previous_hash:
        return Analysis(article, None)
    return Analysis(article, extract_claims(text, gazetteer=gazetteer))


# In a worker process: the gazetteer of the config's actor files, loaded once by `_start_worker`.
_WORKER_GAZETTEER: Any = None


def _start_worker(actor_paths: Sequence[Path], checker_pid: int | None = None) -> None:
    global _WORKER_GAZETTEER
    if checker_pid is not None:
        _end_with(checker_pid)
    if actor_paths:
        from monitor.claims import load_gazetteer

        _WORKER_GAZETTEER = load_gazetteer(list(actor_paths))


def _end_with(pid: int, every: float = 1.0) -> None:
    """End this worker once the process it works for is gone. A pool worker killed with its checking
    process (SIGKILL, the OOM killer) would otherwise wait for work forever: it holds its own call
    queue's write end, so it never reads an end of file, and it keeps the fork server alive too."""

    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was reused by another user's process: gone as well
                os._exit(0)

    threading.Thread(target=watch, name="claimwatch-checker-watch", daemon=True).start()


def _analyse_in_worker(
    body: bytes, content_type: str | None, url: str, previous_hash: str | None
) -> Analysis:
    return analyse(body, content_type, url, previous_hash, _WORKER_GAZETTEER)


# What the fork server imports before it forks a worker (a module it cannot import is skipped
# silently by multiprocessing: tests/test_analysis.py imports each).
FORKSERVER_PRELOAD = ("monitor.analysis", "monitor.claims", "monitor.analysis_preload")


def default_workers() -> int:
    """The machine's cores (those this process may run on)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class AnalysisPool:
    """`workers` processes (0: none, everything in `fallback`, the caller's thread pool)."""

    def __init__(self, workers: int, actor_paths: Sequence[Path], gazetteer: Any, fallback: Executor):
        self.workers = workers
        self._actor_paths = tuple(actor_paths)
        self._gazetteer = gazetteer  # the main process's, for the fallback
        self._fallback = fallback
        self._executors: list[ProcessPoolExecutor | None] = [None] * workers
        self._closed = False

    async def analyse(
        self, body: bytes, content_type: str | None, url: str, previous_hash: str | None
    ) -> Analysis:
        loop = asyncio.get_running_loop()
        if self.workers > 0 and not self._closed:
            slot = zlib.crc32(url.encode("utf-8")) % self.workers
            executor = self._executor(slot)
            try:
                return await loop.run_in_executor(
                    executor, _analyse_in_worker, body, content_type, url, previous_hash
                )
            except BrokenProcessPool:
                # The worker died (killed, out of memory) with this page in hand: analyse it here, and
                # start that slot's worker anew for the next page.
                log.warning("analysis worker %d died; %s is analysed in the main process", slot, url)
                self._executors[slot] = None
                executor.shutdown(wait=False, cancel_futures=True)
            except ClaimwatchError:  # the page's own problem (not HTML, no text): the same here
                raise
            except Exception:  # e.g. a result that could not cross the process boundary
                log.warning(
                    "analysis worker %d failed on %s; analysed in the main process", slot, url, exc_info=True
                )
        return await loop.run_in_executor(
            self._fallback, analyse, body, content_type, url, previous_hash, self._gazetteer
        )

    def _executor(self, slot: int) -> ProcessPoolExecutor:
        executor = self._executors[slot]
        if executor is None:
            # forkserver: a clean process (this one runs threads, which fork would copy mid-lock) that
            # imports the extractor and the claim engine and loads their data once (see
            # monitor/analysis_preload.py); each worker is a cheap fork of it.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(FORKSERVER_PRELOAD))
            executor = ProcessPoolExecutor(
                1,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self._actor_paths, os.getpid()),
            )
            self._executors[slot] = executor
        return executor

    def close(self) -> None:
        """Stop the workers (pages in hand are finished first)."""
        self._closed = True
        for executor in self._executors:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._executors = [None] * self.workers
