"""Run an ``augment`` recipe over rows: read, augment in parallel, write in order, report.

Input rows (and/or generated rows) are streamed in chunks to worker processes. Each copy of each
item gets its own generator, derived from (seed, item, copy), so output bytes do not depend on
``--workers``. Workers serialise their rows; the parent only counts, de-duplicates and writes.
Image inputs go to ``augment.image_run`` with the same options, manifest and report.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp_cli.augment.image.run import run_image_augment
from mlp_cli.augment.recipe import AugmentRecipe
from mlp_cli.augment.registry import AUGMENTERS, GENERATORS, RunContext, load_builtins
from mlp_cli.errors import BadItem, InputDataError, MlpError, UsageError
from mlp_cli.io.atomic import atomic_file, check_writable
from mlp_cli.io.manifest import RunReport, manifest_path_for, write_manifest
from mlp_cli.io.rows import (
    Row,
    RowWriter,
    count_hint,
    detect_format,
    detect_output_format,
    dumps_row,
    iter_rows,
)
from mlp_cli.recipe.loader import LoadedRecipe, load_recipe
from mlp_cli.runtime.options import NullProgress, Progress, RunOptions
from mlp_cli.runtime.parallel import AdaptiveChunks, ordered_map, resolve_workers
from mlp_cli.runtime.seeding import derive_seed, item_random


class AugmentFailure(MlpError):
    """An augmenter raised on a row: a bug or an unsupported value, reported with the row."""


@dataclass
class GeneratedItem:
    generator: int  # position in the recipe's generate list
    index: int


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

    @property
    def provenance_key(self) -> str:
        return json.dumps(self.provenance_field, ensure_ascii=False)


@dataclass
class ItemResult:
    index: int
    location: str
    bad: tuple[str, str] | None = None  # (reason, detail)
    outputs: list[tuple[bytes | None, Any]] = field(default_factory=list)


@dataclass
class ChunkResult:
    items: list[ItemResult]
    partials: list[Any]  # per generator
    seconds: float = 0.0  # compute time in the worker, to size the next chunks


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
            raise BadItem(exc.reason, f"steps[{step}] ({aug.name}): {exc.detail}") from None
        except Exception as exc:
            raise AugmentFailure(f"{location}: steps[{step}] ({aug.name}) failed: {type(exc).__name__}: {exc}") from exc
        applied.append({"augmenter": aug.name, "params": sampled})
    return data, applied


def _emit(job: Job, data: dict[str, Any], provenance: dict[str, Any]) -> tuple[bytes | None, Any]:
    field = job.provenance_field
    if job.jsonl and data and field not in data:
        # Serialise the content once: it is both the dedupe key (duplicates are about content,
        # not provenance) and, with provenance spliced in, the line dumps_row(out) would give.
        content = dumps_row(data)
        digest = hashlib.blake2b(content.encode("utf-8"), digest_size=16).digest() if job.dedupe else None
        line = f"{content[:-2]},{job.provenance_key}:{dumps_row(provenance)[:-1]}}}\n"
        return digest, line
    digest = None
    if job.dedupe:
        digest = hashlib.blake2b(dumps_row(data).encode("utf-8"), digest_size=16).digest()
    out = dict(data)
    out[field] = provenance
    return digest, (dumps_row(out) if job.jsonl else out)


def _process(chunk: list[Row | BadItem | GeneratedItem]) -> ChunkResult:
    job = _JOB
    assert job is not None
    started = time.perf_counter()
    results: list[ItemResult] = []
    gen_rows: list[list[dict]] = [[] for _ in job.generators]
    for item in chunk:
        if isinstance(item, BadItem):
            results.append(ItemResult(item.index, item.location, bad=(item.reason, item.detail)))
            continue
        if isinstance(item, GeneratedItem):
            gen = job.generators[item.generator]
            key: tuple = ("generate", item.generator, item.index)
            location = f"generate[{item.generator}] #{item.index}"
            rng = item_random(job.seed, *key, 0)
            base, gen_prov = gen.generate(item.index, rng)
            if job.collect:
                gen_rows[item.generator].append(base)
            source = {"generator": gen.name, "index": item.index, **gen_prov}
            result = ItemResult(item.index, location)
        else:
            key = (item.index,)
            location = item.location
            base = item.data
            source = {"index": item.index, "location": item.location}
            if job.id_field is not None and job.id_field in base:
                source["id"] = base[job.id_field]
            result = ItemResult(item.index, location)
        generated = isinstance(item, GeneratedItem)
        # A generated row is the "original": emitted as is, unless steps are there to vary it.
        keep = job.keep_original or (generated and not job.steps)
        copies = job.copies if (job.steps or not generated) else 0
        try:
            if keep:
                result.outputs.append(_emit(job, base, {"source": source, "copy": 0, "augmenters": []}))
            for copy in range(1, copies + 1):
                seed = derive_seed(job.seed, *key, copy)
                rng = random.Random(seed)
                data, applied = _augment(job, base, rng, location)
                prov = {"source": source, "copy": copy, "seed": seed, "augmenters": applied}
                result.outputs.append(_emit(job, data, prov))
        except BadItem as exc:
            result = ItemResult(result.index, location, bad=(exc.reason, exc.detail))
        results.append(result)
    partials = [
        gen.collect(rows) if job.collect and rows else None for gen, rows in zip(job.generators, gen_rows, strict=False)
    ]
    return ChunkResult(results, partials, time.perf_counter() - started)


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
        input, out, seed, workers, limit, overwrite, dry_run, on_error: as the command's options.
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

    options = RunOptions(absolute(input), absolute(out), seed, workers, limit, overwrite, dry_run, on_error)
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
        return run_image_augment(loaded, options, progress)
    return _run_rows(loaded, recipe, options, progress)


def _is_image_input(loaded: LoadedRecipe, options: RunOptions) -> bool:
    recipe: AugmentRecipe = loaded.model
    assert recipe.input is not None
    if recipe.input.format == "images":
        return True
    path = options.input or loaded.resolve(recipe.input.path)
    return path is not None and Path(path).is_dir()


def _run_rows(loaded: LoadedRecipe, recipe: AugmentRecipe, options: RunOptions, progress: Progress) -> RunReport:
    started = time.perf_counter()
    load_builtins()
    seed = options.seed if options.seed is not None else recipe.seed
    workers = resolve_workers(options.workers if options.workers is not None else recipe.workers)
    out = loaded.output_path(options.out)
    out_format = detect_output_format(out, recipe.output.format if recipe.output else "auto")
    input_path = None
    source = None
    if recipe.input is not None:
        input_path = Path(options.input) if options.input else loaded.resolve(recipe.input.path)
        assert input_path is not None
        if not input_path.exists():
            raise InputDataError(f"{input_path}: input file not found (from {loaded.where(('input', 'path'))})")
        source = recipe.input.row_source(input_path)
        detect_format(input_path, source.format)
        if input_path.resolve() == out.resolve():
            raise UsageError(f"{out}: the output would replace the input; choose another --out")
    if source is None and options.input is not None:
        takers = [g.generator for g in recipe.generate if GENERATORS[g.generator].accepts_input]
        if not takers:
            raise UsageError("--input: this recipe has no 'input:' section and none of its generators reads a corpus")
    check_writable(out, options.overwrite)
    report = RunReport(command="augment")
    report.outputs = [str(out)]
    context = RunContext(
        recipe_dir=str(loaded.base_dir),
        text_field=recipe.input.text_field if recipe.input else "text",
        label_field=recipe.input.label_field if recipe.input else None,
        id_field=recipe.input.id_field if recipe.input else None,
        seed=seed,
        input_override=str(options.input) if (source is None and options.input) else None,
    )
    steps = [(AUGMENTERS[step.augmenter](step.params, context), step.p) for step in recipe.steps]
    generators = [GENERATORS[spec.generator](spec.params, context) for spec in recipe.generate]
    if options.dry_run:
        report.dry_run = True
        report.extra["plan"] = {
            "input": str(input_path) if input_path else None,
            "generate": [{"generator": g.generator, "count": g.count} for g in recipe.generate],
            "steps": [s.augmenter for s in recipe.steps],
            "copies": recipe.copies,
            "keep_original": recipe.keep_original,
            "workers": workers,
            "seed": seed,
            "output": str(out),
        }
        report.outputs = []
        report.seconds = time.perf_counter() - started
        return report
    setup_started = time.perf_counter()
    for aug, _p in steps:
        aug.setup()  # import heavy libraries once, before workers fork and inherit them
    for gen in generators:
        gen.fit()
    setup_seconds = time.perf_counter() - setup_started

    job = Job(
        steps=steps,
        generators=generators,
        seed=seed,
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
            for i in range(spec.count):
                yield GeneratedItem(g, i)

    stream: Iterator[Any] = items()
    if options.limit is not None:
        stream = itertools.islice(stream, options.limit)
    total: int | None = sum(g.count for g in recipe.generate)
    if source is not None:
        hint = count_hint(source) if getattr(progress, "enabled", False) else None
        total = None if hint is None else hint + (total or 0)
    if total is not None and options.limit is not None:
        total = min(total, options.limit)
    progress.start(total, f"augment → {out.name}")
    seen: set[bytes] = set()
    duplicates = 0
    partials: list[list[Any]] = [[] for _ in generators]
    chunks = AdaptiveChunks(stream)
    with atomic_file(out, options.overwrite) as tmp, RowWriter(tmp, out_format) as writer:
        for chunk in ordered_map(_process, chunks, workers, _init, (job,)):
            chunks.observe(len(chunk.items), chunk.seconds)
            for item in chunk.items:
                report.items_in += 1
                if item.bad is not None:
                    report.bad_item(options.on_error or recipe.on_error, item.location, *item.bad)
                    continue
                for digest, payload in item.outputs:
                    if digest is not None:
                        if digest in seen:
                            duplicates += 1
                            continue
                        seen.add(digest)
                    if job.jsonl:
                        writer.write_line(payload)
                    else:
                        writer.write(payload)
                    report.items_out += 1
            for g, part in enumerate(chunk.partials):
                if part is not None:
                    partials[g].append(part)
            progress.advance(len(chunk.items))
    report.extra["duplicates_removed"] = duplicates
    if generators:
        figures = {}
        for g, gen in enumerate(generators):
            figures[f"{gen.name}#{g}" if len(generators) > 1 else gen.name] = gen.summary(partials[g])
        report.extra["generators"] = figures
        # one flat key that scripts can read without knowing generator names
        for fig in figures.values():
            if isinstance(fig, dict) and "fidelity" in fig:
                report.extra.setdefault("fidelity", {}).update(fig["fidelity"])
    report.seconds = time.perf_counter() - started
    if report.skipped:
        progress.note(
            f"skipped {sum(report.skipped.values())} bad input rows "
            + ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped.items()))
            + (f"; first at {report.skipped_examples[0]['location']}" if report.skipped_examples else "")
        )
    write_manifest(
        manifest_path_for(out),
        report,
        recipe=recipe.resolved(),
        recipe_path=str(loaded.path),
        inputs=[input_path] if input_path else [],
        seed=seed,
        timings={"setup": setup_seconds, "total": report.seconds},
        overrides=options,
        workers=workers,
    )
    return report
