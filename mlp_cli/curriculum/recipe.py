"""Pydantic models of the ``curriculum`` recipe (format version 1).

A curriculum recipe names its inputs (each row tagged with a phase), how difficulty is scored,
the schedule of phases (their order, mix ratios and pacing over stages) and the output layout.
Schema errors name the key; ``CurriculumRecipe.check`` adds the cross-field rules (pacing names,
parameters that belong to another scorer or pacing function, phases and tags that must match).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from mlp_cli.curriculum.pacing import PACING, PACING_KEYS, PacingSpec
from mlp_cli.errors import RecipeError, suggest
from mlp_cli.io.rows import RowSource
from mlp_cli.recipe.base import DataFormat, DataSource, RecipeBase, StrictModel, source_like

if TYPE_CHECKING:
    from mlp_cli.recipe.loader import LoadedRecipe

DEFAULT_TAG = "all"


def _foreign_keys(model: StrictModel, reads: set[str]) -> list[str]:
    """Keys set in the recipe that this scorer or pacing function does not read.

    A key written with its default value is let through, so that ``mlp recipe show`` output
    (every default filled in) loads again.
    """
    fields = type(model).model_fields
    return sorted(k for k in model.model_fields_set - reads if getattr(model, k) != fields[k].default)


class PhaseBy(StrictModel):
    """Tag each row with a phase from one of its fields (e.g. the generator's ``level``)."""

    field: str = Field(description="row field whose value picks the phase")
    phases: dict[str, str] = Field(description="field value -> phase tag")
    default: str | None = Field(None, description="phase tag for values not listed (otherwise a bad row)")


class CurriculumInput(DataSource):
    """One dataset; its rows are tagged with ``phase`` or, row by row, with ``phase_by``."""

    phase: str | None = Field(None, description=f"phase tag of every row (default {DEFAULT_TAG!r})")
    phase_by: PhaseBy | None = None

    def tags(self) -> list[str]:
        """The phase tags this input can give its rows, in declaration order."""
        if self.phase_by is None:
            return [self.phase or DEFAULT_TAG]
        found = list(dict.fromkeys(self.phase_by.phases.values()))
        if self.phase_by.default is not None and self.phase_by.default not in found:
            found.append(self.phase_by.default)
        return found


ScorerName = Literal["field", "file", "length", "token-rarity"]
MissingPolicy = Literal["fail", "skip", "easiest", "hardest", "median"]

# which optional keys each scorer reads (the rest are rejected when given)
SCORER_KEYS: dict[str, set[str]] = {
    "field": {"field", "missing"},
    "file": {
        "path",
        "id_field",
        "file_id_field",
        "score_field",
        "missing",
        "format",
        "columns",
        "header",
        "quoting",
        "encoding",
    },
    "length": {"field", "unit"},
    "token-rarity": {"field"},
}
COMMON_SCORER_KEYS = {"scorer", "weight", "higher_is_easier"}


class ScorerSpec(StrictModel):
    """One source of difficulty; each is normalised to percentiles, then combined by weight."""

    scorer: ScorerName = Field(description="field | file | length | token-rarity")
    weight: float = Field(1.0, gt=0, description="weight in the combination")
    higher_is_easier: bool = Field(False, description="true for scores such as a teacher's confidence")
    field: str | None = Field(None, description="field: numeric field; length/token-rarity: text field (default text)")
    unit: Literal["chars", "tokens"] = Field("chars", description="length: count characters or word tokens")
    path: str | None = Field(None, description="file: scores file (JSONL, CSV, TSV, Parquet), relative to the recipe")
    format: DataFormat = "auto"
    columns: list[str] | None = Field(None, description="file: field names of a header-less CSV/TSV scores file")
    header: bool = Field(True, description="file: the scores file's first line holds the field names")
    quoting: Literal["auto", "minimal", "none"] = "auto"
    encoding: str = "utf-8"
    id_field: str = Field("id", description="file: field of the data rows that holds the id")
    file_id_field: str | None = Field(None, description="file: id field in the scores file (default: id_field)")
    score_field: str = Field("score", description="file: field of the scores file that holds the score")
    missing: MissingPolicy = Field(
        "fail", description="row without a score: fail | skip (counted) | easiest | hardest | median"
    )

    def text_field(self) -> str:
        return self.field or "text"

    def scores_source(self, path: Path) -> RowSource:
        """How to read the ``file`` scorer's scores file at ``path``: the one data-source spec."""
        return source_like(self, path)


class PhaseSpec(StrictModel):
    """One phase of the schedule: which tagged rows it holds (mix) and how they are paced."""

    name: str
    stages: int | None = Field(None, ge=1, le=100_000, description="stages of this phase (default schedule.stages)")
    pacing: PacingSpec | None = Field(None, description="default: schedule.pacing")
    mix: dict[str, float] | None = Field(None, description="tag -> share of this phase (default: {name: 1})")
    rows: int | None = Field(None, ge=1, description="size of a phase whose tags all appear in earlier phases")
    replay: bool = Field(False, description="stage k repeats every row of stages < k (cumulative, like baby steps)")

    def shares(self) -> dict[str, float]:
        return dict(self.mix) if self.mix else {self.name: 1.0}


class ScheduleSpec(StrictModel):
    """Phases in order; inside each, a pacing function over a number of stages."""

    order: Literal["curriculum", "anti", "random"] = Field(
        "curriculum", description="curriculum: easy first; anti: hard first; random: shuffled (same stage sizes)"
    )
    stages: int = Field(4, ge=1, le=100_000, description="stages per phase unless a phase sets its own")
    pacing: PacingSpec = Field(default_factory=PacingSpec)
    phases: list[PhaseSpec] = Field(default_factory=list, description="default: one phase per input tag")


class CurriculumOutputSpec(StrictModel):
    """Where and how the ordered rows are written."""

    path: str | None = None
    layout: Literal["shards", "single"] = Field(
        "shards", description="shards: a folder of stage_000...; single: one file with stage and order columns"
    )
    format: Literal["auto", "jsonl", "csv", "tsv", "parquet"] = Field(
        "auto", description="auto: the inputs' format when they share one, else jsonl"
    )
    provenance_field: str = Field("_curriculum", description="field recording phase, stage, order, difficulty, source")
    stage_field: str = "stage"
    order_field: str = "order"
    chart: bool = Field(True, description="write a PNG chart of difficulty by stage")


class CurriculumRecipe(RecipeBase):
    """A curriculum recipe: rows in, the same rows out, ordered into stages from easy to hard."""

    version: Literal[1]
    kind: Literal["curriculum"] = "curriculum"
    description: str | None = None
    seed: int = 0
    workers: int | None = Field(None, ge=0, description="worker processes for scoring (0 or empty: all cores)")
    engine: Literal["local", "ray"] = Field("local", description="where work runs: this machine, or a Ray cluster")
    on_error: Literal["fail", "skip"] = "fail"
    inputs: list[CurriculumInput] = Field(min_length=1)
    difficulty: list[ScorerSpec] = Field(
        default_factory=lambda: [ScorerSpec(scorer="field", field="difficulty")],
        min_length=1,
        description="default: the numeric 'difficulty' field the generators write",
    )
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    output: CurriculumOutputSpec = Field(default_factory=CurriculumOutputSpec)

    def tags(self) -> list[str]:
        """Every phase tag the inputs declare, in order of first appearance."""
        return list(dict.fromkeys(t for spec in self.inputs for t in spec.tags()))

    def phases(self) -> list[PhaseSpec]:
        """The schedule's phases, or one per declared tag when the recipe lists none."""
        if self.schedule.phases:
            return self.schedule.phases
        return [PhaseSpec(name=tag) for tag in self.tags()]

    def check(self, loaded: LoadedRecipe) -> None:
        """Rules across fields: scorer and pacing parameters, phase names, tags and mixes."""
        problems: list[tuple[tuple, str]] = []
        for i, spec in enumerate(self.inputs):
            if spec.phase is not None and spec.phase_by is not None:
                problems.append((("inputs", i, "phase_by"), "give either phase or phase_by, not both"))
        for i, scorer in enumerate(self.difficulty):
            allowed = SCORER_KEYS[scorer.scorer] | COMMON_SCORER_KEYS
            for key in _foreign_keys(scorer, allowed):
                problems.append(
                    (
                        ("difficulty", i, key),
                        f"{key!r} does not apply to scorer {scorer.scorer!r}; it reads: {', '.join(sorted(allowed))}",
                    )
                )
            if scorer.scorer == "field" and not scorer.field:
                problems.append((("difficulty", i), "scorer 'field' needs field: NAME (a numeric field)"))
            if scorer.scorer == "file" and not scorer.path:
                problems.append((("difficulty", i), "scorer 'file' needs path: SCORES_FILE"))
        pacings: list[tuple[tuple, PacingSpec]] = [(("schedule", "pacing"), self.schedule.pacing)]
        pacings += [
            (("schedule", "phases", j, "pacing"), ph.pacing) for j, ph in enumerate(self.schedule.phases) if ph.pacing
        ]
        for loc, pacing in pacings:
            if pacing.function not in PACING:
                names = list(PACING)
                problems.append(
                    (
                        loc + ("function",),
                        f"unknown pacing {pacing.function!r}{suggest(pacing.function, names)}; available: {', '.join(names)}",
                    )
                )
                continue
            for key in _foreign_keys(pacing, PACING_KEYS[pacing.function] | {"function"}):
                reads = ", ".join(sorted(PACING_KEYS[pacing.function])) or "no parameters"
                problems.append(
                    (loc + (key,), f"{key!r} does not apply to pacing {pacing.function!r}; it reads: {reads}")
                )
        problems.extend(self._check_phases())
        if problems:
            raise RecipeError("invalid recipe", problems)

    def _check_phases(self) -> list[tuple[tuple, str]]:

        problems: list[tuple[tuple, str]] = []
        tags = self.tags()
        names = [ph.name for ph in self.schedule.phases]
        seen_tags: set[str] = set()
        for j, phase in enumerate(self.schedule.phases):
            loc = ("schedule", "phases", j)
            if names.index(phase.name) != j:
                problems.append((loc + ("name",), f"phase {phase.name!r} is listed twice"))
            shares = phase.shares()
            for tag, share in shares.items():
                if tag not in tags:
                    where = loc + ("mix", tag) if phase.mix else loc + ("name",)
                    problems.append(
                        (
                            where,
                            f"no input is tagged {tag!r}{suggest(tag, tags)}; input tags: {', '.join(tags)} "
                            "(set phase: or phase_by: on an input, or give this phase a mix:)",
                        )
                    )
                if share <= 0:
                    problems.append((loc + ("mix", tag), f"a mix share must be > 0 (got {share})"))
            new = set(shares) - seen_tags
            if not new and phase.rows is None:
                problems.append(
                    (loc, "every tag of this phase appears in an earlier phase, so its size is open: set rows: N")
                )
            if new and phase.rows is not None:
                problems.append(
                    (
                        loc + ("rows",),
                        f"rows applies only to a phase whose tags all appear earlier; this phase "
                        f"introduces {', '.join(sorted(new))} and takes all of their remaining rows",
                    )
                )
            seen_tags |= set(shares)
        if self.schedule.phases:
            for tag in tags:
                if tag not in seen_tags:
                    problems.append(
                        (
                            ("schedule", "phases"),
                            f"rows tagged {tag!r} belong to no phase; add it to a phase's mix or name a phase {tag!r}",
                        )
                    )
        out = self.output
        reserved = [out.provenance_field] + ([out.stage_field, out.order_field] if out.layout == "single" else [])
        if len(set(reserved)) != len(reserved):
            problems.append((("output",), "provenance_field, stage_field and order_field must differ"))
        return problems
