"""Data for the chapters: small 2-D sets made on the fly, and real ones that ship with scikit-learn.

Every generator takes ``n`` and a ``seed`` and returns ``(X, Y)`` with rows as
examples: ``X`` ``(n, 2)`` (``(n, 1)`` for the regression curve), ``Y``
``(n, 1)`` holding 0/1 labels for the binary sets, or a one-hot ``(n, k)``
for ``spirals`` with k arms. The same seed gives the same numbers everywhere.

The real sets (``DATASETS``: digits, breast cancer, wine, iris) are installed
with scikit-learn, nothing is downloaded: ``load_arrays`` gives every row as
published, ``load_dataset`` a seeded train/test split, standardized on the
training rows; ``digits`` is the 8×8 digits with pixels scaled to [0, 1].
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_choice, check_int, check_nonnegative


def xor(n=200, noise=0.1, seed=0):
    """Points around the four corners of the unit square; label 1 where exactly one
    coordinate is 1. No straight line separates the classes: a hidden layer is needed.
    """
    rng = _rng(n, noise, seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + noise * rng.standard_normal((n, 2))
    Y = (corners[:, 0] != corners[:, 1]).astype(np.float64).reshape(-1, 1)
    return X, Y


def moons(n=200, noise=0.1, seed=0):
    """Two interleaved half circles, label 0 (upper) and 1 (lower)."""
    rng = _rng(n, noise, seed)
    label = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(label[:, None] == 0,
                 np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    X = X + noise * rng.standard_normal((n, 2))
    return X, label.astype(np.float64).reshape(-1, 1)


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A ring (label 0) around a smaller circle (label 1) of radius ``factor``."""
    rng = _rng(n, noise, seed)
    label = np.arange(n) % 2
    t = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(label == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    X = X + noise * rng.standard_normal((n, 2))
    return X, label.astype(np.float64).reshape(-1, 1)


def spirals(n=300, arms=2, noise=0.05, seed=0):
    """``arms`` interleaved spirals; Y is one-hot ``(n, arms)``."""
    rng = _rng(n, noise, seed)
    check_int("arms", arms, 2)
    label = np.arange(n) % arms
    r = rng.uniform(0.1, 1.0, n)
    angle = 3 * np.pi * r + 2 * np.pi * label / arms
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X = X + noise * rng.standard_normal((n, 2))
    return X, one_hot(label, arms)


def regression_curve(n=100, noise=0.1, seed=0):
    """y = 1/2 + 0.4 sin(2πx) plus noise, for x uniform in [0, 1]; X, Y both ``(n, 1)``.

    The targets stay near [0, 1], so a sigmoid output can fit them.
    """
    rng = _rng(n, noise, seed)
    x = np.sort(rng.uniform(0, 1, n))
    y = 0.5 + 0.4 * np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def digits(test_fraction=0.25, seed=0):
    """The real 8×8 handwritten digits (1797 images, shipped with scikit-learn).

    Pixels are scaled from 0..16 to [0, 1]; labels are one-hot ``(n, 10)``.
    Returns ``(X_train, Y_train, X_test, Y_test)``, split at random with ``seed``.
    """
    X, Y = load_arrays("digits")
    return train_test_split(X / 16.0, Y, test_fraction, seed)


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


def one_hot(labels, k):
    """Integer labels ``(n,)`` in 0..k-1 as one-hot rows ``(n, k)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"one_hot needs labels of shape (n,) in 0..{k - 1}, got shape "
                         f"{labels.shape} with values {np.unique(labels)[:10]}")
    Y = np.zeros((labels.size, k))
    Y[np.arange(labels.size), labels.astype(int)] = 1.0
    return Y


def train_test_split(X, Y, test_fraction=0.25, seed=0):
    """Shuffle the rows with ``seed`` and keep ``test_fraction`` of them for testing.

    Returns ``(X_train, Y_train, X_test, Y_test)``.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} rows but Y has {len(Y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(test_fraction * len(X))))
    test, train = order[:n_test], order[n_test:]
    return X[train], Y[train], X[test], Y[test]


def _rng(n, noise, seed):
    check_int("n", n, 1)
    check_nonnegative("noise", noise)
    return np.random.default_rng(seed)
