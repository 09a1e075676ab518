"""`mlp mine-negatives`: the real command end to end (formats, flags over recipes, errors, cache,
determinism, precomputed embeddings, annoy, classifier mistakes) plus unit tests of its parts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

TOPICS = {
    "glacier": ["ice", "glacier", "cave", "snow", "mountain", "cold"],
    "volcano": ["lava", "volcano", "magma", "eruption", "ash", "crater"],
    "bread": ["bread", "yeast", "dough", "flour", "oven", "bake"],
    "tide": ["tide", "moon", "ocean", "wave", "gravity", "shore"],
    "bee": ["bee", "honey", "hive", "nectar", "flower", "queen"],
}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))


def make_data(tmp_path, per_topic: int = 12):
    """Pairs (two positives for 'glacier') and a corpus of topic sentences with ids."""
    rng = np.random.default_rng(0)
    corpus, pairs = [], []
    for t, words in TOPICS.items():
        for i in range(per_topic):
            text = " ".join(rng.choice(words, size=5)) + f" {t} fact {i}"
            corpus.append({"id": f"{t}-{i}", "text": text})
        pairs.append({"anchor": f"question about {t} {words[0]} {words[1]}?", "positive": corpus[-per_topic]["text"]})
    pairs.insert(1, {"anchor": pairs[0]["anchor"], "positive": corpus[1]["text"]})
    return write_jsonl(tmp_path / "pairs.jsonl", pairs), write_jsonl(tmp_path / "corpus.jsonl", corpus)


def mine(tmp_path, *args, out="out.jsonl"):
    pairs, corpus = make_data(tmp_path)
    return run_mlp("mine-negatives", "--pairs", pairs, "--corpus", corpus, "--out", tmp_path / out, "--json", *args)


def negatives_of(row):
    """The negative texts of a row, the way the acceptance scorer reads them."""
    return row.get("negatives") or [v for k, v in row.items() if k.startswith("negative")]


def test_triplets_from_flags_carry_rank_score_kind_and_a_manifest(tmp_path):
    r = mine(tmp_path, "--rank-window", "2:8", "--hard", "2", "--easy-to-hard", "1", "--seed", "3")
    assert r.exit_code == 0, r
    s = r.summary
    assert s["command"] == "mine-negatives" and s["items_in"] == 6 and s["anchors"] == 5 and s["positives"] == 6
    assert s["negatives"] == {"hard": 12, "easy": 12, "total": 24} and s["items_out"] == 24
    assert (tmp_path / "out.manifest.json").exists() and s["manifest"].endswith("out.manifest.json")
    rows = read_jsonl(tmp_path / "out.jsonl")
    for row in rows:
        assert list(row)[:3] == ["anchor", "positive", "negative"]
        neg = row["_provenance"]["negative"]
        assert neg["kind"] in ("hard", "easy") and isinstance(neg["score"], float)
        if neg["kind"] == "hard":
            assert 2 <= neg["rank"] <= 8
        else:
            assert neg["rank"] is None
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["figures"]["negatives"]["total"] == 24


@pytest.mark.parametrize("fmt", ["triplet", "n-tuple", "labeled-pair", "labeled-list"])
def test_every_format_exposes_anchor_and_negatives(tmp_path, fmt):
    r = mine(tmp_path, "--format", fmt, "--hard", "2", "--easy-to-hard", "1", "--rank-window", "1:10")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert rows and all("anchor" in row for row in rows)
    if fmt == "n-tuple":
        assert all(
            list(row)[:6] == ["anchor", "positive", "negative_1", "negative_2", "negative_3", "negative_4"]
            for row in rows
        )
        assert len(rows) == 6
    elif fmt == "labeled-pair":
        assert {row["label"] for row in rows} == {0, 1}
        assert all(list(row)[:3] == ["anchor", "positive", "label"] for row in rows)
    elif fmt == "labeled-list":
        for row in rows:
            assert row["labels"] == [1] + [0] * len(row["negatives"]) and row["texts"][1:] == row["negatives"]
    if fmt != "labeled-pair":
        total = sum(len(negatives_of(row)) for row in rows)
        assert total == r.summary["negatives"]["total"] == 24


def test_include_scores_adds_score_columns(tmp_path):
    r = mine(tmp_path, "--include-scores", "--hard", "1")
    assert r.exit_code == 0, r
    row = read_jsonl(tmp_path / "out.jsonl")[0]
    assert len(row["scores"]) == 2 and row["scores"][0] == row["_provenance"]["positive_score"]


def test_flags_override_the_recipe(tmp_path):
    pairs, corpus = make_data(tmp_path)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"version: 1\nkind: mine-negatives\npairs: {{path: {pairs.name}}}\ncorpus: {{path: {corpus.name}}}\n"
        "output: {path: recipe-out.jsonl}\nsampling:\n  hard: 1\n  rank_window: '1:5'\n"
    )
    r = run_mlp("mine-negatives", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["negatives"]["hard"] == 6 and (tmp_path / "recipe-out.jsonl").exists()
    r = run_mlp("mine-negatives", recipe, "--hard", "3", "--out", tmp_path / "flags.jsonl", "--json")
    assert r.exit_code == 0, r
    assert r.summary["negatives"]["hard"] == 18 and r.summary["rank_window"] == "1:5"


def test_same_seed_same_bytes_across_workers_and_seeds_differ(tmp_path, monkeypatch):
    from mlp_cli.mine import run

    monkeypatch.setattr(run, "MIN_ANCHORS_PER_WORKER", 1)
    monkeypatch.setattr(run, "CHUNK_ANCHORS", 2)
    common = ("--strategy", "random", "--rank-window", "1:12", "--hard", "2", "--easy-to-hard", "2")
    outs = []
    for workers, seed, name in ((1, 5, "a.jsonl"), (2, 5, "b.jsonl"), (1, 6, "c.jsonl")):
        r = mine(tmp_path, *common, "--workers", workers, "--seed", seed, out=name)
        assert r.exit_code == 0, r
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_rerun_uses_the_embedding_cache(tmp_path):
    assert mine(tmp_path, out="a.jsonl").summary["encoder"]["cache_misses"] == 2
    r = mine(tmp_path, "--rank-window", "2:6", out="b.jsonl")
    assert r.summary["encoder"] == {**r.summary["encoder"], "cache_hits": 2, "cache_misses": 0}
    r = mine(tmp_path, "--no-cache", out="c.jsonl")
    assert r.summary["encoder"]["cache_misses"] == 2


def test_dry_run_writes_nothing(tmp_path):
    r = mine(tmp_path, "--dry-run")
    assert r.exit_code == 0, r
    assert r.summary["dry_run"] and r.summary["plan"]["anchors"] == 5
    assert not (tmp_path / "out.jsonl").exists()


def test_limit_and_default_corpus(tmp_path):
    pairs, _ = make_data(tmp_path)
    r = run_mlp(
        "mine-negatives", "--pairs", pairs, "--out", tmp_path / "o.jsonl", "--limit", "4", "--hard", "1", "--json"
    )
    assert r.exit_code == 0, r
    assert r.summary["items_in"] == 4 and r.summary["corpus_size"] == 4
    for row in read_jsonl(tmp_path / "o.jsonl"):
        assert row["negative"] != row["positive"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--rank-window", "30:3"), "--rank-window"),
        (("--rank-window", "abc"), "--rank-window"),
        (("--format", "triples"), "--format"),
        (("--encoder", "tfidff"), "--encoder"),
        (("--index", "annoy"), "dims"),
        (("--encoder", "sentence-transformers"), "model"),
    ],
)
def test_bad_settings_exit_2_naming_the_flag(tmp_path, args, message):
    r = mine(tmp_path, *args)
    assert r.exit_code == 2, r
    assert message in r.stderr and "Traceback" not in r.stderr


def test_existing_output_needs_overwrite(tmp_path):
    assert mine(tmp_path).exit_code == 0
    r = mine(tmp_path)
    assert r.exit_code == 2 and "--overwrite" in r.stderr
    assert mine(tmp_path, "--overwrite").exit_code == 0


def test_missing_input_files_exit_2(tmp_path):
    r = run_mlp("mine-negatives", "--pairs", tmp_path / "nope.jsonl", "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "not found" in r.stderr
    pairs, _ = make_data(tmp_path)
    r = run_mlp("mine-negatives", "--pairs", pairs, "--corpus", tmp_path / "nope.jsonl", "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "corpus file not found" in r.stderr
    r = run_mlp("mine-negatives", "--pairs", pairs)
    assert r.exit_code == 2 and "--out" in r.stderr


def test_bad_rows_fail_with_file_and_line_or_are_counted_when_skipped(tmp_path):
    pairs, corpus = make_data(tmp_path)
    with open(pairs, "a") as f:
        f.write("{not json\n")
        f.write(json.dumps({"anchor": "no positive here"}) + "\n")
    r = run_mlp("mine-negatives", "--pairs", pairs, "--corpus", corpus, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "pairs.jsonl:7" in r.stderr and "on_error" in r.stderr
    r = run_mlp(
        "mine-negatives",
        "--pairs",
        pairs,
        "--corpus",
        corpus,
        "--out",
        tmp_path / "o.jsonl",
        "--on-error",
        "skip",
        "--json",
    )
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"bad json": 1, "missing field": 1} and r.summary["items_in"] == 8


def test_recipe_errors_name_line_and_suggest(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\nkind: mine-negatives\npairs: {path: p.jsonl}\nsampling:\n  hardd: 2\n")
    r = run_mlp("mine-negatives", recipe)
    assert r.exit_code == 2
    assert "r.yaml:5:3" in r.stderr and "did you mean 'hard'" in r.stderr
    recipe.write_text("version: 1\nkind: mine-negatives\noutput: {path: o.jsonl}\n")
    r = run_mlp("mine-negatives", recipe)
    assert r.exit_code == 2 and "nothing to mine" in r.stderr


def test_precomputed_embeddings_and_their_mismatches(tmp_path):
    rng = np.random.default_rng(1)
    corpus = [{"id": f"c{i}", "text": f"text {i}"} for i in range(40)]
    pairs = [{"anchor": f"q{i}", "qid": f"q{i}", "positive": f"text {i}"} for i in range(5)]
    write_jsonl(tmp_path / "corpus.jsonl", corpus)
    write_jsonl(tmp_path / "pairs.jsonl", pairs)
    np.save(tmp_path / "c.npy", rng.standard_normal((40, 8)).astype(np.float32))
    (tmp_path / "c.txt").write_text("\n".join(c["id"] for c in corpus) + "\n")
    np.save(tmp_path / "q.npy", rng.standard_normal((5, 8)).astype(np.float32))
    (tmp_path / "q.txt").write_text("\n".join(p["qid"] for p in pairs) + "\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\nkind: mine-negatives\npairs: {path: pairs.jsonl, anchor_id_field: qid}\n"
        "corpus: {path: corpus.jsonl}\noutput: {path: o.jsonl}\n"
        "encoder: {type: precomputed, corpus_embeddings: c.npy, corpus_ids: c.txt, anchor_embeddings: q.npy, anchor_ids: q.txt}\n"
        "sampling: {rank_window: '1:10', hard: 3}\n"
    )
    r = run_mlp("mine-negatives", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["negatives"]["hard"] == 15
    # rows and ids out of step: exit 2 naming both counts
    np.save(tmp_path / "c.npy", rng.standard_normal((39, 8)).astype(np.float32))
    r = run_mlp("mine-negatives", recipe, "--out", tmp_path / "o2.jsonl")
    assert r.exit_code == 2 and "39 corpus embedding rows but 40 ids" in r.stderr
    np.save(tmp_path / "c.npy", rng.standard_normal((40, 8)).astype(np.float32))
    (tmp_path / "c.txt").write_text("\n".join(f"x{i}" for i in range(40)) + "\n")
    r = run_mlp("mine-negatives", recipe, "--out", tmp_path / "o3.jsonl")
    assert r.exit_code == 2 and "have no embedding" in r.stderr


def test_annoy_reports_recall_and_reuses_its_index(tmp_path):
    args = (
        "--index",
        "annoy",
        "--dims",
        "8",
        "--n-trees",
        "20",
        "--rank-window",
        "1:5",
        "--index-path",
        tmp_path / "idx.ann",
    )
    r = mine(tmp_path, *args, out="a.jsonl")
    assert r.exit_code == 0, r
    index = r.summary["index"]
    assert index["index"] == "annoy" and index["reused"] is False and 0.0 <= index["recall"] <= 1.0
    r = mine(tmp_path, *args, out="b.jsonl")
    assert r.summary["index"]["reused"] is True
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_annoy_agrees_with_exact_on_a_small_corpus(tmp_path):
    from mlp_cli.mine.index import annoy_search, exact_search, window_recall

    rng = np.random.default_rng(0)
    centers = rng.standard_normal((10, 16))
    corpus = (centers[rng.integers(0, 10, 600)] + 0.3 * rng.standard_normal((600, 16))).astype(np.float32)
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    queries = corpus[:50] + 0.05 * rng.standard_normal((50, 16)).astype(np.float32)
    exact = exact_search(queries, corpus, 10)
    approx = annoy_search(
        queries, corpus, 10, n_trees=100, search_k=20000, metric="angular", path=tmp_path / "a.ann", seed=0, workers=1
    )
    assert window_recall(exact, approx, (1, 10)) >= 0.99
    assert np.allclose(exact.scores[:, 0], approx.scores[:, 0], atol=1e-5)


def test_exact_search_matches_a_full_sort_with_small_chunks():
    from mlp_cli.mine import index

    rng = np.random.default_rng(2)
    corpus = rng.standard_normal((300_000, 4)).astype(np.float32)
    queries = rng.standard_normal((7, 4)).astype(np.float32)
    found = index.exact_search(queries, corpus, 25, memory_mb=1)
    full = queries @ corpus.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :25]
    assert found.info["block_columns"] < 300_000  # the corpus was cut into tiles and merged
    assert found.info["chunk_rows"] * found.info["block_columns"] * 4 <= 1 << 20
    assert np.array_equal(found.indices, expected)
    assert np.allclose(found.scores, np.take_along_axis(full, expected, axis=1))


def test_from_predictions_selects_mistakes_and_weights_them(tmp_path):
    pool = [
        {"id": f"m{i}", "text": t, "label": lab}
        for i, (t, lab) in enumerate(
            [
                ("win a free prize now", "spam"),
                ("free prize waiting claim now", "spam"),
                ("lunch at noon?", "ham"),
                ("see you at lunch", "ham"),
                ("claim your free cash prize", "spam"),
                ("meeting moved to noon", "ham"),
            ]
        )
    ]
    preds = [
        {"id": "m0", "label": "spam", "predicted": "ham", "confidence": 0.9},  # confidently wrong
        {"id": "m2", "label": "ham", "predicted": "ham", "confidence": 0.55},  # unsure
        {"id": "m3", "label": "ham", "predicted": "ham", "confidence": 0.99},
        {"id": "m9", "label": "ham", "predicted": "spam", "confidence": 0.6},  # not in the pool
    ]
    write_jsonl(tmp_path / "pool.jsonl", pool)
    write_jsonl(tmp_path / "preds.jsonl", preds)
    base = (
        "mine-negatives",
        "--from-predictions",
        tmp_path / "preds.jsonl",
        "--pool",
        tmp_path / "pool.jsonl",
        "--confidence-threshold",
        "0.7",
        "--k",
        "2",
        "--json",
    )
    r = run_mlp(*base, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "preds.jsonl:4" in r.stderr and "not in the pool" in r.stderr
    r = run_mlp(*base, "--out", tmp_path / "o.jsonl", "--on-error", "skip")
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"not in pool": 1} and r.summary["selected"] == {
        "misclassified": 1,
        "low_confidence": 1,
    }
    rows = {row["id"]: row for row in read_jsonl(tmp_path / "o.jsonl")}
    assert rows["m0"]["reason"] == "misclassified" and rows["m0"]["weight"] == pytest.approx(1.9)
    assert rows["m2"]["reasons"][0] == "low_confidence" and rows["m2"]["weight"] == pytest.approx(1.45)
    assert rows["m0"]["weight"] > rows["m2"]["weight"]
    neighbours = [row for row in rows.values() if row["reason"].startswith("neighbour_of")]
    assert neighbours and all(1.0 <= row["weight"] <= 1.9 for row in neighbours)
    assert "m3" not in rows or rows["m3"]["reason"].startswith("neighbour_of")


def test_library_entry_point(tmp_path):
    from mlp_cli.mine import mine_negatives

    pairs, corpus = make_data(tmp_path)
    report = mine_negatives(pairs, corpus, tmp_path / "lib.jsonl", hard=1, rank_window="1:4", format="n-tuple")
    assert report.items_out == 6 and report.extra["negatives"]["hard"] == 6
    with pytest.raises(Exception, match="hard"):
        mine_negatives(pairs, corpus, tmp_path / "x.jsonl", hard=-1)


def test_shipped_recipes_and_starter_run(tmp_path):
    for name in ("mine-wikiqa.yaml", "mine-spam-errors.yaml"):
        r = run_mlp("mine-negatives", ROOT / "recipes" / name, "--out", tmp_path / f"{name}.jsonl", "--json")
        assert r.exit_code == 0, (name, r)
        assert r.summary["items_out"] > 0
    r = run_mlp("recipe", "init", "mine", "-o", tmp_path / "starter.yaml")
    assert r.exit_code == 0, r
    assert run_mlp("recipe", "validate", tmp_path / "starter.yaml").exit_code == 0


def test_rank_window_parsing():
    from mlp_cli.mine.recipe import parse_rank_window

    assert parse_rank_window("3:30") == (3, 30)
    assert parse_rank_window(":30") == (1, 30)
    assert parse_rank_window([101, 500]) == (101, 500)
    assert parse_rank_window(10) == (1, 10)
    for bad in ("0:5", "5:4", "5", [1], "a:b", True):
        with pytest.raises(ValueError):
            parse_rank_window(bad)


def test_sparse_row_dots_match_scipy():
    import scipy.sparse

    from mlp_cli.mine.sampling import row_dots

    rng = np.random.default_rng(0)
    m = scipy.sparse.random(30, 200, density=0.05, random_state=1, format="csr", dtype=np.float32)
    rows = [3, 7, 7, 29, 0]
    got = row_dots(m, 4, m, rows)
    want = (m[rows] @ m[4].T).toarray().ravel()
    assert np.allclose(got, want, atol=1e-6)
    dense = rng.standard_normal((10, 4)).astype(np.float32)
    assert np.allclose(row_dots(dense, 1, dense, [2, 3]), dense[[2, 3]] @ dense[1])


def test_topk_of_long_rows_is_exact_even_with_ties():
    from mlp_cli.mine.index import _topk_rows

    rng = np.random.default_rng(3)
    scores = rng.standard_normal((5, 100_003)).astype(np.float32)
    scores[2] = np.round(scores[2])  # many ties at the boundary
    idx, sc = _topk_rows(scores, 30)
    want = -np.sort(-scores, axis=1)[:, :30]
    assert np.array_equal(sc, want)
    assert np.array_equal(np.take_along_axis(scores, idx, axis=1), sc)
    assert all(len(set(row)) == 30 for row in idx.tolist())
    untied = np.argsort(-scores[[0, 1, 3, 4]], axis=1, kind="stable")[:, :30]
    assert np.array_equal(idx[[0, 1, 3, 4]], untied)
