"""Shared test helpers: drive the real `mlp` command in-process with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlp_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


class Result:
    """What a run of `mlp` gave: exit code, stdout, stderr, and the --json summary if any."""

    def __init__(self, raw: Any):
        self.exit_code = raw.exit_code
        self.stdout = raw.stdout
        self.stderr = raw.stderr
        self.exception = raw.exception

    @property
    def summary(self) -> dict[str, Any]:
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise AssertionError(f"no JSON summary in stdout: {self.stdout!r} / stderr {self.stderr!r}")

    @property
    def exited_cleanly(self) -> bool:
        """The command ended through its own exit code, not an exception escaping it.

        CliRunner catches an escaping exception instead of printing a traceback, so checking
        stderr for "Traceback" would prove nothing; this checks what actually ended the run.
        """
        return self.exception is None or isinstance(self.exception, SystemExit)

    def __repr__(self) -> str:
        return f"<mlp exit={self.exit_code} stderr={self.stderr[-400:]!r}>"


def run_mlp(*args: Any) -> Result:
    """Run `mlp ARGS...` in-process and return its result (never raises on a non-zero exit)."""
    runner = CliRunner()
    return Result(runner.invoke(app, [str(a) for a in args], catch_exceptions=True))


@pytest.fixture
def mlp():
    return run_mlp


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path
