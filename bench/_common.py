"""What the image benchmarks share: timing a real `mlp augment` run and its peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

MLP = Path(sys.executable).parent / "mlp"


def cpu_children() -> float:
    """CPU seconds (user + system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_mlp(recipe: Path, workers: int) -> tuple[float, float, float, float]:
    """One `mlp augment` run: (run seconds, end-to-end seconds, CPU seconds, peak RSS in MB).

    The run's own seconds (from the --json summary) leave out interpreter start-up and the torch
    import, as a loop's timing does; end to end includes them. CPU seconds count the command
    and its workers, start-up included.
    """
    import time

    cpu = cpu_children()
    started = time.perf_counter()
    result = subprocess.run(
        [str(MLP), "augment", str(recipe), "--workers", str(workers), "--json", "--overwrite"],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return summary["seconds"], wall, cpu_children() - cpu, peak


def report_memory(script: str, recipes: list[tuple[int, Path]]) -> None:
    """Print the peak RSS of `mlp augment --workers 1` per (images, recipe), and its growth."""
    mem = []
    for count, recipe in recipes:
        # A fresh process per measurement: RUSAGE_CHILDREN keeps the maximum over all children.
        out = subprocess.run(
            [sys.executable, script, "--peak-of", str(recipe)], check=True, capture_output=True, text=True
        )
        mem.append((count, float(out.stdout.strip())))
    for count, peak in mem:
        print(f"{f'peak RSS at {count} images, MB':44} {peak:10.0f}  flat")
    growth = mem[-1][1] / mem[0][1]
    print(f"{'  growth':44} {growth:10.2f}  <= 1.10  {'ok' if growth <= 1.10 else 'MISSED'}")


def main_or_peak(main) -> None:
    """Run ``main``, or (``--peak-of RECIPE``, used by ``report_memory``) print one run's peak RSS."""
    if len(sys.argv) == 3 and sys.argv[1] == "--peak-of":
        subprocess.run([str(MLP), "augment", sys.argv[2], "--workers", "1", "--quiet"], check=True)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    else:
        main()
