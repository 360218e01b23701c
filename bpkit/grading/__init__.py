"""Exercise notebooks for a class: the checks students run, and the grader teachers run.

The workflow follows nbgrader's, with nbval as the grader:

- ``book/exercises/*.ipynb`` are the teacher's notebooks. An answer cell holds the
  solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the check cell
  after it calls a function from ``checks``. The notebooks are executed and
  stored with their outputs, like every notebook of the book.
- ``bpkit release TEACHER_DIR STUDENT_DIR`` (``release``) writes the students' copies:
  solutions replaced by a stub, outputs cleared, check cells kept read-only.
- ``bpkit grade SUBMITTED_DIR`` (``grade``) puts each student's answer cells into the
  teacher's executed notebook and runs nbval on it, each kernel in an operating-system
  sandbox, so each check cell must reproduce the teacher's output.

The folder shows where each piece runs:

- ``checks/`` runs **inside the student's kernel**, next to the student's code, and so
  trusts nothing it is handed: ``harness`` (call the answer on cases, compare, print
  one line), ``compare`` (tolerant comparisons and the digest, with numpy's functions
  taken before any answer runs) and one module of checks per chapter's ideas.
- Everything beside it runs **in the grader**, which student code never reaches:
  ``policy`` (what an answer cell may contain, read with ``ast``), ``notebook`` (cells,
  exercises, checksums, stubs), ``release`` (students' copies and the release
  manifest), ``submissions`` (which file of which student is which notebook),
  ``splice`` (the notebook nbval runs), ``sandbox`` (bubblewrap around each kernel),
  ``nbval_run`` and ``_pytest_plugin`` (nbval in a clean pytest, reading its verdicts),
  ``grade``, ``scores`` (table and CSV), ``feedback`` (a page per student) and
  ``gradescope`` (the same grader packaged for Gradescope).
"""
