"""Run folders: the event log masks personnummer, the summary says how the run went, and old run
folders are pruned while anything else in logs/runs is left alone."""

import json
import logging
import os
from datetime import UTC, datetime, timedelta

from robots.runlog import RunLog, prune, said_nothing


def test_the_event_log_masks_personnummer_and_the_summary_counts(tmp_path):
    runlog = RunLog(tmp_path / "r1", "r1", "host-1-ab12")
    logging.getLogger("casebot.bots").warning("could not claim 19890314-2381's application")
    logging.getLogger("elsewhere").warning("not ours: not in the run's log")
    runlog.close("failed", {"fetch": {"ready": 3}}, ["fetch: Unavailable('19890314-2381')"], {"fetch": 1.25})
    [event] = [json.loads(line) for line in (tmp_path / "r1" / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert event["message"] == "could not claim 19890314-****'s application" and event["level"] == "WARNING"
    summary = json.loads((tmp_path / "r1" / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "failed" and summary["counts"] == {"fetch": {"ready": 3}}
    assert summary["errors"] == ["fetch: Unavailable('19890314-****')"] and summary["seconds_by_step"] == {"fetch": 1.25}
    logging.getLogger("casebot.bots").warning("after the run")
    assert len((tmp_path / "r1" / "events.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    assert not said_nothing(tmp_path / "r1")
    quiet = RunLog(tmp_path / "r2", "r2", "host-1-ab12")
    logging.getLogger("casebot.pipeline").info("run r2: intake done: nothing to do")
    quiet.close("ok", {}, [])
    assert said_nothing(tmp_path / "r2")


def test_run_folders_older_than_the_setting_are_pruned_and_nothing_else(tmp_path):
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for name, age, marker in (("old", 91, "summary.json"), ("old-robot", 200, "output.xml"), ("new", 89, "summary.json"),
                              ("not-a-run", 400, "notes.txt")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / marker).write_text("{}")
        stamp = (now - timedelta(days=age)).timestamp()
        os.utime(folder, (stamp, stamp))
    assert prune(tmp_path, 90, now) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "not-a-run"]
    assert prune(tmp_path / "missing", 90, now) == 0


def test_the_schedulers_line_for_a_pass(tmp_path):
    from robots.scheduler import counts_of, pass_summary

    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"counts": {"intake": {"new": 12, "errors": 0}, "fetch": {"ready": 10, "waiting": 2},
                                              "decide": {"granted": 7, "referred": 3, "errors": 1},
                                              "write_back": {"written": 7, "retry": 1, "failed": 1}}}), encoding="utf-8")
    assert pass_summary(counts_of(summary)) == "decided 7 granted, 3 referred; written 7; waiting 3; failed 2"
    assert pass_summary(counts_of(tmp_path / "none.json")) == "no summary (see the log)"


def test_the_journal_gets_the_passes_line_and_warnings_not_every_step():
    import logging

    from robots.scheduler import OnlyTheSummary, idle

    keep = OnlyTheSummary().filter
    record = lambda name, level: logging.LogRecord(name, level, __file__, 1, "x", None, None)  # noqa: E731
    assert keep(record("casebot.scheduler", logging.INFO)) and keep(record("casebot.bots", logging.WARNING))
    assert not keep(record("casebot.pipeline", logging.INFO)) and not keep(record("uvicorn", logging.INFO))
    assert idle({"intake": {"new": 0, "claimed": 0}, "fetch": {"ready": 0}, "sla_watch": {"overdue": 3}})
    assert not idle({"intake": {"new": 1}})
