"""Describe registered augmenters and generators from their parameter schemas (for `mlp list`)."""

from __future__ import annotations

from typing import Any

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


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation)
    return text.replace("typing.", "").replace("NoneType", "None")


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
                default = "required" if info.default_factory is None else info.get_default(call_default_factory=True, validated_data={})
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
