"""`mlp run`: pipelines of existing recipes, driven through the real command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mlp_cli.errors import ExitCode
from mlp_cli.pipeline.checks import figure_value, parse_figure
from mlp_cli.pipeline.plan import deep_merge
from tests.conftest import ROOT, run_mlp, write_jsonl

ROWS = [{"text": f"row number {i} with some words", "label": "ham", "difficulty": i / 40} for i in range(40)]


def augment_step(source: str) -> dict:
    return {
        "version": 1,
        "kind": "augment",
        "input": {source: "a"} if source == "from" else {"path": "rows.jsonl"},
        "copies": 2,
        "steps": [{"augmenter": "word-swap", "p": 0.5}],
        "output": {"path": "out.jsonl"},
    }


def curriculum_step() -> dict:
    return {
        "version": 1,
        "kind": "curriculum",
        "inputs": [{"from": "b", "phase": "all"}],
        "difficulty": [{"scorer": "length", "field": "text"}],
        "schedule": {"phases": [{"name": "all", "stages": 2, "pacing": {"function": "linear"}}]},
        "output": {"path": "cur", "layout": "shards", "format": "jsonl"},
    }


def write_pipeline(folder: Path, checks: list | None = None, b_copies: int = 2) -> Path:
    """A pipeline a -> b -> c, with c written first to show dependency order."""
    write_jsonl(folder / "rows.jsonl", ROWS)
    b = augment_step("from")
    b["copies"] = b_copies
    doc = {
        "version": 1,
        "kind": "pipeline",
        "seed": 3,
        "steps": [
            {"name": "c", "recipe": curriculum_step()},
            {"name": "b", "recipe": b},
            {"name": "a", "recipe": augment_step("path")},
        ],
        "checks": checks or [],
    }
    path = folder / "pipe.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def run(pipe: Path, out: Path, *args) -> dict:
    workers = () if "--workers" in args else ("--workers", "1")  # small inputs: no process pool
    result = run_mlp("run", pipe, "--out", out, "--json", *workers, *args)
    assert result.exit_code == 0, result
    return result.summary


def statuses(summary: dict) -> dict[str, str]:
    steps = summary.get("steps") or summary["plan"]["steps"]
    return {name: entry["status"] for name, entry in steps.items()}


def test_dependency_order_then_fully_cached(tmp_path: Path):
    pipe = write_pipeline(tmp_path)
    first = run(pipe, tmp_path / "run")
    assert list(first["steps"]) == ["a", "b", "c"]  # written c, b, a; run in dependency order
    assert statuses(first) == {"a": "ran", "b": "ran", "c": "ran"}
    assert (tmp_path / "run" / "c" / "cur" / "stage_001.jsonl").exists()
    second = run(pipe, tmp_path / "run")
    assert statuses(second) == {"a": "cached", "b": "cached", "c": "cached"}
    assert second["cached"] == ["a", "b", "c"]


def test_changed_step_reruns_only_its_downstream(tmp_path: Path):
    run(write_pipeline(tmp_path), tmp_path / "run")
    changed = run(write_pipeline(tmp_path, b_copies=3), tmp_path / "run")
    assert statuses(changed) == {"a": "cached", "b": "ran", "c": "ran"}


def test_touched_output_invalidates_its_step(tmp_path: Path):
    pipe = write_pipeline(tmp_path)
    run(pipe, tmp_path / "run")
    with open(tmp_path / "run" / "a" / "out.jsonl", "a") as f:
        f.write('{"text": "tampered"}\n')
    again = run(pipe, tmp_path / "run")
    assert again["steps"]["a"]["status"] == "ran" and "changed" in again["steps"]["a"]["reason"]
    assert statuses(again)["c"] == "cached"  # a's rebuilt output is byte-identical, so b and c stay cached


def test_only_until_force_and_dry_run(tmp_path: Path):
    pipe = write_pipeline(tmp_path)
    dry = run(pipe, tmp_path / "run", "--dry-run")
    assert statuses(dry) == {"a": "would run", "b": "would run", "c": "would run"}
    assert not (tmp_path / "run").exists()
    until = run(pipe, tmp_path / "run", "--until", "b")
    assert statuses(until) == {"a": "ran", "b": "ran"}
    only = run(pipe, tmp_path / "run", "--only", "c")
    assert statuses(only) == {"c": "ran"}
    forced = run(pipe, tmp_path / "run", "--force", "b")
    assert statuses(forced) == {"a": "cached", "b": "ran", "c": "cached"}
    missing = run_mlp("run", pipe, "--out", tmp_path / "fresh", "--only", "c")
    assert missing.exit_code == ExitCode.USAGE and "run it first" in missing.stderr


def test_failing_check_exits_3_names_it_and_keeps_outputs(tmp_path: Path):
    checks = [{"step": "a", "figure": "items_out", "min": 1}, {"step": "b", "figure": "items_out", "min": 10**9}]
    pipe = write_pipeline(tmp_path, checks)
    result = run_mlp("run", pipe, "--out", tmp_path / "run", "--json", "--workers", "1")
    assert result.exit_code == ExitCode.CHECK_FAILED == 3, result
    assert "step 'b'" in result.stderr and "items_out" in result.stderr and "1e+09" in result.stderr
    listed = {(c["step"], c["passed"]) for c in result.summary["checks"]}
    assert listed == {("a", True), ("b", False)}
    manifest = json.loads((tmp_path / "run" / "b" / "out.manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert (tmp_path / "run" / "b" / "out.jsonl").exists()
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["status"] == "failed"
    assert "c" not in result.summary["steps"]  # fail fast


def test_check_in_a_single_command_recipe(tmp_path: Path):
    write_jsonl(tmp_path / "rows.jsonl", ROWS)
    recipe = augment_step("path")
    recipe["checks"] = [{"figure": "skipped / items_in", "max": 0.001}, {"figure": "items_out", "max": 5}]
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp("augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl", "--workers", "1")
    assert result.exit_code == 3, result
    assert re.search(r"check 'items_out' failed: value \d+, wanted max 5", result.stderr), result.stderr
    assert json.loads((tmp_path / "o.manifest.json").read_text())["status"] == "failed"


def test_bad_pipelines_name_the_line(tmp_path: Path):
    write_jsonl(tmp_path / "rows.jsonl", ROWS)
    doc = {"version": 1, "kind": "pipeline", "steps": [{"name": "b", "recipe": augment_step("from")}]}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    result = run_mlp("run", tmp_path / "p.yaml")
    assert result.exit_code == 2 and "p.yaml:" in result.stderr and "'from: a' names no step" in result.stderr
    doc["steps"] = [{"name": "a", "recipe": "missing.yaml"}]
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    assert "not found" in run_mlp("recipe", "validate", tmp_path / "p.yaml").stderr


@pytest.mark.parametrize("args", [("--workers", "2"), ("--workers", "1")])
def test_pipeline_output_is_the_same_whatever_the_workers(tmp_path: Path, args):
    pipe = write_pipeline(tmp_path)
    run(pipe, tmp_path / "one", "--workers", "1")
    run(pipe, tmp_path / "other", *args)
    for name in ("a/out.jsonl", "b/out.jsonl", "c/cur/stage_000.jsonl", "c/cur/stage_001.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "other" / name).read_bytes()


def test_shipped_pipelines_validate():
    for name in ("pipeline-waf.yaml", "pipeline-retrieval.yaml"):
        result = run_mlp("recipe", "validate", ROOT / "recipes" / name)
        assert result.exit_code == 0, result


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_ratio_figures(top: int, bottom: int):
    summary = {"skipped": {"bad json": top}, "items_in": bottom}
    assert figure_value("skipped / items_in", [summary]) == pytest.approx(top / bottom)
    assert figure_value("missing.path", [summary]) is None


@pytest.mark.parametrize("figure", ["__import__('os')", "a / b / c", "a.b()", ""])
def test_figure_expressions_are_not_code(figure: str):
    with pytest.raises(Exception, match="figure"):
        parse_figure(figure)


def test_override_merges_mappings_and_list_items():
    base = {"generate": [{"count": 5, "label": "x"}, {"count": 1}], "seed": 0}
    merged = deep_merge(base, {"generate": {0: {"count": 9}}, "seed": 2})
    assert merged == {"generate": [{"count": 9, "label": "x"}, {"count": 1}], "seed": 2}


# --- determinism of whole pipelines across workers and engines --------------------------------

HOW_IT_RAN = {"seconds", "fit_seconds", "timings", "engine", "workers", "overrides", "where", "write"}  # not what it made


def _what_it_made(node):
    """A manifest without its timings and the engine and workers it ran on."""
    if isinstance(node, dict):
        return {k: _what_it_made(v) for k, v in node.items() if k not in HOW_IT_RAN}
    if isinstance(node, list):
        return [_what_it_made(v) for v in node]
    return node


def _outputs(folder: Path) -> dict[str, bytes | dict]:
    """Every file a pipeline run wrote, but the cache and the report; manifests as what they say was made."""
    found: dict[str, bytes | dict] = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = file.relative_to(folder).as_posix()
        if rel.startswith((".mlp-cache/", "report")):
            continue
        found[rel] = _what_it_made(json.loads(file.read_text())) if rel.endswith("manifest.json") else file.read_bytes()
    return found


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray with 2 CPUs for the module: each `--engine ray` step reuses it instead of starting one."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.parametrize("pipeline", ["pipeline-waf.yaml", "pipeline-retrieval.yaml"])
def test_shipped_pipelines_give_the_same_bytes_whatever_the_workers_and_engine(tmp_path: Path, pipeline, local_ray):
    runs = {}
    for how in (("--workers", "1"), ("--workers", "2"), ("--engine", "ray", "--workers", "2")):
        out = tmp_path / "run"  # the same folder each time (paths are in the manifests), moved away after
        summary = run(ROOT / "recipes" / pipeline, out, *how)
        assert set(summary["ran"]) == set(summary["steps"]), summary["steps"]  # nothing from a cache
        runs[how] = _outputs(out)
        out.rename(tmp_path / "-".join(how).replace("--", ""))
    (first, expected), *others = runs.items()
    assert any(name.endswith(".jsonl") for name in expected) and any(n.endswith("manifest.json") for n in expected)
    for how, found in others:
        assert sorted(found) == sorted(expected), how
        differ = [name for name in expected if found[name] != expected[name]]
        assert not differ, f"{' '.join(how)} differs from {' '.join(first)} in {differ}"
    engines = {json.loads(p.read_text())["engine"] for p in (tmp_path / "engine-ray-workers-2").rglob("*manifest.json")}
    assert engines == {"ray"}  # the ray run did run on ray


def test_a_pipelines_ray_section_reaches_steps_without_their_own(tmp_path: Path, local_ray):
    pipe = write_pipeline(tmp_path)
    doc = yaml.safe_load(pipe.read_text())
    doc["ray"] = {"batch_size": 7}
    doc["steps"][1]["recipe"]["ray"] = {"batch_size": 5}  # step b names its own
    pipe.write_text(yaml.safe_dump(doc, sort_keys=False))
    run(pipe, tmp_path / "run", "--engine", "ray", "--workers", "2")
    tasks = {}
    for step in ("a", "b"):
        manifest = next((tmp_path / "run" / step).glob("*manifest.json"))
        tasks[step] = json.loads(manifest.read_text())["figures"]["engine"]["task"]["batch_size"]
    assert tasks == {"a": 7, "b": 5}


# --- `mlp recipe validate` and `mlp run` check every step before anything runs ------------------


def _lines(text: str) -> str:
    return " ".join(text.split())


def test_validate_checks_every_step_deeply_and_names_file_line_field(tmp_path: Path):
    write_jsonl(tmp_path / "rows.jsonl", ROWS)
    (tmp_path / "steps").mkdir()
    referenced = augment_step("path")
    referenced["input"]["path"] = "../rows.jsonl"
    referenced["steps"].append({"augmenter": "word-swap", "p": 1.5})  # bad in the step's own file
    (tmp_path / "steps" / "swap.yaml").write_text(yaml.safe_dump(referenced, sort_keys=False))
    inline = augment_step("from")
    inline["input"] = {"from": "a"}
    inline["copies"] = "many"  # bad in the pipeline's inline recipe
    doc = {
        "version": 1,
        "kind": "pipeline",
        "steps": [
            {"name": "a", "recipe": "steps/swap.yaml", "override": {"steps": {0: {"p": 7}}}},  # bad override
            {"name": "b", "recipe": inline},
        ],
    }
    pipe = tmp_path / "p.yaml"
    pipe.write_text(yaml.safe_dump(doc, sort_keys=False))
    text = pipe.read_text().splitlines()
    result = run_mlp("recipe", "validate", pipe)
    assert result.exit_code == ExitCode.USAGE, result
    err = _lines(result.stderr)
    assert "3 problems" in err, result.stderr
    line = next(i for i, t in enumerate(text, 1) if "p: 7" in t)
    assert f"step 'a': {pipe}:{line}:" in err and "steps[0].override.steps.0.p:" in err  # the override's line
    swap = (tmp_path / "steps" / "swap.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(swap, 1) if "p: 1.5" in t)
    assert f"step 'a': {tmp_path / 'steps' / 'swap.yaml'}:{line}:" in err and "steps[1].p:" in err  # its own file
    line = next(i for i, t in enumerate(text, 1) if "copies: many" in t)
    assert f"step 'b': {pipe}:{line}:" in err and "steps[1].recipe.copies:" in err  # inline, in the pipeline
    ran = run_mlp("run", pipe, "--out", tmp_path / "out")
    assert ran.exit_code == ExitCode.USAGE and "3 problems" in _lines(ran.stderr)
    assert not (tmp_path / "out").exists()  # nothing ran: step a's own problems stop step a too


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda d: d["steps"][1]["recipe"]["input"].update({"from": "zz"}),
            "steps[1].recipe.input.from",
            "names no step",
        ),
        (lambda d: d["steps"][1]["recipe"]["input"].update({"from": "b"}), "steps[1].recipe.input.from", "itself"),
        (lambda d: d["checks"].append({"step": "q", "figure": "items_out"}), "checks[0].step", "unknown step 'q'"),
        (lambda d: d["checks"].append({"step": "a", "figure": "a.b()"}), "checks[0].figure", "dotted path"),
        (
            lambda d: d["steps"][0]["recipe"].update(checks=[{"step": "a", "figure": "items_out"}]),
            "steps[0].recipe.checks[0].step",
            "pipeline's checks",
        ),
        (lambda d: d["steps"][0]["recipe"].update(kind="pipeline"), "steps[0].recipe.kind", "a step runs one of"),
    ],
)
def test_validate_names_bad_references_and_checks(tmp_path: Path, change, field, message):
    write_jsonl(tmp_path / "rows.jsonl", ROWS)
    b = augment_step("from")
    doc = {
        "version": 1,
        "kind": "pipeline",
        "steps": [{"name": "a", "recipe": augment_step("path")}, {"name": "b", "recipe": b}],
        "checks": [],
    }
    change(doc)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    result = run_mlp("recipe", "validate", tmp_path / "p.yaml")
    assert result.exit_code == ExitCode.USAGE, result
    assert re.search(rf"{re.escape(str(tmp_path / 'p.yaml'))}:\d+:\d+: {re.escape(field)}: ", result.stderr), result
    assert message in result.stderr


# --- `mlp recipe init pipeline` ----------------------------------------------------------------


def test_init_pipeline_starter_validates_and_runs_on_samples(tmp_path: Path):
    starter = tmp_path / "pipeline.yaml"
    assert run_mlp("recipe", "init", "pipeline", "-o", starter).exit_code == 0
    assert run_mlp("recipe", "validate", starter).exit_code == 0
    (tmp_path / "samples").symlink_to(ROOT / "samples")  # the starter is written at the project root
    first = run(starter, tmp_path / "out")
    assert statuses(first) == {"negatives": "ran", "real": "ran", "curriculum": "ran"}
    assert all(c["passed"] for c in first["checks"]) and len(first["checks"]) == 3
    assert list((tmp_path / "out" / "curriculum" / "curriculum").glob("stage_*.jsonl"))
    assert statuses(run(starter, tmp_path / "out")) == {"negatives": "cached", "real": "cached", "curriculum": "cached"}
