"""Run a curriculum recipe: score every row, order rows into staged phases, write ordered shards.

The input is streamed twice and never held as dicts. Scoring parses each row (in executor tasks
when it tokenises text: worker processes, or Ray tasks on ``--engine ray``) and keeps only
numbers in numpy arrays: where the row is (input, byte offset, length, line), its phase tag and
its raw scores. A ``token-rarity`` scorer also keeps each row's tokens as integer ids, scored
once the scan is done. Ordering (percentiles, mixes, pacing, the sort into stages) works on
those arrays in the driver. Writing goes through the run's executor too (``curriculum.write``):
each task reads its part of the output order back with ``os.pread`` and appends the provenance
to the original bytes (JSONL) or re-encodes the rows (CSV, TSV, Parquet); the driver puts the
parts in place in order. Inputs that are not plain JSONL are first spooled to a JSONL file in the
output's partial folder so that every row can be read back by offset.

``--resume`` (``runtime.resume``): the scoring pass is checkpointed, its chunk results kept as
side records in the partial folder (where the spooled inputs live too), so a resumed run scores
only the chunks the interrupted one had not; ordering is done again (numbers only, cheap), and
the parts already in place are kept: only the rest are written.

Library use::

    from mlp_cli.curriculum import build_curriculum
    report = build_curriculum("recipes/curriculum-cloudflare.yaml", out="out/cur", seed=2)
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.curriculum.recipe import CurriculumInput, CurriculumRecipe
from mlp_cli.curriculum.scoring import (
    InputPlan,
    ScanJob,
    ScanResult,
    Stats,
    Vocabulary,
    combine,
    fill_missing,
    init_job,
    load_score_file,
    scan_chunk,
)
from mlp_cli.curriculum.stages import StagePlan, build_stages, item_keys
from mlp_cli.curriculum.write import SUFFIX, RowTable, WriteJob, write_stages
from mlp_cli.errors import BadItem, InputDataError, UsageError, require
from mlp_cli.io.atomic import atomic_file, partial_dir
from mlp_cli.io.manifest import RunReport, manifest_path_for
from mlp_cli.io.rows import (
    compression_of,
    detect_format,
    detect_output_format,
    dumps_row,
    iter_rows,
)
from mlp_cli.recipe.loader import LoadedRecipe, load_recipe
from mlp_cli.runtime.executor import Executor, LocalExecutor, Task
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.ray_engine import on_cluster
from mlp_cli.runtime.resume import Checkpoint, run_fingerprint
from mlp_cli.runtime.run import Run

CHUNK_LINES = 8192
# Below this much input, starting worker processes costs more than scoring in-process saves.
PARALLEL_MIN_BYTES = 32 << 20
CHART_NAME = "difficulty.png"


@dataclass(frozen=True)
class CurriculumOverrides:
    """Command-line flags that override the recipe's schedule and output (``None`` keeps the recipe's)."""

    order: str | None = None
    layout: str | None = None
    format: str | None = None
    chart: bool | None = None


def build_curriculum(
    recipe: str | Path | dict[str, Any] | CurriculumRecipe,
    out: str | Path | None = None,
    *,
    seed: int | None = None,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    order: str | None = None,
    base_dir: str | Path = ".",
    progress: Progress | None = None,
) -> RunReport:
    """Build a curriculum from a recipe file, a recipe dict or a ``CurriculumRecipe``.

    Args:
        recipe: the recipe; paths inside a dict or model are relative to ``base_dir``.
        out: output folder (shards) or file (single layout); default: the recipe's output.path.
        seed: overrides the recipe's seed.
        workers: worker processes for scoring (default: the recipe's, or all cores).
        limit: only the first N input rows.
        overwrite: replace an existing output.
        order: ``curriculum``, ``anti`` or ``random`` (overrides schedule.order).
        base_dir: folder that relative paths of a dict or model recipe are resolved against.
        progress: where to report progress (default: nowhere).

    Returns:
        The run's report (also written as the manifest).

    Raises:
        RecipeError, InputDataError, UsageError: the recipe, data or options are invalid.
    """
    if isinstance(recipe, (str, Path)):
        loaded = load_recipe(recipe, kind="curriculum")
    else:
        loaded = LoadedRecipe.from_model(
            recipe if isinstance(recipe, CurriculumRecipe) else {"kind": "curriculum", **recipe}, base_dir
        )
    options = RunOptions(
        out=Path(out).absolute() if out is not None else None,
        seed=seed,
        workers=workers,
        limit=limit,
        overwrite=overwrite,
    )
    return run_curriculum(loaded, options, progress, CurriculumOverrides(order=order))


def run_curriculum(
    loaded: LoadedRecipe,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
    overrides: CurriculumOverrides = CurriculumOverrides(),
) -> RunReport:
    """Run a loaded curriculum recipe and return its report (also written as the manifest)."""
    recipe = _with_overrides(loaded.model, overrides)
    run = Run(
        "curriculum", loaded, options, progress, seed=recipe.seed, workers=recipe.workers, on_error=recipe.on_error
    )
    inputs = _input_paths(loaded, recipe, options, run)
    score_paths = _score_paths(loaded, recipe, run)
    out = run.output(_output_path(loaded, recipe, options), folder=recipe.output.layout == "shards", resumable=True)
    if sum(path.stat().st_size for path, _ in inputs) < PARALLEL_MIN_BYTES:
        run.fewer_workers(1)  # starting worker processes would cost more than they save
    # Scoring that reads a number or joins an id stays in-process on the local engine (_cpu_heavy);
    # writing formats every row and each task reads its own rows, so it always uses the run's workers.
    scorer = run.executor if _cpu_heavy(recipe) or run.executor.engine != "local" else LocalExecutor(1)
    out_format = _output_format(recipe, out, inputs)
    phases = recipe.phases()
    if options.dry_run:
        return run.dry_run(
            {
                "inputs": [
                    {"path": str(p), "format": fmt, "tags": spec.tags()}
                    for (p, fmt), spec in zip(inputs, recipe.inputs, strict=True)
                ],
                "difficulty": [s.model_dump(exclude_defaults=True) for s in recipe.difficulty],
                "order": recipe.schedule.order,
                "phases": [
                    {
                        "name": ph.name,
                        "mix": ph.shares(),
                        "stages": ph.stages or recipe.schedule.stages,
                        "pacing": (ph.pacing or recipe.schedule.pacing).function,
                        "replay": ph.replay,
                    }
                    for ph in phases
                ],
                "layout": recipe.output.layout,
                "format": out_format,
                "output": str(out),
                "seed": run.seed,
                "workers": scorer.workers,
                "write_workers": run.workers,
            }
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    single = recipe.output.layout == "single"
    fingerprint = run_fingerprint(run, recipe.model_dump(mode="json"), **{"output format": out_format})
    # on Ray, scoring and writing share one Ray: a private one would otherwise start for each
    with on_cluster(run.executor), run.writing(out, fingerprint, folder=not single) as (tmp, checkpoint):
        spool_dir = partial_dir(out) / "spool"  # inputs copied to JSONL; removed with the partial folder
        spool_dir.mkdir(exist_ok=True)
        with run.stage("score"):
            tables = [
                load_score_file(spec, score_paths[i]) if spec.scorer == "file" else None
                for i, spec in enumerate(recipe.difficulty)
            ]
            data = _scan(recipe, inputs, tables, spool_dir, options.limit, out_format, run, scorer, checkpoint)
        with run.stage("order"):  # numbers only, in the driver (see docs/curriculum.md, "How it scales")
            difficulty = _difficulty(recipe, data, run.report)
            keep = np.flatnonzero(~data.dropped)
            plan = _plan(recipe, data, difficulty, keep, run.seed)
            for note in plan.notes:
                run.progress.note(note)
            stage_stats = [Stats.of(difficulty[plan.stage(s)]) for s in range(plan.stages)]
        with run.stage("write"):
            files = _write(recipe, data, difficulty, plan, out, tmp, out_format, stage_stats, run, checkpoint)
    if single and recipe.output.chart and _can_chart(recipe, run.progress):
        with run.stage("write"):
            files.chart = out.with_name(f"{out.stem}.{CHART_NAME}")
            with atomic_file(files.chart, overwrite=True) as tmp_chart:
                _chart(tmp_chart, recipe, plan, stage_stats)
    report = run.report
    report.items_out = int(len(plan.rows))
    report.outputs = [str(out)] + ([str(files.chart)] if files.chart and recipe.output.layout == "single" else [])
    _figures(report, recipe, data, difficulty, plan, stage_stats, files, phases, scorer, run.executor)
    empty = [s for s in range(plan.stages) if plan.starts[s + 1] == plan.starts[s]]
    if empty:
        run.progress.note(
            f"{len(empty)} stage(s) are empty ({', '.join(map(str, empty[:10]))}): the pacing adds no rows there; "
            "fewer stages, another pacing or replay: true fill them"
        )
    return run.finish(
        recipe=recipe.model_dump(mode="json"),
        manifest=manifest_path_for(out) if recipe.output.layout == "single" else out / "manifest.json",
    )


# ---------------------------------------------------------------------------------------------
# Options and paths


def _cpu_heavy(recipe: CurriculumRecipe) -> bool:
    """Whether scoring tokenises text: only then do workers pay for shipping lines to them.

    Reading a numeric field or joining an id costs less than pickling the line to a worker
    and the result back (measured: no gain from two workers on a million rows), so those run
    in-process whatever ``--workers`` says; the output is the same either way.
    """
    return any(s.scorer == "token-rarity" or (s.scorer == "length" and s.unit == "tokens") for s in recipe.difficulty)


def _with_overrides(recipe: CurriculumRecipe, overrides: CurriculumOverrides) -> CurriculumRecipe:
    schedule = recipe.schedule
    if overrides.order is not None:
        if overrides.order not in ("curriculum", "anti", "random"):
            raise UsageError(f"unknown order {overrides.order!r}; accepted: curriculum, anti, random")
        schedule = schedule.model_copy(update={"order": overrides.order})
    output = recipe.output
    update = {
        k: v
        for k, v in (("layout", overrides.layout), ("format", overrides.format), ("chart", overrides.chart))
        if v is not None
    }
    if update:
        output = output.model_copy(update=update)
    return recipe.model_copy(update={"schedule": schedule, "output": output})


def _output_path(loaded: LoadedRecipe, recipe: CurriculumRecipe, options: RunOptions) -> Path:
    if options.out is not None:
        return Path(options.out)
    if recipe.output.path is None:
        raise UsageError(f"{loaded.path}: no output path: add 'output: {{path: ...}}' to the recipe or pass --out")
    resolved = loaded.resolve(recipe.output.path)
    assert resolved is not None
    return resolved


def _input_paths(
    loaded: LoadedRecipe, recipe: CurriculumRecipe, options: RunOptions, run: Run
) -> list[tuple[Path, str]]:
    """(path, format) of every input; ``--input`` replaces the path of a recipe's only input."""
    if options.input is not None and len(recipe.inputs) != 1:
        raise UsageError(
            f"--input replaces the path of a recipe's only input, but {loaded.path} has {len(recipe.inputs)} inputs; "
            "edit their paths in the recipe"
        )
    found = []
    for i, spec in enumerate(recipe.inputs):
        where = loaded.where(("inputs", i, "path"))
        path = run.input(Path(options.input) if options.input is not None else loaded.resolve(spec.path), where=where)
        if path.is_dir():
            raise InputDataError(
                f"{path}: is a folder, expected a data file (from {loaded.where(('inputs', i, 'path'))})"
            )
        found.append((path, detect_format(path, spec.format)))
    return found


def _output_format(recipe: CurriculumRecipe, out: Path, inputs: list[tuple[Path, str]]) -> str:
    """The recipe's format, or the suffix of a single-file output, or the inputs' shared format."""
    single = recipe.output.layout == "single"
    if single and not out.suffix:
        raise UsageError(f"{out}: the single layout writes one file; name it with a suffix, e.g. {out.name}.jsonl")
    if recipe.output.format != "auto":
        return recipe.output.format
    if single:
        fmt = detect_output_format(out)
        if fmt not in SUFFIX:
            raise UsageError(f"{out}: cannot write the curriculum as {fmt}; use .jsonl, .csv, .tsv or .parquet")
        return fmt
    formats = {fmt for _, fmt in inputs}
    shared = formats.pop() if len(formats) == 1 else None
    return shared if shared in SUFFIX else "jsonl"


def _score_paths(loaded: LoadedRecipe, recipe: CurriculumRecipe, run: Run) -> dict[int, Path]:
    paths = {}
    for i, spec in enumerate(recipe.difficulty):
        if spec.scorer != "file":
            continue
        path = run.input(loaded.resolve(spec.path), where=loaded.where(("difficulty", i, "path")), what="scores file")
        if not path.is_file():
            raise InputDataError(f"{path}: scores file is a folder (from {loaded.where(('difficulty', i, 'path'))})")
        paths[i] = path
    return paths


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass
class ScannedRows:
    """Every row kept by the scan, as parallel numpy arrays indexed by row id."""

    plans: list[InputPlan]
    input_no: np.ndarray
    index: np.ndarray  # position among the input's rows (the row's identity for random keys)
    offsets: np.ndarray  # in the file that is read (the input, or its spool)
    lengths: np.ndarray
    linenos: np.ndarray  # in the original input (line, or row for Parquet)
    tags: np.ndarray
    values: np.ndarray
    dropped: np.ndarray  # rows skipped by a missing-score policy
    tag_names: list[str]
    columns: list[str]
    items_scanned: int = 0  # input items the scan went through (what its checkpoint counts)

    def location(self, row: int) -> str:
        return f"{self.plans[int(self.input_no[row])].prefix}{int(self.linenos[row])}"


def _scan(
    recipe: CurriculumRecipe,
    inputs: list[tuple[Path, str]],
    tables: list[dict[str, float] | None],
    spool_dir: Path,
    limit: int | None,
    out_format: str,
    run: Run,
    executor: Executor,
    checkpoint: Checkpoint,
) -> ScannedRows:
    tag_names = recipe.tags()
    codes = {t: i for i, t in enumerate(tag_names)}
    plans = [
        InputPlan(
            read_path=path,
            prefix=f"{path.name}:",
            phase=spec.tags()[0] if spec.phase_by is None else None,
            phase_by=spec.phase_by,
            tag_codes=codes,
        )
        for (path, _), spec in zip(inputs, recipe.inputs, strict=True)
    ]
    out = recipe.output
    reserved = (out.provenance_field,) + ((out.stage_field, out.order_field) if out.layout == "single" else ())
    job = ScanJob(
        inputs=plans,
        scorers=recipe.difficulty,
        score_tables=tables,
        reserved=reserved,
        want_columns=out_format != "jsonl",
    )

    report = run.report

    def fail_or_skip(location: str, reason: str, detail: str) -> None:
        run.bad(BadItem(reason, detail, location))

    def chunks() -> Iterator[tuple[int, int, int, list[bytes]]]:
        lines_left = limit if limit is not None else math.inf
        for i, ((path, fmt), spec) in enumerate(zip(inputs, recipe.inputs, strict=True)):
            if lines_left <= 0:
                return
            if fmt != "jsonl" or compression_of(path):  # rows are read back by byte offset: spool to plain JSONL
                _spool(plans[i], fmt, spec, spool_dir / f"{i}.jsonl", limit, fail_or_skip, report)
            with open(plans[i].read_path, "rb") as f:
                lineno, offset = 1, 0
                while lines_left > 0 and (lines := list(itertools.islice(f, CHUNK_LINES))):
                    yield i, lineno, offset, lines
                    lineno += len(lines)
                    offset += sum(map(len, lines))
                    if limit is not None:
                        lines_left -= sum(1 for line in lines if line.strip())

    parts: list[ScanResult] = []
    vocabularies = [Vocabulary() for spec in recipe.difficulty if spec.scorer == "token-rarity"]
    columns: dict[str, None] = {}
    items_left = limit if limit is not None else math.inf
    rows_done = 0
    run.progress.start(None, "scoring rows")

    def take(result: ScanResult) -> ScanResult:
        nonlocal items_left, rows_done
        if items_left < result.items:
            result = _truncate(result, int(items_left))
        items_left -= result.items
        rows_done += result.items
        report.items_in += result.items
        for _pos, lineno, reason, detail in result.bad:
            fail_or_skip(plans[result.input_no].location(lineno), reason, detail)
        parts.append(result)
        columns.update(dict.fromkeys(result.columns))
        for vocabulary, chunk_tokens in zip(vocabularies, result.rarity, strict=True):
            vocabulary.add(chunk_tokens)
        run.progress.advance(result.items)
        return result

    checkpoint.side("scan")  # one record per chunk scored, in input order
    stream = chunks()
    if checkpoint.state is not None:  # --resume: replay the chunks scored, in step with the reader
        for record, _chunk in zip(checkpoint.records("scan"), stream):  # noqa: B905 (records end first)
            take(record)
        report.extra["resumed_after_items"] = rows_done
    # one item per call: each item already is a chunk of lines of one input
    task = Task("curriculum-score", _scan_chunks, setup=init_job, setup_args=(job,), chunk=1)
    if items_left > 0:
        for done in executor.map(task, stream, start=len(parts)):
            (result,) = done.result
            checkpoint.append_record("scan", take(result))
            if items_left <= 0:
                break
            if checkpoint.due():
                checkpoint.save(rows_done, 0, {})
        # the scan is complete: a resume only orders and writes (keeping the stages written)
        checkpoint.save(rows_done, 0, checkpoint.state["state"] if checkpoint.state else {})
    data = _concatenate(parts, plans, tag_names, list(columns), len(recipe.difficulty))
    data.items_scanned = rows_done
    if len(data.offsets) == 0:
        raise InputDataError(
            "no rows to order: the inputs are empty"
            + (f" or every row was skipped ({sum(report.skipped.values())})" if report.skipped else "")
        )
    rarity = [s for s, spec in enumerate(recipe.difficulty) if spec.scorer == "token-rarity"]
    for s, vocabulary in zip(rarity, vocabularies, strict=True):
        data.values[:, s] = vocabulary.scores()
    return data


def _spool(
    plan: InputPlan,
    fmt: str,
    spec: CurriculumInput,
    target: Path,
    limit: int | None,
    fail_or_skip: Any,
    report: RunReport,
) -> None:
    """Copy a CSV/TSV/text/Parquet input to JSONL so that its rows can be read back by offset.

    The plan then reads the spool, and keeps the original line (or Parquet row) number of each
    spooled line so that locations still name the input.
    """
    source = spec.model_copy(update={"format": fmt}).row_source(plan.read_path)
    numbers: list[int] = []
    stream: Iterator[Any] = iter_rows(source)
    if limit is not None:
        stream = itertools.islice(stream, limit)
    with open(target, "w", encoding="utf-8") as f:
        for item in stream:
            if isinstance(item, BadItem):
                report.items_in += 1
                fail_or_skip(item.location, item.reason, item.detail)
                continue
            f.write(dumps_row(item.data))
            # readers locate rows as "name:LINE" or "name:row N"
            head, _, number = item.location.rpartition(" " if fmt == "parquet" else ":")
            numbers.append(int(number))
            if len(numbers) == 1:
                plan.prefix = item.location[: -len(number)]
    plan.read_path = target
    plan.numbers = np.asarray(numbers, dtype=np.int64)


def _scan_chunks(chunks: list[tuple[int, int, int, list[bytes]]]) -> list[ScanResult]:
    return [scan_chunk(chunk) for chunk in chunks]


def _original_numbers(plan: InputPlan, linenos: np.ndarray) -> np.ndarray:
    return plan.numbers[linenos - 1] if plan.numbers is not None else linenos


def _truncate(result: ScanResult, items: int) -> ScanResult:
    """The first ``items`` items of a chunk (``--limit``)."""
    keep = result.item_pos < items
    return ScanResult(
        input_no=result.input_no,
        items=items,
        item_pos=result.item_pos[keep],
        offsets=result.offsets[keep],
        lengths=result.lengths[keep],
        linenos=result.linenos[keep],
        tags=result.tags[keep],
        values=result.values[keep],
        bad=[b for b in result.bad if b[0] < items],
        columns=result.columns,
        rarity=[t.head(int(keep.sum())) for t in result.rarity],  # good rows kept are a prefix
    )


def _concatenate(
    parts: list[ScanResult],
    plans: list[InputPlan],
    tag_names: list[str],
    columns: list[str],
    n_scorers: int,
) -> ScannedRows:
    index_parts = []
    seen: Counter[int] = Counter()
    for part in parts:
        index_parts.append(part.item_pos + seen[part.input_no])
        seen[part.input_no] += part.items

    def cat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)

    n = sum(len(p.offsets) for p in parts)
    return ScannedRows(
        plans=plans,
        input_no=cat([np.full(len(p.offsets), p.input_no, dtype=np.int32) for p in parts], np.int32),
        index=cat(index_parts, np.int64),
        offsets=cat([p.offsets for p in parts], np.int64),
        lengths=cat([p.lengths for p in parts], np.int64),
        linenos=cat([_original_numbers(plans[p.input_no], p.linenos) for p in parts], np.int64),
        tags=cat([p.tags for p in parts], np.int32),
        values=np.concatenate([p.values for p in parts]) if parts else np.empty((0, n_scorers)),
        dropped=np.zeros(n, dtype=bool),
        tag_names=tag_names,
        columns=columns,
    )


# ---------------------------------------------------------------------------------------------
# Difficulty and plan


def _difficulty(recipe: CurriculumRecipe, data: ScannedRows, report: RunReport) -> np.ndarray:
    """The combined difficulty percentile of every row (dropped rows get NaN)."""
    columns = []
    for s, spec in enumerate(recipe.difficulty):
        values = data.values[:, s]
        missing = np.isnan(values)
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            what = _describe(spec)
            if spec.missing == "fail":
                raise InputDataError(
                    f"{data.location(first)}: no score from {what} for this row ({int(missing.sum())} rows lack one). "
                    "Set 'missing:' on that scorer to skip, easiest, hardest or median to handle them."
                )
            if spec.missing == "skip":
                for row in np.flatnonzero(missing & ~data.dropped):
                    report.skip("missing score", data.location(int(row)), f"no score from {what}")
                data.dropped |= missing
        oriented = -values if spec.higher_is_easier else values
        columns.append(oriented if spec.missing in ("fail", "skip") else fill_missing(oriented, spec.missing))
    keep = ~data.dropped
    if not keep.any():
        raise InputDataError(f"no rows to order: all {len(keep)} rows lack a score and were skipped")
    difficulty = np.full(len(keep), np.nan)
    difficulty[keep] = combine([c[keep] for c in columns], [s.weight for s in recipe.difficulty])
    return difficulty


def _describe(spec: Any) -> str:
    if spec.scorer == "field":
        return f"field {spec.field!r}"
    if spec.scorer == "file":
        return f"scores file {Path(spec.path).name} (id field {spec.id_field!r})"
    return spec.scorer


def _plan(
    recipe: CurriculumRecipe, data: ScannedRows, difficulty: np.ndarray, keep: np.ndarray, seed: int
) -> StagePlan:
    tag_rows = {name: keep[data.tags[keep] == code] for code, name in enumerate(data.tag_names)}
    keys = {purpose: item_keys(seed, purpose, data.input_no, data.index) for purpose in ("ties", "random", "borrow")}
    return build_stages(
        difficulty,
        tag_rows,
        recipe.phases(),
        recipe.schedule.stages,
        recipe.schedule.pacing,
        recipe.schedule.order,
        keys,
    )


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class Written:
    names: list[str]  # file of each stage (shards) or the one file (single)
    chart: Path | None
    figures: dict[str, Any]  # of the write: parts, tasks, where they ran


def _write(
    recipe: CurriculumRecipe,
    data: ScannedRows,
    difficulty: np.ndarray,
    plan: StagePlan,
    out: Path,
    tmp: Path,
    fmt: str,
    stage_stats: list[Stats],
    run: Run,
    checkpoint: Checkpoint,
) -> Written:
    """Write the stages into ``tmp`` (the output's temporary folder or file) through the run's
    executor (``curriculum.write``); the single layout's chart, which lies beside the output, is
    the caller's."""
    single = recipe.output.layout == "single"
    names = [out.name] if single else [f"stage_{s:03d}{SUFFIX[fmt]}" for s in range(plan.stages)]
    output = recipe.output
    job = WriteJob(
        fmt=fmt,
        single=single,
        read_paths=tuple(str(p.read_path) for p in data.plans),
        read_sizes=tuple(os.stat(p.read_path).st_size for p in data.plans),
        prefixes=tuple(p.prefix for p in data.plans),
        tag_names=tuple(data.tag_names),
        phase_names=tuple(ph.name for ph in recipe.phases()),
        stage_phase=tuple(plan.stage_phase),
        columns=tuple(data.columns),
        provenance_field=output.provenance_field,
        stage_field=output.stage_field,
        order_field=output.order_field,
        parts_dir=str(partial_dir(out) / "parts"),
    )
    table = RowTable(data.input_no, data.offsets, data.lengths, data.linenos, data.tags, difficulty)
    targets = [tmp] if single else [tmp / name for name in names]
    run.progress.start(len(plan.rows), f"writing → {out.name}")
    figures = write_stages(run.executor, job, table, plan, targets, checkpoint, data.items_scanned, run.progress)
    chart: Path | None = None
    if not single and recipe.output.chart and _can_chart(recipe, run.progress):
        _chart(tmp / CHART_NAME, recipe, plan, stage_stats)  # one small PNG: drawn in the driver
        chart = out / CHART_NAME
    return Written(names, chart, figures)


def _can_chart(recipe: CurriculumRecipe, progress: Progress) -> bool:
    """Whether to draw the chart: matplotlib is an optional extra.

    A chart asked for (``chart: true`` or ``--chart``) without it is exit 2 with the install
    command; the default chart is left out with a note.
    """
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        if "chart" in recipe.output.model_fields_set:
            require("matplotlib", "plot", "the difficulty chart (chart: true)")
        progress.note("no chart: matplotlib is not installed (pip install 'mlp-cli[plot]')")
        return False
    return True


def _chart(path: Path, recipe: CurriculumRecipe, plan: StagePlan, stats: list[Stats]) -> None:
    """A PNG of difficulty by stage (median, quartiles, range), shaded by phase."""
    from matplotlib.figure import Figure

    phases = recipe.phases()
    x = np.arange(plan.stages)

    def series(key: str) -> np.ndarray:
        return np.array([st.values.get(key, np.nan) for st in stats])

    fig = Figure(figsize=(max(6.0, min(0.35 * plan.stages + 3, 18.0)), 4.0), dpi=100)
    ax = fig.subplots()
    ax.fill_between(x, series("min"), series("max"), step="mid", alpha=0.15, color="tab:blue", label="min–max")
    ax.fill_between(x, series("p25"), series("p75"), step="mid", alpha=0.35, color="tab:blue", label="quartiles")
    ax.plot(x, series("median"), marker="o", color="tab:blue", label="median")
    colours = ["#f2f2f2", "#e0e8f5"]
    for j, phase in enumerate(phases):
        members = [s for s in range(plan.stages) if plan.stage_phase[s] == j]
        if members:
            ax.axvspan(members[0] - 0.5, members[-1] + 0.5, color=colours[j % 2], zorder=0)
            ax.text((members[0] + members[-1]) / 2, 1.04, phase.name, ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.5, plan.stages - 0.5)
    ax.set_ylim(-0.02, 1.12)
    ax.set_xlabel("stage")
    ax.set_ylabel("difficulty (percentile)")
    ax.set_title(f"difficulty by stage ({recipe.schedule.order} order)", fontsize=10)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})


# ---------------------------------------------------------------------------------------------
# Report


def _figures(
    report: RunReport,
    recipe: CurriculumRecipe,
    data: ScannedRows,
    difficulty: np.ndarray,
    plan: StagePlan,
    stage_stats: list[Stats],
    files: Written,
    phases: list,
    scorer: Executor,
    writer: Executor,
) -> None:
    stages = []
    for s in range(plan.stages):
        rows = plan.stage(s)
        tags = np.bincount(data.tags[rows], minlength=len(data.tag_names))
        stages.append(
            {
                "stage": s,
                "file": files.names[s] if recipe.output.layout == "shards" else files.names[0],
                "phase": phases[plan.stage_phase[s]].name,
                "rows": stage_stats[s].rows,
                "tags": {data.tag_names[t]: int(c) for t, c in enumerate(tags) if c},
                "difficulty": stage_stats[s].values,
            }
        )
    phase_figures = []
    for j, phase in enumerate(phases):
        members = [s for s in range(plan.stages) if plan.stage_phase[s] == j]
        rows = np.concatenate([plan.stage(s) for s in members]) if members else np.empty(0, dtype=np.int64)
        stats = Stats.of(difficulty[rows])
        phase_figures.append(
            {
                "phase": phase.name,
                "stages": [members[0], members[-1]] if members else [],
                "rows": stats.rows,
                "tags": plan.phase_tags[j],
                "pacing": (phase.pacing or recipe.schedule.pacing).function,
                "replay": phase.replay,
                "difficulty": stats.values,
            }
        )
    report.extra["order"] = recipe.schedule.order
    report.extra["workers"] = scorer.workers
    report.extra["stages"] = len(stages)
    report.extra["stage_sizes"] = [st["rows"] for st in stages]
    report.extra["phases"] = phase_figures
    report.extra["stage_detail"] = stages
    report.extra["permutation"] = not any(ph.replay for ph in phases)
    report.extra["chart"] = str(files.chart) if files.chart else None
    # where each stage ran, like mine-negatives' ``stages`` (named apart from the stage count);
    # their timings are the manifest's ``timings``
    report.extra["where"] = {"score": _where(scorer), "order": {"where": "driver"}, "write": _where(writer)}
    report.extra["write"] = files.figures  # parts, tasks, and the processes that wrote them


def _where(executor: Executor) -> dict[str, Any]:
    if executor.engine == "local":
        return {"where": "driver" if executor.workers == 1 else "local processes", "workers": executor.workers}
    return {"where": f"{executor.engine} tasks", "workers": executor.workers}
