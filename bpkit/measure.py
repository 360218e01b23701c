"""Measuring what computing costs: time, memory, how they grow, and what to expect.

    import bpkit.measure as ms
    seconds = ms.time_call(lambda: bp.backprop(net, X, Y))      # median of repeats, after a warm-up
    nbytes = ms.peak_memory(lambda: bp.backprop(net, X, Y))     # tracemalloc peak
    fit = ms.fit_power_law(sizes, seconds)                      # seconds ≈ c · size^k
    model = ms.gradient_cost_model([64, 30, 10], n=100)         # multiply-adds, counted

Wall times depend on the machine and on what else it is doing; a book that
prints them says so. The cost model is the same on every machine: it counts
multiply-adds.
"""
import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from ._checks import check_int


# --- time and memory ---------------------------------------------------------------------------

def time_call(fn, repeat=5, number=1, warmup=1, clock=time.perf_counter):
    """Median wall time, in seconds, of one call ``fn()``.

    ``fn`` is called ``warmup`` times untimed (first calls pay for caches and
    imports), then timed ``repeat`` times in groups of ``number`` calls. The
    median, not the mean, is returned: one interruption by another process
    should not move the answer. ``clock()`` returns seconds; tests pass a fake.
    """
    repeat = check_int("repeat", repeat, 1)
    number = check_int("number", number, 1)
    warmup = check_int("warmup", warmup, 0)
    for _ in range(warmup):
        fn()
    per_call = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        per_call.append((clock() - start) / number)
    return float(np.median(per_call))


def processor_time(fn, repeat=5, number=1, warmup=1):
    """``time_call`` on the processor-time clock: seconds this process computed, not waited.

    On a machine busy with other work, a wall-clock time also counts the time
    the process waited for a core, which can double a measurement at random; its
    processor time does not. Use it with ``one_thread()``: with several BLAS
    threads, processor time adds up every thread's time.
    """
    return time_call(fn, repeat=repeat, number=number, warmup=warmup, clock=time.process_time)


def one_thread():
    """Let numpy's matrix products use one core only, until ``.restore_original_limits()``.

    Use it as ``with ms.one_thread(): ...`` or call it once at the top of a
    notebook. On a busy machine the threads of a parallel matrix product wait
    for each other and a small product can take a hundred times longer; on one
    thread timings are slower at best but far steadier, and a measured
    exponent means the same thing on every machine.
    """
    from threadpoolctl import threadpool_limits   # installed with scikit-learn

    return threadpool_limits(limits=1)


def peak_memory(fn):
    """The most memory, in bytes, that ``fn()`` held at one time beyond what was in use before.

    Measured with ``tracemalloc``, which sees every allocation made through
    Python, numpy arrays included. It counts bytes asked for, not pages the
    operating system hands out, so repeated runs agree closely (a first call
    may also fill caches). Tracing slows allocations down: time and memory
    are best measured in separate runs.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    return max(0, peak - before)


class PowerLaw(NamedTuple):
    """y ≈ coefficient · x^exponent: a straight line of slope ``exponent`` on log-log axes."""
    exponent: float
    coefficient: float

    def __call__(self, x):
        """The fitted y at ``x`` (a number or an array)."""
        return self.coefficient * np.asarray(x, dtype=np.float64) ** self.exponent


def fit_power_law(x, y):
    """Least-squares line through (log x, log y); returns a ``PowerLaw``.

    ``x``, ``y``: positive numbers, shape ``(k,)`` with k ≥ 2. The slope is the
    exponent: 1 means doubling x doubles y, 2 means it quadruples y.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"fit_power_law needs x and y of one shape (k,), k >= 2, "
                         f"got {x.shape} and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if not np.all(np.isfinite(v)) or np.any(v <= 0):
            raise ValueError(f"fit_power_law needs {name} > 0 and finite, got {v}")
    if np.all(x == x[0]):
        raise ValueError(f"fit_power_law needs at least two different x values, got {x}")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return PowerLaw(float(slope), float(np.exp(intercept)))


# --- counting instead of timing ----------------------------------------------------------------

class GradientCost(NamedTuple):
    """Multiply-adds of one gradient of a network's cost on n examples, and floats kept."""
    parameters: int            # P, every weight and bias
    forward: int               # one forward pass
    backprop: int              # forward pass + backward pass
    finite_differences: int    # 2P forward passes (central differences)
    floats_kept: int           # z^l and a^l of every layer, kept for the backward pass


def gradient_cost_model(sizes, n):
    """Count the multiply-adds of one gradient, by backprop and by central differences.

    ``sizes`` as for ``Network`` (e.g. ``[64, 30, 10]``), ``n`` examples. Only
    the matrix products are counted; additions of biases and σ are n·Σ n_l,
    smaller by a factor of the layer width.

    forward        F = n Σ_l n_l n_{l-1}              (Z^l = A^{l-1} W^lᵀ)
    backprop       F + n Σ_l n_l n_{l-1} (BP4) + n Σ_{l≥2} n_l n_{l-1} (BP2)
    differences    2 P F                              (two forward passes per parameter)
    """
    sizes = [check_int(f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers, got {sizes!r}")
    n = check_int("n", n, 1)
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    forward = n * sum(products)
    backward = n * sum(products) + n * sum(products[1:])   # BP4 every layer, BP2 all but the first
    parameters = sum(products) + sum(sizes[1:])
    return GradientCost(parameters, forward, forward + backward, 2 * parameters * forward,
                        2 * n * sum(sizes[1:]))


# --- live sliders ------------------------------------------------------------------------------

def record_live_widgets():
    """From now on, keep every widget ``bp.live`` makes in this kernel; returns the list they go to.

    Run it before a chapter's cells, then ``time_slider_moves`` on each widget of
    the list: that is how the benchmark times the book's live sliders in the
    chapters' own kernels.
    """
    import bpkit

    made, live = [], bpkit.live

    def recording_live(*args, **kwargs):
        widget = live(*args, **kwargs)
        made.append(widget)
        return widget
    bpkit.live = recording_live
    return made


def time_slider_moves(widget, repeats=3, pause=0.05, clock=time.perf_counter):
    """Milliseconds per move of each slider of ``widget`` (what ``bp.live`` returns).

    A move is setting the slider's value: the chapter's callback retrains and
    redraws right there. Each slider visits up to five values (its options, or
    five evenly spaced ones) and its start ``repeats`` times in turn, with a
    ``pause`` in seconds before each move; a value's time is the median of its
    visits. Returns one row per slider:
    ``[description, values visited, median ms over the values, slowest ms, its value]``.
    """
    import ipywidgets as widgets

    repeats = check_int("repeats", repeats, 1)
    kinds = (widgets.SelectionSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider)
    rows = []
    for slider in [c for c in widget.children if isinstance(c, kinds)]:
        values, times = _slider_values(slider) + [slider.value], {}
        for _ in range(repeats):
            for value in values:
                if value == slider.value:
                    continue
                time.sleep(pause)
                start = clock()
                slider.value = value
                times.setdefault(value, []).append(1000 * (clock() - start))
        per_value = {v: float(np.median(t)) for v, t in times.items()}
        slowest = max(per_value, key=per_value.get)
        rows.append([slider.description, len(per_value), float(np.median(list(per_value.values()))),
                     per_value[slowest], slowest])
    return rows


def _slider_values(slider):
    """The values a slider is timed at: its options, or five evenly spaced (on its own scale)."""
    if hasattr(slider, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in slider.options]
    if hasattr(slider, "base"):      # FloatLogSlider: evenly spaced exponents
        return [slider.base ** (slider.min + k * (slider.max - slider.min) / 4) for k in range(5)]
    return [slider.min + k * (slider.max - slider.min) / 4 for k in range(5)]
