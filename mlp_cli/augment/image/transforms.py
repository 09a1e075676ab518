"""Image transforms from YAML: a spec of ``torchvision.transforms.v2`` classes → a checked pipeline.

A recipe's ``transforms:`` is a list whose items are a bare class name (``- RandomHorizontalFlip``)
or a one-key mapping of a class name to its keyword arguments
(``- RandomResizedCrop: {size: 224, antialias: true}``). ``RandomApply``, ``RandomChoice``,
``RandomOrder`` and ``Compose`` take a ``transforms:`` list of the same form, so they nest.

Every name and argument is checked before anything runs: the name against the public classes of
``torchvision.transforms.v2`` ("did you mean"), the arguments against the class's real signature
(naming the accepted ones), then the values by building the transform once. torchvision is
imported here, inside functions, never when ``mlp --help`` runs.

Random choices come from torch's global generator, which the runner re-seeds per image and copy
(``augment_image``); the parameters each applied transform drew are recorded for the manifest.
"""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass, field
from typing import Any

from mlp_cli.augment.registry import suggest
from mlp_cli.errors import RecipeError, require
from mlp_cli.runtime.seeding import seed_global_state

# Containers whose ``transforms`` argument is itself a transform list.
CONTAINERS = ("Compose", "RandomApply", "RandomChoice", "RandomOrder")

# Public v2 classes a recipe may not name, with the reason shown to the user. Everything else
# that subclasses ``v2.Transform`` is accepted.
REJECTED: dict[str, str] = {
    "Transform": "it is the base class of all transforms",
    "Lambda": "a Python function cannot be written in a YAML recipe",
    "LinearTransformation": "it needs tensors that a YAML recipe cannot hold",
    "Normalize": "its output is normalised floats, not an image; normalise in your training data loader",
    "ToDtype": "mlp converts images itself; a torch dtype cannot be written in a YAML recipe",
    "ConvertImageDtype": "mlp converts images itself; a torch dtype cannot be written in a YAML recipe",
    "ToImage": "mlp converts images itself",
    "ToTensor": "mlp converts images itself",
    "PILToTensor": "mlp converts images itself",
    "ToPILImage": "mlp converts images itself",
    "ToPureTensor": "mlp converts images itself",
    "FiveCrop": "it returns five images, not one; use RandomCrop or CenterCrop",
    "TenCrop": "it returns ten images, not one; use RandomCrop or CenterCrop",
    "MixUp": "it mixes batches of labelled tensors; apply it in your training loop",
    "CutMix": "it mixes batches of labelled tensors; apply it in your training loop",
    "RandomIoUCrop": "it needs bounding boxes, which image folders do not have "
    "(it works with annotated input: input.annotations coco, yolo or voc)",
    "SanitizeBoundingBoxes": "it works on bounding boxes, which image folders do not have "
    "(with annotated input, the recipe's 'sanitize:' section drops degenerate boxes after each image)",
    "ClampBoundingBoxes": "it works on bounding boxes, which image folders do not have",
    "ConvertBoundingBoxFormat": "it works on bounding boxes, which image folders do not have",
    "SetClampingMode": "it works on bounding boxes, which image folders do not have",
    "ClampKeyPoints": "it works on key points, which image folders do not have",
    "SanitizeKeyPoints": "it works on key points, which image folders do not have",
    "UniformTemporalSubsample": "it works on videos",
}

# Transforms that need bounding boxes: accepted only for annotated input (``targets=True``).
TARGETS_ONLY = frozenset({"RandomIoUCrop"})

# Auto-augment policies that mlp makes carry targets: each of their operations is applied to the
# image and, for the geometric ones, to the boxes, masks and keypoints with the same magnitude.
# torchvision (``_AutoAugmentBase._flatten_and_extract_image_or_video``) refuses targets for all of
# them; AugMix stays refused (see ``targets.TARGETS_REFUSED``).
AUTO_AUGMENT_WITH_TARGETS = ("AutoAugment", "RandAugment", "TrivialAugmentWide")

# Auto-augment operations that move pixels, hence targets; the others only change colours.
GEOMETRIC_OPS = frozenset({"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"})

# RandomIoUCrop: rounds of (option, trials) before giving up and leaving the image uncropped.
# torchvision loops until it finds a crop, which never ends for an image whose boxes admit none
# when ``sampler_options`` has no 1.0 ("leave as is"); mlp stops after this many rounds.
IOU_CROP_ROUNDS = 50

# Transforms torchvision implements for tensors only; a pipeline holding one runs on a uint8
# tensor instead of a PIL image (the PIL path is the faster one for everything else).
TENSOR_ONLY = frozenset({"GaussianNoise"})

# ``forward`` methods of torchvision's base classes, which call ``make_params`` once per application.
_BASE_FORWARDS = ("Transform.forward", "_RandomApplyTransform.forward")

# Tensors larger than this are summarised (shape only) in the recorded parameters.
_MAX_RECORDED_ELEMENTS = 16


@dataclass(frozen=True)
class TransformSpec:
    """One transform of a recipe: its v2 class name, its arguments and, for containers, its children."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    children: tuple[TransformSpec, ...] = ()

    def to_json(self) -> Any:
        """The recipe form: a bare name, or ``{name: {kwargs}}`` (children under ``transforms``)."""
        kwargs = dict(self.kwargs)
        if self.name in CONTAINERS:
            kwargs = {"transforms": [c.to_json() for c in self.children], **kwargs}
        return {self.name: kwargs} if kwargs else self.name


def _v2() -> Any:
    """``torchvision.transforms.v2``, or exit 2 naming the extra that installs it."""
    require("torch", "image", "image augmentation")
    return require("torchvision.transforms.v2", "image", "image augmentation")


def transform_names() -> list[str]:
    """Every v2 class name a recipe may use, sorted."""
    v2 = _v2()

    return sorted(
        name
        for name in dir(v2)
        if not name.startswith("_")
        and isinstance(getattr(v2, name), type)
        and issubclass(getattr(v2, name), v2.Transform)
        and name not in REJECTED
    )


def check_transforms(spec: Any, loc: tuple, *, targets: bool = False) -> list[TransformSpec]:
    """Validate a ``transforms:`` list; return it parsed, or raise RecipeError with every problem.

    Args:
        spec: the raw YAML value (a list of names and one-key mappings).
        loc: where ``spec`` sits in the recipe, e.g. ``("transforms",)``; problems carry
            ``loc`` extended down to the offending transform or argument.
        targets: the input is annotated, so transforms that need boxes (``TARGETS_ONLY``) are accepted.
    """
    problems: list[tuple[tuple, str]] = []
    names = transform_names()
    if targets:
        names = sorted(names + list(TARGETS_ONLY))
    parsed = _parse_list(spec, tuple(loc), problems, names)
    if problems:
        raise RecipeError("invalid transforms", problems)
    return parsed


def _parse_list(spec: Any, loc: tuple, problems: list[tuple[tuple, str]], names: list[str]) -> list[TransformSpec]:
    if not isinstance(spec, list):
        problems.append((loc, f"expected a list of transforms, got {_kind(spec)}"))
        return []
    parsed = []
    for i, item in enumerate(spec):
        one = _parse_item(item, loc + (i,), problems, names)
        if one is not None:
            parsed.append(one)
    return parsed


def _parse_item(item: Any, loc: tuple, problems: list[tuple[tuple, str]], names: list[str]) -> TransformSpec | None:
    kwargs: Any  # the YAML value, checked below
    if isinstance(item, str):
        name, kwargs, kwargs_loc = item, {}, loc
    elif isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item)), str):
        name, kwargs = next(iter(item.items()))
        kwargs_loc = loc + (name,)
        if kwargs is None:
            kwargs = {}
        if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            problems.append(
                (kwargs_loc, f"arguments of {name} must be a mapping like {{size: 224}}, got {_kind(kwargs)}")
            )
            return None
    else:
        problems.append(
            (
                loc,
                "a transform is a class name (- RandomHorizontalFlip) or a one-key mapping "
                f"(- RandomResizedCrop: {{size: 224}}), got {_kind(item)}",
            )
        )
        return None
    if name not in names:
        if name in REJECTED:
            problems.append((loc, f"{name} cannot be used in a recipe: {REJECTED[name]}"))
        else:
            problems.append(
                (
                    loc,
                    f"unknown transform {name!r}{suggest(name, names)}; accepted: any of torchvision.transforms.v2: {', '.join(names)}",
                )
            )
        return None
    v2 = _v2()

    cls = getattr(v2, name)
    accepted = _accepted_arguments(cls)
    bad = [k for k in kwargs if k not in accepted]
    for key in bad:
        problems.append(
            (
                kwargs_loc + (key,),
                f"{name} has no argument {key!r}{suggest(key, accepted)}; accepted: {', '.join(accepted) or 'none'}",
            )
        )
    required = [p for p in _required_arguments(cls) if p not in kwargs]
    if required:
        example = f"- {name}: {{{required[0]}: ...}}"
        problems.append((kwargs_loc, f"{name} needs argument {', '.join(map(repr, required))} (e.g. {example})"))
    if bad or required:
        return None
    children: tuple[TransformSpec, ...] = ()
    plain = dict(kwargs)
    if name in CONTAINERS:
        before = len(problems)
        children = tuple(_parse_list(plain.pop("transforms"), kwargs_loc + ("transforms",), problems, names))
        if len(problems) > before:
            return None
        if not children:
            problems.append((kwargs_loc + ("transforms",), f"{name} needs at least one transform"))
            return None
    spec = TransformSpec(name, plain, children)
    try:
        build_transform(spec)
    except Exception as exc:  # noqa: BLE001 - torchvision validates arguments with many exception types
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problems.append((kwargs_loc, f"{name}: invalid arguments {plain}: {message}"))
        return None
    return spec


def _accepted_arguments(cls: type[object]) -> list[str]:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _required_arguments(cls: type[object]) -> list[str]:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return f"a mapping with {len(value)} keys" if len(value) != 1 else "a mapping"
    return f"{type(value).__name__} {value!r}"[:80]


def _argument(cls: type[object], name: str, value: Any) -> Any:
    """A YAML value as the transform expects it.

    Lists become tuples (several v2 transforms accept only tuples for ranges); text for an
    argument whose default is an enum member becomes that enum's member, matched by value or
    name (``policy: cifar10`` for ``AutoAugmentPolicy.CIFAR10``).
    """
    if isinstance(value, list):
        return tuple(value)
    parameter = inspect.signature(cls.__init__).parameters.get(name)
    if isinstance(value, str) and parameter is not None and isinstance(parameter.default, enum.Enum):
        members = list(type(parameter.default))
        for member in members:
            if value.lower() in (str(member.value).lower(), member.name.lower()):
                return member
        accepted = ", ".join(str(m.value) for m in members)
        raise ValueError(f"{name} {value!r} is not one of {accepted}")
    return value


def build_transform(spec: TransformSpec, targets: bool = False) -> Any:
    """The ``torchvision.transforms.v2`` object of one parsed spec (children built first).

    With ``targets``, the auto-augment policies and RandomIoUCrop are built as the subclasses that
    carry targets (``_carrying_auto_augment``, ``_bounded_iou_crop``); on an image alone they draw
    and apply exactly what torchvision's classes do.
    """
    v2 = _v2()

    cls = getattr(v2, spec.name)
    kwargs = {k: _argument(cls, k, v) for k, v in spec.kwargs.items()}
    if spec.name in CONTAINERS:
        kwargs["transforms"] = [build_transform(c, targets) for c in spec.children]
    if targets and spec.name in AUTO_AUGMENT_WITH_TARGETS:
        cls = _carrying_auto_augment(cls)
    elif targets and spec.name == "RandomIoUCrop":
        cls = _bounded_iou_crop(cls)
    return cls(**kwargs)


_SUBCLASSES: dict[tuple[str, type], type] = {}


def _carrying_auto_augment(cls: type) -> type:
    """``cls`` (AutoAugment, RandAugment or TrivialAugmentWide) made to carry boxes, masks and keypoints.

    torchvision's ``forward`` is kept as it is, so the policy draws the same random numbers in the
    same order; the three hooks it calls are extended: targets are collected instead of refused,
    every operation the policy applies to the image is applied to each target too when it is
    geometric (shear, translate, rotate: ``F.affine``/``F.rotate`` dispatch on the target's type,
    masks with nearest neighbours), and the targets are put back. The applied operations and
    magnitudes are kept in ``applied_ops`` for the manifest.
    """
    key = ("carrying", cls)
    if key in _SUBCLASSES:
        return _SUBCLASSES[key]
    from torchvision import tv_tensors

    target_types = (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)
    # The hooks are private torchvision API (_AutoAugmentBase), unknown to the checker on a plain type.
    base: Any = cls

    def _flatten_and_extract_image_or_video(self: Any, inputs: Any, unsupported_types: tuple = ()) -> Any:
        found = base._flatten_and_extract_image_or_video(self, inputs, unsupported_types=())
        (flat_inputs, _, _), _ = found
        self._targets = [(i, x) for i, x in enumerate(flat_inputs) if isinstance(x, target_types)]
        self.applied_ops = []
        return found

    def _apply_image_or_video_transform(
        self: Any, image: Any, transform_id: str, magnitude: float, interpolation: Any, fill: Any
    ) -> Any:
        self.applied_ops.append({"op": transform_id, "magnitude": round(float(magnitude), 4)})
        if transform_id in GEOMETRIC_OPS:
            self._targets = [
                (i, base._apply_image_or_video_transform(self, x, transform_id, magnitude, interpolation, fill))
                for i, x in self._targets
            ]
        return base._apply_image_or_video_transform(self, image, transform_id, magnitude, interpolation, fill)

    def _unflatten_and_insert_image_or_video(self: Any, flat_inputs_with_spec: Any, image_or_video: Any) -> Any:
        flat_inputs = flat_inputs_with_spec[0]
        for i, x in self._targets:
            flat_inputs[i] = x
        self._targets = []
        return base._unflatten_and_insert_image_or_video(self, flat_inputs_with_spec, image_or_video)

    sub = type(
        cls.__name__,
        (cls,),
        {
            "__module__": __name__,
            "__doc__": f"{cls.__name__} carrying boxes, masks and keypoints (see ``_carrying_auto_augment``).",
            "_flatten_and_extract_image_or_video": _flatten_and_extract_image_or_video,
            "_apply_image_or_video_transform": _apply_image_or_video_transform,
            "_unflatten_and_insert_image_or_video": _unflatten_and_insert_image_or_video,
        },
    )
    _SUBCLASSES[key] = sub
    return sub


def _bounded_iou_crop(cls: type) -> type:
    """RandomIoUCrop that always ends, and marks the boxes it drops instead of zeroing them.

    ``make_params`` is torchvision's, draw for draw, except that it gives up (no crop) after
    ``IOU_CROP_ROUNDS`` rounds where torchvision would loop forever. torchvision zeroes the boxes
    whose centre falls outside the crop and relies on a later SanitizeBoundingBoxes; here they
    become NaN, which every later transform keeps, so ``targets._sanitize`` drops exactly those
    targets (with their masks, polygons and keypoints), counted as ``DROP_IOU_CROP``.
    """
    key = ("iou", cls)
    if key in _SUBCLASSES:
        return _SUBCLASSES[key]
    import torch
    from torchvision import tv_tensors
    from torchvision.ops.boxes import box_iou
    from torchvision.transforms.v2 import functional as F
    from torchvision.transforms.v2._utils import get_bounding_boxes, query_size

    def make_params(self: Any, flat_inputs: list[Any]) -> dict[str, Any]:
        orig_h, orig_w = query_size(flat_inputs)
        bboxes = get_bounding_boxes(flat_inputs)
        for _ in range(IOU_CROP_ROUNDS):
            idx = int(torch.randint(low=0, high=len(self.options), size=(1,)))
            min_jaccard_overlap = self.options[idx]
            if min_jaccard_overlap >= 1.0:
                return {}
            for _ in range(self.trials):
                r = self.min_scale + (self.max_scale - self.min_scale) * torch.rand(2)
                new_w = int(orig_w * r[0])
                new_h = int(orig_h * r[1])
                aspect_ratio = new_w / new_h if new_h else float("inf")
                if not (self.min_aspect_ratio <= aspect_ratio <= self.max_aspect_ratio):
                    continue
                r = torch.rand(2)
                left = int((orig_w - new_w) * r[0])
                top = int((orig_h - new_h) * r[1])
                right = left + new_w
                bottom = top + new_h
                if left == right or top == bottom:
                    continue
                xyxy = F.convert_bounding_box_format(
                    bboxes.as_subclass(torch.Tensor), bboxes.format, tv_tensors.BoundingBoxFormat.XYXY
                )
                cx = 0.5 * (xyxy[..., 0] + xyxy[..., 2])
                cy = 0.5 * (xyxy[..., 1] + xyxy[..., 3])
                is_within_crop_area = (left < cx) & (cx < right) & (top < cy) & (cy < bottom)
                if not is_within_crop_area.any():
                    continue
                ious = box_iou(
                    xyxy[is_within_crop_area], torch.tensor([[left, top, right, bottom]], dtype=xyxy.dtype)
                )
                if ious.max() < min_jaccard_overlap:
                    continue
                return dict(top=top, left=left, height=new_h, width=new_w, is_within_crop_area=is_within_crop_area)
        return {}

    def transform(self: Any, inpt: Any, params: dict[str, Any]) -> Any:
        if not params:
            return inpt
        output = self._call_kernel(
            F.crop, inpt, top=params["top"], left=params["left"], height=params["height"], width=params["width"]
        )
        if isinstance(output, tv_tensors.BoundingBoxes):
            output[~params["is_within_crop_area"]] = float("nan")
        return output

    sub = type(
        cls.__name__,
        (cls,),
        {"__module__": __name__, "__doc__": _bounded_iou_crop.__doc__, "make_params": make_params, "transform": transform},
    )
    _SUBCLASSES[key] = sub
    return sub


def _names(specs: list[TransformSpec] | tuple[TransformSpec, ...]) -> set[str]:
    found: set[str] = set()
    for s in specs:
        found.add(s.name)
        found |= _names(s.children)
    return found


class ImagePipeline:
    """A built transform list that records, per call, which transforms ran and what they drew.

    Built once per process (``ImagePipeline(specs)``); ``augment_image`` seeds and applies it.
    """

    def __init__(self, specs: list[TransformSpec], targets: bool = False):
        v2 = _v2()

        self.specs = list(specs)
        self.targets = targets
        self.on_tensor = bool(_names(self.specs) & TENSOR_ONLY)
        self._record: list[dict[str, Any]] = []
        transforms = [build_transform(s, targets) for s in self.specs]
        for t in transforms:
            self._instrument(t, v2)
        self._compose = v2.Compose(transforms) if transforms else None

    def _instrument(self, transform: Any, v2: Any) -> None:
        """Wrap leaf transforms so each application appends ``{transform, params}`` to the record.

        Most v2 transforms inherit ``forward`` from ``Transform`` (or from the ``p``-gated base,
        which calls ``make_params`` only when the transform actually applies) and draw their
        randomness in ``make_params``: recording there captures exactly what was applied. The
        auto-augment family overrides ``forward`` and draws inside it, so for those the
        application itself is recorded (their choices follow from the seed).
        """
        name = type(transform).__name__
        if name in CONTAINERS:
            for child in transform.transforms:
                self._instrument(child, v2)
            return
        record = self._record
        if type(transform).forward.__qualname__ in _BASE_FORWARDS:
            original_make_params = transform.make_params

            def make_params(flat_inputs: list[Any]) -> dict[str, Any]:
                params = original_make_params(flat_inputs)
                record.append({"transform": name, "params": _jsonable(params)} if params else {"transform": name})
                return params

            transform.make_params = make_params
        else:
            original_forward = transform.forward

            def forward(*inputs: Any) -> Any:
                entry: dict[str, Any] = {"transform": name}
                record.append(entry)
                out = original_forward(*inputs)
                ops = getattr(transform, "applied_ops", None)  # the target-carrying auto-augment policies
                if ops:
                    entry["params"] = {"ops": list(ops)}
                return out

            transform.forward = forward

    def __call__(self, image: Any) -> tuple[Any, list[dict[str, Any]]]:
        """Apply to a PIL image; return the result (a PIL image) and what was applied."""
        self._record.clear()
        if self._compose is None:
            return image, []
        if self.on_tensor:
            import torch
            from torchvision import tv_tensors
            from torchvision.transforms.v2 import functional as F

            result = self._compose(tv_tensors.Image(F.pil_to_tensor(image)))
            out = F.to_pil_image(result.as_subclass(torch.Tensor))
        else:
            out = self._compose(image)
        if not hasattr(out, "save"):
            raise TypeError(f"the transforms returned {type(out).__name__}, not an image")
        return out, list(self._record)

    def apply_sample(self, sample: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Apply to a dict of an image and its ``tv_tensors`` targets; return it and what was applied."""
        self._record.clear()
        if self._compose is None:
            return sample, []
        return self._compose(sample), list(self._record)


def seed_transforms(seed: int) -> None:
    """Seed every random state a transform may draw from (torch's CPU generator, random, numpy)."""
    torch = require("torch", "image", "image augmentation")

    # The CPU generator is the one transforms draw from; torch.manual_seed would also queue
    # seeds for CUDA/XPU/MTIA, recording a stack trace for each, which costs ~1 ms per image.
    torch.default_generator.manual_seed(seed)
    seed_global_state(seed)


def augment_image(pipeline: ImagePipeline, image: Any, seed: int) -> tuple[Any, list[dict[str, Any]]]:
    """Apply ``pipeline`` to ``image`` with every random state seeded from ``seed``.

    torch's default CPU generator is what v2 transforms draw from; python's ``random`` and numpy are
    seeded too in case a transform uses them. Same image, same seed: same output, in any process.
    """

    seed_transforms(seed)
    return pipeline(image)


def _jsonable(value: Any) -> Any:
    """Parameters as JSON values: small tensors as lists, large ones as their shape."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, "numel") and hasattr(value, "tolist"):
        if value.numel() <= _MAX_RECORDED_ELEMENTS:
            return value.tolist()
        return {"tensor_shape": list(value.shape)}
    if hasattr(value, "value") and isinstance(value.value, (str, int)):  # enums
        return value.value
    if callable(value):  # e.g. the kernel ColorJitter picked
        return getattr(value, "__name__", type(value).__name__)
    return str(value)
