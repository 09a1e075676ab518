"""The executor seam: an ordered map of per-chunk tasks over items keyed by their global index.

Every runner hands its per-item work to an ``Executor`` as a ``Task``: a module-level function
over a list of consecutive items, plus the per-process setup it needs. The executor groups the
stream into chunks, runs them where it likes (in-process, a process pool, a cluster) and yields
``Done`` results in index order, each with the global index of its first item. Results never
depend on how items were grouped or where they ran: every item's randomness comes from its own
key (``runtime.seeding``), so the engine and the worker count cannot change output bytes.

``LocalExecutor`` is today's process pool. A distributed engine implements the same ``map``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from mlp_cli.runtime.parallel import AdaptiveChunks, chunked, ordered_map

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Task(Generic[T, R]):
    """Work to map over items.

    Attributes:
        name: the stage ("augment", "sample", "score"), for timings and progress.
        process: a module-level function from a list of consecutive items to one result.
        setup: a module-level function run once per worker process (and once in-process) with
            ``setup_args``, to build per-process state: augmenters, models, fitted generators.
        chunk: a fixed number of items per call; ``None`` sizes chunks by measured cost.
        largest: the most items one call may get when sizing adaptively.
    """

    name: str
    process: Callable[[list[T]], R]
    setup: Callable[..., None] | None = None
    setup_args: tuple[Any, ...] = ()
    chunk: int | None = None
    largest: int = 16384


@dataclass(frozen=True, slots=True)
class Done(Generic[R]):
    """One finished chunk: the global index of its first item, how many items, the result."""

    first: int
    count: int
    result: R
    seconds: float  # compute time where it ran


class Executor(Protocol):
    """Where tasks run. ``map`` yields results in index order, whatever ran where."""

    engine: str
    workers: int

    @property
    def remote(self) -> bool:
        """Whether tasks run outside the driver's process (output they write must reach it as files)."""
        ...

    def map(self, task: Task[T, R], items: Iterable[T], *, start: int = 0) -> Iterator[Done[R]]:
        """Run ``task`` over ``items``, whose first one has global index ``start``."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the engine (kind, workers, resources)."""
        ...


def _timed(process: Callable[[list[T]], R], chunk: list[T]) -> tuple[float, int, R]:
    started = time.perf_counter()
    result = process(chunk)
    return time.perf_counter() - started, len(chunk), result


@dataclass
class LocalExecutor:
    """This machine: in-process with one worker, a forked process pool with more."""

    workers: int
    prefetch: int = 3
    engine: str = field(default="local", init=False)

    @property
    def remote(self) -> bool:
        return self.workers > 1  # one worker runs in-process

    def map(self, task: Task[T, R], items: Iterable[T], *, start: int = 0) -> Iterator[Done[R]]:
        if task.chunk is not None:
            sizer = None
            chunks: Iterable[list[T]] = chunked(items, task.chunk)
        else:
            # Cheap items start in big chunks so inter-process traffic stays small.
            sizer = AdaptiveChunks(items, start=256 if self.workers > 1 else 1024, largest=task.largest)
            chunks = sizer
        first = start
        run = functools.partial(_timed, task.process)
        for seconds, count, result in ordered_map(
            run, chunks, self.workers, task.setup, task.setup_args, self.prefetch
        ):
            if sizer is not None:
                sizer.observe(count, seconds)
            yield Done(first, count, result, seconds)
            first += count

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "workers": self.workers}
