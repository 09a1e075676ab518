"""Settings shared by every command that runs a recipe (the CLI's shared options, as a value)."""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class RunOptions:
    """Overrides from the command line; ``None`` keeps what the recipe says.

    Paths given here are relative to the current directory (recipe paths are relative to the
    recipe file); the CLI makes them absolute before building this.
    """

    input: Path | None = None
    out: Path | None = None
    seed: int | None = None
    workers: int | None = None
    limit: int | None = None
    overwrite: bool = False
    dry_run: bool = False
    on_error: str | None = None  # fail | skip; None keeps the recipe's on_error
    engine: str | None = None  # local | ray; None keeps the recipe's engine
    ray_address: str | None = None  # "auto" or HOST:PORT of a running cluster; None starts one
    resume: bool = False  # continue the partial output an interrupted run left (runtime.resume)
    shard_rows: int | None = None  # rows per output shard (part-00000.jsonl, ...); 0: one file; None keeps the recipe's


class Progress(Protocol):
    """What the core reports progress to; the CLI supplies a Rich bar, tests nothing."""

    def start(self, total: int | None, description: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def note(self, message: str) -> None: ...


class NullProgress:
    """Progress that shows nothing but keeps notes (warnings) for the caller."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def start(self, total: int | None, description: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        self.notes.append(message)


def raise_on_sigterm() -> Callable[[], None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup (temp files) runs; returns an undo."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread (e.g. some test runners)
        return lambda: None

    def undo() -> None:
        signal.signal(signal.SIGTERM, previous)

    return undo
