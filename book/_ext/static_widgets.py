"""The book's precomputed sliders drawn by a few kilobytes of script instead of the widget manager.

A page with widgets carries their state (written by myst-nb) and, by default, loads
the ipywidgets HTML manager to draw them: require.js and 3.6 MB of script whose setup
costs about a second of processor time on every such page before its sliders answer.
The book's static sliders (``bp.explore``) use a handful of models: boxes,
selection sliders, a play button, stacks of images, and jslinks between them.
``static_widgets.js`` draws exactly those with the browser's own controls (a range
input per slider, whose arrow keys, focus and screen-reader support come with it)
and links them as jslink does. A page whose widgets use any other model loads the
full manager (still served from ``_static/offline/`` by ``offline_assets``) and is
drawn by it. ``_config.yml`` names the script as myst-nb's ``nb_ipywidgets_js``, so
it loads only on pages with widgets; this extension puts it and its stylesheet among
the static files and links the stylesheet on those pages.
"""
from pathlib import Path

SCRIPT = Path(__file__).resolve().with_name("static_widgets.js")
CSS = SCRIPT.with_suffix(".css")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def on_config_inited(app, config):
    config.html_static_path = list(config.html_static_path) + [str(SCRIPT), str(CSS)]


def on_html_page_context(app, pagename, templatename, context, doctree):
    if WIDGET_VIEW in context.get("body", ""):
        app.add_css_file(CSS.name)


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("html-page-context", on_html_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
