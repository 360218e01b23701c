"""Gradient descent: on any function, and on a network in its three variants.

One loop serves all three variants of training a network; ``batch_size`` is
the only difference:

    batch_size = n        batch GD       1 update per epoch, the exact gradient
    batch_size = 1        stochastic GD  n updates per epoch, one example each
    1 < batch_size < n    mini-batch GD  ⌈n / batch_size⌉ updates per epoch

Each update is θ ← θ − η ∇_θ C on the mini-batch (or the rule of another
optimizer, see ``bpkit.optimizers``).
"""
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_nonnegative, check_positive, check_same_rows
from .activations import ACTIVATIONS
from .backprop import backprop
from .costs import get_cost
from .engines import make_engine
from .optimizers import make_optimizer


@dataclass
class History:
    """What happened during ``train``, ready to plot.

    ``cost[0]`` is the training cost before the first update and ``cost[e]``
    the cost after epoch e, on the whole training set (with
    ``train(..., exact_cost=False)``: the mean of the epoch's mini-batch costs,
    each taken just before its update, as most libraries report it). ``val_cost`` is the
    same on the validation set, if one was given. ``update_cost`` holds the
    cost of each mini-batch just before its update (when ``record_updates``).
    ``time[e]`` is the wall time in seconds from the start to the end of epoch e.
    ``engine`` names what did the updates (see ``bpkit.engines``).
    ``stalled`` says the run stopped learning with saturated units (see ``stalled``);
    ``saturated`` then holds each layer's share of saturated units.
    """
    learning_rate: float
    batch_size: int
    optimizer: str
    updates_per_epoch: int
    engine: str = None
    cost: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    update_cost: list = field(default_factory=list)
    time: list = field(default_factory=list)
    updates: int = 0
    diverged: bool = False
    diverged_epoch: int = None
    stopped_early: bool = False
    best_epoch: int = None
    stalled: bool = False
    saturated: list = field(default_factory=list)

    @property
    def epochs(self):
        """How many epochs ran to the end."""
        return len(self.cost) - 1

    @property
    def final_cost(self):
        """The cost after the last epoch, or ∞ if the run diverged.

        ``cost`` keeps only finite values, so its last entry of a diverged run
        is the cost before the epoch that blew up: not where the run ended.
        """
        return math.inf if self.diverged else self.cost[-1]

    @property
    def status(self):
        """One line for a reader: converged cost, or where it diverged."""
        if self.diverged:
            return (f"diverged in epoch {self.diverged_epoch} "
                    f"(learning rate {self.learning_rate:g}): the cost became inf or NaN")
        stop = f", stopped early (best epoch {self.best_epoch})" if self.stopped_early else ""
        run = f"cost {self.cost[0]:.4g} -> {self.cost[-1]:.4g} in {self.epochs} epochs{stop}"
        if self.stalled:
            layer = max(range(len(self.saturated)), key=lambda l: self.saturated[l] or 0)
            return (f"stalled: {run}, flat at the end with {self.saturated[layer]:.0%} of "
                    f"layer {layer + 1}'s units saturated (σ′ ≈ 0)")
        return run

    def __repr__(self):
        return (f"History({self.optimizer}, learning_rate={self.learning_rate:g}, "
                f"batch_size={self.batch_size}: {self.status})")


def gradient_descent(grad, x0, learning_rate, steps, optimizer="sgd", **options):
    """Minimise any differentiable function from its gradient ``grad(x)``.

    ``x0``: the starting point, shape ``(d,)``. Returns the path, shape
    ``(k + 1, d)`` with ``path[0] = x0``; it is cut short (k < steps) if x
    becomes inf or NaN: the run diverged, and the last row is the last finite
    point. No network and no backpropagation: this is the optimizer alone.
    """
    steps = check_int("steps", steps, 0)
    x = np.array(x0, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    opt = make_optimizer(optimizer, learning_rate, **options)
    path = [x.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = np.asarray(grad(x), dtype=np.float64)
            if g.size != x.size:
                raise ValueError(f"grad(x) must return an array shaped like x, {x.shape}, got "
                                 f"shape {g.shape}")
            g = g.reshape(x.shape)
            opt.step([x], [g])
            if not np.all(np.isfinite(x)):
                break
            path.append(x.copy())
    return np.array(path)


def mini_batches(n, batch_size, rng):
    """Index arrays of the mini-batches of one epoch: a fresh random order of 0..n-1, cut
    into pieces of ``batch_size`` (the last one may be smaller).

    ``rng`` is a ``numpy.random.Generator``; the data themselves are not shuffled in place.
    """
    return list(cut(epoch_order(n, batch_size, rng), batch_size))


def epoch_order(n, batch_size, rng):
    """The order in which one epoch visits the n examples: a fresh permutation of 0..n-1,
    or 0..n-1 itself at full batch (one batch of every example: its order does not matter,
    so nothing is drawn from ``rng``)."""
    return rng.permutation(n) if batch_size < n else np.arange(n)


def cut(order, batch_size):
    """``order`` (any sequence, e.g. row indices) in consecutive pieces of ``batch_size``,
    the last one possibly smaller: the mini-batches, one after the other."""
    return (order[i:i + batch_size] for i in range(0, len(order), batch_size))


def update_mini_batch(net, X, Y, learning_rate):
    """One step of plain gradient descent on the mini-batch (X, Y): θ ← θ − η ∇_θ C.

    Changes ``net``'s weights and biases in place.
    """
    learning_rate = check_positive("learning_rate", learning_rate)
    grad_w, grad_b = backprop(net, X, Y)
    for W, b, gW, gb in zip(net.weights, net.biases, grad_w, grad_b):
        W -= learning_rate * gW
        b -= learning_rate * gb


def train(net, X, Y, learning_rate, batch_size=None, epochs=10, seed=None,
          optimizer="sgd", schedule=None, l2=0.0, l1=0.0, X_val=None, Y_val=None,
          patience=None, record_updates=False, exact_cost=True, engine=None, **optimizer_options):
    """Train ``net`` in place by gradient descent, θ ← θ − η ∇_θ C_B per mini-batch B of (X, Y).

    Returns a ``History``. X ``(n, n_0)``, Y ``(n, n_L)``. ``batch_size`` (default n) picks batch, stochastic or
    mini-batch GD; ``seed`` fixes the order of examples: an int, or a numpy ``Generator``,
    which is used and advanced (so a run trained in pieces, one ``train`` call after another
    with the same generator, shuffles as one call over all their epochs would). ``optimizer`` names one of
    ``bpkit.OPTIMIZERS`` and takes its options (``momentum=0.9``); ``schedule(epoch)`` gives
    each epoch's learning rate. ``l2``/``l1`` add (λ/2)‖W‖² or λ‖W‖₁ to the cost (weights
    only). With ``X_val``/``Y_val`` and ``patience``, training stops once the validation
    cost has not improved for that many epochs, and the best weights come back.

    After each epoch the history gets the cost on the whole training set (one more forward
    pass), or with ``exact_cost=False`` the mean of the epoch's mini-batch costs, each taken
    by its update's own forward pass, as scikit-learn reports it (at full batch both are
    exact). A cost that becomes inf or NaN stops the run: ``history.diverged``. The updates
    are done by an ``engine`` ("reference", "numpy" or "compiled"; by default the fastest
    that applies, see ``bpkit.engines``), which ``history.engine`` names.
    """
    X, Y, batch_size, validation = _check_train(net, X, Y, batch_size, epochs, learning_rate,
                                                l2, l1, X_val, Y_val, patience)
    n = len(X)
    opt = make_optimizer(optimizer, learning_rate, **optimizer_options)
    engine = make_engine(engine, net, opt, l2, l1, batch_size, n)
    rng = np.random.default_rng(seed)
    history = History(opt.learning_rate, batch_size, optimizer, math.ceil(n / batch_size), engine.name)
    record = record_updates or (not exact_cost and batch_size < n)
    start = time.perf_counter()
    # A diverging run overflows; that is reported in the history, not as a wall of numpy warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history.cost.append(engine.cost(X, Y) + penalty(net.weights, l2, l1))
        history.time.append(0.0)
        validation.record(history, 0)
        for epoch in range(1, epochs + 1):
            if schedule is not None:
                opt.learning_rate = check_positive(f"schedule({epoch - 1})", schedule(epoch - 1))
            order = epoch_order(n, batch_size, rng)
            batch_costs = engine.epoch(X, Y, order, batch_size, record)   # an update per mini-batch
            history.updates += history.updates_per_epoch
            if record_updates:
                history.update_cost.extend(batch_costs)
            if exact_cost or batch_size == n:
                cost = engine.cost(X, Y) + penalty(net.weights, l2, l1)
            else:
                cost = _mean_batch_cost(batch_costs, batch_size, n) + penalty(net.weights, l2, l1)
            if not math.isfinite(cost) or not all(np.all(np.isfinite(W)) for W in net.weights):
                history.diverged, history.diverged_epoch = True, epoch
                break
            history.cost.append(cost)
            history.time.append(time.perf_counter() - start)
            if validation.record(history, epoch):
                history.stopped_early = True
                break
    validation.finish(history)
    if stalled(history):
        history.saturated = saturation(net, X)
        history.stalled = max((s for s in history.saturated if s is not None), default=0) >= 0.9
    return history


def stalled(history, flat=1e-6):
    """Whether the cost stopped moving without getting anywhere: the first half of the test
    for a stalled run (the second: ``saturation``).

    True when the run did not diverge, its cost changed by less than ``flat`` (relatively) over
    its last fifth of epochs (at least 2), and it ended above half its starting cost. A run
    that converged also ends flat, but low.
    """
    k = max(2, history.epochs // 5)
    if history.diverged or history.epochs < 3 or history.cost[-1] < 0.5 * history.cost[0]:
        return False
    last = np.asarray(history.cost[-k - 1:])
    return bool(np.ptp(last) <= flat * max(abs(last[-1]), 1e-300))


def saturation(net, X, tiny=1e-3):
    """Each layer's share of saturated units over the examples X ``(n, n_0)``: of the n × n_l
    pairs (example, unit), those where σ′(z) < ``tiny`` × σ′'s largest value.

    A saturated unit passes almost no gradient back (BP2 multiplies by σ′(zˡ)), and its
    weights almost none (BP3, BP4): a learning rate so large that one step sends every z
    far from 0 can stop learning this way, with sigmoids and tanh at their flat ends or
    ReLUs dead. A layer without an elementwise activation (softmax) gives None.
    """
    zs, _ = net._forward(np.asarray(X, dtype=net.dtype))
    shares = []
    for Z, name in zip(zs, net.layer_activations()):
        if name not in ACTIVATIONS:
            shares.append(None)
            continue
        prime = ACTIVATIONS[name].prime
        peak = float(np.max(np.abs(prime(np.array([-1.0, 0.0, 1.0])))))
        shares.append(float(np.mean(np.abs(prime(Z)) < tiny * peak)))
    return shares


def penalty(weights, l2=0.0, l1=0.0):
    """The regularization term added to the cost: (λ₂/2) Σ‖W‖² + λ₁ Σ‖W‖₁ over the weight matrices."""
    return ((0.5 * l2 * sum(float(np.sum(W * W)) for W in weights) if l2 else 0.0)
            + (l1 * sum(float(np.sum(np.abs(W))) for W in weights) if l1 else 0.0))


def _mean_batch_cost(batch_costs, batch_size, n):
    """The mean cost over the epoch's n examples: each batch's mean cost weighted by its size
    (``batch_size``, but the last batch may be smaller)."""
    sizes = np.full(len(batch_costs), batch_size, dtype=float)
    sizes[-1] = n - batch_size * (len(batch_costs) - 1)
    return float(np.dot(sizes, batch_costs)) / n


def _check_train(net, X, Y, batch_size, epochs, learning_rate, l2, l1, X_val, Y_val, patience):
    """``train``'s arguments checked (a ValueError naming the bad one): X, Y, batch_size and
    the ``_Validation`` of the run. The network's arrays become C-ordered arrays of its
    dtype, because every engine updates them where they lie."""
    X, Y = net.check_input(X), net.check_target(Y)
    check_same_rows(X, Y)
    batch_size = len(X) if batch_size is None else check_int("batch_size", batch_size, 1, len(X))
    check_int("epochs", epochs, 0)
    check_positive("learning_rate", learning_rate)
    check_nonnegative("l2", l2), check_nonnegative("l1", l1)
    if (X_val is None) != (Y_val is None):
        raise ValueError("give both X_val and Y_val, or neither")
    if X_val is not None:
        X_val, Y_val = net.check_input(X_val, "X_val"), net.check_target(Y_val, "Y_val")
        check_same_rows(X_val, Y_val, "X_val", "Y_val")
    if patience is not None:
        check_int("patience", patience, 1)
        if X_val is None:
            raise ValueError("early stopping (patience) needs X_val and Y_val")
    net.check_parameters()
    for arrays in (net.weights, net.biases):
        arrays[:] = [np.require(a, net.dtype, ["C_CONTIGUOUS", "WRITEABLE"]) for a in arrays]
    return np.ascontiguousarray(X), np.ascontiguousarray(Y), batch_size, _Validation(
        net, X_val, Y_val, patience)


class _Validation:
    """The validation cost after every epoch, and the best epoch's weights for early stopping."""

    def __init__(self, net, X_val, Y_val, patience):
        self.net, self.X, self.Y, self.patience = net, X_val, Y_val, patience
        self.best = None          # (validation cost, epoch, copies of the weights and biases)

    def record(self, history, epoch):
        """Add epoch's validation cost to ``history``; True once ``patience`` epochs brought no better one."""
        if self.X is None:
            return False
        cost = get_cost(self.net.cost).fn(self.net._forward(self.X)[1][-1], self.Y)
        history.val_cost.append(cost)
        if self.best is None or cost < self.best[0]:
            self.best = (cost, epoch, [p.copy() for p in self.net.weights + self.net.biases])
            return False
        return self.patience is not None and epoch - self.best[1] >= self.patience

    def finish(self, history):
        """Name the best epoch; after early stopping, put its weights back."""
        if self.best is None:
            return
        history.best_epoch = self.best[1]
        if history.stopped_early:
            for p, saved in zip(self.net.weights + self.net.biases, self.best[2]):
                p[...] = saved
