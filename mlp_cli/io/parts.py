"""Parts: output bytes a task writes into the run's partial folder, for the driver to put in place.

Where workers format the output (augment's JSONL chunks, curriculum's stage parts), the task
writes the bytes itself and returns only where they are (``Written``), so rows never travel
back through a pipe or Ray's object store. The driver takes the parts in index order and
appends them to the output (a plain copy of bytes, no per-row work), so the file is the one a
single writer would make, whatever ran where.

Why parts are appended and not written at their final offsets: a part's length is only known
once its rows are formatted, so no part knows where it starts before the parts ahead of it are.

On a cluster, the task and the driver must see the partial folder at the same path (storage
every node mounts); a part the driver cannot see is exit 2 naming both hosts (``arrived``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from mlp_cli.errors import UsageError


@dataclass(frozen=True, slots=True)
class Written:
    """A part a task wrote: where, how many bytes, and the process that wrote it."""

    path: str
    size: int
    host: str
    pid: int


def write_part(path: Path, data: bytes) -> Written:
    """Write ``data`` as the part ``path`` (complete or absent: a retried task never meets half a part)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
    except FileNotFoundError:
        raise unseen(str(path.parent), "no such folder", "it writes its part into the output's partial folder") from None
    os.replace(tmp, path)
    return Written(str(path), len(data), socket.gethostname(), os.getpid())


def arrived(written: Written) -> Path:
    """The part as the driver sees it; one written on a node whose storage the driver does not share fails here."""
    part = Path(written.path)
    try:
        size = part.stat().st_size
    except FileNotFoundError:
        size = -1
    if size != written.size:
        raise UsageError(
            f"{part}: the task on {written.host} wrote this part ({written.size} bytes), but the driver on "
            f"{socket.gethostname()} does not see it ({'missing' if size < 0 else f'{size} bytes'}). On a cluster "
            "the output must be on storage every node mounts at the same path (a shared filesystem)."
        )
    return part


def unseen(path: str, what: str, detail: str) -> UsageError:
    """The error of a task that cannot see a path the driver gave it (``what`` it found instead)."""
    return UsageError(
        f"{path}: {what} on {socket.gethostname()}, where a task of this run ran ({detail}). On a cluster, "
        "inputs and the output must be on storage every node mounts at the same path (a shared filesystem)."
    )
