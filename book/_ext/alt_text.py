"""Every figure on a page carries its description (alt text), for readers who cannot see it.

bpkit gives each figure a description when a chapter runs (``bpkit/alt.py``): the
figure's ``image/png`` output carries it as output metadata ``{"alt": …}``. myst-nb
takes an image's alt text only from cell metadata, so without this extension every
``<img>`` of a chapter has its file name for alt text. Here, once a notebook is read,
each image node gets the description of the output it was written from: myst-nb names
an output's image file by the sha256 of its bytes, and the run the page shows (the
build's execution cache, or the notebook as stored) has those bytes beside their
metadata.

Slider frames are ipywidgets ``Image`` widgets, and bpkit gives each its description
as a tooltip. The book's own slider script (``static_widgets.js``) makes that the
``<img>``'s alt text. On a page it leaves to the ipywidgets manager, the manager
renders the tooltip as a ``title``, and ``alt_text.js`` (served by the site itself,
on pages with widgets) copies it to ``alt`` as each frame appears.
"""
import base64
import hashlib
import json
import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).resolve().with_name("alt_text.js")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# myst-nb's image mime types; the first four are stored base64-encoded (render_image)
BINARY = ("image/png", "image/jpeg", "image/gif", "application/pdf")
TEXT = ("image/svg+xml",)


def image_bytes(mime, content):
    """The bytes myst-nb writes for an image output, whose sha256 names its file."""
    if mime in BINARY:
        return base64.b64decode("".join(content) if isinstance(content, list) else content)
    text = "".join(content) if isinstance(content, list) else content
    return os.linesep.join(text.splitlines()).encode("utf-8")


def descriptions(notebook):
    """sha256 of each image output's bytes -> its description, from a notebook's JSON."""
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            for mime in BINARY + TEXT:
                if mime not in output.get("data", {}):
                    continue
                alt = output.get("metadata", {}).get(mime, {}).get("alt")
                if alt:
                    digest = hashlib.sha256(image_bytes(mime, output["data"][mime])).hexdigest()
                    found[digest] = alt
    return found


def executed_notebook(app, docname):
    """The notebook's JSON with the outputs the page shows, or None for a page that is
    not a notebook.

    When the build executes notebooks through its cache (``execute_notebooks: cache``),
    the page shows the cached run's outputs; myst-nb's copy in its output folder keeps
    the notebook's stored ones, so a figure that differs from run to run (a timing) would
    not be found there: the cached run is read from the cache itself. Otherwise (execution
    off, or a notebook not in the cache) the notebook as stored."""
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return None
    config = getattr(app.env, "mystnb_config", None)
    cache_path = getattr(config, "execution_cache_path", None)
    if getattr(config, "execution_mode", None) == "cache" and cache_path \
            and Path(cache_path).exists():
        import nbformat
        from jupyter_cache import get_cache

        try:
            _, merged = get_cache(cache_path).merge_match_into_notebook(
                nbformat.read(source, as_version=4))
            return json.loads(nbformat.writes(merged))
        except KeyError:        # not in the cache: the page shows the stored outputs
            pass
    return json.loads(source.read_text(encoding="utf-8"))


def on_doctree_read(app, doctree):
    notebook = executed_notebook(app, app.env.docname)
    if notebook is None:
        return
    alts = descriptions(notebook)
    missing = 0
    for image in doctree.findall(nodes.image):
        stem = Path(image.get("uri", "")).stem
        if len(stem) != 64 or image.get("alt"):    # not an output, or described by hand
            continue
        if stem in alts:
            image["alt"] = alts[stem]
        else:
            missing += 1
    if missing:
        logger.info(f"alt text: {missing} figure(s) of {app.env.docname} have no description "
                    "(outputs from before bpkit described figures: execute the notebook again)")


def on_config_inited(app, config):
    config.html_static_path = list(config.html_static_path) + [str(SCRIPT)]


def on_html_page_context(app, pagename, templatename, context, doctree):
    if WIDGET_VIEW in context.get("body", ""):
        app.add_js_file(SCRIPT.name)


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
