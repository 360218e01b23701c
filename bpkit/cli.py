"""The ``bpkit`` command: maintenance of the book's notebooks and, for a class, exercises.

    bpkit execute [PATH ...]      re-run notebooks in place and store their outputs
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


def build_parser():
    parser = argparse.ArgumentParser(prog="bpkit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("execute", help="re-run notebooks in place, storing their outputs")
    ex.add_argument("paths", nargs="*", help="notebooks or folders (default: book)")
    ex.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: cores)")
    ex.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    ex.set_defaults(run=_execute)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
