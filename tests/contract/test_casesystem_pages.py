"""The reference case system's screens (/ui/) over HTTP, without a browser: their own sign-in, and the same
rules as its API, whichever face a decision comes through (recorded once, paid once, another refused)."""

import json
import time
from html.parser import HTMLParser

import pytest
import requests

from connectors.casesystem.standin import StandIn
from connectors.errors import Conflict
from connectors.serving import StubProcess
from tests.contract.test_casesystem import fresh_submission, granted, submission
from tests.worlds import SIGN_IN

USER, PASSWORD = SIGN_IN["CASEBOT_CASESYSTEM_USER"], SIGN_IN["CASEBOT_CASESYSTEM_PASSWORD"]


class Page(HTMLParser):
    """The elements of a page by data-testid: their text and attributes; and the forms' hidden csrf."""

    def __init__(self, html: str):
        super().__init__()
        self.found: dict[str, list[dict]] = {}
        self._open: list[tuple[str, dict]] = []
        self.csrf = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("name") == "csrf":
            self.csrf = attrs["value"]
        if "data-testid" in attrs:
            element = {"attrs": attrs, "text": ""}
            self.found.setdefault(attrs["data-testid"], []).append(element)
            self._open.append((tag, element))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _, element in self._open:
            element["text"] += data

    def text(self, testid: str) -> str:
        return self.found[testid][0]["text"].strip()


@pytest.fixture(scope="module")
def stub(tmp_path_factory):
    with StubProcess("casesystem", tmp_path_factory.mktemp("pages") / "casesystem.sqlite3", "--session-minutes", "0.05",
                     env=__import__("os").environ | SIGN_IN) as s:
        yield s


@pytest.fixture
def api(stub):
    return StandIn(stub.url)


@pytest.fixture
def browser(stub):
    """A signed-in session, as a browser keeps it."""
    session = requests.Session()
    assert session.post(stub.url + "/ui/login", data={"user": USER, "password": PASSWORD}, timeout=5).ok
    return session


@pytest.fixture
def filed(api, request):
    return api.submit(fresh_submission(), idempotency_key=request.node.nodeid)


def page(session, url) -> Page:
    answer = session.get(url, timeout=5)
    assert answer.status_code == 200, answer.text[:500]
    return Page(answer.text)


def decide_on_screen(stub, session, application_id, decision_id, decision, amount=None):
    form = page(session, f"{stub.url}/ui/applications/{application_id}/decision")
    return session.post(f"{stub.url}/ui/applications/{application_id}/decision", timeout=5, data={
        "csrf": form.csrf, "outcome": decision["outcome"], "decision_id": decision_id, "reasons": "Bifall.",
        "amount": str(decision.get("amount", "") if amount is None else amount), "underlag": json.dumps(decision)})


def test_the_screens_want_a_sign_in_and_send_back_to_the_page_asked_for(stub):
    session = requests.Session()
    answer = session.get(stub.url + "/ui/applications?status=decided", timeout=5, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login?next=")
    wrong = session.post(stub.url + "/ui/login", data={"user": USER, "password": "nope"}, timeout=5)
    assert wrong.status_code == 401 and "Fel användarnamn eller lösenord" in wrong.text
    right = session.post(stub.url + "/ui/login", data={"user": USER, "password": PASSWORD, "next": "/ui/applications?status=decided"},
                         timeout=5, allow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/ui/applications?status=decided"
    assert "httponly" in right.headers["set-cookie"].lower() and "samesite=strict" in right.headers["set-cookie"].lower()
    elsewhere = session.post(stub.url + "/ui/login", data={"user": USER, "password": PASSWORD, "next": "https://example.org/"},
                             timeout=5, allow_redirects=False)
    assert elsewhere.headers["location"] == "/ui/applications"


def test_a_session_lapses_when_idle_and_a_form_posted_then_leads_back_to_its_page(stub, browser, filed):
    shown = page(browser, f"{stub.url}/ui/applications/{filed}")
    time.sleep(3.5)  # the stub was started with sessions of 3 s
    assert browser.get(stub.url + "/ui/applications", timeout=5, allow_redirects=False).status_code == 303
    late = browser.post(f"{stub.url}/ui/applications/{filed}/claim", data={"csrf": shown.csrf, "claimant": "casebot@a"},
                        timeout=5, allow_redirects=False)
    assert late.status_code == 303 and late.headers["location"] == f"/ui/login?next=%2Fui%2Fapplications%2F{filed}"


def test_the_case_page_shows_the_application_and_its_document_exactly_as_filed(stub, browser, api, filed):
    shown = page(browser, f"{stub.url}/ui/applications/{filed}")
    assert shown.text("application-id") == filed and shown.found["status"][0]["attrs"]["data-status"] == "submitted"
    application = api.get(filed)["application"]
    assert json.loads(shown.text("application-document")) == application
    members = shown.text("members")
    assert all(m["personnummer"] in members for m in application["household"]["members"])
    listed = page(browser, f"{stub.url}/ui/applications?status=submitted&limit=500")
    assert filed in [row["attrs"]["data-application-id"] for row in listed.found["application-row"]]


def test_a_claim_on_screen_holds_against_the_api_and_a_form_from_another_session_is_refused(stub, browser, api, filed):
    shown = page(browser, f"{stub.url}/ui/applications/{filed}")
    forged = browser.post(f"{stub.url}/ui/applications/{filed}/claim", data={"csrf": "forged", "claimant": "casebot@a"}, timeout=5)
    assert forged.status_code == 403
    claimed = browser.post(f"{stub.url}/ui/applications/{filed}/claim", data={"csrf": shown.csrf, "claimant": "casebot@a"}, timeout=5)
    assert Page(claimed.text).text("claimed-by") == "casebot@a"
    with pytest.raises(Conflict):
        api.claim(filed, "casebot@b")
    refused = browser.post(f"{stub.url}/ui/applications/{filed}/claim", data={"csrf": shown.csrf, "claimant": "casebot@b"}, timeout=5)
    assert refused.status_code == 409 and "held by casebot@a" in Page(refused.text).text("refusal-message")


def test_a_decision_on_screen_is_recorded_once_and_paid_once_whichever_face_comes_again(stub, browser, api, filed):
    decision = granted(filed)
    receipt = decide_on_screen(stub, browser, filed, f"{filed}-d1", decision)
    shown = Page(receipt.text)
    assert receipt.status_code == 200 and shown.text("receipt-decision-id") == f"{filed}-d1"
    assert shown.text("receipt-payment").startswith("5000 kr")
    again = decide_on_screen(stub, browser, filed, f"{filed}-d1", decision)  # saved twice (a crash before the robot noted it)
    assert Page(again.text).text("receipt-decision-id") == f"{filed}-d1"
    assert api.put_decision(filed, f"{filed}-d1", decision) is False  # and the API sees the same decision
    other = decide_on_screen(stub, browser, filed, f"{filed}-d2", granted(filed, amount=6000), amount=6000)
    refusal = Page(other.text)
    assert other.status_code == 409 and refusal.found["refusal"][0]["attrs"]["data-code"] == "ALREADY_DECIDED"
    assert refusal.text("refusal-decision-id") == f"{filed}-d1"
    assert api.payments(application_id=filed)["count"] == 1 and api.get(filed)["events"][-1]["detail"]["reasons"] == "Bifall."


def test_an_amount_typed_otherwise_than_the_calculation_says_is_refused_and_nothing_is_paid(stub, browser, api, filed):
    refused = decide_on_screen(stub, browser, filed, f"{filed}-d1", granted(filed), amount=50000)
    assert refused.status_code == 422 and "stämmer inte med underlaget" in Page(refused.text).text("refusal-message")
    assert api.get(filed)["decisions"] == [] and api.payments(application_id=filed)["count"] == 0


def test_a_person_paid_elsewhere_this_month_is_shown_with_the_other_application(stub, browser, api):
    first = api.submit(submission(serial=901), idempotency_key="paid-1")
    application = submission(serial=901)
    application["costs"]["rent"] += 1  # the same household again, another application
    second = api.submit(application, idempotency_key="paid-2")
    api.put_decision(first, f"{first}-d", granted(first))
    refused = decide_on_screen(stub, browser, second, f"{second}-d", granted(second))
    shown = Page(refused.text)
    assert refused.status_code == 409 and shown.found["refusal"][0]["attrs"]["data-code"] == "ALREADY_PAID"
    assert {cell["text"] for cell in shown.found["application"]} == {first}


def test_a_referred_application_is_given_back_to_the_robot_on_screen(stub, browser, api, filed):
    referred = granted(filed) | {"outcome": "referred", "reasons": [{"code": "RENT_ABOVE_CEILING", "text": "Hyran"}]}
    referred.pop("amount")
    api.put_decision(filed, f"{filed}-r", referred)
    shown = page(browser, f"{stub.url}/ui/applications/{filed}")
    given_back = browser.post(f"{stub.url}/ui/applications/{filed}/reopen", timeout=5,
                              data={"csrf": shown.csrf, "caseworker": "hs01", "note": "registren svarar nu"})
    assert Page(given_back.text).found["status"][0]["attrs"]["data-status"] == "submitted"
