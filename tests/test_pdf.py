"""The PDF edition: sliders printed as grids of their frames, the print build's config,
what the page does before it is printed, and (on request) the whole PDF.

The grid is drawn at build time from a notebook's widget state
(``book/_ext/print_edition.py``): it is tested here on the state ``bp.explore``
writes and on every slider the chapters store. Building the whole PDF takes minutes
on two cores (the book as one page, then Chromium printing some 370 pages), so that
test runs only when ``BPKIT_TEST_PDF=1`` asks for it.
"""
import base64
import html
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pytest
import yaml
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

import bpkit as bp
from bpkit import pdf
from bpkit.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import print_edition  # noqa: E402

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# ---------------------------------------------------------------- a slider's frames


def explored(play=None, **grids):
    """The widget state and view id of a small ``bp.explore`` over ``grids``, as a
    notebook stores them, and the description -> PNG of every frame it drew."""
    def draw(**values):
        fig, ax = plt.subplots(figsize=(2 + values.get("width", 0), 1.5))
        ax.plot([0, 1], [0, values["slope"]])
        bp.plots.alt(fig, description(**values))
        return fig

    widget = bp.explore(draw, play=play, **grids)
    state, view = stored(widget)
    drawn = {entry["state"]["tooltip"]: base64.b64decode(entry["buffers"][0]["data"])
             for entry in state.values() if entry["model_name"] == "ImageModel"}
    plt.close("all")
    return state, view, drawn


def stored(widget):
    """(state, view id) of ``widget`` and the widgets it needs, as a notebook stores them."""
    from ipywidgets.embed import dependency_state, embed_data

    data = embed_data(views=[widget], state=dependency_state(widget, drop_defaults=False))
    return data["manager_state"]["state"], data["view_specs"][0]["model_id"]


def description(slope, width=0):
    return f"a line of slope {slope}, {2 + width} inches wide"


def test_every_frame_of_two_sliders_in_order_with_its_settings():
    state, view, drawn = explored(slope=[1, 2, 3], width=[0, 1])
    frames = print_edition.slider_frames(state, view)
    assert [f.settings for f in frames] == [
        (("slope", str(s)), ("width", str(w))) for s in (1, 2, 3) for w in (0, 1)]
    assert frames[3].label == "slope = 2, width = 1"
    # each frame is the picture drawn for its own setting, with its description
    for frame in frames:
        slope, width = (int(value) for _, value in frame.settings)
        assert frame.description == description(slope, width)
        assert frame.png == drawn[frame.description]
        assert print_edition.png_width(frame.png) * 2 == \
            (2 + width) * print_edition.png_width(frames[0].png)   # frames[0]: 2 inches
    assert len({f.png for f in frames}) == 6


def test_a_played_slider_prints_a_few_of_its_values_from_first_to_last():
    state, view, _ = explored(slope=[1, 2], width=[0, 1, 2, 3, 4, 5, 6], play="width")
    frames = print_edition.slider_frames(state, view)
    assert [f.label for f in frames] == [f"slope = {s}, width = {w}"
                                         for s in (1, 2) for w in (0, 2, 4, 6)]
    assert len(print_edition.slider_frames(state, view, every_value=True)) == 14
    grid = print_edition.frame_grid_html(frames, total=14)
    assert "8 of the 14 settings of the sliders slope, width:" in grid
    assert print_edition.printed_indices(3) == {0, 1, 2}
    assert print_edition.printed_indices(30) == {0, 10, 19, 29}


def test_a_box_with_one_image_and_no_stack_prints_that_image_at_the_sliders_values():
    import ipywidgets as widgets

    slider = widgets.SelectionSlider(options=[("0.1", 0.1), ("1", 1.0)], value=1.0,
                                     description="rate")
    image = widgets.Image(value=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
                          format="png")
    frames = print_edition.slider_frames(*stored(widgets.VBox([slider, image])))
    assert [(f.label, f.png) for f in frames] == [("rate = 1", image.value)]


def test_a_frame_without_its_picture_is_named():
    state, view, _ = explored(slope=[1, 2])
    for entry in state.values():
        if entry["model_name"] == "ImageModel":
            entry.pop("buffers")
    with pytest.raises(ValueError, match="no stored picture"):
        print_edition.slider_frames(state, view)
    with pytest.raises(KeyError, match="no model 'nope'"):
        print_edition.slider_frames(state, "nope")


def chapter_views():
    """(chapter, widget state, view id, tags) of every widget output the chapters store."""
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                if WIDGET_VIEW in output.get("data", {}):
                    yield (path.name, state, output["data"][WIDGET_VIEW]["model_id"],
                           cell["metadata"].get("tags", []))


def test_every_printed_chapter_slider_gives_one_labelled_frame_per_setting():
    printed = [v for v in chapter_views() if "remove-cell" not in v[3]]
    assert len(printed) >= 10, "the chapters' precomputed sliders were not found"
    for chapter, state, view, _ in printed:
        box = state[view]["state"]
        rows = [state[ref[len("IPY_MODEL_"):]] for ref in box["children"]]
        # a played slider shares a row (an HBox) with its play button
        sliders = [entry for row in rows for entry in
                   ([state[r[len("IPY_MODEL_"):]] for r in row["state"]["children"]]
                    if row["model_name"] == "HBoxModel" else [row])]
        sliders = [s for s in sliders if "_options_labels" in s["state"]]
        played = print_edition.played(state)
        options = [s["state"]["_options_labels"] for s in sliders]
        # a played slider prints some of its values, the others all of theirs
        shown = [[o[i] for i in sorted(print_edition.printed_indices(len(o)))]
                 if any(s is p for p in played) else o for s, o in zip(sliders, options)]
        frames = print_edition.slider_frames(state, view)
        assert len(frames) == math.prod(map(len, shown)), chapter
        assert len(print_edition.slider_frames(state, view, every_value=True)) == \
            math.prod(map(len, options)), chapter
        combinations = [list(c) for c in itertools.product(*shown)]
        for frame in frames:
            assert [value for _, value in frame.settings] in combinations, (chapter, frame.label)
            assert frame.png.startswith(b"\x89PNG"), chapter
        assert len({f.settings for f in frames}) == len(frames), chapter


# ---------------------------------------------------------------- the grid on the page


def frame(settings, width=480):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + width.to_bytes(4, "big")
           + b"\x00\x00\x01\x00" + repr(settings).encode())
    return print_edition.Frame(tuple(settings), png, "")


def test_columns_make_a_table_of_small_multiples_when_they_can():
    two = [frame([("rate", r), ("batch", b)]) for r in "abcd" for b in "xyz"]
    assert print_edition.columns(two) == 3                 # a row per rate, a column per batch
    two_wide = [frame([("rate", r), ("batch", b)], 640) for r in "abcd" for b in "xy"]
    assert print_edition.columns(two_wide) == 2
    played = [frame([("rate", r), ("step", k)]) for r in "abc" for k in "0259"]
    assert print_edition.columns(played) == 2              # a rate's four steps: two rows of two
    many_last = [frame([("rate", r), ("batch", b)]) for r in "ab" for b in "stuvwxyz"]
    assert print_edition.columns(many_last) == 3           # eight batch sizes: rows of three
    one = [frame([("rate", r)], 640) for r in "abcdefg"]
    assert print_edition.columns(one) == 2                 # wide figures: two to a row
    assert print_edition.columns(one[:1]) == 1
    assert print_edition.columns([]) == 1


def test_grid_html_holds_every_frame_inline_with_its_label_escaped():
    frames = [frame([("a<b", "1"), ("c", v)]) for v in ("x", "y")]
    grid = print_edition.frame_grid_html(frames)
    sources = re.findall(r'<img src="data:image/png;base64,([^"]+)"', grid)
    assert [base64.b64decode(s) for s in sources] == [f.png for f in frames]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", grid)
    assert [re.sub(r"<[^>]+>", "", c) for c in captions] == [
        "a&lt;b = 1, c = x", "a&lt;b = 1, c = y"]
    assert captions[0].count('<span class="print-setting">') == 2   # never broken inside
    assert "All 2 settings of the sliders a&lt;b, c:" in grid
    assert "--print-columns: 2" in grid
    assert 'alt="The figure at a&lt;b = 1, c = x."' in grid
    assert print_edition.frame_grid_html([]) == ""


def test_png_width_refuses_what_is_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        print_edition.png_width(b"GIF89a" + bytes(30))


# ---------------------------------------------------------------- the print build of a page


def doctree_with_widget(view):
    document = new_document("test", get_default_settings(Parser))
    section = nodes.section(ids=["chapter"])
    section += nodes.title(text="A chapter")
    section += nodes.raw("", f'<script type="{WIDGET_VIEW}">'
                             f'{json.dumps({"model_id": view})}</script>', format="html")
    section += nodes.raw("", "<p>other html</p>", format="html")
    document += section
    return document, section


def test_a_page_gets_its_chapter_break_its_grid_and_loses_the_widget_scripts():
    state, view, _ = explored(slope=[1, 2])
    js = {"ipywidgets_state": (None, {"type": WIDGET_STATE,
                                      "body": json.dumps({"state": state})}),
          "ipywidgets_0": ("offline/require.js", {}), "other": ("x.js", {})}
    env = SimpleNamespace(docname="book/09-x", nb_metadata={"book/09-x": {"js_files": js}})
    document, section = doctree_with_widget(view)
    print_edition.on_doctree_read(SimpleNamespace(env=env), document)
    assert "print-chapter" in section["classes"]
    raws = [r.astext() for r in section.findall(nodes.raw)]
    assert raws[1] == "<p>other html</p>"
    assert raws[0].startswith('<div class="print-frames"') and raws[0].count("<img") == 2
    assert WIDGET_VIEW not in "".join(raws)
    assert set(js) == {"other"}


def test_each_part_of_the_table_of_contents_opens_before_its_first_chapter():
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(ROOT / "_toc.yml")
    openings = print_edition.part_openings(site_map)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    expected = {part["chapters"][0]["file"]: part["caption"] for part in toc["parts"]}
    assert openings == expected
    assert openings["book/01-network"].startswith("Part I")


def test_view_id_reads_only_widget_views():
    assert print_edition.view_id(f'<script type="{WIDGET_VIEW}">{{"model_id": "abc"}}</script>') \
        == "abc"
    assert print_edition.view_id('<script type="text/javascript">1</script>') is None


# ---------------------------------------------------------------- the print build's config


def test_print_config_prints_stored_outputs_of_the_student_edition_with_the_print_extension():
    config = pdf.print_config(ROOT)
    assert config["execute"]["execute_notebooks"] == "off"
    assert {".*", "**/.*"} <= set(config["exclude_patterns"])   # no tool's cache read as a page
    extensions = config["sphinx"]["local_extensions"]
    assert extensions["print_edition"] == str(ROOT / "book" / "_ext")
    site = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert set(extensions) == set(site["sphinx"]["local_extensions"]) | {"print_edition"}
    assert all(Path(folder).is_absolute() and (Path(folder) / f"{name}.py").is_file()
               for name, folder in extensions.items())
    assert config["sphinx"]["config"]["book_edition"] == "student"
    # the widget scripts keep their order; everything else of the site's config is kept
    assert list(config["sphinx"]["config"]["nb_ipywidgets_js"]) == \
        list(site["sphinx"]["config"]["nb_ipywidgets_js"])
    assert config["parse"] == site["parse"] and config["bibtex_bibfiles"] == site["bibtex_bibfiles"]


def test_print_config_refuses_the_teacher_edition_and_a_folder_that_is_no_book(tmp_path):
    text = (ROOT / "_config_teacher.yml").read_text()
    (tmp_path / "_config.yml").write_text(text)
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    with pytest.raises(pdf.PdfError, match="book_edition: teacher"):
        pdf.print_config(tmp_path)
    with pytest.raises(pdf.PdfError, match="no _config.yml or _toc.yml"):
        pdf.repository_root(tmp_path / "elsewhere")


def test_single_page_is_copied_beside_the_static_files(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text("not a page")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.html").write_text("<p>the book</p>")
    (tmp_path / "index.html").write_text("redirect")
    page = pdf.single_page(tmp_path)
    assert page == tmp_path / "book.html" and page.read_text() == "<p>the book</p>"


def test_a_page_with_an_untypeset_equation_or_a_missing_picture_is_not_printed():
    ready = {"typeset": 3, "errors": 0, "raw": 0, "images": [], "fitted": 0}
    pdf.check_page(ready)
    with pytest.raises(pdf.PdfError, match="1 equation.s. MathJax could not typeset and 0"):
        pdf.check_page({**ready, "errors": 1})
    with pytest.raises(pdf.PdfError, match="and 2 left as TeX"):
        pdf.check_page({**ready, "raw": 2})
    with pytest.raises(pdf.PdfError, match="did not load: .'_images/a.png'."):
        pdf.check_page({**ready, "images": ["_images/a.png"]})


def test_count_pages_counts_page_objects_not_the_page_tree():
    data = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page /X 1 >>"
    assert pdf.count_pages(data) == 2


def test_the_pdf_subcommand():
    args = build_parser().parse_args(["pdf", "--out", "x.pdf"])
    assert args.out == "x.pdf" and args.run.__name__ == "_pdf" and args.timeout == 300


# ---------------------------------------------------------------- the page before printing

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="chromium is not installed (apt-get install chromium)")


@needs_chromium
def test_the_page_fits_a_wide_table_to_the_text_and_reports_a_missing_picture():
    sync_api = pytest.importorskip("playwright.sync_api")
    script = (ROOT / "book" / "_ext" / "print_edition.js").read_text()
    cells = "".join(f"<td>column{i}&nbsp;with&nbsp;long&nbsp;words</td>" for i in range(8))
    page_html = (f'<html><body><article><div id="text" style="width: 300px">'
                 f'<table id="wide"><tr>{cells}</tr></table>'
                 f'<table id="narrow"><tr><td>1</td></tr></table>'
                 f'<img src="data:image/png;base64,AAAA"></div></article>'
                 f"<script>{script}</script></body></html>")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=pdf.CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.set_content(page_html)
            found = tab.evaluate("() => window.printEdition.ready")
            wide, narrow = tab.evaluate("""() => [document.getElementById('wide'),
                                                 document.getElementById('narrow')].map(t => [
                t.scrollWidth, t.style.fontSize,
                (t.style.fontSize = '', t.scrollWidth)])""")   # the last: at its own size
        finally:
            browser.close()
    assert wide[2] > 600 and wide[0] <= 301 and wide[1].endswith("px")
    assert narrow[1] == ""                             # only the wide table was touched
    assert found["fitted"] == 1 and found["typeset"] == 0 and found["errors"] == 0
    assert len(found["images"]) == 1                   # the broken picture is reported


# ---------------------------------------------------------------- the whole PDF (on request)


@pytest.mark.skipif(os.environ.get("BPKIT_TEST_PDF") != "1",
                    reason="builds and prints the whole book (minutes): set BPKIT_TEST_PDF=1")
@needs_chromium
def test_the_whole_book_prints(tmp_path):
    report = pdf.build_pdf(ROOT, out=tmp_path / "book.pdf", work=tmp_path / "work")
    data = report.pdf.read_bytes()
    assert data.startswith(b"%PDF") and report.size == len(data)
    assert report.refused == []                        # nothing asked of another host
    page = (tmp_path / "work" / "_build" / pdf.BUILDER / pdf.PAGE).read_text(encoding="utf-8")
    # every precomputed slider became its grid, with every frame
    printed = [v for v in chapter_views() if "remove-cell" not in v[3]]
    assert page.count('class="print-frames"') == len(printed)
    assert WIDGET_VIEW not in page
    frames = sum(len(print_edition.slider_frames(state, view)) for _, state, view, _ in printed)
    assert page.count('class="print-frame"') == frames
    # the student edition: no line of a teacher's solution
    from test_browser import teacher_solution_lines
    leaked = [line for line in teacher_solution_lines() if line in page]
    assert not leaked, leaked
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(report.pdf)], capture_output=True, text=True)
        assert f"Pages:           {report.pages}" in info.stdout
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(report.pdf), "-"], capture_output=True,
                              text=True).stdout
        pages = text.split("\f")
        # each numbered chapter starts a page: its title opens that page (on one line or more)
        titles = re.findall(r'<h2><span class="section-number">(\d+)\. </span>([^<]+)<a', page)
        assert len(titles) >= 19
        def bare(text):   # pdftotext joins a title's lines, dropping a hyphen at a break
            return re.sub(r"[\s-]", "", text)

        openings = [bare(p) for p in pages]
        for number, title in titles:
            heading = bare(f"{number}. {html.unescape(title)}")
            assert any(o.startswith(heading) for o in openings), heading
        assert "Show code cell source" not in text
        assert not [line for line in teacher_solution_lines() if line in text]
