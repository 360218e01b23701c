"""Network: shapes, initialisation, forward pass, and clear errors for bad input."""
import numpy as np
import pytest

import bpkit as bp


def test_shapes_follow_the_equations():
    net = bp.Network([2, 8, 1], seed=0)
    assert [W.shape for W in net.weights] == [(8, 2), (1, 8)]
    assert [b.shape for b in net.biases] == [(8,), (1,)]
    assert net.num_parameters == 8 * 2 + 8 + 8 + 1


def test_forward_pass_by_hand(rng):
    net = bp.Network([2, 3, 1], seed=0)
    X = rng.normal(size=(4, 2))
    a1 = 1 / (1 + np.exp(-(X @ net.weights[0].T + net.biases[0])))
    a2 = 1 / (1 + np.exp(-(a1 @ net.weights[1].T + net.biases[1])))
    np.testing.assert_allclose(net.feedforward(X), a2, rtol=1e-14)
    zs, activations = net.forward(X)
    assert len(zs) == 2 and len(activations) == 3 and activations[0] is not None
    np.testing.assert_allclose(activations[1], a1, rtol=1e-14)


def test_same_seed_same_weights_different_seed_different():
    a, b, c = bp.Network([3, 4, 2], seed=5), bp.Network([3, 4, 2], seed=5), bp.Network([3, 4, 2], seed=6)
    for Wa, Wb, Wc in zip(a.weights, b.weights, c.weights):
        np.testing.assert_array_equal(Wa, Wb)
        assert not np.allclose(Wa, Wc)


def test_scaled_init_keeps_z_near_unit_variance():
    net = bp.Network([400, 300], seed=0)
    X = np.random.default_rng(1).normal(size=(200, 400))
    z = X @ net.weights[0].T
    assert 0.8 < z.std() < 1.2


def test_copy_is_independent():
    net = bp.Network([2, 3, 1], seed=0)
    other = net.copy()
    other.weights[0] += 1
    assert not np.allclose(net.weights[0], other.weights[0])


def test_accuracy_and_predict():
    net = bp.Network([1, 1], seed=0)
    net.weights[0][:] = 10.0
    X = np.array([[-1.0], [1.0], [2.0]])
    np.testing.assert_array_equal(net.predict(X), [0, 1, 1])
    assert net.accuracy(X, np.array([[0.0], [1.0], [0.0]])) == pytest.approx(2 / 3)


@pytest.mark.parametrize("sizes", [[3], [], [2, 0, 1], [2, 1.5]])
def test_bad_sizes(sizes):
    with pytest.raises((ValueError, TypeError), match="sizes"):
        bp.Network(sizes)


def test_wrong_input_width_names_both_shapes():
    net = bp.Network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"X has shape \(5, 3\), expected \(n, 2\)"):
        net.feedforward(np.zeros((5, 3)))


def test_one_dimensional_target_is_refused_with_a_hint():
    net = bp.Network([2, 1], seed=0)
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        bp.backprop(net, np.zeros((4, 2)), np.zeros(4))


def test_a_wrong_weight_shape_names_the_layer():
    net = bp.Network([2, 3, 1], seed=0)
    net.weights[1] = np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"layer 2: weights has shape \(3, 1\), expected \(1, 3\)"):
        net.feedforward(np.zeros((1, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_refused(bad):
    net = bp.Network([2, 1], seed=0)
    X = np.zeros((3, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match="X contains a non-finite value"):
        bp.backprop(net, X, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="Y contains a non-finite value"):
        bp.train(net, np.zeros((3, 2)), np.full((3, 1), bad), learning_rate=0.1)


def test_row_mismatch_is_refused():
    with pytest.raises(ValueError, match="X has 3 rows but Y has 2"):
        bp.backprop(bp.Network([2, 1]), np.zeros((3, 2)), np.zeros((2, 1)))


def test_sizes_given_one_by_one_get_a_clear_error():
    with pytest.raises(TypeError, match=r"list of layer sizes, such as \[2, 8, 1\], got 2"):
        bp.Network(2, 8, 1)
