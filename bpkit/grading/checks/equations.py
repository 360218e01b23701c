"""The checks of the four equations of backpropagation, BP1 to BP4 (Chapters 4 and 5)."""
from ...backprop import bias_gradient as reference_bias_gradient, \
    hidden_error as reference_hidden_error, output_error as reference_output_error, \
    weight_gradient as reference_weight_gradient
from ... import activations
from .harness import Case, check
from .inputs import pattern, seed_from, size_from, targets

#: What exercises 3 and 4 are given (exercise 1's functions): bpkit's, while they are checked.
GIVEN_SIGMOID = {"sigmoid": activations.sigmoid, "sigmoid_prime": activations.sigmoid_prime}


def _output_error_case(label, n, n_out, seed, scale=2.0, perfect=False):
    Z = pattern((n, n_out), seed, scale)
    A = activations.sigmoid(Z)
    Y = A.copy() if perfect else targets((n, n_out), seed + 1)
    return Case(label, {"A": A, "Y": Y, "Z": Z}, reference_output_error(A, Y, Z))


def check_output_error(output_error):
    """BP1 for the quadratic cost and sigmoid outputs: δᴸ = (aᴸ − y) ⊙ σ′(zᴸ)."""
    cases = [
        _output_error_case("a batch of one, one output", 1, 1, 1),
        _output_error_case("4 examples, 2 outputs", 4, 2, 2),
        _output_error_case("3 examples, 5 outputs", 3, 5, 3),
        _output_error_case("saturated outputs, |z| up to 30", 3, 2, 4, scale=30.0),
        _output_error_case("outputs equal to the targets", 2, 3, 5, perfect=True),
    ]

    def hidden(rng):
        return [_output_error_case("", size_from(rng), size_from(rng, 5), seed_from(rng))
                for _ in range(3)]
    check("output_error", output_error, cases, hidden=hidden, given=GIVEN_SIGMOID)


def _hidden_error_case(label, n, n_l, n_next, seed, scale=2.0):
    delta_next = pattern((n, n_next), seed, 0.5)
    W_next = pattern((n_next, n_l), seed + 1)
    Z = pattern((n, n_l), seed + 2, scale)
    return Case(label, {"delta_next": delta_next, "W_next": W_next, "Z": Z},
                reference_hidden_error(delta_next, W_next, Z))


def check_hidden_error(hidden_error):
    """BP2: δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ), rows as examples."""
    cases = [
        _hidden_error_case("a layer of 5 units feeding 3, batch of 4", 4, 5, 3, 1),
        _hidden_error_case("a square layer, 3 units feeding 3, batch of 2", 2, 3, 3, 2),
        _hidden_error_case("a batch of one, 2 units feeding 4", 1, 2, 4, 3),
        _hidden_error_case("one unit feeding one, batch of 3", 3, 1, 1, 4),
        _hidden_error_case("saturated layer, |z| up to 40", 3, 4, 2, 5, scale=40.0),
    ]

    def hidden(rng):
        return [_hidden_error_case("", size_from(rng), size_from(rng), size_from(rng),
                                   seed_from(rng))
                for _ in range(3)]
    check("hidden_error", hidden_error, cases, hidden=hidden, given=GIVEN_SIGMOID)


def check_bias_gradient(bias_gradient):
    """BP3 over a batch: ∂C/∂bˡ = (1/n) Σ_x δˡ_x, shape (n_l,)."""
    deltas = [("a batch of one, 3 units", pattern((1, 3), 1)),
              ("a batch of 5, 3 units", pattern((5, 3), 2)),
              ("a batch of 4, one unit", pattern((4, 1), 3)),
              ("a batch of 2, 6 units, large errors", pattern((2, 6), 4, 1e3))]
    cases = [Case(label, {"delta": d}, reference_bias_gradient(d)) for label, d in deltas]

    def hidden(rng):
        return [Case("", {"delta": d}, reference_bias_gradient(d))
                for d in (rng.normal(size=(1 + size_from(rng, 9), size_from(rng)))
                          for _ in range(3))]
    check("bias_gradient", bias_gradient, cases, hidden=hidden)


def _weight_case(label, n, n_l, n_prev, seed):
    delta, A_prev = pattern((n, n_l), seed), targets((n, n_prev), seed + 1)
    expected = reference_weight_gradient(delta, A_prev)
    return Case(label, {"delta": delta, "A_prev": A_prev}, expected)


def check_weight_gradient(weight_gradient):
    """BP4 over a batch: ∂C/∂Wˡ = (1/n) Σ_x δˡ_x (aˡ⁻¹_x)ᵀ, shape (n_l, n_{l−1})."""
    cases = [
        _weight_case("a batch of one, 3 units fed by 2", 1, 3, 2, 1),
        _weight_case("a batch of 4, 2 units fed by 5", 4, 2, 5, 2),
        _weight_case("a batch of 3, square 3 by 3", 3, 3, 3, 3),
        _weight_case("a batch of 6, one unit fed by one", 6, 1, 1, 4),
    ]

    def hidden(rng):
        return [_weight_case("", size_from(rng), size_from(rng), size_from(rng), seed_from(rng))
                for _ in range(3)]
    check("weight_gradient", weight_gradient, cases, hidden=hidden)
