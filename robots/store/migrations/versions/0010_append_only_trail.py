"""the audit trail and the register answers are append-only: the database refuses to change or delete them

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ("audit_events", "register_answers")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION casebot_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only: its rows are never changed or deleted', TG_TABLE_NAME; END $$""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION casebot_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION casebot_append_only()")
        return
    for table in TABLES:
        for change in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: its rows are never changed or deleted'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION casebot_append_only()")
        return
    for table in TABLES:
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{change}")
