"""record_document on both backends with the real claim engine and differ: versions, failures, changes,
ledger, the on_change hook and the one-transaction guarantee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from monitor.config import SAMPLES_DIR
from monitor.model import Change
from monitor.pipeline import record_document
from monitor.store import Store
from monitor.store.tables import (
    ChangeRow,
    ClaimRow,
    DocumentRow,
    ObservationRow,
    PositionRow,
    SourceRow,
    ThreadRow,
    VersionRow,
)

STORY = SAMPLES_DIR / "strike-policy"
V1, V2, V3 = (STORY / n for n in ("1-2024-05-30-morning.txt", "2-2024-05-30-evening.txt", "3-2024-05-31.txt"))
URL = "https://news.example/strike-policy"
MAY30 = datetime(2024, 5, 30, 8, tzinfo=UTC)


def count(store: Store, table: type) -> int:
    with store.session(write=False) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def record(store: Store, path: Path, at: datetime, **kw: object) -> object:
    return record_document(store, source="desk", url=URL, text=path.read_text(), fetched_at=at, **kw)  # type: ignore[arg-type]


def test_first_version_stores_claims_and_observations_but_no_changes(store: Store) -> None:
    outcome = record(store, V1, MAY30, published_at=MAY30 - timedelta(hours=2), title="Strike policy")
    assert outcome.status == "new" and outcome.version_id and outcome.changes == ()
    with store.session(write=False) as session:
        version = session.get(VersionRow, outcome.version_id)
        assert version is not None and version.observed_at == MAY30 - timedelta(hours=2)
        assert version.text == V1.read_text().strip()
        source = session.exec(select(SourceRow)).one()
        assert (source.name, source.type, source.location) == ("desk", "page", URL)
        document = session.exec(select(DocumentRow)).one()
        assert document.title == "Strike policy" and document.last_error is None
        actors = set(session.exec(select(ObservationRow.actor)).all())
    assert count(store, ClaimRow) > 0 and count(store, ChangeRow) == 0
    assert {"United States", "Germany"} <= actors


def test_same_text_makes_no_version(store: Store) -> None:
    first = record(store, V1, MAY30)
    reflowed = V1.read_text().replace("\n", "  \r\n") + "\n\n"
    again = record_document(
        store, source="desk", url=URL, text=reflowed, fetched_at=MAY30 + timedelta(hours=1)
    )
    assert again.status == "unchanged" and again.version_id == first.version_id
    assert count(store, VersionRow) == 1


def test_extraction_that_loses_most_text_is_a_failure(store: Store) -> None:
    record(store, V1, MAY30)
    stub = "Subscribe to read this article."
    failed = record_document(store, source="desk", url=URL, text=stub, fetched_at=MAY30 + timedelta(hours=1))
    assert failed.status == "failed" and failed.version_id is None
    assert failed.error and "extraction failed" in failed.error
    empty = record_document(
        store, source="desk", url=URL, text="  \n ", fetched_at=MAY30 + timedelta(hours=2)
    )
    assert empty.status == "failed"
    with store.session(write=False) as session:
        document = session.exec(select(DocumentRow)).one()
        assert document.consecutive_failures == 2 and "no text" in (document.last_error or "")
    assert count(store, VersionRow) == 1 and count(store, ChangeRow) == 0  # no claim_removed flood
    # A full text again: stored, and the document's error is cleared.
    assert record(store, V3, MAY30 + timedelta(hours=3)).status == "changed"
    with store.session(write=False) as session:
        document = session.exec(select(DocumentRow)).one()
        assert document.consecutive_failures == 0 and document.last_error is None


def test_ratio_comes_from_the_caller(store: Store) -> None:
    record(store, V1, MAY30)
    half = V1.read_text()[: len(V1.read_text()) // 2]
    assert record_document(store, source="desk", url=URL, text=half, min_text_ratio=0.6).status == "failed"
    assert record_document(store, source="desk", url=URL, text=half, min_text_ratio=0.3).status == "changed"


def test_story_versions_give_one_shift_per_actor_with_provenance(store: Store) -> None:
    record(store, V1, MAY30)
    noise = record(store, V2, MAY30 + timedelta(hours=10))
    assert noise.status == "changed"
    assert not [c for c in noise.changes if c.kind == "stance_shift"]  # reworded and reordered only
    final = record(store, V3, MAY30 + timedelta(days=1))
    shifts = {c.actor: c for c in final.changes if c.kind == "stance_shift"}
    us = shifts["United States"]
    assert us.before and us.after
    assert (us.before.stance, us.after.stance) == ("oppose", "support")
    assert any("Kharkiv" in q for q in us.after.qualifiers)
    assert us.before.source == us.after.source == "desk" and us.after.url == URL
    assert us.after.observed_at == (MAY30 + timedelta(days=1)).isoformat()
    assert us.before.observed_at == (MAY30 + timedelta(hours=10)).isoformat()
    with store.session(write=False) as session:
        rows = session.exec(select(ChangeRow).where(ChangeRow.kind == "stance_shift")).all()
        # The version differ reported the shifts; the ledger did not report them again.
        assert {r.origin for r in rows} == {"version"}
        assert sorted(r.actor or "" for r in rows) == sorted(shifts)
        row = next(r for r in rows if r.actor == "United States")
        assert row.old_version_id and row.new_version_id == final.version_id
        assert Change.from_dict(row.payload).after == us.after
        position = session.exec(
            select(PositionRow).where(
                PositionRow.actor == "United States", PositionRow.last_change_id == row.id
            )
        ).one()
        assert position.stance == "support"


def test_observed_time_of_later_versions(store: Store) -> None:
    published = MAY30 - timedelta(hours=2)
    record(store, V1, MAY30, published_at=published)
    # The page still carries its first publication date: the new text is as of its fetch.
    second = record(store, V2, MAY30 + timedelta(hours=5), published_at=published)
    # An explicit newer date stamp on the page wins over the fetch time.
    third = record(store, V3, MAY30 + timedelta(days=2), published_at=MAY30 + timedelta(days=1))
    with store.session(write=False) as session:
        assert session.get(VersionRow, second.version_id).observed_at == MAY30 + timedelta(hours=5)  # type: ignore[union-attr]
        assert session.get(VersionRow, third.version_id).observed_at == MAY30 + timedelta(days=1)  # type: ignore[union-attr]


def test_on_change_sees_every_stored_change_inside_the_transaction(store: Store) -> None:
    seen: list[int] = []

    def on_change(session: Session, row: ChangeRow) -> None:
        assert row.id is not None and session.get(ChangeRow, row.id) is row
        seen.append(row.id)
        session.add(ThreadRow(channel="test", thread_key=f"change-{row.id}", ref="x"))

    record(store, V1, MAY30, on_change=on_change)
    outcome = record(store, V3, MAY30 + timedelta(days=1), on_change=on_change)
    assert seen == list(outcome.change_ids) and seen
    assert count(store, ThreadRow) == len(seen) == count(store, ChangeRow)


def test_a_failing_hook_leaves_nothing_half_written(store: Store) -> None:
    record(store, V1, MAY30)
    before = {t: count(store, t) for t in (VersionRow, ClaimRow, ChangeRow, ObservationRow)}

    def broken(session: Session, row: ChangeRow) -> None:
        raise RuntimeError("outbox down")

    with pytest.raises(RuntimeError, match="outbox down"):
        record(store, V3, MAY30 + timedelta(days=1), on_change=broken)
    assert {t: count(store, t) for t in before} == before
    # The next pass records it all.
    assert record(store, V3, MAY30 + timedelta(days=1)).status == "changed"


def test_cross_outlet_shift_from_the_ledger(store: Store, seeds: Path) -> None:
    (s001,) = seeds.glob("001_*.txt")
    (s004,) = seeds.glob("004_*.txt")
    day = datetime(2024, 5, 30, tzinfo=UTC)
    record_document(store, source="wire", url=s001.as_uri(), text=s001.read_text(), published_at=day)
    outcome = record_document(
        store,
        source="independent",
        url=s004.as_uri(),
        text=s004.read_text(),
        published_at=day + timedelta(days=1),
    )
    shifts = {c.actor: c for c in outcome.changes if c.kind == "stance_shift"}
    us = shifts["United States"]
    assert us.before and us.after and (us.before.stance, us.after.stance) == ("oppose", "support")
    assert us.before.source == "wire" and us.after.source == "independent"
    assert any("Kharkiv" in q for q in us.after.qualifiers)
    assert us.extra.get("origin") == "ledger" and us.word_diff


def test_two_writers_of_one_document_store_one_version(store: Store) -> None:
    """Two workers (or `ingest` beside the daemon) recording the same new text at once: the document row
    lock makes the second see the first's version, so nothing is stored or reported twice."""
    import threading

    record(store, V1, MAY30)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(record(store, V3, MAY30 + timedelta(days=1)).status)  # type: ignore[attr-defined]
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["changed", "unchanged"]
    assert count(store, VersionRow) == 2
    with store.session(write=False) as session:
        shifts = session.exec(select(ChangeRow).where(ChangeRow.kind == "stance_shift")).all()
    assert sorted(c.actor for c in shifts) == ["Germany", "United States"]
