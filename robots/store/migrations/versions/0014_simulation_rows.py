"""simulation_rows: each decision's features and digest for what-if simulations; a month's decisions from an index

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('simulation_rows',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('layout', sa.String(length=16), nullable=False),
    sa.Column('row', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['work_items.id'], ),
    sa.PrimaryKeyConstraint('item_id'),
    )
    op.create_index('ix_work_items_month', 'work_items', ['period', 'outcome', 'application_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_work_items_month', table_name='work_items')
    op.drop_table('simulation_rows')
