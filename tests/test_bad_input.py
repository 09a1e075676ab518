"""Bad or unusual input through the real command: byte-order marks, unparseable rows, bad weights, missing extras."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlp_cli.errors import BadItem, MissingExtra, require
from mlp_cli.io.rows import Row, RowSource, iter_rows
from tests.conftest import read_jsonl, run_mlp

BOM = "\ufeff"


def augment_recipe(tmp_path: Path, data: str, body: str = "") -> Path:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "version: 1\nseed: 3\n"
        f"input: {{path: {data}, id_field: id, text_field: description}}\n"
        "output: {path: out.jsonl}\ncopies: 1\nkeep_original: true\n"
        + body
        + "steps:\n  - augmenter: sentence-shuffle\n"
    )
    return recipe


# ---- 1. a UTF-8 byte-order mark is not part of the data ---------------------------------------


def test_jsonl_with_a_bom_is_valid_input(tmp_path):
    (tmp_path / "data.jsonl").write_text(
        BOM + '{"id": "a", "description": "One. Two."}\n{"id": "b", "description": "Three. Four."}\n', encoding="utf-8"
    )
    r = run_mlp("augment", augment_recipe(tmp_path, "data.jsonl"), "--json", "--workers", 1)
    assert r.exit_code == 0, r
    assert r.summary["items_in"] == 2 and not r.summary.get("skipped")
    assert {row["id"] for row in read_jsonl(tmp_path / "out.jsonl")} == {"a", "b"}


@pytest.mark.parametrize(
    "name, text", [("d.csv", "id,description\na,One. Two.\n"), ("d.tsv", "id\tdescription\na\tOne. Two.\n")]
)
def test_csv_and_tsv_with_a_bom_keep_the_first_column_name(tmp_path, name, text):
    (tmp_path / name).write_text(BOM + text, encoding="utf-8")
    r = run_mlp("augment", augment_recipe(tmp_path, name), "--json", "--workers", 1)
    assert r.exit_code == 0, r
    assert all(row["id"] == "a" for row in read_jsonl(tmp_path / "out.jsonl"))


def test_text_with_a_bom_has_no_bom_in_the_first_row(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(BOM + "first\nsecond\n", encoding="utf-8")
    rows = list(iter_rows(RowSource(path)))
    assert [r.data["text"] for r in rows if isinstance(r, Row)] == ["first", "second"]


# ---- 2. every unparseable row is a BadItem that on_error decides about --------------------------


DEEP = "[" * 100_000


def test_pathologically_nested_json_is_a_bad_row(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(DEEP + "\n" + '{"a": 1}\n' + '{"a": ' * 100_000 + "\n", encoding="utf-8")
    rows = list(iter_rows(RowSource(path)))
    assert [type(r) for r in rows] == [BadItem, Row, BadItem]
    assert rows[0].reason == rows[2].reason == "bad json"


def test_nested_json_fails_the_run_with_exit_2_by_default(tmp_path):
    (tmp_path / "data.jsonl").write_text('{"id": "a", "description": "One. Two."}\n' + DEEP + "\n", encoding="utf-8")
    r = run_mlp("augment", augment_recipe(tmp_path, "data.jsonl"))
    assert r.exit_code == 2, r
    assert "data.jsonl:2" in r.stderr and "bad json" in r.stderr and "RecursionError" not in r.stderr


def test_nested_json_and_non_objects_are_skipped_under_skip(tmp_path):
    (tmp_path / "data.jsonl").write_text(
        '{"id": "a", "description": "One. Two."}\n' + DEEP + '\n[1, 2]\n"text"\n3\nnull\n', encoding="utf-8"
    )
    r = run_mlp("augment", augment_recipe(tmp_path, "data.jsonl", "on_error: skip\n"), "--json", "--workers", 1)
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"bad json": 1, "not an object": 4}


# ---- 3. weights are finite, non-negative numbers -------------------------------------------------


def pii_recipe(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(
        "version: 1\ngenerate:\n  - generator: pii\n    count: 5\n    templates: ['Hi {name}']\n" + body,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "body, field",
    [
        ("    locales: {en_US: .inf}\n", "locales"),
        ("    locales: {en_US: .nan}\n", "locales"),
        ("    locales: {en_US: -1}\n", "locales"),
        ("    locales: {en_US: 1, de_DE: -.inf}\n", "locales"),
        ("    formats: {plain: .inf}\n", "formats"),
        ("    formats: {plain: 1, json: -2}\n", "formats"),
    ],
)
def test_pii_bad_weights_are_exit_2_naming_the_field(tmp_path, body, field):
    path = pii_recipe(tmp_path, body)
    for args in (("recipe", "validate", path), ("augment", path, "--out", tmp_path / "o.jsonl")):
        r = run_mlp(*args)
        assert r.exit_code == 2, (args, r)
        assert field in r.stderr and r.exited_cleanly and "IndexError" not in r.stderr
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("weights", ["{bigram: .inf}", "{bigram: .nan}", "{bigram: -1}", "{unigram: 1, bigram: -.inf}"])
def test_token_model_bad_level_weights_are_exit_2_naming_the_field(tmp_path, weights):
    (tmp_path / "c.txt").write_text("a b c\nb c d\n", encoding="utf-8")
    path = tmp_path / "recipe.yaml"
    path.write_text(
        f"version: 1\ngenerate:\n  - generator: token-model\n    count: 5\n    corpus: {{path: c.txt}}\n    levels: {weights}\n",
        encoding="utf-8",
    )
    for args in (("recipe", "validate", path), ("augment", path, "--out", tmp_path / "o.jsonl")):
        r = run_mlp(*args)
        assert r.exit_code == 2, (args, r)
        assert "levels" in r.stderr and r.exited_cleanly


# ---- 4. a missing optional extra is exit 2 with the pip command ---------------------------------


def hide(monkeypatch, *names: str) -> None:
    """Make ``import name`` raise ImportError (submodules already imported are hidden too)."""
    for name in names:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            monkeypatch.setitem(sys.modules, loaded, None)
        monkeypatch.setitem(sys.modules, name, None)


def test_require_names_the_extra(monkeypatch):
    hide(monkeypatch, "matplotlib")
    with pytest.raises(MissingExtra, match=r"pip install 'mlp-cli\[plot\]'") as info:
        require("matplotlib.figure", "plot", "the chart")
    assert info.value.exit_code == 2


@pytest.mark.parametrize("module", ["torchvision", "torch"])
def test_image_augment_without_torchvision_is_exit_2(tmp_path, monkeypatch, module):
    from PIL import Image

    (tmp_path / "imgs" / "cat").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "imgs" / "cat" / "a.png")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\nkind: augment\ninput: {path: imgs}\noutput: {path: out}\ntransforms:\n  - RandomHorizontalFlip\n"
    )
    hide(monkeypatch, module)
    for args in (("recipe", "validate", recipe), ("augment", recipe, "--workers", 1)):
        r = run_mlp(*args)
        assert r.exit_code == 2, (args, r)
        assert "pip install 'mlp-cli[image]'" in r.stderr and r.exited_cleanly
    assert not (tmp_path / "out").exists()


def test_sentence_transformers_encoder_without_the_library_is_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"anchor": "a b", "positive": "b c"}\n{"anchor": "c d", "positive": "d e"}\n')
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(f'{{"id": "{i}", "text": "word{i} other{i}"}}\n' for i in range(6)))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    hide(monkeypatch, "sentence_transformers")
    r = run_mlp(
        "mine-negatives",
        "--pairs",
        pairs,
        "--corpus",
        corpus,
        "--out",
        tmp_path / "o.jsonl",
        "--encoder",
        "sentence-transformers",
        "--model",
        tmp_path / "model",
    )
    assert r.exit_code == 2, r
    assert "pip install 'mlp-cli[st]'" in r.stderr and r.exited_cleanly


def _curriculum_recipe(tmp_path, chart: str) -> Path:
    (tmp_path / "data.jsonl").write_text("".join(f'{{"text": "{"w " * i}"}}\n' for i in range(6)))
    recipe = tmp_path / "c.yaml"
    recipe.write_text(
        "version: 1\nkind: curriculum\ninputs: [{path: data.jsonl}]\ndifficulty: [{scorer: length}]\n"
        f"schedule: {{stages: 2}}\noutput: {{path: out{chart}}}\n"
    )
    return recipe


def test_a_chart_asked_for_without_matplotlib_is_exit_2(tmp_path, monkeypatch):
    hide(monkeypatch, "matplotlib")
    r = run_mlp("curriculum", _curriculum_recipe(tmp_path, ", chart: true"))
    assert r.exit_code == 2 and "pip install 'mlp-cli[plot]'" in r.stderr and r.exited_cleanly, r
    assert not (tmp_path / "out").exists()


def test_the_default_chart_without_matplotlib_is_left_out_with_a_note(tmp_path, monkeypatch):
    hide(monkeypatch, "matplotlib")
    r = run_mlp("curriculum", _curriculum_recipe(tmp_path, ""), "--json")
    assert r.exit_code == 0, r
    assert "no chart: matplotlib is not installed" in r.stderr
    assert not (tmp_path / "out" / "difficulty.png").exists()


def test_annoy_search_without_annoy_is_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(f'{{"anchor": "a{i} b", "positive": "b c{i}"}}\n' for i in range(8)))
    hide(monkeypatch, "annoy")
    r = run_mlp("mine-negatives", "--pairs", pairs, "--index", "annoy", "--dims", 4, "--out", tmp_path / "out.jsonl")
    assert r.exit_code == 2 and "pip install" in r.stderr and "annoy" in r.stderr and r.exited_cleanly, r
    assert not (tmp_path / "out.jsonl").exists()
