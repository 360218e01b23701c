"""Measured claims over several seeds: run an experiment once per seed, keep the spread.

A comparison that depends on a random start, a data order or a split is run over
several seeds (at least five), and reported as the median with the range it spans::

    cost = bp.over_seeds(lambda seed: train_once(seed).final_cost, seeds=range(5))
    str(cost)                      # '0.0213 [0.0188, 0.0290]': median [lowest, highest]

Two settings are ranked only where their ranges do not overlap (``separated``); where
they do, the honest verdict is "no measurable difference here" (``verdict``).
Hyperparameters are chosen on one set of seeds (``TUNING_SEEDS``) and reported on
another (``REPORT_SEEDS``), so that a lucky seed does not choose and confirm itself.
"""
import math
from dataclasses import dataclass

#: Seeds on which a chapter picks its hyperparameters, and the disjoint ones it reports on.
TUNING_SEEDS = (100, 101, 102, 103, 104)
REPORT_SEEDS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Spread:
    """One measured number over several seeds: ``values[i]`` came from ``seeds[i]``."""
    values: tuple
    seeds: tuple

    @property
    def median(self):
        ordered = sorted(self.values)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    @property
    def low(self):
        return min(self.values)

    @property
    def high(self):
        return max(self.values)

    def __str__(self):
        return f"{self.median:.3g} [{self.low:.3g}, {self.high:.3g}]"

    def separated(self, other):
        """True when the two ranges do not overlap: only then is a ranking supported."""
        return self.high < other.low or other.high < self.low


def over_seeds(run, seeds=REPORT_SEEDS):
    """``run(seed)`` for each seed. It returns a number, giving a ``Spread``, or a dict of
    numbers, giving a dict of ``Spread``s (one run measures several things at once). A
    diverged run may return ``inf``; NaN is refused, with the seed that gave it."""
    seeds = tuple(seeds)
    if len(seeds) < 2:
        raise ValueError(f"over_seeds needs at least two seeds to show a spread, got {seeds!r}")
    results = [run(seed) for seed in seeds]
    if all(isinstance(r, dict) for r in results):
        keys = list(results[0])
        if any(list(r) != keys for r in results):
            raise ValueError("over_seeds: every run must return the same keys")
        return {k: _spread([r[k] for r in results], seeds) for k in keys}
    return _spread(results, seeds)


def _spread(values, seeds):
    for value, seed in zip(values, seeds):
        if not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"over_seeds: the run with seed {seed} gave {value!r}, not a number")
    return Spread(tuple(float(v) for v in values), seeds)


def verdict(spreads, lower_is_better=True):
    """A one-line verdict on ``{name: Spread}`` that says only what the spreads support:
    the best setting if its range lies clear of every other's, else no measurable
    difference among those whose ranges overlap the best one's."""
    if len(spreads) < 2:
        raise ValueError("verdict needs at least two settings to compare")
    key = (lambda item: item[1].median) if lower_is_better else (lambda item: -item[1].median)
    (best, spread), *rest = sorted(spreads.items(), key=key)
    tied = [name for name, other in rest if not spread.separated(other)]
    if not tied:
        return f"{best} is best on every seed's range"
    return f"no measurable difference here between {', '.join([best] + tied)}"
