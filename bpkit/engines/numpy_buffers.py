"""The numpy engine: forward pass, BP1–BP4 and the update, in buffers.

The reference engine (``backprop`` and the optimizer's ``step``) checks its
input and returns fresh arrays, one function call per equation. ``train`` runs
the same equations thousands of times, so by default it uses this engine,
which computes the same δ's and gradients (to rounding) but

- writes every activation, δ and gradient into arrays it allocated once
  (a fresh 600 KB array per update costs more than the arithmetic at batch
  size 1: the memory comes from the operating system, page by page);
- keeps each layer's activations and δ's as columns, ``(n_l, m)``, one column
  per example, exactly as the equations are written (z = W a + b): numpy's
  BLAS runs the product W Aᵀ faster than the row form A Wᵀ (≈ 18 against
  23 ms for 10,000 examples through a 784 → 100 layer);
- takes σ′ from the activations a = σ(z) the forward pass already holds
  (σ′ = a(1 − a) for the sigmoid) instead of evaluating σ again;
- for plain gradient descent, scales the small δ by η/m before BP4's
  product, so that W ← W − ((η/m) δ) aᵀ is one product and one subtraction
  over the large W. Other optimizers get the gradients.

A softmax output normalizes each example's column (``axis=0``) and its BP1 goes
through its Jacobian, Jᵀ ∇ₐC (a − y with the categorical cross-entropy).

Every product goes through numpy, so one BLAS (numpy's) runs the whole loop.
Products are ``np.dot`` with ``out``: the same BLAS call as ``@`` for large
arrays, and half a microsecond less per call for a small network's tiny ones.
(scipy's BLAS could fuse the product into the subtraction, but it is a second
OpenBLAS with its own threads; alternating between the two, their idle
threads spin against each other and a mini-batch epoch ran 10× slower.)

Outside this module rows are examples, as everywhere: ``forward`` takes X
``(m, n_0)`` and returns A^L ``(m, n_L)``; W^l is ``(n_l, n_{l-1})``.
"""
import numpy as np

from ..activations import OUTPUT_ACTIVATIONS, get_activation
from ..costs import get_cost
from ..descent import cut
from ..optimizers import SGD


class NumpyEngine:
    """Gradient-descent updates of ``net`` on mini-batches, in buffers kept between calls.

    ``optimizer`` is the optimizer object ``train`` made: its ``learning_rate``
    is read at every update; ``l2``/``l1`` add λW or λ sign(W) to the weight
    gradients. The network's weights and biases must be C-ordered arrays of
    ``net.dtype`` (``train`` makes sure of that): they are updated where they lie.
    """

    name = "numpy"

    def __init__(self, net, optimizer, l2=0.0, l1=0.0):
        self.net = net
        self.optimizer = optimizer
        self.l2, self.l1 = l2, l1
        self.layers = [_columns(name) for name in net.layer_activations()]
        # softmax at the output: BP1 goes through its Jacobian (see _output_error)
        self.output_jacobian = OUTPUT_ACTIVATIONS.get(net.output_activation)
        self.cost_of_net = get_cost(net.cost)
        # δᴸ = a − y exactly where σ′ cancels ∇ₐC's denominator (see costs.COSTS)
        self.cancels = self.cost_of_net.cancels == net.output_activation
        # Plain GD without penalties folds η/m into δ before BP4 (see update).
        self.plain = type(optimizer) is SGD and not l2 and not l1
        # (n_l, n_{l-1}) per layer: the gradient, or for plain GD the step itself
        self.work = [np.empty_like(W) for W in net.weights]
        self.grad_b = [np.empty_like(b) for b in net.biases]
        # rows m -> one array per layer, (m, n_l): activations for the forward pass;
        # δ's and scratch (σ′ values) for the backward pass; the batch itself (X, Y)
        self.forward_buffers, self.backward_buffers, self.batch_buffers = {}, {}, {}
        self.params, self.grads = net.weights + net.biases, self.work + self.grad_b
        # b^l as a column (n_l, 1), added to every example's column
        self.bias_columns = [b[:, None] for b in net.biases]
        self.columns = None
        # the X of the last forward pass, while no update has changed the weights since:
        # at full batch, the pass that gave the cost is also the next update's
        self.forwarded = None

    def cost(self, X, Y):
        """The mean cost of X ``(m, n_0)`` against Y ``(m, n_L)``: a forward pass, kept for ``update``."""
        self.forward(X)
        self.forwarded = X
        return self.cost_of(Y)

    def epoch(self, X, Y, order, batch_size, record=False):
        """One update per mini-batch of the rows in ``order``; the batches' costs before them if ``record``."""
        costs = []
        if len(order) <= batch_size:
            # Batch GD: one batch, every row; no copy, and no forward pass if ``cost``
            # just made it with these weights.
            if self.forwarded is not X:
                self.forward(X)
            if record:
                costs.append(self.cost_of(Y))
            self.update(Y)
            self.forwarded = None
            return costs
        self.forwarded = None
        for X_batch, Y_batch in self.batches(X, Y, order, batch_size):
            self.forward(X_batch)
            if record:
                costs.append(self.cost_of(Y_batch))
            self.update(Y_batch)
        return costs

    def _arrays(self, store, m, count):
        """``count`` lists of arrays ``(n_l, m)``, one per layer, made once per batch size m."""
        if m not in store:
            store[m] = tuple([np.empty((n, m), self.net.dtype) for n in self.net.sizes[1:]]
                             for _ in range(count))
        return store[m]

    def batches(self, X, Y, order, batch_size):
        """The mini-batches of one epoch, in the given order of rows: (X_batch, Y_batch) pairs.

        Data of a few MB are shuffled into one copy whose slices are the batches
        (no work per batch). A large data set is copied a batch at a time into
        buffers kept for the next batch instead: a batch stays in the cache for
        the products that follow, and there is no large new array each epoch,
        whose memory the operating system would supply page by page (a 63 MB
        copy per epoch cost more than the epoch's arithmetic at batch size 128).
        """
        if X.nbytes + Y.nbytes <= SHUFFLED_COPY_LIMIT:
            yield from zip(cut(X[order], batch_size), cut(Y[order], batch_size))
            return
        for rows in cut(order, batch_size):
            m = len(rows)
            if m not in self.batch_buffers:
                self.batch_buffers[m] = (np.empty((m, X.shape[1]), X.dtype),
                                         np.empty((m, Y.shape[1]), Y.dtype))
            X_batch, Y_batch = self.batch_buffers[m]
            # mode="clip" only because with the default, numpy copies through a
            # temporary; the rows come from a permutation and are all valid.
            yield (np.take(X, rows, axis=0, out=X_batch, mode="clip"),
                   np.take(Y, rows, axis=0, out=Y_batch, mode="clip"))

    def forward(self, X):
        """z^l = W^l a^{l-1} + b^l, a^l = σ(z^l) for the m examples of X at once; returns A^L.

        X: ``(m, n_0)``; returns ``(m, n_L)`` (a view of the last layer's
        columns). The activations stay for ``update``, which backpropagates
        through this pass.
        """
        (columns,) = self._arrays(self.forward_buffers, X.shape[0], 1)
        a = X.T
        for W, b, activation, out in zip(self.net.weights, self.bias_columns, self.layers, columns):
            np.dot(W, a, out=out)
            out += b
            a = activation.into(out, out)
        self.columns = [X.T] + columns
        return a.T

    def cost_of(self, Y):
        """The mean cost of the last forward pass's batch, against targets Y ``(m, n_L)``."""
        return self.cost_of_net.fn(self.columns[-1].T, Y)

    def update(self, Y):
        """BP1, then for l = L … 1: BP2 (δ^{l-1}, with the old W^l), BP3/BP4 and W^l's update.

        Backpropagates through the last ``forward`` call, whose batch had targets Y ``(m, n_L)``;
        η is the optimizer's ``learning_rate``.
        """
        a = self.columns
        m = Y.shape[0]
        deltas, scratch = self._arrays(self.backward_buffers, m, 2)
        delta = self._output_error(a[-1], Y.T, deltas[-1], scratch[-1])           # BP1
        if self.plain:
            # Plain GD takes θ ← θ − η ∂C/∂θ. BP2 is linear in δ, so scaling δᴸ by η/m
            # scales every layer's δ: BP4's Σ_x δ_x a_xᵀ and BP3's Σ_x δ_x then give
            # the steps η ∂C/∂W and η ∂C/∂b directly.
            delta *= self.optimizer.learning_rate / m
        for l in range(len(self.layers) - 1, -1, -1):     # list index l is layer l + 1
            W, b, work, grad_b = self.net.weights[l], self.net.biases[l], self.work[l], self.grad_b[l]
            if l > 0:
                # BP2 before W^{l+1} changes: δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)
                prime = self.layers[l - 1].prime_from_output(a[l], scratch[l - 1])
                next_delta = np.dot(W.T, delta, out=deltas[l - 1])
                next_delta *= prime
            if self.plain:
                W -= _outer_sum(delta, a[l], work)
                b -= np.add.reduce(delta, axis=1, out=grad_b)   # (np.sum's wrapper costs more than the sum)
            else:
                np.divide(_outer_sum(delta, a[l], work), m, out=work)                     # BP4
                np.divide(np.add.reduce(delta, axis=1, out=grad_b), m, out=grad_b)        # BP3
                if self.l2:
                    work += self.l2 * W
                if self.l1:
                    work += self.l1 * np.sign(W)
            if l > 0:
                delta = next_delta
        if not self.plain:
            self.optimizer.step(self.params, self.grads)

    def _output_error(self, A, Y, out, scratch):
        """BP1 for columns ``(n_L, m)``: δᴸ = ∇ₐC ⊙ σ′(zᴸ), or a − y where σ′ cancels."""
        if self.cancels:
            return np.subtract(A, Y, out=out)
        self.cost_of_net.gradient(A, Y, out=out)
        if self.output_jacobian is not None:      # Jᵀ ∇ₐC, each example a column
            return self.output_jacobian.backward(A, out, out=out, axis=0)
        out *= self.layers[-1].prime_from_output(A, scratch)
        return out


class _ColumnSoftmax:
    """Softmax for this engine's layout: each example is a column, ``(n_L, m)``."""

    @staticmethod
    def into(z, out):
        return OUTPUT_ACTIVATIONS["softmax"].fn(z, out=out, axis=0)


def _columns(name):
    """The activation called ``name`` as this engine applies it: ``into(z, out)`` on columns."""
    return _ColumnSoftmax() if name == "softmax" else get_activation(name)


def _outer_sum(delta, a_prev, out):
    """Σ_x δ_x (a_x)ᵀ = δ a_prevᵀ into ``out`` ``(n_l, n_{l-1})``, from columns ``(n_l, m)``, ``(n_{l-1}, m)``.

    For one example it is an outer product. ``np.dot`` does it in BLAS in
    ≈ 21 µs for a 100 × 784 layer, where ``@`` takes ≈ 95 µs (it has no fast
    path for an inner dimension of 1) and broadcasting ≈ 40 µs.
    """
    return np.dot(delta, a_prev.T, out=out)


#: data up to this many bytes are shuffled as one copy per epoch (see ``batches``)
SHUFFLED_COPY_LIMIT = 4 * 2 ** 20
