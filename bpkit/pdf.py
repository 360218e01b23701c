"""The book as a PDF, for readers who print it and write in the margins.

    bpkit pdf                       ->  _build/pdf/book.pdf

Two steps, each a tool the book already uses:

1. **Build** the whole book as one HTML page (Sphinx's ``singlehtml`` builder) into
   ``_build/pdf/``, from a copy of ``_config.yml`` that adds the print extension
   (``book/_ext/print_edition.py``: every slider printed as a grid of its frames, a
   new page for every chapter and part, no navigation) and turns execution off: the
   notebooks are stored with their outputs, which the tests check against a fresh run,
   so the print shows what the site shows without running a chapter again. The
   edition is the site's, the student edition: no solution is printed.
2. **Print** that page with Chromium (Debian's ``chromium``, driven by playwright, as
   the browser tests drive it): served on 127.0.0.1, every request to any other host
   refused, printed once MathJax has typeset every equation and every font and
   picture has loaded, with the page number at the foot of each page.

The other route, Jupyter Book's LaTeX builder, needs TeX Live (several hundred
megabytes from apt, and more for Jupyter Book's own LaTeX class), prints each slider
as its Python repr and each measured table as plain text; the README says more.
"""
import functools
import html
import http.server
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

EXTENSION = "print_edition"
BUILDER = "singlehtml"
PAGE = "book.html"     # where the one page is copied: beside _static/, whose paths it uses
TITLE_FALLBACK = "the book"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

# The width of the text on an A4 page with print_edition.css's margins (210 - 2 × 16 mm),
# in CSS pixels: the page is laid out at the width it is printed at.
TEXT_WIDTH = round((210 - 2 * 16) / 25.4 * 96)
# The math is typeset when the book is built (book/_ext/static_math.py), at the size
# MathJax in Chromium would give it beside print_edition.css's 10 pt text: an ex
# measured as 8 of its 13.3 pixels, over the TeX font's x-height (0.442 em), 135.7 %.
PRINT_MATH_SCALE = 8 / (10 * 96 / 72) / 0.442


class PdfError(Exception):
    """The PDF cannot be made as asked; the message says why and what to do."""


@dataclass
class Report:
    """What one ``build_pdf`` made and how long each step took (seconds)."""
    pdf: Path
    pages: int
    size: int
    build_seconds: float
    print_seconds: float
    equations: int
    refused: list


def repository_root(root=None):
    """The book's repository (``_config.yml`` and ``_toc.yml`` at its top): ``root`` if
    given, else the clone this bpkit is installed from (``pip install -e .``)."""
    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    missing = [name for name in ("_config.yml", "_toc.yml") if not (root / name).is_file()]
    if missing:
        raise PdfError(f"{root} is not the book's repository (no {' or '.join(missing)}): "
                       "run bpkit pdf from a clone of the book, or pass --root")
    return root.resolve()


def print_config(root):
    """The book's ``_config.yml`` as the PDF build reads it (a dict).

    Execution off (the stored outputs are printed); hidden folders excluded; the print
    extension added to the book's own, and every extension's folder made absolute,
    since this copy is read from another folder; the edition left as ``_config.yml``
    has it (the student's).
    """
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    # hidden folders (a tool's cache such as .pytest_cache) hold no page of the book
    config["exclude_patterns"] = [*config.get("exclude_patterns", []), ".*", "**/.*"]
    sphinx = config.setdefault("sphinx", {})
    extensions = sphinx.get("local_extensions") or {}
    extensions = {name: str((root / folder).resolve()) for name, folder in extensions.items()}
    extensions[EXTENSION] = str((root / "book" / "_ext").resolve())
    sphinx["local_extensions"] = extensions
    sphinx.setdefault("config", {})["static_math_scale"] = PRINT_MATH_SCALE
    edition = sphinx.get("config", {}).get("book_edition", "student")
    if edition != "student":
        raise PdfError(f"_config.yml has book_edition: {edition}; the PDF is the student "
                       "edition and must hold no solution")
    return config


def jupyter_book():
    found = Path(sys.executable).with_name("jupyter-book")
    return str(found) if found.exists() else (shutil.which("jupyter-book") or "jupyter-book")


def build_html(root, out):
    """Build the book as one page into ``out``; returns the page (``out/.../book.html``)."""
    out.mkdir(parents=True, exist_ok=True)
    config = out / "_config.yml"
    # key order matters: the widget scripts must load in the order _config.yml lists them
    config.write_text(yaml.safe_dump(print_config(root), sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    command = [jupyter_book(), "build", str(root), "--builder", BUILDER, "--path-output",
               str(out), "--config", str(config), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise PdfError("the book's one-page build failed (warnings count as errors, as in the "
                       f"site's build):\n{(result.stdout + result.stderr)[-4000:]}")
    return single_page(out / "_build" / BUILDER)


def single_page(site):
    """The built page, copied to the top of ``site``.

    ``singlehtml`` writes the page under the root document's name (``book/intro.html``)
    but writes its links to ``_static/`` and ``_images/`` as seen from the top folder.
    """
    pages = [p for p in site.rglob("*.html") if p.parent != site and "_static" not in p.parts]
    if len(pages) != 1:
        raise PdfError(f"expected one page in {site}, found {len(pages)}")
    page = site / PAGE
    shutil.copyfile(pages[0], page)
    return page


def chromium():
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise PdfError("printing needs Chromium: apt-get install chromium (Debian)")
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    """An HTTP server for ``folder`` on 127.0.0.1 (a free port), running in a thread."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def footer(title):
    """Chromium's footer template: the book's title and the page number, small."""
    return ('<div style="font-size: 8px; width: 100%; margin: 0 16mm; color: #555; '
            'display: flex; justify-content: space-between;">'
            f'<span>{html.escape(title)}</span>'
            '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


def print_page(page, pdf, title, timeout=300):
    """Print ``page`` (a built HTML file) to ``pdf`` with headless Chromium.

    Returns ``(equations typeset, refused URLs)``. Raises ``PdfError`` if the page
    did not get ready within ``timeout`` seconds, an equation failed to typeset or a
    picture did not load.
    """
    try:
        from playwright.sync_api import Error as BrowserError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("printing needs the playwright package: pip install -r requirements.txt")
    server = serve(page.parent)
    origin = f"http://127.0.0.1:{server.server_port}/"
    refused = []

    def local_only(route):
        if route.request.url.startswith(origin):
            route.continue_()
        else:   # the print is made offline: nothing may come from elsewhere
            refused.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), headless=True,
                                        args=CHROMIUM_ARGS)
            try:
                tab = browser.new_page(viewport={"width": TEXT_WIDTH, "height": 1000})
                tab.emulate_media(media="print")
                tab.route("**/*", local_only)
                tab.goto(origin + page.name, wait_until="load", timeout=timeout * 1000)
                tab.wait_for_function("() => window.printEdition", timeout=timeout * 1000)
                # MathJax has typeset, fonts and pictures loaded, wide elements fitted
                found = tab.evaluate("() => window.printEdition.ready")
                check_page(found)
                tab.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True,
                        display_header_footer=True, header_template="<span></span>",
                        footer_template=footer(title), outline=True, tagged=True)
            except BrowserError as exc:
                raise PdfError(f"Chromium could not load or print {page.name} within "
                               f"{timeout:g} s: {str(exc).splitlines()[0]}") from None
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return found["typeset"], refused


def check_page(found):
    """Refuse to print a page whose equations or pictures did not all come out.

    ``found`` is what ``print_edition.js`` reports: MathJax errors, equations left as
    TeX, pictures that did not load.
    """
    problems = []
    if found["errors"] or found["raw"]:
        problems.append(f"{found['errors']} equation(s) MathJax could not typeset and "
                        f"{found['raw']} left as TeX")
    if found["images"]:
        problems.append(f"pictures that did not load: {found['images'][:5]}")
    if problems:
        raise PdfError("; ".join(problems))


def count_pages(pdf_bytes):
    """Pages of a PDF as Chromium writes it: its page objects (``/Type /Page``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_bytes))


def build_pdf(root=None, out=None, work=None, timeout=300):
    """Build the book's PDF; returns a ``Report``.

    ``out`` defaults to ``_build/pdf/book.pdf``, ``work`` (the one-page build) to
    ``_build/pdf/`` of the repository.
    """
    root = repository_root(root)
    work = Path(work) if work is not None else root / "_build" / "pdf"
    pdf = Path(out) if out is not None else root / "_build" / "pdf" / "book.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    title = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")).get(
        "title") or TITLE_FALLBACK
    start = time.perf_counter()
    page = build_html(root, work)
    built = time.perf_counter()
    partial = pdf.with_name(pdf.name + ".part")   # a failed print leaves the old PDF whole
    try:
        equations, refused = print_page(page, partial, title, timeout=timeout)
        partial.replace(pdf)
    finally:
        partial.unlink(missing_ok=True)
    printed = time.perf_counter()
    data = pdf.read_bytes()
    return Report(pdf=pdf, pages=count_pages(data), size=len(data),
                  build_seconds=built - start, print_seconds=printed - built,
                  equations=equations, refused=refused)
