"""Does PII data from mlp train a detector that works on real text it never saw?

Run by hand:  .venv/bin/python bench/value_pii.py [--samples 8000] [--seed 0]

What it does, for two recipes in one run -- the shipped recipes/pii-detector.yaml and the baseline
(`git show HEAD:recipes/pii-detector.yaml` with HEAD's versions of the template files it names; both run
through the working tree's generator):
  1. generates training data with the real command:  mlp augment RECIPE --out X --seed S --limit N
  2. turns spans into BIO tags over simple word tokens (PERSON, LOCATION, ORG; all other labels are O)
  3. trains a fixed token tagger: logistic regression (C=1, lbfgs, 300 iterations) over word features
     (the word lower-cased, prefixes/suffixes, shape, case, digits, the words either side)
  4. scores it on data neither recipe saw:
       - span F1 per label (exact token spans) on WNUT-17 emerging.dev.conll (social media posts):
         person -> PERSON, location -> LOCATION, corporation + group -> ORG
       - false-positive spans (any predicted PERSON/LOCATION/ORG span) per 1,000 SMS ham messages
         (sms_spam SMSSpamCollection, label "ham").
Goals: PERSON F1 >= 0.40, LOCATION and ORG F1 >= 0.25, <= 60 false spans per 1,000 ham messages.
Data: /work/shared/data (override with MLP_DATA); see its README for where the sets come from.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MLP_DATA", ROOT.parent / "shared" / "data"))
WNUT = DATA / "wnut17" / "emerging.dev.conll"
SMS = DATA / "sms_spam" / "SMSSpamCollection"
GOALS = {"PERSON": 0.40, "LOCATION": 0.25, "ORG": 0.25}
GOAL_FALSE_PER_1000 = 60
TARGETS = ("PERSON", "LOCATION", "ORG")
# mlp labels (any label_scheme) -> the three evaluated labels; everything else is O.
TO_TARGET = {
    "PERSON": "PERSON", "PER": "PERSON",
    "LOCATION": "LOCATION", "LOC": "LOCATION", "GPE": "LOCATION", "CITY": "LOCATION",
    "STREET_ADDRESS": "LOCATION", "ADDRESS": "LOCATION",
    "ORGANIZATION": "ORG", "ORG": "ORG",
}
WNUT_TO_TARGET = {"person": "PERSON", "location": "LOCATION", "corporation": "ORG", "group": "ORG"}
TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.U)


def mlp_bin() -> str:
    exe = Path(sys.executable).with_name("mlp")
    return str(exe) if exe.exists() else "mlp"


def generate(recipe: Path, out: Path, samples: int, seed: int) -> list[dict]:
    cmd = [mlp_bin(), "augment", str(recipe), "--out", str(out), "--seed", str(seed), "--limit", str(samples)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stderr[-800:]}")
    return [json.loads(line) for line in out.open(encoding="utf-8")]


def tokens_of_row(row: dict) -> tuple[list[str], list[str]]:
    """BIO over word tokens; a token inside a span is B at the span's first token, I after it."""
    text = row["text"]
    spans = sorted(
        (s["start"], s["end"], TO_TARGET[s["label"]]) for s in row.get("spans", []) if s["label"] in TO_TARGET
    )
    words, tags = [], []
    for m in TOKEN.finditer(text):
        tag = "O"
        for start, end, label in spans:
            if m.start() >= start and m.end() <= end:
                tag = ("B-" if m.start() == start else "I-") + label
                break
        words.append(m.group())
        tags.append(tag)
    return words, tags


def shape(word: str) -> str:
    s = re.sub("[A-Z]", "X", word)
    s = re.sub("[a-z]", "x", s)
    s = re.sub("[0-9]", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def features(words: list[str]) -> list[dict]:
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        f = {"b": 1, "w=" + lw: 1, "p3=" + lw[:3]: 1, "s3=" + lw[-3:]: 1, "s2=" + lw[-2:]: 1, "sh=" + shape(w): 1,
             "title": int(w.istitle()), "upper": int(w.isupper() and len(w) > 1), "digit": int(w.isdigit()),
             "first": int(i == 0)}
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < len(words):
                o = words[j]
                f[f"{d}w=" + o.lower()] = 1
                f[f"{d}title"] = int(o.istitle())
            else:
                f[f"{d}w=<pad>"] = 1
        out.append(f)
    return out


def train(rows: list[dict]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    X, y = [], []
    for row in rows:
        words, tags = tokens_of_row(row)
        X.extend(features(words))
        y.extend(tags)
    vec = DictVectorizer()
    model = LogisticRegression(C=1.0, max_iter=300)
    model.fit(vec.fit_transform(X), y)
    return vec, model


def predict(vec, model, sentences: list[list[str]]) -> list[list[str]]:
    flat = [f for words in sentences for f in features(words)]
    if not flat:
        return [[] for _ in sentences]
    tags = list(model.predict(vec.transform(flat)))
    out, at = [], 0
    for words in sentences:
        out.append(tags[at : at + len(words)])
        at += len(words)
    return out


def spans_of(tags: list[str]) -> set[tuple[int, int, str]]:
    spans, start, label = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != label):
            if start is not None:
                spans.add((start, i, label))
                start = label = None
            if tag != "O":
                start, label = i, tag[2:]
    return spans


def read_wnut() -> tuple[list[list[str]], list[list[str]]]:
    sentences, gold, words, tags = [], [], [], []
    for line in WNUT.open(encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if words:
                sentences.append(words)
                gold.append(tags)
            words, tags = [], []
            continue
        word, tag = line.split("\t")[:2]
        kind = tag[2:] if tag != "O" else ""
        target = WNUT_TO_TARGET.get(kind)
        words.append(word)
        tags.append(f"{tag[:2]}{target}" if target else "O")
    if words:
        sentences.append(words)
        gold.append(tags)
    return sentences, gold


def read_ham() -> list[list[str]]:
    out = []
    for line in SMS.open(encoding="utf-8", errors="replace"):
        label, _, text = line.rstrip("\n").partition("\t")
        if label == "ham":
            out.append(TOKEN.findall(text))
    return out


def evaluate(vec, model, wnut, ham) -> dict:
    sentences, gold = wnut
    pred = predict(vec, model, sentences)
    result = {}
    for label in TARGETS:
        tp = fp = fn = 0
        for g, p in zip(gold, pred, strict=True):
            gs = {s for s in spans_of(g) if s[2] == label}
            ps = {s for s in spans_of(p) if s[2] == label}
            tp += len(gs & ps)
            fp += len(ps - gs)
            fn += len(gs - ps)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result[label] = (2 * precision * recall / (precision + recall) if precision + recall else 0.0, precision, recall)
    ham_pred = predict(vec, model, ham)
    result["false_per_1000"] = 1000 * sum(len(spans_of(p)) for p in ham_pred) / len(ham)
    return result


def _git_show(name: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{name}"], capture_output=True, text=True, check=True).stdout


def baseline_recipe(tmp: Path) -> Path:
    """HEAD's recipe and the template files it names (as HEAD has them), in a folder laid out like the checkout."""
    import yaml

    recipe = "recipes/pii-detector.yaml"
    text = _git_show(recipe)
    names = {"samples/pii-templates.yaml"}
    for entry in (yaml.safe_load(text) or {}).get("generate") or []:
        files = entry.get("template_files") or []
        for name in [files] if isinstance(files, str) else files:
            names.add(os.path.relpath(os.path.normpath(os.path.join("recipes", name))))
    for name in (recipe, *sorted(names)):
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text if name == recipe else _git_show(name), encoding="utf-8")
    return tmp / recipe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=8000, help="training samples generated per recipe")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    wnut, ham = read_wnut(), read_ham()
    n_gold = {label: sum(len({s for s in spans_of(g) if s[2] == label}) for g in wnut[1]) for label in TARGETS}
    print(f"eval: {WNUT.name}: {len(wnut[0])} posts, gold spans {n_gold}; {SMS.name}: {len(ham)} ham messages")
    print(f"train: {args.samples} samples per recipe (mlp augment --limit), seed {args.seed}; tagger: logistic regression")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        recipes = {"baseline (HEAD)": baseline_recipe(tmp), "shipped (now)": ROOT / "recipes" / "pii-detector.yaml"}
        rows = []
        for name, recipe in recipes.items():
            started = time.perf_counter()
            data = generate(recipe, tmp / f"{len(rows)}.jsonl", args.samples, args.seed)
            vec, model = train(data)
            rows.append((name, evaluate(vec, model, wnut, ham), time.perf_counter() - started))
    print()
    print(f"{'recipe':<18} {'PERSON F1':>10} {'LOCATION F1':>12} {'ORG F1':>8} {'false/1000 ham':>15} {'seconds':>8}")
    for name, r, seconds in rows:
        print(f"{name:<18} {r['PERSON'][0]:>10.3f} {r['LOCATION'][0]:>12.3f} {r['ORG'][0]:>8.3f} {r['false_per_1000']:>15.1f} {seconds:>8.0f}")
    print(f"{'goal':<18} {'>= 0.40':>10} {'>= 0.25':>12} {'>= 0.25':>8} {'<= 60':>15}")
    print()
    for name, r, _ in rows:
        detail = ", ".join(f"{label} P {r[label][1]:.2f} R {r[label][2]:.2f}" for label in TARGETS)
        print(f"{name}: {detail}")
    shipped = rows[-1][1]
    missed = [label for label, goal in GOALS.items() if shipped[label][0] < goal]
    if shipped["false_per_1000"] > GOAL_FALSE_PER_1000:
        missed.append("false spans")
    print("goals met" if not missed else f"goals missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
