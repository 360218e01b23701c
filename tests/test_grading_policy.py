"""The answer-cell policy: hostile answers are refused with a readable reason, honest ones pass.

The hostile sources are what a student who wants marks would try once they read numpy's
API: code run from strings (``np.testing``), files and pickles (``np.load``, memory-mapped
``.npy``), native libraries (``np.ctypeslib``), modules imported by name (``np.add_newdoc``),
numpy's settings and functions changed for the checks (``np.allclose = …``). The honest
sources are the teacher's solutions of the nine exercises and other correct answers written
the ways students write them; each must still be accepted.
"""
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit.grading import policy
from bpkit.grading.notebook import BEGIN, END, exercises, grade_id, is_answer, source
from bpkit.grading.splice import teacher_namespace

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"
NOTEBOOKS = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
TEACHERS = {name: nbformat.read(EXERCISES / name, as_version=4) for name in NOTEBOOKS}
OWNER = {ex.name: name for name, nb in TEACHERS.items() for ex in exercises(nb)}
SOLUTIONS = {grade_id(c): "\n".join(line for line in source(c).split("\n")
                                    if BEGIN not in line and END not in line)
             for nb in TEACHERS.values() for c in nb.cells if is_answer(c)}


def problems(text, exercise="sigmoid"):
    return policy.problems(text, teacher_namespace(TEACHERS[OWNER[exercise]]))


# --- hostile answers ---------------------------------------------------------------------

#: (answer source, a phrase the refusal must contain). Each line names what it uses.
HOSTILE = [
    # numpy runs code from strings: os.system, sockets, bpkit's reference, np.allclose patched
    ("x = np.testing.runstring('import os; os.system(\"id\")', {})\n",
     "`np.testing.runstring` is not allowed in answers: numpy.testing runs code from strings"),
    ("np.testing.measure('import socket; socket.create_connection((\"127.0.0.1\", 80))')\n",
     "`np.testing.measure` is not allowed in answers: numpy.testing runs code from strings"),
    ("def sigmoid(z):\n    ns = {'z': z}\n"
     "    np.testing.runstring('import bpkit; s = bpkit.sigmoid(z)', ns)\n    return ns['s']\n",
     "`np.testing.runstring` is not allowed"),
    ("np.testing.runstring('import numpy; numpy.allclose = lambda *a, **k: True', {})\n",
     "`np.testing.runstring` is not allowed"),
    ("from numpy.testing import runstring\n", "imports numpy.testing: numpy.testing runs code"),
    ("from numpy.testing import measure as m\n", "imports numpy.testing"),
    ("import numpy.testing\n", "imports numpy.testing"),
    ("import numpy.testing as nt\n", "imports numpy.testing"),
    ("from numpy import testing\n", "`numpy.testing` is not allowed in answers"),
    ("t = np.testing\n", "`np.testing` is not allowed in answers"),
    ("import numpy as n2\nn2.testing.runstring('1', {})\n", "`n2.testing.runstring` is not allowed"),
    # files through numpy: memory-mapped .npy files, pickles, text files
    ("a = np.lib.format.open_memmap('/tmp/x.npy', mode='w+', dtype=float, shape=(3,))\n",
     "`np.lib.format.open_memmap` is not allowed in answers: numpy.lib holds numpy's file"),
    ("from numpy.lib.format import open_memmap\n", "imports numpy.lib.format: numpy.lib"),
    ("import numpy.lib.format as fmt\n", "imports numpy.lib.format"),
    ("from numpy.lib import format\n", "imports numpy.lib"),
    ("m = np.memmap('/tmp/x', mode='w+', shape=(3,))\n",
     "`np.memmap` is not allowed in answers: it maps files into memory"),
    ("x = np.load('solutions.npy', allow_pickle=True)\n",
     "`np.load` is not allowed in answers: it reads and writes files, and unpickles them"),
    ("from numpy import load\n", "`numpy.load` is not allowed in answers: it reads"),
    ("from numpy import load as l\n", "`numpy.load` is not allowed"),
    ("np.save('../01-sigmoid.ipynb', np.zeros(1))\n", "`np.save` is not allowed"),
    ("np.savez('x', a=1)\n", "`np.savez` is not allowed"),
    ("np.savetxt('checks.py', [0])\n", "`np.savetxt` is not allowed"),
    ("x = np.loadtxt('/etc/passwd', dtype=str)\n", "`np.loadtxt` is not allowed"),
    ("x = np.genfromtxt('/etc/passwd', dtype=str)\n", "`np.genfromtxt` is not allowed"),
    ("x = np.fromfile('/etc/passwd', dtype=np.uint8)\n",
     "`np.fromfile` is not allowed in answers: it reads files"),
    ("x = np.fromregex('/etc/passwd', '(.*)', [('a', 'S9')])\n", "`np.fromregex` is not allowed"),
    ("x = np.lib.npyio.load('x.npy')\n", "`np.lib.npyio.load` is not allowed"),
    ("x = np.ma.load('x')\n", "`np.ma.load` is not allowed in answers: numpy.ma reads and writes"),
    ("np.ma.dump(np.ma.zeros(2), 'x')\n", "`np.ma.dump` is not allowed"),
    ("x = np.rec.fromfile('x', formats='f8')\n", "`np.rec.fromfile` is not allowed"),
    ("x = np.DataSource('/').open('/etc/passwd')\n", "`np.DataSource` is not allowed in answers"),
    ("np.zeros(3).tofile('x')\n", "`.tofile` is not allowed"),
    ("np.zeros(3).dump('x')\n", "`.dump` is not allowed"),
    ("s = np.zeros(3).dumps()\n", "`.dumps` is not allowed"),
    ("np.ndarray.tofile(np.zeros(3), 'x')\n", "`.tofile` is not allowed"),
    # native code and raw memory
    ("lib = np.ctypeslib.load_library('libc', '/lib')\n",
     "`np.ctypeslib.load_library` is not allowed in answers: numpy.ctypeslib loads native"),
    ("from numpy.ctypeslib import load_library\n", "imports numpy.ctypeslib"),
    ("p = np.zeros(3).ctypes.data\n", "`.ctypes` is not allowed"),
    ("p = np.random.default_rng(0).bit_generator.ctypes.state_address\n", "`.ctypes` is not allowed"),
    ("p = np.random.default_rng(0).bit_generator.cffi\n", "`.cffi` is not allowed"),
    ("p = np.random.default_rng(0).bit_generator.capsule\n", "`.capsule` is not allowed"),
    ("x = np.frombuffer(b'abc', dtype=np.uint8)\n",
     "`np.frombuffer` is not allowed in answers: it reads the raw memory"),
    ("x = np.from_dlpack(np.zeros(3))\n", "`np.from_dlpack` is not allowed"),
    ("x = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**6,))\n",
     "`np.lib.stride_tricks.as_strided` is not allowed"),
    ("np.f2py.compile('subroutine f\\nend', modulename='m')\n",
     "`np.f2py.compile` is not allowed in answers: numpy.f2py compiles"),
    ("import numpy.f2py\n", "imports numpy.f2py"),
    ("x = np.core.multiarray.array([1])\n", "`np.core.multiarray.array` is not allowed in answers: "
                                            "numpy.core is numpy's internals"),
    ("x = np.random.mtrand.RandomState(0)\n", "`np.random.mtrand.RandomState` is not allowed"),
    ("from numpy.random import mtrand\n", "`numpy.random.mtrand` is not allowed"),
    # modules imported, source read, tests run, docstrings rewritten by name
    ("np.add_newdoc('os', 'system', 'x')\n", "`np.add_newdoc` is not allowed in answers"),
    ("np.lookfor('sigmoid')\n", "`np.lookfor` is not allowed in answers"),
    ("np.info(np.exp)\n", "`np.info` is not allowed in answers"),
    ("np.source(np.exp)\n", "`np.source` is not allowed in answers"),
    ("np.who()\n", "`np.who` is not allowed in answers"),
    ("x = np.safe_eval('1')\n", "`np.safe_eval` is not allowed in answers"),
    ("x = np.byte_bounds(np.zeros(1))\n", "`np.byte_bounds` is not allowed in answers"),
    ("np.test('full')\n", "`np.test` is not allowed in answers: it runs numpy's test suite"),
    ("np.linalg.test()\n", "`np.linalg.test` is not allowed"),
    ("np.random.test()\n", "`np.random.test` is not allowed"),
    ("np.show_config()\n", "`np.show_config` is not allowed"),
    ("print(np.get_include())\n", "`np.get_include` is not allowed"),
    # names looked up from a string in the caller's namespace
    ("x = np.r_['In']\n", "`np.r_` is not allowed in answers: given a string, it looks names up"),
    ("x = np.c_['Out']\n", "`np.c_` is not allowed in answers"),
    ("x = np.bmat('check_sigmoid')\n", "`np.bmat` is not allowed in answers: given a string"),
    # numpy changed for the checks that run after the answer
    ("np.allclose = lambda *a, **k: True\n", "assigning to an attribute"),
    ("def sigmoid(z):\n    np.allclose = lambda *a, **k: True\n    return z\n",
     "assigning to an attribute"),
    ("del np.allclose\n", "assigning to an attribute"),
    ("np.isfinite.x = 1\n", "assigning to an attribute"),
    ("sigmoid.weights = 1\n", "assigning to an attribute"),
    ("np.seterr(all='raise')\n", "`np.seterr` is not allowed in answers: it changes numpy's settings"),
    ("np.seterrcall(print)\n", "`np.seterrcall` is not allowed"),
    ("np.set_printoptions(precision=1)\n", "`np.set_printoptions` is not allowed"),
    ("np.setbufsize(8192)\n", "`np.setbufsize` is not allowed"),
    ("np.set_numeric_ops(add=np.subtract)\n", "`np.set_numeric_ops` is not allowed"),
    ("np.set_string_function(str)\n", "`np.set_string_function` is not allowed"),
    ("f = np.allclose.__code__\n", "`.__code__` is not allowed"),
    ("def train_epoch(net, X, Y, learning_rate, batch_size, rng):\n"
     "    update_mini_batch._batches.clear()\n", "`._batches` is not allowed"),
    ("m = np.linalg\n", "used as a value"),
    ("x = np.lib.npyio\n", "used as a value"),
    # a match statement's class patterns read attributes by name, without an ast.Attribute
    ("vz = np.vectorize(abs)\nrx = None\nmatch vz:\n    case np.vectorize(__reduce_ex__=rx):\n"
     "        pass\nO = rx(1)[1][1]\n", "`match` statements are not allowed in answers"),
    ("def backprop(net, X, Y):\n    match backprop:\n        case object(__globals__=g):\n"
     "            return g\n", "`match` statements are not allowed"),
    # rebinding what the rest of the notebook relies on
    ("np = 5\n", "`np` is the notebook's numpy; rebinding it is not allowed"),
    ("def print(*args):\n    pass\n", "rebinding the built-in `print`"),
    ("len = sum\n", "rebinding the built-in `len`"),
    # a format string's fields read attributes by name, out of the policy's sight
    ("def sigmoid(z):\n    try:\n        raise ValueError()\n    except ValueError as e:\n"
     "        return '{0.__traceback__.tb_frame.f_back}'.format(e)\n",
     "`.format` is not allowed in answers: a format string's fields read attributes"),
    ("x = ('{0.' + '__class__}').format_map\n", "`.format_map` is not allowed"),
    # a generator paused inside np.errstate(all="raise"): the setting stays for the cells
    # after it, so numpy raises in the checks of the student's other exercises
    ("def keep_raising():\n    with np.errstate(all=\"raise\"):  # left open: the generator is never resumed\n"
     "        yield\n\nheld = keep_raising()\nnext(held)\n\ndef softmax(Z):\n"
     "    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n"
     "    return E / np.sum(E, axis=1, keepdims=True)\n",
     "line 3: generators (`yield`) are not allowed in answers"),
    ("def keep():\n    with np.printoptions(precision=1):\n        yield\nk = keep()\nnext(k)\n",
     "generators (`yield`) are not allowed"),
    ("def inner():\n    yield 1\ndef outer():\n    yield from inner()\n",
     "generators (`yield from`) are not allowed"),
    # an AttributeError's .obj is the object that lacked the attribute: a module as a value
    ("import math\n\ndef add_backward(grad_out, a, b):\n    try:\n        math.no_such_name\n"
     "    except AttributeError as e:\n        m = e.obj                     # the math module, as a value\n"
     "    g = np.asarray(grad_out, dtype=float) * m.cos(0.0)\n    return g, g\n",
     "`.obj` is not allowed in answers: an AttributeError's `.obj` is the object"),
    ("def softmax(Z):\n    try:\n        Z.nothing\n    except AttributeError as e:\n"
     "        m = e.obj\n    return m\n", "`.obj` is not allowed"),
    # a built-in's name is the answer's own inside a function, never at the top
    ("def input(x):\n    return x\n", "`input` is not allowed"),
    ("def f():\n    return [input for x in range(2)]\n", "`input` is not allowed"),
    # a cell too long to be worth reading (it would cost the grader minutes, outside any limit)
    ("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n" + "a = 1\n" * 100_000,
     "the cell is longer than 20,000 characters"),
]


@pytest.mark.parametrize("text,why", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_a_hostile_answer_is_refused_with_its_reason(text, why):
    found = problems(text)
    assert any(why in problem for problem in found), found
    assert all(problem.startswith("line ") and "\n" not in problem for problem in found)


def test_the_reason_names_the_whole_function_once():
    found = problems("x = np.testing.runstring('1', {})\n")
    assert found == ["line 1: `np.testing.runstring` is not allowed in answers: numpy.testing runs "
                     "code from strings (runstring, measure) and numpy's tests"]


def test_every_numpy_name_that_touches_files_or_code_is_refused():
    """The allow-list read from the installed numpy refuses every public name of numpy's
    file, test, native-code and settings functions that this numpy has."""
    verdicts = policy._numpy_verdicts("numpy")
    dangerous = ("load save savez savez_compressed savetxt loadtxt genfromtxt fromregex fromfile "
                 "frombuffer memmap DataSource lookfor info source who safe_eval byte_bounds test "
                 "add_newdoc add_docstring set_numeric_ops seterr seterrcall set_printoptions "
                 "show_config get_include bmat mat asmatrix recfromcsv r_ c_ testing lib ctypeslib "
                 "f2py distutils core ma rec").split()
    present = [name for name in dangerous if name in verdicts]
    assert len(present) >= 25                    # this numpy has most of them
    assert {name: verdicts[name] for name in present if verdicts[name] is None} == {}
    for name in dangerous:                      # and a name it lacks is refused all the same
        assert policy.numpy_refusal("numpy", name)
    for namespace in ("numpy.linalg", "numpy.random", "numpy.fft"):
        assert policy.numpy_refusal(namespace, "test")


def test_the_allow_list_keeps_what_answers_compute_with():
    allowed = [name for name, why in policy._numpy_verdicts("numpy").items() if why is None]
    for name in ("exp", "dot", "zeros_like", "outer", "sum", "mean", "array", "asarray", "clip",
                 "where", "newaxis", "float64", "argmax", "allclose", "errstate", "ndindex",
                 "einsum", "tanh", "logaddexp", "pi", "inf", "ndarray", "finfo", "vectorize"):
        assert name in allowed, name
    assert policy.numpy_refusal("numpy.random", "default_rng") is None
    assert policy.numpy_refusal("numpy.random", "Generator") is None
    assert policy.numpy_refusal("numpy.linalg", "norm") is None
    assert policy.numpy_refusal("numpy.linalg", "LinAlgError") is None
    assert policy.numpy_refusal("numpy.fft", "rfft") is None
    assert len(allowed) > 300                    # ufuncs, scalar types, array functions


@pytest.mark.parametrize("path,expected", [
    ("/venv/lib/python3.11/site-packages/numpy/lib/_npyio_impl.py", "lib/npyio"),
    ("/usr/lib/python3/dist-packages/numpy/lib/npyio.py", "lib/npyio"),
    ("/opt/numpy/site-packages/numpy/_core/fromnumeric.py", "core/fromnumeric"),
    ("numpy/random/_generator.pyx", "random/generator"),
    ("/home/me/numpy_tricks.py", "?/home/me/numpy_tricks.py"),
])
def test_numpy_1_and_2_file_names_read_the_same(path, expected):
    assert policy._normalised(path) == expected


def test_screening_never_imports_a_refused_numpy_module():
    """The policy finds submodules from numpy's path: naming np.f2py does not import it
    (numpy 2 imports some submodules on first attribute access)."""
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('policy', {str(Path(policy.__file__))!r})\n"
        "policy = importlib.util.module_from_spec(spec); spec.loader.exec_module(policy)\n"
        "ns = policy.Namespace(modules={'np': 'numpy'})\n"
        "before = {m for m in ('numpy.f2py', 'numpy.testing', 'numpy.ctypeslib', 'numpy.ma')"
        " if m in sys.modules}\n"
        "found = policy.problems('np.f2py.compile(1)\\nnp.testing.runstring(1)\\n"
        "from numpy import ctypeslib\\nimport numpy.ma\\n', ns, limit=10)\n"
        "assert len(found) == 4, found\n"
        "after = {m for m in ('numpy.f2py', 'numpy.testing', 'numpy.ctypeslib', 'numpy.ma')"
        " if m in sys.modules}\n"
        "print(sorted(after - before))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- honest answers ----------------------------------------------------------------------

#: (exercise, answer source): correct answers as students write them, other than the teacher's.
HONEST = [
    ("quadratic_cost", "def quadratic_cost(input, target):\n"
                       "    return 0.5 * np.sum((input - target) ** 2) / len(input)\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n    dir = A - Y\n"
                       "    return 0.5 * np.sum(dir ** 2) / len(A)\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n    try:\n        n = A.shape[0]\n"
                       "    except AttributeError:\n        n = len(A)\n"
                       "    return 0.5 * np.sum((A - Y) ** 2) / n\n"),
    ("sigmoid", "def sigmoid(z):\n    try:\n        return 1 / (1 + np.exp(-z))\n"
                "    except (FloatingPointError, RuntimeWarning):\n        return 0.0\n"),
    ("sigmoid", "def sigmoid(z):\n    with np.errstate(over='ignore'):\n"
                "        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))\n"),
    ("sigmoid", "def sigmoid(z):\n    z = np.clip(z, -500, 500)\n    return 1 / (1 + np.exp(-z))\n"),
    ("sigmoid", "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n"),
    ("sigmoid", "def sigmoid(z):\n    return np.exp(-np.logaddexp(0, -np.asarray(z, dtype=float)))\n"),
    ("sigmoid", "import math\n\n\ndef _one(t):\n    if t >= 0:\n        return 1 / (1 + math.exp(-t))\n"
                "    return math.exp(t) / (1 + math.exp(t))\n\n\n"
                "def sigmoid(z):\n    return np.vectorize(_one, otypes=[float])(z)\n"),
    ("sigmoid", "from numpy import exp, where, abs as np_abs\n\n\ndef sigmoid(z):\n"
                "    z = np.array(z, dtype=float)\n    e = exp(-np_abs(z))\n"
                "    return where(z >= 0, 1 / (1 + e), e / (1 + e))\n"),
    ("sigmoid_prime", "def sigmoid_prime(z):\n    s = sigmoid(z)\n    return s - s ** 2\n"),
    ("sigmoid_prime", "def sigmoid_prime(z):\n    with np.errstate(over='ignore', invalid='ignore'):\n"
                      "        e = np.exp(-np.abs(z))\n        return e / (1 + e) ** 2\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n"
                       "    return 0.5 * np.mean(np.sum((np.asarray(A) - Y) ** 2, axis=1))\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n"
                       "    return np.linalg.norm(np.subtract(A, Y)) ** 2 / (2 * len(A))\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n    total = 0.0\n    for a, y in zip(A, Y):\n"
                       "        total += 0.5 * np.dot(a - y, a - y)\n    return total / len(A)\n"),
    ("quadratic_cost", "def quadratic_cost(A, Y):\n    D = np.asarray(A, dtype=float) - Y\n"
                       "    return np.einsum('ij,ij->', D, D) / (2 * D.shape[0])\n"),
    ("quadratic_cost_gradient", "def quadratic_cost_gradient(A, Y):\n    return np.subtract(A, Y)\n"),
    ("output_error", "def output_error(A, Y, Z):\n"
                     "    return np.multiply(A - Y, sigmoid(Z) * (1 - sigmoid(Z)))\n"),
    ("hidden_error", "def hidden_error(delta_next, W_next, Z):\n"
                     "    return np.dot(delta_next, W_next) * sigmoid_prime(Z)\n"),
    ("hidden_error", "def hidden_error(delta_next, W_next, Z):\n"
                     "    return (W_next.T @ delta_next.T).T * sigmoid_prime(Z)\n"),
    ("hidden_error", "def hidden_error(delta_next, W_next, Z):\n"
                     "    return np.matmul(delta_next, W_next) * sigmoid_prime(Z)\n"),
    ("bias_gradient", "def bias_gradient(delta):\n    return delta.sum(axis=0) / delta.shape[0]\n"),
    ("bias_gradient", "def bias_gradient(delta):\n    return np.average(delta, axis=0)\n"),
    ("weight_gradient", "def weight_gradient(delta, A_prev):\n"
                        "    return np.einsum('ni,nj->ij', delta, A_prev) / len(delta)\n"),
    ("weight_gradient", "def weight_gradient(delta, A_prev):\n"
                        "    return sum(np.outer(d, a) for d, a in zip(delta, A_prev)) / len(delta)\n"),
    ("backprop", """
def backprop(net, X, Y):
    zs, activations = net.forward(X)
    grad_w = [np.zeros_like(W) for W in net.weights]
    grad_b = [np.zeros_like(b) for b in net.biases]
    delta = (activations[-1] - Y) * sigmoid_prime(zs[-1])
    for l in reversed(range(len(net.weights))):
        grad_w[l] = np.dot(delta.T, activations[l]) / X.shape[0]
        grad_b[l] = np.mean(delta, axis=0)
        if l:
            delta = np.dot(delta, net.weights[l]) * sigmoid_prime(zs[l - 1])
    return grad_w, grad_b
"""),
    ("update_mini_batch", """
def update_mini_batch(net, X, Y, learning_rate):
    nabla_w, nabla_b = backprop(net, X, Y)
    net.weights = [w - learning_rate * nw for w, nw in zip(net.weights, nabla_w)]
    net.biases = [b - learning_rate * nb for b, nb in zip(net.biases, nabla_b)]
"""),
    ("update_mini_batch", """
def update_mini_batch(net, X, Y, learning_rate):
    grad_w, grad_b = backprop(net, X, Y)
    for l in range(len(net.weights)):
        net.weights[l] = net.weights[l] - learning_rate * grad_w[l]
        net.biases[l] = net.biases[l] - learning_rate * grad_b[l]
"""),
    ("train_epoch", """
def train_epoch(net, X, Y, learning_rate, batch_size, rng):
    idx = np.arange(len(X))
    rng.shuffle(idx)
    batches = [idx[k:k + batch_size] for k in range(0, len(X), batch_size)]
    for batch in batches:
        update_mini_batch(net, X[batch], Y[batch], learning_rate)
"""),
    ("train_epoch", """
def train_epoch(net, X, Y, learning_rate, batch_size, rng):
    n = X.shape[0]
    order = rng.choice(n, size=n, replace=False)
    k = 0
    while k < n:
        rows = order[k:k + batch_size]
        update_mini_batch(net, X[rows, :], Y[rows, :], learning_rate)
        k += batch_size
"""),
    ("numerical_gradient", """
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.asarray(theta, dtype=float)
    grad = np.zeros(theta.shape)
    for i in range(theta.size):
        e = np.zeros(theta.shape)
        e.flat[i] = eps
        grad.flat[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return grad
"""),
    ("numerical_gradient", """
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.array(theta, dtype=float)
    grad = np.empty_like(theta)
    for index, value in np.ndenumerate(theta):
        plus, minus = theta.copy(), theta.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad
"""),
    ("numerical_gradient", """
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.array(theta, dtype=np.float64)
    grad = np.zeros_like(theta)
    it = np.nditer(theta, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = theta[i]
        theta[i] = old + eps
        up = f(theta)
        theta[i] = old - eps
        grad[i] = (up - f(theta)) / (2 * eps)
        theta[i] = old
    return grad
"""),
    ("relative_error", "import math\n\n\ndef relative_error(a, b):\n    a, b = np.ravel(a), np.ravel(b)\n"
                       "    num = math.sqrt(np.sum((a - b) ** 2))\n"
                       "    den = math.sqrt(np.sum(a ** 2)) + math.sqrt(np.sum(b ** 2))\n"
                       "    return num / den if den > 0 else 0.0\n"),
    ("relative_error", "def relative_error(a, b):\n"
                       "    if np.allclose(a, 0, atol=0) and np.allclose(b, 0, atol=0):\n"
                       "        return 0.0\n"
                       "    return np.sqrt(np.sum(np.square(np.subtract(a, b)))) / "
                       "(np.linalg.norm(a) + np.linalg.norm(b))\n"),
    ("momentum_step", "def momentum_step(theta, velocity, grad, learning_rate, momentum):\n"
                      "    v = momentum * np.asarray(velocity) - learning_rate * np.asarray(grad)\n"
                      "    return np.add(theta, v), v\n"),
    ("momentum_descent", """
def momentum_descent(grad, x0, learning_rate, momentum, steps):
    path = np.empty((steps + 1, len(x0)))
    path[0] = x0
    v = np.zeros(len(x0))
    for k in range(steps):
        path[k + 1], v = momentum_step(path[k], v, grad(path[k]), learning_rate, momentum)
    return path
"""),
    ("momentum_descent", """
def momentum_descent(grad, x0, learning_rate, momentum, steps):
    x, v = np.copy(x0).astype(float), np.zeros(np.shape(x0))
    points = [x]
    for _ in range(steps):
        x, v = momentum_step(x, v, grad(x), learning_rate, momentum)
        points.append(x)
    return np.vstack(points)
"""),
    # what students add around the formula: checks of their own, debugging, constants
    ("sigmoid", "def sigmoid(z):\n    if not isinstance(z, np.ndarray):\n        z = np.float64(z)\n"
                "    assert np.all(np.isfinite(z)), 'z must be finite'\n"
                "    out = 1 / (1 + np.exp(-np.clip(z, -np.finfo(float).maxexp, np.inf)))\n"
                "    print(np.shape(out), np.ndim(out), np.pi, np.argmax(np.ravel(out)))\n"
                "    return out\n"),
    ("bias_gradient", "def bias_gradient(delta):\n    delta = np.atleast_2d(delta)\n"
                      "    rng = np.random.default_rng(0)\n    assert rng.random() < 1\n"
                      "    return delta[:, :].mean(axis=0)[np.newaxis, :][0]\n"),
    ("weight_gradient", "from numpy.linalg import norm\nimport numpy.random as npr\n\n\n"
                        "def weight_gradient(delta, A_prev):\n    assert norm(npr.default_rng(1).random(2)) >= 0\n"
                        "    return np.tensordot(delta, A_prev, axes=(0, 0)) / np.size(delta, 0)\n"),
]


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_the_teachers_solutions_are_allowed(exercise):
    assert problems(SOLUTIONS[exercise], exercise) == []


@pytest.mark.parametrize("exercise,text", HONEST, ids=[f"{e}-{i}" for i, (e, _) in enumerate(HONEST)])
def test_other_correct_answers_are_allowed(exercise, text):
    assert problems(text, exercise) == []
