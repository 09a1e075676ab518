"""Curricula: difficulty scores, pacing functions and staged phases, written as ordered shards.

``from mlp_cli.curriculum import build_curriculum`` is the library entry; the submodules are
imported on first use so that loading a recipe model stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_curriculum", "run_curriculum"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mlp_cli.curriculum import run

        return getattr(run, name)
    raise AttributeError(name)
