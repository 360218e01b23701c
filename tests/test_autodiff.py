"""bpkit.autodiff: every operation against central differences, and the engine against backprop.

Each operation's backward closure is checked the same way: seed the output with a
fixed random gradient R, so that ``backward`` gives the gradient of the scalar
Σ R ⊙ op(inputs), and compare with central differences of that scalar. Then the
whole engine: the gradient of a network's cost equals ``bp.backprop``'s to rounding,
for random architectures, activations and costs; so do forward mode and
checkpointed recomputation.
"""
import gc
import sys
import weakref

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import bpkit as bp
from bpkit import autodiff as ad
from bpkit.measure import peak_memory

TOLERANCE = 1e-7        # relative error of an exact gradient against central differences


def vjp_check(op, *arrays, rng=None, positive=False):
    """The largest relative error between the engine's gradient of Σ R ⊙ op(inputs) and
    central differences, over every input."""
    rng = rng or np.random.default_rng(0)
    tensors = [ad.Tensor(a) for a in arrays]
    out = op(*tensors)
    R = rng.normal(size=out.shape)
    out.backward(R)
    errors = []
    for i, t in enumerate(tensors):
        def scalar(value, i=i):
            inputs = [ad.Tensor(value if j == i else a) for j, a in enumerate(arrays)]
            return float(np.sum(R * op(*inputs).data))
        numerical = bp.numerical_gradient(scalar, arrays[i])
        assert t.grad.shape == t.shape, (t.grad.shape, t.shape)
        errors.append(bp.relative_error(t.grad, numerical))
    return max(errors)


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


# --- each operation against central differences -----------------------------------------

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((5, 3), (3,)), ((5, 3), (1, 3)), ((3, 1), (1, 4)),
                   ((), (2, 3)), ((2, 3), ()), ((2, 1, 3), (4, 1)), ((1, 3), (3,))]


@pytest.mark.parametrize("op", [ad.add, ad.mul], ids=["add", "mul"])
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_add_and_mul_gradients_match_central_differences(op, shapes, rng):
    a, b = (rng.normal(size=s) for s in shapes)
    assert vjp_check(op, a, b, rng=rng) < TOLERANCE


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3, 3), (3, 3)), ((1, 4), (4, 1)),
                                    ((5, 1), (1, 2))], ids=str)
def test_matmul_gradient_matches_central_differences(shapes, rng):
    a, b = (rng.normal(size=s) for s in shapes)
    assert vjp_check(ad.matmul, a, b, rng=rng) < TOLERANCE


def test_transpose_gradient_matches_central_differences(rng):
    assert vjp_check(ad.transpose, rng.normal(size=(3, 5)), rng=rng) < TOLERANCE


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_activation_gradients_match_central_differences(name, rng):
    z = rng.normal(size=(4, 3)) * 2
    z[np.abs(z) < 1e-3] = 0.5        # central differences are meaningless across ReLU's kink
    assert vjp_check(lambda t: ad.activate(t, name), z, rng=rng) < TOLERANCE


def test_the_named_activations_are_activate_with_bpkits_functions(rng):
    z = rng.normal(size=(3, 2))
    for op, fn in [(ad.sigmoid, bp.sigmoid), (ad.tanh, bp.tanh), (ad.relu, bp.relu)]:
        out = op(ad.Tensor(z))
        np.testing.assert_array_equal(out.data, fn(z))
        assert vjp_check(op, z + 0.01, rng=rng) < TOLERANCE


def test_softmax_gradient_matches_central_differences_and_the_jacobian(rng):
    z = rng.normal(size=(4, 5)) * 3
    assert vjp_check(ad.softmax, z, rng=rng) < TOLERANCE
    t = ad.Tensor(z)
    g = rng.normal(size=z.shape)
    ad.softmax(t).backward(g)
    by_jacobian = np.einsum("nij,ni->nj", bp.softmax_jacobian(z), g)     # Jᵀ g, row by row
    np.testing.assert_allclose(t.grad, by_jacobian, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("op", [ad.sum, ad.mean], ids=["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_sum_and_mean_gradients_match_central_differences(op, axis, rng):
    assert vjp_check(lambda t: op(t, axis), rng.normal(size=(3, 4)), rng=rng) < TOLERANCE


@pytest.mark.parametrize("cost,reference", [
    (ad.quadratic_cost, bp.quadratic_cost), (ad.cross_entropy_cost, bp.cross_entropy_cost),
    (ad.categorical_cross_entropy_cost, bp.categorical_cross_entropy_cost)])
def test_cost_nodes_give_bpkits_cost_and_its_gradient(cost, reference, rng):
    A = rng.uniform(0.05, 0.95, size=(6, 3))
    Y = np.eye(3)[rng.integers(0, 3, 6)] if "categorical" in cost.__name__ else \
        rng.uniform(size=(6, 3))
    out = cost(ad.Tensor(A), Y)
    assert out.shape == () and out.data == reference(A, Y)
    assert vjp_check(lambda t: cost(t, Y), A, rng=rng) < TOLERANCE


def test_the_quadratic_cost_built_from_primitives_equals_the_cost_node(rng):
    A, Y = rng.uniform(size=(5, 2)), rng.uniform(size=(5, 2))
    fused, composed = ad.Tensor(A), ad.Tensor(A)
    ad.quadratic_cost(fused, Y).backward()
    diff = composed - Y
    C = 0.5 * (diff * diff).sum() / len(A)          # diff is used twice
    C.backward()
    assert np.isclose(C.data, bp.quadratic_cost(A, Y), rtol=1e-14)
    np.testing.assert_allclose(composed.grad, fused.grad, rtol=1e-14)


def test_gradient_error_agrees_with_this_files_check_and_catches_a_wrong_closure(rng):
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    assert ad.gradient_error(ad.add, a, b) < TOLERANCE

    def forgets_the_sum(x, y):           # the bias gets one gradient per row, unsummed
        out = ad.Tensor(x.data + y.data, (x, y), "add")

        def _backward(grad):
            x._add_grad(grad)
            y._add_grad(grad[0])         # only the first row's use
        out._backward = _backward
        return out
    assert ad.gradient_error(forgets_the_sum, a, b) > 0.1


# --- broadcasting and values used twice --------------------------------------------------

@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_broadcast_gradients_are_shaped_like_their_inputs_and_summed(shapes, rng):
    a, b = (ad.Tensor(rng.normal(size=s)) for s in shapes)
    out = a + b
    g = rng.normal(size=out.shape)
    out.backward(g)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    # every entry of b was used in every place it was broadcast to: its gradient sums them
    assert np.isclose(np.sum(b.grad), np.sum(g)) and np.isclose(np.sum(a.grad), np.sum(g))


def test_a_bias_gets_the_sum_over_the_batch_not_a_gradient_per_example(rng):
    X, b = ad.Tensor(rng.normal(size=(7, 3))), ad.Tensor(np.zeros(3))
    g = rng.normal(size=(7, 3))
    (X + b).backward(g)
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad, g.sum(axis=0), rtol=1e-15)


def test_unbroadcast_sums_over_added_and_stretched_axes(rng):
    g = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(ad.unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_allclose(ad.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_allclose(ad.unbroadcast(g, ()), g.sum())
    assert ad.unbroadcast(g, g.shape) is g


def test_a_value_used_twice_collects_both_contributions():
    x, y = ad.Tensor(3.0), ad.Tensor(2.0)
    f = (x + y) * x                        # ∂f/∂x = (x + y) + x = 2x + y
    f.backward()
    assert x.grad == 8.0 and y.grad == 3.0
    u = ad.Tensor(np.array([1.0, -2.0, 0.5]))
    (u * u).sum().backward()               # ∂/∂u Σ u² = 2u, one u from each factor
    np.testing.assert_array_equal(u.grad, 2 * u.data)


def test_a_matrix_used_twice_in_a_product(rng):
    A = rng.normal(size=(3, 3))
    assert vjp_check(lambda t: t @ t, A, rng=rng) < TOLERANCE


def test_backward_twice_gives_the_same_gradient_not_twice_it(rng):
    W = ad.Tensor(rng.normal(size=(2, 3)))
    C = (W @ ad.Tensor(rng.normal(size=(3, 1)))).sum()
    C.backward()
    first = W.grad.copy()
    C.backward()
    np.testing.assert_array_equal(W.grad, first)


def test_backward_leaves_the_seed_and_the_inputs_alone(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    seed = rng.normal(size=(2, 3))
    kept = a.copy(), b.copy(), seed.copy()
    ta, tb = ad.Tensor(a), ad.Tensor(b)
    out = ad.add(ta, tb)
    out.backward(seed)
    out.grad += 1.0
    for before, after in zip(kept, (a, b, seed)):
        np.testing.assert_array_equal(before, after)


def test_a_graph_deeper_than_the_recursion_limit():
    x = ad.Tensor(1.0)
    y = x
    for _ in range(sys.getrecursionlimit() + 500):
        y = y + x
    y.backward()
    assert x.grad == sys.getrecursionlimit() + 501


def test_the_order_puts_every_node_after_its_parents(rng):
    net = bp.Network([3, 4, 2], seed=0)
    graph = ad.network_graph(net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)))
    order = ad.topological_order(graph.cost)
    position = {id(t): i for i, t in enumerate(order)}
    assert len(position) == len(order) and order[-1] is graph.cost
    assert all(position[id(p)] < position[id(t)] for t in order for p in t.parents)


def test_the_tape_lists_one_line_per_node_in_order(rng):
    net = bp.Network([2, 3, 1], seed=0)
    graph = ad.network_graph(net, rng.normal(size=(4, 2)), rng.uniform(size=(4, 1)))
    lines = ad.tape(graph.cost)
    assert len(lines) == len(ad.topological_order(graph.cost))
    assert lines[0].startswith("X (input)") and lines[-1].startswith("C = quadratic_cost(A2)")
    assert any(line.startswith("Z1 = add(") for line in lines)


# --- the engine against backprop ---------------------------------------------------------

PAIRS = [("quadratic", None), ("quadratic", "identity"), ("quadratic", "sigmoid"),
         ("cross_entropy", "sigmoid"), ("categorical_cross_entropy", "softmax"),
         ("quadratic", "softmax")]


def random_problem(sizes, activation, pair, n, seed):
    cost, output = pair
    net = bp.Network(sizes, activation=activation, output_activation=output, cost=cost, seed=seed)
    rng = np.random.default_rng(seed)
    for b in net.biases:        # non-zero biases, so that their gradients are tested in general
        b += rng.normal(scale=0.5, size=b.shape)
    X = rng.normal(size=(n, sizes[0]))
    if cost == "categorical_cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    else:
        Y = rng.uniform(0.05, 0.95, size=(n, sizes[-1]))
    return net, X, Y


def assert_same_gradient(mine, reference, rtol=1e-12):
    for g, r in zip(mine[0] + mine[1], reference[0] + reference[1]):
        assert g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=rtol, atol=rtol * (np.max(np.abs(r)) + 1e-300))


@settings(max_examples=80, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=6),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
       pair=st.sampled_from(PAIRS), n=st.integers(1, 8), seed=st.integers(0, 2**31 - 1))
def test_the_engine_gives_backprops_gradient(sizes, activation, pair, n, seed):
    if pair[1] == "softmax":
        assume(sizes[-1] >= 2)
    net, X, Y = random_problem(sizes, activation, pair, n, seed)
    before = [p.copy() for p in net.weights + net.biases]
    assert_same_gradient(ad.network_gradient(net, X, Y), bp.backprop(net, X, Y))
    for p, q in zip(net.weights + net.biases, before):
        np.testing.assert_array_equal(p, q)


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
       pair=st.sampled_from(PAIRS), n=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_forward_mode_gives_backprops_gradient(sizes, activation, pair, n, seed):
    if pair[1] == "softmax":
        assume(sizes[-1] >= 2)
    net, X, Y = random_problem(sizes, activation, pair, n, seed)
    assert_same_gradient(ad.forward_mode_gradient(net, X, Y), bp.backprop(net, X, Y), rtol=1e-10)


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(1, 9), width=st.integers(1, 5), every=st.integers(1, 11),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
       pair=st.sampled_from(PAIRS), n=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_checkpointed_recomputation_gives_backprops_gradient(depth, width, every, activation,
                                                            pair, n, seed):
    sizes = [3] + [width] * depth + [2]
    net, X, Y = random_problem(sizes, activation, pair, n, seed)
    assert_same_gradient(ad.checkpointed_gradient(net, X, Y, every), bp.backprop(net, X, Y))


def test_one_jvp_is_the_gradient_dotted_with_the_direction(rng):
    net, X, Y = random_problem([3, 4, 2], "tanh", ("quadratic", None), 6, 1)
    tangent_w = [rng.normal(size=W.shape) for W in net.weights]
    tangent_b = [rng.normal(size=b.shape) for b in net.biases]
    grad_w, grad_b = bp.backprop(net, X, Y)
    dot = sum(np.sum(g * t) for g, t in zip(grad_w + grad_b, tangent_w + tangent_b))
    assert np.isclose(ad.network_jvp(net, X, Y, tangent_w, tangent_b), dot, rtol=1e-12)


def test_the_graphs_z_gradients_are_the_errors_delta_over_n(rng):
    """BP1 and BP2 are what the activation nodes' closures compute: Z^l.grad = Δ^l / n."""
    net, X, Y = random_problem([3, 5, 4, 2], "sigmoid", ("quadratic", None), 7, 3)
    graph = ad.network_graph(net, X, Y)
    graph.cost.backward()
    zs, activations = net.forward(X)
    delta = bp.output_error(activations[-1], Y, zs[-1])
    for l in range(len(net.weights), 0, -1):
        np.testing.assert_allclose(graph.zs[l - 1].grad * len(X), delta, rtol=1e-12)
        np.testing.assert_allclose(graph.biases[l - 1].grad, bp.bias_gradient(delta), rtol=1e-12)
        np.testing.assert_allclose(graph.weights[l - 1].grad,
                                   bp.weight_gradient(delta, activations[l - 1]), rtol=1e-12)
        if l > 1:
            delta = bp.hidden_error(delta, net.weights[l - 1], zs[l - 2])


def test_a_graph_is_freed_as_soon_as_nothing_refers_to_it(rng):
    """No node is reachable from its own closure: without reference cycles, a graph
    goes when its last reference does, not whenever the cycle collector runs."""
    net, X, Y = random_problem([3, 4, 2], "sigmoid", ("quadratic", None), 5, 0)
    gc.disable()
    try:
        graph = ad.network_graph(net, X, Y)
        graph.cost.backward()
        nodes = [weakref.ref(t) for t in ad.topological_order(graph.cost)]
        del graph
        assert all(ref() is None for ref in nodes)
    finally:
        gc.enable()


def test_checkpointing_holds_less_memory_than_the_whole_graph(rng):
    net = bp.Network([16] + [64] * 16 + [4], seed=0)
    X, Y = rng.normal(size=(128, 16)), rng.uniform(size=(128, 4))
    whole = peak_memory(lambda: ad.network_gradient(net, X, Y))
    every_fourth = peak_memory(lambda: ad.checkpointed_gradient(net, X, Y, 4))
    assert every_fourth < 0.5 * whole, (every_fourth, whole)


# --- bad input ---------------------------------------------------------------------------

def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\) and \(2, 5\).*3 columns.*2 rows"):
        ad.matmul(np.ones((4, 3)), np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"2-D.*\(3,\) and \(3, 2\)"):
        ad.matmul(np.ones(3), np.ones((3, 2)))


def test_backward_on_a_tensor_that_is_not_one_number_says_so():
    out = ad.Tensor(np.ones((4, 2))) * 2.0
    with pytest.raises(ValueError, match=r"one number.*shape \(4, 2\).*seed="):
        out.backward()
    with pytest.raises(ValueError, match=r"seed has shape \(2, 4\).*\(4, 2\)"):
        out.backward(np.ones((2, 4)))


def test_other_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(3,\) do not broadcast"):
        ad.add(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"axis must be None or an integer in -2..1.*got 2"):
        ad.sum(np.ones((3, 2)), axis=2)
    with pytest.raises(TypeError, match="add: b must be a Tensor, a number or an array"):
        ad.add(1.0, "two")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        ad.activate(np.ones(2), "swish")
    with pytest.raises(ValueError, match=r"quadratic_cost needs A and Y of one shape.*\(3, 2\).*\(3, 1\)"):
        ad.quadratic_cost(np.ones((3, 2)), np.ones((3, 1)))
    net = bp.Network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\), expected \(n, 2\)"):
        ad.network_gradient(net, np.ones((4, 3)), np.ones((4, 1)))
    with pytest.raises(ValueError, match="every must be an integer >= 1.*got 0"):
        ad.checkpointed_gradient(net, np.ones((4, 2)), np.ones((4, 1)), 0)
    with pytest.raises(ValueError, match="tangent_w must be shaped like"):
        ad.network_jvp(net, np.ones((4, 2)), np.ones((4, 1)), [np.ones((2, 2))] * 2,
                       [np.ones(3), np.ones(1)])
