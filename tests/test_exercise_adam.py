"""Exercise 13 (one Adam step), graded as a class hands it back.

The check is called directly, with the grader's seed set, on the reference solution, the
stub and the mistakes Adam invites: no bias correction, t counted from 0, ε inside the
square root, m and v swapped, β₁ and β₂ swapped, the arguments changed in place. One
small ``grade`` run, in the sandbox as ``bpkit grade`` runs it, scores the solution, the
stub and one wrong answer.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.grading import checks, policy
from bpkit.grading.checks import harness
from bpkit.grading.checks.adam import adam_step_reference
from bpkit.grading.grade import grade
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, source
from bpkit.grading.release import release
from bpkit.grading.splice import teacher_namespace

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NAME = "13-adam-step.ipynb"
TEACHER = nbformat.read(EXERCISES / NAME, as_version=4)
SOLUTION = "\n".join(line for cell in TEACHER.cells if is_answer(cell)
                     for line in source(cell).split("\n") if BEGIN not in line and END not in line)
STUB = "def adam_step(theta, m, v, grad, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):\n" \
       "    raise NotImplementedError()\n"
HEAD = "def adam_step(theta, m, v, grad, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):\n"


def body(m="beta1 * m + (1 - beta1) * grad", v="beta2 * v + (1 - beta2) * grad ** 2",
         m_hat="m / (1 - beta1 ** t)", v_hat="v / (1 - beta2 ** t)",
         step="m_hat / (np.sqrt(v_hat) + eps)", returned="theta - learning_rate * step, m, v"):
    """An Adam step written out, with one piece replaced by a mistake."""
    return (HEAD + f"    m = {m}\n    v = {v}\n    m_hat = {m_hat}\n    v_hat = {v_hat}\n"
            f"    step = {step}\n    return {returned}\n")


#: The mistakes Adam invites; each must fail the check.
WRONG = {
    "no bias correction": body(m_hat="m", v_hat="v"),
    "t counted from 0": body(m_hat="m / (1 - beta1 ** (t + 1))", v_hat="v / (1 - beta2 ** (t + 1))"),
    "t counted from 0, the other way": body(m_hat="m / (1 - beta1 ** (t - 1))",
                                            v_hat="v / (1 - beta2 ** (t - 1))"),
    "ε inside the square root": body(step="m_hat / np.sqrt(v_hat + eps)"),
    "m and v swapped in the result": body(returned="theta - learning_rate * step, v, m"),
    "m and v swapped in the step": body(step="v_hat / (np.sqrt(m_hat ** 2) + eps)"),
    "β₁ and β₂ swapped": body(m="beta2 * m + (1 - beta2) * grad",
                              v="beta1 * v + (1 - beta1) * grad ** 2",
                              m_hat="m / (1 - beta2 ** t)", v_hat="v / (1 - beta1 ** t)"),
    "the arguments changed in place": HEAD + """\
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    theta -= learning_rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return theta, m, v
""",
    "plus the gradient": body(returned="theta + learning_rate * step, m, v"),
}


# --- the check, called directly as a check cell calls it, with the grader's seed ----------

@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(harness.GRADING_SEED, "321")


def answer(text):
    namespace = {"np": np, "__name__": "__main__"}
    exec(text, namespace)
    return namespace["adam_step"]


def test_the_solution_passes_the_grading_cases(grading, capsys):
    checks.check_adam_step(answer(SOLUTION))
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "adam_step: 7/7 cases pass [" in out


@pytest.mark.parametrize("seed", range(10))
def test_the_solution_passes_the_grading_cases_of_every_seed(monkeypatch, seed, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    checks.check_adam_step(answer(SOLUTION))
    assert "7/7 cases pass [" in capsys.readouterr().out


def test_the_stub_is_not_answered_yet(grading):
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        checks.check_adam_step(answer(STUB))


@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_wrong_answers_fail_the_visible_cases(mistake, capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG[mistake]))
    assert "FAIL" in capsys.readouterr().out


def test_eps_inside_the_root_is_caught_by_the_tiny_gradients(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG["ε inside the square root"]))
    assert "FAIL tiny gradients (1e-8), t = 1" in capsys.readouterr().out


def test_a_changed_argument_is_named(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG["the arguments changed in place"]))
    assert "changed its argument theta in place" in capsys.readouterr().out


def test_the_reference_is_bpkits_adam_over_several_steps():
    """Chained from zeros with t = 1, 2, …, the reference retraces bp.gradient_descent's Adam."""
    import bpkit as bp
    scales = np.array([1.0, 30.0])
    grad = lambda x: scales * x          # noqa: E731
    x, m, v, path = np.array([2.0, -1.0]), np.zeros(2), np.zeros(2), [np.array([2.0, -1.0])]
    for t in range(1, 51):
        x, m, v = adam_step_reference(x, m, v, grad(x), t, 0.1)
        path.append(x)
    assert np.array_equal(np.array(path), bp.gradient_descent(grad, path[0], 0.1, 50,
                                                              optimizer="adam"))


def test_the_first_step_moves_each_parameter_by_eta_against_its_gradient_sign():
    """At t = 1 the bias correction makes m̂ = g and v̂ = g², so the step is η·g/(|g| + ε)."""
    g = np.array([1e8, -3.0, 1e-3])
    theta, m, v = adam_step_reference(np.zeros(3), np.zeros(3), np.zeros(3), g, 1, 0.1)
    assert np.allclose(theta, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)
    assert np.allclose(m, 0.1 * g) and np.allclose(v, 0.001 * g * g)


def test_the_policy_accepts_the_solution_and_the_honest_mistakes():
    given = teacher_namespace(TEACHER)
    assert policy.problems(SOLUTION, given) == []
    assert all(policy.problems(text, given) == [] for text in WRONG.values())


def test_the_notebook_has_one_exercise_of_two_points():
    assert [(ex.name, ex.points) for ex in exercises(TEACHER)] == [("adam_step", 2.0)]


# --- one real grading run, in the sandbox -------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{folder: NotebookGrade} for the solution, the stub and one wrong answer."""
    root = tmp_path_factory.mktemp("class")
    release(EXERCISES, root / "handout")

    def hand_in(folder, text=None):
        nb = nbformat.read(root / "handout" / NAME, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) == "adam_step" and text is not None:
                cell.source = text
        path = root / "submitted" / folder / NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)

    hand_in("right", SOLUTION)
    hand_in("stub")
    hand_in("wrong", WRONG["no bias correction"])
    results = grade(sorted((root / "submitted").rglob("*.ipynb")), source=EXERCISES,
                    timeout=20, jobs=2)
    return {Path(r.path).parent.name: r for r in results}


def test_graded_the_solution_scores_full_marks(graded):
    result = graded["right"]
    assert [(e.name, e.points, e.reason) for e in result.exercises] == [("adam_step", 2.0, "")]


def test_graded_the_stub_scores_zero(graded):
    result = graded["stub"]
    assert result.points == 0 and result.max_points == 2
    assert "still holds the stub" in result.exercises[0].reason


def test_graded_a_wrong_answer_scores_zero(graded):
    result = graded["wrong"]
    assert result.points == 0 and result.max_points == 2
    assert result.exercises[0].reason.startswith("check failed"), result.exercises[0].reason
