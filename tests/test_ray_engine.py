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
from tests.conftest import ROOT, run_mlp, run_mlp_process

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


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_address_where_nothing_listens_is_refused_at_once_not_retried_for_minutes(tmp_path):
    """ray.init retries a dead HOST:PORT for minutes; mlp checks it with one TCP connect first."""
    port = _closed_port()
    out = tmp_path / "o.jsonl"
    r = run_mlp_process(
        "augment", ROOT / "recipes" / "menu-text.yaml", "--out", out, "--engine", "ray",
        "--ray-address", f"127.0.0.1:{port}", timeout=60,
    )
    assert r.exit_code == 2, r
    assert f"--ray-address 127.0.0.1:{port}: nothing accepts connections" in r.stderr
    assert "connection refused" in r.stderr and "GCS" not in r.stderr  # no Ray retry noise
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("address", ["headnode", "headnode:", ":6379", "headnode:port"])
def test_an_address_that_is_not_host_and_port_is_a_usage_error(address):
    from mlp_cli.errors import ExitCode, UsageError, exit_code_for
    from mlp_cli.runtime.ray_engine import reachable

    with pytest.raises(UsageError, match="expected 'auto' or HOST:PORT") as caught:
        reachable(address)
    assert exit_code_for(caught.value) == ExitCode.USAGE


def test_a_listening_address_passes_the_check_and_auto_is_left_to_ray():
    import socket

    from mlp_cli.runtime.ray_engine import reachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        reachable(f"127.0.0.1:{server.getsockname()[1]}")
        reachable(f"ray://127.0.0.1:{server.getsockname()[1]}")
    reachable("auto")


# ---- per-task resources: the recipe's ``ray:`` section ----------------------------------------


class FakeRay:
    """Just enough of the ``ray`` module for ``RayExecutor``'s driver side, recording what it asks.

    A task runs when it is submitted; ``pending`` counts tasks submitted and not yet fetched.
    """

    class RayError(Exception):
        pass

    class RayTaskError(RayError):
        cause = None

    def __init__(self, cpus: float = 4, gpus: float = 0):
        from types import SimpleNamespace

        self.have = {"CPU": cpus, "GPU": gpus}
        self.exceptions = SimpleNamespace(RayError=self.RayError, RayTaskError=self.RayTaskError)
        self.options: list[dict] = []
        self.chunks: list[int] = []
        self.threads: set[int] = set()
        self.pending = self.most_pending = 0

    def is_initialized(self) -> bool:
        return True

    def cluster_resources(self) -> dict:
        return {**self.have, "node:10.0.0.1": 1.0}

    def nodes(self) -> list[dict]:
        return [{"Alive": True, "Resources": dict(self.have)}]

    def put(self, value):
        return value

    def get(self, ref):
        self.pending -= 1
        return ref

    def remote(self, fn):
        from types import SimpleNamespace

        def options(**kw):
            self.options.append(kw)
            return SimpleNamespace(remote=self._submit)

        return SimpleNamespace(options=options)

    def _submit(self, token, state, chunk):
        process, setup, setup_args, threads = state[0]
        self.threads.add(threads)
        self.pending += 1
        self.most_pending = max(self.most_pending, self.pending)
        self.chunks.append(len(chunk))
        return 0.0, process(chunk)


def _fake_map(fake: FakeRay, executor: RayExecutor, task: Task, items) -> list:
    executor._connect(fake)  # type: ignore[arg-type]
    return list(executor._map(fake, task, items, 0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cpus,gpus,num_cpus,num_gpus,window",
    [(4, 0, 1, 0, 16), (4, 0, 2, 0, 8), (4, 0, 0.5, 0, 32), (4, 2, 1, 1, 8), (3, 0, 2, 0, 4)],
)
def test_tasks_reserve_the_recipes_resources_and_the_window_follows_them(cpus, gpus, num_cpus, num_gpus, window):
    fake = FakeRay(cpus, gpus)
    executor = RayExecutor(2, num_cpus=num_cpus, num_gpus=num_gpus, batch_size=10)
    done = _fake_map(fake, executor, Task("sq", squares, chunk=333), range(1000))
    assert [x for d in done for x in d.result] == squares(list(range(1000)))
    assert fake.options[0]["num_cpus"] == num_cpus and fake.options[0]["num_gpus"] == num_gpus
    assert set(fake.chunks) == {10}  # batch_size is the items per task, over the task's own chunk
    assert fake.most_pending == window  # tasks the cluster can run at once, times PREFETCH (4)
    assert fake.threads == {max(1, int(num_cpus))}
    described = executor.describe()
    assert described["task"] == {"num_cpus": num_cpus, "num_gpus": num_gpus, "batch_size": 10}
    assert described["resources"] == {"CPU": cpus, "GPU": gpus}


def test_without_a_batch_size_the_tasks_chunk_stands():
    fake = FakeRay()
    _fake_map(fake, RayExecutor(2), Task("sq", squares, chunk=333), range(1000))
    assert fake.chunks == [333, 333, 333, 1] and fake.options[0]["num_cpus"] == 1


@pytest.mark.parametrize("num_cpus,num_gpus", [(8, 0), (1, 1)])
def test_a_request_no_node_can_meet_is_a_usage_error(num_cpus, num_gpus):
    from mlp_cli.errors import ExitCode, UsageError, exit_code_for

    with pytest.raises(UsageError) as caught:
        RayExecutor(2, "auto", num_cpus=num_cpus, num_gpus=num_gpus)._connect(FakeRay(4, 0))  # type: ignore[arg-type]
    message = str(caught.value)
    assert f"num_cpus={num_cpus}" in message and "largest node: CPU 4, GPU 0" in message
    assert exit_code_for(caught.value) == ExitCode.USAGE


def _menu_recipe(tmp_path, ray_section: str):
    text = (ROOT / "recipes" / "menu-text.yaml").read_text()
    path = tmp_path / "menu.yaml"
    path.write_text(text + ray_section)
    return path


def test_recipe_resources_on_a_real_ray_give_the_local_bytes_and_reach_the_manifest(tmp_path):
    recipe = _menu_recipe(tmp_path, "ray:\n  num_cpus: 2\n  batch_size: 7\n")
    data = ROOT / "samples" / "menu.jsonl"
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        r = run_mlp("augment", recipe, "--input", data, "--engine", engine, "--limit", 40, "--out", out, "--json")
        assert r.exit_code == 0, r
        outs[engine] = out.read_bytes()
    assert outs["ray"] == outs["local"]
    figures = json.loads((tmp_path / "ray.manifest.json").read_text())["figures"]
    assert figures["engine"]["task"] == {"num_cpus": 2, "num_gpus": 0, "batch_size": 7}
    assert figures["engine"]["resources"]["CPU"] == 2
    assert "engine" not in json.loads((tmp_path / "local.manifest.json").read_text())["figures"]


def test_a_gpu_request_on_a_cluster_without_gpus_is_exit_2(tmp_path):
    recipe = _menu_recipe(tmp_path, "ray: {num_gpus: 1}\n")
    data = ROOT / "samples" / "menu.jsonl"
    r = run_mlp("augment", recipe, "--input", data, "--engine", "ray", "--limit", 5, "--out", tmp_path / "o.jsonl")
    assert r.exit_code == 2 and "num_gpus=1" in r.stderr and "GPU 0" in r.stderr, r
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    "section,field",
    [
        ("ray: {num_cpus: -1}\n", "ray.num_cpus"),
        ("ray: {batch_size: 0}\n", "ray.batch_size"),
        ("ray: {num_gpu: 1}\n", "num_gpu"),
    ],
)
def test_bad_resources_in_a_recipe_name_file_line_and_field(tmp_path, section, field):
    recipe = _menu_recipe(tmp_path, section)
    lines = recipe.read_text().count("\n")
    r = run_mlp("recipe", "validate", recipe)
    assert r.exit_code == 2, r
    assert f"menu.yaml:{lines}" in r.stderr and field in r.stderr, r.stderr


def test_every_recipe_kind_shares_the_one_ray_section():
    from mlp_cli.augment.recipe import AugmentRecipe
    from mlp_cli.curriculum.recipe import CurriculumRecipe
    from mlp_cli.mine.recipe import MineRecipe
    from mlp_cli.recipe.base import RayResources

    for kind in (AugmentRecipe, MineRecipe, CurriculumRecipe):
        assert kind.model_fields["ray"].annotation is RayResources
    assert RayResources().model_dump() == {"num_cpus": 1, "num_gpus": 0, "batch_size": None}
