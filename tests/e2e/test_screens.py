"""The worker on the case system's screens (connectors/casesystem/screens.py): rpaframework driving Debian's
chromium through the stand-in's pages decides as the API adapter does, once each; it survives another
layout, signs in again when its session lapses, does not enter a decision that is on screen already, and
an element gone from a page fails the item as APPLICATION with a screenshot and the page kept."""

import subprocess
import sys
import time

import pytest
from robot.api import ExecutionResult, ResultVisitor
from sqlalchemy import select

from connectors.casesystem.screens import CaseSystemScreens, ScreenChanged
from connectors.casesystem.standin import StandIn
from connectors.errors import Conflict, Unavailable
from connectors.serving import free_port
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.write_back import write_back
from robots.store import WorkItem
from tests.e2e.test_pipeline import case_system_state, run_until_done
from tests.worlds import SIGN_IN, world_in

SEEDED = 10


class Messages(ResultVisitor):
    def __init__(self, into: list):
        self.into = into

    def visit_message(self, message):
        self.into.append(message.message)


def decisions(world) -> dict[str, tuple]:
    """Each application's decisions (what matters of them) and payments in the case system."""
    return {a: ([(d["outcome"], d.get("amount"), d["calculation"], d["reasons"]) for d in r["decisions"]],
                [p["amount"] for p in r["payments"]]) for a, r in case_system_state(world).items()}


def screens_for(world) -> CaseSystemScreens:
    return CaseSystemScreens(world.cases.url, SIGN_IN["CASEBOT_CASESYSTEM_USER"], SIGN_IN["CASEBOT_CASESYSTEM_PASSWORD"], timeout=10)


def test_the_screens_adapter_decides_each_application_once_as_the_api_adapter_does(tmp_path):
    results = {}
    for adapter in ("api", "screens"):
        with world_in(tmp_path / adapter, adapter=adapter) as world:
            world.seed(SEEDED, seed=3)
            worker = world.worker()
            run_until_done(world, worker)
            results[adapter] = decisions(world)
            payments = StandIn(world.cases.url).payments()
            if adapter == "screens":
                again = worker.run_pass(log_dir=tmp_path / "again")  # a second pass enters nothing and pays nothing
                assert again["write_back"]["written"] == 0 and StandIn(world.cases.url).payments() == payments
                assert worker.store.verify_audit_chain() is None
            worker.close()
    screens, api = results["screens"], results["api"]
    assert len(screens) == SEEDED and screens == api
    assert all(len(d) == 1 and len(paid) == (d[0][0] == "granted") for d, paid in screens.values())
    assert {d[0][0] for d, _ in screens.values()} == {"granted", "referred"}


def test_another_layout_changes_nothing_and_each_step_is_in_the_robot_log(tmp_path):
    """An extra column first in the list, the actions above the application, the decision form's fields in
    another order and its button on top: the adapter finds them by label and test id. Run as `casebot run`."""
    with world_in(tmp_path, adapter="screens", screens=("--layout", "revised")) as world:
        world.seed(6, seed=5)
        run = subprocess.run([sys.executable, "-m", "robots", "run", "--outputdir", str(tmp_path / "run")], env=world.env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert {r["status"] for r in case_system_state(world).values()} <= {"decided", "referred"}
        assert world.open_items() == 0
        first = next(iter(case_system_state(world)))
    journal = (tmp_path / "run" / "screens.log").read_text(encoding="utf-8")
    assert f"{first}\tclaim\tok" in journal and f"{first}\tdecision " in journal
    messages = []
    ExecutionResult(str(tmp_path / "run" / "output.xml")).visit(Messages(messages))
    [table] = [m for m in messages if m.startswith("<b>Case system screens:")]
    assert f"<td>{first}</td><td>claim</td><td>ok</td>" in table and "0 failed" in table


def test_an_element_gone_from_a_page_fails_the_item_as_application_with_a_screenshot_kept(tmp_path):
    with world_in(tmp_path, adapter="screens", screens=("--without", "amount")) as world:
        world.seed(8, seed=3)
        worker = world.worker(retry={"attempts": 1, "seconds": 1})
        worker.run_pass(log_dir=tmp_path / "run")
        with worker.store.sessions() as session:
            items = list(session.scalars(select(WorkItem)))
        worker.close()
    grants = [i for i in items if i.outcome == "granted"]
    assert grants and all(i.state == "FAILED" and i.error_kind == "APPLICATION" for i in grants)
    assert all("ScreenChanged" in i.last_error and "Belopp (kr)" in i.last_error for i in grants)
    assert all(i.state == "WITH_CASEWORKER" for i in items if i.outcome == "referred")  # a referral needs no amount
    shots = sorted((tmp_path / "run" / "screens").glob("*.png"))
    assert len(shots) >= len(grants) and all(s.with_suffix(".html").is_file() for s in shots)
    assert 'data-testid="decision-form"' in shots[0].with_suffix(".html").read_text(encoding="utf-8")


def test_a_lapsed_session_is_signed_in_again_and_the_step_done(tmp_path):
    with world_in(tmp_path, screens=("--session-minutes", "0.05")) as world:
        world.seed(2, seed=7)
        screens = screens_for(world)
        screens.use_log_dir(tmp_path)
        first, second = (a["application_id"] for a in screens.applications())
        screens.claim(first, "casebot@t", 600)
        time.sleep(3.5)  # the stand-in's sessions lapse after 3 s idle
        assert screens.claim(second, "casebot@t", 600)["application"]["application_id"] == second
        screens.close()
    # signed in at the start and again after the pause (and again whenever a busy machine kept a step idle that long)
    assert (tmp_path / "screens.log").read_text(encoding="utf-8").count("signing in as casebot") >= 2


def test_a_decision_saved_before_a_crash_is_not_entered_again_and_paid_once(tmp_path):
    with world_in(tmp_path, adapter="screens") as world:
        world.seed(3, seed=4)
        worker = world.worker()
        ctx = worker.start_run(log_dir=tmp_path)
        intake(ctx), fetch(ctx), decide(ctx)
        with worker.store.sessions() as session:
            items = list(session.scalars(select(WorkItem).where(WorkItem.outcome == "granted")))
        assert items
        # saved on screen, then the worker died before it noted so: the item still waits to be written
        screens = screens_for(world)
        assert all(screens.put_decision(i.application_id, i.decision_id, i.decision) for i in items)
        screens.close()
        counts = write_back(ctx)
        worker.finish_run(ctx, {}, "ok")
        worker.close()
        assert counts["already_there"] == len(items) and counts["failed"] == 0
        for i in items:
            assert StandIn(world.cases.url).payments(application_id=i.application_id)["count"] == 1


def test_a_decision_a_person_made_meanwhile_withdraws_the_item_as_through_the_api(tmp_path):
    with world_in(tmp_path, adapter="screens") as world:
        world.seed(2, seed=7)
        cases = StandIn(world.cases.url)
        worker = world.worker()
        ctx = worker.start_run(log_dir=tmp_path)
        intake(ctx), fetch(ctx), decide(ctx)
        with worker.store.sessions() as session:
            item = session.scalars(select(WorkItem).order_by(WorkItem.id)).first()
        by_person = dict(item.decision, outcome="refused", decided_by="caseworker:hs01")
        by_person.pop("amount", None)
        cases.put_decision(item.application_id, "manual-1", by_person)
        counts = write_back(ctx)
        worker.finish_run(ctx, {}, "ok")
        with worker.store.sessions() as session:
            withdrawn = session.get(WorkItem, item.id)
        worker.close()
    assert counts["withdrawn"] == 1 and withdrawn.state == "WITHDRAWN" and "already decided" in withdrawn.last_error


def test_a_case_system_that_does_not_answer_is_unavailable_and_a_missing_page_part_is_a_changed_screen(tmp_path):
    nowhere = CaseSystemScreens(f"http://127.0.0.1:{free_port()}", "casebot", "x", timeout=3)
    with pytest.raises(Unavailable, match="does not answer"):
        nowhere.claim("EB-2023-0000001", "casebot@t", 600)
    nowhere.close()
    with world_in(tmp_path, screens=("--without", "application-document")) as world:
        world.seed(1, seed=7)
        screens = screens_for(world)
        [only] = screens.applications()
        with pytest.raises(ScreenChanged, match="application-document"):
            screens.claim(only["application_id"], "casebot@t", 600)
        screens.close()


def test_a_claim_is_given_back_and_a_referral_returned_to_the_robot_on_screen(tmp_path):
    """The port's other two calls (an operator's `casebot items release`, the console's "send back")."""
    with world_in(tmp_path) as world:
        world.seed(2, seed=7)
        cases = StandIn(world.cases.url)
        screens = screens_for(world)
        first, second = (a["application_id"] for a in screens.applications())
        cases.claim(first, "casebot@other", 600)
        with pytest.raises(Conflict, match="held by casebot@other"):  # refused on screen: the API's error
            screens.claim(first, "casebot@t", 600)
        with pytest.raises(Conflict, match="not held by casebot@t"):
            screens.release(first, "casebot@t")
        cases.release(first, "casebot@other")
        screens.claim(first, "casebot@t", 600)
        screens.release(first, "casebot@t")
        screens.release(first, "casebot@t")  # given back already: the same again
        assert cases.get(first)["status"] == "submitted"
        referral = {"application_id": second, "period": "2023-11", "outcome": "referred", "calculation": {"made": False, "why": "test"},
                    "reasons": [{"code": "RENT_ABOVE_CEILING", "text": "Hyran är över taket"}], "rules_version": "test",
                    "decided_by": "robot:test", "decided_at": "2023-11-02T10:00:00+01:00"}
        assert screens.put_decision(second, "r-1", referral) is True
        with pytest.raises(Conflict, match="already used for another decision"):  # the same id for another decision
            screens.put_decision(second, "r-1", referral | {"outcome": "refused"})
        screens.reopen(second, "hs01", "registren svarar nu")
        screens.claim(first, "casebot@t", 600)
        with pytest.raises(Conflict, match="only a referred application"):  # a claimed one is not given back
            screens.reopen(first, "hs01", "inte hänvisad")
        screens.close()
        record = cases.get(second)
    assert record["status"] == "submitted" and record["events"][-1]["actor"] == "caseworker:hs01"
    assert "RENT_ABOVE_CEILING: Hyran är över taket" in next(e for e in record["events"] if e["event"] == "decision referred")["detail"]["reasons"]
