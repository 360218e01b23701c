"""bpkit.init: the initialization rules, the variance equations against simulation, the
Gaussian expectations against exact moments, and the layer statistics against backprop."""
import math

import numpy as np
import pytest

import bpkit as bp
from bpkit import init


# --- the rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("rule,n_in,n_out,expected", [
    ("lecun", 100, 10, 0.01), ("glorot", 100, 300, 0.005), ("he", 50, 7, 0.04),
    (1, 100, 10, 0.01), (2, 50, 7, 0.04), (0.25, 4, 4, 0.0625), (8.0, 64, 100, 0.125)])
def test_weight_variance_follows_the_rules(rule, n_in, n_out, expected):
    assert init.weight_variance(rule, n_in, n_out) == pytest.approx(expected, rel=1e-15)


def test_glorot_is_the_harmonic_mean_of_the_forward_and_backward_conditions():
    n_in, n_out = 64, 100
    harmonic = 2 / (1 / init.weight_variance("lecun", n_in, n_out)
                    + 1 / init.weight_variance("lecun", n_out, n_in))
    assert init.weight_variance("glorot", n_in, n_out) == pytest.approx(harmonic, rel=1e-15)


@pytest.mark.parametrize("rule,error,words", [
    ("xavier", ValueError, "unknown rule 'xavier'"), (0, ValueError, "got 0"),
    (-2.0, ValueError, "got -2.0"), (math.inf, ValueError, "got inf"),
    (True, ValueError, "unknown rule True"), (None, ValueError, "unknown rule None")])
def test_a_bad_rule_is_named(rule, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        init.weight_variance(rule, 10, 10)


def test_bad_widths_are_named():
    with pytest.raises(ValueError, match="n_in must be an integer >= 1, got 0"):
        init.weight_variance("he", 0, 5)
    with pytest.raises(TypeError, match="n_out must be an integer"):
        init.weight_variance("he", 5, 2.5)


# --- drawing the weights -----------------------------------------------------------------

def test_initialize_gives_network_shaped_weights_and_zero_biases():
    weights, biases = init.initialize([3, 5, 2], "he", seed=0)
    assert [W.shape for W in weights] == [(5, 3), (2, 5)]
    assert [b.shape for b in biases] == [(5,), (2,)]
    assert all(not b.any() for b in biases)


def test_initialize_is_reproducible_from_a_seed_or_a_generator():
    first, _ = init.initialize([4, 6, 3], "glorot", seed=7)
    again, _ = init.initialize([4, 6, 3], "glorot", seed=np.random.default_rng(7))
    other, _ = init.initialize([4, 6, 3], "glorot", seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not any(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("activation,rule", [("sigmoid", "lecun"), ("tanh", "lecun"), ("relu", "he")])
def test_initialize_draws_the_weights_network_starts_with(activation, rule):
    sizes = [7, 12, 12, 3]
    net = bp.Network(sizes, activation=activation, seed=11)
    weights, biases = init.initialize(sizes, rule, seed=11)
    assert all(np.array_equal(W, V) for W, V in zip(net.weights, weights))
    assert all(np.array_equal(b, c) for b, c in zip(net.biases, biases))


@pytest.mark.parametrize("rule", ["lecun", "glorot", "he", 8])
def test_the_drawn_entries_have_the_rule_s_variance(rule):
    n_in, n_out = 400, 250
    (W,), _ = init.initialize([n_in, n_out], rule, seed=3)
    expected = init.weight_variance(rule, n_in, n_out)
    # 100,000 entries: the sample variance is within 1.5 % of the true one (≈ 3.4 standard errors)
    assert W.var() == pytest.approx(expected, rel=0.015)
    assert abs(W.mean()) < 4 * math.sqrt(expected / W.size)


@pytest.mark.parametrize("sizes,error,words", [
    ([5], ValueError, "at least two layers"), (5, TypeError, "list of layer sizes"),
    ("55", TypeError, "list of layer sizes"), ([3, 0, 2], ValueError, r"sizes\[1\] must be")])
def test_initialize_refuses_bad_sizes(sizes, error, words):
    with pytest.raises(error, match=words):
        init.initialize(sizes, "he", seed=0)


# --- the variance equations against simulation -------------------------------------------

@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid"])
def test_forward_variance_matches_a_simulated_layer(name):
    rng = np.random.default_rng(5)
    n_in, var_w = 300, 1.7 / 300
    sigma, _ = bp.get_activation(name)
    A = sigma(rng.standard_normal((2000, n_in)) * 1.3)          # inputs of any mean
    W = rng.standard_normal((400, n_in)) * math.sqrt(var_w)
    # a fixed W draws each unit's offset Σ_k w_jk E[a] once: 400 units, a few % of spread
    predicted = init.forward_variance(n_in, var_w, np.mean(A ** 2))
    assert (A @ W.T).var() == pytest.approx(predicted, rel=0.06)


def test_forward_variance_uses_the_mean_square_not_the_variance():
    # sigmoid outputs: E[a²] ≈ 0.29 against Var(a) ≈ 0.04, so the two predictions differ sevenfold
    rng = np.random.default_rng(6)
    A = bp.sigmoid(rng.standard_normal((2000, 200)))
    W = rng.standard_normal((1000, 200)) * math.sqrt(1 / 200)
    measured = (A @ W.T).var()
    assert measured == pytest.approx(init.forward_variance(200, 1 / 200, np.mean(A ** 2)), rel=0.1)
    assert measured > 4 * init.forward_variance(200, 1 / 200, A.var())


@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid"])
def test_backward_variance_matches_a_simulated_bp2_step(name):
    rng = np.random.default_rng(7)
    n, n_out, var_w = 3000, 500, 2.0 / 500
    _, prime = bp.get_activation(name)
    delta_next = rng.standard_normal((n, n_out)) * 0.3
    W_next = rng.standard_normal((n_out, 200)) * math.sqrt(var_w)
    Z = rng.standard_normal((n, 200)) * 1.5
    delta = bp.hidden_error(delta_next, W_next, Z, name)                       # BP2
    predicted = init.backward_variance(n_out, var_w, np.mean(prime(Z) ** 2), delta_next.var())
    assert delta.var() == pytest.approx(predicted, rel=0.05)


def test_the_variance_equations_work_elementwise_and_compute_the_formula():
    assert init.forward_variance(100, 0.02, 0.5) == pytest.approx(1.0)
    assert init.backward_variance(10, 0.1, 0.25, 4.0) == pytest.approx(1.0)
    np.testing.assert_allclose(init.forward_variance(10, np.array([0.1, 0.2]), 2.0), [2.0, 4.0])


# --- Gaussian expectations ---------------------------------------------------------------

@pytest.mark.parametrize("variance", [0.01, 1.0, 7.5])
def test_gaussian_mean_gives_the_exact_moments(variance):
    assert init.gaussian_mean(lambda z: np.ones_like(z), variance) == pytest.approx(1.0, abs=1e-14)
    assert init.gaussian_mean(lambda z: z, variance) == pytest.approx(0.0, abs=1e-14)
    assert init.gaussian_mean(lambda z: z ** 2, variance) == pytest.approx(variance, rel=1e-13)
    assert init.gaussian_mean(lambda z: z ** 4, variance) == pytest.approx(3 * variance ** 2, rel=1e-12)


@pytest.mark.parametrize("variance", [0.3, 2.0, 40.0])
def test_gaussian_mean_of_relu_halves_exactly(variance):
    # each half-line is integrated on its own, so ReLU's kink at 0 costs no accuracy
    assert init.gaussian_mean(lambda z: bp.relu(z) ** 2, variance) == pytest.approx(variance / 2, rel=1e-12)
    assert init.gaussian_mean(lambda z: bp.relu_prime(z) ** 2, variance) == pytest.approx(0.5, rel=1e-12)
    assert init.gaussian_mean(bp.relu, variance) == pytest.approx(math.sqrt(variance / (2 * math.pi)),
                                                                  rel=1e-12)


def test_gaussian_mean_of_smooth_functions_matches_numerical_integration():
    from scipy.integrate import quad
    for f, variance in [(lambda z: np.tanh(z) ** 2, 0.7), (lambda z: bp.tanh_prime(z) ** 2, 40.0),
                        (lambda z: bp.sigmoid_prime(z) ** 2, 3.0), (lambda z: bp.sigmoid(z) ** 2, 25.0)]:
        density = lambda z: math.exp(-z * z / (2 * variance)) / math.sqrt(2 * math.pi * variance)
        exact, _ = quad(lambda z: float(f(np.array(z))) * density(z), -np.inf, np.inf)
        assert init.gaussian_mean(f, variance) == pytest.approx(exact, rel=1e-9)


def test_gaussian_mean_refuses_a_negative_variance():
    with pytest.raises(ValueError, match="variance must be a finite number >= 0, got -1.0"):
        init.gaussian_mean(np.tanh, -1.0)


# --- propagation through layers ----------------------------------------------------------

def test_he_keeps_relu_variances_level_and_lecun_halves_them():
    sizes = [50] * 8
    he = init.propagate(sizes, "relu", "he", input_mean_square=1.0)
    np.testing.assert_allclose(he.variance_z, 2.0, rtol=1e-12)
    np.testing.assert_allclose(he.std_a, math.sqrt(1 - 1 / math.pi), rtol=1e-12)
    np.testing.assert_allclose(he.delta_ratio, 1.0, rtol=1e-12)
    lecun = init.propagate(sizes, "relu", "lecun", input_mean_square=1.0)
    np.testing.assert_allclose(lecun.variance_z, [0.5 ** l for l in range(6)], rtol=1e-12)
    np.testing.assert_allclose(lecun.delta_ratio, [0.5 ** (6 - l) for l in range(6)], rtol=1e-12)


def test_identity_layers_keep_every_variance_at_lecun_scale():
    p = init.propagate([30, 30, 30, 30], "identity", "lecun", input_mean_square=0.7)
    np.testing.assert_allclose(p.variance_z, 0.7, rtol=1e-12)
    np.testing.assert_allclose(p.std_a, math.sqrt(0.7), rtol=1e-12)
    np.testing.assert_allclose(p.delta_ratio, 1.0, rtol=1e-12)


def test_propagation_takes_each_layer_s_widths():
    # Var(z^1) = n_0 Var(w^1) E[x²]; the backward factor of layer 1 uses n_2 and Var(w^2)
    p = init.propagate([10, 40, 5], "identity", "glorot", input_mean_square=1.0)
    assert p.variance_z[0] == pytest.approx(10 * 2 / 50)
    assert p.delta_ratio[0] == pytest.approx(5 * 2 / 45)


@pytest.mark.parametrize("name,scale", [("tanh", 1), ("tanh", 8), ("relu", 2), ("sigmoid", 4)])
def test_propagate_predicts_a_wide_network_s_measured_spreads(name, scale):
    sizes = [100] + [400] * 6 + [10]
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 100))
    Y = np.eye(10)[rng.integers(0, 10, 300)]
    net = bp.Network(sizes, activation=name, output_activation="softmax",
                     cost="categorical_cross_entropy")
    net.weights, net.biases = init.initialize(sizes, scale, seed=4)
    stats = init.layer_statistics(net, X, Y)
    p = init.propagate(sizes, name, scale, input_mean_square=float(np.mean(X ** 2)))
    np.testing.assert_allclose(stats.activation_std[1:-1], p.std_a, rtol=0.12)
    np.testing.assert_allclose(stats.delta_std[:-1], stats.delta_std[-1] * np.sqrt(p.delta_ratio),
                               rtol=0.2)


# --- measured layer statistics -----------------------------------------------------------

def test_layer_statistics_of_one_example_are_the_spread_of_backprop_s_bias_gradients():
    # BP3 with n = 1: ∂C/∂b^l = δ^l, so the spread of δ^l over the units is that of grad_b
    net = bp.Network([3, 6, 5, 2], activation="tanh", seed=1)
    x, y = np.array([[0.3, -1.2, 0.8]]), np.array([[0.1, 0.9]])
    stats = init.layer_statistics(net, x, y)
    _, grad_b = bp.backprop(net, x, y)
    np.testing.assert_allclose(stats.delta_std, [np.std(g) for g in grad_b], rtol=1e-12)
    _, activations = net.forward(x)
    np.testing.assert_allclose(stats.activation_std, [A.std() for A in activations], rtol=1e-12)
    assert stats.activation_std.shape == (4,) and stats.delta_std.shape == (3,)


def test_layer_statistics_uses_the_network_s_cost_and_output():
    net = bp.Network([4, 8, 3], activation="relu", output_activation="softmax",
                     cost="categorical_cross_entropy", seed=2)
    X = np.linspace(-1, 1, 20).reshape(5, 4)
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    stats = init.layer_statistics(net, X, Y)
    assert stats.delta_std[-1] == pytest.approx(float((net.feedforward(X) - Y).std()), rel=1e-12)


def test_layer_statistics_refuses_mismatched_batches():
    net = bp.Network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="X has 4 rows but Y has 3"):
        init.layer_statistics(net, np.zeros((4, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\), expected \(n, 2\)"):
        init.layer_statistics(net, np.zeros((4, 3)), np.zeros((4, 1)))
