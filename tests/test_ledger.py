"""The position ledger on both backends. Its input is claims, so these tests build `Claim` values as
the claim engine hands them over and check what the ledger files, moves and reports."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from monitor.ledger import Provenance, change_row, match_topic, observe, topic_similarity
from monitor.model import Change, ChangeKind, ChangeSide, Claim
from monitor.store import Store, open_store
from monitor.store.tables import ChangeRow, DocumentRow, ObservationRow, PositionRow, SourceRow, VersionRow

MAY30 = datetime(2024, 5, 30, 9, tzinfo=UTC)
MAY31 = datetime(2024, 5, 31, 9, tzinfo=UTC)
US_TOPIC = "strike inside Russia with US weapons"


def claim(actor: str | None, stance: str | None, topic: str = US_TOPIC, **kw: object) -> Claim:
    text = str(kw.pop("text", f"{actor} {stance}s letting Ukraine {topic}."))
    return Claim(
        text=text,
        start=0,
        end=len(text),
        index=int(kw.pop("index", 0)),
        actor=actor,  # type: ignore[arg-type]
        stance=stance,
        topic=topic,
        proposition=f"Ukraine may {topic}",
        **kw,
    )  # type: ignore[arg-type]


_serial = itertools.count()


def where(session: Session, source: str, at: datetime, url: str | None = None) -> Provenance:
    row = session.exec(select(SourceRow).where(SourceRow.name == source)).first()
    if row is None:
        row = SourceRow(name=source, type="page", location=f"https://{source}.example/", tags=[])
        session.add(row)
        session.flush()
    document = DocumentRow(source_id=row.id or 0, url=url or f"https://{source}.example/{next(_serial)}")
    session.add(document)
    session.flush()
    version = VersionRow(
        document_id=document.id or 0, raw_hash="r", text_hash=f"t{at}", text="...", observed_at=at
    )
    session.add(version)
    session.flush()
    return Provenance(source=row, document=document, version=version, observed_at=at)


def file(store: Store, source: str, at: datetime, claims: list[Claim], **kw: object) -> list[ChangeRow]:
    with store.session() as session:
        return observe(session, claims, where(session, source, at), **kw)  # type: ignore[arg-type]


def position(store: Store, actor: str) -> PositionRow:
    with store.session(write=False) as session:
        return session.exec(select(PositionRow).where(PositionRow.actor == actor)).one()


def test_first_observation_establishes_without_a_change(store: Store) -> None:
    assert file(store, "wire", MAY30, [claim("United States", "oppose")]) == []
    pos = position(store, "United States")
    assert (pos.stance, pos.topic, pos.since, pos.last_change_id) == ("oppose", US_TOPIC, MAY30, None)


def test_cross_outlet_shift_is_recorded_with_both_sides(store: Store) -> None:
    file(store, "wire", MAY30, [claim("United States", "oppose", text="Washington opposes it.")])
    kharkiv = ("limited purpose of defending Kharkiv",)
    rows = file(
        store,
        "paper",
        MAY31,
        [
            claim(
                "United States",
                "support",
                qualifiers=kharkiv,
                cue="gave the go-ahead",
                text="Biden gave Ukraine the go-ahead.",
            )
        ],
    )
    (row,) = rows
    assert (row.kind, row.origin, row.actor, row.topic) == (
        "stance_shift",
        "ledger",
        "United States",
        US_TOPIC,
    )
    change = Change.from_dict(row.payload)
    assert change.before and change.after
    assert (change.before.stance, change.after.stance) == ("oppose", "support")
    assert change.before.source == "wire" and change.after.source == "paper"
    assert change.before.text == "Washington opposes it." and change.after.cue == "gave the go-ahead"
    assert change.after.qualifiers == kharkiv
    assert change.after.observed_at == MAY31.isoformat()
    assert change.before.url and change.after.url and change.before.url != change.after.url
    assert change.extra["origin"] == "ledger"
    assert "oppose -> support" in row.headline and "Kharkiv" in row.headline
    pos = position(store, "United States")
    assert (pos.stance, pos.since, pos.last_change_id, list(pos.qualifiers)) == (
        "support",
        MAY31,
        row.id,
        list(kharkiv),
    )
    with store.session(write=False) as session:
        moved = session.exec(select(ObservationRow).where(ObservationRow.change_id == row.id)).one()
        assert moved.stance == "support" and moved.position_id == pos.id


def test_same_stance_again_moves_nothing(store: Store) -> None:
    file(store, "wire", MAY30, [claim("Germany", "oppose")])
    assert file(store, "paper", MAY31, [claim("Germany", "oppose")]) == []
    pos = position(store, "Germany")
    assert (pos.stance, pos.since, pos.last_observed_at) == ("oppose", MAY30, MAY31)


def test_late_older_observation_never_flips_the_position_back(store: Store) -> None:
    file(store, "wire", MAY30, [claim("United States", "oppose")])
    file(store, "paper", MAY31, [claim("United States", "support")])
    # Copy from 30 May, ingested after the 31 May article: kept, but the position stays "support".
    assert file(store, "late", MAY30 + timedelta(hours=3), [claim("United States", "oppose")]) == []
    pos = position(store, "United States")
    assert (pos.stance, pos.since) == ("support", MAY31)
    with store.session(write=False) as session:
        stances = session.exec(select(ObservationRow.stance).order_by(ObservationRow.observed_at)).all()
    assert stances == ["oppose", "oppose", "support"]


def test_simultaneous_contrary_observation_does_not_move(store: Store) -> None:
    file(store, "wire", MAY30, [claim("France", "support")])
    assert file(store, "tv", MAY30, [claim("France", "undecided")]) == []
    assert position(store, "France").stance == "support"


def test_paraphrased_topics_share_one_position(store: Store) -> None:
    file(store, "wire", MAY30, [claim("United States", "oppose", topic=US_TOPIC)])
    rows = file(
        store,
        "paper",
        MAY31,
        [claim("United States", "support", topic="strike Russian territory with Western weapons")],
    )
    assert len(rows) == 1 and rows[0].topic == US_TOPIC
    # A different question of the same actor is its own position.
    file(store, "paper", MAY31, [claim("United States", "oppose", topic="send troops to Ukraine")])
    with store.session(write=False) as session:
        topics = sorted(session.exec(select(PositionRow.topic)).all())
    assert topics == ["send troops to Ukraine", US_TOPIC]


def test_topic_matching_threshold() -> None:
    assert (
        topic_similarity(
            "strike inside Russia with US weapons", "strike Russian territory with Western weapons"
        )
        >= 85
    )
    assert topic_similarity("send tanks to Ukraine", "send fighter jets to Ukraine") < 85
    assert topic_similarity("ceasefire in Gaza", "ceasefire in Ukraine") < 85
    a = PositionRow(
        actor="x", topic="ceasefire in Gaza", stance="support", since=MAY30, last_observed_at=MAY30
    )
    b = PositionRow(
        actor="x", topic="strike_inside_russia", stance="support", since=MAY30, last_observed_at=MAY30
    )
    assert match_topic("strike inside russia", [a, b]) is b
    assert match_topic("ceasefire in Ukraine", [a, b]) is None


def test_background_unattributed_and_other_claims_are_not_observations(store: Store) -> None:
    claims = [
        claim("Germany", "oppose", background=True, text="Germany had long resisted."),
        claim(None, "support", text="Someone supports it."),
        claim("Germany", None, text="Germany spoke."),
        claim("Germany", "support", topic="", text="Germany supports."),
    ]
    assert file(store, "wire", MAY30, claims) == []
    with store.session(write=False) as session:
        assert session.exec(select(ObservationRow)).all() == []
        assert session.exec(select(PositionRow)).all() == []


def test_one_version_one_stance(store: Store) -> None:
    """Decided beats undecided; then summed confidence; the most confident claim is the evidence."""
    hint = claim("Germany", "undecided", index=2, confidence=0.95, text="A minister hinted it could change.")
    file(
        store,
        "wire",
        MAY30,
        [claim("Germany", "oppose", index=1, confidence=0.8, text="Germany opposes it."), hint],
    )
    assert position(store, "Germany").stance == "oppose"
    rows = file(
        store,
        "paper",
        MAY31,
        [
            claim("Germany", "oppose", index=0, confidence=0.5, text="Some say Germany still objects."),
            claim("Germany", "support", index=1, confidence=0.6, text="Germany now allows it."),
            claim("Germany", "support", index=3, confidence=0.9, text="Berlin gave its approval."),
            claim("Germany", "undecided", index=4, confidence=0.99, text="Germany is reviewing it."),
        ],
    )
    (row,) = rows
    assert row.payload["after"]["text"] == "Berlin gave its approval."
    assert row.payload["before"]["text"] == "Germany opposes it."
    with store.session(write=False) as session:
        assert len(session.exec(select(ObservationRow)).all()) == 6  # every stance claim is kept


def test_shift_already_reported_by_the_version_differ_is_not_repeated(store: Store) -> None:
    url = "https://wire.example/story"
    with store.session() as session:
        observe(session, [claim("United States", "oppose")], where(session, "wire", MAY30, url + "?v1"))
    with store.session() as session:
        here = where(session, "wire", MAY31, url)
        version_change = Change(
            kind=ChangeKind.STANCE_SHIFT,
            actor="United States",
            topic="strike inside russia",
            before=ChangeSide(text="opposes", stance="oppose"),
            after=ChangeSide(text="allows", stance="support"),
        )
        version_row = change_row(version_change, here, origin="version", old_version_id=None)
        session.add(version_row)
        session.flush()
        rows = observe(
            session,
            [claim("United States", "support")],
            here,
            version_changes=[(version_change, version_row)],
        )
        assert rows == []
        version_id = version_row.id
    pos = position(store, "United States")
    assert pos.stance == "support" and pos.last_change_id == version_id
    with store.session(write=False) as session:
        assert len(session.exec(select(ChangeRow)).all()) == 1


def test_a_different_from_stance_is_still_reported(store: Store) -> None:
    """The document said oppose -> support, but the ledger knew 'undecided' last: its own shift stands."""
    file(store, "wire", MAY30, [claim("France", "undecided")])
    with store.session() as session:
        here = where(session, "paper", MAY31)
        version_change = Change(
            kind=ChangeKind.STANCE_SHIFT,
            actor="France",
            topic=US_TOPIC,
            before=ChangeSide(text="no", stance="oppose"),
            after=ChangeSide(text="yes", stance="support"),
        )
        version_row = change_row(version_change, here, origin="version", old_version_id=None)
        session.add(version_row)
        session.flush()
        rows = observe(
            session, [claim("France", "support")], here, version_changes=[(version_change, version_row)]
        )
        (row,) = rows
        assert (row.payload["before"]["stance"], row.payload["after"]["stance"]) == ("undecided", "support")


def test_concurrent_writers_share_one_position(db_url: str) -> None:
    stores = [open_store(db_url) for _ in range(4)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(5):
                at = MAY30 + timedelta(minutes=10 * j + i)
                file(stores[i], f"outlet{i}", at, [claim("United Kingdom", "support" if j % 2 else "oppose")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with stores[0].session(write=False) as session:
        assert len(session.exec(select(PositionRow)).all()) == 1
        assert len(session.exec(select(ObservationRow)).all()) == 20
    for s in stores:
        s.close()
