"""Annotation formats in and out: COCO JSON, YOLO, Pascal VOC XML, semantic masks.

Each format reads a dataset into a stream of ``AnnotatedItem`` (an image path plus its targets, in
pixel coordinates) in a stable order, and writes augmented images back in the same layout:

- ``coco``: ``input.path`` is the annotation JSON; images are found under ``input.image_root`` or
  beside the JSON by ``file_name``. Output: the images under the same relative folders and one
  JSON of the same name, with new image and annotation ids (boxes, polygons, RLE, keypoints).
- ``yolo``: a folder with ``images/``, ``labels/`` (one ``.txt`` per image: ``class cx cy w h``,
  ``class x y x y ...`` polygons, or pose rows when ``data.yaml`` has ``kpt_shape``) and
  ``data.yaml``, copied to the output (a top-level ``path:`` commented out, so trainers read the output).
- ``voc``: a folder with ``Annotations/*.xml`` and ``JPEGImages/``.
- ``masks``: a folder with ``images/`` and ``masks/`` (a PNG of class ids per image, same stem).

Annotations that do not match (unknown category, box outside the canvas, unreadable label file)
are ``BadItem`` with the file and annotation id, handled by the recipe's ``on_error``. Links
between annotations and image files (an annotation whose image is not listed, an image entry whose
file is missing, a YOLO label file or a mask with no image) are checked by ``link_problems`` before
the run starts; ``items`` yields the same ``BadItem`` in place of the item, so ``on_error: skip``
counts them like any other bad item.

Coordinates are continuous inside mlp (pixel ``i`` covers ``[i, i+1)``; see ``targets``). COCO boxes and
polygons already are; COCO keypoints are pixel indices (detectron2 reads them with ``+ 0.5``), so
they are read with ``+ 0.5`` and written with ``- 0.5``; YOLO's normalised keypoints are continuous
(ultralytics flips them as ``1 - x``); VOC boxes are 1-based inclusive pixels.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from mlp_cli.augment.image.targets import Target
from mlp_cli.errors import BadItem, InputDataError
from mlp_cli.io.images import IMAGE_SUFFIXES, scan_folder

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

FORMATS = ("coco", "yolo", "voc", "masks")

# How far (pixels) a source box may reach past its image before it is reported as outside.
EDGE_TOLERANCE = 1.0


@dataclass(frozen=True)
class AnnotatedItem:
    """One source image and its targets (see ``io.images.ImageItem`` for the shared fields)."""

    index: int
    key: str
    path: Path
    out_dir: str
    stem: str
    location: str
    targets: list[Target]
    size: tuple[int, int] | None = None  # (width, height) as the annotations state it
    semantic_path: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)


def detect(path: Path) -> str | None:
    """The annotation format a path's layout shows, or None (a plain image folder or list)."""
    if path.is_file() and path.suffix.lower() == ".json":
        return "coco"
    if path.is_dir():
        if (path / "images").is_dir() and ((path / "data.yaml").is_file() or (path / "labels").is_dir()):
            return "yolo"
        if (path / "Annotations").is_dir():
            return "voc"
        if (path / "masks").is_dir() and (path / "images").is_dir():
            return "masks"
    return None


class Dataset:
    """An annotated input: its items, and what the output needs besides the images."""

    format: str

    def __init__(self, path: Path, image_root: Path | None = None):
        self.path = path
        self.image_root = image_root
        self.total: int | None = None
        self.meta: dict[str, Any] = {}

    def items(self) -> Iterator[AnnotatedItem | BadItem]:
        raise NotImplementedError

    def link_problems(self) -> list[BadItem]:
        """Annotations and image files that do not match, found without reading any image (cheap)."""
        return []

    def image_rel(self, item: AnnotatedItem, name: str) -> str:
        """Where an output image goes, relative to the output folder."""
        return f"{item.out_dir}/{name}" if item.out_dir else name

    def write_labels(self, out_root: Path, item: AnnotatedItem, rel: str, width: int, height: int, result: Any) -> Any:
        """Write this image's annotation file (worker side); return what the parent needs, if anything."""
        return None

    def finish(self, out_root: Path, rows: list[Any]) -> None:
        """Write what covers the whole dataset (parent side), from ``write_labels`` results in order."""


def open_dataset(fmt: str, path: Path, image_root: Path | None) -> Dataset:
    cls = {"coco": CocoDataset, "yolo": YoloDataset, "voc": VocDataset, "masks": MaskDataset}[fmt]
    return cls(path, image_root)


def check_inside(item: AnnotatedItem, width: int, height: int) -> None:
    """A source box past its image's edges is an annotation error (raised as BadItem)."""
    for t in item.targets:
        x0, y0, x1, y1 = t.box
        if x0 < -EDGE_TOLERANCE or y0 < -EDGE_TOLERANCE or x1 > width + EDGE_TOLERANCE or y1 > height + EDGE_TOLERANCE:
            ident = t.extra.get("id", "")
            raise BadItem(
                "box outside the image",
                f"annotation {ident} box {[round(c, 2) for c in t.box]} is outside the {width}x{height} image".replace(
                    "annotation  ", "annotation "
                ),
            )
    if item.size is not None and tuple(item.size) != (width, height):
        raise BadItem("size mismatch", f"annotations say {item.size[0]}x{item.size[1]}, the image is {width}x{height}")


# --- COCO --------------------------------------------------------------------------------------


class CocoDataset(Dataset):
    format = "coco"

    def __init__(self, path: Path, image_root: Path | None = None):
        super().__init__(path, image_root)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputDataError(f"{path}: not a readable COCO JSON file: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
            raise InputDataError(f"{path}: a COCO file is a JSON object with 'images', 'annotations', 'categories'")
        self.doc = doc
        self.root = image_root or path.parent
        self.total = len(doc["images"])
        self._links: tuple[list[BadItem], dict[int, BadItem]] | None = None

    def _image_where(self, n: int, im: Any) -> str:
        if not isinstance(im, dict):
            return f"{self.path}: $.images[{n}]"
        return f"{self.path}: $.images[{n}] (id {im.get('id')}, {im.get('file_name')})"

    def link_problems(self) -> list[BadItem]:
        """Annotations whose ``image_id`` is not in ``images``, and image entries without a file."""
        if self._links is not None:
            return self._links[0] + list(self._links[1].values())
        doc = self.doc
        image_ids = {im.get("id") for im in doc["images"] if isinstance(im, dict)}
        orphans = []
        counts: dict[Any, int] = {}
        by_image: dict[Any, list[tuple[int, dict]]] = {}
        for k, ann in enumerate(doc.get("annotations", [])):
            if not isinstance(ann, dict) or ann.get("image_id") not in image_ids:
                ident = ann.get("id") if isinstance(ann, dict) else None
                target = ann.get("image_id") if isinstance(ann, dict) else None
                orphans.append(
                    BadItem(
                        "annotation without image",
                        f"annotation {ident} points at image_id {target}, which is not in 'images'",
                        f"{self.path}: $.annotations[{k}] (id {ident})",
                    )
                )
                continue
            counts[ann.get("image_id")] = counts.get(ann.get("image_id"), 0) + 1
            by_image.setdefault(ann.get("image_id"), []).append((k, ann))
        per_image: dict[int, BadItem] = {}
        for n, im in enumerate(doc["images"]):
            where = self._image_where(n, im)
            name = im.get("file_name") if isinstance(im, dict) else None
            if not isinstance(name, str) or not name:
                per_image[n] = BadItem("bad image entry", "no file_name", where)
                continue
            try:
                _coco_image_size(im)
            except ValueError as exc:
                per_image[n] = BadItem(
                    "bad image entry",
                    f"{exc}; an image entry gives its width and height in pixels (or neither, to use the image's own size)",
                    where,
                )
                continue
            path = self.root / PurePosixPath(name.replace("\\", "/"))
            if not path.is_file():
                hint = "input.image_root" if self.image_root else "input.image_root (images are looked for beside the JSON)"
                per_image[n] = BadItem(
                    "missing image file",
                    f"image id {im.get('id')} has no file {path} ({counts.get(im.get('id'), 0)} annotations refer to it); "
                    f"check file_name or {hint}",
                    where,
                )
                continue
            bad = self._annotation_problem(im, by_image.get(im.get("id"), []))
            if bad is not None:
                per_image[n] = bad
        self._links = (orphans, per_image)
        return orphans + list(per_image.values())

    def _annotation_problem(self, im: dict, anns: list[tuple[int, dict]]) -> BadItem | None:
        """The first annotation of an image that the JSON alone shows is wrong: an unknown category,
        or a box past the ``width``/``height`` the image entry declares."""
        categories = self._categories
        size = (im.get("width"), im.get("height"))
        for k, ann in anns:
            where = f"{self.path}: $.annotations[{k}] (id {ann.get('id')}, image {im.get('file_name')})"
            if ann.get("category_id") not in categories:
                return BadItem(
                    "unknown category",
                    f"annotation {ann.get('id')} has category_id {ann.get('category_id')} "
                    f"(categories: {', '.join(map(str, sorted(categories, key=str)))})",
                    where,
                )
            bbox = ann.get("bbox")
            if all(isinstance(v, (int, float)) for v in size) and isinstance(bbox, list) and len(bbox) == 4:
                try:
                    x, y, w, h = (float(v) for v in bbox)
                except (TypeError, ValueError):
                    continue  # items() reports the malformed annotation
                width, height = cast("tuple[float, float]", size)  # numbers: checked by the all() above
                if x < -EDGE_TOLERANCE or y < -EDGE_TOLERANCE or x + w > width + EDGE_TOLERANCE or y + h > height + EDGE_TOLERANCE:
                    return BadItem(
                        "box outside the image",
                        f"annotation {ann.get('id')} bbox {bbox} is outside the {width}x{height} image it declares",
                        where,
                    )
        return None

    @property
    def _categories(self) -> set[Any]:
        return {c.get("id") for c in self.doc.get("categories", []) if isinstance(c, dict)}

    def items(self) -> Iterator[AnnotatedItem | BadItem]:
        doc = self.doc
        self.link_problems()
        assert self._links is not None
        orphans, per_image = self._links
        categories = {c.get("id") for c in doc.get("categories", []) if isinstance(c, dict)}
        by_image: dict[Any, list[tuple[int, dict]]] = {}
        for k, ann in enumerate(doc.get("annotations", [])):
            if isinstance(ann, dict):
                by_image.setdefault(ann.get("image_id"), []).append((k, ann))
        index = 0
        bad: BadItem | None
        for bad in orphans:
            yield BadItem(bad.reason, bad.detail, bad.location, index)
            index += 1
        for n, im in enumerate(doc["images"]):
            where = self._image_where(n, im)
            if n in per_image:
                bad = per_image[n]
                yield BadItem(bad.reason, bad.detail, bad.location, index)
                index += 1
                continue
            name = im["file_name"]
            targets: list[Target] = []
            bad = None
            for k, ann in by_image.get(im.get("id"), []):
                ann_where = f"{self.path}: $.annotations[{k}] (id {ann.get('id')}, image {im.get('file_name')})"
                if ann.get("category_id") not in categories:
                    bad = BadItem(
                        "unknown category",
                        f"annotation {ann.get('id')} has category_id {ann.get('category_id')} "
                        f"(categories: {', '.join(map(str, sorted(categories, key=str)))})",
                        ann_where,
                        index,
                    )
                    break
                try:
                    targets.append(_coco_target(ann))
                except (TypeError, ValueError, IndexError, KeyError) as exc:
                    bad = BadItem("bad annotation", f"annotation {ann.get('id')}: {exc}", ann_where, index)
                    break
            if bad is not None:
                yield bad
                index += 1
                continue
            rel = PurePosixPath(name.replace("\\", "/"))
            parent = rel.parent.as_posix()
            size = _coco_image_size(im)  # checked by link_problems: a bad one is in per_image
            yield AnnotatedItem(
                index=index,
                key=rel.as_posix(),
                path=self.root / rel,
                out_dir="" if parent == "." else parent,
                stem=rel.stem,
                location=where,
                targets=targets,
                size=size,
                info={k: v for k, v in im.items() if k not in ("id", "file_name", "width", "height")},
            )
            index += 1

    def write_labels(self, out_root: Path, item: AnnotatedItem, rel: str, width: int, height: int, result: Any) -> Any:
        anns = []
        for t in result.targets:
            x0, y0, x1, y1 = t.box
            ann: dict[str, Any] = {"category_id": t.label}
            ann.update({k: v for k, v in t.extra.items() if k not in ("id", "rle")})
            ann["bbox"] = [x0, y0, round(x1 - x0, 3), round(y1 - y0, 3)]
            ann["area"] = round((x1 - x0) * (y1 - y0), 3)
            if t.polygons:
                ann["segmentation"] = t.polygons
                ann["area"] = round(sum(_poly_area(p) for p in t.polygons), 3)
            elif t.mask is not None:
                import numpy as np
                from pycocotools import mask as mask_utils

                rle = mask_utils.encode(np.asfortranarray(t.mask.astype(np.uint8)))
                ann["area"] = float(mask_utils.area(rle))
                rle["counts"] = rle["counts"].decode("ascii")
                ann["segmentation"] = rle
            if t.keypoints:
                ann["keypoints"] = _keypoints_to_coco(t.keypoints)
                ann["num_keypoints"] = sum(1 for v in t.keypoints[2::3] if v > 0)
            anns.append(ann)
        return {"file_name": rel, "width": width, "height": height, **item.info, "annotations": anns}

    def finish(self, out_root: Path, rows: list[Any]) -> None:
        images: list[dict[str, Any]] = []
        annotations: list[dict[str, Any]] = []
        for row in rows:
            image_id = len(images) + 1
            anns = row.pop("annotations")
            images.append({"id": image_id, **row})
            for ann in anns:
                annotations.append({"id": len(annotations) + 1, "image_id": image_id, **ann})
        doc = {k: v for k, v in self.doc.items() if k not in ("images", "annotations")}
        doc["images"] = images
        doc["annotations"] = annotations
        doc.setdefault("categories", [])
        (out_root / self.path.name).write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")


def _coco_image_size(im: dict[str, Any]) -> tuple[int, int] | None:
    """The (width, height) a COCO image entry declares; None when it states neither.

    Raises:
        ValueError: only one of the two is there, or one is not a positive integer (null, text, 12.5).
    """
    if "width" not in im and "height" not in im:
        return None
    size = []
    for key, other in (("width", "height"), ("height", "width")):
        if key not in im:
            raise ValueError(f"{other} is given but {key} is missing")
        value = im[key]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{key} is {json.dumps(value)}, not a positive integer")
        size.append(value)
    return size[0], size[1]


def _coco_target(ann: dict) -> Target:
    x, y, w, h = (float(v) for v in ann["bbox"])
    extra = {
        k: v
        for k, v in ann.items()
        if k not in ("bbox", "segmentation", "keypoints", "area", "image_id", "category_id", "num_keypoints")
    }
    polygons = None
    seg = ann.get("segmentation")
    if isinstance(seg, list) and seg:
        polygons = [[float(c) for c in poly] for poly in seg if len(poly) >= 6]
    elif isinstance(seg, dict):
        extra["rle"] = seg
    keypoints = None
    if ann.get("keypoints"):
        keypoints = _keypoints_from_coco([float(c) for c in ann["keypoints"]])
    return Target(ann["category_id"], [x, y, x + w, y + h], polygons or None, None, keypoints, extra)


def _keypoints_from_coco(values: list[float]) -> list[float]:
    """COCO keypoints (pixel indices: pixel i's centre is i) to continuous coordinates (centre i + 0.5).

    Unlabelled points (``v = 0``) stay as written.
    """
    if len(values) % 3:
        raise ValueError(f"keypoints has {len(values)} values, not a multiple of 3 (x, y, v per point)")
    out = []
    for x, y, v in zip(values[0::3], values[1::3], values[2::3], strict=True):
        out += [x + 0.5, y + 0.5, v] if v > 0 else [x, y, v]
    return out


def _keypoints_to_coco(values: list[float]) -> list[float]:
    """Continuous coordinates back to COCO's pixel indices (unlabelled points stay as they are)."""
    out: list[float] = []
    for x, y, v in zip(values[0::3], values[1::3], values[2::3], strict=True):
        out += [round(x - 0.5, 3) + 0.0, round(y - 0.5, 3) + 0.0, v] if v > 0 else [x, y, v]
    return out


def decode_rle(targets: list[Target], width: int, height: int) -> None:
    """Decode COCO RLE segmentations (kept compact until the worker needs the pixels)."""
    rles = [t for t in targets if "rle" in t.extra]
    if not rles:
        return
    from pycocotools import mask as mask_utils

    for t in rles:
        rle = t.extra["rle"]
        if isinstance(rle.get("counts"), list):  # uncompressed RLE
            rle = mask_utils.frPyObjects(rle, height, width)
        elif isinstance(rle.get("counts"), str):
            rle = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
        t.mask = mask_utils.decode(rle)


def _poly_area(poly: list[float]) -> float:
    xs, ys = poly[0::2], poly[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2


# --- YOLO --------------------------------------------------------------------------------------


class YoloDataset(Dataset):
    format = "yolo"

    def __init__(self, path: Path, image_root: Path | None = None):
        super().__init__(path, image_root)
        import yaml

        self.images = path / "images"
        if not self.images.is_dir():
            raise InputDataError(f"{path}: a YOLO dataset folder has images/, labels/ and data.yaml; no images/ found")
        self.data_yaml = path / "data.yaml"
        text = ""
        try:
            text = self.data_yaml.read_text(encoding="utf-8") if self.data_yaml.is_file() else ""
            data = yaml.safe_load(text) if text else {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputDataError(f"{self.data_yaml}: not a readable YOLO dataset YAML file: {exc}") from None
        data = data if isinstance(data, dict) else {}
        names = data.get("names")
        self.classes = len(names) if isinstance(names, (list, dict)) else data.get("nc")
        self.kpt_shape = _kpt_shape(data.get("kpt_shape"), self.data_yaml, text)
        self.files, _ = scan_folder(self.images)
        self.total = len(self.files)
        self._links: list[BadItem] | None = None

    def _label_path(self, root: Path, key: str) -> Path:
        return root / "labels" / PurePosixPath(key).with_suffix(".txt")

    def link_problems(self) -> list[BadItem]:
        """Label files under ``labels/`` with no image of the same stem under ``images/``."""
        if self._links is not None:
            return list(self._links)
        labels = self.path / "labels"
        stems = {PurePosixPath(key).with_suffix("").as_posix() for key in self.files}
        orphans = []
        if labels.is_dir():
            for label in sorted(labels.rglob("*.txt")):
                rel = PurePosixPath(label.relative_to(labels).as_posix()).with_suffix("")
                if rel.as_posix() == "classes":  # labelImg's class list, not a label file
                    continue
                if rel.as_posix() not in stems:
                    orphans.append(
                        BadItem(
                            "label without image",
                            f"no image {self.images / rel}.* for this label file "
                            f"(looked for {', '.join(IMAGE_SUFFIXES)})",
                            str(label),
                        )
                    )
        self._links = orphans
        return list(orphans)

    def items(self) -> Iterator[AnnotatedItem | BadItem]:
        from PIL import Image

        bad: BadItem | None
        for bad in self.link_problems():
            yield BadItem(bad.reason, bad.detail, bad.location, -1)
        for index, key in enumerate(self.files):
            rel = PurePosixPath(key)
            label_path = self._label_path(self.path, key)
            where = str(label_path)
            try:
                text = label_path.read_text(encoding="utf-8") if label_path.exists() else ""
            except (OSError, UnicodeDecodeError) as exc:
                yield BadItem("unreadable labels", str(exc), where, index)
                continue
            width: int | None
            height: int | None
            try:
                with Image.open(self.images / rel) as im:
                    width, height = im.size
            except Exception:  # noqa: BLE001 - the worker reports the image itself
                width = height = None
            targets: list[Target] = []
            bad = None
            for n, line in enumerate(text.splitlines(), 1):
                row = line.split()
                if not row:
                    continue
                try:
                    target = self._target(row, width or 1, height or 1)
                except ValueError as exc:
                    bad = BadItem("bad label", f"line {n}: {exc}: {line.strip()[:120]!r}", f"{where}:{n}", index)
                    break
                if width is not None and height is not None and _outside(target.box, width, height):
                    x0, y0, x1, y1 = target.box
                    bad = BadItem(
                        "box outside the image",
                        f"line {n}: class {target.label} spans x {x0 / width:.4f}..{x1 / width:.4f}, "
                        f"y {y0 / height:.4f}..{y1 / height:.4f}, past 0..1 (normalised to the "
                        f"{width}x{height} image): {line.strip()[:120]!r}",
                        f"{where}:{n}",
                        index,
                    )
                    break
                targets.append(target)
            if bad is not None:
                yield bad
                continue
            parent = rel.parent.as_posix()
            yield AnnotatedItem(
                index=index,
                key=key,
                path=self.images / rel,
                out_dir="" if parent == "." else parent,
                stem=rel.stem,
                location=f"{self.images / rel} ({where})",
                targets=targets,
                size=(width, height) if width and height is not None else None,  # both come from im.size
            )

    def _target(self, row: list[str], width: int, height: int) -> Target:
        values = []
        for i, v in enumerate(row, 1):
            try:
                values.append(float(v))
            except ValueError:
                raise ValueError(f"value {i} ({v!r}) is not a number") from None
            if not math.isfinite(values[-1]):
                raise ValueError(f"value {i} ({v!r}) is not a finite number")
        label = int(values[0])
        if label != values[0] or label < 0 or (self.classes is not None and label >= int(self.classes)):
            raise ValueError(f"unknown class {row[0]} (data.yaml has {self.classes} classes)")
        rest = values[1:]
        if self.kpt_shape:
            k, dims = self.kpt_shape
            if len(rest) != 4 + k * dims:
                raise ValueError(
                    f"a pose row has class, 4 box values and {k}x{dims} keypoint values, got {len(row)} values"
                )
            cx, cy, w, h = rest[:4]
            pts = rest[4:]
            keypoints: list[float] = []
            for i in range(k):
                x, y = pts[i * dims] * width, pts[i * dims + 1] * height
                visibility = pts[i * dims + 2] if dims == 3 else 2.0
                keypoints += [x, y, visibility]
            return Target(label, _cxcywh(cx, cy, w, h, width, height), keypoints=keypoints, extra={"dims": dims})
        if len(rest) == 4:
            cx, cy, w, h = rest
            return Target(label, _cxcywh(cx, cy, w, h, width, height))
        if len(rest) >= 6 and len(rest) % 2 == 0:
            poly = [c * (width if i % 2 == 0 else height) for i, c in enumerate(rest)]
            xs, ys = poly[0::2], poly[1::2]
            return Target(label, [min(xs), min(ys), max(xs), max(ys)], polygons=[poly])
        raise ValueError(f"expected 'class cx cy w h' or 'class x y x y ...', got {len(row)} values")

    def image_rel(self, item: AnnotatedItem, name: str) -> str:
        return "images/" + super().image_rel(item, name)

    def write_labels(self, out_root: Path, item: AnnotatedItem, rel: str, width: int, height: int, result: Any) -> Any:
        lines = []
        for t in result.targets:
            if t.polygons:
                poly = t.polygons[0]
                coords = " ".join(f"{c / (width if i % 2 == 0 else height):.6f}" for i, c in enumerate(poly))
                lines.append(f"{t.label} {coords}")
                continue
            x0, y0, x1, y1 = t.box
            box = f"{(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} {(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}"
            if t.keypoints:
                dims = t.extra.get("dims", 3)
                parts = []
                for x, y, v in zip(t.keypoints[0::3], t.keypoints[1::3], t.keypoints[2::3], strict=False):
                    parts += [f"{x / width:.6f}", f"{y / height:.6f}"] + ([str(int(v))] if dims == 3 else [])
                box += " " + " ".join(parts)
            lines.append(f"{t.label} {box}")
        target = out_root / "labels" / PurePosixPath(rel).relative_to("images").with_suffix(".txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return None

    def finish(self, out_root: Path, rows: list[Any]) -> None:
        if self.data_yaml.is_file():
            # A top-level 'path:' would point trainers back at the source dataset; without it they
            # resolve train/val against this file's folder, the augmented one. Everything else is kept.
            text = re.sub(
                r"(?m)^path:.*$",
                lambda m: f"# {m.group(0)}  # commented out by mlp: the augmented dataset is this folder",
                self.data_yaml.read_text(encoding="utf-8"),
            )
            (out_root / "data.yaml").write_text(text, encoding="utf-8")


def _kpt_shape(value: Any, data_yaml: Path, text: str) -> tuple[int, int] | None:
    """``kpt_shape`` of a YOLO pose dataset as ``(keypoints, dims)``; None when the YAML has none.

    ultralytics reads it as ``[number of keypoints, 2 (x y) or 3 (x y visibility)]``; anything else
    is a dataset-level error (InputDataError, exit 2) naming the YAML file, its line and the key.
    """
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] >= 1
        and value[1] in (2, 3)
    ):
        return value[0], value[1]
    found = re.search(r"(?m)^kpt_shape\s*:", text)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    where = f"{data_yaml}:{line}" if line else str(data_yaml)
    raise InputDataError(
        f"{where}: kpt_shape is {value!r}; it must be [number of keypoints, dims] with dims 2 (x y) "
        "or 3 (x y visibility), e.g. kpt_shape: [17, 3]"
    )


def _outside(box: list[float], width: int, height: int) -> bool:
    x0, y0, x1, y1 = box
    return x0 < -EDGE_TOLERANCE or y0 < -EDGE_TOLERANCE or x1 > width + EDGE_TOLERANCE or y1 > height + EDGE_TOLERANCE


def _cxcywh(cx: float, cy: float, w: float, h: float, width: int, height: int) -> list[float]:
    return [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height]


# --- Pascal VOC --------------------------------------------------------------------------------


class VocDataset(Dataset):
    format = "voc"

    def __init__(self, path: Path, image_root: Path | None = None):
        super().__init__(path, image_root)
        self.xmls = sorted(p.name for p in (path / "Annotations").glob("*.xml"))
        self.images = image_root or path / "JPEGImages"
        self.total = len(self.xmls)
        self._links: dict[str, BadItem] | None = None

    def link_problems(self) -> list[BadItem]:
        """Annotation files whose image (``<filename>``, or the XML's stem + .jpg) is not in JPEGImages."""
        if self._links is not None:
            return list(self._links.values())
        import xml.etree.ElementTree as ET

        self._links = {}
        for name in self.xmls:
            where = self.path / "Annotations" / name
            try:
                text = where.read_text(encoding="utf-8")
                filename = (ET.fromstring(text).findtext("filename") or "").strip()
            except (ET.ParseError, OSError, UnicodeDecodeError):
                continue  # items() reports the unreadable file itself
            line = text[: text.find("<filename>")].count("\n") + 1 if "<filename>" in text else None
            filename = filename or Path(name).with_suffix(".jpg").name
            if not (self.images / filename).is_file():
                self._links[name] = BadItem(
                    "missing image file",
                    f"no image {self.images / filename} for this annotation"
                    + (f" (<filename> on line {line})" if line else " (no <filename>: looked for the XML's stem + .jpg)"),
                    f"{where}:{line}" if line else str(where),
                )
        return list(self._links.values())

    def items(self) -> Iterator[AnnotatedItem | BadItem]:
        import xml.etree.ElementTree as ET

        self.link_problems()
        links = self._links or {}
        for index, name in enumerate(self.xmls):
            where = str(self.path / "Annotations" / name)
            if name in links:
                bad = links[name]
                yield BadItem(bad.reason, bad.detail, bad.location, index)
                continue
            try:
                root = ET.parse(where).getroot()
                filename = (root.findtext("filename") or "").strip()
                size = root.find("size")
                dims = (
                    (int(_required_text(size, "width", "<size>")), int(_required_text(size, "height", "<size>")))
                    if size is not None
                    else None
                )
                targets = []
                for n, obj in enumerate(root.findall("object")):
                    bb = obj.find("bndbox")
                    if bb is None:
                        raise ValueError(f"annotation {n}: <object> has no <bndbox>")
                    where_box = f"annotation {n}: <bndbox>"
                    box = [float(_required_text(bb, k, where_box)) for k in ("xmin", "ymin", "xmax", "ymax")]
                    extra: dict[str, Any] = {
                        k: obj.findtext(k) for k in ("pose", "truncated", "difficult") if obj.findtext(k) is not None
                    }
                    extra["id"] = n
                    label = obj.findtext("name")
                    if label is None or not label.strip():
                        raise ValueError(f"annotation {n}: <object> has {'no' if label is None else 'an empty'} <name>")
                    # VOC pixel coordinates are 1-based and inclusive
                    targets.append(Target(label, [box[0] - 1, box[1] - 1, box[2], box[3]], extra=extra))
            except (ET.ParseError, OSError, TypeError, ValueError, AttributeError) as exc:
                yield BadItem("bad annotation", f"not a readable VOC file: {exc}", where, index)
                continue
            if not filename:
                filename = Path(name).with_suffix(".jpg").name
            yield AnnotatedItem(
                index=index,
                key=filename,
                path=self.images / filename,
                out_dir="",
                stem=Path(filename).stem,
                location=f"{where} ({filename})",
                targets=targets,
                size=dims,
            )

    def image_rel(self, item: AnnotatedItem, name: str) -> str:
        return "JPEGImages/" + name

    def write_labels(self, out_root: Path, item: AnnotatedItem, rel: str, width: int, height: int, result: Any) -> Any:
        from xml.sax.saxutils import escape

        name = PurePosixPath(rel).name
        objects = []
        for t in result.targets:
            x0, y0, x1, y1 = t.box
            extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in t.extra.items() if k != "id")
            objects.append(
                f"<object><name>{escape(str(t.label))}</name>{extra}<bndbox><xmin>{round(x0) + 1}</xmin>"
                f"<ymin>{round(y0) + 1}</ymin><xmax>{round(x1)}</xmax><ymax>{round(y1)}</ymax></bndbox></object>"
            )
        xml = (
            f"<annotation><folder>JPEGImages</folder><filename>{escape(name)}</filename>"
            f"<size><width>{width}</width><height>{height}</height><depth>3</depth></size>"
            f"{''.join(objects)}</annotation>\n"
        )
        target = out_root / "Annotations" / PurePosixPath(name).with_suffix(".xml")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(xml, encoding="utf-8")
        return None


def _required_text(element: Element, tag: str, what: str) -> str:
    """The text of a child element VOC requires; a missing one is a ValueError that names it."""
    text = element.findtext(tag)
    if text is None:
        raise ValueError(f"{what} has no <{tag}>")
    return text


# --- semantic masks ----------------------------------------------------------------------------


class MaskDataset(Dataset):
    format = "masks"

    def __init__(self, path: Path, image_root: Path | None = None):
        super().__init__(path, image_root)
        self.files, _ = scan_folder(path / "images")
        self.total = len(self.files)

    def link_problems(self) -> list[BadItem]:
        """Images without a mask of the same stem, and masks without an image."""
        problems = []
        stems = {PurePosixPath(key).with_suffix("").as_posix() for key in self.files}
        masks = self.path / "masks"
        for mask in sorted(masks.rglob("*.png")):
            rel = PurePosixPath(mask.relative_to(masks).as_posix()).with_suffix("")
            if rel.as_posix() not in stems:
                problems.append(BadItem("mask without image", f"no image {self.path / 'images' / rel}.* for this mask", str(mask)))
        for key in self.files:
            mask = masks / PurePosixPath(key).with_suffix(".png")
            if not mask.is_file():
                problems.append(BadItem("missing mask", f"no mask {mask} for this image", str(self.path / "images" / key)))
        return problems

    def items(self) -> Iterator[AnnotatedItem | BadItem]:
        for bad in self.link_problems():
            if bad.reason == "mask without image":
                yield bad
        for index, key in enumerate(self.files):
            rel = PurePosixPath(key)
            mask = self.path / "masks" / rel.with_suffix(".png")
            if not mask.is_file():
                yield BadItem("missing mask", f"no mask {mask} for this image", str(self.path / "images" / rel), index)
                continue
            parent = rel.parent.as_posix()
            yield AnnotatedItem(
                index=index,
                key=key,
                path=self.path / "images" / rel,
                out_dir="" if parent == "." else parent,
                stem=rel.stem,
                location=str(self.path / "images" / rel),
                targets=[],
                semantic_path=mask,
            )

    def image_rel(self, item: AnnotatedItem, name: str) -> str:
        return "images/" + super().image_rel(item, name)

    def write_labels(self, out_root: Path, item: AnnotatedItem, rel: str, width: int, height: int, result: Any) -> Any:
        target = out_root / "masks" / PurePosixPath(rel).relative_to("images").with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        result.semantic.save(target, "PNG")
        return None


def load_semantic(path: Path, width: int, height: int) -> Any:
    """A semantic mask as a PIL 'L' or 'P' image of class ids, checked against its image's size."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            mask = im if im.mode in ("L", "P") else im.convert("L")
    except Exception as exc:  # noqa: BLE001
        raise BadItem("bad mask", f"{path}: {exc}") from None
    if mask.size != (width, height):
        raise BadItem("size mismatch", f"mask {path} is {mask.size[0]}x{mask.size[1]}, the image is {width}x{height}")
    return mask


__all__ = ["FORMATS", "IMAGE_SUFFIXES", "AnnotatedItem", "Dataset", "detect", "open_dataset"]
