"""What identifies a mining run for ``--resume``: both runners (pairs and predictions) use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlp_cli.mine.recipe import MineRecipe
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.resume import file_stamp, run_fingerprint, tree_stamp
from mlp_cli.runtime.run import Run


def mine_fingerprint(loaded: LoadedRecipe, run: Run, out_format: str) -> dict[str, Any]:
    """What must not change between an interrupted mining run and its ``--resume``: the usual
    (``run_fingerprint``) plus the models and precomputed embeddings the recipe names."""
    recipe: MineRecipe = loaded.model
    named: dict[str, Any] = {}
    values = [recipe.encoder.model, recipe.encoder.corpus_embeddings, recipe.encoder.corpus_ids]
    values += [recipe.encoder.anchor_embeddings, recipe.encoder.anchor_ids]
    values += [recipe.rescore.model if recipe.rescore is not None else None]
    for value in values:
        path = loaded.resolve(value) if value else None
        if path is not None and Path(path).is_dir():
            named[str(path)] = tree_stamp(Path(path))
        elif path is not None and Path(path).is_file():
            named[str(path)] = file_stamp(Path(path))
    return run_fingerprint(run, recipe.model_dump(mode="json"), models=named, **{"output format": out_format})
