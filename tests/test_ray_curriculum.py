"""`mlp curriculum` on the executor seam: stage files written by executor tasks, with the bytes of
one writer, on the local engine (in-process and with worker processes) and on Ray; and a run
killed while it writes its stages resumes keeping the stages in place.

One local Ray with 2 CPUs is started for the module (the Ray executor reuses a Ray already running
in the process), so each Ray run pays only for its tasks. Stages are cut into small parts here
(``write.PART_ROWS``) so that files of several parts, appended in order, are what is compared.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from mlp_cli.curriculum import run as curriculum_run
from mlp_cli.curriculum import write
from mlp_cli.curriculum.stages import StagePlan
from mlp_cli.errors import UsageError
from mlp_cli.io.parts import Written
from tests.conftest import ROOT, run_mlp
from tests.test_golden import GOLDEN, output_digest
from tests.test_resume import _kill_when

np = pytest.importorskip("numpy")
ray = pytest.importorskip("ray")

CLOUDFLARE = ROOT / "recipes" / "curriculum-cloudflare.yaml"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few rows, worker processes even for small inputs, and no torch in the workers."""
    monkeypatch.setattr(write, "PART_ROWS", 37)
    monkeypatch.setattr(curriculum_run, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setitem(sys.modules, "torch", None)


def _files(root: Path) -> dict[str, str]:
    """Every output file under a folder -> sha256; run manifests (timings, paths) left out."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith("manifest.json")
    }


def _run(*args: object) -> dict:
    r = run_mlp("curriculum", *args, "--quiet", "--json")
    assert r.exit_code == 0, r
    return r.summary


def test_cloudflare_stages_are_written_by_tasks_with_the_golden_bytes(tmp_path, local_ray, small_parts):
    golden = json.loads(GOLDEN.read_text())["curriculum-cloudflare.yaml"]  # one writer, before parts
    runs = {"local-1": ("--workers", 1), "local-2": ("--workers", 2), "ray": ("--engine", "ray", "--workers", 2)}
    for name, args in runs.items():
        summary = _run(CLOUDFLARE, "--out", tmp_path / name, *args)
        assert output_digest(tmp_path / name) == golden, name  # difficulty.png included
        written = summary["write"]
        assert written["parts"] > summary["stages"] == 10  # stages of several parts, appended in order
        assert written["tasks"] == written["parts"] and written["kept"] == 0
        manifest = json.loads((tmp_path / name / "manifest.json").read_text())
        assert set(manifest["timings"]) >= {"score", "order", "write"}
        assert manifest["figures"]["where"]["order"] == {"where": "driver"}
        if name == "local-1":
            assert written["parts_in_driver"] == written["parts"]
            assert manifest["figures"]["where"]["write"] == {"where": "driver", "workers": 1}
        else:  # every part was written by a worker process, none by the driver
            assert written["parts_in_driver"] == 0 and written["processes"] >= 1
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest["engine"] == "ray"
    assert manifest["figures"]["where"]["write"]["where"] == "ray tasks"
    assert manifest["figures"]["where"]["score"]["where"] == "ray tasks"


MIXED = """\
version: 1
kind: curriculum
seed: 3
inputs:
  - {path: a.jsonl.gz, phase: first}
  - {path: b.csv, phase: second}
  - {path: c.parquet, phase: second}
difficulty:
  - {scorer: field, field: difficulty, missing: median}
  - {scorer: token-rarity, field: text}
schedule:
  phases:
    - {name: first, stages: 3}
    - {name: second, stages: 4, pacing: {function: root, p: 2, c0: 0.2}, mix: {second: 0.8, first: 0.2}}
output: {path: out, chart: false}
"""


def _mixed_project(root: Path) -> Path:
    """A compressed JSONL, a CSV and a Parquet input (all three spooled to JSONL), 600 rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with gzip.open(root / "a.jsonl.gz", "wt", encoding="utf-8") as a:
        for n in range(300):
            row = {"id": str(n), "text": f"row {n} wörd {n % 13} x{n % 5}", "difficulty": str(n % 17)}
            a.write(json.dumps(row, ensure_ascii=False) + "\n")  # strings, as CSV fields are: one Parquet schema
    lines = ["id,text,difficulty"] + [f'{n},"word {n}, quoted ""{n % 3}""",{n % 11}' for n in range(200)]
    (root / "b.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pq.write_table(
        pa.table({"id": [str(n) for n in range(100)], "text": [f"p {n} y{n % 4}" for n in range(100)]}),
        root / "c.parquet",
    )
    (root / "r.yaml").write_text(MIXED)
    return root / "r.yaml"


@pytest.mark.parametrize(
    "layout,fmt",
    [("shards", "csv"), ("shards", "parquet"), ("single", "jsonl"), ("single", "tsv"), ("single", "parquet")],
)
def test_parts_on_ray_give_the_bytes_of_one_writer(tmp_path, local_ray, monkeypatch, layout, fmt):
    recipe = _mixed_project(tmp_path)
    name = "out" if layout == "shards" else f"out.{fmt}"
    flags = ("--layout", layout, "--format", fmt)
    one = _run(recipe, *flags, "--out", tmp_path / "one" / name, "--workers", 1)  # default parts: one per file
    monkeypatch.setattr(write, "PART_ROWS", 37)
    parted = _run(recipe, *flags, "--out", tmp_path / "ray" / name, "--engine", "ray", "--workers", 2)
    assert _files(tmp_path / "ray") == _files(tmp_path / "one")
    assert parted["items_out"] == one["items_out"] == 600
    files = 1 if layout == "single" else parted["stages"]
    if fmt == "parquet":  # a Parquet file is one writer's: one part per file
        assert parted["write"]["parts"] == files
    else:
        assert parted["write"]["parts"] == 600 // 37 + 1 if layout == "single" else parted["write"]["parts"] > files
    assert parted["write"]["parts_in_driver"] == 0


def test_parts_cut_each_file_and_depend_only_on_the_plan():
    # stages of 5, 0 (empty) and 7 rows
    plan = StagePlan(rows=np.arange(12), starts=np.array([0, 5, 5, 12]), stage_phase=[0, 0, 1])
    spans = [(p.file, p.begin, p.end) for p in write.plan_parts(plan, False, "jsonl", 3)]
    assert spans == [
        (0, 0, 3),
        (0, 3, 5),
        (1, 5, 5),
        (2, 5, 8),
        (2, 8, 11),
        (2, 11, 12),
    ]  # an empty stage: one empty part
    assert [(p.file, p.begin, p.end) for p in write.plan_parts(plan, False, "parquet", 3)] == [
        (0, 0, 5),
        (1, 5, 5),
        (2, 5, 12),
    ]
    single = write.plan_parts(plan, True, "jsonl", 4)
    assert [(p.begin, p.end) for p in single] == [(0, 4), (4, 8), (8, 12)]
    assert write._segments(plan, single[1], True) == ((0, 1), (2, 3))  # crosses stages, skips the empty one
    assert write._segments(plan, write.plan_parts(plan, False, "jsonl", 3)[2], False) == ((1, 0),)


def test_a_task_on_a_node_without_the_inputs_or_the_output_says_to_share_them(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_bytes(b'{"id": 1}\n')
    job = write.WriteJob(
        fmt="jsonl",
        single=False,
        read_paths=(str(tmp_path / "elsewhere.jsonl"),),
        read_sizes=(10,),
        prefixes=("a.jsonl:",),
        tag_names=("all",),
        phase_names=("all",),
        stage_phase=(0,),
        columns=(),
        provenance_field="_curriculum",
        stage_field="stage",
        order_field="order",
        parts_dir=str(tmp_path / "parts"),
    )
    one = np.zeros(1, dtype=np.int64)
    rows = write.RowTable(one.astype(np.int32), one, one + 10, one + 1, one.astype(np.int32), one + 0.5)
    part = write.Part(0, True, 0, ((0, 1),), rows)
    with pytest.raises(UsageError, match="input not found on .*shared filesystem"):
        write._write_part(job, part)
    job = job.__class__(**{**job.__dict__, "read_paths": (str(data),), "read_sizes": (99,)})
    with pytest.raises(UsageError, match="input is 10 bytes on .*99 bytes where the run started"):
        write._write_part(job, part)
    job = job.__class__(**{**job.__dict__, "read_sizes": (10,)})
    with pytest.raises(UsageError, match="no such folder on .*partial folder"):
        write._write_part(job, part)
    (tmp_path / "parts").mkdir()
    written = write._write_part(job, part)
    assert (tmp_path / "parts" / "000000.jsonl").read_bytes().startswith(b'{"id": 1,"_curriculum":{"phase":"all"')
    lost = write.PartWritten(1, 0, Written(str(tmp_path / "parts" / "000001.jsonl"), 5, "node-2", 1))
    with pytest.raises(UsageError, match="task on node-2 wrote this part .* does not see it"):
        write._arrived(lost)
    assert write._arrived(written) == tmp_path / "parts" / "000000.jsonl"


# ---- resume inside the write ------------------------------------------------------------------

BIG = """\
version: 1
kind: curriculum
inputs: [{path: a.jsonl}]
difficulty: [{scorer: field, field: difficulty}]
schedule: {stages: 24}
output: {path: %s, layout: %s, chart: false}
"""


def _big_project(root: Path, out: str, layout: str, rows: int = 200_000) -> Path:
    """Enough rows that writing the stages takes about a second: killed while it writes."""
    difficulty = np.random.default_rng(5).random(rows)
    with open(root / "a.jsonl", "w") as f:
        f.write(
            "".join(
                f'{{"id": {n}, "text": "row {n} of the set", "difficulty": {difficulty[n]:.6f}}}\n' for n in range(rows)
            )
        )
    (root / "r.yaml").write_text(BIG % (out, layout))
    return root / "r.yaml"


@pytest.mark.parametrize("layout,out,engine", [("shards", "cur", "local"), ("single", "cur.jsonl", "ray")])
def test_a_run_killed_while_writing_keeps_the_stages_written(tmp_path, monkeypatch, layout, out, engine, request):
    monkeypatch.setenv("MLP_CHECKPOINT_SECONDS", "0.1")  # inherited by the child process
    recipe = _big_project(tmp_path, out, layout)
    whole = tmp_path / f"whole-{out}"
    _run(recipe, "--out", whole, "--workers", 1)
    partial = tmp_path / f".{out}.partial"
    at_kill = _kill_when(
        ("curriculum", recipe, "--workers", "1", "--quiet"),
        partial,
        lambda c: c["state"].get("write", {}).get("parts", 0) >= 1,
    )
    assert not (tmp_path / out).exists()  # nothing under the final name until the run completes
    kept = at_kill["state"]["write"]["parts"]
    # shards: the files of the stages written (one part each here), as the kill left them
    stamps = {p.name: p.stat().st_mtime_ns for p in sorted((partial / out).glob("stage_*"))[:kept]}
    if layout == "single":  # bytes the killed run appended after its last checkpoint: cut off
        with open(partial / out, "ab") as f:
            f.write(b'{"written": "after the checkpoint"}\n')
    if engine == "ray":
        request.getfixturevalue("local_ray")
    summary = _run(recipe, "--resume", "--engine", engine, "--workers", 2)
    written = summary["write"]
    assert written["kept"] >= kept and written["tasks"] == written["parts"] - written["kept"] > 0
    assert summary["resumed_after_items"] == 200_000  # the scan is not done again
    if layout == "shards":
        assert _files(tmp_path / out) == _files(whole)
        assert {name: (tmp_path / out / name).stat().st_mtime_ns for name in stamps} == stamps  # not rewritten
    else:
        assert written["parts"] == 4 and (tmp_path / out).read_bytes() == whole.read_bytes()
    assert not partial.exists()
    assert not list(tmp_path.glob(f"{out}/.*")) and not os.path.exists(tmp_path / out / "parts")
