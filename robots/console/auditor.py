"""The auditor's pages, read-only: the trail's status (verified on request: it reads every event), a case's
story, the decisions of a period as a spreadsheet, and the sign-in record."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from robots.casework import Person
from robots.console import views
from robots.console.web import allow, console, render
from robots.trail.export import counts, decisions, write
from robots.trail.story import story
from robots.trail.verify import verify

router = APIRouter()
AUDIT = ("auditor",)


@router.get("/granskning")
def overview(request: Request, person: Annotated[Person, Depends(allow(*AUDIT))], kontrollera: bool = False):
    store = console(request).ctx.store
    return render(request, "audit.html", verdict=verify(store) if kontrollera else None, runs=views.runs(store, 20),
                  access=views.access_events(store))


@router.get("/granskning/arenden")
def find_story(request: Request, arende: str, person: Annotated[Person, Depends(allow(*AUDIT))]):
    return RedirectResponse(f"/granskning/arenden/{quote(arende.strip(), safe='')}", status_code=303)


@router.get("/granskning/arenden/{application_id}")
def case_story(request: Request, application_id: str, person: Annotated[Person, Depends(allow(*AUDIT))]):
    store = console(request).ctx.store
    told = story(store, application_id)
    if told is None:
        raise HTTPException(404, f"Det finns inget ärende {application_id}.")
    return render(request, "story.html", application_id=application_id, story=told, item_id=views.item_by_application(store, application_id))


@router.get("/granskning/export.xlsx")
def export(request: Request, person: Annotated[Person, Depends(allow(*AUDIT))], fran: str, till: str):
    """The decisions made from `fran` to `till` (days, Swedish time), as `casebot audit export` writes them."""
    try:
        first, last = date.fromisoformat(fran), date.fromisoformat(till)
    except ValueError:
        raise HTTPException(422, "Ange dagarna som ÅÅÅÅ-MM-DD.") from None
    if last < first:
        raise HTTPException(422, "Till-dagen ligger före från-dagen.")
    frame = decisions(console(request).ctx.store, first, last)
    with tempfile.TemporaryDirectory() as folder:
        body = write(frame, Path(folder) / "beslut.xlsx", "xlsx", {"counts": counts(frame)}).read_bytes()
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="beslut-{first}-{last}.xlsx"'})
