"""Synthetic households: an application and the register answers that go with it.

No real person is in here: personnummer are drawn at random with a valid check digit (Luhn), so
nothing ties them to anyone. Deterministic for a given random.Random. Used by the demo, the benchmarks
and the tests; the stubs' seeding builds on it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum import luhn

from robots.rules.parameters import AGENCIES

CHILD_AGES = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18)


def personnummer(rng: random.Random, born: date) -> str:
    """A 12-digit personnummer YYYYMMDD-NNNC for the birth date, with a random serial and a valid check digit."""
    serial = f"{rng.randrange(1000):03d}"
    check = luhn.calc_check_digit(f"{born:%y%m%d}{serial}")
    return f"{born:%Y%m%d}-{serial}{check}"


def born_aged(rng: random.Random, age: int, on: date) -> date:
    """A birth date making someone `age` years old on the date `on`."""
    return date(on.year - age - 1, on.month, 1) + timedelta(days=1 + rng.randrange(364))


def clean_case(
    rng: random.Random,
    application_id: str,
    period: str = "2023-11",
    adults: int | None = None,
    children: int | None = None,
) -> tuple[dict, list[dict]]:
    """A clean repeat application with consistent register answers for every member: nothing in it needs a
    caseworker, so the rules grant it unless its income happens to cover the need."""
    year, month = int(period[:4]), int(period[5:7])
    first = date(year, month, 1)
    adults = adults if adults is not None else rng.choice((1, 1, 1, 2))
    children = children if children is not None else rng.choice((0, 0, 1, 1, 2, 2, 3, 4))
    members = [{"personnummer": personnummer(rng, born_aged(rng, rng.randint(22, 62), first)), "role": "applicant"}]
    if adults == 2:
        members.append({"personnummer": personnummer(rng, born_aged(rng, rng.randint(22, 62), first)), "role": "partner"})
    for _ in range(children):
        age = rng.choice(CHILD_AGES)
        child = {"personnummer": personnummer(rng, born_aged(rng, age, first)), "role": "child"}
        if age <= 6 and rng.random() < 0.5:
            child["lunch_outside_home"] = True
        members.append(child)
    applicant = members[0]["personnummer"]
    everyone = [m["personnummer"] for m in members]

    declared: list[dict] = []
    pay = {m["personnummer"]: (rng.randrange(2000, 9000, 100) if rng.random() < 0.35 else 0) for m in members[:adults]}
    for who, amount in pay.items():
        if amount:
            declared.append({"personnummer": who, "type": "salary", "amount": amount})
    fk = []
    if children:
        fk.append({"benefit": "child_allowance", "amount": 1250 * children})
        declared.append({"personnummer": applicant, "type": "child_allowance", "amount": 1250 * children})
    if rng.random() < 0.3:
        housing = rng.randrange(500, 2500, 50)
        fk.append({"benefit": "housing_allowance", "amount": housing})
        declared.append({"personnummer": applicant, "type": "housing_allowance", "amount": housing})

    rent = rng.randrange(3500, 4400, 10) + 600 * children + (900 if adults == 2 and not children else 0)
    months = rng.choice((0, 1, 3, 5, 6, 7, 12, 20, 30))
    application = {
        "application_id": application_id,
        "kind": "repeat",
        "period": period,
        "submitted_at": f"{(first - timedelta(days=rng.randint(3, 12))).isoformat()}T{rng.randint(7, 21):02d}:{rng.randrange(60):02d}:00+01:00",
        "household": {"members": members},
        "declared_incomes": declared,
        "costs": {"rent": rent, "electricity": rng.randrange(200, 700, 10), "home_insurance": rng.randrange(100, 250, 5)},
        "assets": {"bank_balance": rng.randrange(0, 3000)},
        "changes_reported": False,
        "history": {
            "consecutive_months_on_assistance": months,
            "jobbstimulans_months_used": min(months, rng.choice((0, 3, 10, 23, 30))),
            "previous_rent": rent,
            "previous_members": list(everyone),
        },
    }
    address = f"ADDR-{rng.randrange(10**6):06d}"
    answers = []
    for i, m in enumerate(members):
        who = m["personnummer"]
        skv = {
            "status": "ok",
            "address_id": address,
            "registered_at_address": list(everyone),
            "employer_reported_pay": [{"employer": "Exempelbolaget AB", "amount": pay[who]}] if pay.get(who) else [],
        }
        sources: dict = {"FK": {"status": "ok", "payments": fk if i == 0 else []}, "CSN": {"status": "ok", "payments": []}, "SKV": skv}
        if m["role"] != "child":
            sources.update(
                AF={"status": "ok", "registered": True, "registered_since": "2022-09-01", "activity_plan": True},
                AKASSA={"status": "ok", "payments": []},
                PM={"status": "ok", "payments": []},
                TS={"status": "ok", "vehicles": []},
                MIV={"status": "ok", "permit_valid_until": None},
            )
        answers.append({"personnummer": who, "period": period, "sources": {a: sources[a] for a in AGENCIES if a in sources}})
    return application, answers
