"""The gateway client against the gateway stub, over HTTP: every agency, households, bad queries."""

import pytest

from connectors.errors import Rejected
from connectors.ssbtek.client import HouseholdRequest
from robots.rules.parameters import AGENCIES
from tests.builders import case, pnr

PERIOD = "2023-11"


def everything(person: str) -> dict:
    return {
        "personnummer": person,
        "period": PERIOD,
        "sources": {
            "FK": {"status": "ok", "payments": [{"benefit": "child_allowance", "amount": 2650}, {"benefit": "housing_allowance", "amount": 1800}]},
            "AF": {"status": "ok", "registered": True, "registered_since": "2022-09-01", "activity_plan": True},
            "CSN": {"status": "ok", "payments": [{"benefit": "student_aid", "amount": 3000}]},
            "SKV": {"status": "ok", "address_id": "ADDR-1", "registered_at_address": [person], "employer_reported_pay": [{"employer": "Exempel AB", "gross": 10400, "tax_withheld": 2400}]},
            "AKASSA": {"status": "ok", "payments": [{"benefit": "unemployment_benefit", "amount": 4000}]},
            "PM": {"status": "ok", "payments": [{"benefit": "pension", "amount": 1200}]},
            "TS": {"status": "ok", "vehicles": [{"registration": "ABC123", "model_year": 2010}]},
            "MIV": {"status": "ok", "permit_valid_until": "2025-01-31"},
        },
    }


@pytest.mark.parametrize("agency", AGENCIES)
def test_each_agency_answers_what_the_population_holds(gateway, agency):
    person = pnr("1980-02-02", AGENCIES.index(agency))
    stored = everything(person)
    gateway.store_population([stored])
    answer = gateway.query(person, case_id="EB-2023-0000001", period=PERIOD, agencies=[agency])
    assert answer == {"personnummer": person, "period": PERIOD, "sources": {agency: stored["sources"][agency]}}


def test_all_agencies_in_one_query(gateway):
    person = pnr("1981-03-03")
    gateway.store_population([everything(person)])
    answer = gateway.query(person, case_id="X", period=PERIOD, agencies=AGENCIES)
    assert answer["sources"] == everything(person)["sources"]


def test_a_person_the_registers_do_not_know_gets_empty_data_not_errors(gateway):
    answer = gateway.query(pnr("1999-09-09", 7), case_id="X", period=PERIOD, agencies=AGENCIES)
    assert all(s["status"] == "ok" for s in answer["sources"].values())
    assert answer["sources"]["AF"]["registered"] is False
    assert answer["sources"]["SKV"]["employer_reported_pay"] == []


def test_another_period_is_another_answer(gateway):
    person = pnr("1982-04-04")
    gateway.store_population([everything(person)])
    answer = gateway.query(person, case_id="X", period="2023-12", agencies=["TS"])
    assert answer["sources"]["TS"]["vehicles"] == []


@pytest.mark.parametrize("query,field", [
    ({"case_id": "X" * 32}, "case_id"),
    ({"period": "2023-13"}, "period"),
    ({"agencies": ["XYZ"]}, "agencies"),
    ({"agencies": []}, "agencies"),
])
def test_a_bad_query_is_rejected_not_retried(gateway, gateway_stub, query, field):
    from tests.contract.conftest import stats

    args = {"case_id": "X", "period": PERIOD, "agencies": ["FK"]} | query
    with pytest.raises(Rejected) as e:
        gateway.query(pnr("1980-01-01"), **args)
    assert e.value.status == 422
    assert field in str(e.value)
    assert stats(gateway_stub)["requests"] == 0  # refused by validation, once


def test_a_whole_household_comes_back_complete(gateway):
    application, answers, _ = case(children=["2015-06-02", "2011-09-21"])
    gateway.store_population(answers)
    members = [(m["personnummer"], AGENCIES if m["role"] == "applicant" else ["FK", "CSN", "SKV"]) for m in application["household"]["members"]]
    [result] = gateway.fetch([HouseholdRequest("EB-1", "2023-11", members)])
    assert result.complete and result.failures == {}
    assert sorted(a["personnummer"] for a in result.answers) == sorted(p for p, _ in members)
    assert {a["personnummer"]: a for a in result.answers} == {a["personnummer"]: a for a in answers}


def test_the_stub_refuses_a_population_that_breaks_the_schema(gateway_stub):
    import requests

    r = requests.put(gateway_stub.url + "/admin/population", json={"answers": [{"personnummer": "x", "period": PERIOD, "sources": {}}]}, timeout=5)
    assert r.status_code == 422
    assert "personnummer" in r.json()["detail"]


def test_the_stub_refuses_pay_without_gross_and_tax_withheld(gateway_stub):
    import requests

    answer = everything(pnr("1983-05-05"))
    answer["sources"]["SKV"]["employer_reported_pay"] = [{"employer": "Exempel AB", "amount": 8000}]
    r = requests.put(gateway_stub.url + "/admin/population", json={"answers": [answer]}, timeout=5)
    assert r.status_code == 422
    assert "sources.SKV.employer_reported_pay.0" in r.json()["detail"] and "gross" in r.json()["detail"]


def test_health_and_openapi(gateway_stub):
    import requests

    assert requests.get(gateway_stub.url + "/health", timeout=5).json()["status"] == "ok"
    assert "/v1/queries" in requests.get(gateway_stub.url + "/openapi.json", timeout=5).json()["paths"]
