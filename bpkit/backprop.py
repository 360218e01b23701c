"""The four equations of backpropagation, one function each, and ``backprop``.

Everything works on a whole batch at once, one example per row:
``delta`` of layer l has shape ``(n, n_l)``, row x holding δ^l for example x.

    BP1  δ^L = ∇ₐC_x ⊙ σ′(z^L)                  output_error
    BP2  δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)    hidden_error
    BP3  ∂C/∂b^l = (1/n) Σ_x δ^l_x               bias_gradient
    BP4  ∂C/∂W^l = (1/n) Σ_x δ^l_x (a^{l-1}_x)ᵀ  weight_gradient

BP3 and BP4 average the per-example gradients over the batch because the cost
is the mean C = (1/n) Σ_x C_x.

BP1 as written assumes an elementwise output activation (a^L_j depends on z^L_j
alone). A softmax output has a Jacobian J instead of σ′, and BP1 becomes
δ^L = Jᵀ ∇ₐC_x; with the categorical cross-entropy that is δ^L = a^L − y. The
cost module owns both forms (``costs.through_output_jacobian``).
"""
import numpy as np

from .activations import get_activation
from .costs import get_cost


def output_error(A, Y, Z, cost="quadratic", activation="sigmoid"):
    """BP1: δ^L = ∇ₐC_x ⊙ σ′(z^L); for the quadratic cost, (a^L − y) ⊙ σ′(z^L).

    For ``activation="softmax"``: δ^L = Jᵀ ∇ₐC_x, and a^L − y with
    ``cost="categorical_cross_entropy"`` (whose targets must be one-hot rows).

    ``A``, ``Y``, ``Z``: the output activations, targets and output
    pre-activations, each ``(n, n_L)``. Returns δ^L, ``(n, n_L)``.
    """
    A, Y, Z = np.asarray(A), np.asarray(Y), np.asarray(Z)
    _same_shape("output_error", A=A, Y=Y, Z=Z)
    return get_cost(cost).output_error(Z, A, Y, activation)


def hidden_error(delta_next, W_next, Z, activation="sigmoid"):
    """BP2: δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l).

    σ′ is taken at z^l, the layer being computed (not at z^L). With rows as
    examples, (W^{l+1})ᵀ δ^{l+1} for every example at once is
    ``delta_next @ W_next``.

    ``delta_next``: δ^{l+1}, ``(n, n_{l+1})``; ``W_next``: W^{l+1},
    ``(n_{l+1}, n_l)``; ``Z``: z^l, ``(n, n_l)``. Returns δ^l, ``(n, n_l)``.
    """
    delta_next, W_next, Z = np.asarray(delta_next), np.asarray(W_next), np.asarray(Z)
    if delta_next.ndim != 2 or W_next.ndim != 2 or Z.ndim != 2:
        raise ValueError(f"hidden_error needs 2-D arrays, got delta_next {delta_next.shape}, "
                         f"W_next {W_next.shape}, Z {Z.shape}")
    n, n_next = delta_next.shape
    if W_next.shape[0] != n_next or Z.shape != (n, W_next.shape[1]):
        raise ValueError(f"hidden_error: delta_next {delta_next.shape}, W_next {W_next.shape} and "
                         f"Z {Z.shape} do not fit; expected (n, n_next), (n_next, n_l), (n, n_l)")
    _, prime = get_activation(activation)
    return (delta_next @ W_next) * prime(Z)


def bias_gradient(delta):
    """BP3: ∂C/∂b^l = (1/n) Σ_x δ^l_x, the mean of δ^l's rows.

    ``delta``: ``(n, n_l)``. Returns ``(n_l,)``.
    """
    delta = np.asarray(delta)
    if delta.ndim != 2:
        raise ValueError(f"bias_gradient needs delta of shape (n, n_l), got {delta.shape}")
    return delta.mean(axis=0)


def weight_gradient(delta, A_prev):
    """BP4: ∂C/∂W^l = (1/n) Σ_x δ^l_x (a^{l-1}_x)ᵀ, i.e. ∂C/∂w^l_jk = mean of a^{l-1}_k δ^l_j.

    The sum of outer products over the batch is one matrix product,
    ``delta.T @ A_prev``. ``delta``: ``(n, n_l)``; ``A_prev``: ``(n, n_{l-1})``.
    Returns ``(n_l, n_{l-1})``, the shape of W^l.
    """
    delta, A_prev = np.asarray(delta), np.asarray(A_prev)
    if delta.ndim != 2 or A_prev.ndim != 2 or delta.shape[0] != A_prev.shape[0]:
        raise ValueError(f"weight_gradient needs delta (n, n_l) and A_prev (n, n_prev) with the "
                         f"same n, got {delta.shape} and {A_prev.shape}")
    return delta.T @ A_prev / delta.shape[0]


def backprop(net, X, Y):
    """The gradient of the mean cost over the batch (X, Y) for every weight and bias.

    ``X``: ``(n, n_0)``; ``Y``: ``(n, n_L)``. Returns ``(grad_w, grad_b)``,
    lists of new arrays shaped like ``net.weights`` and ``net.biases``. The
    network is not changed.
    """
    X, Y = net.check_input(X), net.check_target(Y)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}; rows are examples")
    net.check_parameters()
    zs, activations = net._forward(X)
    names = net.layer_activations()
    L = len(net.weights)
    grad_w, grad_b = [None] * L, [None] * L

    delta = output_error(activations[-1], Y, zs[-1], net.cost, names[-1])        # BP1
    for l in range(L - 1, -1, -1):   # list index l is layer l + 1
        grad_b[l] = bias_gradient(delta)                                          # BP3
        grad_w[l] = weight_gradient(delta, activations[l])                        # BP4
        if l > 0:
            delta = hidden_error(delta, net.weights[l], zs[l - 1], names[l - 1])  # BP2
    return grad_w, grad_b


def _same_shape(where, **arrays):
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) != 1 or len(next(iter(shapes.values()))) != 2:
        listed = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise ValueError(f"{where} needs arrays of one shape (n, n_L), got {listed}")
