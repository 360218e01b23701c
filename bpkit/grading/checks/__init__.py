"""The exercise checks: each compares a student's function with bpkit's reference.

A check cell in an exercise notebook is two lines::

    from bpkit.grading.checks import check_sigmoid
    check_sigmoid(sigmoid)

and prints ``sigmoid: 6/6 cases pass [digest]``, or lists each failing case with
its inputs, the expected value and what the answer gave (see ``harness``). The
cases include the edges where answers usually break: large |z|, a batch of one
example, a layer that is not square.
"""
from .adam import check_adam_step
from .autodiff import check_add_backward, check_matmul_backward
from .equations import check_bias_gradient, check_hidden_error, check_output_error, \
    check_weight_gradient
from .functions import check_quadratic_cost, check_quadratic_cost_gradient, check_sigmoid, \
    check_sigmoid_prime
from .gradients import check_numerical_gradient, check_relative_error
from .initialization import check_he_initialization
from .momentum import check_momentum_descent, check_momentum_step, momentum_step_reference
from .training import check_backprop, check_train_epoch, check_update_mini_batch
from .softmax import check_softmax, check_softmax_output_error
