"""Engines: what carries out ``train``'s updates. Each runs the same equations; they differ in speed.

    reference  ``backprop`` and the optimizer's ``step``, mini-batch by mini-batch:
               the loop of chapter 6, word for word                          (reference.py)
    numpy      the same equations in buffers kept between updates, one column per
               example, σ′ from the activations, η folded into δ for plain SGD (numpy_buffers.py)
    compiled   plain SGD on small batches of small networks: a whole epoch in one
               call compiled by numba, where numpy's cost per call would dominate (compiled.py)

``train`` picks the fastest engine that applies (``choose``) and names it in
``history.engine``; ``train(..., engine="reference")`` forces one. Every engine
has the same two methods:

    engine.cost(X, Y)                              the mean cost on (X, Y) with the current weights
    engine.epoch(X, Y, order, batch_size, record)  one epoch: the rows in ``order`` cut into
                                                   mini-batches by ``descent.cut``'s rule, one
                                                   update each; returns each batch's cost just
                                                   before its update (if ``record``)

and reads η at every update from one place, ``optimizer.learning_rate`` (where a
schedule writes it). ``tests/test_training_step.py`` replays every engine's run
through the readable pieces and requires the same numbers.

To add an activation or a cost, add its entry to ``activations.ACTIVATIONS`` or
``costs.COSTS``: the reference and numpy engines take everything from there. The
compiled engine runs only the names its kernel has written out as scalar code
(``compiled.ACTIVATION_CODES``, ``compiled.COST_CODES``) and leaves the others
to numpy. To add an optimizer, add it to ``optimizers.OPTIMIZERS``: the
reference and numpy engines call its ``step``.

A softmax output (``activations.OUTPUT_ACTIVATIONS``) is trained by the reference
and numpy engines; the compiled kernel has no code for it, so ``choose`` gives such
a network to numpy and ``engine="compiled"`` refuses it with a ValueError that says so.
"""
import importlib

import numpy as np

from .._checks import check_choice
from ..optimizers import SGD

#: engine name -> (module, class). A module loads the first time its engine runs:
#: the compiled one brings numba, which takes a moment to import.
ENGINES = {"reference": (".reference", "ReferenceEngine"),
           "numpy": (".numpy_buffers", "NumpyEngine"),
           "compiled": (".compiled", "CompiledEngine")}

#: plain SGD runs compiled when batch size × parameters is at most this: below it
#: numpy's per-call overhead outweighs the arithmetic, above it BLAS's vectorised
#: products win (for a 64-30-10 network the two cross near batch size 10).
#: 0 turns the compiled engine off unless it is asked for.
COMPILED_WORK_LIMIT = 20_000


def choose(net, optimizer, batch_size, n):
    """The engine ``train`` uses unless told otherwise: "compiled" or "numpy".

    Compiled for plain SGD in float64 on mini-batches of little work (see
    ``COMPILED_WORK_LIMIT``), with activations and cost its kernel knows, and
    only where numba can be imported; numpy for everything else.
    """
    if (type(optimizer) is not SGD or net.dtype != np.float64 or batch_size >= n
            or batch_size * net.num_parameters > COMPILED_WORK_LIMIT):
        return "numpy"
    try:
        from . import compiled
    except ImportError:      # no numba on this machine: the same run goes through numpy
        return "numpy"
    return "numpy" if compiled.unsupported(net, optimizer) else "compiled"


def make_engine(name, net, optimizer, l2=0.0, l1=0.0, batch_size=None, n=None):
    """The engine called ``name`` (None: ``choose``'s pick) for ``net``, updated in place.

    ``optimizer`` is the optimizer object whose ``learning_rate`` and ``step`` the
    engine uses; ``l2``/``l1`` add λW or λ sign(W) to the weight gradients.
    """
    if name is None:
        name = choose(net, optimizer, batch_size, n)
    check_choice("engine", name, ENGINES)
    module, cls = ENGINES[name]
    try:
        module = importlib.import_module(module, __name__)
    except ImportError as exc:
        raise ValueError(f"engine {name!r} cannot run here: {exc}") from None
    return getattr(module, cls)(net, optimizer, l2, l1)
