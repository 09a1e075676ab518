"""`mlp diff RUN_A RUN_B`: what changed between two runs, as a table or --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlp_cli.cli.common import JsonOpt, absolute, console, guarded


def diff(
    run_a: Annotated[Path, typer.Argument(help="The first run (manifest, output or pipeline --out folder).")],
    run_b: Annotated[Path, typer.Argument(help="The second run.")],
    json_out: JsonOpt = False,
) -> None:
    """Show what changed between two runs: recipe keys, counts, skipped, figures, checks, output checksums.

    Example: mlp diff out/waf-main out/waf-branch --json
    """

    def body() -> None:
        from rich.markup import escape
        from rich.table import Table

        from mlp_cli.pipeline.diff import diff_runs

        result = diff_runs(absolute(run_a), absolute(run_b))
        if json_out:
            print(json.dumps(result, default=str))
            return
        if result["same"]:
            console().print("no differences")
            return
        table = Table(title=f"mlp diff {run_a} {run_b}", title_justify="left")
        for column in ("step", "what", "key", "a", "b"):
            table.add_column(column)
        for change in result["changes"]:
            table.add_row(*(escape(str(change[k]))[:80] for k in ("step", "what", "key", "a", "b")))
        console().print(table)

    guarded("diff", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
