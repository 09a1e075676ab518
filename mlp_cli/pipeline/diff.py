"""`mlp diff RUN_A RUN_B`: what changed between two runs, step by step.

Recipe keys, counts, skipped-by-reason, numeric figures, checks and output checksums, each as
``{step, what, key, a, b}`` rows: a table for a pull-request comment, or ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlp_cli.io.manifest import tree_sha256
from mlp_cli.pipeline.runs import load_run


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists of scalars stay values."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, list) and any(isinstance(v, (dict, list)) for v in node):
        out = {}
        for i, value in enumerate(node):
            out.update(flatten(value, f"{prefix}.{i}"))
        return out
    return {prefix: node}


def _numbers(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in flatten(figures).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _outputs(manifest: dict[str, Any]) -> dict[str, Any]:
    return {Path(p).name: tree_sha256(Path(p)) if Path(p).exists() else None for p in manifest.get("outputs", [])}


def _checks(manifest: dict[str, Any]) -> dict[str, Any]:
    checks = manifest.get("checks") or (manifest.get("figures") or {}).get("checks") or []
    return {f"{c.get('step') or ''}:{c['figure']}": "pass" if c.get("passed") else "fail" for c in checks}


SECTIONS = {
    "run": lambda m: {"seed": m.get("seed"), "status": m.get("status", "ok")},
    "recipe": lambda m: flatten(m.get("recipe") or {}),
    "counts": lambda m: flatten({k: v for k, v in (m.get("counts") or {}).items()}),
    "figures": lambda m: _numbers({k: v for k, v in (m.get("figures") or {}).items() if k not in ("steps", "checks")}),
    "checks": _checks,
    "outputs": _outputs,
}


def diff_runs(run_a: Path, run_b: Path) -> dict[str, Any]:
    """Every difference between two runs (pipelines: step by step, plus the pipeline's checks)."""
    top_a, steps_a = load_run(run_a)
    top_b, steps_b = load_run(run_b)
    changes: list[dict[str, Any]] = []
    for step in list(dict.fromkeys([*steps_a, *steps_b])):
        a, b = steps_a.get(step), steps_b.get(step)
        if a is None or b is None:
            changes.append({"step": step, "what": "step", "key": "present", "a": a is not None, "b": b is not None})
            continue
        for what, view in SECTIONS.items():
            if what == "outputs":
                va = {k: v for k, v in view(a).items()}
                vb = {k: v for k, v in view(b).items()}
            else:
                va, vb = view(a), view(b)
            for key in sorted(set(va) | set(vb)):
                if va.get(key) != vb.get(key) and not key.startswith(("output.path", "seconds")):
                    changes.append({"step": step, "what": what, "key": key, "a": va.get(key), "b": vb.get(key)})
    if top_a.get("command") == "run" or top_b.get("command") == "run":
        ca, cb = _checks(top_a), _checks(top_b)
        for key in sorted(set(ca) | set(cb)):
            if ca.get(key) != cb.get(key):
                changes.append({"step": "(pipeline)", "what": "checks", "key": key, "a": ca.get(key), "b": cb.get(key)})
        sa, sb = top_a.get("status", "ok"), top_b.get("status", "ok")
        if sa != sb:
            changes.append({"step": "(pipeline)", "what": "status", "key": "status", "a": sa, "b": sb})
    return {"command": "diff", "a": str(run_a), "b": str(run_b), "same": not changes, "changes": changes}
