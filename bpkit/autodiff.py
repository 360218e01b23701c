"""Reverse-mode automatic differentiation over numpy arrays: a small engine, written to be read.

A computation is a graph of primitive operations. Each ``Tensor`` holds a value
(``data``), the tensors it was computed from (``parents``), and, once ``backward``
has run, ``grad``: the derivative of the output with respect to this value,
shaped like it. Each operation below makes one node and gives it a ``_backward``
closure, one link of the chain rule: called with ḡ = node.grad, it does

    parent.grad += (local derivative) applied to ḡ        (a vector-Jacobian product)

``+=``, because a value used twice collects one contribution from each use.
``backward()`` orders the graph so that every node comes after its parents,
then calls the closures from the output back, each once: the reverse mode of
Linnainmaa (1970), of which backpropagation is the layered case. The design is
Karpathy's micrograd (scalars), here for arrays.

    operation                forward                   each parent's grad receives (ḡ = node.grad)
    add(a, b)                a + b, broadcasting       ḡ summed over the axes it was broadcast along
    mul(a, b)                a ⊙ b, broadcasting       ḡ ⊙ b and ḡ ⊙ a, each summed the same way
    matmul(A, B)             A B                       ḡ Bᵀ and Aᵀ ḡ
    transpose(A)             Aᵀ                        ḡᵀ
    activate(z, name)        σ(z)                      ḡ ⊙ σ′(z)        (sigmoid, tanh, relu, identity)
    softmax(Z)               each row's softmax        A ⊙ (ḡ − rowsum(A ⊙ ḡ)), i.e. Jᵀḡ without J
    sum(a), mean(a)          Σ a, Σ a / size           ḡ in every entry (/ size)
    quadratic_cost(A, Y)     (1/n) Σ_x ½‖a − y‖²       ḡ (A − Y) / n
    cross_entropy_cost(A, Y) −(1/n) Σ [y ln a + …]     ḡ (A − Y) / (A ⊙ (1 − A)) / n
    categorical_cross_entropy_cost(A, Y)  −(1/n) Σ y ln a    ḡ (−Y / A) / n

``network_gradient(net, X, Y)`` builds the graph of a network's mean cost, layer by
layer ``Z = A Wᵀ + b``, ``A = σ(Z)``, and returns the gradient shaped like
``bp.backprop``'s. For comparison: forward mode (``network_jvp``), one pass per
direction, so P passes for a gradient; and recomputation (``checkpointed_gradient``),
which keeps only some layers' activations and trades time for memory.
"""
import numpy as np

from .activations import get_activation, get_output_activation, softmax_backward
from .activations import softmax as softmax_rows
from .costs import get_cost
from .gradcheck import numerical_gradient, relative_error


class Tensor:
    """A value in a computation graph.

    ``data``: the value, a float64 array (a number is an array of shape ``()``);
    ``grad``: ∂output/∂data after ``output.backward()``, shaped like ``data``
    (None before); ``parents``: the tensors this one was computed from; ``op``: the
    operation's name (``"input"`` for a leaf); ``name``: a label for ``tape``.
    """

    # ``array + tensor`` must call Tensor.__radd__, not let numpy treat the tensor
    # as an object to broadcast.
    __array_ufunc__ = None

    def __init__(self, data, parents=(), op="input", name=None):
        if isinstance(data, Tensor):
            raise TypeError("Tensor(data) takes an array, got a Tensor; use the tensor itself")
        try:
            self.data = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"Tensor needs numbers, got {type(data).__name__}: {data!r:.80}") from None
        self.grad = None
        self.parents = tuple(parents)
        self.op = op
        self.name = name
        # _backward(ḡ) adds this node's contribution to each parent's grad. It refers to
        # the parents, never to the node itself: a node reachable from its own closure is
        # a reference cycle, which Python frees only when its cycle collector happens to
        # run, so every graph would stay in memory until then.
        self._backward = _nothing       # a leaf passes nothing further back

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    def _add_grad(self, g):
        """Add one use's contribution to ∂output/∂self. The sum is the chain rule's
        sum over the paths from this value to the output."""
        self.grad = g if self.grad is None else self.grad + g

    def backward(self, seed=None):
        """Fill ``grad`` of this tensor and of every tensor it was computed from.

        For a single number (a cost), ``grad`` starts at ∂C/∂C = 1. For any other
        shape there is no single derivative to start from, so ``seed``, the
        gradient of some scalar with respect to this tensor (same shape), must be
        given. Each call starts afresh: earlier gradients are discarded.
        """
        if seed is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() starts from one number, such as a cost; this tensor has shape "
                    f"{self.shape}. Reduce it to one number first (sum, mean, a cost), or pass "
                    f"seed=, the gradient of a scalar with respect to it, of shape {self.shape}")
            seed = np.ones(self.shape)
        seed = np.array(seed, dtype=np.float64)       # a copy: the caller's array stays theirs
        if seed.shape != self.shape:
            raise ValueError(f"backward: seed has shape {seed.shape}, but the tensor has shape "
                             f"{self.shape}; the seed is a gradient, shaped like the tensor")
        order = topological_order(self)
        for node in order:
            node.grad = None
        self.grad = seed
        for node in reversed(order):     # the output first, each node after all its uses
            node._backward(node.grad)

    # Python's operators, so that formulas read as formulas: (x + y) * x
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return add(self, mul(other, -1.0))

    def __rsub__(self, other):
        return add(other, mul(self, -1.0))

    def __neg__(self):
        return mul(self, -1.0)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, number):
        if isinstance(number, Tensor):
            raise TypeError("a tensor can be divided by a number only")
        return mul(self, 1.0 / number)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    @property
    def T(self):
        return transpose(self)

    def sum(self, axis=None):
        return sum(self, axis)

    def mean(self, axis=None):
        return mean(self, axis)

    def __repr__(self):
        label = f" {self.name!r}" if self.name else ""
        return f"Tensor{label}(op={self.op!r}, shape={self.shape})"


def _nothing(grad):
    pass


def as_tensor(x, what="argument"):
    """``x`` itself if it is a Tensor, else a new leaf holding it (a constant)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except TypeError:
        raise TypeError(f"{what} must be a Tensor, a number or an array of numbers, "
                        f"got {type(x).__name__}") from None


def topological_order(output):
    """Every tensor ``output`` depends on, each after all of its parents; ``output`` last.

    A depth-first search that appends a node once all its parents are in. micrograd
    writes it recursively; this loop does the same with an explicit stack, so that a
    graph deeper than Python's recursion limit (a thousand nested calls) works too.
    """
    order, seen, stack = [], set(), [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            # reversed: the first parent is popped first, so the order reads as the code ran
            stack.extend((parent, False) for parent in reversed(node.parents))
    return order


def tape(output):
    """The graph as a list of lines, one per operation in the order they ran:
    ``Z1 = add(t3, b1)   (4, 3)``. This list is the "Wengert list" (1964) or tape."""
    order = topological_order(output)
    names = {id(t): t.name or f"t{i}" for i, t in enumerate(order)}
    lines = []
    for t in order:
        left = f"{names[id(t)]} = {t.op}({', '.join(names[id(p)] for p in t.parents)})" \
            if t.parents else f"{names[id(t)]} (input)"
        lines.append(f"{left:<28} {t.shape}")
    return lines


def gradient_error(op, *inputs, seed=0):
    """The largest relative error between ``op``'s backward pass and central differences.

    ``op`` takes Tensors and returns one; ``inputs`` are arrays. The output is seeded
    with a fixed random gradient R (from ``seed``), so that ``backward`` gives the
    gradient of the number Σ R ⊙ op(inputs) with respect to every input, which
    ``bp.numerical_gradient`` also estimates. Below about 1e-7, the closure is right.
    """
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    tensors = [Tensor(x) for x in inputs]
    out = op(*tensors)
    R = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(R)
    errors = []
    for i, t in enumerate(tensors):
        def projected(value, i=i):
            return float(np.sum(R * op(*[Tensor(value if j == i else x)
                                         for j, x in enumerate(inputs)]).data))
        errors.append(relative_error(t.grad, numerical_gradient(projected, inputs[i])))
    return max(errors)


# --- the operations: forward value, and the closure that sends the gradient back ------------

def unbroadcast(grad, shape):
    """``grad`` summed down to ``shape``: the gradient of a value that broadcasting repeated.

    Broadcasting uses one value several times (a bias of shape ``(m,)`` is added
    to each of the n rows of an ``(n, m)`` batch), and the chain rule adds up the
    gradients of the uses. numpy prepends axes to the shorter shape and stretches
    axes of length 1; the gradient is summed over exactly those axes. Forgetting
    this sum is the classic bug: the bias would get a gradient of shape ``(n, m)``.
    """
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def add(a, b):
    """a + b with numpy's broadcasting; the shapes must broadcast together.

    Local derivative: ∂(a + b)/∂a = ∂(a + b)/∂b = 1 for each entry, so each
    parent gets ḡ, summed over the axes along which it was broadcast.
    """
    a, b = as_tensor(a, "add: a"), as_tensor(b, "add: b")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"add: shapes {a.shape} and {b.shape} do not broadcast together") from None
    out = Tensor(a.data + b.data, (a, b), "add")

    def _backward(grad):
        a._add_grad(unbroadcast(grad, a.shape))
        b._add_grad(unbroadcast(grad, b.shape))
    out._backward = _backward
    return out


def mul(a, b):
    """a ⊙ b, elementwise, with numpy's broadcasting.

    Local derivative: ∂(a ⊙ b)/∂a = b and ∂(a ⊙ b)/∂b = a, entry by entry: a
    gets ḡ ⊙ b and b gets ḡ ⊙ a, each summed over its broadcast axes.
    """
    a, b = as_tensor(a, "mul: a"), as_tensor(b, "mul: b")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"mul: shapes {a.shape} and {b.shape} do not broadcast together") from None
    out = Tensor(a.data * b.data, (a, b), "mul")

    def _backward(grad):
        a._add_grad(unbroadcast(grad * b.data, a.shape))
        b._add_grad(unbroadcast(grad * a.data, b.shape))
    out._backward = _backward
    return out


def matmul(a, b):
    """The matrix product A B of ``(p, q)`` and ``(q, r)``: shape ``(p, r)``.

    Local derivative: (AB)_ij = Σ_k A_ik B_kj, so ∂C/∂A_ik = Σ_j ḡ_ij B_kj and
    ∂C/∂B_kj = Σ_i A_ik ḡ_ij: A gets ḡ Bᵀ ``(p, q)``, B gets Aᵀ ḡ ``(q, r)``,
    each shaped like what it is the gradient of.
    """
    a, b = as_tensor(a, "matmul: a"), as_tensor(b, "matmul: b")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"matmul needs two matrices (2-D), got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not fit: the first has "
                         f"{a.shape[1]} columns, the second {b.shape[0]} rows")
    out = Tensor(a.data @ b.data, (a, b), "matmul")

    def _backward(grad):
        a._add_grad(grad @ b.data.T)
        b._add_grad(a.data.T @ grad)
    out._backward = _backward
    return out


def transpose(a):
    """Aᵀ of a matrix ``(p, q)``: shape ``(q, p)``. Local derivative: A gets ḡᵀ."""
    a = as_tensor(a, "transpose: a")
    if a.ndim != 2:
        raise ValueError(f"transpose needs a matrix (2-D), got shape {a.shape}")
    out = Tensor(a.data.T, (a,), "transpose")

    def _backward(grad):
        a._add_grad(grad.T)
    out._backward = _backward
    return out


def activate(z, name):
    """σ(z), entry by entry, for an activation of ``bp.ACTIVATIONS`` (its own σ and σ′).

    Local derivative: ∂σ(z)/∂z = σ′(z) entry by entry, so z gets ḡ ⊙ σ′(z).
    """
    z = as_tensor(z, "activate: z")
    sigma, prime = get_activation(name)
    out = Tensor(sigma(z.data), (z,), name)

    def _backward(grad):
        z._add_grad(grad * prime(z.data))
    out._backward = _backward
    return out


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{−z}); z gets ḡ ⊙ σ(z)(1 − σ(z))."""
    return activate(z, "sigmoid")


def tanh(z):
    """tanh(z); z gets ḡ ⊙ (1 − tanh²(z))."""
    return activate(z, "tanh")


def relu(z):
    """max(0, z); z gets ḡ where z > 0 and 0 elsewhere (0 at z = 0, as ``bp.relu_prime``)."""
    return activate(z, "relu")


def softmax(z):
    """Softmax of each row of Z ``(n, k)``, as ``bp.softmax``: a_j = e^{z_j} / Σ_i e^{z_i}.

    Not elementwise: every a_i depends on every z_j, with the Jacobian
    J = diag(a) − a aᵀ (symmetric) for each row. z gets Jᵀḡ row by row,
    computed as a ⊙ (ḡ − a·ḡ) (``bp.activations.softmax_backward``), one dot
    product per row; the k × k matrix J is never formed.
    """
    z = as_tensor(z, "softmax: z")
    if z.ndim != 2:
        raise ValueError(f"softmax needs a batch of rows (2-D), got shape {z.shape}")
    a = softmax_rows(z.data)
    out = Tensor(a, (z,), "softmax")

    def _backward(grad):
        z._add_grad(softmax_backward(a, grad))
    out._backward = _backward
    return out


def sum(a, axis=None):     # noqa: A001 (the engine's sum, as numpy's and torch's)
    """The sum of all entries (``axis=None``: shape ``()``), or along one axis.

    Local derivative: 1 for every entry summed, so each entry of a gets the ḡ of
    the sum it went into.
    """
    a = as_tensor(a, "sum: a")
    _check_axis("sum", a, axis)
    out = Tensor(a.data.sum(axis=axis), (a,), "sum")

    def _backward(grad):
        g = grad if axis is None else np.expand_dims(grad, axis)
        a._add_grad(np.broadcast_to(g, a.shape).copy())
    out._backward = _backward
    return out


def mean(a, axis=None):
    """The mean of all entries, or along one axis. Each entry of a gets ḡ / (how many were averaged)."""
    a = as_tensor(a, "mean: a")
    _check_axis("mean", a, axis)
    count = a.data.size if axis is None else a.shape[axis]
    out = Tensor(a.data.mean(axis=axis), (a,), "mean")

    def _backward(grad):
        g = grad if axis is None else np.expand_dims(grad, axis)
        a._add_grad(np.broadcast_to(g / count, a.shape).copy())
    out._backward = _backward
    return out


def _check_axis(where, a, axis):
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, (int, np.integer))
                             or not -a.ndim <= axis < a.ndim):
        raise ValueError(f"{where}: axis must be None or an integer in {-a.ndim}..{a.ndim - 1} "
                         f"for shape {a.shape}, got {axis!r}")


def _cost_op(name, A, Y):
    """One node for the mean cost ``name`` of outputs A ``(n, n_L)`` against targets Y.

    The targets are data, not a value to differentiate: they get no gradient.
    The local derivative is the cost's own ∇ₐC_x (``bp.COSTS``) over n, the mean's 1/n.
    """
    A = as_tensor(A, f"{name}_cost: A")
    Y = np.asarray(Y.data if isinstance(Y, Tensor) else Y, dtype=np.float64)
    if A.ndim != 2 or Y.shape != A.shape:
        raise ValueError(f"{name}_cost needs A and Y of one shape (n, n_L), got A {A.shape} "
                         f"and Y {Y.shape}")
    cost = get_cost(name)
    out = Tensor(cost.fn(A.data, Y), (A,), f"{name}_cost")

    def _backward(grad):
        A._add_grad(grad * cost.gradient(A.data, Y) / A.shape[0])
    out._backward = _backward
    return out


def quadratic_cost(A, Y):
    """C = (1/n) Σ_x ½‖a_x − y_x‖² (with the ½, as ``bp.quadratic_cost``), shape ``()``.

    Local derivative: ∂C/∂A = (A − Y)/n, so A gets ḡ (A − Y)/n, ``(n, n_L)``.
    """
    return _cost_op("quadratic", A, Y)


def cross_entropy_cost(A, Y):
    """C = −(1/n) Σ_x Σ_j [y ln a + (1 − y) ln(1 − a)], as ``bp.cross_entropy_cost``; shape ``()``.

    Local derivative: ∂C/∂A = (A − Y) / (A ⊙ (1 − A)) / n. Through a sigmoid
    node the σ′ = a(1 − a) that follows cancels the denominator up to rounding,
    where ``bp.backprop`` writes δᴸ = a − y at once.
    """
    return _cost_op("cross_entropy", A, Y)


def categorical_cross_entropy_cost(A, Y):
    """C = −(1/n) Σ_x Σ_j y_j ln a_j, as ``bp.categorical_cross_entropy_cost``; shape ``()``.

    Local derivative: ∂C/∂A = −Y / A / n. Through a softmax node this becomes
    (A − Y)/n, the δᴸ that ``bp.backprop`` writes at once, up to rounding.
    """
    return _cost_op("categorical_cross_entropy", A, Y)


#: cost name (as ``Network(cost=…)``) -> the operation that makes its node
COST_OPS = {"quadratic": quadratic_cost, "cross_entropy": cross_entropy_cost,
            "categorical_cross_entropy": categorical_cross_entropy_cost}


# --- a network's cost as a graph ------------------------------------------------------------

def layer(A_prev, W, b, activation):
    """One layer as four nodes: Z = A_prev Wᵀ + b (transpose, matmul, add), then σ(Z).

    Returns ``(Z, A)``. Rows are examples: A_prev ``(n, n_{l-1})``, W ``(n_l, n_{l-1})``,
    b ``(n_l,)``, Z and A ``(n, n_l)``; b is broadcast over the n rows. ``activation``
    is a name of ``bp.ACTIVATIONS``, or ``"softmax"`` (an output layer's).
    """
    Z = add(matmul(A_prev, transpose(W)), b)
    return Z, softmax(Z) if activation == "softmax" else activate(Z, activation)


class NetworkGraph:
    """The graph of a network's mean cost on one batch: ``cost`` (the output node), the
    leaves ``weights`` and ``biases`` (lists of Tensors, W^1 first), and the nodes ``zs``
    (Z^1 … Z^L) and ``activations`` (A^0 = X, A^1 … A^L), as ``net.forward`` numbers them."""

    def __init__(self, cost, weights, biases, zs, activations):
        self.cost, self.weights, self.biases = cost, weights, biases
        self.zs, self.activations = zs, activations

    def gradients(self):
        """``(grad_w, grad_b)`` after ``cost.backward()``: new arrays, shaped like
        ``net.weights`` and ``net.biases``, as ``bp.backprop`` returns them."""
        if self.cost.grad is None:
            raise ValueError("call graph.cost.backward() before graph.gradients()")
        return [np.array(W.grad) for W in self.weights], [np.array(b.grad) for b in self.biases]


def network_graph(net, X, Y):
    """Build the graph of ``net``'s mean cost on the batch (X, Y); returns a ``NetworkGraph``.

    X ``(n, n_0)`` and Y ``(n, n_L)``, rows are examples. The leaves hold the
    network's own arrays (not copies); no operation changes them.
    """
    X, Y = _batch(net, X, Y)
    weights = [Tensor(W, name=f"W{l}") for l, W in enumerate(net.weights, start=1)]
    biases = [Tensor(b, name=f"b{l}") for l, b in enumerate(net.biases, start=1)]
    A = Tensor(X, name="X")
    zs, activations = [], [A]
    for l, (W, b, name) in enumerate(zip(weights, biases, net.layer_activations()), start=1):
        Z, A = layer(A, W, b, name)
        Z.name, A.name = f"Z{l}", f"A{l}"
        zs.append(Z)
        activations.append(A)
    cost = COST_OPS[net.cost](A, Y)
    cost.name = "C"
    return NetworkGraph(cost, weights, biases, zs, activations)


def network_gradient(net, X, Y):
    """The gradient of ``net``'s mean cost on (X, Y) by this engine: ``(grad_w, grad_b)``,
    lists of new arrays shaped like ``net.weights`` and ``net.biases``, as ``bp.backprop``."""
    graph = network_graph(net, X, Y)
    graph.cost.backward()
    return graph.gradients()


def _batch(net, X, Y):
    X, Y = net.check_input(X), net.check_target(Y)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}; rows are examples")
    net.check_parameters()
    return X, Y


# --- forward mode, for comparison: one pass per direction -----------------------------------

def network_jvp(net, X, Y, tangent_w, tangent_b):
    """Forward mode: the derivative of the mean cost along one direction θ̇ = (Ẇ, ḃ), in one pass.

    Every value carries its tangent (its derivative along θ̇) forward beside it,
    by the chain rule in the order of the computation:

        Ż^l = Ȧ^{l-1} (W^l)ᵀ + A^{l-1} (Ẇ^l)ᵀ + ḃ^l,     Ȧ^l = σ′(Z^l) ⊙ Ż^l,     Ȧ^0 = 0,
        Ċ = Σ (∂C/∂A^L) ⊙ Ȧ^L,   with ∂C/∂A^L = ∇ₐC_x / n.

    ``tangent_w``, ``tangent_b``: lists shaped like ``net.weights``, ``net.biases``.
    Returns Ċ = ∇_θ C · θ̇, one number. Nothing is kept from layer to layer but the
    current value and tangent.
    """
    X, Y = _batch(net, X, Y)
    for what, tangents, params in (("tangent_w", tangent_w, net.weights),
                                   ("tangent_b", tangent_b, net.biases)):
        if len(tangents) != len(params) or any(np.shape(t) != p.shape for t, p in zip(tangents, params)):
            raise ValueError(f"{what} must be shaped like the network's parameters, "
                             f"{[p.shape for p in params]}, got {[np.shape(t) for t in tangents]}")
    return _jvp(net, X, Y, tangent_w, tangent_b)


def _jvp(net, X, Y, tangent_w, tangent_b):
    """``network_jvp`` without the input checks: one pass, value and tangent together."""
    A, A_dot = X, np.zeros_like(X)
    for W, b, W_dot, b_dot, name in zip(net.weights, net.biases, tangent_w, tangent_b,
                                        net.layer_activations()):
        _, _, A, A_dot = tangent_layer(A, A_dot, W, b, W_dot, b_dot, name)
    return float(np.sum(get_cost(net.cost).gradient(A, Y) * A_dot) / len(X))


def tangent_layer(A, A_dot, W, b, W_dot, b_dot, activation):
    """One layer forward with the derivative of everything along a direction beside it:

        Z = A Wᵀ + b,     Ż = Ȧ Wᵀ + A Ẇᵀ + ḃ,     A′ = σ(Z),     Ȧ′ = σ′(Z) ⊙ Ż

    (for softmax, Ȧ′ = J Ż). ``A``, ``A_dot``: ``(n, n_in)``; ``W``, ``W_dot``:
    ``(n_out, n_in)``; ``b``, ``b_dot``: ``(n_out,)``. Returns ``(Z, Ż, A′, Ȧ′)``, each
    ``(n, n_out)``: forward mode's step, and the first half of Pearlmutter's R-operator.
    """
    Z = A @ W.T + b
    Z_dot = A_dot @ W.T + A @ np.transpose(W_dot) + b_dot
    if activation == "softmax":      # Ȧ = J Ż, and softmax's J is symmetric: J Ż = Jᵀ Ż
        A = softmax_rows(Z)
        return Z, Z_dot, A, softmax_backward(A, Z_dot)
    sigma, prime = get_activation(activation)
    return Z, Z_dot, sigma(Z), prime(Z) * Z_dot


def forward_mode_gradient(net, X, Y):
    """The whole gradient by forward mode: one pass (``network_jvp``'s) per parameter, P
    passes, each along one unit direction (one weight or bias nudged, the others still).

    Returns ``(grad_w, grad_b)`` shaped like ``bp.backprop``'s. The inputs are
    checked once, not in every pass.
    """
    X, Y = _batch(net, X, Y)
    zero_w = [np.zeros_like(W) for W in net.weights]
    zero_b = [np.zeros_like(b) for b in net.biases]
    grads = [np.zeros_like(p) for p in zero_w + zero_b]
    for tangents, grad in zip(zero_w + zero_b, grads):
        for i in np.ndindex(tangents.shape):
            tangents[i] = 1.0
            grad[i] = _jvp(net, X, Y, zero_w, zero_b)
            tangents[i] = 0.0
    L = len(net.weights)
    return grads[:L], grads[L:]


# --- recomputation: keep some activations, recompute the others -----------------------------

def checkpointed_gradient(net, X, Y, every):
    """``network_gradient``'s result, keeping only every ``every``-th layer's activation.

    The forward pass builds no graph; it keeps A^0 = X, A^s, A^{2s}, … (s = ``every``)
    and throws the other layers away. The backward pass takes the segments from the
    last to the first: it rebuilds one segment's graph from its kept input, runs
    ``backward`` on it with the gradient that arrived from the segment after, and
    hands its input's gradient on. Memory: about L/s kept activations plus one
    segment of s layers, instead of the whole graph; time: one forward pass more.
    """
    X, Y = _batch(net, X, Y)
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be an integer >= 1 (keep every s-th layer), got {every!r}")
    L, names = len(net.weights), net.layer_activations()
    kept, A = {0: X}, X
    for l in range(1, L):                       # the forward pass, keeping only the checkpoints
        sigma = get_output_activation(names[l - 1]).fn
        A = sigma(A @ net.weights[l - 1].T + net.biases[l - 1])
        if l % every == 0:
            kept[l] = A
    grad_w, grad_b = [None] * L, [None] * L
    upstream, end = None, L
    for start in sorted(kept, reverse=True):    # the segments, last one first
        A_in = Tensor(kept[start])
        weights = [Tensor(net.weights[l]) for l in range(start, end)]
        biases = [Tensor(net.biases[l]) for l in range(start, end)]
        out = A_in
        for W, b, l in zip(weights, biases, range(start, end)):
            _, out = layer(out, W, b, names[l])
        if end == L:
            COST_OPS[net.cost](out, Y).backward()
        else:
            out.backward(upstream)
        for W, b, l in zip(weights, biases, range(start, end)):
            grad_w[l], grad_b[l] = np.array(W.grad), np.array(b.grad)
        upstream, end = A_in.grad, start
    return grad_w, grad_b
