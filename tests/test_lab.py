"""``bpkit lab``: the learner's workspace of copies, trusted on their machine, never the book.

Each test works on a small copy of the real book (two chapters, one with saved sliders,
the pages and every exercise) in a temporary repository, and signs in a temporary Jupyter
data folder: JupyterLab itself is never started here.
"""
import hashlib
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary

from bpkit.cli import main
from bpkit.grading.notebook import BEGIN, END, STUB_CODE, is_answer, source
from bpkit.grading.release import student_copy
from bpkit.lab import LabError, book_files, default_workspace, find_book, format_report, \
    jupyterlab_command, prepare

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def chapters_with_sliders():
    return sorted(p for p in BOOK.glob("*.ipynb")
                  if WIDGET_STATE in json.loads(p.read_text())["metadata"].get("widgets", {}))


SLIDERS = min(chapters_with_sliders(), key=lambda p: p.stat().st_size)   # the smallest will do
OTHER = next(p for p in sorted(BOOK.glob("*.ipynb")) if p != SLIDERS)
CHAPTER = SLIDERS.stem


@pytest.fixture
def book(tmp_path):
    """A repository whose book holds two chapters, the pages, every exercise and the
    build's ``_ext`` folder (which a learner does not need)."""
    repo = tmp_path / "repo"
    (repo / "book").mkdir(parents=True)
    (repo / "_toc.yml").write_text("root: book/intro\n")
    for path in [SLIDERS, OTHER, *BOOK.glob("*.md")]:
        shutil.copy2(path, repo / "book" / path.name)
    shutil.copytree(BOOK / "exercises", repo / "book" / "exercises",
                    ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(BOOK / "_ext", repo / "book" / "_ext", ignore=shutil.ignore_patterns("__py*"))
    return repo / "book"


@pytest.fixture
def notary(tmp_path, monkeypatch):
    """The learner's notary, in a Jupyter data folder of this test only (as the server's)."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    notary = NotebookNotary()
    assert Path(notary.data_dir) == tmp_path / "jupyter-data"
    yield notary
    getattr(notary, "close", lambda: None)()


def tree(folder):
    """Relative path -> SHA-256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def solution_lines(nb):
    """The lines between the solution markers of a teacher's notebook that the notebook
    does not also give elsewhere (a hint may show the first line of the answer)."""
    solution, given, inside = [], [], False
    for cell in nb.cells:
        for line in source(cell).splitlines():
            if BEGIN in line or END in line:
                inside = BEGIN in line
            elif line.strip():
                (solution if inside else given).append(line.strip())
    return [line for line in solution if not any(line in text for text in given)]


def learner_edits(path, text="my notes"):
    """What a learner's save does: a new cell, and the outputs gone (an autosave during
    Restart and Run All). Returns the bytes saved."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)
    return path.read_bytes()


def trusted_by_the_server(workspace, relpath):
    """Does the Jupyter server mark every code cell of the notebook trusted, as it does
    when JupyterLab opens it (``GET /api/contents/<path>``)?"""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    cells = FileContentsManager(root_dir=str(workspace)).get(relpath)["content"]["cells"]
    return all(c["metadata"]["trusted"] for c in cells if c["cell_type"] == "code")


def test_the_workspace_is_lab_beside_the_book_in_a_clone(book, tmp_path, monkeypatch):
    assert default_workspace(book) == book.parent / "lab"
    assert find_book() == BOOK     # this bpkit is installed from the repository (pip -e .)
    elsewhere = tmp_path / "downloaded" / "book"
    elsewhere.mkdir(parents=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    assert default_workspace(elsewhere) == tmp_path / "data-home" / "bpkit" / "lab"
    with pytest.raises(LabError, match="not a folder"):
        find_book(tmp_path / "nowhere")


def test_first_run_copies_chapters_pages_and_the_students_exercises(book, notary):
    workspace = default_workspace(book)
    report = prepare(book, workspace, notary=notary)
    files = book_files(book)
    assert {p.as_posix() for p in files} == set(tree(workspace)) - {".bpkit-lab.json"}
    assert not any(p.parts[0] == "_ext" for p in files)
    assert len(report.copied) == len(files) and not report.reset and not report.changed
    exercises = sorted((book / "exercises").glob("*.ipynb"))
    assert exercises
    for rel in files:
        copy, original = workspace / rel, book / rel
        if original.parent.name != "exercises" or rel.suffix != ".ipynb":
            assert copy.read_bytes() == original.read_bytes(), rel
            continue
        teacher, given = nbformat.read(original, as_version=4), nbformat.read(copy, as_version=4)
        text = copy.read_text()
        assert solution_lines(teacher) and not any(line in text for line in solution_lines(teacher))
        assert BEGIN not in text and END not in text
        assert all(stub in text for stub in STUB_CODE)
        assert [source(c) for c in given.cells] == \
            [source(c) for c in student_copy(teacher).cells]      # what bpkit release hands out
        assert not any(c.get("outputs") for c in given.cells)
        assert sum(is_answer(c) for c in given.cells) == sum(is_answer(c) for c in teacher.cells)


def test_copies_are_trusted_as_the_jupyter_server_sees_them(book, notary, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    notebooks = [p.relative_to(workspace).as_posix() for p in workspace.rglob("*.ipynb")]
    assert len(notebooks) == 2 + len(list((book / "exercises").glob("*.ipynb")))
    for relpath in notebooks:
        assert trusted_by_the_server(workspace, relpath), relpath
    assert nbformat.read(workspace / SLIDERS.name, as_version=4).metadata.widgets[WIDGET_STATE]
    # a notebook bpkit lab did not write is not trusted: the check can fail
    shutil.copy(book / "exercises" / "01-sigmoid.ipynb", workspace / "teacher.ipynb")
    assert not trusted_by_the_server(workspace, "teacher.ipynb")
    # another Jupyter data folder (another user, a new machine) trusts nothing yet ...
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "other-data"))
    assert not trusted_by_the_server(workspace, SLIDERS.name)
    # ... until the next run signs the unedited copies there
    prepare(book, workspace)     # the notary of the data folder in the environment
    assert trusted_by_the_server(workspace, SLIDERS.name)
    assert not trusted_by_the_server(workspace, "teacher.ipynb")


def test_learners_edits_survive_and_the_book_is_untouched(book, notary, tmp_path):
    before = tree(book)
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    chapter = learner_edits(workspace / SLIDERS.name)
    answer = learner_edits(workspace / "exercises" / "01-sigmoid.ipynb", "my answer")
    again = prepare(book, workspace, notary=notary)
    assert (workspace / SLIDERS.name).read_bytes() == chapter
    assert (workspace / "exercises" / "01-sigmoid.ipynb").read_bytes() == answer
    assert not again.copied and not again.changed and not again.reset
    # saved behind JupyterLab's back, so no longer signed: the learner is told
    assert sorted(again.untrusted) == sorted([CHAPTER, "exercises/01-sigmoid"])
    assert tree(book) == before


def test_a_copy_saved_in_jupyterlab_stays_trusted(book, notary, tmp_path):
    from jupyter_server.services.contents.filemanager import FileContentsManager

    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    contents = FileContentsManager(root_dir=str(workspace))
    model = contents.get(SLIDERS.name)           # what JupyterLab opens ...
    model["content"].cells.append(nbformat.v4.new_markdown_cell("my notes"))
    contents.save(model, SLIDERS.name)           # ... and saves
    assert trusted_by_the_server(workspace, SLIDERS.name)
    assert "my notes" in (workspace / SLIDERS.name).read_text()
    again = prepare(book, workspace, notary=notary)
    assert not again.untrusted and "my notes" in (workspace / SLIDERS.name).read_text()


def test_reset_one_chapter_moves_the_edited_copy_to_backups(book, notary, tmp_path):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    edited = learner_edits(workspace / SLIDERS.name)
    kept = learner_edits(workspace / OTHER.name)
    report = prepare(book, workspace, reset=[CHAPTER], notary=notary)
    assert (workspace / SLIDERS.name).read_bytes() == SLIDERS.read_bytes()
    assert (workspace / OTHER.name).read_bytes() == kept
    [(name, backup)] = report.reset
    assert name == CHAPTER and backup.read_bytes() == edited
    assert backup.parent.parent == workspace / "backups"
    assert f"reset {CHAPTER} from the book; your edited copy is now {backup}" in \
        format_report(report)
    assert trusted_by_the_server(workspace, SLIDERS.name)


@pytest.mark.parametrize("spelling", ["{stem}.ipynb", "book/{stem}", "{workspace}/{stem}.ipynb"])
def test_reset_accepts_a_file_name_or_path(book, notary, tmp_path, spelling):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    learner_edits(workspace / SLIDERS.name)
    name = spelling.format(stem=CHAPTER, workspace=workspace)
    report = prepare(book, workspace, reset=[name, "01-sigmoid"], notary=notary)
    assert sorted(n for n, _ in report.reset) == sorted([CHAPTER, "exercises/01-sigmoid"])
    assert (workspace / SLIDERS.name).read_bytes() == SLIDERS.read_bytes()


def test_reset_everything_leaves_the_learners_own_files(book, notary, tmp_path):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    first = tree(workspace)
    learner_edits(workspace / SLIDERS.name)
    learner_edits(workspace / "exercises" / "02-quadratic-cost.ipynb")
    own = workspace / "my-experiment.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), own)
    report = prepare(book, workspace, reset=[], notary=notary)
    assert len(report.reset) == len(book_files(book))
    assert sum(backup is not None for _, backup in report.reset) == 2
    after = tree(workspace)
    assert {k: v for k, v in after.items() if k in first and k != ".bpkit-lab.json"} == \
        {k: v for k, v in first.items() if k != ".bpkit-lab.json"}
    assert "my-experiment.ipynb" in after


def test_an_unknown_reset_name_is_named_with_the_valid_ones_and_nothing_changes(
        book, notary, tmp_path, capsys):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    edited = learner_edits(workspace / SLIDERS.name)
    with pytest.raises(LabError) as error:
        prepare(book, workspace, reset=[CHAPTER, "02-sigmoid"], notary=notary)
    message = str(error.value)
    assert message.startswith("--reset 02-sigmoid: not a chapter")
    assert f"{CHAPTER}, " in message and "exercises/01-sigmoid" in message
    assert (workspace / SLIDERS.name).read_bytes() == edited
    # the command line says the same, on stderr, with exit status 2
    assert main(["lab", "--book", str(book), "--workspace", str(workspace), "--prepare-only",
                 "--reset", "nope"]) == 2
    err = capsys.readouterr().err
    assert "bpkit lab: --reset nope: not a chapter" in err and CHAPTER in err


def test_new_chapters_are_copied_and_changed_ones_reported(book, notary, tmp_path):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    old = (workspace / SLIDERS.name).read_bytes()
    shutil.copy(OTHER, book / "99-new.ipynb")
    nb = nbformat.read(book / SLIDERS.name, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("A new first paragraph."))
    nbformat.write(nb, book / SLIDERS.name)
    edited = learner_edits(workspace / OTHER.name)
    nb = nbformat.read(book / OTHER.name, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new last paragraph."))
    nbformat.write(nb, book / OTHER.name)
    report = prepare(book, workspace, notary=notary)
    assert report.copied == ["99-new"]
    assert sorted(report.changed) == sorted([(CHAPTER, False), (OTHER.stem, True)])
    assert (workspace / SLIDERS.name).read_bytes() == old
    assert (workspace / OTHER.name).read_bytes() == edited
    message = format_report(report)
    assert f"the book has changed {CHAPTER} since your copies were made; you have not " \
        f"edited them" in message and f"bpkit lab --reset {CHAPTER}\n" in message
    assert f"the book has changed {OTHER.stem} since your copies were made; you have " \
        f"edited them" in message and f"bpkit lab --reset {OTHER.stem}\n" in message
    assert trusted_by_the_server(workspace, "99-new.ipynb")
    prepare(book, workspace, reset=[CHAPTER], notary=notary)
    assert (workspace / SLIDERS.name).read_bytes() == (book / SLIDERS.name).read_bytes()
    assert prepare(book, workspace, notary=notary).changed == [(OTHER.stem, True)]


def test_a_run_cut_short_before_its_record_loses_nothing(book, notary, tmp_path):
    workspace = tmp_path / "ws"
    prepare(book, workspace, notary=notary)
    edited = learner_edits(workspace / OTHER.name)
    (workspace / ".bpkit-lab.json").unlink()
    report = prepare(book, workspace, notary=notary)
    assert report.foreign == [OTHER.stem]       # not known to be ours: kept, and said so
    assert (workspace / OTHER.name).read_bytes() == edited
    assert not report.copied and not report.changed
    assert f"{OTHER.stem}: kept as it was" in format_report(report)


def test_a_solution_outside_an_answer_cell_is_never_copied(book, notary, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"{BEGIN}\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n{END}")])
    nbformat.write(nb, book / "exercises" / "10-leaky.ipynb")
    with pytest.raises(LabError, match="10-leaky.ipynb.*solution"):
        prepare(book, tmp_path / "ws", notary=notary)
    assert not (tmp_path / "ws").exists()


def test_a_workspace_overlapping_the_book_is_refused(book, notary):
    before = tree(book)
    for workspace in (book, book / "lab", book.parent):
        with pytest.raises(LabError, match="overlap"):
            prepare(book, workspace, notary=notary)
    assert tree(book) == before


def test_the_command_prepares_and_passes_the_rest_to_jupyterlab(book, notary, monkeypatch, capsys):
    assert main(["lab", "--book", str(book), "--prepare-only"]) == 0
    out = capsys.readouterr().out
    assert f"workspace: {book.parent / 'lab'}/" in out and "not started" in out
    assert (book.parent / "lab" / SLIDERS.name).read_bytes() == SLIDERS.read_bytes()
    started = []
    monkeypatch.setattr("bpkit.lab.start_jupyterlab", lambda ws, args: started.append((ws, args)))
    main(["lab", "--book", str(book), "--no-browser", "--port", "8890", "--reset", CHAPTER])
    assert started == [((book.parent / "lab").resolve(), ["--no-browser", "--port", "8890"])]
    assert jupyterlab_command(book.parent / "lab", ["--no-browser"]) == [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={book.parent / 'lab'}",
        "--no-browser"]
    with pytest.raises(SystemExit):     # the other commands still refuse what they do not know
        main(["release", str(book), str(book.parent / "out"), "--no-browser"])
