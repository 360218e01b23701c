"""Sliders the chapters share, ready for ``ipywidgets.interact``.

    interact(retrain, learning_rate=bp.learning_rate_slider(),
             batch_size=bp.batch_size_slider(len(X)))

The learning rate matters by orders of magnitude, so its slider is on a log
scale; batch sizes worth comparing double each time, so that slider steps
through 1, 2, 4, … n.
"""
import math

import ipywidgets as widgets
import numpy as np

from ._checks import check_int, check_positive


def learning_rates(min=1e-3, max=10.0):
    """1, 2, 3 and 5 times each power of ten from ``min`` to ``max``: 0.001, 0.002, … 5, 10.

    Four values a decade, close to evenly spaced on a log scale, and the round values
    a chapter's tables use (0.3, 1, 3, 10, 30), so a slider reaches each of them.
    """
    for what, v in (("min", min), ("max", max)):
        check_positive(what, v)
    if min > max:
        raise ValueError(f"min must not exceed max, got min={min:g}, max={max:g}")
    values = []
    for power in range(math.floor(math.log10(min)) - 1, math.ceil(math.log10(max)) + 1):
        for mantissa in (1, 2, 3, 5):
            v = float(f"{mantissa}e{power}")      # exact decimal, not 3 * 0.1
            if min * (1 - 1e-12) <= v <= max * (1 + 1e-12):
                values.append(v)
    return values


def learning_rate_slider(value=0.1, min=1e-3, max=10.0, values=None,
                         description="learning rate η"):
    """A slider over ``values`` (default ``learning_rates(min, max)``), starting at ``value``.

    A ``SelectionSlider`` whose readout is each value as the chapters print it
    (``f"{η:g}"``): the learning rate matters by orders of magnitude, so its
    values are spaced on a log scale, and they are the round ones the text discusses.
    """
    check_positive("value", value)
    values = learning_rates(min, max) if values is None else [float(v) for v in values]
    if not values:
        raise ValueError(f"no learning rate between min={min:g} and max={max:g}")
    matches = [v for v in values if math.isclose(v, value, rel_tol=1e-9)]
    if not matches:
        raise ValueError(f"learning rate value must be one of {[_label(v) for v in values]}, "
                         f"got {value:g}")
    return widgets.SelectionSlider(
        options=[(_label(v), v) for v in values], value=matches[0], description=description,
        continuous_update=False, style={"description_width": "initial"})


def batch_sizes(n):
    """1, 2, 4, … up to n, with n itself last (full batch) if it is not a power of 2."""
    n = check_int("n", n, 1)
    sizes = [2 ** k for k in range(n.bit_length()) if 2 ** k <= n]
    if sizes[-1] != n:
        sizes.append(n)
    return sizes


def batch_size_slider(n, value=None, description="batch size"):
    """A ``SelectionSlider`` over ``batch_sizes(n)``; ``value`` defaults to the middle one."""
    options = batch_sizes(n)
    if value is None:
        value = options[len(options) // 2]
    if value not in options:
        raise ValueError(f"batch size value must be one of {options}, got {value!r}")
    return widgets.SelectionSlider(
        options=options, value=value, description=description, continuous_update=False,
        style={"description_width": "initial"})


def explore(draw, panels=None, /, *, play=None, **grids):
    """Sliders over figures drawn in advance: they work with no kernel at all.

    ``draw(**values)`` returns a matplotlib Figure (or Axes) for one setting;
    or, given ``panels`` (a ``bp.plots.Panels``), ``draw(axes, **values)`` plots
    on the axes of a figure made for it. ``grids`` maps each argument to the
    values its slider offers, e.g.
    ``explore(draw, learning_rate=[0.01, 0.1, 1], batch_size=batch_sizes(64))``.
    Every combination is drawn once, kept as a PNG, and shown in a ``Stack``
    whose page is chosen by the sliders through ``jslink`` — a link that runs
    in the browser, so the published book's sliders work without Python, and
    the same cell works in JupyterLab.

    ``play`` names the slider that steps through a process (``play="epoch"``
    with ``epoch=[0, 5, 10, …]``): it gets a play button (an ipywidgets ``Play``
    tied to the slider by ``jslink``, so it too runs in the browser alone) that
    moves the slider one value every ``PLAY_INTERVAL`` milliseconds, and the
    figure with it: training watched as it happens. Returns the widget (a ``VBox``).
    """
    import matplotlib.pyplot as plt

    from . import alt

    if not grids:
        raise ValueError("explore needs at least one slider, e.g. learning_rate=[0.01, 0.1, 1]")
    for name, values in grids.items():
        if len(values) == 0:
            raise ValueError(f"slider {name!r} has no values")
    if play is not None and play not in grids:
        raise ValueError(f"play must name one of the sliders {list(grids)}, got {play!r}")
    if play is not None and len(grids[play]) < 2:
        raise ValueError(f"the played slider {play!r} needs at least two values, "
                         f"got {list(grids[play])}")
    names = list(grids)
    frame_layout = widgets.Layout()     # one for every frame: stored once, not per frame
    sliders = [widgets.SelectionSlider(
        options=[(_label(v), v) for v in grids[name]], value=grids[name][0],
        description=name.replace("_", " "), continuous_update=True,
        style={"description_width": "initial"}) for name in names]

    def pages(level, fixed):
        """A Stack over the values of slider ``level``; its pages are Stacks of the next."""
        name = names[level]
        children = []
        for value in grids[name]:
            values = {**fixed, name: value}
            if level + 1 < len(names):
                children.append(pages(level + 1, values))
            else:
                if panels is None:
                    fig = draw(**values)
                    fig = getattr(fig, "figure", fig)
                else:
                    fig, axes = panels.new()
                    draw(axes, **values)
                # each frame carries its description (bp.plots.alt, or written from the figure)
                children.append(alt.image(_png(fig), alt.describe(fig), frame_layout))
                plt.close(fig)
        stack = widgets.Stack(children, selected_index=0)
        widgets.jslink((sliders[level], "index"), (stack, "selected_index"))
        return stack

    stacks = pages(0, {})
    rows = list(sliders)
    if play is not None:
        at = names.index(play)
        button = widgets.Play(value=0, min=0, max=len(grids[play]) - 1, step=1,
                              interval=PLAY_INTERVAL, show_repeat=False,
                              description=f"play {sliders[at].description}")
        widgets.jslink((button, "value"), (sliders[at], "index"))
        rows[at] = widgets.HBox([sliders[at], button])
    return widgets.VBox([*rows, stacks])


# A played slider's step, in milliseconds: slow enough to read the figure's change,
# fast enough that 30 frames take under ten seconds.
PLAY_INTERVAL = 300


def live(draw, panels=None, /, **sliders):
    """The same ``draw`` behind live sliders (any widgets): redraws on each move; needs a kernel.

    Each move calls ``draw(**values)`` and shows the figure it returns in an
    ``Image`` widget at its own size in pixels (never stretched), drawn once
    straight to a small PNG (see ``LiveFrame``). Given
    ``panels`` (a ``bp.plots.Panels``), one figure is made once and every move
    clears its axes (``bp.plots.clear``) and calls ``draw(axes, **values)``
    on them: the same ``draw`` as ``explore``'s, and the fast way. (Showing
    a figure the usual way draws it twice, the first time only to find a tight
    bounding box, then compresses harder: twice the time for the same picture.)
    ``draw`` may return a new figure each time or, faster, update and return
    the same one (clear its axes with ``bp.plots.clear`` and plot again); that
    figure keeps the layout of its first drawing, and its frames, ticks and
    axis labels are drawn once and reused for as long as they stay the same
    (see ``LiveFrame``).
    If ``draw`` raises, the error shows below the sliders and the last figure stays.
    Returns the widget (a ``VBox``).
    """
    import matplotlib.pyplot as plt

    if not sliders:
        raise ValueError("live needs at least one slider, e.g. learning_rate=bp.learning_rate_slider()")
    image = widgets.Image(format="png")
    errors = widgets.Output()
    frame = LiveFrame()
    if panels is not None:
        figure, axes = panels.new()
        plt.close(figure)          # kept here, never shown by pyplot itself

        def draw_fig(**values):
            from .plots import clear

            clear(*np.ravel(axes))
            draw(axes, **values)
            return figure
    else:
        def draw_fig(**values):
            return draw(**values)

    showing_error = False

    def redraw(change=None):
        # The Output widget is touched only when there is an error to show or to
        # clear: each use of it is a message to the browser, on every move.
        nonlocal showing_error
        if showing_error:
            errors.clear_output()
            showing_error = False
        try:
            fig = draw_fig(**{name: slider.value for name, slider in sliders.items()})
            fig = getattr(fig, "figure", fig)
            try:
                png = frame.png(fig)
                _natural_size(image, frame.size[0])     # before the picture, never after it
                image.value = png
                # A draw that updates one figure (see ``plots.clear``) keeps the layout
                # found the first time instead of working it out on every move.
                fig.set_layout_engine("none")
            finally:
                plt.close(fig)
        except Exception:
            showing_error = True
            with errors:    # shows the traceback below the sliders (in a kernel)
                raise

    for slider in sliders.values():
        slider.observe(redraw, "value")
    redraw()
    return widgets.VBox([*sliders.values(), image, errors])


def _natural_size(image, width):
    """Show ``image`` (an ``Image`` widget) ``width`` pixels wide: its PNG's own width.

    A box stretches its children to its width, so a 480-pixel figure would be
    scaled up to the cell's width and blurred. It is narrower only in a
    narrower cell. The layout is sent to the browser only when it changes.
    """
    image.layout.width = f"{width}px"
    image.layout.max_width = "100%"       # then the height follows, keeping the shape


class LiveFrame:
    """Draws a live slider's figure to PNG, reusing the parts that did not change.

    Most of the time of drawing a small figure goes to its axes: tick marks,
    tick labels, axis labels (≈ 35 of 50 ms for chapter 8's two panels). A
    slider that replots into the same axes changes only what is plotted, so
    the figure is drawn in two layers, as matplotlib's animations do: the
    *background* (figure and axes backgrounds, axes with their ticks and
    labels) is drawn once and kept as pixels; every move restores those
    pixels and draws the rest on top: lines, images, contours, legends,
    titles, texts, and the frames (spines) last so that they stay above an
    image, as they would be. The background is drawn again whenever something
    it shows changes: the figure, its size, an axes' place, limits, scales,
    tick positions or axis labels. Texts, the costliest part of what is left
    (a legend, a title), are drawn from the pixels they had the last time
    they stood at the same place with the same words and style (see
    ``TextPixels``).
    """

    def __init__(self, dpi=None):
        self.dpi = LIVE_DPI if dpi is None else dpi
        self.key = self.background = self.texts = None
        self.size = None        # (width, height) in pixels of the last PNG

    def png(self, fig):
        """The figure as PNG bytes: one canvas drawing (or a reused background), a palette."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        fig.set_dpi(self.dpi)
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        layers = _layers(fig)
        for artists in layers:
            for artist in artists:
                artist.set_animated(True)     # not part of the background
        renderer = canvas.get_renderer()      # a new one when the size changes
        if self.texts is None or self.texts.renderer is not renderer:
            self.texts = TextPixels(renderer)
        key = _background_key(fig)
        if key != self.key:
            canvas.draw()                     # draws only the background
            self.background = canvas.copy_from_bbox(fig.bbox)
            self.key = _background_key(fig)   # after the drawing, which may move axes (aspect)
        else:
            canvas.restore_region(self.background)
        for artists in layers:
            for artist in sorted(artists, key=lambda a: a.get_zorder()):
                artist.draw(renderer)
        self.size = canvas.get_width_height()
        # Light compression: zlib's harder levels take longer and save little on a palette.
        return _palette_png(Image.frombuffer("RGBA", self.size, canvas.buffer_rgba()),
                            compress_level=1)


class TextPixels:
    """Makes an Agg renderer draw each text it has drawn before by copying its pixels.

    Drawing a text renders each of its glyphs with FreeType, ≈ 0.1 ms a glyph:
    a legend or a title takes 3–5 ms, more than the curves. A live slider's
    figure draws most of its texts again at the same places (legend entries,
    labels, any title it showed before), so the first drawing of a text, at
    a place, in a font, colour, angle and clip, is made alone on a transparent
    canvas and its pixels are kept; the next is a copy (≈ 0.1 ms). Painting
    the copy over the figure gives the pixels drawing there would have (to
    one level of 255, rounding): blending a text with what lies under it in
    one step or in two is the same arithmetic. ``renderer.draw_text`` is replaced on this renderer
    only; a text with a clip path is drawn as usual. Keeps the last
    ``capacity`` texts.
    """

    def __init__(self, renderer, capacity=256):
        from matplotlib.backends.backend_agg import RendererAgg

        self.renderer, self.capacity, self.kept = renderer, capacity, {}
        self.scratch = RendererAgg(renderer.width, renderer.height, renderer.dpi)
        self.draw_directly = RendererAgg.draw_text
        renderer.draw_text = self.draw_text

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """``RendererAgg.draw_text``, from kept pixels when it can."""
        if gc.get_clip_path() != (None, None):
            return self.draw_directly(self.renderer, gc, x, y, s, prop, angle, ismath, mtext)
        clip = gc.get_clip_rectangle()
        # FontProperties are equal when their hashes are (matplotlib's own definition)
        key = (s, hash(prop), x, y, angle, ismath, gc.get_rgb(), gc.get_alpha(),
               gc.get_forced_alpha(), gc.get_antialiased(), gc.get_snap(),
               clip and tuple(clip.bounds),
               repr([getattr(mtext, get, lambda: None)() for get in ("get_fontfeatures",
                                                                     "get_language")]))
        if key in self.kept:
            patch = self.kept.pop(key)        # and put back last: the most recently used
        else:
            patch = self.render(gc, x, y, s, prop, angle, ismath, mtext)
            if len(self.kept) >= self.capacity:
                del self.kept[next(iter(self.kept))]   # the least recently used
        self.kept[key] = patch
        if patch is not None:
            left, bottom, pixels = patch
            plain = self.renderer.new_gc()    # no clip, no alpha: both are in the pixels
            self.renderer.draw_image(plain, left, bottom, pixels)
            plain.restore()

    def render(self, gc, x, y, s, prop, angle, ismath, mtext):
        """The text drawn alone: ``(left, bottom, RGBA pixels)`` to paint, or None if blank."""
        self.scratch.clear()                  # transparent
        self.draw_directly(self.scratch, gc, x, y, s, prop, angle, ismath, mtext)
        rgba = np.asarray(self.scratch.buffer_rgba())
        drawn = rgba[..., 3] > 0
        rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
        if len(rows) == 0:
            return None
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        # draw_image counts rows from the bottom, as the canvas's y does
        return int(left), self.renderer.height - int(bottom), rgba[top:bottom, left:right][::-1].copy()


def _layers(fig):
    """What is drawn on top of the background: the visible artists of each axes, then the figure's."""
    layers = []
    for ax in fig.axes:
        background = {ax.patch, *ax._axis_map.values()}
        if not (ax.axison and ax.get_frame_on()):     # then matplotlib draws no frame either
            background.update(ax.spines.values())
        layers.append([a for a in ax.get_children() if a not in background and a.get_visible()])
    on_figure = [*fig.lines, *fig.patches, *fig.texts, *fig.images, *fig.legends, *fig.artists]
    layers.append([a for a in on_figure if a.get_visible()])
    return layers


def _background_key(fig):
    """Everything the background shows, to tell when it must be drawn again."""
    axes = tuple((id(ax), tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(),
                  ax.get_xscale(), ax.get_yscale(), ax.axison, ax.get_visible(),
                  ax.xaxis.get_label_text(), ax.yaxis.get_label_text(),
                  tuple(ax.get_xticks()), tuple(ax.get_yticks()),
                  tuple(ax.get_xticks(minor=True)), tuple(ax.get_yticks(minor=True)))
                 for ax in fig.axes)
    return id(fig), tuple(fig.get_size_inches()), fig.dpi, axes


def _label(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


#: resolution of slider figures: the size of the precomputed ones, so both look alike
LIVE_DPI = 80


def _png(fig, dpi=80):
    """The figure as PNG bytes, reduced to a 256-colour palette, compressed hard.

    Every precomputed figure is stored in the notebook and the published page.
    """
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return _palette_png(Image.open(buffer).convert("RGBA"), optimize=True)


def _palette_png(image, **save):
    """``image`` (a PIL RGBA image) as PNG bytes in a 256-colour palette; ``save`` goes to PIL.

    Line plots, contours and colour maps lose nothing visible: on the book's
    slider figures no channel of a pixel moves by more than 14 of 255 but at
    a few antialiased edges (under 0.1 % of the pixels, at most 33). The file
    is a third of the size of a full-colour one and, one byte a pixel instead
    of four, quicker to compress (≈ 1.5 ms instead of 3 for 480 × 256 pixels).
    The fast octree picks the palette in about a millisecond, with smaller
    errors on these figures than median cut's in ten. A figure with
    transparent parts keeps them (a palette with alpha).
    """
    import io

    from PIL import Image

    opaque = image.getchannel("A").getextrema()[0] == 255
    palette = (image.convert("RGB") if opaque else image).quantize(
        colors=256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="png", **save)
    return buffer.getvalue()
