"""Build the ordered stages: rows to phases (mix ratios), phases in order, rows into stages.

Every row is keyed by (input number, row index) and its random keys are derived from
(seed, purpose, input, index), so ties, the random baseline and the rows a phase borrows do not
depend on how the data was read (workers, chunking) and one row's key does not move when other
rows are added.

Mix ratios without resampling: a tag's rows are shared by the phases whose ``mix`` names it.
Phases are filled from the last to the first; a phase takes *all* remaining rows of the tags it
introduces (the tags no earlier phase names) and, of the tags it shares with earlier phases, the
number of rows that its ratios ask for, drawn at random. The earliest phase that names a tag
keeps the rest. Example: ``hard: {hard: 0.8, easy: 0.2}`` after ``easy`` gives the hard phase all
hard rows plus a quarter as many easy rows, and the easy phase what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlp_cli.curriculum.pacing import stage_ends
from mlp_cli.curriculum.recipe import PacingSpec, PhaseSpec
from mlp_cli.runtime.seeding import derive_seed

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def item_keys(seed: int, purpose: str, input_no: np.ndarray, index: np.ndarray) -> np.ndarray:
    """One 64-bit random key per row from (seed, purpose, input, index): splitmix64, vectorised."""
    inputs = int(input_no.max()) + 1 if len(input_no) else 0
    bases = np.array([derive_seed(seed, "curriculum", purpose, i) for i in range(inputs)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = index.astype(np.uint64) * _GOLDEN + bases[input_no]
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@dataclass
class StagePlan:
    """The output order: ``rows[starts[s]:starts[s+1]]`` are the row ids of stage ``s``."""

    rows: np.ndarray
    starts: np.ndarray
    stage_phase: list[int]  # phase number of each stage
    phase_tags: list[dict[str, int]] = field(default_factory=list)  # rows per tag in each phase
    notes: list[str] = field(default_factory=list)

    @property
    def stages(self) -> int:
        return len(self.stage_phase)

    def stage(self, s: int) -> np.ndarray:
        return self.rows[self.starts[s] : self.starts[s + 1]]


def allocate(
    tag_rows: dict[str, np.ndarray], phases: list[PhaseSpec], borrow_keys: np.ndarray
) -> tuple[list[np.ndarray], list[dict[str, int]], list[str]]:
    """Share the rows of each tag among the phases that name it (see the module docstring).

    Args:
        tag_rows: row ids of each tag.
        phases: the schedule's phases in order.
        borrow_keys: a random key per row id; a phase borrows the rows with the lowest keys.

    Returns:
        The row ids of each phase, the rows per tag in each phase, and notes on ratios that
        could not be met.
    """
    first: dict[str, int] = {}
    for j, phase in enumerate(phases):
        for tag in phase.shares():
            first.setdefault(tag, j)
    pool = {tag: rows[np.argsort(borrow_keys[rows], kind="stable")] for tag, rows in tag_rows.items()}
    taken: list[list[np.ndarray]] = [[] for _ in phases]
    counts: list[dict[str, int]] = [{} for _ in phases]
    notes: list[str] = []
    for j in range(len(phases) - 1, -1, -1):
        phase = phases[j]
        shares = phase.shares()
        total = sum(shares.values())
        own = [t for t in shares if first[t] == j]
        if own:
            own_rows = sum(len(pool.get(t, ())) for t in own)
            size = own_rows / (sum(shares[t] for t in own) / total)
        else:
            size = float(phase.rows or 0)
        for tag, share in shares.items():
            rows = pool.get(tag, np.empty(0, dtype=np.int64))
            if first[tag] == j:
                want = len(rows)
            else:
                want = int(np.floor(size * share / total + 0.5))
                if want > len(rows):
                    notes.append(
                        f"phase {phase.name!r} asks for {want} rows tagged {tag!r} but only {len(rows)} are left; it takes them all"
                    )
                    want = len(rows)
            taken[j].append(rows[:want])
            pool[tag] = rows[want:]
            counts[j][tag] = want
    return [np.concatenate(parts) if parts else np.empty(0, dtype=np.int64) for parts in taken], counts, notes


def order_phase(
    rows: np.ndarray, difficulty: np.ndarray, order: str, tie_keys: np.ndarray, random_keys: np.ndarray
) -> np.ndarray:
    """The phase's row ids from first to last: easy first (ties at random), hard first, or shuffled."""
    if order == "random":
        return rows[np.argsort(random_keys[rows], kind="stable")]
    d = difficulty[rows]
    return rows[np.lexsort((tie_keys[rows], d if order == "curriculum" else -d))]


def build_stages(
    difficulty: np.ndarray,
    tag_rows: dict[str, np.ndarray],
    phases: list[PhaseSpec],
    default_stages: int,
    default_pacing: PacingSpec,
    order: str,
    keys: dict[str, np.ndarray],
) -> StagePlan:
    """The full plan: phases in order, each paced into its stages.

    Args:
        difficulty: difficulty of every row id (percentiles in [0, 1]).
        tag_rows: row ids of each phase tag.
        phases: the schedule's phases in order.
        default_stages: stages of a phase that does not set its own.
        default_pacing: pacing of a phase that does not set its own.
        order: ``curriculum``, ``anti`` or ``random``.
        keys: per-row random keys for ``ties``, ``random`` and ``borrow``.

    The stage sizes come from the curriculum order, so the ``anti`` and ``random`` baselines
    have the same sizes and differ only in which rows go where.
    """
    phase_rows, phase_tags, notes = allocate(tag_rows, phases, keys["borrow"])
    parts: list[np.ndarray] = []
    stage_phase: list[int] = []
    sizes: list[int] = []
    for j, (phase, rows) in enumerate(zip(phases, phase_rows, strict=True)):
        stages = phase.stages or default_stages
        pacing = phase.pacing or default_pacing
        ordered = order_phase(rows, difficulty, order, keys["ties"], keys["random"])
        ends = stage_ends(pacing, stages, difficulty[rows])
        begin = 0
        for end in ends:
            stage = ordered[: int(end)] if phase.replay else ordered[begin : int(end)]
            parts.append(stage)
            sizes.append(len(stage))
            stage_phase.append(j)
            begin = int(end)
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    starts[1:] = np.cumsum(sizes)
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    return StagePlan(rows=rows, starts=starts, stage_phase=stage_phase, phase_tags=phase_tags, notes=notes)
