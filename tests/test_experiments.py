"""bpkit.experiments: each measurement against an independent computation or a crafted case."""
import math

import numpy as np
import pytest

import bpkit as bp
import bpkit.experiments as ex


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(5)
    net = bp.Network([3, 4, 2], activation="tanh", seed=2)
    X, Y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    return net, X, Y


# --- parameters as one vector ----------------------------------------------------------

def test_parameter_vector_round_trip(small_problem):
    net, _, _ = small_problem
    theta = ex.parameter_vector(net)
    assert theta.shape == (net.num_parameters,) == (3 * 4 + 4 * 2 + 4 + 2,)
    # W^1 row by row comes first, b^L last
    np.testing.assert_array_equal(theta[:3], net.weights[0][0])
    np.testing.assert_array_equal(theta[-2:], net.biases[-1])
    other = net.copy()
    ex.set_parameter_vector(other, 2 * theta)
    np.testing.assert_array_equal(other.weights[1], 2 * net.weights[1])
    np.testing.assert_array_equal(ex.parameter_vector(other), 2 * theta)


def test_set_parameter_vector_rejects_wrong_length(small_problem):
    net, _, _ = small_problem
    with pytest.raises(ValueError, match=r"theta has shape \(5,\), expected \(26,\)"):
        ex.set_parameter_vector(net, np.zeros(5))


def test_gradient_vector_matches_numerical(small_problem):
    net, X, Y = small_problem
    theta = ex.parameter_vector(net)

    def cost(t):
        probe = net.copy()
        ex.set_parameter_vector(probe, t)
        return probe.total_cost(X, Y)

    np.testing.assert_allclose(ex.gradient_vector(net, X, Y), bp.numerical_gradient(cost, theta),
                               rtol=1e-6, atol=1e-9)


# --- epochs to target ------------------------------------------------------------------

def test_epochs_to_target_on_a_crafted_history():
    h = bp.History(0.1, 10, "sgd", 1, cost=[1.0, 0.5, 0.3, 0.2, 0.25, 0.1])
    assert ex.epochs_to_target(h, 0.3) == 2          # ≤, not <
    assert ex.epochs_to_target(h, 0.21) == 3
    assert ex.epochs_to_target(h, 2.0) == 0          # already there before training
    assert ex.epochs_to_target(h, 0.05) is None      # never reached
    assert ex.epochs_to_target([1.0, math.nan, 0.1], 0.5) == 2
    assert ex.epochs_to_target([], 1.0) is None


def test_first_epoch_above_and_the_targets_are_checked():
    accuracy = [0.1, 0.6, 0.96, 0.94, 1.0]
    assert ex.first_epoch_above(accuracy, 0.95) == 2
    assert ex.first_epoch_above(accuracy, 1.0) == 4       # reaching the target counts
    assert ex.first_epoch_above(accuracy[:2], 0.95) is None
    with pytest.raises(ValueError, match="target"):
        ex.epochs_to_target([1.0], math.nan)
    with pytest.raises(ValueError, match="target"):
        ex.first_epoch_above([1.0], "0.5")


def test_epochs_to_target_on_a_training_history(xor_data):
    X, Y = xor_data
    history = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, 2.0, batch_size=8, epochs=60, seed=0)
    assert min(history.cost) < history.cost[0]
    target = (history.cost[0] + min(history.cost)) / 2   # halfway down: reached at some epoch
    epoch = ex.epochs_to_target(history, target)
    assert epoch is not None and epoch > 0
    assert history.cost[epoch] <= target < min(history.cost[:epoch])


def test_epochs_to_target_of_a_diverged_run_counts_only_finite_epochs():
    X, Y = bp.datasets.regression_curve(50, seed=0)
    net = bp.Network([1, 8, 1], activation="tanh", output_activation="identity", seed=0)
    h = bp.train(net, X, Y, learning_rate=20.0, epochs=200)
    assert h.diverged
    assert ex.epochs_to_target(h, 1e-6) is None


def test_largest_rise_and_is_steady():
    h = bp.History(0.1, 10, "sgd", 1, cost=[1.0, 0.5, 0.505, 0.2])
    assert ex.largest_rise(h) == pytest.approx(0.01)
    assert ex.is_steady(h, tolerance=0.011) and not ex.is_steady(h, tolerance=0.009)
    assert ex.largest_rise([1.0, 0.5, 0.25]) == pytest.approx(-0.5)
    assert ex.largest_rise([1.0]) == -math.inf
    X, Y = bp.datasets.regression_curve(50, seed=0)
    net = bp.Network([1, 8, 1], activation="tanh", output_activation="identity", seed=0)
    diverged = bp.train(net, X, Y, learning_rate=20.0, epochs=200)
    assert ex.largest_rise(diverged) == math.inf and not ex.is_steady(diverged)
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0, got -1"):
        ex.is_steady(h, tolerance=-1)


# --- gradient norms --------------------------------------------------------------------

def test_layer_gradient_norms_match_the_numerical_gradient(small_problem):
    net, X, Y = small_problem
    num_w, _ = bp.numerical_network_gradient(net, X, Y)
    expected = [np.sqrt(np.sum(g ** 2)) for g in num_w]
    np.testing.assert_allclose(ex.layer_gradient_norms(net, X, Y), expected, rtol=1e-6)


def test_sigmoid_gradients_vanish_towards_the_input():
    # σ′ ≤ 1/4: in a deep sigmoid net each layer back shrinks the gradient
    X, Y = bp.datasets.moons(100, seed=0)
    net = bp.Network([2] + [16] * 6 + [1], activation="sigmoid", seed=0)
    norms = ex.layer_gradient_norms(net, X, Y)
    assert norms.shape == (7,)
    assert np.all(np.diff(norms) > 0)          # grows layer by layer towards the output
    assert norms[0] < 1e-2 * norms[-1]


def test_learning_curves_in_chunks_equal_one_long_run():
    X, Y = bp.datasets.xor(40, seed=1)
    net = bp.Network([2, 4, 1], seed=3)
    reference = net.copy()
    curves = ex.learning_curves(net, X, Y, 2.0, epochs=25, every=10,
                                norms=lambda n: ex.layer_gradient_norms(n, X, Y))
    np.testing.assert_array_equal(curves.epoch, [0, 10, 20, 25])
    assert curves.norms.shape == (4, 2) and curves.cost.shape == curves.time.shape == (4,)
    h = bp.train(reference, X, Y, 2.0, epochs=25)     # full batch: chunks change nothing
    np.testing.assert_allclose(curves.cost, [h.cost[e] for e in curves.epoch], rtol=1e-12)
    np.testing.assert_allclose(curves.norms[-1], ex.layer_gradient_norms(reference, X, Y),
                               rtol=1e-10)


def test_learning_curves_of_mini_batches_replay_one_epoch_per_seed(xor_data):
    # every=1: epoch e is one train call with seed seed + e
    X, Y = xor_data
    net = bp.Network([2, 8, 1], seed=0)
    reference = net.copy()
    curves = ex.learning_curves(net, X, Y, 2.0, epochs=6, batch_size=8, seed=4,
                                train_accuracy=lambda n: n.accuracy(X, Y))
    costs = [reference.total_cost(X, Y)]
    for e in range(1, 7):
        costs.append(bp.train(reference, X, Y, 2.0, batch_size=8, epochs=1, seed=4 + e).cost[-1])
    np.testing.assert_array_equal(curves.cost, costs)
    assert curves.train_accuracy[-1] == net.accuracy(X, Y) == reference.accuracy(X, Y)
    assert np.all(np.diff(curves.time) >= 0) and not curves.diverged


def test_learning_curves_stop_before_divergence():
    X, Y = bp.datasets.regression_curve(50, seed=0)
    net = bp.Network([1, 8, 1], activation="tanh", output_activation="identity", seed=0)
    curves = ex.learning_curves(net, X, Y, 20.0, epochs=300, every=50, one=lambda n: 1.0)
    assert curves.diverged and curves.epoch[-1] < 300
    assert len(curves.one) == len(curves.cost) == len(curves.epoch)
    assert np.all(np.isfinite(curves.cost))


# --- curvature -------------------------------------------------------------------------

def test_hessian_of_linear_regression_is_the_exact_quadratic_form():
    # No hidden layer, identity output, quadratic cost: C(w, b) = (1/2n) Σ (w·x + b − y)²,
    # so ∇²C = [X 1]ᵀ[X 1] / n exactly, with θ ordered (w, b).
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    net = bp.Network([2, 1], activation="identity", seed=0)
    design = np.column_stack([X, np.ones(len(X))])
    expected = design.T @ design / len(X)
    np.testing.assert_allclose(ex.hessian(net, X, Y), expected, rtol=1e-6, atol=1e-8)
    assert ex.top_eigenvalue(net, X, Y) == pytest.approx(np.linalg.eigvalsh(expected)[-1], rel=1e-6)


def test_two_over_lambda_max_is_the_stability_limit_of_gradient_descent():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    Y = X @ np.array([[1.0], [-2.0]]) + 0.5
    net = bp.Network([2, 1], activation="identity", seed=0)
    limit = 2 / ex.top_eigenvalue(net, X, Y)
    below = bp.train(net.copy(), X, Y, 0.95 * limit, epochs=400)
    above = bp.train(net.copy(), X, Y, 1.05 * limit, epochs=400)
    assert not below.diverged and below.final_cost < 1e-6
    assert above.diverged or above.final_cost > above.cost[0]


def test_hessian_does_not_change_the_network(small_problem):
    net, X, Y = small_problem
    before = ex.parameter_vector(net)
    H = ex.hessian(net, X, Y)
    assert H.shape == (26, 26)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_array_equal(ex.parameter_vector(net), before)


# --- test functions --------------------------------------------------------------------

@pytest.mark.parametrize("f,grad,point", [
    (ex.rosenbrock, ex.rosenbrock_gradient, (-1.2, 1.0)),
    (ex.double_well, ex.double_well_gradient, (0.7, -0.4)),
])
def test_test_function_gradients(f, grad, point):
    numerical = bp.numerical_gradient(lambda p: float(f(*p)), np.array(point))
    np.testing.assert_allclose(grad(point), numerical, rtol=1e-7)


def test_test_function_minima():
    assert ex.rosenbrock(1.0, 1.0) == 0.0
    np.testing.assert_allclose(ex.rosenbrock_gradient((1.0, 1.0)), [0.0, 0.0])
    # the tilt makes the left well deeper than the right one
    left = bp.gradient_descent(ex.double_well_gradient, [-1.0, 0.0], 0.05, 500)[-1]
    right = bp.gradient_descent(ex.double_well_gradient, [1.0, 0.0], 0.05, 500)[-1]
    assert left[0] < -1 < 0 < right[0] < 1
    assert ex.double_well(*left) < ex.double_well(*right)


# --- random search ---------------------------------------------------------------------

def test_random_search_only_moves_downhill_and_is_reproducible():
    def f(p):
        return float(p @ p)
    path = ex.random_search(f, [3.0, -2.0], step_size=0.5, steps=200, seed=0)
    values = [f(p) for p in path]
    assert path.shape == (201, 2)
    assert np.all(np.diff(values) <= 0)
    assert values[-1] < 0.05 * values[0]
    np.testing.assert_array_equal(path, ex.random_search(f, [3.0, -2.0], 0.5, 200, seed=0))


def test_train_random_search_lowers_the_cost_without_a_gradient():
    X, Y = bp.datasets.xor(40, seed=0)
    net = bp.Network([2, 4, 1], seed=1)
    h = ex.train_random_search(net, X, Y, step_size=0.3, epochs=300, seed=0)
    assert h.optimizer == "random search" and h.epochs == 300 and len(h.time) == 301
    assert np.all(np.diff(h.cost) <= 0)
    assert h.final_cost < 0.8 * h.cost[0]
    assert 0 < h.updates < 300
    # the network holds the best parameters found, and its cost is the history's last
    assert net.total_cost(X, Y) == pytest.approx(h.final_cost, rel=1e-12)


def test_random_search_checks_its_arguments():
    with pytest.raises(ValueError, match="step_size must be a finite number > 0, got 0"):
        ex.random_search(lambda p: 0.0, [0.0], 0, 10)
    with pytest.raises(ValueError, match="x0 must be finite"):
        ex.random_search(lambda p: 0.0, [np.nan], 0.1, 10)


# --- units and activation functions ----------------------------------------------------

def test_dead_units_counts_relu_units_that_never_fire():
    net = bp.Network([2, 4, 3, 1], activation="relu", output_activation="sigmoid", seed=0)
    net.weights[0][:] = 0.0
    net.biases[0][:] = [1.0, 1.0, -1.0, 0.0]   # unit 3 is always at z = −1, unit 4 at z = 0
    X = np.random.default_rng(0).normal(size=(10, 2))
    fractions = ex.dead_units(net, X)
    assert fractions.shape == (2,)
    assert fractions[0] == 0.5                 # ReLU′(0) = 0 as well: unit 4 is dead too
    zs, _ = net.forward(X)                     # second layer: count directly
    assert fractions[1] == np.mean(np.all(zs[1] <= 0, axis=0))


def test_dead_units_with_a_tolerance_catches_saturated_sigmoids():
    net = bp.Network([1, 2, 1], activation="sigmoid", seed=0)
    net.weights[0][:] = [[0.0], [0.0]]
    net.biases[0][:] = [10.0, 0.0]             # σ′(10) ≈ 4.5e-5, σ′(0) = 1/4
    X = np.linspace(-1, 1, 5).reshape(-1, 1)
    assert ex.dead_units(net, X)[0] == 0.0
    assert ex.dead_units(net, X, tol=0.01)[0] == 0.5


def test_activation_properties():
    sigmoid = ex.activation_properties("sigmoid")
    assert (sigmoid["low"], sigmoid["high"], sigmoid["max_derivative"]) == (0.0, 1.0, 0.25)
    assert not sigmoid["zero_centred"]
    keys = ("low", "high", "max_derivative", "zero_centred")
    tanh = ex.activation_properties("tanh")
    assert tuple(tanh[k] for k in keys) == (-1.0, 1.0, 1.0, True)
    relu = ex.activation_properties("relu")
    assert tuple(relu[k] for k in keys) == (0.0, math.inf, 1.0, False)
    identity = ex.activation_properties("identity")
    assert (identity["low"], identity["high"]) == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        ex.activation_properties("softsign")


def test_all_weights(small_problem):
    net, _, _ = small_problem
    w = ex.all_weights(net)
    assert w.shape == (3 * 4 + 4 * 2,)
    np.testing.assert_array_equal(w[-8:], net.weights[1].ravel())
