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
    "RandomIoUCrop": "it needs bounding boxes, which image folders do not have",
    "SanitizeBoundingBoxes": "it works on bounding boxes, which image folders do not have",
    "ClampBoundingBoxes": "it works on bounding boxes, which image folders do not have",
    "ConvertBoundingBoxFormat": "it works on bounding boxes, which image folders do not have",
    "SetClampingMode": "it works on bounding boxes, which image folders do not have",
    "ClampKeyPoints": "it works on key points, which image folders do not have",
    "SanitizeKeyPoints": "it works on key points, which image folders do not have",
    "UniformTemporalSubsample": "it works on videos",
}

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


def check_transforms(spec: Any, loc: tuple) -> list[TransformSpec]:
    """Validate a ``transforms:`` list; return it parsed, or raise RecipeError with every problem.

    Args:
        spec: the raw YAML value (a list of names and one-key mappings).
        loc: where ``spec`` sits in the recipe, e.g. ``("transforms",)``; problems carry
            ``loc`` extended down to the offending transform or argument.
    """
    problems: list[tuple[tuple, str]] = []
    parsed = _parse_list(spec, tuple(loc), problems, transform_names())
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


def build_transform(spec: TransformSpec) -> Any:
    """The ``torchvision.transforms.v2`` object of one parsed spec (children built first)."""
    v2 = _v2()

    cls = getattr(v2, spec.name)
    kwargs = {k: _argument(cls, k, v) for k, v in spec.kwargs.items()}
    if spec.name in CONTAINERS:
        kwargs["transforms"] = [build_transform(c) for c in spec.children]
    return cls(**kwargs)


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

    def __init__(self, specs: list[TransformSpec]):
        v2 = _v2()

        self.specs = list(specs)
        self.on_tensor = bool(_names(self.specs) & TENSOR_ONLY)
        self._record: list[dict[str, Any]] = []
        transforms = [build_transform(s) for s in self.specs]
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
                record.append({"transform": name})
                return original_forward(*inputs)

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


def augment_image(pipeline: ImagePipeline, image: Any, seed: int) -> tuple[Any, list[dict[str, Any]]]:
    """Apply ``pipeline`` to ``image`` with every random state seeded from ``seed``.

    torch's default CPU generator is what v2 transforms draw from; python's ``random`` and numpy are
    seeded too in case a transform uses them. Same image, same seed: same output, in any process.
    """

    torch = require("torch", "image", "image augmentation")

    # The CPU generator is the one transforms draw from; torch.manual_seed would also queue
    # seeds for CUDA/XPU/MTIA, recording a stack trace for each, which costs ~1 ms per image.
    torch.default_generator.manual_seed(seed)
    seed_global_state(seed)
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
