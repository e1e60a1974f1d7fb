"""The real CLI (typer's CliRunner) for ingest, history, show, positions and db upgrade, on both backends."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner, Result

import monitor.cli  # noqa: F401  (registers every command on the app)
from monitor.cli._common import app
from monitor.config import SAMPLES_DIR
from monitor.store import open_store
from monitor.store.migrate import head_revision
from monitor.store.tables import AlertRow

STORY = SAMPLES_DIR / "strike-policy"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `claimwatch ARGS...` against the test database with a config that alerts on the console."""
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "{SAMPLES_DIR / "rules"}"\n\n[channels.console]\ntype = "console"\nstream = "stderr"\n'
    )
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, "--config", str(config)])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    return run


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


@pytest.mark.shared
def test_seeds_in_date_order_give_the_shifts(cli: Any, seeds: Path) -> None:
    files = sorted(seeds.glob("0*.txt"))
    assert len(files) == 5
    for path in files[:4]:
        out = as_json(
            cli("ingest", str(path), "--published", "2024-05-30", "--no-alerts", "--format", "json")
        )
        assert out["ingested"][0]["status"] == "new"
    cli("ingest", str(files[4]), "--published", "2024-05-31", "--no-alerts")
    changes = as_json(cli("history", "--kind", "stance_shift", "--format", "json"))["changes"]
    moves = {(c["actor"], c["before"]["stance"], c["after"]["stance"]) for c in changes}
    assert ("United States", "oppose", "support") in moves
    assert ("Germany", "oppose", "support") in moves
    us = next(c for c in changes if c["actor"] == "United States" and c["after"]["stance"] == "support")
    assert any("kharkiv" in q.lower() for q in us["after"]["qualifiers"])
    assert us["id"] and us["observed_at"].startswith("2024-05-31") and us["detected_at"]
    assert us["source"] == files[4].stem and files[4].stem in us["sources"] and len(us["sources"]) == 2
    assert us["after"]["url"] == files[4].resolve().as_uri()
    positions = as_json(cli("positions", "--actor", "United States", "--format", "json"))["positions"]
    moved = next(p for p in positions if p["last_change_id"] == us["id"])
    assert moved["stance"] == "support" and moved["since"].startswith("2024-05-31")
    # Aliases work for the actor filter.
    via_alias = as_json(cli("history", "--actor", "Washington", "--kind", "stance_shift", "--format", "json"))
    assert [c["id"] for c in via_alias["changes"]] == [
        c["id"] for c in changes if c["actor"] == "United States"
    ]
    timeline = as_json(cli("positions", "--actor", "Washington", "--timeline", "--format", "json"))[
        "timeline"
    ]
    assert timeline[-1]["moved"] and timeline[-1]["change_id"] == us["id"]
    assert {t["stance"] for t in timeline} >= {"oppose", "support"}
    # Ingesting the same file again stores nothing new.
    again = as_json(cli("ingest", str(files[4]), "--no-alerts", "--format", "json"))["ingested"][0]
    assert again["status"] == "unchanged" and again["changes"] == 0


@pytest.fixture
def story(cli: Any, tmp_path: Path) -> Path:
    page = tmp_path / "page.txt"
    for name, day in (
        ("1-2024-05-30-morning.txt", "2024-05-30T08:00"),
        ("3-2024-05-31.txt", "2024-05-31T09:00"),
    ):
        page.write_text((STORY / name).read_text())
        cli("ingest", str(page), "--source", "desk", "--published", day, "--no-alerts")
    return page


def test_history_formats_and_filters(cli: Any, story: Path) -> None:
    everything = as_json(cli("history", "--format", "json"))["changes"]
    assert everything and all(c["source"] == "desk" for c in everything)
    shifts = as_json(cli("history", "-k", "stance_shift", "--format", "json"))["changes"]
    assert {c["actor"] for c in shifts} >= {"United States", "Germany"}
    assert len(as_json(cli("history", "--limit", "1", "--format", "json"))["changes"]) == 1
    both = as_json(cli("history", "--kind", "stance_shift,number_changed", "--format", "json"))["changes"]
    assert len(both) >= len(shifts)
    assert as_json(cli("history", "--since", "2024-06-01", "--format", "json"))["changes"] == []
    assert as_json(cli("history", "--until", "2024-05-31", "--format", "json"))["changes"] == []
    assert as_json(cli("history", "--since", "2024-05-31", "-k", "stance_shift", "--format", "json"))[
        "changes"
    ]
    assert as_json(cli("history", "--topic", "strike", "-k", "stance_shift", "--format", "json"))["changes"]
    assert as_json(cli("history", "--topic", "no such words", "--format", "json"))["changes"] == []
    assert as_json(cli("history", "--source", "desk", "--format", "json"))["changes"] == everything
    csv_out = cli("history", "-k", "stance_shift", "--format", "csv").stdout
    csv_lines = csv_out.splitlines()
    assert csv_lines[0].startswith("id,observed_at,detected_at,kind,origin,actor,topic,proposition,")
    assert len(list(csv.DictReader(io.StringIO(csv_out)))) == len(shifts) and "oppose -> support" in csv_out
    assert csv_lines[0].endswith(",judged_by")
    table = cli("history", "-k", "stance_shift").stdout
    assert "stance_sh" in table and "United" in table  # folded to the runner's 80 columns
    assert "No changes match." in cli("history", "--actor", "Atlantis").stdout


def test_history_input_errors(cli: Any) -> None:
    assert "unknown change kind 'shift'" in cli("history", "--kind", "shift", code=2).stderr
    assert "--since: not a date or age" in cli("history", "--since", "yesterday", code=2).stderr
    assert "no source named 'nope'" in cli("history", "--source", "nope", code=2).stderr
    assert "regular expression" in cli("history", "--topic", "strike(", code=2).stderr


def test_show_text_and_json(cli: Any, story: Path) -> None:
    shifts = as_json(cli("history", "-k", "stance_shift", "--actor", "United States", "--format", "json"))
    change = shifts["changes"][0]
    shown = as_json(cli("show", str(change["id"]), "--format", "json"))
    assert shown == change
    out = cli("show", str(change["id"])).stdout
    assert out.startswith(f"stance_shift  #{change['id']}: United States: oppose -> support")
    assert change["before"]["text"] in out and change["after"]["text"] in out
    assert "cue words:" in out and "qualifiers:" in out and "Kharkiv" in out
    assert "source:" in out and "desk" in out
    assert "word diff:" in out and "[-" in out and "{+" in out  # markers, not colours, off a terminal
    assert "no change with id 999999" in cli("show", "999999", code=2).stderr


def test_positions_table_and_timeline(cli: Any, story: Path) -> None:
    positions = as_json(cli("positions", "--format", "json"))["positions"]
    us = [p for p in positions if p["actor"] == "United States"]
    assert us and any(p["stance"] == "support" and p["last_change_id"] for p in us)
    table = cli("positions", "--actor", "United States").stdout
    assert "support" in table
    timeline = cli("positions", "--actor", "Germany", "--timeline", "--format", "csv").stdout.splitlines()
    assert timeline[0] == "observed_at,actor,topic,stance,moved,qualifiers,source,text"
    assert any("shift #" in line for line in timeline[1:])
    assert "No positions recorded yet." in cli("positions", "--actor", "Atlantis").stdout


def test_ingest_html_file_and_url(cli: Any, http_server: Any, tmp_path: Path) -> None:
    (html,) = (FIXTURES / "html").glob("news-article.html")
    out = as_json(cli("ingest", str(html), "--no-alerts", "--format", "json"))["ingested"][0]
    assert out["status"] == "new" and out["source"] == "news-article"
    http_server.page(
        "/story",
        "<html><body><article><p>"
        + (STORY / "1-2024-05-30-morning.txt").read_text().replace("\n\n", "</p><p>")
        + "</p></article></body></html>",
    )
    url = http_server.url("/story")
    first = as_json(cli("ingest", url, "--no-alerts", "--format", "json"))["ingested"][0]
    assert first["status"] == "new" and first["source"] == "127.0.0.1"
    assert (
        as_json(cli("ingest", url, "--no-alerts", "--format", "json"))["ingested"][0]["status"] == "unchanged"
    )
    http_server.route("/gone", status=404)
    assert "HTTP 404" in cli("ingest", http_server.url("/gone"), code=1).stderr
    assert "no such file" in cli("ingest", str(tmp_path / "missing.txt"), code=2).stderr
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    assert "blob.txt" in cli("ingest", str(binary), code=2).stderr


def test_ingest_queues_and_sends_alerts(cli: Any, db_url: str, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text((STORY / "1-2024-05-30-morning.txt").read_text())
    cli("ingest", str(page), "--published", "2024-05-30")
    page.write_text((STORY / "3-2024-05-31.txt").read_text())
    result = cli("ingest", str(page), "--published", "2024-05-31")
    assert "claimwatch alert" in result.stderr and "oppose -> support" in result.stderr
    store = open_store(db_url)
    with store.session(write=False) as session:
        alerts = session.exec(select(AlertRow)).all()
    store.close()
    assert alerts and {a.status for a in alerts} == {"sent"} and {a.channel for a in alerts} == {"console"}


def test_no_alerts_queues_them_for_the_daemon(cli: Any, db_url: str, story: Path) -> None:
    store = open_store(db_url)
    with store.session(write=False) as session:
        held = session.exec(select(AlertRow)).all()
    store.close()
    assert held and {a.status for a in held} == {"pending"}, "queued with the change, not sent"
    assert "sent" in cli("alerts", "deliver").stdout.lower()
    store = open_store(db_url)
    with store.session(write=False) as session:
        assert {a.status for a in session.exec(select(AlertRow)).all()} == {"sent"}
    store.close()


def test_db_upgrade(cli: Any, db_url: str) -> None:
    first = cli("db", "upgrade").stdout
    assert f"upgraded from empty to revision {head_revision()}" in first
    assert f"is at revision {head_revision()} (up to date)" in cli("db", "upgrade").stdout
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    err = cli("db", "upgrade", code=1).stderr
    assert "claimwatch: error:" in err and "'9999'" in err and "newer claimwatch" in err
    assert "'9999'" in cli("history", code=1).stderr


def _slow_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `history` take its normal way (SQLAlchemy) even on an empty store."""
    import monitor.quickstore

    monkeypatch.setattr(monitor.quickstore, "has_no_changes", lambda url, source=None: None)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--format", "json"), 0),
        (("--format", "csv"), 0),
        (("--kind", "stance_shift", "--since", "2024-05-30", "--actor", "Washington"), 0),
        (("--source", "desk"), 0),
        (("--source", "nope"), 2),
        (("--topic", "strike("), 2),
        (("--topic", "strike"), 0),
    ],
)
@pytest.mark.parametrize("first_version", [False, True])
def test_history_on_a_store_without_changes_answers_as_the_normal_way(
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    first_version: bool,
) -> None:
    """A store without changes answers `history` without SQLAlchemy (issue 14): output, errors and exit
    status are the normal way's, byte for byte, whatever the filters; with a first version stored
    (a source, a document, no change yet) too."""
    cli("db", "upgrade")
    if first_version:
        page = tmp_path / "page.txt"
        page.write_text((STORY / "1-2024-05-30-morning.txt").read_text())
        cli("ingest", str(page), "--source", "desk", "--no-alerts")
    elif "desk" in args:
        code = 2  # no such source yet
    quick = cli("history", *args, code=code)
    _slow_history(monkeypatch)
    slow = cli("history", *args, code=code)
    assert (quick.stdout, quick.stderr) == (slow.stdout, slow.stderr)


def test_history_on_an_empty_store_imports_no_orm(tmp_path: Path) -> None:
    """The point of the quick way (issue 14's start-up goal): neither SQLAlchemy nor SQLModel is
    imported, nor rich for the one-line answer; the first call (which creates the store) still is."""
    import os
    import subprocess
    import sys

    (tmp_path / "claimwatch.toml").write_text(f'[store]\nurl = "sqlite:///{tmp_path / "empty.db"}"\n')
    probe = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'loaded: ' + ' '.join(m for m in ('sqlalchemy', 'sqlmodel', 'rich') if m in sys.modules)))\n"
        "sys.argv = ['claimwatch', 'history']\n"
        "runpy.run_module('monitor', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_") and k != "COLUMNS"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
        )
        for _ in range(2)
    ]
    assert [r.stdout for r in runs] == ["No changes match.\n"] * 2, [r.stderr for r in runs]
    assert "sqlalchemy" in runs[0].stderr  # created and migrated the normal way
    assert runs[1].stderr.endswith("loaded: "), runs[1].stderr
