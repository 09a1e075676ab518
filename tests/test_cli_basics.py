"""Every command answers --help; --version; `mlp list`; --help stays light (no heavy imports)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from mlp_cli import __version__
from mlp_cli.cli.app import app
from tests.conftest import ROOT, run_mlp


def all_command_paths(group: typer.Typer | None = None, prefix: tuple = ()) -> list[tuple[str, ...]]:
    import typer.main

    click_group = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]

    def walk(cmd, path):
        for name, sub in getattr(cmd, "commands", {}).items():
            paths.append(path + (name,))
            walk(sub, path + (name,))

    walk(click_group, ())
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "mlp")
def test_every_command_has_help(path):
    r = run_mlp(*path, "--help")
    assert r.exit_code == 0, r
    assert "Usage:" in r.stdout


def test_version():
    r = run_mlp("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"mlp {__version__}"


def test_unknown_option_is_usage_error():
    r = run_mlp("augment", "x.yaml", "--no-such-option")
    assert r.exit_code == 2


def test_help_imports_no_heavy_library():
    code = (
        "import sys; from mlp_cli.cli.app import app\n"
        "heavy = [m for m in ('torch', 'torchvision', 'nlpaug', 'faker', 'sentence_transformers', 'sklearn', "
        "'annoy', 'pydantic', 'numpy', 'pyarrow', 'matplotlib') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_list_augmenters_shows_schemas():
    r = run_mlp("list", "augmenters", "--json")
    assert r.exit_code == 0, r
    entries = json.loads(r.stdout)
    by_name = {e["name"]: e for e in entries}
    for name in (
        "sentence-shuffle",
        "field-dropout",
        "keyboard",
        "ocr",
        "char-insert",
        "char-substitute",
        "char-swap",
        "char-delete",
        "word-swap",
        "word-delete",
        "word-crop",
        "spelling",
    ):
        assert name in by_name
        assert by_name[name]["description"]
    mode = next(p for p in by_name["sentence-shuffle"]["params"] if p["name"] == "mode")
    assert mode["default"] == "random" and "neighbor" in mode["type"]
    r = run_mlp("list", "augmenters")
    assert r.exit_code == 0 and "sentence-shuffle" in r.stderr and "drop_p" in r.stderr


def test_list_generators():
    r = run_mlp("list", "generators", "--json")
    assert r.exit_code == 0, r
    assert isinstance(json.loads(r.stdout), list)
