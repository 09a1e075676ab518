"""Tests of the noise-pad augmenter: levels, positions, lengths, label filter, difficulty, errors, determinism."""

from __future__ import annotations

import random
import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.augment.noise.pad import NOISE_LEVELS, NoisePad, NoisePadParams
from mlp_cli.augment.registry import RunContext
from mlp_cli.errors import BadItem, InputDataError
from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

SMS_SAMPLE = ROOT / "samples" / "sms-sample.tsv"
TOKEN_MODEL = {"corpus": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False}, "order": 1}


def make(**params) -> NoisePad:
    return NoisePad(NoisePadParams.model_validate(params), RunContext(text_field="text", label_field="label"))


def pad(aug: NoisePad, row: dict, seed: int = 0) -> tuple[dict, dict]:
    sampled = aug.sample(row, random.Random(seed))
    return aug.apply(row, sampled), sampled


@pytest.mark.parametrize("level", ["whitespace", "printable"])
def test_character_levels_add_exactly_the_sampled_length(level):
    aug = make(levels=[level], length=[7, 30])
    for seed in range(30):
        out, sampled = pad(aug, {"text": "hello world"}, seed)
        assert sampled["level"] == level and 7 <= sampled["length"] <= 30
        assert out["text"] == "hello world " + out["text"][len("hello world ") :]
        assert len(out["text"]) == len("hello world ") + sampled["length"]
        assert out["noise_level"] == level and out["difficulty"] == NOISE_LEVELS[level]


def test_whitespace_noise_is_whitespace_or_repeated_characters():
    aug = make(levels=["whitespace"], length=[40, 40])
    out, _ = pad(aug, {"text": "x"}, 3)
    noise = out["text"][2:]
    assert not any(c.isalpha() and c not in "aeoxz" for c in noise)


def test_printable_noise_stays_on_one_line():
    aug = make(levels=["printable"], length=[200, 200])
    noise = pad(aug, {"text": "x"}, 1)[0]["text"][2:]
    assert set(noise) <= set(string.printable) and "\n" not in noise and "\r" not in noise


def test_token_model_level_uses_the_corpus_vocabulary():
    aug = make(levels=["token-model"], length=[6, 6], unit="tokens", token_model=TOKEN_MODEL)
    out, _ = pad(aug, {"text": "ORIGINAL"}, 5)
    assert out["text"].startswith("ORIGINAL ")
    added = out["text"][len("ORIGINAL ") :].split(" ")
    assert len(added) == 6 and set(added) <= set(aug.model.vocab)
    assert out["difficulty"] == 0.75


def test_complex_level_appends_whole_complex_tokens():
    aug = make(levels=["complex"], length=[2, 2], unit="tokens", complex_tokens={"kinds": ["ipv4"]})
    out, _ = pad(aug, {"text": "t"}, 2)
    parts = out["text"].split(" ")
    assert parts[0] == "t" and len(parts) == 3 and all(p.count(".") == 3 for p in parts[1:])
    chars = make(levels=["complex"], length=[30, 30], complex_tokens={"kinds": ["json"]})
    assert len(pad(chars, {"text": "t"}, 2)[0]["text"]) >= 32  # whole JSON documents: at least, never cut


def test_positions():
    row = {"text": "one two three"}
    pre, _ = pad(make(position="prepend", levels=["printable"], length=[4, 4]), row)
    assert pre["text"].endswith(" one two three") and len(pre["text"]) == 4 + 1 + 13
    ins, sampled = pad(make(position="insert", levels=["printable"], length=[4, 4], separator="|"), row, 11)
    at = sampled["at_word"]
    words = row["text"].split(" ")
    left, right = " ".join(words[:at]), " ".join(words[at:])
    assert (
        ins["text"].startswith(left)
        and ins["text"].endswith(right)
        and ins["text"].count("|") == (left != "") + (right != "")
    )
    chosen = {pad(make(position="any"), row, s)[1]["position"] for s in range(40)}
    assert chosen == {"append", "prepend", "insert"}


def test_label_filter_pads_only_the_named_classes():
    aug = make(labels=["spam"])
    ham = {"text": "hi", "label": "ham"}
    out, sampled = pad(aug, ham)
    assert out == ham and sampled == {"padded": False}
    spam_out, _ = pad(aug, {"text": "WIN", "label": "spam"})
    assert spam_out["text"].startswith("WIN ") and "difficulty" in spam_out
    with pytest.raises(BadItem, match="no label field"):
        aug.sample({"text": "x"}, random.Random(0))


def test_a_higher_existing_difficulty_is_kept():
    aug = make(levels=["whitespace"])
    assert pad(aug, {"text": "x", "difficulty": 0.9})[0]["difficulty"] == 0.9
    assert pad(aug, {"text": "x", "difficulty": 0.1})[0]["difficulty"] == 0.25


def test_missing_text_field_is_a_row_error():
    with pytest.raises(BadItem, match="no field 'text'"):
        make().sample({"body": "x"}, random.Random(0))


@settings(max_examples=80, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["append", "prepend", "insert", "any"]),
    st.sampled_from(["whitespace", "printable", "complex"]),
    st.integers(1, 20),
    st.integers(0, 2**32),
)
def test_padding_keeps_the_original_words_in_order(text, position, level, length, seed):
    aug = make(
        position=position,
        levels=[level],
        length=[length, length],
        unit="tokens",
        complex_tokens={"kinds": ["ipv4", "hash"]},
    )
    row = {"text": text, "id": 7}
    out, sampled = pad(aug, row, seed)
    assert out["id"] == 7 and row == {"text": text, "id": 7}  # never mutates the input row
    assert out == aug.apply(row, sampled)  # apply is deterministic
    padded = out["text"]
    if sampled["position"] == "append":
        assert padded.startswith(text)
    elif sampled["position"] == "prepend":
        assert padded.endswith(text)
    else:
        words = text.split(" ")
        at = sampled["at_word"]
        assert padded.startswith(" ".join(words[:at])) and padded.endswith(" ".join(words[at:]))


@pytest.mark.parametrize(
    "step, message",
    [
        ({"levels": ["token-model"]}, "needs 'token_model:'"),
        ({"levels": ["whitespce"]}, "did you mean 'whitespace'"),
        ({"length": [9, 3]}, "1 <= min <= max"),
        ({"position": "middle"}, "position"),
        ({"lenght": [1, 2]}, "did you mean 'length'"),
    ],
)
def test_recipe_mistakes_are_exit_2(tmp_path, step, message):
    write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    recipe = {"version": 1, "input": {"path": "in.jsonl"}, "steps": [{"augmenter": "noise-pad", **step}]}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp("augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl")
    assert result.exit_code == 2, result
    assert message in result.stderr and "r.yaml:" in result.stderr


def test_missing_token_model_corpus_is_exit_2_before_any_work(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    step = {"augmenter": "noise-pad", "levels": ["token-model"], "token_model": {"corpus": {"path": "nope.txt"}}}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"version": 1, "input": {"path": "in.jsonl"}, "steps": [step]}))
    result = run_mlp("augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl", "--workers", 1)
    assert result.exit_code == 2 and "corpus file not found" in result.stderr


def test_noise_pad_on_real_rows_end_to_end(tmp_path):
    step = {
        "augmenter": "noise-pad",
        "levels": {"whitespace": 1, "printable": 1, "token-model": 1, "sentences": 1, "complex": 1},
        "position": "any",
        "length": [2, 5],
        "unit": "tokens",
        "token_model": {"corpus": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False}},
        "sentences": {"corpus": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False}},
    }
    recipe = {
        "version": 1,
        "input": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False, "label_field": "label"},
        "steps": [step],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp(
        "augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl", "--limit", 80, "--workers", 1, "--json"
    )
    assert result.exit_code == 0, result
    rows = read_jsonl(tmp_path / "o.jsonl")
    assert {r["noise_level"] for r in rows} == set(NOISE_LEVELS)
    for row in rows:
        assert row["difficulty"] == NOISE_LEVELS[row["noise_level"]]
        params = row["_provenance"]["augmenters"][0]["params"]
        assert params["level"] == row["noise_level"] and isinstance(params["seed"], int)


def test_balance_refuses_labels():
    with pytest.raises(ValueError, match="balance"):
        NoisePadParams.model_validate({"balance": True, "labels": ["spam"]})


# derandomize: a KS test at p > 1e-4 fails by chance about once in 10^4 examples even when the
# classes are padded alike (CI met one: seed 2384, lengths 1-5), so the examples are fixed.
@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31), low=st.integers(1, 30), extra=st.integers(0, 60))
def test_balance_gives_every_class_the_same_padding_distribution(seed, low, extra):
    """Each class's padding lengths and levels match within sampling error (two-sample KS test)."""
    from scipy.stats import ks_2samp

    aug = make(levels={"whitespace": 1, "printable": 2}, length=[low, low + extra], balance=True, position="any")
    rng = random.Random(seed)
    rows = [{"text": "short", "label": "ham"}] * 600 + [
        {"text": " ".join(["a much longer spam text"] * 5), "label": "spam"}
    ] * 300
    by_class: dict[str, list[int]] = {"ham": [], "spam": []}
    levels: dict[str, list[str]] = {"ham": [], "spam": []}
    for row in rows:
        sampled = aug.sample(row, random.Random(rng.getrandbits(64)))
        out = aug.apply(row, sampled)
        by_class[row["label"]].append(len(out["text"]) - len(row["text"]) - 1)
        levels[row["label"]].append(sampled["level"])
    if extra:
        assert ks_2samp(by_class["ham"], by_class["spam"]).pvalue > 1e-4
    for label in by_class:
        assert all(low <= n <= low + extra for n in by_class[label])
        share = levels[label].count("printable") / len(levels[label])
        assert abs(share - 2 / 3) < 0.1


def test_labels_without_balance_pad_one_class_only():
    aug = make(labels=["spam"], length=[5, 5])
    assert pad(aug, {"text": "t", "label": "ham"})[1] == {"padded": False}
    assert pad(aug, {"text": "t", "label": "spam"})[1]["length"] == 5


def test_sentences_level_adds_whole_corpus_sentences_at_boundaries(tmp_path):
    corpus = tmp_path / "c.jsonl"
    write_jsonl(corpus, [{"text": "Alpha one is here. Beta two is there!"}, {"text": "Gamma three?"}])
    aug = make(levels=["sentences"], position="insert", sentences={"corpus": {"path": str(corpus)}, "count": [2, 3]})
    assert sorted(aug.sentence_pool) == ["Alpha one is here.", "Beta two is there!", "Gamma three?"]
    text = "First sentence. Second sentence. Third sentence."
    seen = set()
    for seed in range(30):
        out, sampled = pad(aug, {"text": text}, seed)
        assert sampled["unit"] == "sentences" and 2 <= sampled["length"] <= 3
        from mlp_cli.augment.text.augmenters import split_sentences

        got = split_sentences(out["text"])
        assert [s for s in got if "sentence" in s] == split_sentences(text)  # original order, whole sentences
        assert len(got) == 3 + sampled["length"] and set(got) - set(split_sentences(text)) <= set(aug.sentence_pool)
        seen.add(sampled["at_sentence"])
    assert seen == {0, 1, 2, 3}


def test_sentences_level_needs_a_corpus():
    with pytest.raises(ValueError, match="sentences"):
        NoisePadParams.model_validate({"levels": ["sentences"]})


def test_balance_through_the_mlp_command(tmp_path):
    step = {"augmenter": "noise-pad", "levels": ["whitespace", "printable"], "length": [5, 60], "balance": True}
    recipe = {
        "version": 1,
        "seed": 1,
        "input": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False, "label_field": "label"},
        "copies": 3,
        "steps": [step],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp("augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl", "--json")
    assert result.exit_code == 0, result
    lengths: dict[str, list[int]] = {}
    for row in read_jsonl(tmp_path / "o.jsonl"):
        lengths.setdefault(row["label"], []).append(row["_provenance"]["augmenters"][0]["params"]["length"])
    means = {k: sum(v) / len(v) for k, v in lengths.items()}
    assert set(means) == {"ham", "spam"} and max(means.values()) < 1.15 * min(means.values()), means
    recipe["steps"] = [{**step, "labels": ["spam"]}]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(recipe))
    bad = run_mlp("augment", tmp_path / "bad.yaml", "--out", tmp_path / "b.jsonl")
    assert bad.exit_code == 2 and "balance" in bad.stderr and "bad.yaml" in bad.stderr, bad


def test_sentences_from_several_corpora_follow_their_weights(tmp_path):
    prose, chat = tmp_path / "prose.jsonl", tmp_path / "chat.tsv"
    write_jsonl(prose, [{"body": "The river runs north. It floods in spring."}])
    chat.write_text("ham\tok see you soon\nspam\tWIN a prize now\n")
    corpora = [
        {"path": str(prose), "field": "body", "weight": 3},
        {
            "path": str(chat),
            "format": "tsv",
            "header": False,
            "columns": ["label", "text"],
            "label_field": "label",
            "labels": ["ham"],
        },
    ]
    aug = make(levels=["sentences"], balance=True, sentences={"corpus": corpora, "count": [4, 4]})
    assert [len(pool) for pool in aug.sentence_pools] == [2, 1]
    assert sorted(aug.sentence_pool) == ["It floods in spring.", "The river runs north.", "ok see you soon"]
    drawn = [aug.draw_sentence(random.Random(seed)) for seed in range(2000)]
    assert "WIN a prize now" not in drawn
    share = drawn.count("ok see you soon") / len(drawn)
    assert abs(share - 1 / 4) < 0.04, share
    out, sampled = pad(aug, {"text": "Hello there.", "label": "spam"}, 7)
    assert sampled["length"] == 4 and out["text"].count(".") + out["text"].count("soon") >= 5
    assert pad(aug, {"text": "Hello there.", "label": "spam"}, 7)[0] == out  # same seed, same row


def test_one_corpus_in_a_list_pads_like_the_corpus_alone(tmp_path):
    corpus = tmp_path / "c.jsonl"
    write_jsonl(corpus, [{"text": f"Sentence number {i}."} for i in range(50)])
    alone = make(levels=["sentences"], sentences={"corpus": {"path": str(corpus)}, "count": [1, 5]})
    listed = make(levels=["sentences"], sentences={"corpus": [{"path": str(corpus), "weight": 2}], "count": [1, 5]})
    for seed in range(20):
        assert pad(alone, {"text": "x"}, seed) == pad(listed, {"text": "x"}, seed)


@pytest.mark.parametrize(
    ("corpus", "message"),
    [
        ([], "1 to 100 corpora"),
        ([{"path": "c.txt", "weight": 0}], "weight"),
        ([{"path": "c.txt", "wieght": 1}], "wieght"),
    ],
)
def test_bad_corpus_lists_are_refused(corpus, message):
    with pytest.raises(ValueError, match=message):
        NoisePadParams.model_validate({"levels": ["sentences"], "sentences": {"corpus": corpus}})


def test_an_empty_corpus_in_a_list_is_named(tmp_path):
    good, empty = tmp_path / "good.jsonl", tmp_path / "empty.jsonl"
    write_jsonl(good, [{"text": "A sentence."}])
    write_jsonl(empty, [{"text": "   "}])
    with pytest.raises(InputDataError, match="empty.jsonl"):
        make(levels=["sentences"], sentences={"corpus": [{"path": str(good)}, {"path": str(empty)}]})
