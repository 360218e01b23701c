"""Plain gradient descent on small batches, compiled: one call per epoch, no numpy call per update.

At batch size 1 an update of a small network (64-30-10: 2,260 parameters) is
about 7,000 multiply-adds, a few microseconds of arithmetic. The numpy engine
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
the numpy engine. Every δ of a batch is computed with the weights the batch
started from; then every layer is updated. Arithmetic is float64 and IEEE
exact (no fast-math), so a run gives the same numbers on every machine; they
agree with the numpy engine's to rounding (sums are taken in another order).

``train`` runs its epochs here for plain SGD (with or without L2/L1) on
float64 networks when a batch is little work (``engines.COMPILED_WORK_LIMIT``);
everything else, and the large products BLAS does better, goes through the
numpy engine, which also gives this engine its cost over the whole training
set. The kernel is scalar code: it knows the activations and costs in
``ACTIVATION_CODES`` and ``COST_CODES`` (an activation added to
``activations.ACTIVATIONS`` only is trained by numpy until it is written out
here too). numba compiles the epoch on its first use on a machine (≈ 2 s per
network depth) and keeps the machine code in its cache, so later kernels load
it in a fraction of a second; ``train`` imports this module only when it needs it.
"""
import numpy as np
from numba import njit

from ..costs import _HIGH, _LOW   # cross-entropy's clip of exactly 0 and 1: costs.py's own
from ..optimizers import SGD
from .numpy_buffers import NumpyEngine

# The activations and costs the kernel has written out, as numbers it branches on.
SIGMOID, TANH, RELU, IDENTITY = 0, 1, 2, 3
ACTIVATION_CODES = {"sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "identity": IDENTITY}
QUADRATIC, CROSS_ENTROPY = 0, 1
COST_CODES = {"quadratic": QUADRATIC, "cross_entropy": CROSS_ENTROPY}


def unsupported(net, optimizer):
    """Why this engine cannot train ``net`` with ``optimizer``, or None if it can."""
    if type(optimizer) is not SGD:
        return f"it runs plain SGD only, not {type(optimizer).__name__}"
    if net.dtype != np.float64:
        return f"it runs float64 only, not {net.dtype}"
    unknown = sorted(set(net.layer_activations()) - set(ACTIVATION_CODES))
    if unknown or net.cost not in COST_CODES:
        return f"its kernel has no code for {', '.join(unknown) or net.cost}"
    return None


class CompiledEngine(NumpyEngine):
    """Plain SGD, an epoch per compiled call; the cost over a whole set by the numpy engine's forward pass."""

    name = "compiled"

    def __init__(self, net, optimizer, l2=0.0, l1=0.0):
        reason = unsupported(net, optimizer)
        if reason:
            raise ValueError(f"engine 'compiled' cannot train this network: {reason}")
        super().__init__(net, optimizer, l2, l1)
        self.codes = np.array([ACTIVATION_CODES[a] for a in net.layer_activations()], np.int64)
        self.cost_code = COST_CODES[net.cost]
        # Each example's activations and δ's of all layers sit in one row, layer after layer:
        # layer l (0-based: W = weights[l]) has its units at start[l] : start[l + 1].
        self.start = np.cumsum([0] + net.sizes[1:]).astype(np.int64)
        self.row = np.empty(max(net.sizes[:-1]))     # one row of a layer's ∂C/∂W
        self.example_rows = {}                       # batch size -> (activations, δ's)

    def epoch(self, X, Y, order, batch_size, record=False):
        """One epoch over the rows of X ``(n, n_0)``, Y ``(n, n_L)`` in ``order``, in place on the network.

        Returns the cost of each mini-batch before its update if ``record``, else an empty list.
        """
        self.forwarded = None
        if batch_size not in self.example_rows:
            self.example_rows[batch_size] = (np.empty((batch_size, self.start[-1])),
                                             np.empty((batch_size, self.start[-1])))
        acts, deltas = self.example_rows[batch_size]
        update_costs = np.empty(-(-len(order) // batch_size) if record else 0)
        _epoch(tuple(self.net.weights), tuple(self.net.biases), self.codes, self.cost_code,
               self.cancels, X, Y, order, batch_size, float(self.optimizer.learning_rate),
               float(self.l2), float(self.l1), update_costs, self.start, acts, deltas, self.row)
        return update_costs.tolist()


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
def _output_error(cost_code, cancels, code, a, y, record):
    """BP1 for one output unit: (δᴸ_i, its term of C_x if ``record`` else 0), from a and y."""
    if cost_code == QUADRATIC:
        return (a - y) * _prime_from_output(code, a), 0.5 * (a - y) ** 2 if record else 0.0
    clipped = min(max(a, _LOW), _HIGH)
    cost = -(y * np.log(clipped) + (1.0 - y) * np.log(1.0 - clipped)) if record else 0.0
    if cancels:           # σ′ cancels ∇ₐC's denominator: δᴸ = a − y
        return a - y, cost
    return (clipped - y) / (clipped * (1.0 - clipped)) * _prime_from_output(code, a), cost


# The epoch is one function: a helper taking arrays would cost reference counting on every
# call, once per example (≈ 3 % of an epoch at batch size 1); helpers of numbers cost nothing.
@njit(cache=True)
def _epoch(weights, biases, codes, cost_code, cancels, X, Y, order, batch_size, learning_rate,
           l2, l1, update_costs, start, acts, deltas, row):
    """The epoch, in place on ``weights``/``biases`` (tuples of the layers' arrays); ``codes``
    the layers' activations; each batch's cost into ``update_costs`` if it has room."""
    L, record = len(weights), len(update_costs) > 0
    for first in range(0, len(order), batch_size):      # descent.cut's rule
        m = min(batch_size, len(order) - first)
        batch_cost = 0.0
        for e in range(m):
            x, y = X[order[first + e]], Y[order[first + e]]
            a_prev = x                   # forward: z = W a_prev + b, a = σ(z)
            for l in range(L):
                W, b, a = weights[l], biases[l], acts[e, start[l]:start[l + 1]]
                for i in range(W.shape[0]):
                    z = b[i]
                    for j in range(W.shape[1]):
                        z += W[i, j] * a_prev[j]
                    a[i] = _activation(codes[l], z)
                a_prev = a
            a, delta = acts[e, start[L - 1]:], deltas[e, start[L - 1]:]
            for i in range(len(a)):      # BP1, and the example's cost
                delta[i], cost = _output_error(cost_code, cancels, codes[L - 1], a[i], y[i], record)
                batch_cost += cost
            for l in range(L - 2, -1, -1):   # BP2: δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)
                W_next, upper = weights[l + 1], deltas[e, start[l + 1]:start[l + 2]]
                delta, a = deltas[e, start[l]:start[l + 1]], acts[e, start[l]:start[l + 1]]
                delta[:] = 0.0
                for k in range(W_next.shape[0]):       # row by row: W is stored by rows
                    for i in range(W_next.shape[1]):
                        delta[i] += W_next[k, i] * upper[k]
                for i in range(len(delta)):
                    delta[i] *= _prime_from_output(codes[l], a[i])
        if record:
            update_costs[first // batch_size] = batch_cost / m
        for l in range(L):               # BP3, BP4 and the update, with the batch's mean gradient
            W, b = weights[l], biases[l]
            for i in range(W.shape[0]):
                g_b, g_W = 0.0, row[:W.shape[1]]      # Σ_x δ_i a_prevᵀ, one row of ∂C/∂W
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
