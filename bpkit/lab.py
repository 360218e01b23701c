"""``bpkit lab``: the chapters in JupyterLab, in a workspace of the learner's own.

Opening ``book/`` itself in JupyterLab lets a learner change the very files the book is
built and tested from (an autosave during *Restart and Run All* stores a chapter without
its outputs), hands out the teacher's exercise notebooks, answers included, and shows
every saved slider as text (``VBox(children=…``): JupyterLab draws saved widget state only
in a notebook this machine trusts, and a fresh clone is trusted by no one. So:

- the first run copies the book's chapters, pages and the files they read into a
  workspace (:func:`default_workspace`: ``lab/`` beside ``book/``, git-ignored), and of
  each exercise the students' copy, made by ``bpkit release``'s own ``student_copy``
  (answers replaced by stubs, outputs cleared);
- every copy it writes is signed with nbformat's ``NotebookNotary`` in the learner's
  Jupyter data folder, the signature JupyterLab checks when it opens a notebook, so the
  saved sliders and figures show as soon as the kernel is up. (The outputs it vouches for
  are the book's own, from the clone whose code the learner runs anyway.)
- a copy is never overwritten: later runs add what the book added, and name the copies
  whose chapter the book has changed since; ``--reset`` starts chapters over from the
  book, first moving an edited copy to ``backups/``;
- nothing is ever written to the book.

The workspace's ``.bpkit-lab.json`` records the SHA-256 of each copy as written: a copy
with that hash is unedited, and a book whose fresh copy hashes otherwise has changed.
"""
import contextlib
import datetime
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.sign import NotebookNotary

from .grading.notebook import has_markers, is_answer, source
from .grading.release import ReleaseError, student_copy

#: In the workspace: what each copy held when written (hidden, so JupyterLab lists only copies).
MANIFEST = ".bpkit-lab.json"
#: In the workspace: edited copies that ``--reset`` replaced, one folder per reset.
BACKUPS = "backups"


class LabError(Exception):
    """The workspace cannot be prepared as asked; the message says why and what to do."""


# ---------------------------------------------------------------- where things are

def is_repository(root):
    """Is ``root`` the top of a clone of the book (``_toc.yml`` beside ``book/``)?"""
    return (root / "_toc.yml").is_file() and (root / "book").is_dir()


def find_book(book=None):
    """The book's folder: ``book`` if given, else ``book/`` of the repository this bpkit
    is installed from (``pip install -e .``)."""
    if book is not None:
        if not Path(book).is_dir():
            raise LabError(f"--book {book} is not a folder")
        return Path(book).resolve()
    root = Path(__file__).resolve().parent.parent
    if is_repository(root):
        return root / "book"
    raise LabError(f"this bpkit is installed in {root}, not in a clone of the book: pass the "
                   "book's folder, e.g. bpkit lab --book path/to/clone/book")


def default_workspace(book):
    """``lab/`` beside ``book/`` in a clone of the repository (git-ignored there); for a book
    elsewhere, ``lab/`` in the user's data folder (``~/.local/share/bpkit/lab`` on Linux)."""
    book = Path(book).resolve()
    if book.name == "book" and is_repository(book.parent):
        return book.parent / "lab"
    import platformdirs   # a dependency of jupyter_core, so there wherever JupyterLab is

    return Path(platformdirs.user_data_dir("bpkit")) / "lab"


def book_files(book):
    """What a learner needs from ``book``, as sorted relative paths: every notebook, page
    and file the notebooks read. Folders whose names start with ``_`` or ``.`` belong to
    the build (``_ext``, ``_vendor``, ``_build``, caches) and are left out."""
    book, found = Path(book), []
    for folder, subfolders, files in os.walk(book):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(("_", ".")))
        found += [(Path(folder) / f).relative_to(book) for f in files if not f.startswith(".")]
    return sorted(found)


def display_name(rel):
    """``06-gd-variants``, ``exercises/01-sigmoid``, ``methods.md``: how a file is named to
    the learner and in ``--reset``."""
    rel = Path(rel)
    return (rel.with_suffix("") if rel.suffix == ".ipynb" else rel).as_posix()


# ---------------------------------------------------------------- one copy

def fresh_copy(book, rel):
    """The bytes a new copy of ``book/rel`` holds: the file as it is, but for a notebook
    with answers the students' copy (``bpkit release``'s ``student_copy``)."""
    data = (Path(book) / rel).read_bytes()
    if Path(rel).suffix != ".ipynb":
        return data
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    if not any(is_answer(cell) or has_markers(source(cell)) for cell in nb.cells):
        return data
    try:
        return (nbformat.writes(student_copy(nb, Path(rel).name)) + "\n").encode("utf-8")
    except ReleaseError as exc:   # markers outside an answer cell: never hand that out
        raise LabError(f"{Path(book) / rel}: {exc}") from None


def digest(data):
    return hashlib.sha256(data).hexdigest()


def read_notebook(path):
    """The notebook as the Jupyter server reads it, so that signatures agree."""
    return nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)


def is_trusted(path, notary):
    try:
        return notary.check_signature(read_notebook(path))
    except Exception:   # not a notebook any more (edited by hand): certainly not trusted
        return False


def write_copy(target, data, notary):
    """Write ``data`` to ``target`` (whole or not at all) and, for a notebook, sign it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    if target.suffix == ".ipynb":
        notary.sign(read_notebook(target))


# ---------------------------------------------------------------- the workspace

@dataclass
class Report:
    """What :func:`prepare` did and found; names as :func:`display_name` gives them."""
    book: Path
    workspace: Path
    trust_dir: str
    copied: list = field(default_factory=list)
    reset: list = field(default_factory=list)      # (name, backup path or None)
    changed: list = field(default_factory=list)    # (name, whether the learner edited it)
    foreign: list = field(default_factory=list)    # there before, not written by bpkit lab
    untrusted: list = field(default_factory=list)  # edited copies this machine does not trust
    notes: list = field(default_factory=list)


def check_apart(book, workspace):
    if book == workspace or book in workspace.parents or workspace in book.parents:
        raise LabError(f"the workspace {workspace} and the book {book} overlap: the learner's "
                       "edits would reach the book; choose a workspace outside it")


def resolve_names(names, files, book, workspace):
    """The files of ``files`` that ``--reset`` names: by :func:`display_name`, with or
    without its suffix, by file name alone when that is unique, or as a path into the
    book or the workspace. A name that matches nothing is a ``LabError`` listing the names."""
    def spellings(rel, whole):
        full = {display_name(rel), rel.as_posix(), rel.with_suffix("").as_posix()}
        return full if whole else {s.rsplit("/", 1)[-1] for s in full}

    chosen, unknown = set(), []
    for name in names:
        key = Path(name)
        for folder in (book, workspace):   # a path such as lab/06-gd-variants.ipynb
            with contextlib.suppress(ValueError):
                key = key.resolve().relative_to(folder)
                break
        key = key.as_posix().removeprefix("book/")
        matches = ([rel for rel in files if key in spellings(rel, whole=True)]
                   or [rel for rel in files if key in spellings(rel, whole=False)])
        if len(matches) > 1:
            raise LabError(f"--reset {name}: which one? {', '.join(map(display_name, matches))}")
        if matches:
            chosen.add(matches[0])
        else:
            unknown.append(name)
    if unknown:
        notebooks = [display_name(rel) for rel in files if rel.suffix == ".ipynb"]
        others = [display_name(rel) for rel in files if rel.suffix != ".ipynb"]
        raise LabError(f"--reset {' '.join(unknown)}: not a chapter of {book}. The chapters "
                       f"and exercises: {', '.join(notebooks)}; the other files: "
                       f"{', '.join(others) or 'none'}")
    return chosen


def read_manifest(workspace, report):
    path = workspace / MANIFEST
    if not path.exists():
        return {}
    try:
        copies = json.loads(path.read_text(encoding="utf-8"))["copies"]
        return {str(k): str(v) for k, v in copies.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        report.notes.append(f"{path} was unreadable: every copy there is kept as it is, "
                            "and counted as edited")
        return {}


def write_manifest(workspace, copies):
    path = workspace / MANIFEST
    path.with_name(path.name + ".partial").write_text(
        json.dumps({"copies": copies}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    path.with_name(path.name + ".partial").replace(path)


@contextlib.contextmanager
def opened_notary(notary):
    """The notary given, or the learner's own (the Jupyter data folder, as the server's)."""
    if notary is not None:
        yield notary
        return
    notary = NotebookNotary()
    try:
        yield notary
    finally:
        getattr(notary, "close", lambda: None)()   # nbformat >= 5.11 holds the database open


def prepare(book, workspace, reset=None, notary=None):
    """Bring ``workspace`` up to date with ``book`` and return a :class:`Report`.

    A missing copy is made (and signed); an existing one is never overwritten, unless
    ``reset`` names it (``reset=[]``: every file of the book). An edited copy that is
    reset moves to ``backups/<time>/`` first. Unedited copies are signed again, so a new
    Jupyter data folder trusts them too. ``book`` is only read.
    """
    book, workspace = Path(book).resolve(), Path(workspace).resolve()
    check_apart(book, workspace)
    files = book_files(book)
    if not any(rel.suffix == ".ipynb" for rel in files):
        raise LabError(f"{book} holds no notebook: is it the book's folder?")
    to_reset = set(files) if reset == [] else resolve_names(reset or [], files, book, workspace)
    fresh = {rel: fresh_copy(book, rel) for rel in files}   # every error before any write
    with opened_notary(notary) as notary:
        report = Report(book, workspace, str(notary.data_dir))
        copies = read_manifest(workspace, report)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
        for rel in files:
            name, target = rel.as_posix(), workspace / rel
            exists = target.is_file()
            if exists and name not in copies and digest(target.read_bytes()) == digest(fresh[rel]):
                copies[name] = digest(fresh[rel])   # ours, from a run cut short before the record
            edited = exists and digest(target.read_bytes()) != copies.get(name)
            if not exists or rel in to_reset:
                backup = None
                if edited and rel in to_reset:
                    backup = workspace / BACKUPS / stamp / rel
                    backup.parent.mkdir(parents=True, exist_ok=True)
                    target.replace(backup)
                write_copy(target, fresh[rel], notary)
                copies[name] = digest(fresh[rel])
                if rel in to_reset:
                    report.reset.append((display_name(rel), backup))
                else:
                    report.copied.append(display_name(rel))
            elif name not in copies:
                report.foreign.append(display_name(rel))
            else:
                if digest(fresh[rel]) != copies[name]:
                    report.changed.append((display_name(rel), edited))
                if not edited and rel.suffix == ".ipynb":
                    notary.sign(read_notebook(target))
                elif edited and rel.suffix == ".ipynb" and not is_trusted(target, notary):
                    report.untrusted.append(display_name(rel))
        workspace.mkdir(parents=True, exist_ok=True)
        write_manifest(workspace, copies)
    return report


def format_report(report, command="bpkit lab"):
    """What happened, for the learner, one line a subject; ``command`` is how they ran us."""
    def shown(path, folder=False):
        with contextlib.suppress(ValueError):
            path = Path(path).relative_to(Path.cwd())
        return f"{path}/" if folder else str(path)

    lines = [f"workspace: {shown(report.workspace, True)} (your own copies, to edit and run as "
             f"you like; nothing in {shown(report.book, True)} is ever changed)"]
    if report.copied:   # the first run copies everything: name only what a later run adds
        names = f": {', '.join(report.copied)}" if len(report.copied) <= 8 else ""
        lines.append(f"copied {len(report.copied)} file(s) from the book (the exercises "
                     f"without their answers){names}")
    for name, backup in report.reset:
        kept = f"; your edited copy is now {shown(backup)}" if backup else ""
        lines.append(f"reset {name} from the book{kept}")
    unedited = [name for name, edited in report.changed if not edited]
    edited = [name for name, edited in report.changed if edited]
    if unedited:
        lines.append(f"the book has changed {', '.join(unedited)} since your copies were made; "
                     "you have not edited them, so nothing is lost by taking the book's new "
                     f"version: {command} --reset {' '.join(unedited)}")
    if edited:
        lines.append(f"the book has changed {', '.join(edited)} since your copies were made; "
                     "you have edited them, so they are kept as they are. To start one over "
                     f"from the book (your copy moves to {BACKUPS}/): "
                     f"{command} --reset {edited[0]}")
    for name in report.foreign:
        lines.append(f"{name}: kept as it was (not a copy made by bpkit lab); "
                     f"{command} --reset {name} replaces it with the book's")
    if report.untrusted:
        lines.append(f"not trusted on this machine, so saved sliders show as text until run: "
                     f"{', '.join(report.untrusted)} (edited outside JupyterLab?)")
    lines += report.notes
    lines.append(f"the copies are trusted on this machine (signatures in {report.trust_dir})")
    return "\n".join(lines)


# ---------------------------------------------------------------- JupyterLab

def jupyterlab_command(workspace, args=()):
    """JupyterLab of this Python, serving ``workspace``; ``args`` go to it as they are."""
    args = list(args)
    if args[:1] == ["--"]:
        args = args[1:]
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={workspace}", *args]


def start_jupyterlab(workspace, args=()):
    """Run JupyterLab in ``workspace``: on POSIX it replaces this process (so Ctrl-C and
    signals reach it directly); elsewhere it runs as a child. Returns its exit status."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise LabError(f"JupyterLab is not installed for {sys.executable}: "
                       "pip install -r requirements.txt")
    command = jupyterlab_command(workspace, args)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.chdir(workspace)
        os.execv(command[0], command)
    return subprocess.call(command, cwd=workspace)
