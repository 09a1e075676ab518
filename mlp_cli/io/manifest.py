"""The run manifest written beside every output, and the summary printed by ``--json``.

The manifest answers "how was this file made?": the resolved recipe and its hash, input
checksums, counts in/out/skipped by reason, the seed, versions of mlp and its libraries, timings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from mlp_cli import __version__
from mlp_cli.errors import InputDataError
from mlp_cli.io.atomic import write_text_atomic

# Libraries whose version can change an output; reported when installed.
TRACKED_LIBRARIES = (
    "numpy",
    "pydantic",
    "pyyaml",
    "nlpaug",
    "faker",
    "torch",
    "torchvision",
    "pillow",
    "annoy",
    "scikit-learn",
    "sentence-transformers",
    "pyarrow",
)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file, read in chunks (inputs can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def tree_sha256(path: Path) -> str:
    """sha256 over a folder's relative paths and bytes, or a file's bytes."""
    path = Path(path)
    if path.is_file():
        return file_sha256(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode())
        h.update(file_sha256(f).encode())
    return h.hexdigest()


def recipe_hash(resolved: dict[str, Any]) -> str:
    """Hash of the resolved recipe (canonical JSON), so two runs can be compared at a glance."""
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def library_versions() -> dict[str, str]:
    found = {"mlp-cli": __version__, "python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


@dataclass
class RunReport:
    """Counts and figures of one run; becomes both the manifest and the --json summary."""

    command: str
    outputs: list[str] = field(default_factory=list)
    manifest: str | None = None
    items_in: int = 0
    items_out: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False

    def skip(self, reason: str, location: str, detail: str, keep_examples: int = 20) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        if len(self.skipped_examples) < keep_examples:
            self.skipped_examples.append({"reason": reason, "location": location, "detail": detail})

    def bad_item(
        self,
        on_error: str,
        location: str,
        reason: str,
        detail: str,
        *,
        fix: str = "Fix the row",
        skip_how: str = "set 'on_error: skip' in the recipe (or pass --on-error skip)",
        what: str = "rows",
    ) -> None:
        """Apply the ``on_error`` policy to one bad input item: raise (fail) or count it (skip)."""
        if on_error == "fail":
            raise InputDataError(
                f"{location}: {reason}: {detail}. {fix}, or {skip_how} to skip bad {what} "
                "(they are counted in the summary)."
            )
        self.skip(reason, location, detail)

    def summary(self) -> dict[str, Any]:
        """The --json summary: the documented keys first, then family-specific figures."""
        out: dict[str, Any] = {
            "command": self.command,
            "outputs": self.outputs,
            "manifest": self.manifest,
            "items_in": self.items_in,
            "items_out": self.items_out,
            "skipped": dict(sorted(self.skipped.items())),
            "seconds": round(self.seconds, 3),
        }
        if self.dry_run:
            out["dry_run"] = True
        out.update(self.extra)
        return out


def write_manifest(
    path: Path,
    report: RunReport,
    *,
    recipe: dict[str, Any] | None,
    recipe_path: str | None,
    inputs: list[Path],
    seed: int | None,
    overrides: Any,
    workers: int | None,
    timings: dict[str, float] | None = None,
    engine: str = "local",
) -> None:
    """Write the manifest JSON (atomically) and record its path in the report.

    Every command's manifest has the same core fields; ``overrides`` is the command line
    (a ``RunOptions`` or a mapping), so ``--limit`` and every other override is always recorded.
    """
    if dataclasses.is_dataclass(overrides) and not isinstance(overrides, type):
        overrides = dataclasses.asdict(overrides)
    report.manifest = str(path)
    body = {
        "mlp_manifest_version": 1,
        "command": report.command,
        "recipe_path": recipe_path,
        "recipe_sha256": recipe_hash(recipe) if recipe is not None else None,
        "recipe": recipe,
        "seed": seed,
        "engine": engine,
        "workers": workers,
        "overrides": {k: str(v) for k, v in (overrides or {}).items() if v not in (None, False)},
        "inputs": [{"path": str(p), "sha256": tree_sha256(p) if Path(p).exists() else None} for p in inputs],
        "outputs": report.outputs,
        "counts": {
            "items_in": report.items_in,
            "items_out": report.items_out,
            "skipped": dict(sorted(report.skipped.items())),
        },
        "skipped_examples": report.skipped_examples,
        "figures": report.extra,
        "versions": library_versions(),
        "platform": {"python": sys.version.split()[0], "system": platform.system()},
        "timings": {k: round(v, 3) for k, v in (timings or {"total": report.seconds}).items()},
    }
    write_text_atomic(path, json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n")


def manifest_path_for(output: Path) -> Path:
    """``out.jsonl`` -> ``out.manifest.json``; a folder output keeps its manifest inside."""
    output = Path(output)
    if output.suffix and not output.is_dir():
        return output.with_name(output.name[: -len(output.suffix)] + ".manifest.json")
    return output / "manifest.json"
