"""Datasets: shapes, labels that mean what they say, the same numbers for the same seed."""
import numpy as np
import pytest

import bpkit as bp
from bpkit import datasets

GENERATORS = [datasets.xor, datasets.moons, datasets.circles, datasets.spirals,
              datasets.regression_curve]


@pytest.mark.parametrize("make", GENERATORS)
def test_seeded_and_shaped(make):
    X1, Y1 = make(n=50, seed=4)
    X2, Y2 = make(n=50, seed=4)
    X3, _ = make(n=50, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)
    assert X1.ndim == Y1.ndim == 2 and len(X1) == len(Y1) == 50
    assert np.all(np.isfinite(X1))


def test_xor_labels_follow_the_corners():
    X, Y = datasets.xor(200, noise=0.0, seed=0)
    np.testing.assert_array_equal(Y[:, 0], np.logical_xor(X[:, 0] > 0.5, X[:, 1] > 0.5))


def test_circles_radii():
    X, Y = datasets.circles(100, noise=0.0, factor=0.3, seed=0)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[Y[:, 0] == 1], 0.3)
    np.testing.assert_allclose(r[Y[:, 0] == 0], 1.0)


def test_spirals_are_one_hot_and_balanced():
    _, Y = datasets.spirals(90, arms=3, seed=0)
    assert Y.shape == (90, 3)
    np.testing.assert_array_equal(Y.sum(axis=1), 1)
    np.testing.assert_array_equal(Y.sum(axis=0), [30, 30, 30])


def test_digits_are_the_real_ones():
    X_train, Y_train, X_test, Y_test = datasets.digits(test_fraction=0.25, seed=0)
    assert len(X_train) + len(X_test) == 1797
    assert len(X_test) == 449
    assert X_train.shape[1] == 64 and Y_train.shape[1] == 10
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    np.testing.assert_array_equal(Y_test.sum(axis=1), 1)


def test_one_hot_and_its_errors():
    np.testing.assert_array_equal(datasets.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="0..2"):
        datasets.one_hot(np.array([3]), 3)


def test_split_keeps_rows_together():
    X = np.arange(20.0).reshape(10, 2)
    Y = X[:, :1] * 10
    X_train, Y_train, X_test, Y_test = datasets.train_test_split(X, Y, 0.3, seed=1)
    assert len(X_test) == 3
    np.testing.assert_array_equal(Y_train, X_train[:, :1] * 10)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test])[:, 0]), X[:, 0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        datasets.moons(0)
    with pytest.raises(ValueError, match="noise"):
        datasets.xor(10, noise=-1)
