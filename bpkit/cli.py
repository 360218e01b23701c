"""The ``bpkit`` command: maintenance of the book's notebooks and, for a class, exercises.

    bpkit execute [PATH ...]                  re-run notebooks in place and store their outputs
    bpkit release TEACHER_DIR STUDENT_DIR     write the students' copies of exercise notebooks
    bpkit grade NOTEBOOK ... [--source DIR] [--csv FILE]
                                              grade students' notebooks with nbval
"""
import argparse
import sys


def _execute(args):
    from .notebooks import execute_all

    failed = False
    try:
        for path in execute_all(args.paths or ["book"], jobs=args.jobs, timeout=args.timeout):
            print(f"executed {path}", flush=True)
    except FileNotFoundError as exc:
        print(f"bpkit execute: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:   # a cell raised: nbclient's message names the cell
        print(f"bpkit execute: a notebook failed:\n{exc}", file=sys.stderr)
        failed = True
    return 1 if failed else 0


def _release(args):
    from .grading.release import ReleaseError, release

    try:
        written = release(args.teacher_dir, args.student_dir)
    except (FileNotFoundError, ReleaseError) as exc:
        print(f"bpkit release: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"released {path}")
    return 0


def _grade(args):
    from pathlib import Path

    from .grading.grade import GradingError, UsageError, format_table, grade, write_csv

    problem = None
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        problem = f"the folder of --csv {args.csv} does not exist"
    elif args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        problem = "--timeout and --jobs must be positive"
    if problem:
        print(f"bpkit grade: {problem}", file=sys.stderr)
        return 2
    try:
        results = grade(args.notebooks, source=args.source, timeout=args.timeout, jobs=args.jobs)
    except UsageError as exc:
        print(f"bpkit grade: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:   # the grading machinery, not a student, failed
        print(f"bpkit grade: {exc}", file=sys.stderr)
        return 1
    print(format_table(results))
    if args.csv:
        write_csv(results, args.csv)
        print(f"wrote {args.csv}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="bpkit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("execute", help="re-run notebooks in place, storing their outputs")
    ex.add_argument("paths", nargs="*", help="notebooks or folders (default: book)")
    ex.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: cores)")
    ex.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    ex.set_defaults(run=_execute)

    rel = sub.add_parser("release", help="write the students' copies of exercise notebooks")
    rel.add_argument("teacher_dir", help="folder of the teacher's notebooks (with solutions)")
    rel.add_argument("student_dir", help="folder to write the student copies to")
    rel.set_defaults(run=_release)

    gr = sub.add_parser("grade", help="grade students' notebooks with nbval, exercise by exercise")
    gr.add_argument("notebooks", nargs="+", metavar="NOTEBOOK",
                    help="students' notebooks, or folders of them; each is matched by file name")
    gr.add_argument("--source", default=None, metavar="TEACHER_DIR",
                    help="the teacher's executed notebooks (default: the book's exercises)")
    gr.add_argument("--csv", metavar="FILE",
                    help="also write one row per notebook and exercise to FILE")
    gr.add_argument("--timeout", type=float, default=30, help="seconds per cell (default 30)")
    gr.add_argument("--jobs", type=int, default=None,
                    help="notebooks graded at once (default: cores)")
    gr.set_defaults(run=_grade)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
