"""Exercise 11, softmax and its output error, graded as a class would hand it back.

The teacher's notebook is released, the students' copies are filled with the reference
solution, the stub, and real mistakes (softmax without the max, one max for the whole
batch, the row's mean instead of its max, δᴸ with a σ′-like factor, δᴸ divided by n,
δᴸ without the softmax), and all are graded in one ``grade`` call in the sandbox, as
``bpkit grade`` does. Each mistake must cost its exercise and only it.
"""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.grading import checks, policy
from bpkit.grading.checks import harness
from bpkit.grading.grade import grade
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, is_check, source, \
    strip_solution
from bpkit.grading.release import student_copy
from bpkit.grading.splice import teacher_namespace

NAME = "11-softmax-cross-entropy.ipynb"
TEACHER_PATH = Path(__file__).resolve().parents[1] / "book" / "exercises" / NAME
TEACHER = nbformat.read(TEACHER_PATH, as_version=4)
SOLUTIONS = {grade_id(c): "\n".join(line for line in source(c).split("\n")
                                    if BEGIN not in line and END not in line)
             for c in TEACHER.cells if is_answer(c)}
POINTS = {ex.name: ex.points for ex in exercises(TEACHER)}

#: Real mistakes: each scores zero for its exercise only.
WRONG = {
    "overflow": ("softmax", "def softmax(Z):\n    E = np.exp(Z)\n"
                            "    return E / np.sum(E, axis=1, keepdims=True)\n"),
    "one-max": ("softmax", "def softmax(Z):\n    E = np.exp(Z - np.max(Z))\n"        # the batch's max
                           "    return E / np.sum(E, axis=1, keepdims=True)\n"),
    "wrong-axis": ("softmax", "def softmax(Z):\n    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n"
                              "    return E / np.sum(E, axis=0, keepdims=True)\n"),
    "sigma-prime": ("softmax_output_error", "def softmax_output_error(Z, Y):\n    A = softmax(Z)\n"
                                            "    return (A - Y) * A * (1 - A)\n"),
    "mean": ("softmax_output_error", "def softmax_output_error(Z, Y):\n"
                                     "    return (softmax(Z) - Y) / len(Z)\n"),
    "no-softmax": ("softmax_output_error", "def softmax_output_error(Z, Y):\n    return Z - Y\n"),
}
#: The row's mean instead of its max: no overflow on the visible cases, but a row with one
#: large entry overflows; only the grading cases have such rows.
ROW_MEAN = "def softmax(Z):\n    E = np.exp(Z - np.mean(Z, axis=1, keepdims=True))\n" \
           "    return E / np.sum(E, axis=1, keepdims=True)\n"
CALLS_BPKIT = {"softmax": "import bpkit\nsoftmax = bpkit.softmax\n",
               "softmax_output_error": "from bpkit.costs import categorical_cross_entropy_output_error\n"
                                       "def softmax_output_error(Z, Y):\n"
                                       "    return categorical_cross_entropy_output_error(Z, softmax(Z), Y)\n"}


def filled(answers):
    """The student's copy with ``answers`` (grade_id -> source) in its answer cells."""
    nb = student_copy(TEACHER, NAME)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{student: NotebookGrade} for one submission of each kind, graded together."""
    root = tmp_path_factory.mktemp("class")
    source_dir = root / "source"            # this assignment: exercise 11 alone
    source_dir.mkdir()
    (source_dir / NAME).write_bytes(TEACHER_PATH.read_bytes())
    submissions = {"right": filled(SOLUTIONS), "stub": filled({}), "bpkit": filled(CALLS_BPKIT),
                   "row-mean": filled({**SOLUTIONS, "softmax": ROW_MEAN})}
    for student, (exercise, answer) in WRONG.items():
        submissions[student] = filled({**SOLUTIONS, exercise: answer})
    for student, nb in submissions.items():
        (root / "submitted" / student).mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / student / NAME)
    results = grade([root / "submitted"], source=source_dir, timeout=20, jobs=2, seed=7)
    return {r.student: r for r in results}


def scores(result):
    return {e.name: e.points for e in result.exercises}


def reasons(result):
    return {e.name: e.reason for e in result.exercises}


def test_the_reference_solution_scores_full_marks(graded):
    assert POINTS == {"softmax": 2, "softmax_output_error": 2}
    assert scores(graded["right"]) == POINTS, reasons(graded["right"])
    assert all(reason == "" for reason in reasons(graded["right"]).values())


def test_the_released_stub_scores_zero(graded):
    result = graded["stub"]
    assert result.points == 0 and result.max_points == 4
    assert all("still holds the stub" in e.reason for e in result.exercises), reasons(result)


@pytest.mark.parametrize("student", sorted(WRONG))
def test_a_wrong_answer_scores_zero_for_its_exercise_only(graded, student):
    exercise = WRONG[student][0]
    result = graded[student]
    assert scores(result) == {**POINTS, exercise: 0}, reasons(result)
    assert reasons(result)[exercise].startswith("check failed")


def test_the_rows_mean_passes_what_the_student_sees_but_not_the_grading_cases(graded, capsys):
    namespace = {"np": np, "__name__": "__main__"}
    exec(ROW_MEAN, namespace)
    checks.check_softmax(namespace["softmax"])              # the student's own run: a pass
    assert re.fullmatch(r"softmax: 6/6 cases pass \[[0-9a-f]{8}\]\n", capsys.readouterr().out)
    result = graded["row-mean"]
    assert scores(result) == {**POINTS, "softmax": 0}
    assert "extra cases used in grading" in reasons(result)["softmax"]


def test_an_answer_calling_bpkit_is_refused(graded):
    result = graded["bpkit"]
    assert result.points == 0
    assert all("not allowed" in e.reason for e in result.exercises), reasons(result)


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_every_check_fails_on_the_stub(exercise):
    cell = next(c for c in TEACHER.cells if grade_id(c) == exercise)
    namespace = {"np": np, "__name__": "__main__"}
    exec(strip_solution(source(cell)), namespace)
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        getattr(checks, f"check_{exercise}")(namespace[exercise])


@pytest.mark.parametrize("answer", [SOLUTIONS["softmax"], SOLUTIONS["softmax_output_error"], ROW_MEAN]
                         + [answer for _, answer in WRONG.values()])
def test_solutions_and_honest_mistakes_pass_the_answer_policy(answer):
    # so that each wrong answer above loses its points to the check, not to the policy
    assert policy.problems(answer, teacher_namespace(TEACHER)) == []


def test_the_teacher_notebook_is_executed_and_hides_its_solutions():
    assert TEACHER.cells[0].source.startswith("# Exercise 11: softmax and cross-entropy")
    assert "use numpy only" in TEACHER.cells[0].source.lower()
    for cell in TEACHER.cells:
        if is_answer(cell):
            assert "hide-input" in cell.metadata["tags"] and BEGIN in cell.source
        if is_check(cell):
            assert re.fullmatch(r"\w+: (\d+)/\1 cases pass \[[0-9a-f]{8}\]\n", cell.outputs[0]["text"])


#: A hostile review's answer, verbatim: right up to 7 classes, the most any case had,
#: and 1/k for every class beyond.
SEVEN_CLASSES_AT_MOST = """
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    if Z.shape[1] > 7:
        return np.full(Z.shape, 1.0 / Z.shape[1])
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return E / np.sum(E, axis=1, keepdims=True)
"""


def run_softmax(text):
    namespace = {"np": np, "__name__": "__main__"}
    exec(text, namespace)
    checks.check_softmax(namespace["softmax"])


def test_an_answer_right_only_up_to_seven_classes_fails_the_grading_cases(monkeypatch, capsys):
    run_softmax(SEVEN_CLASSES_AT_MOST)                  # what the student sees: a pass
    assert "softmax: 6/6 cases pass [" in capsys.readouterr().out
    for seed in range(10):
        monkeypatch.setenv(harness.GRADING_SEED, str(seed))
        with pytest.raises(harness.CheckFailed, match="extra cases used in grading"):
            run_softmax(SEVEN_CLASSES_AT_MOST)


@pytest.mark.parametrize("seed", range(20))
def test_the_solution_passes_the_grading_cases_with_many_classes(monkeypatch, seed, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    run_softmax(SOLUTIONS["softmax"])
    assert "softmax: 6/6 cases pass [" in capsys.readouterr().out
