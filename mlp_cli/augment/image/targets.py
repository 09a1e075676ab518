"""Targets that move with the pixels: boxes, polygons, instance and semantic masks, keypoints.

An annotated image is a list of ``Target`` (one object each: a label, a box, and optionally
polygons, an instance mask and keypoints) plus an optional semantic mask. ``augment_targets``
hands the image and all of its targets to the recipe's ``torchvision.transforms.v2`` pipeline in
one call, as ``tv_tensors`` (``BoundingBoxes``, ``KeyPoints``, ``Mask``), so every target sees the
same sampled parameters as its image. Polygon vertices travel as keypoints and are clipped to the
new canvas afterwards (exact for flips, affine, perspective, crops and resizes).

Coordinates are continuous inside mlp, as boxes are in torchvision: pixel ``i`` covers ``[i, i+1)``,
so a horizontal flip maps ``x`` to ``W - x`` for boxes, polygon vertices and keypoints alike, and
flipping twice gives back the very same numbers. torchvision flips ``KeyPoints`` as pixel indices
(``W - 1 - x``) but resizes and rotates them as continuous points; points travel here as
``Points``, a ``KeyPoints`` subclass whose flip (and elastic) kernels use the continuous convention,
so a flipped polygon rasterises onto the flipped mask. Formats convert at the edge (COCO keypoints
are pixel indices, see ``formats``).

After the transform a ``sanitize`` policy drops degenerate targets (with their masks, keypoints and
labels), counting each drop by reason. Keypoints that leave the canvas become invisible (``v=0``,
written as COCO writes unlabelled points); they are never clipped to the border.

``check_target_transforms`` runs every transform of a recipe once on a tiny probe carrying the
target kinds the input has, so a transform torchvision applies to images only is refused before
anything runs, with torchvision's reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from mlp_cli.augment.image.transforms import ImagePipeline, seed_transforms
from mlp_cli.errors import RecipeError, require

# Reasons a target is dropped, as counted in the summary.
DROP_OUTSIDE = "outside the canvas"
DROP_SIZE = "smaller than min_size"
DROP_AREA = "smaller than min_area"
DROP_VISIBILITY = "below min_visibility"
DROP_IOU_CROP = "centre outside RandomIoUCrop's crop"

# Transforms that cannot carry targets however they are called, with the reason shown to the user.
TARGETS_REFUSED: dict[str, str] = {
    "AugMix": "it blends the image with several copies of it, each sheared, translated or rotated by "
    "different amounts, so no single position of a box, mask or keypoint matches the blended pixels "
    "(torchvision refuses BoundingBoxes, Mask and KeyPoints for it); use AutoAugment, RandAugment or "
    "TrivialAugmentWide, which mlp applies to targets",
}


@dataclass
class Target:
    """One annotated object, in pixel coordinates of its image.

    Attributes:
        label: the class (COCO category id, YOLO class index, VOC name).
        box: ``[x0, y0, x1, y1]``.
        polygons: segmentation polygons, each a flat ``[x, y, x, y, ...]`` list.
        mask: an instance mask (H x W uint8 numpy array), e.g. a decoded COCO RLE.
        keypoints: ``[x, y, v, x, y, v, ...]`` with COCO visibility (0 unlabelled, 1 hidden, 2 visible).
        extra: format fields carried through unchanged (COCO ``iscrowd``, VOC ``difficult``...).
    """

    label: Any
    box: list[float]
    polygons: list[list[float]] | None = None
    mask: Any = None
    keypoints: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sanitize:
    """The recipe's ``sanitize:`` policy."""

    min_size: float = 1.0
    min_area: float = 1.0
    min_visibility: float = 0.0


@dataclass
class TargetResult:
    """One augmented image with its kept targets and what was dropped, by reason."""

    image: Any
    targets: list[Target]
    semantic: Any  # PIL image of the semantic mask, or None
    applied: list[dict[str, Any]]
    dropped: dict[str, int]


def _torch() -> tuple[Any, Any]:
    torch = require("torch", "image", "image augmentation")
    tv_tensors = require("torchvision.tv_tensors", "image", "image augmentation")
    return torch, tv_tensors


_POINTS: Any = None


def points_type() -> Any:
    """``Points``: ``tv_tensors.KeyPoints`` in continuous coordinates (flips map x to W - x).

    Made and registered once per process: its own kernels for ``horizontal_flip``,
    ``vertical_flip`` and ``elastic``; every other functional finds torchvision's ``KeyPoints``
    kernel through the class hierarchy (``_get_kernel`` walks the MRO) and keeps the subclass
    (``tv_tensors.wrap`` wraps as ``type(like)``).
    """
    global _POINTS
    if _POINTS is not None:
        return _POINTS
    torch, tv = _torch()
    from torchvision.transforms.v2 import functional as F

    key_points: Any = tv.KeyPoints  # a runtime import: the checker cannot see the class

    class Points(key_points):
        """Key points (and polygon vertices) in continuous pixel coordinates."""

    def hflip(points: Any, **kwargs: Any) -> Any:
        out = points.as_subclass(torch.Tensor).clone()
        out[..., 0] = points.canvas_size[1] - out[..., 0]
        return tv.wrap(out, like=points)

    def vflip(points: Any, **kwargs: Any) -> Any:
        out = points.as_subclass(torch.Tensor).clone()
        out[..., 1] = points.canvas_size[0] - out[..., 1]
        return tv.wrap(out, like=points)

    def elastic(points: Any, displacement: Any, **kwargs: Any) -> Any:
        # torchvision moves the pixel a point is in and returns that pixel's index; keep the
        # point's offset inside its pixel, so a zero displacement leaves it where it was.
        plain = points.as_subclass(torch.Tensor)
        moved = F.elastic_keypoints(plain, canvas_size=points.canvas_size, displacement=displacement)
        return tv.wrap(moved + (plain - plain.floor()), like=points)

    F.register_kernel(F.horizontal_flip, Points)(hflip)
    F.register_kernel(F.vertical_flip, Points)(vflip)
    F.register_kernel(F.elastic, Points)(elastic)
    _POINTS = Points
    return Points


def _sample(image: Any, targets: list[Target], semantic: Any, on_tensor: bool) -> dict[str, Any]:
    """The v2 input dict of an image and its targets (only the kinds present)."""
    import numpy as np

    torch, tv = _torch()
    from torchvision.transforms.v2 import functional as F

    points_cls = points_type()
    width, height = image.size
    canvas = (height, width)
    sample: dict[str, Any] = {"image": tv.Image(F.pil_to_tensor(image)) if on_tensor else image}
    boxes = [t.box for t in targets]
    sample["boxes"] = tv.BoundingBoxes(
        torch.tensor(boxes, dtype=torch.float64).reshape(-1, 4), format="XYXY", canvas_size=canvas, clamping_mode=None
    )
    points = [xy for t in targets for poly in (t.polygons or []) for xy in zip(poly[0::2], poly[1::2], strict=False)]
    if points:
        sample["polygon_points"] = points_cls(torch.tensor(points, dtype=torch.float64), canvas_size=canvas)
    keypoints = [xy for t in targets for xy in zip((t.keypoints or [])[0::3], (t.keypoints or [])[1::3], strict=False)]
    if keypoints:
        sample["keypoints"] = points_cls(torch.tensor(keypoints, dtype=torch.float64), canvas_size=canvas)
    masks = [t.mask for t in targets if t.mask is not None]
    if masks:
        sample["masks"] = tv.Mask(torch.from_numpy(np.stack(masks)))
    if semantic is not None:
        sample["semantic"] = tv.Mask(torch.from_numpy(np.asarray(semantic).copy()))
    return sample


def augment_targets(
    pipeline: Any, image: Any, targets: list[Target], semantic: Any, seed: int, policy: Sanitize
) -> TargetResult:
    """Apply ``pipeline`` to an image and its targets with one seed; sanitize the result."""
    seed_transforms(seed)
    # Masks are resampled by torch's kernels; the image goes through the same kernels when there
    # are masks (PIL's nearest-neighbour sampling differs from torch's by up to a pixel).
    with_masks = semantic is not None or any(t.mask is not None for t in targets)
    sample = _sample(image, targets, semantic, pipeline.on_tensor or with_masks)
    out, applied = pipeline.apply_sample(sample)
    return _collect(out, targets, semantic, applied, policy)


def _collect(
    out: dict[str, Any], targets: list[Target], semantic: Any, applied: list, policy: Sanitize
) -> TargetResult:
    import numpy as np
    from PIL import Image

    torch, _ = _torch()
    from torchvision.transforms.v2 import functional as F

    picture = out["image"]
    if not hasattr(picture, "save"):
        picture = F.to_pil_image(picture.as_subclass(torch.Tensor))
    width, height = picture.size
    boxes = out["boxes"].as_subclass(torch.Tensor).tolist()
    points = out["polygon_points"].as_subclass(torch.Tensor).tolist() if "polygon_points" in out else []
    keypoints = out["keypoints"].as_subclass(torch.Tensor).tolist() if "keypoints" in out else []
    masks = out["masks"].as_subclass(torch.Tensor).numpy() if "masks" in out else None
    new_semantic = None
    if semantic is not None:
        array = out["semantic"].as_subclass(torch.Tensor).numpy().astype(np.uint8)
        new_semantic = Image.fromarray(array, mode="L")
        if semantic.mode == "P":
            new_semantic.putpalette(semantic.getpalette())
    kept: list[Target] = []
    dropped: dict[str, int] = {}
    p_at = k_at = m_at = 0
    for target, box in zip(targets, boxes, strict=False):
        polygons = None
        if target.polygons:
            polygons = []
            for poly in target.polygons:
                n = len(poly) // 2
                polygons.append([c for xy in points[p_at : p_at + n] for c in xy])
                p_at += n
        keypoints_out: list[float] | None = None
        if target.keypoints:
            n = len(target.keypoints) // 3
            keypoints_out = []
            for (x, y), v in zip(keypoints[k_at : k_at + n], target.keypoints[2::3], strict=False):
                inside = v > 0 and 0 <= x < width and 0 <= y < height
                keypoints_out += [_r(x), _r(y), int(v)] if inside else [0, 0, 0]
            k_at += n
        mask = None
        if target.mask is not None:
            assert masks is not None  # _sample passes "masks" whenever a target has a mask
            mask = masks[m_at]
            m_at += 1
        reason, new_box, polygons = _sanitize(box, polygons, mask, width, height, policy)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        kept.append(
            replace(target, box=[_r(c) for c in new_box], polygons=polygons, mask=mask, keypoints=keypoints_out)
        )
    return TargetResult(picture, kept, new_semantic, applied, dropped)


def _r(value: float) -> float:
    """Coordinates as written: 3 decimals, so outputs are compact and stable."""
    return round(float(value), 3) + 0.0


def _sanitize(
    box: list[float], polygons: list[list[float]] | None, mask: Any, width: int, height: int, policy: Sanitize
):
    """(drop reason or None, the box to write, the clipped polygons)."""
    if any(c != c for c in box):  # NaN: RandomIoUCrop left this target's centre outside its crop
        return DROP_IOU_CROP, box, polygons
    x0, y0, x1, y1 = box
    full = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    clipped = [
        max(0.0, min(x0, x1)),
        max(0.0, min(y0, y1)),
        min(float(width), max(x0, x1)),
        min(float(height), max(y0, y1)),
    ]
    if polygons:
        kept_polys, before, after = [], 0.0, 0.0
        for poly in polygons:
            before += _area(poly)
            inside = _clip_polygon(poly, width, height)
            if len(inside) >= 6 and _area(inside) > 0:
                after += _area(inside)
                kept_polys.append([_r(c) for c in inside])
        if not kept_polys:
            return DROP_OUTSIDE, box, None
        xs = [c for p in kept_polys for c in p[0::2]]
        ys = [c for p in kept_polys for c in p[1::2]]
        clipped = [min(xs), min(ys), max(xs), max(ys)]
        visibility = after / before if before > 0 else 0.0
        polygons = kept_polys
    else:
        inside_area = max(0.0, clipped[2] - clipped[0]) * max(0.0, clipped[3] - clipped[1])
        visibility = inside_area / full if full > 0 else 0.0
        if mask is not None:
            import numpy as np

            ys_, xs_ = np.nonzero(mask)
            if len(xs_) == 0:
                return DROP_OUTSIDE, box, polygons
            clipped = [float(xs_.min()), float(ys_.min()), float(xs_.max() + 1), float(ys_.max() + 1)]
    w, h = clipped[2] - clipped[0], clipped[3] - clipped[1]
    if w <= 0 or h <= 0:
        return DROP_OUTSIDE, box, polygons
    if w < policy.min_size or h < policy.min_size:
        return DROP_SIZE, clipped, polygons
    if w * h < policy.min_area:
        return DROP_AREA, clipped, polygons
    if visibility < policy.min_visibility:
        return DROP_VISIBILITY, clipped, polygons
    return None, clipped, polygons


def _area(poly: list[float]) -> float:
    xs, ys = poly[0::2], poly[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2


def _clip_polygon(poly: list[float], width: float, height: float) -> list[float]:
    """Sutherland–Hodgman clipping of a polygon to the canvas rectangle."""
    points = list(zip(poly[0::2], poly[1::2], strict=False))
    edges = (
        (lambda p: p[0] >= 0, lambda a, b: _cut_x(a, b, 0.0)),
        (lambda p: p[0] <= width, lambda a, b: _cut_x(a, b, width)),
        (lambda p: p[1] >= 0, lambda a, b: _cut_y(a, b, 0.0)),
        (lambda p: p[1] <= height, lambda a, b: _cut_y(a, b, height)),
    )
    for inside, cut in edges:
        if not points:
            break
        result = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    result.append(cut(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cut(previous, current))
        points = result
    return [c for p in points for c in p]


def _cut_x(a: tuple, b: tuple, x: float) -> tuple:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a: tuple, b: tuple, y: float) -> tuple:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def target_kinds(targets: list[Target], semantic: Any = None) -> set[str]:
    """Which kinds an image carries: boxes, polygons, masks, keypoints, semantic."""
    kinds = {"boxes"} if targets else set()
    for t in targets:
        if t.polygons:
            kinds.add("polygons")
        if t.mask is not None:
            kinds.add("masks")
        if t.keypoints:
            kinds.add("keypoints")
    if semantic is not None:
        kinds.add("semantic")
    return kinds


def _leaves(specs: Any, loc: tuple) -> list[tuple[Any, tuple]]:
    """Every non-container transform of a spec list, with its location in the recipe."""
    found = []
    for i, spec in enumerate(specs):
        if spec.children:
            found += _leaves(spec.children, loc + (i, spec.name, "transforms"))
        else:
            found.append((spec, loc + (i,)))
    return found


def check_target_transforms(specs: list[Any], kinds: set[str], loc: tuple) -> None:
    """Refuse, before anything runs, a transform that cannot carry the input's target kinds.

    Every transform, also inside ``RandomApply``/``RandomChoice``/..., is checked: those in
    ``TARGETS_REFUSED`` are refused with the reason, RandomIoUCrop needs boxes, and each of the
    others is built and applied (``p`` as written) to a small probe image carrying one target of
    every kind the input has; torchvision raises for a transform it applies to images only, and
    that reason is shown with the recipe line.
    """
    import numpy as np
    from PIL import Image

    probe_targets = [
        Target(
            label=1,
            box=[8.0, 8.0, 40.0, 32.0],
            polygons=[[8.0, 8.0, 40.0, 8.0, 40.0, 32.0]] if "polygons" in kinds else None,
            mask=np.ones((48, 64), dtype=np.uint8) if "masks" in kinds else None,
            keypoints=[20.0, 20.0, 2] if "keypoints" in kinds else None,
        )
    ]
    semantic = Image.new("L", (64, 48)) if "semantic" in kinds else None
    what = ", ".join(sorted(kinds))
    problems = []
    for spec, where in _leaves(specs, tuple(loc)):
        if spec.name in TARGETS_REFUSED:
            problems.append((where, f"{spec.name} cannot carry this input's targets ({what}): {TARGETS_REFUSED[spec.name]}"))
            continue
        if spec.name == "RandomIoUCrop" and "boxes" not in kinds:
            problems.append(
                (where, "RandomIoUCrop chooses its crop from the bounding boxes, and this input has none "
                 f"({what}); use RandomResizedCrop or RandomCrop")
            )
            continue
        pipeline = ImagePipeline([spec], targets=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                augment_targets(pipeline, Image.new("RGB", (64, 48)), probe_targets, semantic, 0, Sanitize(0, 0, 0))
        except Exception as exc:  # noqa: BLE001 - torchvision refuses with TypeError/ValueError/...
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            problems.append((where, f"{spec.name} cannot carry this input's targets ({what}): {message}"))
    if problems:
        raise RecipeError("transforms cannot carry the annotations", problems)
