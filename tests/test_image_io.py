"""Image inputs: scanning folders and lists, safe loading of real-world files, colour conversion, encoding."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mlp_cli.errors import BadItem
from mlp_cli.io.images import (
    ImageItem,
    encode_image,
    folder_items,
    list_items,
    load_image,
    output_format,
    scan_folder,
)
from mlp_cli.io.rows import RowSource
from tests.conftest import write_jsonl

BIG = 10_000_000


def _save(path: Path, image: Image.Image, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **kwargs)
    return path


def _rgb(width: int = 40, height: int = 30) -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


# --- loading real-world files ------------------------------------------------------------------


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 10, 20))  # blue band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = _save(tmp_path / "phone.jpg", image, exif=exif.tobytes(), quality=95)
    loaded = load_image(path, BIG)
    assert loaded.image.size == (20, 40)  # upright: portrait
    top = np.asarray(loaded.image)[:5].mean(axis=(0, 1))
    assert top[2] > 200 and top[0] < 60  # the left band is now at the top


def test_palette_with_transparency_is_flattened_on_white(tmp_path):
    image = Image.new("P", (10, 10), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 5, 10))
    path = _save(tmp_path / "p.png", image, transparency=0)
    loaded = load_image(path, BIG)
    assert loaded.image.mode == "RGB" and loaded.format == "PNG"
    pixels = np.asarray(loaded.image)
    assert tuple(pixels[0, 0]) == (255, 0, 0)
    assert tuple(pixels[0, 9]) == (255, 255, 255)  # the transparent colour became white


def test_rgba_is_composited_on_white(tmp_path):
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    image.putpixel((0, 0), (0, 0, 0, 255))
    loaded = load_image(_save(tmp_path / "a.png", image), BIG)
    pixels = np.asarray(loaded.image)
    assert tuple(pixels[0, 0]) == (0, 0, 0) and tuple(pixels[3, 3]) == (255, 255, 255)


@pytest.mark.parametrize("mode", ["L", "1", "CMYK", "LA"])
def test_other_modes_become_rgb(tmp_path, mode):
    image = _rgb().convert(mode)
    suffix = ".jpg" if mode == "CMYK" else ".png"
    loaded = load_image(_save(tmp_path / f"x{suffix}", image), BIG)
    assert loaded.image.mode == "RGB" and loaded.image.size == image.size


def test_sixteen_bit_grey_is_scaled_to_eight_bit(tmp_path):
    values = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    path = _save(tmp_path / "deep.png", Image.fromarray(values))
    loaded = load_image(path, BIG)
    assert np.asarray(loaded.image)[0, :, 0].tolist() == [0, 1, 128, 255]


def test_float_grey_is_clipped(tmp_path):
    values = np.array([[-5.0, 100.4, 300.0]], dtype=np.float32)
    path = _save(tmp_path / "float.tif", Image.fromarray(values, mode="F"))
    assert np.asarray(load_image(path, BIG).image)[0, :, 0].tolist() == [0, 100, 255]


def test_source_bytes_are_hashed(tmp_path):
    import hashlib

    path = _save(tmp_path / "x.png", _rgb())
    assert load_image(path, BIG).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def _broken(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.jpg"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("this is not an image\n")
    elif case == "fake-header":
        path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    elif case == "truncated":
        buf = io.BytesIO()
        _rgb(200, 150).save(buf, "JPEG", quality=95)
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif case == "truncated-png":
        path = tmp_path / "t.png"
        buf = io.BytesIO()
        _rgb(200, 150).save(buf, "PNG")
        path.write_bytes(buf.getvalue()[:300])
    return path


@pytest.mark.parametrize(
    "case, reason",
    [
        ("empty", "empty file"),
        ("text", "not an image"),
        ("fake-header", "corrupt image"),
        ("truncated", "corrupt image"),
        ("truncated-png", "corrupt image"),
    ],
)
def test_broken_files_raise_a_reason(tmp_path, case, reason):
    with pytest.raises(BadItem) as info:
        load_image(_broken(tmp_path, case), BIG)
    assert info.value.reason == reason and info.value.detail


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(BadItem, match="missing file"):
        load_image(tmp_path / "nope.jpg", BIG)
    (tmp_path / "d.jpg").mkdir()
    with pytest.raises(BadItem, match="not an image"):
        load_image(tmp_path / "d.jpg", BIG)


def test_images_over_the_pixel_limit_are_refused_before_decoding(tmp_path):
    path = _save(tmp_path / "big.png", Image.new("L", (100, 100)))
    with pytest.raises(BadItem) as info:
        load_image(path, max_pixels=9_999)
    assert info.value.reason == "too many pixels" and "100x100" in info.value.detail
    assert load_image(path, max_pixels=10_000).image.size == (100, 100)


def test_a_decompression_bomb_header_is_refused(tmp_path):
    # A PNG header that claims 100,000 x 100,000 pixels: must be refused from the header alone.
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(BadItem) as info:
        load_image(path, max_pixels=89_478_485)
    assert info.value.reason == "too many pixels"


# --- folders and lists ------------------------------------------------------------------------


def test_scan_folder_recurses_sorts_skips_hidden_and_counts_others(tmp_path):
    for rel in ["b/2.png", "b/1.jpg", "a/deep/x.JPG", "top.webp", ".hidden/z.png", "a/.DS_Store"]:
        _save(tmp_path / rel, _rgb(), format="PNG")
    (tmp_path / "a" / "notes.txt").write_text("hi")
    files, ignored = scan_folder(tmp_path)
    assert files == ["top.webp", "a/deep/x.JPG", "b/1.jpg", "b/2.png"]  # a folder's files, then its subfolders
    assert ignored == 1
    items = list(folder_items(tmp_path, files))
    assert [(i.label, i.out_dir, i.stem, i.key) for i in items] == [
        (None, "", "top", "top.webp"),
        ("a", "a/deep", "x", "a/deep/x.JPG"),
        ("b", "b", "1", "b/1.jpg"),
        ("b", "b", "2", "b/2.png"),
    ]
    assert items[1].path == tmp_path / "a/deep/x.JPG"


def test_list_items_resolve_paths_and_use_labels(tmp_path):
    listing = write_jsonl(
        tmp_path / "list.jsonl",
        [
            {"path": "imgs/cat1.jpg", "label": "cat"},
            {"path": "imgs/sub/dog.png"},
            {"path": "/abs/where/x.png"},
            {"path": "../up/y.png"},
            {"file": "z.png"},
            {"path": "q.png", "label": "../evil"},
            {"path": "r.png", "label": 3},
        ],
    )
    items = list(list_items(RowSource(listing), "path", "label"))
    assert isinstance(items[0], ImageItem) and items[0].out_dir == "cat" and items[0].path == tmp_path / "imgs/cat1.jpg"
    assert isinstance(items[1], BadItem) and "no label" in items[1].detail
    assert isinstance(items[4], BadItem) and items[4].reason == "missing field" and "list.jsonl:5" in items[4].location
    assert isinstance(items[5], BadItem) and items[5].reason == "bad label"
    assert isinstance(items[6], ImageItem) and items[6].label == "3"
    unlabelled = list(list_items(RowSource(listing), "path", None))
    assert [i.out_dir for i in unlabelled[:4]] == ["imgs", "imgs/sub", "", ""]
    assert unlabelled[2].path == Path("/abs/where/x.png") and unlabelled[2].key == "/abs/where/x.png"


def test_csv_lists_work_too(tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("image,cls\na.png,x\nb.png,y\n")
    items = list(list_items(RowSource(listing), "image", "cls"))
    assert [(i.key, i.label) for i in items] == [("a.png", "x"), ("b.png", "y")]
    assert items[0].location.startswith("list.csv:2")


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, magic", [("jpeg", b"\xff\xd8"), ("png", b"\x89PNG"), ("webp", b"RIFF")])
def test_encode_formats_are_deterministic(fmt, magic):
    image = _rgb()
    data = encode_image(image, fmt, 80)
    assert data.startswith(magic) and data == encode_image(image, fmt, 80)
    assert Image.open(io.BytesIO(data)).size == image.size


def test_quality_changes_lossy_output():
    image = _rgb(64, 64)
    assert len(encode_image(image, "jpeg", 20)) < len(encode_image(image, "jpeg", 95))


def test_same_format_keeps_supported_sources_and_falls_back_to_png():
    assert output_format("same", "JPEG") == "jpeg"
    assert output_format("same", "WEBP") == "webp"
    assert output_format("same", "BMP") == "png"
    assert output_format("webp", "JPEG") == "webp"


def test_posix_keys_do_not_depend_on_the_mount_point(tmp_path):
    a, b = tmp_path / "one", tmp_path / "two"
    for root in (a, b):
        _save(root / "cls" / "x.png", _rgb())
    keys = [next(folder_items(r, scan_folder(r)[0])).key for r in (a, b)]
    assert keys == ["cls/x.png", "cls/x.png"]


def test_an_animated_gif_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    loaded = load_image(path, BIG)
    assert loaded.format == "GIF" and tuple(np.asarray(loaded.image)[0, 0]) == (255, 0, 0)
