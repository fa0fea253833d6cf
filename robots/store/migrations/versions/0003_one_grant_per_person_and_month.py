"""one grant per person and month; the claiming worker instance

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_months',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('person', sa.String(length=12), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['work_items.id'], ),
    sa.PrimaryKeyConstraint('period', 'person')
    )
    with op.batch_alter_table('person_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_months_item_id'), ['item_id'], unique=False)
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('granted_elsewhere', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_column('granted_elsewhere')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('person_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_months_item_id'))
    op.drop_table('person_months')
