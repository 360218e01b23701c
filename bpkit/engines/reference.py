"""The reference engine: each update is ``backprop`` and the optimizer's ``step``, nothing else.

This is the training loop as chapter 6 writes it and the one every faster engine
is checked against. For each mini-batch (X_b, Y_b):

    ∇_W C, ∇_b C = backprop(net, X_b, Y_b)        BP1–BP4, the mean over the batch
    ∇_W C += λ₂ W + λ₁ sign(W)                    the L2/L1 penalty's gradient (weights only)
    optimizer.step(θ, ∇_θ C)                      θ ← θ − η ∇_θ C for plain SGD

It allocates fresh arrays at every update and checks its input every time: it
is written to be read, not to be fast.
"""
import numpy as np

from ..backprop import backprop
from ..costs import get_cost
from ..descent import cut


class ReferenceEngine:
    """Trains ``net`` in place with ``optimizer`` (its ``learning_rate`` and ``step``)."""

    name = "reference"

    def __init__(self, net, optimizer, l2=0.0, l1=0.0):
        self.net, self.optimizer = net, optimizer
        self.l2, self.l1 = l2, l1
        self.cost_fn = get_cost(net.cost).fn

    def cost(self, X, Y):
        """The mean cost C of the batch X ``(m, n_0)``, Y ``(m, n_L)``, without any penalty."""
        return self.cost_fn(self.net.feedforward(X), Y)

    def epoch(self, X, Y, order, batch_size, record=False):
        """One update per mini-batch of the rows in ``order``; the batches' costs before them if ``record``."""
        costs = []
        for rows in cut(order, batch_size):
            if record:
                costs.append(self.cost(X[rows], Y[rows]))
            self.step(X[rows], Y[rows])
        return costs

    def step(self, X, Y):
        """One update on the mini-batch X ``(m, n_0)``, Y ``(m, n_L)``: backprop, then the optimizer."""
        net = self.net
        grad_w, grad_b = backprop(net, X, Y)
        if self.l2 or self.l1:
            grad_w = [g + self.l2 * W + self.l1 * np.sign(W) for g, W in zip(grad_w, net.weights)]
        self.optimizer.step(net.weights + net.biases, grad_w + grad_b)
