"""Second-order information: Newton's step, Hessian-vector products, the largest curvature.

    Newton's step         Δθ = −(H + τI)⁻¹ ∇f                    newton_step, newton
    a floor under H       τ = max(0, floor − λ_min(H))             hessian_shift
    Hv by differences     (∇C(θ + εv̂) − ∇C(θ − εv̂)) ‖v‖ / 2ε      hessian_vector_difference
    Hv exactly            d/dε ∇C(θ + εv) at ε = 0: backprop        hessian_vector_product
                          differentiated along v (Pearlmutter, 1994)
    λ_max from products   v ← Hv / ‖Hv‖,  λ ≈ vᵀHv                 power_iteration
    counted evaluations   C(θ), ∇C(θ) for SciPy, every call kept   CountedCost, lbfgs

Chapter 19 derives each of them; the equation labels below are its.

A network's parameters and every vector of this module (v, Hv, the gradient) are
flat, ``(P,)``, in the order of ``bpkit.experiments.parameter_vector``: W^1, …, W^L
(each row by row), then b^1, …, b^L. ``bpkit.experiments.hessian`` builds the whole
P × P Hessian from 2P backprops; a product Hv costs about two, whatever P is.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_int, check_nonnegative, check_positive
from .activations import get_activation, sigmoid, sigmoid_prime
from .autodiff import tangent_layer
from .backprop import backprop, bias_gradient, hidden_error, output_error, weight_gradient
from .experiments import gradient_vector, parameter_vector, set_parameter_vector


# --- Newton's method on a function of a few variables ----------------------------------------

def newton_step(gradient, hessian, damping=0.0):
    """The (regularised) Newton step Δθ = −(H + τI)⁻¹ g (so-newton, so-regularised), ``(d,)``.

    ``gradient`` g ``(d,)``, ``hessian`` H ``(d, d)``, ``damping`` τ ≥ 0. With τ = 0 it jumps
    to the stationary point of the quadratic model f + gᵀΔ + ½ΔᵀHΔ: the minimum if H is
    positive definite, a saddle or a maximum if not. A large τ makes it −g/τ, a small
    gradient-descent step.
    """
    g = np.asarray(gradient, dtype=np.float64).reshape(-1)
    H = np.asarray(hessian, dtype=np.float64)
    if H.shape != (g.size, g.size):
        raise ValueError(f"hessian must be ({g.size}, {g.size}) for a gradient of {g.size} "
                         f"entries, got shape {H.shape}")
    damping = check_nonnegative("damping", damping)
    try:
        return -np.linalg.solve(H + damping * np.eye(g.size), g)
    except np.linalg.LinAlgError:
        raise ValueError(f"H + τI is singular (τ = {damping:g}): the quadratic model has no "
                         f"unique stationary point; give a damping τ > 0") from None


def hessian_shift(hessian, floor):
    """τ = max(0, floor − λ_min(H)): the smallest damping that lifts every eigenvalue of
    H + τI to at least ``floor`` > 0, so that −(H + τI)⁻¹ g points downhill."""
    floor = check_positive("floor", floor)
    lam_min = np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64))[0]
    return max(0.0, floor - float(lam_min))


def newton(grad, hessian, x0, steps, floor=None):
    """Newton's method from ``x0`` ``(d,)``: ``steps`` steps θ ← θ + Δθ of ``newton_step``.

    ``grad(x)`` returns ``(d,)``, ``hessian(x)`` ``(d, d)``. ``floor=None`` is the pure
    step (τ = 0); a number makes every step regularised, τ = ``hessian_shift(H, floor)``.
    Returns the path ``(k + 1, d)``, as ``bp.gradient_descent`` does; cut short if a point
    becomes inf or NaN.
    """
    steps = check_int("steps", steps, 0)
    x = np.array(x0, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    path = [x.copy()]
    for _ in range(steps):
        H = np.asarray(hessian(x), dtype=np.float64)
        damping = 0.0 if floor is None else hessian_shift(H, floor)
        x = x + newton_step(grad(x), H, damping)
        if not np.all(np.isfinite(x)):
            break
        path.append(x.copy())
    return np.array(path)


# --- Hessian-vector products of a network's cost ----------------------------------------------

def hessian_vector_difference(net, X, Y, v, eps=1e-5):
    """Hv by a central difference of two backprops along v (so-hv-difference), shape ``(P,)``:

        Hv ≈ (∇C(θ + ε v̂) − ∇C(θ − ε v̂)) / 2ε · ‖v‖,   v̂ = v / ‖v‖.

    The step ε is a length in parameter space whatever ‖v‖ is; its error shrinks like ε²
    against rounding's ≈ 1e-16/ε, as for ``bpkit.experiments.hessian``. ``net`` is unchanged.
    """
    eps = check_positive("eps", eps)
    v = _check_vector(net, v)
    size = np.linalg.norm(v)
    if size == 0:
        return np.zeros_like(v)
    probe = net.copy()
    theta = parameter_vector(probe)
    set_parameter_vector(probe, theta + eps * v / size)
    up = gradient_vector(probe, X, Y)
    set_parameter_vector(probe, theta - eps * v / size)
    down = gradient_vector(probe, X, Y)
    return (up - down) / (2 * eps) * size


#: σ″ of each hidden activation: the R-operator differentiates BP2's σ′(z) once more.
#: ReLU's is 0 wherever it is defined (away from its kink at z = 0).
SECOND_DERIVATIVES = {
    "sigmoid": lambda z: sigmoid_prime(z) * (1 - 2 * sigmoid(z)),
    "tanh": lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2),
    "relu": np.zeros_like,
    "identity": np.zeros_like,
}


def split_vector(net, v):
    """A flat ``(P,)`` vector as ``(V, c)``: lists shaped like ``net.weights``, ``net.biases``."""
    v = _check_vector(net, v)
    shapes = [W.shape for W in net.weights] + [b.shape for b in net.biases]
    pieces = np.split(v, np.cumsum([np.prod(s) for s in shapes])[:-1])
    parts = [p.reshape(s) for p, s in zip(pieces, shapes)]
    return parts[:len(net.weights)], parts[len(net.weights):]


def tangent_forward(net, X, V, c):
    """The forward pass with each value's derivative along v = (V, c) beside it (so-r-forward):

        Ż^l = Ȧ^{l-1} (W^l)ᵀ + A^{l-1} (V^l)ᵀ + c^l,    Ȧ^l = σ′(Z^l) ⊙ Ż^l,    Ȧ^0 = 0.

    Returns ``(zs, activations, z_dots, a_dots)``; ``z_dots[l-1]`` is Ż^l ``(n, n_l)``,
    ``a_dots[l]`` is Ȧ^l (``a_dots[0]`` the zeros of X).
    """
    zs, activations, z_dots, a_dots = [], [X], [], [np.zeros_like(X)]
    A, A_dot = X, a_dots[0]
    for W, b, V_l, c_l, name in zip(net.weights, net.biases, V, c, net.layer_activations()):
        Z, Z_dot, A, A_dot = tangent_layer(A, A_dot, W, b, V_l, c_l, name)
        zs.append(Z)
        activations.append(A)
        z_dots.append(Z_dot)
        a_dots.append(A_dot)
    return zs, activations, z_dots, a_dots


def hessian_vector_product(net, X, Y, v):
    """Hv exactly, for about the cost of two backprops: Pearlmutter's R-operator, ``(P,)``.

    Hv = d/dε ∇C(θ + εv) at ε = 0, so every line of backprop is differentiated along v
    (a dot marks that derivative; V^l, c^l are v's parts for W^l, b^l), as in (so-r-backward):

        BP1·  Δ̇^L = Ȧ^L ⊙ σ′(Z^L) + (A^L − Y) ⊙ σ″(Z^L) ⊙ Ż^L   (quadratic cost)
              Δ̇^L = Ȧ^L                  (Δ^L = A^L − Y: cross-entropy with sigmoid,
                                           categorical cross-entropy with softmax)
        BP2·  Δ̇^l = (Δ̇^{l+1} W^{l+1} + Δ^{l+1} V^{l+1}) ⊙ σ′(Z^l)
                    + (Δ^{l+1} W^{l+1}) ⊙ σ″(Z^l) ⊙ Ż^l
        BP3·  (Hv)_{b^l} = (1/n) Σ_x Δ̇^l_x
        BP4·  (Hv)_{W^l} = (1/n) [(Δ̇^l)ᵀ A^{l-1} + (Δ^l)ᵀ Ȧ^{l-1}]

    with Ż, Ȧ from ``tangent_forward``. Other cost/output pairs raise a ValueError (use
    ``hessian_vector_difference``).
    """
    X, Y = net.check_input(X), net.check_target(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}; rows are examples")
    net.check_parameters()
    V, c = split_vector(net, v)
    names = net.layer_activations()
    output = names[-1]
    a_minus_y = (net.cost, output) in (("cross_entropy", "sigmoid"),
                                        ("categorical_cross_entropy", "softmax"))
    if not a_minus_y and (net.cost != "quadratic" or output not in SECOND_DERIVATIVES):
        raise ValueError(f"hessian_vector_product handles the quadratic cost with an elementwise "
                         f"output, cross-entropy with a sigmoid output and the categorical "
                         f"cross-entropy with softmax; got cost {net.cost!r} with output "
                         f"{output!r}: use hessian_vector_difference")
    zs, activations, z_dots, a_dots = tangent_forward(net, X, V, c)
    n, L = X.shape[0], len(net.weights)
    delta = output_error(activations[-1], Y, zs[-1], net.cost, output)                   # BP1
    if a_minus_y:
        delta_dot = a_dots[-1]                                                           # BP1·
    else:
        _, prime = get_activation(output)
        delta_dot = (a_dots[-1] * prime(zs[-1])
                     + (activations[-1] - Y) * SECOND_DERIVATIVES[output](zs[-1]) * z_dots[-1])
    hv_w, hv_b = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):          # list index l is layer l + 1
        hv_b[l] = bias_gradient(delta_dot)                                               # BP3·
        hv_w[l] = (delta_dot.T @ activations[l] + delta.T @ a_dots[l]) / n               # BP4·
        if l > 0:
            _, prime = get_activation(names[l - 1])
            back = delta @ net.weights[l]
            delta_dot = ((delta_dot @ net.weights[l] + delta @ V[l]) * prime(zs[l - 1])  # BP2·
                         + back * SECOND_DERIVATIVES[names[l - 1]](zs[l - 1]) * z_dots[l - 1])
            delta = hidden_error(delta, net.weights[l], zs[l - 1], names[l - 1])         # BP2
    return np.concatenate([h.ravel() for h in hv_w + hv_b])


def _check_vector(net, v):
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (net.num_parameters,):
        raise ValueError(f"v must be a flat vector of shape ({net.num_parameters},), one entry "
                         f"per weight and bias of a network of sizes {net.sizes}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("v contains a non-finite value")
    return v


# --- the largest curvature, from products alone -----------------------------------------------

class Eigen(NamedTuple):
    """What ``power_iteration`` found: the eigenvalue λ, its unit eigenvector ``(d,)``, and
    the estimate after each product (``len(estimates)`` products were computed)."""
    value: float
    vector: np.ndarray
    estimates: list


def power_iteration(matvec, size, iterations=200, tol=1e-8, seed=0):
    """The eigenvalue of largest magnitude of a symmetric matrix known only by ``matvec(v)``.

    From a random unit v (drawn with ``seed``), repeat w = Hv, λ = vᵀw (the Rayleigh
    quotient), v ← w / ‖w‖ (so-power): each product multiplies v's component along eigenvector i by
    λ_i, so the one with the largest |λ_i| comes to dominate, the others shrinking by
    |λ_2 / λ_1| per product. Stops when λ changes by less than ``tol`` (relative), or after
    ``iterations`` products. Near a minimum the largest |λ| is λ_max. Returns ``Eigen``.
    """
    size = check_int("size", size, 1)
    iterations = check_int("iterations", iterations, 1)
    tol = check_positive("tol", tol)
    v = np.random.default_rng(seed).standard_normal(size)
    v /= np.linalg.norm(v)
    estimates = []
    for _ in range(iterations):
        w = np.asarray(matvec(v), dtype=np.float64)
        estimates.append(float(v @ w))
        if len(estimates) > 1 and abs(estimates[-1] - estimates[-2]) <= tol * abs(estimates[-1]):
            break
        norm = np.linalg.norm(w)
        if norm == 0:          # v lies in H's null space: every eigenvalue it meets is 0
            break
        v = w / norm
    return Eigen(estimates[-1], v, estimates)


# --- a network's cost and gradient for SciPy's optimizers, counted ----------------------------

class CountedCost:
    """C(θ) and ∇C(θ) of ``net`` on (X, Y), as ``scipy.optimize.minimize(..., jac=True)`` calls it.

    Every call is one gradient evaluation (a forward and a backward pass) and is kept:
    ``costs[i]`` is the cost at the point of call i + 1. An optimizer that tries points
    (a line search) and accepts some reports each accepted one to ``accept``, which keeps
    ``(evaluations so far, its cost)`` in ``accepted``. Works on a copy of ``net``.
    """

    def __init__(self, net, X, Y):
        self.net = net.copy()
        self.X, self.Y = self.net.check_input(X), self.net.check_target(Y)
        self.costs, self.accepted = [], []

    def __call__(self, theta):
        set_parameter_vector(self.net, theta)
        grad_w, grad_b = backprop(self.net, self.X, self.Y)
        self.costs.append(self.net.total_cost(self.X, self.Y))
        return self.costs[-1], np.concatenate([g.ravel() for g in grad_w + grad_b])

    def accept(self, cost):
        self.accepted.append((self.evaluations, float(cost)))

    @property
    def evaluations(self):
        return len(self.costs)

    def curve(self):
        """Entry k: the cost at the last point accepted after k gradient evaluations (entry 0
        and until the first acceptance: the start), shape ``(evaluations + 1,)``. Comparable
        entry by entry with the ``History.cost`` of full-batch gradient descent, which uses
        one gradient per update."""
        curve = np.full(self.evaluations + 1, self.costs[0] if self.costs else np.nan)
        for evaluations, cost in self.accepted:
            curve[evaluations:] = cost
        return curve


def lbfgs(net, X, Y, max_evaluations=1000, memory=10):
    """Train ``net`` in place with SciPy's L-BFGS-B, gradients from ``backprop``.

    Runs until ``max_evaluations`` gradient evaluations (SciPy may finish the iteration
    it is in), or until SciPy's own tests stop it (a gradient of at most 1e-12, or a line
    search that finds no lower point). ``memory`` is the number m of past steps kept.
    Returns ``(counted, result)``: the ``CountedCost`` with every evaluation and every
    accepted iterate, and SciPy's ``OptimizeResult`` (``nit`` iterations, ``message``).
    """
    from scipy.optimize import minimize

    max_evaluations = check_int("max_evaluations", max_evaluations, 1)
    memory = check_int("memory", memory, 1)
    counted = CountedCost(net, X, Y)

    def accepted(intermediate_result):      # SciPy passes the iterate by this parameter name
        counted.accept(intermediate_result.fun)

    result = minimize(counted, parameter_vector(net), jac=True, method="L-BFGS-B",
                      callback=accepted,
                      options={"maxfun": max_evaluations, "maxiter": max_evaluations,
                               "maxcor": memory, "gtol": 1e-12, "ftol": 0.0})
    set_parameter_vector(net, result.x)
    return counted, result
