"""Benchmark of the token-model generator on the SMS Spam Collection (issue 4).

Prints fit time and rows per second at each level, for the generator alone (what `generate()`
costs with its per-row generator, one core) and for the whole `mlp augment` run (JSON
serialisation, de-duplication, writing, manifest) with one and two workers. Goals beside each.

"per core" figures divide rows by the CPU seconds the run used (this process and its worker
processes), so they stay meaningful when other work shares the machine; "wall" figures are
rows per elapsed second.

    .venv/bin/python bench/synth.py                       # defaults: 50,000 rows a level (2,000 complex)
    .venv/bin/python bench/synth.py --rows 20000 --complex-rows 2000   # quicker
    .venv/bin/python bench/synth.py --corpus path/to/SMSSpamCollection
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_cli.augment.registry import RunContext  # noqa: E402
from mlp_cli.augment.synthetic.token_model import LEVELS, TokenModelGenerator, TokenModelParams  # noqa: E402
from mlp_cli.augment.synthetic.tokens import fit_token_model  # noqa: E402
from mlp_cli.recipe.loader import load_recipe  # noqa: E402
from mlp_cli.runtime.options import RunOptions  # noqa: E402
from mlp_cli.runtime.seeding import item_random  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
GOAL_ROWS_PER_CORE = 50_000
GOAL_FIT_SECONDS = 1.0
GOAL_LEVELS = ("unigram", "bigram")


def read_messages(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bench_fit(messages: list[str], repeats: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of fitting a word-level order-2 model."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        fit_token_model(messages, tokenizer="word", order=2)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def corpus_spec(corpus: Path) -> dict:
    return {"path": str(corpus), "format": "tsv", "columns": ["label", "text"], "header": False}


def bench_generator(corpus: Path, level: str, rows: int) -> tuple[float, float]:
    """(wall, CPU) rows per second of generate() alone, with the per-row generator run.py derives."""
    params = TokenModelParams.model_validate({"corpus": corpus_spec(corpus), "levels": [level], "fidelity_rows": 0})
    gen = TokenModelGenerator(params, RunContext(seed=1))
    gen.fit()
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(rows):
        gen.generate(i, item_random(1, "generate", 0, i, 0))
    return rows / (time.perf_counter() - started), rows / (time.process_time() - cpu)


def bench_command(corpus: Path, level: str, rows: int, workers: int, tmp: Path, fit_cpu: float) -> tuple[float, float]:
    """(wall, CPU) rows per second of a whole `mlp augment` run, fit time left out."""
    import yaml

    from mlp_cli.augment.run import run_augment

    recipe = tmp / f"{level}-{workers}.yaml"
    recipe.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "generate": [{"generator": "token-model", "count": rows, "corpus": corpus_spec(corpus), "levels": [level]}],
            }
        )
    )
    out = tmp / f"{level}-{workers}.jsonl"
    loaded = load_recipe(recipe)
    cpu = cpu_seconds()
    report = run_augment(loaded, RunOptions(out=out, workers=workers, overwrite=True))
    cpu = cpu_seconds() - cpu - fit_cpu
    fit = report.extra["generators"]["token-model"]["model"].get("fit_seconds", 0.0)
    return report.items_out / max(1e-9, report.seconds - fit), report.items_out / max(1e-9, cpu)


GOAL_COMMAND_VS_GENERATE = 0.8  # the skeleton's per-row cost must stay small (issue 10)
GOAL_TWO_WORKERS = 1.7


def _row(label: str, per_core: float, wall: float, level: str) -> str:
    goal, verdict = "-", ""
    if level in GOAL_LEVELS:
        goal = f">= {GOAL_ROWS_PER_CORE:,}/s per core"
        verdict = "ok" if per_core >= GOAL_ROWS_PER_CORE else "MISSED"
    return f"{label:<48}{per_core:>14,.0f}/s{wall:>12,.0f}/s  {goal}  {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rows", type=int, default=50_000, help="rows per level (uniform to trigram)")
    parser.add_argument("--complex-rows", type=int, default=2_000, help="rows at the complex level (Faker is slow)")
    parser.add_argument("--fit-messages", type=int, default=5000)
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--no-command", action="store_true", help="skip the whole-command runs")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus}: corpus not found; pass --corpus")
    messages = read_messages(args.corpus)
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    print(f"corpus: {args.corpus} ({len(messages)} messages); {cores} cores; load average {load:.2f} at start")
    print()
    fit_wall, fit_cpu = bench_fit(messages[: args.fit_messages], repeats=3)
    all_wall, all_cpu = bench_fit(messages, repeats=1)
    print(f"{'figure':<48}{'per core (CPU)':>16}{'wall':>14}  goal")
    fitted = min(len(messages), args.fit_messages)
    verdict = "ok" if fit_cpu < GOAL_FIT_SECONDS else "MISSED"
    print(f"{f'fit {fitted} messages (word, order 2)':<48}{fit_cpu:>14.3f} s{fit_wall:>12.3f} s  < {GOAL_FIT_SECONDS} s  {verdict}")
    print(f"{f'fit all {len(messages)} messages':<48}{all_cpu:>14.3f} s{all_wall:>12.3f} s")
    levels = [level for level in args.levels.split(",") if level]
    with tempfile.TemporaryDirectory(prefix="mlp-bench-synth-") as tmp_name:
        tmp = Path(tmp_name)
        for level in levels:
            rows = args.complex_rows if level == "complex" else args.rows
            wall, per_core = bench_generator(args.corpus, level, rows)
            print(_row(f"generate() {level}, {rows:,} rows", per_core, wall, level))
            if args.no_command:
                continue
            gen_per_core = per_core
            walls = {}
            for workers in (1, 2):
                wall, per_core = bench_command(args.corpus, level, rows, workers, tmp, all_cpu)
                walls[workers] = wall
                print(_row(f"mlp augment {level}, {workers} worker{'s' if workers > 1 else ''}", per_core, wall, level))
                if workers == 1:
                    ratio = per_core / max(1e-9, gen_per_core)
                    verdict = "ok" if ratio >= GOAL_COMMAND_VS_GENERATE else "MISSED"
                    print(f"{'  whole command / generate(), per core':<48}{ratio:>15.2f}x{'':>13}  >= {GOAL_COMMAND_VS_GENERATE}x  {verdict}")
            scaling = walls[2] / max(1e-9, walls[1])
            verdict = "ok" if scaling >= GOAL_TWO_WORKERS else "MISSED"
            print(f"{'  2 workers / 1 worker, wall':<48}{scaling:>15.2f}x{'':>13}  >= {GOAL_TWO_WORKERS}x  {verdict}")
    print()
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
