"""``bpkit autograder TEACHER_DIR OUT.zip``: the same grader, packaged for Gradescope.

Gradescope runs one container per submission, which is how a class that outgrows one
machine is graded. The zip holds what Gradescope's autograder format asks for:

- ``setup.sh``: run once when Gradescope builds the image (Ubuntu): Python, a virtual
  environment with the versions this machine grades with (pinned), bubblewrap, bpkit;
- ``run_autograder``: grades the notebooks in ``$AUTOGRADER_ROOT/submission/`` (default
  ``/autograder``) and writes ``$AUTOGRADER_ROOT/results/results.json``;
- ``exercises/``: the teacher's executed notebooks; ``bpkit/``: this package's source.

Each exercise is one Gradescope test (name, score, max_score, output with the reason and
the failing cases). A notebook of the assignment that is missing from the submission
scores zero, "not submitted". Inside Gradescope's container the kernel runs in bubblewrap
when the container allows it, and in the container alone otherwise (said in the output).
"""
import json
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

#: What the grader imports, pinned in setup.sh to the versions installed here.
PINNED = ("numpy", "scipy", "matplotlib", "pillow", "ipywidgets", "scikit-learn", "numba",
          "nbval", "nbformat", "nbclient", "ipykernel", "jupyter_client", "pytest",
          "pytest-xdist")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. Choose the
# Ubuntu 24.04 base image: its Python 3.12 takes the pinned versions below.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap util-linux >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -r /autograder/source/requirements.txt
/autograder/venv/bin/pip install -q --no-deps /autograder/source/bpkit-src
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; results go to $AUTOGRADER_ROOT/results/.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${BPKIT_PYTHON:-$root/venv/bin/python}"
exec "$python" -m bpkit.grading.gradescope "$root"
"""


def build(teacher_dir, out_zip):
    """Write the autograder zip for the notebooks of ``teacher_dir`` to ``out_zip``."""
    from ..notebooks import find_notebooks
    from .grade import UsageError, _Teacher

    teacher_dir, out_zip = Path(teacher_dir), Path(out_zip)
    notebooks = find_notebooks([teacher_dir]) if teacher_dir.is_dir() else []
    if not notebooks:
        raise UsageError(f"no exercise notebooks in {teacher_dir}")
    for path in notebooks:
        _Teacher(path, {})          # refuses an unreadable or unexecuted notebook
    import bpkit

    package = Path(bpkit.__file__).parent
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(out_zip, "w",
                                                               zipfile.ZIP_DEFLATED) as z:
        _add_text(z, "setup.sh", SETUP)
        _add_text(z, "run_autograder", RUN)
        _add_text(z, "requirements.txt", "".join(f"{name}=={metadata.version(name)}\n"
                                                 for name in PINNED))
        for path in notebooks:
            z.write(path, f"exercises/{path.relative_to(teacher_dir)}")
        src = Path(tmp) / "bpkit-src"
        shutil.copytree(package, src / "bpkit", ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc"))
        _add_text(z, "bpkit-src/pyproject.toml", PYPROJECT)
        for path in sorted((src / "bpkit").rglob("*")):
            if path.is_file():
                z.write(path, f"bpkit-src/{path.relative_to(src)}")
    return out_zip


PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "bpkit"
version = "0.1.0"

[tool.setuptools.packages.find]
include = ["bpkit*"]
"""


def _add_text(z, name, text):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
    z.writestr(info, text)


def run(root):
    """Grade ``root/submission`` against ``root/source/exercises``; write results.json."""
    from . import sandbox
    from .grade import UsageError, grade

    root = Path(root)
    source = root / "source" / "exercises"
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    remarks = []
    try:
        sandbox.check_available()
        limits = sandbox.Limits()
    except sandbox.SandboxUnavailable as exc:
        limits = None
        remarks.append(f"graded in Gradescope's container without bubblewrap ({exc})")
    try:
        results = grade([root / "submission"], source=source, limits=limits,
                        roster=["submission"])
    except UsageError as exc:
        results, remarks = [], remarks + [f"nothing could be graded: {exc}"]
    out.write_text(json.dumps(results_json(results, remarks), indent=1) + "\n")
    return out


def results_json(results, remarks=()):
    """Gradescope's results format: one test per exercise; the total; the run's remarks."""
    tests = []
    for r in results:
        if not r.graded:
            remarks = [*remarks, f"{r.notebook}: {'; '.join(r.notes)}"]
            continue
        for x in r.exercises:
            output = x.reason or "all cases pass"
            if x.details.strip():
                output += "\n\n" + x.details.rstrip()
            tests.append({"name": f"{r.notebook}: {x.name}", "score": x.points,
                          "max_score": x.max_points, "output": output,
                          "visibility": "visible"})
    seed = next((r.seed for r in results if r.seed is not None), None)
    notes = [f"{r.notebook}: {n}" for r in results if r.graded for n in r.notes]
    lines = list(remarks) + notes + ([f"hidden cases drawn with seed {seed}"] if seed else [])
    return {"score": sum(t["score"] for t in tests), "tests": tests, "output": "\n".join(lines)}


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "/autograder")
