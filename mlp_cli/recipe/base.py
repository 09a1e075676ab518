"""What every recipe kind shares: strict sections and the one spec of a data file.

``DataSource`` is the only description of "a data file" in any recipe: augment input, mine
pairs/corpus/pool/predictions and curriculum inputs all extend it with their own field names, so
every input accepts the same keys (header-less TSV, quoting, encoding) and is read by one reader.
``RecipeBase`` holds the top-level keys every kind shares: ``checks`` and ``ray`` (per-task resources).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mlp_cli.io.rows import RowSource


class StrictModel(BaseModel):
    """Base of recipe sections: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


DataFormat = Literal["auto", "jsonl", "csv", "tsv", "text", "parquet"]
# How a file is read, beside its path: the keys that specs of other files (a scores file, a
# token-model corpus) share with DataSource.
READ_KEYS = ("format", "columns", "header", "quoting", "encoding")


class DataSource(StrictModel):
    """A data file and how to read it; compressed files (.gz, .bz2, .xz, .zst) are read as they are."""

    path: str = Field(description="data file (JSONL, CSV, TSV, text, Parquet), relative to the recipe")
    format: DataFormat = "auto"
    columns: list[str] | None = Field(None, description="field names for header-less CSV/TSV")
    header: bool = Field(True, description="CSV/TSV: the first line holds the field names")
    quoting: Literal["auto", "minimal", "none"] = "auto"
    encoding: str = "utf-8"
    text_field: str = Field("text", description="field name of each line of a plain-text file")

    def row_source(self, path: Path) -> RowSource:
        """How to read the rows at ``path`` (the recipe's path, or the one --input gave)."""
        return RowSource(
            path=path,
            format=self.format,
            columns=tuple(self.columns) if self.columns else None,
            header=self.header,
            quoting=self.quoting,
            encoding=self.encoding,
            text_field=self.text_field,
        )


def source_like(spec: BaseModel, path: Path, text_field: str = "text") -> RowSource:
    """Read ``path`` with the reading keys (``READ_KEYS``) of a spec that is not a DataSource."""
    keys = {key: getattr(spec, key) for key in READ_KEYS}
    return DataSource(path=str(path), text_field=text_field, **keys).row_source(path)


class Check(StrictModel):
    """A gate: a figure of a run's summary or manifest (or of a JSON metrics file) within bounds.

    ``figure`` is a dotted path (``fidelity.leakage.all``) or the ratio of two (``skipped / items_in``);
    a mapping of numbers counts as their sum. With neither bound the figure only has to be reported.
    Nothing is evaluated: the expression is split on ``/`` and each side looked up by key.
    """

    step: str | None = Field(None, description="pipelines: the step whose summary is read")
    figure: str = Field(description="dotted path, or 'a.b / c.d'")
    min: float | None = None
    max: float | None = None
    metrics: str | None = Field(None, description="a JSON file to read the figure from, relative to the recipe")


class RayResources(StrictModel):
    """``ray:``: what each Ray task asks of the cluster. The local engine ignores the section.

    Output never depends on it: items are grouped into tasks, and tasks placed, in any way
    without changing a byte (every item's randomness comes from its own key).
    """

    num_cpus: float = Field(1, ge=0, le=1024, description="CPUs each Ray task reserves (fractions pack tasks)")
    num_gpus: float = Field(0, ge=0, le=64, description="GPUs each Ray task reserves (0: none)")
    batch_size: int | None = Field(
        None, ge=1, le=10_000_000, description="items per Ray task (default: sized by measured cost)"
    )


class RecipeBase(StrictModel):
    """What every recipe kind accepts at its top level beside its own sections: ``checks``, ``ray``."""

    checks: list[Check] = Field(default_factory=list, description="gates on the run's figures (exit code 3)")
    ray: RayResources = Field(
        default_factory=RayResources, description="resources per task on the Ray engine (ignored by the local engine)"
    )
