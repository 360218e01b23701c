"""Update rules: how a gradient g becomes a step for the parameters θ.

Each optimizer's ``step(params, grads)`` changes the arrays in ``params`` in
place (they are the network's own weights and biases) and keeps whatever state
it needs (velocities, running averages) between calls, one slot per array.

    sgd       θ ← θ − η g
    momentum  v ← μ v − η g;           θ ← θ + v
    nesterov  v ← μ v − η g;           θ ← θ + μ v − η g   (look-ahead form)
    rmsprop   s ← ρ s + (1 − ρ) g²;    θ ← θ − η g / (√s + ε)
    adam      m ← β₁ m + (1 − β₁) g;   s ← β₂ s + (1 − β₂) g²;
              θ ← θ − η m̂ / (√ŝ + ε),  m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)

The step is *minus* the gradient: the gradient points uphill.
"""
import numpy as np

from ._checks import check_choice, check_nonnegative, check_positive


class SGD:
    """Plain gradient descent: θ ← θ − η g."""

    def __init__(self, learning_rate):
        self.learning_rate = check_positive("learning_rate", learning_rate)

    def step(self, params, grads):
        for theta, g in zip(params, grads):
            theta -= self.learning_rate * g


class Momentum(SGD):
    """Heavy ball: v ← μ v − η g, θ ← θ + v. ``momentum`` μ in [0, 1)."""

    def __init__(self, learning_rate, momentum=0.9):
        super().__init__(learning_rate)
        self.momentum = _check_fraction("momentum", momentum)
        self.velocity = None

    def step(self, params, grads):
        for theta, g, v in self._new_velocities(params, grads):
            theta += v

    def _new_velocities(self, params, grads):
        """v ← μ v − η g for each array (v starts at 0); yields (θ, g, v) with the new v."""
        if self.velocity is None:
            self.velocity = [np.zeros_like(theta) for theta in params]
        for theta, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v -= self.learning_rate * g
            yield theta, g, v


class Nesterov(Momentum):
    """Nesterov's accelerated gradient, in the form that needs g only at θ.

    The textbook rule evaluates g at the look-ahead point θ + μv. Written in
    terms of that look-ahead point, the same method becomes
    θ ← θ + μ v_new − η g, with v_new = μ v − η g (Sutskever et al., 2013).
    """

    def step(self, params, grads):
        for theta, g, v in self._new_velocities(params, grads):
            theta += self.momentum * v - self.learning_rate * g


class RMSProp(SGD):
    """Divide each step by a running root-mean-square of its own gradient."""

    def __init__(self, learning_rate, decay=0.9, eps=1e-8):
        super().__init__(learning_rate)
        self.decay = _check_fraction("decay", decay)
        self.eps = check_positive("eps", eps)
        self.square = None

    def step(self, params, grads):
        if self.square is None:
            self.square = [np.zeros_like(theta) for theta in params]
        for theta, g, s in zip(params, grads, self.square):
            s *= self.decay
            s += (1 - self.decay) * g * g
            theta -= self.learning_rate * g / (np.sqrt(s) + self.eps)


class Adam(SGD):
    """Momentum on the gradient and RMSProp's scaling, both bias-corrected."""

    def __init__(self, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.eps = check_positive("eps", eps)
        self.t = 0
        self.mean = self.square = None

    def step(self, params, grads):
        if self.mean is None:
            self.mean = [np.zeros_like(theta) for theta in params]
            self.square = [np.zeros_like(theta) for theta in params]
        self.t += 1
        # The averages start at 0, so early on they are too small by the
        # factor 1 − βᵗ; dividing by it removes that bias.
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for theta, g, m, s in zip(params, grads, self.mean, self.square):
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * g * g
            theta -= self.learning_rate * (m / correction1) / (np.sqrt(s / correction2) + self.eps)


#: name -> optimizer class; ``train(..., optimizer=name)`` picks one.
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov,
              "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name, learning_rate, **options):
    """An optimizer by name, e.g. ``make_optimizer("momentum", 0.1, momentum=0.9)``."""
    check_choice("optimizer", name, OPTIMIZERS)
    try:
        return OPTIMIZERS[name](learning_rate, **options)
    except TypeError as exc:
        raise TypeError(f"optimizer {name!r}: {exc}") from None


def step_decay(learning_rate, drop=0.5, every=10):
    """A schedule: η_t = η · drop^⌊t / every⌋ for epoch t = 0, 1, …"""
    check_positive("learning_rate", learning_rate)
    check_positive("drop", drop)
    return lambda epoch: learning_rate * drop ** (epoch // every)


def inverse_time_decay(learning_rate, k=0.1):
    """A schedule: η_t = η / (1 + k t) for epoch t = 0, 1, …"""
    check_positive("learning_rate", learning_rate)
    check_nonnegative("k", k)
    return lambda epoch: learning_rate / (1 + k * epoch)


def _check_fraction(what, value):
    value = check_nonnegative(what, value)
    if value >= 1:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return value
