"""Nearest-neighbour search: exact (chunked matrix products) and annoy (approximate, recall measured).

Exact search multiplies a chunk of queries by the whole corpus with float32 BLAS into one reused
buffer whose size is set by ``memory_mb``, then keeps each row's top k: the query×corpus matrix
is never materialised. Annoy results are re-scored with the same dot product, so scores mean the
same thing whichever index found them; ties are broken by corpus position, so results are stable.

On a cluster (``cluster``, a Ray executor) each chunk of queries is one Ray task against the
corpus put once in the object store, and annoy's saved index is loaded (memory-mapped) by each
worker from its path. The chunks are the ones this process would search, so every product has
the same shapes and the scores the same bits.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from mlp_cli.errors import require
from mlp_cli.runtime.executor import Task
from mlp_cli.runtime.parallel import chunked, ordered_map
from mlp_cli.runtime.ray_engine import RayExecutor

# Long rows are reduced to maxima of blocks this wide before the exact top-k (see _topk_rows).
_BLOCK = 256
# Exact search tiles: query rows per product, and the fewest corpus columns a tile may have.
_QUERY_ROWS = 512
_MIN_COLUMNS = 4096
ANNOY_QUERIES_PER_WORKER = 2000


@dataclass
class Neighbours:
    """Top-k corpus rows per query, best first: ``indices`` (-1 pads) and ``scores`` (n_queries, k)."""

    indices: np.ndarray
    scores: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def _as_dense(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _sort_rows(idx: np.ndarray, sc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row by score (descending), ties by corpus index (ascending)."""
    order = np.lexsort((idx, -sc), axis=-1)
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(sc, order, axis=1)


def _topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the k best entries of each row of a (c, n) score block.

    A full ``argpartition`` of million-wide rows costs a large share of the matrix product, so
    long rows are cut into blocks of ``_BLOCK`` entries and reduced to their maxima in one pass.
    The k-th largest block maximum is a score that at least k entries reach (each of those maxima
    is one), and only blocks whose maximum reaches it can hold an entry that does: only those few
    blocks are searched. The result is exact, never an approximation.
    """
    c, n = scores.shape
    k = min(k, n)
    blocks = n // _BLOCK
    if blocks < 4 * k:
        part = np.argpartition(scores, n - k, axis=1)[:, n - k :]
        return _sort_rows(part.astype(np.int64), np.take_along_axis(scores, part, axis=1))
    tail_start = blocks * _BLOCK
    main = scores[:, :tail_start].reshape(c, blocks, _BLOCK)
    maxima = main.max(axis=2)
    threshold = np.partition(maxima, blocks - k, axis=1)[:, blocks - k]
    offsets = np.arange(_BLOCK)
    out_idx = np.empty((c, k), dtype=np.int64)
    out_sc = np.empty((c, k), dtype=np.float32)
    for r in range(c):
        hot = np.flatnonzero(maxima[r] >= threshold[r])
        cand = (hot[:, None] * _BLOCK + offsets).ravel()
        vals = main[r, hot].ravel()
        if tail_start < n:  # the last, partial block
            cand = np.concatenate([cand, np.arange(tail_start, n)])
            vals = np.concatenate([vals, scores[r, tail_start:]])
        keep = np.argpartition(vals, len(vals) - k)[len(vals) - k :]
        out_idx[r] = cand[keep]
        out_sc[r] = vals[keep]
    return _sort_rows(out_idx, out_sc)


def _tiles(n_queries: int, n_corpus: int, memory_mb: int, sparse: bool) -> tuple[int, int]:
    """(query rows, corpus columns) of one tile of scores that fits in ``memory_mb``.

    Dense products run faster with a few hundred query rows at a time than with a handful, so a
    large corpus is cut into column blocks rather than shrinking the query chunk. Sparse products
    keep whole rows (scipy's product is not tiled).
    """
    budget = memory_mb << 20
    if sparse:
        return max(1, min(n_queries, budget // (4 * n_corpus))), n_corpus
    rows = max(1, min(n_queries, _QUERY_ROWS))
    columns = budget // (4 * rows)
    floor = min(n_corpus, _MIN_COLUMNS)
    if columns < floor:
        columns = floor
        rows = max(1, min(rows, budget // (4 * columns)))
    return rows, min(columns, n_corpus)


def _merge(
    best: tuple[np.ndarray, np.ndarray] | None, idx: np.ndarray, sc: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k best of two per-row candidate sets."""
    if best is None:
        return idx, sc
    idx = np.concatenate([best[0], idx], axis=1)
    sc = np.concatenate([best[1], sc], axis=1)
    if sc.shape[1] > k:
        keep = np.argpartition(sc, sc.shape[1] - k, axis=1)[:, sc.shape[1] - k :]
        idx, sc = np.take_along_axis(idx, keep, axis=1), np.take_along_axis(sc, keep, axis=1)
    return idx, sc


class _Exact:
    """Top-k of chunks of queries against one corpus, in tiles of ``columns`` corpus rows."""

    def __init__(self, corpus: Any, k: int, rows: int, columns: int):
        self.k, self.columns = k, columns
        self.sparse = not isinstance(corpus, np.ndarray)
        if self.sparse:
            self.corpus_t = corpus.T.tocsc()
        else:
            self.corpus = _as_dense(corpus)
            self.buffer = np.empty(rows * columns, dtype=np.float32)

    def top(self, queries: Any) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of one chunk's top k, best first."""
        k, columns = self.k, self.columns
        if self.sparse:
            block = (queries @ self.corpus_t).toarray().astype(np.float32, copy=False)
            return _sort_rows(*_topk_rows(block, k))
        chunk = _as_dense(queries)
        n_rows, n_corpus = chunk.shape[0], self.corpus.shape[0]
        best = None
        for first in range(0, n_corpus, columns):
            last = min(n_corpus, first + columns)
            tile = self.buffer[: n_rows * (last - first)].reshape(n_rows, last - first)
            np.matmul(chunk, self.corpus[first:last].T, out=tile)
            idx, sc = _topk_rows(tile, min(k, last - first))
            best = _merge(best, idx + first, sc, k)
        assert best is not None
        return _sort_rows(*best)


_EXACT: _Exact | None = None  # in each Ray worker process, for one search


def _exact_init(corpus: Any, k: int, rows: int, columns: int) -> None:
    global _EXACT
    _EXACT = _Exact(corpus, k, rows, columns)


def _exact_chunks(chunks: list[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    assert _EXACT is not None
    return [_EXACT.top(chunk) for chunk in chunks]


def exact_search(
    queries: Any,
    corpus: Any,
    k: int,
    memory_mb: int = 256,
    progress: Any = None,
    cluster: RayExecutor | None = None,
) -> Neighbours:
    """Exact top-k by dot product (cosine on normalised vectors), dense or sparse inputs.

    Memory beyond the inputs is one tile of scores, ``memory_mb`` MiB (at least one query row
    by a few thousand corpus columns); each tile's top k are merged into the running best.
    With ``cluster``, each chunk of queries is a Ray task (each worker holds one tile buffer).
    """
    n_queries, n_corpus = queries.shape[0], corpus.shape[0]
    k = min(k, n_corpus)
    indices = np.full((n_queries, k), -1, dtype=np.int64)
    scores = np.full((n_queries, k), -np.inf, dtype=np.float32)
    if n_queries == 0 or k == 0:
        return Neighbours(indices, scores, {"index": "exact", "k": k, "where": "driver"})
    sparse = not isinstance(corpus, np.ndarray)
    rows, columns = _tiles(n_queries, n_corpus, memory_mb, sparse)
    starts = range(0, n_queries, rows)
    if cluster is None:
        exact = _Exact(corpus, k, rows, columns)
        found: Any = ((start, exact.top(queries[start : start + rows])) for start in starts)
        where: dict[str, Any] = {"where": "driver", "chunks": len(starts)}
    else:
        # plain arrays for the object store: the corpus once for the map, each chunk with its task
        dense = _as_dense if not sparse else (lambda x: x)
        chunks = (dense(queries[start : start + rows]) for start in starts)
        task = Task("search", _exact_chunks, _exact_init, (dense(corpus), k, rows, columns), chunk=1)
        found = (
            (starts[done.first + n], top) for done in cluster.map(task, chunks) for n, top in enumerate(done.result)
        )
        where = {"where": "ray tasks", "chunks": len(starts)}
    for start, (idx, sc) in found:
        stop = min(n_queries, start + rows)
        indices[start:stop] = idx
        scores[start:stop] = sc
        if progress is not None:
            progress.advance(stop - start)
    info = {"index": "exact", "k": k, "chunk_rows": rows, "block_columns": columns, **where}
    return Neighbours(indices, scores, info)


def fingerprint(matrix: np.ndarray) -> str:
    """A cheap identity of a (possibly huge) matrix: shape, dtype and about 1,000 sampled rows."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{matrix.shape}:{matrix.dtype}".encode())
    step = max(1, matrix.shape[0] // 1000)
    h.update(np.ascontiguousarray(matrix[::step]).tobytes())
    return h.hexdigest()


_ANNOY: Any = None  # (index, corpus, k, search_k) in each worker (inherited by fork, or loaded on Ray)


def _annoy_init(state: tuple) -> None:
    global _ANNOY
    _ANNOY = state


def _annoy_load(path: str, dims: int, metric: str, corpus: np.ndarray, k: int, search_k: int) -> None:
    """A Ray worker's state: the saved index, memory-mapped from ``path`` (shared storage on a cluster)."""
    AnnoyIndex = require("annoy", None, "the annoy index").AnnoyIndex
    index = AnnoyIndex(dims, metric)
    index.load(path)
    _annoy_init((index, corpus, k, search_k))


def _annoy_query(rows: list[tuple[int, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    index, corpus, k, search_k = _ANNOY
    out = []
    for _, vector in rows:
        found = np.asarray(index.get_nns_by_vector(vector.tolist(), k, search_k=search_k), dtype=np.int64)
        sc = np.asarray(corpus[found] @ vector, dtype=np.float32) if len(found) else np.zeros(0, np.float32)
        out.append((found, sc))
    return out


def annoy_search(
    queries: np.ndarray,
    corpus: np.ndarray,
    k: int,
    *,
    n_trees: int,
    search_k: int | None,
    metric: Literal["angular", "dot", "euclidean"],
    path: Path,
    seed: int,
    workers: int,
    progress: Any = None,
    cluster: RayExecutor | None = None,
) -> Neighbours:
    """Approximate top-k with annoy; the index is built once, saved at ``path`` and reused.

    The build runs here; with ``cluster``, the queries run as Ray tasks whose workers load the
    saved index from ``path``, so on a real cluster it must be on storage every node reads.
    """
    AnnoyIndex = require("annoy", None, "the annoy index").AnnoyIndex
    import time

    queries, corpus = _as_dense(queries), _as_dense(corpus)
    n_corpus, dims = corpus.shape
    k = min(k, n_corpus)
    meta = {"fingerprint": fingerprint(corpus), "metric": metric, "n_trees": n_trees, "seed": seed, "dims": dims}
    meta_path = path.with_name(path.name + ".json")
    index = AnnoyIndex(dims, metric)
    reused = False
    build_seconds = 0.0
    if path.exists() and meta_path.exists():
        try:
            reused = json.loads(meta_path.read_text()) == meta and index.load(str(path))
        except (OSError, ValueError):
            reused = False
        if not reused:
            index = AnnoyIndex(dims, metric)
    if not reused:
        started = time.perf_counter()
        index.set_seed(seed & 0x7FFFFFFF)
        for i in range(n_corpus):
            index.add_item(i, corpus[i])
        index.build(n_trees, n_jobs=1)  # one job: the trees (and so the results) do not depend on threads
        build_seconds = time.perf_counter() - started
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        index.save(str(tmp))
        tmp.replace(path)
        meta_path.write_text(json.dumps(meta))
        index.unload()
        index = AnnoyIndex(dims, metric)
        index.load(str(path))  # memory-mapped: forked workers share the pages
    search_k = search_k or n_trees * k * 4
    indices = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    started = time.perf_counter()
    rows = enumerate(queries)
    # A query takes about a millisecond: fewer than this many per process do not pay for a process.
    if cluster is None:
        workers = max(1, min(workers, math.ceil(len(queries) / ANNOY_QUERIES_PER_WORKER)))
    else:
        workers = cluster.slots()
    chunk_size = max(16, min(1024, math.ceil(len(queries) / (workers * 8))))
    results: Any
    if cluster is None:
        results = ordered_map(
            _annoy_query, chunked(rows, chunk_size), workers, _annoy_init, ((index, corpus, k, search_k),)
        )
        where: dict[str, Any] = {"where": "driver" if workers == 1 else "local processes", "workers": workers}
    else:
        task = Task(
            "search", _annoy_query, _annoy_load, (str(path), dims, metric, corpus, k, search_k), chunk=chunk_size
        )
        results = (done.result for done in cluster.map(task, rows))
        where = {"where": "ray tasks"}
    position = 0
    for result in results:
        for found, sc in result:
            if len(found):
                idx, s = _sort_rows(found[None, :], sc[None, :])
                indices[position, : len(found)] = idx[0]
                scores[position, : len(found)] = s[0]
            position += 1
        if progress is not None:
            progress.advance(len(result))
    info = {
        "index": "annoy",
        "k": k,
        "n_trees": n_trees,
        "search_k": search_k,
        **where,
        "metric": metric,
        "path": str(path),
        "reused": reused,
        "build_seconds": round(build_seconds, 3),
        "search_seconds": round(time.perf_counter() - started, 3),
    }
    return Neighbours(indices, scores, info)


def window_recall(exact: Neighbours, approx: Neighbours, window: tuple[int, int]) -> float:
    """Share of the exact search's in-window neighbours that the approximate search also found."""
    low, high = window
    found = total = 0
    for e_row, a_row in zip(exact.indices, approx.indices, strict=True):
        wanted = {int(i) for i in e_row[low - 1 : high] if i >= 0}
        total += len(wanted)
        found += len(wanted & {int(i) for i in a_row if i >= 0})
    return found / total if total else 1.0
