"""The check of He initialization (Chapter 18): random weights, judged by what must hold of them.

An answer draws random numbers, so it cannot be compared with bpkit's draws number by
number: drawing a layer transposed, or the layers in another order, is just as right.
The check asks what every right answer satisfies instead:

- ``weights[l]`` has shape ``(n_out, n_in)`` and ``biases[l]`` shape ``(n_out,)``, all zero;
- the generator passed in is the only source of randomness: it is used (its state
  moves on), the same seed gives the same arrays, another seed other arrays. The
  results are copied as they come back, so an answer cannot hand the same array twice
  and change it in between; while grading, the same-seed and other-seed calls come in
  an order drawn at random, so an answer cannot tell them apart by counting its calls;
- no two rows and no two columns of a matrix are equal (independent entries);
- the entries of each matrix, pooled over more seeds when it has fewer than ``LARGE``,
  have mean 0, standard deviation √(2/n_in) and tails of a normal distribution
  (kurtosis 3), each within ``SE`` standard errors of its estimate (``HEAVY`` above 3
  for the kurtosis), and their distribution is within Kolmogorov–Smirnov distance
  ``KS``/√n of N(0, 2/n_in).

A right answer fails the moments by chance about once in 10¹⁴ matrices, and the
Kolmogorov–Smirnov test less than once in 10¹² (see ``KS``). The plausible mistakes
(2/n_in without the root, √(1/n_in), n_out in place of n_in, a uniform distribution)
miss by dozens of standard errors on the visible cases. A standard deviation off by a
percent or so (1.4/√n_in for √2/√n_in), or tails a little heavier than normal's (a
Student t with many degrees of freedom) still passes: no test of a thousand or fifty
thousand draws can tell those from N(0, 2/n_in) without failing right answers too.
"""
import math

from .compare import describe, labelled, original
from .harness import call, grading_rng, hidden_failure, refuse, report

NAME = "he_initialization"
#: How many standard errors a moment may be off, and how many entries a matrix needs
#: for its statistics to be judged (a smaller one is pooled with more seeds' draws).
SE, LARGE = 8.0, 1000
#: How many standard errors the kurtosis may be above 3. Its estimate has a long right tail:
#: one draw of 6σ among a thousand adds 8 standard errors (x⁴/√(24 n)); 30 needs one beyond
#: 8.2σ, which N(0, 1) gives once in 10¹⁶ draws. Below 3 its tail is short (−3.2 standard
#: errors at worst in 100,000 samples of 1,000), and ``SE`` holds there.
HEAVY = 30.0
#: √n times the Kolmogorov–Smirnov distance D between n draws and N(0, 2/n_in) above which
#: the entries fail. For right draws, P(√n·D > KS) ≤ 2·exp(−2·KS²) for every n (the
#: Dvoretzky–Kiefer–Wolfowitz inequality, with Massart's constant): 2·exp(−30.4) ≈ 1.2·10⁻¹³.
KS = 3.9
#: The other seed of each case is the case's seed plus this; the seeds that pool a small
#: matrix's draws are the case's seed plus multiples of ``POOL_STEP``.
OTHER, POOL_STEP = 1000, 10_000

#: (label, sizes, seed of the generator): the visible cases.
CASES = [
    ("sizes [3, 5, 2]", [3, 5, 2], 1),
    ("one layer of one weight, sizes [1, 1]", [1, 1], 2),
    ("three layers, sizes [4, 8, 8, 3]", [4, 8, 8, 3], 3),
    ("a wide input: W¹ is 100 × 400, 40,000 entries", [400, 100, 10], 4),
    ("a narrow input: W¹ is 1000 × 50, 50,000 entries", [50, 1000, 2], 5),
    ("two inputs: W¹ is 4000 × 2, 8,000 entries", [2, 4000, 3], 6),
]


def _generator(seed):
    """``np.random.default_rng(seed)`` as an argument: a fresh generator for each call,
    named that way in a failure message."""
    return labelled(lambda: original.default_rng(seed), f"np.random.default_rng({seed})")


def _shapes(result, sizes, what):
    """Copies of the weights and biases of ``result`` as float arrays, or (None, a problem).
    Copies: what the answer keeps of an array it returned cannot change it afterwards."""
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
                value = original.asarray(value, dtype=original.float64).copy()
            except (TypeError, ValueError):
                return None, f"{name}[{l}] should be an array of numbers, got {describe(value)}"
            if value.shape != shape:
                return None, f"{name}[{l}] should have shape {shape}, got shape {value.shape}"
            if not original.isfinite(value).all():
                return None, f"{name}[{l}] contains nan or inf"
            arrays.append(value)
    return (arrays[:layers], arrays[layers:]), None


def _weights(he_initialization, sizes, seed):
    """The weights of one call with a fresh ``default_rng(seed)``, or (None, a problem):
    shapes, zero biases, and a generator whose state has moved on."""
    rng = original.default_rng(seed)
    result, error = call(he_initialization, list(sizes), rng)
    if error:
        return None, error
    if rng.bit_generator.state == original.default_rng(seed).bit_generator.state:
        return None, ("the generator rng passed in was not used: draw every number from rng "
                      "(rng.normal or rng.standard_normal), never from np.random")
    arrays, problem = _shapes(result, sizes, f"the result with np.random.default_rng({seed})")
    if problem:
        return None, problem
    weights, biases = arrays
    for l, b in enumerate(biases):
        if b.any():
            return None, f"biases[{l}] should be zeros"
    return weights, None


def _repeated(W, l):
    """What is repeated in W (two equal rows or two equal columns), or None. Rows (columns)
    of one entry are not compared: two equal draws, though unlikely, are not a mistake."""
    for what, lines, length in (("rows", W, W.shape[1]), ("columns", W.T, W.shape[0])):
        if length > 1 and len({line.tobytes() for line in lines}) < len(lines):
            return (f"weights[{l}] has two equal {what}: draw every entry independently, "
                    f"e.g. rng.normal(0, std, size=(n_out, n_in))")
    return None


def _kolmogorov_smirnov(values, std):
    """sup_x |F_n(x) − Φ(x/std)|: the largest gap between the empirical distribution of
    ``values`` (sorted, a flat array) and that of N(0, std²), at the steps of F_n."""
    n = values.size
    scaled = (values / (std * math.sqrt(2.0))).tolist()
    phi = 0.5 * (1.0 + original.asarray(list(map(math.erf, scaled))))
    below = original.asarray(range(n)) / n          # F_n just before each step, i/n
    return float(max((below + 1.0 / n - phi).max(), (phi - below).max()))


def _statistics(values, n_in, where):
    """None if ``values`` (a flat array) look drawn from N(0, 2/n_in), else what is off."""
    n = values.size
    std = math.sqrt(2.0 / n_in)
    mean = float(values.mean())
    spread = float(values.std())
    if abs(mean) > SE * std / math.sqrt(n):
        return f"{where}: the mean of its entries is {mean:.4g}, expected 0"
    if abs(spread / std - 1) > SE / math.sqrt(2 * n):
        return (f"{where}: its entries have standard deviation {spread:.4g}, expected "
                f"√(2/n_in) = √(2/{n_in}) = {std:.4g} (± {SE * std / math.sqrt(2 * n):.2g})")
    kurtosis = float(((values - mean) ** 4).mean() / spread ** 4)
    if not -SE < (kurtosis - 3) / math.sqrt(24 / n) < HEAVY:
        return (f"{where}: its entries are not normally distributed (kurtosis {kurtosis:.3g}; "
                "a normal distribution has 3): draw them with rng.normal or rng.standard_normal")
    ordered = values.copy()
    ordered.sort()
    gap = _kolmogorov_smirnov(ordered, std)
    if gap * math.sqrt(n) > KS:
        return (f"{where}: its entries are not distributed as N(0, 2/n_in) (their distribution "
                f"is {gap:.3g} away from it, a right answer's at most {KS / math.sqrt(n):.2g}): "
                "draw them with rng.normal or rng.standard_normal")
    return None


def _problem(he_initialization, sizes, seed, order=None):
    """None if the answer passes every test on ``sizes`` with generators of ``seed``,
    else the first problem (an exception the answer raised is one). ``order``: a
    generator that shuffles the calls of the same seed and of the other."""
    seeds = [seed, seed, seed + OTHER]
    if order is not None:
        seeds = [seeds[i] for i in order.permutation(3)]
    runs = []
    for s in seeds:
        weights, problem = _weights(he_initialization, sizes, s)
        if problem:
            return problem
        runs.append((s, weights))
    (_, weights), (_, again) = [run for run in runs if run[0] == seed]
    other = next(w for s, w in runs if s != seed)
    if any(not original.array_equal(a, b) for a, b in zip(weights, again)):
        return (f"two calls with np.random.default_rng({seed}) gave different weights: draw "
                "every number from rng, the generator passed in")
    if all(original.array_equal(a, b) for a, b in zip(weights, other)):
        return (f"np.random.default_rng({seed}) and np.random.default_rng({seed + OTHER}) gave "
                "the same weights: draw them from rng, not from a generator of your own")
    for l, W in enumerate(weights):
        problem = _repeated(W, l)
        if problem:
            return problem
    # Each matrix's draws, with the other seed's and, for a small one, more seeds' until
    # it has LARGE entries: small layers are judged like large ones.
    pools = [[W, w] for W, w in zip(weights, other)]
    calls = max(-(-LARGE // W.size) for W in weights)
    for extra in range(1, calls - 1):
        more, problem = _weights(he_initialization, sizes, seed + POOL_STEP * extra)
        if problem:
            return problem
        for pool, W in zip(pools, more):
            if pool[0].size < LARGE:
                pool.append(W)
    for l, (pool, n_in) in enumerate(zip(pools, sizes)):
        W = pool[0]
        where = f"weights[{l}] ({W.shape[0]} × {W.shape[1]})"
        if W.size < LARGE:
            where = f"weights[{l}] ({W.shape[0]} × {W.shape[1]}, {len(pool)} seeds' draws)"
            values = original.asarray([w.ravel() for w in pool]).ravel()
        else:
            values = W.ravel()
        problem = _statistics(values, n_in, where)
        if problem:
            return problem
    return None


def check_he_initialization(he_initialization):
    """He initialization: W^l ~ N(0, 2/n_{l-1}) of shape (n_l, n_{l-1}) from the generator
    passed in, b^l = 0. Each case runs the answer three times: twice with the same seed
    and once with another (more for small matrices); then shapes, zeros, the use of rng,
    reproducibility, independent rows and columns, and the mean, spread, tails and
    distribution of the entries. While grading, more networks of random sizes, each
    with a large layer whose n_in and n_out differ at least twofold, with the calls of
    each in an order drawn at random."""
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
            if _problem(he_initialization, sizes, int(rng.integers(10**6)), order=rng):
                hidden_failure(NAME)


def _grading_sizes(rng):
    """Two small networks of random sizes, and one [a, b, c] with b at most half of a and
    of c: W¹ (b × a) and W² (c × b) each have at least 8,000 entries, and n_out instead of
    n_in would change their standard deviation by a factor of √2 or more."""
    small = [[int(rng.integers(1, 7)) for _ in range(int(rng.integers(2, 5)))] for _ in range(2)]
    a, c = int(rng.integers(200, 500)), int(rng.integers(200, 500))
    return small + [[a, int(rng.integers(40, 100)), c]]
