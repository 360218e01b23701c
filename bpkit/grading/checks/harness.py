"""What every exercise check shares: call the answer on fixed cases, compare, print one line.

A check calls the student's function on a list of cases, compares each result with
bpkit's reference, and prints exactly one line when all of them agree::

    sigmoid: 6/6 cases pass [3f9a0c1d]

The bracket is a digest of the values the answer had to produce on the check's
inputs (rounded, so an answer computed another way gives the same digest); the
teacher's executed notebook stores it, the student's copy has its outputs cleared.
When a case fails, the check lists it (inputs, expected, got) and raises
``CheckFailed``: the cell turns red and *Run All* stops there, as with nbgrader's
``assert`` cells.

While grading, ``bpkit grade`` sets ``BPKIT_GRADING_SEED``: every check then also
runs extra cases drawn at random, so an answer that only memorised the visible
cases fails. On success the printed line is the same as without them.

A function the notebook gives an exercise (σ for σ′, ``backprop`` for an update) is
bpkit's own while that exercise is checked (``given``), whatever the student's
earlier answer made of it: one mistake costs one exercise.
"""
import contextlib
import copy
import io
import linecache
import os
import sys
import traceback
import types
import warnings
from typing import NamedTuple

from .compare import close, describe, digest, original, same_object_values, show

GRADING_SEED = "BPKIT_GRADING_SEED"
#: Set by ``bpkit grade --show-hidden``: a failing grading case is listed like a visible one.
SHOW_HIDDEN = "BPKIT_SHOW_HIDDEN"


class CheckFailed(AssertionError):
    """An answer did not pass its check; the lines printed above say which case and how."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback into bpkit's own code.
        return [f"CheckFailed: {self}"]


class Case(NamedTuple):
    """One call of the answer: ``fn(*inputs.values())`` should give ``expected``."""
    label: str
    inputs: dict
    expected: object


class Outcome(NamedTuple):
    """What a case gave: ``problem`` is None when it passed; ``values`` feed the digest."""
    problem: str = None
    values: object = None
    error: str = None      # the exception the answer raised, if any


def quiet():
    """Silence what the answer prints or warns while a check calls it: the check's
    output must be its own line only, whatever debugging prints the answer holds."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(original.errstate(all="ignore"))
    return stack


def call(fn, *args):
    """``(result, None)``, or ``(None, "raised TypeError: … (line 3 of sigmoid: …)")`` if the
    answer raised: the line is the student's own, the last one of theirs in the traceback."""
    try:
        with quiet():
            return fn(*args), None
    except Exception as exc:   # KeyboardInterrupt (the time limit) is not caught
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return None, (f"raised {type(exc).__name__}" + (f": {text[:200]}" if text else "")
                      + _where(exc))


def _where(exc):
    """`` (line N of f: source)`` for the last frame of the traceback that is the student's:
    not bpkit's, numpy's or Python's own files."""
    ours = (os.path.dirname(os.path.dirname(os.path.dirname(__file__))), sys.prefix,
            sys.base_prefix)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(ours) and not f.filename.startswith("<frozen")]
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or "").strip()
    return f" (line {frame.lineno} of {frame.name}" + (f": {line[:80]}" if line else "") + ")"


def run_case(fn, case, compare, may_change=()):
    """Call ``fn`` on copies of the case's inputs, compare, and notice changed arguments
    (bpkit's functions never change their arguments, except those in ``may_change``)."""
    args = copy.deepcopy(list(case.inputs.values()))
    got, error = call(fn, *args)
    if error:
        return Outcome(error, error=error)
    if got is None and case.expected is not None:
        name = getattr(fn, "__name__", "the answer")
        return Outcome(f"{name} returned None: does it end with `return` and the result?")
    problem = compare(case.expected, got)
    if problem is None:
        for name, before, after in zip(case.inputs, case.inputs.values(), args):
            if name not in may_change and not same_object_values(before, after):
                problem = f"changed its argument {name} in place; compute a new array instead"
                break
    if problem:
        return Outcome(f"expected {show(case.expected)}\n       got      {show(got)}"
                       f"\n       ({problem})")
    return Outcome(values=case.expected)


def check(name, fn, cases, compare=None, hidden=None, allowed=(), may_change=(), answer=None,
          given=None):
    """Run ``cases`` (and, while grading, ``hidden(rng)``'s cases too) and report.

    ``allowed``: names of bpkit functions the notebook gives the student;
    ``may_change``: arguments the answer is meant to change in place;
    ``answer``: the student's function, when ``fn`` is a wrapper around it;
    ``given``: ``{name: reference}`` for the functions of other exercises the answer
    calls, which stand in for the notebook's while the check runs (``given_names``).
    """
    compare = compare or close
    with given_names(answer or fn, given or {}):
        refuse(name, answer or fn, tuple(allowed) + tuple(given or ()))
        outcomes = [run_case(fn, case, compare, may_change) for case in cases]
        failures = [(c.label, c.inputs, o.problem) for c, o in zip(cases, outcomes) if o.problem]
        report(name, len(cases), failures, [(c.label, o.values) for c, o in zip(cases, outcomes)],
               errors=[o.error for o in outcomes])
        rng = grading_rng()
        if hidden is not None and rng is not None:
            for case in hidden(rng):
                problem = run_case(fn, case, compare, may_change).problem
                if problem:
                    hidden_failure(name, case, problem)


def hidden_failure(name, case=None, problem=None):
    """Report a failure on the grading cases. Which case is shown only when the teacher
    asks for it (``--show-hidden``, after the deadline), so that it cannot be learnt from
    the feedback before."""
    print(f"{name}: fails on the extra cases used in grading")
    if case is not None and os.environ.get(SHOW_HIDDEN) == "1":
        shown = ", ".join(f"{k} = {show(v)}" for k, v in case.inputs.items())
        print(f"  FAIL a grading case: {shown}\n       {problem}")
    raise CheckFailed(f"{name}: fails on the extra cases used in grading")


def report(name, total, failures, digest_items, errors=()):
    """Print the one-line verdict, or the failing cases, and raise ``CheckFailed`` on failure."""
    if not failures:
        print(f"{name}: {total}/{total} cases pass [{digest(digest_items)}]")
        return
    errors = [e for e in errors if e]
    if len(failures) == total and len(errors) == total and len(set(errors)) == 1 \
            and "NotImplementedError" in errors[0]:
        print(f"{name}: not answered yet ({errors[0]})")
        raise CheckFailed(f"{name}: not answered yet")
    print(f"{name}: {total - len(failures)}/{total} cases pass")
    for label, inputs, problem in failures:
        shown = ", ".join(f"{k} = {show(v)}" for k, v in inputs.items()) if inputs else ""
        print(f"  FAIL {label}" + (f": {shown}" if shown else ""))
        print(f"       {problem}")
    raise CheckFailed(f"{name}: {len(failures)} of {total} cases fail (listed above)")


def refuse(name, fn, allowed=()):
    """A check needs the student's own function: not bpkit's, and not one that calls it."""
    if not callable(fn):
        print(f"{name}: expected a function, got {describe(fn)}")
        raise CheckFailed(f"{name}: expected a function")
    if str(getattr(fn, "__module__", "") or "").startswith("bpkit"):
        used = [f"bpkit's own {getattr(fn, '__name__', name)}"]
    else:
        used = bpkit_names(fn, allowed)
    if used:
        print(f"{name}: not allowed: uses {', '.join(used)}; answers use numpy only")
        raise CheckFailed(f"{name}: not allowed (uses bpkit)")
    if grading_rng() is None:          # while the student works; the grader screens for itself
        refused = grader_would_refuse(fn)
        if refused:
            print(f"{name}: the grader will refuse this answer cell, so it would score 0:")
            for problem in refused:
                print(f"  {problem}")
            raise CheckFailed(f"{name}: the grader would refuse this answer")


def grader_would_refuse(fn):
    """What the grader's answer policy says of the cell that defined ``fn`` (IPython keeps
    each cell's source for its tracebacks); ``[]`` if it is fine or cannot be found. The
    notebook's own names stand in for what the teacher's notebook gives."""
    from .. import policy

    code = getattr(fn, "__code__", None)
    namespace = getattr(fn, "__globals__", None)
    cell = code is not None and ("ipykernel_" in code.co_filename
                                 or code.co_filename.startswith("<ipython-input"))
    source = "".join(linecache.getlines(code.co_filename)) if cell else ""
    if not source.strip() or namespace is None:
        return []
    given = policy.Namespace()
    for key, value in namespace.items():
        if isinstance(value, types.ModuleType):
            if value.__name__.split(".")[0] in policy.ALLOWED_MODULES:
                given.modules[key] = value.__name__
            else:
                given.reserved.add(key)
        elif key.startswith("check_"):
            given.reserved.add(key)
        elif not key.startswith("_"):
            given.given.add(key)
    return policy.problems(source, given)


@contextlib.contextmanager
def standing_in(fn, name, stand_in):
    """Bind ``name`` to ``stand_in`` in the namespace ``fn`` was defined in (the notebook's),
    for the duration of a check; restore it afterwards."""
    namespace = getattr(fn, "__globals__", None)
    if namespace is None:
        yield
        return
    missing = object()
    saved = namespace.get(name, missing)
    namespace[name] = stand_in
    try:
        yield
    finally:
        if saved is missing:
            namespace.pop(name, None)
        else:
            namespace[name] = saved


@contextlib.contextmanager
def given_names(fn, stand_ins):
    """``standing_in`` for each ``name: reference`` of ``stand_ins`` at once."""
    with contextlib.ExitStack() as stack:
        for name, stand_in in stand_ins.items():
            stack.enter_context(standing_in(fn, name, stand_in))
        yield


def grading_rng():
    """A random generator seeded by the grader, or None when a student runs the check."""
    seed = os.environ.get(GRADING_SEED)
    return original.default_rng(int(seed)) if seed and seed.isdigit() else None


def bpkit_names(fn, allowed=()):
    """Names the answer's code (and the helpers it calls) uses that are bpkit itself.

    The notebook may hand some of bpkit's functions to the student (``allowed``,
    e.g. ``sigmoid_prime`` in the BP1 exercise); anything else from bpkit — the
    module, or the very function being practised — is not an answer. The grader
    refuses such answers before running them; this catches them while the student works.
    """
    found, seen, todo = set(), set(), [fn]
    while todo:
        f = todo.pop()
        code, namespace = getattr(f, "__code__", None), getattr(f, "__globals__", None)
        if code is None or namespace is None or id(f) in seen:
            continue
        seen.add(id(f))
        for name in _names(code):
            value = namespace.get(name)
            if value is None or name in allowed:
                continue
            origin = value.__name__ if isinstance(value, types.ModuleType) else \
                getattr(value, "__module__", "")
            if str(origin or "").startswith("bpkit"):
                found.add(name)
            elif isinstance(value, types.FunctionType) and value.__globals__ is namespace:
                todo.append(value)
        for cell in getattr(f, "__closure__", None) or ():
            with contextlib.suppress(ValueError):
                if isinstance(cell.cell_contents, types.FunctionType):
                    todo.append(cell.cell_contents)
    return sorted(found)


def _names(code):
    """Global names used by a code object and the functions defined inside it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names
