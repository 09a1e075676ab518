"""Benchmark of the `pii` generator: labelled samples per second, beside a plain Faker loop.

Run by hand:  .venv/bin/python bench/pii.py [--count 50000] [--workers 1 2]
Rows:
  plain Faker loop         one seeded Faker, one call per placeholder, text joined (no spans, no file)
  generator, pooled        PiiGenerator.generate in-process, default pools (pool_size 200, pool_reuse 10:
                           block-refreshed Faker pools, made lazily as the samples need them)
  generator, faker/sample  PiiGenerator.generate with pool_size: 0 (Faker re-seeded and called per sample)
  mlp augment, N workers   the whole command path: fit, workers, JSON rows, dedupe, atomic file, manifest
Columns: samples/s (wall clock) and samples per CPU-second (this process and its workers), which is the
per-core rate and holds when other work shares the machine. Then: Faker calls per sample of the pooled
generator, and distinct values per label in its samples (one pool holds pool_size values).
All rows use the project's templates (samples/pii-templates.yaml), PII templates only, en_US, plain text,
so every row fills the same placeholders. Goals: >= 10,000 samples/s per core, and >= the plain loop.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_cli.augment.pii.generator import PiiGenerator, PiiParams, _pooled_draws  # noqa: E402
from mlp_cli.augment.pii.templates import Slot  # noqa: E402
from mlp_cli.augment.pii.values import LOOKALIKES, NATIVE_PROVIDERS  # noqa: E402
from mlp_cli.augment.registry import RunContext  # noqa: E402
from mlp_cli.runtime.parallel import available_cores  # noqa: E402
from mlp_cli.runtime.seeding import item_random  # noqa: E402

TEMPLATES = ROOT / "samples" / "pii-templates.yaml"
GOAL_PER_CORE = 10_000
# Faker's name for providers mlp spells differently.
FAKER_NAME = {"username": "user_name"}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the workers): load on the machine does not inflate it."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_seconds() - self.cpu


def params(**pools: int) -> dict:
    return {
        "template_files": [str(TEMPLATES)],
        "locales": ["en_US"],
        "formats": ["plain"],
        "negative_share": 0.0,
        **pools,
    }


def fitted(**pools: int) -> tuple[PiiGenerator, float]:
    """A fitted generator: the defaults, or the pool parameters given."""
    started = time.perf_counter()
    gen = PiiGenerator(PiiParams.model_validate(params(**pools)), RunContext(recipe_dir=str(ROOT), seed=0))
    gen.fit()
    gen.setup()
    return gen, time.perf_counter() - started


def plain_faker_loop(templates: list, count: int) -> Clock:
    """The simplest loop that fills the same templates by calling Faker directly."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    rng = random.Random(0)
    with Clock() as clock:
        for _ in range(count):
            template = rng.choice(templates)
            pieces = []
            for part in template.parts:
                if isinstance(part, Slot):
                    name = FAKER_NAME.get(part.provider, part.provider)
                    if hasattr(fake, name):
                        pieces.append(str(getattr(fake, name)()))
                    elif name in LOOKALIKES:  # a look-alike Faker has no provider for (imei, order_number): mlp's own function
                        pieces.append(LOOKALIKES[name](rng))
                    else:  # an entity kind mlp makes itself (medical_license, crypto, nrp): mlp's own function
                        pieces.append(NATIVE_PROVIDERS[name](rng, "en_US"))
                else:
                    pieces.append(part)
            "".join(pieces)
    return clock


def generator_loop(gen: PiiGenerator, count: int) -> Clock:
    with Clock() as clock:
        for index in range(count):
            gen.generate(index, item_random(0, "generate", 0, index, 0))
    return clock


def pool_figures(gen: PiiGenerator, count: int) -> tuple[float, float, dict[str, int]]:
    """Faker calls and pooled placeholders per sample, and distinct values per label over ``count`` samples."""
    gen.setup()  # empty pool cache
    made: list[int] = []
    fill = gen._pool

    def counting(locale: str, provider: str, index: int) -> list[str]:
        before = gen._recent.get((locale, provider))
        pool = fill(locale, provider, index)
        if before is None or all(pool is not p for _, p in before):
            made.append(len(pool))
        return pool

    gen._pool = counting  # type: ignore[method-assign]
    distinct: dict[str, set[str]] = {}
    for index in range(count):
        for span in gen.generate(index, item_random(0, "generate", 0, index, 0))[0]["spans"]:
            distinct.setdefault(span["label"], set()).add(span["value"])
    del gen._pool
    templates = gen._by_locale["en_US"][0]
    draws = sum(sum(_pooled_draws(t).values()) for t in templates) / len(templates)
    return sum(made) / count, draws, {label: len(v) for label, v in sorted(distinct.items())}


def command(count: int, workers: int, folder: Path) -> tuple[Clock, float]:
    """`mlp augment` on a recipe with the same generator settings: its clock and setup (fit) seconds."""
    from mlp_cli.augment.run import run_augment
    from mlp_cli.recipe.loader import load_recipe
    from mlp_cli.runtime.options import RunOptions

    recipe = folder / f"bench-{workers}.yaml"
    recipe.write_text(
        "version: 1\ngenerate:\n  - generator: pii\n"
        f"    count: {count}\n    template_files: {TEMPLATES}\n    locales: en_US\n    negative_share: 0\n",
        encoding="utf-8",
    )
    out = folder / f"bench-{workers}.jsonl"
    with Clock() as clock:
        run_augment(load_recipe(recipe), RunOptions(out=out, workers=workers, overwrite=True))
    setup = json.loads(out.with_name(out.stem + ".manifest.json").read_text())["timings"].get("setup", 0.0)
    return clock, setup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=50_000, help="samples per measurement")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts for the command rows")
    args = ap.parse_args()
    print(
        f"pii bench: {args.count} samples per row, {available_cores()} cores, "
        f"load average {os.getloadavg()[0]:.2f} at start (other work on the machine lowers samples/s, not samples/CPU-s)"
    )
    pooled, pooled_fit = fitted()
    direct, _ = fitted(pool_size=0)
    templates = pooled._by_locale["en_US"][0]
    rows: list[tuple[str, int, Clock, int, str]] = []
    base = plain_faker_loop(templates, args.count)
    rows.append(("plain Faker loop", args.count, base, 1, "reference"))
    rows.append((f"generator, pooled (fit {pooled_fit:.2f}s)", args.count, generator_loop(pooled, args.count), 1,
                 f">= {GOAL_PER_CORE:,}/CPU-s and >= plain loop"))
    small = max(args.count // 5, 1000)
    rows.append(("generator, faker per sample", small, generator_loop(direct, small), 1, "(option pool_size: 0)"))
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            clock, setup = command(args.count, workers, Path(tmp))
            rows.append((f"mlp augment, {workers} worker(s) (setup {setup:.2f}s)", args.count, clock, workers,
                         f">= {GOAL_PER_CORE:,}/CPU-s"))
    base_rate = args.count / base.cpu
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'samples/s':>10}  {'/CPU-s':>8}  {'vs plain':>8}  goal")
    for name, count, clock, _workers, goal in rows:
        per_cpu = count / clock.cpu
        print(f"{name:<{width}}  {count / clock.wall:>10,.0f}  {per_cpu:>8,.0f}  {per_cpu / base_rate:>7.1f}x  {goal}")
    calls, draws, distinct = pool_figures(pooled, args.count)
    size, reuse = pooled.params.pool_size, pooled.params.pool_reuse
    print(f"pools: pool_size {size}, pool_reuse {reuse}: {calls:.2f} Faker calls per sample for {draws:.2f} pooled draws "
          f"(the plain loop: one call per placeholder)")
    print(f"distinct values in {args.count} samples (one pool holds {size}): "
          + ", ".join(f"{label} {n:,}" for label, n in distinct.items()))


if __name__ == "__main__":
    main()
