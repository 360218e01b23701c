"""Exercise notebooks for a class: the checks students run, and the grader teachers run.

The workflow follows nbgrader's, with nbval as the grader:

- ``book/exercises/*.ipynb`` are the teacher's notebooks. An answer cell holds the
  solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the check cell
  after it calls a function from ``checks``. The notebooks are executed and
  stored with their outputs, like every notebook of the book.
- ``bpkit release TEACHER_DIR STUDENT_DIR`` (``release``) writes the students' copies:
  solutions replaced by a stub, outputs cleared, check cells kept read-only.
- ``bpkit grade NOTEBOOK...`` (``grade``) puts each student's answer cells into the
  teacher's executed notebook and runs nbval on it, so each check cell must
  reproduce the teacher's output. Edited check cells, answers that reach for bpkit
  or the checking code (``policy``), and cells that run past the time limit score 0.

Modules: ``harness`` and ``checks`` (what check cells call), ``policy`` (what an
answer cell may contain), ``notebook`` (cells, exercises, checksums, stubs),
``release``, ``splice`` (the notebook nbval runs), ``nbval_run`` (nbval in a clean
pytest, with ``_pytest_report`` reading its verdicts), ``grade`` and ``scores``.
"""
