"""The Ray engine behind the executor seam: same results, in index order, as the local engine.

One local Ray with 2 CPUs is started for the module (the executor reuses a Ray already running in
the process), so each test pays only for its tasks.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from mlp_cli.errors import BadItem, InputDataError
from mlp_cli.runtime.executor import LocalExecutor, Task
from tests.conftest import ROOT, run_mlp

ray = pytest.importorskip("ray")
from mlp_cli.runtime.ray_engine import RayExecutor  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def squares(items: list[int]) -> list[int]:
    return [i * i for i in items]


def fails_at_7(items: list[int]) -> list[int]:
    if 7 in items:
        raise InputDataError("item 7 is bad")
    return items


def test_results_come_back_in_index_order_with_their_global_index():
    items = range(5000)
    local = list(LocalExecutor(2).map(Task("sq", squares), items, start=10))
    remote = list(RayExecutor(2).map(Task("sq", squares, chunk=333), items, start=10))
    assert [x for d in remote for x in d.result] == [x for d in local for x in d.result]
    assert [d.first for d in remote] == list(range(10, 5010, 333))
    assert sum(d.count for d in remote) == 5000


def test_an_error_in_a_task_reaches_the_caller_as_itself():
    with pytest.raises(InputDataError, match="item 7 is bad"):
        list(RayExecutor(2).map(Task("f", fails_at_7, chunk=4), range(20)))


def test_augment_on_ray_gives_the_local_bytes(tmp_path):
    recipe = ROOT / "recipes" / "menu-text.yaml"
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        r = run_mlp("augment", recipe, "--engine", engine, "--workers", 2, "--limit", 60, "--out", out, "--json")
        assert r.exit_code == 0, r
        outs[engine] = hashlib.sha256(out.read_bytes()).hexdigest()
        assert r.summary["items_in"] == 60
    assert outs["ray"] == outs["local"]
    manifest = json.loads((tmp_path / "ray.manifest.json").read_text())
    assert manifest["engine"] == "ray"


def test_a_bad_row_on_ray_follows_on_error_with_its_location(tmp_path):
    src = (ROOT / "samples" / "menu.jsonl").read_bytes().splitlines(keepends=True)
    data = tmp_path / "in.jsonl"
    data.write_bytes(b"".join(src[:5]) + b"{not json\n" + b"".join(src[5:10]))
    recipe = ROOT / "recipes" / "menu-text.yaml"
    r = run_mlp("augment", recipe, "--engine", "ray", "--input", data, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "in.jsonl:6" in r.stderr, r
    r = run_mlp(
        "augment",
        recipe,
        "--engine",
        "ray",
        "--input",
        data,
        "--out",
        tmp_path / "o.jsonl",
        "--on-error",
        "skip",
        "--json",
    )
    assert r.exit_code == 0 and sum(r.summary["skipped"].values()) == 1, r


def test_bad_item_pickles_through_ray():
    item = ray.get(ray.put(BadItem("bad JSON", "x", "f.jsonl:3", 2)))
    assert (item.reason, item.location, item.index) == ("bad JSON", "f.jsonl:3", 2)


def test_a_cluster_that_cannot_be_reached_is_a_usage_error_naming_the_address():
    """ray.init raises ConnectionError for a wrong address or mismatched auth; mlp says what to check."""
    from types import SimpleNamespace

    from mlp_cli.errors import ExitCode, UsageError, exit_code_for

    def refuse(**_: object) -> None:
        raise ConnectionError("Failed to connect to Ray cluster: InvalidAuthToken")

    fake = SimpleNamespace(is_initialized=lambda: False, init=refuse)
    with pytest.raises(UsageError) as caught:
        RayExecutor(2, "10.0.0.9:6379")._connect(fake)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "--ray-address 10.0.0.9:6379" in message and "InvalidAuthToken" in message
    assert "RAY_AUTH_MODE" in message and exit_code_for(caught.value) == ExitCode.USAGE
