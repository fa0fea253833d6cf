"""Keeping the parameter versions decisions use: each norm table and policy version once, by content hash."""

from __future__ import annotations

from sqlalchemy.orm import Session

from robots.rules.parameters import Parameters
from robots.store.db import insert_skipping
from robots.store.models import ParameterVersion, utcnow


def keep(session: Session, params: Parameters) -> None:
    """Store every version not yet kept: a handful of rows, once per run. One statement that skips what is
    there, so workers starting at once do not trip over each other."""
    rows = [{"digest": v.digest, "kind": kind, "name": v.name, "valid_from": v.valid_from.isoformat(), "content": v.content, "kept_at": utcnow()}
            for kind, versions in (("norm_table", params.norms), ("policy", params.policies)) for v in versions]
    session.execute(insert_skipping(session, ParameterVersion, rows, ["digest"]))


def kept(session: Session, digest: str) -> ParameterVersion | None:
    return session.get(ParameterVersion, digest)
