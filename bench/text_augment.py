"""Benchmark: `mlp augment` with keyboard noise on the SMS Spam Collection vs a plain nlpaug loop.

Run by hand:  .venv/bin/python bench/text_augment.py [--copies N] [--data PATH]
Prints rows/s for a plain Python loop calling nlpaug's KeyboardAug directly, and for
`mlp augment` (the real command, as a subprocess) with --workers 1 and 2, and `mlp --help` time.
Goals (issue 2): workers=1 >= the plain loop; workers=2 >= 1.7x the plain loop; --help < 0.3 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
MLP = str(Path(sys.executable).parent / "mlp")

RECIPE = """
version: 1
seed: 1
input: {{path: {data}, format: tsv, header: false, columns: [label, text]}}
output: {{path: out.jsonl}}
copies: {copies}
dedupe: false
steps:
  - augmenter: keyboard
    aug_char_p: 0.1
    aug_word_p: 0.1
"""


def plain_loop(data: Path, copies: int, out: Path) -> float:
    """The one-off script mlp replaces: read the TSV, call nlpaug's KeyboardAug per row, write JSONL.

    Timed after nlpaug is imported and the augmenter built (the import alone takes ~2 s).
    """
    import nlpaug.augmenter.char as nac

    aug = nac.KeyboardAug(aug_char_p=0.1, aug_word_p=0.1, include_special_char=False, include_numeric=False)
    start = time.perf_counter()
    n = 0
    with open(data, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        for label, text in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            for _ in range(copies):
                w.write(json.dumps({"label": label, "text": aug.augment(text)[0]}, ensure_ascii=False) + "\n")
                n += 1
    return time.perf_counter() - start


def mlp_run(recipe: Path, out: Path, workers: int) -> tuple[float, dict]:
    start = time.perf_counter()
    r = subprocess.run(
        [MLP, "augment", str(recipe), "--out", str(out), "--workers", str(workers), "--json", "--overwrite", "--quiet"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if r.returncode:
        sys.exit(f"mlp failed: {r.stderr}")
    return elapsed, json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--copies", type=int, default=4)
    args = ap.parse_args()
    with open(args.data, encoding="utf-8") as f:
        texts = [row[1] for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) == 2]
    rows = len(texts) * args.copies
    print(f"data: {args.data.name}, {len(texts)} messages x {args.copies} copies = {rows} augmented rows")
    with tempfile.TemporaryDirectory() as tmp:
        loop_s = plain_loop(args.data, args.copies, Path(tmp) / "loop.jsonl")
        recipe = Path(tmp) / "recipe.yaml"
        recipe.write_text(RECIPE.format(data=args.data, copies=args.copies))
        results = {w: mlp_run(recipe, Path(tmp) / f"out{w}.jsonl", w) for w in (1, 2)}
        for w in (1, 2):  # read the manifests before the folder goes
            m = Path(results[w][1]["manifest"])
            results[w][1]["manifest"] = str(m)
            results[w][1]["_manifest"] = m.read_text()
        same = (Path(tmp) / "out1.jsonl").read_bytes() == (Path(tmp) / "out2.jsonl").read_bytes()
    helps = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([MLP, "--help"], capture_output=True)
        helps.append(time.perf_counter() - t)
    loop_rate = rows / loop_s
    print(f"{'what':<44}{'seconds':>9}{'rows/s':>10}{'vs loop':>9}  goal")
    print(f"{'plain loop (read, KeyboardAug.augment, write)':<44}{loop_s:>9.2f}{loop_rate:>10.0f}{1:>9.2f}")
    for w, goal in ((1, "≥ 1.00"), (2, "≥ 1.70")):
        secs, summary = results[w]
        manifest = json.loads(summary["_manifest"])
        setup = manifest.get("timings", {}).get("setup", 0.0)
        work = summary["seconds"] - setup
        rate = summary["items_out"] / work
        print(f"{f'mlp augment --workers {w} (after setup)':<44}{work:>9.2f}{rate:>10.0f}{rate / loop_rate:>9.2f}  {goal}")
        whole = summary["items_out"] / secs
        print(f"{f'mlp augment --workers {w} (whole command)':<44}{secs:>9.2f}{whole:>10.0f}{whole / loop_rate:>9.2f}")
    print(f"outputs identical for --workers 1 and 2: {same}")
    print(f"mlp --help median: {statistics.median(helps):.3f} s (goal < 0.3 s)")


if __name__ == "__main__":
    main()
