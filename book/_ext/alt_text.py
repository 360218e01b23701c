"""Every figure on a page carries its description (alt text), for readers who cannot see it.

bpkit gives each figure a description when a chapter runs (``bpkit/alt.py``): the
figure's ``image/png`` output carries it as output metadata ``{"alt": …}``. myst-nb
takes an image's alt text only from cell metadata, so without this extension every
``<img>`` of a chapter has its file name for alt text. Here, once a notebook is read,
each image node gets the description of the output it was written from: myst-nb names
an output's image file by the sha256 of its bytes, and the executed notebook (in
myst-nb's output folder) has those bytes beside their metadata.

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
    """The notebook as myst-nb executed it (written to its output folder), else the source."""
    folder = getattr(getattr(app.env, "mystnb_config", None), "output_folder", None)
    if folder:
        parts = docname.split("/")
        executed = Path(folder).joinpath(*parts[:-1], parts[-1] + ".ipynb")
        if executed.exists():
            return executed
    source = Path(app.env.doc2path(docname))
    return source if source.suffix == ".ipynb" else None


def on_doctree_read(app, doctree):
    path = executed_notebook(app, app.env.docname)
    if path is None:
        return
    alts = descriptions(json.loads(path.read_text(encoding="utf-8")))
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
