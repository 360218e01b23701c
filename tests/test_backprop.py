"""The four equations, each against a numerical derivative, and backprop as a whole.

δ^l is defined as ∂C_x/∂z^l for each example x; with C the mean over the batch,
that is the derivative of n·C with respect to row x of Z^l. Each test computes
that derivative by central differences, independently of bpkit's formulas.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import bpkit as bp

ACTIVATION_NAMES = sorted(bp.ACTIVATIONS)


def forward_from(net, l, Z):
    """The network's output when layer l's pre-activation (list index l) is set to Z."""
    names = net.layer_activations()
    A = bp.get_activation(names[l]).fn(Z)
    for W, b, name in zip(net.weights[l + 1:], net.biases[l + 1:], names[l + 1:]):
        A = bp.get_activation(name).fn(A @ W.T + b)
    return A


def numerical_delta(net, X, Y, l):
    """∂(n·C)/∂Z^l by central differences: the δ of layer index l, for every example."""
    zs, _ = net.forward(X)
    cost = bp.get_cost(net.cost).fn
    return bp.numerical_gradient(lambda Z: len(X) * cost(forward_from(net, l, Z), Y), zs[l])


@pytest.fixture
def problem(rng):
    # non-square layers, several examples
    net = bp.Network([3, 5, 4, 2], seed=7)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    return net, X, Y


@pytest.mark.parametrize("cost,activation", [("quadratic", "sigmoid"), ("quadratic", "tanh"),
                                             ("quadratic", "identity"), ("cross_entropy", "sigmoid")])
def test_bp1_output_error(rng, cost, activation):
    net = bp.Network([3, 4, 2], output_activation=activation, cost=cost, seed=1)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    zs, activations = net.forward(X)
    delta = bp.output_error(activations[-1], Y, zs[-1], cost, activation)
    np.testing.assert_allclose(delta, numerical_delta(net, X, Y, 1), rtol=1e-6, atol=1e-9)


def test_bp1_quadratic_sigmoid_formula():
    Z = np.array([[0.5, -1.0]])
    A, Y = bp.sigmoid(Z), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(bp.output_error(A, Y, Z), (A - Y) * bp.sigmoid_prime(Z), rtol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_bp2_hidden_error(problem, activation):
    net, X, Y = problem
    net = bp.Network(net.sizes, activation=activation, output_activation="sigmoid", seed=2)
    zs, activations = net.forward(X)
    names = net.layer_activations()
    delta = bp.output_error(activations[-1], Y, zs[-1], net.cost, names[-1])
    for l in (1, 0):   # walk back: layer index 2 -> 1 -> 0
        delta = bp.hidden_error(delta, net.weights[l + 1], zs[l], names[l])
        np.testing.assert_allclose(delta, numerical_delta(net, X, Y, l), rtol=1e-6, atol=1e-9)


def test_bp2_uses_sigma_prime_of_its_own_layer(problem):
    net, X, Y = problem
    zs, activations = net.forward(X)
    delta_L = bp.output_error(activations[-1], Y, zs[-1])
    delta = bp.hidden_error(delta_L, net.weights[2], zs[1])
    np.testing.assert_allclose(delta, (delta_L @ net.weights[2]) * bp.sigmoid_prime(zs[1]))


def test_bp3_bias_gradient(problem):
    net, X, Y = problem
    zs, activations = net.forward(X)
    delta = bp.output_error(activations[-1], Y, zs[-1])
    _, num_b = bp.numerical_network_gradient(net, X, Y)
    np.testing.assert_allclose(bp.bias_gradient(delta), num_b[-1], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(bp.bias_gradient(delta), delta.sum(axis=0) / len(X))


def test_bp4_weight_gradient(problem):
    net, X, Y = problem
    zs, activations = net.forward(X)
    delta = bp.output_error(activations[-1], Y, zs[-1])
    num_w, _ = bp.numerical_network_gradient(net, X, Y)
    grad = bp.weight_gradient(delta, activations[-2])
    assert grad.shape == net.weights[-1].shape == (2, 4)
    np.testing.assert_allclose(grad, num_w[-1], rtol=1e-7, atol=1e-10)
    # the same as the mean of per-example outer products δ_x a_xᵀ
    outer = np.mean([np.outer(d, a) for d, a in zip(delta, activations[-2])], axis=0)
    np.testing.assert_allclose(grad, outer, rtol=1e-13)


def test_backprop_of_batch_is_mean_of_single_examples(problem):
    net, X, Y = problem
    grad_w, grad_b = bp.backprop(net, X, Y)
    singles = [bp.backprop(net, X[i:i + 1], Y[i:i + 1]) for i in range(len(X))]
    for l in range(3):
        np.testing.assert_allclose(grad_w[l], np.mean([s[0][l] for s in singles], axis=0), rtol=1e-12)
        np.testing.assert_allclose(grad_b[l], np.mean([s[1][l] for s in singles], axis=0), rtol=1e-12)


# An independent reference for the gradient check: the same network written
# again in extended precision (80-bit long double on x86-64, ε ≈ 1e-19), the
# cross-entropy computed from z (no cancellation in 1 − σ(z)), and central
# differences taken on that. Rounding in the reference is then far below the
# 1e-7 the test demands, even for the small gradients of deep sigmoid layers.
LONG = np.longdouble
LONG_ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "identity": lambda z: z,
}


def long_cost(net, weights, biases, X, Y):
    A = X
    names = net.layer_activations()
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = A @ W.T + b
        if l < len(weights) - 1:
            A = LONG_ACTIVATIONS[names[l]](Z)
    if net.cost == "cross_entropy":     # sigmoid output: C_x = Σ softplus(z) − y z
        softplus = np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))
        return np.sum(softplus - Y * Z) / len(X)
    return np.sum((LONG_ACTIVATIONS[names[-1]](Z) - Y) ** 2) / (2 * len(X))


def long_numerical_gradient(net, X, Y, eps=LONG(1e-5)):
    weights = [W.astype(LONG) for W in net.weights]
    biases = [b.astype(LONG) for b in net.biases]
    X, Y = X.astype(LONG), Y.astype(LONG)
    grads = []
    for param in weights + biases:
        grad = np.empty(param.shape)
        for i in np.ndindex(param.shape):
            saved = param[i]
            param[i] = saved + eps
            up = long_cost(net, weights, biases, X, Y)
            param[i] = saved - eps
            down = long_cost(net, weights, biases, X, Y)
            param[i] = saved
            grad[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.skipif(np.finfo(LONG).eps > 1e-18, reason="needs 80-bit long double for the reference")
@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
       activation=st.sampled_from(ACTIVATION_NAMES),
       pair=st.sampled_from([("quadratic", "sigmoid"), ("quadratic", "identity"),
                             ("quadratic", "tanh"), ("cross_entropy", "sigmoid")]),
       n=st.integers(1, 6), seed=st.integers(0, 2**31 - 1))
def test_backprop_agrees_with_central_differences(sizes, activation, pair, n, seed):
    cost, output_activation = pair
    net = bp.Network(sizes, activation=activation, output_activation=output_activation,
                     cost=cost, seed=seed)
    rng = np.random.default_rng(seed)
    for b in net.biases:        # non-zero biases, so their gradients are tested in general
        b += rng.normal(scale=0.5, size=b.shape)
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.uniform(0.05, 0.95, size=(n, sizes[-1]))
    zs, _ = net.forward(X)
    # central differences are meaningless across ReLU's kink
    assume(activation != "relu" or min((np.abs(z).min() for z in zs[:-1]), default=1) > 1e-5)
    grad_w, grad_b = bp.backprop(net, X, Y)
    for g, num in zip(grad_w + grad_b, long_numerical_gradient(net, X, Y)):
        # every weight and every bias, array by array; an array whose gradient is
        # zero (a ReLU unit that is off for the whole batch) must be exactly zero
        if np.linalg.norm(num) < 1e-12:
            np.testing.assert_allclose(g, 0, atol=1e-12)
        else:
            assert bp.relative_error(g, num) < 1e-7, (g, num)


def test_bpkit_gradient_check_is_below_threshold_on_a_typical_network(rng):
    X, Y = rng.normal(size=(10, 3)), rng.uniform(size=(10, 2))
    for activation in ACTIVATION_NAMES:
        net = bp.Network([3, 6, 5, 2], activation=activation, seed=3)
        assert bp.gradient_check(net, X, Y) < 1e-7


def test_backprop_returns_new_arrays_and_leaves_net_alone(problem):
    net, X, Y = problem
    before = [W.copy() for W in net.weights] + [b.copy() for b in net.biases]
    grad_w, grad_b = bp.backprop(net, X, Y)
    grad_w[0] += 1.0
    for p, q in zip(net.weights + net.biases, before):
        np.testing.assert_array_equal(p, q)
    assert all(g.shape == W.shape for g, W in zip(grad_w, net.weights))
    assert all(g.shape == b.shape for g, b in zip(grad_b, net.biases))


def test_shape_mismatch_in_hidden_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 5\).*\(4, 4\)"):
        bp.hidden_error(np.zeros((4, 3)), np.zeros((3, 5)), np.zeros((4, 4)))


def test_weight_gradient_rejects_mismatched_batches():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4, 5\)"):
        bp.weight_gradient(np.zeros((3, 2)), np.zeros((4, 5)))


def test_output_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"A \(2, 1\).*Y \(2, 2\)"):
        bp.output_error(np.zeros((2, 1)), np.zeros((2, 2)), np.zeros((2, 1)))
