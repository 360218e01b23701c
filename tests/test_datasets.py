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


# --- real datasets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, n, features, classes", [
    ("digits", 1797, 64, 10), ("breast_cancer", 569, 30, 2), ("wine", 178, 13, 3),
    ("iris", 150, 4, 3)])
def test_load_dataset_shapes_and_one_hot(name, n, features, classes):
    X, Y = datasets.load_arrays(name)
    assert X.shape == (n, features) and Y.shape == (n, classes)
    X_train, Y_train, X_test, Y_test = datasets.load_dataset(name, test_fraction=0.25, seed=0)
    n_test = round(0.25 * n)
    assert X_train.shape == (n - n_test, features) and X_test.shape == (n_test, features)
    assert Y_train.shape == (n - n_test, classes) and Y_test.shape == (n_test, classes)
    for Y_part in (Y, Y_train, Y_test):
        assert set(np.unique(Y_part)) == {0.0, 1.0}
        np.testing.assert_array_equal(Y_part.sum(axis=1), 1.0)
    assert datasets.DATASETS[name].domain


def test_load_dataset_standardizes_with_training_statistics_only():
    X_raw_train, _, X_raw_test, _ = datasets.load_dataset("wine", seed=3, standardize=False)
    X_train, _, X_test, _ = datasets.load_dataset("wine", seed=3)
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_train.std(axis=0), 1.0, rtol=1e-12)
    mean, spread = X_raw_train.mean(axis=0), X_raw_train.std(axis=0)
    np.testing.assert_allclose(X_test, (X_raw_test - mean) / spread, rtol=1e-12)
    # the raw values are the published ones: proline goes up to 1680
    assert X_raw_train.max() <= 1680.0 and max(X_raw_train.max(), X_raw_test.max()) == 1680.0


def test_load_dataset_same_seed_same_split_other_seed_other_split():
    a = datasets.load_dataset("iris", seed=1)
    b = datasets.load_dataset("iris", seed=1)
    c = datasets.load_dataset("iris", seed=2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[2], c[2])


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        datasets.load_dataset("mnist")


def test_standardize_columns_leaves_constant_columns_finite():
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    (Z,) = datasets.standardize_columns(X)
    np.testing.assert_array_equal(Z, [[-1.0, 0.0], [1.0, 0.0]])
    Z_train, Z_other = datasets.standardize_columns(X, [[2.0, 6.0]])
    np.testing.assert_array_equal(Z_other, [[0.0, 1.0]])
