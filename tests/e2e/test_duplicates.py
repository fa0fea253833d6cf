"""A person is paid at most once a month, whatever the number of applications: the same application sent
twice, a couple applying separately, a second robot installation, a second instance with the same robot
id. The robot refers the later one (DUPLICATE_APPLICATION); the case system's ledger refuses a second
payment for a person and month."""

import copy
from collections import Counter

from sqlalchemy import select

from connectors.casesystem.standin import StandIn
from robots.bots.intake import intake
from robots.store import WorkItem
from tests.e2e.test_pipeline import case_system_state, run_until_done


def paid_person_months(world) -> Counter:
    """How many payments each person got for each month, from the case system's decisions and ledger."""
    paid = Counter()
    for record in case_system_state(world).values():
        if record["payments"]:
            members = record["application"]["household"]["members"]
            for m in members:
                paid[(m["personnummer"].replace("-", ""), record["application"]["period"])] += len(record["payments"])
    return paid


def clean_with_partner(seeded):
    return next(c for c in seeded if c.reason is None and any(m["role"] == "partner" for m in c.application["household"]["members"]))


def duplicate_reasons(world) -> dict[str, list[str]]:
    return {a: [r["code"] for r in rec["decisions"][0]["reasons"]] for a, rec in case_system_state(world).items()
            if any(r["code"] == "DUPLICATE_APPLICATION" for r in rec["decisions"][0]["reasons"])}


def test_the_same_household_applying_twice_and_a_couple_applying_separately_are_paid_once(world):
    seeded = world.seed(30, seed=8)
    cases = StandIn(world.cases.url)
    couple = clean_with_partner(seeded)
    again = copy.deepcopy(couple.application)
    # the very same form sent twice under other keys: the case system files it once
    first_id = cases.submit(again, idempotency_key="resent-1")
    assert cases.submit(copy.deepcopy(again), idempotency_key="resent-2") == first_id
    again["submitted_at"] = again["submitted_at"].replace(":00+", ":59+")  # pressed send again a minute later
    assert cases.submit(copy.deepcopy(again), idempotency_key="resent-3") == first_id
    # sent again with a note: another application, which the robot must not pay
    again["message"] = "Skickar ansökan igen, den förra syntes inte."
    assert cases.submit(again, idempotency_key="resent-4") != first_id
    # the partner applies for the same household too
    partner = copy.deepcopy(couple.application)
    for m in partner["household"]["members"]:
        m["role"] = {"applicant": "partner", "partner": "applicant"}.get(m["role"], m["role"])
    cases.submit(partner, idempotency_key="partner-1")

    worker = world.worker()
    run_until_done(world, worker)
    worker.close()
    paid = paid_person_months(world)
    assert paid and max(paid.values()) == 1, [k for k, n in paid.items() if n > 1]
    assert len(duplicate_reasons(world)) == 2  # the resent one and the partner's


def test_a_second_installation_finds_the_month_already_paid_in_the_case_systems_ledger(world, tmp_path):
    """Robot B has its own store, so only the case system knows A paid: its ledger refuses B's grant, and B
    refers instead."""
    seeded = world.seed(12, seed=9)
    a = world.worker()
    run_until_done(world, a)
    a.close()
    clean = next(c for c in seeded if c.reason is None)
    again = copy.deepcopy(clean.application)
    again["message"] = "Andra gången."
    resent = StandIn(world.cases.url).submit(again, idempotency_key="installation-b")

    b = world.worker(database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}")
    for _ in range(3):
        b.run_pass()
    with b.store.sessions() as session:
        item = session.scalars(select(WorkItem).where(WorkItem.application_id == resent)).one()
        assert item.state == "WITH_CASEWORKER" and item.written_at is not None
        assert {r["code"] for r in item.decision["reasons"]} == {"DUPLICATE_APPLICATION"}  # one per member paid elsewhere
    b.close()
    assert max(paid_person_months(world).values()) == 1
    assert StandIn(world.cases.url).get(resent)["payments"] == []


def test_two_instances_with_the_same_robot_id_are_two_claimants(world, tmp_path):
    """The default robot id on two machines: the second does not take what the first holds."""
    world.seed(20, seed=10)
    a = world.worker()
    b = world.worker(database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert a.settings.worker.robot_id == b.settings.worker.robot_id
    ctx = a.start_run()
    intake(ctx)  # A holds every application
    a.finish_run(ctx, {}, "ok")
    b.run_pass()
    with b.store.sessions() as session:
        assert set(session.scalars(select(WorkItem.state))) <= {"WITHDRAWN"}
    b.close()
    run_until_done(world, a)
    a.close()
    records = case_system_state(world)
    assert all(len(r["decisions"]) == 1 for r in records.values())
    assert all(r["decisions"][0]["decided_by"] == f"robot:{a.settings.worker.robot_id}@{a.instance}" for r in records.values())
