"""The reference case system's screens, under /ui/: what a caseworker (or a robot working the screens, as
in case systems with no API) sees and does. Server-rendered HTML with its own sign-in, on the same
records and rules as the API (ledger.py): a decision id is recorded once and paid once, and another
decision for a decided application is refused, whichever face it comes through.

- /ui/login: sign in (the accounts the stand-in was started with); a session lapses after a while idle.
- /ui/applications: applications by status, a page at a time.
- /ui/applications/{id}: one application: its household, incomes, costs and history, the e-service's
  document as filed, its decisions and payments; take it ("claim") and give it back ("release").
- /ui/applications/{id}/decision: enter a decision (outcome, amount, decision id, reasons in words, and
  the calculation as its attached document); a refusal is shown on the form.
- /ui/applications/{id}/decisions/{decision id}: the receipt, with the decision id and the payment.

Every form carries the session's CSRF token. Elements a program may need carry a label or a data-testid.
`Layout` varies the screens as a new release of a real case system would (another column, buttons moved,
an element gone), so that tests can show what the screen adapter survives and what it reports."""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from connectors.casesystem.ledger import STATUSES, Ledger, Refused
from robots.contract.limits import MAX_BODY_BYTES, MAX_DEPTH, MAX_INT_DIGITS
from robots.contract.safe_json import load_json

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True))
COOKIE = "cs_session"
OUTCOMES = {"granted": "Bifall", "refused": "Avslag", "referred": "Till handläggare"}
STATUS_NAMES = {"submitted": "Inkommen", "claimed": "Under handläggning", "referred": "Hos handläggare", "decided": "Beslutad"}


@dataclass(frozen=True)
class Layout:
    """How the screens are laid out. `revised`: another release: an extra column first in the list, the
    actions above the application rather than below it, the decision form's fields in another order and its
    button on top. `without`: the test ids of elements left out (a screen that lost something a program needs)."""

    revised: bool = False
    without: frozenset[str] = field(default_factory=frozenset)


@dataclass
class _Session:
    user: str
    csrf: str
    seen: float


class _Sessions:
    """Signed-in sessions in memory: they end when the stand-in restarts, as a real system's may."""

    def __init__(self, idle_seconds: int):
        self.idle_seconds, self._by_token, self._lock = idle_seconds, {}, threading.Lock()

    def start(self, user: str) -> str:
        token, now = secrets.token_urlsafe(32), time.monotonic()
        with self._lock:
            for lapsed in [t for t, s in self._by_token.items() if now - s.seen > self.idle_seconds]:  # none kept forever
                del self._by_token[lapsed]
            self._by_token[token] = _Session(user, secrets.token_urlsafe(16), now)
        return token

    def get(self, token: str | None) -> _Session | None:
        with self._lock:
            session = self._by_token.get(token or "")
            if session is None:
                return None
            if time.monotonic() - session.seen > self.idle_seconds:
                del self._by_token[token]
                return None
            session.seen = time.monotonic()
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)


def add_pages(app: FastAPI, ledger: Ledger, accounts: dict[str, str], layout: Layout, session_seconds: int) -> None:
    sessions = _Sessions(session_seconds)

    def page(name: str, code: int = 200, **values) -> HTMLResponse:
        html = TEMPLATES.get_template(name).render(layout=layout, shown=lambda testid: testid not in layout.without,
                                                    OUTCOMES=OUTCOMES, STATUS_NAMES=STATUS_NAMES, **values)
        return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})

    def signed_in(request: Request) -> _Session | None:
        return sessions.get(request.cookies.get(COOKIE))

    def to_login(request: Request, back: str | None = None) -> RedirectResponse:
        """To the sign-in page, and from there back here, or to `back` (the page of a form whose post found
        its session lapsed: the post itself cannot be repeated by a redirect)."""
        here = back or request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?next={quote(here, safe='')}", status_code=303)

    def checked(request: Request, csrf: str) -> _Session | None:
        """The session of a form post, or None (sign in again) when it lapsed; a wrong token is refused."""
        session = signed_in(request)
        if session is not None and not hmac.compare_digest(session.csrf, csrf):
            raise Refused(403, "the form is not from this session: reload the page")
        return session

    @app.get("/ui", include_in_schema=False)
    @app.get("/ui/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/applications", status_code=303)

    @app.get("/ui/login", include_in_schema=False)
    def login_form(next: str = "/ui/applications") -> HTMLResponse:
        return page("login.html", next=next)

    @app.post("/ui/login", include_in_schema=False)
    def login(user: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=200)],
              next: Annotated[str, Form(max_length=2000)] = "/ui/applications") -> Response:
        known = accounts.get(user)
        if known is None or not hmac.compare_digest(known.encode(), password.encode()):
            return page("login.html", 401, next=next, problem="Fel användarnamn eller lösenord.")
        target = next if next.startswith("/ui/") and not next.startswith("/ui//") else "/ui/applications"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, sessions.start(user), httponly=True, samesite="strict", path="/ui")
        return response

    @app.post("/ui/logout", include_in_schema=False)
    def logout(request: Request) -> RedirectResponse:
        sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/ui/login", status_code=303)
        response.delete_cookie(COOKIE, path="/ui")
        return response

    @app.get("/ui/applications", include_in_schema=False)
    def applications(request: Request, status: str = "submitted", after: int = 0, limit: int = 50) -> Response:
        if (session := signed_in(request)) is None:
            return to_login(request)
        status = status if status in STATUSES else "submitted"
        items, following = ledger.page(status, max(1, min(limit, 500)), max(0, after))
        return page("applications.html", session=session, listed=status, items=items, following=following, limit=limit)

    def case_page(session: _Session, application_id: str, status: int = 200, refusal: Refused | None = None) -> HTMLResponse:
        record = ledger.get(application_id)
        document = json.dumps(record["application"], ensure_ascii=True, indent=1, sort_keys=True)  # ASCII: read back exactly
        return page("application.html", status, session=session, r=record, a=record["application"], document=document,
                    refusal=refusal, robot_until=time.strftime("%H:%M:%S", time.localtime(record["lease_until"])) if record["lease_until"] else None)

    @app.get("/ui/applications/{application_id}", include_in_schema=False)
    def application(request: Request, application_id: str) -> Response:
        if (session := signed_in(request)) is None:
            return to_login(request)
        return case_page(session, application_id)

    def on_case_page(request: Request, application_id: str, csrf: str, action) -> Response:
        """A form on the case page: done, and back to the page; refused, and the page with the refusal on it."""
        here = f"/ui/applications/{application_id}"
        if (session := checked(request, csrf)) is None:
            return to_login(request, here)
        try:
            action()
        except Refused as e:
            return case_page(session, application_id, e.status, e)
        return RedirectResponse(here, status_code=303)

    @app.post("/ui/applications/{application_id}/claim", include_in_schema=False)
    def claim(request: Request, application_id: str, csrf: Annotated[str, Form()], claimant: Annotated[str, Form(min_length=1, max_length=200)],
              lease_seconds: Annotated[int, Form(ge=1, le=86_400)] = 14_400, replaces: Annotated[str, Form(max_length=4000)] = "") -> Response:
        taken_over = [r.strip() for r in replaces.split(",") if r.strip()]
        return on_case_page(request, application_id, csrf, lambda: ledger.claim(application_id, claimant, lease_seconds, taken_over))

    @app.post("/ui/applications/{application_id}/release", include_in_schema=False)
    def release(request: Request, application_id: str, csrf: Annotated[str, Form()],
                claimant: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
        return on_case_page(request, application_id, csrf, lambda: ledger.release(application_id, claimant))

    @app.post("/ui/applications/{application_id}/reopen", include_in_schema=False)
    def reopen(request: Request, application_id: str, csrf: Annotated[str, Form()],
               caseworker: Annotated[str, Form(min_length=1, max_length=100)], note: Annotated[str, Form(min_length=1, max_length=4000)]) -> Response:
        return on_case_page(request, application_id, csrf, lambda: ledger.reopen(application_id, caseworker, note))

    @app.get("/ui/applications/{application_id}/decision", include_in_schema=False)
    def decision_form(request: Request, application_id: str) -> Response:
        if (session := signed_in(request)) is None:
            return to_login(request)
        return page("decision.html", session=session, r=ledger.get(application_id), entered={})

    @app.post("/ui/applications/{application_id}/decision", include_in_schema=False)
    def decide(request: Request, application_id: str, csrf: Annotated[str, Form()],
               outcome: Annotated[str, Form()], decision_id: Annotated[str, Form(min_length=1, max_length=100)],
               reasons: Annotated[str, Form(max_length=20_000)] = "", underlag: Annotated[str, Form(max_length=250_000)] = "",
               amount: Annotated[str, Form(max_length=20)] = "") -> Response:
        if (session := checked(request, csrf)) is None:
            return to_login(request, f"/ui/applications/{application_id}/decision")
        entered = {"outcome": outcome, "amount": amount, "decision_id": decision_id, "reasons": reasons}
        try:
            decision = _decision_entered(outcome, amount, underlag)
            ledger.decide(application_id, decision_id, decision, note=reasons.strip() or None)
        except Refused as e:
            return page("decision.html", e.status, session=session, r=ledger.get(application_id), entered=entered, refusal=e)
        return RedirectResponse(f"/ui/applications/{application_id}/decisions/{quote(decision_id, safe='')}", status_code=303)

    @app.get("/ui/applications/{application_id}/decisions/{decision_id}", include_in_schema=False)
    def receipt(request: Request, application_id: str, decision_id: str) -> Response:
        if (session := signed_in(request)) is None:
            return to_login(request)
        record = ledger.get(application_id)
        decision = next((d for d in record["decisions"] if d["decision_id"] == decision_id), None)
        if decision is None:
            raise Refused(404, f"application {application_id} has no decision {decision_id!r}")
        payment = next((p for p in record["payments"] if p["decision_id"] == decision_id), None)
        return page("receipt.html", session=session, r=record, d=decision, payment=payment)


def refusal_page(e: Refused) -> HTMLResponse:
    """A refusal outside a form (no such application, a stale form) as a page of its own."""
    html = TEMPLATES.get_template("error.html").render(refusal=e, session=None, layout=Layout(), shown=lambda _: True)
    return HTMLResponse(html, status_code=e.status, headers={"Cache-Control": "no-store"})


def _decision_entered(outcome: str, amount: str, underlag: str) -> dict:
    """The decision as entered: the calculation document, whose outcome and amount must be those typed into
    the form (a slip of the keyboard is refused, never paid)."""
    try:
        decision = load_json(underlag, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS)
    except ValueError:  # not JSON, or not safe JSON (too deep, too long a number, a lone surrogate)
        raise Refused(422, "Beräkningsunderlaget går inte att läsa: bifoga beslutets underlag som det skapades.") from None
    if not isinstance(decision, dict):
        raise Refused(422, "Beräkningsunderlaget går inte att läsa: bifoga beslutets underlag som det skapades.")
    if outcome not in OUTCOMES or outcome != decision.get("outcome"):
        raise Refused(422, f"Beslutet i formuläret ({OUTCOMES.get(outcome, outcome)}) stämmer inte med underlaget "
                           f"({OUTCOMES.get(decision.get('outcome'), decision.get('outcome'))}).")
    typed = amount.replace(" ", "").replace("\u00a0", "")
    if typed != ("" if decision.get("amount") is None else str(decision["amount"])):
        raise Refused(422, f"Beloppet i formuläret ({amount or 'inget'}) stämmer inte med underlaget ({decision.get('amount', 'inget')}).")
    return decision
