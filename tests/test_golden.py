"""Golden bytes: every shipped recipe, at its fixed seed, gives the same output at 1 and 2 workers.

The hashes in ``golden/outputs.json`` were recorded before the run-skeleton refactor; any change to
them is a change of user-visible output and must be deliberate (re-record with
``MLP_RECORD_GOLDEN=1 pytest tests/test_golden.py``).
Run manifests (timings, versions, absolute paths) are left out; everything else under the output is hashed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_mlp

GOLDEN = Path(__file__).parent / "golden" / "outputs.json"
RECIPES = sorted((ROOT / "recipes").glob("*.yaml"))
COMMANDS = {"augment": "augment", "mine-negatives": "mine-negatives", "curriculum": "curriculum", "pipeline": "run"}


def _kind(recipe: Path) -> str:
    import yaml

    return yaml.safe_load(recipe.read_text()).get("kind", "augment")


def output_digest(out: Path) -> str:
    """sha256 over the output's files (relative names and bytes), run manifests excluded."""
    h = hashlib.sha256()
    files = [out] if out.is_file() else sorted(p for p in out.rglob("*") if p.is_file())
    for f in files:
        name = f.name if out.is_file() else str(f.relative_to(out))
        if name.endswith("manifest.json") or name.startswith((".mlp-cache/", "report")):
            continue  # pipelines: the step cache and the report (matplotlib's PNG bytes) are not outputs
        h.update(name.encode() + b"\0")
        # provenance names template files as the recipe path reaches them: hash them relative to the
        # checkout, so the golden bytes do not depend on where the project was cloned
        data = f.read_bytes().replace(f"{ROOT}/".encode(), b"")
        h.update(hashlib.sha256(data).hexdigest().encode())
    return h.hexdigest()


def test_every_shipped_recipe_has_a_golden_hash():
    recorded = json.loads(GOLDEN.read_text())
    assert sorted(recorded) == [r.name for r in RECIPES]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipe_output_is_unchanged(recipe: Path, workers: int, tmp_path: Path):
    if recipe.stem == "images":
        pytest.importorskip("torchvision")
    suffix = "" if _kind(recipe) in ("curriculum", "pipeline") or recipe.stem == "images" else ".jsonl"
    out = tmp_path / f"out{suffix}"
    result = run_mlp(COMMANDS[_kind(recipe)], recipe, "--out", out, "--workers", workers, "--quiet")
    assert result.exit_code == 0, result
    digest = output_digest(out)
    if os.environ.get("MLP_RECORD_GOLDEN") and workers == 1:
        recorded = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        recorded[recipe.name] = digest
        GOLDEN.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
    assert digest == json.loads(GOLDEN.read_text())[recipe.name]
