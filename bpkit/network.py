"""A fully connected feedforward network: sizes, weights, biases, the forward pass.

Notation, as in the equations: layer l = 1 … L has weights W^l of shape
``(n_l, n_{l-1})`` and biases b^l of shape ``(n_l,)``. ``weights[0]`` is W^1.
A batch ``X`` has one example per row, shape ``(n, n_0)``, so the forward pass
of a whole batch is

    Z^l = A^{l-1} (W^l)ᵀ + b^l,    A^l = σ(Z^l),    A^0 = X.

The output layer may instead be a softmax, A^L = softmax(Z^L) row by row, whose
outputs are a probability distribution over the classes.
"""
import numpy as np

from ._checks import as_batch, check_int
from .activations import OUTPUT_ACTIVATIONS, get_activation, get_output_activation
from .costs import NEEDS_OUTPUT, check_distributions, get_cost


class Network:
    """A network with layer sizes ``sizes``, e.g. ``[2, 8, 1]``.

    ``activation`` is σ of the hidden layers, ``output_activation`` that of the
    last layer (the same as ``activation`` unless given), ``cost`` the name of
    the cost ``backprop`` differentiates. ``seed`` (an int or a
    ``numpy.random.Generator``) makes the initial weights reproducible.

    For classes, ``output_activation="softmax", cost="categorical_cross_entropy"``:
    the outputs are probabilities summing to 1 and δᴸ = aᴸ − y. Softmax may be
    the output layer only, and that cost needs it (its targets must be one-hot
    rows or probabilities, which is checked). Softmax with the quadratic or the
    binary cross-entropy cost is allowed: BP1 then goes through softmax's Jacobian.

    Weights start as N(0, 1/n_in) — N(0, 2/n_in) for ReLU — so that every z
    starts with a variance near 1 whatever the layer's width, and σ is not
    saturated before learning starts. Biases start at 0.
    """

    def __init__(self, sizes, activation="sigmoid", output_activation=None,
                 cost="quadratic", seed=None, dtype=np.float64):
        if isinstance(sizes, (int, np.integer)):
            raise TypeError(f"sizes must be a list of layer sizes, such as [2, 8, 1], got {sizes!r}"
                            f" (write Network([{sizes}, …]), with the sizes in brackets)")
        sizes = list(sizes) if not isinstance(sizes, (str, bytes)) else sizes
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ValueError(f"sizes must list at least two layers (input and output), got {sizes!r}")
        for i, size in enumerate(sizes):
            check_int(f"sizes[{i}]", size, 1)
        if isinstance(activation, str) and activation in OUTPUT_ACTIVATIONS:
            raise ValueError(f"activation {activation!r} acts on a whole layer, so it can only be "
                             f"the output layer's: use output_activation={activation!r} (hidden "
                             f"layers need an elementwise σ, whose σ′ BP2 multiplies by)")
        get_activation(activation)
        get_output_activation(output_activation or activation)
        get_cost(cost)
        if cost in NEEDS_OUTPUT and (output_activation or activation) != NEEDS_OUTPUT[cost]:
            raise ValueError(f"cost {cost!r} needs output_activation={NEEDS_OUTPUT[cost]!r} (its "
                             f"outputs must sum to 1), got {output_activation or activation!r}")
        if np.dtype(dtype) not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")

        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        self.output_activation = output_activation or activation
        self.cost = cost
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        gain = 2.0 if activation == "relu" else 1.0
        self.weights = [(rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in)).astype(self.dtype)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases = [np.zeros(n_out, dtype=self.dtype) for n_out in self.sizes[1:]]

    @property
    def num_layers(self):
        """L + 1: the input layer counts, as in ``sizes``."""
        return len(self.sizes)

    @property
    def num_parameters(self):
        """How many weights and biases there are in all."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def layer_activations(self):
        """The activation name of each layer 1 … L: hidden ones, then the output."""
        return [self.activation] * (len(self.weights) - 1) + [self.output_activation]

    def check_input(self, X, what="X"):
        """X as a float array of shape ``(n, sizes[0])``, or a clear error."""
        return as_batch(what, X, self.sizes[0], self.dtype, f"the input layer has {self.sizes[0]} units")

    def check_parameters(self):
        """Every W^l must be ``(n_l, n_{l-1})`` and b^l ``(n_l,)``; names the layer if not.

        Weights are plain lists of arrays a learner may reassign by hand, so the
        shapes are checked before use rather than trusted.
        """
        for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            expected = (self.sizes[l], self.sizes[l - 1])
            if np.shape(W) != expected:
                raise ValueError(f"layer {l}: weights has shape {np.shape(W)}, expected {expected}")
            if np.shape(b) != (self.sizes[l],):
                raise ValueError(f"layer {l}: biases has shape {np.shape(b)}, expected {(self.sizes[l],)}")

    def check_target(self, Y, what="Y"):
        """Y as a float array of shape ``(n, sizes[-1])``, or a clear error.

        For the categorical cross-entropy, every row must also be one-hot (or
        probabilities): δᴸ = a − y needs targets that sum to 1.
        """
        Y = as_batch(what, Y, self.sizes[-1], self.dtype, f"the output layer has {self.sizes[-1]} units")
        if self.cost in NEEDS_OUTPUT:
            check_distributions(what, Y)
        return Y

    def forward(self, X):
        """The forward pass keeping every layer: ``(zs, activations)``.

        ``zs[l-1]`` is Z^l, shape ``(n, n_l)``; ``activations[0]`` is X and
        ``activations[l]`` is A^l. Backpropagation needs all of them.
        """
        X = self.check_input(X)
        self.check_parameters()
        return self._forward(X)

    def _forward(self, A):
        """``forward`` without the input checks, for the training loop's inner step."""
        zs, activations = [], [A]
        for W, b, name in zip(self.weights, self.biases, self.layer_activations()):
            sigma = get_output_activation(name).fn    # elementwise σ, or softmax at the output
            Z = A @ W.T + b
            A = sigma(Z)
            zs.append(Z)
            activations.append(A)
        return zs, activations

    def feedforward(self, X):
        """The network's output A^L for a batch X ``(n, n_0)``: shape ``(n, n_L)``."""
        return self.forward(X)[1][-1]

    def total_cost(self, X, Y):
        """The mean cost over the batch (X, Y), a float."""
        Y = self.check_target(Y)
        A = self.feedforward(X)
        if A.shape[0] != Y.shape[0]:
            raise ValueError(f"X has {A.shape[0]} rows but Y has {Y.shape[0]}; rows are examples")
        return get_cost(self.cost).fn(A, Y)

    def predict(self, X):
        """Class labels, shape ``(n,)``: argmax of the outputs, or a > 1/2 for one output."""
        A = self.feedforward(X)
        if A.shape[1] == 1:
            return (A[:, 0] > 0.5).astype(int)
        return np.argmax(A, axis=1)

    def accuracy(self, X, Y):
        """Fraction of examples classified right; Y is one-hot (or 0/1 for one output)."""
        Y = self.check_target(Y)
        labels = (Y[:, 0] > 0.5).astype(int) if Y.shape[1] == 1 else np.argmax(Y, axis=1)
        return float(np.mean(self.predict(X) == labels))

    def copy(self):
        """An independent copy: training the copy leaves this network unchanged."""
        other = object.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.sizes = list(self.sizes)
        other.weights = [W.copy() for W in self.weights]
        other.biases = [b.copy() for b in self.biases]
        return other

    def __repr__(self):
        return (f"Network({self.sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, cost={self.cost!r})")
