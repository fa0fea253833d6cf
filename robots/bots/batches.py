"""Results of an outside system's batch calls, grouped: the bot's own thread alone touches the store, a
batch of results per transaction, while the adapter goes on with the rest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


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
