"""The first weights: the scale they are drawn at, and what that scale does to a deep network.

A layer's weighted input z_j = Σ_k w_jk a_k (biases start at 0) is a sum of n_in
products. With every w_jk of mean zero, drawn independently of one another and of
the a_k, the variances multiply and add up (the equations of Chapter 18):

    Var(z)     = n_in Var(w) E[a²]                                  forward_variance    (init-forward)
    Var(δ^l_k) = n_out Var(w^{l+1}) E[σ′(z^l_k)²] Var(δ^{l+1})      backward_variance   (init-backward)

where n_out = n_{l+1} is the width of the layer BP2 takes δ^{l+1} from. A deep
network keeps its signal in both directions when each layer's factor is 1, which
gives the classic rules for Var(w) (``weight_variance``, ``RULES``):

    lecun   1 / n_in              a zero-mean a with E[a²] ≈ Var(z): tanh near 0
    glorot  2 / (n_in + n_out)    a compromise between the forward and the backward factor
    he      2 / n_in              ReLU, which zeroes half of z: E[a²] = Var(z) / 2

or any ``scale`` / n_in. ``initialize`` draws weights that way; ``propagate`` runs the
two equations through a network, with the expectations over a Gaussian z
(``gaussian_mean``); ``layer_statistics`` measures the same quantities on a real one.
"""
import math
import numbers
from typing import NamedTuple

import numpy as np

from ._checks import check_choice, check_int, check_positive
from .activations import get_activation
from .backprop import hidden_error, output_error

#: rule name -> Var(w) of a layer with n_in inputs and n_out outputs.
RULES = {
    "lecun": lambda n_in, n_out: 1.0 / n_in,
    "glorot": lambda n_in, n_out: 2.0 / (n_in + n_out),
    "he": lambda n_in, n_out: 2.0 / n_in,
}


def weight_variance(rule, n_in, n_out):
    """Var(w) for a layer n_in → n_out by ``rule``: "lecun" 1/n_in, "glorot" 2/(n_in + n_out),
    "he" 2/n_in, or a number c > 0 meaning c / n_in (c = 1 is LeCun's, c = 2 He's)."""
    n_in, n_out = check_int("n_in", n_in, 1), check_int("n_out", n_out, 1)
    if isinstance(rule, numbers.Real) and not isinstance(rule, bool):
        return check_positive("rule (the scale c of Var(w) = c / n_in)", rule) / n_in
    check_choice("rule", rule, RULES)
    return RULES[rule](n_in, n_out)


def initialize(sizes, rule="he", seed=None):
    """Weights W^l ~ N(0, Var(w)) by ``rule`` (see ``weight_variance``), biases 0.

    ``sizes``: layer sizes ``[n_0, …, n_L]``; ``seed``: an int or a
    ``numpy.random.Generator``. Returns ``(weights, biases)``: lists with W^l of
    shape ``(n_l, n_{l-1})`` and b^l of shape ``(n_l,)``, as ``Network`` holds them.
    The draws are made layer by layer as ``Network`` makes them, so "lecun" (and
    "he" for ReLU) gives exactly the weights of ``Network(sizes, seed=seed)``.
    """
    sizes = _check_sizes(sizes)
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_out, n_in)) * np.sqrt(weight_variance(rule, n_in, n_out))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]


def forward_variance(n_in, weight_var, mean_square):
    """(init-forward) Var(z) = n_in Var(w) E[a²]: the variance of a weighted input.

    Assumes zero-mean weights, independent of each other and of the inputs a_k,
    and zero biases. Note E[a²], not Var(a): the two agree only for zero-mean a
    (tanh's, not the sigmoid's or ReLU's). Works elementwise on arrays.
    """
    return n_in * np.asarray(weight_var, dtype=float) * np.asarray(mean_square, dtype=float)


def backward_variance(n_out, weight_var, mean_square_prime, delta_var):
    """(init-backward) Var(δ^l) = n_out Var(w^{l+1}) E[σ′(z^l)²] Var(δ^{l+1}): BP2's variance.

    BP2, δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l), sums n_out = n_{l+1} products per
    entry; the same assumptions as ``forward_variance``, with the weights also
    independent of δ^{l+1} and of σ′(z^l) (true at the start only approximately,
    since z^{l+1} was computed with W^{l+1}; close for wide layers).
    """
    return (n_out * np.asarray(weight_var, dtype=float) * np.asarray(mean_square_prime, dtype=float)
            * np.asarray(delta_var, dtype=float))


def _half_line_rule(panels=24, width=0.5, nodes=20):
    """Nodes x ≥ 0 and weights w with Σ w f(x) ≈ ∫_0^∞ f(x) φ(x) dx, φ the N(0, 1) density:
    Gauss–Legendre on panels of ``width`` up to 12 (φ(12) ≈ 1e-32), ``nodes`` per panel.
    Panels, rather than one rule over the line, keep the error near rounding for functions
    that change quickly near 0, such as tanh(s z) for a large s."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    starts = width * np.arange(panels)
    points = (starts[:, None] + width * (x + 1) / 2).ravel()
    weights = np.tile(width * w / 2, panels) * np.exp(-points ** 2 / 2) / np.sqrt(2 * np.pi)
    return points, weights


_POINTS, _WEIGHTS = _half_line_rule()


def gaussian_mean(f, variance):
    """E[f(z)] for z ~ N(0, ``variance``), by quadrature on each half-line.

    ``f`` takes an array of z values. The two halves z < 0 and z > 0 are integrated
    separately, so a function smooth on each side of 0, ReLU and its derivative
    included, is integrated as accurately as σ or tanh: to about 1e-12 for variances
    up to 100. (Beyond, the nodes grow too sparse for a function that changes within
    |z| < 1, such as tanh′: 1e-9 at variance 200. Polynomials on each half-line, such
    as ReLU², keep that accuracy at any variance.)
    """
    variance = float(variance)
    if not math.isfinite(variance) or variance < 0:
        raise ValueError(f"variance must be a finite number >= 0, got {variance!r}")
    s = math.sqrt(variance)
    values = np.asarray(f(np.concatenate([s * _POINTS, -s * _POINTS])), dtype=float)
    return float(_WEIGHTS @ (values[:_POINTS.size] + values[_POINTS.size:]))


class Propagation(NamedTuple):
    """What ``propagate`` predicts for the hidden layers 1 … L−1 (index 0 is layer 1).

    ``variance_z``: Var(z^l); ``std_a``: the standard deviation of a^l = σ(z^l);
    ``delta_ratio``: Var(δ^l) / Var(δ^L), the product of the backward factors from
    the output down to layer l. Each an array of length L − 1.
    """
    variance_z: np.ndarray
    std_a: np.ndarray
    delta_ratio: np.ndarray


def propagate(sizes, activation, rule, input_mean_square=1.0):
    """The variances of z^l, a^l and δ^l that (init-forward) and (init-backward) predict.

    ``sizes``: ``[n_0, …, n_L]``; the hidden layers have ``activation``; every
    layer's Var(w) comes from ``rule`` (see ``weight_variance``);
    ``input_mean_square``: E[x²] of the inputs (1 for standardized columns). Each
    z^l is taken as Gaussian, N(0, Var(z^l)), for the expectations E[σ(z)²] and
    E[σ′(z)²]: a sum of many small independent terms. Returns a ``Propagation``.
    """
    sizes = _check_sizes(sizes)
    sigma, prime = get_activation(activation)
    mean_square = check_positive("input_mean_square", input_mean_square)
    variance_z, std_a, factors = [], [], []
    for l in range(1, len(sizes) - 1):
        q = float(forward_variance(sizes[l - 1], weight_variance(rule, sizes[l - 1], sizes[l]),
                                   mean_square))                                 # (init-forward)
        mean, mean_square = gaussian_mean(sigma, q), gaussian_mean(lambda z: sigma(z) ** 2, q)
        variance_z.append(q)
        std_a.append(math.sqrt(max(mean_square - mean ** 2, 0.0)))
        factors.append(float(backward_variance(
            sizes[l + 1], weight_variance(rule, sizes[l], sizes[l + 1]),
            gaussian_mean(lambda z: prime(z) ** 2, q), 1.0)))                    # (init-backward)
    ratio = np.cumprod(factors[::-1])[::-1]      # layer l: the factors of layers l … L−1
    return Propagation(np.array(variance_z), np.array(std_a), np.array(ratio, dtype=float))


class LayerStatistics(NamedTuple):
    """Measured spread, layer by layer: ``activation_std[l]`` is the standard deviation of
    all entries of A^l for l = 0 … L (index 0: the input X); ``delta_std[l - 1]`` that of
    Δ^l for l = 1 … L."""
    activation_std: np.ndarray
    delta_std: np.ndarray


def layer_statistics(net, X, Y):
    """The standard deviation of every layer's activations and errors δ, on the batch (X, Y).

    One forward pass, then BP1 at the output and BP2 down to layer 1, with the
    network's own activations and cost; δ is per example (∂C_x/∂z), as BP1 gives
    it. ``X``: ``(n, n_0)``, ``Y``: ``(n, n_L)``. Returns a ``LayerStatistics``.
    """
    X, Y = net.check_input(X), net.check_target(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}; rows are examples")
    zs, activations = net.forward(X)
    names = net.layer_activations()
    delta = output_error(activations[-1], Y, zs[-1], net.cost, names[-1])           # BP1
    deltas = [delta]
    for l in range(len(net.weights) - 1, 0, -1):     # list index l is layer l + 1
        delta = hidden_error(delta, net.weights[l], zs[l - 1], names[l - 1])         # BP2
        deltas.append(delta)
    return LayerStatistics(np.array([float(A.std()) for A in activations]),
                           np.array([float(D.std()) for D in reversed(deltas)]))


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer sizes, such as [2, 8, 1], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers (input and output), got {sizes!r}")
    return [check_int(f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
