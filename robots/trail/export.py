"""`casebot audit export` and `casebot audit sample`: decisions as a table an auditor or a caseworker opens
in a spreadsheet (pandas; xlsx through openpyxl). Reason codes, not reason texts with personnummer: the
export names applications, never people."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from robots.store import Store
from robots.store.models import AuditEvent, WorkItem
from robots.workdays import STOCKHOLM

FORMATS = ("xlsx", "csv", "jsonl")


def _calculation_columns(calculation: dict) -> dict:
    if not calculation.get("made", True):
        return {"calculation_not_made": calculation.get("why")}
    row = {"norm_total": calculation.get("norm", {}).get("total")}
    for part in ("costs", "income", "disregarded_income"):
        values = calculation.get(part) or {}
        row |= {f"{part}_{k}": v for k, v in sorted(values.items()) if isinstance(v, int)}
        row[f"{part}_total"] = sum(v for v in values.values() if isinstance(v, int))
    return row | {k: calculation.get(k) for k in ("need", "counted_income", "deficit")}


def decision_row(item: WorkItem) -> dict:
    d = item.decision
    used = d.get("parameters", {})
    return {
        "application_id": item.application_id, "period": item.period, "outcome": d["outcome"], "amount": d.get("amount"),
        **_calculation_columns(d.get("calculation", {})),
        "reasons": ", ".join(r["code"] for r in d.get("reasons", [])), "reason_count": len(d.get("reasons", [])),
        "rules_version": d.get("rules_version"),
        "norm_table": used.get("norm_table", {}).get("name"), "norm_table_sha256": used.get("norm_table", {}).get("sha256"),
        "policy": used.get("policy", {}).get("name"), "policy_valid_from": used.get("policy", {}).get("valid_from"),
        "policy_sha256": used.get("policy", {}).get("sha256"),
        "decided_by": d.get("decided_by"), "decided_at": d.get("decided_at"), "software": d.get("software"),
        "decision_id": item.decision_id, "state": item.state,
        "written_at": item.written_at.astimezone(STOCKHOLM).isoformat(timespec="seconds") if item.written_at else None,
        "sampled": item.sampled,
    }


def decisions(store: Store, first: date, last: date) -> pd.DataFrame:
    """One row per decision made from `first` to `last` (Swedish days, both included)."""
    start = datetime.combine(first, time(), STOCKHOLM)
    end = datetime.combine(last + timedelta(days=1), time(), STOCKHOLM)
    with store.sessions() as session:
        items = session.scalars(select(WorkItem).where(WorkItem.decision.is_not(None), WorkItem.decided_at >= start,
                                                       WorkItem.decided_at < end).order_by(WorkItem.decided_at, WorkItem.id))
        rows = [decision_row(i) for i in items]
    frame = pd.DataFrame(rows)
    money = [c for c in frame.columns if c == "amount" or c.endswith("_total") or c.startswith(("costs_", "income_", "disregarded_income_"))
             or c in ("need", "counted_income", "deficit")]
    return frame.astype({c: "Int64" for c in money}) if len(frame) else frame


def counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts by outcome (with the kronor granted) and by reason: the export's second sheet."""
    if frame.empty:
        return pd.DataFrame(columns=["by", "value", "decisions", "kronor"])
    outcome = frame.groupby("outcome").agg(decisions=("application_id", "size"), kronor=("amount", "sum")).reset_index()
    outcome = outcome.rename(columns={"outcome": "value"}).assign(by="outcome")
    reasons = frame["reasons"].str.split(", ").explode()
    reasons = reasons[reasons.fillna("") != ""].value_counts().rename_axis("value").reset_index(name="decisions").assign(by="reason")
    return pd.concat([outcome, reasons], ignore_index=True)[["by", "value", "decisions", "kronor"]]


def write(frame: pd.DataFrame, path: Path, fmt: str, sheets: dict[str, pd.DataFrame] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        with pd.ExcelWriter(path, engine="openpyxl") as xlsx:
            frame.to_excel(xlsx, sheet_name="decisions", index=False)
            for name, sheet in (sheets or {}).items():
                sheet.to_excel(xlsx, sheet_name=name, index=False)
    return path


def followup(store: Store, period: str) -> pd.DataFrame:
    """The stickprov follow-up list of the period: each grant drawn, with the run's recorded seed, its draw
    and the share in force, so anyone can draw it again (robots.bots.sample.draw)."""
    with store.sessions() as session:
        items = list(session.scalars(select(WorkItem).where(WorkItem.period == period, WorkItem.sampled.is_(True)).order_by(WorkItem.id)))
        drawn = {e.item_id: (e.run_id, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.item_id.in_([i.id for i in items]), AuditEvent.step == "sample drawn"))}
    return pd.DataFrame([{
        "application_id": i.application_id, "period": i.period, "amount": i.amount, "decision_id": i.decision_id,
        "decided_at": (i.decision or {}).get("decided_at"), "state": i.state,
        "run": drawn.get(i.id, (None, {}))[0], "seed": drawn.get(i.id, (None, {}))[1].get("seed"), "draw": i.sample_draw,
        "share": drawn.get(i.id, (None, {}))[1].get("share"), "followed_up_by": "", "finding": "",
    } for i in items], columns=["application_id", "period", "amount", "decision_id", "decided_at", "state", "run", "seed", "draw", "share",
                                "followed_up_by", "finding"])
