"""Every entity kind of presidio's set renders valid values; label schemes, granularity, case, corpora."""

from __future__ import annotations

import ipaddress
import json
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.augment.pii.checks import btc_address_valid, dea_valid
from mlp_cli.augment.pii.values import LABEL_SCHEMES, NATIVE_PROVIDERS, chatter

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR")
seeds = st.integers(min_value=0, max_value=2**63)
locales = st.sampled_from(LOCALES)


@settings(max_examples=300, deadline=None)
@given(seeds, locales)
def test_every_new_kind_is_valid(seed, locale):
    rng = random.Random(seed)
    v = {name: fn(rng, locale) for name, fn in NATIVE_PROVIDERS.items()}
    assert dea_valid(v["medical_license"])
    assert btc_address_valid(v["crypto"])
    assert re.fullmatch(r"[A-Z]?\d{7,12}", v["us_driver_license"])
    assert re.fullmatch(r"\d{9}|[A-Z]\d{8}", v["us_passport"])
    assert re.fullmatch(r"[1-9]\d{7,16}", v["us_bank_number"])
    assert re.fullmatch(r"(\+|00)\d{1,3}[ -]?\d[\d .-]{8,12}\d", v["phone_international"])
    assert 1 <= int(re.match(r"\d+", v["age"]).group()) <= 99
    ipaddress.IPv4Address(v["ipv4"])
    for name in ("date_time", "time_of_day", "nrp", "title", "state", "organization", "place"):
        assert v[name] and v[name] == v[name].strip() and "\n" not in v[name]


def test_checks_reject_broken_values():
    rng = random.Random(1)
    dea = NATIVE_PROVIDERS["medical_license"](rng, "en_US")
    assert not dea_valid(dea[:-1] + str((int(dea[-1]) + 1) % 10))
    btc = NATIVE_PROVIDERS["crypto"](rng, "en_US")
    i = len(btc) // 2
    assert not btc_address_valid(btc[:i] + ("2" if btc[i] != "2" else "3") + btc[i + 1 :])
    assert btc_address_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")  # the genesis block's address


def test_dates_come_in_many_formats():
    rng = random.Random(0)
    shapes = {re.sub(r"[A-Za-z]+", "a", re.sub(r"\d", "9", NATIVE_PROVIDERS["date_time"](rng, "en_US"))) for _ in range(500)}
    assert len(shapes) >= 15


def test_chatter_is_words():
    rng = random.Random(0)
    assert all(re.fullmatch(r"[\w .,!?&':()<>-]+", chatter(rng)) for _ in range(200))


def _recipe(tmp_path, **extra):
    lines = ["version: 1", "kind: augment", "seed: 3", "generate:", "  - generator: pii", "    count: 400",
             "    templates:",
             "      - 'Hi {{title}} {{name}} from {{company}} in {{city}}, {{date_time}}, age {{age}}'",
             "      - 'We moved to {{address}}; {{nrp}} club'", "      - 'nothing here at all'",
             "    negative_share: 0.2", "    test_share: 0"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in extra.items()]
    lines += ["output:", f"  path: {tmp_path / 'out.jsonl'}"]
    path = tmp_path / "r.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _rows(mlp, tmp_path, **extra):
    tmp_path = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    tmp_path.mkdir()
    result = mlp("augment", str(_recipe(tmp_path, **extra)))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    for r in rows:
        for s in r["spans"]:
            assert r["text"][s["start"] : s["end"]] == s["value"]
    return rows


def test_label_schemes_rename(mlp, tmp_path):
    presidio = {s["label"] for r in _rows(mlp, tmp_path, label_scheme="presidio") for s in r["spans"]}
    assert {"PERSON", "ORGANIZATION", "LOCATION", "DATE_TIME", "AGE", "NRP", "TITLE"} <= presidio
    conll = {s["label"] for r in _rows(mlp, tmp_path, label_scheme="conll") for s in r["spans"]}
    assert {"PER", "ORG", "LOC", "MISC"} <= conll and "PERSON" not in conll
    spacy = {s["label"] for r in _rows(mlp, tmp_path, label_scheme="spacy") for s in r["spans"]}
    assert {"ORG", "GPE", "DATE", "NORP"} <= spacy
    assert set(LABEL_SCHEMES) == {"custom", "presidio", "spacy", "conll"}


def test_unknown_scheme_is_a_recipe_error(mlp, tmp_path):
    result = mlp("augment", str(_recipe(tmp_path, label_scheme="presido")))
    assert result.exit_code == 2 and "presidio" in result.stderr


def test_parts_split_names_and_addresses(mlp, tmp_path):
    whole = _rows(mlp, tmp_path)
    parts = _rows(mlp, tmp_path, names="parts", address="parts")
    count = lambda rows, label: sum(s["label"] == label for r in rows for s in r["spans"])  # noqa: E731
    assert count(parts, "PERSON") > count(whole, "PERSON")
    assert count(parts, "STREET_ADDRESS") > 0 and count(whole, "STREET_ADDRESS") == 0
    assert all(" " not in s["value"] for r in parts for s in r["spans"] if s["label"] == "PERSON")


def test_case_shares_and_middle_initials(mlp, tmp_path):
    rows = _rows(mlp, tmp_path, lower_share=0.5, upper_share=0.2, middle_initial_share=1.0)
    lower = sum(r["text"] == r["text"].lower() for r in rows) / len(rows)
    upper = sum(r["text"] == r["text"].upper() for r in rows) / len(rows)
    assert 0.35 < lower < 0.65 and 0.1 < upper < 0.3
    names = [s["value"] for r in rows for s in r["spans"] if s["label"] == "PERSON"]
    assert sum(bool(re.search(r" [A-Za-z]\. ", n)) for n in names) > 0.8 * len(names)


def test_context_and_negatives_from_a_corpus(mlp, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"the quick brown fox number {i} jumps over the lazy dog" for i in range(2000)) + "\n")
    spec = {"corpus": {"path": str(corpus)}}
    rows = _rows(mlp, tmp_path, context={**spec, "share": 1.0}, negatives={**spec, "share": 0.3})
    from_corpus = [r for r in rows if r["template"] == "corpus-negative"]
    assert 0.2 < len(from_corpus) / len(rows) < 0.4 and all(not r["spans"] for r in from_corpus)
    with_context = [r for r in rows if r["has_pii"] and re.search(r"fox|lazy|quick|jumps", r["text"])]
    assert len(with_context) > 0.3 * sum(r["has_pii"] for r in rows)
