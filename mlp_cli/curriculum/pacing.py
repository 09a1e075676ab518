"""Pacing functions: the share of a phase (easiest first) that is available by each stage.

A pacing function maps stage ``k`` of ``K`` (1-based) to a competence ``c(k)`` in (0, 1]; stage
``k`` then holds the rows ranked in ``[c(k-1)·n, c(k)·n)`` of its phase (or ``[0, c(k)·n)`` with
``replay``). The formulas follow the literature:

- ``linear`` and ``root`` are Platanios et al.'s competence functions (2019) with ``t/T = k/K``:
  ``c = c0 + (1 - c0)·k/K`` and ``c = ((1 - c0^p)·k/K + c0^p)^(1/p)``;
- ``exponential`` is Hacohen & Weinshall's fixed exponential pacing (2019):
  ``c = start · factor^floor((k - 1)/step)``;
- ``step`` is their single-step pacing: ``c = start`` for the first ``step`` stages, then 1;
- ``baby-steps`` (Spitkovsky et al., 2010) cuts the phase's difficulty *range* into K equal-width
  buckets, so rows of equal difficulty always share a stage; its competence is the share of rows
  whose difficulty falls in the first k buckets.

Every function is capped at 1 and the last stage always completes the phase, so that no row is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pydantic import Field

from mlp_cli.recipe.base import StrictModel


class PacingSpec(StrictModel):
    """How much of a phase (easiest first) is available by each stage."""

    function: str = Field("linear", description="linear | root | exponential | step | baby-steps")
    c0: float = Field(0.0, ge=0.0, lt=1.0, description="linear, root: share available at the start")
    p: float = Field(2.0, gt=0.0, description="root: the root (2 = square root)")
    start: float = Field(0.1, gt=0.0, le=1.0, description="exponential, step: share in the first stage")
    factor: float = Field(2.0, gt=1.0, description="exponential: growth per step")
    step: int = Field(1, ge=1, description="exponential, step: stages per step")


# which pacing parameters each function reads
PACING_KEYS: dict[str, set[str]] = {
    "linear": {"c0"},
    "root": {"c0", "p"},
    "exponential": {"start", "factor", "step"},
    "step": {"start", "step"},
    "baby-steps": set(),
}


def linear(k: int, stages: int, pacing: PacingSpec) -> float:
    """Platanios's linear competence: ``c0 + (1 - c0)·k/K``."""
    return min(1.0, pacing.c0 + (1.0 - pacing.c0) * k / stages)


def root(k: int, stages: int, pacing: PacingSpec) -> float:
    """Platanios's root-p competence: ``((1 - c0^p)·k/K + c0^p)^(1/p)``."""
    c0p = pacing.c0**pacing.p
    return min(1.0, ((1.0 - c0p) * k / stages + c0p) ** (1.0 / pacing.p))


def exponential(k: int, stages: int, pacing: PacingSpec) -> float:
    """Hacohen & Weinshall's fixed exponential pacing: ``start · factor^floor((k-1)/step)``."""
    exponent = (k - 1) // pacing.step
    # factor^exponent overflows for long schedules; the result is capped at 1 anyway
    if exponent * math.log(pacing.factor) + math.log(pacing.start) >= 0:
        return 1.0
    return min(1.0, pacing.start * pacing.factor**exponent)


def step(k: int, stages: int, pacing: PacingSpec) -> float:
    """Hacohen & Weinshall's single-step pacing: ``start`` for ``step`` stages, then everything."""
    return pacing.start if k <= pacing.step else 1.0


def baby_steps(k: int, stages: int, pacing: PacingSpec) -> float:
    """Equal-width difficulty buckets; as a share of rows this is ``k/K`` for uniform difficulty."""
    return k / stages


PACING: dict[str, Callable[[int, int, PacingSpec], float]] = {
    "linear": linear,
    "root": root,
    "exponential": exponential,
    "step": step,
    "baby-steps": baby_steps,
}


def competences(pacing: PacingSpec, stages: int) -> list[float]:
    """``c(1) .. c(K)``; the last is always 1 so that the phase is complete."""
    fn = PACING[pacing.function]
    values = [fn(k, stages, pacing) for k in range(1, stages + 1)]
    values[-1] = 1.0
    return values


def stage_ends(pacing: PacingSpec, stages: int, difficulty: np.ndarray) -> np.ndarray:
    """Cumulative row counts at the end of each stage, for a phase whose rows are ``difficulty``.

    ``difficulty`` may be in any order; only its size matters, except for ``baby-steps``, where
    the bucket edges are cut on its range.
    """
    n = len(difficulty)
    if pacing.function == "baby-steps":
        if n == 0:
            return np.zeros(stages, dtype=np.int64)
        low, high = float(difficulty.min()), float(difficulty.max())
        if high <= low:
            bucket = np.zeros(n, dtype=np.int64)
        else:
            bucket = np.minimum(((difficulty - low) / (high - low) * stages).astype(np.int64), stages - 1)
        return np.cumsum(np.bincount(bucket, minlength=stages)).astype(np.int64)
    ends = np.floor(np.asarray(competences(pacing, stages)) * n + 0.5).astype(np.int64)
    ends = np.maximum.accumulate(np.minimum(ends, n))
    ends[-1] = n
    return ends
