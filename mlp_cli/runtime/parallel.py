"""Ordered parallel map over chunks of work, streamed with a bounded window.

Items are grouped into chunks; each chunk goes to a worker process; results come back in input
order, so output bytes do not depend on the number of workers. At most ``workers * prefetch``
chunks are in flight, so memory does not grow with the input. With one worker everything runs
in-process (no pickling, no fork): that path must be as fast as a plain loop.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None) -> int:
    """``None`` or 0 means all cores."""
    if not workers:
        return available_cores()
    return max(1, int(workers))


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to ``size`` consecutive items."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


class AdaptiveChunks(Generic[T]):
    """Chunks of consecutive items whose size follows the measured cost per item.

    Cheap items (generated rows) go in large chunks so inter-process traffic stays small; costly
    ones (images, long texts) in small chunks so both cores stay busy and memory stays bounded.
    Chunk sizes never change results: every item's randomness is derived from its own key.
    """

    def __init__(self, items: Iterable[T], start: int = 16, target_seconds: float = 0.05, largest: int = 4096):
        self._items = iter(items)
        self.size = start
        self.target_seconds = target_seconds
        self.largest = largest

    def __iter__(self) -> Iterator[list[T]]:
        while chunk := list(itertools.islice(self._items, self.size)):
            yield chunk

    def observe(self, items: int, seconds: float) -> None:
        """Report how long ``items`` took in a worker; the next chunks aim at ``target_seconds``."""
        if items <= 0:
            return
        per_item = max(seconds, 1e-7) / items
        wanted = int(self.target_seconds / per_item)
        # move at most 4x per observation so one odd chunk does not swing the size
        self.size = max(1, min(self.largest, wanted, self.size * 4), self.size // 4)


def _worker_init(initializer: Callable[..., None] | None, initargs: tuple) -> None:
    # The parent handles Ctrl-C and tears the pool down; workers must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch = sys.modules.get("torch")
    if torch is not None:  # one thread per worker process: the processes are the parallelism
        torch.set_num_threads(1)
    if initializer is not None:
        initializer(*initargs)


def ordered_map(
    task: Callable[[T], R],
    chunks: Iterable[T],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    prefetch: int = 3,
) -> Iterator[R]:
    """Yield ``task(chunk)`` for every chunk, in order, using ``workers`` processes.

    ``task`` and ``initializer`` must be module-level functions. The initializer runs once per
    process (and once in-process when ``workers == 1``) to set up per-process state such as
    augmenters, models or fitted generators.
    """
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for chunk in chunks:
            yield task(chunk)
        return

    # fork: workers inherit the parent's fitted state without pickling it (Linux default).
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(initializer, initargs),
    )
    pending: deque[Future[R]] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(task, chunk))
            if len(pending) >= workers * prefetch:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        _terminate(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop worker processes now (interrupts and failures must not wait for queued work)."""
    processes = getattr(pool, "_processes", None) or {}
    for proc in list(processes.values()):
        try:
            proc.terminate()
        except Exception:  # already gone
            pass
