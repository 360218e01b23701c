"""Shared test set-up: one BLAS thread per kernel, a headless matplotlib, small fixed problems."""
import os

# nbval starts a kernel per notebook, and pytest-xdist runs two at once on two
# cores; with BLAS's default of a thread per core each, the small matrix products
# of the chapters slow down many times over. Kernels inherit this environment.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")   # tests draw figures but never show them

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def xor_data():
    import bpkit as bp
    return bp.datasets.xor(40, noise=0.1, seed=3)
