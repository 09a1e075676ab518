"""Detection, segmentation and keypoint targets move with the pixels (COCO, YOLO, VOC, masks)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_mlp

pytest.importorskip("torchvision")
np = pytest.importorskip("numpy")
from PIL import Image, ImageDraw  # noqa: E402

from mlp_cli.augment.image.targets import Sanitize, Target, augment_targets  # noqa: E402
from mlp_cli.augment.image.transforms import ImagePipeline, check_transforms  # noqa: E402

COLOURS = [(230, 20, 20), (20, 200, 20), (20, 40, 230)]
W, H = 120, 90

# One transform list per geometric family (the list); nearest interpolation keeps colours exact.
FAMILIES = {
    "hflip": [{"RandomHorizontalFlip": {"p": 1.0}}],
    "vflip": [{"RandomVerticalFlip": {"p": 1.0}}],
    "affine": [{"RandomAffine": {"degrees": 20, "translate": [0.1, 0.1], "scale": [0.8, 1.2], "shear": 5}}],
    "rotation": [{"RandomRotation": {"degrees": 30, "expand": True}}],
    "perspective": [{"RandomPerspective": {"distortion_scale": 0.3, "p": 1.0, "interpolation": 0}}],
    "crop": [{"RandomCrop": {"size": [70, 90], "padding": 6}}],
    "resized_crop": [{"RandomResizedCrop": {"size": [64, 80], "scale": [0.5, 1.0], "interpolation": 0}}],
    "resize": [{"Resize": {"size": [60, 100], "interpolation": 0}}],
    "elastic": [{"ElasticTransform": {"alpha": 15.0, "sigma": 6.0, "interpolation": 0}}],
    "zoom_out": [{"RandomZoomOut": {"side_range": [1.0, 1.6], "p": 1.0}}],
}


def _scene(rng: np.random.Generator):
    """An image with three rectangles of unique colours, and their boxes as targets."""
    image = Image.new("RGB", (W, H), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    targets = []
    for k, colour in enumerate(COLOURS):
        x0 = 4 + k * 38 + int(rng.integers(0, 6))
        y0 = int(rng.integers(4, 40))
        w, h = int(rng.integers(22, 32)), int(rng.integers(22, 44))
        draw.rectangle([x0, y0, x0 + w - 1, y0 + h - 1], fill=colour)
        mask = np.zeros((H, W), np.uint8)
        mask[y0 : y0 + h, x0 : x0 + w] = 1
        targets.append(Target(k, [x0, y0, x0 + w, y0 + h], mask=mask, keypoints=[x0 + w / 2, y0 + h / 2, 2]))
    return image, targets


def _pixels(image, colour):
    a = np.asarray(image.convert("RGB")).astype(int)
    return np.abs(a - np.array(colour)).sum(-1) < 60


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


_PIPELINES: dict[str, ImagePipeline] = {}


def _pipeline(family: str) -> ImagePipeline:
    if family not in _PIPELINES:
        _PIPELINES[family] = ImagePipeline(check_transforms(FAMILIES[family], ("transforms",)))
    return _PIPELINES[family]


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), scene=st.integers(0, 10_000))
def test_boxes_masks_and_keypoints_stay_on_their_pixels(family, seed, scene):
    image, targets = _scene(np.random.default_rng(scene))
    result = augment_targets(_pipeline(family), image, targets, None, seed, Sanitize(0, 0, 0))
    by_label = {t.label: t for t in result.targets}
    for k, colour in enumerate(COLOURS):
        pixels = _pixels(result.image, colour)
        ys, xs = np.nonzero(pixels)
        if len(xs) < 30:  # (almost) left the canvas
            continue
        assert k in by_label, f"{family}: visible rectangle {k} lost its box"
        t = by_label[k]
        pixel_box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert _iou(t.box, pixel_box) >= 0.9, (family, t.box, pixel_box)
        mask = t.mask.astype(bool)
        assert (mask & pixels).sum() / (mask | pixels).sum() >= 0.9, family
        x, y, v = t.keypoints
        if v:  # the keypoint (the rectangle's centre) lands on its rectangle's pixels
            assert pixels[min(int(y), pixels.shape[0] - 1), min(int(x), pixels.shape[1] - 1)], (family, x, y)


def test_keypoints_leaving_the_canvas_become_invisible_not_clipped():
    image = Image.new("RGB", (W, H))
    t = Target(0, [90, 10, 118, 30], keypoints=[115.0, 20.0, 2, 95.0, 20.0, 2])
    pipeline = ImagePipeline(check_transforms([{"RandomAffine": {"degrees": 0, "translate": [0.1, 0.0]}}], ("t",)))
    for seed in range(40):
        out = augment_targets(pipeline, image, [t], None, seed, Sanitize(0, 0, 0))
        for target in out.targets:
            for x, y, v in zip(target.keypoints[0::3], target.keypoints[1::3], target.keypoints[2::3], strict=False):
                assert (v == 0 and x == 0 and y == 0) or (0 <= x < W and 0 <= y < H)
    # translated by up to 12 px to the right, the first point leaves for some seed
    assert any(
        augment_targets(pipeline, image, [t], None, s, Sanitize(0, 0, 0)).targets[0].keypoints[2] == 0
        for s in range(40)
    )


# --- end to end through the mlp command ------------------------------------------------------


def _yolo(root: Path, n: int = 4, seg: bool = False) -> Path:
    rng = np.random.default_rng(1)
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(n):
        image, targets = _scene(rng)
        image.save(root / "images" / f"s{i}.png")
        lines = []
        for t in targets:
            x0, y0, x1, y1 = t.box
            if seg:
                lines.append(
                    f"{t.label} "
                    + " ".join(f"{c:.6f}" for c in (x0 / W, y0 / H, x1 / W, y0 / H, x1 / W, y1 / H, x0 / W, y1 / H))
                )
            else:
                lines.append(
                    f"{t.label} {(x0 + x1) / 2 / W:.6f} {(y0 + y1) / 2 / H:.6f} {(x1 - x0) / W:.6f} {(y1 - y0) / H:.6f}"
                )
        (root / "labels" / f"s{i}.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text("names: [red, green, blue]\nnc: 3\n")
    return root


def _recipe(tmp: Path, inp: Path, out: Path, transforms=None, **extra) -> Path:
    body = {
        "version": 1,
        "kind": "augment",
        "seed": 3,
        "input": {"path": str(inp)},
        "output": {"path": str(out)},
        "copies": 2,
        "image": {"format": "png"},
        "transforms": transforms or FAMILIES["affine"] + FAMILIES["hflip"],
        **extra,
    }
    path = tmp / f"recipe-{out.name}.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def _tree(out: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"):
        h.update(str(f.relative_to(out)).encode() + f.read_bytes())
    return h.hexdigest()


def test_yolo_round_trip_and_identical_bytes_across_workers(tmp_path):
    src = _yolo(tmp_path / "yolo", seg=True)
    outs = {}
    for w in (1, 2):
        r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / f"out{w}"), "--workers", w, "--json")
        assert r.exit_code == 0, r
        outs[w] = _tree(tmp_path / f"out{w}")
    assert outs[1] == outs[2]
    out = tmp_path / "out1"
    assert (out / "data.yaml").read_bytes() == (src / "data.yaml").read_bytes()
    images = sorted((out / "images").glob("*.png"))
    assert len(images) == 8
    for img in images:
        rows = [line.split() for line in (out / "labels" / (img.stem + ".txt")).read_text().splitlines()]
        assert rows and all(len(r) >= 7 and len(r) % 2 == 1 for r in rows)  # polygons stay polygons
        assert all(0 <= float(c) <= 1 for r in rows for c in r[1:])
    provenance = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert provenance[0]["targets"]["in"] == 3 and provenance[0]["transforms"]


def test_coco_round_trip_loads_with_pycocotools(tmp_path):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO

    out = tmp_path / "coco-out"
    r = run_mlp("augment", ROOT / "recipes/detection.yaml", "--out", out, "--json")
    assert r.exit_code == 0, r
    coco = COCO(str(out / "instances.json"))
    assert len(coco.imgs) == 18
    for ann in coco.anns.values():
        image = coco.imgs[ann["image_id"]]
        assert (out / image["file_name"]).is_file()
        assert coco.annToMask(ann).sum() > 0
        assert ann["category_id"] in coco.cats
    kinds = {type(a["segmentation"]).__name__ for a in coco.anns.values()}
    assert kinds == {"list", "dict"}  # polygons and RLE both survive
    assert r.summary["annotations"] == "coco"


def test_sanitize_drops_are_counted_by_reason(tmp_path):
    src = _yolo(tmp_path / "yolo")
    recipe = _recipe(
        tmp_path,
        src,
        tmp_path / "out",
        [{"RandomResizedCrop": {"size": [40, 40], "scale": [0.05, 0.1]}}],
        sanitize={"min_visibility": 0.9, "min_area": 50},
    )
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    dropped = r.summary["targets_dropped"]
    assert sum(dropped.values()) > 0 and set(dropped) <= {
        "outside the canvas",
        "smaller than min_size",
        "smaller than min_area",
        "below min_visibility",
    }


@pytest.mark.parametrize("policy", ["AutoAugment", "RandAugment", "TrivialAugmentWide"])
def test_auto_augment_policies_move_targets_with_their_geometric_operations(policy):
    """torchvision refuses targets for the auto-augment family; mlp applies each geometric op to them.

    Box and mask are transformed separately, so the box must stay the bounding box of its mask;
    a policy draw with colour operations only leaves the boxes where they were.
    """
    pipeline = ImagePipeline(check_transforms([policy], ("transforms",)), targets=True)
    moved = unmoved = 0
    for seed in range(30):
        image, targets = _scene(np.random.default_rng(seed))
        before = {t.label: list(t.box) for t in targets}
        result = augment_targets(pipeline, image, targets, None, seed, Sanitize(0, 0, 0))
        ops = [op["op"] for a in result.applied for op in a.get("params", {}).get("ops", [])]
        geometric = any(op in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate") for op in ops)
        for t in result.targets:
            ys, xs = np.nonzero(t.mask)
            if len(xs) < 30:
                continue
            mask_box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
            assert _iou(t.box, mask_box) >= 0.85, (policy, seed, ops, t.box, mask_box)
            if not geometric:
                assert t.box == pytest.approx(before[t.label], abs=1e-3), (policy, seed, ops)
        if geometric and any(t.box != pytest.approx(before[t.label], abs=0.5) for t in result.targets):
            moved += 1
        elif not geometric:
            unmoved += 1
    assert moved and unmoved  # both kinds of draw were exercised


def test_annotation_mismatches_are_reported_with_file_and_id(tmp_path):
    root = tmp_path / "coco"
    root.mkdir()
    Image.new("RGB", (40, 30)).save(root / "a.png")
    Image.new("RGB", (40, 30)).save(root / "b.png")
    Image.new("RGB", (40, 30)).save(root / "c.png")
    doc = {
        "images": [
            {"id": 4, "file_name": "c.png", "width": 40, "height": 30},
            {"id": 1, "file_name": "a.png", "width": 40, "height": 30},
            {"id": 2, "file_name": "b.png", "width": 40, "height": 30},
            {"id": 3, "file_name": "gone.png", "width": 40, "height": 30},
        ],
        "annotations": [
            {"id": 7, "image_id": 1, "category_id": 9, "bbox": [1, 1, 5, 5]},
            {"id": 8, "image_id": 2, "category_id": 1, "bbox": [30, 20, 30, 30]},
        ],
        "categories": [{"id": 1, "name": "x"}],
    }
    (root / "ann.json").write_text(json.dumps(doc))
    r = run_mlp("augment", _recipe(tmp_path, root / "ann.json", tmp_path / "out"))
    assert r.exit_code != 0 and "annotation 7" in r.stderr and "category_id 9" in r.stderr
    r = run_mlp("augment", _recipe(tmp_path, root / "ann.json", tmp_path / "out2", on_error="skip"), "--json")
    assert r.exit_code == 0, r
    assert set(r.summary["skipped"]) == {"unknown category", "box outside the image", "missing image file"}
    assert "annotation 8" in (tmp_path / "out2/manifest.json").read_text()
    assert sorted(p.name for p in (tmp_path / "out2").glob("*.png")) == ["c__aug1.png", "c__aug2.png"]


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({"width": None, "height": 30}, "width is null"),
        ({"width": 40, "height": None}, "height is null"),
        ({"width": "40", "height": 30}, 'width is "40"'),
        ({"width": 40.5, "height": 30}, "width is 40.5"),
        ({"width": 40}, "height is missing"),
    ],
)
def test_coco_image_entry_without_a_usable_size_is_a_bad_image_entry(tmp_path, entry, said):
    root = tmp_path / "coco"
    root.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (40, 30)).save(root / name)
    doc = {
        "images": [
            {"id": 1, "file_name": "a.png", "width": 40, "height": 30},
            {"id": 2, "file_name": "b.png", **entry},
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5]},
            {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5]},
        ],
        "categories": [{"id": 1, "name": "x"}],
    }
    (root / "ann.json").write_text(json.dumps(doc))
    r = run_mlp("augment", _recipe(tmp_path, root / "ann.json", tmp_path / "out"))
    assert r.exit_code == 2 and r.exited_cleanly, r
    message = " ".join(r.stderr.split())
    assert "bad image entry" in message and said in message, message
    assert f"{root / 'ann.json'}: $.images[1] (id 2, b.png)" in message, message  # the file and the image entry
    assert not (tmp_path / "out").exists()
    r = run_mlp("augment", _recipe(tmp_path, root / "ann.json", tmp_path / "out2"), "--on-error", "skip", "--json")
    assert r.exit_code == 0 and r.exited_cleanly, r
    assert r.summary["skipped"] == {"bad image entry": 1}
    manifest = (tmp_path / "out2/manifest.json").read_text()
    assert "bad image entry" in manifest and "$.images[1] (id 2, b.png)" in manifest
    assert [im["file_name"] for im in json.loads((tmp_path / "out2/ann.json").read_text())["images"]] == [
        "a__aug1.png",
        "a__aug2.png",
    ]


def test_voc_and_semantic_masks_keep_their_layout(tmp_path):
    voc = tmp_path / "voc"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    image, targets = _scene(np.random.default_rng(5))
    image.save(voc / "JPEGImages" / "a.png")
    objects = "".join(
        f"<object><name>c{t.label}</name><difficult>0</difficult><bndbox><xmin>{t.box[0] + 1}</xmin><ymin>{t.box[1] + 1}</ymin>"
        f"<xmax>{t.box[2]}</xmax><ymax>{t.box[3]}</ymax></bndbox></object>"
        for t in targets
    )
    (voc / "Annotations" / "a.xml").write_text(f"<annotation><filename>a.png</filename>{objects}</annotation>")
    r = run_mlp("augment", _recipe(tmp_path, voc, tmp_path / "voc-out", FAMILIES["hflip"]), "--json")
    assert r.exit_code == 0, r
    assert r.summary["annotations"] == "voc"
    xml = (tmp_path / "voc-out/Annotations/a__aug1.xml").read_text()
    t = targets[0]
    assert f"<xmin>{W - t.box[2] + 1}</xmin>" in xml and xml.count("<object>") == 3

    masks = tmp_path / "seg"
    (masks / "images").mkdir(parents=True)
    (masks / "masks").mkdir()
    image.save(masks / "images" / "a.png")
    Image.fromarray(np.stack([t.mask * (t.label + 1) for t in targets]).max(0).astype(np.uint8), "L").save(
        masks / "masks" / "a.png"
    )
    r = run_mlp("augment", _recipe(tmp_path, masks, tmp_path / "seg-out", FAMILIES["affine"]), "--json")
    assert r.exit_code == 0, r
    out_image = Image.open(tmp_path / "seg-out/images/a__aug1.png")
    out_mask = np.asarray(Image.open(tmp_path / "seg-out/masks/a__aug1.png"))
    for k, colour in enumerate(COLOURS):
        pixels = _pixels(out_image, colour)
        got = out_mask == k + 1
        assert (pixels & got).sum() / max(1, (pixels | got).sum()) >= 0.9


def test_voc_missing_elements_are_named_in_the_bad_annotation(tmp_path):
    from mlp_cli.augment.image.formats import VocDataset

    voc = tmp_path / "voc"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    Image.new("RGB", (8, 8)).save(voc / "JPEGImages" / "a.jpg")
    bodies = {
        "a_no_bndbox.xml": "<object><name>c</name></object>",
        "b_no_xmin.xml": "<object><name>c</name><bndbox><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>",
        "c_no_width.xml": "<size><height>8</height></size>",
    }
    for name, body in bodies.items():
        (voc / "Annotations" / name).write_text(f"<annotation><filename>a.jpg</filename>{body}</annotation>")
    bad = list(VocDataset(voc).items())
    assert [(b.reason, b.detail, b.location) for b in bad] == [
        ("bad annotation", f"not a readable VOC file: {detail}", str(voc / "Annotations" / name))
        for name, detail in zip(
            bodies,
            ["annotation 0: <object> has no <bndbox>", "annotation 0: <bndbox> has no <xmin>", "<size> has no <width>"],
            strict=True,
        )
    ]


@pytest.mark.parametrize(
    ("name", "said"), [("", "<object> has no <name>"), ("<name> </name>", "<object> has an empty <name>")]
)
def test_voc_object_without_a_name_is_a_bad_annotation_not_none(tmp_path, name, said):
    voc = tmp_path / "voc"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    box = "<bndbox><xmin>2</xmin><ymin>2</ymin><xmax>9</xmax><ymax>9</ymax></bndbox>"
    for stem, second in (("a", f"<object><name>c</name>{box}</object>"), ("b", f"<object>{name}{box}</object>")):
        Image.new("RGB", (16, 16)).save(voc / "JPEGImages" / f"{stem}.png")
        (voc / "Annotations" / f"{stem}.xml").write_text(
            f"<annotation><filename>{stem}.png</filename><object><name>c</name>{box}</object>{second}</annotation>"
        )
    r = run_mlp("augment", _recipe(tmp_path, voc, tmp_path / "out", FAMILIES["hflip"]))
    assert r.exit_code == 2 and r.exited_cleanly, r
    message = " ".join(r.stderr.split())
    assert str(voc / "Annotations" / "b.xml") in message and f"annotation 1: {said}" in message, message
    assert not (tmp_path / "out").exists()
    r = run_mlp("augment", _recipe(tmp_path, voc, tmp_path / "out2", FAMILIES["hflip"]), "--on-error", "skip", "--json")
    assert r.exit_code == 0 and r.exited_cleanly, r
    assert r.summary["skipped"] == {"bad annotation": 1}
    assert "b.xml" in (tmp_path / "out2/manifest.json").read_text()
    written = sorted(p.name for p in (tmp_path / "out2/Annotations").glob("*.xml"))
    assert written == ["a__aug1.xml", "a__aug2.xml"]
    assert all("<name>None</name>" not in (tmp_path / "out2/Annotations" / x).read_text() for x in written)


def test_yolo_detection_output_reads_back_as_yolo_input(tmp_path):
    src = _yolo(tmp_path / "yolo")
    (src / "data.yaml").write_text("path: /data/original\ntrain: images\nnames: [red, green, blue]\n")
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "once"), "--json")
    assert r.exit_code == 0, r
    kept = yaml.safe_load((tmp_path / "once/data.yaml").read_text())
    assert kept == {"train": "images", "names": ["red", "green", "blue"]}  # no path back to the source
    for label in (tmp_path / "once/labels").glob("*.txt"):
        assert all(len(line.split()) == 5 for line in label.read_text().splitlines())  # boxes stay boxes
    # the output is itself a YOLO dataset (layout detected, data.yaml kept): augment it again
    r = run_mlp("augment", _recipe(tmp_path, tmp_path / "once", tmp_path / "twice", FAMILIES["hflip"]), "--json")
    assert r.exit_code == 0, r
    assert r.summary["annotations"] == "yolo" and r.summary["items_in"] == 8


def _pose(root: Path, kpt_shape: str) -> Path:
    """A YOLO pose dataset (one keypoint per box, at the box's centre) with the given kpt_shape text."""
    src = _yolo(root)
    for label in (src / "labels").glob("*.txt"):
        rows = [line.split() for line in label.read_text().splitlines()]
        label.write_text("".join(" ".join(row + [row[1], row[2], "2"]) + "\n" for row in rows))
    (src / "data.yaml").write_text(f"names: [red, green, blue]\nkpt_shape: {kpt_shape}\n")
    return src


def test_yolo_pose_dataset_with_a_valid_kpt_shape_keeps_its_keypoints(tmp_path):
    src = _pose(tmp_path / "yolo", "[1, 3]")
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "out", FAMILIES["vflip"]), "--json")
    assert r.exit_code == 0, r
    for label in (tmp_path / "out/labels").glob("*.txt"):
        assert all(len(line.split()) == 8 for line in label.read_text().splitlines())  # class, box, x y v


@pytest.mark.parametrize(
    "kpt_shape", ["17", "[17]", "[17, 3, 1]", "[17, '3']", "[17.0, 3]", "[17, 4]", "[0, 3]", "{k: 17}"]
)
def test_yolo_malformed_kpt_shape_is_an_input_error_naming_the_yaml_and_key(tmp_path, kpt_shape):
    src = _pose(tmp_path / "yolo", kpt_shape)
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "out"), "--on-error", "skip")
    assert r.exit_code == 2 and r.exited_cleanly, r  # a dataset-level error: on_error does not apply
    message = " ".join(r.stderr.split())
    assert f"{src / 'data.yaml'}:2: kpt_shape is" in message and "[number of keypoints, dims]" in message, message
    assert not (tmp_path / "out").exists()


def test_yolo_unreadable_data_yaml_is_an_input_error_naming_it(tmp_path):
    src = _yolo(tmp_path / "yolo")
    (src / "data.yaml").write_text("names: [red, green\n")
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "out"))
    assert r.exit_code == 2 and r.exited_cleanly, r
    assert str(src / "data.yaml") in " ".join(r.stderr.split()), r


def test_preview_draws_the_targets(tmp_path):
    src = _yolo(tmp_path / "yolo")
    sheet = tmp_path / "sheet.png"
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "out"), "--preview", sheet, "--json")
    assert r.exit_code == 0, r
    assert r.summary["preview"]["annotations"] == "yolo" and not (tmp_path / "out").exists()
    pixels = np.asarray(Image.open(sheet).convert("RGB")).reshape(-1, 3)
    # box outlines in the preview palette's first colour (no such colour in the source images)
    assert (np.abs(pixels.astype(int) - (255, 64, 64)).sum(-1) < 10).sum() > 100


def test_augmix_is_refused_for_boxes_with_torchvisions_reason(tmp_path):
    src = _yolo(tmp_path / "yolo")
    r = run_mlp("augment", _recipe(tmp_path, src, tmp_path / "out", [{"AugMix": {"severity": 3}}]))
    assert r.exit_code == 2
    assert "AugMix cannot carry" in r.stderr and "torchvision refuses" in r.stderr
    assert ".yaml:" in r.stderr and "transforms[0]" in r.stderr  # names the file, line and field
    assert not (tmp_path / "out").exists()
