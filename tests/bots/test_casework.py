"""People's actions on work items (robots/casework.py) against the in-memory fakes: a caseworker decides a
referral or sends it back, an operator requeues a failed item, a stickprov is checked. Each is a workflow
move with its audit event naming who, and a decision reaches the case system once."""

import pytest
from sqlalchemy import select

from robots import casework
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.write_back import write_back
from robots.casework import NotPossible, Person
from robots.replay import differences, redecide
from robots.store import AuditEvent
from robots.store.models import AuditAnchor, PersonMonth
from robots.trail.verify import verify

ALL = (intake, fetch, decide, sample, write_back)
ANNA = Person("anna", "caseworker")
OLLE = Person("olle", "operator")


def referred(bench, reason="RENT_CHANGED", application_id="A-1"):
    bench.file(application_id, reason)
    bench.through(*ALL)
    item = bench.items()[application_id]
    assert item.state == "WITH_CASEWORKER", item.state
    return item


def steps(bench, item_id):
    with bench.ctx.store.sessions() as session:
        return [(e.step, e.detail.get("by")) for e in session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.seq))]


def test_a_grant_with_an_adjusted_rent_is_recomputed_written_and_paid_once(bench):
    item = referred(bench)
    calc = item.decision["calculation"]
    rent = calc["costs"]["rent"]
    done = casework.decide(bench.ctx, item.id, ANNA, "granted", "Hyran enligt nytt hyresavtal.", adjustments={"costs": {"rent": rent - 500}})
    assert (done.state, done.outcome, done.amount) == ("WRITTEN", "granted", calc["deficit"] - 500)
    assert done.decision["decided_by"] == "caseworker:anna" and done.decision["adjustments"] == {"costs": {"rent": [rent, rent - 500]}}
    assert done.referral["outcome"] == "referred" and done.decision_id == "casebot-A-1-2023-11-handlaggare"
    assert bench.cases.payments == [("A-1", done.amount)]
    assert ("decided", "caseworker:anna") in steps(bench, item.id)
    with bench.ctx.store.sessions() as session:  # the person's action is anchored, up to the written-back event
        anchor = session.scalars(select(AuditAnchor).order_by(AuditAnchor.id.desc())).first()
    assert anchor.run_id == "console" and anchor.heads == [[item.id, len(steps(bench, item.id)), anchor.heads[0][2]]]
    bench.through(*ALL)  # the worker finds nothing more to write
    assert bench.cases.payments == [("A-1", done.amount)]
    assert verify(bench.ctx.store).holds
    recorded, again = redecide(bench.ctx.store, "A-1")  # the rules' part re-runs: the referral, not the person's grant
    assert recorded == done.referral and differences(recorded, again) == []


def test_a_refusal_pays_nothing_and_needs_a_justification(bench):
    item = referred(bench)
    with pytest.raises(NotPossible, match="motivering"):
        casework.decide(bench.ctx, item.id, ANNA, "refused", "   ")
    assert bench.items()["A-1"].state == "WITH_CASEWORKER"
    done = casework.decide(bench.ctx, item.id, ANNA, "refused", "Tillgångar över buffert.")
    assert (done.state, done.outcome, done.amount) == ("WRITTEN", "refused", None)
    assert bench.cases.payments == []
    with pytest.raises(NotPossible, match="inte hos en handläggare"):  # a second click on a stale page
        casework.decide(bench.ctx, item.id, ANNA, "granted", "Ändrade mig.")


def test_a_decision_the_case_system_cannot_take_now_is_written_by_the_next_pass(bench):
    item = referred(bench)
    bench.cases.down = True
    done = casework.decide(bench.ctx, item.id, ANNA, "granted", "Allt stämmer.")
    assert done.state == "CASEWORKER_DECIDED" and done.attempts == 1
    bench.cases.down = False
    bench.advance(seconds=61)
    write_back(bench.ctx)
    assert bench.items()["A-1"].state == "WRITTEN" and len(bench.cases.payments) == 1


def test_a_grant_in_part_must_stay_below_the_deficit(bench):
    item = referred(bench)
    deficit = item.decision["calculation"]["deficit"]
    with pytest.raises(NotPossible, match="högst underskottet"):
        casework.decide(bench.ctx, item.id, ANNA, "granted", "Delvis.", amount=deficit + 1)
    done = casework.decide(bench.ctx, item.id, ANNA, "granted", "Delvis: elen ingår inte.", amount=deficit - 100)
    assert done.amount == deficit - 100


def test_a_grant_is_refused_when_a_member_is_granted_the_month_elsewhere(bench):
    item = referred(bench)
    bench.file("A-2", seed=2)
    intake(bench.ctx)
    applicant = item.application["household"]["members"][0]["personnummer"].replace("-", "")
    with bench.ctx.store.unit_of_work() as session:  # another application holds the applicant's month
        session.add(PersonMonth(period=item.period, person=applicant, item_id=bench.items()["A-2"].id))
    with pytest.raises(NotPossible, match="redan beviljats.*A-2"):
        casework.decide(bench.ctx, item.id, ANNA, "granted", "Allt stämmer.")
    assert bench.cases.payments == [] and bench.items()["A-1"].state == "WITH_CASEWORKER"


def test_sent_back_to_the_robot_it_is_fetched_and_decided_again_under_a_new_decision_id(bench):
    application = bench.file("A-1")
    bench.gateway.failing.add(application["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)
    bench.advance(seconds=61)  # the second and last attempt fails too: referred
    bench.through(fetch, decide, write_back)
    item = bench.items()["A-1"]
    assert item.state == "WITH_CASEWORKER" and [r["code"] for r in item.decision["reasons"]] == ["REGISTRY_UNAVAILABLE"]
    bench.gateway.failing.clear()  # the register is back
    casework.send_back(bench.ctx, item.id, ANNA, "Registret svarar igen.")
    again = bench.items()["A-1"]
    assert (again.state, again.round, again.decision, again.referral["outcome"]) == ("NEW", 2, None, "referred")
    assert bench.cases.records["A-1"]["status"] == "submitted"
    bench.through(*ALL)
    again = bench.items()["A-1"]
    assert (again.state, again.outcome, again.decision_id) == ("WRITTEN", "granted", "casebot-A-1-2023-11-2")
    assert len(bench.cases.payments) == 1
    assert ("sent back", "caseworker:anna") in steps(bench, item.id)


def test_an_operator_requeues_a_failed_write_back_and_it_is_written(bench):
    bench.file("A-1")
    bench.through(intake, fetch, decide)
    bench.cases.down = True
    for _ in range(2):  # [retry] attempts = 2 on the bench
        write_back(bench.ctx)
        bench.advance(seconds=61)
    assert bench.items()["A-1"].state == "FAILED"
    bench.cases.down = False
    with pytest.raises(NotPossible, match="Bara ett misslyckat"):
        casework.requeue(bench.ctx, referred(bench, application_id="A-2").id, OLLE, "")
    assert casework.requeue(bench.ctx, bench.items()["A-1"].id, OLLE, "Verksamhetssystemet är uppe igen.") == "DECIDED"
    write_back(bench.ctx)
    item = bench.items()["A-1"]
    assert item.state == "WRITTEN" and len(bench.cases.payments) == 1
    assert ("requeued", "operator:olle") in steps(bench, item.id)


def test_a_failed_claim_is_requeued_to_be_claimed_again(bench):
    bench.file("A-1")
    bench.cases.claims_down = True
    for _ in range(2):
        intake(bench.ctx)
        bench.advance(seconds=61)
    assert bench.items()["A-1"].state == "FAILED"
    bench.cases.claims_down = False
    assert casework.requeue(bench.ctx, bench.items()["A-1"].id, OLLE, "") == "NEW"
    bench.through(*ALL)
    assert bench.items()["A-1"].state == "WRITTEN"


def test_a_stickprov_is_checked_once(bench):
    settings = bench.ctx.settings
    bench.ctx.settings = settings.model_copy(update={"sample": settings.sample.model_copy(update={"share": 0.5})})
    for n in range(8):
        bench.file(f"A-{n}", seed=n)
    bench.through(*ALL)
    sampled = [i for i in bench.items().values() if i.sampled]
    assert sampled and len(sampled) < 8, "a share of 0.5 should draw some of 8 grants, not all"
    casework.check_sample(bench.ctx, sampled[0].id, ANNA, "Hyresavtal kontrollerat.")
    with pytest.raises(NotPossible, match="redan kontrollerat"):
        casework.check_sample(bench.ctx, sampled[0].id, ANNA, "")
    unsampled = next(i for i in bench.items().values() if not i.sampled)
    with pytest.raises(NotPossible, match="inte uttaget"):
        casework.check_sample(bench.ctx, unsampled.id, ANNA, "")


def test_sending_back_again_after_a_lost_answer_goes_through(bench):
    item = referred(bench)
    bench.cases.reopen("A-1", "anna", "the first call, whose answer was lost")  # the case system did it; the store did not
    casework.send_back(bench.ctx, item.id, ANNA, "Igen.")
    assert bench.items()["A-1"].state == "NEW" and bench.cases.records["A-1"]["status"] == "submitted"


def test_a_grant_the_ledger_refuses_is_requeued_to_the_caseworker_as_a_new_round(bench):
    item = referred(bench)
    applicant = item.application["household"]["members"][0]["personnummer"].replace("-", "")
    bench.cases.paid[(applicant, "2023-11")] = "B-9"  # paid elsewhere after the referral, unknown to the store
    done = casework.decide(bench.ctx, item.id, ANNA, "granted", "Allt stämmer.")
    assert done.state == "FAILED" and done.error_kind == "BUSINESS"
    assert casework.requeue(bench.ctx, item.id, OLLE, "Betalas i B-9.") == "WITH_CASEWORKER"
    again = bench.items()["A-1"]
    assert (again.round, again.outcome, again.decision["outcome"]) == (2, "referred", "referred")
    with bench.ctx.store.sessions() as session:
        assert session.scalars(select(PersonMonth).where(PersonMonth.item_id == item.id)).all() == []
    done = casework.decide(bench.ctx, item.id, ANNA, "refused", "Betalas redan i ansökan B-9.")
    assert (done.state, done.decision_id) == ("WRITTEN", "casebot-A-1-2023-11-2-handlaggare") and bench.cases.payments == []


def test_a_referral_for_a_member_paid_elsewhere_cannot_be_granted_by_hand(bench):
    item = referred(bench)
    with bench.ctx.store.unit_of_work() as session:
        session.get(type(item), item.id).granted_elsewhere = {"190001010000": "B-1"}
    with pytest.raises(NotPossible, match="redan beviljats.*B-1"):
        casework.decide(bench.ctx, item.id, ANNA, "granted", "Allt stämmer.")
