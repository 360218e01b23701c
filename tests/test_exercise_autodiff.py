"""Exercise 10 (the backward passes of addition with broadcasting and of the matrix product),
graded as a class hands it back.

One module fixture releases the teacher's notebook, fills the student copies with the
teacher's solution, the stub, and plausible wrong answers (a gradient not summed over the
broadcast axis, a transposed matrix-product gradient), and grades them all in one
``grade`` call, in the sandbox, as ``bpkit grade`` does. The checks are also called
directly, with the grader's seed set, on more wrong answers.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.grading import checks, policy
from bpkit.grading.checks import harness
from bpkit.grading.grade import grade
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, source
from bpkit.grading.release import release
from bpkit.grading.splice import teacher_namespace

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NAME = "10-autodiff-op.ipynb"
TEACHER = nbformat.read(EXERCISES / NAME, as_version=4)
SOLUTIONS = {grade_id(c): "\n".join(line for line in source(c).split("\n")
                                    if BEGIN not in line and END not in line)
             for c in TEACHER.cells if is_answer(c)}

#: Plausible mistakes; each must cost its exercise, and only it.
WRONG = {
    # the classic bug: the gradient of a broadcast value not summed over its uses
    "add_backward": "def add_backward(grad_out, a, b):\n    return grad_out, grad_out\n",
    # grad_B transposed: (Aᵀ ḡ)ᵀ = ḡᵀ A, shaped like Bᵀ
    "matmul_backward": "def matmul_backward(grad_out, A, B):\n"
                       "    return grad_out @ B.T, grad_out.T @ A\n",
}

#: More wrong answers, for the checks called directly.
ALSO_WRONG = [
    ("add_backward", """
def add_backward(grad_out, a, b):       # sums the batch axis only: right for a bias alone
    grad_b = grad_out.sum(axis=0) if np.ndim(b) < np.ndim(grad_out) or np.shape(b)[0] == 1 \\
        else grad_out
    return grad_out, np.reshape(grad_b, np.shape(b))
"""),
    ("add_backward", """
def add_backward(grad_out, a, b):       # averages instead of summing the uses
    def reduce(g, shape):
        while g.ndim > len(shape):
            g = g.mean(axis=0)
        for axis, size in enumerate(shape):
            if size == 1 and g.shape[axis] != 1:
                g = g.mean(axis=axis, keepdims=True)
        return g
    return reduce(grad_out, np.shape(a)), reduce(grad_out, np.shape(b))
"""),
    ("matmul_backward", """
def matmul_backward(grad_out, A, B):    # B and A not transposed: right shapes only if square
    return grad_out @ B, A @ grad_out
"""),
    ("matmul_backward", """
def matmul_backward(grad_out, A, B):    # the factors in the wrong order
    return B.T @ grad_out.T, grad_out.T @ A.T
"""),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{folder: NotebookGrade} for every submission below."""
    root = tmp_path_factory.mktemp("class")
    release(EXERCISES, root / "handout")

    def hand_in(folder, answers):
        nb = nbformat.read(root / "handout" / NAME, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
        path = root / "submitted" / folder / NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)

    hand_in("right", SOLUTIONS)
    hand_in("stub", {})
    for exercise, text in WRONG.items():
        hand_in(f"wrong-{exercise}", {**SOLUTIONS, exercise: text})
    hand_in("bpkit", {"add_backward": "from bpkit.grading.checks.autodiff import "
                                      "add_backward_reference as add_backward\n",
                      "matmul_backward": "import bpkit\n\ndef matmul_backward(grad_out, A, B):\n"
                                         "    a, b = bpkit.autodiff.Tensor(A), bpkit.autodiff.Tensor(B)\n"
                                         "    (a @ b).backward(grad_out)\n"
                                         "    return a.grad, b.grad\n"})
    results = grade(sorted((root / "submitted").rglob("*.ipynb")), source=EXERCISES,
                    timeout=20, jobs=2)
    return {Path(r.path).parent.name: r for r in results}


def scores(result):
    return {e.name: e.points for e in result.exercises}


def reasons(result):
    return {e.name: e.reason for e in result.exercises}


def test_the_notebook_has_two_exercises_of_two_points():
    assert [(ex.name, ex.points) for ex in exercises(TEACHER)] == \
        [("add_backward", 2.0), ("matmul_backward", 2.0)]


def test_the_reference_solution_scores_full_marks(graded):
    result = graded["right"]
    assert scores(result) == {"add_backward": 2.0, "matmul_backward": 2.0}, reasons(result)
    assert all(reason == "" for reason in reasons(result).values())


def test_the_released_stub_scores_zero(graded):
    result = graded["stub"]
    assert result.points == 0 and result.max_points == 4
    assert all("still holds the stub" in r for r in reasons(result).values()), reasons(result)


@pytest.mark.parametrize("exercise", sorted(WRONG))
def test_a_wrong_answer_scores_zero_for_its_exercise_only(graded, exercise):
    result = graded[f"wrong-{exercise}"]
    expected = {name: (0.0 if name == exercise else 2.0) for name in WRONG}
    assert scores(result) == expected, reasons(result)
    assert reasons(result)[exercise].startswith("check failed")


def test_an_answer_calling_bpkit_is_refused(graded):
    result = graded["bpkit"]
    assert result.points == 0
    assert all("not allowed" in r for r in reasons(result).values()), reasons(result)


# --- the checks, called directly as a check cell calls them, with the grader's seed -----

@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(harness.GRADING_SEED, "321")


def answer(exercise, text):
    namespace = {"np": np, "__name__": "__main__"}
    exec(text, namespace)
    return namespace[exercise]


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_the_solution_passes_the_grading_cases(grading, exercise, capsys):
    getattr(checks, f"check_{exercise}")(answer(exercise, SOLUTIONS[exercise]))
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "cases pass [" in out


@pytest.mark.parametrize("exercise,text", list(WRONG.items()) + ALSO_WRONG)
def test_wrong_answers_fail_their_check(grading, exercise, text, capsys):
    with pytest.raises(harness.CheckFailed):
        getattr(checks, f"check_{exercise}")(answer(exercise, text))
    assert "FAIL" in capsys.readouterr().out


def test_a_missing_sum_is_reported_by_shape(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_add_backward(answer("add_backward", WRONG["add_backward"]))
    assert "grad_b should be shape (3,), got shape (4, 3)" in capsys.readouterr().out


def test_the_stub_is_not_answered_yet(capsys):
    stub = "def add_backward(grad_out, a, b):\n    raise NotImplementedError()\n"
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        checks.check_add_backward(answer("add_backward", stub))


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_the_policy_accepts_the_solution_and_the_honest_mistakes(exercise):
    given = teacher_namespace(TEACHER)
    assert policy.problems(SOLUTIONS[exercise], given) == []
    assert policy.problems(WRONG[exercise], given) == []


#: A hostile review's answers, verbatim, which passed every case, visible and hidden,
#: while b was only ever broadcast along axis 0 and no input had three axes.
EVASIVE = {
    # b's gradient always grad_out summed over axis 0: right for a bias, a row, a batch
    "b treated as a bias only": ("""
def add_backward(grad_out, a, b):
    g = np.asarray(grad_out, dtype=float)
    ga = g
    while ga.ndim > np.ndim(a):
        ga = ga.sum(axis=0)
    for axis, size in enumerate(np.shape(a)):
        if size == 1 and ga.shape[axis] != 1:
            ga = ga.sum(axis=axis, keepdims=True)
    gb = g if np.shape(b) == g.shape else g.sum(axis=0).reshape(np.shape(b))
    return ga, gb
""", "FAIL a matrix plus a column, (4, 3) + (4, 1)"),
    # sums the leading axes, then axes 0 and 1 of a matrix only
    "2-D only": ("""
def add_backward(grad_out, a, b):
    def red(g, shape):
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        if len(shape) == 2:
            if shape[0] == 1:
                g = g.sum(axis=0, keepdims=True)
            if shape[1] == 1:
                g = g.sum(axis=1, keepdims=True)
        return g
    g = np.asarray(grad_out, dtype=float)
    return red(g, np.shape(a)), red(g, np.shape(b))
""", "FAIL three axes, (2, 1, 3) + (4, 3)"),
}


@pytest.mark.parametrize("name", sorted(EVASIVE))
def test_an_answer_right_only_for_a_batch_axis_or_two_axes_fails_what_the_student_sees(name, capsys):
    text, fails = EVASIVE[name]
    with pytest.raises(harness.CheckFailed):
        checks.check_add_backward(answer("add_backward", text))
    assert fails in capsys.readouterr().out


@pytest.mark.parametrize("seed", range(20))
def test_the_solution_passes_the_grading_cases_of_random_broadcast_shapes(monkeypatch, seed, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    checks.check_add_backward(answer("add_backward", SOLUTIONS["add_backward"]))
    assert "10/10 cases pass [" in capsys.readouterr().out


def test_the_grading_cases_broadcast_over_three_axes_on_either_side():
    from bpkit.grading.checks.autodiff import _broadcast_shapes
    pairs = [_broadcast_shapes(np.random.default_rng(seed)) for seed in range(200)]
    for a, b in pairs:
        np.broadcast_shapes(a, b)       # raises if they do not broadcast
    assert any(len(a) == 3 for a, _ in pairs) and any(len(b) == 3 for _, b in pairs)
    assert any(a == () for a, _ in pairs) and any(b == () for _, b in pairs)
    assert any(len(b) == 2 and b[-1] == 1 != np.broadcast_shapes(a, b)[-1] for a, b in pairs)
