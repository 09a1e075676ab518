"""What every command shares: the run options, error-to-exit-code mapping, progress and summaries.

Data goes to stdout (``--json`` summaries) or files; messages, tables and progress go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar, overload

import typer

from mlp_cli.errors import ExitCode, MlpError, exit_code_for

T = TypeVar("T")

# Shared options of every command that runs a recipe; they override the recipe.
InputOpt = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="Input data (overrides the recipe's input.path).", show_default=False),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output path (overrides the recipe's output.path).", show_default=False),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Random seed (overrides the recipe's seed).", show_default=False)
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=0, help="Worker processes; 0 or unset: all cores.", show_default=False),
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=0, help="Only the first N input items (quick trials).", show_default=False)
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace an existing output (otherwise it is an error).")
]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="Continue the partial output an interrupted run left (same recipe and inputs); same bytes as one run.",
    ),
]
ShardRowsOpt = Annotated[
    int | None,
    typer.Option(
        "--shard-rows",
        min=0,
        help="Write --out as a folder of shards of N rows each (part-00000.jsonl, ...); 0: one file. "
        "Overrides the recipe's output.shard_rows.",
        show_default=False,
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Validate and print the plan; write nothing.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or messages, only errors.")]


class OnError(str, Enum):
    fail = "fail"
    skip = "skip"


OnErrorOpt = Annotated[
    OnError | None,
    typer.Option(
        "--on-error",
        help="fail, or skip bad input rows and images (skips are counted and reported).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON summary on stdout.")]


class Engine(str, Enum):
    local = "local"
    ray = "ray"


EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        help="local (this machine's processes) or ray (a Ray cluster; same output bytes). Overrides the recipe's engine.",
        show_default=False,
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --engine ray: 'auto' or HOST:PORT of a running cluster (default: start a local Ray for the run).",
        show_default=False,
    ),
]


@overload
def absolute(path: Path) -> Path: ...


@overload
def absolute(path: None) -> None: ...


def absolute(path: Path | None) -> Path | None:
    """Command-line paths are relative to the current directory."""
    return None if path is None else Path(os.path.abspath(path.expanduser()))


def run_options(
    input: Path | None = None,
    out: Path | None = None,
    seed: int | None = None,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    on_error: OnError | str | None = None,
    engine: Engine | str | None = None,
    ray_address: str | None = None,
    resume: bool = False,
    shard_rows: int | None = None,
) -> Any:
    from mlp_cli.runtime.options import RunOptions

    return RunOptions(
        input=absolute(input),
        out=absolute(out),
        seed=seed,
        workers=workers,
        limit=limit,
        overwrite=overwrite,
        dry_run=dry_run,
        on_error=on_error.value if isinstance(on_error, OnError) else on_error,
        engine=engine.value if isinstance(engine, Engine) else engine,
        ray_address=ray_address,
        resume=resume,
        shard_rows=shard_rows,
    )


_console = None


def console() -> Any:
    """The stderr Rich console (created on first use: rich is not needed for --help)."""
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(stderr=True, highlight=False, soft_wrap=True)
    return _console


def error(message: str) -> None:
    from rich.markup import escape

    console().print(f"[bold red]error:[/] {escape(message)}")


def warn(message: str) -> None:
    from rich.markup import escape

    console().print(f"[yellow]warning:[/] {escape(message)}")


def guarded(command: str, body: Callable[[], T], json_out: bool = False) -> T:
    """Run a command body; map every failure to its exit code and a one-paragraph message.

    This is the only place where exceptions become exit codes (see ``errors.ExitCode``).
    """
    from mlp_cli.runtime.options import raise_on_sigterm

    undo = raise_on_sigterm()
    try:
        return body()
    except typer.Exit:
        raise
    except BaseException as exc:  # noqa: BLE001 - this is the one mapping point
        if isinstance(exc, SystemExit):
            raise
        code = exit_code_for(exc)
        if isinstance(exc, MlpError):
            message = str(exc)
        elif code == ExitCode.INTERRUPTED:
            message = "interrupted; no partial output was left under the output name"
        else:
            message = f"unexpected {type(exc).__name__}: {exc}"
            if os.environ.get("MLP_DEBUG"):
                import traceback

                traceback.print_exc()
            else:
                message += " (set MLP_DEBUG=1 to see the traceback)"
        error(message)
        if json_out:
            print(json.dumps({"command": command, "error": message, "exit_code": int(code)}))
        raise typer.Exit(int(code)) from None
    finally:
        undo()


class RichProgress:
    """A Rich progress bar on stderr; hidden when stderr is not a terminal or with --quiet."""

    def __init__(self, quiet: bool, show_bar: bool = True):
        self.quiet = quiet
        self.enabled = show_bar and not quiet and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None
        self.notes: list[str] = []

    def start(self, total: int | None, description: str) -> None:
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if not self.quiet:
            for note in self.notes:
                warn(note)


def run_reported(run: Callable[[RichProgress], Any], json_out: bool, quiet: bool) -> None:
    """Run a core entry point with a progress bar (hidden for --json/--quiet), then print its summary."""
    progress = RichProgress(quiet, show_bar=not json_out)
    try:
        report = run(progress)
    finally:
        progress.stop()
    report_run(report, json_out, quiet)


def report_run(report: Any, json_out: bool, quiet: bool, progress: RichProgress | None = None) -> None:
    """Print the summary: JSON on stdout, or a short table on stderr."""
    if progress is not None:
        progress.stop()
    summary = report.summary()
    if json_out:
        print(json.dumps(summary, default=str))
        return
    if quiet:
        return
    from rich.table import Table

    title = "dry run: nothing written" if summary.get("dry_run") else f"mlp {summary['command']}"
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in summary.items():
        if key in ("command", "dry_run"):
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value, default=str) if value else "-"
            if len(value) > 300:
                value = value[:300] + "…"
        table.add_row(key, str(value))
    console().print(table)
