"""``bpkit grade``: score students' notebooks, exercise by exercise, with nbval.

Each submitted notebook is matched by file name with a teacher's notebook of the
source folder; the student's answers are spliced into the teacher's executed
notebook (``splice``) and nbval runs the result (``nbval_run``), several notebooks
at a time, each kernel in the operating-system sandbox (``sandbox``). An exercise
scores its points when all its check cells pass, that is reproduce the teacher's
stored output, and nothing was refused before the run.

A cell that runs past the time limit, or during which the kernel dies, scores 0
for its exercise. nbval then marks the notebook's later cells as expected
failures, or its kernel is gone; so the notebook is graded again with that answer
replaced by the stub, and the exercises after it take their scores from that run.

The hidden cases the checks draw come from one seed per run, printed and written
with the results: the same files and the same seed give the same grades. A file
that cannot be read or graded costs its own rows, never the run.
"""
import os
import re
import secrets
import tempfile
from pathlib import Path

import nbformat

from ..notebooks import find_notebooks
from . import sandbox
from .nbval_run import GradingError, run_nbval
from .notebook import code_cell_numbers, exercises, grade_id, is_check
from .release import read_manifest
from .scores import ExerciseScore, NotebookGrade, display_path, format_table, write_csv
from .splice import NotANotebook, read_submission, splice
from .submissions import collect

__all__ = ["grade", "default_source", "format_table", "write_csv", "UsageError", "GradingError"]


class UsageError(Exception):
    """The command was called wrongly (a missing file, an unexecuted source notebook …)."""


def default_source():
    """The book's own exercise folder, ``book/exercises`` next to the bpkit package."""
    return Path(__file__).resolve().parents[2] / "book" / "exercises"


def grade(paths, source=None, timeout=30.0, jobs=None, seed=None, limits=sandbox.Limits(),
          released=None, roster=None, show_hidden=False):
    """Grade the notebooks in ``paths``: files, a student's folder, or a class folder of
    one folder per student (see ``submissions``).

    Returns a ``NotebookGrade`` per student and notebook, sorted by both. ``timeout``: seconds per cell;
    ``jobs``: notebooks run at once (default: the number of cores); ``seed`` fixes the
    extra cases the checks draw while grading (default: drawn once for this run; either
    way each result records it); ``limits``: the sandbox's ``Limits``, or None to run
    student code unconfined; ``released``: the folder ``bpkit release`` wrote (or its
    manifest), whose check cells count as unedited alongside the teacher's current ones;
    ``roster``: student ids; each of them gets zero rows, "not submitted", for every
    notebook of ``source`` they did not hand in; ``show_hidden``: a failing grading case
    is listed in the results (for feedback after the deadline).
    """
    source = Path(source) if source else default_source()
    seed = _check_arguments(source, seed, limits)
    teachers = _teachers(source)
    try:
        manifest = read_manifest(released) if released is not None else {}
        found = collect(paths, teachers)
    except (ValueError, FileNotFoundError) as exc:   # a bad manifest, a missing path
        raise UsageError(str(exc)) from None
    if not found:
        raise UsageError("no notebooks to grade")
    loaded, results, attempts = {}, [], []
    for sub in found:
        result = NotebookGrade(display_path(sub.path), seed=seed, student=sub.student,
                               notebook=sub.notebook or display_path(sub.path.name),
                               notes=list(sub.notes))
        results.append(result)
        if sub.notebook is None:
            result.graded = False
            result.notes.append(f"no exercise notebook called {result.notebook} in {source}")
            continue
        if sub.notebook not in loaded:
            loaded[sub.notebook] = _Teacher(teachers[sub.notebook], manifest.get(sub.notebook, {}))
        attempt = _attempt(result, loaded[sub.notebook], sub.path)
        if attempt:
            attempts.append(attempt)
    if not any(r.graded for r in results):
        raise UsageError(f"none of the notebooks has the name of an exercise notebook in {source} "
                         f"({', '.join(sorted(teachers)) or 'it has none'})")
    _run(attempts, timeout, jobs or os.cpu_count() or 1, seed, limits, show_hidden)
    if roster is not None:
        results += _not_submitted(results, roster, teachers, loaded, seed)
    return sorted(results, key=lambda r: (r.student, r.notebook, r.path))


def _check_arguments(source, seed, limits):
    """The run's seed; ``UsageError`` for a missing source, a bad seed or no sandbox."""
    if not source.is_dir():
        raise UsageError(f"the source folder {source} does not exist (give --source)")
    if seed is not None and not (isinstance(seed, int) and 0 <= seed < 2**32):
        raise UsageError(f"--seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    if limits is not None:
        try:
            sandbox.check_available()
        except sandbox.SandboxUnavailable as exc:
            raise UsageError(f"the sandbox is not available: {exc}") from None
    return secrets.randbelow(2**31) if seed is None else seed


def _attempt(result, teacher, path):
    """The student's notebook read and ready to run, or None after zeroing ``result``:
    a file that cannot be read costs its own rows, whatever it holds."""
    try:
        return _Attempt(result, teacher, read_submission(path))
    except NotANotebook as exc:
        why = f"not graded: {exc}"
    except Exception as exc:
        why = f"not graded: the file could not be read ({type(exc).__name__})"
    result.notes.append(why)
    result.zero(teacher.exercises, why)
    return None


def _not_submitted(results, roster, teachers, loaded, seed):
    """Zero rows for every notebook a student on the roster did not hand in."""
    handed_in = {(r.student, r.notebook) for r in results if r.graded}
    missing = []
    for student in roster:
        for name in sorted(teachers):
            if (student, name) not in handed_in:
                if name not in loaded:
                    loaded[name] = _Teacher(teachers[name], {})
                result = NotebookGrade("", seed=seed, student=student, notebook=name)
                result.zero(loaded[name].exercises, "not submitted")
                missing.append(result)
    return missing


def _teachers(source):
    """File name -> the teacher's notebook in ``source``."""
    teachers = {}
    for path in find_notebooks([source]):
        if path.name in teachers:
            raise UsageError(f"two exercise notebooks are called {path.name} in {source}")
        teachers[path.name] = path
    return teachers


class _Teacher:
    """A teacher notebook, read once: its cells, exercises and nbval's cell numbers."""

    def __init__(self, path, released):
        self.path, self.released = path, released
        try:
            self.nb = nbformat.read(path, as_version=4)
            self.exercises = exercises(self.nb)
        except Exception as exc:   # the teacher's file is broken: a usage error, not a grade
            raise UsageError(f"the exercise notebook {path} cannot be read "
                             f"({type(exc).__name__}: {str(exc)[:200]})") from None
        self.numbers = code_cell_numbers(self.nb)
        # Partial credit is the teacher's choice, per check cell: metadata.bpkit.partial_credit.
        self.partial = {grade_id(c) for c in self.nb.cells if is_check(c)
                        and (c.metadata.get("bpkit") or {}).get("partial_credit") is True}
        if any(is_check(c) and c.get("execution_count") is None for c in self.nb.cells):
            # nbval never compares a cell stored unrun: every answer would pass.
            raise UsageError(f"{path} has check cells without stored outputs: execute it first "
                             f"(bpkit execute {path.parent})")

    def cells_of(self, ex):
        return [self.numbers[gid] for gid in ex.answers + ex.checks if gid in self.numbers]


def _run(attempts, timeout, jobs, seed, limits, show_hidden=False):
    """nbval rounds until every notebook is scored: one round, plus one more for each
    answer that ran past the time limit."""
    pending = list(attempts)
    rounds = 1 + max((len(a.teacher.exercises) for a in pending), default=0)
    with tempfile.TemporaryDirectory(prefix="bpkit-grade-") as tmp:
        for round_ in range(rounds):
            folder = Path(tmp) / f"round{round_}"
            runnable = [a for i, a in enumerate(pending) if a.prepare(folder / f"{i:04d}")]
            outcomes = {}
            if runnable:
                outcomes = run_nbval([a.file for a in runnable], folder, timeout, jobs, seed,
                                     limits, show_hidden)
            pending = [a for a in pending
                       if not a.finished and not a.score(outcomes.get(a.file, {}), timeout)]
            if not pending:
                return
    for attempt in pending:     # cannot happen: each round stubs one more answer
        attempt.give_up("could not be graded")


class _Attempt:
    """One student notebook on its way through one or more nbval runs."""

    def __init__(self, result, teacher, student):
        self.result, self.teacher, self.student = result, teacher, student
        self.stubbed = {}       # exercise -> why its answer is replaced by the stub
        self.scores = {}        # exercise -> its final ExerciseScore
        self.file = self.splice = None
        self.finished = False

    def prepare(self, folder):
        """Write the spliced notebook; False if nothing in it needs running."""
        first = self.splice is None
        try:
            self.splice = splice(self.teacher.nb, self.student, self.teacher.exercises,
                                 self.stubbed, self.teacher.released)
        except Exception as exc:   # a file nbformat accepted, holding something unexpected
            self.give_up(f"could not be graded ({type(exc).__name__}: {exc})")
            return False
        if first:
            self.result.notes += self.splice.notes
        if not self.splice.runs:
            return False
        self.file = folder / self.teacher.path.name
        folder.mkdir(parents=True)
        nbformat.write(self.splice.notebook, self.file)
        return True

    def score(self, cells, timeout):
        """Score from nbval's outcomes; True when every exercise has its final score."""
        # The first cell that ran out of time, or in which the kernel died: what came
        # after it in this run cannot be trusted.
        limit = min((n for n, o in cells.items() if o.timed_out or o.died), default=None)
        stopped = cells[limit] if limit is not None else None
        culprit = next((ex for ex in self.teacher.exercises
                        if limit in self.teacher.cells_of(ex)), None)
        again = False
        for ex in self.teacher.exercises:
            if ex.name in self.scores:
                continue
            if ex.name in self.splice.refused:
                why = self.splice.refused[ex.name]
            elif limit is None or max(self.teacher.cells_of(ex), default=-1) < limit:
                self.scores[ex.name] = _verdict(ex, self.teacher, cells)
                continue
            elif ex is culprit:
                why = self.stubbed[ex.name] = _stopped(stopped, timeout)
                again = True
            elif culprit is not None:
                again = True        # ran after the time limit: graded again without that answer
                continue
            else:
                why = f"the notebook's own cell {limit}: {_stopped(stopped, timeout)}"
            self.scores[ex.name] = ExerciseScore(ex.name, 0.0, ex.points, why)
        if again:
            return False
        self.finished = True
        self.result.exercises = [self.scores[ex.name] for ex in self.teacher.exercises]
        return True

    def give_up(self, why):
        self.finished = True
        self.result.exercises = [self.scores.get(ex.name)
                                 or ExerciseScore(ex.name, 0.0, ex.points, why)
                                 for ex in self.teacher.exercises]


def _verdict(ex, teacher, cells):
    """Full points if every check cell of ``ex`` passed under nbval, else 0 and why; or,
    for check cells the teacher marked for partial credit, their share of cases passed."""
    # As in nbgrader, only the checks count; an error in the answer cell is a remark, or,
    # when a check fails, the first thing to say (a MemoryError, not the NameError after it).
    raised = [cells.get(teacher.numbers.get(gid)) for gid in ex.answers]
    notes = [f"answer cell raised {_why(o.text)}" for o in raised if o and o.outcome != "passed"]
    points, reasons, details, all_or_nothing = 0.0, [], [], False
    for gid in ex.checks:
        outcome = cells.get(teacher.numbers.get(gid))
        if outcome is None:
            return ExerciseScore(ex.name, 0.0, ex.points, "check cell did not run")
        if outcome.outcome == "passed":
            points += ex.check_points[gid]
            continue
        reasons.append(_why(outcome.text))
        details.append(outcome.stdout)
        if gid in teacher.partial:
            share = partial_share(outcome.stdout)
            points += ex.check_points[gid] * share
            reasons[-1] += f" (partial credit: {share:.0%} of the case groups pass)"
        else:
            all_or_nothing = True
    if all_or_nothing:          # unless every failing check gives partial credit
        points = 0.0
    return ExerciseScore(ex.name, round(points, 4), ex.points,
                         "; ".join((notes[:1] if reasons else notes) + reasons),
                         "\n".join(d for d in details if d))


def partial_share(stdout):
    """The share of case groups a failing check passed, read from the lines it printed:
    each visible case is a group, and the grading cases together are one more. A check
    that failed visibly never ran the grading cases; one that says only that it fails on
    them passed every visible case."""
    # A check's first line is its count of visible cases; a failure on the grading cases
    # comes after a full count, so it scores all visible groups and not the last one.
    head = re.match(r"\S+: (\d+)/(\d+) cases pass", stdout or "")
    if head is None:
        return 0.0
    passed, total = int(head[1]), int(head[2])
    return passed / (total + 1) if 0 <= passed <= total else 0.0


def _stopped(outcome, timeout):
    """Why a cell stopped the run: the time limit, or the kernel's death and its cause."""
    if outcome.died:
        line = next((l for l in outcome.text.splitlines() if "the kernel died" in l), "")
        return line[line.index("the kernel died"):].strip()[:200]
    if "exceeded waiting for output" in outcome.text:
        return ("its output never arrived: larger than the grader reads (32 MB in one "
                "message), or the kernel stopped answering")
    return f"time limit of {timeout:g} s per cell exceeded"


def _why(text):
    """One line from nbval's report: the exception's last line, or that outputs differ."""
    if "Cell outputs differ" in text:
        return "check output differs from the teacher's"
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        head, _, rest = line.partition(":")
        if rest and head.replace(".", "").isidentifier():
            rest = rest.replace("(listed above)", "").strip()
            return (f"check failed: {rest}" if head == "CheckFailed" else f"{head}: {rest}")[:200]
    return lines[-1][:200] if lines else "failed"
