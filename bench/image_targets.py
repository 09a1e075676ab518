"""Benchmark `mlp augment` on an annotated (COCO) dataset against a plain loop doing the same work.

Run by hand:  nice .venv/bin/python bench/image_targets.py [--images 300] [--large 5000] [--repeat 2]

A COCO dataset of N synthetic 256x192 PNG images is generated from a fixed seed (three shapes
each, every one with a box and an RLE instance mask). The recipe (RandomHorizontalFlip,
RandomAffine, ColorJitter, PNG output) runs through the real command with 1 and 2 workers; the
loop opens each image, decodes its masks with pycocotools, applies the same v2 transforms to the
image plus ``BoundingBoxes`` and ``Mask``, saves the image, re-encodes the masks and writes one
COCO JSON. Peak RSS of `mlp augment` is taken at --images and at --large source images.

Goals (issue 14): >= 0.9x the loop's images/s on 1 worker, >= 1.7x on 2, memory flat 500 -> 5,000.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from _common import main_or_peak, report_memory, run_mlp

W, H = 256, 192

RECIPE = """\
version: 1
kind: augment
seed: 0
input: {{path: {input}, annotations: coco}}
output: {{path: {output}}}
copies: 1
on_error: fail
image: {{format: png}}
transforms:
  - RandomHorizontalFlip
  - RandomAffine: {{degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1]}}
  - ColorJitter: {{brightness: 0.3, contrast: 0.3}}
"""


def make_coco(target: Path, count: int) -> Path:
    """``count`` images with three shapes each, boxes and RLE masks, as ``instances.json``."""
    import numpy as np
    from PIL import Image, ImageDraw
    from pycocotools import mask as mask_utils

    rng = random.Random(count)
    (target / "images").mkdir(parents=True)
    doc = {"images": [], "annotations": [], "categories": [{"id": k + 1, "name": f"c{k}"} for k in range(3)]}
    templates = []
    for t in range(16):  # a few distinct pictures, repeated (PNG encoding dominates generation)
        im = Image.new("RGB", (W, H), (100 + t * 5, 110, 120))
        draw = ImageDraw.Draw(im)
        anns = []
        for k in range(3):
            x0, y0 = 10 + k * 80 + rng.randint(0, 10), rng.randint(10, 100)
            w, h = rng.randint(30, 60), rng.randint(30, 80)
            draw.rectangle([x0, y0, x0 + w - 1, y0 + h - 1], fill=(200, 40 + 60 * k, 40))
            m = np.zeros((H, W), np.uint8)
            m[y0 : y0 + h, x0 : x0 + w] = 1
            rle = mask_utils.encode(np.asfortranarray(m))
            anns.append(
                {
                    "category_id": k + 1,
                    "bbox": [x0, y0, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()},
                }
            )
        path = target / f"template{t}.png"
        im.save(path)
        templates.append((path, anns))
    for i in range(count):
        path, anns = templates[i % len(templates)]
        name = f"images/{i:05d}.png"
        os.link(path, target / name)
        doc["images"].append({"id": i + 1, "file_name": name, "width": W, "height": H})
        for a in anns:
            doc["annotations"].append({"id": len(doc["annotations"]) + 1, "image_id": i + 1, **a})
    (target / "instances.json").write_text(json.dumps(doc))
    return target / "instances.json"


def plain_loop(coco: Path, out: Path) -> float:
    """The reference: open, decode masks, v2 on image + BoundingBoxes + Mask, save, encode, one JSON."""
    import numpy as np
    import torch
    from PIL import Image
    from pycocotools import mask as mask_utils
    from torchvision import tv_tensors
    from torchvision.transforms import v2
    from torchvision.transforms.v2 import functional as F

    pipeline = v2.Compose(
        [
            v2.RandomHorizontalFlip(),
            v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
            v2.ColorJitter(brightness=0.3, contrast=0.3),
        ]
    )
    doc = json.loads(coco.read_text())
    by_image: dict[int, list] = {}
    for a in doc["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    (out / "images").mkdir(parents=True)
    started = time.perf_counter()
    images, annotations = [], []
    for n, im in enumerate(doc["images"]):
        with Image.open(coco.parent / im["file_name"]) as f:
            image = f.convert("RGB")
        anns = by_image[im["id"]]
        boxes = tv_tensors.BoundingBoxes(
            [[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]] for a in anns],
            format="XYXY",
            canvas_size=(H, W),
        )
        masks = tv_tensors.Mask(
            torch.from_numpy(
                np.stack(
                    [
                        mask_utils.decode(
                            {"size": a["segmentation"]["size"], "counts": a["segmentation"]["counts"].encode()}
                        )
                        for a in anns
                    ]
                )
            )
        )
        torch.manual_seed(n)
        result = pipeline({"image": tv_tensors.Image(F.pil_to_tensor(image)), "boxes": boxes, "masks": masks})
        F.to_pil_image(result["image"].as_subclass(torch.Tensor)).save(out / im["file_name"])
        images.append(im)
        for a, box, m in zip(anns, result["boxes"].tolist(), result["masks"].numpy(), strict=False):
            rle = mask_utils.encode(np.asfortranarray(m))
            annotations.append(
                {
                    **a,
                    "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                    "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()},
                }
            )
    (out / "instances.json").write_text(json.dumps({**doc, "images": images, "annotations": annotations}))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--memory-small", type=int, default=500)
    parser.add_argument("--large", type=int, default=5000, help="source images for the memory run (0: skip)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="mlp-bench-targets-"))
    try:
        coco = make_coco(scratch / "speed", args.images)
        recipe = scratch / "recipe.yaml"
        recipe.write_text(RECIPE.format(input=coco, output=scratch / "mlp-out"))
        loops, runs = [], {1: [], 2: []}
        for i in range(args.repeat):
            loops.append(plain_loop(coco, scratch / f"loop-{i}"))
            for workers in (1, 2):
                runs[workers].append(run_mlp(recipe, workers)[0])
        loop_rate = args.images / min(loops)
        print(
            f"# {args.images} COCO images (3 boxes + RLE masks each), {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f}, best of {args.repeat}"
        )
        print(f"{'what':44} {'value':>10}  goal")
        print(f"{'plain loop (1 process), images/s':44} {loop_rate:10.1f}  -")
        for workers in (1, 2):
            rate = args.images / min(runs[workers])
            goal = 0.9 if workers == 1 else 1.7
            print(f"{f'mlp augment --workers {workers}, images/s':44} {rate:10.1f}  -")
            print(
                f"{'  ratio to the loop':44} {rate / loop_rate:10.2f}  >= {goal}  {'ok' if rate / loop_rate >= goal else 'MISSED'}"
            )
        if args.large:
            recipes = []
            for count in (args.memory_small, args.large):
                c = make_coco(scratch / f"mem-{count}", count)
                r = scratch / f"mem-{count}.yaml"
                r.write_text(RECIPE.format(input=c, output=scratch / f"mem-out-{count}"))
                recipes.append((count, r))
            report_memory(__file__, recipes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main_or_peak(main)
