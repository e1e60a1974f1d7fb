"""The judge inside the monitor: the pipeline, the daemon's run, alerts exactly once, judged later.

The real openai client, a local OpenAI-compatible server (tests/modelserver.py), real daemon runs
(`python -m monitor run --once`), SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from modelserver import ModelServer
from sqlmodel import col, select

from monitor.config import SAMPLES_DIR, JudgeConfig
from monitor.judge.service import Judge
from monitor.pipeline import record_document
from monitor.store import Store, open_store
from monitor.store.tables import AlertRow, ChangeRow, JudgeRequestRow

STORY = SAMPLES_DIR / "strike-policy"
V1 = STORY / "1-2024-05-30-morning.txt"
V3 = STORY / "3-2024-05-31.txt"
MODEL = "test-judge-7b"

NATO_SHIFT = {
    "holder": "NATO",
    "named_as": "NATO Secretary General Jens Stoltenberg",
    "topic": "strikes inside Russia",
    "from": "undecided",
    "to": "support",
    "qualifiers": [],
    "before_quote": "NATO Secretary General Jens Stoltenberg urged the alliance's foreign ministers",
    "after_quote": "NATO Secretary General Jens Stoltenberg welcomed the decisions",
}


def stand_in(request: dict[str, Any]) -> dict[str, Any]:
    """Confirms the United States, rejects Germany; in mode full also reports NATO."""
    verdicts = [
        {"id": c["id"], "verdict": "reject" if c.get("holder") == "Germany" else "confirm", "reason": "."}
        for c in request["candidates"]
    ]
    shifts = [NATO_SHIFT] if request["mode"] == "full" else []
    return {"candidates": verdicts, "shifts": shifts, "numbers": []}


@pytest.fixture
def model() -> Iterator[ModelServer]:
    server = ModelServer(answer=stand_in).start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (a model that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def shifts(store: Store) -> dict[str, ChangeRow]:
    with store.session(write=False) as session:
        found = session.exec(
            select(ChangeRow).where(ChangeRow.kind == "stance_shift").order_by(col(ChangeRow.id))
        ).all()
    return {row.actor or "": row for row in found}


def alerts_by_change(store: Store) -> dict[int, list[AlertRow]]:
    out: dict[int, list[AlertRow]] = {}
    with store.session(write=False) as session:
        for alert in session.exec(select(AlertRow)).all():
            out.setdefault(alert.change_id or 0, []).append(alert)
    return out


def test_pipeline_asks_before_the_transaction_and_applies_inside_it(store: Store, model: ModelServer) -> None:
    judge = Judge(JudgeConfig(model=MODEL, base_url=model.base_url, timeout=5), store)  # type: ignore[arg-type]
    alerted: list[int] = []
    try:
        for path in (V1, V3):
            record_document(
                store,
                source="wire",
                url="https://example.org/story",
                text=path.read_text(),
                judge=judge,
                on_change=lambda session, row: alerted.append(row.id),
            )
    finally:
        judge.close()
    assert len(model.requests) == 1, "the first version has nothing to compare"
    found = shifts(store)
    assert found["United States"].payload["judged_by"] == MODEL
    germany = found["Germany"]
    assert germany.payload["judged_by"] == MODEL and germany.payload["judge_verdict"] == "rejected"
    assert germany.id not in alerted and found["United States"].id in alerted
    # the ledger did not report the rejected shift again as a shift across documents
    assert [r.origin for r in found.values()] == ["version", "version"]
    with store.session(write=False) as session:
        assert session.exec(select(JudgeRequestRow)).all() == [], "answered in time: nothing queued"


def write_config(tmp_path: Path, base_url: str, story: Path) -> Path:
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "{SAMPLES_DIR / "rules"}"\n\n'
        '[channels.console]\ntype = "console"\nstream = "stdout"\n\n'
        f'[[sources]]\nname = "wire"\ntype = "file"\npath = "{story}"\n\n'
        f'[judge]\nmodel = "{MODEL}"\nbase_url = "{base_url}"\nmode = "full"\ntimeout = "3s"\n'
        'retry_after = "1s"\n'
    )
    return config


def run_once(config: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CLAIMWATCH_DATABASE_URL=db_url)
    env.pop("CLAIMWATCH_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_daemon_run_with_the_model_down_records_and_alerts_then_the_model_judges_later(
    db_url: str, tmp_path: Path, model: ModelServer
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(V1.read_text())
    config = write_config(tmp_path, closed_port_url(), story)
    run_once(config, db_url)
    story.write_text(V3.read_text())
    os.utime(story, (time.time() + 5, time.time() + 5))
    down = run_once(config, db_url)

    store = open_store(db_url)
    try:
        # the whole run without the model: the engine's changes are recorded and alerted
        found = shifts(store)
        assert set(found) == {"United States", "Germany"}
        assert {row.payload["judged_by"] for row in found.values()} == {"rules"}
        alerts = alerts_by_change(store)
        for row in found.values():
            assert [a.status for a in alerts[row.id or 0]] == ["sent"]
        assert "judged by rules" in " ".join(down.stdout.replace("│", " ").split())
        with store.session(write=False) as session:
            (queued,) = session.exec(select(JudgeRequestRow)).all()
        assert queued.status == "pending" and queued.new_version_id is not None

        # the model is back (at another address): the next run judges the queued pair
        write_config(tmp_path, model.base_url, story)
        time.sleep(1.2)  # judge.retry_after
        back = run_once(config, db_url)
        assert len(model.requests) == 1
        found = shifts(store)
        assert set(found) == {"United States", "Germany", "NATO"}
        assert found["United States"].payload["judged_by"] == MODEL
        assert found["Germany"].payload["judge_verdict"] == "rejected"  # its alert went out already
        assert found["NATO"].payload["judged_by"] == MODEL
        alerts = alerts_by_change(store)
        assert {actor: [a.status for a in alerts[row.id or 0]] for actor, row in found.items()} == {
            "United States": ["sent"],
            "Germany": ["sent"],
            "NATO": ["sent"],
        }
        flat = " ".join(back.stdout.replace("│", " ").split())
        assert f"judged by {MODEL}" in flat and "NATO" in flat
        with store.session(write=False) as session:
            assert [r.status for r in session.exec(select(JudgeRequestRow)).all()] == ["done"]

        # and again: nothing new, nothing sent twice, nothing asked
        run_once(config, db_url)
        assert len(model.requests) == 1
        assert {k: len(v) for k, v in alerts_by_change(store).items()} == {
            k: len(v) for k, v in alerts.items()
        }
        history = subprocess.run(
            [sys.executable, "-m", "monitor", "history", "--format", "json", "--config", str(config)],
            capture_output=True,
            text=True,
            env=dict(os.environ, CLAIMWATCH_DATABASE_URL=db_url),
            check=True,
        )
        judged = {
            c["actor"]: c["judged_by"]
            for c in json.loads(history.stdout)["changes"]
            if c["kind"] == "stance_shift"
        }
        assert judged == {"United States": MODEL, "Germany": MODEL, "NATO": MODEL}
        show = subprocess.run(
            [sys.executable, "-m", "monitor", "show", str(found["Germany"].id), "--config", str(config)],
            capture_output=True,
            text=True,
            env=dict(os.environ, CLAIMWATCH_DATABASE_URL=db_url),
            check=True,
        )
        assert f"judged by:   rejected by {MODEL}" in show.stdout
    finally:
        store.close()


def test_a_daemon_run_with_the_model_up_judges_before_it_alerts(
    db_url: str, tmp_path: Path, model: ModelServer
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(V1.read_text())
    config = write_config(tmp_path, model.base_url, story)
    run_once(config, db_url)
    story.write_text(V3.read_text())
    os.utime(story, (time.time() + 5, time.time() + 5))
    run_once(config, db_url)
    assert len(model.requests) == 1
    store = open_store(db_url)
    try:
        found = shifts(store)
        assert {actor: row.payload["judged_by"] for actor, row in found.items()} == {
            "United States": MODEL,
            "Germany": MODEL,
            "NATO": MODEL,
        }
        alerts = alerts_by_change(store)
        assert found["Germany"].id not in alerts, "rejected before any alert was queued"
        assert len(alerts[found["United States"].id or 0]) == 1 and len(alerts[found["NATO"].id or 0]) == 1
        with store.session(write=False) as session:
            assert session.exec(select(JudgeRequestRow)).all() == []
    finally:
        store.close()


def test_a_reloaded_config_brings_its_judge(store: Store, model: ModelServer) -> None:
    import asyncio

    from monitor.checker import Checker
    from monitor.config import Config

    plain = Config()
    checker = Checker(plain, store)
    try:
        assert checker.judge is None
        checker.set_config(Config(judge=JudgeConfig(model=MODEL, base_url=model.base_url)))
        assert checker.judge is not None and checker.judge.who == MODEL
        first = checker.judge
        checker.set_config(Config(judge=JudgeConfig(model=MODEL, base_url=model.base_url)))
        assert checker.judge is first, "an unchanged [judge] keeps its judge (and its rest after failures)"
        checker.set_config(Config(judge=JudgeConfig(model="other-model", base_url=model.base_url)))
        assert checker.judge.who == "other-model"
        checker.set_config(plain)
        assert checker.judge is None
    finally:
        asyncio.run(checker.aclose())


def test_ledger_shifts_across_documents_are_judged_after_they_are_recorded(
    store: Store, model: ModelServer
) -> None:
    judge = Judge(JudgeConfig(model=MODEL, base_url=model.base_url, timeout=5), store)  # type: ignore[arg-type]
    alerted: list[int] = []
    try:
        for source, path in (("outlet-a", V1), ("outlet-b", V3)):
            record_document(
                store,
                source=source,
                url=f"https://{source}.example/story",
                text=path.read_text(),
                judge=judge,
                on_change=lambda session, row: alerted.append(row.id),
            )
        found = shifts(store)
        assert {actor: row.origin for actor, row in found.items()} == {
            "United States": "ledger",
            "Germany": "ledger",
        }
        assert {row.payload["judged_by"] for row in found.values()} == {"rules"}
        assert sorted(alerted) == sorted(row.id for row in found.values()), "recorded and alerted at once"
        assert model.requests == []
        with store.session(write=False) as session:
            queued = session.exec(select(JudgeRequestRow)).all()
        assert len(queued) == 2 and all(r.old_version_id is None for r in queued)
        counts = judge.judge_pending(on_change=lambda session, row: alerted.append(row.id))
    finally:
        judge.close()
    assert counts == {"judged": 2, "failed": 0, "waiting": 0} and len(model.requests) == 2
    sent = json.loads(model.requests[0]["messages"][1]["content"])
    assert len(sent["candidates"]) == 1 and sent["candidates"][0]["before_quote"]
    found = shifts(store)
    assert found["United States"].payload["judged_by"] == MODEL
    assert found["Germany"].payload["judge_verdict"] == "rejected"
    assert len(alerted) == 2, "verdicts add no alert"


def test_the_daemon_keeps_running_while_the_model_is_away_and_judges_when_it_returns(
    db_url: str, tmp_path: Path
) -> None:
    import signal

    base_url = closed_port_url()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    story = tmp_path / "story.txt"
    story.write_text(V1.read_text())
    config = write_config(tmp_path, base_url, story)
    config.write_text(
        config.read_text().replace('path = "', 'interval = "1s"\npath = "')
        + '\n[scheduler]\nstartup_spread = "0s"\njitter = 0\n'
        + '\n[alerts]\ndispatch_every = "1s"\n'
    )
    env = dict(os.environ, CLAIMWATCH_DATABASE_URL=db_url)
    env.pop("CLAIMWATCH_CONFIG", None)
    log = (tmp_path / "daemon.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    store = open_store(db_url)
    server: ModelServer | None = None

    def wait_for(condition: Any, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert proc.poll() is None, (tmp_path / "daemon.log").read_text()
            time.sleep(0.2)
        raise AssertionError("not in time:\n" + (tmp_path / "daemon.log").read_text()[-3000:])

    def sent(actor: str) -> list[str]:
        row = shifts(store).get(actor)
        return [a.status for a in alerts_by_change(store).get(row.id or 0, [])] if row else []

    try:
        wait_for(lambda: _versions(store) == 1)
        story.write_text(V3.read_text())
        os.utime(story, (time.time() + 5, time.time() + 5))
        # the model is away: the engine's changes are recorded and alerted, the pair waits
        wait_for(lambda: sent("United States") == ["sent"] and sent("Germany") == ["sent"])
        assert {row.payload["judged_by"] for row in shifts(store).values()} == {"rules"}
        time.sleep(2)  # a few more passes and judge jobs without a model
        assert proc.poll() is None
        # the model comes back where it was: the daemon judges the waiting pair, alerts what it adds
        server = ModelServer(answer=stand_in, port=port).start()
        wait_for(lambda: sent("NATO") == ["sent"])
        found = shifts(store)
        assert found["United States"].payload["judged_by"] == MODEL
        assert found["Germany"].payload["judge_verdict"] == "rejected"
        assert sent("United States") == ["sent"] and sent("Germany") == ["sent"], "nothing sent twice"
        assert len(server.requests) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
            store.close()
            if server is not None:
                server.stop()
    assert proc.returncode == 0, (tmp_path / "daemon.log").read_text()[-3000:]


def _versions(store: Store) -> int:
    from monitor.store.tables import VersionRow

    with store.session(write=False) as session:
        return len(session.exec(select(VersionRow)).all())
