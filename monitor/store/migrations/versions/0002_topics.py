"""Topics: a table of distinct change topics kept by a trigger, and a (topic, observed_at) index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20

`history --topic PATTERN` first matches the pattern against `topics` (small), then reads the newest
changes of each matching topic through `ix_changes_topic_observed`. The trigger keeps `topics`
complete whoever writes `changes`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION claimwatch_note_topic() RETURNS trigger AS $$
BEGIN
    IF NEW.topic IS NOT NULL THEN
        INSERT INTO topics (topic) VALUES (NEW.topic) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table("topics", sa.Column("topic", sa.String(), primary_key=True))
    op.create_index("ix_changes_topic_observed", "changes", ["topic", "observed_at", "id"])
    op.execute("INSERT INTO topics (topic) SELECT DISTINCT topic FROM changes WHERE topic IS NOT NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER changes_note_topic AFTER INSERT OR UPDATE OF topic ON changes "
            "FOR EACH ROW EXECUTE FUNCTION claimwatch_note_topic()"
        )
    else:
        for event in ("INSERT", "UPDATE OF topic"):
            name = "changes_note_topic_" + event.split()[0].lower()
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON changes WHEN NEW.topic IS NOT NULL "
                "BEGIN INSERT OR IGNORE INTO topics (topic) VALUES (NEW.topic); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER changes_note_topic ON changes")
        op.execute("DROP FUNCTION claimwatch_note_topic()")
    else:
        op.execute("DROP TRIGGER changes_note_topic_insert")
        op.execute("DROP TRIGGER changes_note_topic_update")
    op.drop_index("ix_changes_topic_observed", table_name="changes")
    op.drop_table("topics")
