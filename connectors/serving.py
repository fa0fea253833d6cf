"""Running the stub servers: in the foreground for `casebot stub`, or as a child process for tests,
benchmarks and the demo (a real process on a real port, so HTTP between worker and stub is real)."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from robots.contract.limits import MAX_DEPTH, MAX_INT_DIGITS
from robots.contract.safe_json import TooLarge, UnsafeJSON, load_json
from robots.privacy import mask

DEFAULT_PORTS = {"ssbtek": 8701, "casesystem": 8702}


class _MaskPersonnummer(logging.Filter):
    """Access logs show paths, and some paths carry a personnummer: operators see it masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args) if isinstance(record.args, tuple) else record.args
        return True


def clear_validation_errors(app: FastAPI) -> None:
    """422 answers as one readable line (`body.period: String should match pattern …`), without echoing
    the input back: it may hold personnummer."""

    @app.exception_handler(RequestValidationError)
    async def _handler(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {'the request body must be a JSON object' if e['type'] == 'dict_type' and e['loc'] == ('body',) else e['msg']}"
            for e in exc.errors()
        )
        return JSONResponse({"detail": mask(problems)}, status_code=422)


class _SafeJSONBodies:
    """ASGI middleware: every request body is read here first, never more than `max_bytes` of it, and one
    sent as JSON (or with no content type, which FastAPI also reads as JSON) is checked with
    robots.contract.safe_json before FastAPI parses it. Refused with one line that never echoes the input:
    413 when too large, 422 when too deep, with a huge integer, NaN, a lone surrogate, not UTF-8 or not
    JSON. What passes is handed on unchanged."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope["headers"]}
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = not kind or kind == b"application/json" or kind.endswith(b"+json")
        too_large = f"body: too large: more than {self.max_bytes} bytes"
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await JSONResponse({"detail": too_large}, status_code=413)(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await JSONResponse({"detail": too_large}, status_code=413)(scope, receive, send)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        if data and is_json:
            try:
                load_json(data, max_bytes=self.max_bytes, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS)
            except UnsafeJSON as e:
                return await JSONResponse({"detail": f"body: {e}"}, status_code=413 if isinstance(e, TooLarge) else 422)(scope, receive, send)
        handed_on = False

        async def replay():
            nonlocal handed_on
            if not handed_on:
                handed_on = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()  # after the body: a disconnect, as the app may wait for one

        await self.app(scope, replay, send)


def guard_json_bodies(app: FastAPI, max_bytes: int) -> None:
    """Request bodies at most `max_bytes` (413), and JSON ones safe to parse (422), before any handler
    or FastAPI's own parsing sees them (_SafeJSONBodies); the OpenAPI document is unchanged."""
    app.add_middleware(_SafeJSONBodies, max_bytes=max_bytes)


def run_foreground(app, host: str, port: int) -> None:
    logging.getLogger("uvicorn.access").addFilter(_MaskPersonnummer())
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StubProcess:
    """`casebot stub NAME` in a child process on a free port; stopped (and waited for) on exit."""

    def __init__(self, name: str, db: Path, *args: str, port: int | None = None, quiet: bool = True, env: dict | None = None):
        self.name, self.db, self.args, self.env = name, db, args, env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.quiet = quiet
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> StubProcess:
        out = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "robots", "stub", self.name, "--port", str(self.port), "--db", str(self.db), *self.args],
            stdout=out, stderr=out, start_new_session=True, env=self.env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.name} stub exited with status {self.process.returncode} before it answered")
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the {self.name} stub did not answer on {self.url} within {timeout:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
