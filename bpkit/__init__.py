"""bpkit: the cost, σ, the four backpropagation equations and gradient descent.

    import bpkit as bp
    net = bp.Network([2, 8, 1], seed=0)
    grad_w, grad_b = bp.backprop(net, X, Y)
    history = bp.train(net, X, Y, learning_rate=0.5, batch_size=16, epochs=50, seed=0)

Conventions: rows are examples (X is ``(n, n_in)``); W^l is ``(n_l, n_{l-1})``;
costs are means over the batch; float64 unless asked otherwise.
"""
from . import datasets, plots, widgets
from .activations import (ACTIVATIONS, get_activation, identity, identity_prime, relu,
                          relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime)
from .backprop import backprop, bias_gradient, hidden_error, output_error, weight_gradient
from .costs import (COSTS, cross_entropy_cost, cross_entropy_gradient, get_cost,
                    quadratic_cost, quadratic_cost_gradient)
from .descent import History, gradient_descent, mini_batches, train, update_mini_batch
from .gradcheck import gradient_check, numerical_gradient, numerical_network_gradient, relative_error
from .network import Network
from .widgets import batch_size_slider, batch_sizes, explore, learning_rate_slider, live
from .optimizers import OPTIMIZERS, inverse_time_decay, make_optimizer, step_decay

__version__ = "0.1.0"
