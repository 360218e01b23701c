"""A pytest plugin for the grader: one JSON line per test phase, written to the file named
by ``BPKIT_GRADING_REPORT`` (by the controlling process only, when pytest-xdist runs)."""
import json
import os


def pytest_runtest_logreport(report):
    path = os.environ.get("BPKIT_GRADING_REPORT")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    record = {"nodeid": report.nodeid, "when": getattr(report, "when", "collect"),
              "outcome": report.outcome, "text": report.longreprtext if report.failed else ""}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def pytest_collectreport(report):
    if report.failed:
        pytest_runtest_logreport(report)
