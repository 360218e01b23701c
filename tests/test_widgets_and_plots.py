"""Sliders and shared figures."""
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

import bpkit as bp


def test_batch_sizes():
    assert bp.batch_sizes(1) == [1]
    assert bp.batch_sizes(16) == [1, 2, 4, 8, 16]
    assert bp.batch_sizes(200) == [1, 2, 4, 8, 16, 32, 64, 128, 200]


def test_learning_rate_slider_passes_through_the_round_values_on_a_log_scale():
    s = bp.learning_rate_slider(value=3.0, min=0.01, max=100)
    values = [v for _, v in s.options]
    labels = [label for label, _ in s.options]
    assert s.value == 3.0 and s.label == "3"
    # the values a chapter's table uses are all reachable, and nothing like 3.16
    for v in (0.01, 0.03, 0.1, 0.3, 0.5, 1, 3, 10, 30, 100):
        assert v in values
    assert labels == [f"{v:g}" for v in values] and "3.16" not in labels
    steps = np.diff(np.log10(values))
    assert values == sorted(values) and steps.max() < 0.31 and steps.min() > 0.17   # ≈ log-even
    assert bp.widgets.learning_rates(0.3, 3) == [0.3, 0.5, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"one of \['0.001'.*got 100"):
        bp.learning_rate_slider(value=100)
    with pytest.raises(ValueError, match="min must not exceed max"):
        bp.widgets.learning_rates(1, 0.1)
    own = bp.learning_rate_slider(value=0.25, values=[0.125, 0.25, 0.5])
    assert own.label == "0.25" and len(own.options) == 3


def test_batch_size_slider():
    s = bp.batch_size_slider(100, value=100)
    assert list(s.options) == [1, 2, 4, 8, 16, 32, 64, 100] and s.value == 100
    with pytest.raises(ValueError, match="one of"):
        bp.batch_size_slider(100, value=3)


def test_explore_precomputes_every_combination_and_links_sliders(monkeypatch):
    calls, links = [], []
    real_jslink = widgets.jslink

    def spy(source, target):
        links.append((source[0].model_id, source[1], target[0].model_id, target[1]))
        return real_jslink(source, target)

    monkeypatch.setattr(widgets, "jslink", spy)

    def draw(learning_rate, batch_size):
        calls.append((learning_rate, batch_size))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [learning_rate, batch_size])
        return ax

    box = bp.explore(draw, learning_rate=[0.1, 1.0], batch_size=[1, 2, 4])
    assert sorted(calls) == sorted((lr, b) for lr in (0.1, 1.0) for b in (1, 2, 4))
    lr_slider, bs_slider, stack = box.children
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 2
    assert all(isinstance(s, widgets.Stack) and len(s.children) == 3 for s in stack.children)
    leaf = stack.children[1].children[2]
    assert isinstance(leaf, widgets.Image) and leaf.value[:4] == b"\x89PNG"
    # the links run in the browser: one for the first slider, one per inner stack for the second
    assert (lr_slider.model_id, "index", stack.model_id, "selected_index") in links
    for inner in stack.children:
        assert (bs_slider.model_id, "index", inner.model_id, "selected_index") in links
    assert len(links) == 3
    assert plt.get_fignums() == []   # every figure was closed after saving


def test_live_redraws_on_every_move_with_every_sliders_value():
    calls = []

    def draw(learning_rate, batch_size):
        calls.append((learning_rate, batch_size))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [learning_rate, batch_size])
        return ax

    lr = bp.learning_rate_slider(value=0.1)
    batch = bp.batch_size_slider(64, value=16)
    box = bp.live(draw, learning_rate=lr, batch_size=batch)
    first_lr, first_batch, image, errors = box.children
    assert (first_lr, first_batch) == (lr, batch) and isinstance(errors, widgets.Output)
    assert calls == [(lr.value, 16)]
    assert isinstance(image, widgets.Image) and image.value[:4] == b"\x89PNG"
    before = image.value
    batch.value = 4
    lr.value = 1.0
    assert len(calls) == 3
    assert calls[1][0] == pytest.approx(0.1) and calls[1][1] == 4
    assert calls[2] == (pytest.approx(1.0), 4)
    assert image.value != before and image.value[:4] == b"\x89PNG"
    assert plt.get_fignums() == []


def test_explore_play_moves_its_slider_through_every_value_in_the_browser(monkeypatch):
    links = []
    real_jslink = widgets.jslink
    monkeypatch.setattr(widgets, "jslink", lambda source, target: links.append(
        (source[0], source[1], target[0], target[1])) or real_jslink(source, target))

    def draw(learning_rate, epoch):
        fig, ax = plt.subplots()
        ax.plot([0, epoch], [0, learning_rate])
        return fig

    box = bp.explore(draw, learning_rate=[0.1, 1.0], epoch=[0, 5, 10, 20], play="epoch")
    lr_slider, epoch_row, stack = box.children
    assert isinstance(lr_slider, widgets.SelectionSlider)
    epoch_slider, button = epoch_row.children
    assert isinstance(button, widgets.Play)
    # the button counts the slider's positions 0..3, and the link runs in the browser
    assert (button.min, button.max, button.step, button.value) == (0, 3, 1, 0)
    assert (button, "value", epoch_slider, "index") in links
    assert button.interval == bp.widgets.PLAY_INTERVAL and not button.show_repeat
    frames = [page for inner in stack.children for page in inner.children]
    assert len(frames) == 8 and len({id(f.layout) for f in frames}) == 1   # one layout, shared
    assert [o[0] for o in epoch_slider.options] == ["0", "5", "10", "20"]
    # each inner stack (one per learning rate) follows the played slider
    for inner in stack.children:
        assert (epoch_slider, "index", inner, "selected_index") in links
    assert plt.get_fignums() == []


def test_explore_play_must_name_a_slider_with_values_to_step_through():
    def draw(epoch, learning_rate=0.1):
        return plt.subplots()[0]

    with pytest.raises(ValueError, match=r"play must name one of the sliders \['epoch'\], got 'epochs'"):
        bp.explore(draw, epoch=[0, 1], play="epochs")
    with pytest.raises(ValueError, match="'epoch' needs at least two values"):
        bp.explore(draw, epoch=[0], play="epoch")


def test_live_needs_a_slider():
    with pytest.raises(ValueError, match="at least one slider"):
        bp.live(lambda: None)


def test_explore_needs_a_slider():
    with pytest.raises(ValueError, match="at least one slider"):
        bp.explore(lambda: None)


def test_plot_cost_marks_a_diverged_run():
    X, Y = bp.datasets.regression_curve(30, seed=0)
    good = bp.train(bp.Network([1, 4, 1], seed=0), X, Y, learning_rate=0.5, epochs=5)
    bad = bp.train(bp.Network([1, 4, 1], output_activation="identity", seed=0), X, Y,
                   learning_rate=500.0, batch_size=1, epochs=20, seed=0)
    assert bad.diverged
    ax = bp.plots.plot_cost([good, bad])
    assert len(ax.lines) == 3          # two curves and one × for the diverged run
    np.testing.assert_allclose(ax.lines[0].get_ydata(), good.cost)
    plt.close("all")


def test_plot_cost_draws_a_run_that_ended_near_the_largest_float():
    # the last finite cost of a diverging run can be anywhere below ≈ 1.8e308
    h = bp.History(1.0, 1, "sgd", 1, cost=[1.0, 1e3, 1e150, 1e304], diverged=True, diverged_epoch=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = bp.plots.plot_cost(h)
        ax.figure.canvas.draw()
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 1e3, 1e100, 1e100])
    assert ax.lines[1].get_ydata()[-1] == 1e100                     # the × where it ended
    assert ax.get_ylim()[1] < 1e110
    linear = bp.plots.plot_cost(h, log=False)
    assert linear.lines[0].get_ydata()[-1] == 1e304
    with pytest.raises(ValueError, match="unknown x 'epochs'"):
        bp.plots.plot_cost(h, x="epochs")
    plt.close("all")


def test_plot_contour_and_decision_regions():
    path = bp.gradient_descent(lambda p: 2 * p, [1.5, -1.0], 0.2, 10)
    ax = bp.plots.plot_contour(lambda x, y: x ** 2 + y ** 2, path)
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path)
    X, Y = bp.datasets.moons(40, seed=0)
    net = bp.Network([2, 3, 1], seed=0)
    ax = bp.plots.plot_decision_regions(net, X, Y, resolution=30)
    (regions,) = ax.images
    x0, x1, y0, y1 = regions.get_extent()
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]])
    cells = regions.get_array()
    assert cells.shape == (30, 30)
    # origin="lower": row 0 is the bottom of the plane, column 0 its left edge
    assert [cells[0, 0], cells[0, -1], cells[-1, 0], cells[-1, -1]] == list(net.predict(corners))
    np.testing.assert_allclose(ax.collections[0].get_offsets(), X)
    plt.close("all")


def test_clear_keeps_the_axes_and_forgets_the_old_data():
    X, Y = bp.datasets.moons(40, seed=0)
    long_run = bp.train(bp.Network([2, 3, 1], seed=0), X, Y, learning_rate=0.5, epochs=40)
    short_run = bp.train(bp.Network([2, 3, 1], seed=1), X, Y, learning_rate=0.5, epochs=5)
    fig, (left, right) = plt.subplots(1, 2)
    bp.plots.plot_cost(long_run, ax=left)
    bp.plots.plot_decision_regions(bp.Network([2, 3, 1], seed=0), X, Y, ax=right)
    bp.plots.clear(left, right)
    assert not left.lines and not right.images and not right.collections
    assert left.get_legend() is None and left.get_yscale() == "log"
    bp.plots.plot_cost(short_run, ax=left)
    bp.plots.plot_decision_regions(bp.Network([2, 3, 1], seed=1), X, Y, ax=right)
    (line,) = left.lines
    np.testing.assert_allclose(line.get_ydata(), short_run.cost)
    assert left.get_xlim()[1] < 10          # autoscaled to 5 epochs, not the old 40
    assert len(right.images) == 1 and len(right.collections) == 1
    assert len(left.get_legend().get_texts()) == 1
    plt.close(fig)


def test_live_shows_an_error_and_clears_it_on_the_next_good_move(monkeypatch):
    cleared = []
    monkeypatch.setattr(widgets.Output, "clear_output", lambda self, *a, **k: cleared.append(1))

    def draw(learning_rate):
        if learning_rate > 1:
            raise ValueError(f"learning_rate too large: {learning_rate}")
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, learning_rate])
        return fig

    lr = bp.learning_rate_slider(value=0.1)
    box = bp.live(draw, learning_rate=lr)
    image = box.children[1]
    good = image.value
    # outside a kernel the Output widget cannot show the traceback, so it propagates
    with pytest.raises(ValueError, match="too large"):
        lr.value = 3.0
    assert image.value == good and cleared == []   # the last figure stays
    lr.value = 0.5
    assert cleared == [1] and image.value != good
    lr.value = 0.3
    assert cleared == [1]                          # nothing to clear after a good move
    assert plt.get_fignums() == []


def _two_panels():
    fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3.2))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.15, top=0.87, wspace=0.25)
    left.set_yscale("log")
    left.set_ylim(0.05, 5)          # set by hand, as the chapters do; x is autoscaled
    left.set_xlabel("epoch")
    right.set_xticks(range(4))
    return fig, left, right


def _plot_move(fig, left, right, epochs, seed):
    rng = np.random.default_rng(seed)
    left.plot(np.geomspace(2, 0.1 + seed / 100, epochs), label="training")
    left.plot(np.geomspace(1, 0.2, epochs), label="test")
    left.legend(fontsize="small")
    right.imshow(rng.integers(0, 40, (4, 4)), cmap="Blues")
    fig.suptitle(f"move {seed}: {epochs} epochs")


def _pixels(png):
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def test_live_frame_draws_what_a_fresh_figure_shows_and_reuses_its_background(monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bpkit.widgets import LiveFrame
    full_draws = []
    real_draw = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda self: full_draws.append(1) or real_draw(self))
    fig, left, right = _two_panels()
    frame = LiveFrame(dpi=80)
    previous = None
    # (epochs, seed): the 3rd move's shorter run changes the x-limits, the 4th's goes back
    for move, (epochs, seed) in enumerate([(6, 0), (6, 1), (3, 2), (6, 3), (6, 4)]):
        bp.plots.clear(left, right)
        _plot_move(fig, left, right, epochs, seed)
        mine = _pixels(frame.png(fig))
        fresh_fig, *fresh_axes = _two_panels()
        _plot_move(fresh_fig, *fresh_axes, epochs, seed)
        fresh_fig.set_dpi(80)
        fresh_fig.canvas.draw()
        fresh = np.asarray(fresh_fig.canvas.buffer_rgba()).astype(int)
        plt.close(fresh_fig)
        assert mine.shape == fresh.shape
        differing = (np.abs(mine - fresh).max(axis=2) > 16).mean()
        assert differing < 1e-3, f"move {move}: {differing:.2%} of the pixels differ"
        if previous is not None:
            assert (np.abs(mine - previous).max(axis=2) > 16).mean() > 1e-3   # the move shows
        previous = mine
    # the fresh figures drew once each; the live one drew its background on the first
    # move, when the limits changed (3rd) and changed back (4th), and reused it otherwise
    assert len(full_draws) == 5 + 3
    plt.close(fig)


def test_clear_starts_the_colours_again():
    fig, ax = plt.subplots()
    first = ax.plot([0, 1])[0].get_color()
    bp.plots.clear(ax)
    assert ax.plot([0, 1])[0].get_color() == first
    plt.close(fig)


def test_plot_cost_given_costs_instead_of_a_history_says_so(xor_data):
    X, Y = xor_data
    history = bp.train(bp.Network([2, 3, 1], seed=0), X, Y, 0.5, epochs=2, seed=0)
    with pytest.raises(TypeError, match="pass the history, not history.cost"):
        bp.plots.plot_cost(history.cost)


def test_panels_hand_draw_fresh_axes_when_precomputed_and_the_same_cleared_axes_when_live():
    setups, seen = [], []

    def setup(left, right):
        setups.append((left, right))
        left.set_xlabel("epoch")

    def draw(axes, learning_rate):
        left, right = axes
        seen.append((axes, len(left.lines), len(right.texts)))
        left.plot([0, 1], [1, learning_rate])
        right.text(0.5, 0.5, f"{learning_rate:g}")

    panels = bp.plots.Panels(ncols=2, figsize=(4, 2), setup=setup,
                             margins=dict(left=0.15, right=0.95, bottom=0.2, wspace=0.3))
    bp.explore(draw, panels, learning_rate=[0.1, 1.0, 10.0])
    assert len(setups) == 3 and len({id(a) for a, _ in setups}) == 3   # a new figure per frame
    assert all(lines == texts == 0 for _, lines, texts in seen)
    assert plt.get_fignums() == []

    setups.clear(), seen.clear()
    lr = bp.learning_rate_slider(value=0.1, min=0.1, max=1)
    box = bp.live(draw, panels, learning_rate=lr)
    first = box.children[1].value
    lr.value = 1.0
    lr.value = 0.5
    assert len(setups) == 1 and len(seen) == 3
    assert all(axes is seen[0][0] for axes, _, _ in seen)             # one figure, reused
    assert all(lines == texts == 0 for _, lines, texts in seen)       # cleared before each move
    assert seen[0][0][0].get_xlabel() == "epoch"                       # what setup made stays
    assert box.children[1].value != first and plt.get_fignums() == []


def test_panels_with_one_axes_give_draw_that_axes():
    got = []
    panels = bp.plots.Panels(figsize=(3, 2))
    bp.explore(lambda ax, x: got.append(ax) or ax.plot([0, x]), panels, x=[1, 2])
    assert len(got) == 2 and all(isinstance(ax, plt.Axes) for ax in got)
