"""Shared test set-up: a headless matplotlib, and small fixed problems."""
import matplotlib

matplotlib.use("Agg")   # tests draw figures but never show them

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def xor_data():
    import bpkit as bp
    return bp.datasets.xor(40, noise=0.1, seed=3)
