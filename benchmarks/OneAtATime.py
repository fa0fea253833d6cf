"""Keywords for benchmarks/one_at_a_time.robot: every step of the process for a single application."""

from __future__ import annotations

from robots.bootstrap import build_worker
from robots.config import load_settings
from robots.pipeline import STEPS

_STEPS = dict(STEPS)


class OneAtATime:
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self) -> None:
        settings = load_settings()
        settings = settings.model_copy(update={
            "worker": settings.worker.model_copy(update={"batch_size": 1}),
            "ssbtek": settings.ssbtek.model_copy(update={"max_concurrency": 1}),
        })
        self.worker = build_worker(settings)

    def applications_waiting(self) -> int:
        return sum(1 for _ in self.worker.casesystem.applications("submitted"))

    def handle_one_application(self) -> None:
        ctx = self.worker.start_run()
        try:
            for name in ("intake", "fetch", "decide", "write_back"):
                _STEPS[name](ctx)
        finally:
            self.worker.finish_run(ctx, {}, "ok")
