"""Mining from a classifier's mistakes: the misclassified and unsure examples and their neighbours.

Given predictions (id, gold label, predicted label, confidence or probabilities) and a pool of
examples (the corpus: id, text, label), select the misclassified ones and the low-confidence
ones (below a threshold, or the least confident quantile), retrieve each one's k nearest pool
neighbours with the same encoders and indexes, and write every selected example once with a
weight (higher when the model was less sure of the gold label) and why it was selected.

Weights: ``gold confidence`` is the confidence in the gold label (the probability of the gold
label when probabilities are given; otherwise the confidence when the prediction is right and
1 - confidence when it is wrong); a selected example weighs ``min_weight + 1 - gold confidence``;
a neighbour weighs ``min_weight + (seed weight - min_weight) × max(similarity, 0)``. An example
reached several ways keeps its highest weight and lists every reason.

``--resume``: the pool's vectors come back from the embedding cache and the neighbours from the
interrupted run's partial folder (kept once searched); the rows are then written again from the
start, which takes a moment next to encoding and searching.

On ``--engine ray``, encoding and search run on the cluster as in pairs mode (``mine.run``);
selection and writing, which follow the predictions file's order, stay in the driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.errors import BadItem
from mlp_cli.io.manifest import RunReport
from mlp_cli.io.rows import Row, RowWriter, detect_format, detect_output_format, dumps_row, iter_rows
from mlp_cli.mine.encoders import encode
from mlp_cli.mine.fingerprint import mine_fingerprint
from mlp_cli.mine.inputs import read_corpus, where
from mlp_cli.mine.neighbours import search, where_searched
from mlp_cli.mine.recipe import MineRecipe, PredictionsSpec
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.ray_engine import RayExecutor, on_cluster
from mlp_cli.runtime.run import Run


@dataclass
class Prediction:
    """One row of the predictions file, with the confidence figures derived from it."""

    id: str
    gold: str
    predicted: str
    confidence: float
    gold_confidence: float
    location: str


@dataclass
class Selected:
    """One output example: its pool row, weight, reasons and what selected it."""

    row: int
    weight: float
    reasons: list[str] = field(default_factory=list)
    via: list[dict[str, Any]] = field(default_factory=list)


def _label(value: Any) -> str:
    # Labels compare as text: "1", 1 and 1.0 from CSV vs JSON must not differ.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _confidences(
    spec: PredictionsSpec, data: dict[str, Any], gold: str, predicted: str | None
) -> tuple[str, float, float]:
    """(predicted label, confidence of it, confidence in the gold label) from one row.

    Raises:
        ValueError: the row has neither a usable confidence nor probabilities.
    """
    probs = data.get(spec.probabilities_field) if spec.probabilities_field else None
    if probs is not None:
        if isinstance(probs, str):
            import json

            probs = json.loads(probs)
        if isinstance(probs, list):
            table = {str(i): float(p) for i, p in enumerate(probs)}
        elif isinstance(probs, dict):
            table = {_label(k): float(v) for k, v in probs.items()}
        else:
            raise ValueError(f"probabilities must be a list or a mapping, found {type(probs).__name__}")
        if not table:
            raise ValueError("probabilities are empty")
        best = max(table, key=lambda k: (table[k], k))
        predicted = predicted if predicted is not None else best
        return predicted, table.get(predicted, 0.0), table.get(gold, 0.0)
    value = data.get(spec.confidence_field) if spec.confidence_field else None
    if value is None or predicted is None:
        raise ValueError(
            f"needs {spec.predicted_field!r} and {spec.confidence_field!r}"
            + (f" or {spec.probabilities_field!r}" if spec.probabilities_field else "")
        )
    confidence = float(value)
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence {confidence} is not within 0..1")
    return predicted, confidence, confidence if predicted == gold else 1.0 - confidence


def read_predictions(path: Path, spec: PredictionsSpec, run: Run, limit: int | None) -> list[Prediction]:
    """The usable prediction rows; bad ones go to ``run.bad``."""
    detect_format(path, spec.format)
    out = []
    for n, item in enumerate(iter_rows(spec.row_source(path))):
        if limit is not None and n >= limit:
            break
        if not isinstance(item, Row):
            run.bad(item)
            continue
        data = item.data
        if data.get(spec.id_field) is None or data.get(spec.gold_field) is None:
            run.bad(BadItem("missing field", f"needs {spec.id_field!r} and {spec.gold_field!r}", item.location))
            continue
        gold = _label(data[spec.gold_field])
        raw_pred = data.get(spec.predicted_field)
        try:
            predicted, confidence, gold_conf = _confidences(
                spec, data, gold, None if raw_pred is None else _label(raw_pred)
            )
        except (ValueError, TypeError) as exc:
            run.bad(BadItem("bad confidence", str(exc), item.location))
            continue
        out.append(Prediction(str(data[spec.id_field]), gold, predicted, confidence, gold_conf, item.location))
    return out


def select(predictions: list[Prediction], spec: PredictionsSpec) -> list[tuple[Prediction, list[str]]]:
    """The selected predictions (file order) with their reasons."""
    threshold = spec.confidence_threshold
    if threshold is None and spec.confidence_quantile is not None and predictions:
        threshold = float(np.quantile([p.confidence for p in predictions], spec.confidence_quantile, method="lower"))
        inclusive = True
    else:
        inclusive = False
    chosen = []
    for p in predictions:
        reasons = []
        if "misclassified" in spec.select and p.predicted != p.gold:
            reasons.append("misclassified")
        if "low_confidence" in spec.select and threshold is not None:
            if p.confidence < threshold or (inclusive and p.confidence <= threshold):
                reasons.append("low_confidence")
        if reasons:
            chosen.append((p, reasons))
    return chosen


def run_predictions(loaded: LoadedRecipe, options: RunOptions, progress: Progress) -> RunReport:
    """Select mistakes and unsure examples, add their pool neighbours, write weighted rows."""

    recipe: MineRecipe = loaded.model
    spec = recipe.predictions
    assert spec is not None
    run = Run(
        "mine-negatives", loaded, options, progress, seed=recipe.seed, workers=recipe.workers, on_error=recipe.on_error
    )
    seed, report = run.seed, run.report
    out = run.output(loaded.output_path(options.out), resumable=True)
    out_format = detect_output_format(out)
    pred_path = run.input(
        options.input or loaded.resolve(spec.path),
        where=where(loaded, ("predictions", "path")),
        what="predictions file",
    )
    predictions = read_predictions(pred_path, spec, run, options.limit)
    report.items_in = len(predictions) + sum(report.skipped.values())
    pool = read_corpus(loaded, run)
    assert pool is not None
    row_of = {cid: n for n, cid in enumerate(pool.ids)}
    chosen = []
    for p, reasons in select(predictions, spec):
        if p.id not in row_of:
            run.bad(BadItem("not in pool", f"id {p.id!r} is not in the pool {pool.path}", p.location))
            continue
        chosen.append((p, reasons))
    plan = {
        "predictions": str(pred_path),
        "pool": str(pool.path),
        "pool_size": len(pool.ids),
        "selected": len(chosen),
        "k": spec.k,
        "encoder": recipe.encoder.type,
        "index": recipe.index.type,
        "output": str(out),
    }
    if options.dry_run:
        return run.dry_run(plan)

    writing = run.writing(out, mine_fingerprint(loaded, run, out_format))
    with on_cluster(run.executor) as cluster, writing as (tmp, checkpoint):
        neighbours = None
        if chosen and spec.k > 0:
            neighbours = checkpoint.get("search")  # --resume: what the interrupted run found
            if neighbours is None:
                neighbours = _neighbours(loaded, run, pool, [row_of[p.id] for p, _ in chosen], out, cluster)
                checkpoint.put("search", neighbours)
                checkpoint.save(0, 0, {})
            else:
                report.extra["where"] = {"search": {"where": "checkpoint"}}
        _write_selected(loaded, run, pool, row_of, chosen, neighbours, tmp, out_format)
    report.extra.setdefault("where", {})["write"] = {"where": "driver"}
    counts: dict[str, int] = {}
    for _, reasons in chosen:
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    report.extra.update(
        {
            "mode": "predictions",
            "selected": counts,
            "selected_examples": len(chosen),
            "neighbours_added": report.items_out - len({row_of[p.id] for p, _ in chosen}),
            "pool_size": len(pool.ids),
            "k": spec.k,
            "index": dict(neighbours.info) if neighbours is not None else None,
            "seed": seed,
        }
    )
    return run.finish(recipe=recipe.model_dump(mode="json"))


def _neighbours(
    loaded: LoadedRecipe, run: Run, pool: Any, seed_rows: list[int], out: Path, cluster: RayExecutor | None
) -> Any:
    """Encode the pool (cached) and find each selected example's k nearest pool rows."""
    recipe: MineRecipe = loaded.model
    spec = recipe.predictions
    assert spec is not None
    encoded = encode(
        recipe.encoder, [], pool.texts, document_ids=pool.ids, resolve=loaded.resolve, seed=run.seed, cluster=cluster
    )
    run.timings["encode"] = encoded.seconds.get("encode", 0.0)
    queries = encoded.documents[np.asarray(seed_rows, dtype=np.int64)]
    run.progress.start(len(seed_rows), f"mining → {out.name}")
    with run.stage("search"):  # k + 1: the example itself is usually its own nearest neighbour
        found = search(
            loaded,
            queries,
            encoded.documents,
            spec.k + 1,
            (1, spec.k + 1),
            run.seed,
            run.workers,
            run.progress,
            cluster,
        )
    run.report.extra["where"] = {"encode": encoded.stage, "search": where_searched(found.info)}
    return found


def _write_selected(
    loaded: LoadedRecipe,
    run: Run,
    pool: Any,
    row_of: dict[str, int],
    chosen: list[tuple[Prediction, list[str]]],
    neighbours: Any,
    tmp: Path,
    out_format: str,
) -> None:
    """Write every selected example and its neighbours once, with its weight and reasons."""
    spec = loaded.model.predictions
    report = run.report
    selected: dict[int, Selected] = {}
    order: list[int] = []

    def add(row: int, weight: float, reason: str, via: dict[str, Any]) -> None:
        item = selected.get(row)
        if item is None:
            item = selected[row] = Selected(row, weight)
            order.append(row)
        item.weight = max(item.weight, weight)
        if reason not in item.reasons:
            item.reasons.append(reason)
        item.via.append(via)

    for n, (p, reasons) in enumerate(chosen):
        row = row_of[p.id]
        weight = round(spec.min_weight + 1.0 - p.gold_confidence, 6)
        info = {"gold": p.gold, "predicted": p.predicted, "confidence": round(p.confidence, 6), "source": p.location}
        for reason in reasons:
            add(row, weight, reason, {"selected": reason, **info})
        if neighbours is None:
            continue
        found = 0
        for rank, (nrow, score) in enumerate(zip(neighbours.indices[n], neighbours.scores[n], strict=True), 1):
            if nrow < 0 or found >= spec.k:
                break
            if int(nrow) == row:
                continue
            found += 1
            nweight = round(spec.min_weight + (weight - spec.min_weight) * max(float(score), 0.0), 6)
            add(
                int(nrow),
                nweight,
                f"neighbour_of_{reasons[0]}",
                {"neighbour_of": p.id, "rank": rank, "score": round(float(score), 6)},
            )
    with run.stage("write"), RowWriter(tmp, out_format) as writer:
        for row in order:
            item = selected[row]
            record: dict[str, Any] = {"id": pool.ids[row], "text": pool.texts[row]}
            if pool.labels[row] is not None:
                record["label"] = pool.labels[row]
            record.update(
                {"weight": item.weight, "reason": item.reasons[0], "reasons": item.reasons, "_provenance": item.via}
            )
            if out_format == "jsonl":
                writer.write_line(dumps_row(record))
            else:
                writer.write(record)
            report.items_out += 1
