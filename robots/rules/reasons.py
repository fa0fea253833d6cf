"""Why the robot did not grant: every referral reason, with a stable code, a Swedish text for the
caseworker and the applicant, and the rule it rests on with its legal reference.

Codes are part of the contract with the case system and the console: add new ones, never rename.
The order here is the order reasons are listed on a decision. A rule names provisions by key
({sol_right}); the key is cited as the law reads on the day the decision is made (robots/rules/law.toml).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

from robots.rules.parameters import Law


@dataclass(frozen=True, slots=True)
class ReasonType:
    code: str
    text: str
    rule: str  # a template over provision keys of law.toml


_ROBOT_GRANTS_ONLY = (
    "Roboten beviljar endast; beslut som inte bifaller ansökan fattas av handläggare "
    "({kl_automated}, delegationsordningen; {fl_automated})"
)

CATALOGUE: dict[str, ReasonType] = {
    r.code: r
    for r in (
        ReasonType(
            "INVALID_APPLICATION",
            "Ansökan är ofullständig eller felaktig och kan inte prövas automatiskt.",
            "{fl_incomplete}: en ofullständig ansökan kompletteras innan den prövas",
        ),
        ReasonType(
            "FIRST_APPLICATION",
            "Det här är en första ansökan. Nya sökande träffar alltid en handläggare som bedömer behov och arbetsförmåga.",
            "Endast ansökningar om fortsatt försörjningsstöd beslutas automatiskt (delegationsordningen, {kl_automated})",
        ),
        ReasonType(
            "DUPLICATE_APPLICATION",
            "Någon i hushållet har redan beviljats försörjningsstöd, eller har ett beviljande på väg, för samma månad "
            "i en annan ansökan. Försörjningsstöd betalas ut en gång per person och månad.",
            "{sol_right}: bistånd till hushållets försörjning för månaden; en ansökan som överlappar en annan prövas av handläggare",
        ),
        ReasonType(
            "NORM_TABLE_MISSING",
            "Det finns ingen riksnormstabell för den sökta perioden, så normen kan inte beräknas automatiskt.",
            "{sof_riksnorm}: riksnormen fastställs för varje kalenderår; {sol_costs}",
        ),
        ReasonType(
            "POLICY_MISSING",
            "Det finns inga kommunala riktlinjer som gäller för den sökta perioden, så ansökan kan inte prövas automatiskt.",
            "{sol_costs}: skäliga kostnader enligt kommunens riktlinjer; delegationsordningen, {kl_automated}",
        ),
        ReasonType(
            "REGISTRY_UNAVAILABLE",
            "Uppgifter från myndighet kunde inte hämtas. Ett uteblivet svar räknas aldrig som att uppgift saknas.",
            "{fl_investigation}: ärendet ska bli utrett; uppgifter hämtas via SSBTEK",
        ),
        ReasonType(
            "HOUSEHOLD_MISMATCH",
            "Hushållet i ansökan stämmer inte med folkbokföringen.",
            "{sol_right}: hushållets sammansättning styr behovet; uppgifter från Skatteverket",
        ),
        ReasonType(
            "HOUSEHOLD_CHANGED",
            "Hushållet har ändrats sedan förra ansökan.",
            "{sol_right}: ändringar i hushållet prövas av handläggare",
        ),
        ReasonType(
            "YOUTH_NOT_IN_SCHOOL",
            "Ungdom 19–20 år som bor hemma går inte i gymnasieskolan och bedöms som vuxen med egen försörjning.",
            "{fb_maintenance}: föräldrars underhållsskyldighet efter 18 år gäller under skolgång",
        ),
        ReasonType(
            "CHANGES_REPORTED",
            "Sökande har angett att något har ändrats sedan förra ansökan.",
            "{sol_right}: ändrade förhållanden prövas av handläggare",
        ),
        ReasonType(
            "UNDECLARED_INCOME",
            "En inkomst finns i register men är inte redovisad i ansökan.",
            "{sol_right}: hushållets alla inkomster räknas; registeruppgiften går före uppgiften i ansökan",
        ),
        ReasonType(
            "INCOME_MISMATCH",
            "En redovisad inkomst skiljer sig från registrets uppgift mer än kommunen godtar.",
            "{sol_right}; kommunens riktlinjer (tolerans för avvikelse)",
        ),
        ReasonType(
            "CHILD_EARNINGS_ABOVE_LIMIT",
            "Barnets eller skolungdomens arbetsinkomster i år är högre än ett prisbasbelopp. Den överskjutande delen "
            "får räknas som inkomst; det bedömer handläggaren.",
            "{sol_children_earnings}: inkomst av eget arbete räknas inte för barn som bor hemma eller skolungdom under 21 år, "
            "upp till ett prisbasbelopp per kalenderår",
        ),
        ReasonType(
            "NOT_REGISTERED_AF",
            "Sökande är inte inskriven hos Arbetsförmedlingen. Handläggaren bedömer om det finns godtagbara skäl, "
            "till exempel sjukskrivning eller föräldraledighet.",
            "{sol_labour_market}: den som kan arbeta ska stå till arbetsmarknadens förfogande",
        ),
        ReasonType(
            "NO_ACTIVITY_PLAN",
            "Sökande är inskriven hos Arbetsförmedlingen men har ingen aktiv handlingsplan.",
            "{sol_labour_market}: den som kan arbeta ska stå till arbetsmarknadens förfogande",
        ),
        ReasonType(
            "PERMIT_EXPIRED",
            "Uppehållstillståndet gäller inte hela den sökta månaden.",
            "{sol_right}; rätten till bistånd vid upphört uppehållstillstånd prövas av handläggare",
        ),
        ReasonType(
            "RENT_ABOVE_CEILING",
            "Hyran är högre än kommunens riktvärde för hushållets sammansättning.",
            "{sol_costs}: skäliga kostnader för boende; kommunens riktlinjer",
        ),
        ReasonType(
            "RENT_CHANGED",
            "Hyran har ändrats sedan förra ansökan.",
            "{sol_costs}: skäliga kostnader för boende prövas vid ändring",
        ),
        ReasonType(
            "OTHER_COSTS",
            "Ansökan gäller kostnader som kräver individuell bedömning (t.ex. tandvård, glasögon, möbler).",
            "{sol_right}: bistånd till livsföringen i övrigt prövas individuellt",
        ),
        ReasonType(
            "ASSETS_ABOVE_BUFFER",
            "Hushållets tillgångar är större än kommunens buffert och ska i första hand användas.",
            "{sol_right}: egna tillgångar används först",
        ),
        ReasonType(
            "VEHICLE_OWNER",
            "En hushållsmedlem äger fordon enligt Transportstyrelsen; handläggaren bedömer om det är en tillgång.",
            "{sol_right}: egna tillgångar används först",
        ),
        ReasonType(
            "NO_DEFICIT",
            "Hushållets inkomster täcker behovet enligt beräkningen.",
            _ROBOT_GRANTS_ONLY,
        ),
        ReasonType(
            "AMOUNT_ABOVE_LIMIT",
            "Beloppet är högre än kommunens gräns för automatiskt beslut.",
            _ROBOT_GRANTS_ONLY,
        ),
    )
}

ORDER = {code: i for i, code in enumerate(CATALOGUE)}


def reason(code: str, detail: str = "", personnummer: str | None = None) -> dict:
    """A referral reason as the rules find it; `detail` adds the decisive facts in Swedish. Its rule is
    cited when the decision is made (with_rules)."""
    kind = CATALOGUE[code]
    r = {"code": code, "text": f"{kind.text} {detail}" if detail else kind.text}
    if personnummer is not None:
        r["personnummer"] = personnummer
    return r


def provision_keys(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def cite(template: str, law: Law, on: date) -> str:
    """A rule template with each provision key cited as it read on that day."""
    return template.format(**{k: law.cite(k, on) for k in provision_keys(template)})


def with_rules(reasons: list[dict], law: Law, on: date) -> list[dict]:
    """The reasons in catalogue order, each with its rule cited as the law read on the decision day."""
    rules: dict[str, str] = {}
    out = []
    for r in sorted(reasons, key=lambda r: ORDER[r["code"]]):
        rule = rules.get(r["code"])
        if rule is None:
            rule = rules[r["code"]] = cite(CATALOGUE[r["code"]].rule, law, on)
        out.append({"code": r["code"], "text": r["text"], "rule": rule} | ({"personnummer": r["personnummer"]} if "personnummer" in r else {}))
    return out


def kr(amount: int) -> str:
    """Whole kronor the Swedish way: 10 610 kr."""
    return f"{amount:,} kr".replace(",", " ")
