"""`mlp mine-negatives [RECIPE]`: hard and easy negatives for anchor/positive pairs, or a classifier's mistakes.

Every recipe setting is also a flag; flags override the recipe, and without a recipe the flags
are the whole configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlp_cli.cli.common import (
    DryRunOpt,
    EngineOpt,
    JsonOpt,
    LimitOpt,
    OutOpt,
    OverwriteOpt,
    QuietOpt,
    RayAddressOpt,
    ResumeOpt,
    SeedOpt,
    WorkersOpt,
    absolute,
    guarded,
    run_options,
    run_reported,
)

_P = {"show_default": False}


def mine_negatives(
    recipe: Annotated[Path | None, typer.Argument(help="A mine-negatives recipe (YAML); optional.", **_P)] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            "--pairs", "--input", "-i", help="Anchor/positive rows (several positives per anchor allowed).", **_P
        ),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            "--pool",
            help="Candidate texts with ids (default: the positives); the pool with --from-predictions.",
            **_P,
        ),
    ] = None,
    out: OutOpt = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", help="triplet, n-tuple, labeled-pair, labeled-list or flag-embedding (FlagEmbedding).", **_P
        ),
    ] = None,
    include_scores: Annotated[
        bool | None,
        typer.Option(
            "--include-scores/--no-scores",
            help="Add score columns (scores/score; flag-embedding: pos_scores, neg_scores).",
            **_P,
        ),
    ] = None,
    encoder: Annotated[
        str | None, typer.Option("--encoder", help="tfidf (default), sentence-transformers or precomputed.", **_P)
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="sentence-transformers: local model folder.", **_P)
    ] = None,
    device: Annotated[
        str | None, typer.Option(
            "--device",
            help="sentence-transformers: cpu, cuda, cuda:N or mps; a list (cuda:0,cuda:1 or cpu,cpu) encodes in "
            "one process per device (sentence-transformers' multi-process pool).",
            **_P,
        )
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="Encoder backend: torch, int8 (quantized Linear layers, cpu) or onnx.", **_P),
    ] = None,
    rescore: Annotated[
        Path | None,
        typer.Option(
            "--rescore",
            help="Second local model (cross-encoder or bi-encoder folder) whose scores drive the margins.",
            **_P,
        ),
    ] = None,
    rescore_type: Annotated[
        str | None, typer.Option("--rescore-type", help="auto (default), cross-encoder or bi-encoder.", **_P)
    ] = None,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="flag-embedding: the instruction in every row's prompt.", **_P)
    ] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="Encoding batch size.", **_P)] = None,
    query_prompt: Annotated[
        str | None, typer.Option("--query-prompt", help="Text put before every anchor.", **_P)
    ] = None,
    document_prompt: Annotated[
        str | None, typer.Option("--document-prompt", help="Text put before every corpus text.", **_P)
    ] = None,
    dims: Annotated[
        int | None, typer.Option("--dims", min=2, help="tfidf: reduce to N dense dimensions (needed by annoy).", **_P)
    ] = None,
    embeddings: Annotated[
        Path | None, typer.Option("--embeddings", help="precomputed: corpus .npy (memory-mapped).", **_P)
    ] = None,
    embedding_ids: Annotated[
        Path | None, typer.Option("--embedding-ids", help="precomputed: corpus ids aligned with --embeddings.", **_P)
    ] = None,
    anchor_embeddings: Annotated[
        Path | None, typer.Option("--anchor-embeddings", help="precomputed: anchor .npy.", **_P)
    ] = None,
    anchor_ids: Annotated[
        Path | None,
        typer.Option("--anchor-ids", help="precomputed: anchor ids aligned with --anchor-embeddings.", **_P),
    ] = None,
    cache: Annotated[bool | None, typer.Option("--cache/--no-cache", help="Reuse cached embeddings.", **_P)] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir", help="Embedding cache folder (default $MLP_CACHE_DIR or ~/.cache/mlp/embeddings).", **_P
        ),
    ] = None,
    index: Annotated[str | None, typer.Option("--index", help="exact (default) or annoy.", **_P)] = None,
    memory_mb: Annotated[
        int | None, typer.Option("--memory-mb", min=8, help="exact: MiB for one chunk of scores.", **_P)
    ] = None,
    n_trees: Annotated[int | None, typer.Option("--n-trees", min=1, help="annoy: trees.", **_P)] = None,
    search_k: Annotated[
        int | None, typer.Option("--search-k", min=1, help="annoy: nodes inspected per query.", **_P)
    ] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="annoy: angular, dot or euclidean.", **_P)] = None,
    index_path: Annotated[
        Path | None, typer.Option("--index-path", help="annoy: where the index is saved and reused.", **_P)
    ] = None,
    recall_sample: Annotated[
        int | None, typer.Option("--recall-sample", min=0, help="annoy: anchors checked against exact search.", **_P)
    ] = None,
    rank_window: Annotated[
        str | None,
        typer.Option(
            "--rank-window", help="MIN:MAX ranks (1-based, inclusive) hard negatives come from, e.g. 3:30.", **_P
        ),
    ] = None,
    hard: Annotated[int | None, typer.Option("--hard", min=0, help="Hard negatives per positive.", **_P)] = None,
    easy_to_hard: Annotated[
        float | None,
        typer.Option("--easy-to-hard", min=0, help="Easy (random) negatives per hard one, e.g. 100.", **_P),
    ] = None,
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="top or random choice inside the window.", **_P)
    ] = None,
    relative_margin: Annotated[
        float | None,
        typer.Option(
            "--relative-margin",
            help="Drop negatives above (1 - m) × the positive's score (0.05 = NV-Retriever's 95%).",
            **_P,
        ),
    ] = None,
    absolute_margin: Annotated[
        float | None, typer.Option("--absolute-margin", help="Drop negatives above the positive's score minus m.", **_P)
    ] = None,
    max_score: Annotated[
        float | None, typer.Option("--max-score", help="Drop negatives scoring above this.", **_P)
    ] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Drop negatives scoring below this.", **_P)
    ] = None,
    near_duplicate_threshold: Annotated[
        float | None,
        typer.Option("--near-duplicate-threshold", help="Drop candidates this similar to a positive.", **_P),
    ] = None,
    exclude_batch_positives: Annotated[
        bool | None,
        typer.Option(
            "--exclude-batch-positives/--allow-batch-positives",
            help="Never another anchor's positive from the same batch.",
            **_P,
        ),
    ] = None,
    train_batch_size: Annotated[
        int | None,
        typer.Option(
            "--train-batch-size", min=1, help="Anchors per training batch (for --exclude-batch-positives).", **_P
        ),
    ] = None,
    from_predictions: Annotated[
        Path | None,
        typer.Option(
            "--from-predictions",
            help="Mine a classifier's mistakes: predictions file (id, label, predicted, confidence).",
            **_P,
        ),
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", min=0, help="--from-predictions: pool neighbours per selected example.", **_P)
    ] = None,
    confidence_threshold: Annotated[
        float | None,
        typer.Option("--confidence-threshold", help="--from-predictions: low confidence is below this.", **_P),
    ] = None,
    confidence_quantile: Annotated[
        float | None,
        typer.Option(
            "--confidence-quantile", help="--from-predictions: low confidence is this least confident share.", **_P
        ),
    ] = None,
    on_error: Annotated[
        str | None, typer.Option("--on-error", help="fail or skip bad input rows (skips are counted).", **_P)
    ] = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    ray_address: RayAddressOpt = None,
    limit: LimitOpt = None,
    overwrite: OverwriteOpt = False,
    resume: ResumeOpt = False,
    dry_run: DryRunOpt = False,
    quiet: QuietOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Mine hard negatives (rank window, easy:hard ratio, false-negative filters), or a classifier's mistakes.

    Examples:

      mlp mine-negatives --pairs pairs.jsonl --corpus corpus.jsonl --out triplets.jsonl --rank-window 3:30 --hard 2 --easy-to-hard 2

      mlp mine-negatives recipes/mine-wikiqa.yaml --format n-tuple --seed 7

      mlp mine-negatives --from-predictions preds.jsonl --pool pool.jsonl --out hard.jsonl --k 5
    """
    args = locals()

    def body() -> None:
        from mlp_cli.mine.run import SETTINGS, recipe_with_overrides, run_mine

        names = {"output_format": "format", "from_predictions": "predictions"}
        overrides = {}
        flags = {}
        for arg, value in args.items():
            name = names.get(arg, arg)
            if name not in SETTINGS or value is None:
                continue
            overrides[name] = str(absolute(value)) if isinstance(value, Path) else value
            flags[name] = (
                "--" + arg.replace("_", "-")
                if arg not in names
                else {"format": "--format", "predictions": "--from-predictions"}[name]
            )
        # flags replace recipe settings before the one validation, so errors name file:line or flag
        loaded = recipe_with_overrides(recipe, overrides, flags)
        options = run_options(
            None, out, seed, workers, limit, overwrite, dry_run, engine=engine, ray_address=ray_address, resume=resume
        )
        # warnings go to stderr with --json too, as for every command; only --quiet hides them
        run_reported(lambda progress: run_mine(loaded, options, progress), json_out, quiet)

    guarded("mine-negatives", body, json_out)


def register(app: typer.Typer) -> None:
    app.command("mine-negatives")(mine_negatives)
