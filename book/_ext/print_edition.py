"""The book on paper: what the PDF edition's build changes in the pages it prints.

Only ``bpkit pdf`` loads this extension (``bpkit/pdf.py`` adds it to a copy of
``_config.yml``); the web site never does. The PDF is the book as one HTML page
(Sphinx's ``singlehtml`` builder) printed by Chromium, and three things a web page
does must be done differently on paper:

* A precomputed slider (``bp.explore``) is a widget whose frames the browser
  switches between; paper has no slider. Each widget view becomes a grid of all its
  frames, each labelled with the slider values that select it, drawn here at build
  time from the widget state the notebook stores (so the print needs no widget
  manager and shows every frame, not only the one a slider is on).
* Every chapter starts on a new page: each document's top section gets the class
  ``print-chapter`` (``print_edition.css`` breaks the page before it), and a part of
  ``_toc.yml`` (its caption) gets a page of its own before its first chapter, where
  the web site shows it only in the sidebar.
* Sidebars, navigation, launch and copy buttons, heading anchors have no use on
  paper: ``print_edition.css`` hides them, and wraps long code lines and table
  cells. Paper does not scroll either: once MathJax is done, ``print_edition.js``
  sets each display equation or table still wider than the text in type small enough
  to fit (Chromium would otherwise shrink every page to fit the widest), and tells the
  printer, through ``window.printEdition.ready``, what the page holds.
"""
import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

CSS = Path(__file__).resolve().with_name("print_edition.css")
SCRIPT = CSS.with_suffix(".js")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VIEW_OPENING = f'<script type="{WIDGET_VIEW}">'
MODEL_REFERENCE = "IPY_MODEL_"
# a slider with a play button steps through a process (epochs, steps): paper shows
# this many of its values, from the first to the last
PLAYED_FRAMES = 4
# frames at most this wide (pixels; bp.explore's one- and two-panel figures are 440 to
# 560) print three to a row, wider ones two
NARROW_FRAME = 560


@dataclass(frozen=True)
class Frame:
    """One precomputed figure of a slider widget and the slider settings that show it.

    ``settings`` is ``((slider description, value label), …)`` in the sliders' order.
    """
    settings: tuple
    png: bytes
    description: str

    @property
    def label(self):
        return ", ".join(f"{name} = {value}" for name, value in self.settings)


def model(state, reference):
    """The state entry a child reference (``"IPY_MODEL_<id>"`` or a bare id) names."""
    key = reference[len(MODEL_REFERENCE):] if reference.startswith(MODEL_REFERENCE) else reference
    if key not in state:
        raise KeyError(f"the widget state has no model {key!r}")
    return state[key]


def kind(entry):
    return entry["model_name"]


def is_slider(entry):
    """A selection slider: its value labels are stored, so a frame can be named by them."""
    return "_options_labels" in entry["state"]


def link_ends(state):
    """``{attribute: model reference}`` of each ``jslink`` (a ``LinkModel``) in ``state``."""
    for entry in state.values():
        if kind(entry) != "LinkModel":
            continue
        ends = [entry["state"].get(end) for end in ("source", "target")]
        if all(end and len(end) == 2 for end in ends):
            yield {attribute: ref for ref, attribute in ends}


def links(state):
    """Stack id -> the slider that picks its page, from the widgets' ``jslink`` models."""
    found = {}
    for by_attribute in link_ends(state):
        if {"index", "selected_index"} <= set(by_attribute):
            stack = by_attribute["selected_index"]
            found[stack[len(MODEL_REFERENCE):]] = model(state, by_attribute["index"])
    return found


def played(state):
    """The sliders a ``Play`` button moves (``jslink`` of its value to their index)."""
    return [model(state, ends["index"]) for ends in link_ends(state)
            if {"index", "value"} <= set(ends) and kind(model(state, ends["value"])) == "PlayModel"]


def printed_indices(count, at_most=PLAYED_FRAMES):
    """Which of a played slider's ``count`` values print: ``at_most`` of them, evenly
    spread, the first and the last among them."""
    if count <= at_most:
        return set(range(count))
    return {round(k * (count - 1) / (at_most - 1)) for k in range(at_most)}


def png_of(entry):
    """The PNG bytes of an ``Image`` model: its ``value``, stored as a base64 buffer."""
    for buffer in entry.get("buffers", []):
        if buffer.get("path") == ["value"]:
            data = buffer["data"]
            return base64.b64decode(data) if buffer.get("encoding", "base64") == "base64" \
                else data.encode("latin-1")
    raise ValueError("an Image widget in the notebook's widget state has no stored picture: "
                     "execute the notebook again")


def slider_frames(state, view_id, every_value=False):
    """Every frame a precomputed slider widget can show, in the order its sliders list them.

    ``state`` is a notebook's widget state (``metadata.widgets[...]["state"]``) and
    ``view_id`` the model the cell's output shows: a box of selection sliders and a
    ``Stack`` of ``Image`` frames (nested one level per slider, each linked to its
    slider's index, as ``bp.explore`` builds it). A slider a play button moves
    gives ``PLAYED_FRAMES`` of its values (see ``printed_indices``), not all: a
    process on paper is a few moments of it (``every_value`` gives them all). A box with an ``Image`` and no
    ``Stack`` gives its one picture, named by the sliders' current values. Returns a
    list of ``Frame``, or ``[]`` for a widget that holds no picture.
    """
    box = model(state, view_id)
    children = [model(state, ref) for ref in box["state"].get("children", [])]
    sliders = [child for child in children if is_slider(child)]
    picked_by = links(state)
    moved_by_play = played(state)
    frames = []

    def walk(entry, ref, settings):
        if kind(entry) == "ImageModel":
            frames.append(Frame(tuple(settings), png_of(entry),
                                entry["state"].get("tooltip") or ""))
        elif kind(entry) == "StackModel":
            slider = picked_by.get(ref[len(MODEL_REFERENCE):] if ref.startswith(MODEL_REFERENCE)
                                   else ref)
            children = entry["state"].get("children", [])
            shown = (printed_indices(len(children))
                     if not every_value and any(slider is moved for moved in moved_by_play)
                     else range(len(children)))
            for index, child_ref in enumerate(children):
                if index not in shown:
                    continue
                here = settings
                if slider is not None:
                    label = slider["state"]["_options_labels"][index]
                    here = [*settings, (slider["state"].get("description", ""), label)]
                walk(model(state, child_ref), child_ref, here)

    stacks = [ref for ref in box["state"].get("children", [])
              if kind(model(state, ref)) == "StackModel"]
    if stacks:
        for ref in stacks:
            walk(model(state, ref), ref, [])
    else:
        current = [(s["state"].get("description", ""),
                    s["state"]["_options_labels"][s["state"].get("index", 0)]) for s in sliders]
        for ref in box["state"].get("children", []):
            if kind(model(state, ref)) == "ImageModel":
                walk(model(state, ref), ref, current)
    return frames


def png_width(data):
    """The width in pixels of a PNG, from its header (IHDR comes first)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("a slider frame is not a PNG")
    return int.from_bytes(data[16:20], "big")


def columns(frames, narrow=NARROW_FRAME):
    """How many frames a row of the grid holds.

    Three, or two when the frames are wider than ``narrow`` pixels (figures of two or
    three panels), so that a figure prints at least about a third of the text's width.
    With two sliders or more, when the last one has that many values or fewer, a row is
    one value of the sliders before it: the grid reads as a table of small multiples;
    when it has twice that many or fewer, and an even number (a played slider's four),
    two full rows are.
    """
    if not frames:
        return 1
    wide = 3 if max(png_width(frame.png) for frame in frames) <= narrow else 2
    if len(frames[0].settings) >= 2:
        last = len({frame.settings[-1] for frame in frames})
        if 2 <= last <= wide:
            return last
        if last % 2 == 0 and last // 2 <= wide:    # a value of the others in two full rows
            return last // 2
    return min(wide, len(frames))


def frame_grid_html(frames, total=None):
    """A print-only grid of ``frames``: each picture inline (a data URI) over its label;
    ``""`` for no frame. ``total``: how many settings the widget has, when ``frames``
    are only some of them (a played slider's)."""
    if not frames:
        return ""
    cells = []
    for frame in frames:
        source = "data:image/png;base64," + base64.b64encode(frame.png).decode("ascii")
        alt = frame.description or f"The figure at {frame.label}."
        # a line of the caption breaks between settings, never inside one
        caption = ", ".join(f'<span class="print-setting">{html.escape(f"{name} = {value}")}'
                            '</span>' for name, value in frame.settings)
        cells.append(f'<figure class="print-frame"><img src="{source}" alt="{html.escape(alt)}">'
                     f'<figcaption>{caption}</figcaption></figure>')
    names = list(dict.fromkeys(name for frame in frames for name, _ in frame.settings))
    sliders = f'slider{"s" if len(names) > 1 else ""} {html.escape(", ".join(names))}'
    intro = ""
    if names and total not in (None, len(frames)):
        intro = (f'<p class="print-frames-intro">{len(frames)} of the {total} settings of the '
                 f'{sliders}:</p>')
    elif names:
        intro = f'<p class="print-frames-intro">All {len(frames)} settings of the {sliders}:</p>'

    return (f'<div class="print-frames" style="--print-columns: {columns(frames)}">'
            f'{intro}{"".join(cells)}</div>')


def view_id(raw_text):
    """The model id of a myst-nb widget-view output (``<script …>{json}</script>``), or None."""
    text = raw_text.strip()
    if not text.startswith(VIEW_OPENING):
        return None
    return json.loads(text[len(VIEW_OPENING):-len("</script>")]).get("model_id")


def widget_state(app, docname):
    """The notebook's widget state, as myst-nb registered it for the page's ``<script>``."""
    js = getattr(app.env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    _, options = js.get("ipywidgets_state", (None, {}))
    body = options.get("body") if options else None
    return json.loads(body).get("state", {}) if body else {}


def part_openings(site_map):
    """First chapter's docname -> its part's caption, for every captioned part of the
    table of contents (``site_map``: sphinx-external-toc's reading of ``_toc.yml``)."""
    openings = {}
    for docname in site_map:
        for subtree in site_map[docname].subtrees:
            files = subtree.files()
            if subtree.caption and files:
                openings[files[0]] = subtree.caption
    return openings


def on_doctree_read(app, doctree):
    docname = app.env.docname
    top = doctree.next_node(nodes.section)
    if top is not None:
        top["classes"].append("print-chapter")
        site_map = getattr(app.env, "external_site_map", None)
        caption = part_openings(site_map).get(docname) if site_map is not None else None
        if caption:
            part = nodes.raw("", f'<div class="print-part">{html.escape(caption)}</div>',
                             format="html")
            top.parent.insert(top.parent.index(top), part)
    state = None
    for raw in list(doctree.findall(nodes.raw)):
        model_id = view_id(raw.astext()) if "html" in raw.get("format", "") else None
        if model_id is None:
            continue
        state = widget_state(app, docname) if state is None else state
        try:
            frames = slider_frames(state, model_id)
        except (KeyError, ValueError) as exc:
            logger.warning(f"print edition: {docname}: a slider cannot be printed: {exc}",
                           location=docname)
            continue
        total = len(slider_frames(state, model_id, every_value=True))
        raw.replace_self(nodes.raw("", frame_grid_html(frames, total), format="html"))
    if state is not None:   # the page no longer needs the widget manager
        js = app.env.nb_metadata[docname].get("js_files", {})
        for key in [k for k in js if k.startswith("ipywidgets")]:
            del js[key]


def on_config_inited(app, config):
    config.html_static_path = list(config.html_static_path) + [str(CSS), str(SCRIPT)]


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("doctree-read", on_doctree_read)
    app.add_css_file(CSS.name)
    app.add_js_file(SCRIPT.name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
