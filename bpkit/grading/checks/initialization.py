"""The check of He initialization (Chapter 18): random weights, judged by what must hold of them.

An answer draws random numbers, so it cannot be compared with bpkit's draws number by
number: drawing a layer transposed, or the layers in another order, is just as right.
The check asks what every right answer satisfies instead:

- ``weights[l]`` has shape ``(n_out, n_in)`` and ``biases[l]`` shape ``(n_out,)``, all zero;
- the generator passed in is the only source of randomness: the same seed gives the
  same arrays, another seed other arrays;
- on a matrix of at least ``LARGE`` entries, the entries have mean 0, standard deviation
  √(2/n_in) and the tails of a normal distribution (kurtosis 3), each within ``SE``
  standard errors of its estimate. A right answer fails that by chance about once in
  10¹⁴ matrices; the plausible mistakes (2/n_in without the root, √(1/n_in), n_out in
  place of n_in, a uniform distribution) miss by dozens of standard errors on the
  visible cases.
"""
import math

from .compare import describe, labelled, original
from .harness import call, grading_rng, hidden_failure, refuse, report

NAME = "he_initialization"
#: How many standard errors an estimate may be off, and how many entries a matrix needs
#: for its statistics to be judged.
SE, LARGE = 8.0, 1000

#: (label, sizes, seed of the generator): the visible cases.
CASES = [
    ("sizes [3, 5, 2]", [3, 5, 2], 1),
    ("one layer of one weight, sizes [1, 1]", [1, 1], 2),
    ("three layers, sizes [4, 8, 8, 3]", [4, 8, 8, 3], 3),
    ("a wide input: W¹ is 100 × 400, 40,000 entries", [400, 100, 10], 4),
    ("a narrow input: W¹ is 1000 × 50, 50,000 entries", [50, 1000, 2], 5),
]


def _generator(seed):
    """``np.random.default_rng(seed)`` as an argument: a fresh generator for each call,
    named that way in a failure message."""
    return labelled(lambda: original.default_rng(seed), f"np.random.default_rng({seed})")


def _shapes(result, sizes, what):
    """The weights and biases of ``result`` as float arrays, or (None, a problem)."""
    if result is None:
        return None, f"{NAME} returned None: does it end with `return weights, biases`?"
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return None, f"{what} should be a pair (weights, biases), got {describe(result)}"
    layers = len(sizes) - 1
    arrays = []
    for name, group, shapes in (("weights", result[0], [(o, i) for i, o in zip(sizes, sizes[1:])]),
                                ("biases", result[1], [(o,) for o in sizes[1:]])):
        if not isinstance(group, (tuple, list)) or len(group) != layers:
            return None, f"{name} should be a list of {layers} arrays, one per layer, " \
                         f"got {describe(group)}"
        for l, (value, shape) in enumerate(zip(group, shapes)):
            try:
                value = original.asarray(value, dtype=original.float64)
            except (TypeError, ValueError):
                return None, f"{name}[{l}] should be an array of numbers, got {describe(value)}"
            if value.shape != shape:
                return None, f"{name}[{l}] should have shape {shape}, got shape {value.shape}"
            if not original.isfinite(value).all():
                return None, f"{name}[{l}] contains nan or inf"
            arrays.append(value)
    return (arrays[:layers], arrays[layers:]), None


def _statistics(W, n_in, l):
    """None if the entries of W look drawn from N(0, 2/n_in), else what is off."""
    n = W.size
    std = math.sqrt(2.0 / n_in)
    values = W.ravel()
    mean = float(values.mean())
    spread = float(values.std())
    where = f"weights[{l}] ({W.shape[0]} × {W.shape[1]})"
    if abs(mean) > SE * std / math.sqrt(n):
        return f"{where}: the mean of its entries is {mean:.4g}, expected 0"
    if abs(spread / std - 1) > SE / math.sqrt(2 * n):
        return (f"{where}: its entries have standard deviation {spread:.4g}, expected "
                f"√(2/n_in) = √(2/{n_in}) = {std:.4g} (± {SE * std / math.sqrt(2 * n):.2g})")
    kurtosis = float(((values - mean) ** 4).mean() / spread ** 4)
    if abs(kurtosis - 3) > SE * math.sqrt(24 / n):
        return (f"{where}: its entries are not normally distributed (kurtosis {kurtosis:.3g}; "
                "a normal distribution has 3): draw them with rng.normal or rng.standard_normal")
    return None


def _problem(he_initialization, sizes, seed):
    """None if the answer passes every test on ``sizes`` with generators of ``seed``,
    else the first problem (an exception the answer raised is one)."""
    first, error = call(he_initialization, list(sizes), original.default_rng(seed))
    if error:
        return error
    arrays, problem = _shapes(first, sizes, "the result")
    if problem:
        return problem
    weights, biases = arrays
    for l, b in enumerate(biases):
        if b.any():
            return f"biases[{l}] should be zeros"
    again, problem = _again(he_initialization, sizes, seed)
    if problem:
        return problem
    if any(not original.array_equal(a, b) for a, b in zip(weights, again)):
        return (f"two calls with np.random.default_rng({seed}) gave different weights: draw "
                "every number from rng, the generator passed in")
    other, problem = _again(he_initialization, sizes, seed + 1000)
    if problem:
        return problem
    if all(original.array_equal(a, b) for a, b in zip(weights, other)):
        return (f"np.random.default_rng({seed}) and np.random.default_rng({seed + 1000}) gave "
                "the same weights: draw them from rng, not from a generator of your own")
    for l, (W, n_in) in enumerate(zip(weights, sizes)):
        if W.size >= LARGE:
            problem = _statistics(W, n_in, l)
            if problem:
                return problem
    return None


def _again(he_initialization, sizes, seed):
    """The weights of one more call, with a fresh ``default_rng(seed)``, or (None, a problem)."""
    result, error = call(he_initialization, list(sizes), original.default_rng(seed))
    if error:
        return None, error
    arrays, problem = _shapes(result, sizes, f"the result with np.random.default_rng({seed})")
    return (None, problem) if problem else (arrays[0], None)


def check_he_initialization(he_initialization):
    """He initialization: W^l ~ N(0, 2/n_{l-1}) of shape (n_l, n_{l-1}) from the generator
    passed in, b^l = 0. Each case runs the answer three times: twice with the same seed
    and once with another; then shapes, zeros, reproducibility and, on large matrices,
    the mean, spread and tails of the entries. While grading, more networks of random
    sizes, each with a large layer whose n_in and n_out differ at least twofold."""
    refuse(NAME, he_initialization)
    failures, items, errors = [], [], []
    for label, sizes, seed in CASES:
        problem = _problem(he_initialization, sizes, seed)
        generator = _generator(seed)
        if problem:
            failures.append((label, {"sizes": sizes, "rng": generator}, problem))
            errors.append(problem if problem.startswith("raised") else None)
        # What a right answer must give, for the digest: shapes and standard deviations.
        items.append((label, [[o, i, math.sqrt(2.0 / i)] for i, o in zip(sizes, sizes[1:])]))
    report(NAME, len(CASES), failures, items, errors=errors)
    rng = grading_rng()
    if rng is not None:
        for sizes in _grading_sizes(rng):
            if _problem(he_initialization, sizes, int(rng.integers(10**6))):
                hidden_failure(NAME)


def _grading_sizes(rng):
    """Two small networks of random sizes, and one [a, b, c] with b at most half of a and
    of c: W¹ (b × a) and W² (c × b) each have at least 8,000 entries, and n_out instead of
    n_in would change their standard deviation by a factor of √2 or more."""
    small = [[int(rng.integers(1, 7)) for _ in range(int(rng.integers(2, 5)))] for _ in range(2)]
    a, c = int(rng.integers(200, 500)), int(rng.integers(200, 500))
    return small + [[a, int(rng.integers(40, 100)), c]]
