"""Difficulty scores: per-row raw values, missing-score policies, percentiles, weighted combination.

Raw values come from four scorers:

- ``field``: a numeric field of the row (``difficulty`` from the generators, ``rank`` or
  ``score`` of mined negatives); numbers written as text (CSV) are accepted;
- ``file``: a scores file joined on an id (a teacher model's loss or confidence);
- ``length``: characters or word tokens of a text field;
- ``token-rarity``: the mean negative log-probability of a row's word tokens under the unigram
  model of the data itself (``log N - mean(log count(token))``); 0 for a row without tokens.

Each scorer's values are turned into percentiles (average ranks for ties, 0 = easiest,
1 = hardest), combined with the scorers' weights, and the combination is turned into
percentiles again: that is the row's ``difficulty``.

The per-row work (parsing JSON, reading fields, tokenising) runs in ``scan_chunk`` and
``rarity_chunk``, module-level functions that ``runtime.parallel.ordered_map`` hands to workers.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.curriculum.recipe import PhaseBy, ScorerSpec
from mlp_cli.errors import InputDataError

TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (the unit of ``length: tokens`` and ``token-rarity``)."""
    return TOKEN_RE.findall(text.lower())


class RowProblem(Exception):
    """One row cannot be scored (bad JSON, wrong type, no phase); handled by ``on_error``."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def numeric(value: Any, name: str) -> float:
    """A score from a field value: NaN when absent or empty, a RowProblem when not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RowProblem("wrong type", f"field {name!r} holds {type(value).__name__}, expected a number")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return math.nan
        try:
            return float(text)
        except ValueError:
            raise RowProblem("wrong type", f"field {name!r} holds {value[:40]!r}, expected a number") from None
    return float(value)


def text_value(row: dict[str, Any], name: str) -> str:
    """The text in ``row[name]`` or a RowProblem naming the field."""
    value = row.get(name)
    if value is None:
        raise RowProblem("missing field", f"no text in field {name!r} (fields: {', '.join(map(str, row)) or 'none'})")
    if not isinstance(value, str):
        raise RowProblem("wrong type", f"field {name!r} holds {type(value).__name__}, expected text")
    return value


# ---------------------------------------------------------------------------------------------
# Scanning (runs in workers)


@dataclass
class InputPlan:
    """How to read and tag the rows of one input (after spooling, every input is JSONL)."""

    read_path: Path
    name: str
    phase: str | None
    phase_by: PhaseBy | None
    tag_codes: dict[str, int]

    def tag_of(self, row: dict[str, Any]) -> int:
        if self.phase_by is None:
            assert self.phase is not None
            return self.tag_codes[self.phase]
        by = self.phase_by
        value = row.get(by.field)
        tag = by.phases.get(str(value)) if value is not None else None
        if tag is None:
            tag = by.default
        if tag is None:
            raise RowProblem(
                "no phase",
                f"field {by.field!r} is {value!r}, which phase_by does not map (mapped: {', '.join(by.phases)}); "
                "add it to phase_by.phases or set phase_by.default",
            )
        return self.tag_codes[tag]


@dataclass
class ScanJob:
    """What every worker needs; inherited by forked workers."""

    inputs: list[InputPlan]
    scorers: list[ScorerSpec]
    score_tables: list[dict[str, float] | None]
    reserved: tuple[str, ...]  # fields the output adds to each row
    count_tokens: bool  # a token-rarity scorer needs the corpus's token counts
    rarity_log_probs: dict[str, float] | None = None  # token -> -log p, for the second pass
    rarity_log_total: float = 0.0


@dataclass
class ScanResult:
    """The rows of one chunk: where they are, their phase tag and raw scores; and the bad ones."""

    input_no: int
    items: int  # non-blank lines (rows and bad rows)
    item_pos: np.ndarray  # position of each good row among the chunk's items
    offsets: np.ndarray
    lengths: np.ndarray
    linenos: np.ndarray
    tags: np.ndarray
    values: np.ndarray  # rows x scorers (NaN: no score)
    bad: list[tuple[int, int, str, str]]  # (item position, line number, reason, detail)
    columns: list[str]
    token_counts: Counter | None = None


_JOB: ScanJob | None = None


def init_job(job: ScanJob) -> None:
    """Worker initializer: keep the job in this process."""
    global _JOB
    _JOB = job


def scan_chunk(chunk: tuple[int, int, int, list[bytes]]) -> ScanResult:
    """Parse, tag and score the lines of one chunk: ``(input number, first line, offset, lines)``."""
    job = _JOB
    assert job is not None
    input_no, first_line, offset, lines = chunk
    plan = job.inputs[input_no]
    n_scorers = len(job.scorers)
    item_pos: list[int] = []
    offsets: list[int] = []
    lengths: list[int] = []
    linenos: list[int] = []
    tags: list[int] = []
    values: list[float] = []
    bad: list[tuple[int, int, str, str]] = []
    columns: dict[str, None] = {}
    counts: Counter | None = Counter() if job.count_tokens else None
    items = 0
    for i, line in enumerate(lines):
        start = offset
        offset += len(line)
        if not line.strip():
            continue
        lineno = first_line + i
        pos = items
        items += 1
        try:
            try:
                row = json.loads(line)
            except UnicodeDecodeError as exc:
                raise RowProblem("bad encoding", f"not UTF-8 at byte {exc.start}") from None
            except ValueError as exc:
                raise RowProblem("bad json", str(exc)) from None
            if not isinstance(row, dict):
                raise RowProblem("not an object", f"expected a JSON object, got {type(row).__name__}")
            for name in job.reserved:
                if name in row:
                    raise RowProblem(
                        "field clash",
                        f"the row already has a field {name!r}, which the output adds; rename it in output: "
                        "(provenance_field, stage_field, order_field)",
                    )
            tag = plan.tag_of(row)
            scores = [_raw_score(row, spec, table, counts) for spec, table in zip(job.scorers, job.score_tables)]
        except RowProblem as exc:
            bad.append((pos, lineno, exc.reason, exc.detail))
            continue
        columns.update(dict.fromkeys(row))
        item_pos.append(pos)
        offsets.append(start)
        lengths.append(offset - start)
        linenos.append(lineno)
        tags.append(tag)
        values.extend(scores)
    return ScanResult(
        input_no=input_no,
        items=items,
        item_pos=np.asarray(item_pos, dtype=np.int64),
        offsets=np.asarray(offsets, dtype=np.int64),
        lengths=np.asarray(lengths, dtype=np.int64),
        linenos=np.asarray(linenos, dtype=np.int64),
        tags=np.asarray(tags, dtype=np.int32),
        values=np.asarray(values, dtype=np.float64).reshape(len(item_pos), n_scorers),
        bad=bad,
        columns=list(columns),
        token_counts=counts,
    )


def _raw_score(row: dict[str, Any], spec: ScorerSpec, table: dict[str, float] | None, counts: Counter | None) -> float:
    if spec.scorer == "field":
        assert spec.field is not None
        return numeric(row.get(spec.field), spec.field)
    if spec.scorer == "file":
        assert table is not None
        key = row.get(spec.id_field)
        if key is None:
            raise RowProblem("missing id", f"no id in field {spec.id_field!r} to join the scores file on")
        return table.get(str(key), math.nan)
    text = text_value(row, spec.text_field())
    if spec.scorer == "length":
        return float(len(tokens(text)) if spec.unit == "tokens" else len(text))
    # token-rarity: counted now, scored in a second pass once the counts are complete
    assert counts is not None
    counts.update(tokens(text))
    return math.nan


def rarity_chunk(chunk: tuple[int, np.ndarray, np.ndarray, int]) -> np.ndarray:
    """Mean -log p of each row's tokens: ``(input number, offsets, lengths, scorer number)``."""
    job = _JOB
    assert job is not None and job.rarity_log_probs is not None
    input_no, offsets, lengths, s = chunk
    text_field = job.scorers[s].text_field()
    log_probs = job.rarity_log_probs
    out = np.zeros(len(offsets), dtype=np.float64)
    fd = os.open(job.inputs[input_no].read_path, os.O_RDONLY)
    try:
        for i, (off, length) in enumerate(zip(offsets.tolist(), lengths.tolist())):
            row = json.loads(os.pread(fd, length, off))
            toks = tokens(row[text_field])
            if toks:
                out[i] = sum(log_probs[t] for t in toks) / len(toks)
    finally:
        os.close(fd)
    return out


def rarity_table(counts: Counter) -> dict[str, float]:
    """-log p of every token under the unigram model of the counts."""
    log_total = math.log(max(sum(counts.values()), 1))
    return {tok: log_total - math.log(c) for tok, c in counts.items()}


# ---------------------------------------------------------------------------------------------
# Scores file


def load_score_file(spec: ScorerSpec, path: Path) -> dict[str, float]:
    """``id -> score`` from a scores file; a duplicate id or a non-numeric score is an input error."""
    from mlp_cli.io.rows import BadRow, RowSource, iter_rows

    id_field = spec.file_id_field or spec.id_field
    table: dict[str, float] = {}
    for item in iter_rows(RowSource(path=path, format=spec.format)):
        if isinstance(item, BadRow):
            raise InputDataError(f"{item.location}: {item.reason}: {item.detail} (scores file)")
        key = item.data.get(id_field)
        if key is None:
            raise InputDataError(f"{item.location}: no id in field {id_field!r} of the scores file; set file_id_field")
        try:
            value = numeric(item.data.get(spec.score_field), spec.score_field)
        except RowProblem as exc:
            raise InputDataError(f"{item.location}: {exc.detail} (scores file)") from None
        if math.isnan(value):
            raise InputDataError(f"{item.location}: no score in field {spec.score_field!r} of the scores file; set score_field")
        key = str(key)
        if key in table:
            raise InputDataError(f"{item.location}: id {key!r} appears twice in the scores file")
        table[key] = value
    if not table:
        raise InputDataError(f"{path}: the scores file has no rows")
    return table


# ---------------------------------------------------------------------------------------------
# Normalisation and combination


def percentiles(values: np.ndarray) -> np.ndarray:
    """Average-rank percentiles in [0, 1]: 0 for the smallest value, 1 for the largest; ties share one."""
    n = len(values)
    if n <= 1:
        return np.zeros(n, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    new_group[1:] = ordered[1:] != ordered[:-1]
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], n)
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = ((starts + ends - 1) / 2.0)[group]
    return ranks / (n - 1)


def fill_missing(values: np.ndarray, policy: str) -> np.ndarray:
    """Scores for the NaN entries under ``easiest``, ``hardest`` or ``median`` (oriented: high = hard)."""
    missing = np.isnan(values)
    if not missing.any():
        return values
    out = values.copy()
    if policy == "easiest":
        out[missing] = -np.inf
    elif policy == "hardest":
        out[missing] = np.inf
    else:
        present = values[~missing]
        out[missing] = float(np.median(present)) if len(present) else 0.0
    return out


def combine(columns: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Weighted mean of each column's percentiles, turned into percentiles again."""
    total = float(sum(weights))
    mixed = sum(w / total * percentiles(c) for c, w in zip(columns, weights))
    return percentiles(np.asarray(mixed, dtype=np.float64))


@dataclass
class Stats:
    """Difficulty statistics of a group of rows (a stage or a phase)."""

    rows: int
    values: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, difficulty: np.ndarray) -> Stats:
        if len(difficulty) == 0:
            return cls(0)
        q = np.quantile(difficulty, [0.0, 0.25, 0.5, 0.75, 1.0])
        return cls(
            len(difficulty),
            {
                "min": round(float(q[0]), 6),
                "p25": round(float(q[1]), 6),
                "median": round(float(q[2]), 6),
                "p75": round(float(q[3]), 6),
                "max": round(float(q[4]), 6),
                "mean": round(float(difficulty.mean()), 6),
            },
        )
