"""A class handed back: one folder per student, forgiving file names, a roster, links refused."""
import os
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
