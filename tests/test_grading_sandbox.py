"""The sandbox around every student kernel, attacked as a hostile student would.

The ``ast`` policy refuses what it recognises; these tests assume it has a hole and
run hostile code in the sandboxed kernel directly (``SandboxedKernelManager``, the
kernel manager the grader hands to nbval), then check from outside what it could
reach: the network, the teacher's files, the disk, processes left behind, limits.
The grader's own robustness (bad files, seeds, dead kernels) is tested end to end.
"""
import json
import os
import re
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from bpkit.cli import main
from bpkit.grading import sandbox
from bpkit.grading.grade import UsageError, grade
from bpkit.grading.notebook import grade_id
from bpkit.grading.release import release

EXERCISES = Path(__file__).resolve().parents[1] / "book" / "exercises"

try:
    sandbox.check_available()
    MISSING = None
except sandbox.SandboxUnavailable as exc:     # the README's install step was skipped
    MISSING = str(exc)
pytestmark = pytest.mark.skipif(MISSING is not None and not os.environ.get("CI"),
                                reason=f"no sandbox here: {MISSING}")


def run_in_sandbox(cells, timeout=30, **settings):
    """Execute ``cells`` in a sandboxed kernel; the text each cell printed, or its error."""
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    old = os.environ.get(sandbox.SETTINGS)
    os.environ[sandbox.SETTINGS] = json.dumps(settings)
    try:
        NotebookClient(nb, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=timeout,
                       allow_errors=True).execute()
    finally:
        if old is None:
            os.environ.pop(sandbox.SETTINGS)
        else:
            os.environ[sandbox.SETTINGS] = old
    texts = []
    for cell in nb.cells:
        texts.append("".join(o.get("text", "") if o.output_type == "stream"
                             else f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs))
    return [t.strip() for t in texts]


def processes_with(marker):
    """Command lines of running processes that mention ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in line:
            found.append(line)
    return found


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the host's 127.0.0.1 that records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connected, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connected.append(server.accept())
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    stop.set()
    thread.join()
    server.close()


def test_student_code_reaches_no_network(listener):
    port, connected = listener
    out = run_in_sandbox([
        "import socket\n"
        f"for host in ('127.0.0.1', 'localhost', '::1', '10.0.0.1'):\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=2)\n"
        "        print(host, 'connected')\n"
        "    except OSError as e:\n"
        "        print(host, 'refused')",
        "print([name for _, name in socket.if_nameindex()])",
    ])
    assert "connected" not in out[0] and out[0].count("refused") == 4, out
    assert out[1] == "['lo']"
    time.sleep(0.5)
    assert connected == []


def test_student_code_sees_a_read_only_system_and_none_of_the_teachers_files(tmp_path):
    secret = tmp_path / "teacher" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("the answers")
    out = run_in_sandbox([
        "import os\nprint(os.getuid(), os.getgid(), os.getcwd(), os.environ['HOME'])",
        f"print(os.path.exists({str(secret)!r}), os.path.exists({str(EXERCISES)!r}), "
        "os.path.exists('/root/.bashrc'), os.path.exists('/etc/shadow'))",
        "import bpkit, numpy\nprint(sorted(os.listdir(os.path.dirname(os.path.dirname(bpkit.__file__)))))",
        "for path in ('/usr/x', os.path.dirname(numpy.__file__) + '/x', bpkit.__file__):\n"
        "    try:\n        open(path, 'a').write('x')\n        print('wrote', path)\n"
        "    except OSError as e:\n        print(type(e).__name__)",
        "open('/tmp/scratch.txt', 'w').write('mine')\nprint(open('/tmp/scratch.txt').read())",
        "print([line.split()[1:3] for line in open('/proc/self/status') if line.startswith('Cap')])",
    ])
    uid, gid, cwd, home = out[0].split()
    assert int(uid) == int(gid) and (int(uid) in sandbox.KERNEL_UIDS if os.geteuid() == 0
                                     else int(uid) == 65534)
    assert cwd == home == "/tmp"
    assert out[1] == "False False False False"
    assert "book" not in out[2] and "tests" not in out[2] and "bpkit" in out[2]
    assert "wrote" not in out[3] and out[3].count("Error") == 3, out[3]
    assert out[4] == "mine"
    assert all(c == "0000000000000000" for c in re.findall(r"[0-9a-f]{16}", out[5])), out[5]


def test_scratch_and_files_are_bounded(tmp_path):
    limits = {"file_size": 2**20, "scratch": 4 * 2**20}
    out = run_in_sandbox([
        "import os\ntry:\n    open('/tmp/big', 'wb').write(b'x' * 2**21)\n"
        "except OSError as e:\n    print(type(e).__name__)",
        "n = 0\ntry:\n    for i in range(8):\n        open(f'/tmp/f{i}', 'wb').write(b'x' * (2**20 - 1)); n += 1\n"
        "except OSError as e:\n    print('full after', n)",
        "print(get_ipython().history_manager.enabled)",
    ], limits=limits)
    assert out[0] in ("OSError", "")     # SIGXFSZ is ignored by Python: the write fails
    assert out[1].startswith("full after") and int(out[1].split()[-1]) <= 4, out
    # No history database in the scratch space, whose sqlite errors would land in a cell
    # once the student has filled it.
    assert out[2] == "False"


def test_nothing_the_student_starts_outlives_the_kernel():
    marker = f"bpkit-{uuid.uuid4().hex}"
    out = run_in_sandbox([
        "import subprocess, os\n"
        f"subprocess.Popen(['sh', '-c', 'sleep 600 # {marker}'], start_new_session=True)\n"
        f"subprocess.Popen(['setsid', 'sh', '-c', 'sleep 600 # {marker}'])\n"
        "print(os.fork() > 0 or os._exit(0) is None)",
    ])
    assert out[0] == "True"
    time.sleep(1)
    assert processes_with(marker) == []


def test_one_kernel_using_up_its_processes_leaves_the_others_theirs():
    hog = ["import os, time\nn = 0\ntry:\n    while n < 200:\n        if os.fork() == 0:\n"
           "            time.sleep(20)\n            os._exit(0)\n        n += 1\n"
           "except OSError:\n    pass\nprint('forked', n)\ntime.sleep(8)"]
    held = {}
    thread = threading.Thread(target=lambda: held.update(out=run_in_sandbox(
        hog, limits={"processes": 48})))
    thread.start()
    time.sleep(4)          # the hog has used up its 48 processes by now, and holds them
    try:
        assert run_in_sandbox(["print(sum(range(10)))"], limits={"processes": 48}) == ["45"]
    finally:
        thread.join()
    assert held["out"][0].startswith("forked") and int(held["out"][0].split()[1]) < 48


def test_memory_is_limited_and_reported():
    out = run_in_sandbox(["import numpy as np\na = np.ones((3, 2**27))"],
                         limits={"memory": 2 * 2**30})
    assert out[0].startswith("MemoryError")


def test_the_socket_folder_is_closed_to_the_student_once_the_kernel_is_up():
    out = run_in_sandbox([
        "import json, glob, os\nfolder = os.path.dirname(glob.glob('/tmp/**/connection.json', "
        "recursive=True)[0])\ntry:\n    open(folder + '/x', 'w')\n    print('wrote')\n"
        "except OSError as e:\n    print(type(e).__name__)"], root="/tmp")
    assert out[0] == "PermissionError"


# --- the grader, end to end ---------------------------------------------------------------

def teacher_folder(tmp_path, check_source, stored):
    """A one-exercise teacher notebook whose check cell prints what ``check_source`` does."""
    answer = new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                           metadata={"nbgrader": {"grade_id": "f", "solution": True,
                                                  "grade": False, "locked": False,
                                                  "schema_version": 3}})
    check = new_code_cell(check_source, execution_count=2,
                          metadata={"nbgrader": {"grade_id": "check_f", "grade": True,
                                                 "points": 1, "solution": False,
                                                 "locked": True, "schema_version": 3}},
                          outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                          text=stored)])
    folder = tmp_path / "source"
    folder.mkdir()
    nbformat.write(new_notebook(cells=[answer, check]), folder / "ex.ipynb")
    return folder


def hand_in(tmp_path, source, answer, student="ann"):
    """The released copy of the teacher's ``ex.ipynb`` with ``answer`` in its answer cell."""
    handout = tmp_path / "handout"
    if not handout.exists():
        release(source, handout)
    nb = nbformat.read(handout / "ex.ipynb", as_version=4)
    nb.cells[0].source = answer
    path = tmp_path / "submitted" / student / "ex.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def test_a_dead_kernel_is_reported_at_once(tmp_path):
    # The check kills its own kernel when the answer returns 2: a crash in native code.
    source = teacher_folder(tmp_path, "import os, signal\nif f() == 2:\n"
                                      "    os.kill(os.getpid(), signal.SIGKILL)\nprint('ok')", "ok\n")
    path = hand_in(tmp_path, source, "def f():\n    return 2\n")
    started = time.monotonic()
    [result] = grade([path], source=source, timeout=120, jobs=1)
    assert time.monotonic() - started < 60        # not the time limit
    assert result.points == 0
    assert "the kernel died: killed by signal 9" in result.exercises[0].reason


def test_the_grader_runs_every_kernel_in_the_sandbox(tmp_path):
    source = teacher_folder(tmp_path, f"import os\nprint(os.getuid() in (65534, *range("
                                      f"200_000, 1_200_000)), os.path.exists({str(tmp_path)!r}))",
                            "True False\n")
    path = hand_in(tmp_path, source, "def f():\n    return 2\n")
    [result] = grade([path], source=source, timeout=20, jobs=1)
    assert result.points == 1, result.exercises
    if os.geteuid() == 0:       # unconfined, the kernel has the grader's uid and files
        [unconfined] = grade([path], source=source, timeout=20, jobs=1, limits=None)
        assert unconfined.points == 0


# --- one bad file never stops the run; grades are reproducible --------------------------

SUBTLY_WRONG_SIGMOID = ("def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                        "    s = 1 / (1 + np.exp(-z))\n"
                        "    return np.where((z > 6) & (z < 7), s + 1e-3, s)\n")


RIGHT_SIGMOID = {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, float)))\n",
                 "sigmoid_prime": "def sigmoid_prime(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n"}


def released(tmp_path, name, answers):
    handout = tmp_path / "handout"
    if not handout.exists():
        release(EXERCISES, handout)
    nb = nbformat.read(handout / name, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def test_hostile_files_cost_their_own_rows_only(tmp_path, capsys):
    submitted = tmp_path / "submitted"
    good = released(tmp_path, "01-sigmoid.ipynb", RIGHT_SIGMOID)
    (submitted / "nested").mkdir(parents=True)
    (submitted / "nested" / "01-sigmoid.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    weird = os.fsencode(submitted) + b"/caf\xe9-\xff"        # latin-1 bytes: not UTF-8
    os.makedirs(weird)
    nbformat.write(good, os.fsdecode(weird + b"/01-sigmoid.ipynb"))
    (submitted / "bom").mkdir()
    (submitted / "bom" / "01-sigmoid.ipynb").write_bytes(
        b"\xef\xbb\xbf" + nbformat.writes(good).encode())
    csv = tmp_path / "grades.csv"
    assert main(["grade", str(submitted), "--csv", str(csv), "--seed", "3"]) == 0
    table = capsys.readouterr().out
    rows = csv.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 3 * 2 and all(",3,/" in row for row in rows[1:]), rows
    nested = [r for r in rows if "/nested/" in r]
    assert all(",0,1,not graded: not a valid notebook file (its JSON is nested too deeply)" in r
               for r in nested), nested
    assert sum(r.startswith("caf\\xe9-\\xff,01-sigmoid.ipynb,sigmoid_prime,1,1,") for r in rows) == 1
    assert sum(r.startswith("bom,01-sigmoid.ipynb,sigmoid_prime,1,1,") for r in rows) == 1, rows
    assert "caf\\xe9" in table


def test_the_csv_is_written_whole_or_not_at_all(tmp_path):
    from bpkit.grading.scores import ExerciseScore, NotebookGrade, write_csv

    out = tmp_path / "grades.csv"
    out.write_text("the previous grades\n")
    broken = NotebookGrade("a.ipynb", [ExerciseScore("f", 1, 1)], seed=1)
    broken.exercises.append(None)                 # fails half way through the rows
    with pytest.raises(AttributeError):
        write_csv([broken], out)
    assert out.read_text() == "the previous grades\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_the_same_seed_gives_the_same_grades(tmp_path):
    path = tmp_path / "submitted" / "ann" / "01-sigmoid.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(released(tmp_path, "01-sigmoid.ipynb", {"sigmoid": SUBTLY_WRONG_SIGMOID}),
                   path)
    verdicts = {}
    for seed in (1, 2):      # the bug shows on seed 2's grading cases, not on seed 1's
        [result] = grade([path], source=EXERCISES, seed=seed, jobs=1)
        verdicts[seed] = result.exercises[0].points
        assert result.seed == seed
    assert verdicts == {1: 1.0, 2: 0.0}
    caught = 2
    # … and the seed that caught it catches it on every run, one notebook or several at once.
    copies = []
    for student in ("bob", "cho", "dan"):
        copies.append(tmp_path / "submitted" / student / "01-sigmoid.ipynb")
        copies[-1].parent.mkdir()
        copies[-1].write_bytes(path.read_bytes())
    again = grade(copies, source=EXERCISES, seed=caught, jobs=2)
    assert [r.exercises[0].points for r in again] == [0.0, 0.0, 0.0]


def test_a_broken_teacher_notebook_is_a_usage_error(tmp_path, capsys):
    source = tmp_path / "source"
    source.mkdir()
    (source / "01-sigmoid.ipynb").write_text("{broken")
    assert main(["grade", str(EXERCISES / "01-sigmoid.ipynb"), "--source", str(source)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    with pytest.raises(UsageError, match="--seed"):
        grade([EXERCISES / "01-sigmoid.ipynb"], seed=-1)


def test_without_the_sandbox_grading_refuses_unless_told(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))        # no bwrap on the PATH
    assert main(["grade", str(EXERCISES / "01-sigmoid.ipynb")]) == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    assert main(["grade", str(EXERCISES / "01-sigmoid.ipynb"), "--memory", "lots"]) == 2
    assert "--memory must be a size" in capsys.readouterr().err


def test_a_comment_the_teacher_adds_after_release_zeroes_nobody(tmp_path):
    source = teacher_folder(tmp_path, "print(f() + 1)", "2\n")
    right = hand_in(tmp_path, source, "def f():\n    return 1\n")
    nb = nbformat.read(source / "ex.ipynb", as_version=4)
    nb.cells[1].source = "# f() must give 1\nprint(f()  +  1)   # spacing changed too\n"
    nbformat.write(nb, source / "ex.ipynb")
    edited = hand_in(tmp_path, source, "def f():\n    return 1\n", student="bob")
    nb = nbformat.read(edited, as_version=4)
    nb.cells[1].source = "print(2)"
    nbformat.write(nb, edited)
    ann, bob = grade([right, edited], source=source, timeout=20, jobs=2)
    assert ann.points == 1, ann.exercises
    assert bob.points == 0 and "check cell check_f was edited" in bob.exercises[0].reason


# --- attacks through the grader, end to end -------------------------------------------------

#: A path the grader can write to and the sandbox must not (the project's own tests folder).
OUTSIDE = Path(__file__).resolve().parent / f"attack-{uuid.uuid4().hex}"

#: Answers to the backprop exercise that try to cheat or escape; each must score zero.
ATTACKS = {
    "runstring calls bpkit": (
        "def backprop(net, X, Y):\n    found = {'net': net, 'X': X, 'Y': Y}\n"
        "    np.testing.runstring('import bpkit; r = bpkit.backprop(net, X, Y)', found)\n"
        "    return found['r']\n"),
    "measure patches allclose": (
        "np.testing.measure('import numpy; numpy.allclose = lambda *a, **k: True')\n"
        "def backprop(net, X, Y):\n"
        "    return [np.zeros_like(W) for W in net.weights], [np.zeros_like(b) for b in net.biases]\n"),
    "runstring runs a shell": (
        f"np.testing.runstring(\"import os; os.system('touch {OUTSIDE}')\", {{}})\n"),
    "memmap writes outside": (
        f"m = np.memmap('{OUTSIDE}', dtype=np.uint8, mode='w+', shape=(4,))\n"),
    "reads the teacher's notebook": (
        f"text = np.fromfile('{EXERCISES / '06-backprop.ipynb'}', dtype=np.uint8)\n"),
    "load with pickles": (f"x = np.load('{OUTSIDE}.npy', allow_pickle=True)\n"),
    "ctypes through numpy": "lib = np.ctypeslib.load_library('libc', '/lib')\n",
    "a match pattern reads __globals__": (
        "R = {}\ndef backprop(net, X, Y):\n    return R['f'](net, X, Y)\n"
        "vz = np.vectorize(abs)\nrx = g = None\nmatch vz:\n"
        "    case np.vectorize(__reduce_ex__=rx):\n        pass\nO = rx(1)[1][1]\n"
        "def helper():\n    pass\nmatch helper:\n    case O(__globals__=g):\n        pass\n"
        "g['__builtins__']['exec']('import bpkit\\nR[\"f\"] = bpkit.backprop', g)\n"),
    "a cell too long to read": "def backprop(net, X, Y):\n    pass\n" + "a = 1\n" * 1_000_000,
}


def test_every_attack_scores_zero_and_touches_nothing(tmp_path):
    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    paths = []
    for k, attack in enumerate(ATTACKS.values()):
        nb = nbformat.read(handout / "06-backprop.ipynb", as_version=4)
        for cell in nb.cells:
            if grade_id(cell) == "backprop":
                cell.source = attack
        path = tmp_path / "submitted" / f"s{k}" / "06-backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        paths.append(path)
    results = grade(paths, source=EXERCISES, timeout=30, jobs=2, seed=5)
    for name, result in zip(ATTACKS, results):
        assert result.points == 0, (name, result.exercises)
        assert result.exercises[0].reason, name
    assert not OUTSIDE.exists()


def test_with_the_policy_switched_off_the_sandbox_still_contains_the_escapes(tmp_path,
                                                                            monkeypatch):
    from bpkit.grading import splice
    monkeypatch.setattr(splice.policy, "problems", lambda *args, **kwargs: [])
    escapes = ["runstring runs a shell", "memmap writes outside", "reads the teacher's notebook"]
    handout = tmp_path / "handout"
    release(EXERCISES, handout)
    paths = []
    for k, name in enumerate(escapes):
        nb = nbformat.read(handout / "06-backprop.ipynb", as_version=4)
        for cell in nb.cells:
            if grade_id(cell) == "backprop":
                cell.source = ATTACKS[name] + "\ndef backprop(net, X, Y):\n    return 0\n"
        path = tmp_path / "submitted" / f"s{k}" / "06-backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        paths.append(path)
    results = grade(paths, source=EXERCISES, timeout=30, jobs=2, seed=5)
    reasons = [r.exercises[0].reason for r in results]
    assert all(r.points == 0 for r in results), reasons
    assert "answer cell raised FileNotFoundError" in reasons[1], reasons     # memmap
    assert "answer cell raised FileNotFoundError" in reasons[2], reasons     # the teacher's file
    assert not OUTSIDE.exists()


def test_check_cells_are_compared_with_the_released_copy(tmp_path, capsys):
    source = teacher_folder(tmp_path, "print(f() + 1)", "2\n")
    path = hand_in(tmp_path, source, "def f():\n    return 1\n")   # releases to handout/
    manifest = json.loads((tmp_path / "handout" / "release-manifest.json").read_text())
    assert list(manifest["notebooks"]["ex.ipynb"]) == ["check_f"]
    nb = nbformat.read(source / "ex.ipynb", as_version=4)
    nb.cells[1].source = "print(1 + f())"          # the teacher rewrites the check later
    nbformat.write(nb, source / "ex.ipynb")
    [without] = grade([path], source=source, timeout=20, jobs=1)
    assert "check cell check_f was edited" in without.exercises[0].reason
    [with_manifest] = grade([path], source=source, timeout=20, jobs=1,
                            released=tmp_path / "handout")
    assert with_manifest.points == 1, with_manifest.exercises
    assert main(["grade", str(path), "--source", str(source), "--release", str(tmp_path)]) == 2
    assert "not a release manifest" in capsys.readouterr().err


def test_a_flood_of_output_is_cut_and_the_answer_still_graded(tmp_path):
    from bpkit.grading import _pytest_plugin
    printed = "for _ in range(10):\n    print('x' * 1_000_000)\n\n" + RIGHT_SIGMOID["sigmoid"]
    shown = RIGHT_SIGMOID["sigmoid"] + "\n'x' * 300_000_000\n"     # one 300 MB result
    paths = []
    for student, sigmoid in (("ann", printed), ("bob", shown)):
        paths.append(tmp_path / "submitted" / student / "01-sigmoid.ipynb")
        paths[-1].parent.mkdir(parents=True)
        nbformat.write(released(tmp_path, "01-sigmoid.ipynb",
                                {**RIGHT_SIGMOID, "sigmoid": sigmoid}), paths[-1])
    started = time.monotonic()
    ann, bob = grade(paths, source=EXERCISES, timeout=60, jobs=2, seed=1)
    assert time.monotonic() - started < 60
    assert ann.points == 2, ann.exercises
    assert 10 * 1_000_000 > 4 * _pytest_plugin.MAX_OUTPUT
    assert bob.points == 1 and "larger than the grader reads" in bob.exercises[0].reason
