"""One run skeleton: every command writes a manifest with the same core fields, modules import
on their own (no cycles), and every input is one data-source spec."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_jsonl, run_mlp

CORE_FIELDS = {
    "mlp_manifest_version",
    "command",
    "recipe_path",
    "recipe_sha256",
    "recipe",
    "seed",
    "engine",
    "workers",
    "overrides",
    "inputs",
    "outputs",
    "counts",
    "skipped_examples",
    "figures",
    "versions",
    "timings",
}
MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "mlp_cli").rglob("*.py")
    if p.name != "__main__.py"  # runs the app
)


def _manifest(summary: dict) -> dict:
    assert summary["manifest"], summary
    return json.loads(Path(summary["manifest"]).read_text())


def _commands(tmp: Path) -> dict[str, list]:
    pii = tmp / "pii.jsonl"
    return {
        "augment": ["augment", ROOT / "recipes/menu-text.yaml", "--out", tmp / "a.jsonl"],
        "synth pii": ["synth", "pii", ROOT / "recipes/pii-detector.yaml", "--out", pii],
        "mine-negatives": ["mine-negatives", ROOT / "recipes/mine-wikiqa.yaml", "--out", tmp / "m.jsonl"],
        "mine predictions": ["mine-negatives", ROOT / "recipes/mine-spam-errors.yaml", "--out", tmp / "p.jsonl"],
        "curriculum": ["curriculum", ROOT / "recipes/curriculum-cloudflare.yaml", "--out", tmp / "c"],
        "synth export": ["synth", "export", pii, "--out", tmp / "bio", "--to", "bio"],
    }


def test_every_command_writes_the_same_core_manifest_fields(tmp_path: Path):
    for name, args in _commands(tmp_path).items():
        result = run_mlp(*args, "--limit", "30", "--json")
        assert result.exit_code == 0, (name, result)
        manifest = _manifest(result.summary)
        missing = CORE_FIELDS - set(manifest)
        assert not missing, (name, missing)
        assert manifest["overrides"].get("limit") == "30", (name, manifest["overrides"])
        assert manifest["engine"] == "local"
        assert set(manifest["counts"]) >= {"items_in", "items_out", "skipped"}
        assert "total" in manifest["timings"]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_on_its_own(module: str):
    """A fresh interpreter per module: an import cycle would fail here, whatever the import order."""
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def _local_imports(path: Path) -> list[tuple[int, str]]:
    """``from mlp_cli... import`` statements inside functions (a sign of a cycle being dodged)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("mlp_cli"):
                    found.append((inner.lineno, inner.module or ""))
    return found


def test_core_has_no_function_local_imports_of_its_own_modules():
    # cli/ imports the core inside command bodies so that `mlp --help` stays fast; a package's
    # __getattr__ loads its entry point on first use. Everything else imports at the top.
    offenders = []
    for path in sorted((ROOT / "mlp_cli").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[1] == "cli":
            continue
        for line, module in _local_imports(path):
            if path.name == "__init__.py" or (
                rel.parts[1] == "curriculum" and path.name == "run.py" and module == "mlp_cli.curriculum"
            ):
                continue
            offenders.append(f"{rel}:{line}: {module}")
    assert not offenders, "\n".join(offenders)


def test_a_mine_input_can_be_a_header_less_tsv(tmp_path: Path):
    pairs = tmp_path / "pairs.tsv"
    rows = read_jsonl(ROOT / "samples/mine/questions.jsonl")
    pairs.write_text("".join(f"{r['anchor']}\t{r['positive']}\n" for r in rows), encoding="utf-8")
    recipe = tmp_path / "mine.yaml"
    recipe.write_text(
        "version: 1\nkind: mine-negatives\n"
        "pairs: {path: pairs.tsv, header: false, columns: [anchor, positive]}\n"
        f"corpus: {{path: {ROOT / 'samples/mine/passages.jsonl'}}}\n"
        "output: {path: out.jsonl}\nsampling: {hard: 1}\n"
    )
    result = run_mlp("mine-negatives", recipe, "--json")
    assert result.exit_code == 0, result
    out = read_jsonl(tmp_path / "out.jsonl")
    assert len(out) == len(rows)
    assert out[0]["anchor"] == rows[0]["anchor"]


def test_on_error_flag_overrides_the_recipe(tmp_path: Path):
    data = tmp_path / "rows.jsonl"
    data.write_text('{"text": "good row. second sentence."}\n{not json\n{"text": "another. row here."}\n')
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\ninput: {path: rows.jsonl}\noutput: {path: out.jsonl}\nsteps: [{augmenter: sentence-shuffle}]\n"
    )
    failed = run_mlp("augment", recipe, "--json")
    assert failed.exit_code == 2
    assert "rows.jsonl:2" in failed.stderr and "--on-error skip" in failed.stderr
    skipped = run_mlp("augment", recipe, "--json", "--on-error", "skip", "--overwrite")
    assert skipped.exit_code == 0, skipped
    assert skipped.summary["skipped"] == {"bad json": 1}
    assert _manifest(skipped.summary)["overrides"]["on_error"] == "skip"


def test_python_api_takes_recipes_built_in_code(tmp_path: Path):
    from mlp_cli.augment import augment
    from mlp_cli.augment.recipe import AugmentRecipe
    from mlp_cli.curriculum import build_curriculum
    from mlp_cli.mine import mine_negatives

    recipe = AugmentRecipe.model_validate(
        {
            "version": 1,
            "input": {"path": str(ROOT / "samples/menu.jsonl")},
            "copies": 2,
            "dedupe": False,
            "steps": [{"augmenter": "sentence-shuffle", "field": "description"}],
        }
    )
    report = augment(recipe, out=tmp_path / "a.jsonl", limit=5)
    assert report.items_out == 10
    by_path = augment(ROOT / "recipes/menu-text.yaml", out=tmp_path / "b.jsonl", limit=5)
    assert by_path.items_in == 5
    mined = mine_negatives(
        recipe={
            "version": 1,
            "pairs": {"path": "samples/mine/questions.jsonl"},
            "corpus": {"path": "samples/mine/passages.jsonl"},
            "sampling": {"hard": 1},
        },
        base_dir=ROOT,
        out=tmp_path / "m.jsonl",
    )
    assert mined.items_out > 0
    cur = build_curriculum(
        {
            "version": 1,
            "inputs": [{"path": str(ROOT / "samples/curriculum/spam-synthetic.jsonl")}],
            "difficulty": [{"scorer": "length"}],
            "schedule": {"stages": 2},
        },
        out=tmp_path / "c",
    )
    assert cur.items_out == cur.items_in


def test_a_bad_recipe_built_in_code_names_the_field(tmp_path: Path):
    from mlp_cli.augment import augment
    from mlp_cli.errors import RecipeError

    with pytest.raises(RecipeError, match=r"steps\[0\]"):
        augment(
            {"version": 1, "input": {"path": "x.jsonl"}, "steps": [{"augmenter": "sentence-shufle"}]},
            out=tmp_path / "o.jsonl",
        )


def test_mine_negatives_json_still_prints_warnings(tmp_path: Path):
    # a rank window past the corpus leaves positives short of negatives: a warning, on stderr
    result = run_mlp(
        "mine-negatives",
        ROOT / "recipes/mine-wikiqa.yaml",
        "--out",
        tmp_path / "m.jsonl",
        "--rank-window",
        "500:600",
        "--json",
    )
    assert result.exit_code == 0, result
    assert result.summary["items_out"] >= 0
    assert "warning:" in result.stderr and "fewer negatives" in result.stderr
    quiet = run_mlp(
        "mine-negatives",
        ROOT / "recipes/mine-wikiqa.yaml",
        "--out",
        tmp_path / "q.jsonl",
        "--rank-window",
        "500:600",
        "--json",
        "--quiet",
    )
    assert "warning:" not in quiet.stderr


@pytest.mark.parametrize("which", ["augmenters", "generators"])
def test_list_shows_recipe_shapes_not_python_paths(which: str):
    result = run_mlp("list", which, "--json")
    assert result.exit_code == 0, result
    entries = json.loads(result.stdout)
    types = [p["type"] for e in entries for p in e["params"]]
    assert types and not [t for t in types if "mlp_cli" in t or "<class" in t]
    if which == "generators":
        pii = next(e for e in entries if e["name"] == "pii")
        templates = next(p for p in pii["params"] if p["name"] == "templates")
        assert templates["type"].startswith("list[{") and "text: str" in templates["type"]
