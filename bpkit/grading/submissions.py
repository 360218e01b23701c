"""Which file of which student is graded as which exercise notebook.

A class hands work back as one folder per student, named by the student's id::

    submitted/ann/01-sigmoid.ipynb
    submitted/bob/01-sigmoid (1).ipynb                 a browser's copy suffix
    submitted/cho/ps1/01-Sigmoid.ipynb                 nbgrader's submitted/<student>/<assignment>/

A folder that holds notebooks itself is one student's; a file given alone belongs
to the folder it is in. File names are matched forgivingly with the teacher's
(case, spaces, ``(1)``, ``copy``); when a student has two candidates for one
notebook, the exact name wins, else the newest file, and the result says which was
used. Symbolic links are never followed: a student's link to the teacher's notebook
or to a system file is graded as nothing.
"""
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..notebooks import SKIP_PARTS
from .scores import display_path

COPY_SUFFIXES = [re.compile(p, re.IGNORECASE) for p in (
    r"\s*\(\d+\)$",                 # "01-sigmoid (1)"
    r"[\s_-]*-?\s*copy(\s*\d+)?$",  # "01-sigmoid copy", "01-sigmoid - Copy 2", "01-sigmoid_copy"
    r"^copy\s+of\s+",               # "Copy of 01-sigmoid"
)]


@dataclass
class Submission:
    """One file to grade: whose it is, and which teacher notebook it answers (None: unknown)."""
    student: str
    path: Path
    notebook: str = None
    notes: list = field(default_factory=list)


def normalized(name):
    """A notebook's file name as it is compared: no extension, copy suffixes, case or spaces."""
    stem = name[:-len(".ipynb")] if name.lower().endswith(".ipynb") else name
    changed = True
    while changed:
        before = stem
        for pattern in COPY_SUFFIXES:
            stem = pattern.sub("", stem).strip()
        changed = stem != before
    return re.sub(r"[\s_]+", "-", stem.lower())


def collect(paths, teacher_names):
    """The submissions under ``paths`` (files, a student's folder, or a class folder), each
    matched with one of ``teacher_names``; one per student and notebook."""
    by_key, unknown = {}, []
    wanted = {normalized(n): n for n in teacher_names}
    for student, path in _files(paths):
        notebook = path.name if path.name in teacher_names else wanted.get(normalized(path.name))
        if notebook is None:
            unknown.append(Submission(student, path))
            continue
        by_key.setdefault((student, notebook), []).append(path)
    found = []
    for (student, notebook), candidates in by_key.items():
        chosen = _choose(candidates, notebook)
        sub = Submission(student, chosen, notebook)
        if chosen.name != notebook:
            sub.notes.append(f"graded {display_path(chosen.name)} as {notebook}")
        others = [display_path(p.name) for p in candidates if p != chosen]
        if others:
            sub.notes.append(f"{len(candidates)} files for {notebook}: graded "
                             f"{display_path(chosen.name)}, not {', '.join(others)}")
        found.append(sub)
    return sorted(found + unknown, key=lambda s: (s.student, s.notebook or "~", str(s.path)))


def _choose(candidates, notebook):
    """The exact name if present, else the most recently modified file."""
    exact = [p for p in candidates if p.name == notebook]
    if exact:
        return exact[0]
    return max(candidates, key=lambda p: (_mtime(p), str(p)))


def _mtime(path):
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _files(paths):
    """(student, notebook file) for everything under ``paths``."""
    for path in map(Path, paths):
        if path.is_symlink() or path.is_file():
            yield display_path(path.absolute().parent.name), path
        elif path.is_dir():
            notebooks = _notebooks(path)
            own = [p for p in notebooks if p.parent == path]
            if own:           # the folder holds notebooks itself: one student's folder
                for p in notebooks:
                    yield display_path(path.absolute().name), p
            else:             # a class folder: one subfolder per student
                for p in notebooks:
                    yield display_path(p.relative_to(path).parts[0]), p
        else:
            raise FileNotFoundError(f"no such file or folder: {display_path(path)}")


def _notebooks(folder):
    """The .ipynb files below ``folder``, without entering symbolic links to folders."""
    found = []
    for root, dirs, files in os.walk(folder):   # os.walk does not follow links by default
        dirs[:] = sorted(d for d in dirs if d not in SKIP_PARTS and not d.startswith("."))
        found += [Path(root) / f for f in sorted(files) if f.lower().endswith(".ipynb")]
    return found
