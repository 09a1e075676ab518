"""Image inputs: folder and list scanning, safe loading, colour conversion, encoding.

An image input is either a folder, read recursively (a class-per-subfolder layout, as
torchvision's ``ImageFolder`` reads it, gives each image the label of its top-level subfolder),
or a JSONL/CSV list with one image path per row and an optional label. Either way the result is
a stream of ``ImageItem`` (or ``BadItem`` for a list row that cannot be used), in a stable order.

Loading never trusts a file: empty, truncated, corrupt, non-image and oversized files
(decompression bombs) raise ``BadItem`` with a short reason, which the runner reports by
path under the recipe's ``on_error`` policy. Every image is converted to 8-bit RGB, the way
``ImageFolder``'s default loader does, with the cases below made explicit:

- EXIF orientation is applied (a photo taken in portrait comes out upright);
- palette (P), 1-bit, grey (L), CMYK and YCbCr images are converted to RGB;
- transparency (RGBA, LA, PA, or a palette with a transparent colour) is flattened onto white;
- 16-bit (and 32-bit integer) grey images are scaled from 0–65535 to 0–255;
- 32-bit float grey images are clipped to 0–255.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mlp_cli.errors import BadItem
from mlp_cli.io.rows import Row, RowSource, iter_rows

# What a folder scan treats as an image (torchvision's IMG_EXTENSIONS plus .gif); other files are
# ignored and counted, as ImageFolder ignores them.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pgm", ".pbm")

# Output format -> (Pillow format name, file suffix)
OUTPUT_FORMATS = {"jpeg": ("JPEG", ".jpg"), "png": ("PNG", ".png"), "webp": ("WEBP", ".webp")}

# Source formats that ``format: same`` keeps; anything else (BMP, TIFF, GIF, ...) becomes PNG.
_SAME_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "MPO": "jpeg"}

_TRANSPARENT_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


@dataclass(frozen=True)
class ImageItem:
    """One source image to augment.

    Attributes:
        index: position in the input stream (0-based).
        key: the image's path relative to the input (a folder) or as written in the list; seeds
            are derived from it, so it must not depend on where the data set is mounted.
        path: the file to read.
        label: the class (top-level subfolder, or the list's label field), if any.
        out_dir: the folder, relative to the output, that receives this image's outputs.
        stem: the base of the output file names (``<stem>__aug<k>.<ext>``).
        location: where to point a user when this image is bad.
    """

    index: int
    key: str
    path: Path
    label: str | None
    out_dir: str
    stem: str
    location: str


def scan_folder(root: Path) -> tuple[list[str], int]:
    """Image files under ``root`` and the number of other files ignored.

    Paths are relative POSIX strings (compact: a folder may hold millions), in a stable order that
    keeps each folder's files together: a folder's own files sorted by name, then its subfolders
    in name order, recursively. Hidden files and folders (``.DS_Store``, ``.ipynb_checkpoints``)
    are skipped silently; other files whose suffix is not an image suffix are counted as ignored.
    """
    found: list[str] = []
    ignored = 0
    for folder, dirs, files in os.walk(root):  # top-down: a folder before its subfolders
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(IMAGE_SUFFIXES):
                found.append(prefix + name)
            else:
                ignored += 1
    return found, ignored


def folder_items(root: Path, files: list[str]) -> Iterator[ImageItem]:
    """The items of a scanned folder; an image in a subfolder takes the top-level folder as label."""
    for index, key in enumerate(files):
        rel = PurePosixPath(key)
        parent = rel.parent.as_posix()
        yield ImageItem(
            index=index,
            key=key,
            path=root / rel,
            label=rel.parts[0] if len(rel.parts) > 1 else None,
            out_dir="" if parent == "." else parent,
            stem=rel.stem,
            location=str(root / rel),
        )


def list_items(source: RowSource, path_field: str, label_field: str | None) -> Iterator[ImageItem | BadItem]:
    """The items of a JSONL/CSV list of image paths (relative to the list's folder).

    Outputs go to ``<label>/`` when the row has a label, otherwise to the image's own relative
    folder (the output root for absolute paths or paths leading out of the list's folder).
    """
    base = source.path.parent
    for row in iter_rows(source):
        if isinstance(row, BadItem):
            yield row
            continue
        yield _list_item(row, base, path_field, label_field)


def _list_item(row: Row, base: Path, path_field: str, label_field: str | None) -> ImageItem | BadItem:
    value = row.data.get(path_field)
    if value is None or not isinstance(value, str) or not value.strip():
        fields = ", ".join(map(str, row.data)) or "none"
        return BadItem(
            "missing field", f"no image path in field {path_field!r} (fields: {fields})", row.location, row.index
        )
    written = PurePosixPath(value.strip().replace("\\", "/"))
    path = Path(written) if written.is_absolute() else base / written
    label = None
    if label_field is not None:
        raw = row.data.get(label_field)
        if raw is None or str(raw).strip() == "":
            return BadItem("missing field", f"no label in field {label_field!r}", row.location, row.index)
        label = str(raw).strip()
        if label in (".", "..") or any(c in label for c in "/\\\0"):
            return BadItem("bad label", f"label {label!r} cannot be a folder name", row.location, row.index)
    if label is not None:
        out_dir = label
    elif written.is_absolute() or ".." in written.parts:
        out_dir = ""
    else:
        parent = written.parent.as_posix()
        out_dir = "" if parent == "." else parent
    return ImageItem(
        index=row.index,
        key=written.as_posix(),
        path=path,
        label=label,
        out_dir=out_dir,
        stem=written.stem,
        location=f"{row.location} ({value})",
    )


@dataclass(frozen=True)
class SourceImage:
    """A loaded source image: 8-bit RGB pixels, the file's format and the sha256 of its bytes."""

    image: Any
    format: str | None
    sha256: str


def load_image(path: Path, max_pixels: int) -> SourceImage:
    """Read an image file safely, upright and in 8-bit RGB.

    The file is read once: its bytes are hashed (for the manifest) and decoded from memory.

    Raises:
        BadItem: missing, empty, not an image, over ``max_pixels``, truncated or corrupt.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadItem("missing file", "no such file") from None
    except OSError as exc:
        raise BadItem("unreadable file", exc.strerror or str(exc)) from None
    if path.is_dir():
        raise BadItem("not an image", "is a folder")
    if size == 0:
        raise BadItem("empty file", "0 bytes")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadItem("unreadable file", exc.strerror or str(exc)) from None
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is checked from the header, before any pixel is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                if width * height > max_pixels:
                    raise BadItem(
                        "too many pixels",
                        f"{width}x{height} = {width * height:,} pixels, over image.max_pixels "
                        f"{max_pixels:,} (a guard against decompression bombs; raise it to accept this image)",
                    )
                source_format = im.format
                im.load()
                # in place: no copy of the pixels when the orientation is already upright
                ImageOps.exif_transpose(im, in_place=True)
                return SourceImage(to_rgb(im), source_format, hashlib.sha256(data).hexdigest())
    except BadItem:
        raise
    except UnidentifiedImageError:
        raise BadItem("not an image", "not a format Pillow can read") from None
    except Image.DecompressionBombError as exc:
        raise BadItem("too many pixels", str(exc)) from None
    except OSError as exc:  # truncated data ("image file is truncated"), broken streams
        raise BadItem("corrupt image", str(exc) or type(exc).__name__) from None
    except Exception as exc:  # noqa: BLE001 - Pillow's decoders raise many types on bad data
        raise BadItem("corrupt image", f"{type(exc).__name__}: {exc}") from None


def to_rgb(im: Any) -> Any:
    """An 8-bit RGB copy of a PIL image (see the module docstring for each mode)."""
    from PIL import Image

    mode = im.mode
    if mode == "RGB":
        return im
    if mode.startswith("I") or mode == "F":
        import numpy as np

        arr = np.asarray(im)
        if mode == "F":
            grey = np.clip(arr, 0, 255).round().astype(np.uint8)
        else:
            wide = np.clip(arr.astype(np.int64), 0, 65535)
            grey = ((wide * 255 + 32767) // 65535).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode in _TRANSPARENT_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def output_format(configured: str, source_format: str | None) -> str:
    """The format to write: the configured one, or for ``same`` the source's (PNG if unsupported)."""
    if configured != "same":
        return configured
    return _SAME_FORMATS.get(source_format or "", "png")


def output_suffix(fmt: str) -> str:
    """``jpeg`` -> ``.jpg``."""
    return OUTPUT_FORMATS[fmt][1]


def encode_image(image: Any, fmt: str, quality: int) -> bytes:
    """The file bytes of ``image`` in ``fmt`` (jpeg, png, webp); deterministic for given inputs."""
    pil_format = OUTPUT_FORMATS[fmt][0]
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, pil_format)
    else:
        image.save(buffer, pil_format, quality=quality)
    return buffer.getvalue()
