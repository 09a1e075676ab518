"""Unit and property tests of the curriculum core: pacing formulas, percentiles, mixes, stages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.curriculum.pacing import PACING, competences, stage_ends
from mlp_cli.curriculum.recipe import PacingSpec, PhaseSpec
from mlp_cli.curriculum.scoring import (
    ChunkTokens,
    Vocabulary,
    combine,
    fill_missing,
    percentiles,
    rarity_scores,
    tokens,
)
from mlp_cli.curriculum.stages import allocate, build_stages, item_keys, order_phase

# ---------------------------------------------------------------------------------------------
# Pacing functions against their formulas


@pytest.mark.parametrize("c0", [0.0, 0.1, 0.33])
@pytest.mark.parametrize("stages", [1, 3, 10])
def test_linear_is_platanios_linear_competence(c0, stages):
    pacing = PacingSpec(function="linear", c0=c0)
    expected = [min(1.0, c0 + (1 - c0) * k / stages) for k in range(1, stages + 1)]
    assert competences(pacing, stages) == pytest.approx(expected)


@pytest.mark.parametrize("p,c0", [(2.0, 0.01), (2.0, 0.2), (3.0, 0.1), (0.5, 0.3)])
def test_root_is_platanios_root_p_competence(p, c0):
    stages = 8
    pacing = PacingSpec(function="root", p=p, c0=c0)
    expected = [min(1.0, ((1 - c0**p) * k / stages + c0**p) ** (1 / p)) for k in range(1, stages + 1)]
    assert competences(pacing, stages) == pytest.approx(expected)
    if p > 1:  # a root grows faster than linear early on
        assert competences(pacing, stages)[0] > min(1.0, c0 + (1 - c0) / stages)


@pytest.mark.parametrize("start,factor,step", [(0.1, 2.0, 1), (0.05, 1.5, 2), (0.2, 3.0, 3)])
def test_exponential_is_hacohen_fixed_exponential_pacing(start, factor, step):
    stages = 9
    pacing = PacingSpec(function="exponential", start=start, factor=factor, step=step)
    expected = [min(1.0, start * factor ** math.floor((k - 1) / step)) for k in range(1, stages + 1)]
    expected[-1] = 1.0  # the last stage always completes the phase
    assert competences(pacing, stages) == pytest.approx(expected)


def test_exponential_does_not_overflow_on_long_schedules():
    pacing = PacingSpec(function="exponential", start=0.01, factor=10.0, step=1)
    assert competences(pacing, 5000)[3:] == [1.0] * 4997


@pytest.mark.parametrize("start,step", [(0.3, 1), (0.5, 3)])
def test_step_is_single_step_pacing(start, step):
    stages = 6
    pacing = PacingSpec(function="step", start=start, step=step)
    expected = [start if k <= step else 1.0 for k in range(1, stages + 1)]
    assert competences(pacing, stages) == pytest.approx(expected)


def test_baby_steps_cuts_the_difficulty_range_into_equal_width_buckets():
    difficulty = np.array([0.0, 0.05, 0.1, 0.1, 0.1, 0.6, 0.7, 1.0])
    ends = stage_ends(PacingSpec(function="baby-steps"), 4, difficulty)
    # buckets [0, .25) [.25, .5) [.5, .75) [.75, 1]: 5, 0, 2, 1 rows
    assert ends.tolist() == [5, 5, 7, 8]


def test_baby_steps_keeps_ties_in_one_stage():
    difficulty = np.array([0.2] * 50 + [0.8] * 50)
    ends = stage_ends(PacingSpec(function="baby-steps"), 3, difficulty)
    assert set(np.diff(np.concatenate([[0], ends])).tolist()) <= {0, 50}


def test_stage_ends_round_competence_times_rows():
    pacing = PacingSpec(function="exponential", start=0.1, factor=2.0)
    assert stage_ends(pacing, 5, np.zeros(1000)).tolist() == [100, 200, 400, 800, 1000]


@settings(max_examples=80, deadline=None)
@given(
    function=st.sampled_from(sorted(PACING)),
    stages=st.integers(1, 30),
    n=st.integers(0, 500),
    c0=st.floats(0, 0.99),
    start=st.floats(0.01, 1.0),
    factor=st.floats(1.01, 5.0),
    step=st.integers(1, 5),
    p=st.floats(0.2, 5.0),
)
def test_stage_ends_are_monotone_and_complete(function, stages, n, c0, start, factor, step, p):
    pacing = PacingSpec(function=function, c0=c0, start=start, factor=factor, step=step, p=p)
    ends = stage_ends(pacing, stages, np.random.default_rng(0).random(n))
    assert len(ends) == stages
    assert ends[-1] == n
    assert (np.diff(ends) >= 0).all() and ends[0] >= 0


# ---------------------------------------------------------------------------------------------
# Scores


def test_percentiles_average_ties_and_span_zero_to_one():
    assert percentiles(np.array([10.0, 30.0, 20.0, 20.0, 40.0])).tolist() == [0.0, 0.75, 0.375, 0.375, 1.0]
    assert percentiles(np.array([5.0])).tolist() == [0.0]


def test_combine_weights_percentiles():
    a = np.array([1.0, 2.0, 3.0])  # percentiles 0, .5, 1
    b = np.array([30.0, 20.0, 10.0])  # percentiles 1, .5, 0
    # weight 3 on a: mix = .25, .5, .75 -> order of a
    assert combine([a, b], [3.0, 1.0]).tolist() == [0.0, 0.5, 1.0]
    assert combine([a, b], [1.0, 3.0]).tolist() == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("policy,expected", [("easiest", 0.0), ("hardest", 1.0), ("median", 0.5)])
def test_missing_policies_place_rows_without_a_score(policy, expected):
    values = np.array([1.0, np.nan, 2.0, 3.0])
    p = percentiles(fill_missing(values, policy))
    assert p[1] == pytest.approx({"easiest": 0.0, "hardest": 1.0, "median": 0.5}[policy])
    assert p[1] == pytest.approx(expected)


def test_token_rarity_is_negative_log_probability_under_the_unigram_model():
    # rows "a a a b", "a c", "": ids a=0, b=1, c=2; N = 6
    ids = np.array([0, 0, 0, 1, 0, 2])
    scores = rarity_scores(ids, np.array([4, 2, 0]), 3)
    nlp = {"a": -math.log(4 / 6), "b": -math.log(1 / 6), "c": -math.log(1 / 6)}
    assert scores[0] == pytest.approx((3 * nlp["a"] + nlp["b"]) / 4)
    assert scores[1] == pytest.approx((nlp["a"] + nlp["c"]) / 2)
    assert scores[2] == 0.0
    assert tokens("Hello, World!") == ["hello", "world"]


def test_chunk_vocabularies_merge_into_one_model():
    one = Vocabulary()
    one.add(ChunkTokens.of(["a", "a", "a", "b", "a", "c"], [4, 2, 0]))
    split = Vocabulary()
    split.add(ChunkTokens.of(["a", "a", "a", "b"], [4]))
    split.add(ChunkTokens.of(["c", "a"], [2, 0]))  # other local ids for the same tokens
    assert split.scores() == pytest.approx(one.scores())


# ---------------------------------------------------------------------------------------------
# Mixes and stages


def test_mix_gives_a_later_phase_its_share_of_earlier_tags():
    tag_rows = {"easy": np.arange(0, 100), "hard": np.arange(100, 180)}
    phases = [PhaseSpec(name="easy"), PhaseSpec(name="hard", mix={"hard": 0.8, "easy": 0.2})]
    keys = item_keys(0, "borrow", np.zeros(180, dtype=np.int32), np.arange(180))
    rows, counts, notes = allocate(tag_rows, phases, keys)
    assert counts == [{"easy": 80}, {"hard": 80, "easy": 20}]
    assert sorted(np.concatenate(rows).tolist()) == list(range(180))
    assert not notes


def test_mix_that_asks_for_more_than_is_left_takes_all_and_says_so():
    tag_rows = {"easy": np.arange(5), "hard": np.arange(5, 105)}
    phases = [PhaseSpec(name="easy"), PhaseSpec(name="hard", mix={"hard": 0.5, "easy": 0.5})]
    rows, counts, notes = allocate(tag_rows, phases, np.arange(105, dtype=np.uint64))
    assert counts[1]["easy"] == 5 and counts[0]["easy"] == 0
    assert notes and "only 5 are left" in notes[0]


def test_review_phase_with_rows_takes_that_many():
    tag_rows = {"a": np.arange(100)}
    phases = [PhaseSpec(name="a"), PhaseSpec(name="review", mix={"a": 1.0}, rows=30)]
    _rows, counts, _ = allocate(tag_rows, phases, np.arange(100, dtype=np.uint64))
    assert counts == [{"a": 70}, {"a": 30}]


def test_item_keys_depend_on_seed_and_row_only():
    idx = np.arange(10)
    inp = np.zeros(10, dtype=np.int32)
    keys = item_keys(3, "ties", inp, idx)
    assert (keys == item_keys(3, "ties", inp, idx)).all()
    assert (keys[5:] == item_keys(3, "ties", inp[5:], idx[5:])).all()
    assert not (keys == item_keys(4, "ties", inp, idx)).all()


def test_orders_curriculum_anti_random():
    d = np.array([0.3, 0.1, 0.2, 0.0])
    rows = np.arange(4)
    keys = np.arange(4, dtype=np.uint64)
    assert order_phase(rows, d, "curriculum", keys, keys).tolist() == [3, 1, 2, 0]
    assert order_phase(rows, d, "anti", keys, keys).tolist() == [0, 2, 1, 3]
    assert order_phase(rows, d, "random", keys, keys[::-1].copy()).tolist() == [3, 2, 1, 0]


def _plan(n_a, n_b, difficulty, order, pacing, stages, seed, replay=False):
    n = n_a + n_b
    tag_rows = {"a": np.arange(n_a), "b": np.arange(n_a, n)}
    phases = [
        PhaseSpec(name="a", stages=stages, pacing=pacing, replay=replay),
        PhaseSpec(name="b", stages=stages, pacing=pacing, mix={"b": 0.7, "a": 0.3}),
    ]
    inputs, index = np.zeros(n, dtype=np.int32), np.arange(n)
    keys = {p: item_keys(seed, p, inputs, index) for p in ("ties", "random", "borrow")}
    return build_stages(difficulty, tag_rows, phases, stages, pacing, order, keys)


pacings = st.builds(
    PacingSpec,
    function=st.sampled_from(sorted(PACING)),
    c0=st.floats(0, 0.9),
    start=st.floats(0.05, 1.0),
    factor=st.floats(1.1, 4.0),
    step=st.integers(1, 3),
)


@settings(max_examples=100, deadline=None)
@given(
    n_a=st.integers(0, 60),
    n_b=st.integers(1, 60),
    order=st.sampled_from(["curriculum", "anti", "random"]),
    pacing=pacings,
    stages=st.integers(1, 7),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_the_curriculum_is_a_permutation_of_its_input(n_a, n_b, order, pacing, stages, seed, data):
    n = n_a + n_b
    difficulty = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=n, max_size=n)))
    plan = _plan(n_a, n_b, difficulty, order, pacing, stages, seed)
    assert sorted(plan.rows.tolist()) == list(range(n))
    assert plan.stages == 2 * stages
    assert plan.stage_phase == [0] * stages + [1] * stages
    if order == "curriculum":  # stages never go down in difficulty inside a phase
        for j in range(2):
            members = [plan.stage(s) for s in range(plan.stages) if plan.stage_phase[s] == j]
            flat = np.concatenate(members)
            assert (np.diff(difficulty[flat]) >= 0).all()


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 80), stages=st.integers(1, 6), pacing=pacings, seed=st.integers(0, 1000))
def test_baselines_keep_the_stage_sizes(n, stages, pacing, seed):
    difficulty = np.random.default_rng(seed).random(n)
    sizes = {
        o: np.diff(_plan(n // 2, n - n // 2, difficulty, o, pacing, stages, seed).starts).tolist()
        for o in ("curriculum", "anti", "random")
    }
    assert sizes["curriculum"] == sizes["anti"] == sizes["random"]


def test_replay_makes_stages_cumulative():
    difficulty = np.linspace(0, 1, 20)
    plan = _plan(20, 1, np.append(difficulty, 0.5), "curriculum", PacingSpec(function="linear"), 4, 0, replay=True)
    first = [set(plan.stage(s).tolist()) for s in range(4)]
    assert [len(s) for s in first] == [5, 10, 15, 20]
    assert all(first[k] < first[k + 1] for k in range(3))
