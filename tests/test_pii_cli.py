"""`mlp augment` / `mlp synth pii` / `mlp synth export` end to end: files, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlp_cli.augment.pii.checks import luhn_valid
from tests.conftest import ROOT, SHARED_DATA, read_jsonl, run_mlp, write_jsonl

RECIPE = ROOT / "recipes" / "pii-detector.yaml"


def recipe(tmp_path: Path, body: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text("version: 1\ngenerate:\n  - generator: pii\n" + body, encoding="utf-8")
    return path


def test_project_recipe_end_to_end(tmp_path):
    out = tmp_path / "out.jsonl"
    r = run_mlp("augment", RECIPE, "--out", out, "--seed", 11, "--limit", 3000, "--workers", 1, "--json")
    assert r.exit_code == 0, r
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "out.manifest.json"]
    rows = read_jsonl(out)
    assert len(rows) == r.summary["items_out"] > 2500
    for row in rows:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["value"]
            if "CARD" in span["label"]:
                assert luhn_valid(span["value"])
        assert set(row) >= {
            "text",
            "spans",
            "lookalikes",
            "has_pii",
            "template",
            "locale",
            "format",
            "split",
            "_provenance",
        }
    figures = r.summary["generators"]["pii"]
    assert figures["negatives"] > 0 and figures["with_pii"] > 0
    assert set(figures["formats"]) == {"plain", "json", "xml", "csv", "log"}
    assert set(figures["split"]) == {"train", "test"}


@pytest.mark.parametrize(
    "pools", ["    pool_size: 50\n", "    pool_size: 8\n    pool_reuse: 2\n", "    pool_size: 0\n"]
)
def test_output_identical_whatever_workers(tmp_path, pools):
    # pool_size 8, pool_reuse 2: a new pool block every few dozen samples, so blocks straddle the workers' chunks
    path = recipe(
        tmp_path,
        "    count: 400\n    template_files: "
        + str(ROOT / "samples" / "pii-templates.yaml")
        + "\n    formats: [plain, json, xml, csv, log]\n    locales: [en_US, de_DE]\n"
        + pools,
    )
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_mlp("augment", path, "--out", one, "--workers", 1, "--quiet").exit_code == 0
    assert run_mlp("synth", "pii", path, "--out", two, "--workers", 2, "--quiet").exit_code == 0
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(
    "templates, where, message",
    [
        ('["Hi {{nmae}}"]', "r.yaml:5:", "unknown provider 'nmae' (did you mean 'name'?)"),
        ('["{{name:PERSN}}"]', "r.yaml:5:", "unknown label 'PERSN' (did you mean 'PERSON'?)"),
        ('["{{name}}", "card {{credit_card_number"]', "r.yaml:5:", "unbalanced '{{'"),
        ("[]", "r.yaml:5:", "empty template list"),
    ],
)
def test_inline_template_errors_exit_2_with_line(tmp_path, templates, where, message):
    path = recipe(tmp_path, f"    count: 5\n    templates: {templates}\n")
    for args in (("augment", path, "--out", tmp_path / "o.jsonl"), ("recipe", "validate", path)):
        r = run_mlp(*args)
        assert r.exit_code == 2, r
        assert where in r.stderr and message in r.stderr and r.exited_cleanly
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    "name, content, where, message",
    [
        (
            "t.yaml",
            "version: 1\ntemplates:\n  - ok {{name}}\n  - id: b\n    text: 'Hi {{emial}}'\n",
            "t.yaml:5:",
            "did you mean 'email'?",
        ),
        ("t.yaml", "version: 1\ntemplates: []\n", "t.yaml:2:", "empty template list"),
        ("t.yaml", "version: 1\ntemplates:\n  - 'x {{ssn:SSNN}}'\n", "t.yaml:3:", "unknown label 'SSNN'"),
        ("t.txt", "fine {{name}}\n# comment\nbroken {{name\n", "t.txt:3:8", "unbalanced '{{'"),
        ("t.txt", "# only a comment\n", "t.txt:1:1", "no templates"),
        (
            "t.yaml",
            "version: 1\ntemplates:\n  - a {{name}}\n  - {id: x, text: b}\n  - {id: x, text: c}\n",
            "t.yaml:5",
            "duplicate template id",
        ),
    ],
)
def test_template_file_errors_name_the_file_and_line(tmp_path, name, content, where, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    path = recipe(tmp_path, f"    count: 5\n    template_files: {name}\n    negative_share: 0\n")
    r = run_mlp("synth", "pii", path, "--out", tmp_path / "o.jsonl", "--json")
    assert r.exit_code == 2, r
    assert where in r.stderr and message in r.stderr, r.stderr
    assert r.summary["exit_code"] == 2


@pytest.mark.parametrize(
    "name, content, where, message",
    [
        (
            "t.yaml",
            "version: 1\ntemplates:\n  - ok {{name}}\n  - id: b\n    text: 'Hi {{emial}}'\n",
            "t.yaml:5:",
            "did you mean 'email'?",
        ),
        ("t.yaml", "version: 1\ntemplates: []\n", "t.yaml:2:", "empty template list"),
        (
            "t.yaml",
            "version: 1\ntemplates:\n  - 'x {{ssn:SSNN}}'\n",
            "t.yaml:3:",
            "unknown label 'SSNN' (did you mean 'US_SSN'?)",
        ),
        ("t.txt", "fine {{name}}\n# comment\nbroken {{name\n", "t.txt:3:8", "unbalanced '{{'"),
        ("t.txt", "# only a comment\n", "t.txt:1:1", "no templates"),
        (
            "t.yaml",
            "version: 1\ntemplates:\n  - a {{name}}\n  - {id: x, text: b}\n  - {id: x, text: c}\n",
            "t.yaml:5",
            "duplicate template id",
        ),
    ],
)
def test_recipe_validate_checks_template_files(tmp_path, name, content, where, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    path = recipe(tmp_path, f"    count: 5\n    template_files: [{name}]\n    negative_share: 0\n")
    r = run_mlp("recipe", "validate", path)
    assert r.exit_code == 2, r
    # the recipe field (its file and line), then the template file and line
    assert "r.yaml:5:22: generate[0].template_files[0]: " in r.stderr, r.stderr
    assert where in r.stderr and message in r.stderr and r.exited_cleanly, r.stderr


def test_recipe_validate_reports_every_template_file_and_cross_file_duplicates(tmp_path):
    (tmp_path / "a.txt").write_text("ok {{name}}\nbad {{nmae}}\n")
    (tmp_path / "b.yaml").write_text("version: 1\ntemplates:\n  - id: dup\n    text: 'Hi {{email}}'\n")
    (tmp_path / "c.yaml").write_text("version: 1\ntemplates:\n  - id: fine\n    text: 'Hi {{city}}'\n")
    path = recipe(
        tmp_path,
        "    count: 5\n    templates: [{id: dup, text: '{{name}}'}]\n"
        "    template_files: [a.txt, b.yaml, nowhere.yaml]\n    negative_share: 0\n",
    )
    r = run_mlp("recipe", "validate", path)
    assert r.exit_code == 2, r
    assert "2 problems in" in r.stderr
    assert "generate[0].template_files[0]: " in r.stderr and "a.txt:2:5: unknown provider 'nmae'" in r.stderr
    assert "generate[0].template_files[2]: " in r.stderr and "nowhere.yaml: templates file not found" in r.stderr
    fixed = path.read_text().replace("a.txt, b.yaml, nowhere.yaml", "c.yaml, b.yaml")
    path.write_text(fixed)
    r = run_mlp("recipe", "validate", path)
    assert r.exit_code == 2, r
    assert (
        "r.yaml:6:30: generate[0].template_files[1]: " in r.stderr
        and "b.yaml:3: duplicate template id 'dup'" in r.stderr
    )
    assert "(first at recipe templates[0])" in r.stderr


def test_recipe_validate_checks_locales_against_template_files(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "version: 1\ntemplates:\n  - {text: 'Herr {{name}}', locales: de_DE}\n  - 'no PII here'\n"
    )
    path = recipe(tmp_path, "    count: 5\n    template_files: t.yaml\n    locales: [de_DE, fr_FR]\n")
    r = run_mlp("recipe", "validate", path)
    assert r.exit_code == 2, r
    assert "r.yaml:6:5: generate[0].locales: no template with PII for locale 'fr_FR'" in r.stderr, r.stderr


def test_recipe_validate_rejects_steps_beside_a_pii_generator(tmp_path):
    # span-aware steps (text augmenters, noise-pad, evasion) are fine; one that would cut spans is not
    ok = recipe(tmp_path, "    count: 5\n    templates: ['Hi {{name}}', 'no PII']\nsteps:\n  - augmenter: keyboard\n")
    assert run_mlp("recipe", "validate", ok).exit_code == 0
    path = recipe(tmp_path, "    count: 5\n    templates: ['Hi {{name}}', 'no PII']\nsteps:\n  - augmenter: field-dropout\n    fields: [locale]\n")
    for args in (("recipe", "validate", path), ("augment", path, "--out", tmp_path / "o.jsonl")):
        r = run_mlp(*args)
        assert r.exit_code == 2, r
        assert "r.yaml:6:1: steps: steps would rewrite the text" in r.stderr and "spans inexact" in r.stderr, r.stderr
        assert "r.yaml:3:5" in r.stderr  # where the pii generator is
    assert not (tmp_path / "o.jsonl").exists()
    path.write_text(path.read_text().split("steps:")[0])
    assert run_mlp("recipe", "validate", path).exit_code == 0


def test_synth_pii_dry_run_checks_template_files(tmp_path):
    (tmp_path / "t.txt").write_text("ok {{name}}\nbad {{nmae}}\n")
    path = recipe(tmp_path, "    count: 5\n    template_files: t.txt\n    negative_share: 0\n")
    r = run_mlp("synth", "pii", path, "--dry-run", "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "t.txt:2:5: unknown provider 'nmae'" in r.stderr
    (tmp_path / "t.txt").write_text("ok {{name}}\nfine {{email}}\n")
    r = run_mlp("synth", "pii", path, "--dry-run", "--out", tmp_path / "o.jsonl", "--json")
    assert r.exit_code == 0, r
    assert r.summary["pii_templates"] == [
        {"templates": 2, "split": {"test": 1, "train": 1}, "per_locale": {"en_US": {"pii": 2, "negative": 0}}}
    ]
    assert not (tmp_path / "o.jsonl").exists()


def test_other_recipe_problems(tmp_path):
    missing = recipe(tmp_path, "    count: 5\n    template_files: nowhere.yaml\n")
    r = run_mlp("augment", missing, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "nowhere.yaml: templates file not found" in r.stderr
    no_negatives = recipe(tmp_path, "    count: 5\n    templates: ['{{name}}']\n    negative_share: 0.5\n", "n.yaml")
    r = run_mlp("augment", no_negatives, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "no look-alike template" in r.stderr
    bad = recipe(
        tmp_path,
        "    count: 5\n    templates: ['{{name}}']\n    locales: [en_UK]\n    formats: [jsn]\n"
        "    negative_kinds: [isbn]\n    pool_sise: 3\n",
        "b.yaml",
    )
    r = run_mlp("recipe", "validate", bad)
    assert r.exit_code == 2
    for text in (
        "unknown Faker locale 'en_UK'",
        "did you mean 'json'",
        "did you mean 'isbn13'",
        "did you mean 'pool_size'",
    ):
        assert text in r.stderr, text


def test_unique_failure_is_a_clear_error_not_a_traceback(tmp_path):
    path = recipe(
        tmp_path,
        "    count: 20\n    templates: ['{{boolean}} {{boolean}} {{boolean}}']\n"
        "    labels: {boolean: FLAG}\n    negative_share: 0\n",
    )
    r = run_mlp("augment", path, "--out", tmp_path / "o.jsonl", "--workers", 1)
    assert r.exit_code == 1, r
    assert "needs 3 different values of 'boolean'" in r.stderr and "unique: false" in r.stderr
    assert not (tmp_path / "o.jsonl").exists()
    relaxed = path.read_text() + "    unique: false\n"
    path.write_text(relaxed)
    assert run_mlp("augment", path, "--out", tmp_path / "o.jsonl", "--workers", 1).exit_code == 0


def test_synth_pii_needs_a_pii_generator(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "hello"}])
    path = tmp_path / "text.yaml"
    path.write_text(f"version: 1\ninput: {{path: {data}}}\nsteps: [{{augmenter: sentence-shuffle}}]\n")
    r = run_mlp("synth", "pii", path, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "no 'generator: pii'" in r.stderr


def test_starter_recipe_validates_and_runs(tmp_path):
    starter = tmp_path / "pii.yaml"
    assert run_mlp("recipe", "init", "pii", "-o", starter).exit_code == 0
    assert run_mlp("recipe", "validate", starter).exit_code == 0
    r = run_mlp("synth", "pii", starter, "--limit", 200, "--workers", 1, "--json")
    assert r.exit_code == 0, r
    assert (tmp_path / "pii.jsonl").exists()


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pii")
    path = d / "r.yaml"
    path.write_text(
        "version: 1\ngenerate:\n  - generator: pii\n    count: 300\n    template_files: "
        f"{ROOT / 'samples' / 'pii-templates.yaml'}\n    formats: [plain, json, xml, csv, log]\n    pool_size: 50\n"
    )
    assert run_mlp("augment", path, "--out", d / "s.jsonl", "--workers", 1, "-q").exit_code == 0
    return d / "s.jsonl"


@pytest.mark.parametrize("to, suffix", [("conll", ".conll"), ("bio", ".bio.jsonl"), ("spans", ".jsonl")])
def test_export_writes_one_file_per_split(tmp_path, samples, to, suffix):
    out = tmp_path / "export"
    r = run_mlp("synth", "export", samples, "--to", to, "--out", out, "--json")
    assert r.exit_code == 0, r
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", f"train{suffix}", f"test{suffix}"])
    assert r.summary["items_out"] == r.summary["items_in"] == sum(r.summary["splits"].values())
    source = read_jsonl(samples)
    test_templates = {x["template"] for x in source if x["split"] == "test"}
    if to == "conll":
        blocks = (out / "train.conll").read_text().strip().split("\n\n")
        assert len(blocks) == r.summary["splits"]["train"]
        tags = [line.split(" ")[1] for b in blocks for line in b.splitlines()]
        assert any(t.startswith("B-") for t in tags) and all(t == "O" or t[:2] in ("B-", "I-") for t in tags)
    elif to == "bio":
        rows = read_jsonl(out / "test.bio.jsonl")
        assert all(len(x["tokens"]) == len(x["tags"]) for x in rows)
        assert {x["template"] for x in rows} == test_templates
    else:
        rows = read_jsonl(out / "train.jsonl")
        assert not {x["template"] for x in rows} & test_templates and "_provenance" not in rows[0]
    again = run_mlp("synth", "export", samples, "--to", to, "--out", out)
    assert again.exit_code == 2 and "--overwrite" in again.stderr


def test_export_bad_rows_follow_on_error(tmp_path):
    rows = [
        {"text": "Hi Jane", "spans": [{"start": 3, "end": 7, "label": "PERSON", "value": "Jane"}], "split": "train"},
        {"text": "Hi Jane", "spans": [{"start": 2, "end": 7, "label": "PERSON", "value": "Jane"}], "split": "train"},
    ]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    with open(data, "a") as f:
        f.write("{not json\n")
    r = run_mlp("synth", "export", data, "--out", tmp_path / "x")
    assert r.exit_code == 2 and "d.jsonl:2" in r.stderr and "not exact" in r.stderr
    assert not (tmp_path / "x").exists()
    r = run_mlp("synth", "export", data, "--out", tmp_path / "x", "--on-error", "skip", "--json")
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"bad json": 1, "bad sample": 1} and r.summary["items_out"] == 1
    assert run_mlp("synth", "export", data, "--out", tmp_path / "y", "--on-error", "skp").exit_code == 2


@pytest.mark.parametrize("args", [("synth", "--help"), ("synth", "pii", "--help"), ("synth", "export", "--help")])
def test_help(args):
    r = run_mlp(*args)
    assert r.exit_code == 0, r
    assert "Example" in r.stdout or "Commands" in r.stdout


@pytest.mark.slow
def test_full_project_recipe_like_the_acceptance_check(tmp_path):
    assert SHARED_DATA.parent.exists()
    out = tmp_path / "out.jsonl"
    r = run_mlp("augment", RECIPE, "--out", out, "--seed", 11, "--json")
    assert r.exit_code == 0, r
    rows = read_jsonl(out)
    assert all(x["text"][s["start"] : s["end"]] == s["value"] for x in rows for s in x["spans"])
    assert sum(1 for x in rows if not x["spans"]) > 0.15 * len(rows)
    assert json.loads((tmp_path / "out.manifest.json").read_text())["counts"]["items_out"] == len(rows)
