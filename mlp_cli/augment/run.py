"""Run an ``augment`` recipe over rows: read, augment in parallel, write in order, report.

Input rows (and/or generated rows) are streamed in chunks to worker processes. Each copy of each
item gets its own generator, derived from (seed, item, copy), so output bytes do not depend on
``--workers``. Workers serialise their rows; the parent only counts, de-duplicates and writes.
Image inputs go to ``augment.image_run`` with the same options, manifest and report.
"""

from __future__ import annotations

import itertools
import random
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli import __version__
from mlp_cli.augment.image.run import run_image_augment
from mlp_cli.augment.recipe import AugmentRecipe
from mlp_cli.augment.registry import AUGMENTERS, GENERATORS, RunContext, load_builtins
from mlp_cli.errors import BadItem, MlpError, UsageError
from mlp_cli.io.manifest import RunReport, recipe_hash
from mlp_cli.io.parts import Written, arrived, write_part
from mlp_cli.io.rows import (
    Row,
    RowLines,
    RowWriter,
    ShardedWriter,
    count_hint,
    detect_format,
    detect_output_format,
    iter_rows,
    row_digest,
    shard_format,
)
from mlp_cli.recipe.loader import LoadedRecipe, load_recipe
from mlp_cli.runtime.executor import Task
from mlp_cli.runtime.options import NullProgress, Progress, RunOptions
from mlp_cli.runtime.resume import Checkpoint, file_stamp
from mlp_cli.runtime.run import Run
from mlp_cli.runtime.seeding import derive_seed, item_random


class AugmentFailure(MlpError):
    """An augmenter raised on a row: a bug or an unsupported value, reported with the row."""


# A row to generate: (position of the generator in the recipe's generate list, its index there).
# A plain tuple: millions of them stream through the executor, and tuples cost least to make.
GeneratedItem = tuple[int, int]


@dataclass
class Job:
    """Everything a worker needs; inherited by forked workers, built once."""

    steps: list[tuple[Any, float]]  # (augmenter instance, p)
    generators: list[Any]
    seed: int
    copies: int
    keep_original: bool
    dedupe: bool
    provenance_field: str
    id_field: str | None
    jsonl: bool
    collect: bool
    pieces: str | None = None  # where workers write their JSONL chunks (``io.parts``), if they do


@dataclass(slots=True)
class ChunkResult:
    """What a worker sends back for a chunk: its output already serialised, in item order.

    The parent only de-duplicates (by digest) and writes ``lines`` at once, so its per-row cost
    stays small next to the workers' (issue 10's per-row overhead goal).
    """

    lines: list[Any]  # JSONL lines, or row dicts for the other formats; empty when written as a piece
    digests: list[bytes] | None  # one per row, when the recipe de-duplicates
    bad: list[BadItem]
    partials: list[Any]  # per generator
    piece: Written | None = None  # the chunk's JSONL rows, as the worker wrote them
    rows: int = 0  # how many rows the piece holds


_JOB: Job | None = None


def _init(job: Job) -> None:
    global _JOB
    _JOB = job
    for aug, _p in job.steps:
        aug.setup()
    for gen in job.generators:
        gen.setup()


def _augment(job: Job, data: dict[str, Any], rng: Any, location: str) -> tuple[dict[str, Any], list[dict]]:
    applied = []
    for step, (aug, p) in enumerate(job.steps):
        if p < 1.0 and rng.random() >= p:
            continue
        try:
            sampled = aug.sample(data, rng)
            data = aug.apply(data, sampled)
        except BadItem as exc:
            raise exc.at("", context=f"steps[{step}] ({aug.name})") from None
        except Exception as exc:
            raise AugmentFailure(f"{location}: steps[{step}] ({aug.name}) failed: {type(exc).__name__}: {exc}") from exc
        applied.append({"augmenter": aug.name, "params": sampled})
    return data, applied


def _emit(job: Job, data: dict[str, Any], provenance: dict[str, Any], out: ChunkResult, buffer: RowLines | None) -> None:
    if buffer is not None:  # JSONL: serialised the fast way, checked once per chunk
        buffer.add(data, provenance)
        return
    if out.digests is not None:  # duplicates are about content, not provenance
        out.digests.append(row_digest(data))
    row = dict(data)
    row[job.provenance_field] = provenance
    out.lines.append(row)


def _process(chunk: list[Row | BadItem | GeneratedItem]) -> ChunkResult:
    job = _JOB
    assert job is not None
    out = ChunkResult([], [] if job.dedupe else None, [], [])
    buffer = RowLines(job.provenance_field, digests=job.dedupe) if job.jsonl else None
    gen_rows: list[list[dict]] = [[] for _ in job.generators]
    # generated rows are emitted as they come when there are no steps: the hot path of synth runs
    add = buffer.add if buffer is not None and not job.steps else None
    for item in chunk:
        if add is not None and type(item) is tuple:
            g, index = item
            gen = job.generators[g]
            base, gen_prov = gen.generate(index, item_random(job.seed, "generate", g, index, 0))
            if job.collect:
                gen_rows[g].append(base)
            add(base, {"source": {"generator": gen.name, "index": index, **gen_prov}, "copy": 0, "augmenters": []})
            continue
        if isinstance(item, BadItem):
            out.bad.append(item)
            continue
        if type(item) is tuple:
            g, index = item
            gen = job.generators[g]
            key: tuple = ("generate", g, index)
            location = f"generate[{g}] #{index}"
            base, gen_prov = gen.generate(index, item_random(job.seed, *key, 0))
            if job.collect:
                gen_rows[g].append(base)
            source = {"generator": gen.name, "index": index, **gen_prov}
            generated = True
        else:
            index = item.index
            key = (index,)
            location = item.location
            base = item.data
            source = {"index": item.index, "location": item.location}
            if job.id_field is not None and job.id_field in base:
                source["id"] = base[job.id_field]
            generated = False
        # A generated row is the "original": emitted as is, unless steps are there to vary it.
        keep = job.keep_original or (generated and not job.steps)
        copies = job.copies if (job.steps or not generated) else 0
        mark = len(buffer) if buffer is not None else len(out.lines)
        try:
            if keep:
                _emit(job, base, {"source": source, "copy": 0, "augmenters": []}, out, buffer)
            for copy in range(1, copies + 1):
                seed = derive_seed(job.seed, *key, copy)
                data, applied = _augment(job, base, random.Random(seed), location)
                _emit(job, data, {"source": source, "copy": copy, "seed": seed, "augmenters": applied}, out, buffer)
        except BadItem as exc:
            if buffer is not None:  # an item is written whole or not at all
                buffer.truncate(mark)
            else:
                del out.lines[mark:]
                if out.digests is not None:
                    del out.digests[mark:]
            out.bad.append(exc.at(location, index))
    if buffer is not None:
        out.lines, out.digests = buffer.lines(), buffer.digests
        if job.pieces is not None and out.lines:  # written here: the rows never travel to the driver
            out.rows = len(out.lines)
            out.piece = write_part(Path(job.pieces) / f"{uuid.uuid4().hex}.jsonl", "".join(out.lines).encode())
            out.lines = []
    out.partials = [
        gen.collect(rows) if job.collect and rows else None for gen, rows in zip(job.generators, gen_rows, strict=False)
    ]
    return out


def augment(
    recipe: str | Path | AugmentRecipe | dict[str, Any],
    *,
    base_dir: str | Path = ".",
    input: str | Path | None = None,
    out: str | Path | None = None,
    seed: int | None = None,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    on_error: str | None = None,
    shard_rows: int | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Run an augment recipe from Python: a file, or a recipe built in code; the same run as ``mlp augment``.

    Example:
        >>> recipe = {"version": 1, "input": {"path": "rows.jsonl"}, "copies": 3,
        ...           "steps": [{"augmenter": "sentence-shuffle"}]}
        >>> report = augment(recipe, out="out.jsonl")  # doctest: +SKIP

    Args:
        recipe: a recipe file, an ``AugmentRecipe``, or a mapping with the recipe's keys.
        base_dir: what relative paths of a recipe built in code are relative to.
        input, out, seed, workers, limit, overwrite, dry_run, on_error, shard_rows: as the command's options.
        progress: where progress goes (nothing by default).

    Returns:
        The run report (also written as the manifest beside the output).
    """
    if isinstance(recipe, (str, Path)):
        loaded = load_recipe(recipe, kind="augment")
    else:
        loaded = LoadedRecipe.from_model(
            recipe if isinstance(recipe, AugmentRecipe) else {"kind": "augment", **recipe}, base_dir
        )

    def absolute(path: str | Path | None) -> Path | None:
        return None if path is None else Path(path).expanduser().absolute()

    options = RunOptions(
        absolute(input), absolute(out), seed, workers, limit, overwrite, dry_run, on_error, shard_rows=shard_rows
    )
    return run_augment(loaded, options, progress)


def run_augment(
    loaded: LoadedRecipe,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
) -> RunReport:
    """Run an augment recipe (rows or images) and return its report (also written as manifest)."""
    recipe: AugmentRecipe = loaded.model
    progress = progress or NullProgress()
    if recipe.transforms or (recipe.input is not None and _is_image_input(loaded, options)):
        if _shard_rows(recipe, options):
            where = (
                "--shard-rows" if options.shard_rows else f"{loaded.where(('output', 'shard_rows'))}: output.shard_rows"
            )
            raise UsageError(f"{where}: an image run writes one file per image already; remove it")
        return run_image_augment(loaded, options, progress)
    return _run_rows(loaded, recipe, options, progress)


def _is_image_input(loaded: LoadedRecipe, options: RunOptions) -> bool:
    recipe: AugmentRecipe = loaded.model
    assert recipe.input is not None
    if recipe.input.format == "images":
        return True
    path = options.input or loaded.resolve(recipe.input.path)
    return path is not None and Path(path).is_dir()


def _shard_rows(recipe: AugmentRecipe, options: RunOptions) -> int | None:
    """Rows per output shard: ``--shard-rows`` (0: one file), else the recipe's; None for one file."""
    if options.shard_rows is not None:
        return options.shard_rows or None
    return recipe.output.shard_rows if recipe.output else None


def _fingerprint(
    loaded: LoadedRecipe, recipe: AugmentRecipe, run: Run, options: RunOptions, out_format: str
) -> dict[str, Any]:
    """What must not change between an interrupted run and its ``--resume``."""
    named = {}  # files the recipe names besides its input (a generator's corpus, templates)
    for value in _strings(recipe.resolved()):
        try:
            path = loaded.resolve(value) if len(value) < 4096 else None
            if path is not None and Path(path).is_file():
                named[str(path)] = file_stamp(Path(path))
        except (OSError, ValueError):  # not a path
            continue
    return {
        "recipe": recipe_hash(recipe.resolved()),
        "inputs": {str(p): file_stamp(p) for p in run.inputs} | named,
        "seed": run.seed,
        "limit": options.limit,
        "output format": out_format,
        "shard rows": _shard_rows(recipe, options),
        "mlp version": __version__,
    }


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _writer(tmp: Path, out_format: str, shard_rows: int | None, checkpoint: Checkpoint) -> RowWriter | ShardedWriter:
    """The output's writer, continuing what the checkpoint counted on ``--resume``."""
    if not shard_rows:
        return RowWriter(tmp, out_format, append_at=checkpoint.data_length)
    # a checkpoint's data length is the open shard's; the rows written say which shard that is
    state = checkpoint.state
    resume_at = None if state is None else (state["state"]["items_out"], checkpoint.data_length or 0)
    return ShardedWriter(tmp, out_format, shard_rows, resume_at=resume_at)


def _append_piece(writer: RowWriter | ShardedWriter, piece: Written, rows: int, kept: list[int] | None) -> int:
    """Append a worker's piece to the output (only the ``kept`` rows, when given); the rows written."""
    path = arrived(piece)
    data = path.read_bytes()
    path.unlink()
    if kept is None and isinstance(writer, RowWriter):  # the usual case: the bytes as they are
        writer.write_bytes(data, rows)
        return rows
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1  # JSON text has no raw newline
    if len(ends) != rows:
        raise MlpError(f"{path}: a worker's piece has {len(ends)} lines where {rows} were written")
    if kept is not None:
        starts = np.concatenate(([0], ends[:-1]))
        view = memoryview(data)
        data = b"".join([view[starts[i] : ends[i]] for i in kept])
        ends = np.cumsum((ends - starts)[kept])
    if isinstance(writer, ShardedWriter):
        writer.write_bytes(data, ends)
    else:
        writer.write_bytes(data, len(ends))
    return len(ends)


def _run_rows(loaded: LoadedRecipe, recipe: AugmentRecipe, options: RunOptions, progress: Progress) -> RunReport:
    load_builtins()
    run = Run("augment", loaded, options, progress, seed=recipe.seed, workers=recipe.workers, on_error=recipe.on_error)
    out_path = loaded.output_path(options.out)
    shard_rows = _shard_rows(recipe, options)  # --out is then a folder of part-00000.jsonl, ...
    if shard_rows:
        out_format = shard_format(out_path, recipe.output.format if recipe.output else "auto")
    else:
        out_format = detect_output_format(out_path, recipe.output.format if recipe.output else "auto")
    if options.resume and out_format == "parquet":
        raise UsageError(f"--resume: {out_path}: a Parquet file is written whole and cannot be continued; "
                         "rerun without --resume, or write jsonl/csv")
    out = run.output(out_path, folder=bool(shard_rows), resumable=True)
    source = None
    if recipe.input is not None:
        where = loaded.where(("input", "path"))
        input_path = run.input(options.input or loaded.resolve(recipe.input.path), where=where)
        source = recipe.input.row_source(input_path)
        detect_format(input_path, source.format)
    elif options.input is not None:
        if not any(GENERATORS[g.generator].accepts_input for g in recipe.generate):
            raise UsageError("--input: this recipe has no 'input:' section and none of its generators reads a corpus")
        run.input(options.input, what="corpus file")
    context = RunContext(
        recipe_dir=str(loaded.base_dir),
        text_field=recipe.input.text_field if recipe.input else "text",
        label_field=recipe.input.label_field if recipe.input else None,
        id_field=recipe.input.id_field if recipe.input else None,
        seed=run.seed,
        input_override=str(options.input) if (source is None and options.input) else None,
    )
    steps = [(AUGMENTERS[step.augmenter](step.params, context), step.p) for step in recipe.steps]
    generators = [GENERATORS[spec.generator](spec.params, context) for spec in recipe.generate]
    if options.dry_run:
        return run.dry_run(
            {
                "input": str(source.path) if source else None,
                "generate": [{"generator": g.generator, "count": g.count} for g in recipe.generate],
                "steps": [s.augmenter for s in recipe.steps],
                "copies": recipe.copies,
                "keep_original": recipe.keep_original,
                "workers": run.workers,
                "seed": run.seed,
                "output": str(out),
                "shard_rows": shard_rows,
            }
        )
    with run.stage("setup"):
        for aug, _p in steps:
            aug.setup()  # import heavy libraries once, before workers fork and inherit them
        for gen in generators:
            gen.fit()

    job = Job(
        steps=steps,
        generators=generators,
        seed=run.seed,
        copies=recipe.copies,
        keep_original=recipe.keep_original,
        dedupe=recipe.dedupe,
        provenance_field=recipe.output.provenance_field if recipe.output else "_provenance",
        id_field=recipe.input.id_field if recipe.input else None,
        jsonl=out_format == "jsonl",
        collect=bool(generators),
    )

    def items() -> Iterator[Row | BadItem | GeneratedItem]:
        if source is not None:
            yield from iter_rows(source)
        for g, spec in enumerate(recipe.generate):
            yield from zip(itertools.repeat(g), range(spec.count))

    stream: Iterator[Any] = items()
    if options.limit is not None:
        stream = itertools.islice(stream, options.limit)
    total: int | None = sum(g.count for g in recipe.generate)
    if source is not None:
        hint = count_hint(source) if getattr(progress, "enabled", False) else None
        total = None if hint is None else hint + (total or 0)
    if total is not None and options.limit is not None:
        total = min(total, options.limit)
    run.progress.start(total, f"augment → {out.name}")
    report = run.report
    seen: set[bytes] = set()
    duplicates = 0
    partials: list[list[Any]] = [[] for _ in generators]
    # JSONL rows are encoded and written by the workers, one piece per chunk (``io.parts``); the
    # driver only de-duplicates by digest and appends the pieces' bytes in index order, cutting
    # them at shard boundaries: a row's shard is its position in the output, which
    # de-duplication (global over the run, in index order) only fixes here. Other formats (a CSV
    # header or Parquet schema is one writer's) and an in-process run send rows to the driver.
    with (
        run.stage("augment"),
        run.writing(out, _fingerprint(loaded, recipe, run, options, out_format), folder=bool(shard_rows)) as (
            tmp,
            checkpoint,
        ),
        _writer(tmp, out_format, shard_rows, checkpoint) as writer,
    ):
        checkpointed = out_format != "parquet"  # Parquet is written whole: a killed run restarts
        if job.jsonl and run.executor.remote:
            pieces = checkpoint.folder / "pieces"
            shutil.rmtree(pieces, ignore_errors=True)  # a killed run's pieces: redone after its checkpoint
            pieces.mkdir()
            job.pieces = str(pieces)
        task = Task("augment", _process, _init, (job,))
        pieces_by: set[tuple[str, int]] = set()  # the processes that wrote pieces
        piece_count = 0
        seen_file = checkpoint.side("seen")
        checkpoint.side("partials")
        done_before = checkpoint.items_done
        if checkpoint.state is not None:  # --resume: restore what the checkpoint counted
            saved = checkpoint.state["state"]
            report.items_in, report.items_out = saved["items_in"], saved["items_out"]
            report.skipped, report.skipped_examples = saved["skipped"], saved["skipped_examples"]
            duplicates = saved["duplicates"]
            digests = checkpoint.read_side("seen")
            seen = {digests[i : i + 16] for i in range(0, len(digests), 16)}
            for record in checkpoint.records("partials"):
                for g, part in record:
                    partials[g].append(part)
            report.extra["resumed_after_items"] = done_before
            stream = itertools.islice(stream, done_before, None)
            run.progress.advance(done_before)
        items_done = done_before
        for done in run.executor.map(task, stream, start=done_before):
            chunk = done.result
            report.items_in += done.count
            for bad in chunk.bad:
                run.bad(bad)
            kept: list[int] | None = None  # the chunk's rows to write, when not all
            if chunk.digests is not None:
                fresh = set(chunk.digests)
                if len(fresh) == len(chunk.digests) and seen.isdisjoint(fresh):  # the usual case: no duplicate
                    seen |= fresh
                    if checkpointed:
                        seen_file.write(b"".join(chunk.digests))
                else:  # keep first occurrences
                    kept = []
                    for i, digest in enumerate(chunk.digests):
                        if digest in seen:
                            duplicates += 1
                        else:
                            seen.add(digest)
                            kept.append(i)
                            if checkpointed:
                                seen_file.write(digest)
            if chunk.piece is not None:
                report.items_out += _append_piece(writer, chunk.piece, chunk.rows, kept)
                pieces_by.add((chunk.piece.host, chunk.piece.pid))
                piece_count += 1
            else:
                lines = chunk.lines if kept is None else [chunk.lines[i] for i in kept]
                if job.jsonl:
                    writer.write_lines(lines)
                else:
                    for row in lines:
                        writer.write(row)
                report.items_out += len(lines)
            record = [(g, part) for g, part in enumerate(chunk.partials) if part is not None]
            for g, part in record:
                partials[g].append(part)
            items_done += done.count
            run.progress.advance(done.count)
            if checkpointed:
                if record:
                    checkpoint.append_record("partials", record)
                if checkpoint.due():
                    checkpoint.save(
                        items_done,
                        writer.flush(),
                        {
                            "items_in": report.items_in,
                            "items_out": report.items_out,
                            "skipped": report.skipped,
                            "skipped_examples": report.skipped_examples,
                            "duplicates": duplicates,
                        },
                    )
    report.extra["duplicates_removed"] = duplicates
    if job.pieces is not None:  # where the rows were encoded and written
        where = {"where": "workers", "pieces": piece_count, "processes": len(pieces_by)}
        where["nodes"] = len({host for host, _pid in pieces_by})
    else:
        where = {"where": "driver"}
    report.extra["where"] = {"write": where}
    if isinstance(writer, ShardedWriter):
        report.extra["shards"] = writer.shards
    if generators:
        figures = {}
        for g, gen in enumerate(generators):
            figures[f"{gen.name}#{g}" if len(generators) > 1 else gen.name] = gen.summary(partials[g])
        report.extra["generators"] = figures
        # one flat key that scripts can read without knowing generator names
        for fig in figures.values():
            if isinstance(fig, dict) and "fidelity" in fig:
                report.extra.setdefault("fidelity", {}).update(fig["fidelity"])
    return run.finish(recipe=recipe.resolved())
