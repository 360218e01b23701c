"""The web book as a reader meets it: time to a usable page, and the bytes each page costs.

    .venv/bin/python bench/bench_pages.py                 # build from stored outputs, 3 rounds
    .venv/bin/python bench/bench_pages.py --html _build/html --rounds 5
    .venv/bin/python bench/bench_pages.py --pages book/06-gd-variants book/09-learning-rate

The site (built from the notebooks' stored outputs into a temporary folder, as the
browser tests build it, or an existing ``--html`` folder) is served on 127.0.0.1 and
every page of ``_toc.yml`` is opened in headless Chromium (Debian's ``chromium``),
each time in a fresh browser context: nothing cached, a first visit.

**Time to a usable page** is measured by the page itself on its own clock (from the
start of navigation, ``performance.now()``): the ``load`` event has fired, every
equation is typeset (each ``.math`` element holds MathJax's output: the book's math is
typeset when it is built, by ``book/_ext/static_math.py``, so this holds as soon as the
page is parsed; were MathJax to run in the page, it would hold once MathJax is done), and
every slider widget is drawn with its figure decoded (each widget-view ``<script>`` has
its drawn widget just before it, and every image shown in it has loaded). Once that
moment has come a slider answers at once: its frames are already in the page and the
link between slider and figure runs in the browser (``book/_ext/static_widgets.js``).

**Bytes** are what the page made the browser fetch, from the Resource Timing entries
once the network is idle: the page's own (its HTML, which carries every slider frame
and its typeset math, and its images) and the total with the shared scripts, styles and
fonts (the theme's, the math fonts, the slider script), which a reader's browser
fetches once for the whole book.

Times depend on the machine and on what else runs on it: the report gives the number
of cores and the load average. ``tests/test_browser.py`` takes the same measurements
on every page it opens (with ``measure``) and never asserts them.
"""
import argparse
import contextlib
import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml

from bench_lab import free_port
from bpkit.pdf import CHROMIUM_ARGS   # headless, offline, no first-run work

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Runs in the page before its own scripts: resolves ``window.bookUsable`` to the time
# (ms from navigation start) at which math is typeset and every widget is drawn.
USABLE_CLOCK = """
(() => {
  const VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const loaded = new Promise(resolve => window.addEventListener('load', resolve, {once: true}));

  function mathDone() {
    // typeset when no math element is without MathJax's output: the book's pages come
    // typeset from the build (book/_ext/static_math.py); a page that still loads
    // MathJax is done once MathJax has typeset it
    for (const math of document.querySelectorAll('.math')) {
      if (!math.querySelector('mjx-container')) return false;
    }
    return true;
  }

  function widgetsDone() {
    for (const script of document.querySelectorAll(VIEW)) {
      // the widget is drawn in a "widget-subarea" just before its script (by the book's
      // static_widgets.js, or by the ipywidgets manager)
      const drawn = script.previousElementSibling;
      if (!drawn || !drawn.classList.contains('widget-subarea') || !drawn.firstElementChild)
        return false;
      for (const img of drawn.querySelectorAll('img')) {
        if (img.offsetParent !== null && !(img.complete && img.naturalWidth > 0)) return false;
      }
    }
    return true;
  }

  window.bookUsable = loaded.then(() => new Promise(resolve => {
    (function poll() {
      if (mathDone() && widgetsDone()) resolve(performance.now());
      else requestAnimationFrame(poll);
    })();
  }));
})();
"""

# What the page fetched: its own document and images, and everything else.
BYTES = """() => {
  const entries = [performance.getEntriesByType('navigation')[0],
                   ...performance.getEntriesByType('resource')];
  const size = e => e.transferSize || e.encodedBodySize || 0;
  const own = entries.filter(e => e.entryType === 'navigation'
                              || e.initiatorType === 'img' || /\\/_images\\//.test(e.name));
  return {own: own.reduce((s, e) => s + size(e), 0),
          total: entries.reduce((s, e) => s + size(e), 0),
          requests: entries.length}; }"""


def build_site(out):
    """Build the book from the notebooks' stored outputs (execution off) into ``out``;
    returns the HTML folder. Raises ``RuntimeError`` with the build's output if it fails
    (the build is strict, ``-W -n``)."""
    out = Path(out)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    # paths in a config file are read relative to it: this copy lives elsewhere
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()}
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))  # script order matters
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out),
                             "--config", str(out / "_config.yml"), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-3000:] + result.stderr[-3000:])
    return out / "_build" / "html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(html):
    """Serve the folder ``html`` on 127.0.0.1; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def chapter_pages():
    """Every page of ``_toc.yml``, as its docname (``book/06-gd-variants``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from ([value] if key in ("file", "root") else walk(value))
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    return list(walk(toc))


def measure(page, timeout=30_000):
    """On a page opened with ``USABLE_CLOCK`` as an init script: ``{"usable": ms from the
    start of navigation to math typeset and widgets drawn, "own": bytes of the page and
    its images, "total": all bytes fetched, "requests": how many}``, once the network is
    idle. Raises ``TimeoutError`` if the page is not usable within ``timeout`` ms."""
    usable = page.evaluate("""timeout => Promise.race([window.bookUsable,
        new Promise(resolve => setTimeout(() => resolve(null), timeout))])""", timeout)
    if usable is None:
        raise TimeoutError(f"{page.url} was not usable (math typeset, widgets drawn) "
                           f"within {timeout} ms")
    page.wait_for_load_state("networkidle")
    return {"usable": usable, **page.evaluate(BYTES)}


def open_and_measure(browser, url):
    """Open ``url`` in a fresh context (a first visit: nothing cached) and measure it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(USABLE_CLOCK)
        page.goto(url, wait_until="load")
        return measure(page)
    finally:
        context.close()


def kilobytes(n):
    return f"{n / 1024:,.0f} KB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, help="an existing built site (default: build one)")
    parser.add_argument("--rounds", type=int, default=3, help="visits per page (default 3)")
    parser.add_argument("--pages", nargs="*", help="docnames, e.g. book/06-gd-variants")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    pages = args.pages or chapter_pages()
    with tempfile.TemporaryDirectory() as tmp:
        html = args.html or build_site(tmp)
        with serving(html) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            results = {doc: [] for doc in pages}
            for _ in range(args.rounds):          # rounds interleaved: a busy moment hits all
                for doc in pages:
                    results[doc].append(open_and_measure(browser, f"{base}/{doc}.html"))
            browser.close()

    print(f"Time to a usable page and bytes per page, first visit, {args.rounds} rounds; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.\n")
    print("| page | usable: median | slowest | page and its images | with shared files | requests |")
    print("|---|---|---|---|---|---|")
    for doc, runs in results.items():
        times = [r["usable"] for r in runs]
        print(f"| {doc} | {statistics.median(times):.0f} ms | {max(times):.0f} ms | "
              f"{kilobytes(runs[0]['own'])} | {kilobytes(runs[0]['total'])} | "
              f"{runs[0]['requests']} |")
    slowest = max(results, key=lambda d: statistics.median(r["usable"] for r in results[d]))
    heaviest = max(results, key=lambda d: results[d][0]["own"])
    print(f"\nSlowest to be usable: {slowest}, "
          f"{statistics.median(r['usable'] for r in results[slowest]):.0f} ms (median). "
          f"Heaviest: {heaviest}, {kilobytes(results[heaviest][0]['own'])} of its own, "
          f"{kilobytes(results[heaviest][0]['total'])} in all.")


if __name__ == "__main__":
    main()
