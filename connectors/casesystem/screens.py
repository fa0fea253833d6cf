"""The CaseSystem port (robots/ports.py) through the case system's screens, for case systems with no API:
rpaframework's RPA.Browser.Selenium drives Debian's chromium (headless) through its chromedriver, the way
a caseworker works the pages. Nothing is downloaded at run time (no webdriver manager, Selenium Manager
offline).

- Locators are test ids and field labels, never positions: another column or a moved button changes nothing.
- Waits are for conditions (the old page gone, an element there), never fixed sleeps.
- One browser session per worker: the pass's threads take turns at it; more throughput is more workers.
- A lapsed session is signed in again, and the step done again (every step is safe to repeat).
- Idempotent as the API: a decision whose id is already on the application's page is not entered again,
  so a crash between saving and recording it is safe; the case system records an id once, pays it once.
- Every step goes into the run folder's screens.log (the Robot log shows it); on a failure, a screenshot
  and the page's source are kept beside it.

A screen that lacks what the adapter needs (an element gone in a new release) is `ScreenChanged`, not a
connector error: the item fails as APPLICATION, for a person to look at the evidence and the adapter to be
mended. A case system that does not answer, or a page that does not come, is `Unavailable`: tried later.
The e-service's document is read whole from the application's page rather than re-assembled from its
tables, so a malformed application reaches the rules exactly as filed (and is referred with its problems)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

from connectors.errors import (
    BadAnswer,
    Conflict,
    ConnectorError,
    Locked,
    NotFound,
    Rejected,
    Unavailable,
)
from robots.privacy import mask

SIGN_IN_PATH = "/ui/login"
ROWS_JS = """const cell = (r, n) => { const e = r.querySelector('[data-testid="' + n + '"]'); return e === null ? null : e.textContent.trim(); };
return Array.from(document.querySelectorAll('[data-testid="application-row"]')).map(
  r => [r.dataset.applicationId || null, cell(r, "period"), cell(r, "received-at")]);"""
# What the page shows of each test id asked for: its text and data- attributes, or null when it is not there.
READ_JS = """return arguments[0].map(n => { const e = document.querySelector('[data-testid="' + n + '"]');
  return e === null ? null : {text: e.textContent, data: Object.assign({}, e.dataset)}; });"""
PAGE_JS = """return [document.readyState, document.querySelector('[data-testid="signed-in-as"]') !== null];"""
DECISIONS_JS = """return Array.from(document.querySelectorAll('[data-testid="decision"]')).map(
  r => [r.dataset.decisionId, r.dataset.outcome, r.dataset.amount]);"""
# Long text is pasted, not typed: typing dispatches every character as key events (half a second for a referral's reasons).
PASTE_JS = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"


class ScreenChanged(Exception):
    """A screen of the case system lacks what the adapter needs: its pages changed. A person must look."""


def field(label: str) -> str:
    """The form field a label names (by its `for`), wherever the form puts it."""
    return f"xpath://*[@id=//label[normalize-space()='{label}']/@for]"


def testid(name: str) -> str:
    return f'css:[data-testid="{name}"]'


def _found(*names: str) -> str:
    return "css:" + ", ".join(f'[data-testid="{n}"]' for n in names)


class CaseSystemScreens:
    """The case system's screens at `base_url`, signed in as `user`."""

    def __init__(self, base_url: str, user: str, password: str, *, timeout: float = 10.0, evidence_dir: Path | None = None,
                 chromium: str | None = None, chromedriver: str | None = None):
        self.base_url, self.user, self._password, self.timeout = base_url.rstrip("/"), user, password, timeout
        self.chromium = chromium or os.environ.get("CASEBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
        self.chromedriver = chromedriver or os.environ.get("CASEBOT_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.log_dir = evidence_dir
        self._browser = None
        self._lock = threading.RLock()  # one browser: the pass's threads take turns

    # -- the port ---------------------------------------------------------------------------------------

    def use_log_dir(self, folder: Path) -> None:
        """Where this run's screens.log and failure evidence go."""
        with self._lock:
            self.log_dir = folder

    def applications(self, status: str = "submitted", page_size: int = 100) -> Iterator[dict]:
        path = f"/ui/applications?status={status}&limit={page_size}&after=0"
        while path:
            with self._lock, self._step("-", f"list {status} applications"):
                self._visit(path, expect="applications")
                rows = self._browser.execute_javascript(ROWS_JS)
                if not rows:
                    self._read("no-applications")  # an empty list says so; rows that lost their test id are no empty list
                if any(None in row for row in rows):
                    raise ScreenChanged(f"the list {path} has rows without an application id, period or received-at")
                following = self._browser.get_webelements(testid("next-page"))
                after = parse_qs(urlparse(following[0].get_attribute("href")).query)["after"][0] if following else None
            yield from ({"application_id": a, "period": p, "received_at": r} for a, p, r in rows)
            path = f"/ui/applications?status={status}&limit={page_size}&after={after}" if after else None

    def claim_many(self, claims: Sequence[tuple[str, Sequence[str]]], robot: str,
                   lease_seconds: int) -> Iterator[tuple[int, object, Exception | None]]:
        for i, (application_id, replaces) in enumerate(claims):
            yield self._each(i, lambda: self.claim(application_id, robot, lease_seconds, replaces))

    def put_many(self, writes: Sequence[tuple[str, str, dict]]) -> Iterator[tuple[int, object, Exception | None]]:
        for i, (application_id, decision_id, decision) in enumerate(writes):
            yield self._each(i, lambda: self.put_decision(application_id, decision_id, decision))

    def claim(self, application_id: str, robot: str, lease_seconds: int = 600, replaces: Sequence[str] = ()) -> dict:
        """Take the application on its page ("Ta ärendet"); its record, read from the same page."""
        return self._run(application_id, "claim", lambda: self._claim(application_id, robot, lease_seconds, replaces))

    def _claim(self, application_id: str, robot: str, lease_seconds: int, replaces: Sequence[str]) -> dict:
        self._visit(self._case(application_id), expect="status")
        status = self._read("status")["status"]["data"]["status"]
        if status in ("referred", "decided"):
            raise Conflict(f"application {application_id} is already {status}", 409)
        self._type(field("Handläggs av"), robot)
        self._type_changed(field("Tar över efter"), ", ".join(replaces))
        self._type_changed(field("Reservera (sekunder)"), str(lease_seconds))
        self._refused(self._submit(testid("claim"), expect=("status", "refusal")))
        shown = self._read("status", "claimed-by", "application-document")
        claimed_by = shown["claimed-by"]["text"].strip()
        if shown["status"]["data"]["status"] != "claimed" or claimed_by != robot:
            raise BadAnswer(f"{application_id}: claimed, but the page says {claimed_by or 'nobody'} has it")
        return {"application": self._document(shown["application-document"]["text"]), "status": "claimed", "claimed_by": robot}

    def put_decision(self, application_id: str, decision_id: str, decision: dict) -> bool:
        """Enter the decision ("Fatta beslut") unless its id is on the application's page already; True when
        entered now. Conflict when the case system refuses (decided, paid elsewhere), as the API would."""
        return self._run(application_id, f"decision {decision_id} ({decision['outcome']})",
                         lambda: self._put_decision(application_id, decision_id, decision))

    def _put_decision(self, application_id: str, decision_id: str, decision: dict) -> bool:
        self._visit(self._case(application_id) + "/decision", expect="decision-form")  # it lists the decisions made
        made = {d: (outcome, amount) for d, outcome, amount in self._browser.execute_javascript(DECISIONS_JS)}
        if decision_id in made:
            if made[decision_id] != (decision["outcome"], str(decision.get("amount", ""))):
                raise Conflict(f"decision id {decision_id} is already used for another decision ({made[decision_id][0]} {made[decision_id][1]})", 409)
            self._note(application_id, f"decision {decision_id} is on the page already: not entered again")
            return False
        self._browser.select_from_list_by_value(field("Beslut"), decision["outcome"])
        if "amount" in decision:
            self._type(field("Belopp (kr)"), str(decision["amount"]))
        self._type(field("Beslutsnummer"), decision_id)
        self._paste(field("Motivering"), reasons_in_words(decision))
        self._paste(field("Beräkningsunderlag (bifogat dokument)"), json.dumps(decision, ensure_ascii=False))
        self._refused(self._submit(testid("save-decision"), expect=("receipt-decision-id", "refusal")))
        shown = self._read("receipt-decision-id")["receipt-decision-id"]["text"].strip()
        if shown != decision_id:
            raise BadAnswer(f"{application_id}: saved decision {decision_id}, but the receipt shows {shown!r}")
        return True

    def release(self, application_id: str, robot: str) -> None:
        self._run(application_id, "release", lambda: self._release(application_id, robot))

    def _release(self, application_id: str, robot: str) -> None:
        self._visit(self._case(application_id), expect="status")
        status, holder = (lambda r: (r["status"]["data"]["status"], r["claimed-by"]["text"].strip()))(self._read("status", "claimed-by"))
        if status == "submitted":
            return
        if status != "claimed" or holder != robot:  # as the API refuses it
            raise Conflict(f"application {application_id} is {status}, not held by {robot}", 409)
        self._type(field("Lämnas tillbaka av"), robot)
        self._refused(self._submit(testid("release"), expect=("status", "refusal")))

    def reopen(self, application_id: str, caseworker: str, note: str) -> None:
        self._run(application_id, "give back to the robot", lambda: self._reopen(application_id, caseworker, note))

    def _reopen(self, application_id: str, caseworker: str, note: str) -> None:
        self._visit(self._case(application_id), expect="status")
        status = self._read("status")["status"]["data"]["status"]
        if status == "submitted":
            return
        if status != "referred":  # as the API refuses it
            raise Conflict(f"application {application_id} is {status}; only a referred application can be given back to the robot", 409)
        self._type(field("Återförs av"), caseworker)
        self._type(field("Anteckning"), note)
        self._refused(self._submit(testid("reopen"), expect=("status", "refusal")))

    def close(self) -> None:
        with self._lock:
            if self._browser is not None:
                try:
                    self._browser.close_all_browsers()
                except Exception:  # noqa: BLE001 - a browser already gone is closed
                    pass
                self._browser = None

    # -- steps ------------------------------------------------------------------------------------------

    def _run(self, application_id: str, what: str, work):
        """One step, alone at the browser; done again once when the session lapsed in the middle of it."""
        with self._lock, self._step(application_id, what):
            for _ in range(2):
                try:
                    return work()
                except _SignedInAgain:
                    continue
            raise Unavailable(f"the case system did not keep {self.user} signed in")

    def _each(self, i: int, call) -> tuple[int, object, Exception | None]:
        try:
            return i, call(), None
        except Exception as e:  # noqa: BLE001 - handed to the bot, which knows what each error means
            return i, None, e

    @contextmanager
    def _step(self, application_id: str, what: str):
        """One step on the screens: timed into screens.log; on a failure, the evidence kept beside it and the
        failure told as the port's errors (or ScreenChanged)."""
        started = time.monotonic()
        try:
            yield
        except (ConnectorError, ScreenChanged) as e:
            self._failed(application_id, what, started, e)
            raise
        except Exception as e:  # noqa: BLE001 - the browser's own errors, told as what they mean for the item
            told = self._told(e, what)
            self._failed(application_id, what, started, told)
            raise told from e
        self._journal(f"{application_id}\t{what}\tok\t{(time.monotonic() - started) * 1000:.0f} ms")

    def _told(self, e: Exception, what: str) -> Exception:
        try:
            from selenium.common.exceptions import (
                InvalidSessionIdException,
                NoSuchElementException,
                NoSuchWindowException,
                TimeoutException,
                WebDriverException,
            )
            from SeleniumLibrary.errors import ElementNotFound
        except ImportError:  # no rpaframework: _open said what to install
            return e

        if isinstance(e, (ElementNotFound, NoSuchElementException)):
            return ScreenChanged(f"{what}: the page {self._where()} has no {_named(str(e))}: the case system's screens have changed")
        if isinstance(e, (TimeoutException, AssertionError)):  # a wait that ran out
            return Unavailable(f"{what}: the case system's page did not come within {self.timeout:g} s ({e})")
        if network := re.search(r"net::(ERR_[A-Z_]+)", str(e)):
            return Unavailable(f"{what}: the case system at {self.base_url} does not answer ({network.group(1)})")
        if isinstance(e, (InvalidSessionIdException, NoSuchWindowException)) or "not reachable" in str(e):
            self.close()  # the browser is gone: a new one next time
        if isinstance(e, WebDriverException):
            return Unavailable(f"{what}: the browser failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
        return e

    def _failed(self, application_id: str, what: str, started: float, e: Exception) -> None:
        evidence = self._keep_evidence(application_id) if not isinstance(e, (Conflict, NotFound)) else None  # refusals are no surprise
        self._journal(f"{application_id}\t{what}\t{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}\t"
                      f"{(time.monotonic() - started) * 1000:.0f} ms" + (f"\tevidence {evidence}" if evidence else ""))

    def _keep_evidence(self, application_id: str) -> str | None:
        """A screenshot and the page source in the run's folder (screens/); the name they share, or None."""
        if self._browser is None or self.log_dir is None:
            return None
        folder = self.log_dir / "screens"
        name = f"{datetime.now().strftime('%H%M%S-%f')}-{re.sub(r'[^A-Za-z0-9-]', '_', application_id)}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._browser.capture_page_screenshot(str(folder / f"{name}.png"))
            (folder / f"{name}.html").write_text(self._browser.get_source(), encoding="utf-8")
        except Exception:  # noqa: BLE001 - no evidence to be had (the browser is gone): the failure is still told
            return None
        return f"screens/{name}.png"

    def _note(self, application_id: str, what: str) -> None:
        self._journal(f"{application_id}\t{what}")

    def _journal(self, line: str) -> None:
        if self.log_dir is None:
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / "screens.log", "a", encoding="utf-8") as f:
            f.write(f"{datetime.now().astimezone().isoformat(timespec='milliseconds')}\t{line}\n")

    # -- the browser --------------------------------------------------------------------------------------

    def _open(self):
        os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a browser or a driver
        logging.getLogger("selenium").setLevel(logging.INFO)  # its DEBUG lines carry what is typed: personal data
        try:
            from RPA.Browser.Selenium import Selenium
        except ImportError:
            raise RuntimeError("the screens adapter needs rpaframework: pip install 'casebot[ui]'") from None
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        for what, path in (("chromium", self.chromium), ("chromedriver", self.chromedriver)):
            if not Path(path).exists():
                raise Unavailable(f"no {what} at {path}: install Debian's chromium and chromium-driver, or set CASEBOT_{what.upper()}")
        options = Options()
        options.binary_location = self.chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600",
                         "--disable-extensions", "--no-first-run", "--disable-background-networking"):
            options.add_argument(argument)
        browser = Selenium(auto_close=False, timeout=self.timeout, implicit_wait=0, run_on_failure="Nothing")
        browser.open_browser("about:blank", browser="chrome", options=options, service=Service(self.chromedriver))
        browser.set_selenium_page_load_timeout(self.timeout)
        return browser

    def _visit(self, path: str, expect: str) -> None:
        """Go to the page and wait for the element that shows it is there; sign in first when asked to."""
        if self._browser is None:
            self._browser = self._open()
        for _ in range(2):
            self._browser.go_to(self.base_url + path)  # the sign-in page sends the browser back here
            if self._browser.get_location().startswith("chrome-error://"):
                raise Unavailable(f"the case system at {self.base_url} does not answer")
            shown = self._wait(expect, "login-form", "refusal")
            if shown == "login-form":
                self._sign_in()
                continue
            if shown == "refusal":
                self._refused(shown)
            return
        raise Unavailable(f"the case system did not keep {self.user} signed in")

    def _sign_in(self) -> None:
        self._note("-", f"signing in as {self.user}")
        self._type(field("Användarnamn"), self.user)
        password = self._element(field("Lösenord"))  # typed into the element itself: no keyword logs it
        password.clear()
        password.send_keys(self._password)
        if self._submit(testid("login"), expect=("signed-in-as", "login-problem"), signing_in=True) == "login-problem":
            # Not the application's fault: told as the system's (retried later, then FAILED for an operator),
            # never as the case system refusing a decision.
            raise Unavailable(f"the case system refused the sign-in of {self.user}: check CASEBOT_CASESYSTEM_USER and CASEBOT_CASESYSTEM_PASSWORD")

    def _submit(self, button: str, expect: tuple[str, ...], signing_in: bool = False) -> str:
        """Press the button and wait for the next page (the old one gone, then one of `expect`); a session that
        lapsed meanwhile is signed in again and the caller's step done again from the start."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        old = self._browser.find_element("tag:html")

        def gone(_) -> bool:  # the old page is gone (its node stale, or not in the document any more)
            try:
                old.is_enabled()
            except WebDriverException:
                return True
            return False

        self._browser.click_button(button)
        WebDriverWait(self._browser.driver, self.timeout).until(gone)
        shown = self._wait(*expect) if signing_in else self._wait(*expect, "login-form")
        if shown == "login-form":
            self._sign_in()
            raise _SignedInAgain
        return shown

    def _wait(self, *names: str) -> str:
        """Wait for one of the elements to be on the page; which one it is: the sign-in form or a refusal
        before anything else (a refused form comes back as its page, with the refusal on it). A page of the
        case system that came without any of them has changed; no page at all is the system's problem."""
        try:
            self._browser.wait_until_page_contains_element(_found(*names), timeout=self.timeout)
        except AssertionError:
            loaded, ours = self._browser.execute_javascript(PAGE_JS)
            if loaded == "complete" and ours:
                raise ScreenChanged(f"the page {self._where()} has none of {', '.join(names)}: the case system's screens have changed") from None
            raise
        there = dict(zip(names, self._browser.execute_javascript(READ_JS, "ARGUMENTS", list(names))))
        return next(n for n in sorted(names, key=lambda n: n not in ("login-form", "refusal")) if there[n])

    def _read(self, *names: str) -> dict[str, dict]:
        """Each test id's text and data- attributes, read at once; ScreenChanged when one is not on the page."""
        shown = dict(zip(names, self._browser.execute_javascript(READ_JS, "ARGUMENTS", list(names))))
        missing = [name for name, there in shown.items() if there is None]
        if missing:
            raise ScreenChanged(f"the page {self._browser.get_location()} has no {', '.join(missing)}: the case system's screens have changed")
        return shown

    def _refused(self, shown: str) -> None:
        """The case system's refusal, when that is what the page shows, raised as the API's errors would be."""
        if shown != "refusal":
            return
        refusal = self._read("refusal", "refusal-message")
        status, code = int(refusal["refusal"]["data"]["status"]), refusal["refusal"]["data"].get("code")
        message = mask(refusal["refusal-message"]["text"].strip())
        detail: object = message
        if code == "ALREADY_DECIDED":
            said = self._read("refusal-decision-id", "refusal-decided-by")
            detail = {"code": code, "message": message, "decision_id": said["refusal-decision-id"]["text"].strip(),
                      "decided_by": said["refusal-decided-by"]["text"].strip()}
        elif code == "ALREADY_PAID":
            pairs = self._browser.execute_javascript("""return Array.from(document.querySelectorAll('[data-testid="paid-elsewhere"]')).map(
                r => [r.querySelector('[data-testid="person"]').textContent, r.querySelector('[data-testid="application"]').textContent]);""")
            detail = {"code": code, "message": message, "granted_elsewhere": dict(pairs)}
        error = {404: NotFound, 409: Conflict, 423: Locked}.get(status, Rejected)
        raise error(f"{status}: {message}", status, detail)

    def _type(self, locator: str, text: str) -> None:
        self._browser.input_text(locator, text, clear=True)

    def _type_changed(self, locator: str, text: str) -> None:
        """Type only where the field does not say so already (typing is the slowest thing a page does)."""
        if self._browser.get_value(locator) != text:
            self._type(locator, text)

    def _paste(self, locator: str, text: str) -> None:
        self._browser.execute_javascript(PASTE_JS, "ARGUMENTS", self._element(locator), text)

    def _where(self) -> str:
        try:
            return urlparse(self._browser.get_location()).path
        except Exception:  # noqa: BLE001 - only for the message
            return "(unknown)"

    def _element(self, locator: str):
        return self._browser.find_element(locator)

    @staticmethod
    def _document(text: str) -> dict:
        try:
            return json.loads(text)
        except ValueError as e:
            raise BadAnswer(f"the application's document on its page is not readable: {e}") from None

    @staticmethod
    def _case(application_id: str) -> str:
        return f"/ui/applications/{quote(application_id, safe='')}"


def _named(error: str) -> str:
    """What a locator in an error looked for, as a person would say it."""
    if label := re.search(r"normalize-space\(\)='([^']+)'", error):
        return f"field labelled '{label.group(1)}'"
    if test := re.search(r'data-testid="([^"]+)"', error):
        return f"element '{test.group(1)}'"
    return error


def journal(path: Path) -> list[tuple[str, str, str, str, str, str]]:
    """The steps screens.log records: (time, application, step, result, took, evidence), "" where a line has
    none (a note has no result)."""
    return [tuple((line.split("\t") + [""] * 6)[:6]) for line in path.read_text(encoding="utf-8").splitlines()]


class _SignedInAgain(Exception):
    """The session lapsed mid-step and is renewed: the step is done again."""


def reasons_in_words(decision: dict) -> str:
    """The decision's reasons as the form's "Motivering": one line each."""
    lines = []
    for r in decision.get("reasons", []):
        if isinstance(r, dict):
            law = f" ({r['rule']})" if r.get("rule") else ""
            lines.append(f"{r.get('code', '')}: {r.get('text', '')}{law}".strip(": "))
        else:
            lines.append(str(r))
    return "\n".join(lines) or {"granted": "Bifall enligt beräkningsunderlaget."}.get(decision["outcome"], decision["outcome"])
