"""The checks of softmax and of its output error with the categorical cross-entropy (Chapter 17)."""
import numpy as np

from ... import activations
from .harness import Case, check
from .inputs import pattern, seed_from, size_from

#: What the output-error exercise is given (the softmax exercise's function): bpkit's, while checked.
GIVEN_SOFTMAX = {"softmax": activations.softmax}


def one_hot(n, k, seed):
    """Deterministic one-hot targets ``(n, k)``: no random generator, the same on every machine."""
    return np.eye(k)[(7 * np.arange(n) + seed) % k]


def check_softmax(softmax):
    """softmax(Z)_j = e^{z_j} / Σ_i e^{z_i} for each row of Z ``(n, k)``, with no overflow."""
    rows = [
        ("one example, three classes", np.array([[1.0, 2.0, 3.0]])),
        ("4 examples, 5 classes", pattern((4, 5), 1, 3.0)),
        ("3 examples, 2 classes", pattern((3, 2), 2)),
        ("equal z in a row: every class 1/k", np.zeros((2, 4))),
        ("one class only", pattern((3, 1), 3)),
        # each row needs its own max: one max for the whole batch underflows the second row
        ("large z, up to 1000", np.array([[1000.0, 999.0, 0.0], [-1000.0, -1000.0, -999.0]])),
    ]
    cases = [Case(label, {"Z": Z}, activations.softmax(Z)) for label, Z in rows]

    def hidden(rng):
        shapes = [(size_from(rng), 1 + size_from(rng)) for _ in range(4)]
        many = (size_from(rng), int(rng.integers(8, 201)))    # more classes than any visible case
        outlier = rng.normal(0, 1, shapes[3])       # one entry of each row far above the rest
        outlier[np.arange(shapes[3][0]), rng.integers(0, shapes[3][1], shapes[3][0])] += \
            rng.uniform(2000, 5000, shapes[3][0])
        batches = [rng.normal(0, 3, shapes[0]),
                   rng.normal(0, 300, shapes[1]) + rng.uniform(-800, 800),   # large z, shifted
                   rng.normal(0, 2, shapes[2]) + rng.uniform(700, 5000, (shapes[2][0], 1)),
                   outlier, rng.normal(0, 5, many)]
        return [Case("", {"Z": Z}, activations.softmax(Z)) for Z in batches]
    check("softmax", softmax, cases, hidden=hidden)


def _output_error_case(label, Z, Y):
    return Case(label, {"Z": Z, "Y": Y}, activations.softmax(Z) - Y)


def check_softmax_output_error(softmax_output_error):
    """BP1 for a softmax output and the categorical cross-entropy: δᴸ = softmax(zᴸ) − y per example."""
    cases = [
        _output_error_case("one example, three classes", np.array([[1.0, 2.0, 3.0]]),
                           np.array([[0.0, 0.0, 1.0]])),
        _output_error_case("4 examples, 5 classes", pattern((4, 5), 4, 2.0), one_hot(4, 5, 1)),
        _output_error_case("confident and wrong", np.array([[8.0, 0.0, 0.0], [0.0, 6.0, 1.0]]),
                           np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])),
        _output_error_case("a batch of one, two classes", np.array([[0.3, -0.4]]),
                           np.array([[1.0, 0.0]])),
        _output_error_case("large z, up to 1000", np.array([[1000.0, 999.0, 0.0]]),
                           np.array([[0.0, 1.0, 0.0]])),
    ]

    def hidden(rng):
        return [_output_error_case("", pattern((n, k), seed_from(rng), 4.0), one_hot(n, k, seed_from(rng)))
                for n, k in ((size_from(rng), 1 + size_from(rng)) for _ in range(3))]
    check("softmax_output_error", softmax_output_error, cases, hidden=hidden, given=GIVEN_SOFTMAX)
