"""Two editions of one book: the published student edition, and the teacher's.

The exercise notebooks in ``book/exercises/`` are the teacher's copies, with each
answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. The site a class reads
must not hold those answers anywhere: not in a page, its downloadable ``.ipynb``, its
``_sources`` copy or the search index. So in the **student edition** (``book_edition:
student``, the default) Sphinx never reads a teacher notebook: when it reads a notebook
with answer cells, this extension hands it the student's copy instead, made on the spot
by ``bpkit release``'s own ``student_copy`` (stubs for the answers, outputs cleared,
check cells kept). Nothing is generated into the source tree, so no student copy sits in
git beside the teacher's, and ``bpkit execute``, nbval and ``bpkit grade`` see only the
teacher's notebooks.

On the page, and only there, each check cell is followed by the line a correct answer
prints, taken from the teacher's stored output: a student reading the page sees what to
aim for, and the downloaded notebook is exactly what ``bpkit release`` hands out. The
student copies are not executed (their stubs raise), and their pages have no launch
buttons, which would open the teacher's notebook from the repository.

The **teacher edition** (``book_edition: teacher``, see ``_config_teacher.yml``) shows
the teacher's notebooks as they are, answers behind a *show* toggle. It must be built
into a folder of its own: ``_build/html`` is the published site.

Text that differs between the editions sits in ``{only} student_edition`` and
``{only} teacher_edition`` blocks: the edition is also a Sphinx tag.
"""
from pathlib import Path

import nbformat
from sphinx.errors import ConfigError
from sphinx.util import logging

import bpkit.grading.notebook
import bpkit.grading.release
from bpkit.grading.notebook import BEGIN, is_answer, is_check
from bpkit.grading.release import student_copy

logger = logging.getLogger(__name__)

EDITIONS = ("student", "teacher")

# Reading a notebook depends on these too: a change to how copies are made re-reads the pages.
RELEASE_CODE = [Path(bpkit.grading.release.__file__), Path(bpkit.grading.notebook.__file__)]

EXPECTED_LINE_INTRO = "When your answer is right, the check above prints:"


def is_student_edition(app):
    return app.config.book_edition == "student"


def has_answers(nb):
    return any(is_answer(cell) for cell in nb.cells)


def may_hold_answers(text):
    # Cheap test first: most chapters are megabytes of figures and have no nbgrader cell.
    return "nbgrader" in text or BEGIN in text


def expected_lines(cell):
    """What the teacher's executed check cell printed: the line a correct answer gives."""
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def page_copy(teacher, name):
    """The student's copy as the page shows it: the released notebook, each check cell
    followed by the line a correct answer prints, and no execution (the stubs raise)."""
    page = student_copy(teacher, name)
    cells = []
    for released, original in zip(page.cells, teacher.cells):
        cells.append(released)
        if is_check(original):
            printed = expected_lines(original).rstrip("\n")
            if not printed:
                logger.warning(f"{name}: check cell {original.metadata['nbgrader']['grade_id']!r} "
                               "has no stored output: execute the teacher's notebook "
                               "(bpkit execute) so the page can show what a correct answer prints")
                continue
            cells.append(nbformat.v4.new_markdown_cell(
                f"{EXPECTED_LINE_INTRO}\n\n```text\n{printed}\n```"))
    page.cells = cells
    page.metadata.setdefault("mystnb", {})["execution_mode"] = "off"
    return page


def read_teacher(text):
    nb = nbformat.reads(text, as_version=4)
    return nb if has_answers(nb) else None


def on_config_inited(app, config):
    if config.book_edition not in EDITIONS:
        raise ConfigError(f"book_edition is {config.book_edition!r}: it must be one of {EDITIONS}")
    app.tags.add(f"{config.book_edition}_edition")
    published = (Path(app.srcdir) / "_build" / "html").resolve()
    if not is_student_edition(app) and Path(app.outdir).resolve() == published:
        raise ConfigError(f"the teacher edition holds the solutions and {published} is the "
                          "published site: build it elsewhere, e.g. --path-output _build/teacher")


def on_source_read(app, docname, source):
    if not is_student_edition(app) or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    if not may_hold_answers(source[0]):
        return
    teacher = read_teacher(source[0])
    if teacher is None:
        return
    for path in RELEASE_CODE:
        app.env.note_dependency(str(path))
    source[0] = nbformat.writes(page_copy(teacher, f"{docname}.ipynb"))


def drop_launch_buttons(app, pagename, templatename, context, doctree):
    """Launch buttons open the notebook from the repository: the teacher's, with answers."""
    if not is_student_edition(app) or pagename not in released_docs(app):
        return
    buttons = context.get("header_buttons", [])
    buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]


def released_docs(app):
    """Docname -> the teacher notebook's path, for every notebook with answer cells."""
    if not hasattr(app, "_released_docs"):
        app._released_docs = {}
        for docname in sorted(app.env.found_docs):
            path = Path(app.env.doc2path(docname))
            if path.suffix == ".ipynb":
                text = path.read_text(encoding="utf-8")
                if may_hold_answers(text) and read_teacher(text) is not None:
                    app._released_docs[docname] = path
    return app._released_docs


def replace_sources(app, exception):
    """Sphinx copies each page's source file to ``_sources/`` for the download button;
    the copy of a teacher notebook is replaced by what ``bpkit release`` hands out."""
    if exception is not None or not is_student_edition(app) or app.builder.format != "html" \
            or not app.config.html_copy_source:
        return
    for docname, path in released_docs(app).items():
        suffix = app.config.html_sourcelink_suffix
        name = docname + path.suffix + ("" if path.suffix == suffix else suffix)
        target = Path(app.outdir) / "_sources" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_copy(nbformat.read(path, as_version=4), path.name), target)


def setup(app):
    app.add_config_value("book_edition", "student", "env", types=[str])
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    # after sphinx-book-theme adds its buttons (priority 501)
    app.connect("html-page-context", drop_launch_buttons, priority=900)
    app.connect("build-finished", replace_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
