"""The registries of augmenters and generators, by name, each with a validated parameter schema.

An *augmenter* transforms one row: it first draws every random choice from the generator it is
given (``sample``), then applies them deterministically (``apply``); the sampled parameters go
into the output row's provenance. A *generator* makes new rows from nothing but its fitted state
and a per-row generator (synthetic text, fake PII).

Built-ins register with the decorators below; an unknown name answers "did you mean ...".
"""

from __future__ import annotations

import inspect
import random
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from mlp_cli.errors import BadItem, field_problem, suggest


class Params(BaseModel):
    """Base of every parameter schema: unknown keys are errors, so misspellings are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=Params)


class RunContext(BaseModel):
    """What an augmenter or generator may know about the run when it is set up (in each worker)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    recipe_dir: str = "."
    text_field: str | None = None
    label_field: str | None = None
    id_field: str | None = None
    seed: int = 0
    input_override: str | None = None  # --input, for generators that read a corpus (accepts_input)


class Augmenter(Generic[P]):
    """Transforms one row (a dict). Subclasses set ``name``, ``family`` and ``Params``."""

    name: ClassVar[str]
    family: ClassVar[str]
    Params: ClassVar[type[Params]]

    def __init__(self, params: P, context: RunContext):
        self.params = params
        self.context = context

    def setup(self) -> None:
        """Heavy, lazy initialisation (imports, models); called once per process before use."""

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """Draw every random choice for this row; the result must be JSON-serialisable."""
        raise NotImplementedError

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        """Apply the sampled choices; deterministic; returns a new row (never mutates ``row``)."""
        raise NotImplementedError


class Generator(Generic[P]):
    """Makes new rows. ``fit`` runs once in the parent process; ``generate`` runs in workers."""

    name: ClassVar[str]
    family: ClassVar[str]
    Params: ClassVar[type[Params]]
    accepts_input: ClassVar[bool] = False  # True: --input replaces the corpus it is fitted on

    def __init__(self, params: P, context: RunContext):
        self.params = params
        self.context = context

    @classmethod
    def check_recipe(cls, params: Any, loaded: Any, loc: tuple) -> None:
        """Checks at `mlp recipe validate` time that need files or the whole recipe (``loaded``).

        Raise RecipeError with ``(loc, message)`` problems; a problem inside a separate file names
        that file and line in its message. Nothing heavy: no fitting, no corpus reading.
        """

    def fit(self) -> None:
        """Build or load the state needed to generate (must be picklable afterwards)."""

    def setup(self) -> None:
        """Per-process initialisation after the generator reached a worker."""

    def generate(self, index: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        """Row number ``index``, drawn only from ``rng``: ``(row, provenance details)``."""
        raise NotImplementedError

    def collect(self, rows: list[dict[str, Any]]) -> Any:
        """Partial statistics over one chunk of this generator's output rows (runs in a worker)."""
        return None

    def summary(self, partials: list[Any]) -> dict[str, Any]:
        """Figures for the run summary and manifest (e.g. fidelity) from the chunks' partials."""
        return {}


def text_of(row: dict[str, Any], field: str) -> str:
    """The text in ``row[field]``, or a BadItem naming the field."""
    if field not in row:
        raise BadItem("missing field", f"no field {field!r} (fields: {', '.join(map(str, row)) or 'none'})")
    value = row[field]
    if value is None:
        raise BadItem("missing field", f"field {field!r} is null")
    if not isinstance(value, str):
        raise BadItem("wrong type", f"field {field!r} holds {type(value).__name__}, expected text")
    return value


AUGMENTERS: dict[str, type[Augmenter]] = {}
GENERATORS: dict[str, type[Generator]] = {}

_T = TypeVar("_T")


def register_augmenter(cls: type[_T]) -> type[_T]:
    """Class decorator: make an augmenter available to recipes under ``cls.name``."""
    _register(AUGMENTERS, cls, "augmenter")
    return cls


def register_generator(cls: type[_T]) -> type[_T]:
    """Class decorator: make a generator available to recipes under ``cls.name``."""
    _register(GENERATORS, cls, "generator")
    return cls


def _register(table: dict, cls: Any, what: str) -> None:
    if cls.name in table and table[cls.name] is not cls:
        raise ValueError(f"{what} {cls.name!r} registered twice")
    table[cls.name] = cls


def load_builtins() -> None:
    """Import the modules that register the built-in augmenters and generators.

    Kept out of import time so that ``mlp --help`` stays fast; each module imports its heavy
    library (nlpaug, torch, faker) only when an augmenter is set up.
    """
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    load_plugins()


# Third-party plugins: entry points in these groups (see docs/plugins.md).
PLUGIN_GROUPS = {"mlp.augmenters": "augmenter", "mlp.generators": "generator"}
# Every plugin that failed to load: (entry point name, group, error message).
PLUGIN_ERRORS: list[tuple[str, str, str]] = []
# Names registered by plugins: ("augmenter" | "generator", name) -> distribution name.
PLUGIN_SOURCES: dict[tuple[str, str], str] = {}
_plugins_loaded = False


def load_plugins() -> None:
    """Load the ``mlp.augmenters`` / ``mlp.generators`` entry points, once per process.

    An entry point names a class (registered here unless it already is) or a module whose import
    registers classes with the decorators. A broken plugin never stops the run: it is recorded in
    ``PLUGIN_ERRORS`` and `mlp list` reports it.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    seen: set[tuple[str, str, str]] = set()
    for group, what in PLUGIN_GROUPS.items():
        for ep in entry_points(group=group):
            if (group, ep.name, ep.value) in seen:  # the same distribution found twice on sys.path
                continue
            seen.add((group, ep.name, ep.value))
            dist = getattr(getattr(ep, "dist", None), "name", None) or ep.name
            try:
                _load_entry_point(ep, what, dist)
            except Exception as exc:  # noqa: BLE001 - any failure of third-party code is reported
                PLUGIN_ERRORS.append((ep.name, group, f"{type(exc).__name__}: {exc}"))


def _load_entry_point(ep: Any, what: str, dist: str) -> None:
    tables: dict[str, tuple[dict[str, Any], type]] = {
        "augmenter": (AUGMENTERS, Augmenter),
        "generator": (GENERATORS, Generator),
    }
    before = {kind: set(table) for kind, (table, _) in tables.items()}
    try:
        obj = ep.load()
    finally:  # names a plugin module registered through the decorators, even if it then failed
        for kind, (table, _) in tables.items():
            for name in set(table) - before[kind]:
                PLUGIN_SOURCES[(kind, name)] = dist
    if inspect.ismodule(obj):
        return
    table, base = tables[what]
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise TypeError(f"{ep.value} is not a module or a subclass of {base.__name__}")
    plugin_name = getattr(obj, "name", None)
    if not isinstance(plugin_name, str) or not plugin_name:
        raise TypeError(f"{obj.__name__} has no 'name'")
    params = getattr(obj, "Params", None)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise TypeError(f"{obj.__name__}.Params is not a pydantic model")
    if table.get(plugin_name, obj) is not obj:
        owner = PLUGIN_SOURCES.get((what, plugin_name))
        raise ValueError(
            f"{what} name {plugin_name!r} is already taken by {'plugin ' + owner if owner else 'a built-in'}"
        )
    if plugin_name not in table:
        table[plugin_name] = obj
        PLUGIN_SOURCES[(what, plugin_name)] = dist


def reset_plugins() -> None:
    """Forget loaded plugins (for tests): unregister their names and clear errors and the cache."""
    global _plugins_loaded
    for kind, name in list(PLUGIN_SOURCES):
        (AUGMENTERS if kind == "augmenter" else GENERATORS).pop(name, None)
    PLUGIN_SOURCES.clear()
    PLUGIN_ERRORS.clear()
    _plugins_loaded = False


# Every module that registers built-ins; a family adds its module here.
BUILTIN_MODULES = [
    "mlp_cli.augment.text.augmenters",
    "mlp_cli.augment.noise.nlpaug_noise",
    "mlp_cli.augment.synthetic.token_model",
    "mlp_cli.augment.noise.pad",
    "mlp_cli.augment.noise.evasion",
    "mlp_cli.augment.pii",
]


def lookup(table: dict[str, type], name: str, what: str, loc: tuple) -> type:
    """The class registered as ``name``, or a RecipeError at ``loc`` naming the accepted ones."""
    load_builtins()
    if name not in table:
        names = sorted(table)
        raise field_problem(loc, f"unknown {what} {name!r}{suggest(name, names)}; available: {', '.join(names)}")
    return table[name]


def describe(cls: type) -> str:
    """The first line of a class docstring: the one-line description in `mlp list`."""
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
