"""bpkit.second_order: Newton's step, Hessian-vector products, power iteration, counted L-BFGS.

The exact Hessian-vector product (Pearlmutter's R-operator) is checked three ways: against
the full Hessian by differences of backprop's gradients (``bpkit.experiments.hessian``), against
a network whose Hessian is known in closed form (one linear layer: (1/n) Σ [x; 1][x; 1]ᵀ per
output), and for the symmetry that the true Hessian has and nothing in the code imposes.
"""
import numpy as np
import pytest

import bpkit as bp
import bpkit.experiments as ex
from bpkit import autodiff as ad
from bpkit import second_order as so

PAIRS = [  # sizes, hidden activation, output activation, cost: every branch of BP1·
    ([2, 3, 1], "sigmoid", "sigmoid", "quadratic"),
    ([1, 4, 1], "tanh", "identity", "quadratic"),
    ([2, 3, 2], "tanh", "tanh", "quadratic"),
    ([2, 3, 4, 2], "tanh", "sigmoid", "cross_entropy"),
    ([3, 4, 3], "sigmoid", "softmax", "categorical_cross_entropy"),
    ([2, 5, 1], "relu", "identity", "quadratic"),
]


def task(sizes, activation, output, cost, seed=0, n=7):
    rng = np.random.default_rng(seed)
    net = bp.Network(sizes, activation=activation, output_activation=output, cost=cost, seed=seed)
    # ReLU's Hessian is only defined away from its kink: keep every z clear of 0
    for b in net.biases:
        b += rng.uniform(0.2, 0.5, size=b.shape)
    X = rng.normal(size=(n, sizes[0]))
    if cost == "categorical_cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    else:
        Y = rng.uniform(size=(n, sizes[-1]))
    return net, X, Y, rng.normal(size=net.num_parameters)


# --- Newton's step ------------------------------------------------------------------------

def test_one_newton_step_reaches_the_minimum_of_a_quadratic():
    rng = np.random.default_rng(1)
    M = rng.normal(size=(4, 4))
    A, b = M @ M.T + 0.1 * np.eye(4), rng.normal(size=4)      # f = ½xᵀAx − bᵀx
    path = so.newton(lambda x: A @ x - b, lambda x: A, rng.normal(size=4), steps=1)
    np.testing.assert_allclose(path[1], np.linalg.solve(A, b), rtol=1e-10)
    assert path.shape == (2, 4)


def test_a_large_damping_turns_newton_into_a_small_gradient_step():
    g, H = np.array([1.0, -2.0]), np.array([[3.0, 1.0], [1.0, 5.0]])
    np.testing.assert_allclose(so.newton_step(g, H, damping=1e8), -g / 1e8, rtol=1e-7)
    np.testing.assert_allclose(so.newton_step(g, H), -np.linalg.solve(H, g))


def test_hessian_shift_lifts_the_smallest_eigenvalue_to_the_floor():
    H = np.array([[-2.0, 0.5], [0.5, 3.0]])
    tau = so.hessian_shift(H, 0.5)
    assert np.linalg.eigvalsh(H + tau * np.eye(2))[0] == pytest.approx(0.5)
    assert so.hessian_shift(np.diag([2.0, 3.0]), 0.5) == 0.0


def test_pure_newton_converges_to_a_saddle_and_the_regularised_step_to_a_minimum():
    # f = (x² − 1)² + 0.3x + y²/2: H is indefinite for |x| < 1/√3, where Newton heads for the saddle
    def hessian(p):
        return np.array([[12 * p[0] ** 2 - 4, 0.0], [0.0, 1.0]])
    start = [0.3, 1.0]
    pure = so.newton(ex.double_well_gradient, hessian, start, 30)
    regularised = so.newton(ex.double_well_gradient, hessian, start, 30, floor=1.0)
    for end, curvature_sign in ((pure[-1], -1), (regularised[-1], 1)):
        assert np.linalg.norm(ex.double_well_gradient(end)) < 1e-10
        assert np.sign(hessian(end)[0, 0]) == curvature_sign
    assert ex.double_well(*regularised[-1]) < ex.double_well(*pure[-1])


@pytest.mark.parametrize("call, match", [
    (lambda: so.newton_step([1.0, 2.0], np.eye(3)), r"hessian must be \(2, 2\)"),
    (lambda: so.newton_step([1.0], [[1.0]], damping=-1), "damping must be"),
    (lambda: so.newton_step([1.0, 1.0], np.zeros((2, 2))), "singular"),
    (lambda: so.hessian_shift(np.eye(2), 0), "floor must be"),
    (lambda: so.newton(lambda x: x, lambda x: np.eye(1), [np.nan], 3), "x0 must be finite"),
    (lambda: so.newton(lambda x: x, lambda x: np.eye(1), [1.0], -1), "steps must be"),
])
def test_newton_refuses_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- Hessian-vector products --------------------------------------------------------------

@pytest.mark.parametrize("sizes, activation, output, cost", PAIRS)
def test_exact_product_matches_the_hessian_by_differences(sizes, activation, output, cost):
    net, X, Y, v = task(sizes, activation, output, cost)
    H = ex.hessian(net, X, Y)
    assert bp.relative_error(so.hessian_vector_product(net, X, Y, v), H @ v) < 1e-8
    assert bp.relative_error(so.hessian_vector_difference(net, X, Y, v), H @ v) < 1e-8


@pytest.mark.parametrize("sizes, activation, output, cost", PAIRS)
def test_the_hessian_built_from_exact_products_is_symmetric(sizes, activation, output, cost):
    net, X, Y, _ = task(sizes, activation, output, cost, seed=3)
    columns = [so.hessian_vector_product(net, X, Y, e) for e in np.eye(net.num_parameters)]
    H = np.stack(columns, axis=1)
    assert np.max(np.abs(H - H.T)) < 1e-12 * np.max(np.abs(H))


def test_exact_product_of_a_linear_layer_is_the_closed_form():
    # C = (1/n) Σ ½‖Wx + b − y‖²: each output row (w_j, b_j) has the block (1/n) Σ [x; 1][x; 1]ᵀ
    rng = np.random.default_rng(5)
    net = bp.Network([3, 2], activation="identity", seed=5)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    Xb = np.hstack([X, np.ones((6, 1))])
    block = Xb.T @ Xb / 6
    H = np.zeros((8, 8))
    for j in range(2):      # W row j is entries 3j..3j+2, b_j is entry 6 + j
        idx = [3 * j, 3 * j + 1, 3 * j + 2, 6 + j]
        H[np.ix_(idx, idx)] = block
    v = rng.normal(size=8)
    np.testing.assert_allclose(so.hessian_vector_product(net, X, Y, v), H @ v, rtol=1e-12, atol=1e-14)


def test_tangent_pass_gives_the_directional_derivative_of_the_cost():
    net, X, Y, v = task([2, 3, 2], "tanh", "sigmoid", "quadratic")
    V, c = so.split_vector(net, v)
    expected = ex.gradient_vector(net, X, Y) @ v
    assert ad.network_jvp(net, X, Y, V, c) == pytest.approx(expected, rel=1e-12)
    _, activations, _, a_dots = so.tangent_forward(net, X, V, c)
    derivative = np.sum(bp.get_cost("quadratic").gradient(activations[-1], Y) * a_dots[-1]) / len(X)
    assert derivative == pytest.approx(expected, rel=1e-12)


def test_difference_product_is_linear_in_v_and_leaves_the_network_alone():
    net, X, Y, v = task([2, 3, 1], "sigmoid", "sigmoid", "quadratic")
    before = ex.parameter_vector(net)
    hv = so.hessian_vector_difference(net, X, Y, v)
    assert bp.relative_error(so.hessian_vector_difference(net, X, Y, 1e3 * v), 1e3 * hv) < 1e-8
    assert np.array_equal(so.hessian_vector_difference(net, X, Y, np.zeros_like(v)), np.zeros_like(v))
    assert np.array_equal(ex.parameter_vector(net), before)


def test_products_refuse_what_they_cannot_compute():
    net, X, Y, v = task([2, 3, 1], "sigmoid", "sigmoid", "quadratic")
    with pytest.raises(ValueError, match=r"v must be a flat vector of shape \(13,\)"):
        so.hessian_vector_product(net, X, Y, v[:-1])
    with pytest.raises(ValueError, match=r"v must be a flat vector of shape \(13,\)"):
        so.hessian_vector_difference(net, X, Y, v[:, None])
    with pytest.raises(ValueError, match="non-finite"):
        so.hessian_vector_product(net, X, Y, np.full_like(v, np.inf))
    other = bp.Network([2, 3, 1], activation="tanh", output_activation="tanh", cost="cross_entropy")
    with pytest.raises(ValueError, match="cost 'cross_entropy' with output 'tanh'.*difference"):
        so.hessian_vector_product(other, X, np.clip(Y, 0, 1), np.ones(13))
    with pytest.raises(ValueError, match="rows"):
        so.hessian_vector_product(net, X, Y[:3], v)


# --- power iteration ----------------------------------------------------------------------

def test_power_iteration_finds_the_eigenvalue_of_largest_magnitude():
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    lams = np.array([-7.0, 5.0, 1.0, 0.5, 0.1, 0.0])
    A = (Q * lams) @ Q.T
    eig = so.power_iteration(lambda v: A @ v, 6, iterations=500, tol=1e-14)
    assert eig.value == pytest.approx(-7.0, rel=1e-10)
    assert abs(eig.vector @ Q[:, 0]) == pytest.approx(1.0, rel=1e-8)
    assert len(eig.estimates) < 500         # stopped on its tolerance


def test_power_iteration_on_a_network_matches_the_full_hessian():
    X, Y = bp.datasets.regression_curve(n=30, seed=0)
    net = bp.Network([1, 6, 1], activation="tanh", output_activation="identity", seed=0)
    eig = so.power_iteration(lambda v: so.hessian_vector_product(net, X, Y, v), net.num_parameters,
                             tol=1e-12)
    assert eig.value == pytest.approx(ex.top_eigenvalue(net, X, Y), rel=1e-8)


def test_power_iteration_of_zero_is_zero_and_bad_sizes_are_refused():
    eig = so.power_iteration(np.zeros_like, 3)
    assert eig.value == 0.0 and np.all(np.isfinite(eig.vector))
    with pytest.raises(ValueError, match="size"):
        so.power_iteration(np.zeros_like, 0)
    with pytest.raises(ValueError, match="tol"):
        so.power_iteration(np.zeros_like, 3, tol=0)


# --- counted cost and L-BFGS -----------------------------------------------------------------

def test_counted_cost_returns_backprops_gradient_and_keeps_every_call():
    net, X, Y, v = task([2, 3, 1], "sigmoid", "sigmoid", "quadratic")
    counted = so.CountedCost(net, X, Y)
    theta = ex.parameter_vector(net)
    cost, grad = counted(theta)
    assert cost == net.total_cost(X, Y)
    np.testing.assert_array_equal(grad, ex.gradient_vector(net, X, Y))
    counted(theta + 0.1 * v)
    counted(theta - 0.1 * v)
    counted.accept(counted.costs[-1])          # an optimizer accepts the third point
    assert counted.evaluations == 3
    assert list(counted.curve()) == [cost] * 3 + [counted.costs[-1]]
    assert np.array_equal(ex.parameter_vector(net), theta)      # the calls used a copy


def test_lbfgs_trains_the_network_and_counts_every_evaluation():
    X, Y = bp.datasets.regression_curve(n=40, seed=1)
    net = bp.Network([1, 5, 1], activation="tanh", output_activation="identity", seed=1)
    start = net.total_cost(X, Y)
    counted, result = so.lbfgs(net, X, Y, max_evaluations=60)
    assert counted.evaluations == result.nfev
    assert result.nfev >= result.nit          # a line search can take more than one evaluation
    assert len(counted.accepted) == result.nit
    assert counted.costs[0] == start
    curve = counted.curve()
    assert len(curve) == result.nfev + 1 and curve[0] == start and curve[-1] == result.fun
    assert np.all(np.diff(curve) <= 0)        # every accepted iterate lowered the cost
    assert net.total_cost(X, Y) == pytest.approx(result.fun, rel=1e-12)
    assert net.total_cost(X, Y) < 0.5 * start
    with pytest.raises(ValueError, match="max_evaluations"):
        so.lbfgs(net, X, Y, max_evaluations=0)
