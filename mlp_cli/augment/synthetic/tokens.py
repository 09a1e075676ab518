"""Tokenizers, token models (uniform, unigram, Markov with back-off), length distributions, JS divergence.

Pure Python (no numpy per row): sampling one token is one ``random()`` and one ``bisect`` over
precomputed cumulative counts, so a generator can make tens of thousands of rows per second per
core. The Markov model of order k interpolates every order down to the unigram with Witten-Bell
back-off, so unseen contexts and rare ones fall back smoothly:

    P(w | h) = (c(h, w) + T(h) * P(w | h')) / (c(h) + T(h))

where ``c`` counts what followed the context ``h`` in the corpus, ``T(h)`` is the number of distinct
tokens seen after ``h`` and ``h'`` is ``h`` without its oldest token. The lowest order is the unigram
with additive smoothing ``alpha``. Sampling draws from exactly this distribution: with probability
``c(h) / (c(h) + T(h))`` a token seen after ``h``, otherwise the next lower order.

A fitted model is saved as JSON (safe to load, diffable) and hashed, so rows can name the model
that made them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zlib
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from mlp_cli.errors import InputDataError
from mlp_cli.io.atomic import write_text_atomic

MODEL_FORMAT = "mlp-token-model"
MODEL_VERSION = 1

# Letters, digits, underscores, whitespace runs and every other character on its own: URLs, HTTP
# requests and code keep their punctuation as tokens ("/", "?", "=", "<"), and "".join() of the
# tokens gives back the text exactly.
_PAYLOAD = re.compile(r"[^\W\d_]+|\d+|_+|\s+|[^\w\s]")

TOKENIZERS = ("payload", "word", "char")
# What joins tokens back into text, per tokenizer.
SEPARATORS = {"payload": "", "word": " ", "char": ""}

# The context before the first token of a text (never produced as a token).
BOS = None

# Unigram lookup table: one slot per 2**UNIGRAM_SHIFT of the 2**32 random integers: 2**20 slots
# (8 MB), so that even with 100,000 singleton tokens only about 1 draw in 10 needs a search.
UNIGRAM_SHIFT = 12
_SHIFT = UNIGRAM_SHIFT.__rrshift__  # word -> word >> UNIGRAM_SHIFT, callable from map() in C


def _random_words(rng: Any, n: int) -> memoryview:
    """``n`` random 32-bit integers from one ``getrandbits`` call (no Python call per token)."""
    return memoryview(rng.getrandbits(32 * n).to_bytes(4 * n, "little")).cast("I")


def tokenizer_for(name: str) -> Callable[[str], list[str]]:
    """The tokenize function called ``name`` (payload, word or char)."""
    if name == "payload":
        return _PAYLOAD.findall
    if name == "word":
        return str.split
    if name == "char":
        return list
    raise ValueError(f"unknown tokenizer {name!r}; accepted: {', '.join(TOKENIZERS)}")


def ngrams(tokens: Sequence[str], n: int) -> Iterable[Any]:
    """The n-grams inside one token sequence (tuples for n > 1, tokens for n == 1)."""
    if n == 1:
        return tokens
    return zip(*(tokens[i:] for i in range(n)), strict=False)  # shifted copies: the shortest ends it


def js_divergence(p: Mapping[Any, float], q: Mapping[Any, float]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) between two count or probability mappings.

    Only keys of ``q`` are visited: an outcome that only ``p`` has adds exactly ``p/2`` to the sum,
    so the total of those is ``(1 - shared p) / 2``. That keeps the cost at the size of the
    (usually small) generated sample, not of the real vocabulary.
    """
    p_total = float(sum(p.values()))
    q_total = float(sum(q.values()))
    if p_total <= 0 or q_total <= 0:
        return 1.0 if (p_total > 0) != (q_total > 0) else 0.0
    shared_p = 0.0
    js = 0.0
    for key in q:  # insertion order, fixed by the data: the float sum is the same in every run
        qk = q[key] / q_total
        if qk <= 0:
            continue
        pk = p.get(key, 0.0) / p_total
        if pk > 0:
            shared_p += pk
            m = (pk + qk) / 2
            js += 0.5 * pk * math.log2(pk / m) + 0.5 * qk * math.log2(qk / m)
        else:
            js += 0.5 * qk
    js += 0.5 * max(0.0, 1.0 - shared_p)
    return min(1.0, max(0.0, js))


def text_digest(text: str) -> int:
    """A 64-bit fingerprint of a text, for "is this generated text one of the corpus texts?".

    CRC-32 and Adler-32 side by side: two C calls, several times cheaper per row than a
    cryptographic hash; a collision would only cost one needless redraw or one leak miscounted.
    """
    data = text.encode("utf-8")
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def quantiles(counts: Mapping[int, int]) -> dict[str, float]:
    """min, p10, median, p90, max and mean of a length histogram ``{length: count}``."""
    total = sum(counts.values())
    if not total:
        return {"n": 0}
    keys = sorted(counts)
    cum = list(accumulate(counts[k] for k in keys))

    def at(share: float) -> int:
        return keys[min(len(keys) - 1, bisect(cum, share * total - 1e-9))]

    mean = sum(k * counts[k] for k in keys) / total
    return {
        "n": total,
        "min": keys[0],
        "p10": at(0.1),
        "p50": at(0.5),
        "p90": at(0.9),
        "max": keys[-1],
        "mean": round(mean, 2),
    }


class TokenModel:
    """A fitted token model: vocabulary, unigram and Markov counts, length distribution.

    Build one with :func:`fit_token_model` or :meth:`load`. Sampling methods take a
    ``random.Random`` and the number of tokens to draw.
    """

    def __init__(
        self,
        tokenizer: str,
        order: int,
        alpha: float,
        vocab: list[str],
        unigram: list[int],
        contexts: dict[int, dict[Any, tuple[list[str], list[int]]]],
        lengths: dict[int, int],
        documents: list[int],
        fit_info: dict[str, Any] | None = None,
    ):
        if not vocab:
            raise InputDataError("the token model has an empty vocabulary")
        self.tokenizer = tokenizer
        self.order = order
        self.alpha = alpha
        self.vocab = vocab
        self.unigram = unigram
        # order c -> {context: (next tokens, counts)}; an order-1 context is the bare previous token
        # (a 1-tuple per token would cost time on the sampling hot path), longer ones are tuples.
        self.contexts = contexts
        self.lengths = lengths
        self.documents = set(documents)
        self._documents_ordered = documents
        self.fit_info = fit_info or {}
        self.tokenize = tokenizer_for(tokenizer)
        self.separator = SEPARATORS[tokenizer]
        self._build()
        self.hash = self._content_hash()

    # -- sampling structures -----------------------------------------------------------------

    def _build(self) -> None:
        weights = [c + self.alpha for c in self.unigram]
        self._uni_cum = list(accumulate(weights))
        self._uni_total = self._uni_cum[-1]
        self._build_unigram_table()
        self._uni_count = dict(zip(self.vocab, self.unigram, strict=True))
        self._uni_n = sum(self.unigram)
        # tables[c][context] = (next tokens, cumulative counts, keep, total / keep) where keep is
        # the Witten-Bell chance of staying at this order.
        self._tables: dict[int, dict[Any, tuple]] = {}
        for c, entries in self.contexts.items():
            table: dict[Any, tuple] = {}
            for context, (nexts, counts) in entries.items():
                cum = list(accumulate(counts))
                total = cum[-1]
                keep = total / (total + len(nexts))
                table[context] = (nexts, cum, keep, total / keep)
            self._tables[c] = table
        keys = sorted(self.lengths)
        self._len_values = keys
        self._len_cum = list(accumulate(self.lengths[k] for k in keys))

    def _build_unigram_table(self) -> None:
        """A lookup table that turns 32 random bits into a unigram token without a search.

        Token i owns the integers [cum32[i-1], cum32[i]) of [0, 2**32). The table has one slot per
        2**UNIGRAM_SHIFT integers: a slot that lies inside one token's range holds that token, the
        few slots that straddle two ranges hold None and fall back to ``bisect``. Exact (to 2**-32)
        and done in C by ``map``, several times faster than ``random.choices`` over a large vocabulary.
        """
        scale = float(1 << 32) / self._uni_total
        cum32 = [int(c * scale) for c in self._uni_cum]
        cum32[-1] = 1 << 32
        table: list[str | None] = [None] * (1 << (32 - UNIGRAM_SHIFT))
        low = 0
        for token, high in zip(self.vocab, cum32, strict=True):
            first = (low + (1 << UNIGRAM_SHIFT) - 1) >> UNIGRAM_SHIFT
            end = high >> UNIGRAM_SHIFT
            if end > first:
                table[first:end] = [token] * (end - first)
            low = high
        self._uni_cum32 = cum32
        self._uni_table = table

    def _content_hash(self) -> str:
        """sha256 over everything that decides what the model generates (the same for a fitted
        model and the same model saved and loaded). ``repr`` of the nested containers is computed
        in C, far faster than JSON for a large model."""
        content = (
            MODEL_FORMAT,
            MODEL_VERSION,
            self.tokenizer,
            self.order,
            float(self.alpha),
            self.vocab,
            self.unigram,
            sorted(self.lengths.items()),
            sorted(self.contexts.items()),
            self._documents_ordered,  # what avoid_copies redraws against
        )
        return hashlib.sha256(repr(content).encode("utf-8")).hexdigest()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["tokenize"]  # str.split / a bound regex method: rebuilt from the name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.tokenize = tokenizer_for(self.tokenizer)

    def sample_length(self, rng: Any) -> int:
        """A text length in tokens, drawn from the corpus's length distribution."""
        return self._len_values[bisect(self._len_cum, rng.random() * self._len_cum[-1])]

    def sample_uniform(self, rng: Any, n: int) -> list[str]:
        """``n`` tokens drawn uniformly from the vocabulary (the easiest level to tell apart).

        32 random bits per token, reduced modulo the vocabulary size (bias below size / 2**32).
        """
        return list(map(self.vocab.__getitem__, map(len(self.vocab).__rmod__, _random_words(rng, n))))

    def sample_unigram(self, rng: Any, n: int) -> list[str]:
        """``n`` independent tokens drawn by corpus frequency (plus ``alpha``)."""
        words = _random_words(rng, n)
        tokens = list(map(self._uni_table.__getitem__, map(_SHIFT, words)))
        if None in tokens:  # a straddling slot (about 1 token in 100): search the exact range
            cum32 = self._uni_cum32
            vocab = self.vocab
            i = tokens.index(None)
            while True:
                tokens[i] = vocab[bisect(cum32, words[i])]
                if None not in tokens:
                    break
                i = tokens.index(None, i + 1)
        return tokens  # type: ignore[return-value]

    def sample_markov(self, rng: Any, n: int, order: int) -> list[str]:
        """``n`` tokens from the Markov model of ``order`` (context length) with back-off."""
        if order < 1 or order > self.order:
            raise ValueError(f"this model was fitted with order {self.order}; cannot sample order {order}")
        # Locals, unrolled loops for orders 1 and 2, and one random() per back-off step: this is
        # the hot path of the generator (about a microsecond per token).
        random = rng.random
        vocab = self.vocab
        uni_cum = self._uni_cum
        uni_total = self._uni_total
        bisect_ = bisect
        out: list[str] = []
        append = out.append
        if order == 1:
            get1 = self._tables[1].get
            prev: Any = BOS
            for _ in range(n):
                entry = get1(prev)
                if entry is not None:
                    r = random()
                    if r < entry[2]:
                        prev = entry[0][bisect_(entry[1], r * entry[3])]
                        append(prev)
                        continue
                prev = vocab[bisect_(uni_cum, random() * uni_total)]
                append(prev)
            return out
        if order == 2:
            get2 = self._tables[2].get
            get1 = self._tables[1].get
            before: Any = BOS
            prev = BOS
            for _ in range(n):
                entry = get2((before, prev))
                if entry is not None:
                    r = random()
                    if r < entry[2]:
                        before, prev = prev, entry[0][bisect_(entry[1], r * entry[3])]
                        append(prev)
                        continue
                entry = get1(prev)
                if entry is not None:
                    r = random()
                    if r < entry[2]:
                        before, prev = prev, entry[0][bisect_(entry[1], r * entry[3])]
                        append(prev)
                        continue
                before, prev = prev, vocab[bisect_(uni_cum, random() * uni_total)]
                append(prev)
            return out
        tables = [self._tables[c] for c in range(order, 0, -1)]
        history: list[Any] = [BOS] * order
        for _ in range(n):
            token = None
            c = order
            for table in tables:
                entry = table.get(history[-1] if c == 1 else tuple(history[-c:]))
                c -= 1
                if entry is None:
                    continue
                r = random()
                if r < entry[2]:
                    token = entry[0][bisect_(entry[1], r * entry[3])]
                    break
            if token is None:
                token = vocab[bisect_(uni_cum, random() * uni_total)]
            append(token)
            history.append(token)
        return out

    def join(self, tokens: Iterable[str]) -> str:
        """Tokens back to text (the tokenizer's separator between them)."""
        return self.separator.join(tokens)

    # -- probabilities (what sampling follows; used by tests and diagnostics) -----------------

    def prob(self, token: str, context: Sequence[str | None] = ()) -> float:
        """P(token | context) under the interpolated model (context: earlier tokens, None = start)."""
        context = tuple(context)[-self.order :] if self.order else ()
        if not context:
            if self._uni_total <= 0:
                return 0.0
            return (self._uni_count.get(token, 0) + self.alpha) / self._uni_total
        lower = self.prob(token, context[1:])
        c = len(context)
        entry = self._tables.get(c, {}).get(context[0] if c == 1 else context)
        if entry is None:
            return lower
        nexts, cum, _keep, _scaled = entry
        total = cum[-1]
        seen = 0
        for i, t in enumerate(nexts):
            if t == token:
                seen = cum[i] - (cum[i - 1] if i else 0)
                break
        return (seen + len(nexts) * lower) / (total + len(nexts))

    # -- real n-gram distribution (fidelity) -------------------------------------------------

    def real_ngrams(self, n: int) -> dict[Any, int]:
        """Corpus counts of n-grams inside texts (no start padding), for n <= order + 1."""
        if n == 1:
            return dict(self._uni_count)
        if n - 1 > self.order:
            raise ValueError(f"model of order {self.order} has no {n}-gram counts")
        out: dict[Any, int] = {}
        for context, (nexts, counts) in self.contexts[n - 1].items():
            prefix = (context,) if n == 2 else context
            if BOS in prefix:
                continue
            for t, k in zip(nexts, counts, strict=True):
                out[prefix + (t,)] = k
        return out

    # -- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready data (token ids index ``vocab``; -1 is the start of a text)."""
        ids = {t: i for i, t in enumerate(self.vocab)}
        ids[BOS] = -1  # type: ignore[index]
        contexts = {}
        for c, entries in sorted(self.contexts.items()):
            contexts[str(c)] = [
                [[ids[context]] if c == 1 else [ids[t] for t in context], [ids[t] for t in nexts], counts]
                for context, (nexts, counts) in entries.items()
            ]
        return {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "tokenizer": self.tokenizer,
            "order": self.order,
            "alpha": self.alpha,
            "vocab": self.vocab,
            "unigram": self.unigram,
            "contexts": contexts,
            "lengths": [[k, self.lengths[k]] for k in sorted(self.lengths)],
            "documents": self._documents_ordered,
            "fit": self.fit_info,
        }

    def dumps(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), indent=indent)

    def save(self, path: Path) -> None:
        """Write the model as JSON, atomically (a half-written model is never left behind)."""

        write_text_atomic(Path(path), self.dumps() + "\n")

    @classmethod
    def from_dict(cls, data: Any, where: str = "model") -> TokenModel:
        """Rebuild a model from :meth:`to_dict` output; InputDataError if it is not one."""
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise InputDataError(f'{where}: not an mlp token model (expected "format": "{MODEL_FORMAT}")')
        if data.get("version") != MODEL_VERSION:
            raise InputDataError(
                f"{where}: token model format version {data.get('version')!r}; this mlp reads version {MODEL_VERSION}"
            )
        try:
            vocab = [str(t) for t in data["vocab"]]
            lookup = dict(enumerate(vocab))
            lookup[-1] = BOS  # type: ignore[assignment]
            contexts: dict[int, dict[Any, tuple[list[str], list[int]]]] = {}
            for order_key, entries in data["contexts"].items():
                c = int(order_key)
                table: dict[Any, tuple[list[str], list[int]]] = {}
                contexts[c] = table
                for context, nexts, counts in entries:
                    key = lookup[context[0]] if c == 1 else tuple(lookup[i] for i in context)
                    if len(context) != c or len(nexts) != len(counts) or not nexts:
                        raise ValueError(f"bad order-{c} context entry")
                    table[key] = ([vocab[i] for i in nexts], [int(k) for k in counts])
            return cls(
                tokenizer=data["tokenizer"],
                order=int(data["order"]),
                alpha=float(data["alpha"]),
                vocab=vocab,
                unigram=[int(k) for k in data["unigram"]],
                contexts=contexts,
                lengths={int(k): int(v) for k, v in data["lengths"]},
                documents=[int(d) for d in data["documents"]],
                fit_info=data.get("fit") or {},
            )
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise InputDataError(f"{where}: damaged token model ({type(exc).__name__}: {exc})") from None

    @classmethod
    def load(cls, path: Path) -> TokenModel:
        """Read a model saved by :meth:`save`."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputDataError(f"{path}: token model file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputDataError(f"{path}: cannot read token model: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputDataError(f"{path}: token model is not valid JSON: {exc}") from None
        return cls.from_dict(data, str(path))


def fit_token_model(
    texts: Iterable[str],
    tokenizer: str = "word",
    order: int = 2,
    alpha: float = 0.0,
    fit_info: dict[str, Any] | None = None,
) -> TokenModel:
    """Count tokens, Markov transitions up to ``order`` and text lengths over ``texts``.

    Texts with no token (empty, or only whitespace for the word tokenizer) are left out; an
    iterable without any token raises InputDataError.
    """
    if order < 1:
        raise ValueError("order must be at least 1")
    tokenize = tokenizer_for(tokenizer)
    unigram: Counter = Counter()
    grams: list[Counter] = [Counter() for _ in range(order + 1)]  # grams[c]: (context..., next) tuples
    lengths: Counter = Counter()
    documents: list[int] = []
    seen_docs: set[int] = set()
    pad = [BOS] * order
    separator = SEPARATORS[tokenizer]
    for text in texts:
        tokens = tokenize(text)
        if not tokens:
            continue
        unigram.update(tokens)
        lengths[len(tokens)] += 1
        digest = text_digest(separator.join(tokens))  # as a generated text would spell it
        if digest not in seen_docs:
            seen_docs.add(digest)
            documents.append(digest)
        padded = pad + tokens
        for c in range(1, order + 1):
            start = order - c
            grams[c].update(zip(*(padded[start + i :] for i in range(c + 1)), strict=False))
    if not unigram:
        raise InputDataError("the corpus has no tokens to fit a token model on")
    contexts: dict[int, dict[Any, tuple[list[str], list[int]]]] = {}
    for c in range(1, order + 1):
        grouped: dict[Any, tuple[list[str], list[int]]] = {}
        get = grouped.get
        for gram, k in grams[c].items():
            context = gram[0] if c == 1 else gram[:-1]
            entry = get(context)
            if entry is None:
                grouped[context] = ([gram[-1]], [k])
            else:
                entry[0].append(gram[-1])
                entry[1].append(k)
        contexts[c] = grouped
    return TokenModel(
        tokenizer=tokenizer,
        order=order,
        alpha=alpha,
        vocab=list(unigram),
        unigram=list(unigram.values()),
        contexts=contexts,
        lengths=dict(lengths),
        documents=documents,
        fit_info=fit_info,
    )
