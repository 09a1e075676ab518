"""End-to-end tests of the token-model generator through `mlp augment` (recipes, determinism, errors, fidelity)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_cli.augment.registry import RunContext
from mlp_cli.augment.synthetic.token_model import LEVELS, TokenModelGenerator, TokenModelParams
from mlp_cli.runtime.seeding import item_random
from tests.conftest import ROOT, SHARED_DATA, read_jsonl, run_mlp, write_jsonl

SMS_SAMPLE = ROOT / "samples" / "sms-sample.tsv"
CORPUS = {
    "path": str(SMS_SAMPLE),
    "columns": ["label", "text"],
    "header": False,
    "label_field": "label",
    "labels": ["ham"],
}


def write_recipe(tmp_path: Path, generate: dict, name: str = "recipe.yaml", **extra) -> Path:
    recipe = {"version": 1, "generate": [{"generator": "token-model", **generate}], **extra}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def test_spam_recipe_runs_from_the_repository(tmp_path):
    result = run_mlp(
        "augment",
        ROOT / "recipes" / "spam-synthetic.yaml",
        "--out",
        tmp_path / "out.jsonl",
        "--seed",
        5,
        "--json",
        "--workers",
        1,
        "--limit",
        200,
    )
    assert result.exit_code == 0, result
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert len(rows) >= 190
    for row in rows:
        assert isinstance(row["difficulty"], float) and 0.0 <= row["difficulty"] <= 1.0
        assert row["label"] == "ham" and row["level"] in LEVELS and row["text"].strip()
        source = row["_provenance"]["source"]
        assert source["generator"] == "token-model" and source["level"] == row["level"]
        assert source["seed"] == 5 and len(source["model_hash"]) == 16
    summary = result.summary
    assert set(summary["fidelity"]["js_divergence"]) == set(LEVELS)
    assert summary["fidelity"]["leakage"]["all"] <= 0.01
    assert summary["generators"]["token-model"]["model"]["source"] == "fitted"
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["figures"]["fidelity"] == summary["fidelity"]


def test_payload_recipe_runs_and_inserts_complex_tokens(tmp_path):
    result = run_mlp(
        "augment",
        ROOT / "recipes" / "payload-negatives.yaml",
        "--out",
        tmp_path / "p.jsonl",
        "--json",
        "--workers",
        1,
        "--limit",
        60,
    )
    assert result.exit_code == 0, result
    rows = read_jsonl(tmp_path / "p.jsonl")
    complex_rows = [r for r in rows if r["level"] == "complex"]
    assert complex_rows and all(r["_provenance"]["source"]["complex_tokens"] for r in complex_rows)
    assert {r["label"] for r in rows} == {"benign"} and all("payload" in r for r in rows)


def test_each_level_is_closer_to_the_corpus_than_the_one_before(tmp_path):
    recipe = write_recipe(
        tmp_path, {"count": 1500, "corpus": CORPUS, "levels": ["uniform", "unigram", "bigram", "trigram"]}
    )
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--json", "--workers", 1)
    assert result.exit_code == 0, result
    js = result.summary["fidelity"]["js_divergence"]
    assert js["uniform"] > js["unigram"] > js["bigram"] > js["trigram"]
    by_n = result.summary["fidelity"]["js_divergence_by_n"]
    # unigram text matches single-token frequencies but not word pairs; bigram text matches pairs
    assert by_n["unigram"]["1"] < by_n["uniform"]["1"]
    assert by_n["bigram"]["2"] < by_n["unigram"]["2"]
    assert by_n["trigram"]["3"] < by_n["bigram"]["3"]
    lengths = result.summary["fidelity"]["lengths"]
    assert lengths["unit"] == "tokens" and lengths["real"]["n"] > 0 and lengths["trigram"]["n"] == 375


def test_output_is_identical_for_any_number_of_workers(tmp_path):
    recipe = write_recipe(
        tmp_path,
        {"count": 300, "corpus": CORPUS, "complex_tokens": {"kinds": ["url", "json", "xml"], "rate": 0.1}},
        steps=[
            {"augmenter": "noise-pad", "p": 0.5, "levels": ["whitespace", "printable", "complex"], "position": "any"}
        ],
    )
    one = run_mlp("augment", recipe, "--out", tmp_path / "w1.jsonl", "--workers", 1, "--json")
    two = run_mlp("augment", recipe, "--out", tmp_path / "w2.jsonl", "--workers", 2, "--json")
    assert one.exit_code == 0 and two.exit_code == 0, (one, two)
    assert (tmp_path / "w1.jsonl").read_bytes() == (tmp_path / "w2.jsonl").read_bytes()
    assert one.summary["fidelity"] == two.summary["fidelity"]
    other_seed = run_mlp("augment", recipe, "--out", tmp_path / "s.jsonl", "--workers", 1, "--seed", 99)
    assert other_seed.exit_code == 0
    assert (tmp_path / "s.jsonl").read_bytes() != (tmp_path / "w1.jsonl").read_bytes()


def test_input_rows_and_generated_rows_in_one_run_are_identical_for_any_workers(tmp_path):
    # input rows take copies; generated rows without steps take the fast path: both in one chunk
    rows = tmp_path / "rows.jsonl"
    write_jsonl(rows, [{"text": f"row {i} with a float {i / 7}", "label": None} for i in range(50)])
    recipe = write_recipe(tmp_path, {"count": 200, "corpus": CORPUS}, input={"path": str(rows)}, copies=2)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.jsonl"
        result = run_mlp("augment", recipe, "--out", out, "--workers", workers, "--json")
        assert result.exit_code == 0, result
        outs.append(out.read_bytes())
        assert result.summary["duplicates_removed"] == 50  # without steps, copy 2 equals copy 1
    assert outs[0] == outs[1]
    lines = [json.loads(line) for line in outs[0].splitlines()]
    assert sum(1 for r in lines if "generator" in r["_provenance"]["source"]) == 200
    assert sum(1 for r in lines if r["_provenance"]["source"].get("location")) == 50


def test_level_weights_and_cycling(tmp_path):
    recipe = write_recipe(
        tmp_path, {"count": 40, "corpus": CORPUS, "levels": {"uniform": 1, "bigram": 3}, "label": None}
    )
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--json", "--workers", 1)
    assert result.exit_code == 0, result
    rows = read_jsonl(tmp_path / "o.jsonl")
    assert [r["level"] for r in rows[:8]] == ["uniform", "bigram", "bigram", "bigram"] * 2
    assert all("label" not in r for r in rows)
    assert result.summary["generators"]["token-model"]["levels"]["bigram"]["rows"] == 30


def test_saved_model_is_reused_and_refitted_when_the_corpus_changes(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("GET /a HTTP/1.1\nPOST /b?x=1 HTTP/1.1\nGET /c/d HTTP/2\n")
    gen = {
        "count": 20,
        "corpus": {"path": "corpus.txt"},
        "model": "models/m.json",
        "tokenizer": "payload",
        "levels": ["unigram", "bigram"],
    }
    recipe = write_recipe(tmp_path, gen)
    first = run_mlp("augment", recipe, "--out", tmp_path / "a.jsonl", "--json", "--workers", 1)
    assert first.exit_code == 0, first
    assert first.summary["generators"]["token-model"]["model"]["source"] == "fitted"
    assert (tmp_path / "models" / "m.json").exists()
    second = run_mlp("augment", recipe, "--out", tmp_path / "b.jsonl", "--json", "--workers", 1)
    assert second.summary["generators"]["token-model"]["model"]["source"] == "loaded"
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    # a model alone (no corpus) generates the same rows
    only_model = write_recipe(tmp_path, {k: v for k, v in gen.items() if k != "corpus"}, name="model-only.yaml")
    third = run_mlp("augment", only_model, "--out", tmp_path / "c.jsonl", "--json", "--workers", 1)
    assert third.exit_code == 0, third
    assert (tmp_path / "c.jsonl").read_bytes() == (tmp_path / "a.jsonl").read_bytes()
    corpus.write_text("DELETE /z HTTP/1.1\n")
    fourth = run_mlp("augment", recipe, "--out", tmp_path / "d.jsonl", "--json", "--workers", 1)
    assert fourth.summary["generators"]["token-model"]["model"]["source"] == "fitted"


def test_a_loaded_model_must_agree_with_explicit_settings(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    write_recipe(tmp_path, {"count": 1, "corpus": {"path": "c.txt"}, "model": "m.json"})
    assert run_mlp("augment", tmp_path / "recipe.yaml", "--out", tmp_path / "x.jsonl", "--workers", 1).exit_code == 0
    recipe = write_recipe(tmp_path, {"count": 1, "model": "m.json", "tokenizer": "char", "levels": ["unigram"]})
    result = run_mlp("augment", recipe, "--out", tmp_path / "y.jsonl")
    assert result.exit_code == 2 and "tokenizer 'word'" in result.stderr


@pytest.mark.parametrize(
    "corpus_text, field, message",
    [
        ("", "text", "has no text in field 'text'"),
        ('{"body": "hello"}\n', "text", "no field 'text' (fields: body)"),
        ('{"text": "   "}\n{"text": ""}\n', "text", "has no text in field 'text'"),
        ('{"text": 5}\n', "text", "holds int, expected text"),
    ],
)
def test_empty_or_textless_corpus_is_exit_2(tmp_path, corpus_text, field, message):
    (tmp_path / "c.jsonl").write_text(corpus_text)
    recipe = write_recipe(tmp_path, {"count": 5, "corpus": {"path": "c.jsonl", "field": field}})
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--json")
    assert result.exit_code == 2, result
    assert message in result.stderr and result.exited_cleanly
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_corpus_rows_are_skipped_and_counted_when_asked(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"text": "a b c"}, {"body": "x"}, {"text": "b c d"}])
    recipe = write_recipe(tmp_path, {"count": 5, "corpus": {"path": "c.jsonl", "on_error": "skip"}})
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--json", "--workers", 1)
    assert result.exit_code == 0, result
    assert result.summary["generators"]["token-model"]["corpus"]["skipped"] == {"missing field": 1}


@pytest.mark.parametrize(
    "generate, message",
    [
        ({"count": 1}, "give 'corpus'"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "levels": ["unigrm"]}, "did you mean 'unigram'"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "order": 1, "levels": ["trigram"]}, "needs order >= 2"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "levels": {"bigram": 0}}, "weights are whole numbers"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "tokeniser": "word"}, "did you mean 'tokenizer'"),
        ({"count": 1, "corpus": {"path": "c.txt", "labels": ["ham"]}}, "'labels' needs 'label_field'"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "complex_tokens": {"locale": "en_UX"}}, "did you mean 'en_US'"),
        ({"count": 1, "corpus": {"path": "c.txt"}, "complex_tokens": {"kinds": ["urls"]}}, "urls"),
    ],
)
def test_recipe_mistakes_are_exit_2_with_the_line(tmp_path, generate, message):
    recipe = write_recipe(tmp_path, generate)
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl")
    assert result.exit_code == 2, result
    assert message in result.stderr and "recipe.yaml:" in result.stderr


@pytest.mark.parametrize(
    "files, generate, message",
    [
        ({}, {"corpus": {"path": "missing.tsv"}}, "corpus file not found"),
        ({}, {"model": "missing.json"}, "token model file not found"),
        ({"m.json": "{}"}, {"model": "m.json"}, "not an mlp token model"),
        (
            {"c.txt": "a b\n"},
            {"corpus": {"path": "c.txt"}, "complex_tokens": {"ngrams": "none.txt"}},
            "n-gram file not found",
        ),
    ],
)
def test_missing_or_bad_files_are_exit_2(tmp_path, files, generate, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    recipe = write_recipe(tmp_path, {"count": 3, **generate})
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl")
    assert result.exit_code == 2, result
    assert message in result.stderr


def test_dry_run_fits_nothing_and_writes_nothing(tmp_path):
    recipe = write_recipe(tmp_path, {"count": 10, "corpus": {"path": "not-yet.tsv"}})
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--dry-run", "--json")
    assert result.exit_code == 0, result
    assert result.summary["plan"]["generate"] == [{"generator": "token-model", "count": 10}]
    assert not (tmp_path / "o.jsonl").exists()


def test_starter_recipe_validates(tmp_path):
    target = tmp_path / "s.yaml"
    assert run_mlp("recipe", "init", "synthetic", "-o", target).exit_code == 0
    result = run_mlp("recipe", "validate", target)
    assert result.exit_code == 0, result


def test_list_generators_shows_token_model():
    result = run_mlp("list", "generators")
    assert result.exit_code == 0 and "token-model" in result.stdout + result.stderr


def test_recipe_runs_from_a_clean_copy_of_recipes_and_samples(tmp_path):
    """The recipe finds its corpus relative to itself, wherever the project is."""
    for folder in ("recipes", "samples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    result = run_mlp(
        "augment",
        tmp_path / "recipes" / "spam-synthetic.yaml",
        "--out",
        tmp_path / "o.jsonl",
        "--limit",
        10,
        "--workers",
        1,
    )
    assert result.exit_code == 0, result


@pytest.fixture(scope="module")
def fitted_generator():
    params = TokenModelParams.model_validate({"corpus": CORPUS, "fidelity_rows": 0})
    gen = TokenModelGenerator(params, RunContext(seed=3))
    gen.fit()
    return gen


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10**9))
def test_generated_rows_are_a_function_of_seed_and_index(fitted_generator, index):
    gen = fitted_generator
    row, prov = gen.generate(index, item_random(3, "generate", 0, index, 0))
    again, prov_again = gen.generate(index, item_random(3, "generate", 0, index, 0))
    assert (row, prov) == (again, prov_again)
    assert row["level"] == gen.pattern[index % len(gen.pattern)]
    assert row["difficulty"] == LEVELS[row["level"]] and row["text"]


@pytest.mark.slow
def test_real_sms_collection_fidelity(tmp_path):
    corpus = SHARED_DATA / "sms_spam" / "SMSSpamCollection"
    if not corpus.exists():
        pytest.skip("shared SMS data not present")
    spec = {"path": str(corpus), "format": "tsv", "columns": ["label", "text"], "header": False}
    recipe = write_recipe(
        tmp_path, {"count": 20000, "corpus": spec, "levels": ["uniform", "unigram", "bigram", "trigram"]}
    )
    result = run_mlp("augment", recipe, "--out", tmp_path / "o.jsonl", "--json")
    assert result.exit_code == 0, result
    js = result.summary["fidelity"]["js_divergence"]
    assert js["uniform"] > js["unigram"] > js["bigram"] > js["trigram"]
    assert result.summary["fidelity"]["leakage"]["all"] < 0.01


def test_corpus_formats_parquet_csv_and_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["GET /a HTTP/1.1", "POST /b?x=1 HTTP/1.1", "GET /c/d HTTP/2"]
    pq.write_table(pa.table({"body": texts, "n": [1, 2, 3]}), tmp_path / "c.parquet")
    (tmp_path / "c.csv").write_text("id,body\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts)))
    (tmp_path / "c.txt").write_text("\n".join(texts) + "\n")
    hashes = set()
    for name, field in (("c.parquet", "body"), ("c.csv", "body"), ("c.txt", "text")):
        recipe = write_recipe(
            tmp_path,
            {"count": 6, "corpus": {"path": name, "field": field}, "tokenizer": "payload"},
            name=f"{name}.yaml",
        )
        result = run_mlp("augment", recipe, "--out", tmp_path / f"{name}.jsonl", "--json", "--workers", 1)
        assert result.exit_code == 0, result
        hashes.add(result.summary["generators"]["token-model"]["model"]["hash"])
    assert len(hashes) == 1  # the same texts give the same model, whatever the file format
