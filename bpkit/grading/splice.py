"""The notebook nbval grades: the teacher's executed notebook with the student's answers in it.

nbval compares a notebook's fresh run with the outputs stored in it, so grading
runs the *teacher's* notebook, whose check cells hold the expected lines, with
only the student's answer cells put in. Nothing else of the student's file is
trusted or run: not its outputs, not its check cells (an edited one is reported
and scores zero), not cells the student added. An answer the policy refuses, or
one that is missing, is replaced by the stub and scores zero; so does an answer
still identical to the stub, without a run.
"""
import copy
import json
import os
import stat
import warnings
from dataclasses import dataclass, field

import nbformat

from . import policy
from .notebook import checksum, code_fingerprint, grade_id, is_answer, is_check, source, \
    strip_solution

IGNORE_OUTPUT = "nbval-ignore-output"
#: A submitted notebook larger than this is not read (an exercise notebook is ~100 KB).
MAX_BYTES = 20 * 2**20


class NotANotebook(Exception):
    """A submitted file that is not a readable Jupyter notebook."""


def read_submission(path):
    """The student's notebook, or ``NotANotebook`` saying what is wrong with the file."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise NotANotebook(f"the file cannot be read ({type(exc).__name__})") from None
    if stat.S_ISLNK(mode):
        raise NotANotebook("a symbolic link, not a file: links are never followed")
    if not stat.S_ISREG(mode):
        raise NotANotebook("not a regular file")
    try:
        # O_NOFOLLOW: a link swapped in after the check above is not followed either.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as file:
            raw = file.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise NotANotebook(f"the file is larger than {MAX_BYTES // 2**20} MB")
        data = json.loads(raw.decode("utf-8-sig"))     # a byte-order mark is allowed
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotANotebook(f"not a valid notebook file ({type(exc).__name__}: "
                           f"{(str(exc).splitlines() or [''])[0][:120]})") from None
    except RecursionError:
        raise NotANotebook("not a valid notebook file (its JSON is nested too deeply)") from None
    if not isinstance(data, dict) or not ("cells" in data or "worksheets" in data):
        raise NotANotebook("not a notebook: the JSON has no list of cells")
    try:                      # an old (v3) notebook is converted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(data), as_version=4)
    except nbformat.ValidationError:
        # Schema slips (a stray field, a missing id) do not stop grading: only the cells'
        # type, source and metadata are read.
        nb = nbformat.from_dict(data)
    except Exception as exc:   # nbformat's conversion errors have many types
        raise NotANotebook(f"not a notebook nbformat can read ({type(exc).__name__})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotANotebook("not a notebook: the JSON has no list of cells")
    if not all(isinstance(c, dict) and "cell_type" in c for c in nb.cells):
        raise NotANotebook("not a notebook: a cell has no cell_type")
    return nb


@dataclass
class Splice:
    """The notebook to run, and what was decided before running it."""
    notebook: object
    refused: dict = field(default_factory=dict)   # exercise -> why it scores 0 without a run
    notes: list = field(default_factory=list)     # remarks that cost no points
    runs: set = field(default_factory=set)        # exercises whose answers are in the notebook


def teacher_namespace(teacher):
    """What the teacher's notebook gives answers (setup cells, answers) and reserves (checks)."""
    ns = policy.Namespace()
    for cell in teacher.cells:
        if cell.cell_type == "code":
            ns.add_cell(source(cell), reserved=is_check(cell), trusted=True)
    return ns


def splice(teacher, student, exercises, stubbed=None, released=None):
    """Put ``student``'s answers into a copy of ``teacher``; the exercises in ``stubbed``
    (name -> reason) get stubs and score 0. ``released``: check cell id -> the code
    fingerprint of the copy the students received (from the release manifest); a check
    cell matching it, or the teacher's current one, is not "edited"."""
    stubbed = stubbed or {}
    cells, duplicates = {}, set()
    for cell in student.cells:
        gid = grade_id(cell)
        if gid in cells:
            duplicates.add(gid)
        elif gid:
            cells[gid] = cell
    result = Splice(copy.deepcopy(teacher))
    teacher_cells = {grade_id(c): c for c in teacher.cells if grade_id(c)}
    ns = teacher_namespace(teacher)
    for gid, cell in cells.items():     # a helper defined in one answer may serve another
        if gid in teacher_cells and is_answer(teacher_cells[gid]) \
                and cell.get("cell_type") == "code":
            ns.add_cell(source(cell))
    for ex in exercises:
        reasons = _check_cells(ex, cells, teacher_cells, released or {})
        reasons += _answer_cells(ex, cells, teacher_cells, ns)
        if ex.name in stubbed:
            reasons.insert(0, stubbed[ex.name])
        if reasons:
            result.refused[ex.name] = "; ".join(reasons)
        else:
            result.runs.add(ex.name)
    for cell in result.notebook.cells:
        gid = grade_id(cell)
        if is_answer(cell) and cell.cell_type == "code":
            mine = cells.get(gid)
            runs = any(gid in ex.answers and ex.name in result.runs for ex in exercises)
            cell.source = source(mine) if runs else strip_solution(source(cell))
            cell.outputs = []
            cell.metadata["tags"] = list(cell.metadata.get("tags", [])) + [IGNORE_OUTPUT]
    result.notes += _notes(student, cells, teacher_cells, duplicates)
    return result


def _check_cells(ex, cells, teacher_cells, released):
    reasons = []
    for gid in ex.checks:
        mine = cells.get(gid)
        if mine is None:
            reasons.append(f"check cell {gid} is missing")
        elif code_fingerprint(mine) not in (code_fingerprint(teacher_cells[gid]),
                                            released.get(gid)):
            reasons.append(f"check cell {gid} was edited (its code differs from the teacher's)")
    return reasons


def _answer_cells(ex, cells, teacher_cells, ns):
    reasons = []
    for gid in ex.answers:
        mine = cells.get(gid)
        if mine is None or mine.get("cell_type") != teacher_cells[gid].cell_type:
            reasons.append(f"answer cell {gid} is missing (deleted, or its metadata changed)")
        elif mine.get("cell_type") == "code":
            stub = strip_solution(source(teacher_cells[gid]))
            if _normalized(source(mine)) == _normalized(stub):
                reasons.append(f"not answered: answer cell {gid} still holds the stub")
            elif problems := policy.problems(source(mine), ns):
                reasons.append(f"answer {gid} not allowed: " + "; ".join(problems))
    return reasons


def _normalized(text):
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _notes(student, cells, teacher_cells, duplicates):
    notes = []
    # JupyterLab adds an empty cell after the last one: empty cells are nobody's work.
    added = [c for c in student.cells if grade_id(c) not in teacher_cells and source(c).strip()]
    if added:
        notes.append(f"{len(added)} cell(s) not in the exercise notebook were not run")
    for gid in sorted(duplicates):
        notes.append(f"several cells carry the id {gid}; the first one was graded")
    changed = [gid for gid, cell in cells.items() if gid in teacher_cells
               and not is_answer(teacher_cells[gid]) and not is_check(teacher_cells[gid])
               and checksum(cell) != checksum(teacher_cells[gid])]
    if changed:
        notes.append(f"read-only cell(s) {', '.join(changed)} were changed; the originals were run")
    return notes
