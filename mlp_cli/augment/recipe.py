"""Pydantic models of the ``augment`` recipe (format version 1).

Every model forbids unknown keys, so a misspelt key is an error that names it. Parameters of
augmenters and generators are validated by their own schemas (see ``augment/registry.py``), in
``AugmentRecipe.check``, with the same file/line reporting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from mlp_cli.augment.image.transforms import check_transforms
from mlp_cli.augment.registry import AUGMENTERS, GENERATORS, lookup
from mlp_cli.errors import RecipeError
from mlp_cli.io.rows import RowSource
from mlp_cli.recipe.base import DataFormat, DataSource, RecipeBase, StrictModel
from mlp_cli.recipe.loader import explain

if TYPE_CHECKING:
    from mlp_cli.recipe.loader import LoadedRecipe


class InputSpec(DataSource):
    """Where the rows (or images) come from and which fields mean what."""

    path: str = Field(description="data file (JSONL, CSV, TSV, text, Parquet) or image folder")
    format: DataFormat | Literal["images"] = "auto"  # type: ignore[assignment]
    id_field: str | None = Field(None, description="field holding a row id (provenance uses the row index otherwise)")
    text_field: str = Field("text", description="default field for text augmenters")
    label_field: str | None = None
    annotations: Literal["coco", "yolo", "voc", "masks"] | None = Field(
        None,
        description="annotated images: coco (the annotation JSON), yolo (a folder with images/, labels/, data.yaml), "
        "voc (a folder with Annotations/ and JPEGImages/), masks (a folder with images/ and masks/); "
        "detected from the layout when omitted",
    )
    image_root: str | None = Field(None, description="COCO: folder the images' file_name is relative to")

    def row_source(self, path: Path) -> RowSource:
        """How to read the rows at ``path``; an image list is read as rows too."""
        return dataclasses.replace(super().row_source(path), format="auto" if self.format == "images" else self.format)


class OutputSpec(StrictModel):
    path: str
    format: DataFormat = "auto"
    provenance_field: str = Field("_provenance", description="field that records where each row came from")
    shard_rows: int | None = Field(
        None,
        ge=1,
        description="write path as a folder of shards of this many rows (part-00000.jsonl, ...), in output order",
    )


class _RegisteredSpec(BaseModel):
    """A recipe item naming a registered class (``what``); its other keys are that class's parameters."""

    model_config = ConfigDict(extra="allow")
    _params: Any = PrivateAttr(default=None)

    def params_dict(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def params(self) -> Any:
        """The validated parameters (validated on first use, also for recipes built in code)."""
        if self._params is None:
            what = "augmenter" if isinstance(self, StepSpec) else "generator"
            table = AUGMENTERS if what == "augmenter" else GENERATORS
            self._params = _validate_params(lookup(table, getattr(self, what), what, (what,)), self.params_dict(), ())
        return self._params


class StepSpec(_RegisteredSpec):
    """One augmenter: ``augmenter: NAME``, ``p`` (chance to apply) and the augmenter's parameters."""

    augmenter: str
    p: float = Field(1.0, ge=0.0, le=1.0, description="probability of applying this step")


class GenerateSpec(_RegisteredSpec):
    """One generator: ``generator: NAME``, ``count`` and the generator's parameters."""

    generator: str
    count: int = Field(ge=0, le=1_000_000_000)


class ImageOptions(StrictModel):
    """How images are read and written (image inputs only)."""

    format: Literal["jpeg", "png", "webp", "same"] = Field(
        "jpeg", description="output format; 'same' keeps JPEG, PNG and WebP sources as they are, others become PNG"
    )
    quality: int = Field(90, ge=1, le=100, description="JPEG and WebP quality")
    max_pixels: int = Field(89_478_485, ge=1, description="larger images are rejected (decompression bombs)")
    path_field: str = Field("path", description="field with the image path in a JSONL/CSV image list")


class SanitizePolicy(StrictModel):
    """Which transformed targets (boxes, with their masks, keypoints and labels) are dropped."""

    min_size: float = Field(1.0, ge=0.0, description="smallest width and height in pixels of a kept box")
    min_area: float = Field(1.0, ge=0.0, description="smallest area in pixels of a kept box")
    min_visibility: float = Field(
        0.0, ge=0.0, le=1.0, description="smallest share of a box's area (or polygon's) still inside the canvas"
    )


class AugmentRecipe(RecipeBase):
    """An augmentation recipe: rows (or images) in, more rows (or images) out."""

    version: Literal[1]
    kind: Literal["augment"] = "augment"
    description: str | None = None
    seed: int = 0
    workers: int | None = Field(None, ge=0, description="worker processes (0 or empty: all cores)")
    engine: Literal["local", "ray"] = Field("local", description="where work runs: this machine, or a Ray cluster")
    input: InputSpec | None = None
    generate: list[GenerateSpec] = Field(default_factory=list)
    output: OutputSpec | None = None
    copies: int = Field(1, ge=0, le=100_000, description="augmented rows per input row")
    keep_original: bool = False
    dedupe: bool = Field(True, description="drop exact duplicate output rows")
    on_error: Literal["fail", "skip"] = "fail"
    steps: list[StepSpec] = Field(default_factory=list)
    transforms: list[Any] = Field(default_factory=list, description="torchvision.transforms.v2 pipeline (images)")
    image: ImageOptions = Field(default_factory=ImageOptions)
    sanitize: SanitizePolicy = Field(default_factory=SanitizePolicy)

    def check(self, loaded: LoadedRecipe) -> None:
        """Validation that needs the registries: augmenter and generator parameters."""
        problems: list[tuple[tuple, str]] = []
        if self.input is None and not self.generate:
            problems.append(((), "a recipe needs an 'input:' section, a 'generate:' list, or both"))
        for i, step in enumerate(self.steps):
            step._params = _registered_params("steps", i, step.augmenter, step.params_dict(), problems)
        for i, gen in enumerate(self.generate):
            gen._params = _registered_params("generate", i, gen.generator, gen.params_dict(), problems)
            if gen._params is not None:
                try:  # checks that need files or the rest of the recipe (template files, steps)
                    GENERATORS[gen.generator].check_recipe(gen._params, loaded, ("generate", i))
                except RecipeError as exc:
                    problems.extend(exc.problems or [(("generate", i), str(exc))])
        if self.transforms:
            try:
                # Transforms that need boxes (RandomIoUCrop) are accepted here: whether the input is
                # annotated is known when it runs (--input may point elsewhere), and the image runner
                # refuses them then, with the recipe line.
                check_transforms(self.transforms, ("transforms",), targets=True)
            except RecipeError as exc:
                problems.extend(exc.problems)
        if problems:
            raise RecipeError("invalid recipe", problems)

    @classmethod
    def raw_problems(cls, raw: dict[str, Any]) -> list[tuple[tuple, str]]:
        """Parameter problems found in the raw YAML, reported beside schema errors in one go."""
        problems: list[tuple[tuple, str]] = []
        for section, key in (("steps", "augmenter"), ("generate", "generator")):
            items = raw.get(section)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get(key), str):
                    params = {k: v for k, v in item.items() if k not in (key, "p", "count")}
                    _registered_params(section, i, item[key], params, problems)
        return problems

    def resolved(self) -> dict[str, Any]:
        """The recipe as data with every default filled in, augmenter parameters included."""
        data = self.model_dump(mode="json")
        sections: list[tuple[str, Sequence[StepSpec | GenerateSpec]]] = [
            ("steps", self.steps),
            ("generate", self.generate),
        ]
        for section, items in sections:
            for i, item in enumerate(items):
                if item._params is not None:
                    data[section][i].update(item._params.model_dump(mode="json"))
        return data


def _registered_params(section: str, i: int, name: str, params: dict[str, Any], problems: list) -> Any:
    """Validated parameters of a registered augmenter/generator; problems are appended, not raised."""
    table, what = (AUGMENTERS, "augmenter") if section == "steps" else (GENERATORS, "generator")
    try:
        cls = lookup(table, name, what, (section, i, what))
        return _validate_params(cls, params, (section, i))
    except RecipeError as exc:
        problems.extend(exc.problems)
        return None


def _validate_params(cls: Any, params: dict[str, Any], loc: tuple) -> Any:
    try:
        return cls.Params.model_validate(params)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = explain(cls.Params, err)
            if err.get("type") == "extra_forbidden":
                msg = msg.replace("accepted:", f"{cls.name} accepts: p,", 1)
            problems.append((loc + tuple(err["loc"]), msg))
        raise RecipeError("invalid parameters", problems) from None
