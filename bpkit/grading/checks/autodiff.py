"""The checks of two operations' backward passes in a reverse-mode engine (Chapter 16).

The reference is ``bpkit.autodiff`` itself: the operation's node is built from the
case's inputs and ``backward`` is seeded with the case's upstream gradient, so the
expected result is what the engine's closure adds to each parent's ``grad``.
"""
import numpy as np

from ... import autodiff
from .harness import Case, check
from .inputs import named, pattern, seed_from, size_from


def _backward_of(op, grad_out, *inputs):
    """What ``op``'s closure sends back to each input for the upstream gradient ``grad_out``."""
    tensors = [autodiff.Tensor(x) for x in inputs]
    op(*tensors).backward(grad_out)
    return tuple(t.grad for t in tensors)


def add_backward_reference(grad_out, a, b):
    """bpkit's gradient of a and b for out = a + b: ``grad_out`` summed over broadcast axes."""
    return _backward_of(autodiff.add, grad_out, a, b)


def matmul_backward_reference(grad_out, A, B):
    """bpkit's gradient of A and B for out = A @ B: (ḡ Bᵀ, Aᵀ ḡ)."""
    return _backward_of(autodiff.matmul, grad_out, A, B)


def _add_case(label, a_shape, b_shape, seed):
    a, b = pattern(a_shape, seed), pattern(b_shape, seed + 1)
    grad_out = pattern(np.broadcast_shapes(a_shape, b_shape), seed + 2, 2.0)
    inputs = {"grad_out": grad_out, "a": a, "b": b}
    return Case(label, inputs, add_backward_reference(grad_out, a, b))


def _broadcast_shapes(rng):
    """Two shapes that broadcast together, drawn at random: up to three axes of 2 to 4,
    each side dropping leading axes and setting axes to 1 independently of the other."""
    full = [int(rng.integers(2, 5)) for _ in range(int(rng.integers(1, 4)))]

    def one():
        return tuple(1 if rng.random() < 0.4 else n
                     for n in full[int(rng.integers(0, len(full) + 1)):])
    return one(), one()


def check_add_backward(add_backward):
    """The backward pass of out = a + b with numpy's broadcasting: (grad_a, grad_b), each
    shaped like its input, ``grad_out`` summed over the axes that input was broadcast along."""
    cases = [
        _add_case("same shapes, (3, 2) + (3, 2)", (3, 2), (3, 2), 1),
        _add_case("a batch plus a bias, (4, 3) + (3,)", (4, 3), (3,), 2),
        _add_case("a bias first, (2,) + (5, 2)", (2,), (5, 2), 3),
        _add_case("a row, (4, 3) + (1, 3)", (4, 3), (1, 3), 4),
        _add_case("a column plus a row, (3, 1) + (1, 4)", (3, 1), (1, 4), 5),
        _add_case("a number plus a matrix, () + (2, 3)", (), (2, 3), 6),
        _add_case("a batch of one plus a bias, (1, 3) + (3,)", (1, 3), (3,), 7),
        # b broadcast along its last axis, as a number, and over three axes: a gradient
        # summed over axis 0 only, or over the two axes of a matrix only, fails these
        _add_case("a matrix plus a column, (4, 3) + (4, 1)", (4, 3), (4, 1), 8),
        _add_case("a matrix plus a number, (2, 3) + ()", (2, 3), (), 9),
        _add_case("three axes, (2, 1, 3) + (4, 3)", (2, 1, 3), (4, 3), 10),
    ]

    def hidden(rng):
        n, m = 1 + size_from(rng, 6), 1 + size_from(rng, 6)
        return [_add_case("", (n, m), (m,), seed_from(rng)),
                _add_case("", (n, 1), (1, m), seed_from(rng)),
                _add_case("", (1, m), (n, m), seed_from(rng)),
                *(_add_case("", *_broadcast_shapes(rng), seed_from(rng)) for _ in range(3))]
    check("add_backward", add_backward, cases, hidden=hidden,
          compare=named(("grad_a", "grad_b")))


def _matmul_case(label, p, q, r, seed):
    A, B, grad_out = pattern((p, q), seed), pattern((q, r), seed + 1), pattern((p, r), seed + 2)
    inputs = {"grad_out": grad_out, "A": A, "B": B}
    return Case(label, inputs, matmul_backward_reference(grad_out, A, B))


def check_matmul_backward(matmul_backward):
    """The backward pass of out = A @ B: (grad_A, grad_B) = (ḡ Bᵀ, Aᵀ ḡ), shaped like A and B."""
    cases = [
        _matmul_case("(2, 3) @ (3, 4)", 2, 3, 4, 1),
        _matmul_case("square, (3, 3) @ (3, 3)", 3, 3, 3, 2),
        _matmul_case("a batch of one, (1, 4) @ (4, 2)", 1, 4, 2, 3),
        _matmul_case("one output column, (5, 2) @ (2, 1)", 5, 2, 1, 4),
        _matmul_case("a layer, X (6, 3) @ Wᵀ (3, 2)", 6, 3, 2, 5),
    ]

    def hidden(rng):
        return [_matmul_case("", size_from(rng), size_from(rng), size_from(rng), seed_from(rng))
                for _ in range(2)] + [_matmul_case("", 4, 4, 4, seed_from(rng))]
    check("matmul_backward", matmul_backward, cases, hidden=hidden,
          compare=named(("grad_A", "grad_B")))
