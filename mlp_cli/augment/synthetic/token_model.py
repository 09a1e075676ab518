"""The ``token-model`` generator: synthetic negatives sampled from a corpus's token distribution.

The Cloudflare recipe for a payload classifier: fit a token model on the real training data, then
generate benign rows at graded difficulty levels, from uniform random tokens (easy to tell apart)
through unigram and Markov text to Markov text with complex tokens (URIs, JSON, XML, dangerous
n-grams) inserted (hard). Each row carries its ``level`` and a numeric ``difficulty`` (easiest is
lowest) so that ``mlp curriculum`` can order the data from easy to hard.

The model is fitted once in the parent process (or loaded from a saved file), then inherited by
the workers. Rows cycle through the levels by their weights, so ``--limit`` keeps the mix. The run
summary reports fidelity: Jensen-Shannon divergence of generated vs real n-gram distributions per
level, leakage (generated rows identical to a corpus text) and the length distributions.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from mlp_cli.augment.registry import Generator, Params, RunContext, register_generator, suggest
from mlp_cli.augment.synthetic.complex_tokens import KINDS, ComplexTokens, read_ngrams
from mlp_cli.augment.synthetic.tokens import TokenModel, fit_token_model, js_divergence, ngrams, quantiles, text_digest
from mlp_cli.errors import BadItem, InputDataError, UsageError
from mlp_cli.io.manifest import file_sha256
from mlp_cli.io.rows import detect_format, iter_rows
from mlp_cli.recipe.base import DataFormat, source_like

Tokenizer = Literal["payload", "word", "char"]
ComplexKind = Literal["uri", "url", "user_agent", "email", "ipv4", "ipv6", "file_path", "hash", "json", "xml"]

# Level -> difficulty (easiest 0, hardest 1): each level is closer to the real text than the one before.
LEVELS: dict[str, float] = {"uniform": 0.0, "unigram": 0.25, "bigram": 0.5, "trigram": 0.75, "complex": 1.0}
# Markov context length a level needs (0: no context).
LEVEL_ORDER: dict[str, int] = {"uniform": 0, "unigram": 0, "bigram": 1, "trigram": 2}
# n-gram sizes over which fidelity is measured (capped by what the model counted).
FIDELITY_MAX_N = 3
# Draws of a row that came out identical to a corpus text (avoid_copies) before it is kept as is.
MAX_REDRAWS = 8


class CorpusSpec(Params):
    """Where the real texts come from (paths relative to the recipe)."""

    path: str = Field(description="corpus file: JSONL, CSV, TSV, text (one text a line) or Parquet")
    format: DataFormat = "auto"
    field: str = Field("text", description="field holding the text (for the text format: its name)")
    columns: list[str] | None = Field(None, description="field names for header-less CSV/TSV")
    header: bool = True
    quoting: Literal["auto", "minimal", "none"] = "auto"
    encoding: str = "utf-8"
    label_field: str | None = Field(None, description="field holding a label, to keep only some classes")
    labels: list[str] | None = Field(None, description="fit only on rows whose label_field is one of these")
    on_error: Literal["fail", "skip"] = Field(
        "fail", description="a bad corpus row stops the run, or is skipped and counted"
    )

    @model_validator(mode="after")
    def _labels_need_field(self) -> CorpusSpec:
        if self.labels is not None and self.label_field is None:
            raise ValueError("'labels' needs 'label_field' (the field that holds the label)")
        return self


class ComplexKindsSpec(Params):
    """Which complex tokens to make: Faker kinds and/or a user file of n-grams."""

    kinds: list[ComplexKind] = Field(
        default_factory=lambda: cast("list[ComplexKind]", list(KINDS)), description="kinds of complex tokens"
    )
    ngrams: str | None = Field(None, description="file of extra tokens, one a line (e.g. dangerous n-grams)")
    locale: str = Field("en_US", description="Faker locale")

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from faker.config import AVAILABLE_LOCALES

        if value not in AVAILABLE_LOCALES:
            import difflib

            close = difflib.get_close_matches(value, AVAILABLE_LOCALES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown Faker locale {value!r}{hint}")
        return value

    @model_validator(mode="after")
    def _something_to_insert(self) -> ComplexKindsSpec:
        if not self.kinds and not self.ngrams:
            raise ValueError("give at least one of 'kinds' or 'ngrams'")
        return self

    def build(self, recipe_dir: Path) -> ComplexTokens:
        ngrams = read_ngrams(_resolve(recipe_dir, self.ngrams)) if self.ngrams else None
        return ComplexTokens(tuple(self.kinds), ngrams, self.locale)


class ComplexSpec(ComplexKindsSpec):
    """Complex tokens inserted into the rows of the ``complex`` level, and how many."""

    rate: float = Field(0.05, ge=0.0, le=1.0, description="chance per token position of inserting a complex token")
    min_per_row: int = Field(1, ge=0, le=1000, description="complex tokens in every row at least")


class ModelSource(Params):
    """Fit a token model on a corpus, or load a saved one (the fields both users share)."""

    corpus: CorpusSpec | None = Field(None, description="real texts to fit the token model on")
    model: str | None = Field(
        None,
        description="saved token model (JSON): loaded if it exists and matches corpus and settings, else fitted and saved here",
    )
    tokenizer: Tokenizer = Field("word", description="payload (URLs, requests, code), word, or char")
    order: int = Field(2, ge=1, le=6, description="Markov context length of the hardest level (2: trigram)")
    alpha: float = Field(0.0, ge=0.0, description="additive smoothing of the unigram distribution")

    @model_validator(mode="after")
    def _corpus_or_model(self) -> ModelSource:
        if self.corpus is None and self.model is None:
            raise ValueError("give 'corpus' (real texts to fit on) or 'model' (a saved token model), or both")
        return self


class TokenModelParams(ModelSource):
    field: str | None = Field(None, description="output text field (default: the input's text_field, or 'text')")
    label: str | None = Field("benign", description="label of every generated row (null: no label field)")
    label_field: str | None = Field(
        None, description="output label field (default: the input's label_field, or 'label')"
    )
    levels: list[str] | dict[str, int] = Field(
        default_factory=lambda: list(LEVELS),
        description="levels (uniform, unigram, bigram, trigram, complex): a list (equal shares) or {level: weight}",
    )
    complex_tokens: ComplexSpec = Field(default_factory=ComplexSpec, description="what the complex level inserts")
    max_tokens: int | None = Field(None, ge=1, description="cap on a generated text's length in tokens")
    fidelity_rows: int = Field(2000, ge=0, description="rows per level whose n-grams are compared to the corpus")
    avoid_copies: bool = Field(
        True, description="redraw a generated text that is identical to a corpus text (up to 8 times)"
    )

    @field_validator("levels", mode="before")
    @classmethod
    def _finite_weights(cls, value: Any) -> Any:
        # One clear message for .inf / .nan / negative weights (not a list-or-dict union error).
        if isinstance(value, dict):
            for name, weight in value.items():
                if isinstance(weight, float) and not (math.isfinite(weight) and weight >= 1):
                    raise ValueError(f"level weights are whole numbers from 1 to 1000 (got {name}: {weight})")
        return value

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: Any) -> Any:
        return check_levels(value, LEVELS)

    @model_validator(mode="after")
    def _order_covers_levels(self) -> TokenModelParams:
        for name in self.level_weights():
            if LEVEL_ORDER.get(name, 0) > self.order:
                raise ValueError(f"level {name!r} needs order >= {LEVEL_ORDER[name]} (order is {self.order})")
        return self

    def level_weights(self) -> dict[str, int]:
        """{level: weight} in difficulty order."""
        weights = self.levels if isinstance(self.levels, dict) else {name: 1 for name in self.levels}
        return {name: weights[name] for name in LEVELS if name in weights}


def check_levels(value: list[str] | dict[str, int], known: dict[str, float]) -> list[str] | dict[str, int]:
    """A level list or {level: weight} mapping with known names and weights from 1 to 1000."""

    names = list(value)
    if not names:
        raise ValueError("name at least one level: " + ", ".join(known))
    for name in names:
        if name not in known:
            raise ValueError(f"unknown level {name!r}{suggest(name, list(known))}; accepted: {', '.join(known)}")
    if len(set(names)) != len(names):
        raise ValueError("a level is named twice")
    if isinstance(value, dict):
        for name, weight in value.items():
            if weight < 1 or weight > 1000:
                raise ValueError(f"level weights are whole numbers from 1 to 1000 (got {name}: {weight})")
    return value


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def read_corpus(spec: CorpusSpec, recipe_dir: Path) -> tuple[list[str], dict[str, Any]]:
    """The texts of a corpus and what happened to its rows (read, used, skipped by reason)."""

    path = _resolve(recipe_dir, spec.path)
    if not path.exists():
        raise InputDataError(f"{path}: corpus file not found (corpus.path: {spec.path!r}, relative to the recipe)")
    if path.is_dir():
        raise InputDataError(f"{path}: corpus is a folder; expected a data file")
    detect_format(path, spec.format)
    source = source_like(spec, path, text_field=spec.field)
    texts: list[str] = []
    skipped: Counter = Counter()
    rows = filtered = 0
    for row in iter_rows(source):
        rows += 1
        if isinstance(row, BadItem):
            problem: tuple[str, str] | None = (row.reason, row.detail)
        elif (
            spec.labels is not None and str(row.data.get(cast(str, spec.label_field))) not in spec.labels
        ):  # set with labels (validator)
            if spec.label_field in row.data:
                filtered += 1
                continue
            problem = ("missing field", f"no label field {spec.label_field!r}")
        else:
            problem = _text_problem(row.data, spec.field)
            if problem is None:
                value = row.data[spec.field]
                if value.strip():
                    texts.append(value)
                else:
                    skipped["empty text"] += 1  # nothing to learn from: counted, never an error
                continue
        assert problem is not None
        reason, detail = problem
        if spec.on_error == "fail":
            raise InputDataError(
                f"{row.location}: corpus row: {reason}: {detail}. Fix the corpus, set corpus.field/columns, "
                "or set 'on_error: skip' under corpus to skip bad rows (they are counted in the summary)."
            )
        skipped[reason] += 1
    info = {
        "path": str(path),
        "sha256": file_sha256(path),
        "rows": rows,
        "used": len(texts),
        "filtered_out": filtered,
        "skipped": dict(sorted(skipped.items())),
    }
    if not texts:
        why = f"{rows} rows read"
        if filtered:
            why += f", {filtered} with a label not in {spec.labels}"
        if skipped:
            why += ", skipped: " + ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
        raise InputDataError(f"{path}: the corpus has no text in field {spec.field!r} to fit on ({why})")
    return texts, info


def _text_problem(data: dict[str, Any], field: str) -> tuple[str, str] | None:
    """Why ``data[field]`` is not text, as (reason, detail), or None when it is."""
    if field not in data:
        return "missing field", f"no field {field!r} (fields: {', '.join(map(str, data)) or 'none'})"
    value = data[field]
    if not isinstance(value, str):
        return "wrong type", f"field {field!r} holds {type(value).__name__}, expected text"
    return None


def load_or_fit(source: ModelSource, recipe_dir: Path) -> tuple[TokenModel, dict[str, Any]]:
    """The token model of ``source``: loaded from ``model`` when it matches, else fitted (and saved).

    A saved model records a fingerprint of the corpus file and fit settings; it is reused only
    when they match, so editing the corpus or the order refits instead of using a stale model.
    """
    model_path = _resolve(recipe_dir, source.model) if source.model else None
    if source.corpus is None:
        assert model_path is not None
        model = TokenModel.load(model_path)
        _check_settings(source, model, model_path)
        return model, {"source": "loaded", "path": str(model_path)}
    started = time.perf_counter()
    texts, corpus_info = read_corpus(source.corpus, recipe_dir)
    fingerprint = {
        "corpus_sha256": corpus_info["sha256"],
        "corpus": source.corpus.model_dump(mode="json", exclude={"path"}),
        "tokenizer": source.tokenizer,
        "order": source.order,
        "alpha": source.alpha,
    }
    if model_path is not None and model_path.exists():
        saved = TokenModel.load(model_path)
        if saved.fit_info.get("fingerprint") == fingerprint:
            return saved, {"source": "loaded", "path": str(model_path), "corpus": corpus_info}
    model = fit_token_model(  # read_corpus kept only texts with a non-space character: never empty
        texts,
        tokenizer=source.tokenizer,
        order=source.order,
        alpha=source.alpha,
        fit_info={"fingerprint": fingerprint, "documents": len(texts)},
    )
    info: dict[str, Any] = {
        "source": "fitted",
        "fit_seconds": round(time.perf_counter() - started, 3),
        "corpus": corpus_info,
    }
    if model_path is not None:
        model.save(model_path)
        info["path"] = str(model_path)
        info["saved"] = True
    return model, info


def _check_settings(source: ModelSource, model: TokenModel, path: Path) -> None:
    """Settings written in the recipe must agree with a loaded model (defaults defer to the model)."""
    for name in ("tokenizer", "order", "alpha"):
        if name in source.model_fields_set and getattr(source, name) != getattr(model, name):
            raise UsageError(
                f"{path}: the saved model has {name} {getattr(model, name)!r} but the recipe asks for "
                f"{getattr(source, name)!r}; remove '{name}' from the recipe or give a corpus to refit"
            )


@register_generator
class TokenModelGenerator(Generator[TokenModelParams]):
    """Synthetic rows sampled from a corpus's token model, at graded difficulty levels (Cloudflare recipe)."""

    name = "token-model"
    family = "synthetic"
    Params = TokenModelParams
    accepts_input = True

    def __init__(self, params: TokenModelParams, context: RunContext):
        super().__init__(params, context)
        self.field = params.field or context.text_field or "text"
        self.label_field = params.label_field or context.label_field or "label"
        weights = params.level_weights()
        # Row i gets level pattern[i % len(pattern)]; rank[j] counts earlier slots of that level,
        # so a row's position within its level is known without counting rows.
        self.pattern = [name for name, w in weights.items() for _ in range(w)]
        self.rank = [k for w in weights.values() for k in range(w)]
        self.weights = weights
        self.model: TokenModel | None = None
        self.model_info: dict[str, Any] = {}
        self.complex: ComplexTokens | None = None
        self._model_hash = ""
        # The token lists of this process's latest rows that fall in their level's fidelity sample;
        # collect() takes them with the chunk's rows, so fidelity costs no second tokenization.
        self._sampled: list[tuple[str, list[str]]] = []
        # Per-process counts since the last collect(): rows and corpus copies ("leaks") per level,
        # kept by generate(), which already fingerprints each text to avoid copies.
        self._rows: Counter = Counter()
        self._leaks: Counter = Counter()

    def fit(self) -> None:
        recipe_dir = Path(self.context.recipe_dir)
        params = self.params
        if self.context.input_override and params.corpus is not None:  # --input names another corpus
            params = params.model_copy(
                update={"corpus": params.corpus.model_copy(update={"path": self.context.input_override})}
            )
        self.model, self.model_info = load_or_fit(params, recipe_dir)
        for name in self.weights:
            needed = self.model.order if name == "complex" else LEVEL_ORDER[name]
            if needed > self.model.order:
                raise UsageError(
                    f"level {name!r} needs a model of order >= {needed}; the model has order {self.model.order}"
                )
        if "complex" in self.weights:
            self.complex = self.params.complex_tokens.build(recipe_dir)
        self._model_hash = self.model.hash[:16]

    def generate(self, index: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        model = self.model
        assert model is not None, "fit() must run before generate()"
        slot = index % len(self.pattern)
        level = self.pattern[slot]
        max_tokens = self.params.max_tokens
        provenance: dict[str, Any] = {"level": level, "model_hash": self._model_hash, "seed": self.context.seed}
        redraws = 0
        while True:  # a redraw draws the length too: copies of corpus texts are mostly short ones
            n = model.sample_length(rng)
            if max_tokens is not None and n > max_tokens:
                n = max_tokens
            if level == "uniform":
                tokens = model.sample_uniform(rng, n)
            elif level == "unigram":
                tokens = model.sample_unigram(rng, n)
            elif level == "bigram":
                tokens = model.sample_markov(rng, n, 1)
            elif level == "trigram":
                tokens = model.sample_markov(rng, n, 2)
            else:
                tokens = model.sample_markov(rng, n, model.order)
                provenance["complex_tokens"] = self._insert_complex(tokens, rng)
            text = model.join(tokens)
            copied = text_digest(text) in model.documents
            if not copied or not self.params.avoid_copies or redraws == MAX_REDRAWS:
                break
            redraws += 1
        if redraws:
            provenance["redraws"] = redraws
        self._rows[level] += 1
        if copied:
            self._leaks[level] += 1
        position = (index // len(self.pattern)) * self.weights[level] + self.rank[slot]
        if position < self.params.fidelity_rows:
            # handed to collect() with this chunk's rows (a level's first rows are its sample)
            self._sampled.append((level, model.tokenize(text) if level == "complex" else tokens))
        row: dict[str, Any] = {self.field: text}
        if self.params.label is not None:
            row[self.label_field] = self.params.label
        row["level"] = level
        row["difficulty"] = LEVELS[level]
        return row, provenance

    def _insert_complex(self, tokens: list[str], rng: random.Random) -> list[str]:
        """Insert complex tokens in place at random token boundaries; returns their kinds."""
        assert self.complex is not None
        spec = self.params.complex_tokens
        count = spec.min_per_row
        if spec.rate > 0:
            random_ = rng.random
            count += sum(1 for _ in range(len(tokens)) if random_() < spec.rate)
        kinds = []
        for _ in range(count):
            kind, token = self.complex.sample(rng)
            tokens.insert(rng.randrange(len(tokens) + 1), token)
            kinds.append(kind)
        return kinds

    def collect(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Per-level counts, leaks and (for the sampled rows) n-gram and length counts of one chunk.

        The counts are those generate() kept for the chunk's rows in this process.
        """
        assert self.model is not None
        rows_per_level, leaks = self._rows, self._leaks
        self._rows, self._leaks = Counter(), Counter()
        max_n = min(FIDELITY_MAX_N, self.model.order + 1)
        grams: dict[str, list[Counter]] = {}
        lengths: dict[str, Counter] = {}
        for level, tokens in self._sampled:
            if level not in grams:
                grams[level] = [Counter() for _ in range(max_n)]
                lengths[level] = Counter()
            for n in range(1, max_n + 1):
                grams[level][n - 1].update(ngrams(tokens, n))
            lengths[level][len(tokens)] += 1
        self._sampled = []
        return {"rows": rows_per_level, "leaks": leaks, "grams": grams, "lengths": lengths}

    def summary(self, partials: list[Any]) -> dict[str, Any]:
        """Levels, model and corpus facts, and the fidelity figures (JS divergence, leakage, lengths)."""
        assert self.model is not None
        model = self.model
        max_n = min(FIDELITY_MAX_N, model.order + 1)
        rows: Counter = Counter()
        leaks: Counter = Counter()
        grams: dict[str, list[Counter]] = {}
        lengths: dict[str, Counter] = {}
        for part in partials:  # chunk order: the same sums whatever the number of workers
            rows.update(part["rows"])
            leaks.update(part["leaks"])
            for level, counters in part["grams"].items():
                mine = grams.setdefault(level, [Counter() for _ in range(max_n)])
                for n in range(max_n):
                    mine[n].update(counters[n])
            for level, counts in part["lengths"].items():
                lengths.setdefault(level, Counter()).update(counts)
        real = [model.real_ngrams(n) for n in range(1, max_n + 1)]
        js: dict[str, float] = {}
        js_by_n: dict[str, dict[str, float]] = {}
        for level in self.weights:
            if level not in grams:
                continue
            per_n = {str(n + 1): round(js_divergence(real[n], grams[level][n]), 4) for n in range(max_n)}
            js_by_n[level] = per_n
            js[level] = round(sum(per_n.values()) / len(per_n), 4)
        total = sum(rows.values())
        leakage = {level: round(leaks[level] / rows[level], 4) for level in self.weights if rows[level]}
        leakage["all"] = round(sum(leaks.values()) / total, 4) if total else 0.0
        length_figures = {"unit": "tokens", "real": quantiles(model.lengths)}
        length_figures.update({level: quantiles(lengths[level]) for level in self.weights if level in lengths})
        model_info = {k: v for k, v in self.model_info.items() if k != "corpus"}
        model_info.update(
            {
                "hash": model.hash,
                "tokenizer": model.tokenizer,
                "order": model.order,
                "vocabulary": len(model.vocab),
                "documents": len(model.documents),
            }
        )
        figures: dict[str, Any] = {
            "levels": {level: {"rows": rows[level], "difficulty": LEVELS[level]} for level in self.weights},
            "model": model_info,
            "fidelity": {
                "js_divergence": js,
                "js_divergence_by_n": js_by_n,
                "js_sample_rows": {level: sum(lengths[level].values()) for level in self.weights if level in lengths},
                "leakage": leakage,
                "lengths": length_figures,
            },
        }
        if "corpus" in self.model_info:
            figures["corpus"] = self.model_info["corpus"]
        return figures
