"""Generate the small sample images under samples/images/ (no downloaded data).

Run: .venv/bin/python samples/make_images.py   (rewrites samples/images/, a few KB per file)

Two classes in ImageFolder layout (``circles/``, ``squares/``), drawn with Pillow from a fixed
seed, in the formats and colour modes real data sets mix: RGB JPEG, palette PNG, grey PNG,
RGBA PNG and WebP.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent / "images"
SIZE = (96, 72)


def _canvas(rng: random.Random) -> Image.Image:
    top = tuple(rng.randrange(120, 255) for _ in range(3))
    bottom = tuple(rng.randrange(0, 120) for _ in range(3))
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1]):
        t = y / (SIZE[1] - 1)
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return image


def _shape(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    draw = ImageDraw.Draw(image)
    w, h = image.size
    r = rng.randrange(14, 26)
    cx, cy = rng.randrange(r, w - r), rng.randrange(r, h - r)
    colour = tuple(rng.randrange(0, 256) for _ in range(3))
    box = [cx - r, cy - r, cx + r, cy + r]
    (draw.ellipse if kind == "circles" else draw.rectangle)(box, fill=colour, outline=(0, 0, 0), width=2)
    return image


def main() -> None:
    rng = random.Random(20261130)
    if OUT.exists():
        shutil.rmtree(OUT)
    for kind in ("circles", "squares"):
        folder = OUT / kind
        folder.mkdir(parents=True)
        images = [_shape(_canvas(rng), kind, rng) for _ in range(5)]
        images[0].save(folder / f"{kind}_1.jpg", quality=85)
        images[1].save(folder / f"{kind}_2.jpg", quality=85)
        images[2].convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(folder / f"{kind}_3.png")
        images[3].convert("L").save(folder / f"{kind}_4.png")
        rgba = images[4].convert("RGBA")
        rgba.putalpha(Image.new("L", SIZE, 200))
        rgba.save(folder / f"{kind}_5.webp", quality=80)
    print(f"wrote {sum(1 for _ in OUT.rglob('*.*'))} images under {OUT}")


if __name__ == "__main__":
    main()
