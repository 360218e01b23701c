"""The ``bpkit`` command: maintenance of the book's notebooks and, for a class, exercises.

    bpkit execute [PATH ...]                  re-run notebooks in place and store their outputs
    bpkit release TEACHER_DIR STUDENT_DIR     write the students' copies of exercise notebooks
    bpkit grade NOTEBOOK ... [--source DIR] [--csv FILE] [--seed N] [--no-sandbox]
                                              grade students' notebooks with nbval, each
                                              kernel in an operating-system sandbox
    bpkit autograder TEACHER_DIR OUT.zip      package the grader for Gradescope
    bpkit lab [--reset [NOTEBOOK ...]] [--workspace DIR] [JUPYTERLAB ARGS ...]
                                              JupyterLab on the learner's own copies of
                                              the chapters (the book stays as it is)
    bpkit pdf [--out FILE]                    the book as a PDF (_build/pdf/book.pdf)
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
    from .grading.sandbox import Limits
    from .grading.scores import plain, read_roster

    problem, limits = None, None
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        problem = f"the folder of --csv {args.csv} does not exist"
    elif args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        problem = "--timeout and --jobs must be positive"
    elif not args.no_sandbox:
        try:
            limits = Limits(memory=_bytes(args.memory, "--memory"))
        except ValueError as exc:
            problem = str(exc)
    if problem:
        print(f"bpkit grade: {problem}", file=sys.stderr)
        return 2
    if args.no_sandbox:
        print("bpkit grade: WARNING: --no-sandbox: student code runs with your rights, with "
              "your files and network in reach; grade only work you trust this way",
              file=sys.stderr)
    try:
        roster = read_roster(args.roster) if args.roster else None
        results = grade(args.notebooks, source=args.source, timeout=args.timeout,
                        jobs=args.jobs, seed=args.seed, limits=limits, released=args.release,
                        roster=roster, show_hidden=args.show_hidden)
    except UsageError as exc:
        print(f"bpkit grade: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:   # the grading machinery, not a student, failed
        print(f"bpkit grade: {exc}", file=sys.stderr)
        return 1
    print(format_table(results))
    strangers = sorted({r.student for r in results} - set(roster or {})) if roster else []
    if strangers:
        print(f"not on the roster: {', '.join(plain(s) for s in strangers)}")
    if args.csv:
        write_csv(results, args.csv)
        print(f"wrote {args.csv}")
    if args.feedback:
        from .grading.feedback import write_feedback

        pages = write_feedback(results, args.feedback)
        print(f"wrote {len(pages)} feedback page(s) to {args.feedback}")
    return 0


def _bytes(text, option):
    """``2G``, ``512M``, ``1500000000`` -> bytes; ``ValueError`` naming the option otherwise."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = str(text).strip().upper().removesuffix("B").removesuffix("I")
    scale = units.get(text[-1:], 1)
    try:
        value = float(text[:-1] if text[-1:] in units else text) * scale
    except ValueError:
        value = -1
    if value < 64 * 2**20:
        raise ValueError(f"{option} must be a size of at least 64M, such as 2G or 512M; "
                         f"got {text!r}")
    return int(value)


def _autograder(args):
    from .grading.grade import UsageError
    from .grading.gradescope import build

    try:
        build(args.teacher_dir, args.out_zip)
    except UsageError as exc:
        print(f"bpkit autograder: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out_zip}: upload it as a Gradescope autograder (Ubuntu 24.04 base image)")
    return 0


def _lab(args):
    import shutil
    from pathlib import Path

    from .lab import LabError, default_workspace, find_book, format_report, prepare, \
        start_jupyterlab

    # how the learner runs us (.venv/bin/bpkit in the README), for the commands we suggest
    program = sys.argv[0] if Path(sys.argv[0]).name == "bpkit" else "bpkit"
    program = "bpkit" if shutil.which("bpkit") == program else program
    command = f"{program} lab" + "".join(f" --{name} {getattr(args, name)}"
                                         for name in ("book", "workspace") if getattr(args, name))
    try:
        book = find_book(args.book)
        workspace = Path(args.workspace) if args.workspace else default_workspace(book)
        print(format_report(prepare(book, workspace, reset=args.reset), command), flush=True)
        if args.prepare_only:
            print(f"JupyterLab not started (--prepare-only); {command} starts it")
            return 0
        return start_jupyterlab(workspace.resolve(), args.jupyterlab_args)
    except LabError as exc:
        print(f"bpkit lab: {exc}", file=sys.stderr)
        return 2


def _pdf(args):
    from .pdf import PdfError, build_pdf

    try:
        report = build_pdf(args.root, args.out, timeout=args.timeout)
    except PdfError as exc:
        print(f"bpkit pdf: {exc}", file=sys.stderr)
        return 2
    for url in report.refused:
        print(f"refused (not served by the book): {url}")
    print(f"wrote {report.pdf}: {report.pages} pages, {report.size / 2**20:.1f} MB, "
          f"{report.equations} equations; built in {report.build_seconds:.0f} s, "
          f"printed in {report.print_seconds:.0f} s")
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
    gr.add_argument("--feedback", metavar="DIR", default=None,
                    help="write one HTML page per student to DIR")
    gr.add_argument("--show-hidden", action="store_true",
                    help="list failing grading cases in the results (after the deadline)")
    gr.add_argument("--roster", metavar="FILE", default=None,
                    help="CSV with a student column: zero rows for work not handed in")
    gr.add_argument("--release", metavar="HANDOUT_DIR", default=None,
                    help="the folder bpkit release wrote: its check cells count as unedited")
    gr.add_argument("--seed", type=int, default=None,
                    help="seed of the hidden cases (default: drawn once; printed either way)")
    gr.add_argument("--memory", default="2G",
                    help="memory limit of each student kernel (default 2G)")
    gr.add_argument("--no-sandbox", action="store_true",
                    help="run student code without the operating-system sandbox (unsafe)")
    gr.set_defaults(run=_grade)

    ag = sub.add_parser("autograder", help="package the grader for Gradescope")
    ag.add_argument("teacher_dir", help="folder of the teacher's executed notebooks")
    ag.add_argument("out_zip", help="the autograder zip to write")
    ag.set_defaults(run=_autograder)

    lab = sub.add_parser(
        "lab", allow_abbrev=False,   # an abbreviation could swallow a JupyterLab option
        help="JupyterLab on your own copies of the chapters",
        description="Copy the chapters (and the students' copies of the exercises) into a "
                    "workspace of your own, trusted on this machine, and start JupyterLab "
                    "there; every other argument goes to JupyterLab (e.g. --no-browser "
                    "--port 8890). The book itself is never changed.")
    lab.add_argument("--reset", nargs="*", metavar="NOTEBOOK", default=None,
                     help="start these chapters (no name: all) over from the book; "
                          "an edited copy is moved to backups/ first (put JupyterLab's own "
                          "arguments before --reset)")
    lab.add_argument("--workspace", metavar="DIR", default=None,
                     help="where the copies live (default: lab/ at the top of the repository)")
    lab.add_argument("--book", metavar="DIR", default=None,
                     help="the book's folder (default: book/ of the repository bpkit is "
                          "installed from)")
    lab.add_argument("--prepare-only", action="store_true",
                     help="prepare the workspace, do not start JupyterLab")
    lab.set_defaults(run=_lab, passes_on_unknown=True)

    pdf = sub.add_parser("pdf", help="the book as a PDF, printed by Chromium",
                         description="Build the book (student edition, from the notebooks' "
                                     "stored outputs) as one page and print it with Chromium: "
                                     "every slider as a grid of its frames, every chapter on a "
                                     "new page.")
    pdf.add_argument("--out", metavar="FILE", default=None,
                     help="the PDF to write (default: _build/pdf/book.pdf)")
    pdf.add_argument("--root", metavar="DIR", default=None,
                     help="the book's repository (default: the clone bpkit is installed from)")
    pdf.add_argument("--timeout", type=float, default=300,
                     help="seconds to wait for the page to load and typeset (default 300)")
    pdf.set_defaults(run=_pdf)
    return parser


def main(argv=None):
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "passes_on_unknown", False):   # only lab passes them on
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.jupyterlab_args = unknown
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
