"""The checks of the numerical gradient and the relative error (the gradient check of
Chapters 4 and 5)."""
import numpy as np

from ... import gradcheck
from ...network import Network
from .compare import close, labelled
from .harness import Case, check
from .inputs import pattern, targets


def _network_cost_of_first_weights():
    net = Network([2, 3, 1], seed=7)
    X, Y = pattern((4, 2), 8), targets((4, 1), 9)

    def cost(W):
        probe = net.copy()
        probe.weights[0] = np.asarray(W, dtype=float).reshape(net.weights[0].shape)
        return probe.total_cost(X, Y)
    return labelled(cost, "the cost of a network [2, 3, 1] as a function of W¹"), net.weights[0]


def _gradient_cases():
    square = labelled(lambda t: float(np.sum(t ** 2)), "f(θ) = Σ θ²")
    exp = labelled(lambda t: float(np.sum(np.exp(t))), "f(θ) = Σ exp(θ)")
    cube = labelled(lambda t: float(np.sum(t ** 3)), "f(θ) = θ³")
    cost, W = _network_cost_of_first_weights()
    inputs = [("f(θ) = Σ θ², θ a vector of 3", square, np.array([0.5, -1.0, 2.0])),
              ("f(θ) = Σ exp(θ), θ a 2×3 matrix", exp, targets((2, 3), 1) * 1.5),
              ("one parameter, f(θ) = θ³", cube, np.array([1.5])),
              ("a network's cost, θ = W¹ (3×2)", cost, W)]
    return [Case(label, {"f": f, "theta": t, "eps": 1e-6},
                 gradcheck.numerical_gradient(f, t, 1e-6)) for label, f, t in inputs]


def check_numerical_gradient(numerical_gradient):
    """Central differences, (f(θ + ε) − f(θ − ε)) / 2ε, one entry of θ at a time."""
    # Two central-difference answers agree to about 1e-9; a one-sided difference is
    # off by about ε·f″/2 ≈ 1e-6 on these functions, so 5e-8 tells them apart.
    def compare(expected, got):
        return close(expected, got, rtol=1e-8, atol=5e-8)

    def hidden(rng):
        f = labelled(lambda t: float(np.sum(np.cos(t) * t)), "f(θ) = Σ θ cos θ")
        return [Case("", {"f": f, "theta": t, "eps": 1e-6}, gradcheck.numerical_gradient(f, t))
                for t in (rng.normal(size=4), rng.normal(size=(2, 2)))]
    check("numerical_gradient", numerical_gradient, _gradient_cases(), compare=compare,
          hidden=hidden)


def check_relative_error(relative_error):
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are zero."""
    pairs = [("equal vectors", np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.0])),
             ("opposite vectors", np.array([1.0, 2.0]), np.array([-1.0, -2.0])),
             ("two zero arrays", np.zeros(3), np.zeros(3)),
             ("2×3 matrices", pattern((2, 3), 1), pattern((2, 3), 2)),
             ("a tiny difference", np.array([1.0, 1.0]), np.array([1.0, 1.0 + 1e-8]))]
    cases = [Case(label, {"a": a, "b": b}, gradcheck.relative_error(a, b)) for label, a, b in pairs]
    def hidden(rng):
        a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        return [Case("", {"a": a, "b": b}, gradcheck.relative_error(a, b))]

    def compare(expected, got):     # "a tiny difference" expects 5e-9
        return close(expected, got, rtol=1e-7, atol=1e-13)
    check("relative_error", relative_error, cases, hidden=hidden, compare=compare)
