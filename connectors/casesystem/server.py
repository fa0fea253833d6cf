"""The reference case system: where applications arrive from the e-service and decisions must land.

A stand-in for the municipality's case system (Procapita, Viva, Lifecare … in reality), with its own
SQLite file. It keeps applications with their history, lets the robot claim one (a caseworker cannot
edit while the robot holds it), takes decisions idempotently by decision id (the same id twice is one
decision and at most one payment; a different decision for a decided application is a 409), keeps a
payments ledger and each household's history.

Two faces on one set of records and rules (ledger.py): this JSON API, and the screens a caseworker uses
(pages.py, under /ui/), for the robot's adapter that works a case system through its pages.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Body, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from connectors.casesystem.ledger import (
    MAX_AMOUNT,
    PERIOD_PATTERN,
    PNR_PATTERN,
    SCHEMA_VERSION,  # noqa: F401  (the stand-in's schema version, as tests and tools import it from here)
    Ledger,
    Refused,
    migrate,  # noqa: F401
)
from connectors.casesystem.pages import Layout, add_pages, refusal_page
from connectors.serving import clear_validation_errors, guard_json_bodies
from robots.contract.limits import MAX_BODY_BYTES, MAX_MEMBERS
from robots.contract.validate import PERIOD, PERSONNUMMER
from robots.rules.people import normalize


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    robot: str = Field(min_length=1, max_length=200, description="who claims: one robot instance")
    lease_seconds: int = Field(default=600, ge=1, le=86_400, description="the claim lapses after this long")
    replaces: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default=[], max_length=20, description="earlier claimants whose claim this one takes over (robot instances that died)")


class Release(BaseModel):
    model_config = ConfigDict(extra="forbid")
    robot: str = Field(min_length=1, max_length=200)


class CaseworkerEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caseworker: str = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=4000)


class History(BaseModel):
    """A household's history as the case system keeps it; seeding sets it directly."""

    model_config = ConfigDict(extra="forbid")
    consecutive_months_on_assistance: int = Field(ge=0, le=1200)
    jobbstimulans_since: str | None = Field(default=None, pattern=PERIOD_PATTERN,
                                            description="the first month of the two years of jobbstimulans, YYYY-MM")
    previous_rent: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    previous_members: list[Annotated[str, Field(pattern=PNR_PATTERN)]] | None = None
    child_earnings_this_year: dict[Annotated[str, Field(pattern=PNR_PATTERN)], Annotated[int, Field(ge=0, le=MAX_AMOUNT)]] | None = Field(
        default=None, description="own earnings (net kronor) of each child or school youth earlier in the calendar year of the next period "
                                  "applied for, the month after last_period; needs last_period")
    last_period: str | None = Field(default=None, pattern=PERIOD_PATTERN)


def _submission_problem(body: dict) -> str | None:
    """Why a submission cannot even be filed (422), or None. Anything else is filed and refers later."""
    if "application_id" in body:
        return "application_id is assigned by the case system; leave it out"
    if "history" in body:
        return "history comes from the case system's records; leave it out"
    if body.get("kind") not in ("first", "repeat"):
        return "kind must be 'first' or 'repeat'"
    if not (isinstance(body.get("period"), str) and PERIOD.fullmatch(body["period"])):
        return "period must be the month applied for, YYYY-MM"
    household = body.get("household")
    members = household.get("members") if isinstance(household, dict) else None
    if isinstance(members, list) and len(members) > MAX_MEMBERS:
        return f"household.members: {len(members)} members; a household has at most {MAX_MEMBERS}"
    applicants = [m for m in members if isinstance(m, dict) and m.get("role") == "applicant"] if isinstance(members, list) else []
    if len(applicants) != 1 or not (isinstance(applicants[0].get("personnummer"), str) and PERSONNUMMER.fullmatch(applicants[0]["personnummer"])):
        return "household.members must name exactly one applicant with a personnummer (YYYYMMDD-NNNN)"
    return None


def create_app(db_path: Path, *, accounts: dict[str, str] | None = None, layout: Layout | None = None,
               session_seconds: int = 900) -> FastAPI:
    """The stand-in's app. `accounts` (user name → password) may sign in to the screens; `layout` varies
    them as a real system's next release might (tests); a screen session lapses after `session_seconds` idle."""
    ledger = Ledger(db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ledger.set_up()
        yield

    app = FastAPI(
        title="casebot reference case system (stub)",
        version="1",
        description="Applications for ekonomiskt bistånd, claims, decisions, payments. Synthetic data only.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # their pages load scripts from a public CDN; /openapi.json stays
    )

    clear_validation_errors(app)
    guard_json_bodies(app, MAX_BODY_BYTES)  # every body read by us first: 413 too large, 422 unsafe JSON

    @app.exception_handler(Refused)
    async def refused(request: Request, e: Refused) -> Response:
        if request.url.path.startswith("/ui"):
            return refusal_page(e)
        return JSONResponse({"detail": e.detail}, status_code=e.status)

    @app.get("/health", summary="Liveness")
    def health() -> dict:
        return {"status": "ok", "service": "casesystem-stub", "applications": ledger.counts()}

    @app.post("/applications", status_code=201, summary="The e-service submits an application", responses={
        200: {"description": "the same Idempotency-Key again: the application already filed"},
        413: {"description": "the body is larger than 256 KiB"},
        422: {"description": "cannot be filed (not safe JSON, too many members, no applicant …); the message says why"},
    })
    def submit(response: Response, body: Annotated[dict, Body(description="the application, without application_id and history")],
               idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> dict:
        problem = _submission_problem(body)
        if problem:
            raise HTTPException(422, problem)
        applicant = next(m for m in body["household"]["members"] if isinstance(m, dict) and m.get("role") == "applicant")
        application_id, filed_now = ledger.submit(body, idempotency_key, normalize(applicant["personnummer"]))
        if not filed_now:
            response.status_code = 200
        return {"application_id": application_id}

    @app.get("/applications", summary="Applications by status, oldest first, a page at a time")
    def list_applications(status: Literal["submitted", "claimed", "referred", "decided"] = "submitted",
                          limit: Annotated[int, Query(ge=1, le=500)] = 100,
                          after: Annotated[int, Query(ge=0, le=2**62, description="the `next` of the previous page")] = 0) -> dict:
        items, following = ledger.page(status, limit, after)
        return {"items": [{k: v for k, v in i.items() if k != "claimed_by"} for i in items], "next": following}

    @app.get("/applications/{application_id}", summary="One application with its history, decisions and payments")
    def get_application(application_id: Annotated[str, PathParam(max_length=31)]) -> dict:
        return ledger.get(application_id)

    @app.post("/applications/{application_id}/claim", summary="The robot takes the application for handling", responses={
        409: {"description": "another robot holds it, or it is decided or referred"},
    })
    def claim(application_id: str, body: Claim) -> dict:
        return ledger.claim(application_id, body.robot, body.lease_seconds, body.replaces)

    @app.post("/applications/{application_id}/release", summary="The robot gives the application back unhandled")
    def release(application_id: str, body: Release) -> dict:
        ledger.release(application_id, body.robot)
        return {"application_id": application_id, "status": "submitted"}

    @app.post("/applications/{application_id}/notes", summary="A caseworker adds a note", responses={
        423: {"description": "the robot holds the application"},
    })
    def add_note(application_id: str, body: CaseworkerEdit) -> dict:
        return ledger.add_note(application_id, body.caseworker, body.note)

    @app.post("/applications/{application_id}/reopen", summary="A caseworker gives a referred application back to the robot", responses={
        409: {"description": "the application is not referred: only a referral can be given back"},
    })
    def reopen(application_id: str, body: CaseworkerEdit) -> dict:
        """After a register outage, say: the application is submitted again, and the robot claims it, fetches
        the register data anew and decides it under a new decision id. The referral stays on record.
        Idempotent: an application submitted already is left as it is."""
        return ledger.reopen(application_id, body.caseworker, body.note)

    @app.put("/applications/{application_id}/decisions/{decision_id}", status_code=201, summary="Record a decision", responses={
        200: {"description": "this decision id was already recorded with this content: nothing changed"},
        409: {"description": "the application already has another decision, or the id was used for other content"},
        413: {"description": "the body is larger than 256 KiB"},
        422: {"description": "the decision breaks the contract, or is not safe JSON"},
    })
    def put_decision(application_id: str, decision_id: Annotated[str, PathParam(min_length=1, max_length=100)],
                     decision: Annotated[dict, Body(description="decision.schema.json")], response: Response) -> dict:
        recorded_now, record = ledger.decide(application_id, decision_id, decision)
        if not recorded_now:
            response.status_code = 200
        return record

    @app.get("/payments", summary="The payments ledger")
    def payments(household: Annotated[str | None, Query(pattern=PNR_PATTERN)] = None,
                 application_id: str | None = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
        return ledger.payments(household, application_id, limit)

    @app.get("/households/{personnummer}/history", summary="A household's history (keyed by the applicant)")
    def household_history(personnummer: Annotated[str, PathParam(pattern=PNR_PATTERN)]) -> dict:
        return ledger.household_history(personnummer)

    @app.put("/admin/households/{personnummer}/history", summary="Set a household's history (seeding)")
    def set_history(personnummer: Annotated[str, PathParam(pattern=PNR_PATTERN)], body: History) -> dict:
        ledger.set_history(personnummer, body.model_dump())
        return body.model_dump()

    add_pages(app, ledger, accounts or {}, layout or Layout(), session_seconds)
    return app
