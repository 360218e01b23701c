"""The exercise notebooks and their grader, tested on real graded notebooks.

One module fixture releases the book's exercise notebooks, fills the student copies
with right, wrong and cheating answers (as a class would hand them back), and grades
them all in a single ``grade`` call, the way ``bpkit grade`` does: nbval on the
teacher's notebooks with the students' answers spliced in, two notebooks at a time.
The tests then read the scores.
"""
import json
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bpkit
from bpkit.cli import main
from bpkit.grading import checks, policy
from bpkit.grading.checks import harness
from bpkit.grading.grade import UsageError, grade
from bpkit.grading.nbval_run import nbval_command
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, is_check, source
from bpkit.grading.release import ReleaseError, release, student_copy

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NOTEBOOKS = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
TIMEOUT = 12     # seconds per cell while grading here; the slowest cell (imports) takes ~2 s

#: A plausible mistake for every exercise; each must cost that exercise, and only it.
WRONG = {
    "sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n",
    "sigmoid_prime": "def sigmoid_prime(z):\n    a = sigmoid(z)\n"
                     "    return sigmoid(a) * (1 - sigmoid(a))\n",        # σ′ taken at a, not z
    "quadratic_cost": "def quadratic_cost(A, Y):\n    return np.sum((A - Y) ** 2) / len(A)\n",
    "quadratic_cost_gradient": "def quadratic_cost_gradient(A, Y):\n    return (A - Y) / len(A)\n",
    "output_error": "def output_error(A, Y, Z):\n    return (A - Y) * sigmoid_prime(A)\n",
    "hidden_error": "def hidden_error(delta_next, W_next, Z):\n"
                    "    return (delta_next @ W_next.T) * sigmoid_prime(Z)\n",
    "bias_gradient": "def bias_gradient(delta):\n    return np.sum(delta, axis=0)\n",
    "weight_gradient": "def weight_gradient(delta, A_prev):\n    return A_prev.T @ delta / len(delta)\n",
    "backprop": """
def backprop(net, X, Y):
    zs, activations = net.forward(X)
    L = len(net.weights)
    grad_w, grad_b = [None] * L, [None] * L
    delta = (activations[-1] - Y) * sigmoid_prime(zs[-1])
    for l in range(L - 1, -1, -1):
        grad_b[l] = delta.mean(axis=0)
        grad_w[l] = delta.T @ activations[l]          # the sum, not the mean
        if l > 0:
            delta = (delta @ net.weights[l]) * sigmoid_prime(zs[l - 1])
    return grad_w, grad_b
""",
    "update_mini_batch": """
def update_mini_batch(net, X, Y, learning_rate):
    grad_w, grad_b = backprop(net, X, Y)
    for W, b, gW, gb in zip(net.weights, net.biases, grad_w, grad_b):
        W += learning_rate * gW                       # added, not subtracted
        b += learning_rate * gb
""",
    "train_epoch": """
def train_epoch(net, X, Y, learning_rate, batch_size, rng):
    for start in range(0, len(X), batch_size):    # never shuffled
        update_mini_batch(net, X[start:start + batch_size], Y[start:start + batch_size], learning_rate)
""",
    "numerical_gradient": """
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.array(theta, dtype=float)
    grad = np.zeros_like(theta)
    base = f(theta)
    for i in np.ndindex(theta.shape):             # a one-sided difference
        saved = theta[i]
        theta[i] = saved + eps
        grad[i] = (f(theta) - base) / eps
        theta[i] = saved
    return grad
""",
    "relative_error": "def relative_error(a, b):\n"
                      "    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))\n",
    "momentum_step": "def momentum_step(theta, velocity, grad, learning_rate, momentum):\n"
                     "    velocity = momentum * velocity + learning_rate * grad\n"
                     "    return theta + velocity, velocity\n",
    # the classic bug of reverse mode: a broadcast value's gradient not summed over its uses
    "add_backward": "def add_backward(grad_out, a, b):\n    return grad_out, grad_out\n",
    "matmul_backward": "def matmul_backward(grad_out, A, B):\n"           # grad_B transposed
                       "    return grad_out @ B.T, grad_out.T @ A\n",
    "softmax": "def softmax(Z):\n    E = np.exp(Z)\n"                       # overflows at large z
               "    return E / np.sum(E, axis=1, keepdims=True)\n",
    "softmax_output_error": "def softmax_output_error(Z, Y):\n    A = softmax(Z)\n"
                            "    return (A - Y) * A * (1 - A)\n",        # a σ′-like factor
    "he_initialization": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_out, n_in))   # LeCun's, not He's
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "adam_step": "def adam_step(theta, m, v, grad, t, learning_rate, beta1=0.9, beta2=0.999, "
                 "eps=1e-8):\n"                                          # no bias correction
                 "    m = beta1 * m + (1 - beta1) * grad\n"
                 "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
                 "    return theta - learning_rate * m / (np.sqrt(v) + eps), m, v\n",
    "momentum_descent": """
def momentum_descent(grad, x0, learning_rate, momentum, steps):
    x, v, path = np.array(x0, dtype=float), np.zeros(len(x0)), []    # x0 left out of the path
    for _ in range(steps):
        x, v = momentum_step(x, v, grad(x), learning_rate, momentum)
        path.append(x)
    return np.array(path)
""",
}

#: Answers that call bpkit's own implementation of what they practise, in several spellings.
CALLS_BPKIT = {
    "sigmoid": "import bpkit\n\ndef sigmoid(z):\n    return bpkit.sigmoid(z)\n",
    "sigmoid_prime": "from bpkit import sigmoid_prime as reference\n\ndef sigmoid_prime(z):\n"
                     "    return reference(z)\n",
    "quadratic_cost": "import bpkit as bp\n\ndef quadratic_cost(A, Y):\n"
                      "    return bp.quadratic_cost(A, Y)\n",
    "quadratic_cost_gradient": "from bpkit.costs import quadratic_cost_gradient\n",
    "output_error": "def output_error(A, Y, Z):\n    return bp.output_error(A, Y, Z)\n",
    "hidden_error": "from bpkit import hidden_error\n",
    "bias_gradient": "import bpkit.backprop\n\ndef bias_gradient(delta):\n"
                     "    return bpkit.backprop.bias_gradient(delta)\n",
    "weight_gradient": "from bpkit import weight_gradient as w\nweight_gradient = w\n",
    "backprop": "from bpkit import backprop\n",
    "update_mini_batch": "import bpkit\nupdate_mini_batch = bpkit.update_mini_batch\n",
    "train_epoch": "from bpkit import descent\n\n"
                   "def train_epoch(net, X, Y, learning_rate, batch_size, rng):\n"
                   "    for rows in descent.mini_batches(len(X), batch_size, rng):\n"
                   "        update_mini_batch(net, X[rows], Y[rows], learning_rate)\n",
    "numerical_gradient": "from bpkit.gradcheck import numerical_gradient\n",
    "relative_error": "import bpkit\nrelative_error = bpkit.relative_error\n",
    "momentum_step": "from bpkit.grading.checks import momentum_step_reference as momentum_step\n",
    "add_backward": "from bpkit.grading.checks.autodiff import add_backward_reference as "
                    "add_backward\n",
    "matmul_backward": "import bpkit\n\ndef matmul_backward(grad_out, A, B):\n"
                       "    a, b = bpkit.autodiff.Tensor(A), bpkit.autodiff.Tensor(B)\n"
                       "    (a @ b).backward(grad_out)\n    return a.grad, b.grad\n",
    "softmax": "import bpkit\nsoftmax = bpkit.softmax\n",
    "softmax_output_error": "from bpkit import output_error as reference\n\n"
                            "def softmax_output_error(Z, Y):\n"
                            "    return reference(softmax(Z), Y, Z, 'categorical_cross_entropy', 'softmax')\n",
    "he_initialization": "import bpkit.init\n\ndef he_initialization(sizes, rng):\n"
                         "    return bpkit.init.initialize(sizes, 'he', rng)\n",
    "adam_step": "from bpkit.grading.checks.adam import adam_step_reference as adam_step\n",
    "momentum_descent": "import bpkit\n\n"
                        "def momentum_descent(grad, x0, learning_rate, momentum, steps):\n"
                        "    return bpkit.gradient_descent(grad, x0, learning_rate, steps, "
                        "optimizer='momentum', momentum=momentum)\n",
}


def solution(cell):
    """A teacher's answer as a student would write it: the code between the markers."""
    return "\n".join(line for line in source(cell).split("\n") if BEGIN not in line and END not in line)


def teacher(name):
    return nbformat.read(EXERCISES / name, as_version=4)


SOLUTIONS = {grade_id(c): solution(c) for name in NOTEBOOKS for c in teacher(name).cells if is_answer(c)}
OWNER = {ex.name: name for name in NOTEBOOKS for ex in exercises(teacher(name))}
STEM = {name: name.removesuffix(".ipynb") for name in NOTEBOOKS}


def expected_line(exercise):
    """The check line stored in the teacher's notebook (what a cheat would print)."""
    for cell in teacher(OWNER[exercise]).cells:
        if grade_id(cell) == f"check_{exercise}":
            return cell.outputs[0]["text"].strip()


def memorised_bias_gradient():
    """An answer that knows the visible cases by heart and computes nothing."""
    table = {}

    def spy(delta):
        table[tuple(round(float(v), 9) for v in np.ravel(delta))] = np.mean(delta, axis=0).tolist()
        return np.mean(delta, axis=0)
    checks.check_bias_gradient(spy)
    return ("TABLE = " + repr(table) + "\n\ndef bias_gradient(delta):\n"
            "    return np.array(TABLE[tuple(round(float(v), 9) for v in np.ravel(delta))])\n")


class Class:
    """Student notebooks written from the released copies, graded together."""

    def __init__(self, root):
        self.root = root
        self.handout = root / "handout"
        release(EXERCISES, self.handout)
        self.submitted = root / "submitted"

    def hand_in(self, folder, name, answers=(), edit=None):
        """A copy of the handout ``name`` with ``answers`` (grade_id -> source) filled in."""
        nb = nbformat.read(self.handout / name, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in dict(answers):
                cell.source = dict(answers)[grade_id(cell)]
        if edit:
            edit(nb)
        path = self.submitted / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def right(self, name, **overrides):
        return {**{ex.name: SOLUTIONS[ex.name] for ex in exercises(teacher(name))}, **overrides}


def edit_check(exercise, text):
    def edit(nb):
        for cell in nb.cells:
            if grade_id(cell) == f"check_{exercise}":
                cell.source = text
    return edit


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{(folder, notebook): NotebookGrade} for every submission below."""
    c = Class(tmp_path_factory.mktemp("class"))
    # Slow ones first, so the two workers share the load: time limits.
    c.hand_in("loop", "07-mini-batch-gd.ipynb", c.right(
        "07-mini-batch-gd.ipynb", update_mini_batch="def update_mini_batch(net, X, Y, learning_rate):\n"
                                                    "    while True:\n        pass\n"))
    c.hand_in("stuck", "09-momentum.ipynb", c.right(    # a C-level loop ignores the interrupt
        "09-momentum.ipynb", momentum_step=SOLUTIONS["momentum_step"] + "\n\nsum(range(10**13))\n"))
    for name in NOTEBOOKS:
        c.hand_in("stub", name)
        c.hand_in("bpkit", name, {ex.name: CALLS_BPKIT[ex.name] for ex in exercises(teacher(name))})
        if len(exercises(teacher(name))) == 1:
            c.hand_in("right", name, c.right(name))
        for ex in exercises(teacher(name)):
            c.hand_in(f"wrong-{ex.name}", name, c.right(name, **{ex.name: WRONG[ex.name]}))
    c.hand_in("cheat-print", "01-sigmoid.ipynb", {
        "sigmoid": "def sigmoid(z):\n    raise NotImplementedError()\n\n"
                   f"print({expected_line('sigmoid')!r})\n",
        "sigmoid_prime": WRONG["sigmoid_prime"]},
        edit=edit_check("sigmoid_prime", f"print({expected_line('sigmoid_prime')!r})"))
    c.hand_in("cheat-patch", "02-quadratic-cost.ipynb", {
        "quadratic_cost": WRONG["quadratic_cost"] + "\n\ndef check_quadratic_cost(f):\n"
                          f"    print({expected_line('quadratic_cost')!r})\n",
        "quadratic_cost_gradient": WRONG["quadratic_cost_gradient"] +
            "\nimport bpkit.grading.checks\n"
            "bpkit.grading.checks.check_quadratic_cost_gradient = print\n"})
    c.hand_in("cheat-memo", "05-layer-gradients.ipynb",
              c.right("05-layer-gradients.ipynb", bias_gradient=memorised_bias_gradient()))

    def rename(nb):
        for cell in nb.cells:
            if grade_id(cell) == "relative_error":
                cell.metadata["nbgrader"]["grade_id"] = "my_relative_error"
        nb.cells.append(nbformat.v4.new_code_cell("scratch = 1"))
    c.hand_in("renamed", "08-gradient-check.ipynb", c.right("08-gradient-check.ipynb"), edit=rename)

    def delete(nb):
        gone = ("quadratic_cost", "check_quadratic_cost_gradient")
        nb.cells = [cell for cell in nb.cells if grade_id(cell) not in gone]
    c.hand_in("missing", "02-quadratic-cost.ipynb", c.right("02-quadratic-cost.ipynb"), edit=delete)
    (c.submitted / "broken").mkdir()
    (c.submitted / "broken" / "03-output-error.ipynb").write_text("{not json")
    (c.submitted / "broken" / "04-hidden-error.ipynb").write_text(json.dumps({"cells": "none"}))
    (c.submitted / "broken" / "Untitled.ipynb").write_text("{}")

    slow_first = sorted(c.submitted.rglob("*.ipynb"),
                        key=lambda p: (p.parent.name not in ("loop", "stuck"), str(p)))
    results = grade(slow_first, source=EXERCISES, timeout=TIMEOUT, jobs=2)
    return {(Path(r.path).parent.name, Path(r.path).name): r for r in results}


def scores(result):
    return {e.name: e.points for e in result.exercises}


def reasons(result):
    return {e.name: e.reason for e in result.exercises}


ALL = [(name, ex.name, ex.points) for name in NOTEBOOKS for ex in exercises(teacher(name))]


# --- every exercise: right, stub, wrong, bpkit -------------------------------------------

@pytest.mark.parametrize("name,exercise,points", ALL)
def test_the_reference_solution_scores_full_marks(graded, name, exercise, points):
    others = [ex.name for ex in exercises(teacher(name)) if ex.name != exercise]
    # In a notebook of two exercises, the other's wrong-answer copy holds this one's solution.
    result = graded[(f"wrong-{others[0]}", name)] if others else graded[("right", name)]
    assert scores(result)[exercise] == points > 0
    assert reasons(result)[exercise] == ""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_released_stub_scores_zero(graded, name):
    result = graded[("stub", name)]
    assert result.points == 0 and result.max_points > 0
    assert all("still holds the stub" in e.reason for e in result.exercises), reasons(result)


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_every_check_fails_on_the_stub(exercise, capsys):
    from bpkit.grading.notebook import strip_solution
    cell = next(c for c in teacher(OWNER[exercise]).cells if grade_id(c) == exercise)
    namespace = {"np": np, "__name__": "__main__"}
    exec(strip_solution(source(cell)), namespace)
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        getattr(checks, f"check_{exercise}")(namespace[exercise])


@pytest.mark.parametrize("name,exercise,points", ALL)
def test_a_wrong_answer_scores_zero_for_its_exercise_only(graded, name, exercise, points):
    result = graded[(f"wrong-{exercise}", name)]
    expected = {ex.name: (0.0 if ex.name == exercise else ex.points) for ex in exercises(teacher(name))}
    assert scores(result) == expected, reasons(result)
    assert reasons(result)[exercise].startswith("check failed")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_an_answer_calling_bpkit_itself_is_refused(graded, name):
    result = graded[("bpkit", name)]
    assert result.points == 0
    assert all("not allowed" in e.reason for e in result.exercises), reasons(result)


# --- cheating ----------------------------------------------------------------------------

def test_printing_the_expected_line_does_not_pass(graded):
    result = graded[("cheat-print", "01-sigmoid.ipynb")]
    assert scores(result) == {"sigmoid": 0, "sigmoid_prime": 0}
    assert "not answered yet" in reasons(result)["sigmoid"]      # the real check still ran


def test_an_edited_check_cell_is_reported_not_run(graded):
    result = graded[("cheat-print", "01-sigmoid.ipynb")]
    assert "check_sigmoid_prime was edited" in reasons(result)["sigmoid_prime"]


def test_redefining_or_patching_the_checks_is_refused(graded):
    result = graded[("cheat-patch", "02-quadratic-cost.ipynb")]
    assert scores(result) == {"quadratic_cost": 0, "quadratic_cost_gradient": 0}
    assert "check_quadratic_cost" in reasons(result)["quadratic_cost"]
    assert "imports bpkit" in reasons(result)["quadratic_cost_gradient"]


def test_memorising_the_visible_cases_fails_on_the_grading_cases(graded, capsys):
    namespace = {"np": np, "__name__": "__main__"}
    exec(memorised_bias_gradient(), namespace)
    checks.check_bias_gradient(namespace["bias_gradient"])   # what the student sees: a pass
    assert "4/4 cases pass" in capsys.readouterr().out
    result = graded[("cheat-memo", "05-layer-gradients.ipynb")]
    assert scores(result) == {"bias_gradient": 0, "weight_gradient": 2}
    assert "extra cases used in grading" in reasons(result)["bias_gradient"]


# --- time limits and broken submissions --------------------------------------------------

def test_an_infinite_loop_is_cut_off_and_the_rest_still_graded(graded):
    result = graded[("loop", "07-mini-batch-gd.ipynb")]
    assert scores(result) == {"update_mini_batch": 0, "train_epoch": 3}
    assert "time limit" in reasons(result)["update_mini_batch"]


def test_a_loop_that_ignores_the_interrupt_is_cut_off_too(graded):
    result = graded[("stuck", "09-momentum.ipynb")]
    assert scores(result) == {"momentum_step": 0, "momentum_descent": 2}
    assert "time limit" in reasons(result)["momentum_step"]


def test_a_renamed_answer_cell_scores_zero_and_added_cells_are_noted(graded):
    result = graded[("renamed", "08-gradient-check.ipynb")]
    assert scores(result) == {"numerical_gradient": 2, "relative_error": 0}
    assert "answer cell relative_error is missing" in reasons(result)["relative_error"]
    assert any("not in the exercise notebook" in note for note in result.notes)


def test_missing_cells_score_zero(graded):
    result = graded[("missing", "02-quadratic-cost.ipynb")]
    assert scores(result) == {"quadratic_cost": 0, "quadratic_cost_gradient": 0}
    assert "answer cell quadratic_cost is missing" in reasons(result)["quadratic_cost"]
    assert "check cell check_quadratic_cost_gradient is missing" in \
        reasons(result)["quadratic_cost_gradient"]


@pytest.mark.parametrize("name,why", [("03-output-error.ipynb", "not a valid notebook file"),
                                      ("04-hidden-error.ipynb", "no list of cells")])
def test_a_file_that_is_not_a_notebook_scores_zero_with_a_message(graded, name, why):
    result = graded[("broken", name)]
    assert result.graded and result.points == 0 and result.max_points > 0
    assert any(why in note for note in result.notes)


def test_a_notebook_of_unknown_name_is_skipped(graded):
    result = graded[("broken", "Untitled.ipynb")]
    assert not result.graded and "no exercise notebook called Untitled.ipynb" in result.notes[0]


# --- the command line --------------------------------------------------------------------

def test_grade_command_prints_a_table_and_writes_csv(tmp_path, capsys):
    c = Class(tmp_path)
    c.hand_in("ann", "06-backprop.ipynb", {"backprop": CALLS_BPKIT["backprop"]})
    (c.submitted / "ann" / "notes.ipynb").write_text("{}")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(c.submitted), "--csv", str(out)]) == 0   # refused: nothing to run
    table = capsys.readouterr().out
    assert re.search(r"06-backprop\.ipynb  0/4", table) and "backprop" in table
    header, row = out.read_text().splitlines()
    assert header == "student,notebook,exercise,points,max_points,reason,seed,file"
    seed = re.search(r"hidden cases drawn with --seed (\d+)", table)[1]
    assert row == (f"ann,06-backprop.ipynb,backprop,0,4,answer backprop not allowed: line 1: "
                   f"imports bpkit: answers may import numpy and math only,{seed},"
                   f"{c.submitted / 'ann' / '06-backprop.ipynb'}")


def test_grade_command_usage_errors_exit_nonzero(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "missing.ipynb")]) == 2
    (tmp_path / "Untitled.ipynb").write_text("{}")
    assert main(["grade", str(tmp_path / "Untitled.ipynb")]) == 2
    assert main(["grade", str(tmp_path / "Untitled.ipynb"), "--source", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "none of the notebooks" in err and "does not exist" in err
    with pytest.raises(SystemExit):
        main(["grade"])


def test_grade_refuses_a_source_that_was_not_executed(tmp_path):
    nb = teacher("01-sigmoid.ipynb")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    (tmp_path / "source").mkdir()
    nbformat.write(nb, tmp_path / "source" / "01-sigmoid.ipynb")
    with pytest.raises(UsageError, match="execute it first"):
        grade([EXERCISES / "01-sigmoid.ipynb"], source=tmp_path / "source")


def test_grading_several_notebooks_uses_both_cores():
    command = nbval_command([Path("/r/a/x.ipynb"), Path("/r/b/x.ipynb")], Path("/r"), 30, jobs=2)
    assert command[command.index("-n") + 1] == "2" and "loadfile" in command
    assert "-n" not in nbval_command([Path("/r/a/x.ipynb")], Path("/r"), 30, jobs=2)


# --- release -----------------------------------------------------------------------------

def test_release_writes_stubs_and_clears_every_output(tmp_path):
    written = release(EXERCISES, tmp_path / "out")
    assert sorted(p.name for p in written) == NOTEBOOKS
    assert (tmp_path / "out" / "index.md").exists()
    for path in written:
        text = path.read_text()
        nb = nbformat.read(path, as_version=4)
        assert BEGIN not in text and "image/png" not in text
        assert not any(expected_line(ex) in text for ex in OWNER if OWNER[ex] == path.name)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
            if is_answer(cell):
                assert "# YOUR CODE HERE\n" in cell.source
                assert cell.source.endswith("raise NotImplementedError()")
                assert "hide-input" not in cell.metadata.get("tags", [])
            if is_check(cell):
                assert cell.metadata["editable"] is False and cell.metadata["nbgrader"]["checksum"]


def test_release_keeps_the_teachers_copy_safe(tmp_path):
    with pytest.raises(ReleaseError, match="overlap"):
        release(EXERCISES, EXERCISES / "students")
    nb = teacher("01-sigmoid.ipynb")
    nb.cells[1].source += f"\n{BEGIN}\nsecret = 1\n{END}"      # markers in a read-only cell
    with pytest.raises(ReleaseError, match="not an answer cell"):
        student_copy(nb)


def test_release_command(tmp_path, capsys):
    assert main(["release", str(EXERCISES), str(tmp_path / "handout")]) == 0
    assert capsys.readouterr().out.count("released") == len(NOTEBOOKS)
    assert main(["release", str(tmp_path / "nowhere"), str(tmp_path / "x")]) == 2


# --- the checks, run directly ------------------------------------------------------------

def test_a_failing_check_lists_the_inputs_expected_and_got(capsys):
    def sigmoid(z):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float))) if np.max(np.abs(z)) < 100 else np.nan * z
    with pytest.raises(harness.CheckFailed, match="1 of 6 cases fail"):
        checks.check_sigmoid(sigmoid)
    out = capsys.readouterr().out
    assert out.startswith("sigmoid: 5/6 cases pass\n  FAIL large |z|: z = [-1000, -40, 40, 1000]")
    assert "expected [0, 4.24835e-18, 1, 1]" in out and "got      [nan, nan, nan, nan]" in out


def test_a_passing_check_prints_one_stable_line(capsys):
    for _ in range(2):
        checks.check_sigmoid(lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))))
    first, second = capsys.readouterr().out.splitlines()
    assert first == second == expected_line("sigmoid")


def test_checks_refuse_bpkit_itself_while_the_student_works(capsys):
    with pytest.raises(harness.CheckFailed):
        checks.check_sigmoid(bpkit.sigmoid)
    namespace = {"bpkit": bpkit, "__name__": "__main__"}
    exec("def backprop(net, X, Y):\n    return bpkit.backprop(net, X, Y)\n", namespace)
    with pytest.raises(harness.CheckFailed):
        checks.check_backprop(namespace["backprop"])
    assert capsys.readouterr().out.count("not allowed") == 2


def test_a_check_does_not_let_an_answer_change_its_arguments(capsys):
    def sigmoid(z):
        z = np.asarray(z, dtype=float)     # the caller's own array, when it holds floats
        s = 1 / (1 + np.exp(-z))
        z[...] = 0
        return s
    with pytest.raises(harness.CheckFailed, match="4 of 6 cases fail"):
        checks.check_sigmoid(sigmoid)
    assert "changed its argument z in place" in capsys.readouterr().out


# --- the answer-cell policy --------------------------------------------------------------

def namespace(name):
    from bpkit.grading.splice import teacher_namespace
    return teacher_namespace(teacher(name))


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_solutions_and_honest_mistakes_are_allowed(exercise):
    assert policy.problems(SOLUTIONS[exercise], namespace(OWNER[exercise])) == []
    assert policy.problems(WRONG[exercise], namespace(OWNER[exercise])) == []


@pytest.mark.parametrize("source,why", [
    ("import bpkit\n", "imports bpkit"),
    ("def check_sigmoid(f):\n    pass\n", "check_sigmoid"),
    ("globals()['check_sigmoid'] = print\n", "globals"),
    ("import sys\n", "imports sys"),
    ("np.allclose = lambda *a, **k: True\n", "assigning to an attribute"),
    ("f = sigmoid.__globals__\n", "__globals__"),
    ("def g():\n    yield 1\nx = g().gi_frame.f_back\n", "gi_frame"),
    ("get_ipython = get_ipython\n", "get_ipython"),
    ("setattr(np, 'exp', abs)\n", "setattr"),
    ("exec('import os')\n", "exec"),
    ("x = __import__('os')\n", "__import__"),
    ("m = np\n", "used as a value"),
    ("np.savetxt('checks.py', [0])\n", "savetxt"),
    ("def f():\n    try:\n        pass\n    except:\n        pass\n", "bare `except:`"),
    ("%timeit sigmoid(0)\n", "IPython magics"),
    ("!cat /etc/passwd\n", "shell commands"),
    ("class A:\n    pass\n", "classes"),
    ("def f():\n    global np\n", "global"),
    ("x = getattr(np, 'exp')\n", "getattr"),
    ("x = np.lib.npyio\n", "used as a value"),
])
def test_cheating_answers_are_refused(source, why):
    found = policy.problems(source, namespace("01-sigmoid.ipynb"))
    assert found and any(why in problem for problem in found), found


def test_the_policy_never_imports_what_a_student_names():
    policy.problems("from antigravity import fly\nimport this\n", namespace("01-sigmoid.ipynb"))
    assert "antigravity" not in sys.modules and "this" not in sys.modules


# --- the teacher notebooks ---------------------------------------------------------------

@pytest.mark.parametrize("name", NOTEBOOKS)
def test_teacher_notebooks_are_executed_and_hide_their_solutions(name):
    nb = teacher(name)
    titles = [line for c in nb.cells if c.cell_type == "markdown"
              for line in c.source.splitlines() if line.startswith("# ")]
    assert len(titles) == 1 and nb.cells[0].source.startswith("# ")
    assert "use numpy only" in nb.cells[0].source.lower()
    for cell in nb.cells:
        if is_answer(cell):
            assert "hide-input" in cell.metadata["tags"] and BEGIN in cell.source
        if is_check(cell):
            assert re.fullmatch(r"\w+: (\d+)/\1 cases pass \[[0-9a-f]{8}\]\n", cell.outputs[0]["text"])
