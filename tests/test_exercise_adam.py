"""Exercise 13 (one Adam step), graded as a class hands it back.

The check is called directly, with the grader's seed set, on the reference solution, the
stub and the mistakes Adam invites: no bias correction, t counted from 0, ε inside the
square root, m and v swapped, β₁ and β₂ swapped, the arguments changed in place. Then on
what a student trying to score without the rule would hand in: answers right only on the
visible cases (the bias correction skipped for large t, a lookup of the visible cases;
the ε argument ignored, 3-axis or more than six parameters mishandled, which the
visible cases now show), results whose numbers convert to
the right ones (a list, float32, complex or object arrays), arrays kept and refilled at
each call, the arguments handed back. Right answers written other ways still pass. One
small ``grade`` run, in the sandbox as ``bpkit grade`` runs it, scores the solution, the
stub and wrong answers.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.grading import checks, policy
from bpkit.grading.checks import harness
from bpkit.grading.checks.compare import close
from bpkit.grading.checks.adam import _grading_cases as adam_cases, adam_step_reference
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

#: Right answers written otherwise than the solution; each must pass every seed's cases.
RIGHT = {
    # Kingma and Ba's "more efficient" order, with their ε̂ = ε·√(1 − β₂ᵗ): the same rule
    "η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with ε̂": "import math\n\n" + HEAD + """\
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.square(grad)
    alpha = learning_rate * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return theta - alpha * m / (np.sqrt(v) + eps * math.sqrt(1 - beta2 ** t)), m, v
""",
    "averages as m + (1 − β)(g − m)": body(m="m + (1 - beta1) * (grad - m)",
                                           v="v + (1 - beta2) * (grad * grad - v)"),
    "element by element, any shape": "import math\n\n" + HEAD + """\
    new = [np.empty(theta.shape) for _ in range(3)]
    for i in np.ndindex(theta.shape):
        mi = beta1 * m[i] + (1 - beta1) * grad[i]
        vi = beta2 * v[i] + (1 - beta2) * grad[i] ** 2
        step = (mi / (1 - beta1 ** t)) / (math.sqrt(vi / (1 - beta2 ** t)) + eps)
        new[0][i], new[1][i], new[2][i] = theta[i] - learning_rate * step, mi, vi
    return tuple(new)
""",
    "in place on copies": HEAD + """\
    theta, m, v = theta.copy(), m.copy(), v.copy()
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    theta -= learning_rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return theta, m, v
""",
    "a list [θ, m, v]": body(returned="[theta - learning_rate * step, m, v]"),
    "long double θ": body(returned="(theta - learning_rate * step).astype(np.longdouble), m, v"),
}

#: Answers that once passed every visible case: the notebook now shows their mistake.
SHOWN_IN_THE_NOTEBOOK = {
    "the ε argument ignored (1e-8 always)": body(step="m_hat / (np.sqrt(v_hat) + 1e-8)"),
    "one or two axes only": HEAD + """\
    if theta.ndim > 2:
        return theta.copy(), m.copy(), v.copy()
""" + body().removeprefix(HEAD),
    "six parameters at most": HEAD + """\
    if theta.size > 6:
        return theta.copy(), m.copy(), v.copy()
""" + body().removeprefix(HEAD),
}

#: Answers that pass the visible cases and are wrong elsewhere: the grading cases fail them.
RIGHT_ONLY_WHERE_SEEN = {
    "no bias correction from t = 3000 on": body(m_hat="m / (1 - beta1 ** t) if t < 3000 else m",
                                                v_hat="v / (1 - beta2 ** t) if t < 3000 else v"),
    "the visible steps looked up, no bias correction elsewhere": HEAD + """\
    if t in (1, 1000, 5, 3, 20, 7):
        m_hat = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)
        v_hat = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    else:
        m_hat, v_hat = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2
    return (theta - learning_rate * m_hat / (np.sqrt(v_hat) + eps),
            beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad ** 2)
""",
    "the arguments handed back when nothing moves": HEAD + """\
    if not grad.any() and not m.any() and not v.any():
        return theta, m, v
""" + body().removeprefix(HEAD),
}

#: Results whose numbers are right but which are not three new float arrays, with what
#: the check says of each.
NOT_NEW_FLOAT_ARRAYS = {
    "float32": (body(returned="(theta - learning_rate * step).astype(np.float32), "
                              "m.astype(np.float32), v.astype(np.float32)"),
                "theta should be an array of float64, as the arguments are, got float32"),
    "lists": (body(returned="(theta - learning_rate * step).tolist(), m.tolist(), v.tolist()"),
              "theta should be a numpy array, got a list of"),
    "complex": (body(step="m_hat / (np.sqrt(v_hat + 0j) + eps)"),
                "got complex128"),
    "objects": (body(returned="(theta - learning_rate * step).astype('O'), m, v"),
                "theta should be an array of float64, as the arguments are, got object"),
    "an iterator": (body(returned="iter((theta - learning_rate * step, m, v))"),
                    "should return (theta, m, v), got a tuple_iterator"),
    "arrays kept and refilled at each call": (
        HEAD.replace("eps=1e-8)", "eps=1e-8, kept={})") + """\
    if theta.shape not in kept:
        kept[theta.shape] = (np.empty(theta.shape), np.empty(theta.shape), np.empty(theta.shape))
    new_theta, new_m, new_v = kept[theta.shape]
    new_m[...] = beta1 * m + (1 - beta1) * grad
    new_v[...] = beta2 * v + (1 - beta2) * grad ** 2
    new_theta[...] = theta - learning_rate * (new_m / (1 - beta1 ** t)) / (
        np.sqrt(new_v / (1 - beta2 ** t)) + eps)
    return new_theta, new_m, new_v
""", "the theta it returned for an earlier case changed when it was called again"),
    "two sets of arrays, refilled in turn": (
        HEAD.replace("eps=1e-8)", "eps=1e-8, kept={}, calls=[0])") + """\
    calls[0] += 1
    key = (theta.shape, calls[0] % 2)
    if key not in kept:
        kept[key] = (np.empty(theta.shape), np.empty(theta.shape), np.empty(theta.shape))
    new_theta, new_m, new_v = kept[key]
    new_m[...] = beta1 * m + (1 - beta1) * grad
    new_v[...] = beta2 * v + (1 - beta2) * grad ** 2
    new_theta[...] = theta - learning_rate * (new_m / (1 - beta1 ** t)) / (
        np.sqrt(new_v / (1 - beta2 ** t)) + eps)
    return new_theta, new_m, new_v
""", "it returned for an earlier case changed when it was called again"),
}

#: Results no number can be read from: the check fails them with a message, not a crash.
UNREADABLE = {
    "a list that holds itself": HEAD + "    r = [1.0, 2.0]\n    r.append(r)\n    return r\n",
    "an integer too large for a float": HEAD + "    return [10 ** 400], m, v\n",
    "a number": HEAD + "    return 10 ** 400\n",
}

#: Ways of reaching bpkit's Adam: the policy refuses each before anything runs.
CALLS_BPKIT = {
    "an import": "from bpkit.optimizers import make_optimizer\n\n" + HEAD + """\
    optimizer = make_optimizer("adam", learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    theta, m, v = theta.copy(), m.copy(), v.copy()
    optimizer.mean, optimizer.square, optimizer.t = [m], [v], t - 1
    optimizer.step([theta], [grad])
    return theta, m, v
""",
    "the demo cell's bp": HEAD + "    return bp.gradient_descent(None, theta, learning_rate, 1)\n",
    "__import__": HEAD + "    return __import__('bpkit').optimizers\n",
    "the check's globals": HEAD + "    return check_adam_step.__globals__\n",
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
    assert out.count("\n") == 1 and "adam_step: 8/8 cases pass [" in out


@pytest.mark.parametrize("seed", range(10))
def test_the_solution_passes_the_grading_cases_of_every_seed(monkeypatch, seed, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    checks.check_adam_step(answer(SOLUTION))
    assert "8/8 cases pass [" in capsys.readouterr().out


def test_the_stub_is_not_answered_yet(grading):
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        checks.check_adam_step(answer(STUB))


@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_wrong_answers_fail_the_visible_cases(mistake, capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG[mistake]))
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", sorted(SHOWN_IN_THE_NOTEBOOK))
def test_answers_the_visible_cases_now_catch_fail_where_the_student_looks(mistake, capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(SHOWN_IN_THE_NOTEBOOK[mistake]))
    out = capsys.readouterr().out
    assert "FAIL tiny gradients and averages" in out or "FAIL a 2×2×3 array" in out, out


def test_eps_inside_the_root_is_caught_by_the_tiny_gradients(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG["ε inside the square root"]))
    assert "FAIL tiny gradients (1e-8), t = 1" in capsys.readouterr().out


def test_a_changed_argument_is_named(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(WRONG["the arguments changed in place"]))
    assert "changed its argument theta in place" in capsys.readouterr().out


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("way", sorted(RIGHT))
def test_right_answers_written_otherwise_pass_every_seed(monkeypatch, way, seed, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    checks.check_adam_step(answer(RIGHT[way]))
    assert capsys.readouterr().out == "adam_step: 8/8 cases pass [cfb8f3a4]\n"


@pytest.mark.parametrize("mistake", sorted(RIGHT_ONLY_WHERE_SEEN))
def test_answers_right_only_where_the_notebook_looks_fail_the_grading_cases(
        monkeypatch, mistake, capsys):
    checks.check_adam_step(answer(RIGHT_ONLY_WHERE_SEEN[mistake]))     # the student's view
    assert "8/8 cases pass" in capsys.readouterr().out
    for seed in range(20):
        monkeypatch.setenv(harness.GRADING_SEED, str(seed))
        with pytest.raises(harness.CheckFailed, match="extra cases used in grading"):
            checks.check_adam_step(answer(RIGHT_ONLY_WHERE_SEEN[mistake]))


@pytest.mark.parametrize("kind", sorted(NOT_NEW_FLOAT_ARRAYS))
def test_results_that_are_not_new_float_arrays_fail_visibly(kind, capsys):
    text, why = NOT_NEW_FLOAT_ARRAYS[kind]
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(text))
    assert why in capsys.readouterr().out


def test_float32_passes_on_its_numbers_alone():
    """Why the type is checked: float32's rounding is within the comparison's tolerance."""
    theta, m, v = adam_step_reference(np.sin(np.arange(1.0, 4.0)), np.zeros(3), np.zeros(3),
                                      np.cos(np.arange(3.0)), 1, 0.1)
    assert all(close(a, a.astype(np.float32)) is None for a in (theta, m, v))


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_results_fail_with_a_message(kind, capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(UNREADABLE[kind]))
    assert "adam_step: 0/8 cases pass" in capsys.readouterr().out


def test_handing_the_arguments_back_is_named(monkeypatch, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, "4")
    monkeypatch.setenv(harness.SHOW_HIDDEN, "1")
    with pytest.raises(harness.CheckFailed):
        checks.check_adam_step(answer(RIGHT_ONLY_WHERE_SEEN[
            "the arguments handed back when nothing moves"]))
    assert "theta is the argument theta, or a view of it: return new arrays" \
        in capsys.readouterr().out


def test_the_grading_cases_reach_every_part_of_the_rule():
    """Each kind of shape, t near 10⁶, the default β and ε, a zero gradient; and for each
    part of the rule, a case where getting it wrong moves θ beyond the tolerance."""
    cases = adam_cases(np.random.default_rng(0))
    assert {len(c.inputs["theta"].shape) for c in cases} == {1, 2, 3}
    assert max(c.inputs["theta"].size for c in cases) >= 50
    assert max(c.inputs["t"] for c in cases) >= 5 * 10**5
    assert any(len(c.inputs) == 6 for c in cases)
    assert any(not c.inputs["grad"].any() and not c.inputs["m"].any() for c in cases)
    for mistake in ("no bias correction", "ε inside the square root"):
        wrong = answer(WRONG[mistake])
        moved = [c for c in cases if close(c.expected[0], wrong(*c.inputs.values())[0])]
        assert len(moved) >= 2, mistake


def test_answers_calling_bpkit_are_refused():
    given = teacher_namespace(TEACHER)
    for way, text in CALLS_BPKIT.items():
        assert policy.problems(text, given), way


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
    others = [*RIGHT.values(), *RIGHT_ONLY_WHERE_SEEN.values(), *UNREADABLE.values(),
              *(text for text, _ in NOT_NEW_FLOAT_ARRAYS.values())]
    assert all(policy.problems(text, given) == [] for text in others)


def test_the_notebook_has_one_exercise_of_two_points():
    assert [(ex.name, ex.points) for ex in exercises(TEACHER)] == [("adam_step", 2.0)]


# --- one real grading run, in the sandbox -------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{folder: NotebookGrade} for the solution, the stub and wrong answers."""
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
    hand_in("float32", NOT_NEW_FLOAT_ARRAYS["float32"][0])
    hand_in("large t", RIGHT_ONLY_WHERE_SEEN["no bias correction from t = 3000 on"])
    hand_in("bpkit", CALLS_BPKIT["an import"])
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


def test_graded_false_passes_of_the_old_check_score_zero(graded):
    """Two answers right on their numbers where the notebook looks: a float32 result (its
    rounding is within the tolerance) and the bias correction dropped from t = 3000 on
    (beyond the visible cases); and an import of bpkit, which never runs."""
    assert [graded[k].points for k in ("float32", "large t", "bpkit")] == [0, 0, 0]
    assert "float64" in graded["float32"].exercises[0].details
    assert graded["large t"].exercises[0].reason == \
        "check failed: adam_step: fails on the extra cases used in grading"
    assert "imports bpkit.optimizers" in graded["bpkit"].exercises[0].reason
