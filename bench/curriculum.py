"""Benchmark `mlp curriculum`: one million generated rows scheduled into 10 stages.

Goal (issue 7): under 30 s wall time, and peak RSS under twice the input's size on disk.
The rows are shaped like the synthetic generators' output (text, label, level, difficulty,
_provenance), written from a fixed seed into a temporary folder; the command runs as a
subprocess and its RSS is sampled over the whole process tree (workers included).

    .venv/bin/python bench/curriculum.py                    # 1,000,000 rows, 10 stages
    .venv/bin/python bench/curriculum.py --rows 100000      # quicker
    .venv/bin/python bench/curriculum.py --rarity           # add the token-rarity scorer (two more passes)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MLP = Path(sys.executable).with_name("mlp")
LEVELS = {"uniform": 0.0, "unigram": 0.25, "bigram": 0.5, "trigram": 0.75, "complex": 1.0}
WORDS = "ok see you later at home work gym town station uni shop pub class bus stop tonight pizza curry call text free win prize".split()


def make_input(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    levels = list(LEVELS)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            level = levels[i % 5]
            text = " ".join(rng.choices(WORDS, k=rng.randint(4, 16)))
            f.write(
                json.dumps(
                    {
                        "text": text,
                        "label": "ham",
                        "level": level,
                        "difficulty": LEVELS[level],
                        "_provenance": {
                            "source": {"generator": "token-model", "index": i, "level": level, "seed": seed},
                            "copy": 0,
                        },
                    },
                    separators=(",", ":"),
                )
                + "\n"
            )


def run_measured(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (bytes) summed over the process tree, sampled every 20 ms."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc] + proc.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    return seconds, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stages", type=int, default=10, help="total stages (split 4:6 over two phases)")
    parser.add_argument("--workers", type=int, default=0, help="0: all cores")
    parser.add_argument("--rarity", action="store_true", help="also score token rarity")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    easy_stages = max(1, args.stages * 4 // 10)
    with tempfile.TemporaryDirectory(prefix="mlp-bench-curriculum-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        make_input(d / "rows.jsonl", args.rows, args.seed)
        gen_seconds = time.perf_counter() - t
        size = (d / "rows.jsonl").stat().st_size
        scorers = "  - {scorer: field, field: difficulty, weight: 3}\n"
        if args.rarity:
            scorers += "  - {scorer: token-rarity, field: text}\n"
        (d / "recipe.yaml").write_text(
            f"""version: 1
kind: curriculum
inputs:
  - path: rows.jsonl
    phase_by: {{field: level, phases: {{uniform: easy, unigram: easy, bigram: hard, trigram: hard, complex: hard}}}}
difficulty:
{scorers}schedule:
  phases:
    - {{name: easy, stages: {easy_stages}, pacing: {{function: linear}}}}
    - {{name: hard, stages: {args.stages - easy_stages}, pacing: {{function: root, p: 2, c0: 0.1}}, mix: {{hard: 0.9, easy: 0.1}}}}
output: {{path: out}}
""",
            encoding="utf-8",
        )
        cmd = [str(MLP), "curriculum", str(d / "recipe.yaml"), "--workers", str(args.workers), "--json", "--seed", "1"]
        seconds, peak, result = run_measured(cmd)
        if result.returncode:
            sys.exit(f"mlp curriculum failed ({result.returncode}): {result.stderr.strip()[-400:]}")
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        timings = json.loads((d / "out" / "manifest.json").read_text())["timings"]
        written = sum(1 for p in (d / "out").glob("stage_*.jsonl") for _ in open(p, "rb"))
        assert written == summary["items_in"] == args.rows, (written, summary["items_in"])
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    print(
        f"mlp curriculum: {args.rows:,} rows ({size / 1e6:.0f} MB JSONL, generated in {gen_seconds:.1f} s) into {summary['stages']} stages"
    )
    print(
        f"machine: {cores} cores, load average {load:.1f} at the end; workers={args.workers or 'all'}; rarity={args.rarity}"
    )
    print(f"{'figure':<28}{'measured':>14}{'goal':>16}  verdict")
    rows = [
        ("wall time (s)", f"{seconds:.1f}", "< 30", seconds < 30),
        ("peak RSS, process tree (MB)", f"{peak / 1e6:.0f}", f"< {2 * size / 1e6:.0f}", peak < 2 * size),
        ("peak RSS / input size", f"{peak / size:.2f}", "< 2.00", peak < 2 * size),
        ("rows per second", f"{args.rows / seconds:,.0f}", "", None),
    ]
    for name, value, goal, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<28}{value:>14}{goal:>16}  {verdict}")
    print(f"inside the run (s): {timings}; workers used: {summary['workers']}")
    print(f"stage sizes: {summary['stage_sizes']}")


if __name__ == "__main__":
    main()
