"""Run a pipeline: each selected step in dependency order, from its cache when unchanged, gated by checks.

Every step runs through the library entry point of its command (``run_augment``, ``run_mine``,
``run_curriculum``) with the pipeline's options; the pipeline itself is one ``Run`` whose
manifest (``DIR/manifest.json``) holds every step's summary and every check.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlp_cli.augment.run import run_augment
from mlp_cli.curriculum.run import run_curriculum
from mlp_cli.errors import CheckFailed, MissingExtra, UsageError
from mlp_cli.io.manifest import RunReport
from mlp_cli.mine.run import run_mine
from mlp_cli.pipeline import cache
from mlp_cli.pipeline.checks import evaluate, failure, mark_manifest
from mlp_cli.pipeline.plan import Graph, out_dir_of, step_output
from mlp_cli.pipeline.report import write_report
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.run import Run

RUNNERS: dict[str, Callable[..., RunReport]] = {
    "augment": run_augment,
    "mine-negatives": run_mine,
    "curriculum": run_curriculum,
}


@dataclasses.dataclass
class Selection:
    """Which steps ``mlp run`` considers and which it re-runs whatever the cache says."""

    only: list[str] = dataclasses.field(default_factory=list)
    until: str | None = None
    force: list[str] = dataclasses.field(default_factory=list)


def default_out(loaded: LoadedRecipe) -> Path:
    """The pipeline's folder: ``output.path``, else ``out/<pipeline name>`` beside the recipe's folder."""
    return out_dir_of(loaded)


def _resolved(step: LoadedRecipe) -> dict[str, Any]:
    resolved = getattr(step.model, "resolved", None)
    return resolved() if resolved is not None else step.model.model_dump(mode="json")


def run_pipeline(
    loaded: LoadedRecipe,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
    selection: Selection = Selection(),
) -> RunReport:
    """Run a loaded pipeline recipe; return its report (the manifest ``DIR/manifest.json``)."""
    recipe = loaded.model
    graph = Graph.of(loaded)
    for name in selection.force:
        if name not in graph.sources:
            raise UsageError(f"--force {name}: unknown step; steps: {', '.join(graph.sources)}")
    chosen = graph.select(selection.only, selection.until)
    out_dir = Path(options.out) if options.out is not None else default_out(loaded)
    run = Run(
        "run", loaded, dataclasses.replace(options, overwrite=True), progress, seed=recipe.seed, workers=recipe.workers
    )
    if out_dir.is_file():
        raise UsageError(f"{out_dir}: is a file; mlp run writes a folder")
    run.out = out_dir
    run.report.outputs = [str(out_dir)]
    step_options = dataclasses.replace(
        options,
        out=None,
        input=None,
        overwrite=True,
        seed=options.seed if options.seed is not None else recipe.seed,
        workers=options.workers if options.workers is not None else recipe.workers,
        engine=options.engine or recipe.engine,
        dry_run=False,
    )
    outputs = {name: step_output(src.raw, out_dir, name) for name, src in graph.sources.items()}
    steps: dict[str, dict[str, Any]] = {}
    all_checks: list[dict[str, Any]] = []
    run.report.extra.update(
        {"pipeline": str(loaded.path), "out_dir": str(out_dir), "steps": steps, "checks": all_checks}
    )
    failed: str | None = None
    for name in chosen:
        step = graph.resolve(name, outputs)
        if "ray" in recipe.model_fields_set and "ray" not in step.model.model_fields_set:
            step.model.ray = recipe.ray  # the pipeline's per-task resources, unless the step names its own
        settings = {"seed": step_options.seed, "limit": step_options.limit, "on_error": step_options.on_error}
        key = cache.step_key(_resolved(step), step.kind, settings)
        summary, why = cache.lookup(out_dir, name, key)
        if name in selection.force:
            summary, why = None, "--force"
        entry: dict[str, Any] = {"kind": step.kind, "deps": graph.sources[name].deps, "output": str(outputs[name])}
        steps[name] = entry
        if options.dry_run:
            entry["status"] = "cached" if summary is not None else "would run"
            entry["reason"] = why
            continue
        if summary is not None:
            entry.update(status="cached", reason=why, summary=summary)
        else:
            for dep in graph.sources[name].deps:
                if not outputs[dep].exists():
                    raise UsageError(f"step {name!r} needs the output of {dep!r}, which does not exist; run it first")
            runner = RUNNERS[step.kind]
            cache.forget(out_dir, name)
            try:
                report = runner(step, dataclasses.replace(step_options, out=outputs[name]), run.progress)
            except CheckFailed as exc:
                entry.update(status="failed", reason=why, summary=exc.summary or {})
                all_checks += [dict(c, step=name) for c in (exc.summary or {}).get("checks", [])]
                failed = str(exc)
                break
            summary = report.summary()
            entry.update(status="ran", reason=why, summary=summary)
        run.report.items_in += int(summary.get("items_in", 0) or 0) if not graph.sources[name].deps else 0
        results = [
            evaluate(check, summary, _manifest(summary), loaded.base_dir)
            for check in recipe.checks
            if check.step == name
        ]
        all_checks += [dict(c, step=name) for c in summary.get("checks", [])] + results
        if results and entry["status"] == "ran" and summary.get("manifest"):
            mark_manifest(Path(summary["manifest"]), results)
        failed = failure(results)
        if failed is not None:
            entry["status"] = "failed"
            cache.forget(out_dir, name)
            break
        if entry["status"] == "ran":
            cache.store(out_dir, name, key, summary)
        run.report.items_out = int(summary.get("items_out", 0) or 0)
    if options.dry_run:
        return run.dry_run({"out_dir": str(out_dir), "steps": steps})
    run.report.extra["cached"] = [n for n, e in steps.items() if e.get("status") == "cached"]
    run.report.extra["ran"] = [n for n, e in steps.items() if e.get("status") == "ran"]
    run.report.extra["status"] = "failed" if failed else "ok"
    report = run.finish(recipe=recipe.model_dump(mode="json"))
    if failed is not None:
        mark_manifest(Path(report.manifest or out_dir / "manifest.json"), all_checks)
        raise CheckFailed(failed, report.summary())
    report_file = out_dir / "report.html"
    if recipe.report and (run.report.extra["ran"] or not report_file.exists()):  # a cached run stays fast
        try:
            run.report.extra["report"] = write_report(out_dir, report_file)["report"]
        except MissingExtra as exc:
            run.progress.note(f"no report: {exc}")
    return report


def _manifest(summary: dict[str, Any]) -> dict[str, Any] | None:
    path = summary.get("manifest")
    if not path or not Path(path).exists():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))
