"""The check of one Adam step (Chapter 10), with bias correction and t counted from 1."""
import numpy as np

from ...optimizers import make_optimizer
from .harness import Case, check
from .inputs import named, pattern, seed_from, size_from


def adam_step_reference(theta, m, v, grad, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """bpkit's Adam rule as a function; returns new arrays (θ, m, v).

    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
    θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  t = 1, 2, …
    """
    optimizer = make_optimizer("adam", learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    theta, m, v = (np.array(a, dtype=float) for a in (theta, m, v))
    optimizer.mean, optimizer.square = [m], [v]
    optimizer.t = t - 1          # its step counts this step: t − 1 steps were taken before
    optimizer.step([theta], [np.asarray(grad, dtype=float)])
    return theta, m, v


def _adam_case(label, shape, seed, t, learning_rate, first=False, grad_scale=3.0, **betas):
    """Inputs for one step: states m, v from earlier steps (0 on the first one); v ≥ 0."""
    theta, grad = pattern(shape, seed), pattern(shape, seed + 1, grad_scale)
    m = np.zeros(shape) if first else pattern(shape, seed + 2, 0.5)
    v = np.zeros(shape) if first else pattern(shape, seed + 3, 1.5) ** 2
    inputs = {"theta": theta, "m": m, "v": v, "grad": grad, "t": t,
              "learning_rate": learning_rate, **betas}
    return Case(label, inputs, adam_step_reference(*inputs.values()))


def check_adam_step(adam_step):
    """One Adam step, returning new arrays (θ, m, v); the arguments stay unchanged."""
    cases = [
        _adam_case("the first step, t = 1 (m = v = 0), η = 0.1", (3,), 1, 1, 0.1, first=True),
        _adam_case("t = 1000, η = 0.01", (4,), 2, 1000, 0.01),
        _adam_case("a zero gradient, t = 5: m and v still move θ", (3,), 3, 5, 0.1,
                   grad_scale=0.0),
        _adam_case("a 2×3 matrix of parameters, t = 3, β₁ = 0.5, β₂ = 0.99", (2, 3), 4, 3, 0.05,
                   beta1=0.5, beta2=0.99),
        _adam_case("huge gradients (1e8), t = 1", (3,), 5, 1, 0.1, first=True, grad_scale=1e8),
        _adam_case("tiny gradients (1e-8), t = 1: ε matters", (3,), 6, 1, 0.1, first=True,
                   grad_scale=1e-8),
        _adam_case("tiny gradients (1e-8), t = 20, ε = 1e-6", (2,), 7, 20, 0.01,
                   grad_scale=1e-8, beta1=0.9, beta2=0.999, eps=1e-6),
    ]

    def hidden(rng):
        def shape():
            return (size_from(rng, 5), size_from(rng, 4)) if rng.random() < 0.5 \
                else (size_from(rng, 6),)
        return [_adam_case("", shape(), seed_from(rng), int(rng.integers(1, 3000)),
                           float(rng.uniform(0.001, 0.2)),
                           grad_scale=float(10.0 ** rng.uniform(-8, 3)),
                           beta1=float(rng.uniform(0.5, 0.95)),
                           beta2=float(rng.uniform(0.9, 0.9999)),
                           eps=float(10.0 ** rng.uniform(-9, -6))) for _ in range(4)]
    check("adam_step", adam_step, cases, hidden=hidden, compare=named(("theta", "m", "v")))
