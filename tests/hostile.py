"""A corpus of hostile inputs, as data: each case is one clean household (tests/builders.case) with exactly
one thing broken, and what every way into casebot must make of it.

* `casebot decide` (tests/cli/test_hostile_decide.py): exit 2 with one line naming the problem, or exit 0
  with a referral that validates against decision.schema.json; never a grant of an invalid input, never a
  traceback.
* the case system's e-service endpoint (tests/contract/test_hostile_submissions.py): 201 (filed, its
  problems noted in the `submitted` event), 413 or 422; never a 500.
* `casebot run` end to end (tests/e2e/test_hostile_run.py): every filed one ends with exactly one
  decision, none granted, nothing paid.

Each household is a household of its own (its own applicant and children), so that the cases can share
one case system and one gateway without their people meeting.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from stdnum import luhn

from tests.builders import case

PLACEHOLDER = "@@HOSTILE@@"  # where a case's raw JSON fragment goes


@dataclass(frozen=True)
class Hostile:
    name: str
    application: object  # the application as the e-service would send it (a dict, or any JSON value)
    answers: list = field(default_factory=list)  # the register answers for its members
    invalid: bool = True  # False: hostile-looking but valid (script in free text): it may be granted
    exit: int = 0  # what `casebot decide` exits with: 0 (a decision on stdout) or 2 (one line on stderr)
    says: str = ""  # in the error line, or in the referral's reasons
    codes: tuple[str, ...] = ("INVALID_APPLICATION",)  # the referral's codes include these
    submit: int = 201  # what the case system answers the submission: 201 (filed), 413 or 422
    noted: bool = True  # when filed: its problems are noted in the `submitted` event
    keeps: tuple[str, ...] = ()  # application_id / history are left out of a submission unless kept
    gateway: bool = True  # its register answers can be put into the gateway stub as they are
    fragment: str | bytes | Callable[[], str] | None = None  # raw JSON put where the application holds PLACEHOLDER
    raw: bytes | None = None  # the whole file, when it is not JSON at all

    def body(self, *, submission: bool = False) -> bytes:
        """The application as bytes on the wire: as a file for `casebot decide`, or as the e-service submits it."""
        if self.raw is not None:
            return self.raw
        value = self.application
        if submission and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in ("application_id", "history") or k in self.keeps}
        try:
            data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: on the wire it can only be an escape
            data = json.dumps(value).encode("ascii")
        if self.fragment is not None:
            fragment = self.fragment() if callable(self.fragment) else self.fragment
            data = data.replace(json.dumps(PLACEHOLDER).encode(), fragment if isinstance(fragment, bytes) else fragment.encode("utf-8"))
        return data

    def registry(self) -> bytes:
        return json.dumps(self.answers).encode("ascii")  # lone surrogates escaped, as they would arrive


_households = itertools.count()


def household(children: int = 0, partner: bool = False):
    """(application, answers, sources by personnummer) of a clean household no other case shares a person with."""
    n = next(_households)
    applicant = date(1960, 1, 1) + timedelta(days=101 * n)
    kids = [(date(2012, 1, 1) + timedelta(days=29 * n + 3 * i)).isoformat() for i in range(children)]
    return case(applicant=applicant.isoformat(), partner=(applicant + timedelta(days=50)).isoformat() if partner else None, children=kids)


def personnummer(yyyymmdd: str, serial: str = "123") -> str:
    """A personnummer with a valid check digit for any eight digits, even a date that does not exist."""
    return f"{yyyymmdd}-{serial}{luhn.calc_check_digit(yyyymmdd[2:] + serial)}"


def bad_check_digit(p: str) -> str:
    return p[:-1] + str((int(p[-1]) + 1) % 10)


def deep(levels: int) -> object:
    value: object = []
    for _ in range(levels - 1):
        value = [value]
    return value


def app(name: str, change: Callable[[dict], object], *, children: int = 0, partner: bool = False, **expect) -> Hostile:
    """A case whose application is broken by `change` (register answers clean)."""
    application, answers, _ = household(children, partner)
    change(application)
    expect.setdefault("noted", expect.get("invalid", True))
    return Hostile(name, application, answers, **expect)


def raw(name: str, where: Callable[[dict], None], fragment, **expect) -> Hostile:
    """A case whose application holds raw JSON text (`fragment`) where `where` puts PLACEHOLDER."""
    application, answers, _ = household()
    where(application)
    return Hostile(name, application, answers, fragment=fragment, **{"exit": 2, "submit": 422, **expect})


def reg(name: str, change: Callable[[dict, list], object], **expect) -> Hostile:
    """A case whose application is clean and whose applicant's register answer is broken by
    change(applicant's sources, answers)."""
    application, answers, by_person = household()
    change(by_person[application["household"]["members"][0]["personnummer"]], answers)
    return Hostile(name, application, answers, codes=("REGISTRY_UNAVAILABLE",), noted=False, **expect)


def members(a: dict) -> list:
    return a["household"]["members"]


def set_in(path: str, value) -> Callable[[dict], None]:
    """A change setting the dotted path (list indexes as numbers) to value."""
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]

    def change(a: dict) -> None:
        target = a
        for p in parents:
            target = target[p]
        target[last] = value
    return change


def _corpus() -> list[Hostile]:
    return [
        # --- wrong types ---------------------------------------------------------------------------
        app("kind-is-a-number", set_in("kind", 1), says="kind: 1 is not one of", submit=422),
        app("period-is-a-number", set_in("period", 202311), says="period: 202311 is not of type", submit=422),
        app("rent-is-a-string", set_in("costs.rent", "4000"), says='costs.rent: "4000" is not of type "integer"'),
        app("members-is-an-object", set_in("household.members", {"0": {"role": "applicant"}}), says="household.members:", submit=422),
        app("household-is-a-list", lambda a: a.update(household=[members(a)]), says="household:", submit=422),
        app("costs-is-null", set_in("costs", None), says="costs: null is not of type"),
        app("changes-reported-is-a-string", set_in("changes_reported", "yes"), says="changes_reported:"),
        app("declared-incomes-is-an-object", set_in("declared_incomes", {"salary": 100}), says="declared_incomes:"),
        app("in-school-is-a-number", set_in("household.members.1.in_school", 1), children=1, says="household.members.1.in_school: 1 is not of type"),
        app("role-is-null", set_in("household.members.1.role", None), children=1, says="household.members.1.role:"),
        Hostile("the-application-is-a-string", "an application", exit=2, says="has no usable application_id", submit=422),
        Hostile("the-application-is-a-number", 42, exit=2, says="has no usable application_id", submit=422),
        Hostile("the-application-is-an-array", [household()[0]], exit=2, says="has no usable application_id", submit=422),
        app("application-id-is-a-number", set_in("application_id", 7), exit=2, says="has no usable application_id", submit=422, keeps=("application_id",)),
        app("application-id-is-blank", set_in("application_id", " \t"), exit=2, says="has no usable application_id", submit=422, keeps=("application_id",)),
        # --- floats: integral ones too, which JSON Schema calls integers ---------------------------
        app("rent-is-an-integral-float", set_in("costs.rent", 7200.0), says="costs.rent: 7200.0 is not a whole number of kronor written as an integer"),
        raw("rent-in-exponent-form", set_in("costs.rent", PLACEHOLDER), "72e2", exit=0, submit=201, noted=True,
            says="costs.rent: 7200.0 is not a whole number of kronor written as an integer"),
        app("rent-has-oren", set_in("costs.rent", 4000.5), says="costs.rent: 4000.5 is not a whole number of kronor"),
        app("dwelling-size-is-a-float", set_in("household.dwelling_size", 2.0), says="household.dwelling_size: 2.0 is not a whole number written as an integer"),
        app("declared-income-is-a-float", lambda a: a["declared_incomes"].append(
            {"personnummer": members(a)[0]["personnummer"], "type": "other", "amount": 1000.0}), says="declared_incomes.0.amount: 1000.0 is not"),
        app("bank-balance-is-a-float", set_in("assets.bank_balance", 0.0), says="assets.bank_balance: 0.0 is not a whole number of kronor"),
        app("other-cost-is-a-float", set_in("costs.other", [{"description": "glasögon", "amount": 1500.0}]), says="costs.other.0.amount: 1500.0"),
        app("previous-rent-is-a-float", set_in("history.previous_rent", 4000.0), says="history.previous_rent: 4000.0",
            submit=422, keeps=("history",)),
        # --- NaN, infinities, numbers too large ----------------------------------------------------
        raw("rent-is-nan", set_in("costs.rent", PLACEHOLDER), "NaN", says="NaN is not a number JSON allows"),
        raw("rent-is-infinity", set_in("costs.rent", PLACEHOLDER), "Infinity", says="Infinity is not a number JSON allows"),
        raw("rent-is-minus-infinity", set_in("costs.rent", PLACEHOLDER), "-Infinity", says="-Infinity is not a number JSON allows"),
        raw("rent-overflows-a-float", set_in("costs.rent", PLACEHOLDER), "1e999", says="too large to be represented"),
        raw("rent-has-5000-digits", set_in("costs.rent", PLACEHOLDER), "9" * 5000, says="an integer with more than 15 digits"),
        raw("rent-has-16-digits", set_in("costs.rent", PLACEHOLDER), "1" * 16, says="an integer with more than 15 digits"),
        app("rent-has-15-digits", set_in("costs.rent", 10**15 - 1), says="costs.rent: 999999999999999 kr is more than the 1000000 kr"),
        app("rent-above-the-most-taken", set_in("costs.rent", 1_000_001), says="costs.rent: 1000001 kr is more than the 1000000 kr"),
        app("savings-above-the-most-taken", set_in("assets.bank_balance", 10**12), says="assets.bank_balance: 1000000000000 kr is more than"),
        app("declared-income-of-a-billion", lambda a: a["declared_incomes"].append(
            {"personnummer": members(a)[0]["personnummer"], "type": "salary", "amount": 10**9}), says="declared_incomes.0.amount: 1000000000 kr"),
        app("negative-rent", set_in("costs.rent", -1), says="costs.rent: -1 is less than the minimum of 0"),
        app("dwelling-size-of-a-billion", set_in("household.dwelling_size", 10**9), says="household.dwelling_size: 1000000000 persons is more than the 30"),
        app("dwelling-size-zero", set_in("household.dwelling_size", 0), says="household.dwelling_size: 0 is less than the minimum of 1"),
        app("a-million-months-on-assistance", set_in("history.consecutive_months_on_assistance", 10**6),
            says="history.consecutive_months_on_assistance: 1000000 months", submit=422, keeps=("history",)),
        # --- nesting ------------------------------------------------------------------------------
        raw("message-nested-100000-deep", set_in("message", PLACEHOLDER), "[" * 100_000 + "]" * 100_000, says="nested deeper than 32 levels"),
        raw("message-nested-one-too-deep", set_in("message", PLACEHOLDER), "[" * 32 + "]" * 32, says="nested deeper than 32 levels (line 1,"),
        app("message-nested-within-the-limit", set_in("message", deep(30)), says="message: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]"),
        raw("unclosed-nesting", set_in("message", PLACEHOLDER), "[" * 20, says="not valid JSON"),
        # --- lone surrogates and text that is not UTF-8 --------------------------------------------
        app("message-with-a-lone-surrogate", set_in("message", "hej \ud800"), exit=2, says="lone surrogate", submit=422, noted=False),
        app("property-name-with-a-lone-surrogate", lambda a: a["costs"].update({"\udc00": 1}), exit=2, says="lone surrogate", submit=422, noted=False),
        app("personnummer-with-a-lone-surrogate", set_in("household.members.1.personnummer", "2015\udbff"), children=1,
            exit=2, says="lone surrogate", submit=422, noted=False),
        app("pair-in-the-wrong-order", set_in("message", "\ude00\ud83d"), exit=2, says="lone surrogate", submit=422, noted=False),
        raw("message-not-utf8", set_in("message", PLACEHOLDER), b'"caf\xe9"', says="not UTF-8 text"),
        raw("surrogate-encoded-in-utf8", set_in("message", PLACEHOLDER), b'"\xed\xa0\x80"', says="not UTF-8 text"),
        # --- not JSON at all ----------------------------------------------------------------------
        Hostile("truncated-json", None, raw=b'{"application_id": "T-1", "kind": "repeat", "household": {"members": [', exit=2,
                says="not valid JSON (line 1, column 71: Expecting value)", submit=422),
        Hostile("an-html-error-page", None, raw=b"<html><body>502 Bad Gateway</body></html>", exit=2, says="not valid JSON (line 1, column 1", submit=422),
        Hostile("an-empty-file", None, raw=b"", exit=2, says="not valid JSON (line 1, column 1: Expecting value)", submit=422),
        Hostile("single-quoted-python", None, raw=b"{'application_id': 'T-1'}", exit=2, says="not valid JSON", submit=422),
        # --- control, bidirectional and full-width characters ---------------------------------------
        app("message-with-nul", set_in("message", "hej\x00då"), says="message: holds a control character (U+0000)"),
        app("message-with-escape-sequence", set_in("message", "\x1b[2J\x1b[31mrött"), says="message: holds a control character (U+001B)"),
        app("message-with-right-to-left-override", set_in("message", "hyra \u202e0001 kr"), says="message: holds a control character (U+202E)"),
        app("message-with-bidi-isolate", set_in("message", "\u2066admin\u2069"), says="message: holds a control character (U+2066)"),
        app("message-with-c1-control", set_in("message", "rad\x85rad"), says="message: holds a control character (U+0085)"),
        app("description-with-control", set_in("costs.other", [{"description": "tand\x07läkare", "amount": 500}]),
            says="costs.other.0.description: holds a control character (U+0007)"),
        app("application-id-with-newline", set_in("application_id", "T-1\nInjected: yes"), says="application_id: holds a control character (U+000A)",
            submit=422, keeps=("application_id",)),
        app("period-in-full-width-digits", set_in("period", "２０２３-１１"), says="period:", submit=422),
        app("child-personnummer-in-full-width-digits", set_in("household.members.1.personnummer", "２０１５０１０１-１２３４"), children=1,
            says="household.members.1.personnummer:"),
        app("applicant-personnummer-in-arabic-indic-digits", set_in("household.members.0.personnummer", "١٩٨٥٠٦١٥-١٢٣٤"),
            says="household.members.0.personnummer:", submit=422),
        app("role-with-zero-width-space", set_in("household.members.1.role", "child\u200b"), children=1, says="household.members.1.role:"),
        app("applicant-role-with-zero-width-space", set_in("household.members.0.role", "applicant\u200b"), says="household.members.0.role:", submit=422),
        # --- check digits, impossible dates and periods ---------------------------------------------
        app("applicant-bad-check-digit", lambda a: members(a)[0].update(personnummer=bad_check_digit(members(a)[0]["personnummer"])),
            says="household.members.0.personnummer:", ),
        app("child-bad-check-digit", lambda a: members(a)[1].update(personnummer=bad_check_digit(members(a)[1]["personnummer"])), children=1,
            says="not a valid personnummer"),
        app("child-born-on-30-february", set_in("household.members.1.personnummer", personnummer("20150230")), children=1,
            says="not a valid personnummer"),
        app("partner-born-in-month-13", set_in("household.members.1.personnummer", personnummer("19851301")), partner=True,
            says="not a valid personnummer"),
        app("samordningsnummer-day-92", set_in("household.members.1.personnummer", personnummer("19850192")), partner=True,
            says="not a valid personnummer"),
        app("period-month-13", set_in("period", "2023-13"), says="period:", submit=422),
        app("period-month-00", set_in("period", "2023-00"), says="period:", submit=422),
        app("submitted-on-30-february", set_in("submitted_at", "2023-02-30T10:00:00+01:00"), says="submitted_at:"),
        app("jobbstimulans-since-month-13", set_in("history.jobbstimulans_since", "2023-13"), says="history.jobbstimulans_since:",
            submit=422, keeps=("history",)),
        app("child-born-after-the-period", set_in("household.members.1.personnummer", personnummer("20231205")), children=1,
            says="born after the month applied for"),
        app("child-aged-21", set_in("household.members.1.personnummer", personnummer("20020615")), children=1,
            says="a child must be at most 20 years old"),
        # --- duplicated and unknown members -----------------------------------------------------------
        app("child-listed-twice", lambda a: members(a).append(dict(members(a)[1])), children=1, says="the same person is listed twice"),
        app("two-applicants", lambda a: members(a).append({"personnummer": personnummer("19900101"), "role": "applicant"}),
            says="must have exactly one applicant, has 2", submit=422),
        app("two-partners", lambda a: members(a).append({"personnummer": personnummer("19900102"), "role": "partner"}), partner=True,
            says="may have at most one partner, has 2"),
        app("no-members", set_in("household.members", []), says="household.members:", submit=422),
        app("income-of-a-stranger", lambda a: a["declared_incomes"].append({"personnummer": personnummer("19700101"), "type": "salary", "amount": 100}),
            says="is not a member of the household"),
        app("member-with-an-unknown-field", set_in("household.members.0.nickname", "boss"), says="Additional properties are not allowed"),
        app("unknown-top-level-field", set_in("approved", True), says="Additional properties are not allowed"),
        # --- absurd sizes ---------------------------------------------------------------------------
        app("ten-thousand-members", lambda a: members(a).extend(dict(members(a)[1]) for _ in range(9_999)), children=1,
            exit=2, says="too large: more than 262144 bytes (256 KiB)", submit=413, noted=False),
        app("a-thousand-members", lambda a: members(a).extend(dict(members(a)[1]) for _ in range(999)), children=1,
            says="household.members: 1001 members; at most 20 are taken", submit=422),
        app("twenty-one-members", lambda a: None, children=20, says="household.members: 21 members; at most 20 are taken", submit=422),
        app("a-hundred-and-one-incomes", lambda a: a["declared_incomes"].extend(
            {"personnummer": members(a)[0]["personnummer"], "type": "other", "amount": 1} for _ in range(101)),
            says="declared_incomes: 101 incomes; at most 100 are taken"),
        app("fifty-one-other-costs", set_in("costs.other", [{"description": "x", "amount": 1}] * 51), says="costs.other: 51 costs; at most 50 are taken"),
        app("message-of-4001-characters", set_in("message", "x" * 4001), says="message: 4001 characters; at most 4000 are taken"),
        app("note-of-501-characters", lambda a: a["declared_incomes"].append(
            {"personnummer": members(a)[0]["personnummer"], "type": "other", "amount": 1, "note": "n" * 501}),
            says="declared_incomes.0.note:"),
        app("application-id-of-10000-characters", set_in("application_id", "A" * 10_000), says="application_id: 10000 characters; at most 4000",
            submit=422, keeps=("application_id",)),
        app("message-of-a-megabyte", set_in("message", "x" * 1_000_000), exit=2, says="too large: more than 262144 bytes", submit=413, noted=False),
        raw("a-file-of-50-megabytes", set_in("message", PLACEHOLDER), lambda: '"' + "x" * 50_000_000 + '"',
            says="too large: more than 262144 bytes (256 KiB)", submit=413),
        # --- markup and script in free text: kept as text, harmless ---------------------------------
        app("script-in-the-message", set_in("message", "<script>alert(document.cookie)</script>"), invalid=False, codes=()),
        app("html-in-an-income-note", lambda a: a["declared_incomes"].append(
            {"personnummer": members(a)[0]["personnummer"], "type": "other", "amount": 0, "note": '<img src=x onerror="alert(1)">'}),
            invalid=False, codes=()),
        app("sql-in-the-message", set_in("message", "'; DROP TABLE applications; --"), invalid=False, codes=()),
        app("script-in-a-cost-description", set_in("costs.other", [{"description": "<iframe src=javascript:alert(1)>", "amount": 300}]),
            invalid=False, codes=("OTHER_COSTS",)),
        app("script-as-the-kind", set_in("kind", "<script>alert(1)</script>"), says='kind: "<script>alert(1)</script>" is not one of', submit=422),
        # --- register answers ---------------------------------------------------------------------------
        reg("register-amount-is-a-float", lambda s, a: s["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 7200.0})),
        reg("register-amount-above-the-most-taken", lambda s, a: s["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 2_000_000})),
        reg("register-pay-is-a-float", lambda s, a: s["SKV"]["employer_reported_pay"].append({"employer": "X AB", "gross": 10000.0, "tax_withheld": 0})),
        reg("register-101-pay-lines", lambda s, a: s["SKV"].update(employer_reported_pay=[{"employer": "X AB", "gross": 1, "tax_withheld": 0}] * 101)),
        reg("register-tax-above-gross", lambda s, a: s["SKV"]["employer_reported_pay"].append({"employer": "X AB", "gross": 100, "tax_withheld": 200})),
        reg("register-vehicle-year-is-a-float", lambda s, a: s["TS"]["vehicles"].append({"registration": "ABC123", "model_year": 2001.0})),
        reg("register-address-with-nul", lambda s, a: s["SKV"].update(address_id="ADDR\x00-1")),
        reg("register-amount-is-a-string", lambda s, a: s["CSN"]["payments"].append({"benefit": "student_aid", "amount": "lots"}), gateway=False),
        reg("register-status-missing", lambda s, a: s["AF"].pop("status"), gateway=False),
        reg("register-date-with-a-lone-surrogate", lambda s, a: s["AF"].update(registered_since="\ud800"), gateway=False,
            exit=2, says="lone surrogate"),  # the register file is refused as a whole
        reg("register-float-outside-every-agency", lambda s, a: a[0].update(score=0.5), gateway=False),
        reg("register-answer-for-another-month", lambda s, a: a[0].update(period="2023-10"), gateway=False),
        reg("register-answer-is-a-string", lambda s, a: a.__setitem__(0, "no answer"), gateway=False),
        reg("register-answers-contradict", lambda s, a: a.append(json.loads(json.dumps(a[0])) | {"sources": {
            **a[0]["sources"], "FK": {"status": "ok", "payments": [{"benefit": "sickness_benefit", "amount": 9000}]}}}), gateway=False),
    ]


CORPUS = _corpus()
assert len({c.name for c in CORPUS}) == len(CORPUS), "case names are unique"
