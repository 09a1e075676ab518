"""`mlp curriculum` end to end: the real command in-process, its files, exit codes and messages."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.curriculum import run as curriculum_run
from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

CLOUDFLARE = ROOT / "recipes" / "curriculum-cloudflare.yaml"


def stage_rows(folder: Path) -> list[list[dict]]:
    return [read_jsonl(p) for p in sorted(folder.glob("stage_*.jsonl"))]


def make_recipe(tmp_path: Path, body: str, rows: list[dict] | None = None) -> Path:
    if rows is not None:
        write_jsonl(tmp_path / "data.jsonl", rows)
    path = tmp_path / "recipe.yaml"
    path.write_text("version: 1\nkind: curriculum\n" + body, encoding="utf-8")
    return path


ROWS = [
    {"id": f"r{i}", "text": " ".join(["w"] * (1 + i % 7)) + f" t{i % 3}", "difficulty": (i * 37 % 10) / 10}
    for i in range(40)
]
SIMPLE = """
inputs: [{path: data.jsonl}]
schedule: {stages: 4}
output: {path: out, chart: false}
"""


# ---------------------------------------------------------------------------------------------
# The Cloudflare recipe


def test_cloudflare_recipe_phases_in_order_every_row_once(tmp_path):
    out = tmp_path / "cur"
    r = run_mlp("curriculum", CLOUDFLARE, "--out", out, "--seed", 2, "--json")
    assert r.exit_code == 0, r
    s = r.summary
    stages = stage_rows(out)
    assert len(stages) == 10 == s["stages"]
    rows = [row for stage in stages for row in stage]
    assert len(rows) == s["items_in"] == s["items_out"] == 1000
    # a permutation: every input row exactly once
    sources = [row["_curriculum"]["source"] for row in rows]
    assert len(set(sources)) == len(sources)
    # phases in the schedule's order, stages non-decreasing in difficulty inside a phase
    order = ["synthetic-easy", "synthetic-hard", "real"]
    phase_seq = [order.index(stage[0]["_curriculum"]["phase"]) for stage in stages if stage]
    assert phase_seq == sorted(phase_seq)
    for phase in order:
        d = [row["_curriculum"]["difficulty"] for row in rows if row["_curriculum"]["phase"] == phase]
        assert d == sorted(d)
    # the mix: the real phase holds real rows and some hard synthetic rows, nothing easy
    real_tags = {row["_curriculum"]["tag"] for row in rows if row["_curriculum"]["phase"] == "real"}
    assert real_tags == {"real", "synthetic-hard"}
    assert [row["_curriculum"]["order"] for row in rows] == list(range(1000))
    # original rows are untouched apart from the provenance
    assert {"text", "label", "level", "difficulty", "_provenance"} <= set(rows[0])
    manifest = json.loads((out / "manifest.json").read_text())
    assert [st["rows"] for st in manifest["figures"]["stage_detail"]] == [len(st) for st in stages]
    assert {p["phase"] for p in manifest["figures"]["phases"]} == set(order)
    assert (out / "difficulty.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".jsonl") == ["difficulty.png", "manifest.json"]


def test_same_seed_same_bytes_and_seed_changes_ties(tmp_path):
    args = ["curriculum", CLOUDFLARE, "--seed", 5, "--no-chart", "--quiet"]
    assert run_mlp(*args, "--out", tmp_path / "a").exit_code == 0
    assert run_mlp(*args, "--out", tmp_path / "b").exit_code == 0
    a = [p.read_bytes() for p in sorted((tmp_path / "a").glob("stage_*"))]
    b = [p.read_bytes() for p in sorted((tmp_path / "b").glob("stage_*"))]
    assert a == b
    assert run_mlp("curriculum", CLOUDFLARE, "--seed", 6, "--no-chart", "--out", tmp_path / "c").exit_code == 0
    assert a != [p.read_bytes() for p in sorted((tmp_path / "c").glob("stage_*"))]


def test_output_does_not_depend_on_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(curriculum_run, "PARALLEL_MIN_BYTES", 0)  # use worker processes on small data
    monkeypatch.setattr(curriculum_run, "CHUNK_LINES", 64)
    # the runtime's worker start-up imports torch when it can; curriculum workers never use it
    monkeypatch.setitem(sys.modules, "torch", None)
    for w in (1, 2):
        r = run_mlp("curriculum", CLOUDFLARE, "--workers", w, "--no-chart", "--out", tmp_path / f"w{w}", "--json")
        assert r.exit_code == 0, r
        assert r.summary["workers"] == w
    one = [p.read_bytes() for p in sorted((tmp_path / "w1").glob("stage_*"))]
    two = [p.read_bytes() for p in sorted((tmp_path / "w2").glob("stage_*"))]
    assert one == two


@pytest.mark.parametrize("order", ["anti", "random"])
def test_baselines_same_stage_sizes_other_order(tmp_path, order):
    base = run_mlp("curriculum", CLOUDFLARE, "--no-chart", "--out", tmp_path / "cur", "--json")
    other = run_mlp("curriculum", CLOUDFLARE, "--no-chart", "--order", order, "--out", tmp_path / order, "--json")
    assert base.exit_code == other.exit_code == 0
    assert other.summary["order"] == order
    assert base.summary["stage_sizes"] == other.summary["stage_sizes"]
    rows = [row for stage in stage_rows(tmp_path / order) for row in stage]
    assert len({row["_curriculum"]["source"] for row in rows}) == len(rows) == 1000
    hard = [row["_curriculum"]["difficulty"] for row in rows if row["_curriculum"]["phase"] == "synthetic-hard"]
    if order == "anti":
        assert hard == sorted(hard, reverse=True)
    else:
        assert hard != sorted(hard) and hard != sorted(hard, reverse=True)


# ---------------------------------------------------------------------------------------------
# Layouts and formats


def test_single_file_with_stage_and_order_columns(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, ROWS)
    r = run_mlp("curriculum", recipe, "--layout", "single", "--out", tmp_path / "cur.jsonl", "--json")
    assert r.exit_code == 0, r
    rows = read_jsonl(tmp_path / "cur.jsonl")
    assert [row["order"] for row in rows] == list(range(40))
    assert [row["stage"] for row in rows] == sorted(row["stage"] for row in rows)
    assert sorted(row["id"] for row in rows) == sorted(row["id"] for row in ROWS)
    assert (tmp_path / "cur.manifest.json").exists()
    r = run_mlp("curriculum", recipe, "--layout", "single", "--out", tmp_path / "nosuffix")
    assert r.exit_code == 2 and "suffix" in r.stderr


def test_parquet_shards(tmp_path):
    import pyarrow.parquet as pq

    recipe = make_recipe(tmp_path, SIMPLE, ROWS)
    r = run_mlp("curriculum", recipe, "--format", "parquet", "--json")
    assert r.exit_code == 0, r
    files = sorted((tmp_path / "out").glob("stage_*.parquet"))
    assert len(files) == 4
    tables = [pq.read_table(f).to_pylist() for f in files]
    assert sum(len(t) for t in tables) == 40
    assert json.loads(tables[0][0]["_curriculum"])["stage"] == 0


def test_csv_input_written_back_as_csv(tmp_path):
    lines = ["id,text,difficulty"] + [f"{i},word {i},{i % 4}" for i in range(12)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    recipe = make_recipe(
        tmp_path, "inputs: [{path: data.csv}]\nschedule: {stages: 3}\noutput: {path: out, chart: false}\n"
    )
    r = run_mlp("curriculum", recipe, "--json")
    assert r.exit_code == 0, r
    files = sorted((tmp_path / "out").glob("stage_*.csv"))
    assert len(files) == 3
    body = "".join(f.read_text() for f in files)
    assert "data.csv:2" in body  # provenance names the original line


def test_replay_baby_steps_is_cumulative(tmp_path):
    body = SIMPLE.replace(
        "schedule: {stages: 4}",
        "schedule:\n  phases: [{name: all, stages: 4, replay: true, pacing: {function: baby-steps}}]",
    )
    recipe = make_recipe(tmp_path, body, ROWS)
    r = run_mlp("curriculum", recipe, "--json")
    assert r.exit_code == 0, r
    stages = [{row["id"] for row in st} for st in stage_rows(tmp_path / "out")]
    assert all(stages[k] <= stages[k + 1] for k in range(3))
    assert r.summary["items_out"] > r.summary["items_in"] and r.summary["permutation"] is False


def test_token_rarity_and_length_scorers(tmp_path):
    rows = [{"text": "common common common"}, {"text": "rare zebra words"}, {"text": "common"}, {"text": ""}]
    body = """
inputs: [{path: data.jsonl}]
difficulty: [{scorer: token-rarity}, {scorer: length, unit: tokens, weight: 0.5}]
schedule: {stages: 1}
output: {path: out, chart: false}
"""
    r = run_mlp("curriculum", make_recipe(tmp_path, body, rows), "--json")
    assert r.exit_code == 0, r
    texts = [row["text"] for row in stage_rows(tmp_path / "out")[0]]
    assert texts[0] == "" and texts[-1] == "rare zebra words"


# ---------------------------------------------------------------------------------------------
# Joined scores files


SCORED = """
inputs: [{path: data.jsonl}]
difficulty: [{scorer: file, path: scores.jsonl, score_field: loss, missing: MISSING}]
schedule: {stages: 2}
output: {path: out, chart: false}
"""


def scored(tmp_path: Path, missing: str) -> Path:
    rows = [{"id": i, "text": f"t{i}"} for i in range(6)]
    write_jsonl(tmp_path / "scores.jsonl", [{"id": i, "loss": 10 - i} for i in range(5)])  # id 5 has none
    return make_recipe(tmp_path, SCORED.replace("MISSING", missing), rows)


def test_scores_file_joined_by_id(tmp_path):
    r = run_mlp("curriculum", scored(tmp_path, "easiest"), "--json")
    assert r.exit_code == 0, r
    ids = [row["id"] for st in stage_rows(tmp_path / "out") for row in st]
    assert ids == [5, 4, 3, 2, 1, 0]  # lowest loss first; the id without a score is easiest


def test_scores_file_may_be_a_headerless_tsv(tmp_path):
    # the scores file takes the same data-source keys as every input
    rows = [{"id": i, "text": f"t{i}"} for i in range(4)]
    body = SCORED.replace(
        "path: scores.jsonl, score_field: loss",
        "path: scores.tsv, columns: [id, loss], header: false, score_field: loss",
    )
    recipe = make_recipe(tmp_path, body.replace("MISSING", "fail"), rows)
    (tmp_path / "scores.tsv").write_text("".join(f"{i}\t{10 - i}\n" for i in range(4)))
    r = run_mlp("curriculum", recipe, "--json")
    assert r.exit_code == 0, r
    assert [row["id"] for st in stage_rows(tmp_path / "out") for row in st] == [3, 2, 1, 0]


def test_scores_file_missing_id_fails_clearly(tmp_path):
    r = run_mlp("curriculum", scored(tmp_path, "fail"))
    assert r.exit_code == 2
    assert "data.jsonl:6" in r.stderr and "missing:" in r.stderr
    assert not (tmp_path / "out").exists()


def test_scores_file_missing_id_skip_is_counted(tmp_path):
    r = run_mlp("curriculum", scored(tmp_path, "skip"), "--json")
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"missing score": 1}
    assert r.summary["items_out"] == 5


def test_scores_file_duplicate_id(tmp_path):
    recipe = scored(tmp_path, "fail")
    write_jsonl(tmp_path / "scores.jsonl", [{"id": 1, "loss": 1}, {"id": 1, "loss": 2}])
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "appears twice" in r.stderr


def test_higher_is_easier_reverses_a_confidence(tmp_path):
    rows = [{"id": i, "confidence": i / 10} for i in range(5)]
    body = "inputs: [{path: data.jsonl}]\ndifficulty: [{scorer: field, field: confidence, higher_is_easier: true}]\nschedule: {stages: 1}\noutput: {path: out, chart: false}\n"
    assert run_mlp("curriculum", make_recipe(tmp_path, body, rows)).exit_code == 0
    assert [row["id"] for row in stage_rows(tmp_path / "out")[0]] == [4, 3, 2, 1, 0]


def test_field_scorer_follows_a_dotted_path_into_mined_rows(tmp_path):
    # rows as mine-negatives writes them: the first negative's score says how hard the row is
    rows = [
        {"anchor": f"q{i}", "positive": "p", "negative_1": "n",
         "_provenance": {"negatives": [{"id": f"d{i}", "score": s}, {"id": "x", "score": 0.0}]}}
        for i, s in enumerate([0.7, 0.1, 0.5, 0.3])
    ]
    rows.append({"anchor": "q4", "positive": "p", "negative_1": "n", "_provenance": {"negatives": []}})
    rows.append({"anchor": "q5", "_provenance.negatives.0.score": 0.2})  # a field with dots wins over the path
    body = (
        "inputs: [{path: data.jsonl}]\n"
        "difficulty: [{scorer: field, field: _provenance.negatives.0.score, missing: hardest}]\n"
        "schedule: {stages: 1}\noutput: {path: out, chart: false}\n"
    )
    r = run_mlp("curriculum", make_recipe(tmp_path, body, rows), "--json")
    assert r.exit_code == 0, r
    assert [row["anchor"] for row in stage_rows(tmp_path / "out")[0]] == ["q1", "q5", "q3", "q2", "q0", "q4"]
    rows[0]["_provenance"]["negatives"][0]["score"] = "high"
    r = run_mlp("curriculum", make_recipe(tmp_path, body, rows), "--overwrite")
    assert r.exit_code == 2 and "data.jsonl:1" in r.stderr and "expected a number" in r.stderr


# ---------------------------------------------------------------------------------------------
# Unhappy paths


def test_bad_row_fails_with_file_and_line_or_is_skipped(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, ROWS)
    with open(tmp_path / "data.jsonl", "a") as f:
        f.write("{not json\n")
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "data.jsonl:41" in r.stderr and "on_error: skip" in r.stderr
    (tmp_path / "recipe.yaml").write_text(recipe.read_text() + "on_error: skip\n")
    r = run_mlp("curriculum", recipe, "--json")
    assert r.exit_code == 0, r
    assert r.summary["skipped"] == {"bad json": 1} and r.summary["items_in"] == 41 and r.summary["items_out"] == 40


def test_non_numeric_difficulty_is_a_bad_row(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, ROWS[:3] + [{"text": "x", "difficulty": "hard"}])
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "data.jsonl:4" in r.stderr and "expected a number" in r.stderr


def test_unmapped_phase_value(tmp_path):
    rows = [{"text": "a", "level": "uniform", "difficulty": 0}, {"text": "b", "level": "weird", "difficulty": 1}]
    body = "inputs: [{path: data.jsonl, phase_by: {field: level, phases: {uniform: easy}}}]\noutput: {path: out}\n"
    r = run_mlp("curriculum", make_recipe(tmp_path, body, rows))
    assert r.exit_code == 2 and "data.jsonl:2" in r.stderr and "'weird'" in r.stderr


def test_recipe_errors_name_file_line_and_suggest(tmp_path):
    body = """
inputs: [{path: data.jsonl, phase: synthetic}]
schedule:
  pacing: {function: babysteps}
  phases:
    - name: synthetic
      pacing: {function: linear, factor: 3}
    - name: rael
output: {path: out}
"""
    r = run_mlp("curriculum", make_recipe(tmp_path, body, ROWS))
    assert r.exit_code == 2
    assert "recipe.yaml:6:" in r.stderr and "did you mean 'baby-steps'" in r.stderr
    assert "'factor' does not apply to pacing 'linear'" in r.stderr
    assert "no input is tagged 'rael'" in r.stderr
    assert r.exited_cleanly


def test_field_clash_with_provenance(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, [{"text": "a", "difficulty": 1, "_curriculum": {}}])
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "provenance_field" in r.stderr


def test_existing_output_needs_overwrite(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, ROWS)
    assert run_mlp("curriculum", recipe).exit_code == 0
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "--overwrite" in r.stderr
    assert run_mlp("curriculum", recipe, "--overwrite").exit_code == 0


def test_missing_input_empty_input_and_input_override(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE)
    r = run_mlp("curriculum", recipe)
    assert r.exit_code == 2 and "input file not found" in r.stderr and "recipe.yaml:" in r.stderr
    (tmp_path / "empty.jsonl").write_text("\n")
    r = run_mlp("curriculum", recipe, "--input", tmp_path / "empty.jsonl")
    assert r.exit_code == 2 and "no rows" in r.stderr
    r = run_mlp("curriculum", CLOUDFLARE, "--input", tmp_path / "empty.jsonl", "--out", tmp_path / "x")
    assert r.exit_code == 2 and "only input" in r.stderr


def test_limit_and_dry_run(tmp_path):
    recipe = make_recipe(tmp_path, SIMPLE, ROWS)
    r = run_mlp("curriculum", recipe, "--dry-run", "--json")
    assert r.exit_code == 0 and r.summary["dry_run"] and not (tmp_path / "out").exists()
    assert r.summary["plan"]["phases"][0]["stages"] == 4
    r = run_mlp("curriculum", recipe, "--limit", 10, "--json")
    assert r.exit_code == 0 and r.summary["items_in"] == 10 == r.summary["items_out"]


def test_library_entry(tmp_path):
    from mlp_cli.curriculum import build_curriculum

    write_jsonl(tmp_path / "data.jsonl", ROWS)
    report = build_curriculum(
        {"version": 1, "kind": "curriculum", "inputs": [{"path": "data.jsonl"}], "output": {"chart": False}},
        tmp_path / "out",
        base_dir=tmp_path,
        order="anti",
    )
    assert report.items_out == 40 and report.extra["order"] == "anti"


def test_starter_recipe_validates(tmp_path):
    r = run_mlp("recipe", "init", "curriculum", "-o", tmp_path / "c.yaml")
    assert r.exit_code == 0
    r = run_mlp("recipe", "validate", tmp_path / "c.yaml")
    assert r.exit_code == 0, r


def test_help():
    r = run_mlp("curriculum", "--help")
    assert r.exit_code == 0 and "--order" in r.stdout and "--layout" in r.stdout


def test_recipe_round_trips_through_dump(tmp_path):
    from mlp_cli.recipe.loader import dump_recipe, load_recipe

    loaded = load_recipe(CLOUDFLARE, kind="curriculum")
    copy = tmp_path / "copy.yaml"
    copy.write_text(dump_recipe(loaded.model))
    assert load_recipe(copy, kind="curriculum").model == loaded.model


def test_limit_across_inputs_with_token_rarity(tmp_path):
    r = run_mlp("curriculum", CLOUDFLARE, "--limit", 700, "--no-chart", "--out", tmp_path / "cur", "--json")
    assert r.exit_code == 0, r
    rows = [row for stage in stage_rows(tmp_path / "cur") for row in stage]
    assert r.summary["items_in"] == len(rows) == 700
    assert sum(row["_curriculum"]["tag"] == "real" for row in rows) == 100


@settings(max_examples=15, deadline=None)
@given(
    difficulties=st.lists(st.one_of(st.none(), st.integers(0, 3), st.floats(-1e6, 1e6)), min_size=1, max_size=60),
    function=st.sampled_from(["linear", "root", "exponential", "step", "baby-steps"]),
    stages=st.integers(1, 6),
    order=st.sampled_from(["curriculum", "anti", "random"]),
    seed=st.integers(0, 10_000),
)
def test_command_output_is_a_permutation_of_the_input(difficulties, function, stages, order, seed):
    rows = [{"id": i, "difficulty": d} for i, d in enumerate(difficulties)]
    with tempfile.TemporaryDirectory() as tmp:
        recipe = make_recipe(
            Path(tmp),
            f"inputs: [{{path: data.jsonl, phase: a}}]\n"
            f"difficulty: [{{scorer: field, field: difficulty, missing: median}}]\n"
            f"schedule: {{order: {order}, stages: {stages}, pacing: {{function: {function}}}}}\n"
            "output: {path: out, chart: false}\n",
            rows,
        )
        r = run_mlp("curriculum", recipe, "--seed", seed, "--json")
        assert r.exit_code == 0, r
        written = [row for stage in stage_rows(Path(tmp) / "out") for row in stage]
    assert sorted(row["id"] for row in written) == list(range(len(rows)))
    assert [row["_curriculum"]["order"] for row in written] == list(range(len(rows)))
    assert r.summary["stages"] == stages
