"""Plain gradient descent on small batches, compiled: one call per epoch, no numpy call per update.

At batch size 1 an update of a small network (64-30-10: 2,260 parameters) is
about 7,000 multiply-adds, a few microseconds of arithmetic. ``TrainingStep``
spends ≈ 15 µs on it all the same: its ≈ 20 numpy calls cost 0.4–0.8 µs each
before they do any work. Here the whole epoch is one function compiled by
numba, which runs the equations example by example, as loops, the way the
classic texts write them:

    forward    z^l = W^l a^{l-1} + b^l,  a^l = σ(z^l)
    BP1        δᴸ = ∇ₐC ⊙ σ′(zᴸ)          (a − y for cross-entropy with a sigmoid output)
    BP2        δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)
    BP3, BP4   ∂C/∂b^l = (1/m) Σ_x δ^l_x,  ∂C/∂W^l = (1/m) Σ_x δ^l_x (a^{l-1}_x)ᵀ
    update     W ← W − η (∂C/∂W + λ₂ W + λ₁ sign W),  b ← b − η ∂C/∂b

σ′ is taken from the activation a = σ(z) (a(1 − a) for the sigmoid), as in
``TrainingStep``. Every δ of a batch is computed with the weights the batch
started from; then every layer is updated. Arithmetic is float64 and IEEE
exact (no fast-math), so a run gives the same numbers on every machine; they
agree with ``TrainingStep``'s to rounding (sums are taken in another order).

``train`` runs its epochs here for plain SGD (with or without L2/L1) on
float64 networks when a batch is little work (``descent.COMPILED_WORK_LIMIT``);
everything else, and the large products BLAS does better, goes through
``TrainingStep``. numba compiles the epoch on its first use on a machine
(≈ 2 s per network depth) and keeps the machine code in its cache, so later
kernels load it in a fraction of a second; ``train`` imports this module only
when it needs it.
"""
import numpy as np
from numba import njit

# Cross-entropy's clip of a saturated output (exactly 0 and 1 move inside (0, 1)): costs.py's own.
from .costs import _HIGH, _LOW

# The activation and cost of each layer, as numbers the compiled code branches on.
SIGMOID, TANH, RELU, IDENTITY = 0, 1, 2, 3
ACTIVATION_CODES = {"sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "identity": IDENTITY}
QUADRATIC, CROSS_ENTROPY = 0, 1
COST_CODES = {"quadratic": QUADRATIC, "cross_entropy": CROSS_ENTROPY}


def sgd_epoch(net, X, Y, order, batch_size, learning_rate, l2, l1, record_costs):
    """One epoch over the rows of X ``(n, n_0)``, Y ``(n, n_L)`` in ``order``, in place on ``net``.

    The weights and biases must be C-ordered float64 arrays, X and Y float64
    (``train`` makes sure of it). Returns the cost of each mini-batch before
    its update (for the history's ``update_cost`` or its running cost) if
    ``record_costs``, else an empty array.
    """
    codes = np.array([ACTIVATION_CODES[name] for name in net.layer_activations()], np.int64)
    return _epoch(tuple(net.weights), tuple(net.biases), codes, COST_CODES[net.cost],
                  X, Y, order, batch_size, float(learning_rate), float(l2), float(l1),
                  bool(record_costs))


@njit(cache=True)
def _activation(code, z):
    """σ(z) for one value."""
    if code == SIGMOID:
        return 1.0 / (1.0 + np.exp(-z))
    if code == TANH:
        return np.tanh(z)
    if code == RELU:
        return 0.0 if z < 0.0 else z     # NaN stays NaN, as with np.maximum
    return z


@njit(cache=True)
def _prime_from_output(code, a):
    """σ′(z) written with a = σ(z), as in activations.py: a(1 − a), 1 − a², [a > 0], 1."""
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if a > 0.0 else 0.0
    return 1.0


@njit(cache=True)
def _epoch(weights, biases, codes, cost_code, X, Y, order, batch_size, learning_rate, l2, l1,
           record_costs):
    """The epoch: ``weights``/``biases`` are tuples of the layers' arrays, updated in place;
    ``codes`` the layers' activations (``ACTIVATION_CODES``); returns the batch costs."""
    L = len(weights)
    # Each example's activations and δ's of all layers sit in one row, layer after layer:
    # layer l (0-based: W = weights[l]) has its units at start[l] : start[l + 1].
    start = np.zeros(L + 1, np.int64)
    for l in range(L):
        start[l + 1] = start[l] + weights[l].shape[0]
    acts = np.empty((batch_size, start[L]))
    deltas = np.empty((batch_size, start[L]))
    row = np.empty(max([W.shape[1] for W in weights]))
    n = len(order)
    n_out = weights[L - 1].shape[0]
    last = codes[L - 1]
    cancels = cost_code == CROSS_ENTROPY and last == SIGMOID
    update_costs = np.empty((n + batch_size - 1) // batch_size if record_costs else 0)

    for first in range(0, n, batch_size):
        m = min(batch_size, n - first)
        batch_cost = 0.0
        for e in range(m):
            x, y = X[order[first + e]], Y[order[first + e]]
            # forward: z = W a_prev + b, a = σ(z)
            a_prev = x
            for l in range(L):
                W, b, a = weights[l], biases[l], acts[e, start[l]:start[l + 1]]
                for i in range(W.shape[0]):
                    z = b[i]
                    for j in range(W.shape[1]):
                        z += W[i, j] * a_prev[j]
                    a[i] = _activation(codes[l], z)
                a_prev = a
            # BP1 (and the example's cost, if recorded)
            a, delta = acts[e, start[L - 1]:], deltas[e, start[L - 1]:]
            for i in range(n_out):
                if cost_code == QUADRATIC:
                    if record_costs:
                        batch_cost += 0.5 * (a[i] - y[i]) ** 2
                    delta[i] = (a[i] - y[i]) * _prime_from_output(last, a[i])
                else:
                    clipped = min(max(a[i], _LOW), _HIGH)
                    if record_costs:
                        batch_cost -= y[i] * np.log(clipped) + (1.0 - y[i]) * np.log(1.0 - clipped)
                    if cancels:           # σ′ cancels ∇ₐC's denominator: δᴸ = a − y
                        delta[i] = a[i] - y[i]
                    else:
                        delta[i] = ((clipped - y[i]) / (clipped * (1.0 - clipped))
                                    * _prime_from_output(last, a[i]))
            # BP2, from the last layer down: δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)
            for l in range(L - 2, -1, -1):
                W_next = weights[l + 1]
                upper = deltas[e, start[l + 1]:start[l + 2]]
                delta, a = deltas[e, start[l]:start[l + 1]], acts[e, start[l]:start[l + 1]]
                delta[:] = 0.0
                for k in range(W_next.shape[0]):       # row by row: W is stored by rows
                    for i in range(W_next.shape[1]):
                        delta[i] += W_next[k, i] * upper[k]
                for i in range(len(delta)):
                    delta[i] *= _prime_from_output(codes[l], a[i])
        if record_costs:
            update_costs[first // batch_size] = batch_cost / m
        # BP3, BP4 and the update, layer by layer, with the batch's mean gradient
        for l in range(L):
            W, b = weights[l], biases[l]
            for i in range(W.shape[0]):
                g_b = 0.0
                g_W = row[:W.shape[1]]                 # Σ_x δ_i a_prevᵀ, one row of ∂C/∂W
                g_W[:] = 0.0
                for e in range(m):
                    d = deltas[e, start[l] + i]
                    a_prev = X[order[first + e]] if l == 0 else acts[e, start[l - 1]:start[l]]
                    g_b += d
                    for j in range(W.shape[1]):
                        g_W[j] += d * a_prev[j]
                b[i] -= learning_rate * (g_b / m)
                for j in range(W.shape[1]):
                    g = g_W[j] / m
                    if l2 != 0.0:
                        g += l2 * W[i, j]
                    if l1 != 0.0:
                        g += l1 * np.sign(W[i, j])
                    W[i, j] -= learning_rate * g
    return update_costs
