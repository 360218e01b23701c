"""Activation functions σ and their derivatives σ′, applied elementwise.

Every function takes an array ``z`` of any shape and returns an array of the
same shape (float64 unless ``z`` is float32). ``ACTIVATIONS`` maps a name to its
``(function, derivative)`` pair, so a network can be built from a string.
"""
import numpy as np
from scipy.special import expit

from ._checks import check_choice


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{-z}).

    scipy's ``expit`` computes it without overflow: ``sigmoid(-1000)`` is 0.0
    and ``sigmoid(1000)`` is 1.0 with no warning, where the formula as written
    would overflow in e^{1000}. It is also one pass over the array, which
    matters: σ runs on every layer of every forward pass.
    """
    return expit(_as_float(z))


def sigmoid_prime(z):
    """σ′(z) = σ(z)(1 − σ(z)); at most 1/4, at z = 0.

    Takes the pre-activation ``z``, not the activation ``a = σ(z)``: the
    equations BP1 and BP2 are written with σ′(z).
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z) = (e^z − e^{-z}) / (e^z + e^{-z}), in (−1, 1)."""
    return np.tanh(_as_float(z))


def tanh_prime(z):
    """tanh′(z) = 1 − tanh²(z); at most 1, at z = 0."""
    t = np.tanh(_as_float(z))
    return 1.0 - t * t


def relu(z):
    """ReLU(z) = max(0, z)."""
    z = _as_float(z)
    return np.maximum(z, 0.0).astype(z.dtype, copy=False)


def relu_prime(z):
    """ReLU′(z) = 1 for z > 0 and 0 for z < 0.

    ReLU has no derivative at 0. Any value in [0, 1] is a valid subgradient
    there; we choose 0, as most libraries do, so a unit sitting exactly at 0
    passes no gradient back.
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def identity(z):
    """The identity, for a linear output layer in regression."""
    return _as_float(z).copy()


def identity_prime(z):
    """The identity's derivative: 1 everywhere."""
    return np.ones_like(_as_float(z))


#: name -> (σ, σ′). A Network takes one of these names for its layers.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}


def get_activation(name):
    """Return the ``(σ, σ′)`` pair called ``name``; a clear ValueError otherwise."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]


def _is_float32(z):
    return getattr(z, "dtype", None) == np.float32


def _as_float(z):
    """float32 stays float32 (the fast mode); everything else becomes float64."""
    return np.asarray(z, dtype=np.float32 if _is_float32(z) else np.float64)
