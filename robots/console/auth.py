"""Who may use the console: users with a role, passwords, sessions, CSRF tokens, and the sign-in record.

All of it is here, so that the municipality's single sign-on (OIDC or SAML) can replace it: the rest of
the console asks only `Auth.signed_in(token)` for a `Person`, and checks the role.

- Passwords are hashed with argon2id (argon2-cffi), with its own salt and parameters in the hash.
- A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); the store keeps
  only its sha256, with the session's CSRF token, which every form must send back.
- Failed sign-ins are counted per user name in the sign-in record: after MAX_FAILURES within
  FAILURE_WINDOW, sign-ins under that name are refused until the window has passed.
- Every sign-in, failed sign-in, refusal, sign-out and new user is an event in one hash chain
  (robots/store/access.py), apart from the cases' own chains.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from robots.casework import Person
from robots.store import Store
from robots.store.access import record
from robots.store.models import AccessEvent, ConsoleSession, User, utcnow

ROLES = ("caseworker", "operator", "auditor", "admin")
SESSION_HOURS = 8  # a working day; signing in again after it is the price of a stolen cookie lapsing
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10
COOKIE = "casebot_session"
_hasher = PasswordHasher()
_CHECKS = threading.BoundedSemaphore(4)  # password checks at once, in this process
_NOBODY = _hasher.hash(secrets.token_hex(16))  # checked against for an unknown name, so that it takes as long


class SignInRefused(Exception):
    """The sign-in did not succeed; the message is safe to show (it never tells which part was wrong)."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add_user(store: Store, name: str, role: str, password: str, *, by: str = "casebot users add") -> None:
    """A new user; ValueError with what is wrong (name taken, unknown role, short password)."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise ValueError("a user name is 1 to 100 characters, without spaces")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    try:
        with store.unit_of_work() as session:
            session.add(User(name=name, role=role, password_hash=_hasher.hash(password), active=True))
    except IntegrityError:
        raise ValueError(f"there is already a user {name!r}") from None
    record(store, name, "user added", role=role, by=by)


class Auth:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow):
        self.store, self.clock = store, clock
        self._locks = [threading.Lock() for _ in range(64)]  # a fixed set: names typed at random cannot grow it

    def sign_in(self, name: str, password: str, client: str) -> tuple[str, Person]:
        """(the session token for the cookie, who signed in); SignInRefused otherwise."""
        name = name.strip()[:100]
        # One attempt at a time per name, so that parallel guesses each see the failures before them; and few
        # password checks at once in all (argon2 takes tens of MB each: a flood must not exhaust memory).
        with self._per_name(name), _CHECKS:
            return self._sign_in(name, password, client)

    def _per_name(self, name: str) -> threading.Lock:
        return self._locks[int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % len(self._locks)]

    def _sign_in(self, name: str, password: str, client: str) -> tuple[str, Person]:
        now = self.clock()
        since = now - FAILURE_WINDOW
        with self.store.sessions() as session:
            last_ok = session.scalar(select(func.max(AccessEvent.at)).where(AccessEvent.who == name, AccessEvent.what == "signed in"))
            failures = session.scalar(select(func.count()).where(AccessEvent.who == name, AccessEvent.what == "sign-in failed",
                                                                 AccessEvent.at > max(since, last_ok or since)))  # a success resets the count
            user = session.scalars(select(User).where(User.name == name)).first()
        if failures >= MAX_FAILURES:
            record(self.store, name, "sign-in refused", at=now, client=client, why=f"{failures} failed sign-ins in {FAILURE_WINDOW}")
            raise SignInRefused(f"För många misslyckade inloggningar. Försök igen om {FAILURE_WINDOW.seconds // 60} minuter.")
        try:
            _hasher.verify(user.password_hash if user is not None else _NOBODY, password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            record(self.store, name, "sign-in failed", at=now, client=client)
            raise SignInRefused("Fel användarnamn eller lösenord.")
        token = secrets.token_urlsafe(32)
        with self.store.unit_of_work() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
            session.add(ConsoleSession(token_sha256=_sha256(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                                       created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS)))
        record(self.store, name, "signed in", at=now, client=client, role=user.role)
        return token, Person(user.name, user.role)

    def signed_in(self, token: str | None) -> tuple[Person, str] | None:
        """(who, the session's CSRF token) for a session cookie, or None: no cookie, unknown, lapsed, or a
        user no longer active."""
        if not token:
            return None
        with self.store.sessions() as session:
            row = session.execute(select(ConsoleSession, User).join(User, User.id == ConsoleSession.user_id)
                                  .where(ConsoleSession.token_sha256 == _sha256(token))).first()
        if row is None or row[0].expires_at <= self.clock() or not row[1].active:
            return None
        return Person(row[1].name, row[1].role), row[0].csrf

    def sign_out(self, token: str, person: Person) -> None:
        with self.store.unit_of_work() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.token_sha256 == _sha256(token)))
        record(self.store, person.name, "signed out")


def same_token(given: str | None, expected: str) -> bool:
    """A CSRF token compared in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
