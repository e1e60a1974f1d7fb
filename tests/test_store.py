"""The store on real SQLite files and real PostgreSQL: engine settings, migrations, sessions, queries."""

from __future__ import annotations

import re
import threading
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from monitor.errors import InputError, StoreError
from monitor.model import Change, ChangeKind, ChangeSide
from monitor.store import Store, normalize_url, open_store
from monitor.store import queries as q
from monitor.store.migrate import HEAD_REVISION, at_head, head_revision
from monitor.store.tables import ALL_TABLES, ChangeRow, ObservationRow, PositionRow, SourceRow

T0 = datetime(2024, 5, 30, tzinfo=UTC)


def test_normalize_url() -> None:
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url(" sqlite:///x.db ") == "sqlite:///x.db"


def test_open_creates_every_table_at_head(store: Store) -> None:
    info = store.info()
    assert info.revision == head_revision() == info.head
    with store.engine.connect() as conn:
        names = set(store.engine.dialect.get_table_names(conn))
    assert {t.__tablename__ for t in ALL_TABLES} <= names


def test_head_revision_constant_is_alembics_head(store: Store) -> None:
    # open_store's fast path compares the database's stamp with this constant instead of importing
    # alembic: it must name the newest migration shipped.
    assert head_revision() == HEAD_REVISION
    assert at_head(store.engine)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    assert not at_head(store.engine)


def test_quick_look_answers_only_when_certain(tmp_path: Path) -> None:
    """monitor.quickstore (history on an empty store without SQLAlchemy) says "no changes" only for an
    existing SQLite file at head, in WAL mode, with the source asked for, and never creates a file."""
    from monitor.quickstore import has_no_changes, sqlite_file

    path = tmp_path / "db" / "claimwatch.db"
    url = f"sqlite:///{path}"
    assert has_no_changes(url) is None and not path.parent.exists()  # the normal way creates it
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None
    store = open_store(url)
    try:
        assert has_no_changes(url) is True
        assert has_no_changes(f"{url}?timeout=5") is None  # a query: SQLAlchemy's to read
        assert has_no_changes(url, source="desk") is None  # the normal way reports no such source
        with store.session() as session:
            session.add(SourceRow(name="desk", type="page", location="https://example.org/desk"))
        assert has_no_changes(url, source="desk") is True
        with store.session() as session:
            session.add(ChangeRow(kind="claim_added", topic="new topic", payload={}))
        assert has_no_changes(url) is False and has_no_changes(url, source="desk") is False
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        assert has_no_changes(url) is None  # the normal way migrates (or refuses)
    finally:
        store.close()
    other = tmp_path / "rollback.db"
    other.write_bytes(b"")  # a file, not in WAL mode: the normal way switches it
    assert has_no_changes(f"sqlite:///{other}") is None
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert has_no_changes(f"sqlite:///{tmp_path / 'junk.db'}") is None


def test_migrations_match_table_classes(store: Store) -> None:
    with store.engine.connect() as conn, warnings.catch_warnings():
        # Neither backend reflects the expression index on lower(actor); it is checked below instead.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_changes_actor_observed'"
        else:
            sql = (
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_changes_actor_observed'"
                " AND schemaname = current_schema()"
            )
        assert re.search(r"lower\(\(?actor", conn.exec_driver_sql(sql).scalar_one())


def test_reopen_is_a_no_op_and_keeps_data(db_url: str) -> None:
    first = open_store(db_url)
    with first.session() as session:
        session.add(SourceRow(name="s", type="file", location="/x", tags=["a"]))
    first.close()
    again = open_store(db_url)
    with again.session(write=False) as session:
        assert [s.name for s in session.exec(select(SourceRow)).all()] == ["s"]
    assert again.upgrade() == head_revision()
    again.close()


def test_sqlite_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "claimwatch.db"
    store = open_store(f"sqlite:///{path}")
    assert path.is_file()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()


def test_foreign_keys_are_enforced(store: Store) -> None:
    from sqlalchemy.exc import IntegrityError

    from monitor.store.tables import DocumentRow

    with pytest.raises(IntegrityError), store.session() as session:
        session.add(DocumentRow(source_id=424242, url="https://example.org/"))


def test_session_commits_or_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as session:
        session.add(SourceRow(name="gone", type="file", location="/x", tags=[]))
        session.flush()
        raise RuntimeError("boom")
    with store.session() as session:
        session.add(SourceRow(name="kept", type="file", location="/x", tags=[]))
    with store.session(write=False) as session:
        assert [s.name for s in session.exec(select(SourceRow)).all()] == ["kept"]


def test_unknown_newer_revision_is_refused(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    store.close()
    with pytest.raises(StoreError, match=r"9999_from_the_future.*does not know"):
        open_store(db_url)


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://x@y/z")


def test_concurrent_first_starts_all_succeed(db_url: str) -> None:
    errors: list[BaseException] = []
    stores: list[Store] = []

    def start() -> None:
        try:
            stores.append(open_store(db_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {s.info().revision for s in stores} == {head_revision()}
    for s in stores:
        s.close()


def test_concurrent_read_then_write_transactions_do_not_fail(db_url: str) -> None:
    """Each writer reads a counter and writes it back + 1: none fails, none loses an update."""
    stores = [open_store(db_url) for _ in range(4)]
    with stores[0].session() as session:
        session.add(SourceRow(name="counter", type="file", location="/x", tags=[], consecutive_failures=0))
    errors: list[BaseException] = []

    def bump(store: Store) -> None:
        try:
            for _ in range(10):
                with store.session() as session:
                    query = select(SourceRow).where(SourceRow.name == "counter")
                    if store.dialect == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises
                        query = query.with_for_update()
                    row = session.exec(query).one()
                    row.consecutive_failures += 1
                    session.add(row)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with stores[0].session(write=False) as session:
        assert session.exec(select(SourceRow.consecutive_failures)).one() == 40
    for s in stores:
        s.close()


# --- queries ----------------------------------------------------------------------------------------


def _change(kind: ChangeKind, actor: str | None, topic: str, source: str, before: str, after: str) -> Change:
    return Change(
        kind=kind,
        actor=actor,
        topic=topic,
        proposition=f"proposition about {topic}",
        before=ChangeSide(text=f"{actor} {before}", stance=before, source=source),  # type: ignore[arg-type]
        after=ChangeSide(text=f"{actor} {after}", stance=after, source=source, qualifiers=("q",)),  # type: ignore[arg-type]
    )


def _fill(store: Store) -> dict[str, int]:
    """Three sources, eight changes an hour apart (newest last)."""
    k = ChangeKind
    us, strike = "United States", "strike inside russia"
    rows = [
        ("wire", _change(k.STANCE_SHIFT, us, strike, "wire", "oppose", "support")),
        ("wire", _change(k.NUMBER_CHANGED, None, "killed", "wire", "12", "25")),
        ("paper", _change(k.STANCE_SHIFT, "Germany", strike, "paper", "oppose", "support")),
        ("paper", _change(k.CLAIM_ADDED, "Germany", "send tanks", "paper", "oppose", "oppose")),
        ("tv", _change(k.STANCE_SHIFT, "France", "send troops", "tv", "undecided", "support")),
        ("tv", _change(k.QUALIFIER_CHANGED, us, strike, "tv", "support", "support")),
        ("wire", _change(k.STANCE_SHIFT, "China", "peace_talks", "wire", "support", "oppose")),
        ("paper", _change(k.CLAIM_REWORDED, us, "100% tariffs", "paper", "oppose", "oppose")),
    ]
    ids: dict[str, int] = {}
    with store.session() as session:
        for name in ("wire", "paper", "tv"):
            source = SourceRow(name=name, type="page", location=f"https://{name}.example/", tags=[])
            session.add(source)
            session.flush()
            assert source.id is not None
            ids[name] = source.id
        for i, (name, change) in enumerate(rows):
            session.add(
                ChangeRow(
                    kind=str(change.kind),
                    actor=change.actor,
                    topic=change.topic,
                    proposition=change.proposition,
                    headline=change.headline,
                    observed_at=T0 + timedelta(hours=i),
                    source_id=ids[name],
                    payload=change.to_dict(),
                )
            )
    return ids


def _topics(rows: list[ChangeRow]) -> list[tuple[str | None, str | None]]:
    return [(r.actor, r.topic) for r in rows]


def test_history_filters_and_order(store: Store) -> None:
    _fill(store)
    with store.session(write=False) as s:
        everything = q.history(s)
        assert len(everything) == 8
        times = [r.observed_at for r in everything]
        assert times == sorted(times, reverse=True)
        assert len(q.history(s, limit=3)) == 3
        shifts = q.history(s, kinds=["stance_shift"])
        assert _topics(shifts) == [
            ("China", "peace_talks"),
            ("France", "send troops"),
            ("Germany", "strike inside russia"),
            ("United States", "strike inside russia"),
        ]
        assert len(q.history(s, kinds=["stance_shift", "number_changed"])) == 5
        # Actor names as written match case-insensitively when the gazetteer does not know them.
        assert [r.kind for r in q.history(s, actor="GERMANY", gazetteer=_NoGazetteer())] == [
            "claim_added",
            "stance_shift",
        ]
        # Topic: substring, case-insensitive; "%" and "_" are literal; regex when it looks like one.
        assert len(q.history(s, topic="Strike")) == 3
        assert _topics(q.history(s, topic="100%")) == [("United States", "100% tariffs")]
        assert _topics(q.history(s, topic="peace_")) == [("China", "peace_talks")]
        # Python regex syntax on every backend (PostgreSQL's own ~* reads \b as a backspace)
        assert _topics(q.history(s, topic=r"\btanks\b")) == _topics(q.history(s, topic="tanks"))
        assert len(q.history(s, topic="(?P<what>strike)")) == 3
        assert _topics(q.history(s, topic="^send (troops|tanks)$")) == [
            ("France", "send troops"),
            ("Germany", "send tanks"),
        ]
        with pytest.raises(InputError, match="regular expression"):
            q.history(s, topic="strike(")
        assert {r.topic for r in q.history(s, source="tv")} == {"send troops", "strike inside russia"}
        with pytest.raises(InputError, match="no source named"):
            q.history(s, source="nope")
        window = q.history(s, since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4))
        assert [r.kind for r in window] == ["claim_added", "stance_shift"]
        combined = q.history(s, kinds=["stance_shift"], topic="strike", since=T0 + timedelta(minutes=30))
        assert _topics(combined) == [("Germany", "strike inside russia")]
        with pytest.raises(ValueError):
            q.history(s, kinds=["not_a_kind"])


class _NoGazetteer:
    def resolve(self, name: str) -> str | None:
        return None


def test_history_actor_alias_uses_the_gazetteer(store: Store) -> None:
    claims = pytest.importorskip("monitor.claims", reason="the claim engine has not landed")
    if not hasattr(claims, "load_gazetteer"):
        pytest.skip("the claim engine has not landed")
    _fill(store)
    with store.session(write=False) as s:
        via_alias = q.history(s, actor="Washington")
        assert {r.actor for r in via_alias} == {"United States"}
        assert len(via_alias) == 3


def test_change_records_carry_id_times_and_sources(store: Store) -> None:
    _fill(store)
    with store.session(write=False) as s:
        rows = q.history(s, kinds=["stance_shift"], limit=1)
        (record,) = q.change_records(s, rows)
        assert record["id"] == rows[0].id
        assert record["kind"] == "stance_shift"
        assert record["actor"] == "China"
        assert record["before"]["stance"] == "support" and record["after"]["stance"] == "oppose"
        assert record["observed_at"] == (T0 + timedelta(hours=6)).isoformat()
        assert record["detected_at"]
        assert record["source"] == "wire" and record["sources"] == ["wire"]
        assert Change.from_dict({k: v for k, v in record.items()}).kind is ChangeKind.STANCE_SHIFT
        assert q.get_change(s, rows[0].id or 0) is not None
        assert q.get_change(s, 10**9) is None


def test_positions_and_timeline_queries(store: Store) -> None:
    ids = _fill(store)
    with store.session() as s:
        at = {"since": T0, "last_observed_at": T0}
        pos = PositionRow(actor="Germany", topic="strike inside russia", stance="support", **at)
        other = PositionRow(actor="France", topic="send troops", stance="undecided", **at)
        s.add_all([pos, other])
        s.flush()
        for hours, stance in ((0, "oppose"), (5, "support")):
            s.add(
                ObservationRow(
                    actor="Germany",
                    topic="strike russian territory",
                    stance=stance,
                    text=f"Germany {stance}s it.",
                    observed_at=T0 + timedelta(hours=hours),
                    source_id=ids["paper"],
                    position_id=pos.id,
                )
            )
    with store.session(write=False) as s:
        assert [p.actor for p in q.positions(s)] == ["France", "Germany"]
        germany = q.positions(s, actor="germany", gazetteer=_NoGazetteer())
        assert [p.topic for p in germany] == ["strike inside russia"]
        assert [p.actor for p in q.positions(s, topic="troops")] == ["France"]
        entries = q.timeline(s, actor="Germany", gazetteer=_NoGazetteer())
        assert [(e.observation.stance, e.source) for e in entries] == [
            ("oppose", "paper"),
            ("support", "paper"),
        ]
        record = entries[-1].record()
        assert record["topic"] == "strike inside russia" and record["stance"] == "support"
        assert q.timeline(s, actor="Nobody", gazetteer=_NoGazetteer()) == []
        assert [r.name for r in q.source_status(s)] == ["paper", "tv", "wire"]


def test_upgrade_from_0001_backfills_topics_and_the_trigger_keeps_them(db_url: str) -> None:
    from alembic import command

    from monitor.store import create_store_engine
    from monitor.store.migrate import alembic_config
    from monitor.store.tables import TopicRow

    engine = create_store_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO changes (kind, topic, confidence, headline, origin, payload) "
                "VALUES ('claim_added', 'old topic', 1, '', 'version', '{}')"
            )
        )
    engine.dispose()
    store = open_store(db_url)
    assert store.info().revision == head_revision() != "0001"
    with store.session() as session:
        session.add(ChangeRow(kind="claim_added", topic="new topic", payload={}))
        session.add(ChangeRow(kind="claim_added", topic="old topic", payload={}))
        session.add(ChangeRow(kind="number_changed", topic=None, payload={}))
    with store.session(write=False) as session:
        assert sorted(session.exec(select(TopicRow.topic)).all()) == ["new topic", "old topic"]
        assert [r.topic for r in q.history(session, topic="old")] == ["old topic", "old topic"]
    store.close()


def test_history_topic_matching_many_topics(store: Store) -> None:
    """More topics match than are read one by one: the same answer, through the other plan."""
    with store.session() as session:
        for i in range(q.PER_TOPIC_MAX + 8):
            at = T0 + timedelta(minutes=i)
            session.add(ChangeRow(kind="claim_added", topic=f"bulk topic {i}", observed_at=at, payload={}))
        session.add(
            ChangeRow(kind="claim_added", topic="other", observed_at=T0 + timedelta(days=1), payload={})
        )
    with store.session(write=False) as session:
        rows = q.history(session, topic="bulk", limit=5)
        assert [r.topic for r in rows] == [f"bulk topic {i}" for i in range(39, 34, -1)]
        few = q.history(session, topic="bulk topic 3[0-9]", limit=3)
        assert [r.topic for r in few] == ["bulk topic 39", "bulk topic 38", "bulk topic 37"]
