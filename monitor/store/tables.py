"""The tables. One row type per thing the monitor keeps; alembic migrations create them.

Times are timezone-aware UTC. JSON columns hold small lists (tags, qualifiers) and the full change
payload (`Change.to_dict()`), so `history --format json` returns exactly what `diff` printed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from monitor.timeutil import ensure_utc, utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that stores UTC and always hands back aware UTC datetimes.

    SQLite keeps no offset: without this it would store an aware time's wall clock as given and return
    naive values, while PostgreSQL returns aware ones. Naive values written are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return ensure_utc(value) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return ensure_utc(value) if value is not None else None


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class SourceRow(SQLModel, table=True):
    """A configured source (page, feed or file), with its fetch state and health."""

    __tablename__ = "sources"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    type: str
    location: str
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    interval_seconds: int = 900
    # Conditional GET state for the source URL itself (a feed's XML, a page's HTML).
    etag: str | None = None
    last_modified: str | None = None
    last_checked_at: datetime | None = _when()
    last_success_at: datetime | None = _when()
    last_changed_at: datetime | None = _when()
    next_check_at: datetime | None = _when(index=True)
    last_status: str | None = None  # "200", "304", "error", "unchanged", ...
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    # Feed entries the last read of the feed did not track because they were older than
    # `articles.retire_after` (shown by `check` and `sources`; migration 0003_13).
    untracked_entries: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Work lease: which worker is checking this source, until when (expired leases are taken over).
    lease_owner: str | None = None
    lease_until: datetime | None = _when()


class DocumentRow(SQLModel, table=True):
    """One tracked article: the page of a page/file source, or an entry found through a feed."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    url: str
    title: str | None = None
    published_at: datetime | None = _when()
    discovered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    etag: str | None = None
    last_modified: str | None = None
    last_checked_at: datetime | None = _when()
    next_check_at: datetime | None = _when(index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    retired: bool = False


class VersionRow(SQLModel, table=True):
    """A distinct extracted text of a document. A fetch whose text did not change makes no row."""

    __tablename__ = "versions"
    __table_args__ = (Index("ix_versions_document_fetched", "document_id", "fetched_at"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id")
    fetched_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    published_at: datetime | None = _when()
    # When the text was current: the publication time of a first version (else its fetch time); for a
    # later version its fetch time unless the page declares a newer publication time. The ledger and
    # `history` order by this.
    observed_at: datetime | None = _when()
    raw_hash: str
    text_hash: str = Field(index=True)
    title: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))


class ClaimRow(SQLModel, table=True):
    """A claim extracted from a version (the `monitor.model.Claim` fields that queries need)."""

    __tablename__ = "claims"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="versions.id", index=True)
    idx: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int
    end: int
    actor: str | None = Field(default=None, index=True)
    actor_text: str | None = None
    stance: str | None = None
    cue: str | None = None
    proposition: str = ""
    topic: str = ""
    qualifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attribution: str | None = None
    background: bool = False
    numbers: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confidence: float = 1.0


class ChangeRow(SQLModel, table=True):
    """A detected change. `origin` is "version" (two versions of one document) or "ledger" (an actor's
    position moved across documents or outlets). `payload` is `Change.to_dict()`."""

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_detected", "detected_at"),
        Index("ix_changes_kind_detected", "kind", "detected_at"),
        Index("ix_changes_actor_topic", "actor", "topic"),
        # `history` filters and sorts on observed_at (newest first, id breaking ties).
        Index("ix_changes_observed", "observed_at", "id"),
        Index("ix_changes_kind_observed", "kind", "observed_at", "id"),
        Index("ix_changes_actor_observed", text("lower(actor)"), "observed_at", "id"),
        Index("ix_changes_source_observed", "source_id", "observed_at", "id"),
        Index("ix_changes_topic_observed", "topic", "observed_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    actor: str | None = None
    topic: str | None = None
    proposition: str | None = None
    confidence: float = 1.0
    headline: str = ""
    origin: str = "version"
    detected_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    observed_at: datetime | None = _when()  # publication time of the newer side, else fetch time
    source_id: int | None = Field(default=None, foreign_key="sources.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    old_version_id: int | None = Field(default=None, foreign_key="versions.id")
    new_version_id: int | None = Field(default=None, foreign_key="versions.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ObservationRow(SQLModel, table=True):
    """One actor's stance on one topic as one version states it: the position ledger's raw material."""

    __tablename__ = "observations"
    __table_args__ = (
        Index("ix_observations_actor_topic_time", "actor", "topic", "observed_at"),
        Index("ix_observations_position_time", "position_id", "observed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    actor: str
    topic: str
    stance: str
    proposition: str = ""
    qualifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cue: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    observed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    source_id: int | None = Field(default=None, foreign_key="sources.id")
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    version_id: int | None = Field(default=None, foreign_key="versions.id")
    # The ledger position (actor, topic) this observation was filed under: its own topic may be a
    # paraphrase of the position's. No foreign key: positions already point here (observation_id).
    position_id: int | None = None
    confidence: float = 1.0
    # The stance_shift this observation moved the position with (ledger or version change), if any.
    change_id: int | None = Field(default=None, foreign_key="changes.id")


class PositionRow(SQLModel, table=True):
    """The established stance of an actor on a topic (kept current by the ledger, for fast queries)."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("actor", "topic"),)
    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(index=True)
    topic: str
    stance: str
    proposition: str = ""
    qualifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_observed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_change_id: int | None = Field(default=None, foreign_key="changes.id")
    observation_id: int | None = Field(default=None, foreign_key="observations.id")


class AlertRow(SQLModel, table=True):
    """The outbox: one delivery of one change (or digest) by one rule to one channel.

    Written in the same transaction as the change. `key` (change, rule, channel) is unique, so no
    delivery can be queued twice; status moves pending -> sent, or pending -> dead after max attempts.
    `status` "held" is a digest member waiting for its window; "suppressed" fell in a cooldown.
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    change_id: int | None = Field(default=None, foreign_key="changes.id", index=True)
    rule_id: str
    channel: str
    severity: str = "info"
    status: str = "pending"
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = _when()
    sent_at: datetime | None = _when()
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    thread_key: str | None = None  # actor + topic: later alerts thread under the first one
    digest_key: str | None = Field(default=None, index=True)
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Delivery lease so two dispatchers never send the same alert at once.
    lease_owner: str | None = None
    lease_until: datetime | None = _when()


class ThreadRow(SQLModel, table=True):
    """The first message posted for an actor+topic on a channel (Slack `ts`), to thread later ones."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("channel", "thread_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    thread_key: str
    ref: str  # Slack: the message ts
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class TopicRow(SQLModel, table=True):
    """Every distinct change topic, kept by a database trigger on `changes` (migration 0002), so
    `history --topic` matches its pattern against a few thousand topics instead of every change."""

    __tablename__ = "topics"
    topic: str = Field(primary_key=True)


class JudgeAnswerRow(SQLModel, table=True):
    """The LLM judge's cache: one model answer per request key, hash of (model, prompt version,
    request). `content` is the answer as the server sent it; it is checked each time it is used.
    `origin` is "api" (asked here) or "import" (`claimwatch judge import`)."""

    __tablename__ = "judge_answers"
    key: str = Field(primary_key=True)
    model: str
    prompt_version: str
    content: str = Field(sa_column=Column(Text, nullable=False))
    prompt_tokens: int = 0
    completion_tokens: int = 0
    origin: str = "api"
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    rejections: int | None = None  # findings refused by the evidence check, counted on first use


class JudgeRequestRow(SQLModel, table=True):
    """A request the judge has not answered yet (model away, rate-limited, junk, over budget), kept
    to be asked again; `done` once answered and applied. A version pair's request also names the
    versions, so the answer is applied to that pair's stored changes."""

    __tablename__ = "judge_requests"
    __table_args__ = (Index("ix_judge_requests_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    model: str
    prompt_version: str
    mode: str
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "pending"  # pending | done | failed (gave up after max attempts)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = _when()
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    old_version_id: int | None = Field(default=None, foreign_key="versions.id")
    new_version_id: int | None = Field(default=None, foreign_key="versions.id")


class JudgeEventRow(SQLModel, table=True):
    """One thing the judge did: asked the model (`ok`, or how it failed), or served the cache
    (`cache_hit`). `judge stats` counts these; the hourly budget sums the last hour's."""

    __tablename__ = "judge_events"
    __table_args__ = (Index("ix_judge_events_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    model: str
    outcome: str
    key: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    detail: str | None = Field(default=None, sa_column=Column(Text))


class MuteRow(SQLModel, table=True):
    """A source or a rule muted until a time (`claimwatch sources mute NAME --for 6h`, `rules mute ID
    --for 2h`): changes are still recorded, their alerts are stored as `suppressed` with the reason.
    Kept in the store, not the config, so muting never rewrites a user's file (migration 0003_13)."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # "source" or "rule"
    name: str
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


ALL_TABLES = (
    SourceRow,
    DocumentRow,
    VersionRow,
    ClaimRow,
    ChangeRow,
    ObservationRow,
    PositionRow,
    AlertRow,
    ThreadRow,
    TopicRow,
    JudgeAnswerRow,
    JudgeRequestRow,
    JudgeEventRow,
    MuteRow,
)
