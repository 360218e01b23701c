"""The exercise checks, called directly as a check cell calls them, with the grader's seed set.

An answer is written as a student writes it and run in a namespace of its own that holds
what its notebook gives (``np``, and bpkit's ``sigmoid``, ``backprop`` … where the notebook
imports them). ``BPKIT_GRADING_SEED`` makes every check try its hidden cases too, as it does
while ``bpkit grade`` runs.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import bpkit
from bpkit.grading import checks
from bpkit.grading.checks import harness
from test_grading_policy import HONEST, SOLUTIONS

#: What each exercise's notebook gives its answers (its setup cells).
GIVEN = {
    "output_error": ("sigmoid", "sigmoid_prime"), "hidden_error": ("sigmoid", "sigmoid_prime"),
    "backprop": ("Network", "sigmoid_prime"), "update_mini_batch": ("Network", "backprop"),
    "train_epoch": ("Network", "backprop"),
}
#: Answers that call another exercise's function, with that function's own answer.
NEEDS = {"sigmoid_prime": "sigmoid", "train_epoch": "update_mini_batch",
         "momentum_descent": "momentum_step"}


@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv(harness.GRADING_SEED, "123")


def answer(exercise, text, **namespace):
    """The function ``exercise`` defined by ``text``, in a notebook-like namespace."""
    ns = {"np": np, "__name__": "__main__"}
    ns.update({name: getattr(bpkit, name) for name in GIVEN.get(exercise, ())})
    if exercise in NEEDS:
        exec(SOLUTIONS[NEEDS[exercise]], ns)
    ns.update(namespace)
    exec(textwrap.dedent(text), ns)
    return ns[exercise]


def run(exercise, fn):
    """What the check cell prints for ``fn``, and whether it passed."""
    from io import StringIO
    from contextlib import redirect_stdout
    out = StringIO()
    with redirect_stdout(out):
        try:
            getattr(checks, f"check_{exercise}")(fn)
            passed = True
        except harness.CheckFailed:
            passed = False
    return out.getvalue(), passed


# --- correct answers pass the hidden cases -------------------------------------------------

@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_the_teachers_solution_passes_the_grading_cases(grading, exercise):
    out, passed = run(exercise, answer(exercise, SOLUTIONS[exercise]))
    assert passed, out
    assert out.count("\n") == 1 and "cases pass [" in out


@pytest.mark.parametrize("exercise,text", HONEST, ids=[f"{e}-{i}" for i, (e, _) in enumerate(HONEST)])
def test_other_correct_answers_pass_the_grading_cases(grading, exercise, text):
    out, passed = run(exercise, answer(exercise, text))
    assert passed, out


def test_an_epoch_that_copies_bpkits_full_batch_shortcut_passes(grading):
    """bpkit draws no order when one batch holds every example; the check accepts both."""
    fn = answer("train_epoch", """
        def train_epoch(net, X, Y, learning_rate, batch_size, rng):
            n = len(X)
            order = rng.permutation(n) if batch_size < n else np.arange(n)
            for k in range(0, n, batch_size):
                update_mini_batch(net, X[order[k:k + batch_size]], Y[order[k:k + batch_size]],
                                  learning_rate)
        """)
    assert run("train_epoch", fn)[1]


# --- update_mini_batch: a table of the visible results ------------------------------------

def memorised_update(monkeypatch):
    """An update that knows the visible cases' resulting parameters by heart."""
    table = {}

    def spy(net, X, Y, learning_rate, update=bpkit.update_mini_batch):   # hidden from refuse()
        key = (np.asarray(X).tobytes(), learning_rate)
        update(net, X, Y, learning_rate)
        table[key] = ([W.tolist() for W in net.weights], [b.tolist() for b in net.biases])
    monkeypatch.delenv(harness.GRADING_SEED, raising=False)
    run("update_mini_batch", spy)
    return answer("update_mini_batch", """
        def update_mini_batch(net, X, Y, learning_rate):
            weights, biases = TABLE[(np.asarray(X).tobytes(), learning_rate)]
            for l in range(len(net.weights)):
                net.weights[l][...] = np.array(weights[l])
                net.biases[l][...] = np.array(biases[l])
        """, TABLE=table)


def test_a_table_of_the_visible_updates_fails_in_grading(monkeypatch):
    fn = memorised_update(monkeypatch)
    out, passed = run("update_mini_batch", fn)
    assert passed and out.startswith("update_mini_batch: 4/4 cases pass")   # what the student sees
    monkeypatch.setenv(harness.GRADING_SEED, "123")
    out, passed = run("update_mini_batch", fn)
    assert not passed
    assert out.endswith("update_mini_batch: fails on the extra cases used in grading\n")


def test_an_update_on_a_fixed_network_shape_fails_in_grading(grading):
    """Right for the visible networks' depth only (two layers of weights)."""
    fn = answer("update_mini_batch", """
        def update_mini_batch(net, X, Y, learning_rate):
            grad_w, grad_b = backprop(net, X, Y)
            for l in (0, 1):
                net.weights[l] -= learning_rate * grad_w[l]
                net.biases[l] -= learning_rate * grad_b[l]
        """)
    out, passed = run("update_mini_batch", fn)
    assert not passed and "extra cases used in grading" in out


# --- train_epoch: the order is the one rng draws --------------------------------------------

ROTATING = """
    def train_epoch(net, X, Y, learning_rate, batch_size, rng):
        n = len(X)
        order = np.roll(np.arange(n), int(rng.integers(1, n)))      # drawn from rng, but a rotation
        for k in range(0, n, batch_size):
            rows = order[k:k + batch_size]
            update_mini_batch(net, X[rows], Y[rows], learning_rate)
    """
FIXED = """
    def train_epoch(net, X, Y, learning_rate, batch_size, rng):
        n = len(X)
        order = np.argsort(np.sin(np.arange(n) * 7.3))               # shuffled, but always the same
        for k in range(0, n, batch_size):
            rows = order[k:k + batch_size]
            update_mini_batch(net, X[rows], Y[rows], learning_rate)
    """
REVERSED_BATCHES = """
    def train_epoch(net, X, Y, learning_rate, batch_size, rng):
        order = rng.permutation(len(X))
        batches = [order[k:k + batch_size] for k in range(0, len(X), batch_size)]
        for rows in batches[::-1]:                                     # every example once, but
            update_mini_batch(net, X[rows], Y[rows], learning_rate)    # not in the drawn order
    """
TWO_DRAWS = """
    def train_epoch(net, X, Y, learning_rate, batch_size, rng):
        rng.random()                                                   # a draw before the order
        order = rng.permutation(len(X))
        for k in range(0, len(X), batch_size):
            update_mini_batch(net, X[order[k:k + batch_size]], Y[order[k:k + batch_size]],
                              learning_rate)
    """


@pytest.mark.parametrize("text,why", [
    (ROTATING, "are not pieces of an order drawn from rng"),
    (FIXED, "seeds 0 and 1 gave the same order"),
    (REVERSED_BATCHES, "are not pieces of an order drawn from rng"),
    (TWO_DRAWS, "are not pieces of an order drawn from rng"),
], ids=["rotation", "fixed permutation", "batches out of order", "another draw first"])
def test_an_epoch_in_another_order_than_rngs_fails(grading, text, why):
    out, passed = run("train_epoch", answer("train_epoch", text))
    assert not passed and why in out, out


def test_a_rotation_passed_the_checks_before_the_order_was_compared_with_rngs():
    """The rotation meets every property the check had before (each example once, the
    right sizes, shuffled, same seed same order, another seed another order), so only the
    comparison with rng's order catches it."""
    fn = answer("train_epoch", ROTATING)
    for seed, n, batch_size in [(8, 8, 3), (6, 6, 2), (4, 4, 1), (0, 8, 2), (1, 8, 2)]:
        batches, problem = checks.training._epoch(fn, n, batch_size, seed)
        assert problem is None
        assert sorted(sum(batches, [])) == list(range(n)) and sum(batches, []) != list(range(n))
        assert checks.training._batch_problem(batches, n, batch_size, seed) is not None


def memorised_epoch():
    """An epoch that follows rng for the visible cases' generators (recognised by their
    state) and rotates the examples otherwise."""
    states = {int(np.random.default_rng(s).bit_generator.state["state"]["state"])
              for s in (8, 6, 5, 4, 0, 1)}
    return answer("train_epoch", """
        def train_epoch(net, X, Y, learning_rate, batch_size, rng):
            n = len(X)
            if rng.bit_generator.state["state"]["state"] in SEEN:
                order = rng.permutation(n)
            else:
                order = np.roll(np.arange(n), 1)
            for k in range(0, n, batch_size):
                update_mini_batch(net, X[order[k:k + batch_size]], Y[order[k:k + batch_size]],
                                  learning_rate)
        """, SEEN=states)


def test_an_epoch_that_knows_the_visible_generators_fails_in_grading(monkeypatch):
    fn = memorised_epoch()
    out, passed = run("train_epoch", fn)
    assert passed and out.startswith("train_epoch: 7/7 cases pass")
    monkeypatch.setenv(harness.GRADING_SEED, "123")
    out, passed = run("train_epoch", fn)
    assert not passed and "extra cases used in grading" in out


def test_a_wrong_update_does_not_cost_the_epoch(grading):
    fn = answer("train_epoch", SOLUTIONS["train_epoch"],
                update_mini_batch=lambda net, X, Y, learning_rate: None)
    assert run("train_epoch", fn)[1]


# --- the functions an exercise is given are bpkit's while it is checked ---------------------

STUB = "def {0}(*args):\n    raise NotImplementedError()\n"


@pytest.mark.parametrize("given", [STUB.format("sigmoid"), "def sigmoid(z):\n    return 0 * z\n",
                                   "def sigmoid(z):\n    return 1 / (1 + np.exp(z))  # wrong sign\n"])
def test_a_stubbed_or_wrong_sigmoid_does_not_zero_sigmoid_prime(grading, given):
    ns = {"np": np, "__name__": "__main__"}
    exec(given, ns)
    student_sigmoid = ns["sigmoid"]
    exec(SOLUTIONS["sigmoid_prime"], ns)
    out, passed = run("sigmoid_prime", ns["sigmoid_prime"])
    assert passed and out.startswith("sigmoid_prime: 6/6 cases pass"), out
    assert ns["sigmoid"] is student_sigmoid                 # the notebook's own, afterwards


def test_sigmoid_prime_taken_at_the_activation_still_fails(grading):
    fn = answer("sigmoid_prime", "def sigmoid_prime(z):\n    a = sigmoid(z)\n"
                                 "    return sigmoid(a) * (1 - sigmoid(a))\n")
    assert not run("sigmoid_prime", fn)[1]


@pytest.mark.parametrize("exercise,name", [
    ("output_error", "sigmoid_prime"), ("hidden_error", "sigmoid_prime"),
    ("output_error", "sigmoid"), ("backprop", "sigmoid_prime"),
    ("update_mini_batch", "backprop"), ("momentum_descent", "momentum_step"),
])
def test_a_given_function_redefined_as_a_stub_does_not_cost_the_exercise(grading, exercise, name):
    text = SOLUTIONS[exercise]
    if exercise == "output_error" and name == "sigmoid":       # an answer that uses σ itself
        text = "def output_error(A, Y, Z):\n    s = sigmoid(Z)\n    return (A - Y) * s * (1 - s)\n"
    fn = answer(exercise, STUB.format(name) + "\n" + text)
    out, passed = run(exercise, fn)
    assert passed, out
    assert fn.__globals__[name].__name__ == name and fn.__globals__[name].__module__ == "__main__"


def test_a_wrong_answer_still_fails_with_the_given_functions_standing_in(grading):
    fn = answer("update_mini_batch", """
        def update_mini_batch(net, X, Y, learning_rate):
            grad_w, grad_b = backprop(net, X, Y)
            for W, b, gW, gb in zip(net.weights, net.biases, grad_w, grad_b):
                W += learning_rate * gW
                b += learning_rate * gb
        """)
    out, passed = run("update_mini_batch", fn)
    assert not passed and "0/4 cases pass" in out


def test_calling_bpkit_for_the_practised_function_is_still_refused(grading):
    fn = answer("sigmoid_prime", "def sigmoid_prime(z):\n    return bpkit.sigmoid_prime(z)\n",
                bpkit=bpkit)
    out, passed = run("sigmoid_prime", fn)
    assert not passed and "not allowed" in out


# --- reproducible verdicts ---------------------------------------------------------------

#: Right except for batches of 7 or more examples, which only the hidden cases have.
SUBTLE = """
def bias_gradient(delta):
    delta = np.asarray(delta, dtype=float)
    return delta.mean(axis=0) if len(delta) < 7 else delta[:6].mean(axis=0)
"""


def test_the_same_seed_gives_the_same_verdict(monkeypatch):
    fn = answer("bias_gradient", SUBTLE)
    verdicts = {}
    for seed in range(12):
        monkeypatch.setenv(harness.GRADING_SEED, str(seed))
        first, second = run("bias_gradient", fn), run("bias_gradient", fn)
        assert first == second
        verdicts[seed] = first[1]
    assert set(verdicts.values()) == {True, False}          # the seed decides, and only it
    monkeypatch.delenv(harness.GRADING_SEED)
    assert run("bias_gradient", fn)[1]                       # the visible cases all pass


# --- tampering with numpy during the call -------------------------------------------------

def test_replacing_numpys_comparison_does_not_change_the_verdict(grading):
    """All-zero gradients that switch numpy's allclose and isfinite off while the check
    compares (as if the answer had got past the policy) still fail."""
    fn = answer("backprop", """
        def backprop(net, X, Y):
            np.allclose = lambda *args, **kwargs: True
            np.isfinite = lambda x: np.ones(np.shape(x), dtype=bool)
            np.array_equal = lambda *args, **kwargs: True
            return ([np.zeros_like(W) for W in net.weights], [np.zeros_like(b) for b in net.biases])
        """)
    saved = np.allclose, np.isfinite, np.array_equal
    try:
        out, passed = run("backprop", fn)
    finally:
        np.allclose, np.isfinite, np.array_equal = saved
    assert not passed and "0/5 cases pass" in out


def test_numpy_replaced_before_the_checks_are_imported_does_not_change_the_verdict():
    """The comparison takes numpy's functions from the modules that define them, so even a
    first check cell imported after the tampering compares for real. (Only what the
    comparison uses: a numpy changed under bpkit's own reference is for the policy and the
    sandbox to prevent.)"""
    script = textwrap.dedent("""
        import numpy as np
        np.allclose = lambda *args, **kwargs: True
        np.isfinite = lambda x: np.ones(np.shape(x), dtype=bool)
        np.random.default_rng = lambda seed=None: None
        import os
        os.environ["BPKIT_GRADING_SEED"] = "7"
        from bpkit.grading.checks import harness
        from bpkit.grading.checks import check_relative_error
        assert harness.grading_rng() is not None
        try:
            check_relative_error(lambda a, b: 0.0)
        except harness.CheckFailed:
            print("failed")
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "failed"
    assert "relative_error: 2/5 cases pass" in out.stdout     # equal vectors and zeros pass


def test_a_check_says_when_an_answer_forgets_return_and_where_it_raised(capsys):
    namespace = {"np": np}
    exec("def sigmoid(z):\n    s = 1 / (1 + np.exp(-z))\n", namespace)
    with pytest.raises(harness.CheckFailed):
        checks.check_sigmoid(namespace["sigmoid"])
    assert "sigmoid returned None: does it end with `return`" in capsys.readouterr().out
    exec("def sigmoid(z):\n    z = np.asarray(z)\n    return [][3]\n", namespace)
    with pytest.raises(harness.CheckFailed):
        checks.check_sigmoid(namespace["sigmoid"])
    assert "raised IndexError: list index out of range (line 3 of sigmoid)" in \
        capsys.readouterr().out


def cell(source, namespace, number):
    """Run ``source`` as IPython runs a cell: under a cell file name, source kept in linecache."""
    import linecache
    filename = f"/tmp/ipykernel_0/{number}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def test_a_check_warns_when_the_grader_would_refuse_the_answer(capsys, monkeypatch):
    import bpkit
    monkeypatch.delenv("BPKIT_GRADING_SEED", raising=False)
    namespace = {"np": np, "bp": bpkit, "__name__": "__main__"}
    cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\nx = '{0}'.format(1)\n",
         namespace, 1)
    with pytest.raises(harness.CheckFailed, match="grader would refuse"):
        checks.check_sigmoid(namespace["sigmoid"])
    assert "line 4: `.format` is not allowed" in capsys.readouterr().out
    cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, float)))\n", namespace, 2)
    checks.check_sigmoid(namespace["sigmoid"])
    assert capsys.readouterr().out.startswith("sigmoid: 6/6 cases pass [")
    monkeypatch.setenv("BPKIT_GRADING_SEED", "1")      # while grading the grader screens itself
    cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\nx = '{0}'.format(1)\n",
         namespace, 3)
    checks.check_sigmoid(namespace["sigmoid"])


def test_a_result_that_is_not_numbers_is_named_not_a_crash():
    """A list that holds itself, or an int too large for a float, gets a message from the
    check, not a RecursionError or OverflowError from inside it."""
    from bpkit.grading.checks import compare

    looped = [1.0]
    looped.append(looped)
    for bad, kind in ((looped, "a list of 2 items"), ([10 ** 400, 1.0], "a list of 2 items"),
                      (10 ** 400, "a int")):
        expected = np.zeros(2) if isinstance(bad, list) else 1.0
        assert compare.close(expected, bad) == f"result should be numbers, got {kind}"
        assert compare.show(bad)            # some text, not an exception
    assert compare.show(looped) == "[1, [1, [1, [1, …]]]]"
    assert compare.close((1.0, 2.0), (1.0, looped)) == "result[1] should be numbers, got a list of 2 items"
