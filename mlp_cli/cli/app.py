"""The `mlp` command: a Typer app that gathers one module per command.

Command modules import only typer at module level; the core (pydantic, numpy, nlpaug, torch)
is imported inside the command bodies so that `mlp --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mlp_cli import __version__
from mlp_cli.cli import augment, curriculum, diff_cmd, list_cmd, mine, recipe_cmd, report_cmd, run_cmd, synth

app = typer.Typer(
    name="mlp",
    help="Make better training data: augment, synthesize, mine hard negatives, build curricula — from YAML recipes.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"mlp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Make better training data: augment, synthesize, mine hard negatives, build curricula."""


augment.register(app)
mine.register(app)
curriculum.register(app)
synth.register(app)
run_cmd.register(app)
report_cmd.register(app)
diff_cmd.register(app)
app.add_typer(recipe_cmd.app, name="recipe")
app.add_typer(list_cmd.app, name="list")


def main() -> None:
    app()
