"""Step cache: a step is skipped while its resolved recipe, seed, inputs and outputs are unchanged.

One JSON record per step in ``DIR/.mlp-cache/STEP.json`` (inspectable, deletable): the key (the
resolved recipe, seed, limit, on_error and mlp version), the checksums of the inputs the step's
manifest lists (upstream outputs included) and of its outputs, and its summary. A record is never
trusted when any of those files changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mlp_cli import __version__
from mlp_cli.io.atomic import write_text_atomic
from mlp_cli.io.manifest import tree_sha256

CACHE_DIR = ".mlp-cache"


def step_key(resolved: dict[str, Any], kind: str, settings: dict[str, Any]) -> str:
    """The cache key of a step: what can change its output (never workers or engine)."""
    body = {"recipe": resolved, "kind": kind, "settings": settings, "mlp": __version__}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def record_path(out_dir: Path, step: str) -> Path:
    return out_dir / CACHE_DIR / f"{step}.json"


def _checksums(paths: list[str]) -> list[dict[str, Any]]:
    return [{"path": p, "sha256": tree_sha256(Path(p)) if Path(p).exists() else None} for p in paths]


def lookup(out_dir: Path, step: str, key: str) -> tuple[dict[str, Any] | None, str]:
    """The cached summary of a step, or None and why it must run."""
    path = record_path(out_dir, step)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "not run before"
    except (OSError, ValueError):
        return None, "cache record unreadable"
    if record.get("key") != key:
        return None, "recipe, seed or mlp version changed"
    for kind in ("inputs", "outputs"):
        for entry in record.get(kind, []):
            if not Path(entry["path"]).exists():
                return None, f"{kind[:-1]} {entry['path']} is missing"
            if tree_sha256(Path(entry["path"])) != entry["sha256"]:
                return None, f"{kind[:-1]} {entry['path']} changed"
    return record["summary"], "unchanged"


def store(out_dir: Path, step: str, key: str, summary: dict[str, Any]) -> None:
    """Record a finished step: its key, the checksums of its manifest's inputs and of its outputs."""
    manifest_file = summary.get("manifest")
    inputs: list[str] = []
    if manifest_file and Path(manifest_file).exists():
        manifest = json.loads(Path(manifest_file).read_text(encoding="utf-8"))
        inputs = [entry["path"] for entry in manifest.get("inputs", [])]
    record = {
        "step": step,
        "key": key,
        "inputs": _checksums(inputs),
        "outputs": _checksums([*summary.get("outputs", []), *([manifest_file] if manifest_file else [])]),
        "summary": summary,
    }
    write_text_atomic(record_path(out_dir, step), json.dumps(record, indent=2, default=str) + "\n")


def forget(out_dir: Path, step: str) -> None:
    record_path(out_dir, step).unlink(missing_ok=True)
