"""Measuring what training costs, and small real datasets to measure it on.

    import bpkit.measure as ms
    seconds = ms.time_call(lambda: bp.backprop(net, X, Y))      # median of repeats
    nbytes = ms.peak_memory(lambda: bp.backprop(net, X, Y))     # tracemalloc peak
    fit = ms.fit_power_law(sizes, seconds)                      # seconds ≈ c · size^k
    model = ms.gradient_cost_model([64, 30, 10], n=100)         # multiply-adds, counted
    X_train, Y_train, X_test, Y_test = ms.load_dataset("wine", seed=0)
    ms.Table(["batch size", "epochs"], [[16, 12], [64, None]])  # a table (bpkit.tables)

Wall times depend on the machine and on what else it is doing; a book that
prints them says so. Everything else here is the same on every machine: the
cost model counts multiply-adds, the datasets ship with scikit-learn.
"""
import math
import numbers
import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from ._checks import check_choice, check_int
from .datasets import one_hot, train_test_split
from .tables import Table  # noqa: F401  (ms.Table: the chapters' results tables)


# --- time and memory ---------------------------------------------------------------------------

def time_call(fn, repeat=5, number=1, warmup=1, clock=time.perf_counter):
    """Median wall time, in seconds, of one call ``fn()``.

    ``fn`` is called ``warmup`` times untimed (first calls pay for caches and
    imports), then timed ``repeat`` times in groups of ``number`` calls. The
    median, not the mean, is returned: one interruption by another process
    should not move the answer. ``clock()`` returns seconds; tests pass a fake.
    """
    repeat = check_int("repeat", repeat, 1)
    number = check_int("number", number, 1)
    warmup = check_int("warmup", warmup, 0)
    for _ in range(warmup):
        fn()
    per_call = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        per_call.append((clock() - start) / number)
    return float(np.median(per_call))


def one_thread():
    """Let numpy's matrix products use one core only, until ``.restore_original_limits()``.

    Use it as ``with ms.one_thread(): ...`` or call it once at the top of a
    notebook. On a busy machine the threads of a parallel matrix product wait
    for each other and a small product can take a hundred times longer; on one
    thread timings are slower at best but far steadier, and a measured
    exponent means the same thing on every machine.
    """
    from threadpoolctl import threadpool_limits   # installed with scikit-learn

    return threadpool_limits(limits=1)


def peak_memory(fn):
    """The most memory, in bytes, that ``fn()`` held at one time beyond what was in use before.

    Measured with ``tracemalloc``, which sees every allocation made through
    Python, numpy arrays included. It counts bytes asked for, not pages the
    operating system hands out, so repeated runs agree closely (a first call
    may also fill caches). Tracing slows allocations down: time and memory
    are best measured in separate runs.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    return max(0, peak - before)


class PowerLaw(NamedTuple):
    """y ≈ coefficient · x^exponent: a straight line of slope ``exponent`` on log-log axes."""
    exponent: float
    coefficient: float

    def __call__(self, x):
        """The fitted y at ``x`` (a number or an array)."""
        return self.coefficient * np.asarray(x, dtype=np.float64) ** self.exponent


def fit_power_law(x, y):
    """Least-squares line through (log x, log y); returns a ``PowerLaw``.

    ``x``, ``y``: positive numbers, shape ``(k,)`` with k ≥ 2. The slope is the
    exponent: 1 means doubling x doubles y, 2 means it quadruples y.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"fit_power_law needs x and y of one shape (k,), k >= 2, "
                         f"got {x.shape} and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if not np.all(np.isfinite(v)) or np.any(v <= 0):
            raise ValueError(f"fit_power_law needs {name} > 0 and finite, got {v}")
    if np.all(x == x[0]):
        raise ValueError(f"fit_power_law needs at least two different x values, got {x}")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return PowerLaw(float(slope), float(np.exp(intercept)))


# --- counting instead of timing ----------------------------------------------------------------

class GradientCost(NamedTuple):
    """Multiply-adds of one gradient of a network's cost on n examples, and floats kept."""
    parameters: int            # P, every weight and bias
    forward: int               # one forward pass
    backprop: int              # forward pass + backward pass
    finite_differences: int    # 2P forward passes (central differences)
    floats_kept: int           # z^l and a^l of every layer, kept for the backward pass


def gradient_cost_model(sizes, n):
    """Count the multiply-adds of one gradient, by backprop and by central differences.

    ``sizes`` as for ``Network`` (e.g. ``[64, 30, 10]``), ``n`` examples. Only
    the matrix products are counted; additions of biases and σ are n·Σ n_l,
    smaller by a factor of the layer width.

    forward        F = n Σ_l n_l n_{l-1}              (Z^l = A^{l-1} W^lᵀ)
    backprop       F + n Σ_l n_l n_{l-1} (BP4) + n Σ_{l≥2} n_l n_{l-1} (BP2)
    differences    2 P F                              (two forward passes per parameter)
    """
    sizes = [check_int(f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers, got {sizes!r}")
    n = check_int("n", n, 1)
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    forward = n * sum(products)
    backward = n * sum(products) + n * sum(products[1:])   # BP4 every layer, BP2 all but the first
    parameters = sum(products) + sum(sizes[1:])
    return GradientCost(parameters, forward, forward + backward, 2 * parameters * forward,
                        2 * n * sum(sizes[1:]))


# --- training, measured ------------------------------------------------------------------------

def first_epoch_below(values, target):
    """The first index e with ``values[e] <= target``, or None if there is none.

    With ``values = history.cost`` this is the number of epochs needed to
    reach a target cost (``cost[0]`` is before training). NaN never counts.
    """
    _check_target(target)
    return next((e for e, value in enumerate(values) if value <= target), None)


def first_epoch_above(values, target):
    """The first index e with ``values[e] >= target``, or None: e.g. epochs to 95 % accuracy."""
    _check_target(target)
    return next((e for e, value in enumerate(values) if value >= target), None)


def _check_target(target):
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target):
        raise ValueError(f"target must be a number, got {target!r}")


class Curves(NamedTuple):
    """Per-epoch records of ``learning_curves``; index e is after epoch e (0: before training)."""
    cost: list              # training cost
    train_accuracy: list
    test_accuracy: list
    time: list              # seconds in ``train`` (not measuring accuracy) up to epoch e
    diverged: bool


def learning_curves(net, X, Y, X_test, Y_test, learning_rate, batch_size=None, epochs=10,
                    seed=0):
    """Train ``net`` in place by plain mini-batch gradient descent, recording accuracy every epoch.

    X ``(n, n_0)``, Y one-hot ``(n, n_L)`` (or 0/1 ``(n, 1)``); the same for the
    test rows. It calls ``bp.train`` one epoch at a time, epoch e shuffling with
    seed ``seed + e``. Plain gradient descent keeps no state between updates,
    so this is the same algorithm as one long ``train`` run (with another random
    order); optimizers with a memory (momentum, Adam) would lose it, so none is
    offered. Stops early if the run diverges. Returns ``Curves``.
    """
    from .descent import train

    epochs = check_int("epochs", epochs, 0)
    curves = Curves([net.total_cost(X, Y)], [net.accuracy(X, Y)], [net.accuracy(X_test, Y_test)],
                    [0.0], False)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        history = train(net, X, Y, learning_rate, batch_size=batch_size, epochs=1,
                        seed=seed + epoch)
        seconds = time.perf_counter() - start
        if history.diverged:
            return curves._replace(diverged=True)
        curves.cost.append(history.cost[-1])
        curves.time.append(curves.time[-1] + seconds)
        curves.train_accuracy.append(net.accuracy(X, Y))
        curves.test_accuracy.append(net.accuracy(X_test, Y_test))
    return curves


# --- real data ---------------------------------------------------------------------------------

class Dataset(NamedTuple):
    """A dataset that ships with scikit-learn: where it comes from, and its loader's name."""
    domain: str
    description: str
    loader: str


#: name -> Dataset. All four are installed with scikit-learn: nothing is downloaded.
DATASETS = {
    "digits": Dataset("images", "8×8 handwritten digits, 0–9", "load_digits"),
    "breast_cancer": Dataset("medicine", "breast tumour measurements, benign or malignant",
                             "load_breast_cancer"),
    "wine": Dataset("chemistry", "chemical analysis of wines from three cultivars", "load_wine"),
    "iris": Dataset("botany", "flower measurements of three iris species", "load_iris"),
}


def load_arrays(name):
    """Every row of one of ``DATASETS``, unscaled: X ``(n, features)``, Y one-hot ``(n, k)``."""
    import sklearn.datasets   # imported here: only the real datasets need scikit-learn

    check_choice("dataset", name, DATASETS)
    data = getattr(sklearn.datasets, DATASETS[name].loader)()
    X = np.asarray(data.data, dtype=np.float64)
    return X, one_hot(data.target, int(data.target.max()) + 1)


def load_dataset(name, test_fraction=0.25, seed=0, standardize=True):
    """One of ``DATASETS``, split at random with ``seed``, one-hot, and (by default) standardized.

    Returns ``(X_train, Y_train, X_test, Y_test)``: X ``(n, features)``, Y
    one-hot ``(n, classes)``. Standardizing uses the training rows' mean and
    standard deviation only, so nothing about the test rows leaks into training.
    """
    X_train, Y_train, X_test, Y_test = train_test_split(*load_arrays(name), test_fraction, seed)
    if standardize:
        X_train, X_test = standardize_columns(X_train, X_test)
    return X_train, Y_train, X_test, Y_test


def standardize_columns(X_train, *others):
    """Shift and scale each column to mean 0 and variance 1 on ``X_train``.

    The same shift and scale are applied to every array in ``others`` (test
    or validation rows). A constant column (a pixel that is always blank) is
    only shifted: dividing by its zero spread would give NaN.
    Returns the new arrays, ``X_train`` first.
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    mean = X_train.mean(axis=0)
    spread = X_train.std(axis=0)
    spread[spread == 0] = 1.0
    return tuple((np.asarray(X, dtype=np.float64) - mean) / spread for X in (X_train, *others))

