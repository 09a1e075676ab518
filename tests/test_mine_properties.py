"""Property tests of mined negatives: never a known positive or the anchor, hard ranks inside the
window, the easy:hard ratio exact when the corpus allows it, the same seed giving the same bytes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_cli.mine import mine_negatives
from mlp_cli.mine.sampling import normalize_text

WORDS = ["ice", "cave", "lava", "bread", "moon", "tide", "bee", "honey", "snow", "ash", "oven", "wave"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)


@st.composite
def mining_case(draw):
    corpus = draw(st.lists(text, min_size=3, max_size=40, unique_by=normalize_text))
    n_anchors = draw(st.integers(1, 5))
    pairs = []
    for _ in range(n_anchors):
        # Some anchors are corpus texts themselves (the anchor-itself filter must catch them).
        anchor = draw(st.one_of(text, st.sampled_from(corpus)))
        for p in draw(st.lists(st.sampled_from(corpus), min_size=1, max_size=3, unique=True)):
            # Positives sometimes differ from their corpus copy only in case and spacing.
            variant = draw(st.sampled_from([p, p.upper(), "  " + p.replace(" ", "   ")]))
            pairs.append({"anchor": anchor, "positive": variant})
    low = draw(st.integers(1, 4))
    high = draw(st.integers(low, low + 12))
    return {
        "corpus": corpus,
        "pairs": pairs,
        "rank_window": f"{low}:{high}",
        "hard": draw(st.integers(0, 4)),
        "easy_to_hard": draw(st.sampled_from([0, 0.5, 1, 2, 3])),
        "strategy": draw(st.sampled_from(["top", "random"])),
        "seed": draw(st.integers(0, 2**31)),
    }


def run_case(case, folder: Path, name: str = "out.jsonl"):
    corpus_path = folder / "corpus.jsonl"
    pairs_path = folder / "pairs.jsonl"
    corpus_path.write_text("".join(json.dumps({"id": f"c{i}", "text": t}) + "\n" for i, t in enumerate(case["corpus"])))
    pairs_path.write_text("".join(json.dumps(p) + "\n" for p in case["pairs"]))
    report = mine_negatives(
        pairs_path,
        corpus_path,
        folder / name,
        rank_window=case["rank_window"],
        hard=case["hard"],
        easy_to_hard=case["easy_to_hard"],
        strategy=case["strategy"],
        seed=case["seed"],
        near_duplicate_threshold=None,
        cache_dir=folder / "cache",
        workers=1,
        overwrite=True,
    )
    rows = [json.loads(line) for line in (folder / name).read_text().splitlines()]
    return report, rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mining_case())
def test_negatives_are_never_positives_or_the_anchor_and_counts_hold(case):
    positives: dict[str, set[str]] = {}
    for p in case["pairs"]:
        positives.setdefault(normalize_text(p["anchor"]), set()).add(normalize_text(p["positive"]))
    low, high = map(int, case["rank_window"].split(":"))
    corpus_size = len(case["corpus"])
    with tempfile.TemporaryDirectory() as d:
        report, rows = run_case(case, Path(d))
        again = (Path(d) / "out.jsonl").read_bytes()
        run_case(case, Path(d), "again.jsonl")
        assert (Path(d) / "again.jsonl").read_bytes() == again
    per_positive: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        anchor = normalize_text(row["anchor"])
        negative = normalize_text(row["negative"])
        assert negative != anchor
        assert negative not in positives[anchor]
        record = row["_provenance"]["negative"]
        if record["kind"] == "hard":
            assert low <= record["rank"] <= high
        per_positive.setdefault((row["anchor"], row["positive"]), []).append(record)
    for (anchor, _), records in per_positive.items():
        n_hard = sum(r["kind"] == "hard" for r in records)
        n_easy = len(records) - n_hard
        assert n_hard <= case["hard"]
        target = round(n_hard * case["easy_to_hard"])
        # Rows outside the top `high` that are neither the anchor nor one of its positives.
        outside = corpus_size - min(high, corpus_size) - (len(positives[normalize_text(anchor)]) + 1)
        if outside >= target:
            assert n_easy == target
        else:
            assert n_easy <= target
    assert report.extra["negatives"]["total"] == len(rows)
