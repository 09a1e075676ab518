"""--resume: a run killed with kill -9 finishes where it stopped, to the bytes of one whole run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

RECIPE = """\
version: 1
input: {path: rows.jsonl}
output: {path: out.%s}
copies: 12
keep_original: true
dedupe: true
steps:
  - augmenter: keyboard
  - augmenter: sentence-shuffle
  - augmenter: field-dropout
    fields: [tag]
"""


def _project(tmp_path: Path, fmt: str = "jsonl", rows: int = 3000) -> Path:
    with open(tmp_path / "rows.jsonl", "w") as f:
        for i in range(rows):
            # a few repeated rows, so de-duplication state must survive the resume
            n = i if i % 50 else 0
            f.write(json.dumps({"id": n, "tag": f"t{n % 7}", "text": f"Row {n} is here. The fox runs far. " * 6}) + "\n")
    (tmp_path / "r.yaml").write_text(RECIPE % fmt)
    return tmp_path / "r.yaml"


def _mlp(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mlp_cli", *map(str, args)]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def _kill_when(args: tuple[object, ...], partial: Path, ready: Callable[[dict], bool] = lambda c: True) -> dict:
    """Start `mlp ARGS`, wait for a checkpoint that ``ready`` accepts, kill -9 the run; the checkpoint."""
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlp_cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    state = partial / "checkpoint.json"
    deadline = time.monotonic() + 120
    checkpoint = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
        try:
            checkpoint = json.loads(state.read_text())
        except (OSError, ValueError):
            checkpoint = None
        if checkpoint is not None and ready(checkpoint):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stderr.close()
    assert checkpoint is not None and ready(checkpoint), "no checkpoint before the deadline"
    return checkpoint


def _kill_after_checkpoint(*args: object, partial: Path) -> None:
    """Start `mlp ARGS`, wait for its first checkpoint, then kill -9 it and everything it started."""
    _kill_when(args, partial)


@pytest.mark.parametrize(
    "fmt,killed_on,resumed_on",
    [("jsonl", "local", "local"), ("csv", "local", "local"), ("jsonl", "ray", "ray"), ("jsonl", "local", "ray")],
)
def test_resume_after_kill_9_gives_the_bytes_of_one_run(tmp_path, fmt, killed_on, resumed_on):
    recipe = _project(tmp_path, fmt)
    whole = _mlp("augment", recipe, "--out", tmp_path / f"whole.{fmt}", "--workers", "2", "--quiet")
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / f"out.{fmt}"
    partial = tmp_path / f".out.{fmt}.partial"
    _kill_after_checkpoint("augment", recipe, "--workers", "2", "--engine", killed_on, "--quiet", partial=partial)
    assert not out.exists()  # nothing under the final name until the run completes
    done_at_kill = json.loads((partial / "checkpoint.json").read_text())["items_done"]
    assert done_at_kill > 0

    resumed = _mlp("augment", recipe, "--workers", "2", "--engine", resumed_on, "--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert summary["resumed_after_items"] >= done_at_kill  # the finished part was not redone
    assert "resuming" in resumed.stderr
    assert out.read_bytes() == (tmp_path / f"whole.{fmt}").read_bytes()
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    reference = json.loads((tmp_path / "whole.manifest.json").read_text())
    assert manifest["counts"] == reference["counts"]  # counts are those of one run
    assert manifest["figures"]["duplicates_removed"] == reference["figures"]["duplicates_removed"] > 0
    assert not partial.exists()


def test_resume_refuses_a_changed_recipe_or_input_naming_what_changed(tmp_path):
    recipe = _project(tmp_path)
    partial = tmp_path / ".out.jsonl.partial"
    _kill_after_checkpoint("augment", recipe, "--workers", "2", "--quiet", partial=partial)

    changed = _mlp("augment", recipe, "--resume", "--seed", "5")
    assert changed.returncode == 2
    assert "different seed" in changed.stderr and "without --resume" in changed.stderr

    recipe.write_text(recipe.read_text().replace("copies: 12", "copies: 11"))
    changed = _mlp("augment", recipe, "--resume")
    assert changed.returncode == 2 and "different recipe" in changed.stderr
    recipe.write_text(RECIPE % "jsonl")

    with open(tmp_path / "rows.jsonl", "a") as f:
        f.write(json.dumps({"id": -1, "tag": "x", "text": "One more row."}) + "\n")
    changed = _mlp("augment", recipe, "--resume")
    assert changed.returncode == 2 and "different inputs" in changed.stderr
    assert partial.exists() and not (tmp_path / "out.jsonl").exists()  # a refusal keeps the work


def test_resume_with_nothing_to_resume_starts_afresh(tmp_path):
    recipe = _project(tmp_path, rows=20)
    result = _mlp("augment", recipe, "--resume")
    assert result.returncode == 0, result.stderr
    assert "no interrupted run" in result.stderr
    assert (tmp_path / "out.jsonl").exists()


def test_an_output_written_whole_cannot_resume_and_says_so(tmp_path):
    preview = tmp_path / "p.png"  # a preview is drawn whole: there is nothing to continue
    result = _mlp("augment", ROOT / "recipes" / "images.yaml", "--preview", preview, "--resume")
    assert result.returncode == 2
    assert "cannot continue an interrupted one" in result.stderr and not preview.exists()


def test_two_live_runs_never_share_a_partial_output(tmp_path):
    recipe = _project(tmp_path, rows=20)
    partial = tmp_path / ".out.jsonl.partial"
    partial.mkdir()
    # this test's process stands for another live run writing the same output
    import socket

    (partial / "owner.json").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    result = _mlp("augment", recipe)
    assert result.returncode == 2
    assert f"another mlp run (pid {os.getpid()}) is writing this output" in result.stderr
    assert partial.exists()
