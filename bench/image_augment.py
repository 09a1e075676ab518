"""Benchmark `mlp augment` on images against a hand-written loop doing the same work.

Run by hand:  .venv/bin/python bench/image_augment.py [--images 200] [--large 2000] [--copies 1]

The eight photos of ../shared/data/images are repeated (as links) into a folder of N source
images. A typical recipe (RandomResizedCrop(224), horizontal flip, ColorJitter, JPEG output) runs
through the real command (a subprocess, as a user runs it) with 1 and 2 workers; the loop does
PIL open, the same v2 transforms and a JPEG save in one process. Peak RSS of `mlp augment` is
taken at N and at --large images to show that memory stays flat as the input grows.

Goals (issue 3): >= 0.9x the loop's rate with 1 worker, >= 1.7x with 2 workers, peak RSS flat.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "images"
MLP = Path(sys.executable).parent / "mlp"

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


def plain_loop(folder: Path, out: Path, copies: int) -> float:
    """The reference: PIL open, the same v2 transforms, JPEG save, one process. Returns seconds."""
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
    started = time.perf_counter()
    for n, path in enumerate(files):
        with Image.open(path) as im:
            image = im.convert("RGB")
        for copy in range(1, copies + 1):
            torch.manual_seed(n * 1000 + copy)
            pipeline(image).save(out / f"{path.stem}__aug{copy}.jpg", quality=90)
    return time.perf_counter() - started


def run_mlp(recipe: Path, workers: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the mlp process and its workers) for one `mlp augment` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([str(MLP), "augment", str(recipe), "--workers", str(workers), "--quiet", "--overwrite"], check=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200, help="source images for the speed runs")
    parser.add_argument("--large", type=int, default=2000, help="source images for the memory run (0: skip)")
    parser.add_argument("--copies", type=int, default=1, help="augmented copies per source image")
    args = parser.parse_args()
    if not PHOTOS.is_dir():
        sys.exit(f"no photos at {PHOTOS}")
    scratch = Path(tempfile.mkdtemp(prefix="mlp-bench-images-"))
    try:
        small = make_folder(scratch, args.images)
        outputs = args.images * args.copies

        loop_seconds = plain_loop(small, scratch / "loop-out", args.copies)
        loop_rate = outputs / loop_seconds

        rows = []
        recipe = scratch / "recipe.yaml"
        recipe.write_text(RECIPE.format(input=small, output=scratch / "mlp-out", copies=args.copies))
        # Startup (interpreter, torch import, recipe check) measured once on a one-image run and
        # reported apart: it does not grow with the data set.
        one = make_folder(scratch / "one", 1)
        start_recipe = scratch / "one.yaml"
        start_recipe.write_text(RECIPE.format(input=one, output=scratch / "one-out", copies=1))
        startup, _ = run_mlp(start_recipe, 1)
        rates = {}
        for workers in (1, 2):
            seconds, peak = run_mlp(recipe, workers)
            rates[workers] = outputs / max(seconds - startup, 1e-9)
            rows.append((workers, seconds, peak))

        print(f"# {args.images} source images x {args.copies} copies, {os.cpu_count()} cores; startup {startup:.2f} s excluded")
        print(f"{'what':36} {'value':>12}  goal")
        print(f"{'plain loop (1 process), images/s':36} {loop_rate:12.1f}  -")
        for workers, seconds, _peak in rows:
            ratio = rates[workers] / loop_rate
            goal = 0.9 if workers == 1 else 1.7
            mark = "ok" if ratio >= goal else "MISSED"
            print(f"{f'mlp --workers {workers}, images/s':36} {rates[workers]:12.1f}  -")
            print(f"{f'  end to end incl. startup, images/s':36} {outputs / seconds:12.1f}  -")
            print(f"{f'  ratio to loop':36} {ratio:12.2f}  >= {goal}  {mark}")
        if args.large:
            mem = []
            for count in (args.images, args.large):
                folder = make_folder(scratch / f"mem-{count}", count)
                mem_recipe = scratch / f"mem-{count}.yaml"
                mem_recipe.write_text(RECIPE.format(input=folder, output=scratch / f"mem-out-{count}", copies=args.copies))
                result = subprocess.run(
                    [sys.executable, __file__, "--peak-of", str(mem_recipe)], check=True, capture_output=True, text=True
                )
                mem.append((count, float(result.stdout.strip())))
            for count, peak in mem:
                print(f"{f'peak RSS at {count} images, MB':36} {peak:12.0f}  flat")
            growth = mem[1][1] / mem[0][1]
            print(f"{'  growth':36} {growth:12.2f}  <= 1.10  {'ok' if growth <= 1.10 else 'MISSED'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peak-of":
        # A fresh process per measurement: RUSAGE_CHILDREN keeps the maximum over all children.
        subprocess.run([str(MLP), "augment", sys.argv[2], "--workers", "1", "--quiet"], check=True)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    else:
        main()
