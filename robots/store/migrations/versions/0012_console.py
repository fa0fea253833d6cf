"""the console: its users and their sessions, a chain of sign-ins; a caseworker's decision beside the robot's referral

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    )
    op.create_table('console_sessions',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('token_sha256'),
    )
    op.create_index('ix_console_sessions_user_id', 'console_sessions', ['user_id'], unique=False)
    op.create_table('access_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('who', sa.String(length=100), nullable=False),
    sa.Column('what', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prev_hash', name='access_events_prev_hash'),
    sa.UniqueConstraint('hash', name='access_events_hash'),
    )
    op.create_index('ix_access_events_at', 'access_events', ['at'], unique=False)
    op.create_index('ix_access_events_who', 'access_events', ['who'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE ON access_events "
                   "FOR EACH ROW EXECUTE FUNCTION casebot_append_only()")
        op.execute("CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION casebot_append_only()")
    else:
        for change in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER access_events_no_{change.lower()} BEFORE {change} ON access_events "
                       "BEGIN SELECT RAISE(ABORT, 'access_events is append-only: its rows are never changed or deleted'); END")


def downgrade() -> None:
    op.drop_index('ix_access_events_who', table_name='access_events')
    op.drop_index('ix_access_events_at', table_name='access_events')
    op.drop_table('access_events')
    op.drop_index('ix_console_sessions_user_id', table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_table('users')
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_column('round')
        batch_op.drop_column('referral')
