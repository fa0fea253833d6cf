"""Keeping the parameter versions decisions use: each norm table and policy version once, by content hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from robots.rules.parameters import Parameters
from robots.store.models import ParameterVersion


def keep(session: Session, params: Parameters) -> int:
    """Store every version not yet kept; returns how many were new. A handful of rows, once per run."""
    versions = [("norm_table", t) for t in params.norms] + [("policy", p) for p in params.policies]
    known = set(session.scalars(select(ParameterVersion.digest).where(ParameterVersion.digest.in_([v.digest for _, v in versions]))))
    new = [ParameterVersion(digest=v.digest, kind=kind, name=v.name, valid_from=v.valid_from.isoformat(), content=v.content)
           for kind, v in versions if v.digest not in known]
    session.add_all(new)
    return len(new)


def kept(session: Session, digest: str) -> ParameterVersion | None:
    return session.get(ParameterVersion, digest)
