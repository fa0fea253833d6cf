"""A run's own log folder, beside Robot Framework's output when Robot ran it: `summary.json` (counts,
durations, errors, outcome), `events.jsonl` (every casebot log record of the run, one JSON object a
line) and `items.csv` (one line per application and step the run took, from its audit events: what
happened to this application in this run), personnummer masked. Run folders older than `[logs] keep_days` are pruned when a run starts; the
audit trail in the store is never pruned."""

from __future__ import annotations

import json
import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from robots.privacy import mask

log = logging.getLogger("casebot.runlog")


class _JsonLines(logging.Handler):
    def __init__(self, path: Path):
        super().__init__(logging.INFO)
        self.file = path.open("a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = {"at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"), "level": record.levelname,
                    "logger": record.name, "thread": record.threadName, "message": mask(record.getMessage())}
            if record.exc_info:
                line["error"] = mask(logging.Formatter().formatException(record.exc_info))
            self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.file.flush()
        except Exception:  # noqa: BLE001  a log line that cannot be written must not stop the run
            self.handleError(record)

    def close(self) -> None:
        self.file.close()
        super().close()


class RunLog:
    """Open while a run goes on: its log records go to events.jsonl; `close` writes summary.json."""

    def __init__(self, folder: Path, run_id: str, worker: str):
        self.folder, self.run_id, self.worker = folder, run_id, worker
        folder.mkdir(parents=True, exist_ok=True)
        self.started, self._clock = datetime.now(UTC), time.monotonic()
        self._handler = _JsonLines(folder / "events.jsonl")
        self._logger = logging.getLogger("casebot")
        self._level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self._handler)

    def close(self, outcome: str, counts: dict, errors: list[str], seconds_by_step: dict[str, float] | None = None,
              anchor: str | None = None) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)
        self._handler.close()
        summary = {"run": self.run_id, "worker": self.worker, "outcome": outcome, "started_at": self.started.isoformat(timespec="seconds"),
                   "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(time.monotonic() - self._clock, 3),
                   "seconds_by_step": {k: round(v, 3) for k, v in (seconds_by_step or {}).items()}, "counts": counts,
                   "errors": [mask(e) for e in errors], "audit_anchor": anchor}
        (self.folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


ITEM_COLUMNS = ("at", "application_id", "period", "step", "from", "to", "detail")
LEFT_OUT = frozenset({"from", "to", "application_id", "application_sha256", "answer_sha256", "decision_sha256"})


def write_items(store, run_id: str, folder: Path) -> int:
    """items.csv: every audit event of the run, one line each, in order; how many lines."""
    import csv

    from sqlalchemy import select

    from robots.store.models import AuditEvent, WorkItem

    lines = 0
    with store.sessions() as session, (folder / "items.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(ITEM_COLUMNS)
        rows = session.execute(select(AuditEvent.at, WorkItem.application_id, WorkItem.period, AuditEvent.step, AuditEvent.detail)
                               .join(WorkItem, WorkItem.id == AuditEvent.item_id).where(AuditEvent.run_id == run_id)
                               .order_by(AuditEvent.id).execution_options(yield_per=2000))
        for at, application_id, period, step, detail in rows:
            rest = "; ".join(f"{k}: {v}" for k, v in detail.items() if k not in LEFT_OUT and v not in (None, [], {}))
            out.writerow([at.isoformat(timespec="seconds"), application_id, period, step, detail.get("from", ""), detail.get("to", ""),
                          mask(rest)[:500]])
            lines += 1
    return lines


def said_nothing(folder: Path) -> bool:
    """True when the run's event log holds no warning or error (a pass that found nothing to do)."""
    events = folder / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
    return not any(json.loads(line).get("level") in ("WARNING", "ERROR", "CRITICAL") for line in lines)


def prune(runs: Path, keep_days: int, now: datetime | None = None) -> int:
    """Delete run folders last written more than keep_days ago; returns how many. Only folders that look
    like a run's (a summary, events, Robot's output or the screens adapter's log inside) are touched."""
    if not runs.is_dir():
        return 0
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=keep_days)).timestamp()
    pruned = 0
    for folder in runs.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff and any(
                (folder / name).exists() for name in ("summary.json", "events.jsonl", "output.xml", "screens.log")):
            shutil.rmtree(folder, ignore_errors=True)
            pruned += 1
    if pruned:
        log.info("pruned %d run folder(s) older than %d days from %s", pruned, keep_days, runs)
    return pruned
