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
from .activations import get_activation, sigmoid


def quadratic_cost(A, Y):
    """C = (1/n) Σ_x ½‖a_x − y_x‖², a float.

    The ½ is a convention: it cancels the 2 of the derivative, so that
    ∇ₐC_x = a − y. Without it every gradient is twice as large, which is the
    same as doubling the learning rate.
    """
    A, Y = np.asarray(A), np.asarray(Y)
    return float(0.5 * np.sum((A - Y) ** 2) / A.shape[0])


def quadratic_cost_gradient(A, Y, out=None):
    """∇ₐC_x = a − y for each example (rows), shape ``(n, n_out)``; into ``out`` if given."""
    return np.subtract(A, Y, out=out)


def quadratic_output_error(Z, A, Y, activation="sigmoid"):
    """BP1 for the quadratic cost: δᴸ = (aᴸ − y) ⊙ σ′(zᴸ), shape ``(n, n_out)``."""
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
    A = np.clip(np.asarray(A), _LOW, _HIGH)
    Y = np.asarray(Y)
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
    other output activation the general BP1, ∇ₐC ⊙ σ′(zᴸ), is used.
    """
    fn, prime = get_activation(activation)
    if fn is sigmoid:
        return np.asarray(A) - np.asarray(Y)
    return cross_entropy_gradient(A, Y) * prime(Z)


class Cost(NamedTuple):
    """A cost's three functions: value, per-example gradient ∇ₐC_x (``gradient(A, Y, out=None)``),
    BP1's δᴸ; and ``cancels``, the output activation whose σ′ cancels ∇ₐC's denominator."""
    fn: Callable
    gradient: Callable
    output_error: Callable
    cancels: str = None


#: name -> Cost. A Network takes one of these names; every training engine looks costs up here.
#: δᴸ = a − y exactly for two pairs: cross-entropy with a sigmoid output (σ′ = a(1 − a)
#: cancels ∇ₐC's denominator) and the quadratic cost with an identity output (σ′ = 1).
COSTS = {
    "quadratic": Cost(quadratic_cost, quadratic_cost_gradient, quadratic_output_error, "identity"),
    "cross_entropy": Cost(cross_entropy_cost, cross_entropy_gradient, cross_entropy_output_error,
                          "sigmoid"),
}


def get_cost(name):
    """Return the Cost called ``name``; a clear ValueError otherwise."""
    check_choice("cost", name, COSTS)
    return COSTS[name]
