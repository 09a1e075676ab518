"""The pipeline recipe (``kind: pipeline``), its step graph and the selection of steps to run.

A step is an existing recipe, by path or inline, with ``override`` deep-merged into it. Anywhere
in a step's recipe a mapping ``{from: STEP, ...}`` stands for a data file: it becomes
``{path: <STEP's output>, ...}``, which also makes STEP a dependency.

Loading a pipeline validates every step as ``mlp recipe validate`` validates a recipe file (the one
``validate_recipe``), with its overrides applied and ``from:`` resolved. A problem is reported where
the user wrote the field: in the pipeline file for an inline recipe or an override
(``steps[0].override.generate.0.count``), in the step's recipe file otherwise.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from mlp_cli.errors import RecipeError, UsageError
from mlp_cli.pipeline.checks import parse_figure
from mlp_cli.recipe.base import RecipeBase, StrictModel
from mlp_cli.recipe.loader import LoadedRecipe, Loc, format_problems, read_recipe, validate_recipe

STEP_KINDS = ("augment", "mine-negatives", "curriculum")


class PipelineOutput(StrictModel):
    path: str = Field(description="folder of every step's output, the cache and the report")


class PipelineStep(StrictModel):
    """One named step: a recipe (a path relative to the pipeline, or inline) and its overrides."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    recipe: str | dict[str, Any] = Field(description="a recipe file, or a recipe written inline")
    override: dict[str, Any] = Field(default_factory=dict, description="deep-merged into the recipe")
    after: list[str] = Field(default_factory=list, description="steps to run first (besides 'from:')")


class PipelineRecipe(RecipeBase):
    """``kind: pipeline``: named steps run in dependency order, cached, and gated by ``checks``."""

    version: Literal[1]
    kind: Literal["pipeline"] = "pipeline"
    description: str | None = None
    seed: int | None = Field(None, description="seed of every step (default: each recipe's own)")
    workers: int | None = None
    engine: Literal["local", "ray"] | None = None
    steps: list[PipelineStep] = Field(min_length=1)
    output: PipelineOutput | None = None
    report: bool = Field(False, description="write report.html (and its PNG charts) in the output folder")

    def check(self, loaded: LoadedRecipe) -> None:
        names = [s.name for s in self.steps]
        for i, step in enumerate(self.steps):
            if step.name in names[:i]:
                raise loaded.error(("steps", i, "name"), f"step name {step.name!r} is used twice")
            if isinstance(step.recipe, str) and not (loaded.resolve(step.recipe) or Path()).is_file():
                raise loaded.error(("steps", i, "recipe"), f"recipe file {step.recipe!r} not found")
            for j, dep in enumerate(step.after):
                if dep not in names:
                    raise loaded.error(("steps", i, "after", j), f"unknown step {dep!r}; steps: {', '.join(names)}")
        problems: list[tuple[Loc, str]] = []
        for i, check in enumerate(self.checks):
            if check.step is not None and check.step not in names:
                problems.append((("checks", i, "step"), f"unknown step {check.step!r}; steps: {', '.join(names)}"))
            try:
                parse_figure(check.figure)
            except RecipeError as exc:
                problems.append((("checks", i, "figure"), str(exc)))
        if problems:
            raise RecipeError(format_problems(loaded.path, loaded.marks, problems), problems)
        graph = Graph.of(loaded)
        order = graph.order()  # raises on a cycle
        out_dir = out_dir_of(loaded)  # where outputs would go: 'from:' becomes a path there
        outputs = {name: step_output(src.raw, out_dir, name) for name, src in graph.sources.items()}
        lines: list[str] = []
        for name in order:  # every step, not only the first bad one
            lines += graph.step_problems(name, outputs)
        if lines:
            raise RecipeError(_joined(loaded.path, lines))


def out_dir_of(loaded: LoadedRecipe) -> Path:
    """The pipeline's folder: ``output.path``, else ``out/<pipeline name>`` beside the recipe's folder."""
    output = loaded.model.output
    path = loaded.resolve(output.path) if output is not None else loaded.base_dir.parent / "out" / loaded.path.stem
    assert path is not None
    return path


def _joined(path: Path, lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return f"{len(lines)} problems in {path}:\n  " + "\n  ".join(line.replace("\n", "\n  ") for line in lines)


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` merged into ``base``: mappings key by key, list items by index, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(override, dict) and all(isinstance(k, int) for k in override):
        merged = list(base)  # {0: {count: 10}} changes the first item of a list, keeping the others
        for index, value in override.items():
            if not -len(base) <= index < len(base):
                raise RecipeError(f"override: no item {index} in a list of {len(base)}")
            merged[index] = deep_merge(base[index], value)
        return merged
    return copy.deepcopy(override)


def references(node: Any) -> list[str]:
    """Every ``from: STEP`` inside a recipe mapping, in order."""
    return [name for _loc, name in reference_locs(node)]


def reference_locs(node: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every ``from: STEP`` inside a recipe mapping with the field path of its ``from`` key."""
    found: list[tuple[Loc, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("from"), str):
            found.append((loc + ("from",), node["from"]))
        for key, value in node.items():
            found += reference_locs(value, loc + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += reference_locs(value, loc + (i,))
    return found


def substitute(node: Any, outputs: dict[str, Path]) -> Any:
    """``{from: STEP, ...}`` -> ``{path: STEP's output, ...}`` everywhere in a recipe mapping."""
    if isinstance(node, dict):
        out = {k: substitute(v, outputs) for k, v in node.items() if not (k == "from" and isinstance(v, str))}
        if isinstance(node.get("from"), str):
            out["path"] = str(outputs[node["from"]])
        return out
    if isinstance(node, list):
        return [substitute(v, outputs) for v in node]
    return node


@dataclass
class StepSource:
    """A step's recipe before ``from:`` is resolved: its mapping, the file it names paths from, its marks."""

    name: str
    raw: dict[str, Any]
    path: Path
    marks: dict[tuple, tuple[int, int]]
    deps: list[str]
    index: int = 0
    override: dict[str, Any] = dataclasses.field(default_factory=dict)
    inline: bool = False


def step_source(loaded: LoadedRecipe, index: int) -> StepSource:
    step: PipelineStep = loaded.model.steps[index]
    inline = not isinstance(step.recipe, str)
    if isinstance(step.recipe, str):
        path = loaded.resolve(step.recipe)
        assert path is not None
        try:
            raw, marks = read_recipe(path)
        except RecipeError as exc:  # YAML syntax, not a mapping: already names its file and line
            raise RecipeError(f"step {step.name!r}: {exc}") from None
    else:
        raw, path = copy.deepcopy(step.recipe), loaded.path
        prefix = ("steps", index, "recipe")
        marks = {k[3:]: v for k, v in loaded.marks.items() if k[:3] == prefix}
    try:
        raw = deep_merge(raw, step.override)
    except RecipeError as exc:
        raise loaded.error(("steps", index, "override"), f"step {step.name!r}: {exc}") from None
    deps = list(dict.fromkeys(references(raw) + step.after))
    return StepSource(step.name, raw, path, marks, deps, index, step.override, inline)


def _child(node: Any, part: Any) -> tuple[bool, Any, Any]:
    """(found, child, the key as the YAML marks name it) of one step down a mapping or list."""
    if isinstance(node, dict):
        for key in (part, str(part), int(part) if isinstance(part, str) and part.isdigit() else None):
            if key is not None and key in node:
                return True, node[key], str(key)
    elif isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
        return True, node[part], part
    return False, None, None


def locate(loaded: LoadedRecipe, source: StepSource, loc: Loc) -> tuple[Path, dict[Loc, tuple[int, int]], Loc]:
    """Where a field of a step's merged recipe was written: (file, its marks, the field's path there).

    The override wins when it reaches at least as deep into ``loc`` as the recipe's own marks do
    (it replaced or set that field); an inline recipe is a part of the pipeline file.
    """
    node = source.override
    over_loc: Loc = ()
    for part in loc:
        found, node, key = _child(node, part)
        if not found:
            break
        over_loc += (key,)
    base_depth = max((k for k in range(len(loc) + 1) if tuple(loc[:k]) in source.marks), default=0)
    if over_loc and len(over_loc) >= base_depth:
        where = ("steps", source.index, "override") + over_loc + tuple(loc[len(over_loc) :])
        return loaded.path, loaded.marks, where
    if source.inline:
        return loaded.path, loaded.marks, ("steps", source.index, "recipe") + tuple(loc)
    return source.path, source.marks, tuple(loc)


@dataclass
class Graph:
    """The steps of a pipeline and what each depends on."""

    sources: dict[str, StepSource]
    loaded: LoadedRecipe

    @classmethod
    def of(cls, loaded: LoadedRecipe) -> Graph:
        sources = {s.name: step_source(loaded, i) for i, s in enumerate(loaded.model.steps)}
        names = list(sources)
        graph = cls(sources, loaded)
        lines: list[str] = []
        for source in sources.values():
            for loc, dep in reference_locs(source.raw):
                if dep == source.name:
                    lines.append(graph.where(source, loc, f"'from: {dep}' is this step itself; name an earlier step"))
                elif dep not in sources:
                    lines.append(graph.where(source, loc, f"'from: {dep}' names no step; steps: {', '.join(names)}"))
            kind = source.raw.get("kind", "augment")
            if kind not in STEP_KINDS:
                lines.append(
                    graph.where(source, ("kind",), f"a step runs one of {', '.join(STEP_KINDS)}, not {kind!r}")
                )
        if lines:
            raise RecipeError(_joined(loaded.path, lines))
        return graph

    def where(self, source: StepSource, loc: Loc, message: str) -> str:
        """One problem of a step's recipe as ``step 'NAME': file:line:col: field: message``."""
        path, marks, at = locate(self.loaded, source, loc)
        return f"step {source.name!r}: " + format_problems(path, marks, [(at, message)])

    def step_problems(self, name: str, outputs: dict[str, Path]) -> list[str]:
        """Every problem of a step's recipe (overrides applied, ``from:`` resolved), one line each."""
        source = self.sources[name]
        try:
            step = validate_recipe(substitute(source.raw, outputs), source.path, source.marks)
        except RecipeError as exc:
            if not exc.problems:  # kind, version: one message that already names its place
                return [f"step {name!r}: {exc}"]
            return [self.where(source, tuple(loc), message) for loc, message in exc.problems]
        lines = []
        for j, check in enumerate(getattr(step.model, "checks", None) or []):
            if check.step is not None:
                lines.append(
                    self.where(
                        source,
                        ("checks", j, "step"),
                        "a step's own checks gate that step; put checks with 'step:' in the pipeline's checks",
                    )
                )
            try:
                parse_figure(check.figure)
            except RecipeError as exc:
                lines.append(self.where(source, ("checks", j, "figure"), str(exc)))
        return lines

    def order(self) -> list[str]:
        """Steps in dependency order; among ready steps, the order they are written in."""
        done: list[str] = []
        pending = list(self.sources)
        while pending:
            ready = [n for n in pending if all(d in done for d in self.sources[n].deps)]
            if not ready:
                raise self.loaded.error(("steps",), f"steps depend on each other in a cycle: {', '.join(pending)}")
            done.append(ready[0])
            pending.remove(ready[0])
        return done

    def upstream(self, name: str) -> set[str]:
        """``name`` and every step it depends on, directly or not."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.sources[current].deps
        return seen

    def select(self, only: list[str], until: str | None) -> list[str]:
        """The steps to consider, in order: ``--only`` these, or ``--until`` one (with its upstream), or all."""
        for name in [*only, *([until] if until else [])]:
            if name not in self.sources:
                raise UsageError(f"unknown step {name!r}; steps: {', '.join(self.sources)}")
        order = self.order()
        if only:
            return [n for n in order if n in only]
        if until:
            wanted = self.upstream(until)
            return [n for n in order if n in wanted]
        return order

    def resolve(self, name: str, outputs: dict[str, Path]) -> LoadedRecipe:
        """The step's recipe with ``from:`` replaced by upstream outputs, validated like a file."""
        source = self.sources[name]
        try:
            return validate_recipe(substitute(source.raw, outputs), source.path, source.marks)
        except RecipeError:
            raise RecipeError(_joined(self.loaded.path, self.step_problems(name, outputs))) from None


def step_output(raw: dict[str, Any], out_dir: Path, name: str) -> Path:
    """Where a step writes under the pipeline's folder: ``DIR/STEP/<its recipe's output name>``."""
    output = raw.get("output") if isinstance(raw.get("output"), dict) else None
    base = Path(str(output["path"])).name if output and output.get("path") else f"{name}.jsonl"
    return out_dir / name / base
