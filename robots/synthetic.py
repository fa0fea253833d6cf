"""Synthetic households: an application and the register answers that go with it.

No real person is in here: personnummer are drawn at random with a valid check digit (Luhn), so
nothing ties them to anyone. Deterministic for a given random.Random. Used by the demo, the benchmarks
and the tests; the stubs' seeding builds on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum import luhn

from robots.rules.parameters import AGENCIES
from robots.rules.periods import add_months

CHILD_AGES = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18)
WORKING_CHILD_AGES = range(15, 19)  # a child of these ages, in school and living at home, may have a job
EMPLOYER = "Exempelbolaget AB"


def personnummer(rng: random.Random, born: date) -> str:
    """A 12-digit personnummer YYYYMMDD-NNNC for the birth date, with a random serial and a valid check digit."""
    serial = f"{rng.randrange(1000):03d}"
    check = luhn.calc_check_digit(f"{born:%y%m%d}{serial}")
    return f"{born:%Y%m%d}-{serial}{check}"


def born_aged(rng: random.Random, age: int, on: date) -> date:
    """A birth date making someone `age` years old on the date `on`."""
    return date(on.year - age - 1, on.month, 1) + timedelta(days=1 + rng.randrange(364))


def age_on(pnr: str, on: date) -> int:
    """Age in whole years on the date `on` of the person with the personnummer YYYYMMDD-NNNN."""
    born = date(int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8]))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def pay(rng: random.Random, low: int, high: int) -> dict:
    """Employer-reported pay as Skatteverket answers it: gross cash pay and the preliminary tax withheld
    (20-32 % of it), whole kronor. The net pay, gross - tax_withheld, lies roughly between 68 % of `low`
    and 80 % of `high`."""
    gross = rng.randrange(low, high, 100)
    return {"employer": EMPLOYER, "gross": gross, "tax_withheld": gross * rng.randint(20, 32) // 100}


def net(reported: dict) -> int:
    """What was paid out: the net of one employer-reported pay."""
    return reported["gross"] - reported["tax_withheld"]


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
    reported: dict[str, dict] = {}  # employer-reported pay by personnummer
    earlier: dict[str, int] = {}  # a working child's own earnings earlier in the calendar year
    for _ in range(children):
        age = rng.choice(CHILD_AGES)
        child = {"personnummer": personnummer(rng, born_aged(rng, age, first)), "role": "child"}
        if age <= 6 and rng.random() < 0.5:
            child["lunch_outside_home"] = True
        if age in WORKING_CHILD_AGES and rng.random() < 0.4:
            # A small job: at most about 3 800 kr net this month and 2 500 kr a month before it, so the
            # year stays far below one prisbasbelopp (47 600 kr in 2021, the lowest table) and under a
            # twelfth of it this month.
            reported[child["personnummer"]] = pay(rng, 1500, 4900)
            earlier[child["personnummer"]] = rng.randrange(0, 2500 * (month - 1) + 1, 100)
        members.append(child)
    applicant = members[0]["personnummer"]
    everyone = [m["personnummer"] for m in members]

    declared: list[dict] = []
    for m in members[:adults]:
        if rng.random() < 0.35:
            reported[m["personnummer"]] = pay(rng, 3000, 11300)  # net about 2 000-9 000 kr
    for m in members:
        if m["personnummer"] in reported:
            declared.append({"personnummer": m["personnummer"], "type": "salary", "amount": net(reported[m["personnummer"]])})
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
    history: dict = {"consecutive_months_on_assistance": months}
    if months >= 6 and rng.random() < 0.6:
        # The two years of jobbstimulans began 0-30 months before the period: from 24 on they are over.
        history["jobbstimulans_since"] = add_months(period, -rng.randint(0, 30))
    history.update(previous_rent=rent, previous_members=list(everyone))
    if earlier:
        history["child_earnings_this_year"] = earlier
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
        "history": history,
    }
    address = f"ADDR-{rng.randrange(10**6):06d}"
    answers = []
    for i, m in enumerate(members):
        who = m["personnummer"]
        skv = {
            "status": "ok",
            "address_id": address,
            "registered_at_address": list(everyone),
            "employer_reported_pay": [reported[who]] if who in reported else [],
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


def _adult_sources(answers: list[dict]) -> dict:
    return answers[0]["sources"]


def _first(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["kind"] = "first"
    app.pop("history", None)


def _invalid(app: dict, answers: list[dict], rng: random.Random) -> None:
    pnr = app["household"]["members"][0]["personnummer"]
    app["household"]["members"][0]["personnummer"] = pnr[:-1] + str((int(pnr[-1]) + 1) % 10)


def _registry_unavailable(app: dict, answers: list[dict], rng: random.Random) -> None:
    agency = rng.choice(("FK", "SKV", "AF", "CSN"))
    _adult_sources(answers)[agency] = {"status": "error", "error": "timeout from agency"}


def _household_mismatch(app: dict, answers: list[dict], rng: random.Random) -> None:
    lodger = personnummer(rng, date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28)))
    for a in answers:
        a["sources"]["SKV"]["registered_at_address"].append(lodger)


def _undeclared_income(app: dict, answers: list[dict], rng: random.Random) -> None:
    _adult_sources(answers)["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": rng.randrange(1500, 6000, 100)})


def _declare_salary(app: dict, who: str, amount: int) -> None:
    """`who` declares `amount` kr net salary, instead of any salary declared before."""
    app["declared_incomes"] = [d for d in app["declared_incomes"] if not (d["type"] == "salary" and d["personnummer"] == who)] + [
        {"personnummer": who, "type": "salary", "amount": amount}
    ]


def _income_mismatch(app: dict, answers: list[dict], rng: random.Random) -> None:
    who = app["household"]["members"][0]["personnummer"]
    reported = pay(rng, 5000, 11300)  # net 3 400 kr or more, so the declared amount stays above 0
    _adult_sources(answers)["SKV"]["employer_reported_pay"] = [reported]
    _declare_salary(app, who, net(reported) - rng.randrange(500, 2001, 100))


def _child_earnings_above_limit(app: dict, answers: list[dict], rng: random.Random) -> None:
    """A child of 15-18 in school at home earned, this month included, more than one prisbasbelopp of any
    year (above 60 000 kr) this calendar year, though not before this month (below 52 500 kr)."""
    first = date(int(app["period"][:4]), int(app["period"][5:7]), 1)
    members = app["household"]["members"]
    working = [m for m in members if m["role"] == "child" and age_on(m["personnummer"], first) in WORKING_CHILD_AGES]
    if working:
        child = working[0]
    else:  # a child who has lived at home all along: in the records and at the address
        child = {"personnummer": personnummer(rng, born_aged(rng, rng.choice(WORKING_CHILD_AGES), first)), "role": "child"}
        members.append(child)
        app["history"]["previous_members"].append(child["personnummer"])
        for a in answers:
            a["sources"]["SKV"]["registered_at_address"].append(child["personnummer"])
        skv = {"status": "ok", "address_id": answers[0]["sources"]["SKV"]["address_id"],
               "registered_at_address": list(answers[0]["sources"]["SKV"]["registered_at_address"]), "employer_reported_pay": []}
        sources = {"FK": {"status": "ok", "payments": []}, "CSN": {"status": "ok", "payments": []}, "SKV": skv}
        answers.append({"personnummer": child["personnummer"], "period": app["period"], "sources": {a: sources[a] for a in AGENCIES if a in sources}})
    who = child["personnummer"]
    reported = pay(rng, 12000, 16000)  # a summer job: net 8 160 kr or more, so that 52 500 before it can pass 60 000
    this_month = net(reported)
    next(a for a in answers if a["personnummer"] == who)["sources"]["SKV"]["employer_reported_pay"] = [reported]
    _declare_salary(app, who, this_month)
    app["history"].setdefault("child_earnings_this_year", {})[who] = rng.randrange(60_001 - this_month, 52_500, 100)


def _not_registered_af(app: dict, answers: list[dict], rng: random.Random) -> None:
    _adult_sources(answers)["AF"].update(registered=False, activity_plan=False)
    _adult_sources(answers)["AF"].pop("registered_since", None)


def _no_activity_plan(app: dict, answers: list[dict], rng: random.Random) -> None:
    _adult_sources(answers)["AF"]["activity_plan"] = False


def _changes_reported(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["changes_reported"] = True
    app["message"] = "Jag har fått ett nytt arbete från nästa månad."


def _rent_above_ceiling(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["costs"]["rent"] = app["history"]["previous_rent"] = 9800 + rng.randrange(0, 3000, 10)


def _rent_changed(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["history"]["previous_rent"] = app["costs"]["rent"] - rng.randrange(100, 400, 10)


def _other_costs(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["costs"]["other"] = [{"description": rng.choice(("Tandvård", "Glasögon", "Säng till barn")), "amount": rng.randrange(500, 4000, 50)}]


def _assets_above_buffer(app: dict, answers: list[dict], rng: random.Random) -> None:
    app["assets"]["bank_balance"] = rng.randrange(8000, 40000, 100)


def _vehicle_owner(app: dict, answers: list[dict], rng: random.Random) -> None:
    _adult_sources(answers)["TS"]["vehicles"] = [{"registration": f"ABC{rng.randrange(100, 999)}", "model_year": rng.randint(2005, 2022)}]


def _permit_expired(app: dict, answers: list[dict], rng: random.Random) -> None:
    first = date(int(app["period"][:4]), int(app["period"][5:7]), 1)
    _adult_sources(answers)["MIV"]["permit_valid_until"] = (first - timedelta(days=rng.randint(1, 90))).isoformat()


# How to turn a clean case into one that must go to a caseworker for the given reason.
MUTATIONS = {
    "FIRST_APPLICATION": _first,
    "INVALID_APPLICATION": _invalid,
    "REGISTRY_UNAVAILABLE": _registry_unavailable,
    "HOUSEHOLD_MISMATCH": _household_mismatch,
    "UNDECLARED_INCOME": _undeclared_income,
    "INCOME_MISMATCH": _income_mismatch,
    "NOT_REGISTERED_AF": _not_registered_af,
    "NO_ACTIVITY_PLAN": _no_activity_plan,
    "CHANGES_REPORTED": _changes_reported,
    "RENT_ABOVE_CEILING": _rent_above_ceiling,
    "RENT_CHANGED": _rent_changed,
    "OTHER_COSTS": _other_costs,
    "ASSETS_ABOVE_BUFFER": _assets_above_buffer,
    "VEHICLE_OWNER": _vehicle_owner,
    "PERMIT_EXPIRED": _permit_expired,
    "CHILD_EARNINGS_ABOVE_LIMIT": _child_earnings_above_limit,
}


@dataclass(frozen=True)
class SeedMix:
    """The share of clean applications, and the relative weights of the reasons for the rest."""

    clean: float
    weights: dict[str, float]

    def draw(self, rng: random.Random) -> str | None:
        if rng.random() < self.clean or not self.weights:
            return None
        return rng.choices(list(self.weights), weights=list(self.weights.values()))[0]


@dataclass(frozen=True)
class SeedCase:
    reason: str | None  # the referral reason built into the case; None for a clean one
    application: dict  # as the e-service submits it: no application_id, no history
    history: dict | None  # what the case system's records say of the household; None for a first application
    answers: list[dict]  # the register answers for every member


def population(count: int, seed: int, period: str, mix: SeedMix) -> list[SeedCase]:
    """`count` synthetic applications for the period; the same seed gives the same population."""
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        reason = mix.draw(rng)
        application, answers = case_for(rng, f"SEED-{seed}-{i}", period, reason)
        del application["application_id"]
        history = application.pop("history", None)
        cases.append(SeedCase(reason, application, history, answers))
    return cases


def case_for(rng: random.Random, application_id: str, period: str = "2023-11", reason: str | None = None) -> tuple[dict, list[dict]]:
    """A clean case, or one that carries `reason` (a code in MUTATIONS)."""
    application, answers = clean_case(rng, application_id, period)
    if reason is not None:
        MUTATIONS[reason](application, answers, rng)
    return application, answers
