"""The book's math typeset once, when the book is built, instead of in every reader's browser.

Sphinx writes each equation as TeX (``<span class="math">\\(…\\)</span>``, and a
``<div class="math">`` holding ``\\[…\\]`` or a bare ``\\begin{align}…\\end{align}``)
and loads MathJax to typeset it when the page opens. On the book's longest pages
that is most of the time before the page can be used: on chapter 19, with about 250
equations, about 0.7 s to evaluate ``tex-mml-chtml.js`` and as much again to
typeset. Here, once the HTML pages are written, MathJax itself (the same pinned
package ``offline_assets`` fetches and serves, run in Node by ``static_math.js``)
turns each equation into the markup it would have made in the browser (CommonHTML,
with the equation as MathML for screen readers), each page gets the stylesheet for
the characters it uses, its fonts still served from ``_static/offline/mathjax/``,
and the page no longer loads MathJax at all.

One Node process typesets every page of a build. A page already typeset (an
unchanged page of an incremental build) is left as it is. TeX that MathJax cannot
typeset is a warning naming the page, so the strict build fails as it should.
Both HTML builders are served: the web site (``html``) and the PDF edition
(``singlehtml``, ``bpkit pdf``).
"""
import html
import json
import os
import re
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

import offline_assets

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).resolve().with_name("static_math.js")
FONTS = "_static/offline/mathjax/output/chtml/fonts/woff-v2"
# MathJax in the browser sizes math so that its x-height matches the text around it;
# for the theme's body text (16 px, ex measured as 9 px by Chromium) that is 9/16 over
# the TeX font's x-height (0.442 em), 127.3 %. Without a browser to measure, every
# equation gets that scale, relative to its own text's size. The PDF edition, whose
# text is smaller, sets its own (``static_math_scale``, in ``bpkit/pdf.py``).
SCALE = 9 / 16 / 0.442
# the stylesheet MathJax puts in <head>; a page that has it is already typeset
STYLE_ID = "MJX-CHTML-styles"

# An equation is (opening tag, its TeX with delimiters, closing tag); TeX in HTML has
# no "<" (it is written &lt;), so the TeX is what runs to the next tag.
INLINE = re.compile(r'(<span class="math notranslate nohighlight">)([^<]*)(</span>)')
# a display equation's div; a labelled one has its number (the eqno span) before the TeX
DISPLAY = re.compile(r'(<div class="math notranslate nohighlight"[^>]*>\s*'
                     r'(?:<span class="eqno">[^<]*<a [^>]*>[^<]*</a></span>)?)([^<]*)(</div>)')
MATH = 'class="math notranslate nohighlight"'
BRACKETS = re.compile(r"\s*\\\[(.*)\\\]\s*", re.DOTALL)
PARENS = re.compile(r"\s*\\\((.*)\\\)\s*", re.DOTALL)


def mathjax_scripts(mathjax_path):
    """The two script tags Sphinx adds for MathJax: its configuration and MathJax itself."""
    name = re.escape(os.path.basename(mathjax_path))
    return re.compile(r'[ \t]*<script>window\.MathJax = .*?</script>\n?|'
                      rf'[ \t]*<script[^>]*src="[^"]*{name}(?:\?[^"]*)?"[^>]*></script>\n?')


def tex(text, delimiters):
    """The TeX of an equation's HTML text: inside its ``delimiters``, else all of it
    (a display equation may be a bare ``\\begin{align}…\\end{align}``)."""
    text = html.unescape(text)
    found = delimiters.fullmatch(text)
    return found.group(1) if found else text.strip()


def math_items(page):
    """Every equation of a page's HTML as ``(match, tex, display)``, in page order."""
    items = [(m, tex(m.group(2), PARENS), False) for m in INLINE.finditer(page)]
    items += [(m, tex(m.group(2), BRACKETS), True) for m in DISPLAY.finditer(page)]
    return sorted(items, key=lambda item: item[0].start())


def font_url(path, outdir):
    """The math fonts' folder relative to the page at ``path``."""
    depth = len(path.relative_to(outdir).parts) - 1
    return "../" * depth + FONTS


def typeset(pages, tools):
    """Run ``static_math.js`` once on ``pages`` (``[{items, fontURL, scale}]``)."""
    es5 = Path(tools) / "mathjax" / "es5"
    result = subprocess.run([offline_assets.node_command(), str(SCRIPT), str(es5)],
                            input=json.dumps(pages), capture_output=True, text=True)
    if result.returncode != 0:
        raise ExtensionError(f"static math: MathJax failed in Node:\n{result.stderr.strip()}")
    return json.loads(result.stdout)


def typeset_pages(paths, outdir, tools, mathjax_path, scale=SCALE):
    """Typeset the math of the HTML pages ``paths`` in place; returns ``[(page, tex,
    problem)]`` for every equation MathJax could not typeset (its error message) and
    every math element left as TeX (``tex`` None)."""
    todo, problems = [], []
    for path in paths:
        page = path.read_text(encoding="utf-8")
        if f'id="{STYLE_ID}"' in page:
            continue                                   # typeset by an earlier build
        items = math_items(page)
        unknown = page.count(MATH) - len(items)
        if unknown:
            problems.append((path, None, f"{unknown} math element(s) in a form this "
                                         "extension does not read, left as TeX"))
        if items:
            todo.append((path, page, items))
    if not todo:
        return problems
    results = typeset([{"items": [[tex_, display] for _, tex_, display in items],
                        "fontURL": font_url(path, outdir), "scale": scale}
                       for path, _, items in todo], tools)
    scripts = mathjax_scripts(mathjax_path)
    for (path, page, items), result in zip(todo, results):
        pieces, end = [], 0
        for (match, tex_, _), done in zip(items, result["items"]):
            # the span or div stays (its classes, its id, an equation's number)
            pieces += [page[end:match.start(2)], done["html"]]
            end = match.end(2)
            if done["error"]:
                problems.append((path, tex_, done["error"]))
        page = "".join(pieces) + page[end:]
        page = scripts.sub("", page)
        style = f'<style id="{STYLE_ID}">\n{result["css"]}</style>\n'
        page = page.replace("</head>", style + "</head>", 1)
        path.write_text(page, encoding="utf-8")
    return problems


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html" or app.builder.name not in (
            "html", "dirhtml", "singlehtml"):
        return
    outdir = Path(app.outdir)
    paths = sorted(outdir.rglob("*.html"))
    tools = offline_assets.tools_folder(outdir)
    for path, tex_, problem in typeset_pages(paths, outdir, tools, app.config.mathjax_path,
                                             app.config.static_math_scale):
        what = f"MathJax cannot typeset {tex_!r}: " if tex_ is not None else ""
        logger.warning(f"static math: {path.relative_to(outdir)}: {what}{problem}")


def setup(app):
    app.add_config_value("static_math_scale", SCALE, "html", types=[float])
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
