"""Describe registered augmenters and generators from their parameter schemas (for `mlp list`)."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from mlp_cli.augment.registry import (
    AUGMENTERS,
    GENERATORS,
    PLUGIN_ERRORS,
    PLUGIN_GROUPS,
    PLUGIN_SOURCES,
    describe,
    load_builtins,
)


def _type_name(annotation: Any, depth: int = 0) -> str:
    """The recipe shape of a parameter: ``{path: str, format: auto | jsonl}`` for a section, never a Python path."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if depth >= 2:
            return "{...}"
        fields = ", ".join(f"{n}: {_type_name(f.annotation, depth + 1)}" for n, f in annotation.model_fields.items())
        return "{" + fields + "}"
    if origin is typing.Literal:
        return " | ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a, depth) for a in args)
    if origin in (list, tuple, set, frozenset) and args:
        inner = ", ".join(_type_name(a, depth) for a in args if a is not Ellipsis)
        return f"{origin.__name__}[{inner}]"
    if origin is dict and args:
        return "{" + f"{_type_name(args[0], depth)}: {_type_name(args[1], depth)}" + "}"
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def catalog(which: str) -> list[dict[str, Any]]:
    """One entry per registered name: name, family, description, params (name, type, default, description).

    A class from a plugin has the family ``plugin: <distribution name>``.
    """
    load_builtins()
    table = AUGMENTERS if which == "augmenters" else GENERATORS
    kind = "augmenter" if which == "augmenters" else "generator"
    entries = []
    for name in sorted(table):
        cls = table[name]
        params = []
        for pname, info in cls.Params.model_fields.items():
            default = info.default
            if default is PydanticUndefined:
                default = (
                    "required"
                    if info.default_factory is None
                    else info.get_default(call_default_factory=True, validated_data={})
                )
            params.append(
                {
                    "name": pname,
                    "type": _type_name(info.annotation),
                    "default": default,
                    "description": info.description or "",
                }
            )
        dist = PLUGIN_SOURCES.get((kind, name))
        family = f"plugin: {dist}" if dist else getattr(cls, "family", "")
        entries.append({"name": name, "family": family, "description": describe(cls), "params": params})
    return entries


def plugin_errors(which: str) -> list[tuple[str, str, str]]:
    """The plugins of this kind that failed to load: (entry point name, group, error message)."""
    load_builtins()
    kind = "augmenter" if which == "augmenters" else "generator"
    return [e for e in PLUGIN_ERRORS if PLUGIN_GROUPS.get(e[1]) == kind]
