"""Why the robot did not grant: every referral reason, with a stable code, a Swedish text for the
caseworker and the applicant, and the rule it rests on with its legal reference.

Codes are part of the contract with the case system and the console: add new ones, never rename.
The order here is the order reasons are listed on a decision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReasonType:
    code: str
    text: str
    rule: str


_ROBOT_GRANTS_ONLY = (
    "Roboten beviljar endast; beslut som inte bifaller ansökan fattas av handläggare "
    "(kommunallagen 6 kap. 37 §, delegationsordningen; förvaltningslagen 28 §)"
)

CATALOGUE: dict[str, ReasonType] = {
    r.code: r
    for r in (
        ReasonType(
            "INVALID_APPLICATION",
            "Ansökan är ofullständig eller felaktig och kan inte prövas automatiskt.",
            "Förvaltningslagen (2017:900) 20 §: en ofullständig ansökan kompletteras innan den prövas",
        ),
        ReasonType(
            "FIRST_APPLICATION",
            "Det här är en första ansökan. Nya sökande träffar alltid en handläggare som bedömer behov och arbetsförmåga.",
            "Endast ansökningar om fortsatt försörjningsstöd beslutas automatiskt (delegationsordningen, kommunallagen 6 kap. 37 §)",
        ),
        ReasonType(
            "NORM_TABLE_MISSING",
            "Det finns ingen riksnormstabell för den sökta perioden, så normen kan inte beräknas automatiskt.",
            "Socialtjänstförordningen (2001:937) 2 kap. 1 §: riksnormen fastställs för varje kalenderår",
        ),
        ReasonType(
            "REGISTRY_UNAVAILABLE",
            "Uppgifter från myndighet kunde inte hämtas. Ett uteblivet svar räknas aldrig som att uppgift saknas.",
            "Förvaltningslagen (2017:900) 23 §: ärendet ska bli utrett; uppgifter hämtas via SSBTEK",
        ),
        ReasonType(
            "HOUSEHOLD_MISMATCH",
            "Hushållet i ansökan stämmer inte med folkbokföringen.",
            "Socialtjänstlagen 4 kap. 1 §: hushållets sammansättning styr behovet; uppgifter från Skatteverket",
        ),
        ReasonType(
            "HOUSEHOLD_CHANGED",
            "Hushållet har ändrats sedan förra ansökan.",
            "Socialtjänstlagen 4 kap. 1 §: ändringar i hushållet prövas av handläggare",
        ),
        ReasonType(
            "YOUTH_NOT_IN_SCHOOL",
            "Ungdom 19–20 år som bor hemma går inte i gymnasieskolan och bedöms som vuxen med egen försörjning.",
            "Föräldrabalken 7 kap. 1 §: föräldrars underhållsskyldighet efter 18 år gäller under skolgång",
        ),
        ReasonType(
            "CHANGES_REPORTED",
            "Sökande har angett att något har ändrats sedan förra ansökan.",
            "Socialtjänstlagen 4 kap. 1 §: ändrade förhållanden prövas av handläggare",
        ),
        ReasonType(
            "UNDECLARED_INCOME",
            "En inkomst finns i register men är inte redovisad i ansökan.",
            "Socialtjänstlagen 4 kap. 1 §: hushållets alla inkomster räknas; registeruppgiften går före uppgiften i ansökan",
        ),
        ReasonType(
            "INCOME_MISMATCH",
            "En redovisad inkomst skiljer sig från registrets uppgift mer än kommunen godtar.",
            "Socialtjänstlagen 4 kap. 1 §; kommunens riktlinjer (tolerans för avvikelse)",
        ),
        ReasonType(
            "CHILD_EARNINGS_ABOVE_LIMIT",
            "Barnets arbetsinkomst är högre än månadens del av ett prisbasbelopp; handläggaren prövar årsbeloppet.",
            "Socialtjänstlagen 4 kap.: skolungdoms inkomst av eget arbete räknas inte upp till ett prisbasbelopp per år",
        ),
        ReasonType(
            "NOT_REGISTERED_AF",
            "Sökande är inte inskriven hos Arbetsförmedlingen. Handläggaren bedömer om det finns godtagbara skäl, "
            "till exempel sjukskrivning eller föräldraledighet.",
            "Socialtjänstlagen 4 kap. 1 § andra stycket: den som kan arbeta ska stå till arbetsmarknadens förfogande",
        ),
        ReasonType(
            "NO_ACTIVITY_PLAN",
            "Sökande är inskriven hos Arbetsförmedlingen men har ingen aktiv handlingsplan.",
            "Socialtjänstlagen 4 kap. 1 § andra stycket: den som kan arbeta ska stå till arbetsmarknadens förfogande",
        ),
        ReasonType(
            "PERMIT_EXPIRED",
            "Uppehållstillståndet gäller inte hela den sökta månaden.",
            "Socialtjänstlagen 4 kap. 1 §; rätten till bistånd vid upphört uppehållstillstånd prövas av handläggare",
        ),
        ReasonType(
            "RENT_ABOVE_CEILING",
            "Hyran är högre än kommunens riktvärde för hushållets sammansättning.",
            "Socialtjänstlagen 4 kap. 3 §: skäliga kostnader för boende; kommunens riktlinjer",
        ),
        ReasonType(
            "RENT_CHANGED",
            "Hyran har ändrats sedan förra ansökan.",
            "Socialtjänstlagen 4 kap. 3 §: skäliga kostnader för boende prövas vid ändring",
        ),
        ReasonType(
            "OTHER_COSTS",
            "Ansökan gäller kostnader som kräver individuell bedömning (t.ex. tandvård, glasögon, möbler).",
            "Socialtjänstlagen 4 kap. 1 §: bistånd till livsföringen i övrigt prövas individuellt",
        ),
        ReasonType(
            "ASSETS_ABOVE_BUFFER",
            "Hushållets tillgångar är större än kommunens buffert och ska i första hand användas.",
            "Socialtjänstlagen 4 kap. 1 §: egna tillgångar används först",
        ),
        ReasonType(
            "VEHICLE_OWNER",
            "En hushållsmedlem äger fordon enligt Transportstyrelsen; handläggaren bedömer om det är en tillgång.",
            "Socialtjänstlagen 4 kap. 1 §: egna tillgångar används först",
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
    """A referral reason as the decision carries it; `detail` adds the decisive facts in Swedish."""
    kind = CATALOGUE[code]
    r = {"code": code, "text": f"{kind.text} {detail}" if detail else kind.text, "rule": kind.rule}
    if personnummer is not None:
        r["personnummer"] = personnummer
    return r


def kr(amount: int) -> str:
    """Whole kronor the Swedish way: 10 610 kr."""
    return f"{amount:,} kr".replace(",", " ")
