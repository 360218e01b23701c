"""bpkit.measure: timers, memory, power-law fits, the cost model, real datasets."""
import math
import tracemalloc

import numpy as np
import pytest

import bpkit as bp
import bpkit.measure as ms


# --- time_call ---------------------------------------------------------------------------------

def fake_clock(readings):
    """A clock that returns the given readings one after another."""
    readings = iter(readings)
    return lambda: next(readings)


def test_time_call_returns_the_median_of_the_repeats():
    calls = []
    # three repeats taking 1, 3 and 2 seconds: the median is 2, not the mean
    seconds = ms.time_call(lambda: calls.append(1), repeat=3, warmup=2,
                           clock=fake_clock([0.0, 1.0, 10.0, 13.0, 20.0, 22.0]))
    assert seconds == 2.0
    assert len(calls) == 2 + 3   # warm-up calls run but are not timed


def test_time_call_divides_by_the_calls_per_repeat():
    calls = []
    seconds = ms.time_call(lambda: calls.append(1), repeat=1, number=4, warmup=0,
                           clock=fake_clock([5.0, 7.0]))
    assert seconds == 0.5
    assert len(calls) == 4


def test_time_call_an_outlier_does_not_move_the_median():
    seconds = ms.time_call(lambda: None, repeat=5, warmup=0,
                           clock=fake_clock([0, 1, 0, 1, 0, 1, 0, 100, 0, 1]))
    assert seconds == 1.0


@pytest.mark.parametrize("option", [{"repeat": 0}, {"number": 0}, {"warmup": -1}])
def test_time_call_bad_counts(option):
    with pytest.raises(ValueError, match=next(iter(option))):
        ms.time_call(lambda: None, **option)


# --- peak_memory -------------------------------------------------------------------------------

def test_peak_memory_sees_a_numpy_array():
    nbytes = ms.peak_memory(lambda: np.ones(1_000_000))   # 8 MB of float64, freed at once
    assert 8_000_000 <= nbytes < 8_100_000


def test_peak_memory_counts_only_what_the_call_adds():
    kept = np.ones(1_000_000)   # allocated before: not the call's
    assert ms.peak_memory(lambda: kept.sum()) < 100_000


def test_peak_memory_leaves_tracemalloc_as_it_found_it():
    assert not tracemalloc.is_tracing()
    ms.peak_memory(lambda: None)
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        assert ms.peak_memory(lambda: np.ones(1000)) >= 8000
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_backprop_memory_grows_with_the_batch():
    net = bp.Network([16, 32, 4], seed=0)
    rng = np.random.default_rng(0)
    small, large = (ms.peak_memory(lambda: bp.backprop(net, rng.normal(size=(n, 16)),
                                                       rng.uniform(size=(n, 4))))
                    for n in (100, 1000))
    # it keeps z and a of every layer for every example: ten times the rows, about ten
    # times the memory (the gradient itself does not grow with n)
    assert 7 < large / small < 11


# --- fit_power_law -----------------------------------------------------------------------------

def test_fit_power_law_recovers_an_exact_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    fit = ms.fit_power_law(x, 3.0 * x ** 2)
    assert fit.exponent == pytest.approx(2.0, abs=1e-12)
    assert fit.coefficient == pytest.approx(3.0, rel=1e-12)
    assert fit(10.0) == pytest.approx(300.0, rel=1e-12)
    np.testing.assert_allclose(fit([1.0, 5.0]), [3.0, 75.0], rtol=1e-12)


def test_fit_power_law_of_a_square_root_and_of_a_constant():
    x = np.array([1.0, 4.0, 16.0])
    assert ms.fit_power_law(x, np.sqrt(x)).exponent == pytest.approx(0.5)
    assert ms.fit_power_law(x, [7.0, 7.0, 7.0]).exponent == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("x, y, match", [
    ([1.0, 2.0], [1.0, -2.0], "y > 0"),
    ([0.0, 2.0], [1.0, 2.0], "x > 0"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "one shape"),
    ([1.0], [1.0], "k >= 2"),
    ([2.0, 2.0], [1.0, 3.0], "two different x"),
    ([1.0, np.inf], [1.0, 2.0], "finite"),
])
def test_fit_power_law_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        ms.fit_power_law(x, y)


# --- gradient_cost_model -----------------------------------------------------------------------

def test_gradient_cost_model_by_hand():
    # [2, 3, 1] on 4 examples: products 2·3 = 6 and 3·1 = 3
    m = ms.gradient_cost_model([2, 3, 1], 4)
    assert m.parameters == 6 + 3 + 3 + 1
    assert m.forward == 4 * (6 + 3)
    assert m.backprop == 36 + 4 * (6 + 3) + 4 * 3      # forward + BP4 + BP2 (not layer 1)
    assert m.finite_differences == 2 * 13 * 36
    assert m.floats_kept == 2 * 4 * (3 + 1)


@pytest.mark.parametrize("sizes", [[2, 1], [64, 30, 10], [5, 8, 8, 8, 3]])
def test_gradient_cost_model_agrees_with_the_network(sizes):
    net = bp.Network(sizes, seed=0)
    m = ms.gradient_cost_model(sizes, 10)
    assert m.parameters == net.num_parameters
    # backprop is at most three forward passes; differences are 2P of them
    assert m.forward < m.backprop <= 3 * m.forward
    assert m.finite_differences == 2 * net.num_parameters * m.forward
    zs, activations = net.forward(np.zeros((10, sizes[0])))
    assert m.floats_kept == sum(z.size for z in zs) + sum(a.size for a in activations[1:])


def test_gradient_cost_model_bad_input():
    with pytest.raises(ValueError, match="at least two"):
        ms.gradient_cost_model([3], 10)
    with pytest.raises(ValueError, match="n"):
        ms.gradient_cost_model([3, 1], 0)
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        ms.gradient_cost_model([3, 0, 1], 5)


# --- first_epoch_below / above -----------------------------------------------------------------

def test_first_epoch_below_and_above():
    cost = [2.0, 1.0, 0.5, 0.7, 0.2]
    assert ms.first_epoch_below(cost, 0.6) == 2
    assert ms.first_epoch_below(cost, 0.5) == 2        # reaching the target counts
    assert ms.first_epoch_below(cost, 2.0) == 0
    assert ms.first_epoch_below(cost, 0.1) is None
    assert ms.first_epoch_below([], 1.0) is None
    accuracy = [0.1, 0.6, 0.96, 0.94, 1.0]
    assert ms.first_epoch_above(accuracy, 0.95) == 2
    assert ms.first_epoch_above(accuracy, 1.0) == 4
    assert ms.first_epoch_above(accuracy[:2], 0.95) is None


def test_first_epoch_below_ignores_nan_and_checks_the_target():
    assert ms.first_epoch_below([math.nan, 3.0, 0.1], 1.0) == 2
    with pytest.raises(ValueError, match="target"):
        ms.first_epoch_below([1.0], math.nan)
    with pytest.raises(ValueError, match="target"):
        ms.first_epoch_above([1.0], "0.5")


def test_first_epoch_below_on_a_training_history(xor_data):
    X, Y = xor_data
    history = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, 2.0, batch_size=8, epochs=60, seed=0)
    assert min(history.cost) < history.cost[0]
    target = (history.cost[0] + min(history.cost)) / 2   # halfway down: reached at some epoch
    epoch = ms.first_epoch_below(history.cost, target)
    assert epoch is not None and epoch > 0
    assert history.cost[epoch] <= target < min(history.cost[:epoch])


# --- datasets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, n, features, classes", [
    ("digits", 1797, 64, 10), ("breast_cancer", 569, 30, 2), ("wine", 178, 13, 3),
    ("iris", 150, 4, 3)])
def test_load_dataset_shapes_and_one_hot(name, n, features, classes):
    X, Y = ms.load_arrays(name)
    assert X.shape == (n, features) and Y.shape == (n, classes)
    X_train, Y_train, X_test, Y_test = ms.load_dataset(name, test_fraction=0.25, seed=0)
    n_test = round(0.25 * n)
    assert X_train.shape == (n - n_test, features) and X_test.shape == (n_test, features)
    assert Y_train.shape == (n - n_test, classes) and Y_test.shape == (n_test, classes)
    for Y_part in (Y, Y_train, Y_test):
        assert set(np.unique(Y_part)) == {0.0, 1.0}
        np.testing.assert_array_equal(Y_part.sum(axis=1), 1.0)
    assert ms.DATASETS[name].domain


def test_load_dataset_standardizes_with_training_statistics_only():
    X_raw_train, _, X_raw_test, _ = ms.load_dataset("wine", seed=3, standardize=False)
    X_train, _, X_test, _ = ms.load_dataset("wine", seed=3)
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_train.std(axis=0), 1.0, rtol=1e-12)
    mean, spread = X_raw_train.mean(axis=0), X_raw_train.std(axis=0)
    np.testing.assert_allclose(X_test, (X_raw_test - mean) / spread, rtol=1e-12)
    # the raw values are the published ones: proline goes up to 1680
    assert X_raw_train.max() <= 1680.0 and max(X_raw_train.max(), X_raw_test.max()) == 1680.0


def test_load_dataset_same_seed_same_split_other_seed_other_split():
    a = ms.load_dataset("iris", seed=1)
    b = ms.load_dataset("iris", seed=1)
    c = ms.load_dataset("iris", seed=2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[2], c[2])


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        ms.load_dataset("mnist")


def test_standardize_columns_leaves_constant_columns_finite():
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    (Z,) = ms.standardize_columns(X)
    np.testing.assert_array_equal(Z, [[-1.0, 0.0], [1.0, 0.0]])
    Z_train, Z_other = ms.standardize_columns(X, [[2.0, 6.0]])
    np.testing.assert_array_equal(Z_other, [[0.0, 1.0]])


# --- learning_curves ---------------------------------------------------------------------------

def test_learning_curves_records_every_epoch(xor_data):
    X, Y = xor_data
    net = bp.Network([2, 8, 1], seed=0)
    curves = ms.learning_curves(net, X, Y, X, Y, 2.0, batch_size=8, epochs=40, seed=0)
    for record in (curves.cost, curves.train_accuracy, curves.test_accuracy, curves.time):
        assert len(record) == 41
    assert not curves.diverged
    assert curves.cost[-1] < curves.cost[0]
    assert curves.train_accuracy == curves.test_accuracy   # same rows given as "test"
    assert curves.train_accuracy[-1] == net.accuracy(X, Y)
    assert curves.cost[-1] == pytest.approx(net.total_cost(X, Y))
    assert all(0 <= a <= 1 for a in curves.train_accuracy)
    assert all(t1 >= t0 for t0, t1 in zip(curves.time, curves.time[1:]))


def test_learning_curves_is_reproducible(xor_data):
    X, Y = xor_data
    runs = [ms.learning_curves(bp.Network([2, 4, 1], seed=1), X, Y, X, Y, 1.0, batch_size=4,
                               epochs=5, seed=7) for _ in range(2)]
    assert runs[0].cost == runs[1].cost
    assert runs[0].test_accuracy == runs[1].test_accuracy


def test_learning_curves_stops_when_training_diverges():
    X = np.array([[1.0], [2.0], [3.0]])
    Y = np.array([[2.0], [4.0], [6.0]])
    net = bp.Network([1, 1], activation="identity", seed=0)
    curves = ms.learning_curves(net, X, Y, X, Y, 1e6, epochs=50)
    assert curves.diverged
    assert len(curves.cost) < 51


# --- one_thread --------------------------------------------------------------------------------

def test_one_thread_limits_blas_and_restores_it():
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    with ms.one_thread():
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert [pool["num_threads"] for pool in threadpool_info()] == before
