"""The operator's pages: work items by state, what is overdue, FAILED items with why and a requeue, and the
runs with their counts and Robot Framework logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from robots import casework
from robots.casework import Person
from robots.console import views
from robots.console.web import allow, allow_form, console, render

router = APIRouter()
ROBOT_LOG_POLICY = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                    "img-src data:; connect-src 'none'")
OPERATIONS = ("operator",)
RUN_READERS = ("operator", "auditor")


@router.get("/drift")
def operations(request: Request, person: Annotated[Person, Depends(allow(*OPERATIONS))]):
    c = console(request)
    return render(request, "operations.html", failed=views.failed(c.ctx.store), **views.operations(c.ctx.store, c.ctx.clock()))


@router.post("/drift/arenden/{item_id}/koa-om")
async def requeue(request: Request, item_id: int, person: Annotated[Person, Depends(allow_form(*OPERATIONS))],
                  notering: Annotated[str, Form()] = ""):
    c = console(request)
    try:
        await run_in_threadpool(casework.requeue, c.ctx, item_id, person, notering)
    except casework.NotPossible as e:
        return render(request, "operations.html", status_code=409, problem=str(e), failed=views.failed(c.ctx.store),
                      **views.operations(c.ctx.store, c.ctx.clock()))
    return RedirectResponse("/drift", status_code=303)


@router.get("/korningar")
def runs(request: Request, person: Annotated[Person, Depends(allow(*RUN_READERS))]):
    return render(request, "runs.html", runs=views.runs(console(request).ctx.store))


@router.get("/korningar/{run_id}/logg")
def run_log(request: Request, run_id: str, person: Annotated[Person, Depends(allow(*RUN_READERS))]):
    """The run's Robot Framework log, when the run kept one (an idle pass keeps none)."""
    run = views.run(console(request).ctx.store, run_id)
    log = Path(run.log_dir) / "log.html" if run is not None and run.log_dir else None
    if log is None or not log.is_file():
        raise HTTPException(404, "Körningen har ingen Robot Framework-logg kvar (en körning utan arbete sparar ingen, och gamla rensas).")
    # Robot's log is drawn by its own inline scripts: allowed here only, in a sandbox that reaches nothing.
    return FileResponse(log, media_type="text/html", headers={"Content-Security-Policy": ROBOT_LOG_POLICY})
