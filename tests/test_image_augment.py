"""`mlp augment` on images, end to end: layouts, names, manifest, determinism, broken files, preview."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from mlp_cli.augment.image.transforms import ImagePipeline, augment_image, check_transforms
from mlp_cli.io.images import encode_image, load_image
from tests.conftest import ROOT, SHARED_DATA, read_jsonl, run_mlp, write_jsonl

TRANSFORMS = """\
transforms:
  - RandomResizedCrop: {size: 24, scale: [0.5, 1.0], antialias: true}
  - RandomHorizontalFlip
  - RandomApply:
      p: 0.7
      transforms:
        - ColorJitter: {brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}
"""


def _image(seed: int, size: tuple[int, int] = (40, 32)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def make_folder(root: Path, layout: dict[str, int] | None = None) -> Path:
    """Class subfolders of small generated images: {class: count}."""
    layout = layout or {"cat": 3, "dog": 2}
    seed = 0
    for cls, count in layout.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            seed += 1
            _image(seed).save(root / cls / f"{cls}{i}.png")
    return root


def write_recipe(
    path: Path, body: str = "", transforms: str = TRANSFORMS, input: str = "imgs", output: str = "out"
) -> Path:
    path.write_text(
        f"version: 1\nkind: augment\ninput: {{path: {input}}}\noutput: {{path: {output}}}\n{body}{transforms}"
    )
    return path


def tree(path: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file but the run manifest (which holds timings)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture
def project(tmp_path):
    make_folder(tmp_path / "imgs")
    return tmp_path


def test_folder_layout_names_and_manifest(project):
    recipe = write_recipe(project / "r.yaml", "copies: 2\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    out = project / "out"
    s = r.summary
    assert (s["items_in"], s["items_out"], s["skipped"]) == (5, 10, {})
    assert s["manifest"] == str(out / "manifest.json") and s["images_manifest"] == str(out / "manifest.jsonl")
    images = sorted(str(p.relative_to(out)) for p in out.rglob("*.jpg"))
    assert images == [f"cat/cat{i}__aug{k}.jpg" for i in range(3) for k in (1, 2)] + [
        f"dog/dog{i}__aug{k}.jpg" for i in range(2) for k in (1, 2)
    ]
    rows = read_jsonl(out / "manifest.jsonl")
    assert [r["path"] for r in rows] == images
    first = rows[0]
    assert first["source"] == "cat/cat0.png" and first["label"] == "cat" and first["copy"] == 1
    assert first["source_sha256"] == hashlib.sha256((project / "imgs/cat/cat0.png").read_bytes()).hexdigest()
    assert first["sha256"] == hashlib.sha256((out / first["path"]).read_bytes()).hexdigest()
    assert (first["width"], first["height"]) == (24, 24) == Image.open(out / first["path"]).size
    assert first["transforms"][0]["transform"] == "RandomResizedCrop"
    assert isinstance(first["seed"], int)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["items_out"] == 10 and manifest["seed"] == 0
    assert manifest["recipe"]["transforms"][0] == {
        "RandomResizedCrop": {"size": 24, "scale": [0.5, 1.0], "antialias": True}
    }
    assert not list(project.glob(".out.*")), "no temporary folder may be left"


def test_the_recorded_seed_regenerates_the_image_exactly(project):
    recipe = write_recipe(project / "r.yaml", "copies: 3\n")
    assert run_mlp("augment", recipe, "--workers", 2).exit_code == 0
    pipeline = ImagePipeline(check_transforms(json.loads(json.dumps(_recipe_transforms())), ("transforms",)))
    for row in read_jsonl(project / "out/manifest.jsonl"):
        source = load_image(project / "imgs" / row["source"], 10**8).image
        image, applied = augment_image(pipeline, source, row["seed"])
        assert applied == row["transforms"]
        assert hashlib.sha256(encode_image(image, "jpeg", 90)).hexdigest() == row["sha256"]


def _recipe_transforms() -> list:
    import yaml

    return yaml.safe_load(TRANSFORMS)["transforms"]


def test_byte_identical_across_workers_and_runs(project):
    recipe = write_recipe(project / "r.yaml", "copies: 3\nkeep_original: true\n")
    trees = []
    for n, workers in enumerate((1, 2, 2)):
        assert run_mlp("augment", recipe, "--workers", workers, "--out", project / f"o{n}", "--seed", 5).exit_code == 0
        trees.append(tree(project / f"o{n}"))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) == 5 * 4 + 1
    assert run_mlp("augment", recipe, "--out", project / "other", "--seed", 6, "--workers", 1).exit_code == 0
    other = tree(project / "other")
    changed = [k for k in other if k.endswith(".jpg") and "__aug" in k and other[k] != trees[0][k]]
    assert len(changed) == 15, "another seed must give other images"


def test_every_required_transform_is_identical_across_workers(project):
    import yaml

    from tests.test_image_transforms import REQUIRED

    transforms = yaml.safe_dump(
        {"transforms": [{"RandomChoice": {"transforms": list(REQUIRED.values())}}, {"RandomResizedCrop": {"size": 16}}]}
    )
    recipe = write_recipe(project / "r.yaml", "copies: 6\nimage: {format: png}\n", transforms=transforms)
    for workers in (1, 2):
        assert run_mlp("augment", recipe, "--workers", workers, "--out", project / f"o{workers}").exit_code == 0
    assert tree(project / "o1") == tree(project / "o2")
    used = {row["transforms"][0]["transform"] for row in read_jsonl(project / "o1/manifest.jsonl")}
    assert len(used) >= 10, used


def test_keep_original_format_and_quality(project):
    recipe = write_recipe(project / "r.yaml", "copies: 1\nkeep_original: true\nimage: {format: webp, quality: 50}\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    out = project / "out"
    assert sorted(p.name for p in (out / "dog").iterdir()) == [
        "dog0.webp",
        "dog0__aug1.webp",
        "dog1.webp",
        "dog1__aug1.webp",
    ]
    original = [row for row in read_jsonl(out / "manifest.jsonl") if row["copy"] == 0][0]
    assert original["seed"] is None and original["transforms"] == []
    assert Image.open(out / original["path"]).size == (40, 32)
    assert r.summary["items_out"] == 10


def test_format_same_keeps_jpeg_and_png(tmp_path):
    (tmp_path / "imgs").mkdir()
    _image(1).save(tmp_path / "imgs/a.jpg")
    _image(2).save(tmp_path / "imgs/b.png")
    _image(3).save(tmp_path / "imgs/c.bmp")
    recipe = write_recipe(tmp_path / "r.yaml", "image: {format: same}\n")
    assert run_mlp("augment", recipe, "--workers", 1).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if "__aug" in p.name) == [
        "a__aug1.jpg",
        "b__aug1.png",
        "c__aug1.png",
    ]


def test_png_output_without_transforms_is_a_lossless_conversion(tmp_path):
    (tmp_path / "imgs").mkdir()
    _image(1).convert("L").save(tmp_path / "imgs/a.png")
    recipe = write_recipe(tmp_path / "r.yaml", "image: {format: png}\n", transforms="")
    assert run_mlp("augment", recipe, "--workers", 1).exit_code == 0
    out = np.asarray(Image.open(tmp_path / "out/a__aug1.png"))
    assert out.shape == (32, 40, 3)
    assert (out[..., 0] == np.asarray(Image.open(tmp_path / "imgs/a.png"))).all()


BROKEN = {
    "empty.jpg": b"",
    "notes.png": b"hello, I am text",
    "fake.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
}


def _add_broken(folder: Path) -> None:
    for name, data in BROKEN.items():
        (folder / "cat" / name).write_bytes(data)
    good = folder / "cat" / "cat0.png"
    (folder / "cat" / "truncated.png").write_bytes(good.read_bytes()[:200])
    Image.new("L", (300, 300)).save(folder / "dog" / "huge.png")


def test_broken_files_are_skipped_and_counted_by_reason(project):
    _add_broken(project / "imgs")
    recipe = write_recipe(project / "r.yaml", "on_error: skip\nimage: {max_pixels: 50000}\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 2)
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"corrupt image": 2, "empty file": 1, "not an image": 1, "too many pixels": 1}
    assert (r.summary["items_in"], r.summary["items_out"]) == (10, 5)
    manifest = json.loads((project / "out/manifest.json").read_text())
    locations = {e["location"] for e in manifest["skipped_examples"]}
    assert str(project / "imgs/cat/empty.jpg") in locations
    assert not any(
        p.stem.startswith(("empty", "fake", "notes", "truncated", "huge")) for p in (project / "out").rglob("*.jpg")
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_broken_file_fails_the_run_by_default_and_leaves_nothing(project, workers):
    (project / "imgs/dog/zz.jpg").write_bytes(b"")
    recipe = write_recipe(project / "r.yaml")
    r = run_mlp("augment", recipe, "--workers", workers)
    assert r.exit_code == 2, r
    assert "zz.jpg: empty file" in r.stderr and "on_error: skip" in r.stderr
    assert not (project / "out").exists()
    assert not list(project.glob(".out.*")), "the temporary folder must be removed"


def test_ignored_non_image_files_are_counted_not_failed(project):
    (project / "imgs/README.txt").write_text("about the data")
    recipe = write_recipe(project / "r.yaml")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0 and r.summary["ignored_files"] == 1 and r.summary["skipped"] == {}


def test_name_clash_is_reported(project):
    _image(9).save(project / "imgs/cat/cat0.jpg")  # cat0.png is there too: both would write cat0__aug1.jpg
    recipe = write_recipe(project / "r.yaml", "on_error: skip\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0 and r.summary["skipped"] == {"name clash": 1}
    assert read_jsonl(project / "out/manifest.jsonl")[0]["source"] == "cat/cat0.jpg"


def test_same_names_in_different_folders_do_not_clash_but_a_list_entry_twice_does(tmp_path):
    for folder in ("a", "b", "a/sub"):
        (tmp_path / "imgs" / folder).mkdir(parents=True, exist_ok=True)
        _image(len(folder)).save(tmp_path / "imgs" / folder / "x.png")
    recipe = write_recipe(tmp_path / "r.yaml", "on_error: skip\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0 and r.summary["skipped"] == {} and r.summary["items_out"] == 3
    write_jsonl(tmp_path / "list.jsonl", [{"path": "imgs/a/x.png"}, {"path": "imgs/b/x.png"}, {"path": "imgs/a/x.png"}])
    r = run_mlp(
        "augment", recipe, "--json", "--workers", 1, "--input", tmp_path / "list.jsonl", "--out", tmp_path / "o2"
    )
    assert r.exit_code == 0 and r.summary["skipped"] == {"name clash": 1} and r.summary["items_out"] == 2


def test_a_transform_that_fails_on_an_image_follows_on_error(project):
    _image(1, (10, 10)).save(project / "imgs/cat/tiny.png")
    transforms = "transforms:\n  - RandomCrop: {size: 20}\n"
    recipe = write_recipe(project / "r.yaml", "on_error: skip\n", transforms=transforms)
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"transform failed": 1} and r.summary["items_out"] == 5
    recipe = write_recipe(project / "r.yaml", "", transforms=transforms)
    r = run_mlp("augment", recipe, "--overwrite", "--workers", 1)
    assert r.exit_code == 2 and "tiny.png: transform failed: copy 1: ValueError" in r.stderr


def test_all_images_skipped_is_an_error(tmp_path):
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs/a.jpg").write_bytes(b"")
    recipe = write_recipe(tmp_path / "r.yaml", "on_error: skip\n")
    r = run_mlp("augment", recipe, "--workers", 1)
    assert r.exit_code == 2 and "all 1 source images were skipped" in r.stderr
    assert not (tmp_path / "out").exists()


def test_jsonl_list_with_labels(tmp_path):
    make_folder(tmp_path / "pool", {"x": 3})
    write_jsonl(
        tmp_path / "list.jsonl",
        [
            {"file": "pool/x/x0.png", "cls": "cat"},
            {"file": "pool/x/x1.png", "cls": "dog"},
            {"file": "pool/x/missing.png", "cls": "dog"},
            {"file": str(tmp_path / "pool/x/x2.png"), "cls": "dog"},
        ],
    )
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\ninput: {path: list.jsonl, label_field: cls}\noutput: {path: out}\non_error: skip\n"
        "image: {path_field: file}\n" + TRANSFORMS
    )
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"missing file": 1}
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.jpg")) == [
        "cat/x0__aug1.jpg",
        "dog/x1__aug1.jpg",
        "dog/x2__aug1.jpg",
    ]
    assert [row["label"] for row in read_jsonl(tmp_path / "out/manifest.jsonl")] == ["cat", "dog", "dog"]
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["inputs"][0]["sha256"]  # the list file is hashed


def test_csv_list_with_a_bad_row(tmp_path):
    make_folder(tmp_path / "pool", {"x": 2})
    (tmp_path / "list.csv").write_text("path,label\npool/x/x0.png,a\npool/x/x1.png,b,extra\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\ninput: {path: list.csv, label_field: label}\noutput: {path: out}\n" + TRANSFORMS)
    r = run_mlp("augment", recipe, "--workers", 1)
    assert r.exit_code == 2 and "list.csv:3: wrong field count" in r.stderr


def test_existing_output_needs_overwrite(project):
    recipe = write_recipe(project / "r.yaml")
    assert run_mlp("augment", recipe, "--workers", 1).exit_code == 0
    before = tree(project / "out")
    r = run_mlp("augment", recipe, "--workers", 1)
    assert r.exit_code == 2 and "--overwrite" in r.stderr
    assert tree(project / "out") == before
    r = run_mlp("augment", recipe, "--workers", 1, "--overwrite", "--seed", 1)
    assert r.exit_code == 0 and tree(project / "out") != before


@pytest.mark.parametrize("out", ["imgs/inner", "imgs"])
def test_output_inside_the_input_is_refused(project, out):
    recipe = write_recipe(project / "r.yaml", output=out)
    r = run_mlp("augment", recipe, "--overwrite")
    assert r.exit_code == 2 and "input" in r.stderr
    assert len(list((project / "imgs").rglob("*.png"))) == 5


def test_missing_and_empty_inputs(tmp_path):
    recipe = write_recipe(tmp_path / "r.yaml")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "image input not found" in r.stderr and "r.yaml:3" in r.stderr
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs/a.txt").write_text("x")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "no images found" in r.stderr and "1 other files ignored" in r.stderr
    (tmp_path / "list.txt").write_text("a.png\n")
    r = run_mlp("augment", recipe, "--input", tmp_path / "list.txt")
    assert r.exit_code == 2 and "not a text file" in r.stderr


def test_text_steps_with_images_are_a_recipe_error(project):
    recipe = write_recipe(project / "r.yaml", "steps:\n  - augmenter: word-delete\n")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and f"{recipe}:5:1" in r.stderr and "transforms" in r.stderr


def test_limit_and_dry_run(project):
    recipe = write_recipe(project / "r.yaml", "copies: 2\n")
    r = run_mlp("augment", recipe, "--dry-run", "--json")
    assert r.exit_code == 0 and r.summary["dry_run"] and not (project / "out").exists()
    plan = r.summary["plan"]
    assert plan["images"] == 5 and plan["copies"] == 2 and plan["transforms"][1] == "RandomHorizontalFlip"
    r = run_mlp("augment", recipe, "--limit", 2, "--json", "--workers", 1)
    assert r.exit_code == 0 and (r.summary["items_in"], r.summary["items_out"]) == (2, 4)


def test_preview_contact_sheet(project):
    recipe = write_recipe(project / "r.yaml", "copies: 2\n")
    sheet = project / "preview.png"
    r = run_mlp("augment", recipe, "--preview", sheet, "--preview-count", 3, "--limit", 2, "--json")
    assert r.exit_code == 0, r
    assert r.summary["preview"] == {"sources": 2, "versions": 3, "size": list(Image.open(sheet).size)}
    assert r.summary["items_out"] == 6
    assert Image.open(sheet).size == (4 * 196 + 4, 2 * 210 + 4)
    assert not (project / "out").exists(), "a preview writes nothing but the sheet"
    assert (project / "preview.manifest.json").exists()
    r = run_mlp("augment", recipe, "--preview", sheet)
    assert r.exit_code == 2 and "--overwrite" in r.stderr
    r = run_mlp("augment", recipe, "--preview", project / "p.jpg")
    assert r.exit_code == 2 and ".png" in r.stderr


def test_preview_tiles_are_the_images_the_run_writes(project):
    """The preview's k-th version of an image is the run's copy k (same seed, same pipeline)."""
    from mlp_cli.augment.image.run import ImageJob, Variant, _init, _render
    from mlp_cli.io.images import folder_items, scan_folder

    recipe = write_recipe(project / "r.yaml", "copies: 2\nimage: {format: png}\n")
    assert run_mlp("augment", recipe, "--workers", 1).exit_code == 0
    job = ImageJob(check_transforms(_recipe_transforms(), ()), 0, 2, True, "png", 90, 10**8, None)
    _init(job)
    item = next(folder_items(project / "imgs", scan_folder(project / "imgs")[0]))
    variants: list[Variant] = list(_render(job, item))
    assert [v.copy for v in variants] == [0, 1, 2]
    for v in variants[1:]:
        written = (project / "out/cat" / f"cat0__aug{v.copy}.png").read_bytes()
        assert encode_image(v.image, "png", 90) == written


def test_preview_of_a_text_recipe_is_refused(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"text": "hello there"}])
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\ninput: {path: d.jsonl}\nsteps:\n  - augmenter: word-delete\n")
    r = run_mlp("augment", recipe, "--preview", tmp_path / "p.png")
    assert r.exit_code == 2 and "transforms" in r.stderr


def test_the_shipped_recipe_and_starter_run(tmp_path):
    r = run_mlp(
        "augment", ROOT / "recipes/images.yaml", "--out", tmp_path / "out", "--json", "--workers", 1, "--limit", 3
    )
    assert r.exit_code == 0, r
    assert r.summary["items_out"] == 12 and r.summary["skipped"] == {}
    assert {p.parent.name for p in (tmp_path / "out").rglob("*.jpg")} == {"circles"}
    starter = tmp_path / "s.yaml"
    assert run_mlp("recipe", "init", "images", "-o", starter).exit_code == 0
    assert run_mlp("recipe", "validate", starter).exit_code == 0
    make_folder(tmp_path / "train", {"a": 1})
    r = run_mlp("augment", starter, "--json", "--workers", 1)
    assert r.exit_code == 0 and r.summary["items_out"] == 5


def test_recipe_snippets_in_the_docs_validate(tmp_path):
    import re

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs/images.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    for n, block in enumerate(blocks):
        if "version:" not in block:
            block = "version: 1\ninput: {path: train}\n" + block
        recipe = tmp_path / f"snippet{n}.yaml"
        recipe.write_text(block)
        r = run_mlp("recipe", "validate", recipe)
        assert r.exit_code == 0, (block, r.stderr)


def test_sample_images_are_what_the_generator_makes(tmp_path):
    import subprocess
    import sys

    copy = tmp_path / "samples"
    shutil.copytree(ROOT / "samples", copy, ignore=shutil.ignore_patterns("images"))
    subprocess.run([sys.executable, str(copy / "make_images.py")], check=True, capture_output=True)
    assert tree(copy / "images") == tree(ROOT / "samples/images")


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    layout=st.dictionaries(st.sampled_from(["a", "b", "c d", "é"]), st.integers(1, 3), min_size=1, max_size=3),
    copies=st.integers(0, 3),
    keep=st.booleans(),
)
def test_every_source_gives_copies_with_its_label(tmp_path_factory, layout, copies, keep):
    root = tmp_path_factory.mktemp("prop")
    make_folder(root / "imgs", layout)
    recipe = write_recipe(root / "r.yaml", f"copies: {copies}\nkeep_original: {str(keep).lower()}\n")
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    per_image = copies + int(keep)
    rows = read_jsonl(root / "out/manifest.jsonl")
    assert len(rows) == r.summary["items_out"] == sum(layout.values()) * per_image
    for row in rows:
        assert row["label"] == row["source"].split("/")[0] == row["path"].split("/")[0]
        assert (root / "out" / row["path"]).is_file()
    assert len({row["path"] for row in rows}) == len(rows)


@pytest.mark.slow
def test_real_photos_identical_across_workers_with_a_broken_file(tmp_path):
    photos = SHARED_DATA / "images"
    if not photos.exists():
        pytest.skip("shared data not present")
    folder = tmp_path / "in" / "photos"
    folder.mkdir(parents=True)
    for f in photos.iterdir():
        shutil.copy(f, folder / f.name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    trees = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        r = run_mlp(
            "augment",
            ROOT / "recipes/images.yaml",
            "--input",
            tmp_path / "in",
            "--out",
            out,
            "--seed",
            3,
            "--workers",
            workers,
            "--json",
        )
        assert r.exit_code == 0, r
        assert r.summary["skipped"] == {"corrupt image": 1} and r.summary["items_out"] == 32
        trees.append(tree(out))
    assert trees[0] == trees[1]
