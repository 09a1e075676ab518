"""Exceptions raised by the mlp core, and the one table that maps them to exit codes.

The core raises these small classes; only the CLI turns them into exit codes and messages
(the split sqlite-utils makes between its library and its CLI).
"""

from __future__ import annotations

import difflib
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes of every `mlp` command."""

    OK = 0
    FAILURE = 1  # a runtime failure: the inputs were fine, something broke while working
    USAGE = 2  # invalid usage, recipe or input data
    CHECK_FAILED = 3  # a recipe's check (gate) failed; the outputs are kept and marked failed
    INTERRUPTED = 130  # Ctrl-C or SIGTERM


class MlpError(Exception):
    """Base class of every error the core raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILURE


class UsageError(MlpError):
    """The command line asks for something that cannot be done (e.g. output exists, no --overwrite)."""

    exit_code = ExitCode.USAGE


class RecipeError(MlpError):
    """A recipe is not valid: bad YAML, unknown key, wrong type, out-of-range value.

    ``problems`` holds ``(loc, message)`` pairs; ``loc`` is the path of the field inside the recipe
    (``("steps", 0, "p")``) so that the loader can name its file, line and column.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: list[tuple[tuple, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


class InputDataError(MlpError):
    """Input data is missing or malformed (file absent, bad row under ``on_error: fail``, empty corpus)."""

    exit_code = ExitCode.USAGE


class CheckFailed(MlpError):
    """A recipe's check failed: the message names the check, its value, its bound and its step."""

    exit_code = ExitCode.CHECK_FAILED

    def __init__(self, message: str, summary: dict[str, Any] | None = None):
        super().__init__(message)
        self.summary = summary


class RunInterrupted(MlpError):
    """The run was interrupted by a signal; partial output was removed."""

    exit_code = ExitCode.INTERRUPTED


class BadItem(Exception):
    """One input item (a row, an image, a record) that cannot be used, with a short reason key.

    The one "bad item" of mlp. Readers yield it in place of the item; augmenters, scorers and
    image loaders raise it. Either way the run's ``on_error`` policy decides: fail the run, naming
    the item's location, or skip it and count it under ``reason`` (``Run.bad``).

    Attributes:
        reason: a short key counted in the summary ("bad json", "missing field", "corrupt image").
        detail: what was found, for a human.
        location: where the item is ("rows.jsonl:12", "photos/cat.jpg"); filled in by the runner
            when the code that raises does not know it.
        index: the item's global position in the input stream (-1 when not known).
    """

    def __init__(self, reason: str, detail: str, location: str = "", index: int = -1):
        super().__init__(reason, detail, location, index)  # all in args: pickles across workers
        self.reason = reason
        self.detail = detail
        self.location = location
        self.index = index

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"

    def at(self, location: str, index: int | None = None, context: str = "") -> BadItem:
        """The same problem, placed at ``location`` (and ``context`` put before the detail)."""
        detail = f"{context}: {self.detail}" if context else self.detail
        return BadItem(self.reason, detail, location, self.index if index is None else index)


def field_problem(loc: tuple, message: str) -> RecipeError:
    """A RecipeError about one field, for validation that happens after the schema (registries, signatures)."""
    return RecipeError(message, [(tuple(loc), message)])


def exit_code_for(exc: BaseException) -> ExitCode:
    """The one mapping from an exception to the process exit code."""
    if isinstance(exc, MlpError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.FAILURE


def suggest(name: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' or '' — the click NoSuchCommand way."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class MissingExtra(MlpError):
    """An optional library a feature needs is not installed; the message names the pip command."""

    exit_code = ExitCode.USAGE


def require(module: str, extra: str | None, feature: str) -> Any:
    """Import ``module`` or raise MissingExtra naming the pip command that installs it.

    ``extra`` is the mlp-cli extra that brings it (``"image"`` -> ``pip install 'mlp-cli[image]'``);
    None means a core dependency, so the command reinstalls mlp-cli.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        command = f"pip install 'mlp-cli[{extra}]'" if extra else "pip install --force-reinstall mlp-cli"
        raise MissingExtra(f"{feature} needs {module.split('.')[0]}, which is not installed: {command}") from exc
