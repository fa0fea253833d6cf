"""room for the workflow's longest state (CASEWORKER_DECIDED) and a long lease owner

Revision ID: 0007
Revises: 0006

SQLite does not enforce a VARCHAR's length, and rebuilding work_items there would fail on its foreign
keys, so only PostgreSQL's columns are widened.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("work_items", "state", type_=sa.String(length=32))
        op.alter_column("work_items", "lease_owner", type_=sa.String(length=200))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("work_items", "lease_owner", type_=sa.String(length=100))
        op.alter_column("work_items", "state", type_=sa.String(length=16))
