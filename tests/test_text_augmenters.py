"""Text augmenters: behaviour, invariants (hypothesis) and the registry contract."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.augment.registry import AUGMENTERS, RunContext, load_builtins
from mlp_cli.augment.text.augmenters import FieldDropout, SentenceShuffle, split_sentences
from mlp_cli.errors import BadItem

load_builtins()
CTX = RunContext(text_field="text")

# One case per registered augmenter: (params, row). A registered augmenter without a case fails
# test_every_augmenter_has_a_contract_case, so new augmenters cannot go untested.
CASES: dict[str, tuple[dict, dict]] = {
    "sentence-shuffle": ({"aug_p": 1.0}, {"text": "One. Two! Three? Four."}),
    "field-dropout": ({"fields": ["a", "b", "c"], "drop_p": 0.5}, {"a": 1, "b": 2, "c": 3, "text": "t"}),
    "keyboard": ({"aug_word_p": 0.5, "aug_char_p": 0.5}, {"text": "The quick brown foxes jumped over lazy dogs"}),
    "ocr": ({"aug_word_p": 0.5, "aug_char_p": 0.5}, {"text": "Invoice 1050 issued to Olivia on 10 October"}),
    "char-insert": ({"aug_word_p": 0.5}, {"text": "Insert random characters into these words"}),
    "char-substitute": ({"aug_word_p": 0.5}, {"text": "Substitute random characters in these words"}),
    "char-swap": ({"aug_word_p": 0.5}, {"text": "Swapping adjacent characters within longer words"}),
    "char-delete": ({"aug_word_p": 0.5}, {"text": "Deleting random characters from longer words"}),
    "word-swap": ({"aug_p": 0.5}, {"text": "one two three four five six seven eight"}),
    "word-delete": ({"aug_p": 0.5}, {"text": "one two three four five six seven eight"}),
    "word-crop": ({"aug_p": 0.5}, {"text": "one two three four five six seven eight"}),
    "spelling": ({"aug_p": 0.5}, {"text": "because they believe the government should receive their opinion"}),
    "evasion": ({"rate": 0.5}, {"text": "Claim your FREE prize now, text WIN to 80082"}),
    "noise-pad": (
        {"levels": ["whitespace", "printable"], "position": "any"},
        {"text": "GET /index.html HTTP/1.1", "label": "benign"},
    ),
}


def make(name: str, params: dict):
    cls = AUGMENTERS[name]
    return cls(cls.Params(**params), CTX)


def run_once(aug, row, seed):
    rng = random.Random(seed)
    sampled = aug.sample(row, rng)
    return aug.apply(row, sampled), sampled


def test_every_augmenter_has_a_contract_case():
    missing = sorted(set(AUGMENTERS) - set(CASES))
    assert not missing, f"augmenters without a contract case: {missing}"


# Generators: one case each (parameters), checked the same way: same seed and index, same row.
GENERATOR_CASES: dict[str, dict] = {
    "token-model": {
        "corpus": {"path": "samples/sms-sample.tsv", "format": "tsv", "header": False, "columns": ["label", "text"]},
        "order": 1,
        "levels": ["uniform", "unigram", "bigram"],
        "label": "ham",
    },
    "pii": {
        "templates": ["Call {{name}} at {{phone_number}} or mail {{email}}.", "Card {{credit_card_number}}"],
        "negative_share": 0.0,
        "test_share": 0.0,
    },
}


def test_every_generator_has_a_contract_case():
    from mlp_cli.augment.registry import GENERATORS

    missing = sorted(set(GENERATORS) - set(GENERATOR_CASES))
    assert not missing, f"generators without a contract case: {missing}"


@pytest.mark.parametrize("name", sorted(GENERATOR_CASES))
def test_generator_contract_same_seed_same_row(name):
    import json

    from mlp_cli.augment.registry import GENERATORS
    from tests.conftest import ROOT

    cls = GENERATORS[name]
    gen = cls(cls.Params(**GENERATOR_CASES[name]), RunContext(recipe_dir=str(ROOT), seed=3))
    gen.fit()
    gen.setup()
    rows = [gen.generate(i, random.Random(i)) for i in range(20)]
    again = [gen.generate(i, random.Random(i)) for i in reversed(range(20))][::-1]
    assert rows == again  # a row depends on its index and generator only, not on call order
    assert len({json.dumps(r[0], sort_keys=True) for r in rows}) > 1
    json.dumps(rows)  # rows and provenance are JSON-serialisable


@pytest.mark.parametrize("name", sorted(CASES))
def test_contract_same_seed_same_output_and_no_mutation(name):
    params, row = CASES[name]
    aug = make(name, params)
    aug.setup()
    original = dict(row)
    a, sa = run_once(aug, row, 11)
    b, sb = run_once(aug, row, 11)
    assert a == b and sa == sb
    assert row == original  # apply never mutates its input
    outputs = {repr(run_once(aug, row, s)[0]) for s in range(8)}
    assert len(outputs) > 1  # the seed matters
    import json

    json.dumps(sa)  # sampled parameters go into provenance: JSON-serialisable


@pytest.mark.parametrize("name", sorted(n for n in CASES if n != "field-dropout"))
def test_text_augmenters_report_missing_field(name):
    params, _ = CASES[name]
    aug = make(name, params)
    with pytest.raises(BadItem, match="missing field"):
        run_once(aug, {"other": "x"}, 1)


def test_split_sentences_needs_no_model():
    assert split_sentences("Hello there. How are you? Fine!") == ["Hello there.", "How are you?", "Fine!"]
    assert split_sentences("Costs 3.50 today. Made e.g. with rice.") == ["Costs 3.50 today.", "Made e.g. with rice."]
    assert split_sentences("line one\nline two") == ["line one", "line two"]
    assert split_sentences("") == []


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(str.strip).filter(bool), min_size=1, max_size=8
    ),
    st.sampled_from(["neighbor", "left", "right", "random"]),
    st.integers(0, 2**32),
)
def test_sentence_shuffle_is_a_permutation_of_sentences(words, mode, seed):
    text = " ".join(w.capitalize() + "." for w in words)
    aug = SentenceShuffle(SentenceShuffle.Params(mode=mode, aug_p=1.0), CTX)
    out, sampled = run_once(aug, {"text": text, "label": "x"}, seed)
    assert sorted(split_sentences(out["text"])) == sorted(split_sentences(text))
    assert sorted(sampled["order"]) == list(range(len(split_sentences(text))))
    assert out["label"] == "x"


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8), st.floats(0, 1), st.integers(0, 8), st.integers(0, 2**32))
def test_field_dropout_keeps_at_least_min_keep(n_fields, drop_p, min_keep, seed):
    fields = [f"f{i}" for i in range(n_fields)]
    row = {f: i for i, f in enumerate(fields)} | {"id": 1}
    aug = FieldDropout(FieldDropout.Params(fields=fields, drop_p=drop_p, min_keep=min_keep), CTX)
    out, sampled = run_once(aug, row, seed)
    kept = [f for f in fields if f in out]
    assert len(kept) >= min(min_keep, n_fields)
    assert out["id"] == 1  # fields not listed are never touched
    assert set(sampled["dropped"]) == set(fields) - set(kept)


def test_field_dropout_segments_and_lists():
    aug = FieldDropout(FieldDropout.Params(field="tags", drop_p=1.0, min_keep=1), CTX)
    out, _ = run_once(aug, {"tags": "a, b, c"}, 0)
    assert len(out["tags"].split(", ")) == 1 and out["tags"] in ("a", "b", "c")
    out, _ = run_once(aug, {"tags": ["x", "y"]}, 0)
    assert len(out["tags"]) == 1
    empty = FieldDropout(FieldDropout.Params(fields=["a"], drop_p=1.0, min_keep=0, drop_as="empty"), CTX)
    assert run_once(empty, {"a": "text"}, 0)[0] == {"a": ""}


def test_field_dropout_needs_exactly_one_target():
    with pytest.raises(ValueError):
        FieldDropout.Params(fields=["a"], field="b")
    with pytest.raises(ValueError):
        FieldDropout.Params()


@pytest.mark.parametrize("name", ["keyboard", "ocr"])
def test_lean_substitute_gives_exactly_nlpaugs_output(name):
    """The lean path must reproduce nlpaug's own substitute() for the same random state."""
    from mlp_cli.augment.noise.nlpaug_noise import substitute_chars
    from mlp_cli.runtime.seeding import seed_global_state
    from tests.test_menu_texts import TEXTS

    aug = make(name, {"aug_word_p": 0.3, "aug_char_p": 0.3})
    aug.setup()
    nl = aug._aug
    for seed, text in enumerate(TEXTS * 3):
        seed_global_state(seed)
        expected = nl.substitute(nl.clean(text))
        seed_global_state(seed)
        assert substitute_chars(nl, nl.clean(text)) == expected, text
