"""`mlp recipe validate|show|init`: check recipes, print them resolved, start new ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlp_cli.cli.common import JsonOpt, OverwriteOpt, QuietOpt, console, error, guarded

app = typer.Typer(help="Check, show and create recipes.", no_args_is_help=True)


@app.command("validate")
def validate(
    recipes: Annotated[list[Path], typer.Argument(help="Recipe files to check.", show_default=False)],
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Check recipes without running them; exit 2 if any is invalid.

    Example: mlp recipe validate recipes/*.yaml
    """

    def body() -> None:
        from mlp_cli.errors import ExitCode, MlpError
        from mlp_cli.recipe.loader import load_recipe

        results = []
        worst = 0
        for path in recipes:
            try:
                loaded = load_recipe(path)
            except MlpError as exc:
                worst = max(worst, int(exc.exit_code))
                results.append({"recipe": str(path), "valid": False, "error": str(exc)})
                error(str(exc))
                continue
            results.append({"recipe": str(path), "valid": True, "kind": loaded.kind})
            if not quiet and not json_out:
                console().print(f"[green]ok[/] {path} ({loaded.kind})")
        if json_out:
            print(json.dumps({"command": "recipe validate", "results": results}))
        if worst:
            raise typer.Exit(ExitCode.USAGE if worst == ExitCode.USAGE else worst)

    guarded("recipe validate", body, json_out)


@app.command("show")
def show(
    recipe: Annotated[Path, typer.Argument(help="Recipe file.", show_default=False)],
    json_out: JsonOpt = False,
) -> None:
    """Print the recipe with every default filled in (YAML, or JSON with --json).

    Example: mlp recipe show recipes/menu-text.yaml
    """

    def body() -> None:
        from mlp_cli.recipe.loader import dump_recipe, load_recipe

        loaded = load_recipe(recipe)
        if json_out:
            resolved = getattr(loaded.model, "resolved", None)
            data = resolved() if resolved is not None else loaded.model.model_dump(mode="json")
            print(json.dumps(data, indent=2))
        else:
            print(f"# {recipe} with every default filled in", flush=True)
            print(dump_recipe(loaded.model), end="")

    guarded("recipe show", body, json_out)


@app.command("init")
def init(
    kind: Annotated[
        str,
        typer.Argument(
            help="Starter kind: text, images, synthetic, pii, mine, curriculum, pipeline.", show_default=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write it ('-' for stdout). Default: KIND.yaml", show_default=False),
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write a commented starter recipe of the given kind.

    Example: mlp recipe init text -o my-recipe.yaml
    """

    def body() -> None:
        from mlp_cli.augment.registry import suggest
        from mlp_cli.errors import UsageError
        from mlp_cli.io.atomic import atomic_file
        from mlp_cli.recipe.templates import STARTERS, starter_text

        if kind not in STARTERS:
            raise UsageError(
                f"unknown starter {kind!r}{suggest(kind, list(STARTERS))}; available: {', '.join(STARTERS)}"
            )
        text = starter_text(kind)
        if out is not None and str(out) == "-":
            print(text, end="")
            return
        target = out or Path(f"{kind}.yaml")
        with atomic_file(target, overwrite) as tmp:
            tmp.write_text(text, encoding="utf-8")
        console().print(f"wrote {target}; check it with: mlp recipe validate {target}")

    guarded("recipe init", body)
