"""Run a mine-negatives recipe: read pairs and corpus, encode, search, sample, write, report.

The parent reads the inputs, encodes (cached) and searches (BLAS or annoy); the per-anchor
sampling runs in ordered worker chunks with per-anchor generators, so the output bytes do not
depend on ``--workers``. ``mine_negatives`` is the notebook entry point: the same settings as the
recipe and the command's flags, as keyword arguments.

On ``--engine ray`` the three stages run on one Ray (``on_cluster``): sentence-transformers
encoding on an actor pool, the search as Ray tasks over the same chunks of queries, sampling as
Ray tasks; the manifest's ``where`` says where each ran, beside ``timings``.

``--resume`` (``runtime.resume``): vectors come back from the embedding cache (each side is
cached as soon as it is encoded), the neighbours (and rescores) are kept in the partial folder
once searched, and sampling checkpoints like rows, so a resumed run encodes and searches only
what the interrupted one had not finished and samples only the anchors it had not written.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from pathlib import Path
from typing import Any

from mlp_cli.errors import InputDataError, UsageError
from mlp_cli.io.manifest import RunReport
from mlp_cli.io.rows import RowWriter, detect_output_format, dumps_row
from mlp_cli.mine.encoders import encode, rescore
from mlp_cli.mine.fingerprint import mine_fingerprint
from mlp_cli.mine.inputs import CorpusData, read_corpus, read_records, where
from mlp_cli.mine.neighbours import search, where_searched
from mlp_cli.mine.predictions import run_predictions
from mlp_cli.mine.recipe import MineRecipe
from mlp_cli.mine.sampling import AnchorGroup, MiningJob, mine_anchor, normalize_text
from mlp_cli.recipe.loader import LoadedRecipe, read_recipe, validate_recipe
from mlp_cli.runtime.executor import Task
from mlp_cli.runtime.options import NullProgress, Progress, RunOptions
from mlp_cli.runtime.ray_engine import on_cluster
from mlp_cli.runtime.resume import Checkpoint
from mlp_cli.runtime.run import Run, executor_for

# Flat setting names (keyword arguments of mine_negatives, and the command's flags) → recipe fields.
SETTINGS: dict[str, tuple[str, ...]] = {
    "pairs": ("pairs", "path"),
    "corpus": ("corpus", "path"),
    "predictions": ("predictions", "path"),
    "out": ("output", "path"),
    "format": ("output", "format"),
    "include_scores": ("output", "include_scores"),
    "encoder": ("encoder", "type"),
    "model": ("encoder", "model"),
    "batch_size": ("encoder", "batch_size"),
    "query_prompt": ("encoder", "query_prompt"),
    "document_prompt": ("encoder", "document_prompt"),
    "dims": ("encoder", "dims"),
    "embeddings": ("encoder", "corpus_embeddings"),
    "embedding_ids": ("encoder", "corpus_ids"),
    "anchor_embeddings": ("encoder", "anchor_embeddings"),
    "anchor_ids": ("encoder", "anchor_ids"),
    "device": ("encoder", "device"),
    "backend": ("encoder", "backend"),
    "rescore": ("rescore", "model"),
    "rescore_type": ("rescore", "type"),
    "prompt": ("output", "prompt"),
    "cache": ("encoder", "cache"),
    "cache_dir": ("encoder", "cache_dir"),
    "index": ("index", "type"),
    "memory_mb": ("index", "memory_mb"),
    "n_trees": ("index", "n_trees"),
    "search_k": ("index", "search_k"),
    "metric": ("index", "metric"),
    "index_path": ("index", "path"),
    "recall_sample": ("index", "recall_sample"),
    "rank_window": ("sampling", "rank_window"),
    "hard": ("sampling", "hard"),
    "easy_to_hard": ("sampling", "easy_to_hard"),
    "strategy": ("sampling", "strategy"),
    "relative_margin": ("sampling", "relative_margin"),
    "absolute_margin": ("sampling", "absolute_margin"),
    "max_score": ("sampling", "max_score"),
    "min_score": ("sampling", "min_score"),
    "near_duplicate_threshold": ("sampling", "near_duplicate_threshold"),
    "exclude_batch_positives": ("sampling", "exclude_batch_positives"),
    "train_batch_size": ("sampling", "batch_size"),
    "k": ("predictions", "k"),
    "confidence_threshold": ("predictions", "confidence_threshold"),
    "confidence_quantile": ("predictions", "confidence_quantile"),
    "on_error": ("on_error",),
    "seed": ("seed",),
    "workers": ("workers",),
}

# Anchors per sampling chunk, and the fewest anchors per worker process: sampling takes well under
# a millisecond per anchor, so a smaller share does not pay for starting a process.
CHUNK_ANCHORS = 256
MIN_ANCHORS_PER_WORKER = 4096


def recipe_with_overrides(
    source: Path | LoadedRecipe | None, overrides: dict[str, Any], flag_names: dict[str, str] | None = None
) -> LoadedRecipe:
    """The recipe (a file, one built in code, or none) with settings replaced, validated once.

    Args:
        source: a recipe file (read here, validated with the overrides), a recipe built in code,
            or None when everything comes from flags.
        overrides: setting name (see ``SETTINGS``) → value; None values are ignored.
        flag_names: setting name → how the user wrote it (``--hard``), so a problem with an
            overriding value names its flag; other problems name the recipe's file and line.

    Raises:
        RecipeError: a value is invalid (exit code 2).
        UsageError: an unknown setting name.
    """
    if isinstance(source, LoadedRecipe):
        raw, marks, path = copy.deepcopy(source.raw), source.marks, source.path
    elif source is not None:
        path = Path(source)
        raw, marks = read_recipe(path)
    else:
        raw, marks, path = {"version": 1, "kind": "mine-negatives"}, {}, Path.cwd() / "(command line)"
    given: dict[tuple[str, ...], str] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in SETTINGS:
            raise UsageError(f"unknown setting {name!r}; accepted: {', '.join(sorted(SETTINGS))}")
        loc = SETTINGS[name]
        node: dict[str, Any] = raw
        for part in loc[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[loc[-1]] = str(value) if isinstance(value, Path) else value
        given[loc] = (flag_names or {}).get(name, name)
    # A predictions run from flags has no pairs; a pairs recipe switched to predictions drops them.
    if overrides.get("predictions") is not None:
        raw.pop("pairs", None)
    return validate_recipe(raw, path, marks, "mine-negatives", given)


def mine_negatives(
    pairs: str | Path | None = None,
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    *,
    recipe: str | Path | MineRecipe | dict[str, Any] | None = None,
    base_dir: str | Path = ".",
    limit: int | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    **settings: Any,
) -> RunReport:
    """Mine negatives from Python with the same settings as the recipe and the command's flags.

    Example:
        >>> report = mine_negatives("pairs.jsonl", "corpus.jsonl", "triplets.jsonl",
        ...                         rank_window="3:30", hard=2, easy_to_hard=2)  # doctest: +SKIP

    Args:
        pairs: anchor/positive rows (JSONL, CSV, TSV, Parquet).
        corpus: candidate texts with ids (default: the positives).
        out: output file.
        recipe: a recipe file, or a recipe built in code (``MineRecipe`` or a mapping), whose settings the arguments override.
        base_dir: what relative paths of a recipe built in code are relative to.
        limit: only the first N pairs (or predictions) rows.
        overwrite: replace an existing output.
        dry_run: validate and plan, write nothing.
        progress: where progress goes (nothing by default).
        **settings: any name of ``SETTINGS`` (hard, rank_window, encoder, index, seed, workers, ...).

    Returns:
        The run report (also written as the manifest beside the output).
    """

    source: Path | LoadedRecipe | None
    if recipe is None:
        source = None
    elif isinstance(recipe, (str, Path)):
        source = Path(recipe)
    else:
        source = LoadedRecipe.from_model(
            recipe if isinstance(recipe, MineRecipe) else {"kind": "mine-negatives", **recipe}, base_dir
        )
    overrides = {"pairs": pairs, "corpus": corpus, "out": out, **settings}
    for key in (
        "pairs",
        "corpus",
        "out",
        "predictions",
        "model",
        "rescore",
        "embeddings",
        "embedding_ids",
        "anchor_embeddings",
        "anchor_ids",
        "cache_dir",
        "index_path",
    ):
        if overrides.get(key) is not None:
            overrides[key] = str(Path(overrides[key]).expanduser().absolute())
    loaded = recipe_with_overrides(source, overrides)
    return run_mine(loaded, RunOptions(limit=limit, overwrite=overwrite, dry_run=dry_run), progress)


_JOB: Any = None


def _init(job: Any) -> None:
    global _JOB
    _JOB = job


def _sample_chunk(groups: list[int]) -> list[Any]:
    return [mine_anchor(_JOB, g) for g in groups]


def _rescore(
    recipe: MineRecipe,
    loaded: LoadedRecipe,
    groups: list[AnchorGroup],
    indices: Any,
    window: tuple[int, int],
    documents: list[str],
) -> tuple[Any, list[list[float]]]:
    """The second model's scores of every window candidate (NaN elsewhere) and of every positive."""
    import numpy as np

    assert recipe.rescore is not None
    low, high = window
    pairs: list[tuple[int, int]] = []
    cells: list[tuple[int, int]] = []
    for g in range(len(groups)):
        for rank in range(low, min(high, indices.shape[1]) + 1):
            row = int(indices[g, rank - 1])
            if row >= 0:
                pairs.append((g, row))
                cells.append((g, rank - 1))
    n_window = len(pairs)
    for g, group in enumerate(groups):
        pairs.extend((g, prow) for prow in group.positive_rows)
    scores = rescore(
        recipe.rescore, recipe.encoder.device, [g.text for g in groups], documents, pairs, resolve=loaded.resolve
    )
    table = np.full(indices.shape, np.nan, dtype=np.float32)
    if cells:
        rows, cols = zip(*cells, strict=True)
        table[list(rows), list(cols)] = scores[:n_window]
    positive: list[list[float]] = []
    at = n_window
    for group in groups:
        positive.append([float(x) for x in scores[at : at + len(group.positive_rows)]])
        at += len(group.positive_rows)
    return table, positive


def run_mine(loaded: LoadedRecipe, options: RunOptions = RunOptions(), progress: Progress | None = None) -> RunReport:
    """Run a mine-negatives recipe (pairs or predictions mode); return its report (also the manifest)."""
    recipe: MineRecipe = loaded.model
    progress = progress or NullProgress()
    if recipe.predictions is not None:
        return run_predictions(loaded, options, progress)
    return _run_pairs(loaded, options, progress)


def _run_pairs(loaded: LoadedRecipe, options: RunOptions, progress: Progress) -> RunReport:
    recipe: MineRecipe = loaded.model
    assert recipe.pairs is not None
    s = recipe.sampling
    run = Run(
        "mine-negatives", loaded, options, progress, seed=recipe.seed, workers=recipe.workers, on_error=recipe.on_error
    )
    seed, workers, report = run.seed, run.workers, run.report
    out = run.output(loaded.output_path(options.out), resumable=True)
    out_format = detect_output_format(out)
    pairs_path = run.input(
        options.input or loaded.resolve(recipe.pairs.path), where=where(loaded, ("pairs", "path")), what="pairs file"
    )
    if pairs_path.is_dir():
        raise InputDataError(f"{pairs_path}: is a folder, expected a pairs file")
    fields = {"anchor": recipe.pairs.anchor_field, "positive": recipe.pairs.positive_field}
    optional: tuple[str, ...] = ()
    if recipe.pairs.positive_id_field:
        fields["positive_id"] = recipe.pairs.positive_id_field
        optional += ("positive_id",)
    if recipe.pairs.anchor_id_field:
        fields["anchor_id"] = recipe.pairs.anchor_id_field
    records = read_records(recipe.pairs.row_source(pairs_path), fields, run, options.limit)
    report.items_in = len(records) + sum(report.skipped.values())
    if not records:
        raise InputDataError(
            f"{pairs_path}: no usable anchor/positive rows (fields {fields['anchor']!r}, {fields['positive']!r})"
        )
    corpus = read_corpus(loaded, run)
    corpus_from_positives = corpus is None
    if corpus is None:
        distinct: dict[str, str] = {}
        for _, v in records:
            text = str(v["positive"])
            if text not in distinct:
                distinct[text] = str(v.get("positive_id") or f"positive-{len(distinct)}")
        corpus = CorpusData(list(distinct.values()), list(distinct), [None] * len(distinct), None)
    by_id = {cid: n for n, cid in enumerate(corpus.ids)}
    by_text: dict[str, int] = {}
    for n, text in enumerate(corpus.texts):
        by_text.setdefault(text, n)
    extra_texts: list[str] = []
    extra_rows: dict[str, int] = {}
    groups: list[AnchorGroup] = []
    group_of: dict[str, int] = {}
    for row, v in records:
        anchor, positive = str(v["anchor"]), str(v["positive"])
        pid = v.get("positive_id")
        pid = str(pid) if pid is not None else None
        if pid is not None and pid in by_id:
            prow = by_id[pid]
        elif positive in by_text:
            prow = by_text[positive]
            pid = corpus.ids[prow]
        else:
            # A positive outside the corpus still needs a vector (for margins and near-duplicates).
            if positive not in extra_rows:
                extra_rows[positive] = len(corpus.ids) + len(extra_texts)
                extra_texts.append(positive)
            prow = extra_rows[positive]
        g = group_of.get(anchor)
        if g is None:
            g = group_of[anchor] = len(groups)
            aid = v.get("anchor_id")
            groups.append(AnchorGroup(anchor, str(aid) if aid is not None else None, [], [], [], []))
        group = groups[g]
        if positive in group.positives:  # counted, never a failure: the pair is already there
            report.skip("duplicate pair", row.location, "this anchor/positive pair appeared before")
            continue
        group.positives.append(positive)
        group.positive_ids.append(pid)
        group.positive_rows.append(prow)
        group.locations.append(row.location)
    if extra_texts and recipe.encoder.type == "precomputed":
        raise InputDataError(
            f"{len(extra_texts)} positives are not in the corpus (first: {extra_texts[0][:60]!r}); "
            "precomputed embeddings need every positive in the corpus (set pairs.positive_id_field)"
        )
    low, high = s.rank_window
    k = min(high, len(corpus.ids))
    plan = {
        "pairs": str(pairs_path),
        "corpus": str(corpus.path) if corpus.path else "the positives",
        "anchors": len(groups),
        "positives": sum(len(g.positives) for g in groups),
        "corpus_size": len(corpus.ids),
        "encoder": recipe.encoder.type,
        "index": recipe.index.type,
        "rank_window": f"{low}:{high}",
        "hard": s.hard,
        "easy_to_hard": s.easy_to_hard,
        "strategy": s.strategy,
        "format": recipe.output.format if recipe.output else "triplet",
        "seed": seed,
        "workers": workers,
        "output": str(out),
    }
    if options.dry_run:
        return run.dry_run(plan)
    if corpus_from_positives:
        progress.note("no corpus given: negatives come from the other anchors' positives")
    writing = run.writing(out, mine_fingerprint(loaded, run, out_format))
    with on_cluster(run.executor) as cluster, writing as (tmp, checkpoint):
        encoded = encode(
            recipe.encoder,
            [g.text for g in groups],
            corpus.texts + extra_texts,
            anchor_ids=[g.anchor_id or "" for g in groups],
            document_ids=corpus.ids,
            resolve=loaded.resolve,
            seed=seed,
            cluster=cluster,
        )
        corpus_vectors = encoded.documents[: len(corpus.ids)]
        # One bar for both phases: searching advances it once per anchor, sampling once more.
        progress.start(2 * len(groups), f"mining → {out.name}")
        run.timings["encode"] = encoded.seconds.get("encode", 0.0)
        report.extra["where"] = {"encode": encoded.stage}
        kept = checkpoint.get("search")  # --resume: the neighbours the interrupted run found
        if kept is not None:
            neighbours, rescored_scores, rescored_positive, seconds = kept
            run.timings.update(seconds)
            report.extra["where"]["search"] = {"where": "checkpoint"}
            progress.advance(len(groups))
        else:
            with run.stage("search"):
                neighbours = search(
                    loaded, encoded.anchors, corpus_vectors, k, (low, high), seed, workers, progress, cluster
                )
            report.extra["where"]["search"] = where_searched(neighbours.info)
            rescored_scores = rescored_positive = None
            if recipe.rescore is not None:
                with run.stage("rescore"):
                    rescored_scores, rescored_positive = _rescore(
                        recipe, loaded, groups, neighbours.indices, (low, high), corpus.texts + extra_texts
                    )
                report.extra["where"]["rescore"] = {"where": "driver"}
            seconds = {k2: run.timings[k2] for k2 in ("search", "rescore") if k2 in run.timings}
            checkpoint.put("search", (neighbours, rescored_scores, rescored_positive, seconds))
            checkpoint.save(0, 0, {"items_out": 0, "removed": {}, "totals": {}})
        rescored = (rescored_scores, rescored_positive)
        sampled = _sample(loaded, run, groups, corpus, encoded, neighbours, rescored, tmp, out_format, checkpoint)
    return _report_pairs(loaded, run, groups, corpus, encoded, neighbours, plan, sampled)


def _sample(
    loaded: LoadedRecipe,
    run: Run,
    groups: list[AnchorGroup],
    corpus: CorpusData,
    encoded: Any,
    neighbours: Any,
    rescored: tuple[Any, Any],
    tmp: Path,
    out_format: str,
    checkpoint: Checkpoint,
) -> tuple[Counter, Counter[str], str]:
    """Sample every anchor's negatives and write the rows in anchor order, checkpointing as rows.

    Returns what the filters removed, the totals and the output's row format.
    """
    recipe: MineRecipe = loaded.model
    s, report = recipe.sampling, run.report
    output = recipe.output
    job = MiningJob(
        groups=groups,
        neighbour_indices=neighbours.indices,
        neighbour_scores=neighbours.scores,
        anchor_vectors=encoded.anchors,
        document_vectors=encoded.documents,
        corpus_size=len(corpus.ids),
        corpus_ids=corpus.ids,
        corpus_texts=corpus.texts,
        corpus_norms=[normalize_text(t) for t in corpus.texts],
        sampling=s,
        seed=run.seed,
        output_format=output.format if output else "triplet",
        include_scores=output.include_scores if output else False,
        provenance_field=output.provenance_field if output else "_provenance",
        prompt=output.prompt if output else "",
        rescored_scores=rescored[0],
        rescored_positive_scores=rescored[1],
    )
    job.prepare()
    # Sampling takes well under a millisecond per anchor: few anchors do not pay for processes.
    workers = run.workers
    sample_workers = max(1, min(workers, math.ceil(len(groups) / MIN_ANCHORS_PER_WORKER)))
    executor = run.executor
    if sample_workers != workers:  # the same engine, on the cluster the run was given
        executor = executor_for(run.executor.engine, sample_workers, run.options.ray_address, run.resources)
    task = Task("sample", _sample_chunk, _init, (job,), chunk=CHUNK_ANCHORS)
    if executor.engine == "local":
        where = {"where": "driver" if sample_workers == 1 else "local processes", "workers": sample_workers}
    else:
        where = {"where": f"{executor.engine} tasks"}
    report.extra["where"]["sample"] = where
    checkpointed = out_format != "parquet"  # a Parquet file is written whole: sampling restarts
    saved = checkpoint.state["state"] if checkpoint.state is not None and checkpointed else None
    done_before = checkpoint.items_done if saved is not None else 0
    removed: Counter = Counter(saved["removed"] if saved else {})
    totals: Counter[str] = Counter(saved["totals"] if saved else {})
    report.items_out = saved["items_out"] if saved else 0
    if done_before:
        report.extra["resumed_after_items"] = done_before
        run.progress.advance(done_before)
    append_at = checkpoint.data_length if saved is not None else None
    with run.stage("sample"), RowWriter(tmp, out_format, append_at=append_at) as writer:
        anchors_done = done_before
        for done in executor.map(task, range(done_before, len(groups)), start=done_before):
            for res in done.result:
                removed.update(res.removed)
                totals.update(hard=res.hard, easy=res.easy, short=res.short, dropped=res.dropped_rows)
                for r in res.rows:
                    if out_format == "jsonl":
                        writer.write_line(dumps_row(r))
                    else:
                        writer.write(r)
                    report.items_out += 1
            anchors_done += done.count
            run.progress.advance(done.count)
            if checkpointed and checkpoint.due():
                state = {"items_out": report.items_out, "removed": dict(removed), "totals": dict(totals)}
                checkpoint.save(anchors_done, writer.flush(), state)
    return removed, totals, job.output_format


def _report_pairs(
    loaded: LoadedRecipe,
    run: Run,
    groups: list[AnchorGroup],
    corpus: CorpusData,
    encoded: Any,
    neighbours: Any,
    plan: dict[str, Any],
    sampled: tuple[Counter, Counter[str], str],
) -> RunReport:
    recipe: MineRecipe = loaded.model
    report, progress, seed = run.report, run.progress, run.seed
    low, high = recipe.sampling.rank_window
    removed, totals, output_format = sampled
    candidates = sum(removed.values()) + totals["hard"]
    report.extra.update(
        {
            "mode": "pairs",
            "anchors": len(groups),
            "positives": plan["positives"],
            "corpus_size": len(corpus.ids),
            "rank_window": f"{low}:{high}",
            "negatives": {"hard": totals["hard"], "easy": totals["easy"], "total": totals["hard"] + totals["easy"]},
            "removed": dict(sorted((k2, v) for k2, v in removed.items() if v)),
            "positives_short_of_negatives": totals["short"],
            "rows_dropped_short": totals["dropped"],
            "format": output_format,
            "encoder": {
                "type": recipe.encoder.type,
                "backend": recipe.encoder.backend,
                "device": recipe.encoder.device,
                "cache_hits": encoded.cache_hits,
                "cache_misses": encoded.cache_misses,
                "seconds": round(encoded.seconds.get("encode", 0.0), 3),
            },
            "index": {**neighbours.info, "seconds": round(run.timings["search"], 3)},
            "rescore": None
            if recipe.rescore is None
            else {**recipe.rescore.model_dump(mode="json"), "seconds": round(run.timings.get("rescore", 0.0), 3)},
            "seed": seed,
        }
    )
    if removed:
        share = ", ".join(
            f"{name}: {n} ({100 * n / max(candidates, 1):.1f}%)" for name, n in sorted(removed.items()) if n
        )
        progress.note(f"filters removed {sum(removed.values())} candidate negatives: {share}")
    if totals["short"]:
        progress.note(
            f"{totals['short']} positives got fewer negatives than asked "
            "(widen --rank-window, relax margins, or give a larger --corpus)"
        )
    return run.finish(recipe=recipe.model_dump(mode="json"))
