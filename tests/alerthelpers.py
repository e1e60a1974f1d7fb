"""Helpers for the alert tests: store a change the way the pipeline does (change row and its alerts in
one transaction), observations for corroboration, and a config pointing at the local servers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from monitor.alerts.outbox import enqueue_alerts
from monitor.model import Change, ChangeKind, ChangeSide
from monitor.rules import RuleSet
from monitor.store.tables import AlertRow, ChangeRow, DocumentRow, ObservationRow, SourceRow

T0 = datetime(2024, 5, 31, 9, 0, tzinfo=UTC)


def shift(
    actor: str = "United States",
    topic: str = "ukraine strike inside russia with western weapons",
    before: str = "oppose",
    after: str = "support",
    text: str | None = None,
) -> Change:
    return Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor=actor,
        topic=topic,
        proposition="let Ukraine strike inside Russia with Western weapons",
        before=ChangeSide(
            text=f"{actor} said it still opposed Ukraine striking inside Russia.", stance=before
        ),  # type: ignore[arg-type]
        after=ChangeSide(
            text=text or f"{actor} gave Ukraine the go-ahead to strike inside Russia to defend Kharkiv.",
            stance=after,  # type: ignore[arg-type]
            qualifiers=("for the limited purpose of defending Kharkiv",),
        ),
        confidence=0.9,
    )


def source(session: Session, name: str, tags: tuple[str, ...] = ()) -> SourceRow:
    row = session.exec(select(SourceRow).where(SourceRow.name == name)).first()
    if row is None:
        row = SourceRow(name=name, type="page", location=f"https://{name}.example/", tags=list(tags))
        session.add(row)
        session.flush()
    return row


def add_change(
    session: Session,
    ruleset: RuleSet | None,
    change: Change,
    *,
    source_name: str = "wire",
    tags: tuple[str, ...] = (),
    now: datetime | None = None,
) -> tuple[ChangeRow, list[AlertRow]]:
    """A change row (and, given rules, its alerts) in the caller's transaction, as the pipeline writes it."""
    src = source(session, source_name, tags)
    doc = session.exec(select(DocumentRow).where(DocumentRow.source_id == src.id)).first()
    if doc is None:
        doc = DocumentRow(source_id=src.id, url=f"https://{source_name}.example/story")  # type: ignore[arg-type]
        session.add(doc)
        session.flush()
    row = ChangeRow(
        kind=str(change.kind),
        actor=change.actor,
        topic=change.topic,
        proposition=change.proposition,
        confidence=change.confidence,
        headline=change.headline,
        origin="version",
        detected_at=now or T0,
        observed_at=now or T0,
        source_id=src.id,
        document_id=doc.id,
        payload=change.to_dict(),
    )
    session.add(row)
    session.flush()
    alerts = enqueue_alerts(session, ruleset, row, now=now or T0) if ruleset is not None else []
    return row, alerts


def add_observation(
    session: Session, actor: str, topic: str, stance: str, source_name: str, when: datetime
) -> None:
    src = source(session, source_name)
    session.add(
        ObservationRow(
            actor=actor,
            topic=topic,
            stance=stance,
            text=f"{actor} {stance}",
            observed_at=when,
            source_id=src.id,
        )
    )
    session.flush()


def alerts(session: Session) -> list[AlertRow]:
    return list(session.exec(select(AlertRow).order_by(AlertRow.id)).all())


def write_config(
    tmp_path: Path,
    db_url: str,
    *,
    slack_url: str | None = None,
    smtp_port: int | None = None,
    rules: str | Path | None = None,
    alerts: dict[str, Any] | None = None,
) -> Path:
    """A claimwatch.toml pointing at the local Slack and SMTP servers."""
    lines = [f'rules = "{rules}"' if rules else 'rules = "rules"', "", "[store]", f'url = "{db_url}"', ""]
    settings = {"backoff": "0.2s", "max_backoff": "1s", "max_attempts": 30, **(alerts or {})}
    lines.append("[alerts]")
    for key, value in settings.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    lines.append("")
    if slack_url:
        lines += [
            "[channels.desk-slack]",
            'type = "slack"',
            'channel = "#desk-alerts"',
            f'api_url = "{slack_url}"',
            "",
        ]
    if smtp_port:
        lines += [
            "[channels.desk-email]",
            'type = "email"',
            'to = ["desk@example.org"]',
            'from = "claimwatch@example.org"',
            'host = "127.0.0.1"',
            f"port = {smtp_port}",
            'security = "none"',
            "timeout = 3",
            "",
        ]
    lines += ["[channels.console]", 'type = "console"', ""]
    path = tmp_path / "claimwatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
