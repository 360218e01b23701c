"""A class handed back: one folder per student, forgiving file names, a roster, links refused."""
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from bpkit.cli import main
from bpkit.grading.grade import grade
from bpkit.grading.notebook import grade_id
from bpkit.grading.release import release
from bpkit.grading.submissions import collect, normalized

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NAMES = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
RIGHT = {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, float)))\n",
         "sigmoid_prime": "def sigmoid_prime(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n"}


@pytest.mark.parametrize("name", ["01-sigmoid.ipynb", "01-sigmoid (1).ipynb", "01-Sigmoid.ipynb",
                                  "01-sigmoid copy.ipynb", "01-sigmoid - Copy 2.ipynb",
                                  "Copy of 01-sigmoid.ipynb", "01_sigmoid.IPYNB"])
def test_copy_names_match_the_teachers(name):
    assert normalized(name) == normalized("01-sigmoid.ipynb")


def test_names_that_differ_do_not_match():
    assert normalized("01-sigmoid-2.ipynb") != normalized("01-sigmoid.ipynb")
    assert normalized("02-quadratic-cost.ipynb") != normalized("01-sigmoid.ipynb")


def write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_layouts_duplicates_and_links(tmp_path):
    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    stub = nbformat.read(handout / "01-sigmoid.ipynb", as_version=4)
    root = tmp_path / "submitted"
    write(root / "ann" / "01-sigmoid.ipynb", stub)
    write(root / "bob" / "01-sigmoid (1).ipynb", stub)
    time.sleep(0.01)
    newer = write(root / "bob" / "01-Sigmoid.ipynb", stub)
    write(root / "cho" / "ps1" / "01-sigmoid.ipynb", stub)          # nbgrader's layout
    (root / "eve").mkdir()
    os.symlink(EXERCISES / "01-sigmoid.ipynb", root / "eve" / "01-sigmoid.ipynb")
    os.symlink(EXERCISES, root / "eve" / "linked-folder")
    found = collect([root], NAMES)
    assert [(s.student, s.notebook) for s in found] == [
        ("ann", "01-sigmoid.ipynb"), ("bob", "01-sigmoid.ipynb"), ("cho", "01-sigmoid.ipynb"),
        ("eve", "01-sigmoid.ipynb")]
    assert found[1].path == newer and "graded 01-Sigmoid.ipynb, not 01-sigmoid (1).ipynb" in \
        found[1].notes[-1]
    # A student's own folder, given alone, is that student's.
    assert [(s.student, s.notebook) for s in collect([root / "bob"], NAMES)] == \
        [("bob", "01-sigmoid.ipynb")]
    results = {r.student: r for r in grade([root], source=EXERCISES, jobs=2, seed=1)}
    assert results["eve"].points == 0
    assert "a symbolic link" in results["eve"].exercises[0].reason


def test_a_roster_adds_what_was_not_submitted(tmp_path, capsys):
    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    nb = nbformat.read(handout / "01-sigmoid.ipynb", as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in RIGHT:
            cell.source = RIGHT[grade_id(cell)]
    root = tmp_path / "submitted"
    write(root / "ann" / "01-sigmoid.ipynb", nb)
    write(root / "zed" / "01-sigmoid.ipynb", nb)
    source = tmp_path / "source"          # this assignment: one notebook
    source.mkdir()
    (source / "01-sigmoid.ipynb").write_bytes((EXERCISES / "01-sigmoid.ipynb").read_bytes())
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\nann,Ann A.\nbob,Bob B.\n")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(root), "--source", str(source), "--roster", str(roster),
                 "--csv", str(out), "--seed", "2"]) == 0
    rows = out.read_text().splitlines()[1:]
    assert [r.split(",")[:5] for r in rows] == [
        ["ann", "01-sigmoid.ipynb", "sigmoid", "1", "1"],
        ["ann", "01-sigmoid.ipynb", "sigmoid_prime", "1", "1"],
        ["bob", "01-sigmoid.ipynb", "sigmoid", "0", "1"],
        ["bob", "01-sigmoid.ipynb", "sigmoid_prime", "0", "1"],
        ["zed", "01-sigmoid.ipynb", "sigmoid", "1", "1"],
        ["zed", "01-sigmoid.ipynb", "sigmoid_prime", "1", "1"]]
    assert all(",not submitted," in r for r in rows[2:4])
    assert "not on the roster: zed" in capsys.readouterr().out
    (tmp_path / "bad.csv").write_text("name\nann\n")
    assert main(["grade", str(root), "--source", str(source), "--roster",
                 str(tmp_path / "bad.csv")]) == 2
    assert "no column called student" in capsys.readouterr().err


SUBTLY_WRONG = ("def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                "    s = 1 / (1 + np.exp(-z))\n"
                "    return np.where((z > 4.5) & (z < 7), s + 1e-3, s)\n")


def test_feedback_pages_show_cases_and_hide_grading_inputs(tmp_path):
    from bpkit.grading.feedback import write_feedback

    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    root = tmp_path / "submitted"
    for student, answers in (("ann", {**RIGHT, "sigmoid_prime": "def sigmoid_prime(z):\n"
                                      "    return sigmoid(z) * (1 - z)\n"}),
                             ("bob", {**RIGHT, "sigmoid": SUBTLY_WRONG}),
                             ("<cho & co>", RIGHT)):
        nb = nbformat.read(handout / "01-sigmoid.ipynb", as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
        write(root / student / "01-sigmoid.ipynb", nb)
    seed = 0                 # its grading cases catch bob's bug (asserted below)
    results = grade([root], source=EXERCISES, seed=seed, jobs=2)
    pages = {p.name: p.read_text() for p in write_feedback(results, tmp_path / "fb")}
    assert sorted(pages) == ["ann.html", "bob.html", "cho_co.html"]
    ann, bob = pages["ann.html"], pages["bob.html"]
    assert "1 of 2 points" in ann and "check failed: sigmoid_prime: 6 of 6 cases fail" in ann
    assert "FAIL z = 0, a number: z = 0" in ann and "expected 0.25" in ann and "got      0.5" in ann
    assert "fails on the extra cases used in grading" in bob and "a grading case" not in bob
    assert "&lt;cho &amp; co&gt;" in pages["cho_co.html"] and "2 of 2 points" in pages["cho_co.html"]
    assert "<script" not in ann and "http" not in ann.replace("http-equiv", "")
    # the seed would let a student draw the grading cases and memorise them for a regrade
    assert all("seed" not in page.lower() for page in pages.values())
    shown = grade([root / "bob"], source=EXERCISES, seed=seed, jobs=1, show_hidden=True)
    [page] = write_feedback(shown, tmp_path / "fb2")
    assert "FAIL a grading case: z = " in page.read_text()


def test_the_gradescope_autograder_grades_a_submission(tmp_path):
    import json
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "ps1"
    source.mkdir()
    for name in ("01-sigmoid.ipynb", "02-quadratic-cost.ipynb"):
        (source / name).write_bytes((EXERCISES / name).read_bytes())
    out = tmp_path / "autograder.zip"
    assert main(["autograder", str(source), str(out)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "exercises/01-sigmoid.ipynb",
            "bpkit-src/pyproject.toml", "bpkit-src/bpkit/grading/sandbox.py"} <= set(names)
    requirements = zipfile.ZipFile(out).read("requirements.txt").decode()
    assert re.search(r"^nbval==\d", requirements, re.M) and "bubblewrap" in \
        zipfile.ZipFile(out).read("setup.sh").decode()

    # One submission: exercise 1 right, exercise 2 wrong, exercise 3 never handed in.
    root = tmp_path / "root"
    zipfile.ZipFile(out).extractall(root / "source")
    release(source, tmp_path / "handout")
    answers = {**RIGHT, "quadratic_cost": "def quadratic_cost(A, Y):\n"
                                          "    return np.sum((A - Y) ** 2) / len(A)\n"}
    for name in ("01-sigmoid.ipynb", "02-quadratic-cost.ipynb"):
        nb = nbformat.read(tmp_path / "handout" / name, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
        write(root / "submission" / name, nb)
    (root / "source" / "exercises" / "03-output-error.ipynb").write_bytes(
        (EXERCISES / "03-output-error.ipynb").read_bytes())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "BPKIT_PYTHON": sys.executable}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=300)
    results = json.loads((root / "results" / "results.json").read_text())
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["01-sigmoid.ipynb: sigmoid"]["score"] == 1 == tests[
        "01-sigmoid.ipynb: sigmoid_prime"]["score"] == tests["01-sigmoid.ipynb: sigmoid"]["max_score"]
    lost = tests["02-quadratic-cost.ipynb: quadratic_cost"]
    assert lost["score"] == 0 and lost["max_score"] == 1
    assert lost["output"].startswith("check failed: quadratic_cost: ")
    assert "expected" in lost["output"] and "got" in lost["output"]
    assert tests["03-output-error.ipynb: output_error"]["output"] == "not submitted"
    assert results["score"] == 2 + tests["02-quadratic-cost.ipynb: quadratic_cost_gradient"]["score"]
    assert "hidden cases drawn with seed" in results["output"]


def test_partial_credit_where_the_teacher_asks_for_it(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    nb = nbformat.read(EXERCISES / "01-sigmoid.ipynb", as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == "check_sigmoid":
            cell.metadata["bpkit"] = {"partial_credit": True}
    nbformat.write(nb, source / "01-sigmoid.ipynb")
    handout = tmp_path / "handout"
    release(source, handout)
    overflow = ("def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                "    return np.where(np.abs(z) > 100, np.nan, 1 / (1 + np.exp(-z)))\n")
    root = tmp_path / "submitted"
    for student, sigmoid in (("ann", overflow), ("bob", SUBTLY_WRONG), ("cho", RIGHT["sigmoid"])):
        copy = nbformat.read(handout / "01-sigmoid.ipynb", as_version=4)
        for cell in copy.cells:
            if grade_id(cell) == "sigmoid":
                cell.source = sigmoid
            if grade_id(cell) == "sigmoid_prime":     # graded with bpkit's sigmoid standing in
                cell.source = "def sigmoid_prime(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n"
        write(root / student / "01-sigmoid.ipynb", copy)
    ann, bob, cho = grade([root], source=source, seed=0, jobs=2)   # seed 0 catches bob
    points = {r.student: {x.name: x.points for x in r.exercises} for r in (ann, bob, cho)}
    assert points["ann"] == {"sigmoid": round(5 / 7, 4), "sigmoid_prime": 1.0}   # 5 of 6 visible
    assert points["bob"]["sigmoid"] == round(6 / 7, 4)          # every visible case, no grading case
    assert points["cho"] == {"sigmoid": 1.0, "sigmoid_prime": 1.0}
    assert "partial credit: 71% of the case groups pass" in ann.exercises[0].reason


def test_student_text_cannot_forge_rows_or_formulas(tmp_path, capsys):
    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    nb = nbformat.read(handout / "01-sigmoid.ipynb", as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == "sigmoid":
            cell.source = ("def sigmoid(z):\n    return z\n\n"
                           "raise ValueError('x' + chr(27) + ']0;TITLE' + chr(7))\n")
    root = tmp_path / "submitted"
    write(root / '=HYPERLINK("http:x","y")' / "01-sigmoid.ipynb", nb)
    write(root / "eve\n  01-sigmoid.ipynb  2 of 2" / "01-sigmoid.ipynb", nb)
    out = tmp_path / "grades.csv"
    assert main(["grade", str(root), "--csv", str(out), "--seed", "1"]) == 0
    table = capsys.readouterr().out
    assert "\x1b" not in table and "\x07" not in table and "\\x1b]0;TITLE\\x07" in table
    assert "eve\\x0a  01-sigmoid.ipynb  2 of 2  0/2" in table    # one line, not a forged row
    rows = out.read_text().splitlines()
    assert rows[1].startswith("\"'=HYPERLINK(") and all("\x1b" not in r for r in rows)


def test_a_class_end_to_end(tmp_path, capsys):
    """Right, blank, a single notebook plus a copy-named second, and a roster with a fourth."""
    source = tmp_path / "ps1"
    source.mkdir()
    for name in ("01-sigmoid.ipynb", "02-quadratic-cost.ipynb"):
        (source / name).write_bytes((EXERCISES / name).read_bytes())
    release(source, tmp_path / "handout")
    right = {**RIGHT, "quadratic_cost": "def quadratic_cost(A, Y):\n"
                                        "    return 0.5 * np.sum((A - Y) ** 2) / len(A)\n",
             "quadratic_cost_gradient": "def quadratic_cost_gradient(A, Y):\n    return A - Y\n"}

    def hand_in(student, name, answers, as_name=None):
        nb = nbformat.read(tmp_path / "handout" / name, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
        write(tmp_path / "submitted" / student / (as_name or name), nb)

    for name in ("01-sigmoid.ipynb", "02-quadratic-cost.ipynb"):
        hand_in("ann", name, right)
        hand_in("bob", name, {})
    hand_in("cho", "01-sigmoid.ipynb", right)
    hand_in("cho", "02-quadratic-cost.ipynb", right, as_name="02-quadratic-cost (1).ipynb")
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nann\nbob\ncho\ndan\n")
    out, feedback = tmp_path / "grades.csv", tmp_path / "feedback"
    assert main(["grade", str(tmp_path / "submitted"), "--source", str(source), "--roster",
                 str(roster), "--csv", str(out), "--feedback", str(feedback)]) == 0
    import csv
    rows = list(csv.DictReader(out.open()))
    total = {s: sum(float(r["points"]) for r in rows if r["student"] == s) for s in
             ("ann", "bob", "cho", "dan")}
    assert total == {"ann": 4, "bob": 0, "cho": 4, "dan": 0}
    assert {r["notebook"] for r in rows if r["student"] == "cho"} == {
        "01-sigmoid.ipynb", "02-quadratic-cost.ipynb"}
    assert all(r["reason"] == "not submitted" for r in rows if r["student"] == "dan")
    assert len([r for r in rows if r["student"] == "dan"]) == 4
    assert all(r["reason"] for r in rows if float(r["points"]) < float(r["max_points"]))
    pages = {p.stem: p.read_text() for p in feedback.glob("*.html")}
    assert {"ann", "bob", "cho"} <= set(pages)
    assert "4 of 4 points" in pages["ann"] and "still holds the stub" in pages["bob"]
    assert "graded 02-quadratic-cost (1).ipynb as 02-quadratic-cost.ipynb" in pages["cho"]
    assert "not on the roster" not in capsys.readouterr().out
    seed = rows[0]["seed"]                      # the teacher's CSV keeps the seed, no page shows it
    assert seed.isdigit() and all(seed not in page and "seed" not in page.lower()
                                  for page in pages.values())


def test_the_empty_cell_jupyterlab_adds_is_not_a_remark(tmp_path):
    from bpkit.grading.notebook import exercises
    from bpkit.grading.release import student_copy
    from bpkit.grading.splice import splice

    teacher = nbformat.read(EXERCISES / "01-sigmoid.ipynb", as_version=4)
    student = student_copy(teacher)
    student.cells.append(nbformat.v4.new_code_cell(""))
    assert splice(teacher, student, exercises(teacher)).notes == []
    student.cells.append(nbformat.v4.new_code_cell("x = 1"))
    assert splice(teacher, student, exercises(teacher)).notes == [
        "1 cell(s) not in the exercise notebook were not run"]
