"""The console application: sign-in and sign-out, each role's start page, the routers, error pages and the
headers every answer carries."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from robots import __version__
from robots.bots.context import Context
from robots.casework import Person
from robots.console import auditor, caseworker, operator
from robots.console.auth import COOKIE, SESSION_HOURS, Auth, SignInRefused, same_token
from robots.console.web import (
    Console,
    Forbidden,
    SignInNeeded,
    allow_form,
    render,
    sign_in_url,
    who,
)

LOGIN_COOKIE = "casebot_login"  # the sign-in form's CSRF token, before there is a session to keep it
START = {"caseworker": "/arenden", "operator": "/drift", "auditor": "/granskning", "admin": "/arenden"}
HEADERS = {
    # Nothing from elsewhere: the console works on a closed network, and an injected script has nowhere to load from.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages hold personal data: not kept by the browser or a proxy
}


def _safe_next(target: str | None) -> str | None:
    """Only a path of this console: a sign-in link must not send anyone elsewhere."""
    if not target:
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # a backslash is a slash to some browsers: /\\evil.example would leave the console
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")


def create_app(ctx: Context) -> FastAPI:
    """The console on the worker's store, case-system port, parameters and clock (robots/bootstrap.py)."""
    app = FastAPI(title="casebot console", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(auth=Auth(ctx.store, ctx.clock), ctx=ctx)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, _: SignInNeeded):
        return RedirectResponse(sign_in_url(request) if request.method == "GET" else "/logga-in", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, e: Forbidden):
        return render(request, "error.html", status_code=403, title="Åtkomst nekad", message=str(e))

    @app.exception_handler(StarletteHTTPException)  # FastAPI's own and Starlette's (an unknown path, a wrong method)
    async def http_error(request: Request, e: StarletteHTTPException):
        return render(request, "error.html", status_code=e.status_code, title="Det gick inte", message=str(e.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, e: RequestValidationError):
        return render(request, "error.html", status_code=422, title="Felaktig förfrågan",
                      message="; ".join(f"{'.'.join(map(str, err['loc'][1:]))}: {err['msg']}" for err in e.errors()[:5]))

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "service": "casebot-console", "version": __version__}

    @app.get("/")
    def start(request: Request):
        found = who(request)
        return RedirectResponse(START[found[0].role] if found else "/logga-in", status_code=303)

    @app.get("/logga-in")
    def sign_in_page(request: Request, next: str | None = None):
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", login_token=token, next=_safe_next(next) or "")
        _cookie(response, request, LOGIN_COOKIE, token, 3600)
        return response

    @app.post("/logga-in")
    def sign_in(request: Request, anvandare: Annotated[str, Form(max_length=200)] = "", losenord: Annotated[str, Form(max_length=1000)] = "",
                csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
        if not same_token(csrf_token, request.cookies.get(LOGIN_COOKIE, "")):
            raise Forbidden("Inloggningsformuläret saknar giltig säkerhetskod. Ladda om sidan och försök igen.")
        client = request.client.host if request.client else "?"
        try:
            token, person = request.app.state.console.auth.sign_in(anvandare, losenord, client)
        except SignInRefused as e:
            fresh = secrets.token_urlsafe(32)
            response = render(request, "login.html", status_code=401, problem=str(e), login_token=fresh, next=_safe_next(next) or "",
                              name=anvandare)
            _cookie(response, request, LOGIN_COOKIE, fresh, 3600)
            return response
        response = RedirectResponse(_safe_next(next) or START[person.role], status_code=303)
        _cookie(response, request, COOKIE, token, SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logga-ut")
    async def sign_out(request: Request, person: Annotated[Person, Depends(allow_form("caseworker", "operator", "auditor"))]):
        await run_in_threadpool(request.app.state.console.auth.sign_out, request.cookies.get(COOKIE, ""), person)
        response = RedirectResponse("/logga-in", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    app.include_router(caseworker.router)
    app.include_router(operator.router)
    app.include_router(auditor.router)
    return app

