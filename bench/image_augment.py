"""Benchmark `mlp augment` on images against a hand-written loop doing the same work.

Run by hand:  .venv/bin/python bench/image_augment.py [--images 200] [--large 2000] [--copies 1] [--repeat 3]

The eight photos of ../shared/data/images are repeated (as links) into a folder of N source
images. A typical recipe (RandomResizedCrop(224), horizontal flip, ColorJitter, JPEG output) runs
through the real command (a subprocess, as a user runs it) with 1 and 2 workers; the loop does
PIL open, the same v2 transforms and a JPEG save in one process. Peak RSS of `mlp augment` is
taken at N and at --large images to show that memory stays flat as the input grows.

Each speed figure is the best of --repeat runs, so that other work on a shared machine disturbs
it less. Goals (issue 3): >= 0.9x the loop's rate with 1 worker, >= 1.7x with 2 workers, peak RSS flat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import main_or_peak, report_memory, run_mlp

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "images"

RECIPE = """\
version: 1
kind: augment
seed: 0
input: {{path: {input}}}
output: {{path: {output}}}
copies: {copies}
on_error: fail
image: {{format: jpeg, quality: 90}}
transforms:
  - RandomResizedCrop: {{size: 224, antialias: true}}
  - RandomHorizontalFlip
  - ColorJitter: {{brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}}
"""


def make_folder(target: Path, count: int) -> Path:
    """``count`` source images: the photos repeated, hard-linked (or copied) under new names."""
    photos = sorted(p for p in PHOTOS.iterdir() if p.is_file())
    folder = target / f"photos-{count}" / "photos"
    folder.mkdir(parents=True)
    for i in range(count):
        src = photos[i % len(photos)]
        dst = folder / f"{i:05d}_{src.name}"
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy(src, dst)
    return folder.parent


def plain_loop(folder: Path, out: Path, copies: int) -> tuple[float, float]:
    """The reference: PIL open, the same v2 transforms, JPEG save, one process.

    Returns (wall seconds, CPU seconds) of the loop alone (imports done before timing).
    """
    import torch
    from PIL import Image
    from torchvision.transforms import v2

    pipeline = v2.Compose(
        [
            v2.RandomResizedCrop(size=224, antialias=True),
            v2.RandomHorizontalFlip(),
            v2.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
        ]
    )
    out.mkdir(parents=True)
    files = sorted(folder.rglob("*.*"))
    started, cpu = time.perf_counter(), time.process_time()
    for n, path in enumerate(files):
        with Image.open(path) as im:
            image = im.convert("RGB")
        for copy in range(1, copies + 1):
            torch.manual_seed(n * 1000 + copy)
            pipeline(image).save(out / f"{path.stem}__aug{copy}.jpg", quality=90)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200, help="source images for the speed runs")
    parser.add_argument("--large", type=int, default=2000, help="source images for the memory run (0: skip)")
    parser.add_argument("--copies", type=int, default=1, help="augmented copies per source image")
    parser.add_argument("--repeat", type=int, default=3, help="runs per speed figure; the best is kept")
    args = parser.parse_args()
    if not PHOTOS.is_dir():
        sys.exit(f"no photos at {PHOTOS}")
    scratch = Path(tempfile.mkdtemp(prefix="mlp-bench-images-"))
    try:
        small = make_folder(scratch, args.images)
        outputs = args.images * args.copies

        recipe = scratch / "recipe.yaml"
        recipe.write_text(RECIPE.format(input=small, output=scratch / "mlp-out", copies=args.copies))
        one = make_folder(scratch / "one", 1)
        startup_recipe = scratch / "one.yaml"
        startup_recipe.write_text(RECIPE.format(input=one, output=scratch / "one-out", copies=1))
        # Interleaved repeats, best of each: load from other processes hits every variant alike.
        loops, runs, startups = [], {1: [], 2: []}, []
        for i in range(args.repeat):
            loops.append(plain_loop(small, scratch / f"loop-out-{i}", args.copies))
            startups.append(run_mlp(startup_recipe, 1)[2])
            for workers in (1, 2):
                runs[workers].append(run_mlp(recipe, workers))
        loop_rate = outputs / min(w for w, _ in loops)
        loop_cpu = min(c for _, c in loops) / outputs * 1000
        startup_cpu = min(startups)

        print(
            f"# {args.images} source images x {args.copies} copies, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f}, best of {args.repeat}"
        )
        print(f"{'what':44} {'value':>10}  goal")
        print(f"{'plain loop (1 process), images/s':44} {loop_rate:10.1f}  -")
        print(f"{'  CPU ms per image':44} {loop_cpu:10.1f}  -")
        for workers in (1, 2):
            rate = outputs / min(r[0] for r in runs[workers])
            ratio = rate / loop_rate
            goal = 0.9 if workers == 1 else 1.7
            cpu = (min(r[2] for r in runs[workers]) - startup_cpu) / outputs * 1000
            print(f"{f'mlp augment --workers {workers}, images/s':44} {rate:10.1f}  -")
            print(f"{'  ratio to the loop':44} {ratio:10.2f}  >= {goal}  {'ok' if ratio >= goal else 'MISSED'}")
            print(f"{'  CPU ms per image (start-up excluded)':44} {cpu:10.1f}  -")
            print(f"{'  end to end incl. start-up, images/s':44} {outputs / min(r[1] for r in runs[workers]):10.1f}  -")
        print(f"{'mlp start-up (1 image), CPU s':44} {startup_cpu:10.2f}  -")
        if args.large:
            recipes = []
            for count in (args.images, args.large):
                folder = make_folder(scratch / f"mem-{count}", count)
                mem_recipe = scratch / f"mem-{count}.yaml"
                mem_recipe.write_text(
                    RECIPE.format(input=folder, output=scratch / f"mem-out-{count}", copies=args.copies)
                )
                recipes.append((count, mem_recipe))
            report_memory(__file__, recipes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main_or_peak(main)
