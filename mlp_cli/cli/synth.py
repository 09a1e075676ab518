"""`mlp synth pii RECIPE` (run a fake-PII recipe) and `mlp synth export` (BIO/CoNLL/spans per split)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

from mlp_cli.cli.common import (
    DryRunOpt,
    EngineOpt,
    InputOpt,
    JsonOpt,
    LimitOpt,
    OutOpt,
    OverwriteOpt,
    QuietOpt,
    RayAddressOpt,
    ResumeOpt,
    SeedOpt,
    WorkersOpt,
    absolute,
    guarded,
    run_options,
    run_reported,
)

app = typer.Typer(help="Synthesize labelled data: fake PII with exact spans, and its exports.", no_args_is_help=True)


@app.command("pii")
def pii(
    recipe: Annotated[
        Path, typer.Argument(help="An augment recipe with a 'generator: pii' entry.", show_default=False)
    ],
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
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Generate fake-PII samples (text, exact spans, look-alikes, split) from a recipe.

    The same as `mlp augment RECIPE`, but checks that the recipe generates PII; with --dry-run it
    also reads and checks the template files and prints the template counts per split and locale.

    Example: mlp synth pii recipes/pii-detector.yaml --out out/pii.jsonl --seed 11
    """

    def body() -> None:
        from mlp_cli.augment.pii.generator import check_pii_templates
        from mlp_cli.augment.run import run_augment
        from mlp_cli.errors import UsageError
        from mlp_cli.recipe.loader import load_recipe

        loaded = load_recipe(recipe, kind="augment")
        if not any(g.generator == "pii" for g in loaded.model.generate):
            raise UsageError(f"{recipe}: no 'generator: pii' in its generate: list; run it with: mlp augment {recipe}")

        def run(progress: Any) -> Any:
            report = run_augment(
                loaded,
                run_options(
                    input, out, seed, workers, limit, overwrite, dry_run, engine=engine, ray_address=ray_address, resume=resume
                ),
                progress,
            )
            if dry_run:  # also count templates per split and locale (the plan of a PII run)
                report.extra["pii_templates"] = check_pii_templates(loaded, seed)
            return report

        run_reported(run, json_out, quiet)

    guarded("synth pii", body, json_out)


@app.command("export")
def export(
    samples: Annotated[
        Path, typer.Argument(help="JSONL samples with text and spans (what `mlp synth pii` wrote).", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Output folder: one file per split, plus manifest.json.", show_default=False),
    ],
    to: Annotated[
        str, typer.Option("--to", help="bio (tokens+tags JSONL), conll (token TAG lines) or spans (JSONL).")
    ] = "conll",
    on_error: Annotated[
        str, typer.Option("--on-error", help="fail or skip rows that are not exact labelled samples.")
    ] = "fail",
    limit: LimitOpt = None,
    overwrite: OverwriteOpt = False,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Export samples as token-level BIO, CoNLL or span JSONL, one file per split (train/test).

    Example: mlp synth export out/pii.jsonl --to conll --out out/pii-conll
    """

    def body() -> None:
        from mlp_cli.augment.pii.export import ExportFormat, export_samples
        from mlp_cli.augment.registry import suggest
        from mlp_cli.errors import UsageError

        if on_error not in ("fail", "skip"):
            raise UsageError(f"--on-error {on_error!r}{suggest(on_error, ['fail', 'skip'])}: use fail or skip")
        run_reported(
            lambda progress: export_samples(
                absolute(samples),
                absolute(out),
                cast(ExportFormat, to),  # export_samples rejects other names
                overwrite=overwrite,
                on_error=cast(Literal["fail", "skip"], on_error),  # checked above
                limit=limit,
                progress=progress,
            ),
            json_out,
            quiet,
        )

    guarded("synth export", body, json_out)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="synth")
