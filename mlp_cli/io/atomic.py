"""Atomic outputs: write into a partial folder beside the target, rename when complete.

An output ``out.jsonl`` is written as ``.out.jsonl.partial/out.jsonl`` (a folder output as
``.out.partial/out/``) and renamed to its final name only when the run completes, so nothing
half-written ever appears under the final name, and an existing output is replaced only when the
user said ``--overwrite``.

The partial folder has a stable name, so it never accumulates: a run that fails on bad input
removes it; an interrupted run (Ctrl-C, ``kill -9``, a lost machine) leaves it for ``--resume``
(``runtime.resume``) to continue, and the next run without ``--resume`` removes it and says so
(``Run.output``). ``owner.json`` inside records the process writing it, so two live runs never
share one.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlp_cli.errors import MlpError, UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp/mkdtemp create private (0600/0700) entries; outputs get the usual permissions instead.
_FILE_MODE = 0o666 & ~_umask()
_DIR_MODE = 0o777 & ~_umask()
OWNER = "owner.json"


def check_writable(path: Path, overwrite: bool) -> None:
    """Fail before any work if ``path`` exists and may not be replaced."""
    if path.exists() and not overwrite:
        raise UsageError(f"{path}: output already exists; pass --overwrite to replace it")


def partial_dir(path: Path) -> Path:
    """Where the output ``path`` is written until its run completes."""
    path = Path(path)
    return path.with_name(f".{path.name}.partial")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_owner(partial: Path) -> int | None:
    """The pid of a live process (on this host) that is writing ``partial``, if any."""
    try:
        owner = json.loads((partial / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return None
    return pid if _alive(pid) else None


def partial_size(partial: Path) -> int:
    return sum(p.stat().st_size for p in partial.rglob("*") if p.is_file())


def remove_partial(path: Path) -> int | None:
    """Remove the partial work of an earlier run of ``path``; its size in bytes, or None if none."""
    partial = partial_dir(path)
    if not partial.exists():
        return None
    pid = live_owner(partial)
    if pid is not None:
        raise UsageError(f"{path}: another mlp run (pid {pid}) is writing this output; wait for it or choose another --out")
    size = partial_size(partial)
    shutil.rmtree(partial, ignore_errors=True)
    return size


@contextmanager
def _claimed(path: Path, resume: bool) -> Iterator[Path]:
    """The partial folder of ``path``, owned by this process while the block runs.

    It is kept when the block is interrupted (for ``--resume``) and removed when the run fails
    with an ``MlpError``: bad input or a refusal leaves nothing worth continuing.
    """
    partial = partial_dir(path)
    pid = live_owner(partial) if partial.exists() else None
    if pid is not None:
        raise UsageError(f"{path}: another mlp run (pid {pid}) is writing this output; wait for it or choose another --out")
    if not resume:
        shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, exist_ok=True)
    partial.chmod(_DIR_MODE)
    (partial / OWNER).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}), encoding="utf-8")
    try:
        yield partial
    except MlpError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except BaseException:
        (partial / OWNER).unlink(missing_ok=True)  # interrupted: kept for --resume
        raise
    shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def atomic_file(path: Path, overwrite: bool = False, *, resume: bool = False) -> Iterator[Path]:
    """Yield the path to write ``path`` under; it is renamed to ``path`` on success.

    With ``resume``, the file an interrupted run left is yielded as it is, for the caller to
    continue (``runtime.resume.Checkpoint`` says how far it got).
    """
    path = Path(path)
    check_writable(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _claimed(path, resume) as partial:
        tmp_path = partial / path.name
        if not tmp_path.exists():
            tmp_path.touch()
            tmp_path.chmod(_FILE_MODE)
        yield tmp_path
        check_writable(path, overwrite)  # someone may have created it meanwhile
        os.replace(tmp_path, path)


@contextmanager
def atomic_dir(path: Path, overwrite: bool = False, *, resume: bool = False) -> Iterator[Path]:
    """Yield a folder to fill; on success it replaces ``path`` whole."""
    path = Path(path)
    check_writable(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _claimed(path, resume) as partial:
        tmp_path = partial / path.name
        tmp_path.mkdir(exist_ok=True)
        tmp_path.chmod(_DIR_MODE)
        yield tmp_path
        check_writable(path, overwrite)
        if path.exists():
            old = partial / f"{path.name}.old"
            os.replace(path, old)
            os.replace(tmp_path, path)
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
        else:
            os.replace(tmp_path, path)


@contextmanager
def replaced_when_done(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; it replaces ``path`` when the block ends.

    For small files and caches written by many processes at once (a manifest, a checkpoint, an
    exported model): each writes its own temporary file, and the last rename wins whole.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, _FILE_MODE)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write a small text file (a manifest, a checkpoint) atomically, replacing any previous one."""
    with replaced_when_done(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
