"""Input checks shared by bpkit: each raises an error that names the thing and its value.

A learner who passes a wrong shape should read what was wrong, not a
broadcasting error from deep inside numpy.
"""
import math
import numbers

import numpy as np


def check_choice(what, value, choices):
    """``value`` must be one of the keys of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(repr(k) for k in choices)
        raise ValueError(f"unknown {what} {value!r}; choose one of {names}")


def check_positive(what, value):
    """A finite number > 0 (a learning rate, a step size, a time limit)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return float(value)


def check_nonnegative(what, value):
    """A finite number ≥ 0 (a regularization strength, a momentum)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_int(what, value, low, high=None):
    """An integer in ``low..high`` (``high`` inclusive, None for no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    if high is None and value < low:
        raise ValueError(f"{what} must be an integer >= {low}, got {value}")
    if high is not None and not low <= value <= high:
        raise ValueError(f"{what} must be in {low}..{high}, got {value}")
    return int(value)


def as_batch(what, A, n_columns=None, dtype=np.float64, why=""):
    """``A`` as a 2-D float array with rows as examples, finite values only.

    ``n_columns`` is the width the network expects; a mismatch names both
    shapes. A 1-D array is refused rather than guessed at: is it one example,
    or n examples of one feature?
    """
    try:
        A = np.asarray(A, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be an array of numbers: {exc}") from None
    if A.ndim != 2:
        hint = ""
        if A.ndim == 1:
            hint = f"; for n examples of one value use {what}.reshape(-1, 1)," \
                   f" for one example use {what}.reshape(1, -1)"
        raise ValueError(f"{what} must be 2-D (rows are examples), got shape {A.shape}{hint}")
    if A.shape[0] == 0:
        raise ValueError(f"{what} has no rows (shape {A.shape})")
    if n_columns is not None and A.shape[1] != n_columns:
        because = f" ({why})" if why else ""
        raise ValueError(f"{what} has shape {A.shape}, expected (n, {n_columns}){because}")
    # A finite sum means every value is finite (inf and NaN propagate through a
    # sum), and summing is faster than testing each value; only a sum that is
    # not finite needs the value-by-value look.
    with np.errstate(over="ignore", invalid="ignore"):   # 1e308 + 1e308 is inf, not an error
        total = np.add.reduce(A, axis=None)
    if not np.isfinite(total) and not np.all(np.isfinite(A)):
        bad = A[~np.isfinite(A)].flat[0]
        raise ValueError(f"{what} contains a non-finite value ({bad}); clean the data first")
    return A


def check_same_rows(X, Y, x_name="X", y_name="Y"):
    """X and Y must hold the same number of examples."""
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"{x_name} has {X.shape[0]} rows but {y_name} has {Y.shape[0]}"
                         f" (shapes {X.shape} and {Y.shape}); rows are examples")
