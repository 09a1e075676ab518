"""Choosing negatives for one anchor: rank window, top/random choice, easy negatives, filters.

Every filter counts what it removed. Random choices come from generators keyed by (seed, anchor
text, positive number), so the output does not depend on workers, chunking or ``--limit``.

Filters, in the order they apply to each candidate:
``anchor_itself`` (same id or same normalised text as the anchor), ``known_positive`` (an id or
normalised text among the anchor's positives), ``batch_positive`` (a positive of another anchor in
the same batch, when asked), ``max_score`` / ``min_score``, ``duplicate_text`` (a second copy of a
sentence already offered), ``near_duplicate`` (similarity to one of the anchor's positives at or
above the threshold), then per positive ``absolute_margin`` and
``relative_margin`` (NV-Retriever's rule: ``relative_margin: 0.05`` drops candidates scoring above
95% of the positive's score).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp_cli.mine.formats import Negative, format_rows
from mlp_cli.mine.recipe import SamplingSpec
from mlp_cli.runtime.seeding import item_numpy, item_random


def normalize_text(text: str) -> str:
    """Text for identity checks: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class AnchorGroup:
    """One distinct anchor and its positives (``positive_rows`` index the document vectors)."""

    text: str
    anchor_id: str | None
    positives: list[str]
    positive_ids: list[str | None]
    positive_rows: list[int]
    locations: list[str]


@dataclass
class MiningJob:
    """Everything the sampling workers read; built once in the parent, inherited by fork."""

    groups: list[AnchorGroup]
    neighbour_indices: np.ndarray  # (n_anchors, k) corpus rows, best first; -1 pads
    neighbour_scores: np.ndarray
    anchor_vectors: Any
    document_vectors: Any  # corpus rows first, then positives that are not in the corpus
    corpus_size: int
    corpus_ids: list[str]
    corpus_texts: list[str]
    corpus_norms: list[str]
    sampling: SamplingSpec
    seed: int
    output_format: str
    include_scores: bool
    provenance_field: str
    prompt: str = ""
    # A second model's scores (--rescore): window candidates as neighbour_scores, and each group's
    # positives; they replace the first encoder's scores for the bounds, margins and score columns.
    rescored_scores: np.ndarray | None = None
    rescored_positive_scores: list[list[float]] | None = None
    batch_ids: list[set[str]] = field(default_factory=list)  # per batch: positive ids
    batch_norms: list[set[str]] = field(default_factory=list)  # per batch: normalised positive texts
    positive_norms: list[set[str]] = field(default_factory=list)  # per group

    def prepare(self) -> None:
        """Per-group and per-batch positive sets (for the known-positive and batch filters)."""
        self.positive_norms = [{normalize_text(p) for p in g.positives} for g in self.groups]
        size = self.sampling.batch_size
        self.batch_ids, self.batch_norms = [], []
        for start in range(0, len(self.groups), size):
            ids: set[str] = set()
            norms: set[str] = set()
            for g in self.groups[start : start + size]:
                ids.update(i for i in g.positive_ids if i is not None)
                norms.update(normalize_text(p) for p in g.positives)
            self.batch_ids.append(ids)
            self.batch_norms.append(norms)


@dataclass
class AnchorResult:
    """Serialised rows and filter counts of one anchor group."""

    group: int
    rows: list[dict[str, Any]]
    removed: Counter
    hard: int = 0
    easy: int = 0
    short: int = 0  # positives that got fewer negatives than asked
    dropped_rows: int = 0  # n-tuple rows left out for lack of negatives


def _excluded(job: MiningJob, g: int, row: int, anchor_norm: str, removed: Counter) -> bool:
    """Whether a candidate row fails the anchor-level identity filters (and count why)."""
    group = job.groups[g]
    cid = job.corpus_ids[row]
    norm = job.corpus_norms[row]
    if norm == anchor_norm or (group.anchor_id is not None and cid == group.anchor_id):
        removed["anchor_itself"] += 1
        return True
    if norm in job.positive_norms[g] or cid in group.positive_ids:
        removed["known_positive"] += 1
        return True
    if job.sampling.exclude_batch_positives:
        batch = g // job.sampling.batch_size
        if cid in job.batch_ids[batch] or norm in job.batch_norms[batch]:
            removed["batch_positive"] += 1
            return True
    return False


def _score_bounds(s: SamplingSpec, score: float, removed: Counter) -> bool:
    if s.max_score is not None and score > s.max_score:
        removed["max_score"] += 1
        return False
    if s.min_score is not None and score < s.min_score:
        removed["min_score"] += 1
        return False
    return True


def _near_duplicates(job: MiningJob, group: AnchorGroup, rows: list[int]) -> np.ndarray:
    """For each candidate row, whether it is at least as similar as the threshold to any positive."""
    threshold = job.sampling.near_duplicate_threshold
    if threshold is None or not rows:
        return np.zeros(len(rows), dtype=bool)
    best = np.full(len(rows), -np.inf, dtype=np.float32)
    for prow in group.positive_rows:
        best = np.maximum(best, row_dots(job.document_vectors, prow, job.document_vectors, rows))
    return best >= threshold


_SCRATCH: dict[int, np.ndarray] = {}


def row_dots(queries: Any, q: int, docs: Any, rows: Any) -> np.ndarray:
    """Dot products of row ``q`` of ``queries`` with rows ``rows`` of ``docs`` (dense or CSR).

    The sparse path scatters the query row into a reused dense buffer and gathers the documents'
    non-zeros: scipy's product would transpose (and so visit the whole vocabulary) on every call.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(docs, np.ndarray):
        return np.asarray(docs[rows] @ np.asarray(queries[q], dtype=np.float32), dtype=np.float32)
    width = docs.shape[1]
    buf = _SCRATCH.get(width)
    if buf is None:
        buf = _SCRATCH[width] = np.zeros(width, dtype=np.float32)
    start, stop = queries.indptr[q], queries.indptr[q + 1]
    q_cols = queries.indices[start:stop]
    buf[q_cols] = queries.data[start:stop]
    starts = docs.indptr[rows]
    lengths = docs.indptr[rows + 1] - starts
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    products = docs.data[offsets] * buf[docs.indices[offsets]]
    buf[q_cols] = 0.0
    owner = np.repeat(np.arange(len(rows)), lengths)
    return np.bincount(owner, weights=products, minlength=len(rows)).astype(np.float32)


def _margin_ok(s: SamplingSpec, score: float, positive_score: float, removed: Counter) -> bool:
    if s.absolute_margin is not None and score > positive_score - s.absolute_margin:
        removed["absolute_margin"] += 1
        return False
    if s.relative_margin is not None and score > positive_score * (1.0 - s.relative_margin):
        removed["relative_margin"] += 1
        return False
    return True


def _positive_scores(job: MiningJob, g: int) -> list[float]:
    """The anchor's score with each of its positives."""
    return [float(x) for x in row_dots(job.anchor_vectors, g, job.document_vectors, job.groups[g].positive_rows)]


def mine_anchor(job: MiningJob, g: int) -> AnchorResult:
    """Choose the hard and easy negatives of every positive of anchor group ``g`` and format rows."""
    s = job.sampling
    group = job.groups[g]
    removed: Counter = Counter()
    result = AnchorResult(g, [], removed)
    anchor_norm = normalize_text(group.text)
    low, high = s.rank_window
    top = job.neighbour_indices[g]
    top_scores = job.neighbour_scores[g] if job.rescored_scores is None else job.rescored_scores[g]
    # Hard candidates: inside the window, through the anchor-level filters.
    cand: list[tuple[int, int, float]] = []  # (rank, row, score)
    taken: set[str] = set()  # normalised texts already offered: a corpus may repeat a sentence
    for rank in range(low, min(high, len(top)) + 1):
        row = int(top[rank - 1])
        if row < 0:
            break
        score = float(top_scores[rank - 1])
        if _excluded(job, g, row, anchor_norm, removed) or not _score_bounds(s, score, removed):
            continue
        if job.corpus_norms[row] in taken:
            removed["duplicate_text"] += 1
            continue
        taken.add(job.corpus_norms[row])
        cand.append((rank, row, score))
    dup = _near_duplicates(job, group, [r for _, r, _ in cand])
    removed["near_duplicate"] += int(dup.sum())
    cand = [c for c, d in zip(cand, dup, strict=True) if not d]
    retriever_positive_scores = _positive_scores(job, g)
    positive_scores = (
        retriever_positive_scores if job.rescored_positive_scores is None else job.rescored_positive_scores[g]
    )
    top_rows = {int(r) for r in top if r >= 0}
    n_easy_target = round(s.hard * s.easy_to_hard)
    for p, (positive, positive_score) in enumerate(zip(group.positives, positive_scores, strict=True)):
        eligible = [c for c in cand if _margin_ok(s, c[2], positive_score, removed)]
        if s.strategy == "top" or len(eligible) <= s.hard:
            hard = eligible[: s.hard]
        else:
            rng = item_random(job.seed, "hard", group.text, p)
            hard = sorted(rng.sample(eligible, s.hard))
        chosen = [
            Negative(row, job.corpus_ids[row], job.corpus_texts[row], rank, score, "hard") for rank, row, score in hard
        ]
        n_easy = round(len(chosen) * s.easy_to_hard)
        # easy negatives are scored by the first encoder only, so their margin uses its positive score
        easy = _easy_negatives(
            job,
            g,
            p,
            n_easy,
            anchor_norm,
            top_rows,
            {job.corpus_norms[n.row] for n in chosen},
            retriever_positive_scores[p],
            removed,
        )
        chosen.extend(easy)
        wanted = s.hard + n_easy_target
        if len(chosen) < wanted:
            result.short += 1
        if job.output_format == "n-tuple" and len(chosen) < wanted:
            result.dropped_rows += 1
            continue
        if job.output_format in ("labeled-list", "flag-embedding") and not chosen:
            result.dropped_rows += 1
            continue
        result.hard += len(hard)
        result.easy += len(easy)
        provenance = {
            "anchor_id": group.anchor_id,
            "positive_id": group.positive_ids[p],
            "positive_score": round(positive_score, 6),
            "source": group.locations[p],
        }
        result.rows.extend(
            format_rows(
                job.output_format,
                group.text,
                positive,
                positive_score,
                chosen,
                provenance,
                job.provenance_field,
                job.include_scores,
                job.prompt,
            )
        )
    if job.output_format == "labeled-pair":
        result.rows = _dedupe_pairs(result.rows)
    return result


def _dedupe_pairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """labeled-pair: one row per (anchor, passage), as negatives repeat across an anchor's positives."""
    seen: set[str] = set()
    out = []
    for row in rows:
        if row["positive"] in seen:
            continue
        seen.add(row["positive"])
        out.append(row)
    return out


def _row_stream(rng: np.random.Generator, n: int, exhaustive: bool, attempts: int) -> Iterator[int]:
    """Random corpus rows: a full permutation (small corpora) or up to ``attempts`` draws."""
    if exhaustive:
        yield from rng.permutation(n).tolist()
        return
    drawn = 0
    while drawn < attempts:
        yield from rng.integers(0, n, size=1024).tolist()
        drawn += 1024


def _easy_negatives(
    job: MiningJob,
    g: int,
    p: int,
    count: int,
    anchor_norm: str,
    top_rows: set[int],
    taken: set[str],
    positive_score: float,
    removed: Counter,
) -> list[Negative]:
    """``count`` random corpus rows outside the anchor's top ranks, through the same filters.

    Small corpora are walked as a seeded permutation, so the count is exact whenever enough rows
    pass the filters; large ones are sampled with rejection (bounded attempts).
    """
    if count <= 0:
        return []
    s = job.sampling
    group = job.groups[g]
    rng = item_numpy(job.seed, "easy", group.text, p)
    n = job.corpus_size
    exhaustive = n <= 4 * (len(top_rows) + count) + 4096
    stream = _row_stream(rng, n, exhaustive, 64 * count + 4096)
    picked: list[Negative] = []
    seen: set[int] = set()
    while len(picked) < count:
        batch: list[int] = []
        want = 2 * (count - len(picked)) + 8
        for row in stream:
            if row in seen or row in top_rows:
                continue
            seen.add(row)
            if _excluded(job, g, row, anchor_norm, removed):
                continue
            if job.corpus_norms[row] in taken:
                removed["duplicate_text"] += 1
                continue
            batch.append(row)
            if len(batch) >= want:
                break
        if not batch:
            break
        scores = row_dots(job.anchor_vectors, g, job.document_vectors, batch)
        dup = _near_duplicates(job, group, batch)
        for row, score, is_dup in zip(batch, scores, dup, strict=True):
            if len(picked) >= count:
                break
            if is_dup:
                removed["near_duplicate"] += 1
                continue
            if job.corpus_norms[row] in taken:  # two copies of one sentence drawn in the same batch
                removed["duplicate_text"] += 1
                continue
            if not _score_bounds(s, float(score), removed) or not _margin_ok(s, float(score), positive_score, removed):
                continue
            taken.add(job.corpus_norms[row])
            picked.append(Negative(row, job.corpus_ids[row], job.corpus_texts[row], None, float(score), "easy"))
    return picked
