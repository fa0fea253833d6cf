"""Calls to an outside system for many items at once; results come back to the bot's own thread, which
alone touches the store, a batch of results per transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def concurrently(call: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[tuple[T, R | None, Exception | None]]:
    """(item, result, None) or (item, None, error) for each item, in the order they finish."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="bot") as pool:
        futures = {pool.submit(call, item): item for item in items}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as e:  # noqa: BLE001 - handed to the bot, which knows what each error means
                yield futures[future], None, e


def in_batches(results: Iterable[T], size: int = 25) -> Iterator[list[T]]:
    """Results grouped for one transaction each: fewer commits, while the outside calls go on meanwhile."""
    batch: list[T] = []
    for result in results:
        batch.append(result)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
