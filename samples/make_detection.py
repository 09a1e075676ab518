"""Write samples/detection: a tiny detection + segmentation + keypoint set, as COCO and as YOLO.

Shapes (rectangles, triangles) on gradient backgrounds. Each shape has a box, a polygon, a COCO RLE
mask (the triangles) and three keypoints (its corners). Deterministic: run it again, same bytes.

    python samples/make_detection.py            # writes samples/detection/{coco,yolo}
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

COLOURS = {"rectangle": (220, 40, 40), "triangle": (40, 180, 60)}
WIDTH, HEIGHT = 96, 72


def main(root: Path) -> None:
    import numpy as np
    from pycocotools import mask as mask_utils

    rng = random.Random(0)
    coco_dir, yolo_dir = root / "coco", root / "yolo"
    for d in (coco_dir / "images", yolo_dir / "images", yolo_dir / "labels"):
        d.mkdir(parents=True, exist_ok=True)
    names = list(COLOURS)
    coco = {
        "info": {"description": "mlp sample shapes"},
        "images": [],
        "annotations": [],
        "categories": [
            {
                "id": i + 1,
                "name": n,
                "supercategory": "shape",
                "keypoints": ["a", "b", "c"],
                "skeleton": [[1, 2], [2, 3]],
            }
            for i, n in enumerate(names)
        ],
    }
    for i in range(6):
        base = rng.randint(70, 120)  # a smooth gradient background (compresses to a few hundred bytes)
        ramp = (base + np.arange(HEIGHT)[:, None] * 60 // HEIGHT + np.zeros((1, WIDTH), dtype=int)).astype(np.uint8)
        image = Image.fromarray(np.stack([ramp, ramp, ramp // 2 + 60], -1))
        draw = ImageDraw.Draw(image)
        lines = []
        for k, name in enumerate(names):
            x0 = 6 + k * 44 + rng.randint(0, 8)
            y0 = rng.randint(6, 30)
            w, h = rng.randint(22, 34), rng.randint(18, 34)
            if name == "rectangle":
                poly = [x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h]
                draw.rectangle([x0, y0, x0 + w - 1, y0 + h - 1], fill=COLOURS[name])
                corners = [(x0 + 0.5, y0 + 0.5), (x0 + w - 0.5, y0 + 0.5), (x0 + w - 0.5, y0 + h - 0.5)]
            else:
                poly = [x0, y0 + h, x0 + w / 2, y0, x0 + w, y0 + h]
                draw.polygon([(poly[j], poly[j + 1]) for j in range(0, 6, 2)], fill=COLOURS[name])
                corners = [(x0 + w / 2, y0 + 2), (x0 + 2, y0 + h - 1), (x0 + w - 2, y0 + h - 1)]
            ann = {
                "id": len(coco["annotations"]) + 1,
                "image_id": i + 1,
                "category_id": k + 1,
                "bbox": [x0, y0, w, h],
                "area": w * h if name == "rectangle" else w * h / 2,
                "iscrowd": 0,
                "keypoints": [c for x, y in corners for c in (x, y, 2)],
                "num_keypoints": 3,
            }
            if name == "triangle" and i % 2:  # half the triangles as RLE, as COCO crowd masks are stored
                mask = Image.new("L", (WIDTH, HEIGHT))
                ImageDraw.Draw(mask).polygon([(poly[j], poly[j + 1]) for j in range(0, 6, 2)], fill=1)
                rle = mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))
                ann["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
            else:
                ann["segmentation"] = [poly]
            coco["annotations"].append(ann)
            lines.append(f"{k} " + " ".join(f"{c / (WIDTH if j % 2 == 0 else HEIGHT):.6f}" for j, c in enumerate(poly)))
        name = f"shapes{i}.png"
        image.save(coco_dir / "images" / name)
        image.save(yolo_dir / "images" / name)
        (yolo_dir / "labels" / f"shapes{i}.txt").write_text("\n".join(lines) + "\n")
        coco["images"].append({"id": i + 1, "file_name": f"images/{name}", "width": WIDTH, "height": HEIGHT})
    (coco_dir / "instances.json").write_text(json.dumps(coco, indent=1) + "\n")
    (yolo_dir / "data.yaml").write_text(
        "# YOLO segmentation sample (written by samples/make_detection.py)\n"
        "train: images\nval: images\nnc: 2\nnames: [rectangle, triangle]\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "detection")
