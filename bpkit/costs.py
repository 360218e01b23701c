"""Cost functions C, their gradients ∇ₐC, and the output error δᴸ each one gives.

Shapes: ``A`` (the network's output a^L) and ``Y`` (the targets) are both
``(n, n_out)``, one row per example.

A cost is the *mean* over the batch of a per-example cost C_x:

    C = (1/n) Σ_x C_x

``*_gradient`` returns ∇ₐC_x for every example, row by row (shape
``(n, n_out)``), without the 1/n: the 1/n is applied once, where BP3 and BP4
average over the batch. ``*_output_error`` returns BP1's δᴸ per example.
"""
from typing import Callable, NamedTuple

import numpy as np

from ._checks import check_choice
from .activations import OUTPUT_ACTIVATIONS, get_activation, log_sum_exp, sigmoid


def same_shape(A, Y):
    """``A`` and ``Y`` as arrays, or a ValueError if their shapes differ.

    Every cost subtracts or multiplies them elementwise, and numpy would broadcast
    an ``(n, 1)`` output against ``(n,)`` targets to ``(n, n)`` without a word: a
    cost of the right kind and the wrong value.
    """
    A, Y = np.asarray(A), np.asarray(Y)
    if A.shape != Y.shape:
        raise ValueError(f"outputs A and targets Y must have the same shape (n, n_out), got A "
                         f"{A.shape} and Y {Y.shape}" + (
                             f" (numpy would broadcast them to {np.broadcast_shapes(A.shape, Y.shape)})"
                             if _broadcastable(A.shape, Y.shape) else ""))
    return A, Y


def _broadcastable(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


def quadratic_cost(A, Y):
    """C = (1/n) Σ_x ½‖a_x − y_x‖², a float.

    The ½ is a convention: it cancels the 2 of the derivative, so that
    ∇ₐC_x = a − y. Without it every gradient is twice as large, which is the
    same as doubling the learning rate.
    """
    A, Y = same_shape(A, Y)
    return float(0.5 * np.sum((A - Y) ** 2) / A.shape[0])


def quadratic_cost_gradient(A, Y, out=None):
    """∇ₐC_x = a − y for each example (rows), shape ``(n, n_out)``; into ``out`` if given."""
    return np.subtract(A, Y, out=out)


def quadratic_output_error(Z, A, Y, activation="sigmoid"):
    """BP1 for the quadratic cost: δᴸ = (aᴸ − y) ⊙ σ′(zᴸ), shape ``(n, n_out)``.

    For a softmax output, σ′ is a Jacobian J (see ``through_output_jacobian``):
    δᴸ = Jᵀ (aᴸ − y).
    """
    if activation in OUTPUT_ACTIVATIONS:
        return through_output_jacobian(activation, A, quadratic_cost_gradient(A, Y))
    _, prime = get_activation(activation)
    return quadratic_cost_gradient(A, Y) * prime(Z)


# Cross-entropy takes log(a) and log(1 − a). A saturated sigmoid can return
# exactly 0.0 or 1.0 in float64, and log(0) = -inf; only those exact values are
# moved to the nearest float inside (0, 1), so the cost stays finite and every
# other value is used as it is (a wider clip would make the cost flat where
# backprop's δᴸ = a − y is not, and the two would disagree).
_LOW, _HIGH = np.finfo(np.float64).tiny, np.nextafter(1.0, 0.0)


def cross_entropy_cost(A, Y):
    """C = −(1/n) Σ_x Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)], a float.

    For outputs in (0, 1), such as sigmoid units, and targets in [0, 1].
    """
    A, Y = same_shape(A, Y)
    A = np.clip(A, _LOW, _HIGH)
    return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A)) / A.shape[0])


def cross_entropy_gradient(A, Y, out=None):
    """∇ₐC_x = (a − y) / (a(1 − a)) for each example (rows), shape ``(n, n_out)``; into ``out`` if given."""
    A = np.clip(np.asarray(A), _LOW, _HIGH)
    return np.divide(A - np.asarray(Y), A * (1.0 - A), out=out)


def cross_entropy_output_error(Z, A, Y, activation="sigmoid"):
    """BP1 for the cross-entropy cost, shape ``(n, n_out)``.

    With a sigmoid output, σ′(z) = a(1 − a) cancels the denominator of ∇ₐC:
    δᴸ = a − y. No σ′ factor is left, so a saturated output unit (σ′ ≈ 0) still
    learns fast — the reason to pair sigmoid outputs with this cost. For any
    other output activation the general BP1, ∇ₐC ⊙ σ′(zᴸ), is used (for softmax,
    Jᵀ ∇ₐC: see ``through_output_jacobian``).
    """
    if activation in OUTPUT_ACTIVATIONS:
        return through_output_jacobian(activation, A, cross_entropy_gradient(A, Y))
    fn, prime = get_activation(activation)
    if fn is sigmoid:
        return np.asarray(A) - np.asarray(Y)
    return cross_entropy_gradient(A, Y) * prime(Z)


def through_output_jacobian(activation, A, gradient):
    """BP1 for an output activation that is not elementwise: δᴸ_x = J_xᵀ ∇ₐC_x per example.

    Each a_i depends on every z_j, so the chain rule sums over the outputs,
    δᴸ_j = Σ_i (∂C/∂a_i)(∂a_i/∂z_j), and the elementwise ∇ₐC ⊙ σ′(zᴸ) does not
    apply. ``A``, ``gradient``: ``(n, n_out)``; returns ``(n, n_out)``.
    """
    return OUTPUT_ACTIVATIONS[activation].backward(np.asarray(A), np.asarray(gradient))


# Categorical cross-entropy: a softmax output is a probability distribution over the
# classes, and the cost is the negative log-probability of the target class.

def categorical_cross_entropy_cost(A, Y):
    """C = −(1/n) Σ_x Σ_j y_j ln a_j, a float.

    For outputs that are probabilities summing to 1 (softmax) and targets that
    are one-hot rows (or rows of probabilities). With a one-hot y it is the
    mean of −ln a_y, the log-probability the network gives the right class.
    As in ``cross_entropy_cost``, only an output of exactly 0 (a softmax entry
    that underflowed, z_j more than ≈ 745 below the row's largest) is moved to
    the smallest float, so the cost stays finite (at most ≈ 708 per example);
    ``categorical_cross_entropy_from_z`` is exact there too.
    """
    A, Y = same_shape(A, Y)
    A = np.maximum(A, _LOW)
    return float(-np.sum(Y * np.log(A)) / A.shape[0])


def categorical_cross_entropy_from_z(Z, Y):
    """The same C from the output layer's weighted inputs Z ``(n, n_out)``, by log-sum-exp.

    ln a_j = z_j − ln Σ_i e^{z_i}, so for a target row that sums to 1,
    C_x = ln Σ_i e^{z_i} − Σ_j y_j z_j: no exponential overflows and no log of 0.
    """
    Z, Y = np.asarray(Z, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    return float(np.sum(log_sum_exp(Z) - np.sum(Y * Z, axis=-1)) / Z.shape[0])


def categorical_cross_entropy_gradient(A, Y, out=None):
    """∇ₐC_x = −y / a for each example (rows), shape ``(n, n_out)``; into ``out`` if given."""
    A = np.maximum(np.asarray(A), _LOW)
    out = np.divide(np.asarray(Y), A, out=out)
    return np.negative(out, out=out)


def categorical_cross_entropy_output_error(Z, A, Y, activation="softmax"):
    """BP1 for softmax outputs and the categorical cross-entropy: δᴸ = aᴸ − y, ``(n, n_out)``.

    The chain rule through softmax's Jacobian, ∂a_i/∂z_j = a_i (δ_ij − a_j), gives
    δᴸ_j = Σ_i (−y_i / a_i) a_i (δ_ij − a_j) = −y_j + a_j Σ_i y_i = a_j − y_j,
    the last step because Σ_i y_i = 1. So the targets are checked: a row that
    does not sum to 1 would make a − y the gradient of nothing.
    """
    check_distributions("Y", Y)
    if activation != "softmax":
        raise ValueError(f"the categorical cross-entropy needs a softmax output (its outputs "
                         f"must sum to 1), got activation {activation!r}")
    return np.asarray(A) - np.asarray(Y)


def check_distributions(what, Y):
    """Each row of ``Y`` must be a probability distribution: entries ≥ 0 summing to 1
    (a one-hot row is one). Returns ``Y``; otherwise a ValueError naming the row."""
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"{what} must be 2-D (rows are examples), got shape {Y.shape}")
    negative = np.flatnonzero(np.any(Y < 0, axis=1))
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"{what} row {i} has a negative entry ({Y[i].min():g}): targets of the "
                         f"categorical cross-entropy are one-hot rows (or probabilities), got {Y[i]}")
    sums = np.sum(Y, axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
    if off.size:
        i = int(off[0])
        raise ValueError(f"{what} row {i} sums to {sums[i]:g}, not 1: targets of the categorical "
                         f"cross-entropy are one-hot rows (or probabilities), got {Y[i]}")
    return Y


class Cost(NamedTuple):
    """A cost's three functions: value, per-example gradient ∇ₐC_x (``gradient(A, Y, out=None)``),
    BP1's δᴸ; and ``cancels``, the output activation whose σ′ cancels ∇ₐC's denominator."""
    fn: Callable
    gradient: Callable
    output_error: Callable
    cancels: str = None


#: name -> Cost. A Network takes one of these names; every training engine looks costs up here.
#: δᴸ = a − y exactly for three pairs: cross-entropy with a sigmoid output (σ′ = a(1 − a)
#: cancels ∇ₐC's denominator), the quadratic cost with an identity output (σ′ = 1), and the
#: categorical cross-entropy with a softmax output (softmax's Jacobian diag(a) − a aᵀ times
#: −y/a sums to a − y because the targets sum to 1). Any other pair takes the general BP1:
#: ∇ₐC ⊙ σ′(zᴸ), or Jᵀ ∇ₐC for softmax.
COSTS = {
    "quadratic": Cost(quadratic_cost, quadratic_cost_gradient, quadratic_output_error, "identity"),
    "cross_entropy": Cost(cross_entropy_cost, cross_entropy_gradient, cross_entropy_output_error,
                          "sigmoid"),
    "categorical_cross_entropy": Cost(categorical_cross_entropy_cost,
                                      categorical_cross_entropy_gradient,
                                      categorical_cross_entropy_output_error, "softmax"),
}

#: costs that only make sense with one output activation: cost name -> that activation
NEEDS_OUTPUT = {"categorical_cross_entropy": "softmax"}


def get_cost(name):
    """Return the Cost called ``name``; a clear ValueError otherwise."""
    check_choice("cost", name, COSTS)
    return COSTS[name]
