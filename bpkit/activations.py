"""Activation functions σ and their derivatives σ′, applied elementwise.

Every function takes an array ``z`` of any shape and returns an array of the
same shape (float64 unless ``z`` is float32). ``ACTIVATIONS`` maps a name to an
``Activation``, which unpacks as the pair ``(σ, σ′)``, so a network can be built
from a string. The same entry holds the two forms the fast training engines
use: σ written into a buffer they already have, and σ′ written in terms of the
output a = σ(z), which the forward pass has at hand (so σ is never evaluated a
second time). A new activation is one entry in that table; every engine finds
it there.

Softmax is not elementwise: each output a_j = e^{z_j} / Σ_i e^{z_i} depends on
the whole row z, so it has a Jacobian, not a σ′. It is the one entry of
``OUTPUT_ACTIVATIONS``, which only a network's output layer may use (BP2
multiplies by σ′(zˡ) entry by entry, which needs an elementwise σ);
``get_output_activation`` looks a name up in both tables.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

from ._checks import check_choice


def sigmoid(z, out=None):
    """σ(z) = 1 / (1 + e^{-z}), written into ``out`` if given.

    For z < −709, e^{-z} overflows to inf and σ(z) = 1/inf = 0.0, which is
    the right limit; the overflow is expected, so it raises no warning:
    ``sigmoid(-1000)`` is 0.0 and ``sigmoid(1000)`` is 1.0.
    """
    with np.errstate(over="ignore"):
        return sigmoid_into(_as_float(z), out)


def sigmoid_into(z, out=None):
    """σ(z) for a float array, into ``out`` (which may be ``z`` itself); no checks.

    Small arrays go to scipy's ``expit``, one call. Large ones take four
    vectorised passes (−z, exp, +1, 1/x), which are faster there because
    numpy's exp runs in SIMD registers (≈ 2.5 ms against 6 ms for 10⁶ floats);
    up to a few hundred values the cost of each call dominates instead. Both
    are accurate to the last bit or so. Call it where overflow warnings are
    already off (see ``sigmoid``).
    """
    if z.size <= SMALL:
        return expit(z, out=out)
    e = np.exp(np.negative(z, out=out), out=out)
    return np.reciprocal(np.add(e, 1.0, out=out), out=out)


#: arrays up to this size take ``expit`` in ``sigmoid_into``
SMALL = 256


def sigmoid_prime(z):
    """σ′(z) = σ(z)(1 − σ(z)); at most 1/4, at z = 0.

    Takes the pre-activation ``z``, not the activation ``a = σ(z)``: the
    equations BP1 and BP2 are written with σ′(z).
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z, out=None):
    """tanh(z) = (e^z − e^{-z}) / (e^z + e^{-z}), in (−1, 1)."""
    return np.tanh(_as_float(z), out=out)


def tanh_prime(z):
    """tanh′(z) = 1 − tanh²(z); at most 1, at z = 0."""
    t = np.tanh(_as_float(z))
    return 1.0 - t * t


def relu(z, out=None):
    """ReLU(z) = max(0, z)."""
    z = _as_float(z)
    return np.maximum(z, z.dtype.type(0), out=out)


def relu_prime(z):
    """ReLU′(z) = 1 for z > 0 and 0 for z < 0.

    ReLU has no derivative at 0. Any value in [0, 1] is a valid subgradient
    there; we choose 0, as most libraries do, so a unit sitting exactly at 0
    passes no gradient back.
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def identity(z, out=None):
    """The identity, for a linear output layer in regression."""
    z = _as_float(z)
    if out is None:
        return z.copy()
    out[...] = z
    return out


def identity_prime(z):
    """The identity's derivative: 1 everywhere."""
    return np.ones_like(_as_float(z))


# σ′ written with the output a = σ(z) instead of z, into the buffer ``out``.
# Each one is the same sequence of float operations as σ′(z) above applied to
# σ(z), so both give identical numbers: σ′ = a(1 − a), tanh′ = 1 − a², ReLU′ =
# [a > 0] (a > 0 exactly where z > 0), identity′ = 1.

def sigmoid_prime_from_output(a, out):
    """σ′ = a(1 − a)."""
    return np.multiply(a, np.subtract(1.0, a, out=out), out=out)


def tanh_prime_from_output(a, out):
    """tanh′ = 1 − a²."""
    return np.subtract(1.0, np.multiply(a, a, out=out), out=out)


def relu_prime_from_output(a, out):
    """ReLU′ = 1 where a > 0, else 0."""
    return np.greater(a, 0, out=out)


def identity_prime_from_output(a, out):
    """identity′ = 1."""
    out.fill(1.0)
    return out


@dataclass(frozen=True)
class Activation:
    """One activation function in the forms bpkit uses; it unpacks as ``(σ, σ′)``.

    ``fn(z)`` is σ and ``prime(z)`` is σ′ at the pre-activation z, as BP1 and
    BP2 are written. ``into(z, out)`` is σ written into a buffer (``out`` may
    be ``z``), with no checks; ``prime_from_output(a, out)`` is σ′ from the
    output a = σ(z), into ``out``. All four keep the shape of their input.
    """
    fn: Callable
    prime: Callable
    into: Callable
    prime_from_output: Callable

    def __iter__(self):
        # ``sigma, prime = ACTIVATIONS[name]``: the pair the equations use
        return iter((self.fn, self.prime))


#: name -> Activation. A Network takes one of these names for its layers.
ACTIVATIONS = {
    "sigmoid": Activation(sigmoid, sigmoid_prime, sigmoid_into, sigmoid_prime_from_output),
    "tanh": Activation(tanh, tanh_prime, np.tanh, tanh_prime_from_output),
    "relu": Activation(relu, relu_prime, relu, relu_prime_from_output),
    "identity": Activation(identity, identity_prime, identity, identity_prime_from_output),
}


def get_activation(name):
    """The ``Activation`` called ``name`` (it unpacks as ``(σ, σ′)``); a clear ValueError otherwise."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]


# Softmax: the activation of a whole output layer, one row (example) at a time.

def softmax(z, out=None, axis=-1):
    """a_j = e^{z_j} / Σ_i e^{z_i} along ``axis`` (each row of a batch ``(n, k)``), into ``out``.

    Computed as e^{z_j − m} / Σ_i e^{z_i − m} with m = max_i z_i, which is the
    same fraction (the factor e^{−m} cancels) but never overflows: every
    exponent is ≤ 0, so every term is at most 1 and the sum is at least 1.
    ``softmax([1000, 1000])`` is [0.5, 0.5], where e^{1000} alone is inf.
    Shape: that of ``z``; every slice along ``axis`` sums to 1.
    """
    z = _as_float(z)
    if z.ndim == 0:
        raise ValueError("softmax needs a vector or a batch of rows, got a single number")
    shifted = np.subtract(z, np.max(z, axis=axis, keepdims=True), out=out)
    e = np.exp(shifted, out=shifted)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_sum_exp(z, axis=-1):
    """ln Σ_i e^{z_i} along ``axis``, as m + ln Σ_i e^{z_i − m} with m = max_i z_i.

    The log-sum-exp trick: the naive sum overflows to inf for z_i ≳ 710 and
    its log underflows to −inf when every z_i ≲ −745; the shifted sum lies in
    [1, k], so its log is finite. Shape: that of ``z`` without ``axis``.
    """
    z = _as_float(z)
    m = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))


def log_softmax(z, axis=-1):
    """ln a_j = z_j − ln Σ_i e^{z_i} (log-sum-exp), shape of ``z``.

    Finite even where a_j itself underflows to 0 (z_j more than ≈ 745 below
    the row's largest entry), where ``np.log(softmax(z))`` would give −inf.
    """
    z = _as_float(z)
    # (z − m) − ln Σ e^{z_i − m}: subtracting m first keeps ln a_j exact near 0,
    # where z − (m + ln Σ …) would lose the digits that z and m share.
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(z):
    """The Jacobian ∂a_i/∂z_j = a_i (δ_ij − a_j) of softmax, i.e. diag(a) − a aᵀ, at z.

    ``z``: one vector ``(k,)`` gives ``(k, k)``; a batch ``(n, k)`` gives one
    matrix per example, ``(n, k, k)``. Symmetric, with rows summing to 0
    (adding a constant to every z_j leaves a unchanged).
    """
    a = softmax(z)
    return a[..., :, None] * np.eye(a.shape[-1], dtype=a.dtype) - a[..., :, None] * a[..., None, :]


def softmax_backward(a, grad, out=None, axis=-1):
    """δ = J(z)ᵀ g for each example, from a = softmax(z) and g = ∇ₐC: a ⊙ (g − (a·g)).

    BP1 for a softmax output: with J = diag(a) − a aᵀ (symmetric),
    Jᵀ g = a ⊙ g − a (aᵀ g), one dot product per example instead of a k × k
    matrix. ``a``, ``grad``: the same shape, examples along the other axis
    than ``axis`` (rows by default, columns with ``axis=0``); into ``out``,
    which may be ``grad``.
    """
    a, grad = np.asarray(a), np.asarray(grad)
    dot = np.sum(a * grad, axis=axis, keepdims=True)
    out = np.subtract(grad, dot, out=out)
    out *= a
    return out


@dataclass(frozen=True)
class OutputActivation:
    """An activation of a whole layer (not elementwise): for the output layer only.

    ``fn(z, out=None, axis=-1)`` is a = f(z) along ``axis``; ``backward(a, g,
    out=None, axis=-1)`` is BP1's J(z)ᵀ g from the output a; ``jacobian(z)`` is
    J itself, for reading and checking.
    """
    fn: Callable
    backward: Callable
    jacobian: Callable


#: name -> OutputActivation: activations that only a network's output layer may have.
OUTPUT_ACTIVATIONS = {
    "softmax": OutputActivation(softmax, softmax_backward, softmax_jacobian),
}


def get_output_activation(name):
    """The activation an output layer may have: an ``Activation`` (elementwise) or an
    ``OutputActivation`` (softmax); a clear ValueError otherwise."""
    if isinstance(name, str) and name in ACTIVATIONS:      # the common case, looked up first
        return ACTIVATIONS[name]
    check_choice("activation", name, {**ACTIVATIONS, **OUTPUT_ACTIVATIONS})
    return OUTPUT_ACTIVATIONS[name]


def _is_float32(z):
    return getattr(z, "dtype", None) == np.float32


def _as_float(z):
    """float32 stays float32 (the fast mode); everything else becomes float64."""
    return np.asarray(z, dtype=np.float32 if _is_float32(z) else np.float64)
