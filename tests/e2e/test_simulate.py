"""`casebot simulate` on a recorded month: a raised rent ceiling refers fewer applications for their rent
and costs what the robot then grants; the report's totals are those of re-deciding each application on
its own, and the report names households by pseudonym only."""

import re
import subprocess
import sys

import pytest
from sqlalchemy import delete, select, update

from robots.decide import decide
from robots.simulate import alternative_parameters, simulate, simulate_per_case
from robots.simulate_report import terminal, write_html, write_xlsx
from robots.store import SimulationRow, WorkItem
from robots.store.queue import latest_answers
from tests.e2e.test_pipeline import run_until_done

PERIOD = "2023-11"


def raised_ceiling(folder, config_dir):
    """The policy of the recorded month with every rent ceiling 9 000 kr higher (the synthetic high rents are 9 800–12 800 kr)."""
    source = (config_dir / "policy" / "2021-01-01.toml").read_text(encoding="utf-8")

    def raise_(match):
        return f"{match.group(1)}{int(match.group(2)) + 9000}"

    raised = re.sub(r"(?m)^(one_adult = |two_adults = )(\d+)", raise_, source)
    raised = re.sub(r"(?m)^with_children = \[([\d, ]+)\]",
                    lambda m: "with_children = [" + ", ".join(str(int(x) + 9000) for x in m.group(1).split(",")) + "]", raised)
    assert raised != source
    path = folder / "raised.toml"
    path.write_text(raised, encoding="utf-8")
    return path


def test_a_raised_rent_ceiling_refers_fewer_for_their_rent_and_its_cost_is_a_per_case_re_run(world, tmp_path, monkeypatch):
    world.seed(60, seed=3)
    worker = world.worker()
    run_until_done(world, worker)
    monkeypatch.setenv("CASEBOT_CONFIG_DIR", str(world.config_dir))
    policy = raised_ceiling(tmp_path, world.config_dir)
    params = alternative_parameters(PERIOD, policy=policy)
    sim = simulate(worker.store, PERIOD, params, "raised ceilings")

    totals = sim.totals()
    referrals = {reason: (before, after) for reason, before, after in sim.referrals()}
    before, after = referrals["RENT_ABOVE_CEILING"]
    assert before > 0 and after < before
    assert totals["granted_after"] > totals["granted_before"] and totals["referred_after"] < totals["referred_before"]
    assert totals["granted_change_per_year"] == 12 * totals["granted_change"]

    # the same month decided one application at a time, with the same parameters
    with worker.store.sessions() as session:
        items = list(session.scalars(select(WorkItem).where(WorkItem.period == PERIOD)))
        answers = latest_answers(session, [i.id for i in items])
    again = [decide(i.application, answers[i.id], params, decided_at=i.decision["decided_at"], granted_elsewhere=i.granted_elsewhere)
             for i in items]
    assert totals["granted_after"] == sum(d.get("amount", 0) for d in again if d["outcome"] == "granted")
    assert totals["referred_after"] == sum(d["outcome"] == "referred" for d in again) and totals["households"] == len(items) == 60

    # and the batch gives what the engine gives, household by household
    per_case = simulate_per_case(worker.store, PERIOD, params, "raised ceilings")
    assert sorted(sim.households, key=lambda h: h.pseudonym) == sorted(per_case.households, key=lambda h: h.pseudonym)

    table = terminal(sim)
    assert "RENT_ABOVE_CEILING" in table and "granted by the robot" in table
    html = write_html(sim, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"\d{8}-?\d{4}", html), "no personnummer in the report"
    write_xlsx(sim, tmp_path / "report.xlsx")

    # a case a caseworker sent back (its decision set aside) is not re-decided, and breaks nothing
    with worker.store.unit_of_work() as session:
        sent_back = session.scalars(select(WorkItem).where(WorkItem.outcome == "referred")).first()
        sent_back.referral, sent_back.decision, sent_back.outcome, sent_back.amount = sent_back.decision, None, None, None
    assert simulate(worker.store, PERIOD, params, "again").totals()["households"] == 59

    done = subprocess.run([sys.executable, "-m", "robots", "simulate", "--period", PERIOD, "--policy", str(policy),
                           "--out", str(tmp_path / "cli")], env=world.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "RENT_ABOVE_CEILING" in done.stdout and (tmp_path / "cli" / "report.xlsx").is_file()
    worker.close()


@pytest.mark.parametrize("store", ["world", "postgres_world"])
def test_each_decision_keeps_its_row_and_a_month_without_rows_is_read_from_its_recorded_inputs(store, tmp_path, monkeypatch, request):
    world = request.getfixturevalue(store)
    world.seed(40, seed=5)
    worker = world.worker()
    run_until_done(world, worker)
    monkeypatch.setenv("CASEBOT_CONFIG_DIR", str(world.config_dir))
    params = alternative_parameters(PERIOD, policy=raised_ceiling(tmp_path, world.config_dir))
    with worker.store.sessions() as session:
        decided = session.scalars(select(WorkItem.id).where(WorkItem.outcome.is_not(None))).all()
        kept = session.scalars(select(SimulationRow.item_id)).all()
    assert sorted(kept) == sorted(decided) and len(decided) == 40
    from_rows = simulate(worker.store, PERIOD, params, "x")

    # half the rows gone (decided before rows were kept), one of another layout: made again from the inputs
    with worker.store.unit_of_work() as session:
        session.execute(delete(SimulationRow).where(SimulationRow.item_id.in_(decided[::2])))
        session.execute(update(SimulationRow).where(SimulationRow.item_id == decided[1]).values(layout="older", row=b"\0"))
    from_inputs = simulate(worker.store, PERIOD, params, "x")
    per_case = simulate_per_case(worker.store, PERIOD, params, "x")
    assert from_rows.households == from_inputs.households == per_case.households
    assert from_rows.totals() == from_inputs.totals() == per_case.totals() and from_rows.totals()["granted_change"] > 0
    worker.close()
