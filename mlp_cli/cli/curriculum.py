"""`mlp curriculum RECIPE`: order rows into staged phases from easy to hard, written as ordered shards."""

from __future__ import annotations

from enum import Enum
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
    WorkersOpt,
    guarded,
    run_options,
    run_reported,
)


class Order(str, Enum):
    curriculum = "curriculum"
    anti = "anti"
    random = "random"


class Layout(str, Enum):
    shards = "shards"
    single = "single"


class Format(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    parquet = "parquet"


def curriculum(
    recipe: Annotated[Path, typer.Argument(help="The curriculum recipe (YAML).", show_default=False)],
    input: InputOpt = None,
    out: OutOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    ray_address: RayAddressOpt = None,
    limit: LimitOpt = None,
    overwrite: OverwriteOpt = False,
    resume: ResumeOpt = False,
    dry_run: DryRunOpt = False,
    on_error: OnErrorOpt = None,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
    order: Annotated[
        Order | None,
        typer.Option(
            "--order",
            help="curriculum (easy first), anti (hard first) or random: the A/B baselines.",
            show_default=False,
        ),
    ] = None,
    layout: Annotated[
        Layout | None,
        typer.Option(
            "--layout",
            help="shards: a folder of stage_000...; single: one file with stage and order columns.",
            show_default=False,
        ),
    ] = None,
    out_format: Annotated[
        Format | None,
        typer.Option(
            "--format", help="Output format (default: the inputs' shared format, else jsonl).", show_default=False
        ),
    ] = None,
    chart: Annotated[
        bool | None,
        typer.Option("--chart/--no-chart", help="Write the PNG chart of difficulty by stage.", show_default=False),
    ] = None,
) -> None:
    """Order rows into a curriculum: phases in order, paced stages from easy to hard, with a manifest.

    Example: mlp curriculum recipes/curriculum-cloudflare.yaml --out out/cur --seed 2
    """

    def body() -> None:
        from mlp_cli.curriculum.run import CurriculumOverrides, run_curriculum
        from mlp_cli.recipe.loader import load_recipe

        loaded = load_recipe(recipe, kind="curriculum")
        options = run_options(
            input, out, seed, workers, limit, overwrite, dry_run, on_error, engine=engine, ray_address=ray_address, resume=resume
        )
        overrides = CurriculumOverrides(
            order=order.value if order else None,
            layout=layout.value if layout else None,
            format=out_format.value if out_format else None,
            chart=chart,
        )
        run_reported(lambda progress: run_curriculum(loaded, options, progress, overrides), json_out, quiet)

    guarded("curriculum", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("curriculum")(curriculum)
