"""Every training engine against the readable loop: backprop() and an optimizer, batch by batch.

``train`` hands its updates to an engine (``bpkit.engines``): the reference one
calls ``backprop`` and the optimizer's ``step``; the numpy one runs the same
equations in buffers and, for plain gradient descent, folds BP4 into a BLAS
update; the compiled one runs whole epochs as numba loops. These tests replay
every run with the readable pieces (``mini_batches``, ``backprop``, an
optimizer's ``step``) and require the same weights, biases and costs from every
engine.
"""
import numpy as np
import pytest

import bpkit as bp

RTOL = {np.float64: 1e-11, np.float32: 2e-4}


def reference_run(net, X, Y, learning_rate, batch_size, epochs, seed, optimizer="sgd",
                  l2=0.0, l1=0.0, **options):
    """The run train should do, written with backprop(): (weights, biases, costs, update costs)."""
    net = net.copy()
    opt = bp.make_optimizer(optimizer, learning_rate, **options)
    rng = np.random.default_rng(seed)

    def cost():   # with the penalty, as train reports it
        return (net.total_cost(X, Y) + 0.5 * l2 * sum(np.sum(W * W) for W in net.weights)
                + l1 * sum(np.sum(np.abs(W)) for W in net.weights))

    costs, update_costs = [cost()], []
    for _ in range(epochs):
        for rows in bp.mini_batches(len(X), batch_size, rng):
            update_costs.append(net.total_cost(X[rows], Y[rows]))
            grad_w, grad_b = bp.backprop(net, X[rows], Y[rows])
            grad_w = [g + l2 * W + l1 * np.sign(W) for g, W in zip(grad_w, net.weights)]
            opt.step(net.weights + net.biases, grad_w + grad_b)
        costs.append(cost())
    return net, costs, update_costs


def assert_same_run(net, history, reference, dtype=np.float64):
    ref_net, costs, update_costs = reference
    rtol = RTOL[dtype]
    for name, mine, theirs in (("weights", net.weights, ref_net.weights),
                               ("biases", net.biases, ref_net.biases)):
        for l, (a, b) in enumerate(zip(mine, theirs), start=1):
            scale = np.max(np.abs(b)) + 1e-30
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale,
                                       err_msg=f"{name} of layer {l}")
    np.testing.assert_allclose(history.cost, costs, rtol=rtol)
    np.testing.assert_allclose(history.update_cost, update_costs, rtol=rtol)


@pytest.fixture(params=list(bp.engines.ENGINES))
def engine(request):
    """Every engine, each forced with ``train(..., engine=name)``."""
    return request.param


def train_with(engine, net, X, Y, **options):
    """``bp.train`` on ``engine``; a run the compiled engine does not do must be refused by name."""
    if engine == "compiled" and (options.get("optimizer", "sgd") != "sgd" or net.dtype != np.float64):
        with pytest.raises(ValueError, match="engine 'compiled' cannot train this network"):
            bp.train(net, X, Y, engine=engine, **options)
        pytest.skip("the compiled engine runs plain SGD in float64 only (refusal checked)")
    history = bp.train(net, X, Y, engine=engine, **options)
    assert history.engine == engine
    return history


@pytest.fixture(scope="module")
def data():
    X, Y = bp.datasets.spirals(180, arms=3, seed=2)     # 180 examples, 3 one-hot outputs
    return X, Y


@pytest.mark.parametrize("batch_size", [1, 7, 180])
@pytest.mark.parametrize("activation,output,cost", [
    ("sigmoid", None, "quadratic"),
    ("sigmoid", None, "cross_entropy"),
    ("tanh", "sigmoid", "cross_entropy"),
    ("relu", "identity", "quadratic"),
    ("tanh", "tanh", "quadratic"),
    ("relu", "relu", "cross_entropy"),     # general BP1: ∇ₐC ⊙ σ′, no cancellation
])
def test_plain_gradient_descent_matches_backprop(engine, data, batch_size, activation, output, cost):
    X, Y = data
    Y = np.clip(Y, 0.05, 0.95) if output == "relu" else Y   # keep ln a finite for ReLU outputs
    net = bp.Network([2, 9, 6, 3], activation=activation, output_activation=output, cost=cost,
                     seed=3)
    reference = reference_run(net, X, Y, 0.05, batch_size, epochs=2, seed=11)
    history = train_with(engine, net, X, Y, learning_rate=0.05, batch_size=batch_size, epochs=2,
                         seed=11, record_updates=True)
    assert not history.diverged
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("optimizer,options", [
    ("sgd", {"l2": 0.01}), ("sgd", {"l1": 0.003}), ("momentum", {"momentum": 0.9}),
    ("nesterov", {"momentum": 0.8}), ("rmsprop", {}), ("adam", {}),
])
@pytest.mark.parametrize("batch_size", [1, 16, 180])
def test_every_optimizer_and_penalty_matches_backprop(engine, data, optimizer, options, batch_size):
    X, Y = data
    net = bp.Network([2, 8, 3], seed=5)
    lr = 0.01 if optimizer in ("rmsprop", "adam") else 0.2
    reference = reference_run(net, X, Y, lr, batch_size, 2, 4, optimizer, **options)
    history = train_with(engine, net, X, Y, learning_rate=lr, batch_size=batch_size, epochs=2,
                         seed=4, optimizer=optimizer, record_updates=True, **options)
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("sizes", [[2, 3], [2, 4, 4, 4, 4, 3]])
@pytest.mark.parametrize("batch_size", [5, 180])
def test_no_hidden_layer_and_deep_networks(engine, data, sizes, batch_size):
    X, Y = data
    net = bp.Network(sizes, seed=1)
    reference = reference_run(net, X, Y, 0.5, batch_size, 3, 0)
    history = train_with(engine, net, X, Y, learning_rate=0.5, batch_size=batch_size, epochs=3,
                         seed=0, record_updates=True)
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("batch_size", [1, 32, 180])
def test_float32_runs_in_float32_and_matches_backprop(engine, data, batch_size):
    X, Y = data
    net = bp.Network([2, 16, 3], seed=0, dtype=np.float32)
    reference = reference_run(net, X, Y, 0.3, batch_size, 2, 1)
    history = train_with(engine, net, X, Y, learning_rate=0.3, batch_size=batch_size, epochs=2,
                         seed=1, record_updates=True)
    assert all(a.dtype == np.float32 for a in net.weights + net.biases)
    assert_same_run(net, history, reference, np.float32)


def test_train_changes_the_networks_own_arrays(engine, data):
    X, Y = data
    net = bp.Network([2, 8, 3], seed=0)
    arrays = net.weights + net.biases
    before = [a.copy() for a in arrays]
    train_with(engine, net, X, Y, learning_rate=0.5, batch_size=10, epochs=1, seed=0)
    assert all(a is b for a, b in zip(arrays, net.weights + net.biases))
    assert all(not np.array_equal(a, b) for a, b in zip(arrays, before))


def test_hand_set_weights_of_another_kind_are_converted(engine, data):
    # Integers, a transposed view and a read-only array: train must use their values
    # as float64 and still match the reference.
    X, Y = data
    net = bp.Network([2, 3, 3], seed=0)
    net.weights[0] = np.array([[1, -2], [0, 3], [2, 1]])
    net.weights[1] = np.asfortranarray(net.weights[1])
    net.biases[1].setflags(write=False)
    as_floats = net.copy()
    as_floats.weights = [np.array(W, dtype=float) for W in net.weights]
    as_floats.biases = [np.array(b, dtype=float) for b in net.biases]
    reference = reference_run(as_floats, X, Y, 0.1, 20, 1, 0)
    history = train_with(engine, net, X, Y, learning_rate=0.1, batch_size=20, epochs=1, seed=0,
                         record_updates=True)
    assert all(W.dtype == np.float64 and W.flags.c_contiguous for W in net.weights)
    assert_same_run(net, history, reference)


def test_backprop_still_returns_fresh_arrays_after_training(data):
    X, Y = data
    net = bp.Network([2, 5, 3], seed=0)
    bp.train(net, X, Y, learning_rate=0.1, batch_size=30, epochs=1, seed=0)
    first = bp.backprop(net, X, Y)
    second = bp.backprop(net, X, Y)
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        assert a is not b and not np.shares_memory(a, b)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_large_data_gathered_batch_by_batch_is_the_same_run(data, monkeypatch, batch_size):
    # Data above the limit are copied a batch at a time; the limit is lowered so that
    # this small set takes that path too.
    from bpkit.engines import numpy_buffers
    monkeypatch.setattr(numpy_buffers, "SHUFFLED_COPY_LIMIT", 0)
    X, Y = data
    net = bp.Network([2, 8, 3], seed=2)
    reference = reference_run(net, X, Y, 0.3, batch_size, 2, 9)
    history = bp.train(net, X, Y, learning_rate=0.3, batch_size=batch_size, epochs=2, seed=9,
                       record_updates=True, engine="numpy")
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("sizes,batch_size,optimizer,dtype,engine", [
    ([64, 30, 10], 1, "sgd", np.float64, "compiled"),   # the book's small nets at small batches
    ([64, 30, 10], 8, "sgd", np.float64, "compiled"),
    ([64, 30, 10], 16, "sgd", np.float64, "numpy"),     # enough work per batch for BLAS
    ([784, 100, 10], 1, "sgd", np.float64, "numpy"),
    ([64, 30, 10], 1, "momentum", np.float64, "numpy"),  # other optimizers
    ([64, 30, 10], 1, "sgd", np.float32, "numpy"),       # float32
    ([64, 30, 10], 40, "sgd", np.float64, "numpy"),      # full batch
])
def test_the_engine_train_picks_is_the_one_the_history_names(monkeypatch, sizes, batch_size,
                                                             optimizer, dtype, engine):
    from bpkit.engines import compiled
    calls = []
    real = compiled._epoch
    monkeypatch.setattr(compiled, "_epoch", lambda *args: calls.append(1) or real(*args))
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(size=(40, sizes[0])), rng.uniform(size=(40, sizes[-1]))
    net = bp.Network(sizes, seed=0, dtype=dtype)
    history = bp.train(net, X, Y, learning_rate=0.1, batch_size=batch_size, epochs=2, seed=0,
                       optimizer=optimizer)
    assert history.engine == engine
    assert len(calls) == (2 if engine == "compiled" else 0)


def test_unknown_engine_names_the_value(data):
    X, Y = data
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        bp.train(bp.Network([2, 3, 3], seed=0), X, Y, learning_rate=0.1, engine="fast")


def test_compiled_run_of_a_book_sized_network_matches_backprop(monkeypatch):
    # 64-30-10 on the digits at batch size 1: 1,348 updates, as in chapter 8's slider.
    X, Y, _, _ = bp.datasets.digits(test_fraction=0.25, seed=0)
    net = bp.Network([64, 30, 10], seed=0)
    reference = reference_run(net, X, Y, 0.3, 1, 1, 0)
    history = bp.train(net, X, Y, learning_rate=0.3, batch_size=1, epochs=1, seed=0,
                       record_updates=True)
    assert history.engine == "compiled"
    assert_same_run(net, history, reference)


@pytest.mark.parametrize("batch_size", [1, 7, 180])
@pytest.mark.parametrize("penalty", [{}, {"l2": 0.01}, {"l1": 0.003}])
def test_running_cost_is_the_mean_of_the_epochs_batch_costs(engine, data, batch_size, penalty):
    X, Y = data
    net = bp.Network([2, 8, 3], seed=6)
    ref_net, costs, update_costs = reference_run(net, X, Y, 0.3, batch_size, 3, 2, **penalty)
    history = train_with(engine, net, X, Y, learning_rate=0.3, batch_size=batch_size, epochs=3,
                         seed=2, exact_cost=False, **penalty)
    # the same training as with the exact cost: weights and biases (the costs are checked below)
    assert_same_run(net, history, (ref_net, history.cost, history.update_cost))
    if batch_size == len(X):      # at full batch the cost is exact either way
        np.testing.assert_allclose(history.cost, costs, rtol=1e-11)
        return
    per_epoch = -(-len(X) // batch_size)
    sizes = [min(batch_size, len(X) - k * batch_size) for k in range(per_epoch)]
    for epoch in range(1, 4):
        batch_costs = update_costs[(epoch - 1) * per_epoch:epoch * per_epoch]
        # the penalty of the weights at the end of the epoch: replayed to that epoch
        at_end = reference_run(bp.Network([2, 8, 3], seed=6), X, Y, 0.3, batch_size, epoch, 2,
                               **penalty)[0]
        weights_penalty = sum(0.5 * penalty.get("l2", 0) * np.sum(W * W)
                              + penalty.get("l1", 0) * np.sum(np.abs(W)) for W in at_end.weights)
        expected = np.dot(sizes, batch_costs) / len(X) + weights_penalty
        assert history.cost[epoch] == pytest.approx(expected, rel=1e-11)
        assert history.cost[epoch] != pytest.approx(costs[epoch], rel=1e-6)   # not the exact cost
    assert history.cost[0] == pytest.approx(costs[0], rel=1e-12)


def test_without_numba_small_batches_go_through_numpy(data, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "bpkit.engines.compiled", None)     # import fails
    monkeypatch.delattr(bp.engines, "compiled", raising=False)           # even if it was imported
    X, Y = data
    net = bp.Network([2, 8, 3], seed=0)
    reference = reference_run(net, X, Y, 0.3, 4, 1, 0)
    history = bp.train(net, X, Y, learning_rate=0.3, batch_size=4, epochs=1, seed=0,
                       record_updates=True)
    assert history.engine == "numpy"
    assert_same_run(net, history, reference)
    with pytest.raises(ValueError, match="engine 'compiled' cannot run here"):
        bp.train(net, X, Y, learning_rate=0.3, batch_size=4, engine="compiled")
