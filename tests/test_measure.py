"""bpkit.measure: the timer, memory, power-law fits, the cost model."""
import time
import tracemalloc

import numpy as np
import pytest

import bpkit as bp
import bpkit.measure as ms


# --- time_call ---------------------------------------------------------------------------------

def fake_clock(readings):
    """A clock that returns the given readings one after another."""
    readings = iter(readings)
    return lambda: next(readings)


def test_time_call_returns_the_median_of_the_repeats():
    calls = []
    # three repeats taking 1, 3 and 2 seconds: the median is 2, not the mean
    seconds = ms.time_call(lambda: calls.append(1), repeat=3, warmup=2,
                           clock=fake_clock([0.0, 1.0, 10.0, 13.0, 20.0, 22.0]))
    assert seconds == 2.0
    assert len(calls) == 2 + 3   # warm-up calls run but are not timed


def test_time_call_divides_by_the_calls_per_repeat():
    calls = []
    seconds = ms.time_call(lambda: calls.append(1), repeat=1, number=4, warmup=0,
                           clock=fake_clock([5.0, 7.0]))
    assert seconds == 0.5
    assert len(calls) == 4


def test_time_call_an_outlier_does_not_move_the_median():
    seconds = ms.time_call(lambda: None, repeat=5, warmup=0,
                           clock=fake_clock([0, 1, 0, 1, 0, 1, 0, 100, 0, 1]))
    assert seconds == 1.0


@pytest.mark.parametrize("option", [{"repeat": 0}, {"number": 0}, {"warmup": -1}])
def test_time_call_bad_counts(option):
    with pytest.raises(ValueError, match=next(iter(option))):
        ms.time_call(lambda: None, **option)


# --- peak_memory -------------------------------------------------------------------------------

def test_peak_memory_sees_a_numpy_array():
    nbytes = ms.peak_memory(lambda: np.ones(1_000_000))   # 8 MB of float64, freed at once
    assert 8_000_000 <= nbytes < 8_100_000


def test_peak_memory_counts_only_what_the_call_adds():
    kept = np.ones(1_000_000)   # allocated before: not the call's
    assert ms.peak_memory(lambda: kept.sum()) < 100_000


def test_peak_memory_leaves_tracemalloc_as_it_found_it():
    assert not tracemalloc.is_tracing()
    ms.peak_memory(lambda: None)
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        assert ms.peak_memory(lambda: np.ones(1000)) >= 8000
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_backprop_memory_grows_with_the_batch():
    net = bp.Network([16, 32, 4], seed=0)
    rng = np.random.default_rng(0)
    small, large = (ms.peak_memory(lambda: bp.backprop(net, rng.normal(size=(n, 16)),
                                                       rng.uniform(size=(n, 4))))
                    for n in (100, 1000))
    # it keeps z and a of every layer for every example: ten times the rows, about ten
    # times the memory (the gradient itself does not grow with n)
    assert 7 < large / small < 11


# --- fit_power_law -----------------------------------------------------------------------------

def test_fit_power_law_recovers_an_exact_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    fit = ms.fit_power_law(x, 3.0 * x ** 2)
    assert fit.exponent == pytest.approx(2.0, abs=1e-12)
    assert fit.coefficient == pytest.approx(3.0, rel=1e-12)
    assert fit(10.0) == pytest.approx(300.0, rel=1e-12)
    np.testing.assert_allclose(fit([1.0, 5.0]), [3.0, 75.0], rtol=1e-12)


def test_fit_power_law_of_a_square_root_and_of_a_constant():
    x = np.array([1.0, 4.0, 16.0])
    assert ms.fit_power_law(x, np.sqrt(x)).exponent == pytest.approx(0.5)
    assert ms.fit_power_law(x, [7.0, 7.0, 7.0]).exponent == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("x, y, match", [
    ([1.0, 2.0], [1.0, -2.0], "y > 0"),
    ([0.0, 2.0], [1.0, 2.0], "x > 0"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "one shape"),
    ([1.0], [1.0], "k >= 2"),
    ([2.0, 2.0], [1.0, 3.0], "two different x"),
    ([1.0, np.inf], [1.0, 2.0], "finite"),
])
def test_fit_power_law_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        ms.fit_power_law(x, y)


# --- gradient_cost_model -----------------------------------------------------------------------

def test_gradient_cost_model_by_hand():
    # [2, 3, 1] on 4 examples: products 2·3 = 6 and 3·1 = 3
    m = ms.gradient_cost_model([2, 3, 1], 4)
    assert m.parameters == 6 + 3 + 3 + 1
    assert m.forward == 4 * (6 + 3)
    assert m.backprop == 36 + 4 * (6 + 3) + 4 * 3      # forward + BP4 + BP2 (not layer 1)
    assert m.finite_differences == 2 * 13 * 36
    assert m.floats_kept == 2 * 4 * (3 + 1)


@pytest.mark.parametrize("sizes", [[2, 1], [64, 30, 10], [5, 8, 8, 8, 3]])
def test_gradient_cost_model_agrees_with_the_network(sizes):
    net = bp.Network(sizes, seed=0)
    m = ms.gradient_cost_model(sizes, 10)
    assert m.parameters == net.num_parameters
    # backprop is at most three forward passes; differences are 2P of them
    assert m.forward < m.backprop <= 3 * m.forward
    assert m.finite_differences == 2 * net.num_parameters * m.forward
    zs, activations = net.forward(np.zeros((10, sizes[0])))
    assert m.floats_kept == sum(z.size for z in zs) + sum(a.size for a in activations[1:])


def test_gradient_cost_model_bad_input():
    with pytest.raises(ValueError, match="at least two"):
        ms.gradient_cost_model([3], 10)
    with pytest.raises(ValueError, match="n"):
        ms.gradient_cost_model([3, 1], 0)
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        ms.gradient_cost_model([3, 0, 1], 5)


# --- one_thread --------------------------------------------------------------------------------

def test_one_thread_limits_blas_and_restores_it():
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    with ms.one_thread():
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert [pool["num_threads"] for pool in threadpool_info()] == before


# --- live sliders ------------------------------------------------------------------------------

def test_time_slider_moves_times_each_value_with_the_callback():
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    now, seen = [0.0], []

    def draw(x):     # a move to x "takes" x ms on the fake clock
        seen.append(x)
        now[0] += x / 1000
        return fig

    widget = bp.live(draw, x=widgets.IntSlider(value=4, min=0, max=8, description="x"))
    rows = ms.time_slider_moves(widget, repeats=2, pause=0, clock=lambda: now[0])
    # values 0, 2, 4, 6, 8 and back to the start (4), twice; the first draw is live's own
    assert seen[1:] == [0, 2, 4, 6, 8, 4] * 2
    description, values, median, slowest, at = rows[0]
    assert len(rows) == 1 and description == "x" and values == 5
    assert median == pytest.approx(4.0) and slowest == pytest.approx(8.0) and at == 8
    plt.close(fig)


def test_record_live_widgets_keeps_what_live_makes(monkeypatch):
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    monkeypatch.setattr(bp, "live", bp.live)      # restored after the test
    made = ms.record_live_widgets()
    fig, _ = plt.subplots()
    widget = bp.live(lambda x: fig, x=widgets.IntSlider())
    assert made == [widget]
    plt.close(fig)


def test_processor_time_counts_computing_not_waiting():
    def sleep_then_compute():
        time.sleep(0.05)                        # waiting: on the wall clock only
        sum(range(20000))
    waited = ms.time_call(sleep_then_compute, repeat=3)
    computed = ms.processor_time(sleep_then_compute, repeat=3)
    assert waited >= 0.05 and computed < 0.04
