"""``bpkit release``: the students' copies of the teacher's exercise notebooks.

Each answer region (``### BEGIN SOLUTION`` … ``### END SOLUTION``) becomes the stub
``# YOUR CODE HERE`` / ``raise NotImplementedError()``; every output is cleared, so
neither a solution nor an expected check line is handed out. Read-only cells get
nbgrader's checksum and JupyterLab's ``editable: false``; no nbgrader cell can be
deleted from the interface. Other files of the folder are copied as they are, and
``release-manifest.json`` records each check cell as released (its code fingerprint), so
that grading accepts the students' copies even after the teacher edits a check.
"""
import copy
import json
import shutil
from pathlib import Path

import nbformat

from ..notebooks import SKIP_PARTS, find_notebooks
from .notebook import checksum, code_fingerprint, grade_id, has_markers, is_answer, is_check, \
    nbgrader, source, strip_solution

#: Written beside the students' copies: what each check cell looked like when released.
MANIFEST = "release-manifest.json"

BOOK_ONLY_TAGS = {"hide-input"}


class ReleaseError(Exception):
    """A teacher notebook that cannot be released safely (it would leak a solution)."""


def student_copy(nb, name="notebook"):
    """The student's version of the teacher's notebook ``nb`` (which is left unchanged)."""
    nb = copy.deepcopy(nb)
    for number, cell in enumerate(nb.cells, start=1):
        text = source(cell)
        if is_answer(cell):
            try:
                cell.source = strip_solution(text, cell.cell_type)
            except ValueError as exc:
                raise ReleaseError(f"{name}, cell {number}: {exc}") from None
        elif has_markers(text):
            raise ReleaseError(f"{name}, cell {number} has solution markers but is not an answer "
                               "cell (nbgrader solution: true): releasing it would hand out the "
                               "solution")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        tags = [t for t in cell.metadata.get("tags", []) if t not in BOOK_ONLY_TAGS]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        meta = nbgrader(cell)
        if meta:
            meta["checksum"] = checksum(cell)
            cell.metadata["deletable"] = False
            if meta.get("locked") and not meta.get("solution"):
                cell.metadata["editable"] = False
    nb.metadata.pop("widgets", None)   # saved widget state belongs to the executed copy
    return nb


def released_checks(nb):
    """Check cell id -> code fingerprint, for the release manifest."""
    return {grade_id(c): code_fingerprint(c) for c in nb.cells if is_check(c) and grade_id(c)}


def read_manifest(path):
    """Notebook file name -> {check cell id -> fingerprint} from ``path`` (the manifest, or
    the folder ``bpkit release`` wrote it to); ``ValueError`` saying what is wrong."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST
    try:
        notebooks = json.loads(path.read_text(encoding="utf-8"))["notebooks"]
        return {Path(name).name: dict(checks) for name, checks in notebooks.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a release manifest written by bpkit release "
                         f"({type(exc).__name__})") from None


def release(teacher_dir, student_dir):
    """Write the student copies of every notebook under ``teacher_dir`` to ``student_dir``
    (same relative paths) and copy the other files; return the notebooks written."""
    teacher_dir, student_dir = Path(teacher_dir), Path(student_dir)
    if not teacher_dir.is_dir():
        raise FileNotFoundError(f"not a folder: {teacher_dir}")
    a, b = teacher_dir.resolve(), student_dir.resolve()
    if a == b or a in b.parents or b in a.parents:
        raise ReleaseError(f"{student_dir} and {teacher_dir} overlap: "
                           "the student copies would overwrite the teacher's notebooks")
    notebooks = find_notebooks([teacher_dir])
    if not notebooks:
        raise FileNotFoundError(f"no notebooks in {teacher_dir}")
    copies = {path: student_copy(nbformat.read(path, as_version=4), path.name)
              for path in notebooks}
    written = []
    for path, nb in copies.items():      # nothing is written unless every notebook released
        target = student_dir / path.relative_to(teacher_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    manifest = {"notebooks": {str(path.relative_to(teacher_dir)): released_checks(nb)
                              for path, nb in copies.items()}}
    (student_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for path in sorted(teacher_dir.rglob("*")):
        parts = set(path.relative_to(teacher_dir).parts)
        if path.is_file() and path.suffix != ".ipynb" and not SKIP_PARTS & parts \
                and not any(p.startswith(".") for p in parts):
            target = student_dir / path.relative_to(teacher_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return written
