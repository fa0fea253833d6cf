"""What every console page shares: who is signed in, the roles a route admits, the CSRF check on every
form, and rendering a template (autoescaped: an application's free text is shown as text, never as HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from robots.bots.context import Context
from robots.casework import Person
from robots.console.auth import COOKIE, Auth, same_token
from robots.privacy import mask
from robots.rules.reasons import kr
from robots.workdays import local_minute

TEMPLATES = Path(__file__).parent / "templates"
ROLE_NAMES = {"caseworker": "handläggare", "operator": "driftansvarig", "auditor": "granskare", "admin": "administratör"}


@dataclass
class Console:
    """What the console runs on: the same store, ports and parameters as the worker."""

    auth: Auth
    ctx: Context  # for the actions (robots/casework.py): store, case-system port, parameters, clock


class SignInNeeded(Exception):
    """No session: the page redirects to the sign-in page, then back."""


class Forbidden(Exception):
    """Signed in, but the role does not admit the route (403), or a form came without its CSRF token."""


def _when(value) -> str:
    return local_minute(value) or "–"


def _kronor(value) -> str:
    return kr(value) if isinstance(value, int) else "–"


templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
templates.filters.update(when=_when, kr=_kronor, mask=mask)
templates.globals.update(ROLE_NAMES=ROLE_NAMES)


def console(request: Request) -> Console:
    return request.app.state.console


def who(request: Request) -> tuple[Person, str] | None:
    """(the person signed in, the session's CSRF token), or None."""
    try:
        return request.state.who
    except AttributeError:  # asked once a request
        request.state.who = console(request).auth.signed_in(request.cookies.get(COOKIE))
        return request.state.who


def allow(*roles: str):
    """A dependency: the person signed in, when their role is one of `roles` (admin always is)."""
    def dependency(request: Request) -> Person:
        found = who(request)
        if found is None:
            raise SignInNeeded()
        person, _ = found
        if person.role != "admin" and person.role not in roles:
            raise Forbidden(f"Din roll ({ROLE_NAMES[person.role]}) ger inte tillgång till den här sidan.")
        return person
    return dependency


def allow_form(*roles: str):
    """A dependency for a posted form: the role as `allow`, and the session's CSRF token in the form."""
    by_role = allow(*roles)

    async def dependency(request: Request) -> Person:
        person = by_role(request)
        form = await request.form()
        if not same_token(form.get("csrf_token"), who(request)[1]):
            raise Forbidden("Formuläret saknar giltig säkerhetskod (CSRF). Ladda om sidan och försök igen.")
        return person
    return dependency


def render(request: Request, template: str, status_code: int = 200, **values) -> HTMLResponse:
    found = who(request)
    values |= {"person": found[0] if found else None, "csrf_token": found[1] if found else "", "path": request.url.path}
    return HTMLResponse(templates.get_template(template).render(**values), status_code=status_code)


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/logga-in?next={quote(target)}"
