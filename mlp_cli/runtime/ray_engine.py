"""The Ray engine: the executor seam on a Ray cluster.

``RayExecutor.map`` streams chunks of consecutive items from the driver's iterator to Ray tasks,
keeps at most ``tasks the cluster can run at once * prefetch`` chunks in flight (so a huge input
never sits in memory), and yields ``Done`` results in index order, exactly as ``LocalExecutor`` does.

What each task reserves is the recipe's ``ray:`` section (``num_cpus``, ``num_gpus``; one CPU by
default), and ``batch_size`` there fixes the items per task (sized by measured cost otherwise).
The tasks the cluster can run at once are its CPUs over ``num_cpus`` (and its GPUs over
``num_gpus`` when tasks ask for GPUs); a request no node can meet is refused before any task
is submitted, since Ray would otherwise wait for such a node forever. Results
are identical to the local engine's: each item's randomness comes from its own key, chunk sizes
never change output, and a chunk's result is taken from exactly one successful run.

Why Ray core tasks and not Ray Data: items come from a Python iterator in the driver whose length
is unknown, and Ray Data has no source that pulls from one, so a Ray Data pipeline has to run one
``from_items(...).map_batches(...)`` execution per window of chunk descriptors. Each execution
starts its own streaming executor and actor pool (so ``setup`` reruns per window, not per
process) and costs far more per chunk than a task submission. Measured on the 2-core dev machine
(200k cheap items, 1024 per chunk, 2 workers): LocalExecutor 0.32 s, Ray tasks 0.43 s, Ray Data
7.3 s; per chunk about 0.6 ms over local for tasks and 35 ms for Ray Data.

Per-process setup: ``(process, setup, setup_args)`` is put in the object store once per map, and
each task gets that reference wrapped in a list (so Ray does not fetch it per call) plus a token
naming the map. A worker process runs ``setup`` the first time it sees a token and keeps it, so
setup runs once per worker process and map, and again in a process Ray starts to replace a dead
one. Tasks are retried by Ray when their worker dies (``process`` is deterministic); an exception
that ``process`` raises is not retried and reaches the caller as itself, not as ``RayTaskError``.

Stateful work (a model held in memory for every block it encodes) goes through ``map_blocks``:
Ray Data ``map_batches`` with a class on an actor pool (``ActorPoolStrategy``) as large as the
cluster's slots, one block per call. There the items are known up front (the texts to encode), so
one execution covers them all and each actor builds its state once. ``session()`` keeps one Ray
for every map of a run of several stages (encode, search, sample), so a Ray mlp starts itself is
started once per run rather than once per stage.

Ray is imported only when a map starts: ``mlp --help`` and the local engine never pay for it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import pickle
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType
from typing import Any, TypeVar

from mlp_cli.errors import UsageError, require
from mlp_cli.runtime.executor import Done, Task
from mlp_cli.runtime.parallel import AdaptiveChunks, chunked

T = TypeVar("T")
R = TypeVar("R")

PREFETCH = 4  # chunks in flight per CPU: enough to hide scheduling latency, little memory
RETRIES = 3  # reruns of a chunk whose worker process died
# Adaptive sizing starts small and grows 4x per finished chunk up to TARGET_SECONDS of work: a
# big first chunk (it was 1024 items) put a 1,000-row text input in one task on one CPU while the
# others idled. A few dozen small tasks at the start cost ~0.5 ms of scheduling each.
FIRST_CHUNK = 64
TARGET_SECONDS = 0.1  # adaptive chunks aim at this much compute per task
CONNECT_SECONDS = 5.0  # how long a --ray-address HOST:PORT may take to accept a TCP connection

# Worker side: the map whose setup this process ran last, and that map's process function.
_ready: str | None = None
_process: Callable[[list[Any]], Any] | None = None


def _run_chunk(token: str, state: list[Any], chunk: list[Any]) -> tuple[float, Any]:
    """Run one chunk in a Ray worker, running the map's setup first if this process has not."""
    global _ready, _process
    if _ready != token or _process is None:
        import ray

        process, setup, setup_args, threads = ray.get(state[0])
        torch = sys.modules.get("torch")
        if torch is not None:  # a thread per CPU the task reserved: the processes are the parallelism
            torch.set_num_threads(threads)
        if setup is not None:
            setup(*setup_args)
        _ready, _process = token, process
    started = time.perf_counter()
    result = _process(chunk)
    return time.perf_counter() - started, result


class _BlockActor:
    """A Ray Data actor of ``map_blocks``: builds its function once, then applies it to each block.

    ``map_blocks`` subclasses it with ``setup = (make, make_args, threads)``: Ray Data constructs
    the class without arguments in each actor. An exception (building the function, or on a
    block) is returned as the block's result rather than raised, so the driver raises it as
    itself; raised in the constructor, Ray would restart the actor again and again.
    """

    setup: tuple[Callable[..., Callable[[Any], Any]], tuple[Any, ...], int]

    def __init__(self) -> None:
        import ray

        make, make_args, threads = type(self).setup
        self.worker = f"{ray.get_runtime_context().get_node_id()}:{os.getpid()}"
        self.failed: BaseException | None = None
        try:
            self.fn = make(*make_args)
        except Exception as exc:
            self.failed = exc
        torch = sys.modules.get("torch")
        if torch is not None:  # a thread per CPU the actor reserved: the actors are the parallelism
            torch.set_num_threads(threads)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        results = []
        for item in batch["item"]:
            started = time.perf_counter()
            if self.failed is not None:
                outcome: tuple[str, Any] = ("error", self.failed)
            else:
                try:
                    outcome = ("ok", self.fn(pickle.loads(item)))
                except Exception as exc:
                    outcome = ("error", exc)
            results.append(pickle.dumps((time.perf_counter() - started, *outcome), protocol=5))
        return {"block": batch["block"], "result": results, "worker": [self.worker] * len(results)}


class RayExecutor:
    """A Ray cluster: a local one started for the run, or one joined by address.

    ``address=None`` starts a private local Ray with ``workers`` CPUs and stops it when the map
    ends; ``"auto"`` or ``HOST:PORT`` joins a running cluster (and leaves it running). A Ray
    already initialised in this process is reused as it is. On a joined cluster the number of
    chunks in flight follows the cluster's CPUs (over ``num_cpus``), not ``workers``.

    ``num_cpus`` and ``num_gpus`` are what each task reserves; ``batch_size`` (when given) is the
    number of items per task, replacing the task's own chunk size. None of them changes output.
    """

    engine = "ray"
    remote = True

    def __init__(
        self,
        workers: int,
        address: str | None = None,
        prefetch: int = PREFETCH,
        *,
        num_cpus: float = 1,
        num_gpus: float = 0,
        batch_size: int | None = None,
    ):
        self.workers = max(1, int(workers))
        self.address = address
        self.prefetch = max(1, prefetch)
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.batch_size = batch_size
        self._resources: dict[str, float] | None = None
        self._nodes: int | None = None
        self._held = False  # inside session(): the Ray a map connects to stays up
        self._owned: ModuleType | None = None  # the Ray a session connected to, shut down when it ends
        self.pools: dict[str, dict[str, Any]] = {}  # map_blocks name -> its actors, processes, nodes

    def map(self, task: Task[T, R], items: Iterable[T], *, start: int = 0) -> Iterator[Done[R]]:
        with self._cluster() as ray:
            yield from self._map(ray, task, items, start)

    @contextmanager
    def session(self) -> Iterator[RayExecutor]:
        """Keep the Ray that the first map inside the block starts (or joins) until the block ends.

        For runs of several stages: without it every map starts its own local Ray (seconds each).
        Other executors made inside the block (fewer workers for a small stage) reuse that Ray too.
        """
        self._held = True
        try:
            yield self
        finally:
            self._held = False
            ray, self._owned = self._owned, None
            if ray is not None:
                ray.shutdown()

    @contextmanager
    def _cluster(self) -> Iterator[ModuleType]:
        ray = require("ray", "ray", "--engine ray")
        connected = self._connect(ray)
        if connected and self._held:
            self._owned = ray
        try:
            yield ray
        finally:
            if connected and not self._held:  # a cluster we started stops; one we joined is only disconnected
                ray.shutdown()

    def map_blocks(
        self, name: str, make: Callable[..., Callable[[Any], R]], make_args: tuple[Any, ...], blocks: Sequence[Any]
    ) -> Iterator[tuple[int, R]]:
        """Apply the function ``make(*make_args)`` builds to every block, on a pool of Ray actors.

        Ray Data ``map_batches`` with a class (one actor per slot of the cluster, at most one per
        block, each reserving ``num_cpus`` and ``num_gpus``) and one block per call: each actor
        builds the function once (loads a model) and keeps it for every block it gets. Yields
        (block index, result) as blocks finish, in any order; the caller places results by index,
        so Ray Data's ``preserve_order`` stays off and no finished block waits behind a slow one.
        Afterwards ``self.pools[name]`` records the actors, the processes and nodes that did the work.
        An exception that ``make`` or the function raises reaches the caller as itself.
        """
        with self._cluster() as ray:
            yield from self._map_blocks(ray, name, make, make_args, blocks)

    def _map_blocks(
        self,
        ray: ModuleType,
        name: str,
        make: Callable[..., Callable[[Any], R]],
        make_args: tuple[Any, ...],
        blocks: Sequence[Any],
    ) -> Iterator[tuple[int, R]]:
        if not blocks:
            return
        data = require("ray.data", "ray", "--engine ray")
        threads = max(1, math.floor(self.num_cpus))
        actor = type(f"mlp_{name}", (_BlockActor,), {"setup": (make, make_args, threads)})
        size = min(self.slots(), len(blocks))
        dataset = data.from_items(
            [{"block": n, "item": pickle.dumps(block, protocol=5)} for n, block in enumerate(blocks)],
            override_num_blocks=len(blocks),  # one Ray Data block per block: spread evenly over the actors
        ).map_batches(
            actor,
            batch_size=1,
            batch_format="numpy",
            compute=data.ActorPoolStrategy(size=size),
            num_cpus=self.num_cpus,
            **({"num_gpus": self.num_gpus} if self.num_gpus else {}),
        )
        workers: set[str] = set()
        seconds = 0.0
        # mlp's own bar and messages are on stderr: Ray Data's bars and per-run lines would interleave
        context = data.DataContext.get_current()
        shown = context.enable_progress_bars, context.print_on_execution_start
        context.enable_progress_bars = context.print_on_execution_start = False
        try:
            with _quiet("ray.data", logging.ERROR):
                for row in dataset.iter_rows():
                    spent, status, result = pickle.loads(row["result"])
                    if status == "error":
                        raise result
                    workers.add(str(row["worker"]))
                    seconds += spent
                    yield int(row["block"]), result
        finally:
            context.enable_progress_bars, context.print_on_execution_start = shown
        self.pools[name] = {
            "actors": size,
            "blocks": len(blocks),
            "processes": len(workers),
            "nodes": len({w.rpartition(":")[0] for w in workers}),
            "compute_seconds": round(seconds, 3),
        }

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "engine": self.engine,
            "workers": self.workers,
            "address": self.address,
            "task": {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus, "batch_size": self.batch_size},
        }
        if self._resources is not None:
            described["resources"] = self._resources
            described["nodes"] = self._nodes
        return described

    def _connect(self, ray: ModuleType) -> bool:
        """Initialise Ray unless it already is; True when this executor did (and so must shut it down)."""
        connected = False
        if not ray.is_initialized():
            quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
            if self.address is None:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports leave the machine
                with _quiet_auth_notice():
                    ray.init(address="local", num_cpus=self.workers, include_dashboard=False, **quiet)
            else:
                reachable(self.address)
                try:
                    ray.init(address=self.address, **quiet)
                except ConnectionError as exc:  # wrong address, cluster down, or auth modes that differ
                    raise UsageError(
                        f"--ray-address {self.address}: cannot connect to the Ray cluster: "
                        f"{str(exc).strip()[:300].rstrip('.')}. "
                        "Check the address `ray start --head` printed, that the cluster is up (`ray status`), and "
                        "that RAY_AUTH_MODE (token with Ray 2.59+) is the same here as on the cluster's nodes."
                    ) from None
            connected = True
        resources = ray.cluster_resources()
        self._resources = {k: v for k, v in sorted(resources.items()) if not k.startswith("node:")}
        alive = [node for node in ray.nodes() if node.get("Alive")]
        self._nodes = len(alive)
        try:
            self._check_feasible(alive)
        except UsageError:
            if connected:
                ray.shutdown()
            raise
        return connected

    def _check_feasible(self, nodes: list[dict[str, Any]]) -> None:
        """Refuse a per-task request that no node can meet: Ray would wait for one forever."""
        for node in nodes:
            have = node.get("Resources") or {}
            if have.get("CPU", 0) >= self.num_cpus and have.get("GPU", 0) >= self.num_gpus:
                return
        largest = (
            ", ".join(f"{k} {max((n.get('Resources') or {}).get(k, 0) for n in nodes):g}" for k in ("CPU", "GPU"))
            if nodes
            else "no live node"
        )
        how = (
            "pass --workers N (the CPUs of the local Ray mlp starts) or lower ray.num_cpus"
            if self.address is None
            else "add such a node (`ray start --num-cpus N --num-gpus M`) or lower them"
        )
        raise UsageError(
            f"ray: each task asks for num_cpus={self.num_cpus:g} and num_gpus={self.num_gpus:g}, but no node of the "
            f"cluster has that much (largest node: {largest}); {how} in the recipe's ray: section"
        )

    def slots(self) -> int:
        """How many tasks the cluster can run at once, given what each reserves."""
        have = self._resources or {}
        cpus = have.get("CPU", self.workers) or self.workers
        slots = cpus / self.num_cpus if self.num_cpus > 0 else cpus
        if self.num_gpus > 0:
            slots = min(slots, have.get("GPU", 0) / self.num_gpus)
        return max(1, math.floor(slots))

    def _map(self, ray: ModuleType, task: Task[T, R], items: Iterable[T], start: int) -> Iterator[Done[R]]:
        if self.batch_size is not None:
            task = dataclasses.replace(task, chunk=self.batch_size)
        sizer: AdaptiveChunks[T] | None = None
        if task.chunk is not None:
            chunks: Iterable[list[T]] = chunked(items, task.chunk)
        else:
            first_size = min(FIRST_CHUNK, task.largest)
            sizer = AdaptiveChunks(items, start=first_size, target_seconds=TARGET_SECONDS, largest=task.largest)
            chunks = sizer
        window = self.slots() * self.prefetch
        remote = ray.remote(_run_chunk).options(
            name=f"mlp:{task.name}",
            num_cpus=self.num_cpus,
            num_gpus=self.num_gpus,
            max_retries=RETRIES,
            retry_exceptions=False,
        )
        threads = max(1, math.floor(self.num_cpus))
        state = [ray.put((task.process, task.setup, task.setup_args, threads))]
        token = uuid.uuid4().hex
        pending: deque[tuple[int, Any]] = deque()  # (count, ref) in index order
        first = start
        # A failed map drops its in-flight chunks (at most ``window``) without ``ray.cancel``:
        # Ray 2.60 aborts the driver when a task it cancels completes at the same moment
        # ("Tried to complete task that was not pending"), as seen in CI. A cluster this map
        # started is shut down right after, which ends them anyway.
        for chunk in chunks:
            pending.append((len(chunk), remote.remote(token, state, chunk)))
            if len(pending) >= window:
                first = yield from self._finish(ray, pending, first, sizer)
        while pending:
            first = yield from self._finish(ray, pending, first, sizer)

    @staticmethod
    def _finish(
        ray: ModuleType, pending: deque[tuple[int, Any]], first: int, sizer: AdaptiveChunks[Any] | None
    ) -> Generator[Done[Any], None, int]:
        """Wait for the oldest chunk, yield it, and return the index after it."""
        count, ref = pending[0]
        seconds, result = _get(ray, ref)
        pending.popleft()
        if sizer is not None:
            sizer.observe(count, seconds)
        yield Done(first, count, result, seconds)
        return first + count


def reachable(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Refuse a ``HOST:PORT`` (or ``ray://HOST:PORT``) where nothing accepts a connection.

    ``ray.init`` retries such an address for minutes, printing GCS warnings, before it gives up;
    a plain TCP connect says within seconds that nothing listens there. ``auto`` is left to Ray
    (it reads the address of the cluster ``ray start`` left on this machine, and fails fast).
    """
    if address in ("auto", "local"):
        return
    where = address.removeprefix("ray://")
    host, colon, port = where.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise UsageError(f"--ray-address {address}: expected 'auto' or HOST:PORT (as `ray start --head` prints it)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__).lower()
        raise UsageError(
            f"--ray-address {address}: nothing accepts connections at {host}:{port} ({reason} within {timeout:g} s). "
            "Check the address `ray start --head` printed and that the cluster is up (`ray status` on its head node)."
        ) from None


@contextmanager
def on_cluster(executor: Any) -> Iterator[RayExecutor | None]:
    """The Ray executor of a run of several stages, held in one ``session()``; None on another engine."""
    if not isinstance(executor, RayExecutor):
        yield None
        return
    with executor.session():
        yield executor


def _quiet_auth_notice() -> AbstractContextManager[None]:
    """Hide Ray's per-start notice that token auth is on (its default for a local cluster).

    Setting ``RAY_AUTH_MODE`` instead would not do: Ray reads it at import, so setting it later
    leaves the driver and the cluster it starts disagreeing.
    """
    return _quiet("ray._private.authentication.authentication_token_setup", logging.ERROR)


@contextmanager
def _quiet(logger: str, level: int) -> Iterator[None]:
    """Raise one logger's level for the block."""
    log = logging.getLogger(logger)
    before = log.level
    log.setLevel(level)
    try:
        yield
    finally:
        log.setLevel(before)


def _get(ray: ModuleType, ref: Any) -> Any:
    """``ray.get``, raising what ``process`` raised (an ``MlpError`` keeps its type, message, exit code)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, BaseException) and not isinstance(cause, ray.exceptions.RayError):
            raise cause from exc
        raise
