"""a work item's receipt time is called what it is: received_at (when the case system received it)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.alter_column('submitted_at', new_column_name='received_at')


def downgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.alter_column('received_at', new_column_name='submitted_at')
