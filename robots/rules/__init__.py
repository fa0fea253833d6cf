"""The decision engine: pure functions of (application, register data, dated parameters) -> decision.

No I/O, no clock, no randomness. A lawyer can read it: case.py (the application as the rules read it),
parameters.py (norm tables, policy versions, the law's dated references), norm.py (riksnorm), costs.py
(reasonable costs), income.py (reconciliation, jobbstimulans, children's earnings), conditions.py (when a
person must decide), reasons.py (the referral reasons with their legal references), engine.py (putting it
together), law.toml (the provisions cited, with their dates).
"""

from robots.rules.case import Case, parse_case
from robots.rules.engine import RULES_VERSION, evaluate, invalid

__all__ = ["RULES_VERSION", "Case", "evaluate", "invalid", "parse_case"]
