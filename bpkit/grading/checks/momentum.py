"""The checks of one momentum step and a momentum descent path (Chapter 10)."""
import numpy as np

from ... import descent
from ...optimizers import make_optimizer
from .compare import labelled
from .harness import Case, check
from .inputs import named, pattern, seed_from, size_from


def momentum_step_reference(theta, velocity, grad, learning_rate, momentum):
    """bpkit's momentum rule as a function: v ← μv − ηg, θ ← θ + v; returns (θ, v)."""
    optimizer = make_optimizer("momentum", learning_rate, momentum=momentum)
    theta, velocity = np.array(theta, dtype=float), np.array(velocity, dtype=float)
    optimizer.velocity = [velocity]
    optimizer.step([theta], [np.asarray(grad, dtype=float)])
    return theta, velocity


def _momentum_case(label, shape, seed, learning_rate, momentum, first=False):
    theta, grad = pattern(shape, seed), pattern(shape, seed + 1, 3.0)
    velocity = np.zeros(shape) if first else pattern(shape, seed + 2, 0.5)
    inputs = {"theta": theta, "velocity": velocity, "grad": grad,
              "learning_rate": learning_rate, "momentum": momentum}
    return Case(label, inputs, momentum_step_reference(*inputs.values()))


def check_momentum_step(momentum_step):
    """One momentum step, returning new arrays (θ, v); the arguments stay unchanged."""
    cases = [
        _momentum_case("the first step (velocity 0), η = 0.1, μ = 0.9", (2,), 1, 0.1, 0.9, True),
        _momentum_case("μ = 0 is plain gradient descent", (3,), 2, 0.1, 0.0),
        _momentum_case("a 2×3 matrix of parameters, η = 0.05, μ = 0.9", (2, 3), 3, 0.05, 0.9),
        _momentum_case("a large gradient, η = 0.5, μ = 0.5", (2,), 4, 0.5, 0.5),
    ]

    def hidden(rng):
        return [_momentum_case("", (size_from(rng, 5),), seed_from(rng),
                               float(rng.uniform(0.01, 0.5)),
                               float(rng.uniform(0, 0.95))) for _ in range(3)]
    check("momentum_step", momentum_step, cases, hidden=hidden,
          compare=named(("theta", "velocity")))


def _bowl(scales):
    scales = np.asarray(scales, dtype=float)
    text = " + ".join(f"{s:g}·x{i + 1}²" for i, s in enumerate(scales))
    return labelled(lambda x: scales * np.asarray(x, dtype=float), f"∇ of ({text})/2")


def check_momentum_descent(momentum_descent):
    """The path of ``steps`` momentum steps from x0, shape (steps + 1, d), path[0] = x0.

    While it runs, the notebook's ``momentum_step`` is bpkit's, so that a mistake in
    the step exercise is not counted twice.
    """
    def case(label, scales, x0, learning_rate, momentum, steps):
        grad, x0 = _bowl(scales), np.array(x0, dtype=float)
        inputs = {"grad": grad, "x0": x0, "learning_rate": learning_rate,
                  "momentum": momentum, "steps": steps}
        path = descent.gradient_descent(grad, x0, learning_rate, steps,
                                        optimizer="momentum", momentum=momentum)
        return Case(label, inputs, path)

    cases = [
        case("a ravine, 20 steps", [1.0, 25.0], [-4.0, 1.0], 0.03, 0.9, 20),
        case("μ = 0, 5 steps", [1.0, 2.0], [1.0, 1.0], 0.1, 0.0, 5),
        case("steps = 0: the path is x0 alone", [1.0, 1.0], [2.0, -3.0], 0.1, 0.9, 0),
        case("a bowl in 3 dimensions, 10 steps", [1.0, 4.0, 9.0], [1.0, -1.0, 0.5], 0.05, 0.5, 10),
    ]

    def hidden(rng):
        return [case("", rng.uniform(0.5, 5, 2), rng.normal(size=2), 0.05,
                     float(rng.uniform(0, 0.9)), size_from(rng, 15))]
    check("momentum_descent", momentum_descent, cases, hidden=hidden,
          given={"momentum_step": momentum_step_reference})
