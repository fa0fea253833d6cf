"""Every bot against in-memory fakes of the case system and the gateway (tests/fakes.py), a real store
on a temporary SQLite file, and a clock the test moves: retries and deadlines without waiting."""

import logging
from datetime import timedelta

from sqlalchemy import select

import robots
import robots.bots.decide
from robots.bots.context import Context
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.sla_watch import sla_watch
from robots.bots.write_back import write_back
from robots.store import AuditEvent, WorkItem
from tests.conftest import PARAMS

ALL = (intake, fetch, decide, sample, write_back)


def test_a_clean_application_is_granted_written_and_paid_once(bench):
    bench.file("A-1")
    bench.through(*ALL)
    item = bench.items()["A-1"]
    assert (item.state, item.outcome, item.claimed_by) == ("WRITTEN", "granted", "casebot@bench-1")
    assert item.decision["decided_by"] == "robot:casebot@bench-1" and item.decision["decided_at"] == "2023-10-24T11:00:00+02:00"
    assert item.decision["software"] == f"casebot {robots.__version__}"
    assert bench.cases.payments == [("A-1", item.amount)]
    bench.through(*ALL)  # a second pass finds nothing to do
    assert bench.cases.payments == [("A-1", item.amount)]


def test_intake_withdraws_what_another_robot_holds_and_claims_the_rest(bench):
    for n in range(3):
        bench.file(f"A-{n}", seed=n)
    bench.cases.records["A-1"]["claimed_by"] = "casebot@another-host"  # took it between our listing and our claim
    counts = intake(bench.ctx)
    assert counts == {"new": 3, "claimed": 2, "taken_by_others": 1, "claim_failed": 0, "errors": 0}
    items = bench.items()
    assert (items["A-1"].state, items["A-1"].error_kind) == ("WITHDRAWN", "BUSINESS")
    assert {items["A-0"].state, items["A-2"].state} == {"CLAIMED"}


def test_a_failing_agency_waits_with_backoff_then_the_rules_refer(bench):
    application = bench.file("A-1")
    bench.gateway.failing.add(application["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)
    item = bench.items()["A-1"]
    assert (item.state, item.attempts, item.error_kind) == ("WAITING", 1, "SYSTEM")
    assert fetch(bench.ctx) == {"ready": 0, "waiting": 0, "given_up": 0}  # not before its time
    bench.advance(seconds=61)
    assert fetch(bench.ctx)["given_up"] == 1  # the second of two attempts
    decide(bench.ctx)
    item = bench.items()["A-1"]
    assert item.outcome == "referred" and [r["code"] for r in item.decision["reasons"]] == ["REGISTRY_UNAVAILABLE"]


def test_a_poison_item_fails_alone_after_its_attempts(bench, monkeypatch):
    for n in range(3):
        bench.file(f"A-{n}", seed=n)
    real = robots.bots.decide.decided_case

    def choke_on_a_1(application, *args, **kwargs):
        if application["application_id"] == "A-1":
            raise ValueError("a surprise in the data")
        return real(application, *args, **kwargs)

    monkeypatch.setattr(robots.bots.decide, "decided_case", choke_on_a_1)
    bench.through(intake, fetch)
    assert decide(bench.ctx)["errors"] == 1
    items = bench.items()
    assert items["A-1"].state == "READY" and {items["A-0"].state, items["A-2"].state} <= {"DECIDED", "REFERRED"}
    assert decide(bench.ctx)["errors"] == 0  # waits for its backoff, not retried at once
    bench.advance(seconds=61)
    assert decide(bench.ctx)["errors"] == 1
    item = bench.items()["A-1"]
    assert (item.state, item.error_kind, item.attempts, item.last_error) == ("FAILED", "APPLICATION", 2, "ValueError: a surprise in the data")
    # the batch tried at once and undone, then item by item: each neighbour decided once, every chain whole
    with bench.ctx.store.sessions() as session:
        steps = session.execute(select(WorkItem.application_id, AuditEvent.step).join(AuditEvent, AuditEvent.item_id == WorkItem.id)).all()
    assert sorted(s for a, s in steps if a == "A-0") == ["claimed", "decided", "fetched", "intake"]
    assert [s for a, s in steps if a == "A-1"].count("error") == 1 and [s for a, s in steps if a == "A-1"][-1] == "failed"
    assert bench.ctx.store.verify_audit_chain() is None


def test_write_back_retries_an_outage_with_backoff_then_gives_up_for_a_person(bench):
    bench.file("A-1")
    bench.through(intake, fetch, decide)
    bench.cases.down = True
    assert write_back(bench.ctx)["retry"] == 1
    bench.advance(seconds=61)
    assert write_back(bench.ctx)["failed"] == 1
    item = bench.items()["A-1"]
    assert (item.state, item.error_kind, item.attempts) == ("FAILED", "SYSTEM", 2)
    assert bench.cases.payments == []


def test_a_grant_the_ledger_already_pays_elsewhere_is_decided_again_and_referred(bench):
    application = bench.file("A-1")
    applicant = application["household"]["members"][0]["personnummer"].replace("-", "")
    bench.cases.paid[(applicant, "2023-11")] = "EB-ELSEWHERE"
    bench.through(intake, fetch, decide)
    assert write_back(bench.ctx)["paid_elsewhere"] == 1
    assert bench.items()["A-1"].state == "READY"
    bench.through(decide, write_back)
    item = bench.items()["A-1"]
    assert item.state == "WITH_CASEWORKER" and [r["code"] for r in item.decision["reasons"]] == ["DUPLICATE_APPLICATION"]
    assert "EB-ELSEWHERE" in item.decision["reasons"][0]["text"] and bench.cases.payments == []


def test_two_applications_for_one_household_in_the_store_are_paid_once(bench):
    first = bench.file("A-1")
    bench.cases.file(first | {"application_id": "A-2", "message": "igen"})
    bench.through(*ALL)
    items = bench.items()
    assert [items[a].outcome for a in ("A-1", "A-2")] == ["granted", "referred"]
    assert {r["code"] for r in items["A-2"].decision["reasons"]} == {"DUPLICATE_APPLICATION"}
    assert len(bench.cases.payments) == 1


def test_an_application_past_its_deadline_is_reported(bench, caplog):
    bench.file("A-1")
    intake(bench.ctx)
    assert sla_watch(bench.ctx) == {"overdue": 0}
    bench.advance(days=4)
    with caplog.at_level(logging.ERROR, logger="casebot.bots"):
        assert sla_watch(bench.ctx) == {"overdue": 1}
    assert "SLA BREACHED: A-1 (2023-11)" in caplog.text


def test_the_stickprov_draws_a_share_of_grants_and_records_each_draw(bench):
    for n in range(20):
        bench.file(f"A-{n}", seed=100 + n)
    bench.ctx.settings = bench.ctx.settings.model_copy(update={"sample": bench.ctx.settings.sample.model_copy(update={"share": 0.5})})
    bench.through(intake, fetch, decide)
    counts = sample(bench.ctx)
    grants = [i for i in bench.items().values() if i.outcome == "granted"]
    assert counts["drawn"] == len(grants) > 0 and all(i.sample_draw is not None for i in grants)
    assert counts["sampled"] == sum(i.sampled for i in grants)
    assert sample(bench.ctx) == {"drawn": 0, "sampled": 0}  # drawn once each


def test_a_broken_agency_part_is_judged_once_the_worker_refers_as_casebot_decide_does(bench):
    from robots.decide import decide as decide_application

    application = bench.file("A-1")
    applicant = application["household"]["members"][0]["personnummer"]
    answer = bench.gateway.answers[applicant]
    answer["sources"]["SKV"]["employer_reported_pay"] = [{"employer": "X AB", "gross": 1000, "tax_withheld": 1500}]
    bench.through(intake, fetch)
    assert bench.items()["A-1"].state == "WAITING"  # that agency failed, so it is asked again
    bench.advance(seconds=61)
    bench.through(fetch, decide)
    item = bench.items()["A-1"]
    assert [r["code"] for r in item.decision["reasons"]] == ["REGISTRY_UNAVAILABLE"]
    again = decide_application(application, [bench.gateway.answers[m["personnummer"]] for m in application["household"]["members"]],
                               PARAMS, decided_at=item.decision["decided_at"], decided_by=item.decision["decided_by"])
    assert again["reasons"] == item.decision["reasons"]


def test_a_fetch_that_comes_back_after_its_lease_was_taken_over_records_nothing(bench):
    from sqlalchemy import update

    from robots.bots.fetch import _record, request_for
    from robots.store.queue import lease

    bench.file("A-1")
    intake(bench.ctx)
    with bench.ctx.store.unit_of_work() as session:
        [item] = lease(session, ["CLAIMED"], **bench.ctx.lease_args())
    [(_, result)] = list(bench.gateway.fetch_each([request_for(item.application, PARAMS)]))
    with bench.ctx.store.unit_of_work() as session:  # meanwhile our lease lapsed, and another worker leased it
        session.execute(update(WorkItem).where(WorkItem.id == item.id).values(lease_owner="casebot/another-run"))
    counts = {"ready": 0, "waiting": 0, "given_up": 0}
    with bench.ctx.store.unit_of_work() as session:
        _record(bench.ctx, session, [(item, result)], counts)
    assert counts == {"ready": 0, "waiting": 0, "given_up": 0}
    assert bench.items()["A-1"].state == "CLAIMED"  # untouched: the other worker records its own fetch


def test_a_takeover_that_fails_still_remembers_who_holds_the_claim(bench):
    """Instance X claimed and died; A takes over but its claim fails (an outage); B, later, must still name
    X, or the case system's 409 would read as 'taken by others' and the application would be lost."""
    bench.file("A-1")
    with bench.ctx.store.unit_of_work() as session:  # X wrote the item and claimed, then died
        from robots.store.queue import add_new

        add_new(session, [{"application_id": "A-1", "period": "2023-11", "state": "NEW", "received_at": bench.clock[0],
                           "deadline": bench.clock[0] + timedelta(days=2), "attempts": 0, "created_at": bench.clock[0],
                           "updated_at": bench.clock[0], "claimed_by": "casebot@x"}])
    bench.cases.records["A-1"].update(status="claimed", claimed_by="casebot@x")
    bench.cases.claims_down = True
    a = bench.ctx
    assert intake(a)["claim_failed"] == 1
    bench.cases.claims_down = False
    bench.advance(seconds=200)  # A's lease lapses; B comes
    b = Context(a.store, a.casesystem, a.gateway, a.params, a.settings, "run-2", 8, "bench-2", clock=a.clock)
    assert intake(b)["claimed"] == 1
    item = bench.items()["A-1"]
    assert (item.state, item.claimed_by, item.replaces) == ("CLAIMED", "casebot@bench-2", None)


def test_an_application_decided_by_hand_in_the_case_system_meanwhile_is_withdrawn(bench):
    from robots.store.models import PersonMonth

    bench.file("A-1")
    bench.through(intake, fetch, decide)
    bench.cases.decide_by_hand("A-1", "hs01")
    assert write_back(bench.ctx)["withdrawn"] == 1
    item = bench.items()["A-1"]
    assert item.state == "WITHDRAWN" and bench.cases.payments == []
    with bench.ctx.store.sessions() as session:
        assert session.scalars(select(PersonMonth).where(PersonMonth.item_id == item.id)).all() == []  # the month is free again
