"""Shared fixtures.

Database: `db_url` / `store` run a test once on a fresh SQLite file and once on PostgreSQL (from
$CLAIMWATCH_TEST_DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/test; skipped when unset).
Each PostgreSQL test gets its own schema (through `search_path` in the URL), dropped afterwards, so
parallel runs and other suites on the same database never collide.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.store import Store, normalize_url, open_store

SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_ENV = "CLAIMWATCH_TEST_DATABASE_URL"
# .ci/run sets it for its second run, against the mypyc-compiled build: a run that quietly imported
# the sources instead would test nothing new
EXPECT_COMPILED_ENV = "CLAIMWATCH_EXPECT_COMPILED"


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get(EXPECT_COMPILED_ENV) == "1":
        from monitor.claims import engine_build, extract

        if engine_build() != "compiled":
            raise pytest.UsageError(
                f"{EXPECT_COMPILED_ENV}=1 but the claim engine was imported from {extract.__file__}"
            )


def pytest_report_header(config: pytest.Config) -> str:
    from monitor.claims import engine_build

    return f"claim engine: {engine_build()}"


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set")
    return normalize_url(url)


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose connections see only a fresh, empty schema."""
    schema = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL with nothing in it yet, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'claimwatch.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store on each backend."""
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def seeds() -> Path:
    """The five seed articles in ../shared/seeds (skipped when ../shared is not beside the repo)."""
    folder = SHARED / "seeds"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return folder


# --- alerts: a real HTTP server speaking Slack's Web API, a real SMTP server (tests/slackserver.py) ---


@pytest.fixture
def slack_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A Slack Web API server on 127.0.0.1 (ephemeral port); SLACK_BOT_TOKEN is set to its token."""
    from slackserver import TOKEN, SlackServer

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    server = SlackServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Commands run in-process set up the daemon's logging (cli/daemon.setup_logging): a stderr handler
    on the root logger, bound to the stream the test captured. Taken off again after the test, or a
    later test's server thread (aiosmtpd logs every connection) writes to that closed stream."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def smtp_server() -> Iterator[object]:
    """aiosmtpd on 127.0.0.1 keeping every message it receives."""
    from slackserver import SmtpServer

    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


# --- sources and fetching: a real HTTP server on 127.0.0.1 (tests/httpserver.py) ---


@pytest.fixture
def http_server() -> Iterator[object]:
    """A threaded HTTP/1.1 server on 127.0.0.1 with routes set by the test (see tests/httpserver.py)."""
    from httpserver import TestServer

    server = TestServer().start()
    try:
        yield server
    finally:
        server.stop()
