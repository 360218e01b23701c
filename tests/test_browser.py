"""The book as a reader and a learner meet it, in a real browser (Debian's chromium).

(a) The built book, served on 127.0.0.1: every page loads with no failed request
and no request to another host, math is typeset by the site's own MathJax,
figures load, kernel-free sliders change their figure, search works.
(b) JupyterLab on 127.0.0.1, on the trusted copies ``bpkit lab`` makes: every chapter
with a live slider opens with its saved sliders drawn as widgets, runs top to bottom,
and each live slider, moved with the keyboard, redraws its figure, shown no wider
than its own pixels.
(c) The built book is the student edition: no line of a teacher's solution anywhere
in the site (pages, downloads, ``_sources``), no solution-only word in its search
index; the exercise pages are the students' copies with their check cells.

The book is built from the notebooks' stored outputs (execution off): the same
test run checks with nbval that those outputs are what the notebooks produce.
Screenshots of failures go to ``tests/_artifacts/``.
"""
import contextlib
import html as htmllib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "_artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Known and harmless: the first two come from Jupyter Book 1's theme and thebe on
# every page. The third: the ipywidgets HTML manager (1.0.x) typesets widget
# labels with MathJax 2's MathJax.Hub.Queue, which MathJax 3 does not have; the
# label text is set before that call, so labels without math show as they should.
HARMLESS = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode",
            "Cannot read properties of undefined (reading 'Queue')")

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install chromium)", pytrace=False)
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")

# The benchmarks' harnesses: the site built and served, a page's time to be usable
# (bench_pages), JupyterLab driven as a learner would (bench_lab).
sys.path.insert(0, str(ROOT / "bench"))
import bench_pages  # noqa: E402
from bpkit.pdf import CHROMIUM_ARGS  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The book built from stored outputs into a temporary folder, served on 127.0.0.1."""
    try:
        html = bench_pages.build_site(tmp_path_factory.mktemp("book"))
    except RuntimeError as failed:
        pytest.fail(f"the book does not build: {failed}")
    with bench_pages.serving(html) as base:
        yield base, html


chapter_pages = bench_pages.chapter_pages


class PageWatch:
    """Every request, failure and console error of one page."""

    def __init__(self, page, origin):
        self.origin, self.foreign, self.failed, self.errors = origin, [], [], []
        page.on("request", self.on_request)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} ({r.status})"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def on_request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != self.origin:
            self.foreign.append(request.url)

    def problems(self):
        errors = [e for e in self.errors if not any(h in e for h in HARMLESS)]
        return {k: v for k, v in (("foreign requests", self.foreign),
                                  ("failed requests", self.failed),
                                  ("javascript errors", errors)) if v}


@contextlib.contextmanager
def screenshot_on_failure(page, name):
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise


# The frame a widget box shows now (the selected page of its Stack): its model, since two
# settings may draw the same picture (no penalty at strength 0, whether L1 or L2).
SHOWN = """box => {
    const imgs = [...box.querySelectorAll('img')].filter(i => i.offsetParent !== null);
    return imgs.length ? (imgs[imgs.length - 1].dataset.model || imgs[imgs.length - 1].src)
                       : null; }"""


def visible_figure(page, slider_box):
    return slider_box.evaluate(SHOWN)


def press_and_see_new_figure(page, box, handle, timeout):
    """Move a slider one step with the keyboard (→, or ← at its end); the figure its box
    shows must change."""
    before = visible_figure(page, box)
    at_end = handle.evaluate("input => Number(input.value) === Number(input.max)")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    page.wait_for_function(f"""([box, before]) => {{ const shown = ({SHOWN})(box);
        return shown !== null && shown !== before; }}""", arg=[box, before], timeout=timeout)


SLIDER_BOXES = ".bp-widgets > .bp-vbox"
SLIDERS = ".bp-slider input[type=range]"
# measured on every page opened (never asserted: speed is the benchmark's business)
PAGE_TIMES = {}


@pytest.mark.parametrize("doc", chapter_pages())
def test_page_is_complete_offline(browser, site, doc, record_property):
    """Every page loads with no failed or foreign request and no script error, its math
    typeset, its figures loaded, its sliders drawn by the site's own script, and each
    slider, moved with the keyboard, changes its figure. The time until the page is
    usable and the bytes it fetched are recorded (``bench/bench_pages.py``), not asserted."""
    base, html = site
    context = browser.new_context()     # a first visit: nothing cached
    page = context.new_page()
    page.add_init_script(bench_pages.USABLE_CLOCK)
    watch = PageWatch(page, urlparse(base).netloc)
    with screenshot_on_failure(page, doc.replace("/", "_")):
        page.goto(f"{base}/{doc}.html", wait_until="load")
        measured = bench_pages.measure(page)
        PAGE_TIMES[doc] = measured
        record_property("usable_ms", round(measured["usable"]))
        record_property("bytes", measured["total"])
        source = (html / f"{doc}.html").read_text()
        if "math notranslate" in source:   # the page has math: MathJax must typeset it
            # a visible one: math in a heading is also in the print-only contents, never shown
            page.wait_for_selector("mjx-container:visible", timeout=20000)
            text = page.inner_text("article")
            assert "$$" not in text and "\\begin{" not in text
        images = page.eval_on_selector_all(
            "article img", "imgs => imgs.map(i => [i.src, i.complete && i.naturalWidth > 0])")
        broken = [src for src, ok in images if not ok and "data:" not in src[:5]]
        assert not broken, broken
        drawn_by = page.evaluate("() => window.bookWidgets || 'no script'")
        if "application/vnd.jupyter.widget-view+json" in source:
            # the book's own sliders, not the 3.6 MB manager it falls back on
            assert drawn_by == "static", drawn_by
            move_every_slider(page)
        else:
            assert drawn_by == "no script", "a page without widgets loads the widget script"
        page.wait_for_load_state("networkidle")
        assert not watch.problems(), watch.problems()
    context.close()


def move_every_slider(page):
    """Press → on each slider of a precomputed-figure widget; its figure must change."""
    boxes = [b for b in page.query_selector_all(SLIDER_BOXES) if b.query_selector("img")]
    assert boxes, "no slider with a precomputed figure on this page"
    for box in boxes:
        for handle in box.query_selector_all(SLIDERS):
            press_and_see_new_figure(page, box, handle, timeout=5000)


def test_play_buttons_animate_their_figure(browser, site):
    """A played slider (``bp.explore(..., play=...)``) runs on the static page: Play moves
    the slider through its values and the figure with it, Pause stops it, Stop returns it
    to the start; the buttons are named for a screen reader."""
    base, html = site
    docs = [doc for doc in chapter_pages() if "PlayModel" in (html / f"{doc}.html").read_text()]
    assert docs, "no page has a play button"
    page = browser.new_page()
    for doc in docs:
        with screenshot_on_failure(page, "play-" + doc.replace("/", "_")):
            page.goto(f"{base}/{doc}.html", wait_until="load")
            assert page.evaluate("() => window.bookWidgets") == "static"
            for box in [b for b in page.query_selector_all(SLIDER_BOXES) if b.query_selector(".bp-play")]:
                box.scroll_into_view_if_needed()
                row = box.query_selector(".bp-hbox:has(.bp-play)")
                slider = row.query_selector(SLIDERS)
                names = [b.get_attribute("aria-label") for b in row.query_selector_all(".bp-play button")]
                assert names == ["Play", "Pause", "Stop"], names
                seen = {visible_figure(page, box)}
                row.query_selector("button[aria-label=Play]").click()
                for _ in range(2):    # two steps: two new figures, without a key pressed
                    page.wait_for_function(f"""([box, seen]) => {{ const shown = ({SHOWN})(box);
                        return shown !== null && !seen.includes(shown); }}""",
                                           arg=[box, list(seen)], timeout=5000)
                    seen.add(visible_figure(page, box))
                row.query_selector("button[aria-label=Pause]").click()
                paused = slider.evaluate("s => Number(s.value)")
                assert paused >= 2
                page.wait_for_timeout(3 * 300 + 100)   # three intervals of bp.widgets.PLAY_INTERVAL
                assert slider.evaluate("s => Number(s.value)") == paused, "Pause did not stop it"
                row.query_selector("button[aria-label=Stop]").click()
                assert slider.evaluate("s => Number(s.value)") == 0
    page.close()


def test_a_widget_the_page_cannot_draw_itself_gets_the_full_widget_manager(browser, site):
    """static_widgets.js draws the book's few slider models; any other model (here a
    Button) makes it load the ipywidgets HTML manager from the site, which draws it."""
    import ipywidgets as widgets
    from ipywidgets.embed import embed_data

    base, html = site
    button = widgets.Button(description="press me")
    data = embed_data(views=[button])
    page_html = html / "book" / "_fallback_test.html"
    page_html.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<script type="application/vnd.jupyter.widget-state+json">'
        f'{json.dumps(data["manager_state"])}</script>'
        '<script defer src="../_static/static_widgets.js"></script></head><body>'
        f'<div><script type="application/vnd.jupyter.widget-view+json">'
        f'{json.dumps(data["view_specs"][0])}</script></div></body></html>')
    page = browser.new_page()
    watch = PageWatch(page, urlparse(base).netloc)
    try:
        page.goto(f"{base}/book/_fallback_test.html", wait_until="load")
        assert page.evaluate("() => window.bookWidgets") == "manager"
        page.wait_for_selector("button.jupyter-button:has-text('press me')", timeout=20000)
        assert not watch.foreign, watch.foreign
    finally:
        page.close()
        page_html.unlink()


@pytest.fixture(scope="module", autouse=True)
def page_times_report():
    """After the page tests: each page's time to be usable and bytes, in
    ``tests/_artifacts/page-times.json`` (``bench/bench_pages.py`` makes the table)."""
    yield
    if PAGE_TIMES:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "page-times.json").write_text(json.dumps(PAGE_TIMES, indent=1))


def undescribed(images):
    """The [src, alt] of images whose alt text says nothing: none, empty, or a file name."""
    def names_a_file(src, alt):
        alt = alt.strip()
        return (alt in src or alt.rsplit("/", 1)[-1] in src
                or re.search(r"\.(png|jpe?g|gif|svg|webp)$", alt, re.I))
    return [[src[:80], alt] for src, alt in images if alt is None or not alt.strip()
            or names_a_file(src, alt)]


def undescribed_frames(source):
    """Slider frames (the Image widgets of a Stack) that the page's widget state leaves
    without a description: the frames not yet shown are checked here, in the state."""
    match = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
                      source, re.S)
    if not match:
        return []
    state = json.loads(match.group(1))["state"]      # raw JSON: the page does not escape it
    frames = [child.removeprefix("IPY_MODEL_") for model in state.values()
              if model["model_name"] == "StackModel" for child in model["state"]["children"]]
    return [f for f in frames if state[f]["model_name"] == "ImageModel"
            and not (state[f]["state"].get("tooltip") or "").strip()]


@pytest.mark.parametrize("doc", chapter_pages())
def test_every_image_says_what_it_shows(browser, site, doc):
    """Every <img> has alt text, and it is a description, not a file name: each chapter
    figure, and each slider frame once the widget manager has drawn it."""
    base, html = site
    page = browser.new_page()
    with screenshot_on_failure(page, "alt-" + doc.replace("/", "_")):
        page.goto(f"{base}/{doc}.html", wait_until="networkidle")
        source = (html / f"{doc}.html").read_text()
        missing = undescribed_frames(source)
        assert not missing, f"{len(missing)} slider frames have no description: {missing[:3]} …"
        if "application/vnd.jupyter.widget-view+json" in source and "ImageModel" in source:
            page.wait_for_selector("img.bp-image", timeout=20000)
            # a frame drawn later (its slider moved) is described as it appears
            for box in page.query_selector_all(SLIDER_BOXES):
                handle = box.query_selector(SLIDERS)
                if handle and box.query_selector("img.bp-image"):
                    press_and_see_new_figure(page, box, handle, timeout=5000)
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.src, i.getAttribute('alt')])")
        assert not undescribed(images), undescribed(images)
        frames = page.eval_on_selector_all("img.bp-image", "imgs => imgs.map(i => i.alt)")
        assert all(len(alt) > 20 for alt in frames), frames     # a description, not a word
    page.close()


def test_search_finds_backpropagation(browser, site):
    base, _ = site
    page = browser.new_page()
    with screenshot_on_failure(page, "search"):
        page.goto(f"{base}/search.html?q=backpropagation", wait_until="networkidle")
        page.wait_for_selector("#search-results li", timeout=20000)
        assert len(page.query_selector_all("#search-results li")) >= 1
    page.close()


# ---------------------------------------------------------------- the student edition

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISES = ROOT / "book" / "exercises"


def joined(text):
    """Notebook files store a text as one string or as a list of lines."""
    return "".join(text) if isinstance(text, list) else text


def cell_text(cell):
    return joined(cell.get("source", ""))


def split_solutions(nb):
    """(solution lines, every other line of the notebook, outputs included) of a teacher's
    notebook. A solution is what sits between the markers, or a whole answer cell without
    them (the release replaces it entirely)."""
    solution, rest = [], []
    for cell in nb["cells"]:
        text = cell_text(cell)
        whole = cell.get("metadata", {}).get("nbgrader", {}).get("solution") \
            and SOLUTION_BEGIN not in text
        inside = False
        for line in text.splitlines():
            if SOLUTION_BEGIN in line or SOLUTION_END in line:
                inside = SOLUTION_BEGIN in line
            else:
                (solution if inside or whole else rest).append(line.strip())
        rest += [joined(o.get("text", "")) for o in cell.get("outputs", [])]
    return solution, rest


def book_text():
    """The source of every chapter and page, and of the exercises what students are given:
    a solution line that is also here (a chapter shows the same loop) gives nothing away."""
    pages = [p for folder in (ROOT / "book", EXERCISES) for p in sorted(folder.iterdir())]
    texts = [p.read_text(encoding="utf-8") for p in pages if p.suffix == ".md"]
    for path in (p for p in pages if p.suffix == ".ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts += split_solutions(nb)[1] if path.parent == EXERCISES else map(cell_text, nb["cells"])
    return "\n".join(texts)


def teacher_solution_lines():
    """The non-trivial lines of the teacher's solutions: those no page has reason to show."""
    given = book_text()
    lines = {line for path in EXERCISES.glob("*.ipynb")
             for line in split_solutions(json.loads(path.read_text(encoding="utf-8")))[0]}
    return sorted(line for line in lines if len(line) >= 6 and line not in given)


def readable_views(path):
    """The file's text as stored, and as a reader sees it (a page without its tags, a
    notebook's cells unescaped); nothing for images and fonts."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    if path.suffix == ".html":
        return [raw, htmllib.unescape(re.sub(r"<[^>]+>", "", raw))]
    if path.suffix == ".ipynb":
        cells = json.loads(raw)["cells"]
        return [raw] + [cell_text(c) for c in cells] + [
            joined(o.get("text", "")) for c in cells for o in c.get("outputs", [])]
    return [raw]


def test_site_holds_no_teacher_solution(site):
    _, html = site
    lines = teacher_solution_lines()
    assert len(lines) > 20, lines   # the exercises' answers, not a handful of leftovers
    found = {}
    for path in sorted(p for p in html.rglob("*") if p.is_file()):
        for view in readable_views(path):
            for line in lines:
                if line in view:
                    found.setdefault(line, set()).add(str(path.relative_to(html)))
    assert not found, "solution lines in the built site:\n" + "\n".join(
        f"  {line!r}: {sorted(paths)}" for line, paths in found.items())


def pages_with_term(index, term):
    """Numbers of the pages Sphinx's search index lists for ``term`` (one, or a list)."""
    pages = index["terms"].get(term, [])
    return pages if isinstance(pages, list) else [pages]


def test_search_index_holds_no_word_only_a_solution_has(site):
    from sphinx.search.en import SearchEnglish
    _, html = site
    lang = SearchEnglish({})

    def keys(text):   # the index stores a word stemmed, or as it is when the stem is too short
        return {k for w in lang.split(text) for k in (lang.stem(w).lower(), w.lower())}

    raw = (html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    for path in sorted(EXERCISES.glob("*.ipynb")):
        docname = f"book/exercises/{path.stem}"
        page = (html / f"{docname}.html").read_text(encoding="utf-8")
        without_code = re.sub(r"<pre.*?</pre>", "", page, flags=re.S)
        prose = htmllib.unescape(re.sub(r"<[^>]+>", " ", without_code))
        solution, rest = split_solutions(json.loads(path.read_text(encoding="utf-8")))
        only_solution = keys("\n".join(solution)) - keys("\n".join(rest)) - keys(prose)
        doc = index["docnames"].index(docname)
        indexed = {k for k in only_solution if doc in pages_with_term(index, k)}
        assert not indexed, f"{docname}: the search index has its solution's words {sorted(indexed)}"


def test_exercise_pages_are_the_students_copies(site):
    import nbformat
    from bpkit.grading.notebook import is_check, source
    from bpkit.grading.release import student_copy
    _, html = site
    for path in sorted(EXERCISES.glob("*.ipynb")):
        teacher = nbformat.read(path, as_version=4)
        download = html / "_sources" / "book" / "exercises" / path.name
        # the page's download is exactly what `bpkit release` hands out
        assert nbformat.read(download, as_version=4) == student_copy(teacher, path.name), path.name
        page = (html / "book" / "exercises" / f"{path.stem}.html").read_text(encoding="utf-8")
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", page))
        assert "# YOUR CODE HERE" in text and "raise NotImplementedError()" in text, path.name
        checks = [c for c in teacher.cells if is_check(c)]
        assert checks, path.name
        for check in checks:   # the check cell, and the line a passing answer prints
            assert source(check).strip() in text, (path.name, source(check))
            printed = "".join(o.get("text", "") for o in check.outputs).strip()
            assert printed and printed in text, (path.name, printed)
        # launch buttons would open the teacher's notebook from the repository
        links = page.replace(f"_sources/book/exercises/{path.name}", "")
        assert f"exercises/{path.name}" not in links, path.name


# ---------------------------------------------------------------- JupyterLab

import bench_lab  # noqa: E402

LIVE_CHAPTERS = bench_lab.chapters_with_live_sliders()
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# The figure's pixels, folded into one number: to tell whether the picture changed.
PIXELS = """img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    let hash = 0;
    for (const v of context.getImageData(0, 0, canvas.width, canvas.height).data)
        hash = (hash * 31 + v) | 0;
    return hash; }"""


def saved_widgets(chapter):
    """Does the book store ``chapter`` with its widgets' state (the saved sliders)?"""
    return WIDGET_STATE in json.loads((ROOT / "book" / chapter).read_text())["metadata"].get(
        "widgets", {})


@pytest.fixture(scope="module")
def lab_chapters(browser, tmp_path_factory):
    """Every chapter with a live slider, opened as a learner opens it: JupyterLab on
    127.0.0.1 serving a fresh ``bpkit lab --prepare-only`` workspace (trusted copies, with
    home, Jupyter data and config folders of its own), one page per chapter. Each page is
    looked at before anything runs; then Run All starts in every page, so that the
    chapters run side by side, each in its kernel. Yields ``(url, {chapter: (page, watch,
    saved, error)})``: ``saved`` is what the page showed before running (sliders drawn,
    the text of each output), ``error`` what went wrong meanwhile, for its test to report."""
    with bench_lab.running_lab(tmp_path_factory.mktemp("lab")) as (url, _, _):
        chapters = {}
        for chapter in LIVE_CHAPTERS:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(bench_lab.PAGE_CLOCK)
            chapters[chapter] = [page, PageWatch(page, urlparse(url).netloc), None, None]
            with record_error(chapters[chapter], chapter):
                bench_lab.open_chapter(page, url, chapter)
                if saved_widgets(chapter):   # JupyterLab draws them once the kernel is up
                    # attached, not visible: JupyterLab skips painting cells out of view
                    page.wait_for_selector(f"{bench_lab.NOTEBOOK} .jp-OutputArea-output "
                                           ".widget-slider", state="attached", timeout=120000)
                chapters[chapter][2] = page.evaluate("""notebook => {
                    notebook = document.querySelector(notebook);
                    return {sliders: notebook.querySelectorAll('.widget-slider').length,
                            outputs: [...notebook.querySelectorAll('.jp-OutputArea-output')]
                                     .map(o => o.textContent)}; }""", bench_lab.NOTEBOOK)
        for chapter, opened in chapters.items():
            if opened[3] is None:
                with record_error(opened, chapter):
                    bench_lab.start_run_all(opened[0])
        yield url, {chapter: tuple(opened) for chapter, opened in chapters.items()}
        for page, *_ in chapters.values():
            page.close()


@contextlib.contextmanager
def record_error(opened, chapter):
    """Keep an error of the fixture, and a screenshot, for the chapter's own test to report."""
    try:
        yield
    except Exception as exc:
        opened[3] = exc
        ARTIFACTS.mkdir(exist_ok=True)
        opened[0].screenshot(path=str(ARTIFACTS / f"jupyterlab-{chapter}.png"), full_page=True)


@pytest.mark.parametrize("chapter", LIVE_CHAPTERS)
def test_live_sliders_in_jupyterlab(lab_chapters, chapter):
    """The chapter's saved sliders are drawn as widgets before anything runs; after Run
    All, every live slider redraws its figure when moved, at the figure's natural size."""
    url, chapters = lab_chapters
    page, watch, saved, error = chapters[chapter]
    assert saved_widgets(chapter), f"{chapter} is stored without its widgets' state: " \
        "execute it (bpkit execute) so that its saved sliders show"
    if error is not None:
        raise error
    assert saved["sliders"] > 0, "no saved slider drawn before running"
    assert not [text for text in saved["outputs"] if "VBox(children=" in text], \
        "a saved slider is shown as text: the copy is not trusted"
    with screenshot_on_failure(page, f"jupyterlab-{chapter}"):
        bench_lab.wait_until_run(page, timeout=600_000)
        boxes = bench_lab.live_boxes(page)
        assert boxes, "no live slider after Run All"
        for box in boxes:
            box.scroll_into_view_if_needed()
            image = box.query_selector(":scope > img.widget-image")
            for description, handle in bench_lab.slider_handles(box):
                at_end = float(handle.get_attribute("aria-valuenow")) == float(
                    handle.get_attribute("aria-valuemax"))
                before = image.evaluate(PIXELS)
                shown = bench_lab.move(page, box, handle, "ArrowLeft" if at_end else "ArrowRight")
                assert image.evaluate(PIXELS) != before, f"{description}: the figure did not change"
                (natural, _), (width, _) = shown["natural"], shown["shown"]
                assert natural > 0 and width <= natural + 0.5, \
                    f"{description}: a {natural}-pixel figure shown {width:.0f} pixels wide"
        assert not watch.foreign, watch.foreign
    bench_lab.shut_down(url, bench_lab.chapter_session(url, chapter)[0])
