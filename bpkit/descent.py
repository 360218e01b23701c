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
from .backprop import backprop
from .costs import get_cost
from .optimizers import SGD, make_optimizer
from .training_step import TrainingStep

#: plain SGD runs compiled (compiled_sgd.py) when batch size × parameters is at most
#: this: below it numpy's per-call overhead outweighs the arithmetic, above it BLAS's
#: vectorised products win (for a 64-30-10 network the two cross near batch size 10).
#: 0 turns the compiled path off.
COMPILED_WORK_LIMIT = 20_000


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
    """
    learning_rate: float
    batch_size: int
    optimizer: str
    updates_per_epoch: int
    cost: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    update_cost: list = field(default_factory=list)
    time: list = field(default_factory=list)
    updates: int = 0
    diverged: bool = False
    diverged_epoch: int = None
    stopped_early: bool = False
    best_epoch: int = None

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
        return f"cost {self.cost[0]:.4g} -> {self.cost[-1]:.4g} in {self.epochs} epochs{stop}"

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
            g = np.asarray(grad(x), dtype=np.float64).reshape(x.shape)
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
    order = rng.permutation(n) if batch_size < n else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


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
          patience=None, record_updates=False, exact_cost=True, **optimizer_options):
    """Train ``net`` in place by gradient descent on (X, Y); return a ``History``.

    X ``(n, n_0)``, Y ``(n, n_L)``. ``batch_size`` (default n) picks batch,
    stochastic or mini-batch GD. ``seed`` fixes the order of examples.
    ``optimizer`` is a name from ``bpkit.OPTIMIZERS`` and takes its options
    (``momentum=0.9``, ``beta1=…``). ``schedule(epoch)`` gives the learning
    rate of each epoch. ``l2``/``l1`` add (λ/2)‖W‖² or λ‖W‖₁ to the cost (weights
    only). With ``X_val``/``Y_val`` and ``patience``, training stops once the
    validation cost has not improved for that many epochs and the best weights
    are restored (early stopping).

    After each epoch the history gets the cost on the whole training set,
    which takes a forward pass over all of it. With ``exact_cost=False`` it
    gets instead the mean of the epoch's mini-batch costs, each measured by
    the forward pass its update makes anyway (plus the L2/L1 penalty of the
    weights at the end of the epoch): a cheaper, noisier estimate, the one
    scikit-learn and most deep-learning libraries report. It saves one
    forward pass over the training set per epoch (≈ 20 of ≈ 85 ms per epoch
    for a 784-100-10 network on 10,000 examples at batch size 128). At full
    batch the cost is exact either way (its forward pass is the next update's).

    If the cost becomes inf or NaN the run stops: ``history.diverged`` is True
    and ``history.diverged_epoch`` says when.
    """
    X, Y = net.check_input(X), net.check_target(Y)
    check_same_rows(X, Y)
    n = X.shape[0]
    batch_size = n if batch_size is None else check_int("batch_size", batch_size, 1, n)
    epochs = check_int("epochs", epochs, 0)
    learning_rate = check_positive("learning_rate", learning_rate)
    l2, l1 = check_nonnegative("l2", l2), check_nonnegative("l1", l1)
    if (X_val is None) != (Y_val is None):
        raise ValueError("give both X_val and Y_val, or neither")
    if X_val is not None:
        X_val, Y_val = net.check_input(X_val, "X_val"), net.check_target(Y_val, "Y_val")
        check_same_rows(X_val, Y_val, "X_val", "Y_val")
    if patience is not None:
        check_int("patience", patience, 1)
        if X_val is None:
            raise ValueError("early stopping (patience) needs X_val and Y_val")

    opt = make_optimizer(optimizer, learning_rate, **optimizer_options)
    rng = np.random.default_rng(seed)
    cost_fn = get_cost(net.cost).fn
    net.check_parameters()
    # The step updates the weights where they lie, with BLAS: each must be a
    # C-ordered array of the network's dtype (hand-set ones may not be).
    for arrays in (net.weights, net.biases):
        arrays[:] = [np.require(a, net.dtype, ["C_CONTIGUOUS", "WRITEABLE"]) for a in arrays]
    X, Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    params = net.weights + net.biases
    L = len(net.weights)
    step = TrainingStep(net, opt, l2, l1)
    compiled = None
    if (type(opt) is SGD and net.dtype == np.float64 and batch_size < n
            and batch_size * net.num_parameters <= COMPILED_WORK_LIMIT):
        # Small batches of a small network: per-call overhead would dominate the
        # arithmetic in numpy, so the epochs run compiled (see compiled_sgd.py).
        # Where numba cannot be installed, the same run goes through numpy.
        try:
            from . import compiled_sgd as compiled
        except ImportError:
            compiled = None
    history = History(learning_rate, batch_size, optimizer, math.ceil(n / batch_size))

    def training_cost():
        # A forward pass over the whole training set. At full batch it is also
        # the next update's forward pass, which then does not run again.
        step.forward(X)
        return step.cost_of(Y) + penalty()

    def penalty():
        return ((0.5 * l2 * sum(float(np.sum(W * W)) for W in net.weights) if l2 else 0.0)
                + (l1 * sum(float(np.sum(np.abs(W))) for W in net.weights) if l1 else 0.0))

    def running_cost(update_costs):
        # The mean over the epoch's examples: each batch's mean cost weighted by its size
        # (all batch_size but the last).
        sizes = np.full(len(update_costs), batch_size, dtype=float)
        sizes[-1] = n - batch_size * (len(update_costs) - 1)
        return float(np.dot(sizes, update_costs)) / n + penalty()

    def validation_cost():
        return cost_fn(net._forward(X_val)[1][-1], Y_val)

    best = None
    clock_start = time.perf_counter()
    # A diverging run overflows; that is reported in the history, not as a
    # wall of numpy warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history.cost.append(training_cost())
        if X_val is not None:
            history.val_cost.append(validation_cost())
            best = (history.val_cost[0], 0, [p.copy() for p in params])
        history.time.append(0.0)
        for epoch in range(1, epochs + 1):
            if schedule is not None:
                opt.learning_rate = check_positive(f"schedule({epoch - 1})", schedule(epoch - 1))
            if batch_size < n:
                # A fresh random order each epoch, cut into mini-batches: the same
                # batches as ``mini_batches`` gives.
                order = rng.permutation(n)
                batch_costs = record_updates or not exact_cost
                if compiled:
                    update_costs = compiled.sgd_epoch(net, X, Y, order, batch_size, opt.learning_rate,
                                                      l2, l1, batch_costs).tolist()
                else:
                    update_costs = []
                    for X_batch, Y_batch in step.batches(X, Y, order, batch_size):
                        step.forward(X_batch)
                        if batch_costs:
                            update_costs.append(step.cost_of(Y_batch))
                        step.update(Y_batch, opt.learning_rate)
                if record_updates:
                    history.update_cost.extend(update_costs)
            else:
                # Batch GD: no shuffle, no copy, and the forward pass is the one
                # training_cost() just ran on these same weights.
                if record_updates:
                    history.update_cost.append(step.cost_of(Y))
                step.update(Y, opt.learning_rate)
            history.updates += history.updates_per_epoch
            if exact_cost or batch_size == n:
                cost = training_cost()
            else:
                cost = running_cost(update_costs)
            if not math.isfinite(cost) or not all(np.all(np.isfinite(p)) for p in params[:L]):
                history.diverged, history.diverged_epoch = True, epoch
                break
            history.cost.append(cost)
            history.time.append(time.perf_counter() - clock_start)
            if X_val is not None:
                history.val_cost.append(validation_cost())
                if best is None or history.val_cost[-1] < best[0]:
                    best = (history.val_cost[-1], epoch, [p.copy() for p in params])
                elif patience is not None and epoch - best[1] >= patience:
                    history.stopped_early = True
                    break
    if best is not None:
        history.best_epoch = best[1]
        if history.stopped_early:
            for p, saved in zip(params, best[2]):
                p[...] = saved
    return history
