"""Comparing an answer's result with the reference, and showing both in a message.

``close`` accepts numbers, arrays, and tuples or lists of them, within a tolerance;
``show`` writes a value short enough for a failure line; ``digest`` fingerprints the
values a check passed on, rounded so that a 1-ulp difference between machines, or
between two correct formulas, does not change it.
"""
import hashlib
import importlib
import types
import warnings

RTOL, ATOL = 1e-7, 1e-10


def _defined(name, modules=("multiarray", "numeric", "fromnumeric", "umath", "numerictypes",
                            "_ufunc_config")):
    """numpy's ``name`` taken from the module that defines it (``numpy._core.numeric`` in
    numpy 2, ``numpy.core.numeric`` in 1.x), not from the ``numpy`` namespace."""
    for package in ("numpy._core", "numpy.core"):
        for module in modules:
            try:
                with warnings.catch_warnings():     # numpy 2 warns on numpy.core
                    warnings.simplefilter("ignore")
                    value = getattr(importlib.import_module(f"{package}.{module}"), name, None)
            except ImportError:
                continue
            if value is not None:
                return value
    raise ImportError(f"numpy's {name} was not found in numpy's core modules")


# The numpy functions a verdict depends on, taken once, when the checks are imported,
# from the modules that define them. An answer that rebinds ``np.allclose`` (or
# ``np.random.default_rng``) changes an attribute of the ``numpy`` namespace, not these,
# and not the functions they call, which numpy looks up in its own modules; and since
# they do not come from that namespace, it holds even when the first check is imported
# after the answer ran. This is a last line, where it is cheap: the answer-cell policy
# refuses such an assignment before anything runs, and what holds when both fail is the
# operating system's sandbox around the kernel, not this.
original = types.SimpleNamespace(
    **{name: _defined(name) for name in (
        "asarray", "allclose", "array_equal", "isfinite", "absolute", "argmax", "unravel_index",
        "ndarray", "floating", "integer", "float64", "errstate")},
    default_rng=importlib.import_module("numpy.random._generator").default_rng,
)


def close(expected, got, rtol=RTOL, atol=ATOL, where=""):
    """None if ``got`` equals ``expected`` (numbers, arrays, or tuples/lists of them)
    within tolerance; otherwise a short reason."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = f"{len(expected)} items" if where else f"a pair of {len(expected)} items"
            return f"{where or 'result'} should be {kind}, got {describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = close(e, g, rtol, atol, f"{where or 'result'}[{i}]")
            if problem:
                return problem
        return None
    expected = original.asarray(expected, dtype=original.float64)
    try:
        got = original.asarray(got, dtype=original.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        # a list that holds itself, an int too large for a float: not numbers
        return f"{where or 'result'} should be numbers, got {describe(got)}"
    name = where or "result"
    if got.shape != expected.shape:
        want = "a single number" if expected.shape == () else f"shape {expected.shape}"
        return f"{name} should be {want}, got shape {got.shape}"
    if not original.isfinite(got).all():
        return f"{name} contains nan or inf"
    if not original.allclose(got, expected, rtol=rtol, atol=atol):
        diff = original.absolute(got - expected)
        at = original.unravel_index(original.argmax(diff), diff.shape) if diff.shape else ()
        index = f" at index {tuple(int(i) for i in at)}" if at else ""
        return f"{name} differs by up to {float(diff.max()):.3g}{index}"
    return None


def same_object_values(before, after):
    """True if an argument still holds its values after the call (arrays compared exactly)."""
    if isinstance(before, original.ndarray):
        return isinstance(after, original.ndarray) and before.shape == after.shape and \
            bool(original.array_equal(before, after, equal_nan=True))
    if hasattr(before, "weights") and hasattr(before, "biases"):   # a Network
        return all(same_object_values(b, a) for b, a in
                   zip(before.weights + before.biases, after.weights + after.biases))
    return True


def show(value, limit=12, depth=4):
    """A short, stable text for a value in a failure message; lists and tuples nested
    deeper than ``depth`` show as "…" (a list that holds itself would never end)."""
    if isinstance(value, (tuple, list)):
        if depth == 0:
            return "…"
        inner = ", ".join(show(v, limit, depth - 1) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if hasattr(value, "sizes") and hasattr(value, "weights"):
        return f"Network({value.sizes})"
    if callable(value):
        return getattr(value, "label", None) or getattr(value, "__name__", "a function")
    try:
        array = original.asarray(value, dtype=original.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return describe(value)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    if array.size > limit:
        return f"array of shape {array.shape}"
    return _nested(array)


def _nested(array):
    if array.ndim == 1:
        return "[" + ", ".join(f"{float(v):.6g}" for v in array) + "]"
    return "[" + ", ".join(_nested(row) for row in array) + "]"


def describe(value):
    """Type (and shape) of an unexpected result: ``None``, ``list of 3``, ``array (2, 3)``."""
    if value is None:
        return "None"
    if isinstance(value, original.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def digest(items):
    """Eight hex digits fingerprinting labels and values, rounded so that 1-ulp
    differences between machines or between equivalent formulas do not change it."""
    h = hashlib.sha256()
    for label, values in items:
        h.update(str(label).encode())
        for v in _flat(values):
            h.update(f"{round(v, 9) + 0.0:.6g};".encode())
    return h.hexdigest()[:8]


def _flat(values):
    if values is None:
        return []
    if isinstance(values, (tuple, list)):
        return [v for item in values for v in _flat(item)]
    if isinstance(values, (int, float, original.floating, original.integer, original.ndarray)):
        return [float(v) for v in original.asarray(values, dtype=original.float64).ravel()]
    return [float(len(str(values)))]


def labelled(fn, label):
    """``fn`` with a text used when a failure message shows it (a cost function, say)."""
    fn.label = label
    return fn
