"""Running the stub servers: in the foreground for `casebot stub`, or as a child process for tests,
benchmarks and the demo (a real process on a real port, so HTTP between worker and stub is real)."""

from __future__ import annotations

import logging
import os
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

from robots.privacy import mask

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CASEBOT_DATA_DIR") or ROOT / "data")
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


def run_foreground(app, host: str, port: int) -> None:
    logging.getLogger("uvicorn.access").addFilter(_MaskPersonnummer())
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StubProcess:
    """`casebot stub NAME` in a child process on a free port; stopped (and waited for) on exit."""

    def __init__(self, name: str, db: Path, *args: str, port: int | None = None, quiet: bool = True):
        self.name, self.db, self.args = name, db, args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.quiet = quiet
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> StubProcess:
        out = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "robots", "stub", self.name, "--port", str(self.port), "--db", str(self.db), *self.args],
            stdout=out, stderr=out, start_new_session=True,
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
