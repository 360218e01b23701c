"""A figure described in words: the text a screen reader reads in place of the picture.

Every figure the book shows carries a short description (its *alt text*), also what a
browser shows when the image does not load. ``describe(fig)`` writes it from the figure
itself, so that it follows the data when a chapter's numbers change: per panel its title,
its axes (label, log scale), and what is drawn on them with the values that matter:

    >>> describe(bp.plots.plot_cost(history))
    'x: epoch, 0 to 50. y: cost C, log scale. η = 0.5, batch 16: falls from 0.25 to 0.0201.'

curves (first and last value, a lowest or highest point between them, where a run
diverges), paths on a plane (start and end), points (how many, of how many classes),
images (size, range of values, where the extremes are, which class covers how much),
contours, bars, shaded spans, colour bars, short notes. Numbers have 3 significant
digits. ``set_description(fig, text)`` (``bp.plots.alt``) gives a figure a description
written by hand, which wins: for what the data alone does not say (points that lie on
the diagonal, a comparison between panels).

In IPython (a notebook's kernel), importing this module registers a formatter: each
figure's ``image/png`` output then carries ``{"alt": description}`` in its output
metadata, and the book's Sphinx extension (``book/_ext/alt_text.py``) puts it on the
page's ``<img>``. ``image(png, description)`` is a slider frame that carries its
description (``bp.explore``).
"""
import functools
import math
import re
import sys
import warnings
import weakref

import numpy as np

#: a description longer than this, per panel, is cut (with "…")
PANEL_CHARS = 320
#: at most this many curves of a panel are described one by one; the rest are summed up
CURVES = 6
#: a figure with more panels than this is described as a grid of small pictures
GRID = 6
#: values at least this large are taken as a diverged run (``plot_cost`` draws them at 1e100)
DIVERGED = 1e100

_EXPLICIT = weakref.WeakKeyDictionary()   # figure -> the description set by hand


def describe(fig):
    """The description of ``fig`` (a Figure or one of its Axes): the one set by hand, else ``automatic``."""
    fig = _figure(fig)
    text = _EXPLICIT.get(fig)
    return automatic(fig) if text is None else text


def set_description(fig, text):
    """Describe ``fig`` (a Figure or Axes) by ``text`` rather than automatically; returns ``fig``."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a figure's description must be a non-empty string, got {text!r}")
    _EXPLICIT[_figure(fig)] = " ".join(text.split())
    return fig


def _figure(fig):
    figure = getattr(fig, "figure", None)
    if figure is None or not hasattr(figure, "axes") or not hasattr(figure, "savefig"):
        raise TypeError(f"expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    return figure


def automatic(fig):
    """A description written from what ``fig`` draws: suptitle, then each panel in reading order."""
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    colorbars = {}
    for ax in fig.axes:
        bar = getattr(ax, "_colorbar", None)
        owner = getattr(getattr(bar, "mappable", None), "axes", None)
        if ax.get_label() == "<colorbar>" and owner is not None:
            colorbars.setdefault(owner, []).append(bar)
    colours = _colour_names(panels)
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""  # get_suptitle: 3.8+
    parts = [_sentence(plain(suptitle))] if suptitle else []
    if len(panels) > GRID:
        parts.append(_grid(panels))
    elif len(panels) == 1:
        parts.append(_panel(panels[0], colorbars.get(panels[0], []), colours))
    else:
        names = _panel_names(panels)
        parts.append(f"{len(panels)} panels.")
        parts += [f"{name}: {_panel(ax, colorbars.get(ax, []), colours)}"
                  for name, ax in zip(names, panels)]
    text = " ".join(p for p in parts if p)
    return text or "An empty figure."


def _colour_names(panels):
    """Colour -> label, for colours that one label names across the figure.

    A figure often labels its lines once (one legend, one panel) and draws the same
    colour elsewhere for the same thing: the other panel's lines, a dashed prediction,
    one thin line per seed, an empty line made for the legend.
    """
    names = {}
    for ax in panels:
        for line in ax.get_lines():
            # a labelled marker ("end", "minimum") names a point, not a colour
            if _label(line) and len(line.get_xdata()) != 1:
                names.setdefault(_colour(line.get_color()), set()).add(_label(line))
    return {colour: labels.pop() for colour, labels in names.items() if len(labels) == 1}


def _panel(ax, colorbars=(), colours=None):
    """One axes: title, axes, then what is drawn; cut at ``PANEL_CHARS``."""
    parts = [_sentence(plain(t)) for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t]
    curves, lines = _curves(ax, colours or {})
    if ax.axison:
        parts.append(_axis(ax, "x", [c.x for c in curves if c.kind == "curve"]))
        parts.append(_axis(ax, "y", []))
    parts += lines
    legend = ax.get_legend()
    if legend is not None and legend.get_title().get_text():
        parts.append(f"Legend: {plain(legend.get_title().get_text())}.")
    parts += _images(ax, colorbars)
    parts += _collections(ax, colorbars)
    parts += _bars(ax)
    parts += _notes(ax)
    text = " ".join(p for p in parts if p)
    if len(text) > PANEL_CHARS:     # whole sentences, as many as fit; else whole words
        cut = text[:PANEL_CHARS - 1]
        end = cut.rfind(". ")
        text = cut[:end + 1] + " …" if end > PANEL_CHARS // 2 else cut.rsplit(" ", 1)[0].rstrip(",;:.") + "…"
    return text or "empty."


def _panel_names(panels):
    """Left/Right, Top/Bottom, "Top left" … for small grids; "Panel k" otherwise."""
    specs = [ax.get_subplotspec() for ax in panels]
    if any(s is None for s in specs):
        return [f"Panel {k}" for k in range(1, len(panels) + 1)]
    nrows, ncols = specs[0].get_geometry()[:2]
    rows = [s.rowspan.start for s in specs]
    cols = [s.colspan.start for s in specs]
    if (nrows, ncols) == (1, 2):
        return [("Left", "Right")[c] for c in cols]
    if (nrows, ncols) == (2, 1):
        return [("Top", "Bottom")[r] for r in rows]
    if (nrows, ncols) == (2, 2):
        return [f"{('Top', 'Bottom')[r]} {('left', 'right')[c]}" for r, c in zip(rows, cols)]
    if nrows == 1:
        return [f"Panel {c + 1} from the left" for c in cols]
    return [f"Row {r + 1}, column {c + 1}" for r, c in zip(rows, cols)]


def _grid(panels):
    """Many small panels (a grid of digits): how many, what each shows, their titles."""
    first = panels[0]
    kind = ""
    if first.images:
        rows, cols = np.shape(first.images[0].get_array())[:2]
        kind = f", each {_a(rows)} {rows}×{cols} image"
    titles = [plain(ax.get_title()) for ax in panels if ax.get_title()]
    text = f"{len(panels)} panels{kind}"
    if titles:
        listed = ""
        for k, title in enumerate(titles):
            if len(listed) + len(title) > 2 * PANEL_CHARS:
                listed += f" and {len(titles) - k} more"
                break
            listed += ("; " if k else "") + title
        text += f", titled: {listed}"
    return text + "."


# ---------------------------------------------------------------- axes

def _axis(ax, which, curve_xs):
    """"x: epoch 0 to 49, log scale": the label, the data's range (curves only), the scale."""
    label = plain(getattr(ax, f"get_{which}label")())
    scale = getattr(ax, f"get_{which}scale")()
    values = [v for x in curve_xs for v in (np.nanmin(x), np.nanmax(x)) if np.isfinite(v)]
    words = [label] if label else []
    if values:
        words.append(f"{number(min(values))} to {number(max(values))}")
    text = ", ".join(words)
    if scale != "linear":
        text += (", " if text else "") + f"{scale} scale"
    return f"{which}: {text}." if text else ""


_DASHES = {"--": "dashed", ":": "dotted", "-.": "dash-dotted"}


class _Line:
    """A plotted line in data coordinates.

    ``kind``: "curve" (x runs one way), "path" (x goes back and forth, or the line
    crosses a plane of contours or an image), "points" (markers, no line), "point",
    or "empty" (a legend entry made by hand).
    """

    def __init__(self, line, plane=False):
        self.line, self.label = line, _label(line)
        try:
            self.x = np.asarray(line.get_xdata(), dtype=float).ravel()
            self.y = np.asarray(line.get_ydata(), dtype=float).ravel()
        except (TypeError, ValueError):     # dates, categories: no numbers to speak of
            self.x = self.y = np.array([])
        n = min(len(self.x), len(self.y))
        self.x, self.y = self.x[:n], self.y[:n]
        self.colour = _colour(line.get_color())
        self.style = _DASHES.get(line.get_linestyle(), "")
        steps = np.diff(self.x[np.isfinite(self.x)])
        if n == 0:
            self.kind = "empty"
        elif n == 1:
            self.kind = "point"
        elif line.get_linestyle() in ("None", "", " ") and line.get_marker() not in ("None", "", " ", None):
            self.kind = "points"
        elif plane or not ((steps >= 0).all() or (steps <= 0).all()):
            self.kind = "path"
        else:
            self.kind = "curve"


def _label(artist):
    label = artist.get_label()
    return "" if not label or label.startswith("_") else plain(label)


def _colour(colour):
    from matplotlib.colors import to_hex

    try:
        return to_hex(colour)
    except ValueError:
        return str(colour)


def _lines(ax):
    """The axes' lines as ``_Line``s, with errorbar labels; guides (axhline …) described apart."""
    from matplotlib.container import BarContainer, ErrorbarContainer
    from matplotlib.contour import ContourSet

    # On a plane (contours, an image) a line is a path across it, even when x only grows.
    plane = bool(ax.get_images()) or any(isinstance(c, ContourSet) for c in ax.collections)
    errorbars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    errorbars += [c.errorbar for c in ax.containers
                  if isinstance(c, BarContainer) and getattr(c, "errorbar", None) is not None]
    caps = {id(cap) for c in errorbars for cap in c.lines[1]}
    labelled = {id(c.lines[0]): _label(c) for c in errorbars if c.lines[0] is not None}
    guides, lines = [], []
    for line in ax.get_lines():
        if not line.get_visible() or id(line) in caps:
            continue
        if line.get_transform() != ax.transData:       # axhline, axvline: a guide
            guides.append(_guide(line))
            continue
        item = _Line(line, plane)
        if id(line) in labelled:
            item.label = ", ".join(t for t in (labelled[id(line)], "with error bars") if t)
        lines.append(item)
    return lines, [g for g in guides if g]


def _curves(ax, colours):
    """What the axes' lines show: curves (first, last, extremes), paths, points, guides.

    ``colours`` names unlabelled lines by their colour (``_colour_names``).
    """
    lines, guides = _lines(ax)
    log_y = ax.get_yscale() == "log"
    at = _short(plain(ax.get_xlabel()))
    # a marker on a path's first or last point ("start", "end") repeats what the path says
    ends = {(p.x[i], p.y[i]) for p in lines if p.kind == "path" for i in (0, -1)}
    labelled = {(ln.colour, ln.style) for ln in lines if ln.label and ln.kind == "curve"}
    texts, groups = [], {}
    for item in lines:
        if item.kind == "point" and item.label and (item.x[0], item.y[0]) not in ends:
            texts.append(f"{item.label} at ({number(item.x[0])}, {number(item.y[0])}).")
        elif item.kind == "path":
            texts.append(_path(item))
        elif item.kind == "points":
            texts.append(_scattered(item.label, item.x, item.y))
        elif item.kind == "curve":      # unlabelled curves: one group per colour and style
            key = item.label or (item.colour, item.style)
            groups.setdefault(key, []).append(item)
    curves = [c for group in groups.values() for c in group]
    # Runs from one start (one cost at epoch 0) say where they start once.
    starts = {number(c.y[np.isfinite(c.y)][0]) for c in curves if np.isfinite(c.y).any()}
    common = starts.pop() if len(curves) >= 3 and len(starts) == 1 else None
    if common is not None:
        texts.append(f"All {len(curves)} curves start at {common}.")
    single = []
    for key, group in groups.items():
        first = group[0]
        if isinstance(key, str):
            name = key
        else:       # unlabelled: named by its colour and style, if the figure names them
            name = ", ".join(w for w in (colours.get(first.colour, ""), first.style) if w)
        if len(group) > 1 or not isinstance(key, str) and key in labelled:
            # e.g. one thin line per seed beside the labelled median of the same look
            more = not isinstance(key, str) and key in labelled
            label = key if isinstance(key, str) else colours.get(first.colour, "")
            texts.append(_group(label, group, more))
        elif len(single) < CURVES:
            single.append(first)
            texts.append(f"{name + ':' if name else 'A curve'} {_trend(first, log_y, at, common)}.")
        else:
            single.append(first)
    if len(single) > CURVES:
        texts.append(_group("", single[CURVES:], more=True))
    return curves, texts + guides


def _short(label):
    """An axis label short enough to repeat: "layer l (1 = first …)" is "layer l"."""
    label = re.sub(r"\s*\(.*?\)", "", label).strip()
    return label if 0 < len(label) <= 24 else ""


def _guide(line):
    x, y = line.get_xdata(), line.get_ydata()
    label = _label(line)
    try:
        if len(set(map(float, y))) == 1 and len(set(map(float, x))) > 1:
            where = f"a horizontal line at y = {number(y[0])}"
        elif len(set(map(float, x))) == 1:
            where = f"a vertical line at x = {number(x[0])}"
        else:
            return ""
    except (TypeError, ValueError):
        return ""
    return f"{label}: {where}." if label else f"{where[0].upper()}{where[1:]}."


def _trend(item, log_y, at, start=None):
    """"falls from 0.25 to 0.0201, lowest 0.01 at epoch 30", or "diverges (beyond 1e100 from epoch 7)".

    Given ``start`` (said already, for all curves), "falls to 0.0201".
    """
    x, y = item.x, item.y
    at = f"{at} " if at else "x = "
    bad = ~np.isfinite(y) | (np.abs(y) >= DIVERGED)
    if bad.all():
        return "has no finite value"
    if bad[-1]:
        return (f"{'' if start else f'from {number(y[~bad][0])}, '}diverges (beyond "
                f"{number(DIVERGED)} from {at}{number(x[int(np.argmax(bad))])})")
    good = ~bad
    y0, y1 = y[good][0], y[good][-1]
    lo = int(np.argmin(np.where(good, y, np.inf)))
    hi = int(np.argmax(np.where(good, y, -np.inf)))
    # how far a point lies from the ends is judged as the eye sees it: in decades on a log axis
    scale = np.log10 if log_y and (y[good] > 0).all() else (lambda v: v)
    spread = scale(y[hi]) - scale(y[lo])
    if number(y0) == number(y1):
        text = f"{'ends' if start else 'starts and ends'} at {number(y0)}"
    else:
        text = f"{'falls' if y1 < y0 else 'rises'} {'' if start else f'from {number(y0)} '}to {number(y1)}"
    if spread > 0 and scale(min(y0, y1)) - scale(y[lo]) > 0.1 * spread:
        text += f", lowest {number(y[lo])} at {at}{number(x[lo])}"
    if spread > 0 and scale(y[hi]) - scale(max(y0, y1)) > 0.1 * spread:
        text += f", highest {number(y[hi])} at {at}{number(x[hi])}"
    return text


def _path(item):
    """A path across a plane: from its start to its end."""
    finite = np.isfinite(item.x) & np.isfinite(item.y)
    x, y = item.x[finite], item.y[finite]
    text = (f"{item.label + ': a' if item.label else 'A'} path of {len(item.x)} points "
            f"from ({number(x[0])}, {number(y[0])}) to ({number(x[-1])}, {number(y[-1])})")
    return text + ("" if finite.all() else ", then leaves the finite values") + "."


def _scattered(label, x, y):
    """Points: how many, their ranges, and whether they lie on the diagonal y = x."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    text = f"{label + ': ' if label else ''}{len(x)} point{'s' if len(x) != 1 else ''}"
    if len(x) == 0:
        return text + "."
    size = max(np.abs(x).max(), np.abs(y).max())
    if len(x) >= 3 and size > 0 and np.abs(y - x).max() <= 0.01 * size:
        return text + (f", all on the diagonal y = x, from {number(x.min())} "
                       f"to {number(x.max())}.")
    return (text + f", x {number(x.min())} to {number(x.max())}, "
            f"y {number(y.min())} to {number(y.max())}.")


def _group(label, group, more=False):
    """Several curves of one look (one per seed, say): how many, where they end.

    "sigmoid: 4 curves, ending between …", or with ``more`` (beside a labelled
    curve described already) "4 more sigmoid curves, ending …".
    """
    ends = [c.y[np.isfinite(c.y)][-1] for c in group if np.isfinite(c.y).any()]
    style = group[0].style if len({c.style for c in group}) == 1 else ""
    noun = "curve" if len(group) == 1 else "curves"
    if more:
        name = " ".join(w for w in (str(len(group)), "more", label, style, noun) if w)
    else:
        name = " ".join(w for w in (str(len(group)), style, noun) if w)
        name = f"{label}: {name}" if label else name
    if not ends:
        return name + "."
    if number(min(ends)) == number(max(ends)):
        return f"{name}, ending at {number(ends[0])}."
    return f"{name}, ending between {number(min(ends))} and {number(max(ends))}."


# ---------------------------------------------------------------- images, contours, points, bars

def _images(ax, colorbars):
    """Each image: its size, and its classes' shares (decision regions) or its range and extremes."""
    texts = []
    for image in ax.get_images():
        if not image.get_visible():
            continue
        data = np.ma.masked_invalid(np.ma.asarray(image.get_array(), dtype=float))
        if data.ndim != 2 or data.count() == 0:
            rows, cols = np.shape(image.get_array())[:2]
            texts.append(f"{_a(rows).title()} {rows}×{cols} picture.")
            continue
        rows, cols = data.shape
        text = f"{_a(rows).title()} {rows}×{cols} image"
        values = np.unique(data.compressed())
        if len(values) <= 10 and np.allclose(values, np.round(values)) and rows * cols > 100:
            # few whole values on a fine grid: regions of classes (decision regions)
            shares = [f"{number(v)} covers {100 * np.mean(data.compressed() == v):.0f}%" for v in values]
            text += f" of {len(values)} regions: " + ", ".join(shares)
        else:
            text += f", values {number(data.min())} to {number(data.max())}"
            if rows * cols <= 1000:
                diagonal = _diagonal(ax, data)     # then the empty cells say nothing
                text += _extremes(ax, data, lowest=not diagonal) + diagonal
        texts.append(text + _colorbar_note(image, colorbars) + ".")
    return texts


def _extremes(ax, data, lowest=True):
    """"; highest 42 at batch size m 16, learning rate η 3; lowest …": cells named by their tick labels."""
    xnames, ynames = _tick_names(ax, "x"), _tick_names(ax, "y")
    xlabel, ylabel = plain(ax.get_xlabel()), plain(ax.get_ylabel())

    def cell(index):
        r, c = np.unravel_index(index, data.shape)
        col = xnames.get(c, number(c)) if xnames else number(c)
        row = ynames.get(r, number(r)) if ynames else number(r)
        return (f"{xlabel or 'column'} {col}, {ylabel or 'row'} {row}")
    filled = data.filled(np.nan)
    text = f"; highest {number(np.nanmax(filled))} at {cell(np.nanargmax(filled))}"
    if lowest:
        text += f"; lowest {number(np.nanmin(filled))} at {cell(np.nanargmin(filled))}"
    return text


def _diagonal(ax, data):
    """"; the diagonal holds 96.7% of the total": a table of counts with the same labels on
    both sides (a confusion matrix: predicted against true)."""
    names = _tick_names(ax, "x")
    if (data.shape[0] != data.shape[1] or not names or names != _tick_names(ax, "y")
            or data.min() < 0 or data.sum() <= 0):
        return ""
    return f"; the diagonal holds {100 * np.trace(data.filled(0)) / data.sum():.3g}% of the total"


def _tick_names(ax, which):
    """Tick labels at whole-number positions (an image's cells), if set by hand."""
    from matplotlib.ticker import FixedLocator

    axis = getattr(ax, f"{which}axis")
    if not isinstance(axis.get_major_locator(), FixedLocator):
        return {}
    names = {}
    for position, label in zip(getattr(ax, f"get_{which}ticks")(), getattr(ax, f"get_{which}ticklabels")()):
        if float(position).is_integer() and label.get_text():
            names[int(position)] = plain(label.get_text())
    return names


def _colorbar_note(mappable, colorbars):
    for bar in colorbars:
        if bar.mappable is mappable:
            label = plain(bar.ax.get_ylabel() if bar.orientation == "vertical" else bar.ax.get_xlabel())
            return f"; colour bar: {label}" if label else ""
    return ""


def _collections(ax, colorbars):
    from matplotlib.collections import PathCollection
    from matplotlib.contour import ContourSet

    texts = []
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        label = _label(coll)
        if isinstance(coll, ContourSet):
            levels = np.asarray(coll.levels, dtype=float)
            kind = "Filled contours" if coll.filled else "Contour lines"
            text = f"{kind}, {len(levels)} levels from {number(levels.min())} to {number(levels.max())}"
            texts.append((f"{label}: " if label else "") + text + _colorbar_note(coll, colorbars) + ".")
        elif isinstance(coll, PathCollection) and _points(coll, label):
            texts.append(_points(coll, label))
    return texts


def _points(coll, label):
    """A scatter: how many points, and of how many classes when few colours mark them."""
    offsets = np.asarray(coll.get_offsets(), dtype=float).reshape(-1, 2)
    n = len(offsets)
    if n == 0:
        return ""
    classes = coll.get_array()
    if classes is not None and len(classes) == n:
        values, counts = np.unique(np.asarray(classes, dtype=float), return_counts=True)
        if 1 < len(values) <= 10:
            return (f"{label + ': ' if label else ''}{n} points of {len(values)} classes ("
                    + ", ".join(str(c) for c in counts) + ").")
    return _scattered(label, offsets[:, 0], offsets[:, 1])


def _bars(ax):
    """Bar charts (each bar's height, named by its tick label if any) and labelled shaded spans."""
    from matplotlib.container import BarContainer
    from matplotlib.patches import Rectangle

    texts, in_bars = [], set()
    names = _tick_names(ax, "x")
    for container in ax.containers:
        if not isinstance(container, BarContainer):
            continue
        in_bars.update(container.patches)
        label = _label(container)
        middles = [bar.get_x() + bar.get_width() / 2 for bar in container.patches]
        heights = [bar.get_height() for bar in container.patches]
        errors = ", with error bars" if getattr(container, "errorbar", None) is not None else ""
        if len(heights) > 12:       # a histogram: its extent and its tallest bar
            top = int(np.argmax(heights))
            listed = (f"over x = {number(min(middles))} to {number(max(middles))}, "
                      f"tallest {number(heights[top])} at x = {number(middles[top])}")
        else:
            listed = ", ".join(f"{names.get(int(round(m)), number(m)) if names else number(m)}: "
                               f"{number(h)}" for m, h in zip(middles, heights))
        texts.append((f"{label}: " if label else "") + f"{len(heights)} bars{errors} ({listed}).")
    for patch in ax.patches:
        if patch in in_bars or not isinstance(patch, Rectangle) or not _label(patch):
            continue
        x0, x1 = sorted([patch.get_x(), patch.get_x() + patch.get_width()])
        texts.append(f"{_label(patch)}: shaded from x = {number(x0)} to {number(x1)}.")
    return texts


def _notes(ax):
    """Short texts written on the axes (at most three: more are a table's cells, not notes)."""
    texts = [plain(t.get_text()) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    if not texts or len(texts) > 3:
        return []
    return ["Note: " + "; ".join(f"“{t}”" for t in texts) + "."]


# ---------------------------------------------------------------- words and numbers

def number(v):
    """``v`` with 3 significant digits, as a reader says it: 0.0201, 49, 1230, 1.5e−5, −0.3."""
    v = float(v)
    if math.isnan(v):
        return "not a number"
    if math.isinf(v):
        return "infinity" if v > 0 else "minus infinity"
    if v == 0:
        return "0"
    v = float(f"{v:.3g}")               # 3 significant digits first: 999.7 is 1000
    if v.is_integer() and abs(v) < 1e6:
        text = str(int(v))
    elif 1e-3 <= abs(v) < 1e3:
        text = f"{v:.3g}"
    else:
        mantissa, exponent = f"{v:.2e}".split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return text.replace("-", "−")


_TEX = {r"\partial": "∂", r"\nabla": "∇", r"\propto": " ∝ ", r"\cdot": " · ", r"\times": " × ",
        r"\leq": " ≤ ", r"\geq": " ≥ ", r"\le": " ≤ ", r"\ge": " ≥ ", r"\approx": " ≈ ", r"\infty": "∞",
        r"\sum": "Σ", r"\|": "‖", r"\odot": "⊙", r"\to": "→", r"\ell": "ℓ", r"\,": " ",
        r"\;": " ", r"\ ": " ", r"\left": "", r"\right": "", r"\log": "log", r"\exp": "exp"}
_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta lambda mu nu xi pi rho "
          "sigma tau phi varphi chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi Omega").split()
_GREEK_LETTERS = "αβγδεεζηθλμνξπρστφφχψωΓΔΘΛΣΦΨΩ"


def plain(text):
    """A label as words: matplotlib's TeX (``$\\partial C / \\partial b^l$``) as ``∂C / ∂b^l``."""
    text = ", ".join(line.strip() for line in str(text or "").splitlines() if line.strip())
    if "$" not in text:
        return " ".join(text.split())
    out = []
    for k, piece in enumerate(text.split("$")):
        if k % 2:     # inside $…$
            piece = re.sub(r"\\(?:frac|dfrac)\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", piece)
            piece = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", piece)
            piece = re.sub(r"\\(?:mathrm|text|mathbf|mathit|operatorname)\{([^{}]*)\}", r"\1", piece)
            for name, letter in zip(_GREEK, _GREEK_LETTERS):
                piece = re.sub(rf"\\{name}(?![A-Za-z])", letter, piece)
            for macro, word in sorted(_TEX.items(), key=lambda kv: -len(kv[0])):
                # a TeX command ends at the first non-letter and eats the spaces after it
                piece = re.sub(re.escape(macro) + (r"(?![A-Za-z])\s*" if macro[-1].isalpha() else ""),
                               word.replace("\\", "\\\\"), piece)
            piece = piece.replace("{", "").replace("}", "").replace("\\", "")
            piece = re.sub(r"\s*([/=+])\s*", r" \1 ", piece).replace(" / ", " / ")
        out.append(piece)
    return " ".join("".join(out).split())


def _a(n):
    """The article before a number said aloud: an 8, an 11, an 80, an 18000, a 10."""
    said = str(n)
    return "an" if said[0] == "8" or (said[:2] in ("11", "18") and len(said) % 3 == 2) else "a"


def _sentence(text):
    return "" if not text else text if text[-1] in ".!?…" else text + "."


# ---------------------------------------------------------------- where the description goes

def image(png, description, layout=None):
    """A slider frame: an ipywidgets ``Image`` of ``png`` bytes that carries ``description``.

    ``layout``: an ipywidgets ``Layout`` to share (a slider's frames all have the same
    one: a notebook then stores one layout model instead of one per frame).

    ipywidgets' ``Image`` has no alt text. Its ``tooltip`` becomes the ``<img>``'s
    ``title`` (JupyterLab shows it on hover) and the book's pages copy it to ``alt``
    (``book/_ext/alt_text.js``).
    """
    extra = {} if layout is None else {"layout": layout}
    return _described_image()(value=png, format="png", tooltip=description, **extra)


@functools.cache
def _described_image():
    import ipywidgets as widgets
    from traitlets import Unicode

    class DescribedImage(widgets.Image):
        """An ``Image`` whose tooltip renders.

        The widget manager's tooltip code reads the view's ``description`` (a labelled
        widget's text), which ``Image`` lacks: with a tooltip and no description the
        frame fails to render at all. An empty one, synchronised, is all it needs.
        """
        description = Unicode("").tag(sync=True)

    return DescribedImage


def _ipython_metadata(fig):
    """``{mime: {"alt": description}}`` for each image format IPython draws ``fig`` in.

    A ``_repr_mimebundle_``-style printer that gives metadata only: the figure's
    pictures are still drawn by the formatters the inline backend registers, byte
    for byte as before, and IPython puts this metadata beside them.
    """
    shell = sys.modules["IPython"].get_ipython()
    formats = []
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        formatter = shell.display_formatter.formatters.get(mime) if shell is not None else None
        try:
            if formatter is not None and formatter.enabled:
                formatter.lookup(fig)
                formats.append(mime)
        except KeyError:
            pass
    if not formats:
        return None
    try:
        text = describe(fig)
    except Exception as error:     # never lose the figure for its description
        warnings.warn(f"bpkit could not describe this figure: {error!r}", stacklevel=2)
        return None
    return {}, {mime: {"alt": text} for mime in formats}


def register_ipython(shell=None):
    """In IPython, give every matplotlib figure displayed from now on its description.

    Registered by type name, so matplotlib is not imported here; does nothing outside
    IPython (which is then not imported either: a script or a test starts as fast as
    before). IPython keeps one metadata dict per format, and the inline backend's
    ``retina`` format writes its own, which replaces this one: the book draws plain PNGs.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")       # a shell imported it long before bpkit
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    shell.display_formatter.mimebundle_formatter.for_type_by_name(
        "matplotlib.figure", "Figure", _ipython_metadata)
    return True


register_ipython()     # a kernel that imports bpkit describes its figures
