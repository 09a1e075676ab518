"""`mlp run PIPELINE`: run a pipeline's steps in dependency order, cached, gated by checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from mlp_cli.cli.common import (
    DryRunOpt,
    EngineOpt,
    JsonOpt,
    LimitOpt,
    OnErrorOpt,
    QuietOpt,
    RayAddressOpt,
    RichProgress,
    SeedOpt,
    WorkersOpt,
    console,
    error,
    guarded,
    report_run,
    run_options,
)

_P = {"show_default": False}


def print_steps(summary: dict[str, Any]) -> None:
    """One line per step on stderr: ran, cached (and why), would run, failed; then the checks."""
    from rich.table import Table

    title = "dry run: nothing written" if summary.get("dry_run") else f"mlp run → {summary.get('out_dir', '')}"
    steps = summary.get("steps") or summary.get("plan", {}).get("steps", {})
    table = Table(title=title, title_justify="left")
    for column in ("step", "kind", "status", "why", "items_out", "seconds"):
        table.add_column(column)
    for name, entry in steps.items():
        step_summary = entry.get("summary") or {}
        table.add_row(
            name,
            entry.get("kind", ""),
            entry.get("status", ""),
            entry.get("reason", ""),
            str(step_summary.get("items_out", "")),
            str(step_summary.get("seconds", "")),
        )
    console().print(table)
    for check in summary.get("checks", []):
        mark = "[green]pass[/]" if check["passed"] else "[red]FAIL[/]"
        console().print(f"{mark} {check['message']}")


def run(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline recipe (YAML, kind: pipeline).", **_P)],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder of every step's output, the cache and the report.", **_P),
    ] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this step (repeatable).", **_P)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Run this step and what it depends on.", **_P)] = None,
    force: Annotated[
        list[str] | None, typer.Option("--force", help="Re-run this step even when cached (repeatable).", **_P)
    ] = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    ray_address: RayAddressOpt = None,
    limit: LimitOpt = None,
    dry_run: DryRunOpt = False,
    on_error: OnErrorOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Run a pipeline: steps in dependency order, unchanged steps from the cache, checks as gates (exit 3).

    Example: mlp run recipes/pipeline-waf.yaml --out out/waf --json
    """

    def body() -> None:
        from mlp_cli.errors import CheckFailed
        from mlp_cli.pipeline.run import Selection, run_pipeline
        from mlp_cli.recipe.loader import load_recipe

        loaded = load_recipe(pipeline, kind="pipeline")
        options = run_options(
            None, out, seed, workers, limit, False, dry_run, on_error, engine=engine, ray_address=ray_address
        )
        selection = Selection(only=only or [], until=until, force=force or [])
        progress = RichProgress(quiet, show_bar=not json_out)
        try:
            report = run_pipeline(loaded, options, progress, selection)
        except CheckFailed as exc:
            progress.stop()
            if exc.summary is not None:
                if json_out:
                    print(json.dumps(exc.summary, default=str))
                elif not quiet:
                    print_steps(exc.summary)
            error(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        progress.stop()
        if not json_out and not quiet:
            print_steps(report.summary())
            return
        report_run(report, json_out, quiet)

    guarded("run", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
