"""One table of agencies (robots/rules/agencies.py): the contract's schemas and the gateway stand-in agree
with it, and every income type an application can declare has the agency that reports it."""

import json

from connectors.ssbtek.server import EMPTY
from robots.contract import SCHEMAS
from robots.rules.agencies import AGENCIES, NAMES, PAYING, REPORTED_BY
from robots.rules.income import INCOME_NAMES


def schema(name):
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_the_register_schema_and_the_gateway_stand_in_know_exactly_these_agencies():
    sources = schema("registry")["properties"]["sources"]["properties"]
    assert tuple(sources) == AGENCIES
    assert tuple(EMPTY) == AGENCIES
    assert all(NAMES[a] for a in AGENCIES)
    assert {a for a, part in sources.items() if "payments" in json.dumps(part)} == set(PAYING)


def test_every_income_type_an_application_declares_has_its_reporting_agency_and_a_swedish_name():
    declared = set(schema("application")["properties"]["declared_incomes"]["items"]["properties"]["type"]["enum"])
    assert declared == set(REPORTED_BY) == set(INCOME_NAMES)
