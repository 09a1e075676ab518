"""The Ray engine: the executor seam on a Ray cluster (lands with issue 11)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from mlp_cli.errors import UsageError
from mlp_cli.runtime.executor import Done, Task

T = TypeVar("T")
R = TypeVar("R")


class RayExecutor:
    engine = "ray"

    def __init__(self, workers: int, address: str | None = None):
        self.workers = workers
        self.address = address

    def map(self, task: Task[T, R], items: Iterable[T], *, start: int = 0) -> Iterator[Done[R]]:
        raise UsageError("--engine ray is not available yet")

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "workers": self.workers, "address": self.address}
