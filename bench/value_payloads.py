"""Value benchmark: token-model negatives and balanced padding for a malicious-payload classifier.

Run by hand from the project root:  nice .venv/bin/python bench/value_payloads.py

Data: no attack corpus is needed; everything is generated here with a fixed seed by
samples/make_payloads.py (the project's own made-up shop/API traffic):
- training: 3,000 benign request lines and 1,500 malicious ones (SQL injection, XSS, traversal,
  command injection, JNDI, XXE payloads in parameters, paths or bodies), seed 7;
- held apart (another seed, 11): 2,000 benign lines plus 500 "hard" benign ones that only mention an
  attack keyword (a search for "union select tutorial"), and 1,000 malicious lines.

Classifier (fixed settings): TF-IDF over character 2-5-grams (char_wb) + logistic regression.
Reported:
1. FPR on the held-apart benign (all, and hard only), trained without and with 5,000 token-model
   negatives from ``recipes/payload-negatives.yaml`` (run through ``mlp augment --input`` on the
   training benign lines: benign text with the dangerous n-grams inserted as complex tokens);
2. TPR on held-apart malicious lines padded by ``mlp augment`` (noise-pad, 100-600 characters of
   token-model text fitted on benign traffic, complex tokens or whitespace), trained without padding
   and with balanced padding of both classes (noise-pad ``balance: true``, a different seed), and the
   FPR on the equally padded held-apart benign lines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MLP = str(Path(sys.executable).parent / "mlp")

PAD = """
version: 1
kind: augment
seed: {seed}
input: {{path: {input}, format: jsonl, label_field: label}}
output: {{path: {out}}}
copies: 1
keep_original: false
dedupe: false
steps:
  - augmenter: noise-pad
    balance: true
    position: any
    levels: {{token-model: 2, complex: 1, whitespace: 1}}
    length: [100, 600]
    token_model:
      corpus: {{path: {benign}, field: text}}
      tokenizer: payload
      order: 2
    complex_tokens:
      kinds: [uri, url, user_agent, json, xml]
"""


def make_sets(out_dir: Path, lines: int, malicious: int, seed: int) -> dict[str, list[str]]:
    subprocess.run(
        [sys.executable, str(ROOT / "samples" / "make_payloads.py"), "--lines", str(lines), "--malicious",
         str(malicious), "--out-dir", str(out_dir), "--seed", str(seed)],
        check=True, capture_output=True,
    )  # fmt: skip
    return {p.stem: p.read_text(encoding="utf-8").splitlines() for p in out_dir.glob("*.txt")}


def mlp(*args: str) -> None:
    subprocess.run([MLP, *args, "--overwrite", "--quiet"], check=True, capture_output=True, text=True)


def read_jsonl(path: Path, field: str) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r.get("label", "benign"), r[field]) for r in rows]


def write_jsonl(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text(
        "".join(json.dumps({"label": label, "text": text}) + "\n" for label, text in rows), encoding="utf-8"
    )


def train(rows: list[tuple[str, str]]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000),
        LogisticRegression(C=4.0, max_iter=2000),
    )
    model.fit([t for _l, t in rows], [int(label == "malicious") for label, _t in rows])
    return model


def flagged(model, texts: list[str]) -> float:
    return float(model.predict(texts).mean()) if texts else float("nan")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tr = make_sets(work / "train", 3000, 1500, 7)
        ho = make_sets(work / "held", 2000, 1000, 11)
        train_rows = [("benign", t) for t in tr["benign"]] + [("malicious", t) for t in tr["malicious"]]
        (work / "benign-train.txt").write_text("\n".join(tr["benign"]) + "\n", encoding="utf-8")
        # 1. token-model negatives: the shipped recipe, its corpus replaced by the training benign lines
        mlp("augment", str(ROOT / "recipes" / "payload-negatives.yaml"), "--input", str(work / "benign-train.txt"),
            "--out", str(work / "negatives.jsonl"), "--seed", "3")  # fmt: skip
        negatives = [("benign", t) for _l, t in read_jsonl(work / "negatives.jsonl", "payload")]
        # 2. balanced padding of both training classes, and padding of the held-apart lines (other seed)
        write_jsonl(work / "train.jsonl", train_rows)
        held = [("benign", t) for t in ho["benign"] + ho["benign-hard"]] + [("malicious", t) for t in ho["malicious"]]
        write_jsonl(work / "held.jsonl", held)
        for name, seed, source in (("train-pad", 5, "train.jsonl"), ("held-pad", 6, "held.jsonl")):
            recipe = work / f"{name}.yaml"
            recipe.write_text(PAD.format(seed=seed, input=work / source, out=work / f"{name}.jsonl",
                                         benign=work / "benign-train.txt"))  # fmt: skip
            mlp("augment", str(recipe))
        train_pad = read_jsonl(work / "train-pad.jsonl", "text")
        held_pad = read_jsonl(work / "held-pad.jsonl", "text")

    benign_held = ho["benign"] + ho["benign-hard"]
    mal_pad = [t for label, t in held_pad if label == "malicious"]
    ben_pad = [t for label, t in held_pad if label == "benign"]
    print(
        "data: generated by samples/make_payloads.py (train seed 7: 3000 benign, 1500 malicious; held-apart seed 11: "
        f"{len(ho['benign'])} benign + {len(ho['benign-hard'])} hard benign, {len(ho['malicious'])} malicious)"
    )
    print(f"token-model negatives: {len(negatives)} rows of recipes/payload-negatives.yaml (--input training benign)")
    print(
        f"padding: noise-pad balance: true, 100-600 chars of token-model/complex/whitespace noise; "
        f"{len(train_pad)} padded training rows, {len(held_pad)} padded held-apart rows\n"
    )
    models = {
        "plain": train(train_rows),
        "+negatives": train(train_rows + negatives),
        "+balanced pad": train(train_rows + train_pad),
        "+both": train(train_rows + negatives + train_pad),
    }
    print(
        f"{'trained on':<15} {'FPR held benign':>15} {'FPR hard benign':>15} {'TPR malicious':>13} "
        f"{'TPR padded mal':>14} {'FPR padded ben':>14}"
    )
    for name, model in models.items():
        print(
            f"{name:<15} {flagged(model, benign_held):>15.4f} {flagged(model, ho['benign-hard']):>15.4f} "
            f"{flagged(model, ho['malicious']):>13.3f} {flagged(model, mal_pad):>14.3f} {flagged(model, ben_pad):>14.4f}"
        )
    plain, neg, pad = models["plain"], models["+negatives"], models["+balanced pad"]
    print("\nwhat issue 13 asks to show (no numeric goal set):")
    print(
        f"  FPR on held-apart benign, without -> with token-model negatives: "
        f"{flagged(plain, benign_held):.4f} -> {flagged(neg, benign_held):.4f}"
    )
    print(
        f"  TPR on padded malicious, without -> with balanced padding:      "
        f"{flagged(plain, mal_pad):.3f} -> {flagged(pad, mal_pad):.3f}"
    )


if __name__ == "__main__":
    main()
