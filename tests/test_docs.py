"""Docs that fail the build when they drift: every command and augmenter appears in the README."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, SHARED_DATA, read_jsonl, run_mlp
from tests.test_cli_basics import all_command_paths

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_setup_commands():
    first_block = README.split("```", 2)[1]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize("path", [p for p in all_command_paths() if p], ids=" ".join)
def test_every_command_is_documented(path):
    assert f"mlp {' '.join(path)}" in README, f"README has no example of `mlp {' '.join(path)}`"


def test_every_augmenter_and_generator_is_documented():
    for which in ("augmenters", "generators"):
        names = [e["name"] for e in json.loads(run_mlp("list", which, "--json").stdout)]
        missing = [n for n in names if f"`{n}`" not in README]
        assert not missing, f"{which} missing from README: {missing}"


@pytest.mark.slow
def test_sms_spam_collection_augments_end_to_end(tmp_path):
    data = SHARED_DATA / "sms_spam" / "SMSSpamCollection"
    if not data.exists():
        pytest.skip("shared data not present")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"version: 1\ninput: {{path: {data}, format: tsv, header: false, columns: [label, text]}}\n"
        "output: {path: out.jsonl}\ncopies: 2\nkeep_original: true\n"
        "steps:\n  - augmenter: sentence-shuffle\n  - augmenter: keyboard\n  - augmenter: word-delete\n    p: 0.3\n"
    )
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["items_in"] > 5000 and r.summary["skipped"] == {}
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert {x["label"] for x in rows} == {"ham", "spam"}


def test_readme_recipe_snippets_validate(tmp_path):
    """Every complete recipe shown in the README (a yaml block starting with `version: 1`) validates."""
    import re

    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", README, re.S) if b.startswith("version: 1")]
    assert len(blocks) >= 5
    for i, block in enumerate(blocks):
        # README recipes sit in recipes/; here they are checked from a scratch folder
        text = block.replace("../samples", str(ROOT / "samples")).replace("../out", str(tmp_path / "out"))
        path = tmp_path / f"readme-{i}.yaml"
        path.write_text(text)
        r = run_mlp("recipe", "validate", path)
        assert r.exit_code == 0, (block, r.stderr)
