"""one audit chain per work item, its events numbered, their time hashed

The one chain of the whole store made every writer wait for the one before. The events already there
are checked against that chain first (a store whose chain does not hold is not migrated: it is a matter
for an auditor), then linked again item by item with the new hash, which covers the time as well.

Revision ID: 0009
Revises: 0008
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('item_id', sa.Integer), sa.column('seq', sa.Integer),
                  sa.column('run_id', sa.String), sa.column('at', sa.DateTime(timezone=True)), sa.column('step', sa.String),
                  sa.column('detail', sa.JSON), sa.column('prev_hash', sa.String), sa.column('hash', sa.String))


def _until_0008(previous: str, step: str, item_id, run_id, detail: dict) -> str:
    """The hash as revisions up to 0008 computed it (one chain, time not covered)."""
    body = json.dumps({"step": step, "item": item_id, "run": run_id, "detail": detail}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((previous + body).encode()).hexdigest()


GENESIS = "0" * 64


def event_hash(previous: str, item_id: int, seq: int, run_id, at, step: str, detail: dict) -> str:
    """The hash as revision 0009 defines it, frozen here (robots.store.audit.event_hash is the live one):
    what this migration wrote must not change with later code."""
    body = json.dumps({"item": item_id, "seq": seq, "run": run_id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                       "step": step, "detail": detail}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + body).encode()).hexdigest()


def _at(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    previous, heads, updates = GENESIS, {}, []
    for e in rows:
        if e["prev_hash"] != previous or e["hash"] != _until_0008(previous, e["step"], e["item_id"], e["run_id"], e["detail"]):
            raise RuntimeError(f"audit event {e['id']} does not hold in the store's chain; the store is not migrated. "
                               "Keep a copy of it for an auditor, and ask the maintainers.")
        if e["item_id"] is None:
            raise RuntimeError(f"audit event {e['id']} belongs to no work item; the store is not migrated")
        previous = e["hash"]
        seq, head = heads.get(e["item_id"], (0, GENESIS))
        new = event_hash(head, e["item_id"], seq + 1, e["run_id"], _at(e["at"]), e["step"], e["detail"])
        heads[e["item_id"]] = (seq + 1, new)
        updates.append({"b_id": e["id"], "seq": seq + 1, "prev_hash": head, "hash": new})
    if updates:
        connection.execute(events.update().where(events.c.id == sa.bindparam("b_id"))
                           .values(seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev_hash"), hash=sa.bindparam("hash")), updates)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index('ix_audit_events_item_id')
        batch_op.create_unique_constraint('audit_events_item_seq', ['item_id', 'seq'])


def downgrade() -> None:
    raise NotImplementedError("the per-item chains cannot be turned back into one chain; restore the backup taken before migrating")
