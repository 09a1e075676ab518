"""Gates: ``checks:`` of any recipe, read from a run's summary, manifest or a JSON metrics file.

A figure is a dotted path (``fidelity.leakage.all``, ``skipped``) or the ratio of two
(``skipped / items_in``); a number may stand on either side. Nothing is evaluated: the text is
split on ``/`` and each side is looked up key by key. A mapping of numbers counts as their sum
(``skipped`` is a mapping of reasons), a list as its length.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mlp_cli.errors import CheckFailed, RecipeError
from mlp_cli.io.atomic import write_text_atomic
from mlp_cli.recipe.base import Check

MISSING = object()


def parse_figure(figure: str) -> list[str]:
    """The one or two operands of a figure; a RecipeError when it is not ``path`` or ``a / b``."""
    parts = [p.strip() for p in figure.split("/")]
    if len(parts) > 2 or not all(parts):
        raise RecipeError(f"figure {figure!r}: write a dotted path or 'a.b / c.d'")
    for part in parts:
        if not all(seg.replace("_", "").replace("-", "").isalnum() for seg in part.split(".")) and not _number(part):
            raise RecipeError(f"figure {figure!r}: {part!r} is neither a dotted path nor a number")
    return parts


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def lookup(sources: list[Any], path: str) -> Any:
    """The first value found at a dotted ``path`` in any of ``sources`` (MISSING when none has it)."""
    for source in sources:
        node = source
        for seg in path.split("."):
            if isinstance(node, dict) and seg in node:
                node = node[seg]
            elif isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
                node = node[int(seg)]
            else:
                node = MISSING
                break
        if node is not MISSING:
            return node
    return MISSING


def as_number(value: Any) -> float | None:
    """A figure as a number: a mapping sums its numbers, a list counts its items."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        numbers = [as_number(v) for v in value.values()]
        return float(sum(n for n in numbers if n is not None))
    if isinstance(value, list):
        return float(len(value))
    return None


def figure_value(figure: str, sources: list[Any]) -> float | None:
    """The value of a figure, or None when one of its paths is not reported."""
    values = []
    for part in parse_figure(figure):
        number = _number(part)
        if number is None:
            number = as_number(lookup(sources, part))
        if number is None:
            return None
        values.append(number)
    if len(values) == 1:
        return values[0]
    top, bottom = values
    if bottom == 0:
        return 0.0 if top == 0 else math.inf
    return top / bottom


def evaluate(check: Check, summary: dict[str, Any], manifest: dict[str, Any] | None, base_dir: Path) -> dict[str, Any]:
    """One check's result: ``{step, figure, value, min, max, passed, message}``."""
    if check.metrics is not None:
        metrics_path = Path(check.metrics)
        metrics_path = metrics_path if metrics_path.is_absolute() else base_dir / metrics_path
        try:
            sources: list[Any] = [json.loads(metrics_path.read_text(encoding="utf-8"))]
        except (OSError, ValueError) as exc:
            sources = []
            problem = f"metrics file {metrics_path} cannot be read: {exc}"
        else:
            problem = ""
    else:
        manifest = manifest or {}
        sources = [summary, manifest, manifest.get("figures", {}), manifest.get("counts", {})]
        problem = ""
    value = figure_value(check.figure, sources) if sources else None
    where = f"step {check.step!r}: " if check.step else ""
    bounds = " and ".join(
        f"{name} {bound:g}" for name, bound in (("min", check.min), ("max", check.max)) if bound is not None
    )
    if value is None:
        passed, message = False, problem or f"{where}check {check.figure!r}: figure not reported"
    else:
        passed = (check.min is None or value >= check.min) and (check.max is None or value <= check.max)
        verdict = "passed" if passed else "failed"
        message = f"{where}check {check.figure!r} {verdict}: value {value:g}" + (f", wanted {bounds}" if bounds else "")
    return {
        "step": check.step,
        "figure": check.figure,
        "value": value,
        "min": check.min,
        "max": check.max,
        "passed": passed,
        "message": message,
    }


def mark_manifest(manifest_path: Path, results: list[dict[str, Any]]) -> None:
    """Record check results in a manifest; a failed one marks the run (its outputs are kept) failed."""
    try:
        body = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    body["checks"] = list(body.get("checks", [])) + results
    body["status"] = "failed" if any(not r["passed"] for r in body["checks"]) else "ok"
    write_text_atomic(manifest_path, json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n")


def failure(results: list[dict[str, Any]]) -> str | None:
    """The message of the failed checks, or None when all passed."""
    failed = [r["message"] for r in results if not r["passed"]]
    if not failed:
        return None
    return f"{len(failed)} check(s) failed: " + "; ".join(failed) + " (outputs kept, manifest marked failed)"


def gate_run(run: Any, report: Any, manifest_path: Path) -> None:
    """Evaluate a command run's own checks (those without ``step``) at the end of ``Run.finish``.

    Results go to the summary (``checks``) and the manifest; a failed check raises CheckFailed.
    """
    model = getattr(run.loaded, "model", None) if run.loaded is not None else None
    checks = [c for c in getattr(model, "checks", None) or [] if c.step is None]
    if not checks or report.dry_run:
        return
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    results = [evaluate(c, report.summary(), manifest, run.loaded.base_dir) for c in checks]
    report.extra["checks"] = list(report.extra.get("checks", [])) + results
    mark_manifest(Path(manifest_path), results)
    message = failure(results)
    if message is not None:
        raise CheckFailed(message, report.summary())
