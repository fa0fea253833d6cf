"""The limits on what casebot takes from outside, in one place, each with its unit.

Beyond any of them an input is refused or referred with one clear line, never decided:

* JSON as it arrives (robots.contract.safe_json, before or while parsing): a body or file that is too
  large, nested too deep, holds an integer with too many digits, NaN or Infinity, invalid UTF-8 or a
  lone surrogate is refused — `casebot decide` exits 2, the case system answers 413 (too large) or 422,
  a client's answer is a BadAnswer.
* An application's content (robots.contract.validate.application_problems): a value beyond a limit is
  one INVALID_APPLICATION problem, so the application is referred to a caseworker.
* A register answer's content (robots.contract.validate.registry_sources): a value beyond a limit in one
  agency's part makes that agency failed (REGISTRY_UNAVAILABLE), as a schema error there does.

The JSON Schemas (schemas/) are the shared contract and are not changed: these limits are checked in code.
"""

from __future__ import annotations

# --- JSON as it arrives -----------------------------------------------------------------------------
MAX_BODY_BYTES = 256 * 1024  # bytes: one application or one decision (`casebot decide`'s application
#                              file, every request body the case system takes)
MAX_PAGE_BYTES = 4 * 1024 * 1024  # bytes: one answer a client reads (a page of applications, a register
#                                   answer), `casebot decide --registry`'s file, a seeding batch to the gateway
MAX_DEPTH = 32  # levels of nested arrays and objects in a body or file (an application needs 4, a register file 6)
MAX_ANSWER_DEPTH = MAX_DEPTH + 8  # levels in an answer: a body of MAX_DEPTH inside the answer's envelope
MAX_INT_DIGITS = 15  # digits of one integer literal, sign not counted (999 999 999 999 999 at most)

# --- an application's content -----------------------------------------------------------------------
MAX_AMOUNT = 1_000_000  # kronor: any amount of money a month (costs, declared income, register payments and
#                         pay, last month's rent, a child's earnings this year)
MAX_ASSETS = 100_000_000  # kronor: assets.bank_balance, assets.other
MAX_MEMBERS = 20  # persons in household.members (also history.previous_members and the children's earnings)
MAX_DWELLING_SIZE = 30  # persons: household.dwelling_size
MAX_DECLARED_INCOMES = 100  # entries in declared_incomes
MAX_OTHER_COSTS = 50  # entries in costs.other
MAX_MONTHS_ON_ASSISTANCE = 1200  # months: history.consecutive_months_on_assistance (a hundred years)
MAX_STRING_CHARS = 4000  # characters in any one string (the contract's longest, message, allows 4000)
FREE_TEXT = frozenset({"message", "note", "description", "error"})  # fields whose strings may hold line
#                     breaks and tabs (\n, \r, \t); no string may hold another control character (U+0000-001F,
#                     U+007F-009F), a bidirectional override or isolate (U+202A-202E, U+2066-2069) or a lone surrogate
NOT_TEXT = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"  # those characters, as a regex class's ranges
NOT_FREE_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"  # the same but \t \n \r

# --- a register answer's content --------------------------------------------------------------------
MAX_REGISTER_ITEMS = 100  # entries in any list of one agency's part (payments, pay, vehicles, addresses)

# --- what the caseworker reads ----------------------------------------------------------------------
MAX_PROBLEMS = 50  # problem lines listed for one application; the rest are counted in one more line
MAX_PROBLEM_CHARS = 300  # characters of one problem line; a longer one (a schema message quoting a long
#                          value) is cut, marked with …
