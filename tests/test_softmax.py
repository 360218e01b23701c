"""The softmax output layer and the categorical cross-entropy, each against an independent formula.

Softmax against e^z / Σ e^z written out, its Jacobian and BP1 against central
differences, the cost against −ln a_y example by example, the whole network's
gradient against ``numerical_network_gradient``, and every training engine against
the readable loop of ``test_training_step`` (backprop and the optimizer's step).
"""
import numpy as np
import pytest
from test_training_step import assert_same_run, reference_run

import bpkit as bp
from bpkit.costs import categorical_cross_entropy_output_error, quadratic_output_error

SOFTMAX_COSTS = ["categorical_cross_entropy", "quadratic", "cross_entropy"]


def naive_softmax(z):
    """e^{z_j} / Σ_i e^{z_i}, row by row, exactly as the formula is written."""
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


def numerical_output_delta(cost, Z, Y):
    """∂(n·C)/∂Z by central differences, with C = cost(softmax(Z), Y): δᴸ of every example."""
    return bp.numerical_gradient(lambda z: len(Z) * bp.get_cost(cost).fn(naive_softmax(z), Y), Z)


# --- softmax ---------------------------------------------------------------------------

def test_softmax_is_the_formula(rng):
    Z = rng.normal(scale=3, size=(6, 4))
    np.testing.assert_allclose(bp.softmax(Z), naive_softmax(Z), rtol=1e-14)
    np.testing.assert_allclose(bp.softmax(Z[0]), naive_softmax(Z[0]), rtol=1e-14)   # one vector
    np.testing.assert_allclose(bp.softmax(Z).sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(bp.softmax(Z.T, axis=0), naive_softmax(Z).T, rtol=1e-14)


def test_softmax_ignores_a_constant_added_to_a_row(rng):
    Z = rng.normal(size=(5, 3))
    shift = rng.normal(scale=50, size=(5, 1))           # a different constant per row
    np.testing.assert_allclose(bp.softmax(Z + shift), bp.softmax(Z), rtol=1e-12, atol=1e-15)


def test_softmax_does_not_overflow_at_z_1000():
    Z = np.array([[1000.0, 1000.0], [1000.0, 0.0], [-1000.0, -1000.0], [1000.0, 999.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = bp.softmax(Z)
        log_a = bp.log_softmax(Z)
        lse = bp.log_sum_exp(Z)
    np.testing.assert_allclose(A, [[0.5, 0.5], [1.0, 0.0], [0.5, 0.5],
                                   [1 / (1 + np.exp(-1)), 1 / (1 + np.e)]], rtol=1e-15)
    np.testing.assert_allclose(log_a, [[-np.log(2), -np.log(2)], [0.0, -1000.0],
                                       [-np.log(2), -np.log(2)],
                                       [-np.log1p(np.exp(-1)), -1 - np.log1p(np.exp(-1))]],
                               rtol=1e-15)
    np.testing.assert_allclose(lse, [1000 + np.log(2), 1000.0, -1000 + np.log(2),
                                     1000 + np.log1p(np.exp(-1))], rtol=1e-15)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(naive_softmax(Z[:1])).all()      # what the max's subtraction avoids


def test_log_sum_exp_and_log_softmax_are_their_formulas(rng):
    Z = rng.normal(scale=4, size=(5, 6))
    np.testing.assert_allclose(bp.log_sum_exp(Z), np.log(np.exp(Z).sum(axis=1)), rtol=1e-14)
    np.testing.assert_allclose(bp.log_softmax(Z), np.log(naive_softmax(Z)), rtol=1e-12, atol=1e-14)


def test_float32_stays_float32():
    Z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    assert bp.softmax(Z).dtype == np.float32


def test_softmax_jacobian_is_diag_a_minus_a_a_transposed(rng):
    z = rng.normal(size=4)
    a = bp.softmax(z)
    J = bp.softmax_jacobian(z)
    np.testing.assert_allclose(J, np.diag(a) - np.outer(a, a), rtol=1e-15)
    numerical = np.array([bp.numerical_gradient(lambda v: bp.softmax(v)[i], z) for i in range(4)])
    assert bp.relative_error(J, numerical) < 1e-8                      # row i: ∂a_i/∂z
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-16)
    batch = rng.normal(size=(3, 4))
    np.testing.assert_allclose(bp.softmax_jacobian(batch)[1], bp.softmax_jacobian(batch[1]))


def test_softmax_backward_is_the_jacobian_transposed_times_the_gradient(rng):
    from bpkit.activations import softmax_backward
    Z, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    expected = np.einsum("nij,ni->nj", bp.softmax_jacobian(Z), G)
    np.testing.assert_allclose(softmax_backward(bp.softmax(Z), G), expected, rtol=1e-12, atol=1e-15)


# --- the cost and its output error -----------------------------------------------------

def test_cost_is_minus_the_mean_log_probability_of_the_right_class(rng):
    A, Y = naive_softmax(rng.normal(size=(7, 4))), one_hot(rng, 7, 4)
    direct = -np.mean([np.log(a[np.argmax(y)]) for a, y in zip(A, Y)])
    assert bp.categorical_cross_entropy_cost(A, Y) == pytest.approx(direct, rel=1e-14)
    soft = np.full((7, 4), 0.25)                         # probabilities as targets
    assert bp.categorical_cross_entropy_cost(A, soft) == pytest.approx(
        -np.sum(soft * np.log(A)) / 7, rel=1e-14)


def test_cost_from_z_by_log_sum_exp_is_the_cost_from_a(rng):
    Z, Y = rng.normal(scale=5, size=(6, 3)), one_hot(rng, 6, 3)
    assert bp.categorical_cross_entropy_from_z(Z, Y) == pytest.approx(
        bp.categorical_cross_entropy_cost(bp.softmax(Z), Y), rel=1e-13)
    # where a_y underflows to 0 the log-sum-exp form is still exact; from a it is capped
    Z, Y = np.array([[0.0, 2000.0]]), np.array([[1.0, 0.0]])
    assert bp.categorical_cross_entropy_from_z(Z, Y) == 2000.0
    assert bp.categorical_cross_entropy_cost(bp.softmax(Z), Y) == pytest.approx(
        -np.log(np.finfo(float).tiny))


def test_output_error_is_a_minus_y_by_central_differences(rng):
    Z, Y = rng.normal(scale=2, size=(5, 4)), one_hot(rng, 5, 4)
    A = bp.softmax(Z)
    delta = bp.output_error(A, Y, Z, "categorical_cross_entropy", "softmax")
    np.testing.assert_array_equal(delta, A - Y)
    assert bp.relative_error(delta, numerical_output_delta("categorical_cross_entropy", Z, Y)) < 1e-8


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_softmax_with_other_costs_goes_through_the_jacobian(rng, cost):
    Z, Y = rng.normal(size=(5, 3)), one_hot(rng, 5, 3)
    A = bp.softmax(Z)
    delta = bp.output_error(A, Y, Z, cost, "softmax")
    assert bp.relative_error(delta, numerical_output_delta(cost, Z, Y)) < 1e-8
    elementwise = bp.get_cost(cost).gradient(A, Y) * A * (1 - A)    # BP1 as if softmax were σ
    assert bp.relative_error(delta, elementwise) > 1e-2


def test_the_sum_of_the_targets_is_what_makes_a_minus_y_right(rng):
    # a − y is the gradient only for targets summing to 1; the general Jᵀ∇ₐC is not a − y otherwise
    Z, Y = rng.normal(size=(3, 4)), 0.5 * one_hot(rng, 3, 4)
    A = bp.softmax(Z)
    general = bp.costs.through_output_jacobian("softmax", A, bp.categorical_cross_entropy_gradient(A, Y))
    assert bp.relative_error(general, A - Y) > 0.1
    with pytest.raises(ValueError, match="Y row 0 sums to 0.5, not 1"):
        categorical_cross_entropy_output_error(Z, A, Y)


# --- the whole network ---------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_backprop_agrees_with_the_numerical_gradient_on_random_networks(seed):
    rng = np.random.default_rng(seed)
    sizes = [int(k) for k in rng.integers(1, 6, size=rng.integers(2, 5))]
    sizes[-1] = int(rng.integers(2, 6))                   # at least two classes
    activation = ["sigmoid", "tanh", "identity"][seed % 3]
    cost = SOFTMAX_COSTS[seed % 3]
    net = bp.Network(sizes, activation=activation, output_activation="softmax", cost=cost, seed=seed)
    for b in net.biases:         # non-zero biases, so their gradients are tested in general
        b += rng.normal(scale=0.5, size=b.shape)
    n = int(rng.integers(1, 7))
    X, Y = rng.normal(size=(n, sizes[0])), one_hot(rng, n, sizes[-1])
    grad_w, grad_b = bp.backprop(net, X, Y)
    num_w, num_b = bp.numerical_network_gradient(net, X, Y)
    for g, num in zip(grad_w + grad_b, num_w + num_b):
        assert bp.relative_error(g, num) <= 1e-7, (sizes, activation, cost, g, num)


def test_the_network_outputs_probabilities_and_predicts_the_largest(rng):
    net = bp.Network([3, 4, 5], output_activation="softmax", cost="categorical_cross_entropy", seed=0)
    X = rng.normal(size=(8, 3))
    A = net.feedforward(X)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(net.predict(X), np.argmax(A, axis=1))
    Y = one_hot(rng, 8, 5)
    assert net.total_cost(X, Y) == bp.categorical_cross_entropy_cost(A, Y)


# --- training on every engine ----------------------------------------------------------

@pytest.fixture(scope="module")
def data():
    return bp.datasets.spirals(180, arms=3, seed=2)      # 180 examples, 3 one-hot outputs


@pytest.mark.parametrize("engine", list(bp.engines.ENGINES))
@pytest.mark.parametrize("cost", SOFTMAX_COSTS)
@pytest.mark.parametrize("batch_size,optimizer", [(1, "sgd"), (7, "sgd"), (180, "sgd"),
                                                  (16, "momentum"), (16, "adam")])
def test_train_on_each_engine_is_the_reference_step(data, engine, cost, batch_size, optimizer):
    X, Y = data
    net = bp.Network([2, 9, 6, 3], activation="tanh", output_activation="softmax", cost=cost, seed=3)
    lr = 0.01 if optimizer == "adam" else 0.1
    options = {"momentum": 0.9} if optimizer == "momentum" else {}
    if engine == "compiled":
        with pytest.raises(ValueError, match="engine 'compiled' cannot train this network: its "
                                             "kernel has no code for softmax"):
            bp.train(net, X, Y, learning_rate=lr, batch_size=batch_size, engine=engine)
        return
    reference = reference_run(net, X, Y, lr, batch_size, 2, 11, optimizer, **options)
    history = bp.train(net, X, Y, learning_rate=lr, batch_size=batch_size, epochs=2, seed=11,
                       optimizer=optimizer, record_updates=True, engine=engine, **options)
    assert history.engine == engine and not history.diverged
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("batch_size", [1, 8, 180])
def test_train_picks_numpy_for_softmax_and_says_so(data, batch_size):
    # a batch size at which a sigmoid network of this size would run compiled
    X, Y = data
    net = bp.Network([2, 9, 3], output_activation="softmax", cost="categorical_cross_entropy", seed=0)
    reference = reference_run(net, X, Y, 0.5, batch_size, 2, 5)
    history = bp.train(net, X, Y, learning_rate=0.5, batch_size=batch_size, epochs=2, seed=5,
                       record_updates=True)
    assert history.engine == "numpy"
    assert_same_run(net, history, reference)
    assert bp.train(bp.Network([2, 9, 3], seed=0), X, Y, learning_rate=0.5, batch_size=1,
                    epochs=1).engine == "compiled"


def test_float32_softmax_training_matches_the_reference(data):
    X, Y = data
    net = bp.Network([2, 16, 3], output_activation="softmax", cost="categorical_cross_entropy",
                     seed=0, dtype=np.float32)
    reference = reference_run(net, X, Y, 0.3, 32, 2, 1)
    history = bp.train(net, X, Y, learning_rate=0.3, batch_size=32, epochs=2, seed=1,
                       record_updates=True)
    assert all(a.dtype == np.float32 for a in net.weights + net.biases)
    assert_same_run(net, history, reference, np.float32)


def test_softmax_learns_to_tell_three_iris_species_apart():
    X, Y, X_test, Y_test = bp.datasets.load_dataset("iris", seed=0)
    net = bp.Network([4, 8, 3], activation="tanh", output_activation="softmax",
                     cost="categorical_cross_entropy", seed=0)
    history = bp.train(net, X, Y, learning_rate=0.1, batch_size=10, epochs=50, seed=0)
    assert history.cost[-1] < 0.2 * history.cost[0]
    assert net.accuracy(X, Y) > 0.9 and net.accuracy(X_test, Y_test) > 0.9


# --- clear errors ----------------------------------------------------------------------

@pytest.mark.parametrize("Y,message", [
    ([[0.0, 0.5, 0.0], [1.0, 0.0, 0.0]], r"Y row 0 sums to 0.5, not 1: .*one-hot"),
    ([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], r"Y row 1 sums to 2, not 1"),
    ([[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]], r"Y row 0 has a negative entry \(-0.5\)"),
    ([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]], r"Y row 0 sums to 0, not 1"),
])
def test_targets_that_are_not_one_hot_are_refused_by_name(Y, message):
    net = bp.Network([2, 3], output_activation="softmax", cost="categorical_cross_entropy", seed=0)
    X = np.zeros((2, 2))
    for call in (lambda: bp.backprop(net, X, Y), lambda: net.total_cost(X, Y),
                 lambda: bp.train(net, X, Y, learning_rate=0.1),
                 lambda: bp.output_error(net.feedforward(X), Y, X @ net.weights[0].T,
                                         "categorical_cross_entropy", "softmax")):
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=message.replace("Y row", "Y_val row")):
        bp.train(net, X, np.eye(3)[[0, 1]], learning_rate=0.1, X_val=X, Y_val=Y)


def test_labels_instead_of_one_hot_rows_get_the_shape_named():
    net = bp.Network([2, 3], output_activation="softmax", cost="categorical_cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"Y has shape \(2, 1\), expected \(n, 3\)"):
        bp.backprop(net, np.zeros((2, 2)), [[2], [0]])


def test_softmax_is_for_the_output_layer_only():
    with pytest.raises(ValueError, match="activation 'softmax' acts on a whole layer.*"
                                         "output_activation='softmax'"):
        bp.Network([2, 4, 3], activation="softmax")


def test_categorical_cross_entropy_needs_a_softmax_output():
    with pytest.raises(ValueError, match="cost 'categorical_cross_entropy' needs "
                                         "output_activation='softmax'.*got 'sigmoid'"):
        bp.Network([2, 4, 3], cost="categorical_cross_entropy")
    with pytest.raises(ValueError, match="needs a softmax output.*got activation 'sigmoid'"):
        bp.output_error(np.full((1, 2), 0.5), [[1.0, 0.0]], np.zeros((1, 2)),
                        "categorical_cross_entropy", "sigmoid")


def test_unknown_output_activation_lists_softmax():
    with pytest.raises(ValueError, match="unknown activation 'softmx'; choose one of .*'softmax'"):
        bp.Network([2, 3], output_activation="softmx")


def test_existing_output_errors_are_unchanged_for_elementwise_outputs(rng):
    Z, Y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    A = bp.sigmoid(Z)
    np.testing.assert_array_equal(quadratic_output_error(Z, A, Y), (A - Y) * bp.sigmoid_prime(Z))
