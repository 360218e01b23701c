"""The math typeset at build time (book/_ext/static_math.py) on a small Sphinx site.

Each site is built by Sphinx with the extension, which runs the MathJax package the
book's build fetched (``_build/vendor-tools``; fetched here with npm if missing, as
``offline_assets`` does) in Node.
"""
import io
import re
import sys
import tempfile
from pathlib import Path

import pytest
from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import offline_assets  # noqa: E402
import static_math  # noqa: E402

CONF = """
extensions = ["static_math"]
mathjax_path = "offline/mathjax/tex-mml-chtml.js"
mathjax3_config = {"options": {"processHtmlClass": "math"}}
"""
PAGE = r"""
Math
====

Inline :math:`a^2 < b` in a sentence.

.. math:: \frac{1}{2}

.. math:: e^{i\pi} = -1
   :label: euler

.. math::
   :nowrap:

   \begin{align} a &= b \\ c &= d \end{align}
"""


@pytest.fixture(scope="session")
def tools():
    """The build's folder of tools, with MathJax's Node package in it."""
    folder = ROOT / "_build" / "vendor-tools"
    if not (folder / "mathjax" / "es5" / "node-main.js").exists():
        with tempfile.TemporaryDirectory() as static:
            offline_assets.ensure_assets(Path(static), folder)
    return folder


def build(root, pages, tools):
    """Build ``pages`` ({docname: reST}) with the extension into ``root/_build/html``;
    returns (the HTML folder, the build's warnings)."""
    src = root / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text(CONF)
    for name, text in pages.items():
        (src / name).with_suffix(".rst").parent.mkdir(parents=True, exist_ok=True)
        (src / name).with_suffix(".rst").write_text(text)
    out = root / "_build" / "html"
    out.mkdir(parents=True, exist_ok=True)
    if not (root / "_build" / "vendor-tools").exists():
        (root / "_build" / "vendor-tools").symlink_to(tools)    # where the book's build has it
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(root / "_build" / "doctrees"), "html",
                 status=None, warning=warnings, freshenv=False)
    app.build()
    return out, warnings.getvalue()


TOC = "Site\n====\n\n.. toctree::\n\n   math\n   sub/deeper\n"


def test_every_kind_of_equation_is_typeset_and_mathjax_is_not_loaded(tmp_path, tools):
    out, warnings = build(tmp_path, {"index": TOC, "math": PAGE, "sub/deeper": PAGE}, tools)
    assert "static math" not in warnings, warnings
    page = (out / "math.html").read_text()
    # inline, display, labelled and an align environment: four equations, none left as TeX
    assert page.count("<mjx-container") == 4
    assert page.count("<mjx-assistive-mml") == 4      # what a screen reader reads
    assert "\\(" not in page and "\\[" not in page and "\\begin{align}" not in page
    # the TeX's "<" (written &lt; in the HTML) was read as "<"
    assert "<mo>&lt;</mo>" in page
    # the outer elements stay; the equation's number stays before its math
    assert re.search(r'<div class="math notranslate nohighlight" id="equation-euler">\s*'
                     r'<span class="eqno">\(1\)<a class="headerlink"[^>]*>[^<]*</a></span>'
                     r'<mjx-container', page)
    assert page.count('<mjx-container class="MathJax" jax="CHTML" style="font-size: 127.3%;'
                      ' position: relative;" display="true">') == 3
    assert re.search(r'<mtable[^>]*>.*<mtr>.*<mtr>', page)        # align's two rows
    # no MathJax in the page, its stylesheet in <head> with the served fonts
    assert "tex-mml-chtml.js" not in page and "window.MathJax" not in page
    head = page[:page.index("</head>")]
    assert '<style id="MJX-CHTML-styles">' in head
    assert 'url("_static/offline/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff")' \
        in head
    deeper = (out / "sub" / "deeper.html").read_text()
    assert 'url("../_static/offline/mathjax/output/chtml/fonts/woff-v2/' in deeper
    # a page without math is left as it was
    assert "mjx-" not in (out / "index.html").read_text()


def test_a_typeset_page_is_left_alone(tmp_path, tools):
    out, _ = build(tmp_path, {"index": TOC, "math": PAGE, "sub/deeper": PAGE}, tools)
    before = {path: path.read_text() for path in out.rglob("*.html")}
    # again on the same files, and an incremental build in which nothing changed
    paths = sorted(before)
    assert static_math.typeset_pages(paths, out, tools, "offline/mathjax/tex-mml-chtml.js") == []
    build(tmp_path, {"index": TOC, "math": PAGE, "sub/deeper": PAGE}, tools)
    assert {path: path.read_text() for path in out.rglob("*.html")} == before


def test_a_tex_error_is_a_warning_naming_the_page(tmp_path, tools):
    bad = "Bad\n===\n\nA fraction with one argument: :math:`\\frac{1}`.\n"
    _, warnings = build(tmp_path, {"index": TOC.replace("sub/deeper", "bad"), "math": PAGE,
                                   "bad": bad}, tools)
    assert re.search(r"static math: bad\.html: MathJax cannot typeset '\\\\frac\{1\}'", warnings), \
        warnings
    assert "math.html" not in warnings
