"""The auditor's commands after a real run (`casebot run`: Robot, both stand-ins over HTTP, SQLite): the
trail verifies, every decision re-runs to the same result, also after config/ changed, while today's rules
show the difference; the run folder holds Robot's output, a summary and an event log; no file under
logs/ and no export holds a personnummer in clear."""

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from robots.runlog import prune
from robots.store import WorkItem, open_store

PERSONNUMMER = re.compile(r"\b(19|20)\d{6}-?\d{4}\b")  # word bounds: no match inside a hash


def casebot(env, *args):
    return subprocess.run([sys.executable, "-m", "robots", *args], env=env, capture_output=True, text=True, timeout=300)


def test_an_auditor_verifies_replays_and_exports_a_real_run(world, tmp_path):
    world.seed(30, seed=41)
    env = world.env | {"CASEBOT_LOG_DIR": str(tmp_path / "logs")}
    run = casebot(env, "run")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    [folder] = (tmp_path / "logs" / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcome"] == "ok" and summary["counts"]["intake"]["new"] == 30 and set(summary["seconds_by_step"]) >= {"fetch", "write_back"}
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events and all({"at", "level", "logger", "message"} <= e.keys() for e in events)
    assert (folder / "output.xml").is_file()
    # what happened to each application in this run, one masked line per step
    with (folder / "items.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len({r["application_id"] for r in rows}) == 30
    assert {r["step"] for r in rows} >= {"intake", "claimed", "decided", "written back"}
    assert not PERSONNUMMER.search((folder / "items.csv").read_text(encoding="utf-8"))

    verified = casebot(env, "audit", "verify")
    assert verified.returncode == 0 and "audit trail holds" in verified.stdout and "on 30 work items" in verified.stdout
    replayed = casebot(env, "audit", "replay", "--period", "2023-11")
    assert replayed.returncode == 0 and replayed.stdout.strip().endswith("30 same, 0 differ, 0 cannot be re-run")

    # the committee lowers a rent ceiling and a norm cell is corrected: recorded decisions still re-run the same
    policy, table = world.config_dir / "policy" / "2021-01-01.toml", world.config_dir / "norms" / "2023.toml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("one_adult = 4474", "one_adult = 3000"), encoding="utf-8")
    table.write_text(table.read_text(encoding="utf-8").replace("adult_alone = 3490", "adult_alone = 3500"), encoding="utf-8")
    assert casebot(env, "audit", "replay", "--period", "2023-11").stdout.strip().endswith("30 same, 0 differ, 0 cannot be re-run")
    today = casebot(env, "audit", "replay", "--period", "2023-11", "--with-current-rules")
    assert today.returncode == 1 and re.search(r"\d+ same, [1-9]\d* differ, 0 cannot be re-run", today.stdout)
    assert "parameters.norm_table.sha256" in today.stdout and "parameters.policy.sha256" in today.stdout

    exported = casebot(env, "audit", "export", "--from", "2000-01-01", "--to", "2099-12-31")
    assert exported.returncode == 0 and exported.stdout.startswith("30 decision(s)")
    sheet = pd.read_excel(next((tmp_path / "logs" / "exports").glob("decisions-*.xlsx")), sheet_name="decisions")
    store = open_store(world.database_url)
    with store.sessions() as session:
        decisions = [i.decision for i in session.scalars(select(WorkItem))]
    store.engine.dispose()
    assert len(sheet) == len(decisions) == 30
    assert sheet["amount"].sum() == sum(d["amount"] for d in decisions if d["outcome"] == "granted")
    assert Counter(c for cell in sheet["reasons"].fillna("") for c in cell.split(", ") if c) == Counter(
        r["code"] for d in decisions for r in d["reasons"])
    assert casebot(env, "audit", "sample", "--period", "2023-11").returncode == 0
    shown = casebot(env, "audit", "show", sheet["application_id"][0])
    assert shown.returncode == 0 and "decided by the rules" in shown.stdout

    files = [f for f in (tmp_path / "logs").rglob("*") if f.is_file()]
    assert len(files) >= 6
    for f in files:
        text = ("\n".join(sheet.to_csv() for sheet in pd.read_excel(f, sheet_name=None).values()) if f.suffix == ".xlsx"
                else f.read_text(encoding="utf-8", errors="replace"))
        assert not PERSONNUMMER.search(text), f"a personnummer in clear in {f}"
    assert not PERSONNUMMER.search(shown.stdout)

    # the run folders are pruned after [logs] keep_days; the audit trail in the store is not touched
    old = (datetime.now(UTC) - timedelta(days=200)).timestamp()
    os.utime(folder, (old, old))
    assert prune(tmp_path / "logs" / "runs", 90) == 1 and not folder.exists()
    assert casebot(env, "audit", "verify").stdout == verified.stdout
