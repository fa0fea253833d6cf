"""The decision engine: pure functions of (application, register data, norms, policy) -> decision.

No I/O, no clock, no randomness. A lawyer can read it: norm.py (riksnorm), costs.py (reasonable costs),
income.py (reconciliation, jobbstimulans), conditions.py (when a person must decide), reasons.py (the
referral reasons with their legal references), engine.py (putting it together).
"""

from robots.rules.engine import RULES_VERSION, evaluate, invalid

__all__ = ["RULES_VERSION", "evaluate", "invalid"]
