"""Hard-negative mining: encoders, indexes (exact, annoy), sampling and filters, output formats.

``from mlp_cli.mine import mine_negatives`` is the notebook entry point; it is imported on first
use so that importing the package (and ``mlp --help``) stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["mine_negatives", "run_mine"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mlp_cli.mine import run

        return getattr(run, name)
    raise AttributeError(f"module 'mlp_cli.mine' has no attribute {name!r}")
