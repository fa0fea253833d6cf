"""a work item's receipt time is called what it is: received_at (when the case system received it)

Revision ID: 0006
Revises: 0005

A plain RENAME COLUMN (SQLite 3.25+, PostgreSQL): Alembic's batch mode would rebuild work_items on
SQLite, and dropping the old table fails while audit events and register answers point at it.
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE work_items RENAME COLUMN submitted_at TO received_at")


def downgrade() -> None:
    op.execute("ALTER TABLE work_items RENAME COLUMN received_at TO submitted_at")
