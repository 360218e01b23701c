"""Gradient descent: the update rule, the three variants, optimizers, divergence, bad input."""
import math
import warnings

import numpy as np
import pytest

import bpkit as bp


@pytest.fixture
def data():
    return bp.datasets.moons(37, noise=0.1, seed=1)   # 37: not a multiple of common batch sizes


def test_one_step_is_theta_minus_eta_gradient(data):
    X, Y = data
    net = bp.Network([2, 5, 1], seed=0)
    before = net.copy()
    grad_w, grad_b = bp.backprop(before, X, Y)
    bp.train(net, X, Y, learning_rate=0.3, batch_size=len(X), epochs=1)
    for W, W0, g in zip(net.weights, before.weights, grad_w):
        np.testing.assert_allclose(W, W0 - 0.3 * g, rtol=1e-13)
    for b, b0, g in zip(net.biases, before.biases, grad_b):
        np.testing.assert_allclose(b, b0 - 0.3 * g, rtol=1e-13)


def test_update_mini_batch_is_the_same_step(data):
    X, Y = data
    a, b = bp.Network([2, 3, 1], seed=4), bp.Network([2, 3, 1], seed=4)
    bp.update_mini_batch(a, X, Y, 0.5)
    bp.train(b, X, Y, learning_rate=0.5, epochs=1)
    for Wa, Wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(Wa, Wb, rtol=1e-13)


def test_a_small_step_lowers_the_cost(data):
    X, Y = data
    net = bp.Network([2, 5, 1], seed=0)
    history = bp.train(net, X, Y, learning_rate=0.1, epochs=1)
    assert history.cost[1] < history.cost[0]
    assert history.cost[0] == pytest.approx(bp.Network([2, 5, 1], seed=0).total_cost(X, Y))


@pytest.mark.parametrize("batch_size,per_epoch", [(37, 1), (1, 37), (10, 4), (16, 3)])
def test_updates_per_epoch(data, batch_size, per_epoch):
    X, Y = data
    history = bp.train(bp.Network([2, 3, 1], seed=0), X, Y, learning_rate=0.1,
                       batch_size=batch_size, epochs=3, seed=0, record_updates=True)
    assert history.updates_per_epoch == per_epoch
    assert history.updates == 3 * per_epoch
    assert len(history.update_cost) == 3 * per_epoch
    assert len(history.cost) == 4 and history.epochs == 3


def test_history_time_is_the_wall_time_since_the_start(data):
    import time
    X, Y = data
    before = time.perf_counter()
    history = bp.train(bp.Network([2, 3, 1], seed=0), X, Y, learning_rate=0.1, batch_size=4,
                       epochs=5, seed=0)
    elapsed = time.perf_counter() - before
    assert history.time[0] == 0.0 and len(history.time) == 6
    assert all(a <= b for a, b in zip(history.time, history.time[1:]))
    assert history.time[-1] <= elapsed


def test_default_batch_size_is_the_whole_set(data):
    X, Y = data
    assert bp.train(bp.Network([2, 1]), X, Y, learning_rate=0.1, epochs=2).updates == 2


def test_mini_batches_cover_every_example_once():
    batches = bp.mini_batches(23, 5, np.random.default_rng(0))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(23))


def test_same_seed_same_history_other_seed_other_history(data):
    X, Y = data

    def run(seed):
        return bp.train(bp.Network([2, 4, 1], seed=0), X, Y, learning_rate=0.5,
                        batch_size=4, epochs=5, seed=seed).cost

    assert run(3) == run(3)
    assert run(3) != run(4)


@pytest.mark.parametrize("optimizer,lr", [("sgd", 2.0), ("momentum", 0.5), ("nesterov", 0.5),
                                          ("rmsprop", 0.02), ("adam", 0.02)])
def test_every_optimizer_learns_xor(optimizer, lr):
    X, Y = bp.datasets.xor(64, noise=0.05, seed=0)
    net = bp.Network([2, 6, 1], seed=1)
    history = bp.train(net, X, Y, learning_rate=lr, batch_size=8, epochs=150, seed=0,
                       optimizer=optimizer)
    assert history.cost[-1] < 0.5 * history.cost[0]
    assert net.accuracy(X, Y) > 0.9


def test_gradient_descent_on_a_parabola():
    # f(x) = x²: x_{k+1} = x_k − η·2x_k = (1 − 2η) x_k
    path = bp.gradient_descent(lambda x: 2 * x, [1.0], learning_rate=0.1, steps=10)
    np.testing.assert_allclose(path[:, 0], 0.8 ** np.arange(11), rtol=1e-14)


def test_momentum_follows_its_recurrence():
    path = bp.gradient_descent(lambda x: 2 * x, [1.0], 0.1, 3, optimizer="momentum", momentum=0.5)
    x, v, expected = 1.0, 0.0, [1.0]
    for _ in range(3):
        v = 0.5 * v - 0.1 * 2 * x
        x = x + v
        expected.append(x)
    np.testing.assert_allclose(path[:, 0], expected, rtol=1e-14)


def test_nesterov_follows_its_recurrence():
    # textbook form: gradient at the look-ahead point y = x + μv
    path = bp.gradient_descent(lambda x: 2 * x, [1.0], 0.1, 4, optimizer="nesterov", momentum=0.5)
    x, v = 1.0, 0.0
    looks = [x]
    for _ in range(4):
        v_new = 0.5 * v - 0.1 * 2 * (x + 0.5 * v)
        x, v = x + v_new, v_new
        looks.append(x + 0.5 * v)    # bpkit keeps the look-ahead point as its iterate
    np.testing.assert_allclose(path[:, 0], looks, rtol=1e-12)


def test_adam_first_step_has_the_size_of_the_learning_rate():
    for g in (1e-4, 3.0, -50.0):
        path = bp.gradient_descent(lambda x: np.full_like(x, g), [0.0], 0.01, 1, optimizer="adam")
        assert path[1, 0] == pytest.approx(-0.01 * np.sign(g), rel=1e-3)


def test_divergence_is_reported_without_warnings():
    X, Y = bp.datasets.regression_curve(50, seed=0)
    net = bp.Network([1, 8, 1], output_activation="identity", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = bp.train(net, X, Y, learning_rate=200.0, batch_size=5, epochs=50, seed=0)
    assert history.diverged
    assert 1 <= history.diverged_epoch <= 50
    assert len(history.cost) == history.diverged_epoch
    assert "diverged in epoch" in history.status and "diverged" in repr(history)
    # the last recorded (finite) cost is not where the run ended
    assert np.isfinite(history.cost[-1]) and history.final_cost == math.inf
    converged = bp.train(bp.Network([1, 8, 1], output_activation="identity", seed=0), X, Y,
                         learning_rate=0.01, batch_size=5, epochs=2, seed=0)
    assert converged.final_cost == converged.cost[-1] < math.inf


def test_gradient_descent_stops_when_it_diverges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = bp.gradient_descent(lambda x: 2 * x, [1.0], learning_rate=1.5, steps=5000)
    assert len(path) < 5001 and np.all(np.isfinite(path))


def test_l2_adds_lambda_w_to_the_weight_gradient(data):
    X, Y = data
    a, b = bp.Network([2, 3, 1], seed=0), bp.Network([2, 3, 1], seed=0)
    grad_w, grad_b = bp.backprop(a, X, Y)
    bp.train(b, X, Y, learning_rate=0.1, epochs=1, l2=0.5)
    for W, W0, g in zip(b.weights, a.weights, grad_w):
        np.testing.assert_allclose(W, W0 - 0.1 * (g + 0.5 * W0), rtol=1e-13)
    for c, c0, g in zip(b.biases, a.biases, grad_b):   # biases are not regularized
        np.testing.assert_allclose(c, c0 - 0.1 * g, rtol=1e-13)


def test_early_stopping_restores_the_best_weights():
    X, Y, Xv, Yv = bp.datasets.train_test_split(*bp.datasets.moons(60, noise=0.3, seed=0), 0.5, seed=0)
    net = bp.Network([2, 30, 1], seed=0)
    history = bp.train(net, X, Y, learning_rate=3.0, batch_size=4, epochs=300, seed=0,
                       X_val=Xv, Y_val=Yv, patience=10)
    assert history.stopped_early
    assert history.epochs == history.best_epoch + 10
    assert net.total_cost(Xv, Yv) == pytest.approx(min(history.val_cost), rel=1e-12)


def test_schedules():
    step = bp.step_decay(1.0, drop=0.5, every=10)
    assert [step(t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    inv = bp.inverse_time_decay(1.0, k=0.5)
    assert inv(2) == 0.5


def test_schedule_sets_each_epochs_rate(data):
    X, Y = data
    a, b = bp.Network([2, 3, 1], seed=0), bp.Network([2, 3, 1], seed=0)
    bp.train(a, X, Y, learning_rate=1.0, epochs=2, schedule=lambda t: 0.1 * (t + 1))
    bp.train(b, X, Y, learning_rate=0.1, epochs=1)
    bp.train(b, X, Y, learning_rate=0.2, epochs=1)
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_allclose(Wa, Wb, rtol=1e-13)


@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf])
def test_bad_learning_rate_names_the_value(data, lr):
    X, Y = data
    with pytest.raises(ValueError, match=f"learning_rate must be a finite number > 0, got {lr!r}"):
        bp.train(bp.Network([2, 1]), X, Y, learning_rate=lr)


@pytest.mark.parametrize("batch_size", [0, -1, 38])
def test_bad_batch_size_names_the_value(data, batch_size):
    X, Y = data
    with pytest.raises(ValueError, match=rf"batch_size must be in 1\.\.37, got {batch_size}"):
        bp.train(bp.Network([2, 1]), X, Y, learning_rate=0.1, batch_size=batch_size)


def test_non_integer_batch_size_and_unknown_optimizer(data):
    X, Y = data
    with pytest.raises(TypeError, match="batch_size must be an integer, got 2.5"):
        bp.train(bp.Network([2, 1]), X, Y, learning_rate=0.1, batch_size=2.5)
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        bp.train(bp.Network([2, 1]), X, Y, learning_rate=0.1, optimizer="adagrad")
    with pytest.raises(ValueError, match="momentum must be in"):
        bp.train(bp.Network([2, 1]), X, Y, learning_rate=0.1, optimizer="momentum", momentum=1.5)


def test_a_gradient_of_the_wrong_length_names_both_shapes():
    with pytest.raises(ValueError, match=r"shaped like x, \(2,\), got shape \(3,\)"):
        bp.gradient_descent(lambda p: np.ones(3), np.zeros(2), 0.1, 5)


def test_a_run_whose_units_saturate_says_it_stalled():
    X, Y = bp.datasets.xor(40, noise=0.1, seed=3)
    stuck = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, learning_rate=1e6, batch_size=4,
                     epochs=50, seed=0)
    assert stuck.stalled and not stuck.diverged
    assert stuck.saturated[-1] == 1.0            # the output unit: σ′ ≈ 0 on every example
    assert stuck.status.startswith("stalled: cost 0.1314 -> 0.225 in 50 epochs")
    assert "100% of layer 2's units saturated" in repr(stuck)
    # and the gradient it could follow is ≈ 0 indeed
    net = bp.Network([2, 8, 1], seed=0)
    bp.train(net, X, Y, learning_rate=1e6, batch_size=4, epochs=50, seed=0)
    grad_w, grad_b = bp.backprop(net, X, Y)
    assert max(np.abs(g).max() for g in grad_w + grad_b) < 1e-6

    learning = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, learning_rate=30, batch_size=4,
                        epochs=50, seed=0)
    slow = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, learning_rate=0.01, epochs=20)
    for h in (learning, slow):
        assert not h.stalled and h.saturated == [] and not h.status.startswith("stalled")


def test_saturation_counts_units_whose_derivative_vanishes():
    net = bp.Network([1, 2, 1], activation="relu", output_activation="sigmoid", seed=0)
    net.weights = [np.array([[1.0], [-1.0]]), np.array([[0.0, 30.0]])]
    net.biases = [np.zeros(2), np.array([0.0])]
    X = np.array([[1.0], [-1.0], [2.0], [-3.0]])
    hidden, output = bp.descent.saturation(net, X)
    assert hidden == 0.5                          # one of the two ReLUs is off on each example
    # output z = 30·relu(−x): 0 for x > 0 (σ′ = 1/4), 30 and 90 for x < 0 (σ′ < 1e-3/4)
    assert output == 0.5


def test_train_in_pieces_with_one_generator_is_one_run():
    """seed may be a Generator, used and advanced: two calls of 3 epochs shuffle as one
    call of 6 epochs seeded the same way, so plain SGD ends at the same weights."""
    X = np.random.default_rng(5).normal(size=(20, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    whole, pieces = bp.Network([2, 4, 1], seed=1), bp.Network([2, 4, 1], seed=1)
    h = bp.train(whole, X, Y, 0.5, batch_size=4, epochs=6, seed=0)
    rng = np.random.default_rng(0)
    first = bp.train(pieces, X, Y, 0.5, batch_size=4, epochs=3, seed=rng)
    second = bp.train(pieces, X, Y, 0.5, batch_size=4, epochs=3, seed=rng)
    for a, b in zip(whole.weights + whole.biases, pieces.weights + pieces.biases):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h.cost[-3:], second.cost[-3:], rtol=0, atol=1e-12)
    assert not np.allclose(first.cost[-1], second.cost[-1])   # the second piece did train
