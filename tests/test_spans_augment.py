"""Span-aware augmentation: every text augmenter keeps {start, end, label} spans exact (hypothesis)."""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_cli.augment.registry import AUGMENTERS, RunContext, load_builtins
from mlp_cli.augment.text.augmenters import split_sentences
from tests.conftest import ROOT, read_jsonl, run_mlp, write_jsonl

load_builtins()
CTX = RunContext(text_field="text", label_field="label")
SMS_SAMPLE = ROOT / "samples" / "sms-sample.tsv"

# Every augmenter that rewrites a text field, with parameters that make it change a lot.
TEXT_AUGMENTERS: dict[str, dict] = {
    "keyboard": {"aug_word_p": 0.5, "aug_char_p": 0.5},
    "ocr": {"aug_word_p": 0.5, "aug_char_p": 0.5},
    "char-insert": {"aug_word_p": 0.5},
    "char-substitute": {"aug_word_p": 0.5},
    "char-swap": {"aug_word_p": 0.5},
    "char-delete": {"aug_word_p": 0.5},
    "word-swap": {"aug_p": 0.5},
    "word-delete": {"aug_p": 0.5},
    "word-crop": {"aug_p": 0.5},
    "spelling": {"aug_p": 0.5},
    "evasion": {"rate": 0.5},
    "sentence-shuffle": {"aug_p": 1.0},
    "noise-pad": {"levels": ["whitespace", "printable"], "position": "any", "length": [1, 12]},
    "noise-pad-sentences": {
        "levels": ["sentences"],
        "position": "any",
        "sentences": {"corpus": {"path": str(SMS_SAMPLE), "columns": ["label", "text"], "header": False}},
    },
}
ENTITY_NOISE = {"keyboard", "ocr", "char-insert", "char-substitute", "char-swap", "char-delete", "word-swap",
                "word-delete", "word-crop", "spelling", "evasion"}  # fmt: skip
_BUILT: dict[tuple[str, bool], object] = {}


def build(name: str, noise_entities: bool):
    key = (name, noise_entities)
    if key not in _BUILT:
        cls = AUGMENTERS[name.replace("-sentences", "")]
        params = dict(TEXT_AUGMENTERS[name])
        if noise_entities:
            params["noise_entities"] = True
        aug = cls(cls.Params(**params), CTX)
        aug.setup()
        _BUILT[key] = aug
    return _BUILT[key]


def test_every_text_augmenter_is_covered():
    text_family = {n for n, c in AUGMENTERS.items() if c.family in ("text", "noise") and n != "field-dropout"}
    assert text_family <= {n.replace("-sentences", "") for n in TEXT_AUGMENTERS}


WORDS = ["call", "me", "at", "home", "tomorrow.", "Thanks!", "the", "invoice", "is", "ready?", "ok", "Dr.", "e.g."]
ENTITIES = ["John Smith", "12 Oak Street, Leeds", "555-0134", "jane@example.com", "ACME Corp.", "Müller", "x"]


@st.composite
def span_rows(draw):
    """Texts of words and entities, with the entities as spans (and some look-alikes)."""
    parts = draw(
        st.lists(st.one_of(st.sampled_from(WORDS), st.tuples(st.sampled_from(ENTITIES))), min_size=1, max_size=25)
    )
    if not any(isinstance(p, tuple) for p in parts):  # a row with no span goes the plain way (tested elsewhere)
        parts.insert(draw(st.integers(0, len(parts))), (draw(st.sampled_from(ENTITIES)),))
    seps = draw(st.lists(st.sampled_from([" ", " ", "  ", "\n", ", "]), min_size=len(parts), max_size=len(parts)))
    text, spans, lookalikes = "", [], []
    for part, sep in zip(parts, seps, strict=False):
        if text:
            text += sep
        if isinstance(part, tuple):
            value = part[0]
            target = lookalikes if draw(st.booleans()) and len(lookalikes) < 2 and spans else spans
            entry = {"start": len(text), "end": len(text) + len(value), "value": value}
            entry["label" if target is spans else "kind"] = "PII"
            target.append(entry)
            text += value
        else:
            text += part
    return {"text": text, "spans": spans, "lookalikes": lookalikes, "label": draw(st.sampled_from(["a", "b"]))}


def check_exact(before: dict, after: dict, entities_kept: bool) -> None:
    for name in ("spans", "lookalikes"):
        assert len(after[name]) == len(before[name])
        for old, new in zip(before[name], after[name], strict=False):
            assert 0 <= new["start"] <= new["end"] <= len(after["text"])
            assert after["text"][new["start"] : new["end"]] == new["value"], (name, old, new, after["text"])
            if entities_kept:
                assert new["value"] == old["value"]
        # spans keep their text order
        starts = [s["start"] for s in after[name]]
        if name == "spans" and "sentence-shuffle" not in after.get("_aug", ""):
            assert starts == sorted(starts)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=span_rows(), seed=st.integers(0, 2**32 - 1), noise_entities=st.booleans())
def test_spans_stay_exact_after_every_text_augmenter(row, seed, noise_entities):
    """250 rows x 14 augmenters = 3,500 augmented samples per run, each span checked."""
    for name in TEXT_AUGMENTERS:
        ne = noise_entities and name in ENTITY_NOISE
        aug = build(name, ne)
        rng = random.Random(seed)
        out = aug.apply(row, aug.sample(row, rng))
        out["_aug"] = name
        check_exact(row, out, entities_kept=not ne)
        assert row["text"] == row["text"]  # the input row is never mutated
    # chained: the spans stay exact through a whole pipeline
    data = row
    for name in TEXT_AUGMENTERS:
        aug = build(name, False)
        data = aug.apply(data, aug.sample(data, random.Random(seed)))
    data["_aug"] = "sentence-shuffle"
    check_exact(row, data, entities_kept=True)


def test_noise_entities_changes_entity_text_but_default_never_does():
    text = "Please call John Smith on 555-0134 about the invoice tomorrow."
    row = {"text": text, "spans": [{"start": 12, "end": 22, "label": "PERSON", "value": "John Smith"}]}
    kept = build("ocr", False)
    noised = build("ocr", True)
    changed = 0
    for seed in range(40):
        a = kept.apply(row, kept.sample(row, random.Random(seed)))
        assert a["spans"][0]["value"] == "John Smith"
        b = noised.apply(row, noised.sample(row, random.Random(seed)))
        assert b["text"][b["spans"][0]["start"] : b["spans"][0]["end"]] == b["spans"][0]["value"]
        changed += b["spans"][0]["value"] != "John Smith"
    assert changed > 5


def test_sentence_shuffle_moves_entities_with_their_sentence():
    text = "First we met Anna. Then Bob called. Finally Carol wrote."
    spans = [
        {"start": text.index(n), "end": text.index(n) + len(n), "label": "PERSON", "value": n}
        for n in ("Anna", "Bob", "Carol")
    ]
    aug = build("sentence-shuffle", False)
    row = {"text": text, "spans": spans}
    seen = set()
    for seed in range(20):
        out = aug.apply(row, aug.sample(row, random.Random(seed)))
        assert sorted(split_sentences(out["text"])) == sorted(split_sentences(text))
        check_exact({**row, "lookalikes": []}, {**out, "lookalikes": [], "_aug": "sentence-shuffle"}, True)
        seen.add(out["text"])
    assert len(seen) > 1


def test_a_span_across_sentences_keeps_them_together():
    text = "Write to Dr. Ann Lee. Jr. at home. Bye now."
    start = text.index("Ann")
    row = {
        "text": text,
        "spans": [
            {"start": start, "end": text.index(" at"), "label": "PERSON", "value": text[start : text.index(" at")]}
        ],
    }
    aug = build("sentence-shuffle", False)
    for seed in range(10):
        out = aug.apply(row, aug.sample(row, random.Random(seed)))
        s = out["spans"][0]
        assert out["text"][s["start"] : s["end"]] == row["spans"][0]["value"]


def test_noise_pad_insert_never_splits_a_span():
    aug = AUGMENTERS["noise-pad"](
        AUGMENTERS["noise-pad"].Params(position="insert", levels=["printable"], length=[3, 3]), CTX
    )
    text = "a b John Ronald Reuel Tolkien c d"
    start = text.index("John")
    row = {
        "text": text,
        "spans": [{"start": start, "end": start + 25, "label": "PERSON", "value": text[start : start + 25]}],
    }
    for seed in range(60):
        out = aug.apply(row, aug.sample(row, random.Random(seed)))
        s = out["spans"][0]
        assert out["text"][s["start"] : s["end"]] == "John Ronald Reuel Tolkien"


def test_bad_spans_are_bad_rows_not_crashes(tmp_path):
    rows = [
        {"text": "hello there John", "spans": [{"start": 12, "end": 16, "label": "PERSON"}]},
        {"text": "short", "spans": [{"start": 2, "end": 50, "label": "PERSON"}]},
        {"text": "short", "spans": "not a list"},
    ]
    write_jsonl(tmp_path / "in.jsonl", rows)
    recipe = {"version": 1, "input": {"path": str(tmp_path / "in.jsonl")}, "on_error": "skip",
              "steps": [{"augmenter": "keyboard", "aug_word_p": 1.0}]}  # fmt: skip
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp("augment", tmp_path / "r.yaml", "--out", tmp_path / "o.jsonl", "--json")
    assert result.exit_code == 0, result
    out = read_jsonl(tmp_path / "o.jsonl")
    assert len(out) == 1 and out[0]["text"][out[0]["spans"][0]["start"] : out[0]["spans"][0]["end"]] == "John"
    assert result.summary["skipped"] == {"bad spans": 2}


@pytest.mark.parametrize("workers", [1, 2])
def test_span_rows_through_the_mlp_command_are_exact_and_deterministic(tmp_path, workers):
    rows = [
        {"text": f"Hello, I am John Smith. My phone is 555-01{i:02d}. Write soon.",
         "spans": [{"start": 12, "end": 22, "label": "PERSON", "value": "John Smith"},
                   {"start": 36, "end": 44, "label": "PHONE", "value": f"555-01{i:02d}"}]}
        for i in range(40)
    ]  # fmt: skip
    write_jsonl(tmp_path / "in.jsonl", rows)
    steps = [
        {"augmenter": a, "p": 1.0} for a in ("keyboard", "ocr", "char-swap", "word-swap", "sentence-shuffle", "evasion")
    ]
    steps.append({"augmenter": "noise-pad", "position": "any"})
    recipe = {"version": 1, "seed": 4, "copies": 2, "input": {"path": str(tmp_path / "in.jsonl")}, "steps": steps}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    result = run_mlp(
        "augment", tmp_path / "r.yaml", "--out", tmp_path / f"o{workers}.jsonl", "--workers", workers, "--json"
    )
    assert result.exit_code == 0, result
    out = read_jsonl(tmp_path / f"o{workers}.jsonl")
    assert len(out) == 80
    for row in out:
        for s in row["spans"]:
            assert row["text"][s["start"] : s["end"]] == s["value"]
        assert [a["augmenter"] for a in row["_provenance"]["augmenters"]][-1] == "noise-pad"
    if workers == 2:
        other = tmp_path / "o1b.jsonl"
        assert run_mlp("augment", tmp_path / "r.yaml", "--out", other, "--workers", 1).exit_code == 0
        assert other.read_bytes() == (tmp_path / "o2.jsonl").read_bytes()
