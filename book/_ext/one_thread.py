"""Chapters execute with numpy's matrix products on one thread.

The build runs one chapter at a time, each in a kernel that inherits this
process's environment. With a BLAS thread per core, the small products of the
chapters (a few hundred rows by a hundred columns) spend more time handing work
between threads than computing, and on a machine busy with anything else the
threads wait for each other: a chapter measured four times slower in processor
time, and a cold build several times longer. The tests set the same variables
(``tests/conftest.py``) and so does ``bpkit execute``, so a chapter's stored
outputs come from the same arithmetic the build does.
"""
from bpkit.notebooks import kernels_on_one_thread


def setup(app):
    kernels_on_one_thread()      # a reader's own setting wins
    return {"parallel_read_safe": True, "parallel_write_safe": True}
