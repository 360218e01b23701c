"""Exercise notebooks as nbgrader marks them: answer cells, check cells, read-only cells.

Cells carry nbgrader's metadata (``metadata.nbgrader``, schema 3): an answer cell
has ``solution: true``; a check cell ``grade: true`` and ``points``; the other
cells are ``locked``. Every such cell has a ``grade_id``, by which a student's cell
is matched with the teacher's. An exercise is one or more check cells and the
answer cells before them (after the previous exercise's checks); it is named after
its first answer cell.
"""
import ast
import hashlib
import json
import re
from dataclasses import dataclass, field

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB_CODE = ("# YOUR CODE HERE", "raise NotImplementedError()")
STUB_MARKDOWN = "YOUR ANSWER HERE"


def nbgrader(cell):
    """The cell's nbgrader metadata, ``{}`` for a cell nbgrader does not know."""
    metadata = cell.get("metadata", {})
    meta = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """The cell's nbgrader id, or None (a student's file may hold anything here)."""
    gid = nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_answer(cell):
    return bool(nbgrader(cell).get("solution"))


def is_check(cell):
    return bool(nbgrader(cell).get("grade")) and cell.get("cell_type") == "code"


def source(cell):
    """The cell's source as one string (notebook files may store a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


@dataclass
class Exercise:
    """An exercise: its answer and check cells (by grade_id) and its points, in all and
    per check cell."""
    name: str
    answers: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    points: float = 0.0
    check_points: dict = field(default_factory=dict)


def exercises(nb):
    """The notebook's exercises, in order."""
    found, pending = [], []
    for cell in nb.cells:
        if is_answer(cell):
            pending.append(grade_id(cell))
        elif is_check(cell):
            points = float(nbgrader(cell).get("points", 0) or 0)
            if pending or not found:
                found.append(Exercise(pending[0] if pending else grade_id(cell), pending))
                pending = []
            found[-1].checks.append(grade_id(cell))
            found[-1].check_points[grade_id(cell)] = points
            found[-1].points += points
    return found


def code_cell_numbers(nb):
    """grade_id -> the cell's number among code cells, as nbval names its test items."""
    numbers, count = {}, 0
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            if grade_id(cell):
                numbers[grade_id(cell)] = count
            count += 1
    return numbers


def checksum(cell):
    """A fingerprint of what a student must not change: source, type and grading flags
    (as nbgrader's; outputs and execution counts do not count)."""
    meta = nbgrader(cell)
    lines = source(cell).replace("\r\n", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    flags = {key: bool(meta.get(key)) for key in ("grade", "solution", "locked")}
    points = meta.get("points", 0) if flags["grade"] else None
    if points is not None:
        try:
            points = float(points or 0)
        except (TypeError, ValueError):
            points = repr(points)     # a student's file may hold anything here
    fields = {"cell_type": cell.get("cell_type"), "source": text, "grade_id": meta.get("grade_id"),
              "points": points, **flags}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


def code_fingerprint(cell):
    """A fingerprint of the program a cell holds: its syntax tree and grading flags, so that
    comments, blank lines and spacing do not count (a comment the teacher adds to a check
    cell after release must not make every student's copy "edited"). A cell that does not
    parse falls back to its checksum."""
    try:
        tree = ast.dump(ast.parse(source(cell)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "checksum:" + checksum(cell)
    meta = nbgrader(cell)
    flags = [cell.get("cell_type"), meta.get("grade_id")] + \
        [bool(meta.get(key)) for key in ("grade", "solution", "locked")]
    return hashlib.sha256(json.dumps([tree, flags]).encode()).hexdigest()[:32]


def strip_solution(text, cell_type="code"):
    """The student's version of an answer: each BEGIN/END SOLUTION region becomes a stub
    at the region's indentation; a cell without markers becomes the stub entirely."""
    lines = text.split("\n")
    if not any(BEGIN in line for line in lines):
        if any(END in line for line in lines):
            raise ValueError(f"'{END}' without '{BEGIN}'")
        return "\n".join(STUB_CODE) if cell_type == "code" else STUB_MARKDOWN
    out, inside = [], False
    for number, line in enumerate(lines, start=1):
        if BEGIN in line:
            if inside:
                raise ValueError(f"line {number}: '{BEGIN}' inside another solution region")
            inside = True
            indent = re.match(r"\s*", line).group()
            stub = STUB_CODE if cell_type == "code" else (STUB_MARKDOWN,)
            out += [indent + line for line in stub]
        elif END in line:
            if not inside:
                raise ValueError(f"line {number}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{BEGIN}' without '{END}'")
    return "\n".join(out)


def has_markers(text):
    return BEGIN in text or END in text
