"""Resume: continue the partial output an interrupted run left, to the bytes of one whole run.

A resumable runner writes its output into the partial folder (``io.atomic``) and, between chunks
and at most once a second, a checkpoint there: how many input items are done, how long the output
and the runner's append-only side files are (de-duplication digests, generator statistics), and
its counts. Data is flushed to disk before the checkpoint that counts it, so a checkpoint never
claims more than is on disk; what was written after the last checkpoint is cut off on resume.

``--resume`` truncates every file to its checkpointed length, restores the counts and skips the
items done: nothing is lost or written twice, and since every item's randomness comes from its
own key (``runtime.seeding``), the items after the checkpoint come out as they would have.

A checkpoint records the run's fingerprint (recipe, inputs, seed, limit, output format, mlp
version). A resume whose fingerprint differs is refused, naming what changed.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any, BinaryIO

from mlp_cli.errors import UsageError
from mlp_cli.io.atomic import partial_dir, write_text_atomic

STATE = "checkpoint.json"


def file_stamp(path: Path) -> dict[str, int]:
    """What identifies an input's content cheaply: size and modification time (not a checksum:
    hashing a 100 GB input before resuming would cost more than the resume saves)."""
    st = Path(path).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


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
        every: float = 1.0,
    ):
        self.out = Path(out)
        self.folder = partial_dir(self.out)
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
        self.every = every
        self._last = time.monotonic()
        self._sides: dict[str, BinaryIO] = {}
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

    # ---- save ---------------------------------------------------------------------------------

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
        write_text_atomic(self.folder / STATE, json.dumps(saved, sort_keys=True, default=str))
        self._last = time.monotonic()

    def close(self) -> None:
        for fh in self._sides.values():
            fh.close()
        self._sides.clear()
