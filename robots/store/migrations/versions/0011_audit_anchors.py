"""anchors: at the end of each run, the heads of the chains it appended to, in a chain of their own

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(length=40), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heads', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prev_hash', name='audit_anchors_prev_hash'),
    sa.UniqueConstraint('hash', name='audit_anchors_hash'),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_run_id', ['run_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors "
                   "FOR EACH ROW EXECUTE FUNCTION casebot_append_only()")
        op.execute("CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors "
                   "FOR EACH STATEMENT EXECUTE FUNCTION casebot_append_only()")
    else:
        for change in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_anchors_no_{change.lower()} BEFORE {change} ON audit_anchors "
                       "BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only: its rows are never changed or deleted'); END")


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_run_id')
    op.drop_table('audit_anchors')
