"""The HTTP discipline every connector client follows.

* one urllib3 connection pool per client, shared by its threads (urllib3's pools are thread-safe;
  requests is built on them, and its per-call work — preparing, cookies, hooks, the Response object —
  cost the gateway client 0.7 ms a query, a third of its CPU, at hundreds of queries a second), keep-alive;
* a connect and a read timeout on every call, the read timeout never past the call's total budget;
* retries with exponential backoff and jitter (tenacity) for what can succeed later — connection
  failures, timeouts, 429, 500, 502, 503, 504 and answers that are not JSON — and only when the call is
  safe to repeat; 429 and 503 honour Retry-After;
* at most `max_concurrency` requests in flight from this client, across all threads;
* typed errors (connectors.errors) once the budget is spent; 4xx other than 429 is never retried;
* an answer is read up to robots.contract.limits.MAX_PAGE_BYTES and parsed with robots.contract.safe_json:
  one too large, too deep, with a huge integer, NaN or a lone surrogate is a bad answer (BadAnswer).
"""

from __future__ import annotations

import json as jsonlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
import urllib3
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

from connectors.errors import (
    BadAnswer,
    Conflict,
    Locked,
    NotFound,
    Rejected,
    Unavailable,
)
from robots.contract.limits import MAX_ANSWER_DEPTH, MAX_INT_DIGITS, MAX_PAGE_BYTES
from robots.contract.safe_json import UnsafeJSON, load_json
from robots.privacy import mask

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
HEADERS = {"User-Agent": "casebot", "Accept": "application/json"}


@dataclass(frozen=True)
class CallPolicy:
    """Timeouts in seconds, and the retry budget of one logical call."""

    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    attempts: int = 5
    budget: float = 30.0  # a call gives up after this long, retries and waits included
    backoff_initial: float = 0.1
    backoff_max: float = 5.0
    jitter: float = 0.2


class _Retry(Exception):
    """One attempt failed in a way a later attempt may not."""

    def __init__(self, message: str, retry_after: float | None = None, bad_answer: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.bad_answer = bad_answer  # the system answered, but not usefully


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class HttpClient:
    """A JSON-over-HTTP client for one outside system."""

    def __init__(self, base_url: str, *, name: str, policy: CallPolicy | None = None, max_concurrency: int = 8):
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.policy = policy or CallPolicy()
        self.max_concurrency = max_concurrency
        self._slots = threading.BoundedSemaphore(max_concurrency)
        # A proxy from the environment (HTTP_PROXY, NO_PROXY …), read once, as requests would read it.
        proxy = requests.utils.get_environ_proxies(self.base_url).get(self.base_url.split(":", 1)[0])
        kwargs = {"maxsize": max_concurrency, "retries": False}  # retries are ours (tenacity)
        self._http = urllib3.ProxyManager(proxy, **kwargs) if proxy else urllib3.PoolManager(**kwargs)
        self.log = logging.getLogger(f"casebot.connectors.{name}")

    def close(self) -> None:
        self._http.clear()

    def call(self, method: str, path: str, *, json: object = None, params: dict | None = None,
             headers: dict | None = None, safe_to_repeat: bool, ok: tuple[int, ...] = (200,),
             check: Callable[[object], str | None] | None = None) -> tuple[int, object]:
        """(status, parsed JSON body) of the first attempt that answers with a status in `ok`.

        `safe_to_repeat`: the call may be sent again after a failure whose effect is unknown (a read, or an
        idempotent write). Otherwise only failures known to have had no effect are retried (connection
        refused, 429). `check` inspects a successful body and returns a problem, or None when it is usable:
        a body with a problem is retried like a failure, and raises BadAnswer when the budget is spent.
        """
        p = self.policy
        deadline = time.monotonic() + p.budget
        backoff = wait_exponential_jitter(multiplier=p.backoff_initial, max=p.backoff_max, jitter=p.jitter)

        def wait(state) -> float:
            error = state.outcome.exception()
            delay = backoff(state)
            if isinstance(error, _Retry) and error.retry_after is not None:
                delay = max(delay, error.retry_after)
            return delay  # stop_before_delay gives up rather than sleep past the budget

        retrying = Retrying(
            stop=stop_after_attempt(p.attempts) | stop_before_delay(p.budget),
            wait=wait,
            retry=retry_if_exception_type(_Retry),
            reraise=True,
            before_sleep=lambda s: self.log.warning(
                "%s %s %s: attempt %d failed (%s); retrying", self.name, method, mask(path), s.attempt_number,
                mask(str(s.outcome.exception())),
            ),
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, json, params, headers, safe_to_repeat, ok, deadline, check)
        except _Retry as e:
            if e.bad_answer:
                raise BadAnswer(f"{self.name}: {method} {mask(path)}: {mask(str(e))}") from None
            raise Unavailable(f"{self.name}: {method} {mask(path)} gave up after {p.attempts} attempts or {p.budget:g} s: {mask(str(e))}") from None
        raise AssertionError("unreachable")

    def _once(self, method, path, json, params, headers, safe_to_repeat, ok, deadline, check) -> tuple[int, object]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Retry("no time left in the budget")
        timeout = (min(self.policy.connect_timeout, remaining), min(self.policy.read_timeout, remaining))
        url = self.base_url + path + ("?" + urlencode({k: v for k, v in params.items() if v is not None}) if params else "")
        body = jsonlib.dumps(json).encode() if json is not None else None
        headers = HEADERS | ({"Content-Type": "application/json"} if body is not None else {}) | (headers or {})
        with self._slots:
            try:
                response = self._http.request(method, url, body=body, headers=headers, redirect=False, preload_content=False,
                                              timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]))
                try:
                    data = response.read(MAX_PAGE_BYTES + 1)  # never more than that in memory, whatever is sent
                    if len(data) > MAX_PAGE_BYTES:
                        response.close()  # the rest stays unread: this connection is not used again
                finally:
                    response.release_conn()
            except ConnectTimeoutError as e:  # also refused and unresolvable: nothing was sent
                raise _Retry(f"could not connect: {e.__class__.__name__}") from None
            except ReadTimeoutError:
                if safe_to_repeat:
                    raise _Retry(f"no answer within {timeout[1]:g} s") from None
                raise Unavailable(f"{self.name}: {method} {mask(path)}: no answer within {timeout[1]:g} s; the effect is unknown") from None
            except HTTPError as e:
                if safe_to_repeat:
                    raise _Retry(f"connection failed: {e.__class__.__name__}") from None
                raise Unavailable(f"{self.name}: {method} {mask(path)}: connection lost; the effect is unknown") from None
        status = response.status
        if status in RETRYABLE_STATUS and (safe_to_repeat or status == 429):
            raise _Retry(f"HTTP {status}", _retry_after(response))
        try:  # a hostile body (too large, too deep, a huge integer, NaN …) is a bad answer, never a crash
            body = load_json(data, max_bytes=MAX_PAGE_BYTES, max_depth=MAX_ANSWER_DEPTH, max_int_digits=MAX_INT_DIGITS) if data else None
        except UnsafeJSON as e:
            if safe_to_repeat:
                raise _Retry(f"HTTP {status} with a body that is not usable JSON: {e}", bad_answer=True) from None
            raise BadAnswer(f"{self.name}: {method} {mask(path)}: HTTP {status} with a body that is not usable JSON: {e}") from None
        if status in ok:
            problem = check(body) if check is not None else None
            if problem is None:
                return status, body
            if safe_to_repeat:
                raise _Retry(f"answer breaks the contract: {problem}", bad_answer=True)
            raise BadAnswer(f"{self.name}: {method} {mask(path)}: answer breaks the contract: {mask(problem)}")
        detail = body.get("detail") if isinstance(body, dict) else body
        said = detail.get("message", detail) if isinstance(detail, dict) else detail  # a structured refusal says it in "message"
        message = f"{self.name}: {method} {mask(path)}: HTTP {status}: {mask(str(said))}"
        error = {404: NotFound, 409: Conflict, 423: Locked}.get(status)
        if error is not None:
            raise error(message, status, detail)
        if 400 <= status < 500:
            raise Rejected(message, status, detail)
        raise Unavailable(message)
