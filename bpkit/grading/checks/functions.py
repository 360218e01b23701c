"""The checks of σ, σ′ (Chapter 1) and the quadratic cost and its gradient (Chapter 2)."""
import numpy as np

from ... import activations, costs
from .harness import Case, check
from .inputs import pattern, targets


Z_CASES = [
    ("z = 0, a number", 0.0),
    ("a vector", np.array([-2.0, -0.5, 0.0, 0.5, 2.0])),
    ("a batch of 3 examples, 4 units", pattern((3, 4), 1, 3.0)),
    ("a batch of one", pattern((1, 3), 2)),
    ("large |z|", np.array([-1000.0, -40.0, 40.0, 1000.0])),
    ("integers", np.array([-3, 0, 3])),
]


def _z_cases(reference):
    return [Case(label, {"z": z}, reference(z)) for label, z in Z_CASES]


def _random_z(reference):
    return lambda rng: [Case("", {"z": z}, reference(z)) for z in
                        (rng.normal(0, 4, (5, 3)), rng.normal(0, 50, 7), rng.normal(0, 1, (1, 1)))]


def check_sigmoid(sigmoid):
    """σ(z) = 1 / (1 + e^{−z}), elementwise, for numbers and arrays of any shape."""
    reference = activations.sigmoid
    check("sigmoid", sigmoid, _z_cases(reference), hidden=_random_z(reference))


def check_sigmoid_prime(sigmoid_prime):
    """σ′(z) = σ(z)(1 − σ(z)), taken at z.

    The exercise asks for σ′ through the student's ``sigmoid``; while this check runs,
    ``sigmoid`` is bpkit's, so that a wrong or unfinished σ costs the σ exercise only.
    """
    check("sigmoid_prime", sigmoid_prime, _z_cases(activations.sigmoid_prime),
          hidden=_random_z(activations.sigmoid_prime), given={"sigmoid": activations.sigmoid})


def _cost_cases(reference):
    pairs = [
        ("a batch of one, one output", np.array([[0.8]]), np.array([[1.0]])),
        ("4 examples, one output", targets((4, 1), 1), targets((4, 1), 2)),
        ("5 examples, 3 outputs", targets((5, 3), 3), targets((5, 3), 4)),
        ("outputs equal to the targets", targets((3, 2), 5), targets((3, 2), 5)),
        ("large errors", pattern((2, 3), 6, 100.0), pattern((2, 3), 7)),
    ]
    return [Case(label, {"A": A, "Y": Y}, reference(A, Y)) for label, A, Y in pairs]


def _random_costs(reference):
    def cases(rng):
        shapes = [(int(rng.integers(1, 9)), int(rng.integers(1, 5))) for _ in range(3)]
        return [Case("", {"A": A, "Y": Y}, reference(A, Y)) for A, Y in
                ((rng.random(s), rng.random(s)) for s in shapes)]
    return cases


def check_quadratic_cost(quadratic_cost):
    """C = (1/n) Σ_x ½‖a_x − y_x‖², one number."""
    check("quadratic_cost", quadratic_cost, _cost_cases(costs.quadratic_cost),
          hidden=_random_costs(costs.quadratic_cost))


def check_quadratic_cost_gradient(quadratic_cost_gradient):
    """∇ₐC_x = a_x − y_x for every example, shape (n, n_out)."""
    reference = costs.quadratic_cost_gradient
    check("quadratic_cost_gradient", quadratic_cost_gradient, _cost_cases(reference),
          hidden=_random_costs(reference))
