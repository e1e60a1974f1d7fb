"""LLM judge: the answer cache, the requests still to ask, and what the judge did (for stats, budget).

Revision ID: 0003_11
Revises: 0002
Create Date: 2026-12-04

Written from the table classes `JudgeAnswerRow`, `JudgeRequestRow`, `JudgeEventRow` in
`monitor/store/tables.py`; `tests/test_store.py` checks that they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_11"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "judge_answers",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        _when("created_at"),
        sa.Column("rejections", sa.Integer(), nullable=True),
    )
    op.create_table(
        "judge_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("next_attempt_at"),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True),
        sa.Column("old_version_id", sa.Integer(), sa.ForeignKey("versions.id"), nullable=True),
        sa.Column("new_version_id", sa.Integer(), sa.ForeignKey("versions.id"), nullable=True),
    )
    op.create_index("ix_judge_requests_key", "judge_requests", ["key"])
    op.create_index("ix_judge_requests_status_next", "judge_requests", ["status", "next_attempt_at"])
    op.create_table(
        "judge_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _when("at"),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_judge_events_at", "judge_events", ["at"])


def downgrade() -> None:
    op.drop_table("judge_events")
    op.drop_table("judge_requests")
    op.drop_table("judge_answers")
