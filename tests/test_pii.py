"""The pii generator's core: validity rules, look-alikes, templates, payloads, identities, split, determinism."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.augment.pii.checks import ean13_valid, iban_valid, luhn_valid, ssn_valid
from mlp_cli.augment.pii.export import bio_tags, check_sample, tokenize
from mlp_cli.augment.pii.generator import PiiGenerator, PiiParams
from mlp_cli.augment.pii.payloads import FORMATS
from mlp_cli.augment.pii.templates import parse_template
from mlp_cli.augment.pii.values import FILLERS, LOOKALIKES, NATIVE_PROVIDERS, ascii_slug
from mlp_cli.augment.registry import RunContext
from mlp_cli.runtime.seeding import item_random
from tests.conftest import ROOT

SAMPLES = ROOT / "samples" / "pii-templates.yaml"


def fitted(seed: int = 0, **params) -> PiiGenerator:
    gen = PiiGenerator(PiiParams.model_validate(params), RunContext(recipe_dir=str(ROOT / "recipes"), seed=seed))
    gen.fit()
    gen.setup()
    return gen


def sample(gen: PiiGenerator, index: int, seed: int = 0) -> dict:
    return gen.generate(index, item_random(seed, "generate", 0, index, 0))[0]


@pytest.fixture(scope="module")
def project_gen() -> PiiGenerator:
    """The project's templates, every locale of the recipe and every payload format."""
    return fitted(
        template_files=["../samples/pii-templates.yaml"],
        locales={"en_US": 3, "en_GB": 1, "de_DE": 1, "fr_FR": 1},
        formats=list(FORMATS),
        negative_share=0.3,
        pool_size=200,
    )


# ---- validity rules --------------------------------------------------------------------------


def test_check_functions_on_known_values():
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB82 WEST 1234 5698 7654 33")
    assert iban_valid("DE89370400440532013000")
    assert ssn_valid("123-45-6789")
    for bad in (
        "000-12-3456",
        "666-12-3456",
        "912-12-3456",
        "123-00-4567",
        "123-45-0000",
        "078-05-1120",
        "12-345-6789",
    ):
        assert not ssn_valid(bad), bad
    assert ean13_valid("978-3-16-148410-0") and not ean13_valid("9783161484101")


def test_native_values_follow_their_rules():
    rng = random.Random(1)
    for _ in range(3000):
        card = NATIVE_PROVIDERS["credit_card_number"](rng, "en_US")
        assert luhn_valid(card) and 15 <= len(re.sub(r"\D", "", card)) <= 16, card
        assert ssn_valid(NATIVE_PROVIDERS["ssn"](rng, "en_US"))
        ip = NATIVE_PROVIDERS["ipv4"](rng, "en_US")
        assert all(0 <= int(p) <= 255 for p in ip.split(".")) and len(ip.split(".")) == 4


def test_iban_values_pass_mod97_in_every_locale(project_gen):
    locales = [locale for locale, providers in project_gen._pools_for.items() if "iban" in providers]
    assert locales
    for locale in locales:
        for index in (0, 10**6, 10**9):  # pools of several blocks
            assert all(iban_valid(v) for v in project_gen._pool(locale, "iban", index)), locale


def test_every_lookalike_kind_is_what_it_claims():
    rng = random.Random(2)
    for _ in range(2000):
        assert not luhn_valid(LOOKALIKES["invalid_card"](rng))
        assert not ssn_valid(LOOKALIKES["invalid_ssn"](rng))
        assert re.fullmatch(r"\d{5}-\d{4}", LOOKALIKES["zip_plus4"](rng))
        isbn = LOOKALIKES["isbn13"](rng)
        assert ean13_valid(isbn) and re.sub(r"\D", "", isbn)[:3] in ("978", "979")
        assert ean13_valid(LOOKALIKES["ean13"](rng))
        imei = re.sub(r"\D", "", LOOKALIKES["imei"](rng))
        assert len(imei) == 15 and luhn_valid(imei)
        assert uuid.UUID(LOOKALIKES["uuid"](rng)).version == 4
        assert re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}", LOOKALIKES["hash"](rng))
        parts = LOOKALIKES["version_number"](rng).split(".")
        assert len(parts) == 4 and all(0 <= int(p) <= 255 for p in parts)
        assert re.fullmatch(r"ORD-\d{4}-\d{6}|#\d{10}|[A-Z]{3}-\d{7}", LOOKALIKES["order_number"](rng))
        assert re.fullmatch(r"1Z[0-9A-Z]{6}\d{10}|9400\d{18}|\d{12}", LOOKALIKES["tracking_number"](rng))


# ---- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("Hi {{nmae}}", "unknown provider 'nmae' (did you mean 'name'?)"),
        ("{{name:PERSN}}", "unknown label 'PERSN' (did you mean 'PERSON'?)"),
        ("oops {{name", "unbalanced '{{'"),
        ("oops name}} x", "unbalanced '}}'"),
        ("{{name:}}", "bad placeholder"),
        ("{{isbn13:ISBN}}", "look-alike"),
        ("{{ssn#2}}", "picks a person"),
        ("{{job}}", "has no default label"),
    ],
)
def test_template_problems_are_named(text, message):
    _parts, problems = parse_template(text, {})
    assert problems and message in problems[0][1]


def test_declared_labels_allow_new_labels():
    parts, problems = parse_template("{{company}} and {{name:ORG}}", {"company": "ORG"})
    assert not problems and [p.label for p in parts if not isinstance(p, str)] == ["ORG", "ORG"]


def test_project_templates_cover_the_brief():
    import yaml

    data = yaml.safe_load(SAMPLES.read_text())
    assert len(data["templates"]) >= 50
    gen = fitted(template_files=[str(SAMPLES)], locales=["en_US", "de_DE", "fr_FR"], pool_size=5)
    texts = " ".join(t.text for t in gen._by_locale["en_US"][0] + gen._by_locale["en_US"][1])
    for provider in (
        "name",
        "email",
        "phone_number",
        "ssn",
        "credit_card_number",
        "iban",
        "street_address",
        "city",
        "postcode",
        "date_of_birth",
        "ipv4",
        "ipv6",
        "url",
        "username",
        "passport_number",
        "license_plate",
    ):
        assert "{{" + provider in texts, provider
    kinds = {k for t in gen._by_locale["en_US"][1] for k in (t.kinds or ["context_words"])}
    assert kinds == set(LOOKALIKES) | {"context_words"}
    assert any(t.locales == ("de_DE",) for t in gen._by_locale["de_DE"][0])


# ---- samples -------------------------------------------------------------------------------------


def assert_exact(row: dict) -> None:
    for span in row["spans"] + row["lookalikes"]:
        assert row["text"][span["start"] : span["end"]] == span["value"], (span, row["text"])
    assert row["has_pii"] == bool(row["spans"])


def test_spans_exact_over_thousands_of_samples(project_gen):
    labels = set()
    for index in range(4000):
        row = sample(project_gen, index)
        assert_exact(row)
        labels.update(s["label"] for s in row["spans"])
        for span in row["spans"]:
            if "CARD" in span["label"]:
                assert luhn_valid(span["value"])
            if span["label"] == "US_SSN":
                assert ssn_valid(span["value"])
            if span["label"] == "IBAN_CODE":
                assert iban_valid(span["value"])
    assert {"PERSON", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS"} <= labels


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**40), index=st.integers(0, 10**9))
def test_property_spans_exact_for_any_seed_and_index(project_gen, seed, index):
    assert_exact(project_gen.generate(index, item_random(seed, "generate", 0, index, 0))[0])


_LITERAL = st.text(alphabet=st.sampled_from(list("ab <>&\"'\\\n\t,;{}é€") + ["é", "x"]), max_size=12).filter(
    lambda s: "{{" not in s and "}}" not in s and not s.endswith("{") and not s.startswith("}")
)


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(_LITERAL, min_size=3, max_size=3), fmt=st.sampled_from(FORMATS), index=st.integers(0, 10**6))
def test_property_any_literal_text_keeps_payloads_parseable(pieces, fmt, index):
    text = f"{pieces[0]}{{{{name}}}}{pieces[1]}{{{{address}}}}{pieces[2]}"
    gen = _literal_gen(text, fmt)
    row = sample(gen, index)
    assert_exact(row)
    message = sample(_literal_gen(text, "plain"), index)["text"]
    assert payload_message(row["text"], fmt) == message


_GENS: dict = {}


def _literal_gen(text: str, fmt: str) -> PiiGenerator:
    key = (text, fmt)
    if key not in _GENS:
        _GENS[key] = fitted(templates=[text], formats=[fmt], negative_share=0, pool_size=20)
    return _GENS[key]


def payload_message(text: str, fmt: str) -> str:
    """The message inside a rendered payload, read back with the format's own parser."""
    if fmt == "plain":
        return text
    if fmt == "json":
        return json.loads(text)["message"]
    if fmt == "xml":
        return ET.fromstring(text.encode("utf-8")).find("message").text or ""
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert len(rows) == 1
        return rows[0]["message"]
    assert "\n" not in text
    return json.loads(text[text.index('msg="') + 4 :])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_payload_format_parses_and_holds_the_message(fmt):
    gen = fitted(template_files=[str(SAMPLES)], formats=[fmt], locales=["en_US", "de_DE"], pool_size=50)
    plain = fitted(template_files=[str(SAMPLES)], formats=["plain"], locales=["en_US", "de_DE"], pool_size=50)
    for index in range(300):
        row = sample(gen, index)
        assert row["format"] == fmt
        assert_exact(row)
        assert payload_message(row["text"], fmt) == sample(plain, index)["text"]


def test_linked_identity_email_and_username_follow_the_name():
    gen = fitted(
        templates=["{{name}} <{{email}}> aka {{username}}; {{name#2}} <{{email#2}}>"], negative_share=0, pool_size=100
    )
    for index in range(300):
        row = sample(gen, index)
        name1, email1, user1, name2, email2 = (s["value"] for s in row["spans"])
        first, last = name1.split(" ", 1)
        local = email1.split("@")[0]
        assert ascii_slug(last) in local and (ascii_slug(first) in local or local.startswith(ascii_slug(first)[0]))
        assert ascii_slug(last) in user1 or ascii_slug(first) in user1
        assert name1 != name2 and ascii_slug(name2.split(" ", 1)[1]) in email2


def test_locales_follow_weights_and_locale_templates():
    gen = fitted(
        templates=["{{name}}", {"id": "de", "locales": "de_DE", "text": "Herr {{last_name}}"}],
        locales={"en_US": 3, "de_DE": 1},
        negative_share=0,
        pool_size=20,
    )
    rows = [sample(gen, i) for i in range(2000)]
    de = [r for r in rows if r["locale"] == "de_DE"]
    assert 350 < len(de) < 650
    assert all(r["locale"] == "de_DE" for r in rows if r["template"] == "de")


def test_negative_share_and_no_spans_in_negatives(project_gen):
    rows = [sample(project_gen, i) for i in range(3000)]
    negatives = [r for r in rows if not r["has_pii"]]
    assert 0.25 < len(negatives) / len(rows) < 0.35
    assert all(r["spans"] == [] for r in negatives)
    kinds = {k["kind"] for r in negatives for k in r["lookalikes"]}
    assert kinds == set(LOOKALIKES) - set(FILLERS)  # filler words are recorded nowhere
    assert any(r["lookalikes"] == [] for r in negatives)  # context words only


def test_negative_kinds_restrict_the_negatives():
    gen = fitted(template_files=[str(SAMPLES)], negative_kinds=["imei", "isbn13"], negative_share=1.0, pool_size=20)
    kinds = {k["kind"] for i in range(300) for k in sample(gen, i)["lookalikes"]}
    assert kinds and kinds <= {"imei", "isbn13"}


def test_split_is_template_disjoint_and_pins_hold():
    gen = fitted(template_files=[str(SAMPLES)], test_share=0.25, pool_size=20)
    rows = [sample(gen, i) for i in range(3000)]
    train = {r["template"] for r in rows if r["split"] == "train"}
    test = {r["template"] for r in rows if r["split"] == "test"}
    assert train and test and not train & test
    split = gen._splits
    for has_pii in (True, False):
        group = [t for t in gen._by_locale["en_US"][0 if has_pii else 1]]
        held = sum(1 for t in group if split[t.id] == "test")
        assert 0 < held < len(group)
    pinned = fitted(
        templates=[{"text": "{{name}}", "split": "test"}, "{{email}}", "{{ssn}}"], negative_share=0, pool_size=5
    )
    assert pinned._splits["templates[0]"] == "test"


def test_same_seed_same_samples_and_seed_matters():
    a = fitted(seed=3, template_files=[str(SAMPLES)], formats=list(FORMATS), pool_size=50)
    b = fitted(seed=3, template_files=[str(SAMPLES)], formats=list(FORMATS), pool_size=50)
    assert [sample(a, i, 3) for i in range(200)] == [sample(b, i, 3) for i in range(200)]
    c = fitted(seed=4, template_files=[str(SAMPLES)], formats=list(FORMATS), pool_size=50)
    assert [sample(a, i, 3) for i in range(50)] != [sample(c, i, 4) for i in range(50)]


def test_faker_per_sample_mode_is_deterministic_and_valid():
    a = fitted(template_files=[str(SAMPLES)], pool_size=0, locales=["en_US", "fr_FR"])
    b = fitted(template_files=[str(SAMPLES)], pool_size=0, locales=["en_US", "fr_FR"])
    rows = [sample(a, i) for i in range(300)]
    assert rows == [sample(b, i) for i in reversed(range(300))][::-1]  # any order, same samples
    for row in rows:
        assert_exact(row)


def test_distinct_values_keep_growing_with_the_number_of_samples():
    """Pools are refreshed block by block: 20,000 samples get far more than one pool's worth of values."""
    gen = fitted(templates=["Ship to {{name}}, {{street_address}}, phone {{phone_number}}"], negative_share=0)
    assert gen.params.pool_size == 200 and gen.params.pool_reuse == 10  # the documented defaults
    seen: dict[str, set] = {"PERSON": set(), "STREET_ADDRESS": set(), "PHONE_NUMBER": set()}
    half: dict[str, int] = {}
    for index in range(20_000):
        for span in sample(gen, index)["spans"]:
            seen[span["label"]].add(span["value"])
        if index == 9_999:
            half = {label: len(values) for label, values in seen.items()}
    for label, values in seen.items():
        assert len(values) > 5 * gen.params.pool_size, (label, len(values))  # one pool holds 200
        assert len(values) > 1.6 * half[label], (label, half[label], len(values))  # still growing
    # memory stays flat: a worker keeps at most two blocks per (locale, provider)
    assert gen._recent and all(len(blocks) <= 2 for blocks in gen._recent.values())


def test_pooled_samples_depend_only_on_seed_and_index():
    """Small pools (a block every few samples): any order of indices, any fresh process, same samples."""

    def small() -> PiiGenerator:
        return fitted(template_files=[str(SAMPLES)], locales=["en_US", "de_DE"], pool_size=8, pool_reuse=2)

    indices = list(range(600))
    gen = small()
    forward = [sample(gen, i) for i in indices]
    assert min(gen._block_samples.values()) <= 50  # names: a new block every few dozen samples
    shuffled = indices[:]
    random.Random(5).shuffle(shuffled)
    gen = small()
    by_index = {i: sample(gen, i) for i in shuffled}
    assert [by_index[i] for i in indices] == forward


def test_pools_are_sized_by_expected_draws():
    """A provider drawn in every sample gets a new pool every pool_size * pool_reuse samples; a rarer one less often."""
    gen = fitted(templates=["{{iban}} {{name}}", "{{iban}} {{city}}"], negative_share=0, pool_size=100, pool_reuse=5)
    blocks = gen._block_samples
    assert blocks[("en_US", "iban")] == 500
    assert blocks[("en_US", "city")] == blocks[("en_US", "first_name")] == 1000


def test_unique_values_within_a_sample():
    gen = fitted(templates=["{{city}}, {{city}}, {{city}}"], negative_share=0, pool_size=50)
    for i in range(300):
        values = [s["value"] for s in sample(gen, i)["spans"]]
        assert len(set(values)) == 3


# ---- export helpers ------------------------------------------------------------------------------


def test_bio_tags_align_with_spans():
    text = 'msg="Hi Jane Roe\\njane.roe@x.com"'
    spans = [{"start": 8, "end": 16, "label": "PERSON"}, {"start": 18, "end": 32, "label": "EMAIL_ADDRESS"}]
    toks = tokenize(text, [8, 16, 18, 32])
    tags = dict(zip((t[0] for t in toks), bio_tags(toks, spans), strict=True))
    assert tags["Jane"] == "B-PERSON" and tags["Roe"] == "I-PERSON" and tags["\\n"] == "O"
    assert tags["jane"] == "B-EMAIL_ADDRESS" and tags["com"] == "I-EMAIL_ADDRESS"


def test_check_sample_rejects_inexact_spans():
    assert (
        check_sample({"text": "Hi Jane", "spans": [{"start": 3, "end": 7, "label": "PERSON", "value": "Jane"}]}) is None
    )
    assert "not exact" in check_sample(
        {"text": "Hi Jane", "spans": [{"start": 2, "end": 7, "label": "P", "value": "Jane"}]}
    )
    assert "outside" in check_sample({"text": "Hi", "spans": [{"start": 1, "end": 9, "label": "P"}]})


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(list("{}:#_ aZ9\n") + ["name", "email", "PERSON", "isbn13", "2"]), max_size=25))
def test_property_any_template_text_parses_or_names_its_problem(pieces):
    text = "".join(pieces)
    parts, problems = parse_template(text, {})
    if problems:
        assert all(0 <= offset <= len(text) and message for offset, message in problems)
    else:
        literal = "".join(p for p in parts if isinstance(p, str))
        assert "{{" not in literal and "}}" not in literal
        slots = [p for p in parts if not isinstance(p, str)]
        assert len(slots) == len(re.findall(r"\{\{.*?\}\}", text, re.S))
