"""Figures the chapters share. Each draws on ``ax`` (a new figure if None) and returns it.

Nothing here calls ``plt.show()``: a notebook decides when a figure is shown.
"""
import matplotlib.pyplot as plt
import numpy as np

from . import alt as _alt
from ._checks import check_choice


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


class Panels:
    """The figure a slider draws on: ``nrows`` × ``ncols`` axes in a figure of ``figsize`` inches.

        panels = bp.plots.Panels(ncols=2, figsize=(6, 3.2), setup=label_axes)
        bp.explore(draw, panels, learning_rate=[0.3, 3, 30])   # draw(axes, learning_rate)
        bp.live(draw, panels, learning_rate=bp.learning_rate_slider(3))

    ``explore`` makes a new figure for each precomputed frame; ``live`` makes
    one and clears its axes before every move, because building a figure
    costs more than drawing the data. ``setup(*axes)`` runs once per new
    figure, for what every frame shares (scales, fixed limits, axis labels):
    a live slider then draws those parts once and reuses them. ``margins``
    (``subplots_adjust``'s ``left``, ``right``, ``wspace`` …) places the axes
    by hand; without it matplotlib's constrained layout places them, which
    roughly doubles the time of drawing many frames. Other keywords go to
    ``plt.subplots`` (``sharey=True``).
    """

    def __init__(self, ncols=1, nrows=1, figsize=(6, 3.2), setup=None, margins=None, **subplots):
        self.ncols, self.nrows, self.figsize = ncols, nrows, figsize
        self.setup, self.margins, self.subplots = setup, margins, subplots

    def new(self):
        """A new figure and its axes: one ``Axes``, or a tuple of them in reading order."""
        layout = None if self.margins else "constrained"
        fig, axes = plt.subplots(self.nrows, self.ncols, figsize=self.figsize, layout=layout,
                                 squeeze=False, **self.subplots)
        if self.margins:
            fig.subplots_adjust(**self.margins)
        axes = tuple(axes.ravel())
        if self.setup is not None:
            self.setup(*axes)
        return fig, axes[0] if len(axes) == 1 else axes


def clear(*axes):
    """Remove what was plotted on ``axes`` (lines, images, contours, scatters, bars, texts, legend).

    The axes themselves stay: their scales, limits set by hand, labels, ticks
    and place in the figure. A slider that redraws into the same axes this way
    skips building a new figure, which costs more than drawing the data.
    """
    for ax in axes:
        for artist in [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.texts]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.relim()   # forget the old data's extent, so autoscaling fits the new data
        ax.set_prop_cycle(None)   # the next lines take the first colours again, as in a new axes


def plot_cost(histories, labels=None, ax=None, log=True, x="epoch"):
    """Cost curves of one or several ``History`` objects, ``x`` = "epoch" or "time".

    A diverged run ends where it diverged and is marked with an ×. On the log
    scale, costs above ``COST_CEILING`` (which only a diverging run reaches)
    are drawn at it.
    """
    from .descent import History

    check_choice("x", x, ("epoch", "time"))
    if isinstance(histories, History):
        histories = [histories]
    histories = list(histories)
    wrong = next((h for h in histories if not isinstance(h, History)), None)
    if wrong is not None:
        raise TypeError(f"plot_cost takes the History that bp.train returns (or a list of them), "
                        f"got {type(wrong).__name__} {wrong!r:.60}; pass the history, not "
                        "history.cost")
    labels = labels or [f"η = {h.learning_rate:g}, batch {h.batch_size}" for h in histories]
    ax = _axes(ax)
    for h, label in zip(histories, labels):
        xs = np.array(h.time) if x == "time" else np.arange(len(h.cost))
        # A diverging run's last finite cost can lie just below the largest float
        # (≈ 1.8e308); on a log axis the ticks and margins above it would overflow.
        ys = np.minimum(h.cost, COST_CEILING) if log else np.array(h.cost)
        (line,) = ax.plot(xs, ys, label=label)
        if h.diverged:
            ax.plot(xs[-1], ys[-1], "x", color=line.get_color(), markersize=10)
    ax.set_xlabel("wall time (s)" if x == "time" else "epoch")
    ax.set_ylabel("cost C")
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    return ax


#: ``plot_cost`` on a log scale draws larger costs at this height
COST_CEILING = 1e100


def plot_contour(f, path=None, xlim=(-2, 2), ylim=(-2, 2), ax=None, levels=30, resolution=200):
    """Contours of a function f(x, y) of two variables, and a descent path on them.

    ``f`` takes two arrays (a grid) and returns an array of the same shape;
    ``path`` is ``(k, 2)``, as ``gradient_descent`` returns it.
    """
    ax = _axes(ax, (4.5, 4))
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    ax.contour(gx, gy, f(gx, gy), levels=levels, cmap="viridis", linewidths=0.8)
    if path is not None:
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", markersize=3, linewidth=1)
        ax.plot(*path[0], "s", color="black", markersize=6, label="start")
        ax.plot(*path[-1], "*", color="crimson", markersize=12, label="end")
        ax.legend(fontsize="small", loc="upper right")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return ax


def plot_decision_regions(net, X, Y, ax=None, resolution=200, margin=0.5):
    """The class ``net`` predicts over the plane, with the data (X ``(n, 2)``) on top."""
    ax = _axes(ax, (4.5, 4))
    X, Y = np.asarray(X), np.asarray(Y)
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    regions = net.predict(grid).reshape(gx.shape)
    labels = (Y[:, 0] > 0.5).astype(int) if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    k = max(2, Y.shape[1])
    # One coloured cell per grid point: an image draws several times faster than
    # filled contours, which matters when a slider redraws it.
    ax.imshow(regions, extent=(x0, x1, y0, y1), origin="lower", cmap="coolwarm", vmin=0,
              vmax=k - 1, alpha=0.3, interpolation="nearest", aspect="auto")
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", vmin=0, vmax=k - 1,
               s=12, edgecolors="black", linewidths=0.3)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    # The coordinates of a toy data set mean nothing to the reader; without their
    # tick labels the picture is cleaner and draws faster.
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def alt(fig, text):
    """Describe ``fig`` (a Figure or Axes) in words by ``text``, for readers who cannot see it.

    Every figure gets a description written from what it draws (``bpkit.alt.describe``):
    its axes, each curve's first and last values, paths, images. Give one by hand when
    the point of the figure is something the data alone does not say (the points lie
    on the diagonal; one panel against another). Returns ``fig``.
    """
    return _alt.set_description(fig, text)
