"""Write the planned stages in parallel: one executor task per part of an output file.

The driver keeps the plan as numbers (``stages.StagePlan``: row ids in output order) and cuts the
output into parts: each stage file of the ``shards`` layout, or the one file of ``single``, in
runs of at most ``PART_ROWS`` rows (a Parquet file stays one part: its schema and footer are one
writer's). A part's descriptor carries only numbers for its rows: input, byte offset, length,
line, tag, difficulty. A task, wherever the run's executor puts it (in-process, a local worker,
a Ray worker), reads those rows back with ``os.pread`` from the inputs (or their JSONL spools),
writes them with their provenance into ``parts/`` of the output's partial folder, and returns the
part's name and size. The driver takes the parts in order as they finish: a file of one part is
renamed into place, a file of several gets them appended, so the bytes are those of one writer
going through the rows in order, whatever ran where.

Why parts are put together by the driver and not written at their final offsets: a row's output
length (its provenance, its CSV quoting) is only known once it is formatted, so no part knows
where it starts before the parts ahead of it are written. Appending is a plain copy, and runs
while later parts are still being written.

``--resume``: the checkpoint counts the parts in place (a prefix, in part order) and how long
the file being appended to is; a resumed run keeps those and writes only the rest.

On a cluster the tasks open the inputs and the partial folder at the paths the driver sees, so
both must be on storage every node mounts at the same path; a task that cannot see them fails
with a message naming the node (``io.parts``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from mlp_cli.curriculum.stages import StagePlan
from mlp_cli.errors import MlpError
from mlp_cli.io.parts import Written, arrived, unseen
from mlp_cli.io.rows import RowWriter
from mlp_cli.runtime.executor import Executor, Task
from mlp_cli.runtime.options import Progress
from mlp_cli.runtime.resume import Checkpoint, synced_length

# Rows per part: ~0.5 s of formatting each on one core, big enough that a task's start-up
# (a few ms on Ray) is noise, small enough that a stage of a million rows keeps every worker busy.
# Parts depend only on the plan, never on the workers, so a resume may change --workers.
PART_ROWS = 1 << 16
WRITE_BATCH = 16384  # JSONL lines joined per write
SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv", "parquet": ".parquet"}


@dataclass(frozen=True)
class WriteJob:
    """What every write task of a run shares (its executor ``setup``): formats, names, paths."""

    fmt: str
    single: bool  # rows carry stage and order columns
    read_paths: tuple[str, ...]  # each input, or its JSONL spool
    read_sizes: tuple[int, ...]  # their sizes where the run started: a node seeing others fails
    prefixes: tuple[str, ...]  # each input's location prefix ("data.jsonl:")
    tag_names: tuple[str, ...]
    phase_names: tuple[str, ...]
    stage_phase: tuple[int, ...]  # phase of each stage
    columns: tuple[str, ...]  # every field of the inputs (CSV header, Parquet schema)
    provenance_field: str
    stage_field: str
    order_field: str
    parts_dir: str


@dataclass(frozen=True)
class RowTable:
    """Per-row numbers of the scan, indexed by row id (views of the scan's arrays, not copies)."""

    input_no: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    linenos: np.ndarray
    tags: np.ndarray
    difficulty: np.ndarray

    def take(self, rows: np.ndarray) -> RowTable:
        """The numbers of ``rows`` only, in that order (copies: they travel with a task)."""
        return RowTable(*(getattr(self, f.name)[rows] for f in dataclasses.fields(self)))


@dataclass(frozen=True)
class Part:
    """One task's work: rows ``begin``..``end`` of the output order, all in one output file."""

    number: int
    header: bool  # the part starts its file (a CSV/TSV header is its to keep)
    begin: int  # the order of its first row
    segments: tuple[tuple[int, int], ...]  # (stage, rows), in order
    rows: RowTable  # the numbers of its rows, in output order


@dataclass(frozen=True)
class PartWritten:
    number: int
    skip: int  # leading bytes to leave out when appended: the CSV/TSV header a later part repeats
    part: Written


@dataclass(frozen=True)
class Span:
    file: int
    begin: int
    end: int


def plan_parts(plan: StagePlan, single: bool, fmt: str, part_rows: int) -> list[Span]:
    """Every part of the output, in order: each file (a stage, or the single file) cut into runs
    of at most ``part_rows`` rows; an empty stage is one empty part (its file is still written)."""
    limit = len(plan.rows) + 1 if fmt == "parquet" else max(1, part_rows)
    files = (
        [(0, 0, len(plan.rows))]
        if single
        else [(s, int(plan.starts[s]), int(plan.starts[s + 1])) for s in range(plan.stages)]
    )
    spans = []
    for file, begin, end in files:
        spans.append(Span(file, begin, min(end, begin + limit)))
        spans.extend(Span(file, b, min(end, b + limit)) for b in range(begin + limit, end, limit))
    return spans


def write_stages(
    executor: Executor,
    job: WriteJob,
    table: RowTable,
    plan: StagePlan,
    targets: list[Path],
    checkpoint: Checkpoint,
    items_done: int,
    progress: Progress,
) -> dict[str, Any]:
    """Write every output file (``targets``: each stage's, or the single one) through ``executor``.

    Returns the figures of the write: parts, parts kept from an interrupted run, tasks, and
    where the parts were written.
    """
    spans = plan_parts(plan, job.single, job.fmt, PART_ROWS)
    first: dict[int, int] = {}  # file -> its first part, and its last
    last: dict[int, int] = {}
    for i, span in enumerate(spans):
        first.setdefault(span.file, i)
        last[span.file] = i
    digest = _digest(plan, spans)
    start, open_length = _kept(checkpoint, digest, progress)
    Path(job.parts_dir).mkdir(exist_ok=True)
    progress.advance(spans[start].begin if start < len(spans) else len(plan.rows))

    def parts() -> Iterator[Part]:
        for i in range(start, len(spans)):
            span = spans[i]
            rows = plan.rows[span.begin : span.end]
            yield Part(
                number=i,
                header=first[span.file] == i,
                begin=span.begin,
                segments=_segments(plan, span, job.single),
                rows=table.take(rows),
            )

    task = Task("curriculum-write", _write_parts, setup=init_write, setup_args=(job,), chunk=1)
    here = (socket.gethostname(), os.getpid())
    writers: set[tuple[str, int]] = set()
    in_driver = tasks = 0
    seconds = 0.0
    appending: BinaryIO | None = None
    done_parts = start
    if start < len(spans) and first[spans[start].file] != start:  # resumed inside a file of parts
        appending = open(targets[spans[start].file], "r+b")
        appending.truncate(open_length)
        appending.seek(open_length)
    try:
        for done in executor.map(task, parts(), start=start):
            tasks += 1
            seconds += done.seconds
            for written in done.result:
                span = spans[written.number]
                part = _arrived(written)
                target = targets[span.file]
                if first[span.file] == last[span.file]:
                    os.replace(part, target)
                else:
                    if first[span.file] == written.number:
                        appending = open(target, "wb")
                    assert appending is not None
                    with open(part, "rb") as fh:
                        fh.seek(written.skip)
                        shutil.copyfileobj(fh, appending, 1 << 20)
                    part.unlink()
                    if last[span.file] == written.number:
                        appending.close()
                        appending = None
                writers.add((written.part.host, written.part.pid))
                in_driver += (written.part.host, written.part.pid) == here
                done_parts = written.number + 1
                progress.advance(span.end - span.begin)
                if checkpoint.due():
                    # one sync puts the parts the tasks wrote on disk too (as an image run's images)
                    length = synced_length(appending, others=True) if appending is not None else 0
                    if appending is None:
                        os.sync()
                    state = {"parts": done_parts, "open_length": length, "plan": digest}
                    checkpoint.save(items_done, 0, {"write": state})
    finally:
        if appending is not None:
            appending.close()
    return {
        "parts": len(spans),
        "kept": start,
        "tasks": tasks,
        "processes": len(writers),
        "parts_in_driver": in_driver,
        "task_seconds": round(seconds, 3),
    }


def _segments(plan: StagePlan, span: Span, single: bool) -> tuple[tuple[int, int], ...]:
    """The stages a span crosses, with its rows in each: a part of the single file may cross
    stages (empty ones are left out); a stage file's part is in its stage."""
    if not single:
        return ((span.file, span.end - span.begin),)
    out = []
    s = max(0, int(np.searchsorted(plan.starts, span.begin, side="right")) - 1)
    while s < plan.stages and plan.starts[s] < span.end:
        count = min(span.end, int(plan.starts[s + 1])) - max(span.begin, int(plan.starts[s]))
        if count > 0:
            out.append((s, count))
        s += 1
    return tuple(out)


def _digest(plan: StagePlan, spans: list[Span]) -> str:
    """What the parts hold: a resume keeps the parts an interrupted run wrote only for the same plan."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(plan.rows, dtype=np.int64).tobytes())
    h.update(json.dumps([(s.file, s.begin, s.end) for s in spans]).encode())
    return h.hexdigest()


def _kept(checkpoint: Checkpoint, digest: str, progress: Progress) -> tuple[int, int]:
    """(parts an interrupted run put in place, length of the file it was appending to)."""
    saved = ((checkpoint.state or {}).get("state") or {}).get("write")
    if not saved:
        return 0, 0
    if saved.get("plan") != digest:
        progress.note("--resume: the stages differ from the interrupted run's; writing every stage again")
        return 0, 0
    return int(saved["parts"]), int(saved["open_length"])


def _arrived(written: PartWritten) -> Path:
    """The part a task wrote, as the driver sees it (``io.parts.arrived``)."""
    return arrived(written.part)


# ---------------------------------------------------------------------------------------------
# The task (runs wherever the executor puts it)

_JOB: WriteJob | None = None


def init_write(job: WriteJob) -> None:
    """Executor setup: keep the run's write job in this process."""
    global _JOB
    _JOB = job


def _write_parts(parts: list[Part]) -> list[PartWritten]:
    assert _JOB is not None, "init_write first"
    return [_write_part(_JOB, part) for part in parts]


def _write_part(job: WriteJob, part: Part) -> PartWritten:
    path = Path(job.parts_dir) / f"{part.number:06d}{SUFFIX[job.fmt]}"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a retried task never meets a half part
    with ExitStack() as stack:
        fds = []
        for read_path, expected in zip(job.read_paths, job.read_sizes, strict=True):
            try:
                fd = stack.enter_context(open(read_path, "rb")).fileno()
            except FileNotFoundError:
                raise unseen(read_path, "input not found", "it reads the rows back by byte offset") from None
            size = os.fstat(fd).st_size
            if size != expected:
                raise unseen(read_path, f"input is {size} bytes", f"{expected} bytes where the run started")
            fds.append(fd)
        try:
            skip = _jsonl_part(job, part, fds, tmp) if job.fmt == "jsonl" else _rows_part(job, part, fds, tmp)
        except FileNotFoundError:
            raise unseen(
                job.parts_dir, "no such folder", "it writes its part into the output's partial folder"
            ) from None
    os.replace(tmp, path)
    return PartWritten(part.number, skip, Written(str(path), path.stat().st_size, socket.gethostname(), os.getpid()))


def _jsonl_part(job: WriteJob, part: Part, fds: list[int], path: Path) -> int:
    # The row's own bytes are kept; only the provenance is appended before the closing brace.
    def literal(value: str) -> bytes:  # JSON text, escaped for the %-template below
        return json.dumps(value, ensure_ascii=False).encode().replace(b"%", b"%%")

    tag_bytes = [json.dumps(t, ensure_ascii=False).encode() for t in job.tag_names]
    prefixes = [json.dumps(p, ensure_ascii=False).encode()[:-1] for p in job.prefixes]
    order_key = literal(job.order_field) + b":"
    columns = zip(
        part.rows.input_no.tolist(),
        part.rows.offsets.tolist(),
        part.rows.lengths.tolist(),
        part.rows.linenos.tolist(),
        part.rows.tags.tolist(),
        np.round(part.rows.difficulty, 6).tolist(),
        strict=True,
    )
    single, pread, order = job.single, os.pread, part.begin
    with open(path, "wb") as fh:
        for s, count in part.segments:
            head = (
                literal(job.provenance_field)
                + b':{"phase":'
                + literal(job.phase_names[job.stage_phase[s]])
                + b',"tag":'
            )
            stage_key = literal(job.stage_field) + b":%d," % s
            line = b"%s%s" + (stage_key + order_key + b"%d," if single else b"") + head
            line += b'%s,"stage":' + b"%d" % s + b',"order":%d,"difficulty":%r,"source":%s%d"}}\n'
            buffer = []
            for i, offset, length, lineno, tag, difficulty in itertools.islice(columns, count):
                body = pread(fds[i], length, offset).rstrip()[:-1].rstrip()
                sep = b"" if body.endswith(b"{") else b","
                if single:
                    buffer.append(line % (body, sep, order, tag_bytes[tag], order, difficulty, prefixes[i], lineno))
                else:
                    buffer.append(line % (body, sep, tag_bytes[tag], order, difficulty, prefixes[i], lineno))
                order += 1
                if len(buffer) >= WRITE_BATCH:
                    fh.write(b"".join(buffer))
                    buffer = []
            fh.write(b"".join(buffer))
    return 0


def _rows_part(job: WriteJob, part: Part, fds: list[int], path: Path) -> int:
    """CSV, TSV or Parquet through the one ``RowWriter``; returns the header bytes to skip."""
    blank = dict.fromkeys(job.columns)
    order = part.begin
    k = 0
    try:
        with RowWriter(path, job.fmt) as writer:
            for s, count in part.segments:
                phase = job.phase_names[job.stage_phase[s]]
                for _ in range(count):
                    i = int(part.rows.input_no[k])
                    raw = os.pread(fds[i], int(part.rows.lengths[k]), int(part.rows.offsets[k]))
                    values = {**blank, **json.loads(raw)}  # every row has every column (CSV header, Parquet schema)
                    if job.single:
                        values[job.stage_field] = s
                        values[job.order_field] = order
                    values[job.provenance_field] = {
                        "phase": phase,
                        "tag": job.tag_names[int(part.rows.tags[k])],
                        "stage": s,
                        "order": order,
                        "difficulty": round(float(part.rows.difficulty[k]), 6),
                        "source": f"{job.prefixes[i]}{int(part.rows.linenos[k])}",
                    }
                    writer.write(values)
                    order += 1
                    k += 1
    except (MlpError, FileNotFoundError):
        raise
    except Exception as exc:  # pyarrow: a column whose type changes between rows
        raise MlpError(
            f"cannot write {job.fmt}: {type(exc).__name__}: {exc}; write jsonl instead (format: jsonl)"
        ) from exc
    if part.header or job.fmt == "parquet" or k == 0:
        return 0
    with open(path, "rb") as fh:
        # RowWriter starts every new CSV/TSV file with its header; a part after its file's first
        # is appended without it. Every row has the same fields, so the header is the same.
        header = _csv_header(
            job, [*blank, *((job.stage_field, job.order_field) if job.single else ()), job.provenance_field]
        )
        if fh.read(len(header)) != header:
            raise MlpError(f"{path}: a {job.fmt} part does not start with the header of its file")
        return len(header)


def _csv_header(job: WriteJob, fields: list[str]) -> bytes:
    """The header line ``RowWriter`` writes for ``fields`` (its dialect: delimiter, ``\\n``)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t" if job.fmt == "tsv" else ",", lineterminator="\n").writerow(fields)
    return buffer.getvalue().encode("utf-8")
