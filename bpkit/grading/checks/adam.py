"""The check of one Adam step (Chapter 10), with bias correction and t counted from 1.

The exercise asks for *new arrays* (θ, m, v) by the rule, the arguments left unchanged.
Numbers within the tolerance are not enough, so each result is screened as it comes
back, and copied:

- three numpy arrays of floats at least as precise as float64, the arguments' type:
  a list, a complex array or one of objects converts to the right floats, and float32
  rounding (6e-8 relative) hides under the tolerance (1e-7), so none of them would
  fail on its numbers alone;
- new: none shares memory with an argument, and none changes when the answer is
  called again. An answer that fills arrays it keeps hands back the same arrays at
  every call, and the notebook's path ``[x, x, x, …]`` would hold one point.

The eight visible cases are those the notebook's stored line counts. While grading, the
extra cases are drawn so that each part of the rule moves the result beyond the
tolerance, which β and t drawn apart seldom do (0.99ᵗ is 2·10⁻⁹ at t = 2000, so the bias
correction no longer shows), nor states of their own scale (ε is lost beside an O(1)
√v̂). So β and t are drawn together (βᵗ between 0.02 and 0.9, t up to 10⁶), m and √v are
on the gradient's scale, and some gradients are near ε, where ε decides the step; there
are a first step, a zero gradient, the default β and ε, vectors, matrices, 3-axis and
large arrays, each kind twice, in an order drawn too.
"""
import numpy as np

from ...optimizers import make_optimizer
from .compare import _defined, describe, labelled, original, same_object_values
from .harness import Case, check
from .inputs import named, pattern, seed_from, size_from

NAMES = ("theta", "m", "v")
_shares_memory = _defined("shares_memory")
#: Work allowed to decide whether two arrays share memory; an answer's arrays that take
#: more (strides crafted to overlap) count as sharing.
SHARE_WORK = 10**5


def adam_step_reference(theta, m, v, grad, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """bpkit's Adam rule as a function; returns new arrays (θ, m, v).

    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
    θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  t = 1, 2, …
    """
    optimizer = make_optimizer("adam", learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    theta, m, v = (np.array(a, dtype=float) for a in (theta, m, v))
    optimizer.mean, optimizer.square = [m], [v]
    optimizer.t = t - 1          # its step counts this step: t − 1 steps were taken before
    optimizer.step([theta], [np.asarray(grad, dtype=float)])
    return theta, m, v


def _adam_case(label, shape, seed, t, learning_rate, first=False, grad_scale=3.0,
               state_scale=1.0, **betas):
    """Inputs for one step: states m, v from earlier steps (0 on the first one); v ≥ 0.
    ``state_scale`` scales m and √v (a gradient of scale s leaves states of scale s)."""
    theta, grad = pattern(shape, seed), pattern(shape, seed + 1, grad_scale)
    m = np.zeros(shape) if first else pattern(shape, seed + 2, 0.5 * state_scale)
    v = np.zeros(shape) if first else pattern(shape, seed + 3, 1.5 * state_scale) ** 2
    inputs = {"theta": theta, "m": m, "v": v, "grad": grad, "t": t,
              "learning_rate": learning_rate, **betas}
    return Case(label, inputs, adam_step_reference(*inputs.values()))


# --- what an answer returns ----------------------------------------------------------------

def _problem(result, args):
    """Why ``result`` is not three new float arrays for the arguments ``args``, or None."""
    if not isinstance(result, (tuple, list)) or len(result) != len(NAMES):
        return f"should return ({', '.join(NAMES)}), got {describe(result)}"
    for name, value in zip(NAMES, result):
        if type(value) is not original.ndarray:
            return f"{name} should be a numpy array, got {describe(value)}"
        if value.dtype.kind != "f" or value.dtype.itemsize < 8:
            return (f"{name} should be an array of float64, as the arguments are, got "
                    f"{value.dtype}: compute in float64 and return what you computed")
        for arg_name, arg in zip(NAMES + ("grad",), args):
            if isinstance(arg, original.ndarray) and _shared(value, arg):
                return (f"{name} is the argument {arg_name}, or a view of it: return new "
                        "arrays")
    return None


def _shared(a, b):
    """True if arrays ``a`` and ``b`` share an element, or the answer made that costly to tell."""
    try:
        return bool(_shares_memory(a, b, max_work=SHARE_WORK))
    except Exception:           # numpy's TooHardError
        return True


def _shown(result):
    """What a failure message shows of ``result``: arrays of real floats as they are,
    anything else by its kind (a list that holds itself, or a number too large for a
    float, cannot be written out)."""
    def one(value):
        if isinstance(value, original.ndarray) and value.dtype.kind in "fiu":
            return value.copy()
        kind = f"an array of {value.dtype}" if isinstance(value, original.ndarray) \
            else describe(value)
        return labelled(lambda: None, kind)
    if isinstance(result, (tuple, list)) and len(result) <= len(NAMES) + 1:
        return tuple(one(v) for v in result)
    return one(result)


def _screened(adam_step):
    """``adam_step`` as the check calls it, and the comparison that goes with it.

    Each call's result is screened (``_problem``), the arrays every earlier call returned
    are checked unchanged, and copies of the result go on to the comparison: what the
    answer keeps of its arrays cannot change them afterwards."""
    kept, found = [], {}       # (name, an array the answer returned, a copy of its values)

    def answered(*args):
        found.clear()
        before = [a.copy() if isinstance(a, original.ndarray) else a for a in args]
        result = adam_step(*args)
        changed = [name for name, b, a in zip(NAMES + ("grad",), before, args)
                   if not same_object_values(b, a)]
        earlier = [name for name, array, values in kept
                   if not original.array_equal(array, values, equal_nan=True)]
        if changed:
            found["problem"] = (f"changed its argument {changed[0]} in place; compute a new "
                                "array instead")
        elif earlier:
            found["problem"] = (f"the {earlier[0]} it returned for an earlier case changed when "
                                "it was called again: return new arrays, not arrays it keeps "
                                "and fills at each call")
        else:
            found["problem"] = _problem(result, args)
        if found["problem"]:
            return None if result is None else _shown(result)
        kept.extend((name, array, array.copy()) for name, array in zip(NAMES, result))
        return tuple(array.copy() for array in result)

    answered.__name__ = getattr(adam_step, "__name__", "adam_step")
    compare = named(NAMES)

    def compared(expected, got):
        return found["problem"] or compare(expected, got)
    return answered, compared


# --- the cases -------------------------------------------------------------------------

def _grading_cases(rng):
    """The extra cases of a grading run, in an order drawn by ``rng``."""
    kinds = iter(rng.permutation([0, 1, 2, 3] * 2))     # each kind of shape twice

    def shape():
        """A vector, a small matrix, three axes, or a large matrix (50 to 350 entries)."""
        return [(size_from(rng, 6),), (size_from(rng, 5), size_from(rng, 4)),
                (2 + size_from(rng, 3), 2 + size_from(rng, 3), 2 + size_from(rng, 3)),
                (int(rng.integers(10, 30)), int(rng.integers(5, 12)))][next(kinds)]

    def beta_for(t, low=0.02, high=0.9):
        """β with βᵗ in [low, high]: the bias correction 1 − βᵗ is far from 1 at step t."""
        return float(np.exp(np.log(rng.uniform(low, high)) / t))

    def eps():
        return float(10.0 ** rng.uniform(-9, -5))

    def case(shape, t, scale=None, **options):
        """A case whose m and √v are on the gradient's scale, as after earlier steps."""
        scale = float(10.0 ** rng.uniform(-8, 3)) if scale is None else scale
        return _adam_case("", shape, seed_from(rng), t, float(rng.uniform(0.001, 0.2)),
                          grad_scale=scale, state_scale=scale or 1.0, **options)

    few, many, most = (int(rng.integers(1, 40)), int(10.0 ** rng.uniform(3, 6)),
                       int(rng.integers(5 * 10**5, 10**6)))
    near_eps = eps()
    cases = [
        # β₁ᵗ and β₂ᵗ both matter, t small, large and near 10⁶
        case(shape(), few, beta1=beta_for(few), beta2=beta_for(few, 0.3), eps=eps()),
        case(shape(), many, beta1=beta_for(many), beta2=beta_for(many, 0.3), eps=eps()),
        case(shape(), most, beta1=beta_for(most), beta2=beta_for(most, 0.3), eps=eps()),
        # β in the usual ranges, t up to 2000
        case(shape(), int(rng.integers(2, 2000)), beta1=float(rng.uniform(0.5, 0.95)),
             beta2=float(rng.uniform(0.99, 0.9999)), eps=eps()),
        # gradients and states near ε: ε, where it is added, decides the step
        case(shape(), few, scale=near_eps * float(10.0 ** rng.uniform(-0.5, 0.5)),
             beta1=beta_for(few), beta2=beta_for(few, 0.3), eps=near_eps),
        # the first step, from m = v = 0
        case(shape(), 1, first=True, beta1=float(rng.uniform(0.5, 0.99)),
             beta2=float(rng.uniform(0.9, 0.9999)), eps=eps()),
        # the default β₁, β₂ and ε, gradients near ε = 1e-8
        case(shape(), int(rng.integers(2, 60)),
             scale=1e-8 * float(10.0 ** rng.uniform(-0.5, 0.5))),
        # nothing moves: a zero gradient from zero states leaves θ where it is
        case(shape(), int(rng.integers(1, 100)), scale=0.0, first=True,
             beta1=float(rng.uniform(0.5, 0.95)), beta2=float(rng.uniform(0.9, 0.9999)),
             eps=eps()),
    ]
    return [cases[i] for i in rng.permutation(len(cases))]


def check_adam_step(adam_step):
    """One Adam step, returning new float arrays (θ, m, v); the arguments stay unchanged."""
    cases = [
        _adam_case("the first step, t = 1 (m = v = 0), η = 0.1", (3,), 1, 1, 0.1, first=True),
        _adam_case("t = 1000, η = 0.01", (4,), 2, 1000, 0.01),
        _adam_case("a zero gradient, t = 5: m and v still move θ", (3,), 3, 5, 0.1,
                   grad_scale=0.0),
        _adam_case("a 2×3 matrix of parameters, t = 3, β₁ = 0.5, β₂ = 0.99", (2, 3), 4, 3, 0.05,
                   beta1=0.5, beta2=0.99),
        _adam_case("huge gradients (1e8), t = 1", (3,), 5, 1, 0.1, first=True, grad_scale=1e8),
        _adam_case("tiny gradients (1e-8), t = 1: ε matters", (3,), 6, 1, 0.1, first=True,
                   grad_scale=1e-8),
        # m and √v on the gradient's scale, as after earlier steps of such gradients: ε,
        # a hundred times larger, sets the step, so an answer must use the ε it is given
        _adam_case("tiny gradients and averages (1e-8), t = 20, ε = 1e-6: ε sets the step",
                   (2,), 7, 20, 0.01, grad_scale=1e-8, state_scale=1e-8, beta1=0.9,
                   beta2=0.999, eps=1e-6),
        _adam_case("a 2×2×3 array of parameters, t = 7", (2, 2, 3), 8, 7, 0.05),
    ]
    answered, compared = _screened(adam_step)
    check("adam_step", answered, cases, hidden=_grading_cases, compare=compared,
          answer=adam_step)
