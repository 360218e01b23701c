"""Claims over seeds: the spread is the one the runs gave, and verdicts say only what it supports."""
import math

import numpy as np
import pytest

import bpkit as bp
from bpkit.seeds import REPORT_SEEDS, TUNING_SEEDS, Spread, over_seeds, verdict


def test_a_spread_holds_every_run_and_its_median_and_range():
    spread = over_seeds(lambda seed: float(np.random.default_rng(seed).normal()), seeds=range(5))
    expected = [float(np.random.default_rng(s).normal()) for s in range(5)]
    assert spread.values == tuple(expected) and spread.seeds == (0, 1, 2, 3, 4)
    assert spread.median == sorted(expected)[2]
    assert (spread.low, spread.high) == (min(expected), max(expected))
    assert str(Spread((1.0, 3.0, 2.0, 10.0), (0, 1, 2, 3))) == "2.5 [1, 10]"


def test_several_measures_at_once_and_bad_runs_refused():
    both = over_seeds(lambda s: {"cost": s * 1.0, "accuracy": 1.0 - s / 10}, seeds=(1, 2, 3))
    assert both["cost"].median == 2.0 and both["accuracy"].low == 0.7
    assert over_seeds(lambda s: math.inf if s == 2 else 1.0, seeds=(1, 2, 3)).high == math.inf
    with pytest.raises(ValueError, match="seed 2 gave nan"):
        over_seeds(lambda s: math.nan if s == 2 else 1.0, seeds=(1, 2, 3))
    with pytest.raises(ValueError, match="at least two seeds"):
        over_seeds(lambda s: 1.0, seeds=(0,))


def test_a_ranking_only_where_the_ranges_separate():
    a, b = Spread((1.0, 1.1, 1.2), (0, 1, 2)), Spread((2.0, 2.5, 3.0), (0, 1, 2))
    c = Spread((1.15, 2.2, 2.4), (0, 1, 2))
    assert a.separated(b) and not a.separated(c)
    assert verdict({"adam": a, "sgd": b}) == "adam is best on every seed's range"
    assert verdict({"adam": a, "sgd": b, "momentum": c}) == \
        "no measurable difference here between adam, momentum"
    assert verdict({"adam": a, "sgd": b}, lower_is_better=False) == \
        "sgd is best on every seed's range"


def test_tuning_and_reporting_seeds_are_disjoint():
    assert len(REPORT_SEEDS) >= 5 and not set(TUNING_SEEDS) & set(REPORT_SEEDS)


def test_a_real_training_comparison_over_seeds(xor_data):
    X, Y = xor_data

    def final_cost(learning_rate):
        return lambda seed: bp.train(bp.Network([2, 4, 1], seed=seed), X, Y, learning_rate,
                                     batch_size=8, epochs=30, seed=seed).final_cost
    slow, fast = over_seeds(final_cost(0.01)), over_seeds(final_cost(3.0))
    assert slow.separated(fast) and fast.median < slow.median      # η = 3 learns, η = 0.01 barely
