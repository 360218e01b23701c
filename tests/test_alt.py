"""Figures described in words (bpkit.alt): what the description says, and where it goes.

The numbers a description must give are computed here from the data, never written in.
"""
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit import alt  # noqa: E402
from bpkit.alt import number  # noqa: E402


EXTENSION = Path(__file__).resolve().parent.parent / "book" / "_ext" / "alt_text.py"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def xor_run():
    X, Y = bp.datasets.xor(200, seed=0)
    net = bp.Network([2, 8, 1], seed=0)
    history = bp.train(net, X, Y, learning_rate=3.0, batch_size=16, epochs=50, seed=0)
    return net, history, X, Y


def test_cost_curve_gives_its_first_and_last_cost(xor_run):
    _, h, _, _ = xor_run
    text = alt.describe(bp.plots.plot_cost(h))
    assert f"η = 3, batch 16: falls from {number(h.cost[0])} to {number(h.cost[-1])}" in text
    # a bump above both ends is worth saying (this rate overshoots at first)
    top = int(np.argmax(h.cost))
    assert 0 < top < len(h.cost) - 1
    assert f", highest {number(h.cost[top])} at epoch {top}." in text
    assert f"x: epoch, 0 to {len(h.cost) - 1}." in text
    assert "y: cost C, log scale." in text
    assert len(text) <= alt.PANEL_CHARS


def test_runs_from_one_start_say_it_once_and_a_diverging_run_says_where():
    X, Y = bp.datasets.regression_curve(100, seed=0)
    runs = [bp.train(bp.Network([1, 16, 1], output_activation="identity", seed=0), X, Y,
                     learning_rate=eta, batch_size=100, epochs=200, seed=0) for eta in (0.01, 0.1, 3.0)]
    text = alt.describe(bp.plots.plot_cost(runs))
    assert f"All 3 curves start at {number(runs[0].cost[0])}." in text
    assert f"η = 0.1, batch 100: falls to {number(runs[1].cost[-1])}." in text
    first_past = int(np.argmax(np.asarray(runs[2].cost) >= 1e100))
    assert first_past > 0
    assert f"η = 3, batch 100: diverges (beyond 1e100 from epoch {first_past})." in text


def test_a_descent_path_on_contours_gives_its_start_and_end():
    def f(x, y):
        return 0.5 * (x ** 2 + 10 * y ** 2)

    path = bp.gradient_descent(lambda p: np.array([p[0], 10 * p[1]]), [-1.8, 0.6], 0.18, 30)
    ax = bp.plots.plot_contour(f, path, ylim=(-1, 1), levels=12)
    text = alt.describe(ax)
    (x0, y0), (x1, y1) = path[0], path[-1]
    assert (f"A path of {len(path)} points from ({number(x0)}, {number(y0)}) "
            f"to ({number(x1)}, {number(y1)}).") in text
    levels = ax.collections[0].levels        # matplotlib's choice near the 12 asked for
    assert f"Contour lines, {len(levels)} levels from 0 to {number(levels[-1])}." in text
    assert "start at" not in text      # the start and end markers repeat the path's ends


def test_decision_regions_give_the_share_of_each_class_and_the_points(xor_run):
    net, _, X, Y = xor_run
    text = alt.describe(bp.plots.plot_decision_regions(net, X, Y, resolution=60))
    counts = np.bincount((Y[:, 0] > 0.5).astype(int))
    assert f"{len(X)} points of 2 classes ({counts[0]}, {counts[1]})." in text
    # the same grid plot_decision_regions draws: its bounds are the data's, 0.5 wider
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    share = np.mean(net.predict(np.column_stack([gx.ravel(), gy.ravel()])) == 1)
    assert f"A 60×60 image of 2 regions: 0 covers {100 * (1 - share):.0f}%, " \
           f"1 covers {100 * share:.0f}%." in text


def test_a_description_written_by_hand_wins():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert bp.plots.alt(ax, "Every point  lies on the diagonal.") is ax
    assert alt.describe(fig) == alt.describe(ax) == "Every point lies on the diagonal."
    with pytest.raises(ValueError, match="non-empty"):
        bp.plots.alt(fig, "  ")
    with pytest.raises(TypeError, match="Figure or Axes"):
        alt.describe([1, 2])


def test_panels_are_named_and_each_is_kept_short():
    fig, (left, right) = plt.subplots(1, 2)
    z = np.linspace(-6, 6, 601)
    left.plot(z, bp.sigmoid(z), label="sigmoid")
    left.set(title="activation σ(z)", xlabel="z")
    for k in range(40):      # far more curves than a description lists
        right.plot(z, k * bp.sigmoid_prime(z), label=f"curve {k}")
    fig.suptitle("two panels")
    text = alt.describe(fig)
    assert text.startswith("two panels. 2 panels. Left: activation σ(z). x: z, −6 to 6.")
    assert f"sigmoid: rises from {number(bp.sigmoid(-6.0))} to {number(bp.sigmoid(6.0))}." in text
    right_part = text.split("Right: ", 1)[1]
    assert len(right_part) <= alt.PANEL_CHARS and right_part.endswith("…")
    # the peak between the ends, said where it is (no axis label: "x = ")
    peak = bp.sigmoid_prime(z)
    assert f"curve 1: starts and ends at {number(peak[0])}, highest {number(peak.max())} at x = 0." in text


def test_unlabelled_lines_take_the_name_of_their_colour():
    fig, ax = plt.subplots()
    ends = {"solves": [], "does not": []}
    for k in range(6):
        solved = k % 3 != 0
        y = np.geomspace(0.25, 0.001 if solved else 0.1 + 0.01 * k, 20)
        ends["solves" if solved else "does not"].append(y[-1])
        ax.plot(y, color="tab:blue" if solved else "tab:red")
    ax.plot([], [], color="tab:blue", label="solves")
    ax.plot([], [], color="tab:red", label="does not")
    ax.axhline(0.05, color="gray", linestyle=":")
    text = alt.describe(fig)
    assert f"solves: 4 curves, ending at {number(0.001)}." in text
    assert (f"does not: 2 curves, ending between {number(min(ends['does not']))} "
            f"and {number(max(ends['does not']))}.") in text
    assert "A horizontal line at y = 0.05." in text


def test_an_image_names_its_extremes_by_the_tick_labels():
    rates, sizes = [0.1, 1.0, 10.0], [1, 8, 64, 512]
    values = np.array([[0.5, 0.2, 0.3, 0.4], [0.05, 0.01, 0.2, 0.3], [0.9, 0.8, 0.7, 0.6]])
    fig, ax = plt.subplots()
    image = ax.imshow(values)
    ax.set_xticks(range(4), [str(m) for m in sizes])
    ax.set_yticks(range(3), [f"{r:g}" for r in rates])
    ax.set(xlabel="batch size m", ylabel="learning rate η")
    fig.colorbar(image, ax=ax, label="final cost")
    text = alt.describe(fig)
    r, c = np.unravel_index(values.argmin(), values.shape)
    assert f"lowest {number(values.min())} at batch size m {sizes[c]}, learning rate η {rates[r]:g}" in text
    r, c = np.unravel_index(values.argmax(), values.shape)
    assert f"highest {number(values.max())} at batch size m {sizes[c]}, learning rate η {rates[r]:g}" in text
    assert "colour bar: final cost" in text


def test_a_confusion_matrix_says_how_much_lies_on_its_diagonal():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, (10, 10)) + np.diag(rng.integers(30, 60, 10))
    fig, ax = plt.subplots()
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set(xlabel="predicted", ylabel="true")
    text = alt.describe(fig)
    r, c = np.unravel_index(counts.argmax(), counts.shape)
    assert text == (f"x: predicted. y: true. A 10×10 image, values {number(counts.min())} to "
                    f"{number(counts.max())}; highest {number(counts.max())} at predicted {c}, "
                    f"true {r}; the diagonal holds {100 * np.trace(counts) / counts.sum():.3g}% "
                    "of the total.")


def test_a_long_panel_keeps_whole_sentences():
    fig, ax = plt.subplots()
    for k in range(1, 9):
        ax.plot(np.linspace(1, 1 / k, 30), label=f"run number {k} of the long comparison")
    text = alt.describe(fig)
    assert len(text) <= alt.PANEL_CHARS and text.endswith(". …")
    assert "All 8 curves start at 1. run number 1 of the long comparison: ends at 1." in text
    assert "run number 5 of the long comparison: falls to 0.2. …" in text


def test_a_grid_of_small_pictures_lists_their_titles():
    fig, axes = plt.subplots(3, 10)
    digits = np.random.default_rng(0).integers(0, 10, 30)
    for ax, d in zip(axes.flat, digits):
        ax.imshow(np.zeros((8, 8)))
        ax.set_title(str(d))
        ax.axis("off")
    text = alt.describe(fig)
    assert text == "30 panels, each an 8×8 image, titled: " + "; ".join(map(str, digits)) + "."


def test_bars_give_their_heights_and_a_histogram_its_tallest_bar():
    fig, (left, right) = plt.subplots(1, 2)
    heights = [1e-5, 3e-4, 0.02]
    left.bar([1, 2, 3], heights, yerr=[[h / 2 for h in heights]] * 2)
    weights = np.random.default_rng(0).normal(0, 0.5, 1000)
    counts, edges, _ = right.hist(weights, bins=np.linspace(-1.5, 1.5, 31))
    text = alt.describe(fig)
    assert "3 bars, with error bars (1: 1e−5, 2: 3e−4, 3: 0.02)." in text
    top = counts.argmax()
    assert (f"30 bars (over x = {number((edges[0] + edges[1]) / 2)} to "
            f"{number((edges[-2] + edges[-1]) / 2)}, tallest {number(counts[top])} at "
            f"x = {number((edges[top] + edges[top + 1]) / 2)}).") in text
    assert "curve" not in text      # the error bars' caps are not curves


def test_points_on_the_diagonal_are_said_to_be():
    rng = np.random.default_rng(1)
    exact = rng.normal(0, 0.01, 35)
    fig, ax = plt.subplots()
    ax.plot(exact, exact * (1 + 1e-7), "o")
    assert (f"35 points, all on the diagonal y = x, from {number(exact.min())} to "
            f"{number(exact.max())}.") in alt.describe(fig)
    fig, ax = plt.subplots()
    ax.plot(exact, -exact, "o")
    assert "diagonal" not in alt.describe(fig)


@pytest.mark.parametrize("value, said", [
    (0.25, "0.25"), (0.020123, "0.0201"), (49.0, "49"), (999.7, "1000"), (1234.5, "1230"),
    (1.5e-5, "1.5e−5"), (-0.3, "−0.3"), (0.00099, "9.9e−4"), (4.35e6, "4.35e6"),
    (0.0, "0"), (float("inf"), "infinity"), (float("nan"), "not a number")])
def test_numbers_have_three_significant_digits(value, said):
    assert number(value) == said


@pytest.mark.parametrize("tex, said", [
    (r"$\|\partial C / \partial b^l\|$", "‖∂C / ∂b^l‖"),
    (r"$C_x = \frac{1}{2}(a - y)^2$", "C_x = 1 / 2(a - y)^2"),
    (r"$\propto \sqrt{(n - m) / (m (n - 1))}$", "∝ √((n - m) / (m (n - 1)))"),
    ("output $a^L$", "output a^L"), (r"std of $\delta^l$", "std of δ^l"),
    ("none\n|w| < 0.01: 3.4%", "none, |w| < 0.01: 3.4%")])
def test_labels_are_read_as_words_not_tex(tex, said):
    assert alt.plain(tex) == said


def test_a_frame_widget_carries_its_description():
    import ipywidgets as widgets

    frame = alt.image(b"\x89PNG fake", "cost falls from 0.25 to 0.02")
    assert isinstance(frame, widgets.Image)
    state = frame.get_state()
    assert state["tooltip"] == "cost falls from 0.25 to 0.02"
    # the widget manager reads a description beside the tooltip; without it the view fails
    assert state["description"] == ""



def frames(box):
    """The Image widgets of an explore box, in the order of its sliders' values."""
    import ipywidgets as widgets

    def walk(widget):
        if isinstance(widget, widgets.Image):
            return [widget]
        return [leaf for child in widget.children for leaf in walk(child)]
    return walk(box.children[-1])


def test_every_slider_frame_carries_its_description():
    def draw(learning_rate):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot(0.25 * np.exp(-learning_rate * np.arange(50)), label=f"η = {learning_rate:g}")
        ax.set(xlabel="epoch", yscale="log")
        return fig

    rates = [0.01, 0.1, 1.0]
    box = bp.explore(draw, learning_rate=rates)
    for frame, eta in zip(frames(box), rates):
        assert frame.value[:4] == b"\x89PNG"
        assert frame.tooltip == (f"x: epoch, 0 to 49. y: log scale. η = {eta:g}: falls from 0.25 "
                                 f"to {number(0.25 * np.exp(-eta * 49))}.")
        assert frame.get_state()["description"] == ""


def test_a_slider_frame_described_by_hand_keeps_its_words():
    panels = bp.plots.Panels(ncols=2)

    def draw(axes, batch_size):
        axes[0].plot([0, batch_size])
        bp.plots.alt(axes[0], f"batch size {batch_size}: the cost of one update")

    box = bp.explore(draw, panels, batch_size=[1, 16])
    assert [f.tooltip for f in frames(box)] == [
        "batch size 1: the cost of one update", "batch size 16: the cost of one update"]


# ---------------------------------------------------------------- in a kernel

NOTEBOOK = [
    # before bpkit: the figure as the inline backend draws it, with no description
    "import matplotlib.pyplot as plt\n"
    "from IPython.display import display\n"
    "fig, ax = plt.subplots(figsize=(3, 2))\n"
    "_ = ax.plot([0, 1, 2], [0.25, 0.1, 0.02], label='cost')\n"
    "_ = ax.set(xlabel='epoch')\n"
    "display(fig)\n"
    "plt.close(fig)",
    "import bpkit.alt\n"
    "display(fig)",
    "fig",
    "plt.plot([1, 2, 3])\n"
    "plt.show()",
    "import bpkit as bp\n"
    "_ = bp.plots.alt(fig, 'written by hand')\n"
    "display(fig)",
]


def test_a_kernel_puts_the_description_beside_the_unchanged_png():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [[o for o in cell.outputs if "image/png" in o.get("data", {})] for cell in nb.cells]
    assert [len(o) for o in outputs] == [1, 1, 1, 1, 1], [cell.outputs for cell in nb.cells]
    before, shown, last, new, by_hand = (o[0] for o in outputs)
    assert "alt" not in before.get("metadata", {}).get("image/png", {})
    # the description is metadata: the picture is the same bytes as without bpkit
    assert shown["data"]["image/png"] == before["data"]["image/png"]
    assert last["output_type"] == "execute_result" and last["data"]["image/png"] == before["data"]["image/png"]
    for output in (shown, last):
        assert output["metadata"]["image/png"]["alt"] == \
            "x: epoch, 0 to 2. cost: falls from 0.25 to 0.02."
    assert new["metadata"]["image/png"]["alt"] == "x: 0 to 2. A curve rises from 1 to 3."
    assert by_hand["metadata"]["image/png"]["alt"] == "written by hand"
    assert not re.search(r"Error|Traceback", str([cell.outputs for cell in nb.cells]))


# ---------------------------------------------------------------- on the book's pages

def test_the_book_gives_each_output_image_its_description(tmp_path):
    """book/_ext/alt_text.py: the image myst-nb writes for an output (named by the sha256
    of its bytes) gets that output's description; an image described by hand keeps its own."""
    import base64
    import hashlib
    import importlib.util
    import json
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.utils import new_document

    spec = importlib.util.spec_from_file_location("alt_text", EXTENSION)
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)

    pngs = [b"\x89PNG first", b"\x89PNG second", b"\x89PNG third"]
    encoded = [base64.encodebytes(p).decode() for p in pngs]     # with line breaks, as stored
    notebook = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"image/png": encoded[0]},
         "metadata": {"image/png": {"alt": "cost falls from 0.25 to 0.02"}}},
        {"output_type": "display_data", "data": {"image/png": encoded[1]}, "metadata": {}},
        {"output_type": "display_data", "data": {"image/png": encoded[2]},
         "metadata": {"image/png": {"alt": "automatic"}}}]}]}
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "02-cost.ipynb").write_text(json.dumps(notebook))
    app = SimpleNamespace(env=SimpleNamespace(
        docname="book/02-cost", doc2path=lambda docname: str(tmp_path / f"{docname}.ipynb"),
        mystnb_config=SimpleNamespace(execution_mode="off", execution_cache_path=None)))

    document = new_document("02-cost")
    names = [hashlib.sha256(p).hexdigest() + ".png" for p in pngs]
    images = [nodes.image(uri=f"../_build/jupyter_execute/{name}") for name in names]
    images[2]["alt"] = "written in the cell's metadata"
    for image in images:
        document += image
    ext.on_doctree_read(app, document)
    assert images[0]["alt"] == "cost falls from 0.25 to 0.02"
    assert "alt" not in images[1]          # no description: the page test names it
    assert images[2]["alt"] == "written in the cell's metadata"


def test_a_page_built_from_the_execution_cache_describes_the_cached_run(tmp_path):
    """A figure that differs from run to run (a timing): the page shows the cached run's
    picture, so its description comes from the cache, not from the notebook as stored."""
    import base64
    import hashlib
    import importlib.util

    from types import SimpleNamespace

    import nbformat
    from docutils import nodes
    from docutils.utils import new_document
    from jupyter_cache import get_cache

    spec = importlib.util.spec_from_file_location("alt_text", EXTENSION)
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)

    def notebook(png, alt):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("time_it()", execution_count=1, outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                                   metadata={"image/png": {"alt": alt}})])]
        return nb

    stored, cached = b"\x89PNG stored run", b"\x89PNG cached run"
    (tmp_path / "book").mkdir()
    nbformat.write(notebook(stored, "took 1.2 ms"), tmp_path / "book" / "13.ipynb")
    nbformat.write(notebook(cached, "took 1.5 ms"), tmp_path / "ran.ipynb")
    cache = get_cache(tmp_path / "cache")
    cache.cache_notebook_file(str(tmp_path / "ran.ipynb"), check_validity=False)
    app = SimpleNamespace(env=SimpleNamespace(
        docname="book/13", doc2path=lambda docname: str(tmp_path / f"{docname}.ipynb"),
        mystnb_config=SimpleNamespace(execution_mode="cache",
                                      execution_cache_path=str(tmp_path / "cache"))))
    document = new_document("13")
    image = nodes.image(uri=f"../_build/jupyter_execute/{hashlib.sha256(cached).hexdigest()}.png")
    document += image
    ext.on_doctree_read(app, document)
    assert image["alt"] == "took 1.5 ms"
