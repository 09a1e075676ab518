"""Pydantic models of the ``mine-negatives`` recipe (format version 1).

Two modes share the encoders and indexes: ``pairs`` (anchor/positive rows: hard and easy
negatives per positive) and ``predictions`` (a classifier's mistakes and their neighbours in a
pool). Every section forbids unknown keys; cross-field checks live in ``MineRecipe.check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from pydantic import Field, field_validator

from mlp_cli.errors import RecipeError
from mlp_cli.recipe.base import DataSource, RecipeBase, StrictModel

if TYPE_CHECKING:
    from mlp_cli.recipe.loader import LoadedRecipe

OUTPUT_FORMATS = ("triplet", "n-tuple", "labeled-pair", "labeled-list", "flag-embedding")
BACKENDS = ("torch", "int8", "onnx")
DEVICE_PATTERN = r"^(cpu|mps|cuda(:\d+)?)$"
ENCODERS = ("tfidf", "sentence-transformers", "precomputed")
INDEXES = ("exact", "annoy")


def parse_rank_window(value: object) -> tuple[int, int]:
    """``"3:30"``, ``[3, 30]`` or ``30`` (= 1:30) as an inclusive 1-based (min, max) rank pair.

    Raises:
        ValueError: the window is not two positive integers with min <= max.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = 1, value
    elif isinstance(value, str):
        low_text, sep, high_text = value.partition(":")
        if not sep:
            raise ValueError(f"rank window {value!r} must look like MIN:MAX, e.g. 3:30")
        try:
            low, high = int(low_text or 1), int(high_text)
        except ValueError:
            raise ValueError(f"rank window {value!r} must be two integers MIN:MAX, e.g. 3:30") from None
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        low, high = int(value[0]), int(value[1])
    else:
        raise ValueError(f"rank window {value!r} must be MIN:MAX (e.g. 3:30) or [MIN, MAX]")
    if low < 1 or high < low:
        raise ValueError(f"rank window {low}:{high}: ranks start at 1 and MIN must not exceed MAX")
    return low, high


class PairsSpec(DataSource):
    """Anchor/positive rows; several rows may share an anchor (several positives)."""

    path: str = Field(description="JSONL, CSV, TSV or Parquet with one anchor/positive pair per row")
    anchor_field: str = "anchor"
    positive_field: str = "positive"
    positive_id_field: str | None = Field(
        None, description="field with the positive's corpus id (matched by text otherwise)"
    )
    anchor_id_field: str | None = Field(
        None, description="field with the anchor's id (needed by precomputed embeddings)"
    )


class CorpusSpec(DataSource):
    """Candidate texts with ids; when absent, the distinct positives are the corpus."""

    id_field: str = "id"
    text_field: str = "text"
    label_field: str | None = Field(None, description="pool label (predictions mode: copied to output rows)")


class OutputSpec(StrictModel):
    path: str
    format: Literal["triplet", "n-tuple", "labeled-pair", "labeled-list", "flag-embedding"] = "triplet"
    include_scores: bool = Field(
        False, description="add scores columns (sentence-transformers' output_scores; pos_scores/neg_scores)"
    )
    prompt: str = Field("", description="flag-embedding: the instruction written in every row's 'prompt'")
    provenance_field: str = Field("_provenance", description="field with ids, ranks, scores and kinds of the negatives")


class EncoderSpec(StrictModel):
    """How texts become vectors; embeddings are cached on disk keyed by model and texts."""

    type: Literal["tfidf", "sentence-transformers", "precomputed"] = "tfidf"
    model: str | None = Field(None, description="sentence-transformers: local model folder")
    batch_size: int = Field(64, ge=1, le=65536)
    normalize: bool = Field(True, description="L2-normalise, so scores are cosine similarities")
    query_prompt: str = Field("", description="text put before every anchor (e.g. 'query: ')")
    document_prompt: str = Field("", description="text put before every corpus text (e.g. 'passage: ')")
    device: str = Field(
        "cpu", description="cpu, cuda, cuda:N or mps; a comma-separated list encodes in one process per device"
    )
    backend: Literal["torch", "int8", "onnx"] = Field(
        "torch", description="sentence-transformers: torch, int8 (dynamic int8 Linear layers on CPU) or onnx"
    )
    # tfidf
    analyzer: Literal["word", "char_wb"] = "word"
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(1, ge=1)
    sublinear_tf: bool = True
    dims: int | None = Field(
        None, ge=2, le=4096, description="tfidf: reduce to dense vectors with TruncatedSVD (needed by annoy)"
    )
    # precomputed
    corpus_embeddings: str | None = Field(None, description="precomputed: .npy, one row per corpus id (memory-mapped)")
    corpus_ids: str | None = Field(
        None, description="precomputed: text file (one id a line) or .npy of ids, aligned with the rows"
    )
    anchor_embeddings: str | None = Field(None, description="precomputed: .npy of anchor vectors")
    anchor_ids: str | None = Field(None, description="precomputed: ids of the anchor rows (pairs.anchor_id_field)")
    cache: bool = Field(True, description="reuse embeddings from the cache folder")
    cache_dir: str | None = Field(None, description="default: $MLP_CACHE_DIR or ~/.cache/mlp/embeddings")


class RescoreSpec(StrictModel):
    """A second local model that re-scores each candidate and positive before the margins apply."""

    model: str = Field(description="local folder: a cross-encoder, or a sentence-transformers bi-encoder")
    type: Literal["auto", "cross-encoder", "bi-encoder"] = Field(
        "auto", description="auto: a folder with modules.json is a bi-encoder, otherwise a cross-encoder"
    )
    batch_size: int = Field(64, ge=1, le=65536)


class IndexSpec(StrictModel):
    """Nearest-neighbour search: exact (chunked matmul) or annoy (approximate, recall measured)."""

    type: Literal["exact", "annoy"] = "exact"
    memory_mb: int = Field(256, ge=8, le=1 << 20, description="exact: memory for one chunk of query×corpus scores")
    n_trees: int = Field(50, ge=1, le=10000)
    search_k: int | None = Field(None, ge=1, description="annoy: nodes inspected per query (default n_trees × k × 4)")
    metric: Literal["angular", "dot", "euclidean"] = "angular"
    path: str | None = Field(None, description="annoy: where the built index is saved and reused")
    recall_sample: int = Field(200, ge=0, description="annoy: anchors checked against exact search")
    recall_warn: float = Field(0.9, ge=0.0, le=1.0, description="annoy: warn when window recall is lower")


class SamplingSpec(StrictModel):
    """Rank window, hard/easy counts and the false-negative filters."""

    rank_window: tuple[int, int] = Field(
        (1, 30), description="MIN:MAX ranks (1-based, inclusive) hard negatives come from"
    )
    hard: int = Field(3, ge=0, le=10000, description="hard negatives per positive")
    easy_to_hard: float = Field(0.0, ge=0.0, le=10000.0, description="easy (random) negatives per hard one")
    strategy: Literal["top", "random"] = "top"
    relative_margin: float | None = Field(
        None, ge=0.0, le=1.0, description="drop negatives scoring above (1 - m) × the positive's score"
    )
    absolute_margin: float | None = Field(None, description="drop negatives scoring above the positive's score minus m")
    max_score: float | None = None
    min_score: float | None = None
    near_duplicate_threshold: float | None = Field(
        0.98, ge=-1.0, le=1.0, description="drop candidates this similar to a positive (null: only identical text)"
    )
    exclude_batch_positives: bool = Field(False, description="never another anchor's positive from the same batch")
    batch_size: int = Field(32, ge=1, description="anchors per training batch, for exclude_batch_positives")

    @field_validator("rank_window", mode="before")
    @classmethod
    def _window(cls, value: object) -> tuple[int, int]:
        return parse_rank_window(value)


class PredictionsSpec(DataSource):
    """A classifier's predictions: which examples it got wrong or was unsure of."""

    id_field: str = "id"
    gold_field: str = "label"
    predicted_field: str = "predicted"
    confidence_field: str | None = Field("confidence", description="confidence of the predicted label")
    probabilities_field: str | None = Field(None, description="list or {label: p}; used when confidence is absent")
    select: list[Literal["misclassified", "low_confidence"]] = Field(
        default_factory=lambda: cast(
            'list[Literal["misclassified", "low_confidence"]]', ["misclassified", "low_confidence"]
        )
    )
    confidence_threshold: float | None = Field(None, ge=0.0, le=1.0, description="low confidence: below this")
    confidence_quantile: float | None = Field(
        0.1, gt=0.0, lt=1.0, description="low confidence: the least confident share"
    )
    k: int = Field(5, ge=0, le=10000, description="nearest pool neighbours per selected example")
    min_weight: float = Field(
        1.0, ge=0.0, description="weight of a fully confident example; less confident ones get more"
    )


class MineRecipe(RecipeBase):
    """A mine-negatives recipe: pairs (or predictions) in, training rows with negatives out."""

    version: Literal[1]
    kind: Literal["mine-negatives"] = "mine-negatives"
    description: str | None = None
    seed: int = 0
    workers: int | None = Field(None, ge=0, description="worker processes for sampling (0 or empty: all cores)")
    engine: Literal["local", "ray"] = Field("local", description="where work runs: this machine, or a Ray cluster")
    on_error: Literal["fail", "skip"] = "fail"
    pairs: PairsSpec | None = None
    corpus: CorpusSpec | None = None
    predictions: PredictionsSpec | None = None
    output: OutputSpec | None = None
    encoder: EncoderSpec = Field(default_factory=EncoderSpec)
    index: IndexSpec = Field(default_factory=IndexSpec)
    rescore: RescoreSpec | None = None
    sampling: SamplingSpec = Field(default_factory=SamplingSpec)

    def check(self, loaded: LoadedRecipe | None) -> None:
        """Cross-field rules, reported at the field they concern."""
        problems: list[tuple[tuple, str]] = []
        if self.pairs is None and self.predictions is None:
            problems.append(
                (
                    (),
                    "nothing to mine: give pairs (--pairs or 'pairs:'), or predictions (--from-predictions "
                    "or 'predictions:') with a pool (--pool or 'corpus:')",
                )
            )
        if self.pairs is not None and self.predictions is not None:
            problems.append((("predictions",), "use either 'pairs:' or 'predictions:', not both"))
        if self.predictions is not None and self.corpus is None:
            problems.append(
                (("corpus",), "predictions mode needs 'corpus:' (the pool of examples, with ids and texts)")
            )
        enc = self.encoder
        if enc.type == "sentence-transformers" and not enc.model:
            problems.append((("encoder", "model"), "sentence-transformers needs 'model:' (a local model folder)"))
        if enc.type == "precomputed":
            for name in ("corpus_embeddings", "corpus_ids"):
                if getattr(enc, name) is None:
                    problems.append((("encoder", name), f"precomputed embeddings need '{name}:'"))
            if self.pairs is not None and (enc.anchor_embeddings is None or enc.anchor_ids is None):
                problems.append(
                    (("encoder",), "precomputed embeddings for pairs need anchor_embeddings: and anchor_ids:")
                )
            if self.pairs is not None and self.pairs.anchor_id_field is None:
                problems.append(
                    (("pairs", "anchor_id_field"), "precomputed embeddings need the anchors' ids: set anchor_id_field")
                )
            if self.corpus is None:
                problems.append((("corpus",), "precomputed embeddings need 'corpus:' (ids and texts of the rows)"))
        import re

        devices = enc.device.split(",")
        if not all(re.match(DEVICE_PATTERN, d) for d in devices):
            problems.append(
                (
                    ("encoder", "device"),
                    f"unknown device {enc.device!r}; accepted: cpu, cuda, cuda:N (N a number), mps, or a comma-separated "
                    "list of them (one encoding process each: cuda:0,cuda:1)",
                )
            )
        elif len(devices) > 1 and enc.backend != "torch":
            problems.append((("encoder", "device"), f"a list of devices needs backend torch (not {enc.backend})"))
        if enc.backend != "torch" and enc.type != "sentence-transformers":
            problems.append((("encoder", "backend"), f"backend {enc.backend!r} applies to sentence-transformers only"))
        if enc.backend == "int8" and enc.device != "cpu":
            problems.append((("encoder", "backend"), "int8 (torch dynamic quantization) runs on cpu only"))
        if enc.backend == "onnx" and enc.device != "cpu":  # onnxruntime's CPU provider is what mlp installs
            problems.append((("encoder", "backend"), "onnx runs on cpu only (ONNX Runtime's CPU provider)"))
        if self.index.type == "annoy" and enc.type == "tfidf" and enc.dims is None:
            problems.append((("index", "type"), "annoy needs dense vectors: set encoder.dims (e.g. 256) with tfidf"))
        s = self.sampling
        if s.min_score is not None and s.max_score is not None and s.min_score > s.max_score:
            problems.append((("sampling", "min_score"), f"min_score {s.min_score} is above max_score {s.max_score}"))
        if problems:
            raise RecipeError("invalid recipe", problems)
