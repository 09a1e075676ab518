"""`mlp report RUN`: one self-contained HTML report (charts embedded, also written as PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlp_cli.cli.common import JsonOpt, QuietOpt, absolute, console, guarded


def report(
    run: Annotated[Path, typer.Argument(help="A run's manifest, its output, or a pipeline's --out folder.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The HTML file (default: report.html beside the run).", show_default=False),
    ] = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report of a run: checks, steps, charts, image sheets, PII samples.

    Example: mlp report out/waf --out out/waf/report.html
    """

    def body() -> None:
        from mlp_cli.pipeline.report import write_report

        summary = write_report(absolute(run), absolute(out))
        if json_out:
            print(json.dumps(summary))
        elif not quiet:
            console().print(f"wrote {summary['report']} ({len(summary['charts'])} charts)")

    guarded("report", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
