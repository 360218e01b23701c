"""Numerical gradients by central differences, and the check that backprop agrees.

    ∂C/∂θ ≈ (C(θ + ε) − C(θ − ε)) / 2ε

The error of this estimate shrinks like ε², against ε for a one-sided
difference; ε = 1e-6 balances that error against float64 rounding (≈ 1e-16/ε).
It costs two forward passes per parameter, which is why networks are trained
with backprop and only checked with this.
"""
import numpy as np

from ._checks import check_positive
from .backprop import backprop


def numerical_gradient(f, theta, eps=1e-6):
    """Central-difference gradient of the scalar function ``f`` at ``theta``.

    ``theta``: an array of any shape; ``f(theta)`` must return a float.
    Returns an array shaped like ``theta``. ``theta`` itself is not changed:
    each entry is nudged on a private copy.
    """
    eps = check_positive("eps", eps)
    theta = np.array(theta, dtype=np.float64)
    grad = np.empty_like(theta)
    for i in np.ndindex(theta.shape):
        saved = theta[i]
        theta[i] = saved + eps
        up = _scalar(f(theta))
        theta[i] = saved - eps
        down = _scalar(f(theta))
        theta[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def _scalar(value):
    """``f``'s value as one float; a clear error when ``f`` returns an array (the gradient
    of a vector-valued function is a Jacobian, not what a central difference gives here)."""
    if np.ndim(value) != 0:
        raise TypeError(f"f(theta) must return one number (a cost), got an array of shape "
                        f"{np.shape(value)}; sum or average it into one number first")
    return float(value)


def numerical_network_gradient(net, X, Y, eps=1e-6):
    """Central-difference gradient of ``net``'s mean cost on (X, Y), every weight and bias.

    Returns ``(grad_w, grad_b)`` shaped like ``net.weights`` and ``net.biases``,
    as ``backprop`` does. Works on a copy; ``net`` is not changed.
    """
    probe = net.copy()
    X, Y = probe.check_input(X), probe.check_target(Y)

    def gradient_of(params, l):
        def cost_at(value):
            params[l] = value
            return probe.total_cost(X, Y)
        original = params[l]
        grad = numerical_gradient(cost_at, original, eps)
        params[l] = original
        return grad

    grad_w = [gradient_of(probe.weights, l) for l in range(len(probe.weights))]
    grad_b = [gradient_of(probe.biases, l) for l in range(len(probe.biases))]
    return grad_w, grad_b


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 for equal arrays, 1 for opposite ones.

    Scale-free, so one threshold (1e-7 in float64) fits gradients large and
    small. Two zero arrays give 0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of one shape, got {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def gradient_check(net, X, Y, eps=1e-6):
    """The largest relative error between backprop's and the numerical gradient.

    Compares every layer's weights and biases; a result below about 1e-7
    means backprop is right (in float64).
    """
    grad_w, grad_b = backprop(net, X, Y)
    num_w, num_b = numerical_network_gradient(net, X, Y, eps)
    errors = [relative_error(g, n) for g, n in zip(grad_w + grad_b, num_w + num_b)]
    return max(errors)
