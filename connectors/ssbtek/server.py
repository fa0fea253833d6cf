"""The SSBTEK-like gateway stub: register data for one person and one period per query.

A stand-in for the national gateway (SOAP over mutual TLS in reality; JSON over HTTP here). It answers
from a synthetic population kept in its own SQLite file, per agency data *or* an error, and injects the
faults in faults.py. A person the population does not hold gets empty, valid data from every agency:
no income, no vehicle, not registered with Arbetsförmedlingen, no address.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import deque
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from connectors.serving import clear_validation_errors, guard_json_bodies
from connectors.ssbtek.faults import Faults
from robots.contract import validator
from robots.contract.limits import MAX_PAGE_BYTES
from robots.rules.parameters import AGENCIES
from robots.rules.people import normalize

Agency = Literal["FK", "AF", "CSN", "SKV", "AKASSA", "PM", "TS", "MIV"]
PERSONNUMMER = r"^[0-9]{8}-?[0-9]{4}$"
PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

EMPTY = {
    "FK": {"status": "ok", "payments": []},
    "AF": {"status": "ok", "registered": False, "activity_plan": False},
    "CSN": {"status": "ok", "payments": []},
    "SKV": {"status": "ok", "registered_at_address": [], "employer_reported_pay": []},
    "AKASSA": {"status": "ok", "payments": []},
    "PM": {"status": "ok", "payments": []},
    "TS": {"status": "ok", "vehicles": []},
    "MIV": {"status": "ok", "permit_valid_until": None},
}


class Query(BaseModel):
    """One query: one person, one case, one period, the agencies asked."""

    model_config = ConfigDict(extra="forbid")
    personnummer: str = Field(pattern=PERSONNUMMER)
    case_id: str = Field(min_length=1, max_length=31, description="the case system's id; SSBTEK allows at most 31 characters")
    period: str = Field(pattern=PERIOD)
    purpose: Literal["ekonomiskt bistånd"] = "ekonomiskt bistånd"
    agencies: list[Agency] = Field(min_length=1, max_length=8)


class _AnswerClock:
    """Times every query from its arrival (before its body is read and checked) to its last byte sent.

    The latency fault means "this gateway answers in N ms". A real gateway answers sixteen queries side
    by side, while this stub handles them on one thread, and a timer wakes up late (more so on a busy or
    virtual machine). So the stub counts from arrival, and learns how late its answers leave: each answer
    is timed, and the next query's wake-up is brought forward by the running mean of that lateness.
    `GET /admin/stats` shows the answer times actually achieved."""

    MAX_LEAD = 0.010  # never bring an answer forward by more than this (seconds)

    def __init__(self, app, state: dict):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        own = scope.setdefault("state", {})
        own["arrived"] = loop.time()

        async def timed_send(message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body") and "due" in own:
                sent = loop.time()
                self.state["lead"] = min(max(self.state["lead"] + 0.2 * (sent - own["due"]), 0.0), self.MAX_LEAD)
                self.state["answer_ms"].append((sent - own["arrived"]) * 1000)

        await self.app(scope, receive, timed_send)


class Population(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[dict] = Field(max_length=10_000, description="register answers (registry.schema.json) to store")


class Store:
    """The synthetic population: one register answer per person and period."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS answers (personnummer TEXT NOT NULL, period TEXT NOT NULL, sources TEXT NOT NULL,"
            " PRIMARY KEY (personnummer, period))"
        )

    def get(self, personnummer: str, period: str) -> dict | None:
        row = self.db.execute(
            "SELECT sources FROM answers WHERE personnummer = ? AND period = ?", (normalize(personnummer), period)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, answers: list[dict]) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                [(normalize(a["personnummer"]), a["period"], json.dumps(a["sources"], ensure_ascii=False)) for a in answers],
            )

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM answers").fetchone()[0]

    def clear(self) -> None:
        self.db.execute("DELETE FROM answers")


def create_app(db_path: Path, faults: Faults | None = None) -> FastAPI:
    state = {"faults": faults or Faults(), "in_flight": 0, "max_in_flight": 0, "requests": 0, "by_status": {},
             "lead": 0.0, "answer_ms": deque(maxlen=10_000)}
    state["rng"] = random.Random(state["faults"].seed)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.store = Store(db_path)
        yield
        app.state.store.db.close()

    app = FastAPI(
        title="casebot SSBTEK-like gateway (stub)",
        version="1",
        description="Register data for ekonomiskt bistånd: one query, one person, one period. Synthetic data only.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # their pages load scripts from a public CDN; /openapi.json stays
    )

    clear_validation_errors(app)
    guard_json_bodies(app, MAX_PAGE_BYTES)  # a seeding batch is the largest body; inside the clock, which times from arrival
    app.add_middleware(_AnswerClock, state=state)

    def count(status: int) -> None:
        state["by_status"][str(status)] = state["by_status"].get(str(status), 0) + 1

    def answer(q: Query, request: Request, f: Faults, rng: random.Random) -> Response:
        """The answer to one query, with the faults drawn."""
        if f.error_500_rate and rng.random() < f.error_500_rate:
            return JSONResponse({"detail": "internal error (injected)"}, 500)
        if f.error_503_rate and rng.random() < f.error_503_rate:
            return JSONResponse({"detail": "gateway unavailable (injected)"}, 503, headers={"Retry-After": str(f.retry_after_seconds)})
        if f.malformed_rate and rng.random() < f.malformed_rate:
            if rng.random() < 0.5:
                return PlainTextResponse('{"personnummer": "' + q.personnummer[:8], 200, media_type="application/json")
            return JSONResponse({"personnummer": q.personnummer, "period": q.period, "sources": {"FK": {"payments": "n/a"}}})
        stored = request.app.state.store.get(q.personnummer, q.period) or {}
        sources = {}
        for agency in q.agencies:
            if f.agency_error_rate and rng.random() < f.agency_error_rate:
                sources[agency] = {"status": "error", "error": f"{agency} did not answer (injected)"}
            else:
                sources[agency] = stored.get(agency, EMPTY[agency])
        return JSONResponse({"personnummer": q.personnummer, "period": q.period, "sources": sources})

    @app.post("/v1/queries", summary="Register data for one person and period", responses={
        200: {"description": "per agency data or an error (registry.schema.json)"},
        429: {"description": "too many queries in flight; retry after Retry-After"},
        503: {"description": "gateway unavailable; retry after Retry-After"},
    })
    async def query(q: Query, request: Request) -> Response:
        f: Faults = state["faults"]
        rng: random.Random = state["rng"]
        state["requests"] += 1
        if f.max_concurrency and state["in_flight"] >= f.max_concurrency:
            count(429)
            return JSONResponse({"detail": f"more than {f.max_concurrency} queries in flight"}, 429,
                                headers={"Retry-After": str(f.retry_after_seconds)})
        state["in_flight"] += 1
        state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        try:
            loop = asyncio.get_running_loop()
            started = request.state.arrived
            hung = f.timeout_rate and rng.random() < f.timeout_rate
            if hung:
                # Hang, but notice when the client gives up, as a real server's connection would.
                while loop.time() < started + f.hang_seconds:
                    await asyncio.sleep(0.05)
                    if await request.is_disconnected():
                        count(499)
                        return Response(status_code=499)
            response = answer(q, request, f, rng)
            # The latency is the whole answer time: the work above is part of it, not added to it.
            delay = (f.latency_ms + (rng.uniform(0, f.jitter_ms) if f.jitter_ms else 0)) / 1000
            if delay and not hung:  # a hung answer is late on purpose: it must not teach the clock
                request.state.due = started + delay  # _AnswerClock times the answer against this
                wake = started + delay - min(state["lead"], delay / 2) - loop.time()
                if wake > 0:
                    await asyncio.sleep(wake)
            count(response.status_code)
            return response
        finally:
            state["in_flight"] -= 1

    @app.get("/health", summary="Liveness")
    async def health(request: Request) -> dict:
        return {"status": "ok", "service": "ssbtek-stub", "population": request.app.state.store.count()}

    @app.put("/admin/population", summary="Store register answers (seeding)", status_code=200)
    async def put_population(body: Population, request: Request) -> dict:
        v = validator("registry")
        for i, answer in enumerate(body.answers):
            errors = [f"answers.{i}.{'.'.join(map(str, e.instance_path))}: {e.message}" for e in v.iter_errors(answer)]
            if errors:
                raise HTTPException(422, "; ".join(errors[:5]))
            unknown = set(answer["sources"]) - set(AGENCIES)
            if unknown:
                raise HTTPException(422, f"answers.{i}.sources: unknown agencies {sorted(unknown)}")
        request.app.state.store.put(body.answers)
        return {"stored": len(body.answers)}

    @app.delete("/admin/population", summary="Forget the whole population")
    async def clear_population(request: Request) -> dict:
        request.app.state.store.clear()
        return {"stored": 0}

    @app.get("/admin/faults", summary="The faults in force")
    async def get_faults() -> Faults:
        return state["faults"]

    @app.put("/admin/faults", summary="Change the faults (all fields; omitted ones reset to none)")
    async def put_faults(faults: Faults) -> Faults:
        state["faults"] = faults
        state["rng"] = random.Random(faults.seed)
        return faults

    @app.get("/admin/stats", summary="Requests seen, the most in flight at once, answers by status, answer times")
    async def stats() -> dict:
        times = sorted(state["answer_ms"])
        answer_ms = {"count": len(times), "median": round(times[len(times) // 2], 1), "p95": round(times[int(len(times) * 0.95)], 1)} if times else {"count": 0}
        return {k: state[k] for k in ("requests", "in_flight", "max_in_flight", "by_status")} | {
            "answer_ms": answer_ms,  # arrival to last byte sent, of the latest queries that had a latency to keep
        }

    @app.delete("/admin/stats", summary="Reset the statistics")
    async def reset_stats() -> dict:
        state.update(requests=0, max_in_flight=state["in_flight"], by_status={})
        state["answer_ms"].clear()
        return {"reset": True}

    return app
