"""What grading gives back: a score per exercise, and the table and CSV made of them."""
import csv
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "reason", "seed", "file"]


@dataclass
class ExerciseScore:
    name: str
    points: float
    max_points: float
    reason: str = ""        # why points were lost, or a remark
    details: str = ""       # what the failing check printed: its cases, expected and got


@dataclass
class NotebookGrade:
    path: str                                       # the file graded ("" if none was handed in)
    exercises: list = field(default_factory=list)   # ExerciseScore, in the notebook's order
    notes: list = field(default_factory=list)       # remarks on the file as a whole
    graded: bool = True                             # False: no exercise notebook of that name
    seed: int = None                                # the hidden cases' seed of the run
    student: str = ""                               # the student's id (their folder's name)
    notebook: str = ""                              # the teacher's notebook it was graded as

    @property
    def points(self):
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self):
        return sum(e.max_points for e in self.exercises)

    def zero(self, exercises, why):
        """Every exercise of the notebook scores 0, for one reason."""
        self.exercises = [ExerciseScore(ex.name, 0.0, ex.points, why) for ex in exercises]


def format_points(x):
    return f"{x:g}"


def display_path(path):
    """``path`` as text that can always be printed and written as UTF-8: bytes of a name
    that is not valid UTF-8 (a student's folder from another system) show as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def safe_text(text):
    """``text`` with anything UTF-8 cannot encode (lone surrogates from a student's file)
    written as escapes."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


#: Control characters (C0, DEL, C1): in a student's folder name or exception text they
#: could move the teacher's terminal cursor, retitle it, or start a forged table row.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(text):
    """One line of ``text`` safe to print and to write: control characters as ``\\xNN``."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", safe_text(text))


def spreadsheet_cell(text):
    """``plain(text)``, with a leading ``'`` where a spreadsheet would read a formula
    (``=``, ``+``, ``-``, ``@``): a student's folder name must not run in the teacher's."""
    text = plain(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def format_table(results):
    """The per-exercise score table ``bpkit grade`` prints, student by student."""
    width = max([len(e.name) for r in results for e in r.exercises] + [8])
    lines, student = [], None
    for r in results:
        if r.student != student:
            student = r.student
            mine = [x for x in results if x.student == student and x.graded]
            lines.append(f"{plain(student) or '(no folder)'}  "
                         f"{format_points(sum(x.points for x in mine))}/"
                         f"{format_points(sum(x.max_points for x in mine))}")
        total = f"{format_points(r.points)}/{format_points(r.max_points)}" if r.graded else "not graded"
        lines.append(f"  {plain(r.notebook)}  {total}" + (f"  ({plain(r.path)})" if r.path else ""))
        lines += [f"      note: {plain(note)}" for note in r.notes]
        for e in r.exercises:
            score = f"{format_points(e.points)}/{format_points(e.max_points)}"
            reason = f"  {plain(e.reason)}" if e.reason else ""
            lines.append(f"      {e.name:<{width}}  {score:>7}{reason}")
    graded = [r for r in results if r.graded]
    points, total = sum(r.points for r in graded), sum(r.max_points for r in graded)
    students = len({r.student for r in results})
    lines.append(f"{len(graded)} notebook(s) of {students} student(s) graded: "
                 f"{format_points(points)}/{format_points(total)} points")
    if any(r.seed is not None for r in results):
        lines.append(f"hidden cases drawn with --seed {results[0].seed}")
    return safe_text("\n".join(lines))


def write_csv(results, path):
    """One row per student, notebook and exercise, header
    ``student,notebook,exercise,points,max_points,reason,seed,file``. Written whole or not
    at all: to a temporary file beside ``path``, then renamed over it."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for r in results:
                for e in r.exercises:
                    writer.writerow([spreadsheet_cell(r.student), spreadsheet_cell(r.notebook),
                                     e.name, format_points(e.points),
                                     format_points(e.max_points),
                                     spreadsheet_cell(" ".join(e.reason.split())), r.seed,
                                     spreadsheet_cell(r.path)])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_roster(path):
    """Student ids from the ``student`` column of the CSV file ``path``, in order, once each;
    ``UsageError`` (from ``grade``) naming the file if it has no such column."""
    from .grade import UsageError

    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = list(csv.DictReader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"the roster {path} cannot be read ({type(exc).__name__}: {exc})") \
            from None
    if not rows or "student" not in rows[0]:
        raise UsageError(f"the roster {path} has no column called student")
    return list(dict.fromkeys(r["student"].strip() for r in rows if (r["student"] or "").strip()))
