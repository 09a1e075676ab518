"""Sharded output: ``output.shard_rows`` / ``--shard-rows`` writes --out as a folder of
``part-00000.jsonl``, ... of N rows each, in output order: the shards read in order are the single
file, whatever the engine, the workers or the chunks, de-duplication and --resume included."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlp_cli.io.rows import RowWriter, ShardedWriter, dumps_row
from tests.conftest import run_mlp

RECIPE = """\
version: 1
input: {path: rows.jsonl}
output: {path: out.jsonl%s}
copies: 4
keep_original: true
dedupe: true
steps:
  - augmenter: keyboard
  - augmenter: sentence-shuffle
"""


def _project(tmp_path: Path, rows: int = 120, output: str = "") -> Path:
    with open(tmp_path / "rows.jsonl", "w") as f:
        for i in range(rows):
            n = i if i % 9 else 0  # repeated rows: de-duplication drops some, so boundaries are after it
            f.write(json.dumps({"id": n, "text": f"Row {n} is here. The fox runs far. The end."}) + "\n")
    (tmp_path / "r.yaml").write_text(RECIPE % output)
    return tmp_path / "r.yaml"


def _shards(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*"))


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for part in _shards(folder):
        h.update(part.name.encode() + b"\0" + part.read_bytes())
    return h.hexdigest()


def test_the_shards_in_order_are_the_single_file(tmp_path):
    recipe = _project(tmp_path)
    one = run_mlp("augment", recipe, "--out", tmp_path / "one.jsonl", "--json")
    assert one.exit_code == 0, one
    assert one.summary["duplicates_removed"] > 0
    r = run_mlp("augment", recipe, "--out", tmp_path / "parts", "--shard-rows", 37, "--json")
    assert r.exit_code == 0, r
    shards = _shards(tmp_path / "parts")
    assert [p.name for p in shards] == [f"part-{i:05d}.jsonl" for i in range(len(shards))]
    assert b"".join(p.read_bytes() for p in shards) == (tmp_path / "one.jsonl").read_bytes()
    counts = [len(p.read_bytes().splitlines()) for p in shards]
    assert counts[:-1] == [37] * (len(shards) - 1) and 1 <= counts[-1] <= 37
    assert r.summary["shards"] == len(shards) and r.summary["items_out"] == one.summary["items_out"]
    assert json.loads((tmp_path / "parts" / "manifest.json").read_text())["counts"]["items_out"] == sum(counts)
    assert not list(tmp_path.glob(".*.partial"))


@pytest.mark.parametrize("engine,workers", [("local", 2), ("ray", 1), ("ray", 2)])
def test_shards_are_the_same_bytes_on_every_engine_and_worker_count(tmp_path, engine, workers):
    if engine == "ray":
        pytest.importorskip("ray")
    recipe = _project(tmp_path, output=", shard_rows: 50")
    reference = run_mlp("augment", recipe, "--out", tmp_path / "ref", "--workers", 1)
    assert reference.exit_code == 0, reference
    r = run_mlp("augment", recipe, "--out", tmp_path / "x", "--engine", engine, "--workers", workers, "--json")
    assert r.exit_code == 0, r
    assert _digest(tmp_path / "x") == _digest(tmp_path / "ref")
    assert len(_shards(tmp_path / "x")) > 2
    # the workers encoded and wrote the rows; the driver only appended their pieces
    write = r.summary["where"]["write"]
    assert write["where"] == "workers" and write["pieces"] >= 1 and write["processes"] >= 1, write
    assert not list(tmp_path.glob(".*.partial"))
    in_process = json.loads((tmp_path / "ref" / "manifest.json").read_text())
    assert in_process["figures"]["where"]["write"] == {"where": "driver"}


def test_csv_shards_each_have_the_header_and_their_rows_are_the_single_files(tmp_path):
    recipe = _project(tmp_path)
    assert run_mlp("augment", recipe, "--out", tmp_path / "one.csv").exit_code == 0
    r = run_mlp("augment", recipe, "--out", tmp_path / "parts.csv", "--shard-rows", 40)
    assert r.exit_code == 0, r
    header, *rows = (tmp_path / "one.csv").read_text().splitlines(keepends=True)
    shards = _shards(tmp_path / "parts.csv")
    assert shards[0].name == "part-00000.csv" and len(shards) > 1
    joined = []
    for part in shards:
        first, *body = part.read_text().splitlines(keepends=True)
        assert first == header
        joined += body
    assert joined == rows


def test_shard_writer_resumes_from_a_checkpoint_to_the_bytes_of_one_write(tmp_path):
    lines = [dumps_row({"i": i, "text": "x" * (i % 5)}) for i in range(100)]
    whole = tmp_path / "whole"
    whole.mkdir()
    with ShardedWriter(whole, "jsonl", 10) as writer:
        writer.write_lines(lines[:33])
        writer.write_lines(lines[33:])
    for checkpoint_at in (33, 40):  # inside a shard, and at a shard boundary
        folder = tmp_path / f"resumed-{checkpoint_at}"
        folder.mkdir()
        writer = ShardedWriter(folder, "jsonl", 10)
        writer.write_lines(lines[:checkpoint_at])
        resume_at = (writer.count, writer.flush())
        writer.write_lines(lines[checkpoint_at:71])  # written after the checkpoint, then killed
        writer.close()
        with ShardedWriter(folder, "jsonl", 10, resume_at=resume_at) as writer:
            writer.write_lines(lines[checkpoint_at:])
        assert [(p.name, p.read_bytes()) for p in _shards(folder)] == [(p.name, p.read_bytes()) for p in _shards(whole)]


def test_an_empty_output_is_one_empty_first_shard(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    with ShardedWriter(folder, "jsonl", 10):
        pass
    assert [(p.name, p.read_bytes()) for p in _shards(folder)] == [("part-00000.jsonl", b"")]


def test_row_writer_keeps_the_columns_it_is_given(tmp_path):
    with RowWriter(tmp_path / "a.csv", "csv", columns=["b", "a"]) as writer:
        writer.write({"a": 1, "b": 2})
    assert (tmp_path / "a.csv").read_text() == "b,a\n2,1\n"


def test_resume_of_a_sharded_run_gives_the_bytes_of_one_run(tmp_path):
    from tests.test_resume import _kill_after_checkpoint, _mlp
    from tests.test_resume import _project as big_project

    recipe = big_project(tmp_path, "jsonl")
    whole = _mlp("augment", recipe, "--out", tmp_path / "whole", "--shard-rows", 5000, "--workers", "2", "--quiet")
    assert whole.returncode == 0, whole.stderr
    out, partial = tmp_path / "parts", tmp_path / ".parts.partial"
    args = ("augment", recipe, "--out", out, "--shard-rows", 5000, "--workers", "2", "--quiet")
    _kill_after_checkpoint(*args, partial=partial)
    assert not out.exists()  # nothing under the final name until the run completes
    changed = _mlp("augment", recipe, "--out", out, "--shard-rows", 4000, "--resume")
    assert changed.returncode == 2 and "different shard rows" in changed.stderr
    resumed = _mlp("augment", recipe, "--out", out, "--shard-rows", 5000, "--workers", "2", "--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout.strip().splitlines()[-1])["resumed_after_items"] > 0
    assert len(_shards(out)) > 2
    assert _digest(out) == _digest(tmp_path / "whole")
    assert not partial.exists()


def test_shard_rows_zero_on_the_command_line_writes_one_file(tmp_path):
    recipe = _project(tmp_path, output=", shard_rows: 50")
    r = run_mlp("augment", recipe, "--out", tmp_path / "one.jsonl", "--shard-rows", 0)
    assert r.exit_code == 0, r
    assert (tmp_path / "one.jsonl").is_file()


def test_bad_shard_rows_in_a_recipe_names_file_line_and_field(tmp_path):
    recipe = _project(tmp_path, output=", shard_rows: 0")
    r = run_mlp("augment", recipe, "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert "r.yaml:3" in r.stderr and "shard_rows" in r.stderr


def test_parquet_shards_are_refused_with_exit_2(tmp_path):
    recipe = _project(tmp_path)
    r = run_mlp("augment", recipe, "--out", tmp_path / "parts.parquet", "--shard-rows", 10)
    assert r.exit_code == 2 and "sharded output is written as jsonl" in r.stderr, r
    assert not (tmp_path / "parts.parquet").exists()


def test_a_sharded_output_may_not_be_an_existing_file(tmp_path):
    recipe = _project(tmp_path)
    (tmp_path / "x").write_text("keep me")
    r = run_mlp("augment", recipe, "--out", tmp_path / "x", "--shard-rows", 10, "--overwrite")
    assert r.exit_code == 2 and "is a file" in r.stderr
    assert (tmp_path / "x").read_text() == "keep me"


def test_a_failed_sharded_run_leaves_nothing(tmp_path):
    recipe = _project(tmp_path)
    with open(tmp_path / "rows.jsonl", "a") as f:
        f.write("{not json\n")
    r = run_mlp("augment", recipe, "--out", tmp_path / "parts", "--shard-rows", 10)
    assert r.exit_code == 2 and "rows.jsonl:121" in r.stderr, r
    assert not (tmp_path / "parts").exists() and not list(tmp_path.glob(".*.partial"))


def test_image_runs_refuse_shard_rows(tmp_path):
    recipe = _project(tmp_path)
    (tmp_path / "imgs").mkdir()
    r = run_mlp("augment", recipe, "--input", tmp_path / "imgs", "--out", tmp_path / "o", "--shard-rows", 10)
    assert r.exit_code == 2 and "--shard-rows: an image run writes one file per image" in r.stderr, r


def test_dry_run_plans_the_shards(tmp_path):
    recipe = _project(tmp_path, output=", shard_rows: 50")
    r = run_mlp("augment", recipe, "--dry-run", "--json")
    assert r.exit_code == 0, r
    assert r.summary["plan"]["shard_rows"] == 50
    assert not (tmp_path / "out.jsonl").exists()
