"""Recipes: validation errors name file, line and field; `mlp recipe validate|show|init`; fuzzing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_cli.recipe.templates import STARTERS
from tests.conftest import ROOT, run_mlp

GOOD = """\
version: 1
input:
  path: data.jsonl
  text_field: description
output:
  path: out.jsonl
copies: 2
steps:
  - augmenter: sentence-shuffle
    mode: random
  - augmenter: keyboard
    aug_word_p: 0.2
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def validate(path: Path):
    return run_mlp("recipe", "validate", path)


def test_good_recipe_validates(tmp_path):
    r = validate(write(tmp_path, GOOD))
    assert r.exit_code == 0, r
    assert "ok" in r.stderr


@pytest.mark.parametrize(
    "text,where,words",
    [
        (GOOD.replace("copies:", "copise:"), ":7:1", ["copise", "did you mean 'copies'"]),
        (GOOD.replace("copies: 2", "copies: lots"), ":7:1", ["copies", "valid integer"]),
        (GOOD.replace("copies: 2", "copies: -1"), ":7:1", ["copies", "greater than or equal to 0"]),
        (GOOD.replace("mode: random", "mode: sideways"), ":10:5", ["steps[0].mode", "'neighbor'"]),
        (
            GOOD.replace("aug_word_p: 0.2", "aug_wrod_p: 0.2"),
            ":12:5",
            ["steps[1].aug_wrod_p", "did you mean 'aug_word_p'"],
        ),
        (GOOD.replace("augmenter: keyboard", "augmenter: keybaord"), ":11:5", ["keybaord", "did you mean 'keyboard'"]),
        (GOOD.replace("text_field", "txt_field"), ":4:3", ["input.txt_field", "did you mean 'text_field'"]),
        (GOOD.replace("version: 1", "version: 2"), ":1:1", ["version", "1"]),
        (GOOD.replace("version: 1\n", ""), ":1:1", ["version: 1"]),
        (GOOD + "steps2: [\n", ":14:1", ["YAML syntax error"]),
        (GOOD.replace("    mode: random", "   mode: random"), ":10:", ["YAML syntax error"]),
    ],
    ids=[
        "misspelt-key",
        "wrong-type",
        "out-of-range",
        "bad-literal",
        "misspelt-param",
        "unknown-augmenter",
        "nested-key",
        "bad-version",
        "no-version",
        "unclosed",
        "bad-indent",
    ],
)
def test_bad_recipes_name_file_line_and_field(tmp_path, text, where, words):
    path = write(tmp_path, text)
    r = validate(path)
    assert r.exit_code == 2, r
    msg = r.stderr
    assert "Traceback" not in msg
    assert f"{path}{where}" in msg, msg
    for w in words:
        assert w in msg, msg


def test_several_problems_reported_together(tmp_path):
    text = GOOD.replace("copies: 2", "copies: -1").replace("mode: random", "mode: sideways")
    r = validate(write(tmp_path, text))
    assert r.exit_code == 2 and "2 problems" in r.stderr
    assert ":7:1" in r.stderr and ":10:5" in r.stderr


@pytest.mark.parametrize(
    "text,words",
    [
        ("- a\n- list\n", ["must be a mapping"]),
        ("", ["empty"]),
        ("!!python/object/apply:os.system ['echo hi']\n", ["YAML syntax error"]),
        ("version: 1\nkind: augmnet\n", ["did you mean 'augment'"]),
        ("version: 1\n1: x\n", ["keys must be text"]),
    ],
)
def test_unusable_documents(tmp_path, text, words):
    r = validate(write(tmp_path, text))
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, f"!!python/object/apply:os.system ['touch {marker}']\n")
    for args in (("recipe", "validate", path), ("augment", path), ("recipe", "show", path)):
        assert run_mlp(*args).exit_code == 2
    assert not marker.exists()


def test_missing_and_unreadable_recipe_files(tmp_path):
    r = validate(tmp_path / "nope.yaml")
    assert r.exit_code == 2 and "not found" in r.stderr
    r = validate(tmp_path)
    assert r.exit_code == 2 and "folder" in r.stderr
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00bad")
    r = validate(tmp_path / "bin.yaml")
    assert r.exit_code == 2 and "UTF-8" in r.stderr


def test_validate_many_reports_each_and_json(tmp_path):
    good = write(tmp_path, GOOD, "good.yaml")
    bad = write(tmp_path, GOOD.replace("copies:", "copise:"), "bad.yaml")
    r = run_mlp("recipe", "validate", good, bad, "--json")
    assert r.exit_code == 2
    results = r.summary["results"]
    assert [x["valid"] for x in results] == [True, False]
    assert "bad.yaml:7:1" in results[1]["error"]


def test_show_fills_defaults_and_round_trips(tmp_path):
    path = write(tmp_path, GOOD)
    r = run_mlp("recipe", "show", path)
    assert r.exit_code == 0, r
    shown = yaml.safe_load(r.stdout)
    assert shown["keep_original"] is False and shown["on_error"] == "fail" and shown["seed"] == 0
    assert shown["steps"][1]["aug_char_p"] == 0.1 and shown["steps"][1]["aug_word_p"] == 0.2
    assert shown["steps"][0]["aug_min"] == 1
    again = write(tmp_path, r.stdout, "shown.yaml")
    r2 = run_mlp("recipe", "show", again)
    assert r2.exit_code == 0, r2
    assert yaml.safe_load(r2.stdout) == shown


@pytest.mark.parametrize("kind", sorted(STARTERS))
def test_init_writes_a_starter_that_validates(tmp_path, kind):
    out = tmp_path / f"{kind}.yaml"
    r = run_mlp("recipe", "init", kind, "-o", out)
    assert r.exit_code == 0, r
    assert out.read_text().lstrip().startswith("#")  # commented
    r = validate(out)
    assert r.exit_code == 0, r
    r = run_mlp("recipe", "init", kind, "-o", out)
    assert r.exit_code == 2 and "--overwrite" in r.stderr


def test_init_unknown_kind_suggests(tmp_path):
    r = run_mlp("recipe", "init", "txt", "-o", tmp_path / "x.yaml")
    assert r.exit_code == 2 and "did you mean 'text'" in r.stderr


def test_every_shipped_recipe_validates():
    recipes = sorted((ROOT / "recipes").glob("*.yaml"))
    assert recipes
    for path in recipes:
        r = validate(path)
        assert r.exit_code == 0, (path, r.stderr)


def test_recipes_of_every_format_version_still_load():
    """Recipes kept under tests/recipes/v1 must keep loading as the format evolves."""
    for path in sorted((ROOT / "tests" / "recipes").rglob("*.yaml")):
        r = validate(path)
        assert r.exit_code == 0, (path, r.stderr)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_as_recipe_gives_0_or_2_never_a_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "r.yaml"
    path.write_text(text, encoding="utf-8")
    r = validate(path)
    assert r.exit_code in (0, 2), (text, r.stderr, r.exception)
    assert "Traceback" not in r.stderr


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["version", "input", "output", "steps", "copies", "seed", "kind", "generate", "on_error", "x"]),
        yaml_values,
        max_size=6,
    )
)
def test_any_yaml_mapping_as_recipe_gives_0_or_2(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "r.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    r = validate(path)
    assert r.exit_code in (0, 2), (data, r.stderr, r.exception)
    assert "Traceback" not in r.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_as_recipe_gives_0_or_2(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("fuzz") / "r.yaml"
    path.write_bytes(blob)
    r = validate(path)
    assert r.exit_code in (0, 2), (blob, r.stderr, r.exception)
    assert not re.search("Traceback", r.stderr)
