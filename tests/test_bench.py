"""The benchmark still runs: ``bench/bench_training.py --quick --smoke`` on tiny workloads.

No time is asserted (this is not where speed is measured); what is checked is
that every part of the script runs and prints what the README promises: a time
for every contender at every batch size, bpkit's engine, the verdict, the GEMM
rate, and a slider timed in a kernel of its own.
"""
import re
import subprocess
import sys
from pathlib import Path

import bpkit as bp

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke_run():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_training.py"),
                             "--quick", "--smoke"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    header = next(line for line in out.splitlines() if line.startswith("| batch | bpkit |"))
    contenders = [c.strip() for c in header.strip("|").split("|")][1:]
    assert {"bpkit", "bpkit float32", "bpkit exact cost", "scikit-learn", "textbook loop"} <= set(contenders)
    for batch in ("1", "32", "200"):
        row = next(line for line in out.splitlines() if line.startswith(f"| {batch} | ")
                   and len(line.split("|")) == len(contenders) + 3)
        times = [float(t) for t in row.strip("|").split("|")[1:]]
        assert all(t > 0 for t in times), row
    assert "bpkit's engine (float64) at batch size 1: compiled, 32: numpy, 200: numpy" in out
    assert re.search(r"\| 1 \| [0-9.]+ \(scikit-learn\) \| [0-9.]+ \(scikit-learn float32\) \|", out)
    assert re.search(r"bpkit at full batch: [0-9.]+ GFLOP/s", out)
    # the smoke chapter's slider, bp.learning_rate_slider(0.1, 0.01, 1.0), visits all its values
    moves = len(bp.widgets.learning_rates(0.01, 1.0))
    assert re.search(rf"\| smoke-test \| learning rate η \| {moves} \| \d+ \| \d+ \([0-9.]+\) \|", out)
