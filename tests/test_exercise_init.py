"""Exercise 12 (He initialization), graded as a class hands it back.

A module fixture releases the teacher's notebooks, fills the student copies of this one
with the teacher's solution, the stub, an answer calling bpkit, and the plausible wrong
answers (the variance 2/n_in used as the standard deviation, LeCun's 1/n_in, n_out in
place of n_in), and grades them all with one ``bpkit grade`` command, in the sandbox, as
a teacher would. The check is also called directly, with the grader's seed set: on more
wrong answers, and on the right answer under many seeds (its statistical tests must not
fail a right answer by chance), and on the answers a hostile review wrote to pass it
without drawing N(0, 2/n_in) from the generator given.
"""
import csv
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.cli import main
from bpkit.grading import policy
from bpkit.grading.checks import harness
from bpkit.grading.checks.initialization import check_he_initialization
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, is_check, source
from bpkit.grading.release import release
from bpkit.grading.splice import teacher_namespace

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NAME = "12-he-initialization.ipynb"
TEACHER = nbformat.read(EXERCISES / NAME, as_version=4)
SOLUTION = next("\n".join(line for line in source(c).split("\n") if BEGIN not in line and END not in line)
                for c in TEACHER.cells if is_answer(c))

#: The plausible mistakes, each graded by ``bpkit grade``: every one must score zero.
WRONG = {
    "variance-as-std": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, 2.0 / n_in, size=(n_out, n_in))      # 2/n_in, not its root
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "lecun": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_out, n_in))   # tanh's variance
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "n-out": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, np.sqrt(2.0 / n_out), size=(n_out, n_in))  # the layer's outputs
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
}

CALLS_BPKIT = """
import bpkit.init

def he_initialization(sizes, rng):
    return bpkit.init.initialize(sizes, "he", rng)
"""

#: More wrong answers, for the check called directly.
ALSO_WRONG = {
    "uniform with the right variance": """
def he_initialization(sizes, rng):
    limit = [np.sqrt(6.0 / n) for n in sizes[:-1]]
    return ([rng.uniform(-a, a, size=(n_out, n_in)) for a, n_in, n_out
             in zip(limit, sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "glorot": """
def he_initialization(sizes, rng):
    return ([rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "numpy's global generator": """
def he_initialization(sizes, rng):
    return ([np.random.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "a generator of its own": """
def he_initialization(sizes, rng):
    mine = np.random.default_rng(0)
    return ([mine.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "numpy's global generator, rng touched": """
def he_initialization(sizes, rng):
    rng.random()
    return ([np.random.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "a generator of its own, rng touched": """
def he_initialization(sizes, rng):
    rng.random()
    mine = np.random.default_rng(0)
    return ([mine.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "weights transposed": """
def he_initialization(sizes, rng):
    return ([rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
""",
    "biases not zero": """
def he_initialization(sizes, rng):
    return ([rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.full(n, 0.01) for n in sizes[1:]])
""",
    "biases as columns": """
def he_initialization(sizes, rng):
    return ([rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros((n, 1)) for n in sizes[1:]])
""",
    "one layer too few": """
def he_initialization(sizes, rng):
    return ([rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
             for n_in, n_out in zip(sizes[:-2], sizes[1:-1])], [np.zeros(n) for n in sizes[1:-1]])
""",
}

#: Right on the widths of the visible cases only: passes what the student sees, fails grading.
MEMORISED = """
def he_initialization(sizes, rng):
    def std(n_in):
        return np.sqrt((2.0 if n_in in (1, 2, 3, 4, 5, 8, 50, 100, 400, 1000, 4000) else 1.0) / n_in)
    return ([rng.standard_normal((n_out, n_in)) * std(n_in)
             for n_in, n_out in zip(sizes[:-1], sizes[1:])], [np.zeros(n) for n in sizes[1:]])
"""


def answer(text):
    namespace = {"np": np, "__name__": "__main__"}
    exec(text, namespace)
    return namespace["he_initialization"]


# --- graded by bpkit grade, in the sandbox -----------------------------------------------

@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """{student: (points, max_points, reason)} from the CSV of one ``bpkit grade`` run."""
    root = tmp_path_factory.mktemp("class")
    release(EXERCISES, root / "handout")
    submissions = {"right": SOLUTION, "stub": None, "bpkit": CALLS_BPKIT,
                   **{f"wrong-{name}": text for name, text in WRONG.items()}}
    for student, text in submissions.items():
        nb = nbformat.read(root / "handout" / NAME, as_version=4)
        for cell in nb.cells:
            if text is not None and grade_id(cell) == "he_initialization":
                cell.source = text
        (root / "submitted" / student).mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / student / NAME)
    out = root / "grades.csv"
    assert main(["grade", str(root / "submitted"), "--source", str(EXERCISES), "--csv", str(out),
                 "--timeout", "20", "--jobs", "2", "--seed", "2024"]) == 0
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert {row["notebook"] for row in rows} == {NAME}
    assert {row["exercise"] for row in rows} == {"he_initialization"}
    return {row["student"]: (float(row["points"]), float(row["max_points"]), row["reason"])
            for row in rows}


def test_the_notebook_has_one_exercise_of_two_points():
    assert [(ex.name, ex.points) for ex in exercises(TEACHER)] == [("he_initialization", 2.0)]


def test_the_reference_solution_scores_full_marks(grades):
    assert grades["right"] == (2.0, 2.0, "")


def test_the_released_stub_scores_zero(grades):
    points, max_points, reason = grades["stub"]
    assert (points, max_points) == (0.0, 2.0) and "still holds the stub" in reason


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_plausible_wrong_answer_scores_zero(grades, name):
    points, max_points, reason = grades[f"wrong-{name}"]
    assert (points, max_points) == (0.0, 2.0)
    assert reason.startswith("check failed") and "he_initialization" in reason


def test_an_answer_calling_bpkit_is_refused(grades):
    points, _, reason = grades["bpkit"]
    assert points == 0.0 and "not allowed" in reason and "imports bpkit" in reason


# --- the check, called as the check cell calls it ----------------------------------------

@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(harness.GRADING_SEED, "321")


def test_the_check_prints_the_line_stored_in_the_teacher_s_notebook(capsys):
    check_he_initialization(answer(SOLUTION))
    stored = next(c.outputs[0]["text"] for c in TEACHER.cells if is_check(c))
    assert capsys.readouterr().out == stored
    assert stored.startswith("he_initialization: 6/6 cases pass [")


@pytest.mark.parametrize("seed", range(0, 200, 10))
def test_a_right_answer_passes_the_grading_cases_whatever_their_seed(monkeypatch, seed, capsys):
    # the tests are set for a false failure below 10⁻¹²: a right answer must never fail them
    monkeypatch.setenv(harness.GRADING_SEED, str(seed))
    for text in (SOLUTION, SOLUTION.replace("rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))",
                                            "rng.standard_normal((n_in, n_out)).T * np.sqrt(2.0 / n_in)")):
        check_he_initialization(answer(text))
    assert capsys.readouterr().out.count("6/6 cases pass") == 2


@pytest.mark.parametrize("name", sorted({**WRONG, **ALSO_WRONG}))
def test_wrong_answers_fail_the_visible_cases(grading, name, capsys):
    with pytest.raises(harness.CheckFailed):
        check_he_initialization(answer({**WRONG, **ALSO_WRONG}[name]))
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("name,says", [
    ("variance-as-std", "standard deviation 0.004995, expected √(2/n_in) = √(2/400) = 0.07071"),
    ("n-out", "standard deviation 0.1413, expected √(2/n_in) = √(2/400) = 0.07071"),
    ("uniform with the right variance", "not normally distributed (kurtosis 1.79"),
    ("numpy's global generator", "the generator rng passed in was not used"),
    ("a generator of its own", "the generator rng passed in was not used"),
    ("numpy's global generator, rng touched",
     "two calls with np.random.default_rng(1) gave different weights"),
    ("a generator of its own, rng touched",
     "np.random.default_rng(1) and np.random.default_rng(1001) gave the same"),
    ("weights transposed", "weights[0] should have shape (5, 3), got shape (3, 5)"),
    ("biases not zero", "biases[0] should be zeros"),
    ("biases as columns", "biases[0] should have shape (5,), got shape (5, 1)"),
    ("one layer too few", "weights should be a list of 2 arrays, one per layer, got a list of 1"),
])
def test_a_failure_says_what_is_wrong(name, says, capsys):
    with pytest.raises(harness.CheckFailed):
        check_he_initialization(answer({**WRONG, **ALSO_WRONG}[name]))
    assert says in capsys.readouterr().out


def test_an_answer_right_only_on_the_visible_sizes_fails_the_grading_cases(monkeypatch, capsys):
    check_he_initialization(answer(MEMORISED))                 # what the student sees: a pass
    assert "6/6 cases pass" in capsys.readouterr().out
    for seed in range(5):
        monkeypatch.setenv(harness.GRADING_SEED, str(seed))
        with pytest.raises(harness.CheckFailed, match="extra cases used in grading"):
            check_he_initialization(answer(MEMORISED))


def test_the_stub_is_not_answered_yet(capsys):
    stub = "def he_initialization(sizes, rng):\n    raise NotImplementedError()\n"
    with pytest.raises(harness.CheckFailed, match="not answered yet"):
        check_he_initialization(answer(stub))


def test_an_answer_returning_nothing_is_told_to_return(capsys):
    text = SOLUTION.replace("\n    return weights, biases", "")
    with pytest.raises(harness.CheckFailed):
        check_he_initialization(answer(text))
    assert "returned None: does it end with `return weights, biases`?" in capsys.readouterr().out


def test_the_policy_accepts_the_solution_and_the_honest_mistakes():
    given = teacher_namespace(TEACHER)
    for text in [SOLUTION, *WRONG.values(), *ALSO_WRONG.values()]:
        assert policy.problems(text, given) == [], text
    assert any("imports bpkit" in p for p in policy.problems(CALLS_BPKIT, given))


# --- answers written to pass the check without drawing N(0, 2/n_in) from rng ------------

#: A hostile review's answers, verbatim, each of which the check once passed.
EVASIVE = {
    # ignore rng: draw from numpy's global generator and replay the first of every three
    # calls on the second, the check's pattern (seed, seed, other seed)
    "replays by counting its calls": """
calls, kept = [0], {}
def he_initialization(sizes, rng):
    calls[0] += 1
    weights = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = np.random.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        if calls[0] % 3 == 1:
            kept[l] = W.copy()
        elif calls[0] % 3 == 2:
            W = kept[l].copy()
        weights.append(W)
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    # the same, handing back the very array it returned before
    "returns the same array twice": """
calls, kept = [0], {}
def he_initialization(sizes, rng):
    calls[0] += 1
    weights = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = np.random.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        if calls[0] % 3 == 1:
            kept[l] = W
        elif calls[0] % 3 == 2:
            W = kept[l]
        weights.append(W)
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    # reproducible without using rng: numpy's global generator seeded from rng's state
    "seeds np.random from rng's state": """
def he_initialization(sizes, rng):
    np.random.seed(rng.bit_generator.state["state"]["state"] % 2**32)
    weights = [np.random.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    # mean 0, variance 2/n_in and kurtosis 3, but three values (and a little noise)
    "a three-point law with normal moments": """
def he_initialization(sizes, rng):
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        c = np.sqrt(6.0 / n_in)
        W = rng.choice([-c, 0.0, c], p=[1 / 6, 2 / 3, 1 / 6], size=(n_out, n_in))
        weights.append(W + 1e-9 * rng.standard_normal((n_out, n_in)))
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "every row the same": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, np.sqrt(2.0 / n_in), size=n_in) * np.ones((n_out, 1))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "the second half of the rows repeats the first": """
def he_initialization(sizes, rng):
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        half = rng.normal(0.0, np.sqrt(2.0 / n_in), size=((n_out + 1) // 2, n_in))
        weights.append(np.concatenate([half, half])[:n_out])
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    # right where the check used to look (1,000 entries or more), anything below
    "right only on matrices of 1,000 entries or more": """
def he_initialization(sizes, rng):
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if n_in * n_out >= 1000:
            weights.append(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)))
        else:
            weights.append(rng.uniform(-1.0, 1.0, size=(n_out, n_in)))
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    # a variance 2/(n_in + 1): within the tolerance of the large matrices, not of narrow ones
    "variance 2/(n_in + 1)": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, np.sqrt(2.0 / (n_in + 1)), size=(n_out, n_in))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
}

#: Honest answers a little off, which no test of this size can tell from a right one
#: without failing right answers too: they pass, and the check's docstring says so.
NEARLY = {
    "√2 rounded to 1.4": """
def he_initialization(sizes, rng):
    weights = [rng.normal(0.0, 1.4 / np.sqrt(n_in), size=(n_out, n_in))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
    "a Student t of 60 degrees of freedom, scaled to variance 2/n_in": """
def he_initialization(sizes, rng):
    df = 60.0
    weights = [rng.standard_t(df, size=(n_out, n_in)) * np.sqrt(2.0 / n_in) / np.sqrt(df / (df - 2))
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
""",
}


@pytest.mark.parametrize("name", sorted(EVASIVE))
def test_an_evasive_answer_fails_what_the_student_sees(name, capsys):
    with pytest.raises(harness.CheckFailed):
        check_he_initialization(answer(EVASIVE[name]))
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("name,says", [
    ("replays by counting its calls", "the generator rng passed in was not used"),
    ("returns the same array twice", "the generator rng passed in was not used"),
    ("seeds np.random from rng's state", "the generator rng passed in was not used"),
    ("a three-point law with normal moments", "are not distributed as N(0, 2/n_in)"),
    ("every row the same", "weights[0] has two equal rows"),
    ("the second half of the rows repeats the first", "weights[0] has two equal rows"),
    ("right only on matrices of 1,000 entries or more",
     "weights[0] (5 × 3, 100 seeds' draws): its entries have standard deviation"),
    ("variance 2/(n_in + 1)", "weights[0] (5 × 3, 100 seeds' draws): its entries have standard"),
])
def test_an_evasive_answer_is_told_what_is_wrong(name, says, capsys):
    with pytest.raises(harness.CheckFailed):
        check_he_initialization(answer(EVASIVE[name]))
    assert says in capsys.readouterr().out


def test_the_grading_calls_come_in_an_order_an_answer_cannot_count(monkeypatch, capsys):
    # the counting replay, told where each case starts (its sizes change) and using rng
    # once so that it is not refused for ignoring it: the visible cases call it in the
    # order (seed, seed, other seed, more seeds), and it passes them; the grading cases
    # shuffle the first three calls, and it passes one only when the shuffle keeps that
    # order (one chance in 3, all three in 27)
    text = """
last, kept = [None, 0], {}
def he_initialization(sizes, rng):
    rng.random()
    if last[0] != sizes:
        last[:] = [list(sizes), 0]
    last[1] += 1
    weights = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = np.random.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        if last[1] == 1:
            kept[l] = W.copy()
        elif last[1] == 2:
            W = kept[l].copy()
        weights.append(W)
    return weights, [np.zeros(n_out) for n_out in sizes[1:]]
"""
    check_he_initialization(answer(text))
    assert "6/6 cases pass" in capsys.readouterr().out
    failed = 0
    for seed in range(10):
        monkeypatch.setenv(harness.GRADING_SEED, str(seed))
        try:
            check_he_initialization(answer(text))
        except harness.CheckFailed:
            failed += 1
    assert failed >= 8


@pytest.mark.parametrize("name", sorted(NEARLY))
def test_an_answer_a_little_off_passes(monkeypatch, name, capsys):
    monkeypatch.setenv(harness.GRADING_SEED, "321")
    check_he_initialization(answer(NEARLY[name]))
    assert "6/6 cases pass" in capsys.readouterr().out


def test_the_policy_accepts_the_evasive_answers_so_the_check_must_catch_them():
    given = teacher_namespace(TEACHER)
    for text in EVASIVE.values():
        assert policy.problems(text, given) == [], text
