"""Load a YAML recipe, validate it, and report every problem with file, line, column and field.

YAML is parsed with ``yaml.safe_load`` (nothing in a recipe is executed); a second, safe
``yaml.compose`` pass keeps the position of every key and value so that a schema error at
``steps[0].p`` can be reported as ``recipe.yaml:14:8``.
"""

from __future__ import annotations

import difflib
import importlib
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from mlp_cli.errors import RecipeError, UsageError

Loc = tuple[Any, ...]

# kind -> "module:Class" of its pydantic model; imported only when that kind is loaded.
RECIPE_KINDS: dict[str, str] = {
    "augment": "mlp_cli.augment.recipe:AugmentRecipe",
    "mine-negatives": "mlp_cli.mine.recipe:MineRecipe",
    "curriculum": "mlp_cli.curriculum.recipe:CurriculumRecipe",
    "pipeline": "mlp_cli.pipeline.plan:PipelineRecipe",
}


@dataclass
class LoadedRecipe:
    """A validated recipe, the file it came from and the positions of its fields."""

    path: Path
    kind: str
    model: Any
    raw: dict[str, Any]
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def resolve(self, value: str | Path | None) -> Path | None:
        """A path written in the recipe, relative to the recipe's folder."""
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @classmethod
    def from_model(cls, model: Any, base_dir: str | Path = ".") -> LoadedRecipe:
        """A recipe built in Python (a model or a mapping), checked like a file; paths are relative to ``base_dir``."""
        kind = getattr(model, "kind", None) or (
            model.get("kind", "augment") if isinstance(model, Mapping) else "augment"
        )
        if kind not in RECIPE_KINDS:
            raise RecipeError(f"unknown recipe kind {kind!r}; accepted: {', '.join(RECIPE_KINDS)}")
        model_cls = model_class(kind)
        if not isinstance(model, model_cls):
            try:
                model = model_cls.model_validate(model)
            except ValidationError as exc:
                problems = [(tuple(err["loc"]), explain(model_cls, err)) for err in exc.errors()]
                raise RecipeError(format_problems(Path("<recipe>"), {}, problems), problems) from None
        path = Path(os.path.abspath(Path(base_dir).expanduser())) / "<recipe>"
        loaded = cls(path=path, kind=kind, model=model, raw=model.model_dump(mode="json"))
        check = getattr(model, "check", None)
        if check is not None:
            try:
                check(loaded)
            except RecipeError as exc:
                if exc.problems:
                    raise RecipeError(format_problems(path, {}, exc.problems), exc.problems) from None
                raise
        return loaded

    def output_path(self, override: Path | None = None) -> Path:
        """The output path: ``--out`` (``override``) or the recipe's ``output.path``; one is required."""
        if override is not None:
            return Path(override)
        output = getattr(self.model, "output", None)
        if output is None or getattr(output, "path", None) is None:
            raise UsageError(f"{self.path}: no output path: add 'output: {{path: ...}}' to the recipe or pass --out")
        out = self.resolve(output.path)
        assert out is not None
        return out

    def where(self, loc: Loc) -> str:
        """``file:line:col`` for a field (or its nearest existing parent)."""
        return _where(self.path, self.marks, loc)

    def error(self, loc: Loc, message: str) -> RecipeError:
        """A RecipeError about one field, already formatted with file and line."""
        return RecipeError(format_problems(self.path, self.marks, [(loc, message)]), [(loc, message)])


def model_class(kind: str) -> type[BaseModel]:
    module, _, name = RECIPE_KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def load_recipe(path: str | Path, kind: str | None = None) -> LoadedRecipe:
    """Read, parse and validate a recipe; raise RecipeError naming file, line and field."""
    raw, marks = read_recipe(path)
    return validate_recipe(raw, Path(path), marks, kind)


def read_recipe(path: str | Path) -> tuple[dict[str, Any], dict[Loc, tuple[int, int]]]:
    """Read and parse a recipe file without validating it: its mapping and its fields' positions.

    For commands whose flags change settings before the one validation (``mine-negatives``).
    """
    path = Path(path)
    try:
        data_bytes = path.read_bytes()
    except FileNotFoundError:
        raise RecipeError(f"{path}: recipe file not found") from None
    except IsADirectoryError:
        raise RecipeError(f"{path}: is a folder, expected a YAML recipe") from None
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read recipe: {exc.strerror}") from None
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: recipe is not UTF-8 text (bad byte at offset {exc.start})") from None
    return parse_recipe_text(text, path)


def load_recipe_text(text: str, path: Path, kind: str | None = None) -> LoadedRecipe:
    """Parse and validate recipe text (``path`` names it in messages)."""
    raw, marks = parse_recipe_text(text, path)
    return validate_recipe(raw, path, marks, kind)


def parse_recipe_text(text: str, path: Path) -> tuple[dict[str, Any], dict[Loc, tuple[int, int]]]:
    """YAML text to (mapping, field positions); only ``yaml.safe_load``, nothing is executed."""
    try:
        raw = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{context}, {problem}" if context else problem
        raise RecipeError(f"{where}: YAML syntax error: {detail}") from None
    except RecursionError:
        raise RecipeError(f"{path}: YAML nested too deeply") from None
    except ValueError as exc:  # e.g. an out-of-range timestamp in safe_load's resolvers
        raise RecipeError(f"{path}: YAML value error: {exc}") from None
    marks: dict[Loc, tuple[int, int]] = {}
    if node is not None:
        collect_marks(node, (), marks)
    if raw is None:
        raise RecipeError(f"{path}: recipe is empty; expected a mapping with 'version: 1'")
    if not isinstance(raw, dict):
        raise RecipeError(
            f"{path}:1:1: a recipe must be a mapping of keys (version, input, ...), not a {type(raw).__name__}"
        )
    bad_keys = [k for k in raw if not isinstance(k, str)]
    if bad_keys:
        raise RecipeError(f"{_where(path, marks, ())}: keys must be text, found {bad_keys[0]!r}")
    return raw, marks


def validate_recipe(
    raw: dict[str, Any],
    path: Path,
    marks: dict[Loc, tuple[int, int]],
    kind: str | None = None,
    given: dict[Loc, str] | None = None,
) -> LoadedRecipe:
    """The one validation of a recipe mapping: schema, then the recipe's own ``check``.

    ``given`` maps fields set on the command line to the flag that set them (``("sampling",
    "hard")`` → ``--hard``), so a problem there names the flag instead of a line of the file.
    """
    found_kind = raw.get("kind", kind or "augment")
    if not isinstance(found_kind, str) or found_kind not in RECIPE_KINDS:
        names = list(RECIPE_KINDS)
        close = difflib.get_close_matches(str(found_kind), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RecipeError(
            format_problems(
                path, marks, [(("kind",), f"unknown recipe kind {found_kind!r}{hint}; accepted: {', '.join(names)}")]
            )
        )
    if kind is not None and found_kind != kind:
        raise RecipeError(
            format_problems(
                path, marks, [(("kind",), f"this is a {found_kind!r} recipe; the command needs kind: {kind}")]
            )
        )
    cls = model_class(found_kind)
    if "version" not in raw:
        raise RecipeError(f"{_where(path, marks, ())}: missing 'version: 1' at the top of the recipe")
    try:
        model = cls.model_validate(raw)
    except ValidationError as exc:
        problems = [(tuple(err["loc"]), explain(cls, err)) for err in exc.errors()]
        raw_problems = getattr(cls, "raw_problems", None)
        if raw_problems is not None:  # report parameter problems too, not one round at a time
            seen = {loc for loc, _ in problems}
            problems += [(loc, msg) for loc, msg in raw_problems(raw) if loc not in seen]
        problems.sort(key=lambda p: marks.get(_nearest(marks, p[0]), (0, 0)))
        raise RecipeError(format_problems(path, marks, problems, given), problems) from None
    loaded = LoadedRecipe(path=path, kind=found_kind, model=model, raw=raw, marks=marks)
    check = getattr(model, "check", None)
    if check is not None:
        try:
            check(loaded)
        except RecipeError as exc:
            if exc.problems:
                raise RecipeError(format_problems(path, marks, exc.problems, given), exc.problems) from None
            raise
    return loaded


def format_problems(
    path: Path,
    marks: dict[Loc, tuple[int, int]],
    problems: list[tuple[Loc, str]],
    given: dict[Loc, str] | None = None,
) -> str:
    """One line per problem: ``file:line:col: field.path: message``, or ``--flag: message``."""
    lines = []
    for loc, message in problems:
        flag = next((f for g, f in (given or {}).items() if tuple(loc[: len(g)]) == g), None)
        if flag is not None:
            lines.append(f"{flag}: {message}")
            continue
        dotted = _dotted(loc)
        prefix = f"{_where(path, marks, loc)}: " if marks or not given else ""
        lines.append(prefix + (f"{dotted}: {message}" if dotted else message))
    if len(lines) > 1:
        return f"{len(lines)} problems in {path}:\n  " + "\n  ".join(lines)
    return lines[0]


def _nearest(marks: dict[Loc, tuple[int, int]], loc: Loc) -> Loc:
    """``loc`` itself, or its nearest parent that has a position in the file."""
    loc = tuple(loc)
    while loc and loc not in marks:
        loc = loc[:-1]
    return loc


def _where(path: Path, marks: dict[Loc, tuple[int, int]], loc: Loc) -> str:
    line, col = marks.get(_nearest(marks, loc), (1, 1))
    return f"{path}:{line}:{col}"


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def collect_marks(node: yaml.Node, loc: Loc, marks: dict[Loc, tuple[int, int]]) -> None:
    marks.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            child = loc + (key,)
            # the key's position: that is where a user looks for a misspelt or wrong field
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            collect_marks(value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            collect_marks(item, loc + (i,), marks)


def explain(root: type[BaseModel], err: Mapping[str, Any]) -> str:
    """A pydantic error in words a recipe author understands, with "did you mean"."""
    kind = err.get("type", "")
    loc = tuple(err.get("loc", ()))
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        fields = _fields_at(root, loc[:-1])
        if fields:
            close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown key {key!r}{hint}; accepted: {', '.join(fields)}"
        return f"unknown key {key!r}"
    if kind == "missing":
        return "required field is missing"
    msg = err.get("msg", "invalid value")
    given = err.get("input")
    if kind not in ("model_type",) and not isinstance(given, (dict, list)):
        return f"{msg} (got {given!r})"
    return msg


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` under ``root`` (best effort)."""
    current: Any = root
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return []
    models = [m for m in _candidates(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    names: list[str] = []
    for m in models:
        for name, info in m.model_fields.items():
            alias = info.alias or name
            if alias not in names:
                names.append(alias)
    return names


def _candidates(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _candidates(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for a in typing.get_args(tp):
            out.extend(_candidates(a))
        return out
    return [tp]


def _unwrap(tp: Any, part: Any) -> Any:
    for cand in _candidates(tp):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            if isinstance(part, str):
                for name, info in cand.model_fields.items():
                    if part in (name, info.alias):
                        return info.annotation
            continue
        origin = typing.get_origin(cand)
        args = typing.get_args(cand)
        if origin in (list, tuple) and isinstance(part, int) and args:
            return args[0]
        if origin is dict and args:
            return args[1]
    # pydantic puts the union member's tag in loc (e.g. "function-after[...]"); skip it
    if isinstance(part, str) and ("[" in part or part.startswith("function")):
        return tp
    return None


def dump_recipe(model: BaseModel) -> str:
    """The recipe with every default filled in, as YAML (round-trips through load_recipe)."""
    resolved = getattr(model, "resolved", None)
    data = resolved() if resolved is not None else model.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
