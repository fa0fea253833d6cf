"""`casebot audit export` and `audit sample`: the files open with pandas, their totals are the store's,
and they name applications, never people."""

import re
import subprocess
import sys
from collections import Counter

import pandas as pd
import pytest
from sqlalchemy import select

from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.write_back import write_back
from robots.store import WorkItem

PERSONNUMMER = re.compile(r"(19|20)\d{6}-?\d{4}")


@pytest.fixture
def decided(bench):
    bench.ctx.settings = bench.ctx.settings.model_copy(update={"sample": bench.ctx.settings.sample.model_copy(update={"share": 0.5})})
    for n in range(8):
        bench.file(f"A-{n}", seed=n)
    for n, reason in enumerate(("RENT_ABOVE_CEILING", "OTHER_COSTS", "INVALID_APPLICATION")):
        bench.file(f"R-{n}", reason, seed=n)
    bench.through(intake, fetch, decide, sample, write_back)
    with bench.ctx.store.sessions() as session:
        bench.decisions = [i.decision for i in session.scalars(select(WorkItem))]
    return bench


def casebot(bench, *args):
    env = {"CASEBOT_DATABASE_URL": str(bench.ctx.store.engine.url), "PATH": ""}
    return subprocess.run([sys.executable, "-m", "robots", "audit", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "jsonl"])
def test_the_export_holds_every_decision_of_the_days_with_the_store_s_totals(decided, tmp_path, fmt):
    out = tmp_path / f"decisions.{fmt}"
    done = casebot(decided, "export", "--from", "2023-10-24", "--to", "2023-10-24", "--format", fmt, "--out", str(out))
    assert done.returncode == 0, done.stderr
    frame = {"xlsx": lambda p: pd.read_excel(p, sheet_name="decisions"), "csv": pd.read_csv,
             "jsonl": lambda p: pd.read_json(p, lines=True)}[fmt](out)
    granted = [d for d in decided.decisions if d["outcome"] == "granted"]
    assert len(frame) == len(decided.decisions) == 11
    assert frame["amount"].sum() == sum(d["amount"] for d in granted)
    assert f"({sum(d['amount'] for d in granted):,} kr granted)" in done.stdout
    reasons = Counter(r["code"] for d in decided.decisions for r in d["reasons"])
    assert Counter(c for cell in frame["reasons"].fillna("") for c in cell.split(", ") if c) == reasons
    assert set(frame["norm_table_sha256"].dropna()) == {d["parameters"]["norm_table"]["sha256"] for d in granted}
    assert not PERSONNUMMER.search(out.read_text(encoding="utf-8", errors="ignore") if fmt != "xlsx" else frame.to_csv())
    if fmt == "xlsx":
        sheet = pd.read_excel(out, sheet_name="counts")
        by_outcome = sheet[sheet["by"] == "outcome"].set_index("value")
        assert by_outcome.loc["granted", "decisions"] == len(granted) and by_outcome.loc["granted", "kronor"] == frame["amount"].sum()
        assert dict(sheet[sheet["by"] == "reason"].set_index("value")["decisions"]) == reasons


def test_days_without_decisions_export_an_empty_file_and_bad_days_are_refused(decided, tmp_path):
    empty = casebot(decided, "export", "--from", "2024-01-01", "--to", "2024-01-31", "--out", str(tmp_path / "none.xlsx"))
    assert empty.returncode == 0 and empty.stdout.startswith("0 decision(s) from 2024-01-01 to 2024-01-31")
    assert pd.read_excel(tmp_path / "none.xlsx").empty
    assert "'2024-13-01' is no date" in casebot(decided, "export", "--from", "2024-13-01", "--to", "2024-01-31").stderr
    assert "--to is before --from" in casebot(decided, "export", "--from", "2024-02-01", "--to", "2024-01-31").stderr


def test_the_stickprov_list_can_be_drawn_again_from_its_seed(decided, tmp_path):
    from robots.bots.sample import draw

    out = tmp_path / "stickprov.xlsx"
    done = casebot(decided, "sample", "--period", "2023-11", "--out", str(out))
    listed = pd.read_excel(out)
    with decided.ctx.store.sessions() as session:
        sampled = {i.application_id for i in session.scalars(select(WorkItem).where(WorkItem.sampled.is_(True)))}
    assert done.returncode == 0 and done.stdout.startswith(f"{len(sampled)} grant(s) of 2023-11 on the follow-up list")
    assert set(listed["application_id"]) == sampled and sampled
    for row in listed.itertuples():
        assert row.draw == pytest.approx(draw(row.seed, row.application_id, row.period), abs=1e-12) and row.draw < row.share  # xlsx keeps 15 digits
    assert list(listed.columns[-2:]) == ["followed_up_by", "finding"]
