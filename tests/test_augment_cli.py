"""`mlp augment` on text rows, end to end through the real command: options, outputs, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

MENU_RECIPE = ROOT / "recipes" / "menu-text.yaml"

ROWS = [
    {
        "id": "a",
        "description": "Rice noodles with tamarind. Topped with peanuts! Served hot.",
        "category": "Noodles",
        "tags": "spicy, popular, new",
        "label": "thai",
    },
    {
        "id": "b",
        "description": "Layers of mascarpone and espresso. A classic dessert. Serves two.",
        "category": "Dessert",
        "tags": "sweet, coffee",
        "label": "italian",
    },
    {
        "id": "c",
        "description": "Grilled steak with rice. Charred onions on the side.",
        "category": "Mains",
        "tags": "halal",
        "label": "mexican",
    },
]


def make_recipe(tmp_path: Path, body: str = "", data: list[dict] | None = None, name: str = "recipe.yaml") -> Path:
    write_jsonl(tmp_path / "data.jsonl", data if data is not None else ROWS)
    recipe = tmp_path / name
    recipe.write_text(
        "version: 1\n"
        "seed: 3\n"
        "input: {path: data.jsonl, id_field: id, text_field: description, label_field: label}\n"
        "output: {path: out.jsonl}\n"
        "copies: 3\n"
        "keep_original: true\n"
        + (body or "steps:\n  - augmenter: sentence-shuffle\n  - augmenter: keyboard\n    aug_word_p: 0.3\n")
    )
    return recipe


def test_augment_writes_rows_with_provenance_and_manifest(tmp_path):
    recipe = make_recipe(tmp_path)
    r = run_mlp("augment", recipe, "--json", "--workers", 1)
    assert r.exit_code == 0, r
    s = r.summary
    assert set(s) >= {"command", "outputs", "manifest", "items_in", "items_out", "skipped", "seconds"}
    assert s["command"] == "augment" and s["items_in"] == 3
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert len(rows) == s["items_out"] <= 12
    originals = [x for x in rows if x["_provenance"]["copy"] == 0]
    assert [x["id"] for x in originals] == ["a", "b", "c"]
    for x in rows:
        prov = x["_provenance"]
        assert prov["source"]["id"] == x["id"] and prov["source"]["location"].startswith("data.jsonl:")
        assert x["label"] == ROWS[prov["source"]["index"]]["label"]  # labels and ids survive augmentation
        if prov["copy"]:
            assert [a["augmenter"] for a in prov["augmenters"]] == ["sentence-shuffle", "keyboard"]
            assert "order" in prov["augmenters"][0]["params"] and "seed" in prov
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["counts"]["items_in"] == 3
    assert manifest["recipe_sha256"] and manifest["inputs"][0]["sha256"]
    assert manifest["versions"]["mlp-cli"] and "nlpaug" in manifest["versions"]


def test_same_seed_same_bytes_any_workers_other_seed_differs(tmp_path):
    recipe = make_recipe(tmp_path)
    outs = {}
    for name, args in {
        "w1": ["--workers", 1],
        "w2": ["--workers", 2],
        "again": ["--workers", 2],
        "seed": ["--seed", 4],
    }.items():
        r = run_mlp("augment", recipe, "--out", tmp_path / f"{name}.jsonl", *args)
        assert r.exit_code == 0, r
        outs[name] = (tmp_path / f"{name}.jsonl").read_bytes()
    assert outs["w1"] == outs["w2"] == outs["again"]
    assert outs["seed"] != outs["w1"]


def test_existing_output_needs_overwrite(tmp_path):
    recipe = make_recipe(tmp_path)
    (tmp_path / "out.jsonl").write_text("keep me\n")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "--overwrite" in r.stderr
    assert (tmp_path / "out.jsonl").read_text() == "keep me\n"
    r = run_mlp("augment", recipe, "--overwrite")
    assert r.exit_code == 0, r
    assert (tmp_path / "out.jsonl").read_text() != "keep me\n"


def test_input_out_limit_seed_overrides(tmp_path, monkeypatch):
    recipe = make_recipe(tmp_path)
    other = write_jsonl(tmp_path / "other.jsonl", ROWS * 4)
    monkeypatch.chdir(tmp_path)
    r = run_mlp("augment", recipe, "--input", "other.jsonl", "--out", "sub/limited.jsonl", "--limit", 5, "--json")
    assert r.exit_code == 0, r
    assert r.summary["items_in"] == 5
    rows = read_jsonl(tmp_path / "sub" / "limited.jsonl")
    assert {x["_provenance"]["source"]["index"] for x in rows} == set(range(5))
    assert other.exists()


def test_dry_run_writes_nothing(tmp_path):
    recipe = make_recipe(tmp_path)
    r = run_mlp("augment", recipe, "--dry-run", "--json")
    assert r.exit_code == 0, r
    assert r.summary["dry_run"] is True and r.summary["plan"]["copies"] == 3
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out.manifest.json").exists()


def test_quiet_prints_nothing_on_success(tmp_path):
    recipe = make_recipe(tmp_path)
    r = run_mlp("augment", recipe, "--quiet")
    assert r.exit_code == 0, r
    assert r.stdout == "" and r.stderr == ""


def test_human_summary_on_stderr_only(tmp_path):
    recipe = make_recipe(tmp_path)
    r = run_mlp("augment", recipe)
    assert r.exit_code == 0, r
    assert r.stdout == "" and "items_out" in r.stderr


def test_malformed_rows_fail_with_file_and_line(tmp_path):
    recipe = make_recipe(tmp_path)
    with open(tmp_path / "data.jsonl", "a") as f:
        f.write("{not json\n")
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 2
    assert "data.jsonl:4" in r.stderr and "bad json" in r.stderr and "on_error" in r.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert r.summary["exit_code"] == 2


def test_malformed_rows_skipped_and_counted_under_skip_policy(tmp_path):
    recipe = make_recipe(tmp_path, body="on_error: skip\nsteps:\n  - augmenter: sentence-shuffle\n")
    with open(tmp_path / "data.jsonl", "ab") as f:
        f.write(b"{not json\n")
        f.write(b'{"id": "x", "description": "caf\xe9 latte"}\n')  # latin-1 byte: bad utf-8
        f.write(b'{"id": "y", "label": "no description field"}\n')
        f.write(b"[1, 2]\n")
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    s = r.summary
    assert s["items_in"] == 7
    assert s["skipped"] == {"bad encoding": 1, "bad json": 1, "missing field": 1, "not an object": 1}
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    locations = [e["location"] for e in manifest["skipped_examples"]]
    assert locations == ["data.jsonl:4", "data.jsonl:5", "data.jsonl:6", "data.jsonl:7"]
    assert "skipped 4 bad input rows" in r.stderr


def test_missing_input_file_is_exit_2(tmp_path):
    recipe = make_recipe(tmp_path)
    (tmp_path / "data.jsonl").unlink()
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "data.jsonl" in r.stderr and "not found" in r.stderr


def test_output_may_not_replace_input(tmp_path):
    recipe = make_recipe(tmp_path)
    r = run_mlp("augment", recipe, "--out", tmp_path / "data.jsonl", "--overwrite")
    assert r.exit_code == 2 and "replace the input" in r.stderr
    assert len(read_jsonl(tmp_path / "data.jsonl")) == 3


def test_dedupe_counts_duplicates(tmp_path):
    # one-sentence texts cannot be shuffled: every copy equals the original
    data = [{"id": "a", "description": "Only one sentence here"}]
    recipe = make_recipe(tmp_path, body="steps:\n  - augmenter: sentence-shuffle\n", data=data)
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["items_out"] == 1 and r.summary["duplicates_removed"] == 3


@pytest.mark.parametrize("fmt,suffix", [("csv", ".csv"), ("tsv", ".tsv"), ("parquet", ".parquet")])
def test_other_formats_in_and_out(tmp_path, fmt, suffix):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / f"data{suffix}"
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(ROWS), src)
    else:
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(ROWS[0])] + [sep.join(f'"{v}"' if sep in v else v for v in r.values()) for r in ROWS]
        src.write_text("\n".join(lines) + "\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"version: 1\ninput: {{path: data{suffix}, text_field: description}}\noutput: {{path: out{suffix}}}\n"
        "copies: 2\nsteps:\n  - augmenter: sentence-shuffle\n"
    )
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["items_in"] == 3
    out = tmp_path / f"out{suffix}"
    if fmt == "parquet":
        table = pq.read_table(out).to_pylist()
        assert len(table) == r.summary["items_out"]
        assert json.loads(table[0]["_provenance"])["copy"] == 1
    else:
        import csv

        with open(out, newline="") as f:
            got = list(csv.DictReader(f, delimiter="," if fmt == "csv" else "\t"))
        assert len(got) == r.summary["items_out"] and {g["label"] for g in got} == {"thai", "italian", "mexican"}


def test_headerless_tsv_with_columns(tmp_path):
    (tmp_path / "sms").write_text('ham\tHello there. "Quoted" words!\nspam\tWin now. Call 0800.\n')
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\ninput: {path: sms, format: tsv, header: false, columns: [label, text]}\n"
        "output: {path: out.jsonl}\nsteps:\n  - augmenter: sentence-shuffle\n"
    )
    r = run_mlp("augment", recipe, "--json")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [x["label"] for x in rows] == ["ham", "spam"]
    assert '"Quoted"' in rows[0]["text"]


def test_wrong_field_count_reported_with_line(tmp_path):
    (tmp_path / "d.tsv").write_text("label\ttext\nham\thi\nspam\tone\textra\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\ninput: {path: d.tsv}\noutput: {path: o.jsonl}\nsteps: []\n")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "d.tsv:3" in r.stderr and "expected 2 fields" in r.stderr


def test_generated_rows_only_recipe_needs_generate_or_input(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\noutput: {path: o.jsonl}\n")
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "needs an 'input:' section" in r.stderr


def test_no_output_anywhere_is_usage_error(tmp_path):
    recipe = make_recipe(tmp_path)
    text = recipe.read_text().replace("output: {path: out.jsonl}\n", "")
    recipe.write_text(text)
    r = run_mlp("augment", recipe)
    assert r.exit_code == 2 and "--out" in r.stderr


def test_menu_recipe_runs(tmp_path):
    r = run_mlp("augment", MENU_RECIPE, "--out", tmp_path / "menu.jsonl", "--limit", 20, "--json")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "menu.jsonl")
    assert r.summary["items_in"] == 20 and len(rows) == r.summary["items_out"] > 20
    dropped = sum(1 for x in rows if "category" not in x)
    assert 0 < dropped < len(rows)
