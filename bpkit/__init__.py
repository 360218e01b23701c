"""bpkit: the cost, σ, the four backpropagation equations and gradient descent.

    import bpkit as bp
    net = bp.Network([2, 8, 1], seed=0)
    grad_w, grad_b = bp.backprop(net, X, Y)
    history = bp.train(net, X, Y, learning_rate=0.5, batch_size=16, epochs=50, seed=0)

Conventions: rows are examples (X is ``(n, n_in)``); W^l is ``(n_l, n_{l-1})``;
costs are means over the batch; float64 unless asked otherwise.
"""
import importlib

from . import alt, autodiff, datasets, engines, seeds
from .activations import (ACTIVATIONS, OUTPUT_ACTIVATIONS, get_activation, get_output_activation,
                          identity, identity_prime, log_softmax, log_sum_exp, relu, relu_prime,
                          sigmoid, sigmoid_prime, softmax, softmax_jacobian, tanh, tanh_prime)
from .backprop import backprop, bias_gradient, hidden_error, output_error, weight_gradient
from .costs import (COSTS, categorical_cross_entropy_cost, categorical_cross_entropy_from_z,
                    categorical_cross_entropy_gradient, cross_entropy_cost, cross_entropy_gradient,
                    get_cost, quadratic_cost, quadratic_cost_gradient)
from .descent import History, gradient_descent, mini_batches, train, update_mini_batch
from .gradcheck import gradient_check, numerical_gradient, numerical_network_gradient, relative_error
from .network import Network
from .optimizers import OPTIMIZERS, inverse_time_decay, make_optimizer, step_decay
from .seeds import over_seeds
from .tables import Table, table

__version__ = "0.1.0"

# plots and widgets bring matplotlib and ipywidgets, half a second of imports:
# they load the first time one of their names is used, so that a kernel that
# only computes (a test, a graded exercise) starts sooner.
_LAZY = {"plots": None, "widgets": None, "batch_size_slider": "widgets",
         "batch_sizes": "widgets", "explore": "widgets", "learning_rate_slider": "widgets",
         "live": "widgets"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'bpkit' has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    return module if _LAZY[name] is None else getattr(module, name)


def __dir__():
    return sorted([*globals(), *_LAZY])
