"""Helpers for the experiment chapters: what the tables of the book are computed from.

    import bpkit.experiments as ex
    ex.epochs_to_target(history, 0.05)       # first epoch with cost ≤ 0.05, or None
    ex.first_epoch_above(accuracy, 0.95)     # first epoch with accuracy ≥ 0.95, or None
    ex.is_steady(history)                    # no epoch raised the cost by more than 1 %
    ex.learning_curves(net, X, Y, 0.5, 100, every=10, norms=f)   # train in chunks, f(net) after each
    ex.layer_gradient_norms(net, X, Y)       # ‖∂C/∂W^l‖ for every layer (the vanishing gradient)
    ex.top_eigenvalue(net, X, Y)             # curvature: η < 2/λ_max keeps plain GD stable
    ex.random_search(f, x0, 0.1, 100)        # descent without any gradient
    ex.train_random_search(net, X, Y, 0.1)   # … and on a network
    ex.dead_units(net, X)                    # hidden units that pass no gradient back

Every function here is built on bpkit's own ``backprop``, ``train`` and
``Network``; nothing re-derives the equations. Random things take a ``seed``.
Timing and memory are measured with ``bpkit.measure``, data come from
``bpkit.datasets``, and results are shown with ``bp.table``.
"""
import math
import numbers
import time

import numpy as np

from ._checks import check_int, check_nonnegative, check_positive, check_same_rows
from .activations import get_activation
from .backprop import backprop
from .costs import get_cost
from .descent import History, train


# --- parameters as one vector ------------------------------------------------------------

def parameter_vector(net):
    """All weights then all biases of ``net`` as one new vector θ, shape ``(net.num_parameters,)``.

    The order is W^1, …, W^L (each row by row), then b^1, …, b^L: the order of
    ``net.weights + net.biases``.
    """
    return np.concatenate([p.ravel() for p in net.weights + net.biases])


def set_parameter_vector(net, theta):
    """Write the vector θ (``parameter_vector``'s order) back into ``net``, in place."""
    theta = np.asarray(theta, dtype=net.dtype)
    if theta.shape != (net.num_parameters,):
        raise ValueError(f"theta has shape {theta.shape}, expected ({net.num_parameters},) "
                         f"for a network of sizes {net.sizes}")
    start = 0
    for p in net.weights + net.biases:
        p[...] = theta[start:start + p.size].reshape(p.shape)
        start += p.size


def gradient_vector(net, X, Y):
    """∇_θ C by backprop, flattened in ``parameter_vector``'s order, shape ``(d,)``."""
    grad_w, grad_b = backprop(net, X, Y)
    return np.concatenate([g.ravel() for g in grad_w + grad_b])


# --- reading a History -------------------------------------------------------------------

def epochs_to_target(history, target):
    """The first epoch e with cost[e] ≤ ``target``; None if the run never got there.

    ``history`` is a ``History`` (its training cost is used) or a sequence of
    costs with entry 0 before training (such as ``Curves.cost``). NaN never
    counts, and a diverged run only counts the epochs before it diverged.
    """
    _check_target(target)
    costs = history.cost if isinstance(history, History) else list(history)
    return next((e for e, cost in enumerate(costs) if math.isfinite(cost) and cost <= target), None)


def first_epoch_above(values, target):
    """The first index e with ``values[e] >= target``, or None: e.g. epochs to 95 % accuracy."""
    _check_target(target)
    return next((e for e, value in enumerate(values) if value >= target), None)


def _check_target(target):
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target):
        raise ValueError(f"target must be a number, got {target!r}")


def largest_rise(history):
    """The largest relative rise of the cost from one epoch to the next, max_e C_{e+1}/C_e − 1.

    Negative if the cost fell at every epoch. ``history``: a ``History`` or a
    sequence of costs. A diverged run counts as an infinite rise.
    """
    if isinstance(history, History) and history.diverged:
        return math.inf
    costs = np.asarray(history.cost if isinstance(history, History) else history, dtype=np.float64)
    if costs.size < 2:
        return -math.inf
    return float(np.max(costs[1:] / costs[:-1]) - 1)


def is_steady(history, tolerance=0.01):
    """True if no epoch raised the cost by more than ``tolerance`` (relative), e.g. 1 %.

    A run whose cost keeps jumping up trains at the edge of stability, where the
    tiniest rounding difference grows from epoch to epoch: its final numbers are
    not reproducible digit by digit. A steady run's are.
    """
    return largest_rise(history) <= check_nonnegative("tolerance", tolerance)


# --- gradients, layer by layer -----------------------------------------------------------

def layer_gradient_norms(net, X, Y):
    """‖∂C/∂W^l‖ (Frobenius norm, BP4's matrix) for each layer l = 1 … L, shape ``(L,)``.

    Comparing these numbers across layers measures the vanishing (or
    exploding) gradient: BP2 multiplies δ by (W^{l+1})ᵀ and σ′(z^l) once per
    layer on its way back, so a factor below 1 at each step shrinks the first
    layers' gradients geometrically.
    """
    grad_w, _ = backprop(net, X, Y)
    return np.array([np.linalg.norm(g) for g in grad_w])


class Curves:
    """What ``learning_curves`` recorded, as arrays indexed alike (entry 0: before training).

    ``epoch`` ``(k,)``: the epochs at which it measured; ``cost`` ``(k,)``: the
    training cost there; ``time`` ``(k,)``: seconds spent in ``train`` up to
    there (measuring is not counted); one array ``(k, …)`` per measure, under
    its name; ``diverged``: whether training blew up (the arrays end before).
    """

    def __init__(self, diverged, **arrays):
        self.diverged = diverged
        self.__dict__.update(arrays)

    def __repr__(self):
        names = ", ".join(k for k in self.__dict__ if k != "diverged")
        return f"Curves({names}: {len(self.epoch)} points{', diverged' if self.diverged else ''})"


def learning_curves(net, X, Y, learning_rate, epochs, every=1, batch_size=None, seed=0,
                    **measures):
    """Train ``net`` in place by plain gradient descent, ``every`` epochs at a time, and call
    each of ``measures`` (functions of the network) before training and after every chunk.

    ``learning_curves(net, X, Y, 0.5, 30, test_accuracy=lambda net: net.accuracy(X_test,
    Y_test))`` gives ``curves.test_accuracy`` next to ``curves.cost``. Plain gradient descent
    keeps no state between updates, so training in chunks is the same algorithm as one long
    ``train`` run; the chunk that ends at epoch e shuffles with seed ``seed + e``. (Momentum
    or Adam would lose their memory between chunks, so no optimizer is offered.) Stops at
    the last chunk before training diverges. Returns ``Curves``.
    """
    epochs = check_int("epochs", epochs, 0)
    every = check_int("every", every, 1)
    rows = {"epoch": [0], "cost": [net.total_cost(X, Y)], "time": [0.0]}
    rows.update({name: [measure(net)] for name, measure in measures.items()})
    diverged = False
    while rows["epoch"][-1] < epochs and not diverged:
        done = rows["epoch"][-1]
        end = min(done + every, epochs)
        start = time.perf_counter()
        history = train(net, X, Y, learning_rate, batch_size=batch_size, epochs=end - done,
                        seed=seed + end)
        seconds = time.perf_counter() - start
        diverged = history.diverged
        if not diverged:
            rows["epoch"].append(end)
            rows["cost"].append(history.final_cost)
            rows["time"].append(rows["time"][-1] + seconds)
            for name, measure in measures.items():
                rows[name].append(measure(net))
    return Curves(diverged, **{name: np.array(values) for name, values in rows.items()})


# --- curvature ---------------------------------------------------------------------------

def hessian(net, X, Y, eps=1e-5):
    """The Hessian ∇²_θ C of the mean cost, shape ``(d, d)``, d = ``net.num_parameters``.

    Column i is the central difference of backprop's gradient along parameter i,
    (∇C(θ + ε eᵢ) − ∇C(θ − ε eᵢ)) / 2ε: 2d backward passes, fine for the small
    networks of the book. The result is symmetrized, as the true Hessian is.
    Its largest eigenvalue λ_max is the steepest curvature; near a minimum,
    plain gradient descent is stable only for η < 2/λ_max.
    """
    eps = check_positive("eps", eps)
    probe = net.copy()
    theta = parameter_vector(probe)
    X, Y = probe.check_input(X), probe.check_target(Y)
    H = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        set_parameter_vector(probe, theta + step)
        up = gradient_vector(probe, X, Y)
        set_parameter_vector(probe, theta - step)
        down = gradient_vector(probe, X, Y)
        H[:, i] = (up - down) / (2 * eps)
    return (H + H.T) / 2


def top_eigenvalue(net, X, Y, eps=1e-5):
    """λ_max, the largest eigenvalue of ``hessian(net, X, Y)``: a float."""
    return float(np.linalg.eigvalsh(hessian(net, X, Y, eps))[-1])


# --- test functions of two variables ---------------------------------------------------

def rosenbrock(x, y):
    """f(x, y) = (1 − x)² + 100 (y − x²)²: a long, curved, narrow valley; minimum 0 at (1, 1).

    ``x``, ``y``: arrays of one shape (a grid for a contour plot); returns that shape.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def rosenbrock_gradient(p):
    """∇f of ``rosenbrock`` at the point ``p`` = (x, y), shape ``(2,)``."""
    x, y = np.asarray(p, dtype=np.float64)
    return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])


def double_well(x, y, tilt=0.3):
    """f(x, y) = (x² − 1)² + tilt·x + y²/2: two valleys, near x = −1 and x = +1.

    The tilt makes the left valley the deeper one (the global minimum) and the
    right one a local minimum. ``x``, ``y``: arrays of one shape.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (x ** 2 - 1) ** 2 + tilt * x + 0.5 * y ** 2


def double_well_gradient(p, tilt=0.3):
    """∇f of ``double_well`` at the point ``p`` = (x, y), shape ``(2,)``."""
    x, y = np.asarray(p, dtype=np.float64)
    return np.array([4 * x * (x ** 2 - 1) + tilt, y])


# --- descent without a gradient ----------------------------------------------------------

def random_search(f, x0, step_size, steps, seed=0):
    """Minimise ``f`` by random search: no gradient, only values of f.

    Each step proposes x' = x + s·u, u ~ N(0, I), and moves there only if
    f(x') < f(x). ``x0``: shape ``(d,)``. Returns the path ``(steps + 1, d)``
    (a rejected proposal repeats the row), like ``gradient_descent``.
    """
    step_size = check_positive("step_size", step_size)
    steps = check_int("steps", steps, 0)
    x = np.array(x0, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    rng = np.random.default_rng(seed)
    fx = float(f(x))
    path = [x.copy()]
    for _ in range(steps):
        proposal = x + step_size * rng.standard_normal(x.shape)
        f_proposal = float(f(proposal))
        if f_proposal < fx:
            x, fx = proposal, f_proposal
        path.append(x.copy())
    return np.array(path)


def train_random_search(net, X, Y, step_size, epochs=10, seed=None):
    """Train ``net`` in place by random search on the whole of (X, Y); return a ``History``.

    One "epoch" is one proposal θ' = θ + s·u, u ~ N(0, I), tried on the whole
    training set: one forward pass, no backward pass, and the move is kept
    only if the cost goes down. ``history.updates`` counts the moves kept.
    The cost can only go down, so this never diverges.
    """
    X, Y = net.check_input(X), net.check_target(Y)
    check_same_rows(X, Y)
    step_size = check_positive("step_size", step_size)
    epochs = check_int("epochs", epochs, 0)
    rng = np.random.default_rng(seed)
    cost_fn = get_cost(net.cost).fn
    history = History(step_size, X.shape[0], "random search", 1)
    theta = parameter_vector(net)
    start = time.perf_counter()
    with np.errstate(over="ignore", under="ignore"):
        cost = cost_fn(net._forward(X)[1][-1], Y)
        history.cost.append(cost)
        history.time.append(0.0)
        for _ in range(epochs):
            proposal = theta + step_size * rng.standard_normal(theta.shape)
            set_parameter_vector(net, proposal)
            new_cost = cost_fn(net._forward(X)[1][-1], Y)
            if new_cost < cost:
                theta, cost = proposal, new_cost
                history.updates += 1
            history.cost.append(cost)
            history.time.append(time.perf_counter() - start)
    set_parameter_vector(net, theta)
    return history


# --- units and activation functions ------------------------------------------------------

def dead_units(net, X, tol=0.0):
    """The fraction of each hidden layer's units that pass (almost) no gradient back.

    A unit j of layer l is counted if σ′(z^l_j) ≤ ``tol`` · max σ′ for every
    example in X. BP2 multiplies its δ by σ′(z^l_j), so such a unit's incoming
    weights get no gradient and never change: with ``tol=0`` these are the
    "dead" ReLU units (z ≤ 0 on every input); a small ``tol`` also catches
    saturated sigmoid and tanh units. Returns ``(L - 1,)`` fractions.
    """
    tol = check_nonnegative("tol", tol)
    zs, _ = net.forward(X)
    fractions = []
    for Z, name in zip(zs[:-1], net.layer_activations()[:-1]):
        _, prime = get_activation(name)
        peak = activation_properties(name, points=2001)["max_derivative"]
        quiet = np.all(prime(Z) <= tol * peak, axis=0)
        fractions.append(float(np.mean(quiet)))
    return np.array(fractions)


def activation_properties(name, z_max=50.0, points=200001):
    """What a table of activation functions shows, measured on z in [−z_max, z_max].

    Returns a dict: ``low``/``high``, σ at the two ends rounded to 6 decimals
    (±inf where σ is still growing like z there); ``max_derivative``, the
    largest σ′; ``zero_centred``, whether σ takes both signs (low < 0 < high),
    so that the next layer's inputs are not all positive.
    """
    z_max = check_positive("z_max", z_max)
    sigma, prime = get_activation(name)
    z = np.linspace(-z_max, z_max, check_int("points", points, 3))
    values = sigma(z)

    def limit(value, end):
        # A function still growing like z at the end of the grid has no finite limit.
        return math.copysign(math.inf, value) if abs(value) >= 0.5 * abs(end) else round(float(value), 6)

    low, high = limit(values[0], z[0]), limit(values[-1], z[-1])
    return {"low": low, "high": high, "max_derivative": float(np.max(prime(z))),
            "zero_centred": bool(low < 0 < high)}


def all_weights(net):
    """Every weight of ``net`` (no biases) in one new vector: the data of a weight histogram."""
    return np.concatenate([W.ravel() for W in net.weights])

