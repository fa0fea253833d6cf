"""The agencies behind the register gateway (SSBTEK): one table, with the Swedish name a caseworker reads
and what each reports. Every list of agencies in casebot comes from here; a test checks that the
contract's schemas and the gateway stand-in agree with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str  # as a referral names it
    incomes: tuple[str, ...] = ()  # income types it reports; reconciled against what the applicant declared
    pays: bool = False  # its answer lists payments (benefit, amount)


TABLE = (
    Agency("FK", "Försäkringskassan", ("sickness_benefit", "parental_benefit", "activity_support", "establishment_benefit",
                                        "housing_allowance", "child_allowance", "maintenance_support", "other"), pays=True),
    Agency("AF", "Arbetsförmedlingen"),  # registered as a job seeker, an active plan
    Agency("CSN", "CSN", ("student_aid",), pays=True),
    Agency("SKV", "Skatteverket", ("salary",)),  # employer-reported pay; the population register
    Agency("AKASSA", "arbetslöshetskassan", ("unemployment_benefit",), pays=True),
    Agency("PM", "Pensionsmyndigheten", ("pension", "housing_supplement"), pays=True),
    Agency("TS", "Transportstyrelsen"),  # vehicles owned
    Agency("MIV", "Migrationsverket"),  # residence permit
)

AGENCIES = tuple(a.code for a in TABLE)
NAMES = {a.code: a.name for a in TABLE}
PAYING = tuple(a.code for a in TABLE if a.pays)
# The agency whose register answer is counted for each income type.
REPORTED_BY = {income: a.code for a in TABLE for income in a.incomes}
