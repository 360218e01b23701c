"""Central differences and the relative error."""
import numpy as np
import pytest

import bpkit as bp


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.normal(size=(3, 2))
    grad = bp.numerical_gradient(lambda t: np.sum(t ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)


def test_numerical_gradient_leaves_its_argument_alone():
    x = np.array([1.0, 2.0])
    bp.numerical_gradient(lambda t: float(t @ t), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_relative_error_values():
    assert bp.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert bp.relative_error([1.0], [-1.0]) == 1.0
    assert bp.relative_error([0.0], [0.0]) == 0.0
    assert bp.relative_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)


def test_gradient_check_passes_for_backprop_and_fails_for_a_wrong_gradient(xor_data):
    X, Y = xor_data
    net = bp.Network([2, 4, 1], seed=0)
    assert bp.gradient_check(net, X, Y) < 1e-7
    grad_w, _ = bp.backprop(net, X, Y)
    num_w, _ = bp.numerical_network_gradient(net, X, Y)
    # the update "added" instead of subtracted is a sign error: relative error 1
    assert bp.relative_error(-grad_w[0], num_w[0]) == pytest.approx(1.0)
    # a missing 1/n is a factor n
    assert bp.relative_error(grad_w[0] * len(X), num_w[0]) > 0.9


def test_bad_eps():
    with pytest.raises(ValueError, match="eps"):
        bp.numerical_gradient(lambda t: 0.0, np.zeros(2), eps=0)


def test_a_function_returning_an_array_gets_bpkits_own_error():
    with pytest.raises(TypeError, match=r"must return one number .* shape \(3,\)"):
        bp.numerical_gradient(lambda theta: 2 * theta, np.ones(3))
