"""Who may do what in the console, over HTTP: every route for anonymous users and for each role. What a
role is allowed works (no redirect to sign-in, no 403); everything else is a redirect to sign-in or a 403,
and so is a form posted without its CSRF token. Plus the cookies, the sign-in limit, and free text shown
as text."""

from pathlib import Path

import pytest
import requests
from fastapi.routing import APIRoute
from sqlalchemy import select

from robots.console.auth import MAX_FAILURES, add_user
from robots.store import Run
from robots.store.models import PersonMonth
from tests.console.conftest import HOSTILE, PASSWORD, USERS

NOBODY = 999_999  # no such item: an allowed action reaches the action, which says so (404/409), not 403
# (method, path, roles allowed besides admin); {item}, {run}, {app} are filled in from the served store.
ROUTES = [
    ("GET", "/arenden", {"caseworker"}),
    ("GET", "/arenden/{item}", {"caseworker", "auditor"}),
    ("GET", "/arenden/{item}/beslut.pdf", {"caseworker", "auditor"}),
    ("POST", f"/arenden/{NOBODY}/bevilja", {"caseworker"}),
    ("POST", f"/arenden/{NOBODY}/avsla", {"caseworker"}),
    ("POST", f"/arenden/{NOBODY}/tillbaka", {"caseworker"}),
    ("GET", "/stickprov", {"caseworker"}),
    ("POST", f"/stickprov/{NOBODY}/kontrollerad", {"caseworker"}),
    ("GET", "/drift", {"operator"}),
    ("POST", f"/drift/arenden/{NOBODY}/koa-om", {"operator"}),
    ("GET", "/korningar", {"operator", "auditor"}),
    ("GET", "/korningar/{run}/logg", {"operator", "auditor"}),
    ("GET", "/granskning", {"auditor"}),
    ("GET", "/granskning/arenden?arende={app}", {"auditor"}),
    ("GET", "/granskning/arenden/{app}", {"auditor"}),
    ("GET", "/granskning/export.xlsx?fran=2020-01-01&till=2030-12-31", {"auditor"}),
    ("POST", "/logga-ut", {"caseworker", "operator", "auditor"}),
]
OPEN = {("GET", "/health"), ("GET", "/"), ("GET", "/logga-in"), ("POST", "/logga-in")}  # before signing in


def _template(path: str) -> str:
    return (path.split("?")[0].replace(str(NOBODY), "{item_id}").replace("{item}", "{item_id}").replace("{run}", "{run_id}")
            .replace("{app}", "{application_id}"))


def _routes(routes) -> set[tuple[str, str]]:
    """(method, path) of every route, in included routers too (FastAPI includes a router as a route of its own)."""
    found = set()
    for r in routes:
        if isinstance(r, APIRoute):
            found |= {(m, r.path) for m in r.methods}
        elif hasattr(r, "original_router"):
            found |= _routes(r.original_router.routes)
    return found


def test_the_table_covers_every_route_of_the_console(served):
    routes = _routes(served.app.routes)
    assert routes - OPEN == {(m, _template(p)) for m, p, _ in ROUTES}


def _path(served, path: str) -> str:
    referred = served.items("WITH_CASEWORKER")[0]
    with served.worker.store.sessions() as session:
        run = session.scalars(select(Run).where(Run.log_dir.is_not(None))).first()
    return path.format(item=referred.id, run=run.id, app=referred.application_id)


def _signed_in_page(served, http) -> str:
    """A page of the person's own that carries the session's CSRF token."""
    return http.get(served.url + "/", allow_redirects=True).text


@pytest.mark.parametrize("method,path,allowed", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_anonymous_users_are_sent_to_sign_in(served, method, path, allowed):
    url = served.url + _path(served, path)
    answer = requests.get(url, allow_redirects=False) if method == "GET" else requests.post(url, data={"motivering": "x"}, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/logga-in")


@pytest.mark.parametrize("name", list(USERS))
@pytest.mark.parametrize("method,path,allowed", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_each_role_may_use_its_routes_and_no_other(served, name, method, path, allowed):
    role = USERS[name]
    http = served.signed_in(name)
    token = _signed_in_page(served, http).split('name="csrf_token" value="')[1].split('"')[0]
    url = served.url + _path(served, path)
    if method == "GET":
        answer = http.get(url, allow_redirects=False)
    else:
        answer = http.post(url, data={"csrf_token": token, "motivering": "x", "notering": "x"}, allow_redirects=False)
    if path == "/logga-ut":  # signing out is the one allowed action that ends at the sign-in page
        assert answer.status_code == 303 and 'casebot_session=""' in answer.headers["set-cookie"]
    elif role == "admin" or role in allowed:
        assert answer.status_code not in (401, 403) and not answer.headers.get("location", "").startswith("/logga-in"), answer.text[:300]
        assert answer.status_code in (200, 303, 404, 409), answer.text[:300]
    else:
        assert answer.status_code == 403, answer.text[:300]


@pytest.mark.parametrize("method,path,allowed", [r for r in ROUTES if r[0] == "POST"], ids=[p for m, p, _ in ROUTES if m == "POST"])
def test_a_form_without_its_csrf_token_is_refused(served, method, path, allowed):
    http = served.signed_in("ada")
    for data in ({"motivering": "x"}, {"csrf_token": "not-the-token", "motivering": "x"}):
        answer = http.post(served.url + _path(served, path), data=data, allow_redirects=False)
        assert answer.status_code == 403 and "säkerhetskod" in answer.text


def test_the_sign_in_form_needs_its_own_token(served):
    answer = requests.post(served.url + "/logga-in", data={"anvandare": "anna", "losenord": PASSWORD, "csrf_token": "forged"},
                           allow_redirects=False)
    assert answer.status_code == 403 and "casebot_session" not in answer.cookies


def test_the_session_cookie_is_httponly_and_samesite(served):
    http = requests.Session()
    page = http.get(served.url + "/logga-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = http.post(served.url + "/logga-in", data={"anvandare": "anna", "losenord": PASSWORD, "csrf_token": token}, allow_redirects=False)
    cookie = next(c for c in answer.raw.headers.getlist("set-cookie") if c.startswith("casebot_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie  # plain HTTP here; Secure behind HTTPS
    assert answer.headers["location"] == "/arenden"
    assert "script-src 'none'" in answer.headers["content-security-policy"]


def test_failed_sign_ins_are_limited_and_recorded(served):
    add_user(served.worker.store, "ulf", "caseworker", PASSWORD)
    http = requests.Session()

    def attempt(password):
        token = http.get(served.url + "/logga-in").text.split('name="csrf_token" value="')[1].split('"')[0]
        return http.post(served.url + "/logga-in", data={"anvandare": "ulf", "losenord": password, "csrf_token": token}, allow_redirects=False)

    for _ in range(MAX_FAILURES):
        answer = attempt("fel-lösenord")
        assert answer.status_code == 401 and "Fel användarnamn eller lösenord" in answer.text
    answer = attempt(PASSWORD)  # the right password, too late
    assert answer.status_code == 401 and "För många misslyckade inloggningar" in answer.text
    auditor = served.signed_in("astrid")
    record = auditor.get(served.url + "/granskning").text
    assert record.count("sign-in failed") >= MAX_FAILURES and "sign-in refused" in record


def test_signing_out_ends_the_session(served):
    http = served.signed_in("anna")
    token = _signed_in_page(served, http).split('name="csrf_token" value="')[1].split('"')[0]
    assert http.post(served.url + "/logga-ut", data={"csrf_token": token}, allow_redirects=False).status_code == 303
    assert http.get(served.url + "/arenden", allow_redirects=False).headers["location"].startswith("/logga-in")


def test_free_text_with_html_and_script_renders_as_text(served):
    hostile = next(i for i in served.items() if i.application and i.application.get("message") == HOSTILE)
    for name in ("anna", "astrid"):
        page = served.signed_in(name).get(f"{served.url}/arenden/{hostile.id}").text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>fet</b>" not in page
        assert "&lt;script&gt;alert(" in page


def test_the_case_page_shows_last_months_grant(served):
    granted = served.items("WRITTEN")[0]
    referred = served.items("WITH_CASEWORKER")[-1]
    applicant = referred.application["household"]["members"][0]["personnummer"].replace("-", "")
    page = served.signed_in("anna").get(f"{served.url}/arenden/{referred.id}").text
    assert "Inget beviljat försörjningsstöd" in page
    with served.worker.store.unit_of_work() as session:  # the applicant was granted October (as another item of the store)
        session.add(PersonMonth(period="2023-10", person=applicant, item_id=granted.id))
    page = served.signed_in("anna").get(f"{served.url}/arenden/{referred.id}").text
    assert "Förra månaden" in page and granted.application_id in page


@pytest.mark.parametrize("target,kept", [("/arenden/3", True), ("/drift?x=1", True), ("//evil.example", False),
                                         ("/\\evil.example", False), ("https://evil.example/", False), ("/a\nb", False)])
def test_signing_in_returns_only_to_a_page_of_the_console(target, kept):
    from robots.console.app import _safe_next

    assert (_safe_next(target) == target) is kept


def test_the_robot_log_may_run_its_own_scripts_in_a_sandbox(served):
    with served.worker.store.sessions() as session:
        run = session.scalars(select(Run).where(Run.log_dir.is_not(None))).first()
    (Path(run.log_dir) / "log.html").write_text("<script>window.output = {}</script>", encoding="utf-8")  # as `casebot run` leaves it
    answer = served.signed_in("olle").get(f"{served.url}/korningar/{run.id}/logg")
    assert answer.status_code == 200 and "sandbox allow-scripts" in answer.headers["content-security-policy"]
    assert "connect-src 'none'" in answer.headers["content-security-policy"]


def test_an_unknown_page_is_the_consoles_error_page(served):
    answer = served.signed_in("anna").get(served.url + "/finns-inte")
    assert answer.status_code == 404 and "Det gick inte" in answer.text
