"""`claimwatch history` latency over 1,000,000 stored changes (goal: <= 100 ms with a limit).

    .venv/bin/python benchmarks/bench_history.py [--rows 1000000] [--url sqlite:///.bench/history.db]

Fills the database once (reused when it already holds the rows), then times the query the command
runs (filters, order, limit 50, JSON records) for typical filter combinations: median and worst of
several runs, each in a fresh session. `--url postgresql://...` measures PostgreSQL the same way.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from monitor.model import Change, ChangeKind, ChangeSide
from monitor.store import (
    Store,
    open_store,
    queries,
)
from monitor.store.tables import ChangeRow, SourceRow

START = datetime(2025, 1, 1, tzinfo=UTC)
KINDS = [k.value for k in ChangeKind]
WEIGHTS = [2, 3, 8, 1, 30, 30, 26]  # stance shifts are rare, edits common
ACTORS = ["United States", "Germany", "France", "United Kingdom", "China", "Russia", "Ukraine"] + [
    f"Actor {i}" for i in range(300)
]
TOPICS = ["strike inside russia", "send tanks", "ceasefire in gaza", "sanctions on iran"] + [
    f"topic number {i}" for i in range(2000)
]


class _Gazetteer:  # the benchmark measures the store, not the claim engine's alias table
    def resolve(self, name: str) -> str | None:
        return None


def fill(store: Store, rows: int, batch: int = 20_000) -> None:
    rng = random.Random(7)
    with store.session() as session:
        have = session.exec(select(func.count()).select_from(ChangeRow)).one()[0]  # type: ignore[call-overload]
        if have >= rows:
            return
        sources = [
            SourceRow(name=f"source-{i}", type="page", location=f"https://s{i}.example/", tags=[])
            for i in range(50)
        ]
        session.add_all(sources)
        session.flush()
        source_ids = [s.id for s in sources]
    span = 365 * 86400
    started = time.perf_counter()
    for offset in range(0, rows, batch):
        values = []
        for _ in range(min(batch, rows - offset)):
            kind = rng.choices(KINDS, WEIGHTS)[0]
            actor = rng.choice(ACTORS)
            topic = rng.choice(TOPICS)
            change = Change(
                kind=ChangeKind(kind),
                actor=actor,
                topic=topic,
                before=ChangeSide(text=f"{actor} opposed it, the ministry said on Monday.", stance="oppose"),
                after=ChangeSide(text=f"{actor} now supports it, officials said.", stance="support"),
            )
            values.append(
                {
                    "kind": kind,
                    "actor": actor,
                    "topic": topic,
                    "proposition": topic,
                    "confidence": 0.9,
                    "headline": change.headline,
                    "origin": "version",
                    "detected_at": START + timedelta(seconds=rng.randrange(span)),
                    "observed_at": START + timedelta(seconds=rng.randrange(span)),
                    "source_id": rng.choice(source_ids),
                    "payload": change.to_dict(),
                }
            )
        with store.engine.begin() as conn:
            conn.execute(insert(ChangeRow), values)
        print(
            f"  {offset + len(values):>9,} rows ({time.perf_counter() - started:.0f}s)",
            end="\r",
            file=sys.stderr,
        )
    print(file=sys.stderr)
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE changes")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


CASES: list[tuple[str, dict[str, object]]] = [
    ("no filter", {}),
    ("--kind stance_shift", {"kinds": ["stance_shift"]}),
    ("--actor Germany", {"actor": "Germany"}),
    ("--actor 'Actor 17' --kind stance_shift", {"actor": "Actor 17", "kinds": ["stance_shift"]}),
    ("--source source-3", {"source": "source-3"}),
    ("--since 7d (of the data)", {"since": START + timedelta(days=358)}),
    ("--topic strike", {"topic": "strike"}),
    ("--topic 'strike|tanks'", {"topic": "strike|tanks"}),
    (
        "--kind stance_shift --topic 'topic number 12'",
        {"kinds": ["stance_shift"], "topic": "topic number 12"},
    ),
    ("--since/--until one day", {"since": START + timedelta(days=100), "until": START + timedelta(days=101)}),
]


def measure(store: Store, runs: int) -> list[tuple[str, float, float, int]]:
    out = []
    for label, kwargs in CASES:
        times = []
        found = 0
        for _ in range(runs):
            started = time.perf_counter()
            with store.session(write=False) as session:
                rows = queries.history(session, limit=50, gazetteer=_Gazetteer(), **kwargs)  # type: ignore[arg-type]
                found = len(queries.change_records(session, rows))
            times.append((time.perf_counter() - started) * 1000)
        out.append((label, statistics.median(times), max(times), found))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default=f"sqlite:///{Path('.bench') / 'history.db'}")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    store = open_store(args.url)
    print(f"filling {store.url} with {args.rows:,} changes (skipped when present)", file=sys.stderr)
    fill(store, args.rows)
    results = measure(store, args.runs)
    print(f"\nclaimwatch history over {args.rows:,} changes, {store.dialect}, limit 50 ({args.runs} runs)")
    print(f"{'query':<48} {'median ms':>10} {'max ms':>8} {'rows':>5}")
    for label, median, worst, found in results:
        print(f"{label:<48} {median:>10.1f} {worst:>8.1f} {found:>5}")
    store.close()


if __name__ == "__main__":
    main()
