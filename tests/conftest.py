"""Shared test helpers: drive the real `mlp` command in-process with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlp_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


class Result:
    """What a run of `mlp` gave: exit code, stdout, stderr, and the --json summary if any."""

    def __init__(self, raw: Any):
        self.exit_code = raw.exit_code
        self.stdout = raw.stdout
        self.stderr = raw.stderr
        self.exception = raw.exception

    @property
    def summary(self) -> dict[str, Any]:
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise AssertionError(f"no JSON summary in stdout: {self.stdout!r} / stderr {self.stderr!r}")

    @property
    def exited_cleanly(self) -> bool:
        """The command ended through its own exit code, not an exception escaping it.

        CliRunner catches an escaping exception instead of printing a traceback, so checking
        stderr for "Traceback" would prove nothing; this checks what actually ended the run.
        """
        return self.exception is None or isinstance(self.exception, SystemExit)

    def __repr__(self) -> str:
        return f"<mlp exit={self.exit_code} stderr={self.stderr[-400:]!r}>"


def run_mlp(*args: Any) -> Result:
    """Run `mlp ARGS...` in-process and return its result (never raises on a non-zero exit)."""
    runner = CliRunner()
    return Result(runner.invoke(app, [str(a) for a in args], catch_exceptions=True))


@pytest.fixture
def mlp():
    return run_mlp


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path


def run_mlp_process(*args: Any, timeout: float = 180) -> Result:
    """Run `python -m mlp_cli ARGS...` in a child process, killed (with its group) after ``timeout``.

    For runs that drive a Ray cluster: a Ray failure that aborts the driver then fails the test
    with the child's exit code and stderr instead of taking pytest down.
    """
    import os
    import signal
    import subprocess
    import sys
    from types import SimpleNamespace

    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [sys.executable, "-m", "mlp_cli", *[str(a) for a in args]]
    with subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            stdout, stderr = child.communicate()
            raise AssertionError(f"mlp did not finish in {timeout} s: {cmd}\n{stderr[-2000:]}") from None
    return Result(SimpleNamespace(exit_code=child.returncode, stdout=stdout, stderr=stderr, exception=None))


class RayTestCluster:
    """A Ray cluster of ``nodes`` nodes with ``cpus`` CPUs each, in processes apart from pytest.

    Built on ``ray.cluster_utils.Cluster`` without connecting this process as a driver: mlp runs
    join it with ``--ray-address`` from a child process (``run_mlp_process``). Use it as a context
    manager; leaving it removes every node and kills any Ray process it left behind.
    """

    def __init__(self, nodes: int = 1, cpus: int = 1):
        import tempfile

        from ray.cluster_utils import Cluster

        self.temp_dir = tempfile.mkdtemp(prefix="mlp-ray-")
        # Cluster() records its address in Ray's default temp folder whatever temp_dir says, and
        # that folder does not exist on a fresh machine
        from ray._private.utils import get_ray_address_file

        Path(get_ray_address_file(None)).parent.mkdir(parents=True, exist_ok=True)
        self.cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": cpus, "temp_dir": self.temp_dir, "include_dashboard": False},
        )
        for _ in range(nodes - 1):
            self.cluster.add_node(num_cpus=cpus)
        self.cluster.wait_for_nodes()
        self.address: str = self.cluster.address

    def jobs(self) -> int:
        """How many drivers have connected to the cluster so far."""
        return len(self.cluster.global_state.job_table())

    def raylets(self) -> list[Any]:
        """The cluster's raylet processes, one per node (psutil)."""
        import psutil

        return [p for p in psutil.Process().children() if _name(p) == "raylet"]

    def busy_workers(self, prefix: str = "ray::mlp:") -> list[tuple[int, Any]]:
        """(raylet pid, worker process) for each Ray worker now running a task whose title starts with ``prefix``."""
        import psutil

        busy = []
        for raylet in self.raylets():
            try:
                workers = raylet.children(recursive=True)
            except psutil.Error:
                continue
            for worker in workers:
                try:
                    title = worker.cmdline()
                except psutil.Error:
                    continue
                if title and title[0].startswith(prefix):
                    busy.append((raylet.pid, worker))
        return busy

    def __enter__(self) -> RayTestCluster:
        return self

    def __exit__(self, *exc: Any) -> None:
        import shutil

        import psutil

        started = [p for p in psutil.Process().children(recursive=True) if _is_ray(p)]
        try:
            self.cluster.shutdown()
        finally:
            for p in started:  # only what this cluster started: Ray processes below this one
                try:
                    p.kill()
                except psutil.Error:
                    pass
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def _is_ray(process: Any) -> bool:
    import psutil

    try:
        title = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return _name(process) in ("gcs_server", "raylet") or title.startswith("ray::") or "/ray/" in title


def _name(process: Any) -> str:
    import psutil

    try:
        return process.name()
    except psutil.Error:
        return ""
