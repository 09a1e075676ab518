"""What both image runners share: work chunking, output names, and the preview contact sheet.

``run.py`` (class folders and image lists) and ``targets_run.py`` (annotated datasets) both import
this module; neither imports the other's internals, so there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mlp_cli.errors import BadItem, InputDataError
from mlp_cli.io.atomic import atomic_file
from mlp_cli.io.manifest import RunReport
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.run import Run

# Images per work chunk: small, because one image takes milliseconds to tens of milliseconds and
# small chunks keep workers evenly loaded; large enough that queueing overhead stays negligible.
CHUNK_IMAGES = 4

# The per-image manifest inside the output folder (one JSON row per written image).
IMAGE_MANIFEST = "manifest.jsonl"

# Preview tiles: each image is fitted into a square of this many pixels.
PREVIEW_TILE = 192
PREVIEW_SOURCES = 4


def augment_run(loaded: LoadedRecipe, options: RunOptions, progress: Progress | None) -> Run:
    """The ``Run`` of an image augment: the recipe's seed, workers and on_error, counted in images."""
    recipe = loaded.model
    return Run(
        "augment",
        loaded,
        options,
        progress,
        seed=recipe.seed,
        workers=recipe.workers,
        on_error=recipe.on_error,
        items="images",
    )


def preview_run(loaded: LoadedRecipe, options: RunOptions) -> Run:
    """The ``Run`` of a preview: one process, unreadable images skipped (and counted)."""
    return Run("augment", loaded, options, seed=loaded.model.seed, workers=1, on_error="skip", items="images")


def variant_name(stem: str, copy: int, suffix: str) -> str:
    """``<stem>__aug<k><suffix>``, or ``<stem><suffix>`` for the kept original (copy 0)."""
    return f"{stem}{suffix}" if copy == 0 else f"{stem}__aug{copy}{suffix}"


def copy_numbers(keep_original: bool, copies: int) -> list[int]:
    """Copy numbers to make for an item: 0 is the (converted) original, 1..N the augmented."""
    return ([0] if keep_original else []) + list(range(1, copies + 1))


def save_preview(
    run: Run,
    options: RunOptions,
    preview_path: Path,
    items: Iterable[Any],
    tiles: Callable[[Any], list[tuple[Any, str]]],
    source_path: Path,
    recipe: Any,
    **extra: Any,
) -> RunReport:
    """Render the first ``--limit`` (default 4) readable items as a contact sheet and write it atomically.

    ``tiles(item)`` gives an item's row of (image, caption), the source first; a ``BadItem`` (from
    the stream or raised by ``tiles``) is counted and skipped. On --dry-run nothing is written.
    """
    wanted = options.limit or PREVIEW_SOURCES
    report = run.report
    rows: list[list[tuple[Any, str]]] = []
    for item in items:
        if isinstance(item, BadItem):
            run.bad(item)
            continue
        try:
            row = tiles(item)
        except BadItem as exc:
            run.bad(exc.at(item.location, item.index))
            continue
        rows.append(row)
        report.items_out += len(row) - 1
        if len(rows) >= wanted:
            break
    if not rows:
        raise InputDataError(f"{source_path}: no readable images to preview")
    sheet = contact_sheet(rows)
    report.extra["preview"] = {"sources": len(rows), "versions": len(rows[0]) - 1, "size": list(sheet.size), **extra}
    if options.dry_run:
        report.dry_run, report.outputs = True, []
        return report
    with atomic_file(preview_path, options.overwrite) as tmp:
        sheet.save(tmp, "PNG")
    return run.finish(recipe=recipe.model_dump(mode="json"))


def contact_sheet(rows: list[list[tuple[Any, str]]]) -> Any:
    """A grid: one row per source image, its first tile the source, then the augmented versions."""
    from PIL import Image, ImageDraw, ImageOps

    caption = 14
    gap = 4
    columns = max(len(r) for r in rows)
    cell_w, cell_h = PREVIEW_TILE + gap, PREVIEW_TILE + caption + gap
    sheet = Image.new("RGB", (columns * cell_w + gap, len(rows) * cell_h + gap), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        for c, (image, label) in enumerate(row):
            # contain() scales up as well as down, so small sources compare with their crops
            tile = ImageOps.contain(image.convert("RGB"), (PREVIEW_TILE, PREVIEW_TILE))
            x = gap + c * cell_w + (PREVIEW_TILE - tile.width) // 2
            y = gap + r * cell_h + (PREVIEW_TILE - tile.height) // 2
            sheet.paste(tile, (x, y))
            text = label if len(label) <= 30 else "..." + label[-27:]
            # Pillow's built-in font may be a bitmap font that only knows Latin-1.
            text = text.encode("latin-1", "replace").decode("latin-1")
            draw.text((gap + c * cell_w + 2, gap + r * cell_h + PREVIEW_TILE + 1), text, fill=(230, 230, 230))
    return sheet
