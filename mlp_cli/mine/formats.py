"""Output rows in sentence-transformers' training formats, each negative with its rank, score and kind.

Training columns come first, in the order sentence-transformers' losses read them; the mining
record (ids, ranks, scores, kinds) goes in the provenance field, which is dropped before training
(``dataset.remove_columns(["_provenance"])``):

- ``triplet``: anchor, positive, negative — one row per negative.
- ``n-tuple``: anchor, positive, negative_1 … negative_n — one row per positive (n fixed).
- ``labeled-pair``: anchor, positive, label — the positive (label 1) then each negative (label 0)
  in the ``positive`` column, as sentence-transformers writes it.
- ``labeled-list``: anchor, texts ([positive, negatives…]), labels ([1, 0, …]); ``negatives`` repeats
  the negative texts for readers that want them apart (select the first three columns to train).

- ``flag-embedding``: FlagEmbedding's fine-tuning rows: query, pos ([positive]), neg ([negatives…]),
  prompt, and with ``include_scores`` pos_scores / neg_scores (teacher scores for distillation).

With ``include_scores`` the label columns become scores (``scores``/``score``), as
sentence-transformers' ``output_scores`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Negative:
    """One chosen negative: its corpus row and id, text, 1-based rank (None for easy ones), score, kind."""

    row: int
    id: str
    text: str
    rank: int | None
    score: float
    kind: str  # "hard" or "easy"

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "rank": self.rank, "score": round(float(self.score), 6), "kind": self.kind}


def _score(x: float) -> float:
    return round(float(x), 6)


def format_rows(
    fmt: str,
    anchor: str,
    positive: str,
    positive_score: float,
    negatives: list[Negative],
    provenance: dict[str, Any],
    provenance_field: str,
    include_scores: bool,
    prompt: str = "",
) -> list[dict[str, Any]]:
    """The output rows of one (anchor, positive) and its negatives, in format ``fmt``."""
    rows: list[dict[str, Any]] = []
    if fmt == "triplet":
        for neg in negatives:
            row: dict[str, Any] = {"anchor": anchor, "positive": positive, "negative": neg.text}
            if include_scores:
                row["scores"] = [_score(positive_score), _score(neg.score)]
            row[provenance_field] = {**provenance, "negative": neg.record()}
            rows.append(row)
    elif fmt == "n-tuple":
        row = {"anchor": anchor, "positive": positive}
        for i, neg in enumerate(negatives, 1):
            row[f"negative_{i}"] = neg.text
        if include_scores:
            row["scores"] = [_score(positive_score)] + [_score(n.score) for n in negatives]
        row[provenance_field] = {**provenance, "negatives": [n.record() for n in negatives]}
        rows.append(row)
    elif fmt == "labeled-pair":
        label_key = "score" if include_scores else "label"
        rows.append(
            {
                "anchor": anchor,
                "positive": positive,
                label_key: _score(positive_score) if include_scores else 1,
                provenance_field: {**provenance, "kind": "positive"},
            }
        )
        for neg in negatives:
            rows.append(
                {
                    "anchor": anchor,
                    "positive": neg.text,
                    label_key: _score(neg.score) if include_scores else 0,
                    provenance_field: {**provenance, "negative": neg.record()},
                }
            )
    elif fmt == "labeled-list":
        row = {"anchor": anchor, "texts": [positive] + [n.text for n in negatives]}
        if include_scores:
            row["scores"] = [_score(positive_score)] + [_score(n.score) for n in negatives]
        else:
            row["labels"] = [1] + [0] * len(negatives)
        row["negatives"] = [n.text for n in negatives]
        row[provenance_field] = {**provenance, "negatives": [n.record() for n in negatives]}
        rows.append(row)
    elif fmt == "flag-embedding":
        row = {"query": anchor, "pos": [positive], "neg": [n.text for n in negatives]}
        if include_scores:
            row["pos_scores"] = [_score(positive_score)]
            row["neg_scores"] = [_score(n.score) for n in negatives]
        row["prompt"] = prompt
        row[provenance_field] = {**provenance, "negatives": [n.record() for n in negatives]}
        rows.append(row)
    else:  # the recipe schema admits only the names above
        raise ValueError(f"unknown output format {fmt!r}")
    return rows
