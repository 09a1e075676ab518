"""Nearest neighbours of the anchors with the recipe's index (exact or annoy, whose recall is measured).

With ``cluster`` (a Ray executor) the queries are searched in Ray tasks; annoy's build and the
recall check (a few hundred exact queries) stay in this process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.mine.encoders import default_cache_dir
from mlp_cli.mine.index import annoy_search, exact_search, fingerprint, window_recall
from mlp_cli.mine.recipe import MineRecipe
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.options import Progress
from mlp_cli.runtime.ray_engine import RayExecutor
from mlp_cli.runtime.seeding import item_numpy


def search(
    loaded: LoadedRecipe,
    queries: Any,
    corpus_vectors: Any,
    k: int,
    window: tuple[int, int],
    seed: int,
    workers: int,
    progress: Progress,
    cluster: RayExecutor | None = None,
) -> Any:
    """Top-k neighbours with the recipe's index; annoy also measures its window recall."""
    recipe: MineRecipe = loaded.model
    spec = recipe.index
    if spec.type == "exact":
        return exact_search(queries, corpus_vectors, k, spec.memory_mb, progress, cluster)
    corpus_dense = np.asarray(corpus_vectors, dtype=np.float32)
    queries = np.asarray(queries, dtype=np.float32)
    if spec.path:
        path = loaded.resolve(spec.path)
    else:
        cache = loaded.resolve(recipe.encoder.cache_dir) if recipe.encoder.cache_dir else default_cache_dir()
        assert cache is not None
        path = Path(cache) / f"annoy-{fingerprint(corpus_dense)}-{spec.metric}-{spec.n_trees}-{seed}.ann"
    assert path is not None
    found = annoy_search(
        queries,
        corpus_dense,
        k,
        n_trees=spec.n_trees,
        search_k=spec.search_k,
        metric=spec.metric,
        path=Path(path),
        seed=seed,
        workers=workers,
        progress=progress,
        cluster=cluster,
    )
    sample = min(spec.recall_sample, queries.shape[0])
    if sample:
        picks = np.sort(item_numpy(seed, "recall-sample").choice(queries.shape[0], sample, replace=False))
        exact = exact_search(queries[picks], corpus_dense, k, spec.memory_mb)
        approx = type(found)(found.indices[picks], found.scores[picks])
        recall = window_recall(exact, approx, window)
        found.info["recall"] = round(recall, 4)
        found.info["recall_sample"] = int(sample)
        if recall < spec.recall_warn:
            progress.note(
                f"annoy window recall {recall:.3f} on {sample} anchors is below {spec.recall_warn}: "
                "raise index.n_trees / index.search_k, or use index: exact"
            )
    return found


def where_searched(info: dict[str, Any]) -> dict[str, Any]:
    """Where a search ran (the manifest's ``where.search``), from its index figures."""
    return {key: info[key] for key in ("where", "chunks", "workers") if key in info}
