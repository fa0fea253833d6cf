"""The case-system client against the reference case system, over HTTP."""

import copy
import itertools
import json
import sqlite3

import pytest
import requests

from connectors.casesystem.server import SCHEMA_VERSION, migrate
from connectors.casesystem.standin import StandIn
from connectors.errors import Conflict, NotFound, Rejected
from connectors.serving import StubProcess
from tests.builders import FIXED_TIME, case, pnr
from tests.conftest import run


def submission(born="1985-06-15", serial=0, **overrides):
    application, answers, _ = case(applicant=born, **overrides)
    application["household"]["members"][0]["personnummer"] = pnr(born, serial)
    application["history"]["previous_members"] = [m["personnummer"] for m in application["household"]["members"]]
    for key in ("application_id", "history"):
        application.pop(key)
    return application


_SERIALS = itertools.count()
_FRESH: set[str] = set()


def fresh_submission() -> dict:
    """An application of a person no other test files in this process (the stub is shared, and the same
    content is the same application): born on a day no other test uses, each with a personnummer of its own."""
    while True:
        application = submission(born="1985-06-16", serial=next(_SERIALS))
        who = application["household"]["members"][0]["personnummer"]
        if who not in _FRESH:
            _FRESH.add(who)
            return application


@pytest.fixture
def filed(casesystem, request):
    """A freshly submitted application's id."""
    return casesystem.submit(fresh_submission(), idempotency_key=request.node.nodeid)


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
    application = submission(serial=920, children=["2008-05-01"])
    applicant, child = (m["personnummer"] for m in application["household"]["members"])
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 9, "jobbstimulans_since": "2023-03",
                                                  "previous_rent": 7200, "previous_members": [applicant, child],
                                                  "child_earnings_this_year": {child: 12000}, "last_period": "2023-10"})
    record = casesystem.get(casesystem.submit(application, idempotency_key="history-1"))
    assert record["application"]["history"] == {"consecutive_months_on_assistance": 9, "jobbstimulans_since": "2023-03",
                                                 "previous_rent": 7200, "previous_members": [applicant, child],
                                                 "child_earnings_this_year": {child: 12000}}


def history_for(casesystem, history: dict, period: str, key: str, born="1979-03-03", serial=0, **overrides) -> dict:
    """The history a new application for `period` gets after the household's records were set to `history`."""
    application = submission(born=born, serial=serial, period=period, **overrides)
    casesystem.set_household_history(application["household"]["members"][0]["personnummer"], history)
    return casesystem.get(casesystem.submit(application, idempotency_key=key))["application"].get("history")


def test_a_gap_in_the_months_resets_the_run_and_ends_jobbstimulans(casesystem):
    history = history_for(casesystem, {"consecutive_months_on_assistance": 9, "jobbstimulans_since": "2023-06", "last_period": "2023-08"},
                          "2023-11", "gap-1", serial=1)
    assert history["consecutive_months_on_assistance"] == 0 and "jobbstimulans_since" not in history


@pytest.mark.parametrize("since,current", [
    ("2023-11", True),  # month 1 of the two years is the month it began
    ("2021-12", True),  # 2023-11 is month 24
    ("2021-11", False),  # month 25: over
    ("2023-12", False),  # after the period: no start of it
])
def test_jobbstimulans_since_is_copied_only_while_the_two_years_last(casesystem, since, current):
    history = history_for(casesystem, {"consecutive_months_on_assistance": 30, "jobbstimulans_since": since, "last_period": "2023-10"},
                          "2023-11", f"since-{since}", serial=10 + int(since[2:4]) * 12 + int(since[5:7]))
    assert history["consecutive_months_on_assistance"] == 30
    assert history.get("jobbstimulans_since") == (since if current else None)


def test_child_earnings_are_copied_only_within_their_calendar_year_keyed_as_the_application_writes(casesystem):
    earlier = {"consecutive_months_on_assistance": 9, "last_period": "2023-12"}
    child = pnr("2008-05-01", 10)
    # The records are of the year of the month after last_period: 2024.
    history = history_for(casesystem, earlier | {"child_earnings_this_year": {child: 4000}}, "2024-01", "earnings-1",
                          serial=40, children=["2008-05-01"])
    assert history["child_earnings_this_year"] == {child: 4000}
    history = history_for(casesystem, earlier | {"child_earnings_this_year": {child: 4000}}, "2025-01", "earnings-2",
                          serial=41, children=["2008-05-01"])
    assert "child_earnings_this_year" not in history
    application = submission(born="1979-03-03", serial=42, period="2024-01", children=["2008-05-01"])
    application["household"]["members"][1]["personnummer"] = child.replace("-", "")
    casesystem.set_household_history(application["household"]["members"][0]["personnummer"],
                                     earlier | {"child_earnings_this_year": {child: 4000}})
    history = casesystem.get(casesystem.submit(application, idempotency_key="earnings-3"))["application"]["history"]
    assert history["child_earnings_this_year"] == {child.replace("-", ""): 4000}


def test_child_earnings_in_the_records_need_last_period(casesystem_stub):
    child = pnr("2008-05-01", 10)
    r = requests.put(f"{casesystem_stub.url}/admin/households/{pnr('1979-03-03', 43)}/history", timeout=5,
                     json={"consecutive_months_on_assistance": 0, "child_earnings_this_year": {child: 100}})
    assert r.status_code == 422 and "needs last_period" in r.json()["detail"]


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


def test_a_robot_instance_takes_over_the_claim_of_a_dead_one_only_by_naming_it(casesystem, filed):
    casesystem.claim(filed, "casebot@host-1")
    with pytest.raises(Conflict):  # the same robot id, another instance: another claimant
        casesystem.claim(filed, "casebot@host-2")
    with pytest.raises(Conflict):
        casesystem.claim(filed, "casebot@host-2", replaces=["casebot@host-3"])
    assert casesystem.claim(filed, "casebot@host-2", replaces=["casebot@host-3", "casebot@host-1"])["claimed_by"] == "casebot@host-2"
    record = casesystem.get(filed)
    assert [(e["actor"], e["event"]) for e in record["events"][-2:]] == [("casebot@host-1", "claimed"), ("casebot@host-2", "claim taken over")]


def test_the_same_content_under_another_key_or_time_is_the_same_application(casesystem):
    application = submission(serial=960)
    first = casesystem.submit(copy.deepcopy(application), idempotency_key="content-1")
    application["submitted_at"] = "2023-10-23T09:00:00+02:00"
    assert casesystem.submit(copy.deepcopy(application), idempotency_key="content-2") == first
    application["message"] = "Andra försöket."
    assert casesystem.submit(application, idempotency_key="content-3") != first


def test_the_ledger_pays_a_person_once_a_month_whatever_the_application(casesystem):
    application = submission(serial=961, partner="1986-01-01")
    first = casesystem.submit(copy.deepcopy(application), idempotency_key="ledger-1")
    application["message"] = "Min sambo ansöker också."
    for m in application["household"]["members"]:
        m["role"] = {"applicant": "partner", "partner": "applicant"}[m["role"]]
    second = casesystem.submit(application, idempotency_key="ledger-2")
    assert casesystem.put_decision(first, f"{first}-d", granted(first)) is True
    with pytest.raises(Conflict) as e:
        casesystem.put_decision(second, f"{second}-d", granted(second))
    assert e.value.detail["code"] == "ALREADY_PAID"
    assert set(e.value.detail["granted_elsewhere"].values()) == {first}
    assert len(e.value.detail["granted_elsewhere"]) == 2
    assert f"already paid for 2023-11 under application {first}" in str(e.value)
    assert casesystem.get(second)["status"] == "submitted" and casesystem.get(second)["payments"] == []
    referred = granted(second) | {"outcome": "referred", "reasons": [{"code": "DUPLICATE_APPLICATION", "text": "x"}]}
    referred.pop("amount")
    assert casesystem.put_decision(second, f"{second}-d", referred) is True  # the same id, now a referral
    assert casesystem.put_decision(first, f"{first}-d", granted(first)) is False  # the first one's retry is still fine


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


def granted(application_id, amount=5000, jobbstimulans=0, period="2023-11", child_earnings=None):
    decision = {
        "application_id": application_id, "period": period, "outcome": "granted", "amount": amount,
        "calculation": {"norm": {"total": 4620, "lines": []}, "costs": {"rent": 4000}, "income": {},
                        "disregarded_income": {"jobbstimulans": jobbstimulans} if jobbstimulans else {},
                        "need": 8620, "counted_income": 3620, "deficit": amount},
        "reasons": [], "rules_version": "test", "decided_by": "robot:test", "decided_at": FIXED_TIME,
    }
    if child_earnings is not None:
        decision["calculation"]["child_earnings"] = child_earnings
    return decision


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
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 5, "last_period": "2023-10"})
    application_id = casesystem.submit(application, idempotency_key="extend-1")
    casesystem.put_decision(application_id, f"{application_id}-d", granted(application_id, jobbstimulans=500))
    history = casesystem.household_history(applicant)
    assert (history["consecutive_months_on_assistance"], history["jobbstimulans_since"], history["last_period"]) == (6, "2023-11", "2023-11")
    assert history["previous_rent"] == application["costs"]["rent"]


def grant_month(casesystem, applicant_born, serial, period, key, jobbstimulans=0, child_earnings=None, **overrides) -> dict:
    """Submit the household's application for `period`, grant it, and return the history it was filed with."""
    application_id = casesystem.submit(submission(born=applicant_born, serial=serial, period=period, **overrides), idempotency_key=key)
    filed = casesystem.get(application_id)["application"].get("history")
    casesystem.put_decision(application_id, f"{application_id}-d",
                            granted(application_id, jobbstimulans=jobbstimulans, period=period, child_earnings=child_earnings))
    return filed


@pytest.mark.parametrize("since,applied,after", [
    (None, True, "2023-11"),  # none yet: the two years begin with this month
    ("2023-02", True, "2023-02"),  # current: kept
    ("2021-11", True, "2023-11"),  # over (this would be month 25): begin again
    ("2023-02", False, "2023-02"),  # current but not applied this month: kept
    ("2021-11", False, None),  # over and not applied: cleared
])
def test_a_grant_starts_keeps_or_ends_the_two_years_of_jobbstimulans(casesystem, since, applied, after):
    serial = 100 + 2 * (int(since[2:4]) * 12 + int(since[5:7]) if since else 0) + applied
    applicant = pnr("1977-07-07", serial)
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 12, "jobbstimulans_since": since, "last_period": "2023-10"})
    grant_month(casesystem, "1977-07-07", serial, "2023-11", f"grant-since-{since}-{applied}", jobbstimulans=1000 if applied else 0)
    assert casesystem.household_history(applicant)["jobbstimulans_since"] == after


def test_a_grant_after_a_gap_begins_the_two_years_again(casesystem):
    applicant = pnr("1977-07-07", 1)
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 12, "jobbstimulans_since": "2023-05", "last_period": "2023-08"})
    grant_month(casesystem, "1977-07-07", 1, "2023-11", "grant-gap-1", jobbstimulans=1000)
    assert casesystem.household_history(applicant)["jobbstimulans_since"] == "2023-11"
    filed = grant_month(casesystem, "1977-07-07", 1, "2023-12", "grant-gap-2", jobbstimulans=1000)
    assert filed["jobbstimulans_since"] == "2023-11"
    assert casesystem.household_history(applicant)["jobbstimulans_since"] == "2023-11"


def test_child_earnings_add_up_over_the_grants_of_a_year_and_restart_in_the_next(casesystem):
    born, serial = "1976-06-06", 1
    applicant, child, youth = pnr(born, serial), pnr("2008-05-01", 10), pnr("2005-02-01", 11)
    household = {"children": ["2008-05-01", "2005-02-01"]}
    casesystem.set_household_history(applicant, {"consecutive_months_on_assistance": 8, "last_period": "2023-09",
                                                 "child_earnings_this_year": {child: 20000}})
    filed = grant_month(casesystem, born, serial, "2023-10", "earn-10", child_earnings={child: 3000}, **household)
    assert filed["child_earnings_this_year"] == {child: 20000}
    filed = grant_month(casesystem, born, serial, "2023-11", "earn-11", child_earnings={child.replace("-", ""): 2500, youth: 1000}, **household)
    assert filed["child_earnings_this_year"] == {child: 23000}
    filed = grant_month(casesystem, born, serial, "2023-12", "earn-12", **household)
    assert filed["child_earnings_this_year"] == {child: 25500, youth: 1000}
    history = casesystem.household_history(applicant)
    assert (history["child_earnings_this_year"], history["child_earnings_year"]) == ({child: 25500, youth: 1000}, 2023)
    filed = grant_month(casesystem, born, serial, "2024-01", "earn-01", child_earnings={youth: 800}, **household)
    assert "child_earnings_this_year" not in filed  # a new calendar year starts from nothing
    history = casesystem.household_history(applicant)
    assert (history["child_earnings_this_year"], history["child_earnings_year"]) == ({youth: 800}, 2024)
    filed = grant_month(casesystem, born, serial, "2024-02", "earn-02", **household)
    assert filed["child_earnings_this_year"] == {youth: 800}


def test_a_decision_with_malformed_child_earnings_is_refused(casesystem, filed):
    with pytest.raises(Rejected, match="child_earnings"):
        casesystem.put_decision(filed, f"{filed}-bad-earnings", granted(filed, child_earnings={"not a personnummer": 100}))


def test_a_grant_without_a_calculation_is_refused(casesystem, filed):
    grant = granted(filed) | {"calculation": {"made": False, "why": "no norm table for the period"}}
    with pytest.raises(Rejected, match="needs its calculation"):
        casesystem.put_decision(filed, f"{filed}-uncalculated", grant)
    assert casesystem.get(filed)["status"] == "submitted"


OLD_HOUSEHOLDS = """CREATE TABLE households (
    household TEXT PRIMARY KEY, consecutive_months INTEGER NOT NULL, jobbstimulans_months_used INTEGER NOT NULL,
    last_rent INTEGER, previous_members TEXT, last_period TEXT
)"""


def old_database(path, household: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(OLD_HOUSEHOLDS)
        db.execute("INSERT INTO households VALUES (?, 7, 3, 4000, ?, '2023-10')", (household.replace("-", ""), json.dumps([household])))
    db.close()


def test_a_database_with_the_old_households_table_is_migrated_on_start(tmp_path):
    applicant = pnr("1985-06-15", 950)
    path = tmp_path / "old.sqlite3"
    old_database(path, applicant)
    for _ in range(2):  # and starting again on the migrated database changes nothing
        with StubProcess("casesystem", path) as stub:
            casesystem = StandIn(stub.url)
            history = casesystem.household_history(applicant)
            assert (history["consecutive_months_on_assistance"], history["jobbstimulans_since"], history["last_period"]) == (7, None, "2023-10")
            assert "jobbstimulans_months_used" not in history
    with StubProcess("casesystem", path) as stub:
        casesystem = StandIn(stub.url)
        filed = grant_month(casesystem, "1985-06-15", 950, "2023-11", "migrated-1", jobbstimulans=700)
        assert filed == {"consecutive_months_on_assistance": 7, "previous_rent": 4000, "previous_members": [applicant]}
        history = casesystem.household_history(applicant)
        assert (history["consecutive_months_on_assistance"], history["jobbstimulans_since"]) == (8, "2023-11")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [r[1] for r in db.execute("PRAGMA table_info(households)")]
    db.close()
    assert "jobbstimulans_months_used" not in columns and {"jobbstimulans_since", "child_earnings"} <= set(columns)


class SQLiteBefore335(sqlite3.Connection):
    """A connection that, like SQLite before 3.35, knows no DROP COLUMN."""

    def execute(self, sql, *args):
        if "DROP COLUMN" in sql:
            raise sqlite3.OperationalError('near "DROP": syntax error')
        return super().execute(sql, *args)


def test_the_migration_works_without_drop_column(tmp_path):
    applicant = pnr("1985-06-15", 951)
    path = tmp_path / "old.sqlite3"
    old_database(path, applicant)
    db = sqlite3.connect(path, factory=SQLiteBefore335, isolation_level=None)
    migrate(db)
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM households").fetchone())
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    assert row == {"household": applicant.replace("-", ""), "consecutive_months": 7, "last_rent": 4000, "previous_members": json.dumps([applicant]),
                   "last_period": "2023-10", "jobbstimulans_since": None, "child_earnings": None}


def test_the_stored_application_is_what_was_submitted(casesystem):
    application = submission(serial=940)
    stored = casesystem.get(casesystem.submit(copy.deepcopy(application), idempotency_key="roundtrip"))["application"]
    stored.pop("application_id")
    stored.pop("history", None)
    assert json.dumps(stored, sort_keys=True) == json.dumps(application, sort_keys=True)


def test_the_stand_ins_need_nothing_from_the_internet(casesystem):
    """No /docs page (it loads its scripts from a public CDN, blank on a closed network); the OpenAPI document stays."""
    import requests

    base = casesystem.http.base_url
    assert requests.get(base + "/docs", timeout=5).status_code == 404
    assert requests.get(base + "/openapi.json", timeout=5).json()["info"]["title"].startswith("casebot reference case system")
