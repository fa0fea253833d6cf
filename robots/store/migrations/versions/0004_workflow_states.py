"""workflow: a written-back referral is WITH_CASEWORKER; the kind of an item's last error

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_kind', sa.String(length=16), nullable=True))
    # REFERRED meant both "to write back" and "with a caseworker", told apart by written_at.
    op.execute("UPDATE work_items SET state = 'WITH_CASEWORKER' WHERE state = 'REFERRED' AND written_at IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE work_items SET state = 'REFERRED' WHERE state = 'WITH_CASEWORKER'")
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_column('error_kind')
