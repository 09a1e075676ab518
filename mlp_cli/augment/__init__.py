"""Augmenters and generators by family (text, noise, synthetic, image, pii), each registered by name.

``from mlp_cli.augment import augment`` is the notebook entry point (a recipe file or a recipe built
in code); it is imported on first use so that importing the package stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["augment", "run_augment"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mlp_cli.augment import run

        return getattr(run, name)
    raise AttributeError(f"module 'mlp_cli.augment' has no attribute {name!r}")
