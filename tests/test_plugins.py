"""Third-party augmenters through the `mlp.augmenters` entry-point group (docs/plugins.md).

Plugins are "installed" without pip: a ``*.dist-info`` folder with ``entry_points.txt`` next to the
plugin's module, on a temporary folder put on ``sys.path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlp_cli.augment import registry
from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

EXAMPLE = ROOT / "examples" / "mlp-plugin-example"

SHOUT = '''
"""A test plugin module."""
import random
from mlp_cli.augment.registry import Augmenter, Params


class ShoutParams(Params):
    field: str = "text"
    marks: int = 1


class Shout(Augmenter[ShoutParams]):
    """Upper-case a field and add exclamation marks."""

    name = "shout"
    family = "text"
    Params = ShoutParams

    def sample(self, row, rng: random.Random):
        return {"marks": self.params.marks}

    def apply(self, row, sampled):
        return {**row, self.params.field: row[self.params.field].upper() + "!" * sampled["marks"]}
'''


def make_dist(root: Path, dist: str, entry_points: dict[str, dict[str, str]]) -> None:
    """A minimal installed distribution: ``<dist>-0.1.dist-info`` with METADATA and entry_points.txt."""
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    text = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) for group, eps in entry_points.items()
    )
    (info / "entry_points.txt").write_text(text)


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    """A folder on sys.path for plugin distributions; the registry forgets plugins before and after."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    registry.reset_plugins()
    yield root
    registry.reset_plugins()
    for name in set(sys.modules) - before:
        if name.startswith(("shout_plugin", "mlp_plugin_example")):
            del sys.modules[name]


@pytest.fixture
def shout(plugin_path):
    (plugin_path / "shout_plugin.py").write_text(SHOUT)
    make_dist(plugin_path, "mlp-shout", {"mlp.augmenters": {"shout": "shout_plugin:Shout"}})
    return plugin_path


def write_recipe(tmp_path: Path, step: dict) -> Path:
    write_jsonl(tmp_path / "x.jsonl", [{"id": i, "text": f"row {i}"} for i in range(3)])
    recipe = {
        "version": 1,
        "input": {"path": "x.jsonl", "id_field": "id", "text_field": "text"},
        "steps": [step],
        "output": {"path": "out.jsonl"},
    }
    path = tmp_path / "r.yaml"
    path.write_text(json.dumps(recipe))  # JSON is YAML
    return path


def test_plugin_is_listed(shout):
    r = run_mlp("list", "augmenters", "--json")
    assert r.exit_code == 0, r
    by_name = {e["name"]: e for e in json.loads(r.stdout)}
    assert by_name["shout"]["family"] == "plugin: mlp-shout"
    assert {p["name"] for p in by_name["shout"]["params"]} == {"field", "marks"}
    assert "sentence-shuffle" in by_name and by_name["sentence-shuffle"]["family"] == "text"
    assert "warning" not in r.stderr


def test_recipe_runs_plugin_augmenter(shout, tmp_path):
    recipe = write_recipe(tmp_path, {"augmenter": "shout", "marks": 2})
    r = run_mlp("augment", recipe, "--workers", 1)
    assert r.exit_code == 0, r
    texts = [row["text"] for row in read_jsonl(tmp_path / "out.jsonl")]
    assert texts and all(t.startswith("ROW ") and t.endswith("!!") for t in texts)


def test_misspelt_plugin_param_is_usage_error(shout, tmp_path):
    recipe = write_recipe(tmp_path, {"augmenter": "shout", "markz": 2})
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2, r
    assert "markz" in r.stderr
    assert run_mlp("recipe", "validate", recipe).exit_code == 2


def test_broken_plugins_are_reported_not_fatal(plugin_path):
    (plugin_path / "clash_plugin.py").write_text(SHOUT.replace('name = "shout"', 'name = "keyboard"'))
    (plugin_path / "notaclass_plugin.py").write_text("VALUE = 3\n")
    make_dist(
        plugin_path,
        "mlp-broken",
        {
            "mlp.augmenters": {
                "ghost": "no_such_module_xyz:Thing",
                "clash": "clash_plugin:Shout",
                "notaclass": "notaclass_plugin:VALUE",
            },
            "mlp.generators": {"ghost-gen": "no_such_module_xyz"},
        },
    )
    r = run_mlp("list", "augmenters")
    assert r.exit_code == 0, r
    assert "ghost" in r.stderr and "no_such_module_xyz" in r.stderr
    assert "clash" in r.stderr and "already taken" in r.stderr
    assert "notaclass" in r.stderr
    assert "sentence-shuffle" in r.stderr  # the table still lists the built-ins
    assert "ghost-gen" not in r.stderr  # a generator problem is reported by `mlp list generators`
    assert registry.AUGMENTERS["keyboard"].__module__ != "clash_plugin"

    r = run_mlp("list", "augmenters", "--json")
    assert r.exit_code == 0 and isinstance(json.loads(r.stdout), list) and "ghost" in r.stderr
    r = run_mlp("list", "generators")
    assert r.exit_code == 0 and "ghost-gen" in r.stderr
    assert {e[0] for e in registry.PLUGIN_ERRORS} == {"ghost", "clash", "notaclass", "ghost-gen"}

    r = run_mlp("--help")
    assert r.exit_code == 0 and "Usage:" in r.stdout


def test_help_loads_no_plugin(shout):
    code = "import sys; from mlp_cli.cli.app import main; sys.argv = ['mlp', '--help']; main()"
    env_code = f"import sys; sys.path.insert(0, {str(shout)!r}); {code}"
    out = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "Usage:" in out.stdout
    check = f"import sys; sys.path.insert(0, {str(shout)!r}); from mlp_cli.cli.app import app; print('shout_plugin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_plugins_load_once(shout):
    registry.load_builtins()
    registry.AUGMENTERS.pop("shout")
    registry.load_builtins()  # cached: not loaded again
    assert "shout" not in registry.AUGMENTERS


def test_example_package(plugin_path, tmp_path):
    """examples/mlp-plugin-example, "installed" from its source folder with its own entry points."""
    import tomllib

    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    eps = project["project"]["entry-points"]
    make_dist(plugin_path, project["project"]["name"], eps)
    sys.path.insert(0, str(EXAMPLE / "src"))  # undone by monkeypatch's sys.path restore
    r = run_mlp("list", "augmenters", "--json")
    assert r.exit_code == 0, r
    entry = {e["name"]: e for e in json.loads(r.stdout)}["add-suffix"]
    assert entry["family"] == "plugin: mlp-plugin-example"

    recipe = write_recipe(tmp_path, {"augmenter": "add-suffix", "suffixes": [" [a]", " [b]"]})
    r = run_mlp("augment", recipe, "--workers", 1)
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert rows and all(row["text"].endswith((" [a]", " [b]")) for row in rows)
    assert (
        run_mlp(
            "augment", write_recipe(tmp_path, {"augmenter": "add-suffix", "sufixes": ["!"]}), "--overwrite"
        ).exit_code
        == 2
    )


def test_example_docs_match_package():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    source = (EXAMPLE / "src" / "mlp_plugin_example" / "__init__.py").read_text()
    assert textwrap.dedent(source).strip() in docs


def test_module_entry_point_registers_with_decorators(plugin_path):
    decorated = SHOUT.replace(
        "from mlp_cli.augment.registry import Augmenter, Params",
        "from mlp_cli.augment.registry import Augmenter, Params, register_augmenter",
    )
    decorated = decorated.replace("class Shout(", "@register_augmenter\nclass Shout(")
    (plugin_path / "shout_plugin_mod.py").write_text(decorated)
    make_dist(plugin_path, "mlp-shout-mod", {"mlp.augmenters": {"shouts": "shout_plugin_mod"}})
    r = run_mlp("list", "augmenters", "--json")
    assert r.exit_code == 0, r
    assert {e["name"]: e for e in json.loads(r.stdout)}["shout"]["family"] == "plugin: mlp-shout-mod"
    assert not registry.PLUGIN_ERRORS
