"""Resume: continue the partial output an interrupted run left, to the bytes of one whole run.

A resumable runner writes its output into the partial folder (``io.atomic``) and, between chunks
and at most once a second (``$MLP_CHECKPOINT_SECONDS`` changes that), a checkpoint there: how
many input items are done, how long the output and the runner's append-only side files are
(de-duplication digests, generator statistics), and its counts. Data is flushed to disk before the checkpoint that counts it, so a checkpoint never
claims more than is on disk; what was written after the last checkpoint is cut off on resume.

``--resume`` truncates every file to its checkpointed length, restores the counts and skips the
items done: nothing is lost or written twice, and since every item's randomness comes from its
own key (``runtime.seeding``), the items after the checkpoint come out as they would have.

A checkpoint records the run's fingerprint (recipe, inputs, seed, limit, output format, mlp
version). A resume whose fingerprint differs is refused, naming what changed.

Runners that are not one stream of rows use the same checkpoint: an image run counts its index
(``manifest.jsonl``) as the data and keeps the parent's per-image state (COCO annotations) as
side records; a phase whose result is small next to the work it took (mine-negatives' neighbour
search, a curriculum's scoring pass) is kept whole with ``put`` and read back with ``get``.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from hashlib import blake2b
from pathlib import Path
from typing import Any, BinaryIO

from mlp_cli import __version__
from mlp_cli.errors import UsageError
from mlp_cli.io.atomic import partial_dir, write_text_atomic
from mlp_cli.io.manifest import recipe_hash

STATE = "checkpoint.json"


def checkpoint_seconds() -> float:
    """How often checkpoints are saved at most: ``$MLP_CHECKPOINT_SECONDS``, else once a second."""
    value = os.environ.get("MLP_CHECKPOINT_SECONDS", "1")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise UsageError(f"MLP_CHECKPOINT_SECONDS={value!r}: expected a number of seconds, e.g. 1 or 0.5")
    return seconds


def file_stamp(path: Path) -> dict[str, int]:
    """What identifies an input's content cheaply: size and modification time (not a checksum:
    hashing a 100 GB input before resuming would cost more than the resume saves)."""
    st = Path(path).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def files_stamp(paths: Iterable[Path]) -> dict[str, Any]:
    """Size and modification time of many files (an image set), as a count and one digest.

    A missing file counts as such, so a file that appears or disappears changes the stamp.
    """
    h = blake2b(digest_size=16)
    count = 0
    for path in paths:
        try:
            st = os.stat(path)
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        except OSError:
            h.update(f"{path}\0missing\n".encode("utf-8", "surrogateescape"))
        count += 1
    return {"files": count, "digest": h.hexdigest()}


def tree_stamp(root: Path) -> dict[str, Any]:
    """``files_stamp`` of every file under a folder, hidden files and folders aside (they hold
    partial outputs, which change while the run writes them)."""

    def walk() -> Iterable[Path]:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(folder) / name

    return files_stamp(walk())


@contextmanager
def open_continued(path: Path, length: int | None) -> Iterator[Any]:
    """A text file to append to: new (``length`` None), or an interrupted run's, cut to ``length``
    bytes (``Checkpoint.data_length``). For outputs written as plain text, such as an image index."""
    if length is not None:
        with open(path, "r+b") as fh:
            fh.truncate(length)
    with open(path, "a" if length is not None else "w", encoding="utf-8") as fh:
        yield fh


def synced_length(fh: Any, *, others: bool = False) -> int:
    """Flush and sync an open output before a checkpoint counts it; its length in bytes.

    ``others``: files written by other processes count too (the images of an image run, which
    workers write): one ``os.sync`` puts them all on disk.
    """
    fh.flush()
    os.fsync(fh.fileno())
    if others:
        os.sync()
    return os.fstat(fh.fileno()).st_size


def run_fingerprint(run: Any, recipe: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The usual fingerprint of a ``runtime.run.Run``: its resolved recipe, the stamps of the
    inputs it opened, seed, ``--limit``, ``on_error`` and mlp version, plus what ``more`` adds
    (the stamps of an image set, the output format).

    Where the work runs (``workers``, ``engine``, ``ray``) never changes the output, so it may
    change between a run and its resume.
    """
    return {
        "recipe": recipe_hash({k: v for k, v in recipe.items() if k not in ("workers", "engine", "ray")}),
        "inputs": {str(p): file_stamp(p) for p in run.inputs},
        "seed": run.seed,
        "limit": run.options.limit,
        "on_error": run.on_error,
        "mlp version": __version__,
        **more,
    }


class Checkpoint:
    """The checkpoint of one resumable output. See the module docstring.

    Usage by a runner:
        ckpt = Checkpoint(out, fingerprint, resume=options.resume, note=run.progress.note)
        state = ckpt.state  # None when starting afresh
        seen = ckpt.side("seen")  # an append-only binary side file
        ...after a chunk is written...
        if ckpt.due():
            ckpt.save(items_done, writer.flush(), {"items_out": ...})
    """

    def __init__(
        self,
        out: Path,
        fingerprint: dict[str, Any],
        *,
        resume: bool,
        note: Any,
        every: float | None = None,
    ):
        self.out = Path(out)
        self.folder = partial_dir(self.out)
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
        self.every = every if every is not None else checkpoint_seconds()
        self._last = time.monotonic()
        self._sides: dict[str, BinaryIO] = {}
        self._kept: list[str] = []  # values kept whole with put()
        self.state: dict[str, Any] | None = self._load(note) if resume else None

    # ---- resume -------------------------------------------------------------------------------

    def _load(self, note: Any) -> dict[str, Any] | None:
        path = self.folder / STATE
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            note(f"--resume: no interrupted run of {self.out} to continue; starting from the beginning")
            return None
        except (OSError, ValueError) as exc:
            raise UsageError(f"--resume: {path}: unreadable checkpoint ({exc}); rerun without --resume") from None
        old = saved.get("fingerprint", {})
        changed = sorted(k for k in set(old) | set(self.fingerprint) if old.get(k) != self.fingerprint.get(k))
        if changed:
            raise UsageError(
                f"--resume: {self.out}: the interrupted run had a different {', '.join(changed)}; "
                "its partial output cannot be continued. Rerun without --resume to start again."
            )
        note(f"resuming {self.out} after {saved['items_done']} input items")
        return saved

    @property
    def items_done(self) -> int:
        return self.state["items_done"] if self.state else 0

    @property
    def data_length(self) -> int | None:
        """The output's checkpointed length in bytes, or None when starting afresh."""
        return self.state["files"]["data"] if self.state else None

    def side(self, name: str) -> BinaryIO:
        """An append-only side file (e.g. digests), truncated to its checkpointed length."""
        path = self.folder / f"{name}.side"
        length = self.state["files"].get(name, 0) if self.state else 0
        fh = open(path, "r+b" if path.exists() else "w+b")
        fh.truncate(length)
        fh.seek(length)
        self._sides[name] = fh
        return fh

    def read_side(self, name: str) -> bytes:
        fh = self._sides[name]
        end = fh.tell()
        fh.seek(0)
        data = fh.read(end)
        fh.seek(end)
        return data

    def append_record(self, name: str, value: Any) -> None:
        """Append one record to a side file (pickled: it is this run's own state, read back only
        by a resume of the same run from its own partial folder)."""
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fh = self._sides[name]
        fh.write(len(blob).to_bytes(8, "little") + blob)

    def records(self, name: str) -> list[Any]:
        data = io.BytesIO(self.read_side(name))
        out = []
        while header := data.read(8):
            out.append(pickle.loads(data.read(int.from_bytes(header, "little"))))  # noqa: S301 (own state)
        return out

    def get(self, name: str) -> Any | None:
        """A value an interrupted run kept with ``put`` (and a checkpoint then counted), else None."""
        if not self.state or name not in self.state.get("kept", []):
            return None
        with open(self.folder / f"{name}.kept", "rb") as fh:
            value = pickle.load(fh)  # noqa: S301 (own state)
        if name not in self._kept:
            self._kept.append(name)
        return value

    # ---- save ---------------------------------------------------------------------------------

    def put(self, name: str, value: Any) -> None:
        """Keep a phase's result whole (pickled, synced) for a resume; the next ``save`` counts it."""
        path = self.folder / f"{name}.kept"
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        if name not in self._kept:
            self._kept.append(name)

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every

    def save(self, items_done: int, data_length: int, state: dict[str, Any]) -> None:
        """Record that ``items_done`` items are complete: the data (already flushed to
        ``data_length`` bytes by the caller) and side files are synced first."""
        files = {"data": data_length}
        for name, fh in self._sides.items():
            fh.flush()
            os.fsync(fh.fileno())
            files[name] = fh.tell()
        saved = {"fingerprint": self.fingerprint, "items_done": items_done, "files": files, "state": state}
        if self._kept:
            saved["kept"] = list(self._kept)
        write_text_atomic(self.folder / STATE, json.dumps(saved, sort_keys=True, default=str))
        self._last = time.monotonic()

    def close(self) -> None:
        for fh in self._sides.values():
            fh.close()
        self._sides.clear()
