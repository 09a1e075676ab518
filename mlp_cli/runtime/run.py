"""The run skeleton every command shares: plan, then execute.

A ``Run`` resolves what the command line overrides in a recipe (seed, workers, output,
``on_error``), checks the output against ``--overwrite`` and against every input, opens inputs,
applies the one ``on_error`` policy to bad items and counts them, prints the dry-run plan, keeps
stage timings and writes the manifest. Runners only say what is specific to them: which inputs,
what work (handed to ``run.executor``), which figures.

    run = Run("augment", loaded, options, progress, seed=recipe.seed, workers=recipe.workers,
              on_error=recipe.on_error)
    out = run.output(loaded.output_path(options.out))
    path = run.input(loaded.resolve(recipe.input.path), where=loaded.where(("input", "path")))
    if options.dry_run:
        return run.dry_run({...})
    with run.stage("augment"):
        for done in run.executor.map(task, items): ...
    return run.finish(recipe=recipe.resolved())
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from mlp_cli.errors import BadItem, InputDataError, UsageError, suggest
from mlp_cli.io.atomic import atomic_dir, atomic_file, check_writable, remove_partial
from mlp_cli.io.manifest import RunReport, manifest_path_for, write_manifest
from mlp_cli.pipeline.checks import gate_run
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.executor import Executor, LocalExecutor
from mlp_cli.runtime.options import NullProgress, Progress, RunOptions
from mlp_cli.runtime.parallel import resolve_workers
from mlp_cli.runtime.ray_engine import RayExecutor
from mlp_cli.runtime.resume import Checkpoint

SKIP_HOW = "set 'on_error: skip' in the recipe (or pass --on-error skip)"
ENGINES = ("local", "ray")


def executor_for(engine: str, workers: int, address: str | None = None, resources: Any = None) -> Executor:
    """The executor of an engine name (Ray itself is imported only when its engine runs).

    ``resources`` is a recipe's ``ray:`` section (``recipe.base.RayResources``): what each Ray
    task reserves and how many items it gets. The local engine has no use for it.
    """
    if engine == "local":
        return LocalExecutor(workers)
    if engine == "ray":
        if resources is None:
            return RayExecutor(workers, address)
        return RayExecutor(
            workers,
            address,
            num_cpus=resources.num_cpus,
            num_gpus=resources.num_gpus,
            batch_size=resources.batch_size,
        )
    raise UsageError(f"unknown engine {engine!r}; accepted: {', '.join(ENGINES)}{suggest(engine, list(ENGINES))}")


class Run:
    """One run of a command over a recipe. See the module docstring for the shape of a runner.

    Attributes:
        seed, workers, on_error: the recipe's values with the command line's overrides applied.
        report: counts and figures; becomes the manifest and the ``--json`` summary.
        executor: where per-item work runs (``LocalExecutor`` today).
        inputs: every input opened, checksummed in the manifest.
        out: the output, once ``output()`` has resolved it.
    """

    def __init__(
        self,
        command: str,
        loaded: LoadedRecipe | None,
        options: RunOptions,
        progress: Progress | None = None,
        *,
        seed: int | None = None,
        workers: int | None = None,
        on_error: str = "fail",
        engine: str = "local",
        items: str = "rows",
        executor: Executor | None = None,
    ):
        self.started = time.perf_counter()
        self.command = command
        self.loaded = loaded
        self.options = options
        self.progress: Progress = progress or NullProgress()
        self.seed = options.seed if options.seed is not None else seed
        self.workers = resolve_workers(options.workers if options.workers is not None else workers)
        self.on_error = options.on_error or on_error
        self.items = items  # what the items are called in messages: rows, images, anchors
        # the command line's engine, else the recipe's (every recipe kind has an ``engine`` key)
        engine = options.engine or getattr(loaded.model if loaded else None, "engine", None) or engine
        # the recipe's ``ray:`` section (every recipe kind has one): per-task resources on Ray
        self.resources = getattr(loaded.model if loaded else None, "ray", None)
        self.executor: Executor = executor or executor_for(engine, self.workers, options.ray_address, self.resources)
        self.report = RunReport(command=command)
        self.inputs: list[Path] = []  # checksummed in the manifest
        self._opened: list[Path] = []  # every input, kept apart from the output
        self.out: Path | None = None
        self.timings: dict[str, float] = {}

    # ---- plan ---------------------------------------------------------------------------------

    def fewer_workers(self, workers: int) -> None:
        """Use at most ``workers`` local processes where more cannot pay off (a small input).

        Output never depends on the worker count, so this changes speed only; a cluster engine
        is left as it is.
        """
        if self.executor.engine == "local" and workers < self.workers:
            self.workers = max(1, workers)
            self.executor = LocalExecutor(self.workers)

    def output(self, path: Path, *, folder: bool = False, resumable: bool = False) -> Path:
        """Claim ``path`` as the output: it must be new (or ``--overwrite``) and not an input.

        ``folder`` outputs (image sets, curriculum stages) may not lie inside an input folder,
        and a folder output may not be an existing file. The partial work an interrupted run
        left for ``path`` is removed, with a note, unless ``--resume`` continues it (which only
        ``resumable`` runners can).
        """
        path = Path(path)
        if folder and path.is_file():
            raise UsageError(f"{path}: is a file; this command writes a folder")
        self.out = path
        for source in self._opened:
            self._check_apart(source)
        check_writable(path, self.options.overwrite)
        if self.options.resume and not resumable:
            raise UsageError(
                f"--resume: this {self.command} run cannot continue an interrupted one "
                "(it writes its output whole); rerun without --resume"
            )
        if not self.options.resume and not self.options.dry_run:
            size = remove_partial(path)
            if size is not None:
                self.progress.note(
                    f"removed the partial output an interrupted run left for {path} ({size / 1e6:.1f} MB); "
                    "pass --resume to continue such a run instead"
                )
        self.report.outputs = [str(path)]
        return path

    def input(
        self, path: Path | None, *, where: str | None = None, what: str = "input file", checksum: bool = True
    ) -> Path:
        """Open an input: it must exist and not be the output; it is checksummed in the manifest.

        ``where`` names the recipe field the path came from, so a missing file points at it.
        ``checksum=False`` is for inputs hashed item by item elsewhere (an image folder).
        """
        if path is None:
            raise UsageError(f"no {what} given" + (f" (at {where})" if where else ""))
        path = Path(path)
        if not path.exists():
            raise InputDataError(f"{path}: {what} not found" + (f" (from {where})" if where else ""))
        if self.out is not None:
            self._check_apart(path)
        self._opened.append(path)
        if checksum and path not in self.inputs:
            self.inputs.append(path)
        return path

    def _check_apart(self, source: Path) -> None:
        assert self.out is not None
        out, src = self.out.resolve(), source.resolve()
        if out == src:
            raise UsageError(f"{self.out}: the output would replace the input {source}; choose another --out")
        if src.is_dir() and out.is_relative_to(src):
            raise UsageError(f"{self.out}: the output is inside the input folder {source}; choose another --out")
        if out.is_dir() and src.is_relative_to(out) and self.options.overwrite:
            raise UsageError(f"{self.out}: --overwrite would delete the input {source} inside it; choose another --out")

    def dry_run(self, plan: dict[str, Any]) -> RunReport:
        """Report what would run (``--dry-run``) and write nothing."""
        self.report.dry_run = True
        self.report.extra["plan"] = plan
        self.report.outputs = []
        self.report.seconds = time.perf_counter() - self.started
        return self.report

    # ---- execute ------------------------------------------------------------------------------

    def bad(
        self,
        item: BadItem,
        *,
        fix: str = "Fix the row",
        skip_how: str = SKIP_HOW,
    ) -> None:
        """Apply the ``on_error`` policy to one bad item: fail the run naming it, or count it."""
        self.report.bad_item(
            self.on_error, item.location, item.reason, item.detail, fix=fix, skip_how=skip_how, what=self.items
        )

    @contextmanager
    def writing(self, out: Path, fingerprint: dict[str, Any], *, folder: bool = False) -> Iterator[tuple[Path, Checkpoint]]:
        """Where a resumable output is written (its partial file or folder, renamed into place when
        the block ends without error) and its checkpoint, continued under ``--resume``."""
        checkpoint = Checkpoint(out, fingerprint, resume=self.options.resume, note=self.progress.note)
        atomic = atomic_dir if folder else atomic_file
        with atomic(out, self.options.overwrite, resume=self.options.resume) as tmp, closing(checkpoint):
            yield tmp, checkpoint

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage ("setup", "search", "write"); timings go to the manifest."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    def finish(
        self,
        *,
        recipe: dict[str, Any] | None,
        manifest: Path | None = None,
        recipe_path: str | None = None,
    ) -> RunReport:
        """Note skipped items, write the manifest beside the output and return the report."""
        report = self.report
        report.seconds = time.perf_counter() - self.started
        if self.executor.engine != "local":  # the cluster, and what each task asked of it
            report.extra["engine"] = self.executor.describe()
        if report.skipped:
            first = f"; first at {report.skipped_examples[0]['location']}" if report.skipped_examples else ""
            self.progress.note(
                f"skipped {sum(report.skipped.values())} bad input {self.items} "
                + ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped.items()))
                + first
            )
        if manifest is None:
            assert self.out is not None, "output() first"
            manifest = manifest_path_for(self.out)
        write_manifest(
            manifest,
            report,
            recipe=recipe,
            recipe_path=recipe_path if recipe_path is not None else (str(self.loaded.path) if self.loaded else None),
            inputs=self.inputs,
            seed=self.seed,
            timings={**self.timings, "total": report.seconds},
            overrides=self.options,
            workers=self.workers,
            engine=self.executor.engine,
        )
        gate_run(self, report, manifest)  # the recipe's checks: exit code 3 when one fails
        return report
