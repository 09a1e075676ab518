"""Run an ``augment`` recipe over an annotated dataset (COCO, YOLO, VOC, masks): targets move with the pixels.

Same machinery as ``run.py``: the parent reads the annotations into small work items, workers
(``Run.executor``) load each image, seed per (seed, image key, copy), transform the image and its
targets in one call, sanitize, write the image and its per-image annotation file, and return
manifest rows; the parent writes dataset-wide files (the COCO JSON, ``data.yaml``) in input order,
so the output is byte-identical whatever ``--workers`` is.

``--resume`` works as in ``run.py``; the COCO annotations the parent gathers for the JSON it
writes last are kept as side records of the checkpoint, so they are not remade either.
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

from mlp_cli.augment.image.formats import (
    AnnotatedItem,
    Dataset,
    check_inside,
    decode_rle,
    detect,
    load_semantic,
    open_dataset,
)
from mlp_cli.augment.image.output import (
    CHUNK_IMAGES,
    IMAGE_MANIFEST,
    augment_run,
    copy_numbers,
    preview_run,
    save_preview,
    variant_name,
)
from mlp_cli.augment.image.targets import Sanitize, TargetResult, augment_targets, check_target_transforms
from mlp_cli.augment.image.transforms import ImagePipeline, check_transforms
from mlp_cli.errors import BadItem, InputDataError, RecipeError
from mlp_cli.io.images import encode_image, load_image, output_format, output_suffix
from mlp_cli.io.manifest import RunReport
from mlp_cli.recipe.loader import LoadedRecipe, format_problems
from mlp_cli.runtime.executor import Task
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.resume import (
    files_stamp,
    open_continued,
    run_fingerprint,
    synced_length,
    tree_stamp,
)
from mlp_cli.runtime.run import SKIP_HOW, Run
from mlp_cli.runtime.seeding import derive_seed


@dataclass
class TargetJob:
    specs: list[Any]
    seed: int
    copies: int
    keep_original: bool
    format: str
    quality: int
    max_pixels: int
    sanitize: Sanitize
    dataset: Dataset
    out_root: Path | None


_JOB: TargetJob | None = None
_PIPELINE: Any = None


def _init(job: TargetJob) -> None:
    global _JOB, _PIPELINE
    _JOB = job
    _PIPELINE = ImagePipeline(job.specs, targets=True)


def annotations_format(loaded: LoadedRecipe, options: RunOptions) -> str | None:
    """The recipe's ``input.annotations``, or the format the input's layout shows (None: plain images)."""
    recipe = loaded.model
    if recipe.input is None:
        return None
    if recipe.input.annotations:
        return recipe.input.annotations
    path = options.input or loaded.resolve(recipe.input.path)
    return detect(Path(path)) if path is not None else None


def render(job: TargetJob, item: AnnotatedItem):
    """Yield (copy, seed, TargetResult, source sha256, output format) for each variant of an item."""
    source = load_image(item.path, job.max_pixels)
    width, height = source.image.size
    check_inside(item, width, height)
    decode_rle(item.targets, width, height)
    semantic = load_semantic(item.semantic_path, width, height) if item.semantic_path else None
    fmt = output_format(job.format, source.format)
    for copy in copy_numbers(job.keep_original, job.copies):
        if copy == 0:
            yield copy, None, TargetResult(source.image, list(item.targets), semantic, [], {}), source.sha256, fmt
            continue
        seed = derive_seed(job.seed, item.key, copy)
        try:
            result = augment_targets(_PIPELINE, source.image, item.targets, semantic, seed, job.sanitize)
        except Exception as exc:  # noqa: BLE001 - a transform refusing this image is a data problem
            raise BadItem("transform failed", f"copy {copy}: {type(exc).__name__}: {exc}") from None
        yield copy, seed, result, source.sha256, fmt


def _process(chunk: list[AnnotatedItem | BadItem]) -> list[tuple[list[str], list[Any], dict[str, int]] | BadItem]:
    job = _JOB
    assert job is not None and job.out_root is not None
    results: list[Any] = []
    for item in chunk:
        if isinstance(item, BadItem):
            results.append(item)
            continue
        lines, label_rows, dropped = [], [], {}
        try:
            for copy, seed, result, sha, fmt in render(job, item):
                rel = job.dataset.image_rel(item, variant_name(item.stem, copy, output_suffix(fmt)))
                data = encode_image(result.image, fmt, job.quality)
                target = job.out_root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                width, height = result.image.size
                label_rows.append(job.dataset.write_labels(job.out_root, item, rel, width, height, result))
                for reason, n in result.dropped.items():
                    dropped[reason] = dropped.get(reason, 0) + n
                row = {
                    "path": rel,
                    "source": item.key,
                    "source_sha256": sha,
                    "copy": copy,
                    "seed": seed,
                    "transforms": result.applied,
                    "width": width,
                    "height": height,
                    "targets": {"in": len(item.targets), "out": len(result.targets), "dropped": result.dropped},
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
                lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        except BadItem as exc:
            results.append(exc.at(item.location, item.index))
            continue
        results.append((lines, label_rows, dropped))
    return results


def _setup(loaded: LoadedRecipe, options: RunOptions, run: Run, fmt: str) -> tuple[Dataset, list[Any]]:
    recipe = loaded.model
    path = options.input or loaded.resolve(recipe.input.path)
    is_folder = path is not None and Path(path).is_dir()
    path = run.input(path, where=loaded.where(("input", "path")), what="annotated image input", checksum=not is_folder)
    image_root = loaded.resolve(recipe.input.image_root) if recipe.input.image_root else None
    dataset = open_dataset(fmt, Path(path), Path(image_root) if image_root else None)
    try:
        specs = check_transforms(recipe.transforms, ("transforms",), targets=True)
    except RecipeError as exc:
        raise RecipeError(format_problems(loaded.path, loaded.marks, exc.problems), exc.problems) from None
    kinds = {"boxes"} | ({"semantic"} if fmt == "masks" else set())
    if fmt == "coco":
        anns = dataset.doc.get("annotations", [])
        if any(isinstance(a.get("segmentation"), list) and a.get("segmentation") for a in anns):
            kinds.add("polygons")
        if any(isinstance(a.get("segmentation"), dict) for a in anns):
            kinds.add("masks")
        if any(a.get("keypoints") for a in anns):
            kinds.add("keypoints")
    elif fmt == "yolo":
        kinds |= {"polygons"} | ({"keypoints"} if dataset.kpt_shape else set())
    if fmt == "masks":
        kinds.discard("boxes")
    try:
        check_target_transforms(specs, kinds, ("transforms",))
    except RecipeError as exc:
        raise RecipeError(format_problems(loaded.path, loaded.marks, exc.problems), exc.problems) from None
    return dataset, specs


def _dataset_stamps(dataset: Dataset) -> dict[str, Any]:
    """Size and modification time of the dataset's files (images, label files), for the resume
    fingerprint: every file of a dataset folder, or every image a COCO file names."""
    if dataset.path.is_dir():
        stamps = tree_stamp(dataset.path)
        image_root = getattr(dataset, "images", None)
        if isinstance(image_root, Path) and not image_root.is_relative_to(dataset.path):  # VOC's image_root
            stamps["images"] = tree_stamp(image_root)
        return stamps
    root = getattr(dataset, "root", dataset.path.parent)
    images = getattr(dataset, "doc", {}).get("images", [])
    return files_stamp(
        Path(root) / im["file_name"] for im in images if isinstance(im, dict) and isinstance(im.get("file_name"), str)
    )


# How many mismatches a failing plan lists (all of them are counted).
_MISMATCHES_SHOWN = 10


def check_links(dataset: Dataset, run: Run) -> dict[str, int]:
    """The plan's check of annotations against image files, before any image is read.

    Under ``on_error: fail`` any mismatch stops the run here (exit 2, nothing written), listing
    each with its file and JSON path or line. Under ``skip`` the counts by reason are returned for
    the plan; the run counts the same items as skipped when it meets them (``Dataset.items``).
    """
    problems = dataset.link_problems()
    counts: dict[str, int] = {}
    for bad in problems:
        counts[bad.reason] = counts.get(bad.reason, 0) + 1
    if problems and run.on_error == "fail":
        shown = "\n  ".join(f"{b.location}: {b.reason}: {b.detail}" for b in problems[:_MISMATCHES_SHOWN])
        more = f"\n  ... and {len(problems) - _MISMATCHES_SHOWN} more" if len(problems) > _MISMATCHES_SHOWN else ""
        raise InputDataError(
            f"{dataset.path}: {len(problems)} annotation/image mismatches found before the run "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}); nothing was written:\n  {shown}{more}\n"
            f"Fix the annotations or the image files, or {SKIP_HOW} to skip them (they are counted in the summary)."
        )
    return dict(sorted(counts.items()))


def run_target_augment(
    loaded: LoadedRecipe, fmt: str, options: RunOptions = RunOptions(), progress: Progress | None = None
) -> RunReport:
    """Augment an annotated dataset; the output has the input's layout and format."""
    recipe = loaded.model
    run = augment_run(loaded, options, progress)
    dataset, specs = _setup(loaded, options, run, fmt)
    out = run.output(loaded.output_path(options.out), folder=True, resumable=True)
    report = run.report
    total = dataset.total if options.limit is None or dataset.total is None else min(dataset.total, options.limit)
    policy = Sanitize(**recipe.sanitize.model_dump())
    mismatches = check_links(dataset, run)
    if mismatches and not options.dry_run:
        run.progress.note(
            "annotation/image mismatches found before the run, skipped: "
            + ", ".join(f"{n} {reason}" for reason, n in mismatches.items())
        )
    if options.dry_run:
        return run.dry_run(
            {
                "input": os.path.normpath(os.path.abspath(dataset.path)),
                "annotations": fmt,
                "images": total,
                "mismatches": mismatches,
                "transforms": [s.to_json() for s in specs],
                "sanitize": recipe.sanitize.model_dump(),
                "copies": recipe.copies,
                "workers": run.workers,
                "seed": run.seed,
                "output": str(out),
            }
        )
    run.progress.start(total, f"augment {fmt} images → {out.name}")
    written = 0
    dropped: dict[str, int] = {}
    targets_out = 0
    fingerprint = run_fingerprint(run, recipe.model_dump(mode="json"), images=_dataset_stamps(dataset))
    with run.stage("augment"), run.writing(out, fingerprint, folder=True) as (tmp, checkpoint):
        job = TargetJob(
            specs,
            run.seed,
            recipe.copies,
            recipe.keep_original,
            recipe.image.format,
            recipe.image.quality,
            recipe.image.max_pixels,
            policy,
            dataset,
            tmp,
        )
        task = Task("augment images", _process, _init, (job,), chunk=CHUNK_IMAGES)
        label_rows: list[Any] = []

        def items():
            for n, item in enumerate(dataset.items()):
                if options.limit is not None and n >= options.limit:
                    return
                report.items_in += 1
                yield item

        checkpoint.side("labels")  # the dataset-wide rows (COCO), one record per chunk that has some
        stream: Iterator[AnnotatedItem | BadItem] = items()
        done_before = checkpoint.items_done
        if checkpoint.state is not None:  # --resume: the images done stay, the index is cut back
            saved = checkpoint.state["state"]
            written, targets_out, dropped = saved["items_out"], saved["targets_out"], saved["dropped"]
            report.skipped, report.skipped_examples = saved["skipped"], saved["skipped_examples"]
            for record in checkpoint.records("labels"):
                label_rows.extend(record)
            report.extra["resumed_after_items"] = done_before
            stream = itertools.islice(stream, done_before, None)
            run.progress.advance(done_before)
        with open_continued(tmp / IMAGE_MANIFEST, checkpoint.data_length) as manifest_rows:
            items_done = done_before
            for done in run.executor.map(task, stream, start=done_before):
                chunk_rows: list[Any] = []
                for result in done.result:
                    if isinstance(result, BadItem):
                        run.bad(result, fix="Fix the annotation or remove the image")
                        continue
                    lines, rows, image_dropped = result
                    manifest_rows.writelines(lines)
                    chunk_rows.extend(r for r in rows if r is not None)
                    written += len(lines)
                    targets_out += sum(json.loads(line)["targets"]["out"] for line in lines)
                    for reason, n in image_dropped.items():
                        dropped[reason] = dropped.get(reason, 0) + n
                label_rows.extend(chunk_rows)
                if chunk_rows:
                    checkpoint.append_record("labels", chunk_rows)
                items_done += done.count
                run.progress.advance(done.count)
                if checkpoint.due():
                    checkpoint.save(
                        items_done,
                        synced_length(manifest_rows, others=True),
                        {
                            "items_out": written,
                            "targets_out": targets_out,
                            "dropped": dropped,
                            "skipped": report.skipped,
                            "skipped_examples": report.skipped_examples,
                        },
                    )
        if written == 0:
            detail = ""
            if report.skipped:
                first = report.skipped_examples[0]
                detail = (
                    f"; skipped: {', '.join(f'{k}: {v}' for k, v in sorted(report.skipped.items()))}; "
                    f"first: {first['location']}: {first['reason']}: {first['detail']}"
                )
            raise InputDataError(f"{dataset.path}: no image written ({report.items_in} source images read){detail}")
        dataset.finish(tmp, label_rows)
    report.items_out = written
    report.extra.update(
        {
            "input": os.path.normpath(os.path.abspath(dataset.path)),
            "annotations": fmt,
            "images_manifest": str(out / IMAGE_MANIFEST),
            "copies": recipe.copies,
            "targets_out": targets_out,
            "targets_dropped": dict(sorted(dropped.items())),
        }
    )
    if dropped:
        run.progress.note(
            "dropped targets after transforms: " + ", ".join(f"{n} {reason}" for reason, n in sorted(dropped.items()))
        )
    return run.finish(recipe=recipe.model_dump(mode="json"))


# Drawing colours for the preview, cycled by label.
_PALETTE = [(255, 64, 64), (64, 220, 64), (64, 128, 255), (255, 200, 0), (255, 0, 255), (0, 230, 230)]


def draw_targets(result: TargetResult) -> Any:
    """The image with its boxes, masks (tinted), polygons and keypoints drawn on it."""
    import numpy as np
    from PIL import Image, ImageDraw

    image = result.image.convert("RGB")
    labels = sorted({str(t.label) for t in result.targets})
    colour = {label: _PALETTE[i % len(_PALETTE)] for i, label in enumerate(labels)}
    if result.semantic is not None:
        ids = np.asarray(result.semantic)
        tint = np.zeros((*ids.shape, 3), dtype=np.uint8)
        for value in np.unique(ids):
            if value:
                tint[ids == value] = _PALETTE[int(value) % len(_PALETTE)]
        blend = Image.blend(image, Image.fromarray(tint), 0.45)
        image = Image.composite(blend, image, Image.fromarray(((ids > 0) * 255).astype(np.uint8)))
    draw = ImageDraw.Draw(image)
    for t in result.targets:
        c = colour[str(t.label)]
        if t.mask is not None:
            layer = Image.new("RGB", image.size, c)
            image.paste(Image.blend(image, layer, 0.45), (0, 0), Image.fromarray((t.mask > 0).astype(np.uint8) * 255))
            draw = ImageDraw.Draw(image)
        for poly in t.polygons or []:
            draw.polygon([(poly[i], poly[i + 1]) for i in range(0, len(poly), 2)], outline=c)
        draw.rectangle(t.box, outline=c)
        kp = t.keypoints or []
        for x, y, v in zip(kp[0::3], kp[1::3], kp[2::3], strict=False):
            if v > 0:
                draw.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=(255, 255, 255), outline=c)
    return image


def write_target_preview(
    loaded: LoadedRecipe, fmt: str, options: RunOptions, preview_path: Path, count: int
) -> RunReport:
    """A contact sheet with each source's targets drawn, beside ``count`` augmented copies (as the run makes them)."""
    recipe = loaded.model
    run = preview_run(loaded, options)
    dataset, specs = _setup(loaded, options, run, fmt)
    run.output(preview_path)
    job = TargetJob(
        specs,
        run.seed,
        count,
        True,
        recipe.image.format,
        recipe.image.quality,
        recipe.image.max_pixels,
        Sanitize(**recipe.sanitize.model_dump()),
        dataset,
        None,
    )
    _init(job)

    def items() -> Iterator[AnnotatedItem | BadItem]:
        for item in dataset.items():
            run.report.items_in += 1
            yield item

    def tiles(item: AnnotatedItem) -> list[tuple[Any, str]]:
        return [(draw_targets(r), item.key if c == 0 else f"aug{c}") for c, _, r, _, _ in render(job, item)]

    return save_preview(run, options, preview_path, items(), tiles, dataset.path, recipe, annotations=fmt)
