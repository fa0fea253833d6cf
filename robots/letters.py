"""The decision letter (beslutsbrev) as a PDF, for every decision, the robot's or a person's, in Swedish.

It holds what förvaltningslagen asks of a written decision: the outcome and amount with the calculation,
the reasons — the provisions applied and the decisive facts (32 §) —, that the decision was made
automatically when it was (28 §), and, when the decision is not a full grant, how to appeal and by when
(33 §: three weeks from the day the applicant was told of it). A referral is no decision on the
application: its letter says that a caseworker will decide, and why.
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF

from robots.rules.caseworker import full_grant
from robots.rules.reasons import kr
from robots.workdays import STOCKHOLM

LINES = {"rent": "Hyra", "household_electricity": "Hushållsel", "home_insurance": "Hemförsäkring", "work_travel": "Resor till arbetet",
         "union_fee": "Fackavgift", "unemployment_insurance_fee": "A-kassa", "salary": "Lön", "net_salary": "Lön (netto)",
         "jobbstimulans": "Jobbstimulans", "children_earnings": "Barns inkomster"}


def _text(value: object) -> str:
    """Core PDF fonts hold Windows-1252 (å, ä, ö, é, §, quotes, dashes, €): anything else (ş, ő, Ł) becomes
    "?"; names in other scripts need a Unicode font, not bundled yet."""
    return str(value).replace("−", "-").encode("cp1252", "replace").decode("cp1252")


def _day(decided_at: str) -> str:
    return datetime.fromisoformat(decided_at).astimezone(STOCKHOLM).strftime("%Y-%m-%d")


def letter(decision: dict, applicant: str) -> bytes:
    """The letter for `decision` to `applicant` (as the application names the applicant), as PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "cp1252"
    pdf.set_title(_text(f"Beslut om ekonomiskt bistånd {decision['application_id']}"))
    pdf.set_author("casebot")
    pdf.set_creation_date(datetime.fromisoformat(decision["decided_at"]))
    pdf.add_page()
    pdf.set_margins(20, 20, 20)

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, 7, _text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)

    def para(text: str) -> None:
        pdf.multi_cell(0, 5, _text(text), new_x="LMARGIN", new_y="NEXT")

    def row(label: str, amount: int | str) -> None:
        pdf.cell(120, 5, _text(label))
        pdf.cell(0, 5, _text(kr(amount) if isinstance(amount, int) else amount), align="R", new_x="LMARGIN", new_y="NEXT")

    outcome, by_robot = decision["outcome"], str(decision["decided_by"]).startswith("robot:")
    heading("Beslut om ekonomiskt bistånd (försörjningsstöd)", 14)
    para(f"Till: {applicant}\nÄrende: {decision['application_id']}\nPeriod: {decision['period']}\nBeslutsdatum: {_day(decision['decided_at'])}")

    heading("Beslut")
    if outcome == "granted":
        para(f"Du beviljas försörjningsstöd för {decision['period']} med {kr(decision['amount'])}.")
        if not full_grant(decision):
            para("Ansökan avslås i övrigt: " + (f"underskottet enligt beräkningen är {kr(decision['calculation']['deficit'])}"
                                                  if decision["amount"] < decision["calculation"]["deficit"] else
                                                  "kostnader och inkomster har räknats annorlunda än du sökte, se beräkningen och skälen") + ".")
    elif outcome == "refused":
        para(f"Din ansökan om försörjningsstöd för {decision['period']} avslås.")
    else:
        para("Din ansökan har inte kunnat beslutas automatiskt. En handläggare prövar den och du får ett beslut från handläggaren.")

    calculation = decision.get("calculation", {})
    if calculation.get("made") is not False and "need" in calculation:
        heading("Beräkning")
        row(f"Riksnorm ({calculation['norm'].get('table', '')})", calculation["norm"]["total"])
        for line, amount in calculation["costs"].items():
            row(LINES.get(line, line.replace("_", " ")), amount)
        row("Summa behov", calculation["need"])
        for line, amount in calculation["income"].items():
            row(f"Inkomst: {LINES.get(line, line.replace('_', ' '))}", amount)
        for line, amount in calculation["disregarded_income"].items():
            row(f"Räknas inte: {LINES.get(line, line.replace('_', ' '))}", -amount if amount else 0)
        row("Inkomster som räknas", calculation["counted_income"])
        row("Underskott (behov minus inkomster)", calculation["deficit"])
    elif calculation.get("why"):
        heading("Beräkning")
        para(calculation["why"])

    heading("Skäl för beslutet")
    if decision.get("justification"):
        para(decision["justification"])
    for change in _adjustments(decision):
        para(change)
    for r in decision.get("reasons", []):
        para(f"- {r['text']}" + (f" ({r['rule']})" if r.get("rule") else ""))
    if decision.get("legal_basis"):
        para("Beslutet grundar sig på: " + "; ".join(b for b in decision["legal_basis"] if not b.startswith("Beslutet kan överklagas")) + ".")

    heading("Hur beslutet fattades")
    if by_robot:
        para(f"Beslutet har fattats automatiserat {_day(decision['decided_at'])}, med stöd av "
             f"{decision.get('delegation') or 'kommunens delegationsordning'} (förvaltningslagen (2017:900) 28 §). "
             "Du kan begära att en handläggare tittar på beslutet.")
    else:
        para(f"Beslutet har fattats av handläggare ({str(decision['decided_by']).removeprefix('caseworker:')}) {_day(decision['decided_at'])}.")

    if outcome in ("granted", "refused") and not full_grant(decision):
        heading("Hur du överklagar")
        para("Om du inte är nöjd med beslutet kan du överklaga det hos förvaltningsrätten. Skriv vilket beslut du överklagar "
             "och hur du vill att det ska ändras, och skicka eller lämna skrivelsen till socialtjänsten, som skickar den vidare "
             "till förvaltningsrätten. Överklagandet måste ha kommit in inom tre veckor från den dag du fick del av beslutet "
             "(förvaltningslagen (2017:900) 33 och 44 §§).")
        appeal = [b for b in decision.get("legal_basis", []) if b.startswith("Beslutet kan överklagas")]
        if appeal:
            para(appeal[0])
    return bytes(pdf.output())


def _adjustments(decision: dict) -> list[str]:
    out = []
    for part, lines in (decision.get("adjustments") or {}).items():
        for line, (robot, person) in lines.items():
            out.append(f"{'Kostnad' if part == 'costs' else 'Inkomst'} {LINES.get(line, line.replace('_', ' '))}: "
                       f"ändrad från {kr(robot)} till {kr(person)}.")
    return out
