"""Faults the gateway stub can inject: the knobs a test or a benchmark needs.

Set at start (flags of `casebot stub ssbtek`, or CASEBOT_SSBTEK_<NAME> environment variables) or at run
time (PUT /admin/faults). Rates are probabilities between 0 and 1, drawn per request (per agency for
agency_error_rate) from a seeded random generator, so a run can be repeated.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=60_000, description="how long every answer takes from its arrival, the gateway's own work and queueing included")
    jitter_ms: int = Field(default=0, ge=0, le=60_000, description="extra random delay, uniform 0..jitter_ms")
    agency_error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="each asked agency answers with an error")
    timeout_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="the request hangs for hang_seconds")
    hang_seconds: float = Field(default=30.0, ge=0.0, le=600.0, description="how long a timed-out request hangs")
    error_500_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="HTTP 500")
    error_503_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="HTTP 503 with Retry-After")
    malformed_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="a 200 whose body is not JSON or breaks the schema")
    max_concurrency: int = Field(default=0, ge=0, le=10_000, description="answer 429 beyond this many requests in flight; 0 = no cap")
    retry_after_seconds: int = Field(default=1, ge=0, le=3600, description="Retry-After on 429 and 503")
    seed: int | None = Field(default=None, description="seed for the fault draws; None = not reproducible")

    @classmethod
    def from_environment(cls, **overrides: object) -> Faults:
        """CASEBOT_SSBTEK_LATENCY_MS=50 etc.; explicit overrides (flags) win."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            env = os.environ.get(f"CASEBOT_SSBTEK_{name.upper()}")
            if env is not None:
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
