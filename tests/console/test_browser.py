"""The console in a real browser: Debian's chromium, headless, driven by Playwright (its own browser builds
are never downloaded). A caseworker grants a case with an adjusted rent and refuses another, an operator
requeues a failed item, an auditor reads a case's story. Screenshots go to test-artifacts/console/."""

import io
import os
import random
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from connectors.casesystem.standin import StandIn
from connectors.errors import Unavailable
from connectors.ssbtek.client import GatewayClient
from robots.bots.intake import intake
from robots.seed import seed_stubs
from robots.synthetic import SeedCase, case_for
from tests.console.conftest import PASSWORD, console_on
from tests.worlds import world_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
# What the machine's own set-up installs (scripts/dev.py): Debian's chromium. Nothing else is looked for.
CHROMIUM = os.environ.get("CASEBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: `python3 scripts/dev.py test` installs Debian's chromium, or set CASEBOT_CHROMIUM")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with world_in(tmp_path_factory.mktemp("browser")) as world, console_on(world) as s:
        yield s


def sign_in(browser, served, name):
    page = browser.new_page(accept_downloads=True)
    page.on("dialog", lambda d: pytest.fail(f"a script ran in the console: {d.message}"))
    page.goto(served.url + "/")
    page.fill("input[name=anvandare]", name)
    page.fill("input[name=losenord]", PASSWORD)
    page.click("button:has-text('Logga in')")
    return page


def letter_text(page, link_text="Hämta beslutsbrevet") -> str:
    with page.expect_download() as download:
        page.click(f"a:has-text('{link_text}')")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)


def test_a_caseworker_grants_with_an_adjusted_rent_and_refuses_another(browser, served):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first, second = served.items("WITH_CASEWORKER")[:2]
    rent = first.decision["calculation"]["costs"]["rent"]
    deficit = first.decision["calculation"]["deficit"]
    page = sign_in(browser, served, "anna")
    expect(page.locator("h1")).to_have_text("Ansökningar att besluta")
    page.screenshot(path=ARTIFACTS / "queue.png", full_page=True)

    page.click("table.queue tbody tr:first-child a")
    expect(page.locator("h1")).to_contain_text(first.application_id)
    page.screenshot(path=ARTIFACTS / "case.png", full_page=True)
    page.fill("form.grant input[name=kostnad_rent]", str(rent - 300))
    page.fill("form.grant textarea[name=motivering]", "Hyran enligt det nya hyresavtalet, 300 kr lägre än sökt.")
    page.click("form.grant button")
    expect(page.locator("section.decision")).to_contain_text("Beviljat")
    text = letter_text(page)
    assert f"{deficit - 300:,} kr".replace(",", " ") in text and "Hyra: ändrad från" in text
    assert "Hur du överklagar" in text and "avslås i övrigt" in text  # a rent counted lower than applied for can be appealed

    record = StandIn(served.world.cases.url).get(first.application_id)
    by_caseworker = [d for d in record["decisions"] if d["decided_by"] == "caseworker:anna"]
    assert [(d["outcome"], d["amount"]) for d in by_caseworker] == [("granted", deficit - 300)]
    assert [p["amount"] for p in record["payments"]] == [deficit - 300]

    page.goto(f"{served.url}/arenden/{second.id}")
    page.fill("form.refuse textarea[name=motivering]", "Tillgångarna räcker till försörjningen den här månaden.")
    page.click("form.refuse button")
    expect(page.locator("section.decision")).to_contain_text("Avslaget")
    text = letter_text(page)
    assert "avslås" in text and "Hur du överklagar" in text and "tre veckor" in text
    assert StandIn(served.world.cases.url).get(second.application_id)["payments"] == []


def test_an_operator_requeues_a_failed_item(browser, served):
    rng = random.Random(99)
    application, answers = case_for(rng, "LATE-1", "2023-11")
    del application["application_id"]
    history = application.pop("history", None)
    with GatewayClient(served.world.gateway.url) as gateway:
        seed_stubs([SeedCase(None, application, history, answers)], 99, StandIn(served.world.cases.url), gateway)
    once = served.world.worker(retry={"attempts": 1})  # the claim gives up at its first failure
    ctx = once.start_run()

    def claims_fail(*args, **kwargs):
        raise Unavailable("casesystem: did not answer (test)")
    ctx.casesystem.claim = claims_fail
    intake(ctx)
    once.close()
    failed = served.items("FAILED")
    assert len(failed) == 1

    page = sign_in(browser, served, "olle")
    expect(page.locator("table.failed")).to_contain_text("did not answer")
    page.fill("table.failed input[name=notering]", "Verksamhetssystemet svarar igen.")
    page.click("table.failed button:has-text('Köa om')")
    expect(page.locator("table.failed")).to_contain_text("Inga misslyckade ärenden")
    served.worker.run_pass()
    item = next(i for i in served.items() if i.id == failed[0].id)
    assert item.state in ("WRITTEN", "WITH_CASEWORKER")


def test_an_auditor_reads_a_story_and_finds_no_action_to_take(browser, served):
    referred = served.items("WITH_CASEWORKER")[-1]
    page = sign_in(browser, served, "astrid")
    expect(page.locator("h1")).to_have_text("Granskning")
    page.fill("input[name=arende]", referred.application_id)
    page.click("button:has-text('Visa')")
    expect(page.locator("pre.story")).to_contain_text(f"Application {referred.application_id}")
    page.click("a:has-text('Ärendesidan')")
    expect(page.locator("h1")).to_contain_text(referred.application_id)
    assert page.locator("form.grant, form.refuse, form.send-back").count() == 0
    assert page.locator("main form").count() == 0
