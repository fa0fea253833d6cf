"""One failure policy for every bot: an unexpected error while handling one item is that item's problem,
not its batch's. The item's work is undone (a savepoint), the error is recorded on it (attempts, last
error, kind APPLICATION: a bug or a surprise in its data), the batch goes on, and the item is tried again
with the configured backoff; after the configured attempts it is FAILED, for a person.

A batch is tried in one savepoint first (`each_guarded`): a savepoint per item costs a flush and two
statements each, which were half of what recording a batch cost. Only when something in the batch
raises is it undone and tried again item by item, each in its own savepoint, so the error stays with
its item. The work must therefore be safe to do twice: it records what outside calls returned, and
calls nothing outside itself.

System errors (an outside system did not answer) and business errors (it refused) are the bots' own
business and never reach here: they are expected, and each bot says what they mean."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from robots.bots.context import Context
from robots.store import audit
from robots.store.models import WorkItem
from robots.store.queue import release
from robots.workflow import ALLOWED, State, move

APPLICATION = "APPLICATION"


def guarded(ctx: Context, session, item: WorkItem, work: Callable[[], str]) -> str:
    """work()'s count key, or "errors" when it raised: then recorded on the item as above."""
    heads = audit.saved_heads(session)  # the chains as they were: what the savepoint undoes must not stay linked
    try:
        with session.begin_nested():
            return work()
    except Exception as e:  # noqa: BLE001  whatever it is, it stays with this item
        audit.restore_heads(session, heads)
        ctx.log.exception("%s: unexpected error on %s (attempt %d)", ctx.run_id, item.application_id, item.attempts + 1)
        release(item)
        item.attempts += 1
        item.last_error, item.error_kind = f"{type(e).__name__}: {e}"[:2000], APPLICATION
        if State.FAILED not in ALLOWED[State(item.state)]:  # already done (another worker finished it): nothing to fail
            return "errors"
        if item.attempts >= ctx.settings.retry.attempts:
            move(ctx.store, session, item, State.FAILED, "failed", ctx.run_id, kind=APPLICATION, attempts=item.attempts,
                 error=type(e).__name__)
        else:
            item.next_attempt_at = ctx.clock() + ctx.settings.retry.wait(item.attempts)
            ctx.store.audit(session, "error", {"kind": APPLICATION, "attempt": item.attempts, "error": type(e).__name__},
                            item.id, ctx.run_id)
        return "errors"


def each_guarded(ctx: Context, session, work: Iterable[tuple[WorkItem | None, Callable[[], str]]], counts: dict[str, int]) -> None:
    """Count in `counts` the key work() gives for each (item, work) — None items (no longer ours) are left
    out —, as `guarded` would, trying the batch in one savepoint first (see above)."""
    work = [(item, w) for item, w in work if item is not None]
    heads = audit.saved_heads(session)
    try:
        with session.begin_nested():
            keys = [w() for _, w in work]
    except Exception:  # noqa: BLE001  undone: now item by item, so that the error stays with its item
        audit.restore_heads(session, heads)
        keys = [guarded(ctx, session, item, w) for item, w in work]
    for key in keys:
        counts[key] += 1
