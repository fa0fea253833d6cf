"""The decision letter (robots/letters.py), read back from the PDF: what förvaltningslagen asks of it."""

import io
import json

import pytest
from pypdf import PdfReader

from robots.contract import EXAMPLES
from robots.letters import letter
from robots.rules.caseworker import decide
from tests.conftest import PARAMS
from tests.unit.test_caseworker_rules import ON, REFERRAL

ROBOT_GRANT = json.loads((EXAMPLES / "repeat-single-parent.decision.json").read_text(encoding="utf-8"))


def text(decision) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letter(decision, "19890314-2381"))).pages)


def test_the_robots_grant_says_it_was_made_automatically_with_the_calculation():
    t = text(ROBOT_GRANT)
    assert "fattats automatiserat" in t and "28 §" in t and "Underskott" in t and "Riksnorm" in t
    assert f"{ROBOT_GRANT['amount']:,} kr".replace(",", " ") in t


@pytest.mark.parametrize("outcome,amount,rent,appeal", [
    ("granted", None, 6_500, False),  # a cost counted higher: nothing goes against the applicant
    ("granted", None, 5_500, True),  # the whole deficit, but of a rent counted lower: that part is refused
    ("granted", 10_000, 6_500, True),
    ("refused", None, 5_500, True),
])
def test_a_persons_decision_has_its_reasons_and_the_appeal_text_unless_all_is_granted(outcome, amount, rent, appeal):
    d = decide(REFERRAL, outcome, "Hyran är lägre än sökt enligt hyresavtalet.", PARAMS.law, amount=amount,
               adjustments={"costs": {"rent": rent}}, **ON)
    t = text(d)
    assert "Hyran är lägre än sökt" in t and f"ändrad från 6 000 kr till {rent:,} kr".replace(",", " ") in t and "handläggare (anna)" in t
    assert ("Hur du överklagar" in t and "tre veckor" in t) is appeal
    assert "automatiserat" not in t


def test_a_referral_says_a_caseworker_will_decide():
    t = text(REFERRAL | {"reasons": [{"code": "RENT_CHANGED", "text": "Hyran har ändrats.", "rule": "SoL 12 kap. 7 §"}]})
    assert "En handläggare prövar den" in t and "Hyran har ändrats." in t and "Hur du överklagar" not in t
