"""σ, σ′ and the other activations: values, derivatives against central differences."""
import warnings

import numpy as np
import pytest

import bpkit as bp

Z = np.linspace(-6, 6, 25) + 0.013   # avoids ReLU's kink at exactly 0


def central_difference(f, z, eps=1e-6):
    return (f(z + eps) - f(z - eps)) / (2 * eps)


def test_sigmoid_matches_its_definition():
    np.testing.assert_allclose(bp.sigmoid(Z), 1 / (1 + np.exp(-Z)), rtol=1e-14)
    assert bp.sigmoid(0.0) == 0.5


def test_sigmoid_is_stable_far_out():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # any overflow warning fails the test
        s = bp.sigmoid(np.array([-1000.0, -700.0, 700.0, 1000.0]))
        d = bp.sigmoid_prime(np.array([-1000.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert 0 < s[1] < 1e-300
    np.testing.assert_array_equal(d, [0.0, 0.0])


def test_sigmoid_symmetry():
    np.testing.assert_allclose(bp.sigmoid(-Z), 1 - bp.sigmoid(Z), atol=1e-15)


@pytest.mark.parametrize("name", sorted(bp.ACTIVATIONS))
def test_derivative_matches_central_difference(name):
    fn, prime = bp.get_activation(name)
    np.testing.assert_allclose(prime(Z), central_difference(fn, Z), rtol=1e-7, atol=1e-9)


def test_sigmoid_prime_peaks_at_a_quarter():
    assert bp.sigmoid_prime(0.0) == 0.25
    assert np.all(bp.sigmoid_prime(Z) < 0.25)


def test_relu_subgradient_at_zero_is_zero():
    assert bp.relu_prime(0.0) == 0.0
    np.testing.assert_array_equal(bp.relu_prime(np.array([-1e-12, 1e-12])), [0.0, 1.0])


def test_tanh_range_and_derivative_peak():
    t = bp.tanh(np.array([-50.0, 0.0, 50.0]))
    np.testing.assert_array_equal(t, [-1.0, 0.0, 1.0])
    assert bp.tanh_prime(0.0) == 1.0


def test_shapes_and_float32_are_kept():
    z = np.ones((3, 4), dtype=np.float32)
    for fn, prime in bp.ACTIVATIONS.values():
        assert fn(z).shape == (3, 4) and fn(z).dtype == np.float32
        assert prime(z).dtype == np.float32
    assert bp.sigmoid([1, 2]).dtype == np.float64


def test_unknown_activation_names_the_value():
    with pytest.raises(ValueError, match="'softplus'"):
        bp.get_activation("softplus")
