"""Costs: their values by an independent loop, their gradients by central differences."""
import numpy as np
import pytest

import bpkit as bp
from bpkit.costs import cross_entropy_output_error, quadratic_output_error


def per_example_loop_quadratic(A, Y):
    total = 0.0
    for a, y in zip(A, Y):
        total += 0.5 * sum((aj - yj) ** 2 for aj, yj in zip(a, y))
    return total / len(A)


def test_quadratic_cost_is_mean_of_half_squared_norms(rng):
    A, Y = rng.uniform(size=(7, 3)), rng.uniform(size=(7, 3))
    assert bp.quadratic_cost(A, Y) == pytest.approx(per_example_loop_quadratic(A, Y), rel=1e-14)


def test_quadratic_cost_of_one_example_has_the_half():
    assert bp.quadratic_cost(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]])) == 2.5


def test_cost_is_a_mean_so_repeating_the_batch_changes_nothing(rng):
    A, Y = rng.uniform(size=(5, 2)), rng.uniform(size=(5, 2))
    for name, cost in bp.COSTS.items():
        assert cost.fn(np.vstack([A, A]), np.vstack([Y, Y])) == pytest.approx(cost.fn(A, Y), rel=1e-14)


def test_cross_entropy_value():
    # one example, one output: -[y ln a + (1-y) ln(1-a)]
    a, y = 0.8, 1.0
    assert bp.cross_entropy_cost(np.array([[a]]), np.array([[y]])) == pytest.approx(-np.log(0.8))


@pytest.mark.parametrize("name", sorted(bp.COSTS))
def test_gradient_is_n_times_derivative_of_mean_cost(name, rng):
    # The per-example gradient ∇ₐC_x is the derivative of n·C with respect to row x.
    cost = bp.get_cost(name)
    A, Y = rng.uniform(0.1, 0.9, size=(4, 3)), rng.uniform(size=(4, 3))
    numerical = bp.numerical_gradient(lambda a: len(a) * cost.fn(a, Y), A)
    np.testing.assert_allclose(cost.gradient(A, Y), numerical, rtol=1e-7, atol=1e-9)


def test_cross_entropy_with_sigmoid_drops_sigma_prime(rng):
    Z, Y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 2))
    A = bp.sigmoid(Z)
    general = bp.cross_entropy_gradient(A, Y) * bp.sigmoid_prime(Z)
    np.testing.assert_allclose(cross_entropy_output_error(Z, A, Y, "sigmoid"), A - Y, atol=1e-15)
    np.testing.assert_allclose(general, A - Y, rtol=1e-9, atol=1e-12)


def test_quadratic_output_error_is_bp1():
    Z = np.array([[0.0, 2.0]])
    A, Y = bp.sigmoid(Z), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(quadratic_output_error(Z, A, Y), (A - Y) * bp.sigmoid_prime(Z))


def test_cross_entropy_stays_finite_for_saturated_outputs():
    assert np.isfinite(bp.cross_entropy_cost(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])))


def test_unknown_cost_names_the_value():
    with pytest.raises(ValueError, match="'hinge'"):
        bp.Network([2, 1], cost="hinge")


@pytest.mark.parametrize("name", sorted(bp.COSTS))
def test_a_cost_refuses_outputs_and_targets_of_different_shapes(name):
    # one output unit: (n, 1) against (n,) would broadcast to (n, n) without a word
    A = np.full((6, 1), 0.3)
    Y = np.array([0, 1, 0, 1, 1, 0.0])
    with pytest.raises(ValueError, match=r"A \(6, 1\) and Y \(6,\).*broadcast them to \(6, 6\)"):
        bp.get_cost(name).fn(A, Y)
    with pytest.raises(ValueError, match=r"A \(6, 2\) and Y \(6, 3\)"):
        bp.get_cost(name).fn(np.full((6, 2), 0.5), np.full((6, 3), 0.5))
