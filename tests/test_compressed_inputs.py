"""Compressed inputs (.gz, .bz2, .xz, .zst) are read as they are, through the real `mlp` command."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_jsonl, run_mlp

zstandard = pytest.importorskip("zstandard")

COMPRESS = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda data: zstandard.ZstdCompressor().compress(data),
}

RECIPE = "version: 1\ninput: {{path: {input}}}\noutput: {{path: {output}}}\nsteps: [{{augmenter: sentence-shuffle}}]\ndedupe: false\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path / "cache"))


def _rows_bytes() -> bytes:
    lines = []
    for i in range(40):
        text = f"Row {i} starts here. It has a second sentence. And a third one, number {i}! Is this the end?"
        lines.append(f'{{"id": "r{i}", "text": "{text}", "label": "l{i % 3}"}}\n')
    return "".join(lines).encode()


def _augment(tmp_path, input_name: str, output_name: str):
    recipe = tmp_path / f"{output_name}.yaml"
    recipe.write_text(RECIPE.format(input=input_name, output=output_name))
    return run_mlp("augment", recipe, "--json")


def _texts(path):
    return [r["text"] for r in read_jsonl(path)]


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_augment_reads_a_compressed_jsonl_like_the_plain_file(tmp_path, ext):
    data = _rows_bytes()
    (tmp_path / "rows.jsonl").write_bytes(data)
    (tmp_path / f"rows.jsonl.{ext}").write_bytes(COMPRESS[ext](data))
    plain = _augment(tmp_path, "rows.jsonl", "plain.jsonl")
    assert plain.exit_code == 0, plain
    packed = _augment(tmp_path, f"rows.jsonl.{ext}", "packed.jsonl")
    assert packed.exit_code == 0, packed
    assert packed.summary["items_in"] == plain.summary["items_in"] == 40
    assert _texts(tmp_path / "packed.jsonl") == _texts(tmp_path / "plain.jsonl")
    assert [r["id"] for r in read_jsonl(tmp_path / "packed.jsonl")] == [
        r["id"] for r in read_jsonl(tmp_path / "plain.jsonl")
    ]


def test_headerless_tsv_gz_with_named_columns(tmp_path):
    source = ROOT / "samples" / "sms-sample.tsv"
    data = b"".join(source.read_bytes().splitlines(keepends=True)[:50])
    (tmp_path / "sms.tsv").write_bytes(data)
    (tmp_path / "sms.tsv.gz").write_bytes(gzip.compress(data))
    results = {}
    for name in ("sms.tsv", "sms.tsv.gz"):
        out = f"{name}.out.jsonl"
        recipe = tmp_path / f"{name}.yaml"
        recipe.write_text(
            f"version: 1\ninput: {{path: {name}, format: tsv, header: false, columns: [label, text]}}\n"
            f"output: {{path: {out}}}\nsteps: [{{augmenter: sentence-shuffle}}]\ndedupe: false\n"
        )
        r = run_mlp("augment", recipe, "--json")
        assert r.exit_code == 0, r
        results[name] = [(row["label"], row["text"]) for row in read_jsonl(tmp_path / out)]
    assert len(results["sms.tsv"]) == 50
    assert results["sms.tsv.gz"] == results["sms.tsv"]
    assert {label for label, _ in results["sms.tsv.gz"]} <= {"ham", "spam"}


def test_tsv_format_is_detected_through_the_compression_suffix(tmp_path):
    (tmp_path / "data.tsv.xz").write_bytes(lzma.compress(b"label\ttext\nham\tOne. Two.\nspam\tThree. Four.\n"))
    r = _augment(tmp_path, "data.tsv.xz", "out.jsonl")
    assert r.exit_code == 0, r
    assert [row["label"] for row in read_jsonl(tmp_path / "out.jsonl")] == ["ham", "spam"]


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_a_corrupt_compressed_file_is_exit_2_naming_the_file(tmp_path, ext):
    packed = COMPRESS[ext](_rows_bytes())
    (tmp_path / f"broken.jsonl.{ext}").write_bytes(packed[: len(packed) // 2])
    r = _augment(tmp_path, f"broken.jsonl.{ext}", "out.jsonl")
    assert r.exit_code == 2, r
    assert f"broken.jsonl.{ext}" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_not_gzip_at_all_is_exit_2_naming_the_file(tmp_path):
    (tmp_path / "rows.jsonl.gz").write_bytes(_rows_bytes())  # plain text under a .gz name
    r = _augment(tmp_path, "rows.jsonl.gz", "out.jsonl")
    assert r.exit_code == 2, r
    assert "rows.jsonl.gz" in r.stderr and "gzip" in r.stderr


def test_compressed_parquet_is_a_usage_error(tmp_path):
    (tmp_path / "rows.parquet.gz").write_bytes(gzip.compress(b"PAR1"))
    r = _augment(tmp_path, "rows.parquet.gz", "out.jsonl")
    assert r.exit_code == 2, r
    assert "Parquet" in r.stderr and "Traceback" not in r.stderr


def test_mine_negatives_reads_gzipped_pairs(tmp_path):
    mine = ROOT / "samples" / "mine"
    (tmp_path / "pairs.jsonl.gz").write_bytes(gzip.compress((mine / "questions.jsonl").read_bytes()))
    shutil.copy(mine / "passages.jsonl", tmp_path / "passages.jsonl")
    recipe = tmp_path / "mine.yaml"
    recipe.write_text(
        "version: 1\nkind: mine-negatives\npairs: {path: pairs.jsonl.gz}\ncorpus: {path: passages.jsonl}\n"
        "output: {path: triplets.jsonl}\nsampling: {hard: 1}\n"
    )
    r = run_mlp("mine-negatives", recipe, "--json")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "triplets.jsonl")
    assert rows and r.summary["items_in"] == sum(1 for line in (mine / "questions.jsonl").open() if line.strip())


def test_curriculum_reads_a_compressed_input(tmp_path: Path):
    import gzip

    plain = ROOT / "samples/curriculum/spam-synthetic.jsonl"
    packed = tmp_path / "spam.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    results = []
    for name, source in (("plain", plain), ("packed", packed)):
        recipe = tmp_path / f"{name}.yaml"
        recipe.write_text(
            f"version: 1\nkind: curriculum\ninputs: [{{path: {source}}}]\n"
            "difficulty: [{scorer: length}]\nschedule: {stages: 2}\n"
            f"output: {{path: {tmp_path / name}.jsonl, layout: single}}\n"
        )
        r = run_mlp("curriculum", recipe, "--json")
        assert r.exit_code == 0, r
        results.append([row["text"] for row in read_jsonl(tmp_path / f"{name}.jsonl")])
    assert results[0] == results[1] and results[0]


def test_a_compressed_output_name_is_refused(tmp_path: Path):
    src = tmp_path / "rows.jsonl"
    src.write_text('{"text": "one. two."}\n')
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\ninput: {path: rows.jsonl}\nsteps: [{augmenter: sentence-shuffle}]\n")
    r = run_mlp("augment", recipe, "--out", tmp_path / "out.jsonl.gz")
    assert r.exit_code == 2 and "out.jsonl.gz" in r.stderr, r
    assert not (tmp_path / "out.jsonl.gz").exists()
