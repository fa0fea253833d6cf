"""Every hostile input of tests/hostile.py submitted to the case system over HTTP, as the e-service would:
201 (filed, its problems noted in the `submitted` event), 413 or 422 with one readable line that never
echoes the input; never a 500. And hostile decisions are refused without a trace in the ledger."""

import json

import pytest
import requests

from connectors.serving import StubProcess
from robots.contract import EXAMPLES
from tests.hostile import CORPUS, Hostile, household

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def stub(tmp_path_factory):
    """A case system of its own: the corpus's filings never meet another test's."""
    with StubProcess("casesystem", tmp_path_factory.mktemp("hostile") / "casesystem.sqlite3") as s:
        yield s


def refused_clearly(response: requests.Response, *secrets: str) -> None:
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and len(detail) < 300, detail[:500]
    assert not any(s in response.text for s in secrets if s)


def personnummer_in(application) -> list[str]:
    """The personnummer of the household's members, as far as the application has them."""
    household = application.get("household") if isinstance(application, dict) else None
    members = household.get("members") if isinstance(household, dict) else None
    return [p for m in members if isinstance(m, dict) and isinstance(p := m.get("personnummer"), str)] if isinstance(members, list) else []


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_submitting_a_hostile_application(stub, case: Hostile):
    response = requests.post(stub.url + "/applications", data=case.body(submission=True), headers=JSON, timeout=30)
    assert response.status_code == case.submit, (response.status_code, response.text[:500])
    if case.submit != 201:
        refused_clearly(response, *personnummer_in(case.application), "<script>", "x" * 100)
        return
    record = requests.get(f"{stub.url}/applications/{response.json()['application_id']}", timeout=10).json()
    assert record["status"] == "submitted" and record["decisions"] == [] and record["payments"] == []
    [submitted] = [e for e in record["events"] if e["event"] == "submitted"]
    problems = (submitted["detail"] or {}).get("problems", [])
    if case.noted:
        assert problems and any(case.says in p for p in problems), problems
    else:
        assert problems == []


@pytest.fixture(scope="module")
def filed(stub):
    application, _, _ = household()
    for key in ("application_id", "history"):
        application.pop(key)
    response = requests.post(stub.url + "/applications", json=application, timeout=10)
    assert response.status_code == 201
    return response.json()["application_id"]


def decision_for(application_id: str) -> dict:
    decision = json.loads(EXAMPLES.joinpath("repeat-single-parent.decision.json").read_text(encoding="utf-8"))
    return decision | {"application_id": application_id, "period": "2023-11"}


@pytest.mark.parametrize("hostile,status,says", [
    (lambda d: json.dumps(d | {"amount": float(d["amount"])}), 422, "amount: not a whole number written as an integer"),
    (lambda d: json.dumps(d | {"amount": 10**16}), 422, "body: an integer with more than 15 digits"),
    (lambda d: json.dumps(d).replace(f'"amount": {d["amount"]}', '"amount": NaN'), 422, "body: NaN is not a number JSON allows"),
    (lambda d: json.dumps(d | {"note": "x" * 300_000}), 413, "body: too large: more than 262144 bytes"),
    (lambda d: json.dumps(d | {"note": "[" * 100_000}).replace('"' + "[" * 100_000 + '"', "[" * 100_000), 422, "body: nested deeper than 32 levels"),
    (lambda d: json.dumps(d | {"decided_by": "robot:\ud800"}), 422, "body: holds a lone surrogate"),
    (lambda d: json.dumps(d)[:-10], 422, "body: not valid JSON"),
])
def test_a_hostile_decision_is_refused_and_nothing_is_paid(stub, filed, hostile, status, says):
    decision = decision_for(filed)
    assert decision["outcome"] == "granted" and isinstance(decision["amount"], int)
    response = requests.put(f"{stub.url}/applications/{filed}/decisions/hostile-1", data=hostile(decision).encode(), headers=JSON, timeout=30)
    assert response.status_code == status, response.text[:500]
    assert says in response.json()["detail"]
    refused_clearly(response, "x" * 100, "[[[[")
    record = requests.get(f"{stub.url}/applications/{filed}", timeout=10).json()
    assert record["decisions"] == [] and record["payments"] == [] and record["status"] == "submitted"


def test_every_other_endpoint_refuses_unsafe_json_too(stub, filed):
    for method, path in (("POST", f"/applications/{filed}/claim"), ("POST", f"/applications/{filed}/notes"),
                         ("PUT", "/admin/households/19850615-1234/history")):
        for body, status in ((b"[" * 100_000, 422), (b'{"robot": "\\ud800"}', 422), (b'{"a": ' + b"9" * 5000 + b"}", 422),
                             (b'{"a": "' + b"x" * 300_000 + b'"}', 413)):
            response = requests.request(method, stub.url + path, data=body, headers=JSON, timeout=30)
            assert response.status_code == status, (path, response.text[:300])
            refused_clearly(response, "xxxx")
