"""Difficulty scores: per-row raw values, missing-score policies, percentiles, weighted combination.

Raw values come from four scorers:

- ``field``: a numeric field of the row (``difficulty`` from the generators, ``rank`` or
  ``score`` of mined negatives); numbers written as text (CSV) are accepted;
- ``file``: a scores file joined on an id (a teacher model's loss or confidence);
- ``length``: characters or word tokens of a text field;
- ``token-rarity``: the mean negative log-probability of a row's word tokens under the unigram
  model of the data itself (``log N - mean(log count(token))``); 0 for a row without tokens. The
  scan keeps each row's tokens as integer ids, so the model and the scores come from numpy
  once the scan is complete, without reading the rows again.

Each scorer's values are turned into percentiles (average ranks for ties, 0 = easiest,
1 = hardest), combined with the scorers' weights, and the combination is turned into
percentiles again: that is the row's ``difficulty``.

The per-row work (parsing JSON, reading fields, tokenising) runs in ``scan_chunk``, a
module-level function that the run's executor (``Run.executor.map``) hands to workers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.curriculum.recipe import PhaseBy, ScorerSpec
from mlp_cli.errors import BadItem, InputDataError
from mlp_cli.io.rows import iter_rows

TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (the unit of ``length: tokens`` and ``token-rarity``)."""
    return TOKEN_RE.findall(text.lower())


def numeric(value: Any, name: str) -> float:
    """A score from a field value: NaN when absent or empty, a BadItem when not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadItem("wrong type", f"field {name!r} holds {type(value).__name__}, expected a number")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return math.nan
        try:
            return float(text)
        except ValueError:
            raise BadItem("wrong type", f"field {name!r} holds {value[:40]!r}, expected a number") from None
    return float(value)


def field_value(row: dict[str, Any], name: str) -> Any:
    """``row[name]``; a name with dots that is not itself a field is a path into nested values.

    ``_provenance.negatives.0.score`` is the score of a mined row's first negative: mappings by
    key, lists by position. A path that leads nowhere is None, as a missing field is.
    """
    if name in row or "." not in name:
        return row.get(name)
    value: Any = row
    for part in name.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def text_value(row: dict[str, Any], name: str) -> str:
    """The text in ``row[name]`` or a BadItem naming the field."""
    value = row.get(name)
    if value is None:
        raise BadItem("missing field", f"no text in field {name!r} (fields: {', '.join(map(str, row)) or 'none'})")
    if not isinstance(value, str):
        raise BadItem("wrong type", f"field {name!r} holds {type(value).__name__}, expected text")
    return value


# ---------------------------------------------------------------------------------------------
# Scanning (runs in workers)


@dataclass
class InputPlan:
    """How to read and tag the rows of one input (after spooling, every input is JSONL)."""

    read_path: Path
    prefix: str  # location of row N is prefix + N ("data.jsonl:" + line, "x.parquet:row " + row)
    phase: str | None
    phase_by: PhaseBy | None
    tag_codes: dict[str, int]
    numbers: np.ndarray | None = None  # spooled inputs: the original line (row) number of each spooled line

    def location(self, lineno: int) -> str:
        """``file:line`` of the row on line ``lineno`` of the file that is read."""
        return f"{self.prefix}{self.original(lineno)}"

    def original(self, lineno: int) -> int:
        return int(self.numbers[lineno - 1]) if self.numbers is not None else lineno

    def tagger(self) -> Callable[[dict[str, Any]], int]:
        """A function from a row to its tag code."""
        if self.phase_by is None:
            assert self.phase is not None
            code = self.tag_codes[self.phase]
            return lambda row: code
        by = self.phase_by
        codes = {value: self.tag_codes[tag] for value, tag in by.phases.items()}
        default = self.tag_codes[by.default] if by.default is not None else None

        def tag_of(row: dict[str, Any]) -> int:
            value = row.get(by.field)
            code = codes.get(value if isinstance(value, str) else str(value)) if value is not None else None
            if code is not None:
                return code
            if default is not None:
                return default
            raise BadItem(
                "no phase",
                f"field {by.field!r} is {value!r}, which phase_by does not map (mapped: {', '.join(by.phases)}); "
                "add it to phase_by.phases or set phase_by.default",
            )

        return tag_of


@dataclass
class ScanJob:
    """What every worker needs; inherited by forked workers."""

    inputs: list[InputPlan]
    scorers: list[ScorerSpec]
    score_tables: list[dict[str, float] | None]
    reserved: tuple[str, ...]  # fields the output adds to each row
    want_columns: bool  # flat output formats need every field name


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
    rarity: list[ChunkTokens] = field(default_factory=list)  # one per token-rarity scorer


@dataclass
class ChunkTokens:
    """The word tokens of a chunk's good rows as ids into the chunk's own vocabulary."""

    vocabulary: list[str]
    ids: np.ndarray  # every token of every row, in row order
    counts: np.ndarray  # tokens per row

    @classmethod
    def of(cls, flat: list[str], counts: list[int]) -> ChunkTokens:
        vocabulary = {tok: i for i, tok in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.int32, count=len(flat))
        return cls(list(vocabulary), ids, np.asarray(counts, dtype=np.int64))

    def head(self, rows: int) -> ChunkTokens:
        """The tokens of the first ``rows`` rows (``--limit``)."""
        counts = self.counts[:rows]
        return ChunkTokens(self.vocabulary, self.ids[: int(counts.sum())], counts)


_JOB: ScanJob | None = None
_DECODER = json.JSONDecoder()


def init_job(job: ScanJob) -> None:
    """Worker initializer: keep the job in this process."""
    global _JOB
    _JOB = job


def parse_row(line: bytes) -> dict[str, Any]:
    """One JSONL line as a dict, or a BadItem (bad encoding, bad JSON, not an object)."""
    try:
        text = line.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise BadItem("bad encoding", f"not UTF-8 at byte {exc.start}") from None
    try:
        # the C scanner without json.loads's wrappers: a third of the parse time on short rows
        row, end = _DECODER.scan_once(text, 0)  # type: ignore[attr-defined]  # set by JSONDecoder.__init__, absent from typeshed
        if end != len(text):
            raise ValueError
    except (StopIteration, ValueError):
        try:
            row = json.loads(text)
        except ValueError as exc:
            raise BadItem("bad json", str(exc)) from None
    if not isinstance(row, dict):
        raise BadItem("not an object", f"expected a JSON object, got {type(row).__name__}")
    return row


def scan_chunk(chunk: tuple[int, int, int, list[bytes]]) -> ScanResult:
    """Parse, tag and score the lines of one chunk: ``(input number, first line, offset, lines)``."""
    job = _JOB
    assert job is not None
    input_no, first_line, offset, lines = chunk
    tag_of = job.inputs[input_no].tagger()
    score_fns = [_score_fn(spec, table) for spec, table in zip(job.scorers, job.score_tables, strict=True)]
    rarity_fields = [spec.text_field() for spec in job.scorers if spec.scorer == "token-rarity"]
    flat: list[list[str]] = [[] for _ in rarity_fields]
    per_row: list[list[int]] = [[] for _ in rarity_fields]
    reserved = job.reserved
    good: list[int] = []  # line index in the chunk of each good row
    tags: list[int] = []
    values: list[float] = []
    blank: list[int] = []
    bad: list[tuple[int, int, str, str]] = []
    columns: dict[str, None] = {}
    for i, line in enumerate(lines):
        if len(line) < 3 and not line.strip():  # "{}" is the shortest row
            blank.append(i)
            continue
        try:
            row = parse_row(line)
            for name in reserved:
                if name in row:
                    raise BadItem(
                        "field clash",
                        f"the row already has a field {name!r}, which the output adds; rename it in output: "
                        "(provenance_field, stage_field, order_field)",
                    )
            tag = tag_of(row)
            scores = [fn(row) for fn in score_fns]
            row_tokens = [tokens(text_value(row, name)) for name in rarity_fields]
        except BadItem as exc:
            if exc.reason == "bad json" and not line.strip():
                blank.append(i)
                continue
            bad.append((i, first_line + i, exc.reason, exc.detail))
            continue
        if job.want_columns:
            columns.update(dict.fromkeys(row))
        good.append(i)
        tags.append(tag)
        values.extend(scores)
        for k, toks in enumerate(row_tokens):  # kept only once the whole row is good
            flat[k].extend(toks)
            per_row[k].append(len(toks))
    sizes = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    starts = offset + np.cumsum(sizes) - sizes
    idx = np.asarray(good, dtype=np.int64)
    blanks = np.asarray(blank, dtype=np.int64)
    # an item's position among the chunk's non-blank lines
    bad = [(i - int(np.searchsorted(blanks, i)), lineno, reason, detail) for i, lineno, reason, detail in bad]
    return ScanResult(
        input_no=input_no,
        items=len(lines) - len(blank),
        item_pos=idx - np.searchsorted(blanks, idx),
        offsets=starts[idx],
        lengths=sizes[idx],
        linenos=first_line + idx,
        tags=np.asarray(tags, dtype=np.int32),
        values=np.asarray(values, dtype=np.float64).reshape(len(good), len(score_fns)),
        bad=bad,
        columns=list(columns),
        rarity=[ChunkTokens.of(f, c) for f, c in zip(flat, per_row, strict=True)],
    )


def _score_fn(spec: ScorerSpec, table: dict[str, float] | None) -> Callable[[dict[str, Any]], float]:
    """A function from a row to its raw score under one scorer (NaN: no score)."""
    if spec.scorer == "field":
        name = spec.field
        assert name is not None

        def field_score(row: dict[str, Any]) -> float:
            value: Any = field_value(row, name)
            return float(value) if type(value) in (int, float) else numeric(value, name)

        return field_score
    if spec.scorer == "file":
        assert table is not None
        id_field = spec.id_field

        def file_score(row: dict[str, Any]) -> float:
            key = row.get(id_field)
            if key is None:
                raise BadItem("missing id", f"no id in field {id_field!r} to join the scores file on")
            return table.get(str(key), math.nan)

        return file_score
    text_field = spec.text_field()
    if spec.scorer == "length":
        by_tokens = spec.unit == "tokens"
        return lambda row: float(
            len(tokens(text_value(row, text_field))) if by_tokens else len(text_value(row, text_field))
        )
    # token-rarity: scored by rarity_scores once every chunk's tokens are in
    return lambda row: math.nan


class Vocabulary:
    """Token ids across chunks: maps each chunk's own ids to ids shared by the whole input."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.parts: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []

    def add(self, chunk: ChunkTokens) -> None:
        ids = self.ids
        remap = np.fromiter(
            (ids.setdefault(t, len(ids)) for t in chunk.vocabulary), dtype=np.int32, count=len(chunk.vocabulary)
        )
        self.parts.append(remap[chunk.ids])
        self.counts.append(chunk.counts)

    def scores(self) -> np.ndarray:
        """The mean -log p of each row's tokens, in the order the chunks were added."""
        frequency = np.zeros(len(self.ids), dtype=np.int64)
        for part in self.parts:
            frequency += np.bincount(part, minlength=len(self.ids))
        total = int(frequency.sum())
        if total == 0:
            return np.zeros(sum(len(c) for c in self.counts), dtype=np.float64)
        neg_log_p = math.log(total) - np.log(np.maximum(frequency, 1))
        # chunk by chunk, so that no array as long as the corpus's tokens is made besides the ids
        return np.concatenate([mean_by_row(neg_log_p[p], c) for p, c in zip(self.parts, self.counts, strict=True)])


def rarity_scores(ids: np.ndarray, counts: np.ndarray, vocabulary: int) -> np.ndarray:
    """Mean -log p per row under the unigram model of all the tokens; 0 for a row without tokens.

    Args:
        ids: every token of every row as a vocabulary id, in row order.
        counts: tokens per row.
        vocabulary: number of distinct ids.
    """
    if len(ids) == 0:
        return np.zeros(len(counts), dtype=np.float64)
    frequency = np.bincount(ids, minlength=vocabulary)
    neg_log_p = math.log(len(ids)) - np.log(np.maximum(frequency, 1))
    return mean_by_row(neg_log_p[ids], counts)


def mean_by_row(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The mean of each row's run of ``values`` (``counts`` per row, in order); 0 for an empty row."""
    out = np.zeros(len(counts), dtype=np.float64)
    some = counts > 0
    if some.any():
        starts = np.cumsum(counts) - counts
        # each segment of reduceat is exactly one row's values (empty rows have none)
        out[some] = np.add.reduceat(values, starts[some]) / counts[some]
    return out


# ---------------------------------------------------------------------------------------------
# Scores file


def load_score_file(spec: ScorerSpec, path: Path) -> dict[str, float]:
    """``id -> score`` from a scores file; a duplicate id or a non-numeric score is an input error."""

    id_field = spec.file_id_field or spec.id_field
    table: dict[str, float] = {}
    for item in iter_rows(spec.scores_source(path)):
        if isinstance(item, BadItem):
            raise InputDataError(f"{item.location}: {item.reason}: {item.detail} (scores file)")
        key = item.data.get(id_field)
        if key is None:
            raise InputDataError(f"{item.location}: no id in field {id_field!r} of the scores file; set file_id_field")
        try:
            value = numeric(item.data.get(spec.score_field), spec.score_field)
        except BadItem as exc:
            raise InputDataError(f"{item.location}: {exc.detail} (scores file)") from None
        if math.isnan(value):
            raise InputDataError(
                f"{item.location}: no score in field {spec.score_field!r} of the scores file; set score_field"
            )
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
    mixed = sum(w / total * percentiles(c) for c, w in zip(columns, weights, strict=True))
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
