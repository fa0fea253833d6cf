"""The caseworker's pages: the queue of referred applications, the case page with its actions, the
decision letter, and the stickprov follow-up list."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from robots import casework
from robots.casework import Person
from robots.console import views
from robots.console.web import allow, allow_form, console, render
from robots.letters import letter

router = APIRouter()
KRONOR = re.compile(r"[0-9]{1,9}")  # ASCII digits only: int() takes others ("²", "٣") that no one means as kronor
CASEWORK = ("caseworker",)
READERS = ("caseworker", "auditor")  # an auditor reads a case and its letter; only a caseworker acts on it


def _case_or_404(request: Request, item_id: int) -> dict:
    found = views.case(console(request).ctx.store, item_id)
    if found is None:
        raise HTTPException(404, f"Det finns inget ärende {item_id}.")
    return found


def _case_page(request: Request, item_id: int, problem: str | None = None, status_code: int = 200) -> Response:
    return render(request, "case.html", status_code=status_code, problem=problem, **_case_or_404(request, item_id))


@router.get("/arenden")
def queue(request: Request, person: Annotated[Person, Depends(allow(*CASEWORK))], orsak: str | None = None):
    c = console(request)
    return render(request, "queue.html", **views.queue(c.ctx.store, orsak or None, c.ctx.clock()))


@router.get("/arenden/{item_id}")
def case_page(request: Request, item_id: int, person: Annotated[Person, Depends(allow(*READERS))]):
    return _case_page(request, item_id)


def _kronor(value: object) -> int | None:
    """Whole kronor as a person types them ("7 200"); None when left empty; NotPossible when not kronor."""
    text = str(value or "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not KRONOR.fullmatch(text):
        raise casework.NotPossible(f"{text[:20]!r}: skriv hela kronor, till exempel 7200.")
    return int(text)


def _lines(form, prefix: str) -> dict[str, int]:
    """The adjusted lines of a form: fields named prefix + line, left empty when not changed."""
    return {key.removeprefix(prefix): amount for key, value in form.items()
            if key.startswith(prefix) and (amount := _kronor(value)) is not None}


async def _act(request: Request, item_id: int, action) -> Response:
    """Run the action (in a worker thread: it waits for the store and the case system, and the console's
    event loop must not), then show the case; or the case page again with what stopped it."""
    form = await request.form()
    try:
        await run_in_threadpool(action, form)
    except casework.NotPossible as e:
        return await run_in_threadpool(_case_page, request, item_id, str(e), 409)
    return RedirectResponse(f"/arenden/{item_id}?klart=1", status_code=303)


@router.post("/arenden/{item_id}/bevilja")
async def grant(request: Request, item_id: int, person: Annotated[Person, Depends(allow_form(*CASEWORK))]):
    def action(form):
        adjustments = {"costs": _lines(form, "kostnad_"), "income": _lines(form, "inkomst_")}
        casework.decide(console(request).ctx, item_id, person, "granted", str(form.get("motivering", "")),
                        adjustments={k: v for k, v in adjustments.items() if v}, amount=_kronor(form.get("belopp")))
    return await _act(request, item_id, action)


@router.post("/arenden/{item_id}/avsla")
async def refuse(request: Request, item_id: int, person: Annotated[Person, Depends(allow_form(*CASEWORK))]):
    return await _act(request, item_id, lambda form: casework.decide(console(request).ctx, item_id, person, "refused",
                                                                      str(form.get("motivering", ""))))


@router.post("/arenden/{item_id}/tillbaka")
async def send_back(request: Request, item_id: int, person: Annotated[Person, Depends(allow_form(*CASEWORK))]):
    return await _act(request, item_id, lambda form: casework.send_back(console(request).ctx, item_id, person, str(form.get("notering", ""))))


@router.get("/arenden/{item_id}/beslut.pdf")
def decision_letter(request: Request, item_id: int, person: Annotated[Person, Depends(allow(*READERS))]):
    found = _case_or_404(request, item_id)
    decision = found["decision"]
    if decision is None:
        raise HTTPException(404, "Ärendet har inget beslut ännu.")
    pdf = letter(decision, views.applicant_of(found["application"]) or "sökande")
    name = f"beslut-{found['item'].application_id}-{found['item'].period}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/stickprov")
def samples(request: Request, person: Annotated[Person, Depends(allow(*CASEWORK))]):
    return render(request, "samples.html", samples=views.samples(console(request).ctx.store))


@router.post("/stickprov/{item_id}/kontrollerad")
async def sample_checked(request: Request, item_id: int, person: Annotated[Person, Depends(allow_form(*CASEWORK))],
                         notering: Annotated[str, Form()] = ""):
    try:
        await run_in_threadpool(casework.check_sample, console(request).ctx, item_id, person, notering)
    except casework.NotPossible as e:
        return render(request, "samples.html", status_code=409, problem=str(e), samples=views.samples(console(request).ctx.store))
    return RedirectResponse("/stickprov", status_code=303)
