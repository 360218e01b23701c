"""A live slider's frame: texts drawn from kept pixels, palette PNGs, the figure at its own size.

The shortcuts are checked against the readable path they replace: a text copied from
kept pixels must give the pixels matplotlib draws (to one level of 255: rounding), and a
text that changed must be drawn anew.
"""
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import bpkit as bp
from bpkit.widgets import LiveFrame, TextPixels, _palette_png


def _figure(title="η = 0.3: converging", title_color="crimson", legend_loc="upper right"):
    """Texts of every kind a chapter draws: tick labels, a legend, a rotated text with
    alpha, mathtext, a clipped text, a coloured title and a suptitle."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3.2), dpi=80)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.15, top=0.85, wspace=0.3)
    left.set_yscale("log")
    left.plot(np.geomspace(2, 0.1, 8), label="training")
    left.plot(np.geomspace(1, 0.2, 8), label=r"test, $\eta^2$")
    left.legend(fontsize="small", loc=legend_loc)
    left.set_xlabel("epoch")
    right.imshow(np.arange(16).reshape(4, 4), cmap="Blues")
    right.set_title(title, color=title_color, fontsize=10)
    right.text(1, 2, "tilted", rotation=30, alpha=0.5)
    right.text(3.2, 0, "clipped at the edge", clip_on=True)
    fig.suptitle("η = 3, m = 16, 420 updates: test accuracy 95.1%", fontsize="medium")
    return fig


def _drawn(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).astype(int)


def _same(a, b):
    """Equal but for rounding: blending a text in two steps may round a level of 255 apart."""
    return a.shape == b.shape and np.abs(a - b).max() <= 1


def _count_renders(texts, monkeypatch):
    rendered = []
    real = texts.render
    monkeypatch.setattr(texts, "render", lambda *a: rendered.append(a[3]) or real(*a))
    return rendered


def test_texts_from_kept_pixels_are_what_matplotlib_draws(monkeypatch):
    reference = _drawn(_figure())
    plt.close("all")
    fig = _figure()
    texts = TextPixels(fig.canvas.get_renderer())
    rendered = _count_renders(texts, monkeypatch)
    first = _drawn(fig)
    drawn_first = len(rendered)
    second = _drawn(fig)
    assert drawn_first > 20                         # every tick label, legend entry, title …
    assert len(rendered) == drawn_first             # … and the second drawing copied them all
    assert _same(first, reference) and _same(second, reference)
    plt.close("all")


@pytest.mark.parametrize("change, value", [("title", "η = 0.5: diverging"),
                                           ("title_color", "navy"),
                                           ("legend_loc", "lower left")])
def test_a_text_that_changed_is_drawn_anew(change, value, monkeypatch):
    reference = _drawn(_figure(**{change: value}))
    plt.close("all")
    fig = _figure()
    texts = TextPixels(fig.canvas.get_renderer())
    _drawn(fig)
    left, right = fig.axes
    if change == "title":
        right.title.set_text(value)
    elif change == "title_color":
        right.title.set_color(value)
    else:
        left.get_legend().set_loc(value)
    rendered = _count_renders(texts, monkeypatch)
    assert _same(_drawn(fig), reference)
    assert rendered, "the changed text was copied from the old pixels"
    plt.close("all")


def test_text_pixels_keep_the_most_recently_used_texts_only():
    fig = plt.figure(figsize=(3, 1), dpi=80)
    texts = TextPixels(fig.canvas.get_renderer(), capacity=2)
    for words in ("one", "two", "one", "three"):
        fig.texts.clear()
        fig.text(0.1, 0.5, words)
        _drawn(fig)
    assert [key[0] for key in texts.kept] == ["one", "three"]   # "two" was the oldest
    plt.close(fig)


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def test_palette_png_is_close_to_the_full_colour_figure_and_smaller():
    fig = _figure()
    full = _drawn(fig)
    image = Image.fromarray(full.astype(np.uint8), "RGBA")
    png = _palette_png(image, compress_level=1)
    error = np.abs(_pixels(png) - full).max(axis=2)
    assert Image.open(io.BytesIO(png)).mode == "P"
    assert error.max() <= 48 and (error > 16).mean() < 1e-3
    rgba = io.BytesIO()
    image.save(rgba, format="png", compress_level=1)
    assert len(png) < len(rgba.getvalue()) / 2
    plt.close(fig)


def test_palette_png_keeps_transparency():
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[5:10, 5:25] = (200, 30, 30, 255)
    rgba[12:18, 5:25] = (30, 30, 200, 128)
    back = _pixels(_palette_png(Image.fromarray(rgba, "RGBA")))
    assert np.array_equal(back, rgba)    # three colours: nothing to lose


def test_live_frame_png_has_the_figures_size_at_its_dpi():
    fig = _figure()
    frame = LiveFrame(dpi=80)
    png = frame.png(fig)
    assert frame.size == (480, 256) == Image.open(io.BytesIO(png)).size
    plt.close(fig)


def test_live_shows_its_figure_at_the_pngs_own_width():
    panels = bp.plots.Panels(figsize=(5, 2.5))
    lr = bp.learning_rate_slider(value=0.1, min=0.1, max=1)
    box = bp.live(lambda ax, learning_rate: ax.plot([0, 1], [0, learning_rate]), panels,
                  learning_rate=lr)
    image = box.children[1]
    width, _ = Image.open(io.BytesIO(image.value)).size
    assert width == 400 and image.layout.width == "400px"   # 5 inches at 80 dpi
    assert image.layout.max_width == "100%"                 # narrower only in a narrower cell
    lr.value = 0.2
    assert image.layout.width == "400px"
    plt.close("all")
