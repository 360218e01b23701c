"""Run nbval on the graded notebooks, in a separate pytest, and read each cell's outcome.

pytest runs in a clean configuration: the project's ``pyproject.toml`` options
(``addopts``, ``testpaths``, sanitizers) and auto-loaded plugins stay out
(``-c /dev/null``, ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``); only nbval, this package's
plugin (``_pytest_plugin``: the sandbox, dead kernels, the verdicts) and, for several
notebooks, pytest-xdist are loaded, so that notebooks are graded ``jobs`` at a time,
each in its own kernel, each kernel in its own sandbox.
"""
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .checks.harness import GRADING_SEED, SHOW_HIDDEN
from .sandbox import SETTINGS

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NODE = re.compile(r"^(?P<file>.+)::Cell (?P<number>\d+)$")


class GradingError(Exception):
    """nbval itself could not run (a broken environment, not a student's answer)."""


@dataclass
class CellOutcome:
    """What nbval said about one code cell: passed, failed or skipped, and why."""
    outcome: str
    text: str = ""
    stdout: str = ""        # what the cell printed: a failing check lists its cases there

    @property
    def timed_out(self):
        return "Timeout of" in self.text

    @property
    def died(self):
        """The kernel died in this cell (a crash, or memory exhausted)."""
        return "the kernel died" in self.text

    @property
    def skipped(self):
        return self.outcome == "skipped"


def nbval_command(notebooks, root, timeout, jobs=1):
    """The pytest command line that runs nbval over ``notebooks``, ``jobs`` at a time."""
    command = [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(root),
               "--confcutdir", str(root), "-p", "nbval.plugin",
               "-p", "bpkit.grading._pytest_plugin", "-p", "no:cacheprovider",
               "-o", "addopts=", "-q", "--color=no",
               "--nbval", "--nbval-current-env", f"--nbval-cell-timeout={timeout:g}"]
    if jobs > 1 and len(notebooks) > 1:
        # loadfile: all cells of a notebook go to one worker, which runs them in one kernel.
        workers = str(min(jobs, len(notebooks)))
        command += ["-p", "xdist.plugin", "-n", workers, "--dist", "loadfile"]
    return command + [str(Path(nb).relative_to(root)) for nb in notebooks]


def run_nbval(notebooks, root, timeout, jobs=1, seed=None, limits=None, show_hidden=False):
    """nbval over ``notebooks`` (paths under ``root``).

    Returns ``{notebook: {code cell number: CellOutcome}}``; ``seed`` is handed to the
    checks (``BPKIT_GRADING_SEED``) for the extra cases they draw while grading.
    ``limits``: a ``sandbox.Limits`` runs every kernel in the sandbox; None runs them
    unconfined (``--no-sandbox``); ``show_hidden``: failing grading cases are listed.
    """
    root = Path(root)
    report = root / "nbval-report.jsonl"
    report.unlink(missing_ok=True)
    # No PYTEST_* variable of a surrounding run (PYTEST_ADDOPTS, or PYTEST_XDIST_WORKER when the
    # grader itself runs inside a pytest-xdist worker) may reach the grading pytest.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", BPKIT_GRADING_REPORT=str(report))
    kernel_env = {} if seed is None else {GRADING_SEED: str(seed)}
    if show_hidden:
        kernel_env[SHOW_HIDDEN] = "1"
    if limits is not None:
        env[SETTINGS] = json.dumps({"limits": asdict(limits), "env": kernel_env,
                                    "root": str(root)})
    else:
        env.update(kernel_env)
    done = subprocess.run(nbval_command(notebooks, root, timeout, jobs), cwd=root, env=env,
                          capture_output=True, text=True)
    if not report.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise GradingError(f"nbval did not run (exit status {done.returncode}):\n{tail}")
    return _read(report, root)


def _read(report, root):
    results = {}
    for line in report.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        match = NODE.match(record["nodeid"])
        if not match:        # a notebook that could not even be collected
            results.setdefault(root / record["nodeid"], {})
            continue
        cells = results.setdefault(root / match["file"], {})
        number = int(match["number"])
        previous = cells.get(number)
        text = ANSI.sub("", record["text"])
        stdout = ANSI.sub("", record.get("stdout", "")) or (previous.stdout if previous else "")
        if record["outcome"] == "failed" or previous is None:
            cells[number] = CellOutcome(record["outcome"], text, stdout)
        elif record["when"] == "call" and previous.outcome == "passed":
            cells[number] = CellOutcome(record["outcome"], text, stdout)
    return results
