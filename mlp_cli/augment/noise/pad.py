"""The ``noise-pad`` augmenter: pad rows with noise of graded complexity (padding-attack robustness).

Attackers pad a malicious payload with filler so that a classifier misses it; Cloudflare trained
on both classes padded with noise of varying complexity (true-positive rate on fuzzed content rose
from 91% to 97.5%). Noise levels, easiest first:

- ``whitespace``: runs of spaces, tabs and newlines, and repeated characters (``!!!!!``);
- ``printable``: random printable characters;
- ``token-model``: text sampled from a token model (fitted on a corpus, or a saved model);
- ``sentences``: whole real sentences drawn from one or several corpus files (by weight), placed at
  sentence boundaries;
- ``complex``: complex tokens (URIs, user agents, JSON, XML, a user n-gram list).

The chosen level's difficulty goes to the row's ``difficulty`` field (a row keeps a higher one it
already has, e.g. from ``token-model``), and its name to ``noise_level``. What a row gets (level,
where, how long, a noise seed) is sampled first and recorded in provenance; the noise text itself
is then made from that seed, so provenance stays small and the output reproducible.

``balance: true`` pads every class the same way: the padding (whether, how long, which level,
where) is drawn without looking at the label, so a model trained on the output cannot learn
"padded = class X" or "long = class X". It cannot be combined with ``labels:`` (padding only some
classes is exactly the shortcut it removes). Span-labelled rows (``spans``) keep exact spans:
noise never goes inside a span, and spans after the insertion point move with the text.
"""

from __future__ import annotations

import bisect
import random
import string
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from mlp_cli.augment.registry import Augmenter, Params, RunContext, register_augmenter, text_of
from mlp_cli.augment.synthetic.complex_tokens import ComplexTokens
from mlp_cli.augment.synthetic.token_model import (
    ComplexKindsSpec,
    CorpusSpec,
    ModelSource,
    check_levels,
    load_or_fit,
    read_corpus,
)
from mlp_cli.augment.synthetic.tokens import TokenModel
from mlp_cli.augment.text.augmenters import sentence_offsets, sentence_units
from mlp_cli.augment.text.spans import Piece, SpanAwareParams, rebuild, regions, row_spans
from mlp_cli.errors import BadItem, InputDataError

NOISE_LEVELS: dict[str, float] = {
    "whitespace": 0.25,
    "printable": 0.5,
    "token-model": 0.75,
    "sentences": 0.75,
    "complex": 1.0,
}
POSITIONS: tuple[Literal["append", "prepend", "insert"], ...] = ("append", "prepend", "insert")

_WHITESPACE_RUNS = (" ", "  ", "    ", "\t", "\n", " \n", "\r\n", "\t\t")
_REPEATABLE = "!?.-_=*#~+/\\|aeoxz0"
# Printable characters that are not line or page breaks (a row stays one line in TSV/text outputs).
_PRINTABLE = "".join(c for c in string.printable if c not in "\t\n\r\x0b\x0c")
_VISIBLE = _PRINTABLE.replace(" ", "")


class SentenceCorpusSpec(CorpusSpec):
    """A corpus for the ``sentences`` level; in a list of several, ``weight`` is its share of the draws."""

    weight: float = Field(
        1.0, gt=0, description="chance that a sentence comes from this corpus, relative to the other corpora"
    )


class SentencesSpec(Params):
    """Real sentences for the ``sentences`` level: corpus files, and how many sentences a row gets."""

    corpus: list[SentenceCorpusSpec] = Field(
        description="texts whose sentences are the noise (any real text, e.g. a QA corpus), or a list of "
        "corpora each with a 'weight' (every sentence is drawn from one of them, by weight)"
    )
    count: tuple[int, int] = Field((1, 3), description="sentences added per padded row [min, max] (inclusive)")

    @field_validator("corpus", mode="before")
    @classmethod
    def _one_corpus_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, (dict, CorpusSpec)) else value

    @field_validator("count", mode="before")
    @classmethod
    def _one_number_is_a_range(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _range(self) -> SentencesSpec:
        low, high = self.count
        if low < 1 or high < low or high > 1000:
            raise ValueError(f"count must be [min, max] with 1 <= min <= max <= 1000 (got [{low}, {high}])")
        if not 1 <= len(self.corpus) <= 100:
            raise ValueError(f"corpus must be one corpus or a list of 1 to 100 corpora (got {len(self.corpus)})")
        return self


class NoisePadParams(SpanAwareParams):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    levels: list[str] | dict[str, int] = Field(
        default_factory=lambda: ["whitespace", "printable"],
        description="noise levels (whitespace, printable, token-model, sentences, complex): a list (equal chances) or {level: weight}",
    )
    position: Literal["append", "prepend", "insert", "any"] = Field(
        "append", description="where noise goes: after, before, between two words, or any of these"
    )
    length: tuple[int, int] = Field((5, 40), description="noise length range [min, max] (inclusive), in 'unit'")
    unit: Literal["chars", "tokens"] = Field("chars", description="length counts characters or tokens")
    separator: str = Field(" ", description="between the text and the noise")
    labels: list[str] | None = Field(None, description="pad only rows with one of these labels (default: every row)")
    balance: bool = Field(
        False,
        description="pad every class with the same distribution of levels and lengths, drawn blind to the label (no 'labels')",
    )
    label_field: str | None = Field(None, description="label field (default: the input's label_field)")
    token_model: ModelSource | None = Field(None, description="corpus or saved model for the token-model level")
    complex_tokens: ComplexKindsSpec = Field(
        default_factory=ComplexKindsSpec, description="kinds for the complex level"
    )
    sentences: SentencesSpec | None = Field(None, description="corpus and sentence count for the sentences level")

    @field_validator("length", mode="before")
    @classmethod
    def _one_number_is_a_range(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: Any) -> Any:
        return check_levels(value, NOISE_LEVELS)

    @model_validator(mode="after")
    def _consistent(self) -> NoisePadParams:
        low, high = self.length
        if low < 1 or high < low:
            raise ValueError(f"length must be [min, max] with 1 <= min <= max (got [{low}, {high}])")
        if high > 100_000:
            raise ValueError(f"length max {high} is too large (at most 100000)")
        if "token-model" in self.level_weights() and self.token_model is None:
            raise ValueError("level 'token-model' needs 'token_model:' with a corpus or a saved model")
        if "sentences" in self.level_weights() and self.sentences is None:
            raise ValueError("level 'sentences' needs 'sentences:' with a corpus (sentences: {corpus: {path: ...}})")
        if self.balance and self.labels is not None:
            raise ValueError(
                "balance: true pads every class alike; remove 'labels' (padding only some classes teaches a shortcut)"
            )
        return self

    def level_weights(self) -> dict[str, int]:
        weights = self.levels if isinstance(self.levels, dict) else {name: 1 for name in self.levels}
        return {name: weights[name] for name in NOISE_LEVELS if name in weights}


@register_augmenter
class NoisePad(Augmenter[NoisePadParams]):
    """Append, prepend or insert noise of graded complexity (whitespace to complex tokens); records difficulty."""

    name = "noise-pad"
    family = "noise"
    Params = NoisePadParams

    def __init__(self, params: NoisePadParams, context: RunContext):
        super().__init__(params, context)
        weights = params.level_weights()
        self.level_names = list(weights)
        self.level_cum = [sum(list(weights.values())[: i + 1]) for i in range(len(weights))]
        recipe_dir = Path(context.recipe_dir)
        # Built here, in the parent, not in setup(): a missing corpus or n-gram file is then a
        # usage error (exit 2) before any work, and forked workers inherit the fitted model.
        self.model: TokenModel | None = None
        if params.token_model is not None and "token-model" in weights:
            self.model, _info = load_or_fit(params.token_model, recipe_dir)
        self.complex: ComplexTokens | None = params.complex_tokens.build(recipe_dir) if "complex" in weights else None
        # One pool of sentences per corpus, and the running total of the corpora's weights.
        self.sentence_pools: list[list[str]] = []
        self.corpus_cum: list[float] = []
        if params.sentences is not None and "sentences" in weights:
            for spec in params.sentences.corpus:
                texts, _info = read_corpus(spec, recipe_dir)
                pool: list[str] = []
                for text in texts:
                    flat = " ".join(text.split())  # one line: a row stays one line in TSV/text outputs
                    pool.extend(flat[a:b] for a, b in sentence_offsets(flat))
                if not pool:
                    raise InputDataError(f"{spec.path}: no sentences in the sentences corpus")
                self.sentence_pools.append(pool)
                self.corpus_cum.append((self.corpus_cum[-1] if self.corpus_cum else 0.0) + spec.weight)

    @property
    def sentence_pool(self) -> list[str]:
        """Every sentence the ``sentences`` level can add, all corpora together."""
        return [sentence for pool in self.sentence_pools for sentence in pool]

    @property
    def field(self) -> str:
        return self.params.field or self.context.text_field or "text"

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        text = text_of(row, self.field)
        if self.params.labels is not None and not self.params.balance:
            label_field = self.params.label_field or self.context.label_field or "label"
            if label_field not in row:
                raise BadItem(
                    "missing field", f"no label field {label_field!r} (noise-pad labels: {self.params.labels})"
                )
            if str(row[label_field]) not in self.params.labels:
                return {"padded": False}
        pick = rng.random() * self.level_cum[-1]
        level = next(name for name, cum in zip(self.level_names, self.level_cum, strict=True) if pick < cum)
        position = self.params.position
        if position == "any":
            position = POSITIONS[int(rng.random() * len(POSITIONS))]
        if level == "sentences":
            assert self.params.sentences is not None
            length, unit = rng.randint(*self.params.sentences.count), "sentences"
        else:
            length, unit = rng.randint(*self.params.length), self.params.unit
        sampled: dict[str, Any] = {"level": level, "position": position, "length": length, "unit": unit}
        refs = row_spans(row, self.params.span_fields, text) if position == "insert" else []
        if position == "insert" and level == "sentences":
            sampled["at_sentence"] = rng.randint(0, len(sentence_units(text, regions(refs))))
        elif position == "insert":
            words = text.split(" ")
            at = rng.randint(0, len(words))
            if refs:  # never between two words of a span: move to the next boundary outside every span
                cut = sum(len(w) + 1 for w in words[:at]) - 1  # the space that the noise replaces
                while 0 < at < len(words) and any(s["start"] <= cut < s["end"] for _f, _i, s in refs):
                    cut += len(words[at]) + 1
                    at += 1
            sampled["at_word"] = at
        sampled["seed"] = rng.getrandbits(63)
        return sampled

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        if not sampled.get("padded", True):
            return dict(row)
        text = text_of(row, self.field)
        level = sampled["level"]
        noise = self.noise(level, sampled["length"], sampled["unit"], random.Random(sampled["seed"]))
        sep = self.params.separator
        refs = row_spans(row, self.params.span_fields, text)
        parts: list[tuple[str, int | None]]  # (text, where it starts in the old text, or None: new)
        if sampled["position"] == "append":
            parts = [(text, 0), (noise, None)]
        elif sampled["position"] == "prepend":
            parts = [(noise, None), (text, 0)]
        elif "at_sentence" in sampled:
            units = sentence_units(text, regions(refs))
            at = min(sampled["at_sentence"], len(units))
            if at == 0:
                parts = [(noise, None), (text, 0)]
            elif at == len(units):
                parts = [(text, 0), (noise, None)]
            else:
                cut_left, cut_right = units[at - 1][1], units[at][0]
                parts = [(text[:cut_left], 0), (noise, None), (text[cut_right:], cut_right)]
        else:
            words = text.split(" ")
            at = min(sampled["at_word"], len(words))
            left = " ".join(words[:at])
            parts = [(left, 0), (noise, None), (" ".join(words[at:]), len(left) + 1 if at else 0)]
        kept = [(p, src) for p, src in parts if p]
        out = dict(row)
        if refs:
            pieces: list[Piece] = []
            for k, (p, src) in enumerate(kept):
                if k:
                    pieces.append(Piece(sep))
                pieces.append(Piece(p, src))
            out = rebuild(row, self.field, refs, pieces, self.params.span_fields)
        else:
            out[self.field] = sep.join(p for p, _src in kept)
        out["noise_level"] = level
        own = row.get("difficulty")
        difficulty = NOISE_LEVELS[level]
        if isinstance(own, (int, float)) and not isinstance(own, bool) and own > difficulty:
            difficulty = own
        out["difficulty"] = difficulty
        return out

    def noise(self, level: str, length: int, unit: str, rng: random.Random) -> str:
        """Noise of ``level``: ``length`` characters (exactly; complex tokens are never cut, so at
        least) or ``length`` tokens."""
        chars = unit == "chars"
        if level == "sentences":
            return " ".join(self.draw_sentence(rng) for _ in range(length))
        if level == "whitespace":
            runs: list[str] = []
            size = 0
            while (size < length) if chars else (len(runs) < length):
                if rng.random() < 0.5:
                    run = _WHITESPACE_RUNS[int(rng.random() * len(_WHITESPACE_RUNS))]
                else:
                    run = _REPEATABLE[int(rng.random() * len(_REPEATABLE))] * rng.randint(2, 8)
                runs.append(run)
                size += len(run)
            return "".join(runs)[:length] if chars else "".join(runs)
        if level == "printable":
            if chars:
                return "".join(rng.choices(_PRINTABLE, k=length))
            return " ".join("".join(rng.choices(_VISIBLE, k=rng.randint(1, 8))) for _ in range(length))
        if level == "token-model":
            assert self.model is not None
            model = self.model
            if not chars:
                return model.join(model.sample_markov(rng, length, model.order))
            text = ""
            while len(text) < length:
                more = model.join(model.sample_markov(rng, max(1, (length - len(text)) // 2 + 1), model.order))
                text = f"{text}{model.separator}{more}" if text else more
            return text[:length]
        assert self.complex is not None
        tokens: list[str] = []
        size = 0
        while (size < length) if chars else (len(tokens) < length):
            token = self.complex.sample(rng)[1]
            tokens.append(token)
            size += len(token) + (1 if len(tokens) > 1 else 0)
        return " ".join(tokens)

    def draw_sentence(self, rng: random.Random) -> str:
        """One sentence: a corpus by weight (when there are several), then one of its sentences."""
        pools = self.sentence_pools
        pool = pools[0]
        if len(pools) > 1:
            pick = rng.random() * self.corpus_cum[-1]
            pool = pools[min(bisect.bisect_right(self.corpus_cum, pick), len(pools) - 1)]
        return pool[int(rng.random() * len(pool))]
