"""--resume beyond rows: image sets, annotated images, mine-negatives and curriculum, after kill -9.

Each test starts the real command in a child process, kills it (and everything it started) once a
checkpoint counts some finished work, resumes it, and compares every output file with an
uninterrupted run's. Checkpoints are saved every 0.1 s here (``MLP_CHECKPOINT_SECONDS``), so small
inputs are enough to be killed half-way; the uninterrupted runs, refusals and local resumes run
in-process (no interpreter or torch start-up to pay).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import run_mlp
from tests.test_resume import _kill_when, _mlp

np = pytest.importorskip("numpy")


@pytest.fixture(autouse=True)
def frequent_checkpoints(monkeypatch):
    monkeypatch.setenv("MLP_CHECKPOINT_SECONDS", "0.1")  # inherited by the child processes


def _files(root: Path) -> dict[str, str]:
    """Every file under a folder (the run manifest aside: it holds timings) -> sha256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _resume(*args: object, engine: str = "local") -> tuple[int, str, dict | None]:
    """`mlp ARGS --resume --json`: in-process on the local engine, in a child process on Ray.
    (exit code, stderr, summary)."""
    if engine == "local":
        r = run_mlp(*args, "--resume", "--json")
        return r.exit_code, r.stderr, r.summary if r.exit_code == 0 else None
    p = _mlp(*args, "--engine", engine, "--resume", "--json")
    return p.returncode, p.stderr, json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else None


# ---- image folders ----------------------------------------------------------------------------


def _image_folder(root: Path, classes: int = 3, per_class: int = 80, size: tuple[int, int] = (64, 48)) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f"c{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"c{c}" / f"img{i:04d}.png")
    return root


IMAGE_RECIPE = """\
version: 1
kind: augment
seed: 4
input: {path: imgs}
output: {path: out}
copies: 4
keep_original: true
transforms:
  - RandomResizedCrop: {size: 40, scale: [0.5, 1.0], antialias: true}
  - RandomHorizontalFlip
  - ColorJitter: {brightness: 0.4, contrast: 0.4}
"""


@pytest.fixture(scope="module")
def image_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("images")
    _image_folder(root / "imgs")
    (root / "r.yaml").write_text(IMAGE_RECIPE)
    whole = run_mlp("augment", root / "r.yaml", "--out", root / "whole", "--workers", 2)
    assert whole.exit_code == 0, whole
    return root


@pytest.mark.parametrize("killed_on,resumed_on", [("local", "local"), ("local", "ray")])
def test_image_run_resumes_after_kill_9_to_the_same_folder(image_project, tmp_path, killed_on, resumed_on):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(IMAGE_RECIPE)
    (tmp_path / "imgs").symlink_to(image_project / "imgs")
    partial = tmp_path / ".out.partial"
    args = ("augment", recipe, "--workers", "2", "--engine", killed_on, "--quiet")
    at_kill = _kill_when(args, partial, lambda c: c["items_done"] > 0)
    assert not (tmp_path / "out").exists()  # nothing under the final name until the run completes

    code, stderr, summary = _resume("augment", recipe, "--workers", 2, engine=resumed_on)
    assert code == 0, stderr
    assert "resuming" in stderr
    assert summary["resumed_after_items"] >= at_kill["items_done"] > 0
    assert _files(tmp_path / "out") == _files(image_project / "whole")  # every image, and the index
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    reference = json.loads((image_project / "whole" / "manifest.json").read_text())
    assert manifest["counts"] == reference["counts"]
    assert not partial.exists()


def test_image_resume_refuses_a_changed_recipe_or_image_and_a_plain_rerun_cleans_up(image_project, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(IMAGE_RECIPE)
    imgs = tmp_path / "imgs"
    _image_folder(imgs, classes=2, per_class=120)
    partial = tmp_path / ".out.partial"
    _kill_when(("augment", recipe, "--workers", "2", "--quiet"), partial, lambda c: c["items_done"] > 0)

    recipe.write_text(IMAGE_RECIPE.replace("copies: 4", "copies: 3"))
    changed = run_mlp("augment", recipe, "--resume")
    assert changed.exit_code == 2 and "different recipe" in changed.stderr and "without --resume" in changed.stderr
    recipe.write_text(IMAGE_RECIPE)

    first = imgs / "c0" / "img0000.png"
    first.write_bytes(first.read_bytes() + b"\0")  # one source image changed
    changed = run_mlp("augment", recipe, "--resume")
    assert changed.exit_code == 2 and "different images" in changed.stderr
    assert partial.exists() and not (tmp_path / "out").exists()  # a refusal keeps the work

    fresh = run_mlp("augment", recipe, "--limit", 5, "--workers", 1)
    assert fresh.exit_code == 0, fresh
    assert "removed the partial output an interrupted run left" in fresh.stderr
    assert not partial.exists() and len(_files(tmp_path / "out")) == 5 * 5 + 1


# ---- annotated images (COCO: the JSON is written last, from side records) ---------------------


def _coco(root: Path, images: int = 120) -> Path:
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(2)
    (root / "images").mkdir(parents=True)
    doc: dict = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "box"}, {"id": 2, "name": "disc"}]}
    for n in range(images):
        image = Image.new("RGB", (96, 72), tuple(int(v) for v in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(image)
        doc["images"].append({"id": n + 1, "file_name": f"images/s{n:04d}.png", "width": 96, "height": 72})
        for k in range(2):
            x, y = int(rng.integers(0, 50)), int(rng.integers(0, 30))
            w, h = int(rng.integers(12, 40)), int(rng.integers(12, 36))
            draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(200, 40 * k, 30))
            doc["annotations"].append(
                {
                    "id": len(doc["annotations"]) + 1,
                    "image_id": n + 1,
                    "category_id": k + 1,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        image.save(root / "images" / f"s{n:04d}.png")
    (root / "instances.json").write_text(json.dumps(doc))
    return root / "instances.json"


COCO_RECIPE = """\
version: 1
kind: augment
seed: 5
input: {path: coco/instances.json, annotations: coco}
output: {path: out}
copies: 4
image: {format: png}
transforms:
  - RandomAffine: {degrees: 15, translate: [0.1, 0.1], scale: [0.8, 1.2]}
  - RandomHorizontalFlip
"""


def test_coco_run_resumes_after_kill_9_with_the_annotations_of_one_run(tmp_path):
    _coco(tmp_path / "coco")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(COCO_RECIPE)
    whole = run_mlp("augment", recipe, "--out", tmp_path / "whole", "--workers", 2)
    assert whole.exit_code == 0, whole
    partial = tmp_path / ".out.partial"
    at_kill = _kill_when(("augment", recipe, "--workers", "2", "--quiet"), partial, lambda c: c["items_done"] > 0)
    assert (partial / "labels.side").stat().st_size > 0  # the COCO rows of the images done

    code, stderr, summary = _resume("augment", recipe, "--workers", 2)
    assert code == 0, stderr
    assert summary["resumed_after_items"] >= at_kill["items_done"]
    assert _files(tmp_path / "out") == _files(tmp_path / "whole")  # images, index and instances.json
    coco = json.loads((tmp_path / "out" / "instances.json").read_text())
    assert [im["id"] for im in coco["images"]] == list(range(1, 120 * 4 + 1))


# ---- mine-negatives ---------------------------------------------------------------------------

MINE_RECIPE = """\
version: 1
kind: mine-negatives
seed: 3
pairs: {path: pairs.jsonl}
corpus: {path: corpus.jsonl}
output: {path: %s}
encoder: {type: tfidf, dims: 32, cache_dir: cache}
index: {type: exact}
sampling: {rank_window: "2:40", hard: 3, easy_to_hard: 1, strategy: random, relative_margin: 0.05}
"""


def _mine_project(root: Path, anchors: int = 4000, out: str = "out.jsonl") -> Path:
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(400)]
    with open(root / "corpus.jsonl", "w") as corpus, open(root / "pairs.jsonl", "w") as pairs:
        for n in range(anchors):
            chosen = rng.choice(words, 8)
            text = " ".join(chosen)
            corpus.write(json.dumps({"id": f"p{n}", "text": text}) + "\n")
            pairs.write(json.dumps({"anchor": f"q{n} " + " ".join(chosen[:4]), "positive": text}) + "\n")
    (root / "r.yaml").write_text(MINE_RECIPE % out)
    return root / "r.yaml"


def test_mining_resumes_after_kill_9_reusing_vectors_and_neighbours(tmp_path):
    recipe = _mine_project(tmp_path)
    whole = run_mlp("mine-negatives", recipe, "--out", tmp_path / "whole.jsonl", "--workers", 2)
    assert whole.exit_code == 0, whole
    partial = tmp_path / ".out.jsonl.partial"
    at_kill = _kill_when(
        ("mine-negatives", recipe, "--workers", "2", "--quiet"), partial, lambda c: c["items_done"] > 0
    )
    assert at_kill["kept"] == ["search"]

    code, stderr, summary = _resume("mine-negatives", recipe, "--workers", 2)
    assert code == 0, stderr
    assert summary["resumed_after_items"] >= at_kill["items_done"]  # anchors sampled are not redone
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    reference = json.loads((tmp_path / "whole.manifest.json").read_text())
    assert manifest["counts"] == reference["counts"]
    assert manifest["figures"]["removed"] == reference["figures"]["removed"]
    assert manifest["figures"]["encoder"]["cache_hits"] == 2  # the vectors came from the cache
    assert not partial.exists()


def test_mining_resume_refuses_a_changed_setting(tmp_path):
    recipe = _mine_project(tmp_path)
    partial = tmp_path / ".out.jsonl.partial"
    _kill_when(("mine-negatives", recipe, "--workers", "2", "--quiet"), partial, lambda c: c["items_done"] > 0)
    changed = run_mlp("mine-negatives", recipe, "--hard", 2, "--resume")
    assert changed.exit_code == 2 and "different recipe" in changed.stderr
    assert partial.exists()
    fresh = run_mlp("mine-negatives", recipe, "--limit", 50)
    assert fresh.exit_code == 0, fresh
    assert "removed the partial output" in fresh.stderr and not partial.exists()


def test_predictions_resume_writes_again_from_the_kept_neighbours(tmp_path, monkeypatch):
    """Predictions mode keeps its neighbours; an interrupted write is redone from them."""
    from mlp_cli.mine import predictions

    with open(tmp_path / "pool.jsonl", "w") as pool, open(tmp_path / "preds.jsonl", "w") as preds:
        for n in range(200):
            pool.write(json.dumps({"id": f"x{n}", "text": f"item {n % 17} colour {n % 5} size {n % 3}"}) + "\n")
            preds.write(
                json.dumps({"id": f"x{n}", "label": n % 2, "pred": (n // 3) % 2, "confidence": 0.5 + n / 500}) + "\n"
            )
    (tmp_path / "r.yaml").write_text(
        "version: 1\nkind: mine-negatives\nseed: 1\n"
        "predictions: {path: preds.jsonl, gold_field: label, predicted_field: pred, k: 3}\n"
        "corpus: {path: pool.jsonl}\noutput: {path: out.jsonl}\nencoder: {type: tfidf, cache_dir: cache}\n"
    )
    whole = run_mlp("mine-negatives", tmp_path / "r.yaml", "--out", tmp_path / "whole.jsonl")
    assert whole.exit_code == 0, whole

    real_write = predictions._write_selected

    def interrupted(*args, **kwargs):
        real_write(*args, **kwargs)
        raise KeyboardInterrupt  # after the rows are written, before the output is renamed

    monkeypatch.setattr(predictions, "_write_selected", interrupted)
    killed = run_mlp("mine-negatives", tmp_path / "r.yaml")
    assert killed.exit_code == 130 and not (tmp_path / "out.jsonl").exists()
    assert (tmp_path / ".out.jsonl.partial" / "search.kept").exists()

    monkeypatch.setattr(predictions, "_write_selected", real_write)
    monkeypatch.setattr(predictions, "_neighbours", lambda *a, **k: pytest.fail("searched again"))
    resumed = run_mlp("mine-negatives", tmp_path / "r.yaml", "--resume")
    assert resumed.exit_code == 0, resumed
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


# ---- curriculum -------------------------------------------------------------------------------

CURRICULUM_RECIPE = """\
version: 1
kind: curriculum
seed: 2
inputs:
  - {path: a.jsonl, phase: first}
  - {path: b.tsv, format: tsv, header: false, columns: [label, text], phase: second}
difficulty:
  - {scorer: token-rarity, field: text}
  - {scorer: length, field: text, unit: tokens, weight: 2}
schedule:
  phases:
    - {name: first, stages: 3}
    - {name: second, stages: 2}
output: {path: %s, layout: %s, format: jsonl, chart: false}
"""


def _curriculum_project(root: Path, out: str, layout: str, rows: int = 60_000) -> Path:
    rng = np.random.default_rng(9)
    words = np.array([f"tok{i}" for i in range(3000)])
    with open(root / "a.jsonl", "w") as a:
        for n in range(rows):
            a.write(json.dumps({"id": n, "text": " ".join(words[rng.zipf(1.3, 12) % 3000])}) + "\n")
    with open(root / "b.tsv", "w") as b:  # spooled to JSONL inside the partial folder
        for n in range(rows // 4):
            b.write(f"{n % 2}\t{' '.join(words[rng.zipf(1.5, 9) % 3000])}\n")
    (root / "r.yaml").write_text(CURRICULUM_RECIPE % (out, layout))
    return root / "r.yaml"


@pytest.mark.parametrize("layout,out", [("shards", "cur"), ("single", "cur.jsonl")])
def test_curriculum_resumes_after_kill_9_without_rescoring(tmp_path, layout, out):
    recipe = _curriculum_project(tmp_path, out, layout)
    whole_out = tmp_path / f"whole-{out}"
    whole = run_mlp("curriculum", recipe, "--out", whole_out, "--workers", 1)
    assert whole.exit_code == 0, whole
    partial = tmp_path / f".{out}.partial"
    at_kill = _kill_when(("curriculum", recipe, "--workers", "1", "--quiet"), partial, lambda c: c["items_done"] > 0)
    assert not (tmp_path / out).exists()

    code, stderr, summary = _resume("curriculum", recipe, "--workers", 2)
    assert code == 0, stderr
    assert summary["resumed_after_items"] >= at_kill["items_done"]
    if layout == "shards":
        assert _files(tmp_path / out) == _files(whole_out)
    else:
        assert (tmp_path / out).read_bytes() == whole_out.read_bytes()
    assert not partial.exists()
    assert not [p for p in tmp_path.iterdir() if ".spool" in p.name]  # spools lived in the partial folder


def test_curriculum_resume_refuses_a_changed_input(tmp_path):
    recipe = _curriculum_project(tmp_path, "cur", "shards")
    partial = tmp_path / ".cur.partial"
    _kill_when(("curriculum", recipe, "--workers", "1", "--quiet"), partial, lambda c: c["items_done"] > 0)
    with open(tmp_path / "b.tsv", "a") as b:
        b.write("1\tone more row\n")
    changed = run_mlp("curriculum", recipe, "--resume")
    assert changed.exit_code == 2 and "different inputs" in changed.stderr
    assert partial.exists() and not (tmp_path / "cur").exists()


def test_a_bad_checkpoint_interval_is_a_usage_error(tmp_path, monkeypatch):
    recipe = _mine_project(tmp_path, anchors=20)
    monkeypatch.setenv("MLP_CHECKPOINT_SECONDS", "often")
    result = run_mlp("mine-negatives", recipe)
    assert result.exit_code == 2 and "MLP_CHECKPOINT_SECONDS='often'" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
