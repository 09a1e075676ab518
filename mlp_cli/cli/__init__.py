"""The thin Typer layer: one module per command; it parses options, calls the core, maps errors."""
