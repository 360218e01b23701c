"""The checks of backprop over a batch (Chapter 5), one gradient-descent update and an
epoch of mini-batch gradient descent (Chapters 3 and 6)."""
import numpy as np

from ... import activations, descent
from ...backprop import backprop as reference_backprop
from ...network import Network
from .compare import close, original
from .harness import Case, call, check, grading_rng, hidden_failure, refuse, report, \
    standing_in
from .inputs import named, network_case, pattern, seed_from, size_from

NETWORK_CASES = [
    ("network [2, 3, 1], batch of 4", [2, 3, 1], 4, 1, 1.0),
    ("network [3, 5, 4, 2], batch of 6", [3, 5, 4, 2], 6, 2, 1.0),
    ("network [2, 4, 3], a batch of one", [2, 4, 3], 1, 3, 1.0),
    ("network [3, 2], no hidden layer", [3, 2], 5, 4, 1.0),
    ("network [2, 3, 2] with large weights (saturated units)", [2, 3, 2], 3, 5, 8.0),
]


def check_backprop(backprop):
    """The gradient of the mean quadratic cost for every weight and bias of a sigmoid network."""
    def case(label, sizes, n, seed, scale):
        net, X, Y = network_case(sizes, n, seed, scale)
        return Case(label, {"net": net, "X": X, "Y": Y}, reference_backprop(net, X, Y))

    def hidden(rng):
        sizes = [[size_from(rng, 6) for _ in range(1 + size_from(rng, 4))] for _ in range(3)]
        return [case("", s, size_from(rng, 8), seed_from(rng), 1.0) for s in sizes]

    check("backprop", backprop, [case(*c) for c in NETWORK_CASES], hidden=hidden,
          compare=named(("grad_w", "grad_b"), lists=True), allowed=("Network",),
          given={"sigmoid_prime": activations.sigmoid_prime})


def check_update_mini_batch(update_mini_batch):
    """θ ← θ − η ∇_θ C on one mini-batch, changing the network's parameters in place."""
    def parameters_after(net, X, Y, learning_rate):
        update_mini_batch(net, X, Y, learning_rate)
        return net.weights, net.biases

    def case(label, sizes, n, seed, learning_rate):
        net, X, Y = network_case(sizes, n, seed)
        reference = net.copy()
        descent.update_mini_batch(reference, X, Y, learning_rate)
        return Case(label, {"net": net, "X": X, "Y": Y, "learning_rate": learning_rate},
                    (reference.weights, reference.biases))

    cases = [
        case("network [2, 3, 1], batch of 4, η = 0.5", [2, 3, 1], 4, 1, 0.5),
        case("a batch of one, η = 1", [2, 3, 1], 1, 2, 1.0),
        case("network [3, 4, 2], batch of 5, η = 3", [3, 4, 2], 5, 3, 3.0),
        case("network [2, 2, 2], square layers, η = 0.1", [2, 2, 2], 3, 4, 0.1),
    ]

    def hidden(rng):    # other networks, batches and rates: a table of the visible results fails
        return [case("", [size_from(rng, 5) for _ in range(2 + size_from(rng, 3))],
                     size_from(rng, 8), seed_from(rng), float(rng.uniform(0.05, 3.0)))
                for _ in range(3)]
    check("update_mini_batch", parameters_after, cases, hidden=hidden, may_change=("net",),
          answer=update_mini_batch, compare=named(("weights", "biases"), lists=True),
          allowed=("Network",), given={"backprop": reference_backprop})


class _Spy:
    """Stands in for the student's ``update_mini_batch`` while ``train_epoch`` runs: records
    which examples each mini-batch holds, then applies bpkit's update, so that a mistake
    in the update exercise is not counted again here. What it records is private (``_``):
    the answer holds the spy, and the policy keeps answers off such attributes."""

    def __init__(self):
        self._batches, self._problems, self._learning_rate = [], [], None

    def __call__(self, net, X, Y, learning_rate):
        X, Y = original.asarray(X), original.asarray(Y)
        rows = [int(round(x)) for x in X[:, 0]]
        if not original.allclose(Y[:, 0], original.asarray(rows) / 100.0):
            self._problems.append("the rows of X and Y in a mini-batch do not belong together")
        self._batches.append(rows)
        self._learning_rate = learning_rate
        descent.update_mini_batch(net, X, Y, learning_rate)


def _epoch(train_epoch, n, batch_size, seed, learning_rate=0.5):
    """Run the answer's epoch on n numbered examples, with ``default_rng(seed)`` as its
    generator: (the batches it made, a problem or None)."""
    X = np.column_stack([np.arange(n, dtype=float), pattern((n,), 1)])
    Y = (np.arange(n, dtype=float) / 100.0).reshape(-1, 1)
    net = Network([2, 3, 1], seed=seed)
    start = net.copy()
    spy = _Spy()
    rng = original.default_rng(seed)
    with standing_in(train_epoch, "update_mini_batch", spy):
        _, error = call(train_epoch, net, X, Y, learning_rate, batch_size, rng)
    batches = [list(rows) for rows in spy._batches]
    for rows in batches:              # replay the answer's order with bpkit's update
        descent.update_mini_batch(start, X[rows], Y[rows], learning_rate)
    problem = error or (spy._problems[0] if spy._problems else None)
    if problem is None and not batches:
        problem = "never called update_mini_batch"
    elif problem is None and spy._learning_rate != learning_rate:
        problem = f"update_mini_batch got learning rate {spy._learning_rate}, not {learning_rate}"
    elif problem is None and close(start.weights + start.biases, net.weights + net.biases):
        problem = "the network's weights after the epoch are not those of its updates"
    return batches, problem


def _drawn_orders(n, seed):
    """The orders of 0..n-1 a fresh ``default_rng(seed)`` gives the ways the notebook and
    numpy's documentation draw a permutation: ``rng.permutation(n)`` (the same as
    ``rng.shuffle`` or ``rng.permuted`` of ``np.arange(n)``, and as bpkit's
    ``descent.mini_batches``) and ``rng.choice(n, n, replace=False)``."""
    return [list(original.default_rng(seed).permutation(n)),
            list(original.default_rng(seed).choice(n, n, replace=False))]


def _batch_problem(batches, n, batch_size, seed):
    """None if ``batches`` are those of one epoch, in an order drawn from the epoch's
    generator: each example exactly once, batches of ``batch_size`` (the last one may be
    smaller), holding the examples of consecutive pieces of that order."""
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sorted(sum(batches, [])) != list(range(n)):
        return f"the mini-batches {batches} do not hold every example exactly once"
    if [len(b) for b in batches] != expected:
        return f"mini-batch sizes {[len(b) for b in batches]}, expected {expected}"
    cut = [[sorted(int(i) for i in order[k:k + batch_size]) for k in range(0, n, batch_size)]
           for order in _drawn_orders(n, seed)]
    if [sorted(b) for b in batches] not in cut:
        order = [int(i) for i in _drawn_orders(n, seed)[0]]
        return (f"the mini-batches {batches} are not pieces of an order drawn from rng: "
                f"with rng.permutation(n) this epoch visits {order}; draw one order per "
                "epoch from rng and cut it into consecutive mini-batches")
    return None


def check_train_epoch(train_epoch):
    """One epoch of mini-batch GD: a fresh shuffle from ``rng``, then one update per mini-batch.

    Each case runs the answer on numbered examples with ``update_mini_batch`` replaced by
    a spy, and checks properties rather than values: every example once, in mini-batches
    of the right size, cut from the order ``rng`` gives (a rotation of the examples or a
    fixed permutation is not that order); the same seed gives the same order, another
    seed another. While grading, more epochs of random sizes, batch sizes and seeds.
    """
    refuse("train_epoch", train_epoch, allowed=("Network", "backprop"))
    sizes = [(8, 3), (6, 2), (5, 5), (4, 1)]
    failures, items = [], []
    for n, batch_size in sizes:
        label = f"{n} examples, batches of {batch_size}"
        batches, problem = _epoch(train_epoch, n, batch_size, seed=n)
        problem = problem or _batch_problem(batches, n, batch_size, seed=n)
        expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        failures += [(label, {}, problem)] if problem else []
        items.append((label, expected))
    if len(failures) == len(sizes):            # nothing works yet: skip the order checks
        report("train_epoch", len(sizes), failures, items, errors=[p for _, _, p in failures])
    first, again, other = (_epoch(train_epoch, 8, 2, seed=s)[0] for s in (0, 0, 1))
    order_checks = [
        ("the order is shuffled", first and sum(first, []) == list(range(8)),
         "the examples were visited in their stored order 0, 1, …, 7: shuffle them first"),
        ("the same rng seed gives the same order", first != again,
         "two epochs with the same seed gave different orders: draw the order from rng"),
        ("another seed gives another order", first == other,
         "seeds 0 and 1 gave the same order: draw the order from rng, not a fixed one"),
    ]
    for label, failed, why in order_checks:
        failures += [(label, {}, why)] if failed else []
        items.append((label, None))
    report("train_epoch", len(items), failures, items)
    rng = grading_rng()
    if rng is not None:
        for _ in range(3):
            n = int(rng.integers(5, 13))
            batch_size, seed = int(rng.integers(1, n)), seed_from(rng)
            batches, problem = _epoch(train_epoch, n, batch_size, seed)
            if problem or _batch_problem(batches, n, batch_size, seed):
                hidden_failure("train_epoch")
