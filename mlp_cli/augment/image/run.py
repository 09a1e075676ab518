"""Run an ``augment`` recipe over images: N transformed copies per image, in parallel, reproducibly.

The parent process lists the source images (a folder or a JSONL/CSV list) and hands small work
items to the run's executor (``Run.executor.map``, local processes or Ray). Each worker reads its images, seeds torch per image and
copy from (seed, image key, copy), applies the recipe's ``torchvision.transforms.v2`` pipeline,
encodes the result and writes the file itself, returning only small manifest rows: no pixels
cross process boundaries. Files are written inside a temporary folder that replaces the output
folder only when the run completes (``io.atomic.atomic_dir``), so no half-written image is ever
left under its final name. The parent writes the per-image ``manifest.jsonl`` in input order and
the run manifest ``manifest.json`` beside it.

``--resume`` continues an interrupted run (``runtime.resume``): the checkpoint counts the source
images done and the length of ``manifest.jsonl``; the resumed run cuts the index back to that
length, keeps the files of the images done and makes the rest again. An image's files depend
only on (seed, image key, copy), so the files the interrupted run wrote after its checkpoint are
overwritten with the same bytes, and the folder ends as an uninterrupted run leaves it.

``write_preview`` renders a contact sheet of a few source images beside augmented versions,
made exactly as the run would make copies 1..K, so a recipe can be looked at before it runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp_cli.augment.image.output import (
    CHUNK_IMAGES,
    IMAGE_MANIFEST,
    augment_run,
    copy_numbers,
    preview_run,
    save_preview,
    variant_name,
)
from mlp_cli.augment.image.targets_run import annotations_format, run_target_augment, write_target_preview
from mlp_cli.augment.image.transforms import ImagePipeline, augment_image, check_transforms
from mlp_cli.augment.recipe import AugmentRecipe
from mlp_cli.errors import BadItem, InputDataError, RecipeError, UsageError
from mlp_cli.io.images import (
    IMAGE_SUFFIXES,
    ImageItem,
    encode_image,
    folder_items,
    list_items,
    load_image,
    output_format,
    output_suffix,
    scan_folder,
)
from mlp_cli.io.manifest import RunReport
from mlp_cli.io.rows import RowSource, detect_format
from mlp_cli.recipe.loader import LoadedRecipe, format_problems
from mlp_cli.runtime.executor import Task
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.resume import files_stamp, open_continued, run_fingerprint, synced_length
from mlp_cli.runtime.run import Run
from mlp_cli.runtime.seeding import derive_seed


@dataclass
class ImageJob:
    """Everything a worker needs; inherited by forked workers, built once per run."""

    specs: list[Any]  # parsed TransformSpec list
    seed: int
    copies: int
    keep_original: bool
    format: str
    quality: int
    max_pixels: int
    out_root: Path | None  # the temporary output folder; None when previewing


_JOB: ImageJob | None = None
_PIPELINE: Any = None
_MADE_DIRS: set[Path] = set()


def _init(job: ImageJob) -> None:
    """Per process: build the pipeline once (transforms are instrumented objects, never pickled)."""
    global _JOB, _PIPELINE

    _JOB = job
    _PIPELINE = ImagePipeline(job.specs)
    _MADE_DIRS.clear()


def output_name(item: ImageItem, copy: int, suffix: str) -> str:
    """``<stem>__aug<k><suffix>`` (or ``<stem><suffix>`` for the kept original), relative to the output."""
    name = variant_name(item.stem, copy, suffix)
    return f"{item.out_dir}/{name}" if item.out_dir else name


@dataclass
class Variant:
    """One output of a source image: copy number, per-image seed, applied transforms, pixels."""

    copy: int
    seed: int | None  # None for the kept original (copy 0)
    applied: list[dict[str, Any]]
    image: Any
    format: str
    source_sha256: str


def _render(job: ImageJob, item: ImageItem) -> Iterator[Variant]:
    """Load an item once and yield each of its variants (raises BadItem for a bad image)."""

    source = load_image(item.path, job.max_pixels)
    fmt = output_format(job.format, source.format)
    for copy in copy_numbers(job.keep_original, job.copies):
        if copy == 0:
            yield Variant(copy, None, [], source.image, fmt, source.sha256)
            continue
        seed = derive_seed(job.seed, item.key, copy)
        try:
            augmented, applied = augment_image(_PIPELINE, source.image, seed)
        except Exception as exc:  # noqa: BLE001 - a transform refusing this image is a data problem
            raise BadItem("transform failed", f"copy {copy}: {type(exc).__name__}: {exc}") from None
        yield Variant(copy, seed, applied, augmented, fmt, source.sha256)


def _process(chunk: list[ImageItem | BadItem]) -> list[list[str] | BadItem]:
    """Per image: its manifest lines, or the BadItem that says why it was not written."""
    job = _JOB
    assert job is not None and job.out_root is not None
    results: list[list[str] | BadItem] = []
    for item in chunk:
        if isinstance(item, BadItem):
            results.append(item)
            continue
        lines: list[str] = []
        written: list[Path] = []
        try:
            for variant in _render(job, item):
                data = encode_image(variant.image, variant.format, job.quality)
                rel = output_name(item, variant.copy, output_suffix(variant.format))
                target = job.out_root / rel
                if target.parent not in _MADE_DIRS:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _MADE_DIRS.add(target.parent)
                target.write_bytes(data)
                written.append(target)
                row = {
                    "path": rel,
                    "source": item.key,
                    "source_sha256": variant.source_sha256,
                    "label": item.label,
                    "copy": variant.copy,
                    "seed": variant.seed,
                    "transforms": variant.applied,
                    "width": variant.image.width,
                    "height": variant.image.height,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
                lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        except BadItem as exc:
            # Files already written for this image are removed: an image is written whole or not at all.
            for path in written:
                path.unlink(missing_ok=True)
            results.append(exc.at(item.location, item.index))
            continue
        results.append(lines)
    return results


@dataclass
class _Input:
    """The resolved image input: a folder (already scanned) or a list file."""

    path: Path
    folder_files: list[Any] | None = None
    ignored_files: int = 0
    list_source: RowSource | None = None

    @property
    def total(self) -> int | None:
        return len(self.folder_files) if self.folder_files is not None else None

    def items(self, recipe: AugmentRecipe) -> Iterator[ImageItem | BadItem]:
        if self.folder_files is not None:
            return folder_items(self.path, self.folder_files)
        assert self.list_source is not None and recipe.input is not None
        return list_items(self.list_source, recipe.image.path_field, recipe.input.label_field)


def _open_input(loaded: LoadedRecipe, options: RunOptions, run: Run) -> _Input:
    recipe: AugmentRecipe = loaded.model
    if recipe.input is None:
        raise loaded.error(("transforms",), "image transforms need an 'input:' section (an image folder or list)")
    path = options.input or loaded.resolve(recipe.input.path)
    # A list file is hashed whole; a folder's images are hashed one by one, in manifest.jsonl.
    is_folder = path is not None and Path(path).is_dir()
    path = run.input(path, where=loaded.where(("input", "path")), what="image input", checksum=not is_folder)
    if is_folder:
        files, ignored = scan_folder(path)
        return _Input(path, folder_files=files, ignored_files=ignored)
    source = recipe.input.row_source(path)
    fmt = detect_format(path, source.format)
    if fmt not in ("jsonl", "csv", "tsv", "parquet"):
        raise InputDataError(
            f"{path}: an image input is a folder or a JSONL/CSV/TSV/Parquet list of image paths, not a {fmt} file"
        )
    return _Input(path, list_source=source)


def _image_stamps(source: _Input, recipe: AugmentRecipe) -> dict[str, Any]:
    """Size and modification time of every source image, for the resume fingerprint."""
    if source.folder_files is not None:
        return files_stamp(source.path / key for key in source.folder_files)
    return files_stamp(item.path for item in source.items(recipe) if isinstance(item, ImageItem))


def _check_image_recipe(loaded: LoadedRecipe) -> None:
    """Row-only settings make no sense for images; say so with the recipe's line numbers."""
    recipe: AugmentRecipe = loaded.model
    if recipe.steps:
        raise loaded.error(
            ("steps",), "'steps' augment text rows; for images use 'transforms' (torchvision.transforms.v2)"
        )
    if recipe.generate:
        raise loaded.error(("generate",), "'generate' makes rows; it cannot be combined with an image input")


def _parsed_transforms(loaded: LoadedRecipe) -> list[Any]:
    """The recipe's transforms, parsed (``load_recipe`` has already checked them, except those that need boxes)."""
    try:
        return check_transforms(loaded.model.transforms, ("transforms",))
    except RecipeError as exc:  # e.g. RandomIoUCrop, accepted at load for an input that may be annotated
        raise RecipeError(format_problems(loaded.path, loaded.marks, exc.problems), exc.problems) from None


def _sources(
    loaded: LoadedRecipe, source: _Input, limit: int | None, report: RunReport
) -> Iterator[ImageItem | BadItem]:
    """Items in input order; two images that would write the same file names are a bad item.

    A folder scan keeps each folder's files together, so only the current folder's names are
    remembered (memory stays flat); a list can send any image to any label, so it remembers all.
    """
    recipe: AugmentRecipe = loaded.model
    stream: Iterator[ImageItem | BadItem] = source.items(recipe)
    if limit is not None:
        stream = itertools.islice(stream, limit)
    per_folder = source.folder_files is not None
    claimed: dict[tuple[str, str], tuple[int, str]] = {}  # (out_dir, stem) -> (index, location)
    current_dir = None
    for item in stream:
        report.items_in += 1
        if isinstance(item, ImageItem):
            if per_folder and item.out_dir != current_dir:
                claimed.clear()
                current_dir = item.out_dir
            owner_index, owner = claimed.setdefault((item.out_dir, item.stem), (item.index, item.location))
            if owner_index != item.index:  # another image, or the same one listed twice
                yield BadItem(
                    "name clash",
                    f"{item.key} would write the same files ({item.stem}__aug<k>) as {owner}; "
                    "rename one of them or list each image once",
                    item.location,
                    item.index,
                )
                continue
        yield item


def run_image_augment(
    loaded: LoadedRecipe, options: RunOptions = RunOptions(), progress: Progress | None = None
) -> RunReport:
    """Run an augment recipe over an image folder or list; return its report (also the manifest)."""
    recipe: AugmentRecipe = loaded.model
    _check_image_recipe(loaded)
    fmt = annotations_format(loaded, options)
    if fmt is not None:
        return run_target_augment(loaded, fmt, options, progress)
    run = augment_run(loaded, options, progress)
    source = _open_input(loaded, options, run)
    out = run.output(loaded.output_path(options.out), folder=True, resumable=True)
    report = run.report
    if source.folder_files is not None and not source.folder_files:
        raise InputDataError(
            f"{source.path}: no images found (looked for files ending in {', '.join(IMAGE_SUFFIXES)}; "
            f"{source.ignored_files} other files ignored)"
        )
    specs = _parsed_transforms(loaded)
    total = source.total if options.limit is None or source.total is None else min(source.total, options.limit)
    if options.dry_run:
        return run.dry_run(
            {
                "input": os.path.normpath(os.path.abspath(source.path)),
                "images": total,
                "transforms": [s.to_json() for s in specs],
                "copies": recipe.copies,
                "keep_original": recipe.keep_original,
                "format": recipe.image.format,
                "workers": run.workers,
                "seed": run.seed,
                "output": str(out),
            }
        )

    run.progress.start(total, f"augment images → {out.name}")
    written = 0
    fingerprint = run_fingerprint(run, recipe.model_dump(mode="json"), images=_image_stamps(source, recipe))
    with run.stage("augment"), run.writing(out, fingerprint, folder=True) as (tmp, checkpoint):
        job = ImageJob(
            specs=specs,
            seed=run.seed,
            copies=recipe.copies,
            keep_original=recipe.keep_original,
            format=recipe.image.format,
            quality=recipe.image.quality,
            max_pixels=recipe.image.max_pixels,
            out_root=tmp,
        )
        task = Task("augment images", _process, _init, (job,), chunk=CHUNK_IMAGES)
        stream: Iterator[ImageItem | BadItem] = _sources(loaded, source, options.limit, report)
        done_before = checkpoint.items_done
        if checkpoint.state is not None:  # --resume: the images done stay, the index is cut back
            saved = checkpoint.state["state"]
            written = saved["items_out"]
            report.skipped, report.skipped_examples = saved["skipped"], saved["skipped_examples"]
            report.extra["resumed_after_items"] = done_before
            stream = itertools.islice(stream, done_before, None)  # still read: name clashes need them
            run.progress.advance(done_before)
        with open_continued(tmp / IMAGE_MANIFEST, checkpoint.data_length) as manifest_rows:
            items_done = done_before
            for done in run.executor.map(task, stream, start=done_before):
                for result in done.result:
                    if isinstance(result, BadItem):
                        run.bad(result, fix="Fix or remove the file")
                        continue
                    manifest_rows.writelines(result)
                    written += len(result)
                items_done += done.count
                run.progress.advance(done.count)
                if checkpoint.due():
                    checkpoint.save(
                        items_done,
                        synced_length(manifest_rows, others=True),
                        {"items_out": written, "skipped": report.skipped, "skipped_examples": report.skipped_examples},
                    )
        if written == 0 and report.skipped:  # inside the block: nothing is committed
            first = report.skipped_examples[0]
            raise InputDataError(
                f"no image written: all {report.items_in} source images were skipped "
                f"({', '.join(f'{k}: {v}' for k, v in sorted(report.skipped.items()))}); "
                f"first: {first['location']}: {first['reason']}: {first['detail']}"
            )
    report.items_out = written
    report.extra["input"] = os.path.normpath(os.path.abspath(source.path))
    report.extra["images_manifest"] = str(out / IMAGE_MANIFEST)
    report.extra["copies"] = recipe.copies
    report.extra["format"] = recipe.image.format
    if source.ignored_files:
        report.extra["ignored_files"] = source.ignored_files
        run.progress.note(f"ignored {source.ignored_files} files under {source.path} that are not images (by suffix)")
    return run.finish(recipe=recipe.model_dump(mode="json"))


def write_preview(loaded: LoadedRecipe, options: RunOptions, preview_path: Path, count: int) -> RunReport:
    """Write a contact sheet PNG: each of a few source images beside ``count`` augmented versions.

    The versions are copies 1..count exactly as ``mlp augment`` would write them with the same
    seed. Sources are the first ``--limit`` (default 4) readable images; unreadable ones are
    skipped and counted.
    """
    recipe: AugmentRecipe = loaded.model
    if not recipe.transforms and (recipe.input is None or recipe.steps or recipe.generate):
        raise UsageError("--preview shows what image transforms do; this recipe has no 'transforms:'")
    _check_image_recipe(loaded)
    preview_path = Path(preview_path)
    if preview_path.suffix.lower() != ".png":
        raise UsageError(f"{preview_path}: the preview is a PNG file; name it with a .png suffix")
    fmt = annotations_format(loaded, options)
    if fmt is not None:
        return write_target_preview(loaded, fmt, options, preview_path, count)
    run = preview_run(loaded, options)
    source = _open_input(loaded, options, run)
    run.output(preview_path)
    seed = run.seed
    # copy 0 (the converted source) then copies 1..count, exactly as the run makes them
    job = ImageJob(
        specs=_parsed_transforms(loaded),
        seed=seed,
        copies=count,
        keep_original=True,
        format=recipe.image.format,
        quality=recipe.image.quality,
        max_pixels=recipe.image.max_pixels,
        out_root=None,
    )
    _init(job)

    def tiles(item: ImageItem) -> list[tuple[Any, str]]:
        return [(v.image, item.key if v.copy == 0 else f"aug{v.copy}") for v in _render(job, item)]

    return save_preview(
        run, options, preview_path, _sources(loaded, source, None, run.report), tiles, source.path, recipe
    )
