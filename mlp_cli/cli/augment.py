"""`mlp augment RECIPE`: run an augmentation recipe (text rows, generated rows or images)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlp_cli.cli.common import (
    DryRunOpt,
    EngineOpt,
    InputOpt,
    JsonOpt,
    LimitOpt,
    OnErrorOpt,
    OutOpt,
    OverwriteOpt,
    QuietOpt,
    RayAddressOpt,
    ResumeOpt,
    SeedOpt,
    ShardRowsOpt,
    WorkersOpt,
    guarded,
    report_run,
    run_options,
    run_reported,
)


def augment(
    recipe: Annotated[Path, typer.Argument(help="The augment recipe (YAML).", show_default=False)],
    input: InputOpt = None,
    out: OutOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    ray_address: RayAddressOpt = None,
    limit: LimitOpt = None,
    overwrite: OverwriteOpt = False,
    resume: ResumeOpt = False,
    shard_rows: ShardRowsOpt = None,
    dry_run: DryRunOpt = False,
    on_error: OnErrorOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
    preview: Annotated[
        Path | None,
        typer.Option(
            "--preview",
            help="Images: write a contact sheet PNG of sources beside augmented versions, then stop.",
            show_default=False,
        ),
    ] = None,
    preview_count: Annotated[
        int, typer.Option("--preview-count", min=1, help="Augmented versions per image in the preview.")
    ] = 6,
) -> None:
    """Augment data from a recipe: N varied copies per row or image, with provenance and a manifest.

    Example: mlp augment recipes/menu-text.yaml --seed 7 --out out/menu.jsonl
    """

    def body() -> None:
        from mlp_cli.augment.run import run_augment
        from mlp_cli.recipe.loader import load_recipe

        loaded = load_recipe(recipe, kind="augment")
        options = run_options(
            input,
            out,
            seed,
            workers,
            limit,
            overwrite,
            dry_run,
            on_error,
            engine=engine,
            ray_address=ray_address,
            resume=resume,
            shard_rows=shard_rows,
        )
        if preview is not None:
            from mlp_cli.augment.image.run import write_preview

            report = write_preview(loaded, options, preview, preview_count)
            report_run(report, json_out, quiet)
            return
        run_reported(lambda progress: run_augment(loaded, options, progress), json_out, quiet)

    guarded("augment", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("augment")(augment)
