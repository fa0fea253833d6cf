"""The case-system client against the reference case system, over HTTP."""

import copy
import json

import pytest
import requests

from connectors.errors import Conflict, NotFound, Rejected
from tests.builders import FIXED_TIME, case, pnr
from tests.conftest import run


def submission(born="1985-06-15", serial=0, **overrides):
    application, answers, _ = case(applicant=born, **overrides)
    application["household"]["members"][0]["personnummer"] = pnr(born, serial)
    application["history"]["previous_members"] = [m["personnummer"] for m in application["household"]["members"]]
    for key in ("application_id", "history"):
        application.pop(key)
    return application


@pytest.fixture
def filed(casesystem, request):
    """A freshly submitted application: (id, its record)."""
    application_id = casesystem.submit(submission(serial=abs(hash(request.node.name)) % 900), idempotency_key=request.node.nodeid)
    return application_id


@pytest.mark.parametrize("garbage,message", [
    ([1, 2], "the request body must be a JSON object"),
    ({"kind": "repeat", "household": {"members": []}}, "period must be"),
    ({"kind": "weekly", "period": "2023-11"}, "kind must be"),
    ({"kind": "repeat", "period": "2023-11", "household": {"members": [{"role": "child"}]}}, "exactly one applicant"),
    ({"application_id": "A", "kind": "repeat", "period": "2023-11"}, "application_id is assigned by the case system"),
])
def test_garbage_is_refused_with_422_and_a_clear_message(casesystem, garbage, message):
    with pytest.raises(Rejected) as e:
        casesystem.submit(garbage, idempotency_key=f"garbage-{message}")
    assert e.value.status == 422
    assert message in str(e.value)


def test_a_flawed_but_fileable_application_is_filed_with_its_problems_noted(casesystem):
    application = submission(serial=901)
    application["costs"]["rent"] = -100
    application_id = casesystem.submit(application, idempotency_key="flawed-1")
    record = casesystem.get(application_id)
    assert record["status"] == "submitted"
    assert "costs.rent: -100 is less than the minimum of 0" in record["events"][0]["detail"]["problems"]


def test_the_same_idempotency_key_files_once(casesystem):
    application = submission(serial=902)
    first = casesystem.submit(application, idempotency_key="same-key")
    assert casesystem.submit(application, idempotency_key="same-key") == first


def test_submitted_applications_are_listed_oldest_first_a_page_at_a_time(casesystem, casesystem_stub):
    ids = [casesystem.submit(submission(serial=910 + i), idempotency_key=f"paging-{i}") for i in range(7)]
    listed = [a["application_id"] for a in casesystem.applications(page_size=3)]
    assert [i for i in listed if i in ids] == ids  # in submission order, none lost across pages
    page = requests.get(casesystem_stub.url + "/applications", params={"limit": 3}, timeout=5).json()
    assert len(page["items"]) == 3 and page["next"] is not None


def test_history_comes_from_the_case_systems_records(casesystem):
    application = submission(serial=920)
    applicant = application["household"]["members"][0]["personnummer"]
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 9, "jobbstimulans_months_used": 3,
                                                  "previous_rent": 7200, "previous_members": [applicant], "last_period": "2023-10"})
    record = casesystem.get(casesystem.submit(application, idempotency_key="history-1"))
    assert record["application"]["history"] == {"consecutive_months_on_assistance": 9, "jobbstimulans_months_used": 3,
                                                 "previous_rent": 7200, "previous_members": [applicant]}


def test_a_gap_in_the_months_resets_the_run(casesystem):
    application = submission(serial=921)
    applicant = application["household"]["members"][0]["personnummer"]
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 9, "jobbstimulans_months_used": 3, "last_period": "2023-08"})
    history = casesystem.get(casesystem.submit(application, idempotency_key="gap-1"))["application"]["history"]
    assert history["consecutive_months_on_assistance"] == 0 and history["jobbstimulans_months_used"] == 3


def test_claim_locks_out_other_robots_and_caseworkers_until_released(casesystem, casesystem_stub, filed):
    record = casesystem.claim(filed, "robot-a")
    assert record["status"] == "claimed" and record["claimed_by"] == "robot-a"
    assert casesystem.claim(filed, "robot-a")["status"] == "claimed"  # the same robot again: the same claim
    with pytest.raises(Conflict):
        casesystem.claim(filed, "robot-b")
    note = {"caseworker": "hs01", "note": "Ringde sökande."}
    r = requests.post(f"{casesystem_stub.url}/applications/{filed}/notes", json=note, timeout=5)
    assert r.status_code == 423 and "being handled by robot-a" in r.json()["detail"]
    casesystem.release(filed, "robot-a")
    assert requests.post(f"{casesystem_stub.url}/applications/{filed}/notes", json=note, timeout=5).status_code == 200
    assert casesystem.claim(filed, "robot-b")["claimed_by"] == "robot-b"


def test_an_expired_lease_can_be_taken_over(casesystem, filed):
    import time

    casesystem.claim(filed, "robot-a", lease_seconds=1)
    time.sleep(1.1)
    assert casesystem.claim(filed, "robot-b")["claimed_by"] == "robot-b"


def test_unknown_application_is_not_found(casesystem):
    with pytest.raises(NotFound):
        casesystem.get("EB-0000-9999999")


def decision_for(casesystem, application_id):
    """The rules' decision for the application as the case system holds it (no register data: referred)."""
    record = casesystem.get(application_id)
    return run(record["application"], [])


def granted(application_id, amount=5000, jobbstimulans=0):
    return {
        "application_id": application_id, "period": "2023-11", "outcome": "granted", "amount": amount,
        "calculation": {"norm": {"total": 4620, "lines": []}, "costs": {"rent": 4000}, "income": {},
                        "disregarded_income": {"jobbstimulans": jobbstimulans} if jobbstimulans else {},
                        "need": 8620, "counted_income": 3620, "deficit": amount},
        "reasons": [], "rules_version": "test", "decided_by": "robot:test", "decided_at": FIXED_TIME,
    }


def test_the_same_decision_twice_is_one_decision_and_one_payment(casesystem, filed):
    casesystem.claim(filed, "robot-a")
    assert casesystem.put_decision(filed, f"{filed}-d1", granted(filed)) is True
    assert casesystem.put_decision(filed, f"{filed}-d1", granted(filed)) is False
    record = casesystem.get(filed)
    assert record["status"] == "decided"
    assert [p["amount"] for p in record["payments"]] == [5000]
    assert casesystem.payments(application_id=filed)["count"] == 1


def test_a_different_decision_for_a_decided_application_is_a_conflict(casesystem, filed):
    casesystem.put_decision(filed, f"{filed}-d1", granted(filed))
    with pytest.raises(Conflict) as e:
        casesystem.put_decision(filed, f"{filed}-d2", granted(filed, amount=6000))
    assert "already decided" in str(e.value)
    with pytest.raises(Conflict):  # the same id for other content
        casesystem.put_decision(filed, f"{filed}-d1", granted(filed, amount=6000))
    assert casesystem.payments(application_id=filed)["total"] == 5000


def test_a_referred_application_waits_for_a_caseworker(casesystem, filed):
    referral = decision_for(casesystem, filed)
    assert referral["outcome"] == "referred"
    casesystem.put_decision(filed, f"{filed}-r", referral)
    assert casesystem.get(filed)["status"] == "referred"
    with pytest.raises(Conflict):  # the robot does not decide it again
        casesystem.put_decision(filed, f"{filed}-g", granted(filed))
    by_caseworker = granted(filed, amount=4100) | {"decided_by": "caseworker:hs01"}
    assert casesystem.put_decision(filed, f"{filed}-cw", by_caseworker) is True
    assert casesystem.get(filed)["status"] == "decided"
    assert casesystem.payments(application_id=filed)["total"] == 4100


def test_a_decision_that_breaks_the_contract_is_refused(casesystem, filed):
    bad = granted(filed)
    bad["amount"] = 12.5
    with pytest.raises(Rejected) as e:
        casesystem.put_decision(filed, f"{filed}-bad", bad)
    assert e.value.status == 422 and "amount" in str(e.value)
    other = granted("EB-OTHER")
    with pytest.raises(Rejected, match="is for 'EB-OTHER'"):
        casesystem.put_decision(filed, f"{filed}-other", other)


def test_a_grant_extends_the_households_history(casesystem):
    application = submission(serial=930)
    applicant = application["household"]["members"][0]["personnummer"]
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 5, "jobbstimulans_months_used": 0, "last_period": "2023-10"})
    application_id = casesystem.submit(application, idempotency_key="extend-1")
    casesystem.put_decision(application_id, f"{application_id}-d", granted(application_id, jobbstimulans=500))
    history = casesystem.household_history(applicant)
    assert (history["consecutive_months_on_assistance"], history["jobbstimulans_months_used"], history["last_period"]) == (6, 1, "2023-11")
    assert history["previous_rent"] == application["costs"]["rent"]


def test_the_stored_application_is_what_was_submitted(casesystem):
    application = submission(serial=940)
    stored = casesystem.get(casesystem.submit(copy.deepcopy(application), idempotency_key="roundtrip"))["application"]
    stored.pop("application_id")
    stored.pop("history", None)
    assert json.dumps(stored, sort_keys=True) == json.dumps(application, sort_keys=True)
