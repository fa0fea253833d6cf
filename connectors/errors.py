"""Every error a connector raises. System errors (retry later) and rejections (a person or a fix is
needed) are different classes, so callers never decide by matching an error message."""

from __future__ import annotations


class ConnectorError(Exception):
    """Something went wrong talking to an outside system."""


class Unavailable(ConnectorError):
    """The system did not answer usefully within the retry budget (timeouts, 5xx, 429). Retry later."""


class BadAnswer(ConnectorError):
    """The system answered, but not as the contract says (not JSON, schema broken). Retry later."""


class Rejected(ConnectorError):
    """The system refused the request (4xx): retrying the same request will not help."""

    def __init__(self, message: str, status: int, detail: object = None):
        super().__init__(message)
        self.status = status
        self.detail = detail


class NotFound(Rejected):
    """404: no such resource."""


class Conflict(Rejected):
    """409: the request contradicts what the system already holds (e.g. another decision)."""


class Locked(Rejected):
    """423: the resource is held by someone else (e.g. the robot holds an application)."""
