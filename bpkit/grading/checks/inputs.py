"""The inputs the checks try answers on, and helpers the checks share.

Every visible case is built without a random generator (``pattern``), so every
machine builds exactly the same inputs and the digests in the teacher's notebooks
hold everywhere. The extra cases drawn while grading use the grader's generator.
"""
import numpy as np

from ...network import Network
from .compare import close, describe


def pattern(shape, seed, scale=1.0):
    """Deterministic, irregular test values in [-scale, scale]: no random generator, so
    every machine builds exactly the same inputs."""
    n = int(np.prod(shape))
    k = np.arange(n)
    return scale * np.sin(1.0 + seed + 1.7 * k + 0.37 * k * k).reshape(shape)


def targets(shape, seed):
    """Deterministic targets in [0, 1]."""
    return (pattern(shape, seed) + 1.0) / 2.0


def seed_from(rng):
    """A seed for ``pattern`` drawn by the grader's generator (the extra, hidden cases)."""
    return int(rng.integers(100, 10**6))


def size_from(rng, high=7):
    """A size in 1 … high − 1 drawn by the grader's generator."""
    return int(rng.integers(1, high))


def network_case(sizes, n, seed, weight_scale=1.0):
    """A sigmoid network with nonzero biases, and a batch (X, Y) for it."""
    net = Network(sizes, seed=seed)
    net.weights = [W * weight_scale for W in net.weights]
    net.biases = [pattern(b.shape, seed + l, 0.5) for l, b in enumerate(net.biases)]
    X, Y = pattern((n, sizes[0]), seed + 10), targets((n, sizes[-1]), seed + 20)
    return net, X, Y


def named(names, lists=False):
    """Compare a tuple of results (arrays, or ``lists`` of arrays), naming each in messages:
    ``grad_w[1] should be shape (4, 5)``."""
    def compare(expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"should return ({', '.join(names)}), got {describe(got)}"
        for name, e, g in zip(names, expected, got):
            if lists and not isinstance(g, (tuple, list)):
                return f"{name} should be a list of {len(e)} arrays, got {describe(g)}"
            problem = close(list(e), list(g), where=name) if lists else close(e, g, where=name)
            if problem:
                return problem
        return None
    return compare
