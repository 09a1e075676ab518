"""Casual text for PII detectors (issue 13): open-vocabulary chatter, sentence capitals, template
weights, made-up organisations, ``word_names: drop``, and the social templates of the shipped recipe."""

from __future__ import annotations

import json
import random
import re

import pytest
from faker.providers.person.en_US import Provider as Person

from mlp_cli.augment.pii.generator import title_case
from mlp_cli.augment.pii.values import (
    _ORGANIZATIONS,
    _PLACES,
    chat_lexicon,
    chat_word,
    chatter,
    coined_organization,
    everyday_words,
    famous_person,
    organization,
    world_first_name,
    world_name,
    world_names,
)
from tests.conftest import ROOT, run_mlp

SOCIAL = ROOT / "samples" / "pii-social-templates.yaml"


def _recipe(tmp_path, templates, **extra):
    lines = ["version: 1", "kind: augment", "seed: 5", "generate:", "  - generator: pii", "    templates:"]
    lines += [f"      - {json.dumps(t)}" for t in templates]
    lines += [
        f"    {k}: {json.dumps(v)}" for k, v in {"count": 1500, "negative_share": 0, "test_share": 0, **extra}.items()
    ]
    lines += ["output:", f"  path: {tmp_path / 'out.jsonl'}"]
    path = tmp_path / "r.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _rows(tmp_path, templates, **extra):
    result = run_mlp("augment", _recipe(tmp_path, templates, **extra), "--overwrite", "--quiet")
    assert result.exit_code == 0, result
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    for r in rows:
        for s in r["spans"]:
            assert r["text"][s["start"] : s["end"]] == s["value"]
    return rows


def test_chatter_has_an_open_vocabulary_and_no_names():
    rng = random.Random(0)
    texts = [chatter(rng) for _ in range(3000)]
    assert all(t == t.strip() and "\n" not in t and t for t in texts)
    words = {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", t)}
    assert len(words) > 4000  # not a closed list of a few hundred words
    lexicon, typos = chat_lexicon()
    assert len(lexicon) > 5000 and len(typos) > 3000
    names = {n.lower() for n in (*Person.first_names, *Person.last_names)}
    assert not names & set(lexicon)
    # capitals and punctuation of chat: some words capitalised, some shouted, emoticons
    assert any(re.search(r" [A-Z][a-z]", t) for t in texts) and any(":)" in t or "<3" in t for t in texts)


def test_a_filler_that_starts_a_sentence_is_often_capitalised(tmp_path):
    rows = _rows(tmp_path, ["{{chatter}}", "so {{chatter}}", "ok . {{chatter}}"], negative_share=1)
    by = {t: [r["text"] for r in rows if r["template"] == t] for t in ("templates[0]", "templates[1]", "templates[2]")}
    start = sum(t[0].isupper() for t in by["templates[0]"]) / len(by["templates[0]"])
    after_dot = sum(t[5].isupper() for t in by["templates[2]"]) / len(by["templates[2]"])
    mid = sum(t[3].isupper() for t in by["templates[1]"]) / len(by["templates[1]"])
    assert 0.5 < start < 0.85 and 0.5 < after_dot < 0.85 and mid < 0.2


def test_template_weights_set_how_often_a_template_is_drawn(tmp_path):
    rows = _rows(tmp_path, [{"text": "a {{name}}", "weight": 9}, "b {{name}}"])
    share = sum(r["template"] == "templates[0]" for r in rows) / len(rows)
    assert 0.85 < share < 0.95
    file = tmp_path / "t.yaml"
    file.write_text('version: 1\nweight: 4\ntemplates:\n  - "x {{name}}"\n  - {text: "y {{name}}", weight: 1}\n')
    rows = _rows(tmp_path, ["z {{name}}"], template_files=[str(file)])
    counts = {t: sum(r["template"] == t for r in rows) / len(rows) for t in ("t:4", "t:5", "templates[0]")}
    assert 0.6 < counts["t:4"] < 0.73 and 0.1 < counts["t:5"] < 0.23 and 0.1 < counts["templates[0]"] < 0.23


@pytest.mark.parametrize("weight", [0, -1, "many", ".inf"])
def test_bad_template_weight_is_exit_2(tmp_path, weight):
    path = _recipe(tmp_path, [{"text": "a {{name}}", "weight": weight}])
    result = run_mlp("recipe", "validate", path)
    assert result.exit_code == 2 and "weight" in result.stderr, result
    file = tmp_path / "t.yaml"
    file.write_text(f'version: 1\nweight: {weight}\ntemplates:\n  - "x {{{{name}}}}"\n')
    result = run_mlp("augment", _recipe(tmp_path, ["z {{name}}"], template_files=[str(file)]))
    assert result.exit_code == 2 and "t.yaml:2" in result.stderr and "weight" in result.stderr, result


def test_word_names_drop_keeps_everyday_words_out_of_names(tmp_path):
    words = everyday_words()
    for pool_size in (200, 0):
        rows = _rows(tmp_path, ["{{first_name}} {{last_name}} said hi"], word_names="drop", pool_size=pool_size)
        names = [w for r in rows for s in r["spans"] for w in s["value"].split()]
        assert len(names) == 2 * len(rows) and not [n for n in names if n.lower() in words]
    kept = _rows(tmp_path, ["{{last_name}}"], pool_size=1000, count=3000)
    assert any(s["value"].lower() in words for r in kept for s in r["spans"])  # keep: Faker's names as they are


def test_bad_word_names_is_exit_2(tmp_path):
    result = run_mlp("recipe", "validate", _recipe(tmp_path, ["a {{name}}"], word_names="remove"))
    assert result.exit_code == 2 and "word_names" in result.stderr and "drop" in result.stderr, result


def test_organisations_known_and_made_up():
    rng = random.Random(2)
    orgs = [organization(rng, "en_US") for _ in range(2000)]
    known = sum(o in _ORGANIZATIONS for o in orgs) / len(orgs)
    assert 0.68 < known < 0.82  # 3 in 4 well-known, 1 in 4 made up
    coined = [coined_organization(rng) for _ in range(500)]
    assert all(c and c == c.strip() and "\n" not in c for c in coined)
    assert any(re.fullmatch(r"[A-Z]{2,4}", c) for c in coined) and any(
        re.fullmatch(r"[A-Z]\w+[A-Z]\w+", c) for c in coined
    )
    words = everyday_words()  # made-up names never borrow a word of chat ("Party", "Love")
    assert not [w for c in coined for w in c.split() if w.lower().rstrip(".") in words]
    assert len(set(_ORGANIZATIONS)) == len(_ORGANIZATIONS) > 400 and len(set(_PLACES)) == len(_PLACES) > 350
    assert not set(_ORGANIZATIONS) & set(_PLACES) - {"Porto"}


def test_social_templates_give_people_places_and_organisations_in_casual_text(tmp_path):
    rows = _rows(
        tmp_path, ["hi {{name}}"], template_files=[str(SOCIAL)], label_scheme="presidio", count=3000, negative_share=0.3
    )
    labels = {s["label"] for r in rows for s in r["spans"]}
    assert {"PERSON", "LOCATION", "ORGANIZATION"} <= labels
    no_target = [r for r in rows if not {s["label"] for s in r["spans"]} & {"PERSON", "LOCATION", "ORGANIZATION"}]
    assert len(no_target) > 0.3 * len(rows)  # entity-free chat beside the entities
    assert sum(r["template"].startswith("soc-") for r in rows) > 0.95 * len(rows)  # the file's weight: 6


def test_world_names_are_many_and_never_everyday_words():
    firsts, lasts = world_names()
    assert len(firsts) > 10_000 and len(lasts) > 8_000
    words = everyday_words()
    assert not [n for n in (*firsts, *lasts) if n.lower() in words or " " in n]
    rng = random.Random(4)
    drawn = {world_first_name(rng, "de_DE") for _ in range(3000)}
    assert len(drawn) > 2000  # an open vocabulary of names, whatever the locale
    assert all(" " in world_name(rng, "en_US") for _ in range(100))


def test_famous_people_and_chat_words_are_what_they_say():
    rng = random.Random(6)
    people = [famous_person(rng, "en_US") for _ in range(2000)]
    assert any(" " not in p for p in people) and any(" " in p for p in people)
    assert not [p for p in people if p.lower() in everyday_words()]  # "May", "King" alone are no one
    words = [chat_word(rng) for _ in range(2000)]
    assert all(w and " " not in w for w in words) and any(w[0].isupper() for w in words)


def test_title_share_capitalises_every_word_and_keeps_spans_exact(tmp_path):
    rows = _rows(tmp_path, ["{{chatter}} with {{world_first_name}} in {{place}} {{chatter}}"], title_share=1.0)
    for r in rows:
        assert r["text"] == title_case(r["text"])
        assert all(re.fullmatch(r"[^a-z].*", w) for w in re.findall(r"(?<![\w'’])\w+", r["text"]) if w[0].isalpha())
    assert all({s["label"] for s in r["spans"]} == {"PERSON", "LOCATION"} for r in rows)
    assert title_case("i don't know l'été @bob 12pm") == "I Don't Know L'été @Bob 12pm"
