"""Find the manifests of a run: a pipeline's ``--out`` folder, a run's manifest, or its output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlp_cli.errors import InputDataError
from mlp_cli.io.manifest import manifest_path_for


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputDataError(f"{path}: not a readable run manifest ({exc})") from None


def find_manifest(run: Path) -> Path:
    """The manifest of RUN: the file itself, ``DIR/manifest.json``, or the one beside an output file."""
    run = Path(run)
    if run.is_file() and run.name.endswith("manifest.json"):
        return run
    candidate = manifest_path_for(run)
    if candidate.is_file():
        return candidate
    raise InputDataError(f"{run}: no run manifest found (give a manifest, an output, or a pipeline's --out folder)")


def load_run(run: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The top manifest of a run and the manifest of each step (a single command run is one step)."""
    manifest_file = find_manifest(run)
    top = read_json(manifest_file)
    steps: dict[str, dict[str, Any]] = {}
    pipeline_steps = (top.get("figures") or {}).get("steps") if top.get("command") == "run" else None
    if pipeline_steps:
        for name, entry in pipeline_steps.items():
            step_manifest = (entry.get("summary") or {}).get("manifest")
            if step_manifest and Path(step_manifest).is_file():
                steps[name] = read_json(Path(step_manifest))
    else:
        steps[top.get("command", "run")] = top
    return top, steps
