"""How fast is one epoch of training? bpkit against a textbook loop, scikit-learn and PyTorch.

    .venv/bin/python bench/bench_training.py            # the training table (a few minutes)
    .venv/bin/python bench/bench_training.py --quick    # fewer repeats
    .venv/bin/python bench/bench_training.py --book     # also: cold book build and test-suite time

Workloads: (a) a 784-100-10 sigmoid network on 10,000 random examples, (b) a
64-32-10 network on the 8×8 digits; batch sizes 1, 10, 32, 128 and the full
set. Each contender trains one epoch of plain mini-batch SGD (no momentum, no
L2) from the same start. Repeats are interleaved (a, b, c, a, b, c, …) so that
a slow moment of the machine hits every contender alike; the table shows
medians and each contender's time as a multiple of bpkit's.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bpkit as bp  # noqa: E402

LEARNING_RATE = 0.1
SMALL_N = 1000


# ---------------------------------------------------------------- contenders

def bpkit_epoch(sizes, X, Y, batch_size, dtype=np.float64):
    net = bp.Network(sizes, seed=0, dtype=dtype)
    Xc, Yc = X.astype(dtype), Y.astype(dtype)

    def run():
        bp.train(net, Xc, Yc, learning_rate=LEARNING_RATE, batch_size=batch_size, epochs=1, seed=0)
    return run


def textbook_epoch(sizes, X, Y, batch_size):
    """Backprop one example at a time, as the classic texts write it (column vectors)."""
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros((n, 1)) for n in sizes[1:]]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def run():
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            nabla_w = [np.zeros_like(w) for w in weights]
            nabla_b = [np.zeros_like(b) for b in biases]
            for i in idx:
                a, activations, zs = X[i].reshape(-1, 1), [X[i].reshape(-1, 1)], []
                for w, b in zip(weights, biases):
                    z = w @ a + b
                    zs.append(z)
                    a = sigmoid(z)
                    activations.append(a)
                delta = (a - Y[i].reshape(-1, 1)) * a * (1 - a)
                nabla_b[-1] += delta
                nabla_w[-1] += delta @ activations[-2].T
                for l in range(2, len(sizes)):
                    s = sigmoid(zs[-l])
                    delta = (weights[-l + 1].T @ delta) * s * (1 - s)
                    nabla_b[-l] += delta
                    nabla_w[-l] += delta @ activations[-l - 1].T
            for w, nw in zip(weights, nabla_w):
                w -= LEARNING_RATE / len(idx) * nw
            for b, nb in zip(biases, nabla_b):
                b -= LEARNING_RATE / len(idx) * nb
    return run


def sklearn_epoch(sizes, X, Y, batch_size):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def run():
        model = MLPRegressor(hidden_layer_sizes=tuple(sizes[1:-1]), activation="logistic",
                             solver="sgd", learning_rate_init=LEARNING_RATE, momentum=0.0,
                             nesterovs_momentum=False, alpha=0.0, batch_size=batch_size,
                             max_iter=1, shuffle=True, random_state=0, early_stopping=False,
                             n_iter_no_change=10**9, tol=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, Y)   # max_iter=1: one epoch (includes its own weight init, cheap)
    return run


def torch_epoch(sizes, X, Y, batch_size, dtype):
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    layers = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(m, n), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    Xt, Yt = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
    generator = torch.Generator().manual_seed(0)

    def run():
        order = torch.randperm(len(Xt), generator=generator)
        for start in range(0, len(Xt), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = 0.5 * ((model(Xt[idx]) - Yt[idx]) ** 2).sum(dim=1).mean()
            loss.backward()
            opt.step()
    return run


def contenders(sizes, X, Y, batch_size, with_textbook):
    runs = {"bpkit": bpkit_epoch(sizes, X, Y, batch_size),
            "bpkit float32": bpkit_epoch(sizes, X, Y, batch_size, np.float32),
            "scikit-learn": sklearn_epoch(sizes, X, Y, batch_size)}
    if with_textbook:
        runs["textbook loop"] = textbook_epoch(sizes, X, Y, batch_size)
    try:
        import torch
        runs["torch float32"] = torch_epoch(sizes, X, Y, batch_size, torch.float32)
        runs["torch float64"] = torch_epoch(sizes, X, Y, batch_size, torch.float64)
    except ImportError:
        pass
    return runs


# ---------------------------------------------------------------- measuring

def interleaved(runs, repeats):
    """Median seconds per contender, repeats interleaved; one warm-up run each."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def gemm_rate(n=2000, repeats=5):
    A, B = np.random.default_rng(0).standard_normal((2, n, n))
    A @ B
    best = min(_timed(lambda: A @ B) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def epoch_flops(sizes, n):
    """Floating-point operations of the GEMMs of one full-batch epoch: per layer the forward
    product and BP4's δᵀA, and BP2's δW for every layer but the first (no δ for the input)."""
    gemms = [3] * (len(sizes) - 1)
    gemms[0] = 2
    return sum(g * 2 * n * m * k for g, (m, k) in zip(gemms, zip(sizes[:-1], sizes[1:])))


def workloads():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(10_000, 784))
    Y = bp.datasets.one_hot(rng.integers(0, 10, 10_000), 10)
    X_train, Y_train, _, _ = bp.datasets.digits(test_fraction=0.25, seed=0)
    return [("784-100-10, 10,000 random examples", [784, 100, 10], X, Y),
            ("64-32-10, 8x8 digits", [64, 32, 10], X_train, Y_train)]


def training_table(repeats):
    print(f"numpy GEMM (2000x2000, float64): {gemm_rate():.1f} GFLOP/s")
    for title, sizes, X, Y in workloads():
        print(f"\n## {title}: seconds per epoch (median of {repeats}), and x bpkit")
        header = None
        for batch_size in (1, 10, 32, 128, len(X)):
            # An epoch of n/b updates costs n/b times one update, so the small batches,
            # where the slowest contenders take minutes per epoch, are timed on the first
            # SMALL_N examples and scaled to the whole set (marked *).
            scale = len(X) / SMALL_N if batch_size <= 10 and len(X) > SMALL_N else 1
            Xb, Yb = (X[:SMALL_N], Y[:SMALL_N]) if scale > 1 else (X, Y)
            medians = interleaved(contenders(sizes, Xb, Yb, batch_size, True), repeats)
            medians = {name: t * scale for name, t in medians.items()}
            if header is None:
                names = list(medians) + ([] if "textbook loop" in medians else ["textbook loop"])
                header = names
                print("| batch | " + " | ".join(header) + " |")
                print("|---" * (len(header) + 1) + "|")
            base = medians["bpkit"]
            cells = [f"{medians[n]:.4f} ({medians[n] / base:.2f}x)" if n in medians else "-"
                     for n in header]
            star = "*" if scale > 1 else ""
            print(f"| {batch_size}{star} | " + " | ".join(cells) + " |", flush=True)
        full = medians["bpkit"]
        print(f"(* timed on the first {SMALL_N} examples, scaled to {len(X)})")
        print(f"bpkit at full batch: {epoch_flops(sizes, len(X)) / full / 1e9:.1f} GFLOP/s")


# ---------------------------------------------------------------- sliders

def slider_latency(repeats=20):
    """A chapter-sized slider move: retrain a 2-8-1 net 50 epochs on 200 points, redraw."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, Y = bp.datasets.moons(200, seed=0)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    (line,) = ax.plot([], [])

    def move(lr, batch_size):
        history = bp.train(bp.Network([2, 8, 1], seed=0), X, Y, learning_rate=lr,
                           batch_size=batch_size, epochs=50, seed=0)
        line.set_data(range(len(history.cost)), history.cost)   # update, don't rebuild
        ax.relim()
        ax.autoscale_view()
        fig.canvas.draw()

    print("\n## slider move: retrain 2-8-1 on 200 points for 50 epochs + redraw (ms, median)")
    for batch_size in (1, 16, 200):
        t = statistics.median(_timed(lambda: move(0.5, batch_size)) for _ in range(repeats))
        print(f"batch {batch_size:>3}: {1000 * t:.1f} ms")


# ---------------------------------------------------------------- book and tests

def book_and_tests():
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([str(bin_dir / "jupyter-book"), "build", str(ROOT), "--path-output", out],
                       check=True, capture_output=True)
        print(f"\nbook build from a cold cache: {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadscope", "-q"],
                   cwd=ROOT, check=True, capture_output=True)
    print(f"full test suite (2 workers): {time.perf_counter() - start:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--book", action="store_true", help="also time a cold book build and the tests")
    args = parser.parse_args()
    training_table(3 if args.quick else 7)
    slider_latency()
    if args.book:
        book_and_tests()


if __name__ == "__main__":
    main()
