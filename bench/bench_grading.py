"""How long grading takes, in the sandbox and without it.

One student's nine exercise notebooks, answered with the teacher's solutions (the
slowest case: every check runs), graded by ``bpkit.grading.grade`` with the
default sandbox and with ``limits=None`` (``--no-sandbox``), runs interleaved so
that both see the same machine; then ``--students N`` students at once. Prints
medians and the ratio.

    .venv/bin/python bench/bench_grading.py [--repeat 3] [--students 20]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from bpkit.grading.grade import default_source, grade
from bpkit.grading.notebook import BEGIN, END, grade_id, is_answer, source
from bpkit.grading.release import release
from bpkit.grading.sandbox import Limits


def solved_class(root, students):
    """``students`` folders, each with the nine notebooks answered by the teacher's code."""
    handout = root / "handout"
    release(default_source(), handout)
    answers = {}
    for path in sorted(default_source().glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_answer(cell):
                answers[grade_id(cell)] = "\n".join(
                    line for line in source(cell).split("\n") if BEGIN not in line and END not in line)
    for k in range(students):
        folder = root / "submitted" / f"student{k:03d}"
        folder.mkdir(parents=True)
        for path in sorted(handout.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if grade_id(cell) in answers:
                    cell.source = answers[grade_id(cell)]
            nbformat.write(nb, folder / path.name)
    return root / "submitted"


def seconds(folder, limits):
    started = time.perf_counter()
    results = grade([folder], seed=1, limits=limits)
    elapsed = time.perf_counter() - started
    assert all(r.points == r.max_points for r in results), "a correct answer lost points"
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=0,
                        help="also time a class of this many students, once each way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = solved_class(Path(tmp) / "one", 1)
        seconds(one, Limits())                  # warm-up: caches of numpy, IPython, the disk
        times = {"sandbox": [], "no sandbox": []}
        for _ in range(args.repeat):
            times["sandbox"].append(seconds(one, Limits()))
            times["no sandbox"].append(seconds(one, None))
        print("one student, nine notebooks (median of", args.repeat, "runs, seconds):")
        for name, values in times.items():
            print(f"  {name:<11} {statistics.median(values):6.1f}   "
                  f"runs: {', '.join(f'{v:.1f}' for v in values)}")
        ratio = statistics.median(times["sandbox"]) / statistics.median(times["no sandbox"])
        print(f"  sandbox / no sandbox: {ratio:.2f}")
        if args.students:
            many = solved_class(Path(tmp) / "many", args.students)
            for name, limits in (("sandbox", Limits()), ("no sandbox", None)):
                print(f"{args.students} students, {name}: {seconds(many, limits):.0f} s")


if __name__ == "__main__":
    main()
