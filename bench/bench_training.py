"""How fast is one epoch of training? bpkit against a textbook loop, scikit-learn and PyTorch.

    .venv/bin/python bench/bench_training.py            # training tables and sliders (≈ 13 min)
    .venv/bin/python bench/bench_training.py --quick    # fewer repeats
    .venv/bin/python bench/bench_training.py --book     # also: cold book build and test-suite time
    .venv/bin/python bench/bench_training.py --quick --smoke   # a few seconds: does it still run?

Workloads: (a) a 784-100-10 sigmoid network on 10,000 random examples, (b) a
64-32-10 network on the 8×8 digits; batch sizes 1, 10, 32, 128 and the full
set. Each contender trains plain mini-batch SGD (no momentum, no L2) from the
same start, several epochs per timed run (so one-time setup, such as
scikit-learn's initialisation or bpkit's cost before the first epoch, is
shared by the epochs as in real training: 4 epochs at batch sizes up to 10,
10 above; the textbook loop, which has no setup, runs one); the tables give
seconds per epoch.
Every contender computes each mini-batch's cost on the way (scikit-learn
reports their mean per epoch); the "bpkit" columns train with
``exact_cost=False``, which records the same mean. "bpkit exact cost" is
bpkit's default, which after each epoch also runs the whole training set
through the network for the exact cost: the others have no such work.

Repeats are interleaved (a, b, c, a, b, c, …) so that a slow moment of the
machine hits every contender alike; the tables show medians. The verdict
compares like with like: bpkit in float64 against the fastest float64 library
run, bpkit in float32 against the fastest float32 one.

At full batch, numpy's own product of two 2000 × 2000 matrices runs among
the contenders (its median, like theirs): bpkit's GFLOP/s there are given as a
share of that rate.

Then the slider moves: every live slider of the book, timed in its chapter's
own kernel (retrain + redraw, per value) by ``bpkit.measure.time_slider_moves``.

``--smoke`` runs every part on tiny workloads once (a small network on 200
digits, one made-up slider instead of the chapters'): the test suite runs it so
that this script cannot rot unnoticed. Its times mean nothing.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import bpkit as bp
import bpkit.measure as ms

ROOT = Path(__file__).resolve().parent.parent

LEARNING_RATE = 0.1
SMALL_N = 1000
EPOCHS_SMALL_BATCH, EPOCHS = 4, 10    # epochs per timed run: batch sizes <= 10, and above
SETTLE = 0.3
#: numpy's GEMM rate: products of two GEMM_N × GEMM_N matrices, GEMM_PRODUCTS per timed run
GEMM_N, GEMM_PRODUCTS = 2000, 5
GEMMS = {"numpy GEMM float64": np.float64, "numpy GEMM float32": np.float32}


# ---------------------------------------------------------------- contenders

def bpkit_epoch(sizes, X, Y, batch_size, epochs, dtype=np.float64, exact_cost=False):
    net = bp.Network(sizes, seed=0, dtype=dtype)
    Xc, Yc = X.astype(dtype), Y.astype(dtype)

    def run():
        history = bp.train(net, Xc, Yc, learning_rate=LEARNING_RATE, batch_size=batch_size,
                           epochs=epochs, seed=0, exact_cost=exact_cost)
        run.engine = history.engine
    return run


def textbook_epoch(sizes, X, Y, batch_size, epochs):
    """Backprop one example at a time, as the classic texts write it (column vectors)."""
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros((n, 1)) for n in sizes[1:]]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def run():
        for _ in range(epochs):
            epoch()

    def epoch():
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


def sklearn_epoch(sizes, X, Y, batch_size, epochs, dtype=np.float64):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def run():
        model = MLPRegressor(hidden_layer_sizes=tuple(sizes[1:-1]), activation="logistic",
                             solver="sgd", learning_rate_init=LEARNING_RATE, momentum=0.0,
                             nesterovs_momentum=False, alpha=0.0, batch_size=batch_size,
                             max_iter=epochs, shuffle=True, random_state=0, early_stopping=False,
                             n_iter_no_change=10**9, tol=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(Xc, Yc)   # max_iter epochs (and its own weight initialisation)
    Xc, Yc = X.astype(dtype), Y.astype(dtype)   # scikit-learn keeps float32 as float32
    return run


def torch_epoch(sizes, X, Y, batch_size, epochs, dtype):
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
        for _ in range(epochs):
            order = torch.randperm(len(Xt), generator=generator)
            for start in range(0, len(Xt), batch_size):
                idx = order[start:start + batch_size]
                opt.zero_grad()
                loss = 0.5 * ((model(Xt[idx]) - Yt[idx]) ** 2).sum(dim=1).mean()
                loss.backward()
                opt.step()
    return run


def contenders(sizes, X, Y, batch_size, epochs):
    runs = {"bpkit": bpkit_epoch(sizes, X, Y, batch_size, epochs),
            "bpkit float32": bpkit_epoch(sizes, X, Y, batch_size, epochs, np.float32),
            "bpkit exact cost": bpkit_epoch(sizes, X, Y, batch_size, epochs, exact_cost=True),
            "scikit-learn": sklearn_epoch(sizes, X, Y, batch_size, epochs),
            "scikit-learn float32": sklearn_epoch(sizes, X, Y, batch_size, epochs, np.float32)}
    # one epoch per run: the loop has no setup to share, and its epochs are slow
    runs["textbook loop"] = textbook_epoch(sizes, X, Y, batch_size, 1)
    try:
        import torch
        runs["torch float32"] = torch_epoch(sizes, X, Y, batch_size, epochs, torch.float32)
        runs["torch float64"] = torch_epoch(sizes, X, Y, batch_size, epochs, torch.float64)
    except ImportError:
        pass
    return runs


#: contenders of each precision that bpkit is compared with in the verdict
FLOAT64 = ("scikit-learn", "torch float64")
FLOAT32 = ("scikit-learn float32", "torch float32")


# ---------------------------------------------------------------- measuring

def interleaved(runs, repeats, settle=SETTLE):
    """Median seconds per contender, repeats interleaved; one warm-up run each.

    Between runs the machine idles for ``settle`` seconds: BLAS and OpenMP worker
    threads keep spinning for a while after a library's last call, and on two
    cores the spinning threads of one library would slow down the next one.
    """
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            time.sleep(settle)
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def gemm_run(dtype, n=GEMM_N, products=GEMM_PRODUCTS):
    """A contender that multiplies two n × n matrices ``products`` times: numpy's own
    large-matrix rate, the ceiling for a full-batch epoch. It runs interleaved with the
    full-batch contenders, so a slow moment of the machine slows it too."""
    A, B = np.random.default_rng(0).standard_normal((2, n, n)).astype(dtype)
    out = np.empty_like(A)

    def run():
        for _ in range(products):
            np.matmul(A, B, out=out)
    return run


def gemm_rate(seconds, n=GEMM_N, products=GEMM_PRODUCTS):
    """GFLOP/s of a ``gemm_run`` that took ``seconds``."""
    return products * 2 * n ** 3 / seconds / 1e9


def epoch_flops(sizes, n):
    """Floating-point operations of one full-batch epoch: 2 per multiply-add of one gradient
    (the forward products, BP4's δᵀA, and BP2's δW for every layer but the first)."""
    return 2 * ms.gradient_cost_model(sizes, n).backprop


def workloads(smoke=False):
    X_train, Y_train, _, _ = bp.datasets.digits(test_fraction=0.25, seed=0)
    if smoke:
        return [("64-32-10, 200 of the 8x8 digits (smoke test)", [64, 32, 10],
                 X_train[:200], Y_train[:200])]
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(10_000, 784))
    Y = bp.datasets.one_hot(rng.integers(0, 10, 10_000), 10)
    return [("784-100-10, 10,000 random examples", [784, 100, 10], X, Y),
            ("64-32-10, 8x8 digits", [64, 32, 10], X_train, Y_train)]


def training_table(repeats, smoke=False):
    for title, sizes, X, Y in workloads(smoke):
        print(f"\n## {title}: seconds per epoch (median of {repeats} runs)")
        rows, engines = {}, {}
        for batch_size in ((1, 32, len(X)) if smoke else (1, 10, 32, 128, len(X))):
            # An epoch of n/b updates costs n/b times one update, so the small batches,
            # where the slowest contenders take minutes per epoch, are timed on the first
            # SMALL_N examples and scaled to the whole set (marked *).
            scale = len(X) / SMALL_N if batch_size <= 10 and len(X) > SMALL_N else 1
            Xb, Yb = (X[:SMALL_N], Y[:SMALL_N]) if scale > 1 else (X, Y)
            epochs = EPOCHS_SMALL_BATCH if batch_size <= 10 else EPOCHS
            runs = contenders(sizes, Xb, Yb, batch_size, epochs)
            if batch_size == len(X):
                runs.update({name: gemm_run(dtype, n=200 if smoke else GEMM_N)
                             for name, dtype in GEMMS.items()})
            medians = interleaved(runs, repeats, settle=0 if smoke else SETTLE)
            engines[batch_size] = runs["bpkit"].engine
            if batch_size == len(X):
                rates = {dtype: gemm_rate(medians.pop(name), n=200 if smoke else GEMM_N)
                         for name, dtype in GEMMS.items()}
            rows[f"{batch_size}{'*' if scale > 1 else ''}"] = {
                name: t * scale / (1 if name == "textbook loop" else epochs)
                for name, t in medians.items()}
            if len(rows) == 1:
                names = list(medians)
                print("| batch | " + " | ".join(names) + " |")
                print("|---" * (len(names) + 1) + "|")
            print(f"| {list(rows)[-1]} | " + " | ".join(f"{rows[list(rows)[-1]][n]:.4f}" for n in names)
                  + " |", flush=True)
        if any(batch.endswith("*") for batch in rows):
            print(f"(* timed on the first {SMALL_N} examples, scaled to {len(X)})")
        print("bpkit's engine (float64) at batch size " + ", ".join(
            f"{b}: {engine}" for b, engine in engines.items()))
        verdict(rows)
        flops = epoch_flops(sizes, len(X))
        for dtype, name in ((np.float64, "bpkit"), (np.float32, "bpkit float32")):
            rate = flops / rows[str(len(X))][name] / 1e9
            print(f"{name} at full batch: {rate:.1f} GFLOP/s, {rate / rates[dtype]:.0%} of numpy's "
                  f"{np.dtype(dtype).name} GEMM rate ({rates[dtype]:.1f} GFLOP/s for "
                  f"{200 if smoke else GEMM_N}² products, timed between the same runs)")


def verdict(rows):
    """bpkit's time over the fastest library's, precision for precision (< 1: bpkit is faster)."""
    print("\n| batch | bpkit / fastest float64 library | bpkit float32 / fastest float32 library |")
    print("|---|---|---|")
    for batch, times in rows.items():
        cells = []
        for mine, others in (("bpkit", FLOAT64), ("bpkit float32", FLOAT32)):
            present = [o for o in others if o in times]
            if not present:
                cells.append("-")
                continue
            fastest = min(present, key=times.get)
            cells.append(f"{times[mine] / times[fastest]:.2f} ({fastest})")
        print(f"| {batch} | " + " | ".join(cells) + " |")


# ---------------------------------------------------------------- sliders

# Run first in a chapter's kernel: keep every widget bp.live makes. Run last: time them.
RECORD = "import bpkit.measure as _ms\n_bench_widgets = _ms.record_live_widgets()"
REPORT = ("import json as _json\n"
          "print(_json.dumps([row for w in _bench_widgets for row in _ms.time_slider_moves(w, {})]))")

# The smoke test's made-up chapter: one live slider, a trivial retrain and redraw.
SMOKE_CELLS = ["""import bpkit as bp
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
X, Y = bp.datasets.xor(40, seed=0)""", """def draw(learning_rate):
    history = bp.train(bp.Network([2, 4, 1], seed=0), X, Y, learning_rate, epochs=5)
    bp.plots.clear(ax)
    ax.plot(history.cost)
    return fig
bp.live(draw, learning_rate=bp.learning_rate_slider(0.1, 0.01, 1.0))"""]


def chapter_sliders(repeats=3, smoke=False):
    """Every live slider of the book, timed in its own chapter's kernel: ms per move.

    Each value of each slider is visited ``repeats`` times; a value's time is the
    median of its visits. The table gives the median over the values and the slowest.
    """
    import nbformat
    from nbclient import NotebookClient

    print("\n## live sliders (JupyterLab): one move = the chapter's retrain + redraw, in ms")
    print("| chapter | slider | values | median | slowest (at value) |")
    print("|---|---|---|---|---|")
    for path, cells in chapters_with_live_sliders(smoke):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in
                                             [RECORD, *cells, REPORT.format(repeats)]])
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
        for description, moves, median, slowest, value in json.loads(text):
            print(f"| {path.stem} | {description} | {moves} | {median:.0f} | {slowest:.0f} "
                  f"({value:.3g}) |", flush=True)


def chapters_with_live_sliders(smoke=False):
    """(path, code cells up to the last ``bp.live`` cell) for each chapter that has one."""
    import nbformat

    if smoke:
        yield ROOT / "book" / "smoke-test", SMOKE_CELLS
        return
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        live = [i for i, source in enumerate(cells) if "bp.live(" in source]
        if live:
            yield path, cells[:live[-1] + 1]


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
    parser.add_argument("--smoke", action="store_true",
                        help="tiny workloads, one repeat: check that everything runs (a few seconds)")
    args = parser.parse_args()
    training_table(1 if args.smoke else 3 if args.quick else 7, smoke=args.smoke)
    chapter_sliders(1 if args.smoke else 3, smoke=args.smoke)
    if args.book:
        book_and_tests()


if __name__ == "__main__":
    main()
