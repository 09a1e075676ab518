"""`mlp list augmenters|generators`: what recipes can name, generated from the same schemas that validate them."""

from __future__ import annotations

import json

import typer

from mlp_cli.cli.common import JsonOpt, console, guarded, warn

app = typer.Typer(help="List registered augmenters and generators.", no_args_is_help=True)


def _describe_table(table_name: str, json_out: bool) -> None:
    from mlp_cli.augment import registry
    from mlp_cli.augment.catalog import catalog, plugin_errors

    registry.load_builtins()
    entries = catalog(table_name)
    for ep_name, group, message in plugin_errors(table_name):  # stderr: the --json output stays a list
        warn(f"plugin {ep_name!r} ({group}) was not loaded: {message}")
    if json_out:
        print(json.dumps(entries, indent=2, default=str))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(entries)} {table_name}", show_lines=True, title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("family")
    table.add_column("description / parameters")
    for e in entries:
        params = "\n".join(
            f"  {p['name']}: {p['type']} = {p['default']}" + (f"  — {p['description']}" if p["description"] else "")
            for p in e["params"]
        )
        table.add_row(e["name"], e["family"], escape(e["description"] + ("\n" + params if params else "")))
    console().print(table)


@app.command("augmenters")
def augmenters(json_out: JsonOpt = False) -> None:
    """Every augmenter with its parameters, types, defaults and a one-line description.

    Example: mlp list augmenters --json
    """
    guarded("list augmenters", lambda: _describe_table("augmenters", json_out), json_out)


@app.command("generators")
def generators(json_out: JsonOpt = False) -> None:
    """Every generator (rows made from nothing: synthetic text, fake PII) with its parameters.

    Example: mlp list generators
    """
    guarded("list generators", lambda: _describe_table("generators", json_out), json_out)
