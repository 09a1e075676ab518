"""Unit and property tests of the token models, JS divergence and complex tokens (augment/tokens.py, complex_tokens.py)."""

from __future__ import annotations

import ipaddress
import json
import math
import pickle
import random
from collections import Counter
from urllib.parse import urlparse
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.augment.synthetic.complex_tokens import KINDS, ComplexTokens, read_ngrams
from mlp_cli.augment.synthetic.tokens import (
    BOS,
    UNIGRAM_SHIFT,
    TokenModel,
    fit_token_model,
    js_divergence,
    ngrams,
    quantiles,
    tokenizer_for,
)
from mlp_cli.errors import InputDataError

TINY = ["a b a c", "a b", "b a c"]


def test_payload_tokenizer_keeps_punctuation_and_round_trips():
    tokenize = tokenizer_for("payload")
    line = 'GET /api/v1/users?id=12&q=a%20b HTTP/1.1 {"x":1}'
    tokens = tokenize(line)
    assert "".join(tokens) == line
    for punct in ["/", "?", "=", "&", "%", "{", '"', ":", "}"]:
        assert punct in tokens
    assert "users" in tokens and "12" in tokens and "GET" in tokens


def test_word_and_char_tokenizers():
    assert tokenizer_for("word")(" hi  there ") == ["hi", "there"]
    assert tokenizer_for("char")("ab c") == ["a", "b", " ", "c"]
    with pytest.raises(ValueError, match="unknown tokenizer"):
        tokenizer_for("bpe")


def test_unigram_probabilities_match_counts():
    model = fit_token_model(TINY, tokenizer="word", order=1)
    counts = Counter(t for text in TINY for t in text.split())
    total = sum(counts.values())
    for token, k in counts.items():
        assert model.prob(token) == pytest.approx(k / total)
    assert sum(model.prob(t) for t in model.vocab) == pytest.approx(1.0)


def test_unigram_additive_smoothing():
    model = fit_token_model(TINY, tokenizer="word", order=1, alpha=1.0)
    # counts a=4, b=3, c=2 (9 tokens), 3 types: (k + 1) / (9 + 3)
    assert model.prob("c") == pytest.approx(3 / 12)
    assert model.prob("a") == pytest.approx(5 / 12)


def test_bigram_probabilities_follow_witten_bell_counts():
    model = fit_token_model(TINY, tokenizer="word", order=1)
    # after "a": b twice, c twice -> c(a)=4, T(a)=2; unigram P(b)=3/9
    p_lower = 3 / 9
    assert model.prob("b", ["a"]) == pytest.approx((2 + 2 * p_lower) / (4 + 2))
    # "c" never follows "b" (b -> a twice): only the back-off share
    assert model.prob("c", ["b"]) == pytest.approx((0 + 1 * (2 / 9)) / (2 + 1))
    # the start context: a twice, b once
    assert model.prob("a", [BOS]) == pytest.approx((2 + 2 * (4 / 9)) / (3 + 2))
    for context in (["a"], ["b"], ["c"], [BOS], ["unseen"]):
        assert sum(model.prob(t, context) for t in model.vocab) == pytest.approx(1.0)


def test_sampling_frequencies_follow_the_probabilities():
    model = fit_token_model(TINY, tokenizer="word", order=1)
    rng = random.Random(3)
    after_a: Counter = Counter()
    n = 20000
    # sample the token after "a" by starting from a one-token history
    for _ in range(n):
        seq = model.sample_markov(rng, 2, 1)
        if seq[0] == "a":
            after_a[seq[1]] += 1
    seen = sum(after_a.values())
    for token in model.vocab:
        assert after_a[token] / seen == pytest.approx(model.prob(token, ["a"]), abs=0.02)


def test_sampling_levels_only_emit_vocabulary_and_lengths_from_the_corpus():
    model = fit_token_model(TINY, tokenizer="word", order=2)
    rng = random.Random(1)
    for sample in (model.sample_uniform, model.sample_unigram):
        assert set(sample(rng, 50)) <= set(model.vocab)
    assert set(model.sample_markov(rng, 50, 2)) <= set(model.vocab)
    assert {model.sample_length(rng) for _ in range(200)} == {2, 3, 4}
    with pytest.raises(ValueError, match="order"):
        model.sample_markov(rng, 5, 3)


def test_empty_corpus_is_an_input_error():
    with pytest.raises(InputDataError, match="no tokens"):
        fit_token_model(["", "   "], tokenizer="word")


def test_save_load_round_trip_keeps_hash_and_samples(tmp_path):
    model = fit_token_model(["GET /a?b=1 HTTP/1.1", "POST /a HTTP/2 x=1"], tokenizer="payload", order=3, alpha=0.5)
    path = tmp_path / "m.json"
    model.save(path)
    loaded = TokenModel.load(path)
    assert loaded.hash == model.hash
    for order in (1, 2, 3):
        assert loaded.sample_markov(random.Random(9), 30, order) == model.sample_markov(random.Random(9), 30, order)
    assert pickle.loads(pickle.dumps(model)).sample_unigram(random.Random(2), 9) == model.sample_unigram(
        random.Random(2), 9
    )
    assert loaded.real_ngrams(3) == model.real_ngrams(3)


def test_a_different_corpus_gives_a_different_hash():
    assert fit_token_model(["a b"]).hash != fit_token_model(["a c"]).hash


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not valid JSON"),
        ('{"format": "other"}', "not an mlp token model"),
        ('{"format": "mlp-token-model", "version": 99}', "format version 99"),
        ('{"format": "mlp-token-model", "version": 1, "vocab": []}', "damaged token model"),
    ],
)
def test_bad_model_files_are_input_errors(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(InputDataError, match=message):
        TokenModel.load(path)


def test_real_ngrams_leave_out_the_start_padding():
    model = fit_token_model(TINY, tokenizer="word", order=2)
    assert model.real_ngrams(2) == Counter(g for t in TINY for g in ngrams(t.split(), 2))
    assert model.real_ngrams(3) == Counter(g for t in TINY for g in ngrams(t.split(), 3))


def test_js_divergence_known_values():
    assert js_divergence({"a": 1}, {"a": 5}) == 0.0
    assert js_divergence({"a": 1}, {"b": 1}) == pytest.approx(1.0)
    # P = (1/2, 1/2), Q = (1, 0): M = (3/4, 1/4)
    expected = 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)) + 0.5 * (1 * math.log2(1 / 0.75))
    assert js_divergence({"a": 1, "b": 1}, {"a": 3}) == pytest.approx(expected)


@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 50), min_size=1),
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 50), min_size=1),
)
def test_js_divergence_is_symmetric_and_bounded(p, q):
    d = js_divergence(p, q)
    assert 0.0 <= d <= 1.0
    assert d == pytest.approx(js_divergence(q, p), abs=1e-9)
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


texts_strategy = st.lists(st.text(alphabet="ab c/=?\n", min_size=0, max_size=30), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(texts_strategy, st.sampled_from(["payload", "word", "char"]), st.integers(1, 3), st.integers(0, 2**32))
def test_fitted_models_are_proper_distributions(texts, tokenizer, order, seed):
    tokenize = tokenizer_for(tokenizer)
    if not any(tokenize(t) for t in texts):
        with pytest.raises(InputDataError):
            fit_token_model(texts, tokenizer=tokenizer, order=order)
        return
    model = fit_token_model(texts, tokenizer=tokenizer, order=order)
    rng = random.Random(seed)
    vocab = set(model.vocab)
    for c in range(1, order + 1):
        tokens = model.sample_markov(rng, 20, c)
        assert len(tokens) == 20 and set(tokens) <= vocab
        context = tokens[-c:]
        assert sum(model.prob(t, context) for t in model.vocab) == pytest.approx(1.0)
    assert min(model.lengths) >= 1


def test_quantiles():
    q = quantiles({1: 1, 2: 8, 10: 1})
    assert q["min"] == 1 and q["p50"] == 2 and q["max"] == 10 and q["n"] == 10
    assert quantiles({}) == {"n": 0}


@pytest.mark.parametrize("kind", KINDS)
def test_complex_tokens_are_valid(kind):
    tokens = ComplexTokens([kind])
    for seed in range(25):
        token = tokens.make(kind, random.Random(seed))
        assert token and "\n" not in token
        if kind in ("uri", "url"):
            parsed = urlparse(token)
            assert parsed.scheme in ("http", "https") and parsed.netloc, token
        elif kind == "json":
            assert isinstance(json.loads(token), dict)
        elif kind == "xml":
            assert ElementTree.fromstring(token).tag == "record"
        elif kind == "ipv4":
            assert ipaddress.ip_address(token).version == 4
        elif kind == "ipv6":
            assert ipaddress.ip_address(token).version == 6
        elif kind == "email":
            local, _, domain = token.partition("@")
            assert local and "." in domain
        elif kind == "hash":
            assert len(token) in (32, 40, 64) and int(token, 16) >= 0
        elif kind == "file_path":
            assert token.startswith("/")
        elif kind == "user_agent":
            assert token.startswith("Mozilla/") or "/" in token


def test_complex_tokens_depend_only_on_the_generator():
    tokens = ComplexTokens()
    first = [tokens.sample(random.Random(s)) for s in range(10)]
    again = [tokens.sample(random.Random(s)) for s in range(10)]
    assert first == again


def test_ngram_lists(tmp_path):
    path = tmp_path / "ngrams.txt"
    path.write_text("# attacks\nUNION SELECT\n\n<script>\n")
    assert read_ngrams(path) == ["UNION SELECT", "<script>"]
    only = ComplexTokens([], read_ngrams(path))
    assert {only.sample(random.Random(s))[1] for s in range(40)} == {"UNION SELECT", "<script>"}
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(InputDataError, match="no entries"):
        read_ngrams(tmp_path / "empty.txt")
    with pytest.raises(InputDataError, match="not found"):
        read_ngrams(tmp_path / "missing.txt")


def test_unigram_and_uniform_sampling_frequencies():
    texts = ["a a a a a a b b b c", "d"]  # a: 6, b: 3, c: 1, d: 1 of 11
    model = fit_token_model(texts, tokenizer="word", order=1, alpha=0.5)
    rng = random.Random(5)
    n = 60000
    unigram = Counter(model.sample_unigram(rng, n))
    uniform = Counter(model.sample_uniform(rng, n))
    for token in model.vocab:
        assert unigram[token] / n == pytest.approx(model.prob(token), abs=0.01)
        assert uniform[token] / n == pytest.approx(1 / 4, abs=0.01)


def test_unigram_table_covers_every_slot_exactly():
    model = fit_token_model(["x " * 1000 + "y", "z"], tokenizer="word", order=1)
    # every slot either names a token whose range covers it, or is a straddling slot (None)
    width = 1 << UNIGRAM_SHIFT
    starts = [0] + model._uni_cum32[:-1]
    for token, low, high in zip(model.vocab, starts, model._uni_cum32, strict=True):
        for slot in range(low // width, (high - 1) // width + 1):
            inside = slot * width >= low and (slot + 1) * width <= high
            assert (model._uni_table[slot] == token) if inside else model._uni_table[slot] in (None, token)
